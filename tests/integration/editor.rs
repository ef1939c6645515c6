//! The editor: its logic driven headless (the editor's own systems in an App
//! without a window, on the software renderer), RON round trips, and the
//! real window under Xvfb with Bevy's screenshot API.

use crate::common::{repo_path, temp_dir};
use bevy::prelude::*;
use edgecase::editor::document::Document;
use edgecase::editor::session::{Session, ViewCamera};
use edgecase::editor::{EditorCommand, EditorCorePlugin, EditorState};
use edgecase::scenario::{self, Scenario};
use edgecase::sensors::camera::GpuContext;
use std::path::Path;

fn gpu() -> GpuContext {
    GpuContext::new_headless().expect("a Vulkan adapter (Mesa lavapipe)")
}

fn small_view() -> ViewCamera {
    ViewCamera {
        width: 240,
        height: 150,
        ..ViewCamera::default()
    }
}

/// A copy of a shipped scenario with one small camera, comments kept.
fn small_copy(name: &str, dir: &Path) -> std::path::PathBuf {
    let src = std::fs::read_to_string(repo_path(&format!("scenarios/{name}.ron"))).unwrap();
    let path = dir.join(format!("{name}.ron"));
    std::fs::write(&path, &src).unwrap();
    let mut doc = Document::open(&path);
    assert!(doc.error.is_none(), "{:?}", doc.error);
    let mut s = doc.scenario.clone();
    s.sensors.cameras.truncate(1);
    s.sensors.cameras[0].width = 160;
    s.sensors.cameras[0].height = 96;
    s.output.kitti_camera = s.sensors.cameras[0].name.clone();
    assert!(doc.apply(s));
    doc.save(None).unwrap();
    path
}

fn editor_app(path: &Path) -> App {
    let mut app = App::new();
    app.add_plugins(EditorCorePlugin::new(
        Document::open(path),
        gpu(),
        small_view(),
    ));
    app
}

fn send(app: &mut App, cmd: EditorCommand) {
    app.world_mut().write_message(cmd);
    app.update();
}

#[test]
fn select_move_fog_and_save_give_the_expected_ron() {
    let dir = temp_dir();
    let path = small_copy("fog_pedestrian", dir.path());
    let original = std::fs::read_to_string(&path).unwrap();
    let mut app = editor_app(&path);
    send(&mut app, EditorCommand::Seek(20));
    // a vehicle visible in the free view, found through the view's own labels
    let (x, y, role) = {
        let session = app.world().non_send::<Session>();
        assert_eq!(session.tick(), Some(20));
        let (img, _) = session.view.as_ref().expect("the view rendered");
        let snap = session.snapshot.as_ref().unwrap();
        let mut hit = None;
        'scan: for y in 0..img.height {
            for x in 0..img.width {
                let (_, inst) = edgecase::core::classes::split_label_value(
                    img.labels()[(y * img.width + x) as usize] as u32,
                );
                if let Some(o) = snap
                    .objects
                    .iter()
                    .find(|o| o.instance_id == inst && inst != 0)
                    && o.role.to_string().starts_with("parked[")
                {
                    hit = Some((x, y, o.role.to_string()));
                    break 'scan;
                }
            }
        }
        hit.expect("a parked vehicle in the editor's view")
    };
    send(&mut app, EditorCommand::SelectAt { x, y });
    assert_eq!(
        app.world()
            .resource::<EditorState>()
            .selection
            .map(|r| r.to_string()),
        Some(role.clone())
    );
    let index: usize = role["parked[".len()..role.len() - 1].parse().unwrap();
    let before = app.world().resource::<Document>().scenario.clone();
    send(
        &mut app,
        EditorCommand::MoveSelected {
            ds_m: 4.5,
            dlateral_m: 0.0,
        },
    );
    send(&mut app, EditorCommand::SetFog(Some(80.0)));
    let edited = app.world().resource::<Document>().scenario.clone();
    assert_eq!(
        edited.props.parked[index].s_m,
        before.props.parked[index].s_m + 4.5
    );
    assert_eq!(edited.weather.fog.as_ref().unwrap().visibility_m, 80.0);
    // the session re-simulated the edit at the tick shown
    let session = app.world().non_send::<Session>();
    assert_eq!(session.tick(), Some(20));
    assert_eq!(session.scenario(), &edited);
    send(&mut app, EditorCommand::Save(None));
    let saved = std::fs::read_to_string(&path).unwrap();
    // the file parses to exactly the edited scenario
    assert_eq!(scenario::parse(&saved, &path).unwrap(), edited);
    // and only the two edited values' lines changed: comments and layout kept
    let changed: Vec<(&str, &str)> = original
        .lines()
        .zip(saved.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(original.lines().count(), saved.lines().count());
    assert_eq!(changed.len(), 2, "{changed:#?}");
    assert!(
        changed.iter().any(|(_, b)| b.contains("visibility_m: 80")),
        "{changed:#?}"
    );
    let new_s = format!("{}", edited.props.parked[index].s_m);
    assert!(
        changed.iter().any(|(_, b)| b.contains(&new_s)),
        "{changed:#?}"
    );
    assert_eq!(
        original.matches("//").count(),
        saved.matches("//").count(),
        "comments kept"
    );
}

#[test]
fn every_shipped_scenario_round_trips_and_keeps_its_comments() {
    let mut checked = 0;
    for dir in ["scenarios", "scenarios/hazards"] {
        for entry in std::fs::read_dir(repo_path(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "ron") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let loaded = scenario::parse(&text, &path).unwrap();
            // load -> save -> load, no edit: the same scenario and the same bytes
            let same = scenario::patch::save_text(&text, &loaded, &loaded);
            assert_eq!(same.text, text, "{}", path.display());
            // an edit touching a nested optional, a list item and a top-level value
            let mut edited = loaded.clone();
            edgecase::editor::edit::set_fog(&mut edited, Some(123.0));
            edited.frames += 7;
            edgecase::editor::edit::add_actor(
                &mut edited,
                edgecase::editor::edit::NewActor::Pedestrian,
                12.0,
            );
            let saved = scenario::patch::save_text(&text, &loaded, &edited);
            assert!(saved.patched, "{}: fell back to a rewrite", path.display());
            let again = scenario::parse(&saved.text, &path).unwrap();
            assert_eq!(again, edited, "{}", path.display());
            assert_eq!(
                text.matches("//").count(),
                saved.text.matches("//").count(),
                "{}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} scenarios");
}

#[test]
fn invalid_edits_and_broken_files_show_line_col_without_crashing() {
    let dir = temp_dir();
    let path = small_copy("clear_day_urban", dir.path());
    let mut app = editor_app(&path);
    let good = app.world().resource::<Document>().scenario.clone();
    let mut bad = good.clone();
    bad.road.lane_width_m = -3.0;
    send(&mut app, EditorCommand::Edit(Box::new(bad)));
    {
        let doc = app.world().resource::<Document>();
        let e = doc.error.as_ref().expect("rejected");
        // the position is the field's in the user's own file
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text
            .lines()
            .position(|l| l.contains("lane_width_m"))
            .unwrap()
            + 1;
        assert_eq!(e.line, line, "{e}");
        assert!(e.col > 0, "{e}");
        assert_eq!(doc.scenario, good, "the bad edit is kept out");
        assert!(!app.world().resource::<EditorState>().message.is_empty());
    }
    // the file is broken on disk: the editor reports where, and keeps running
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen("name:", "nmae:", 1);
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, &broken).unwrap();
    send(&mut app, EditorCommand::Reload);
    let doc = app.world().resource::<Document>();
    let e = doc.error.as_ref().expect("a parse error");
    let line = broken.lines().position(|l| l.contains("nmae:")).unwrap() + 1;
    assert_eq!(e.line, line, "{e}");
    assert_eq!(doc.scenario, good);
    assert!(app.world().non_send::<Session>().tick().is_some());
}

#[test]
fn seeking_back_gives_the_frame_that_stepping_gave() {
    let dir = temp_dir();
    let path = small_copy("fog_pedestrian", dir.path());
    let s: Scenario = Document::open(&path).scenario;
    let mut stepped = Session::new(gpu(), s.clone(), small_view());
    for _ in 0..=12 {
        stepped.step();
    }
    let mut seeked = Session::new(gpu(), s, small_view());
    seeked.seek_now(25);
    seeked.seek_now(12);
    assert_eq!(stepped.tick(), Some(12));
    assert_eq!(seeked.tick(), Some(12));
    let a = stepped.frame.as_ref().unwrap();
    let b = seeked.frame.as_ref().unwrap();
    assert_eq!(a.frame, 12);
    assert_eq!(
        serde_json::to_string(&a.labels).unwrap(),
        serde_json::to_string(&b.labels).unwrap()
    );
    assert_eq!(a.images[0].rgba(), b.images[0].rgba());
    assert_eq!(a.images[0].labels(), b.images[0].labels());
}

#[test]
fn the_editor_window_opens_and_shows_panels_and_scene() {
    let xvfb = std::process::Command::new("sh")
        .args(["-c", "command -v xvfb-run"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !xvfb {
        if std::env::var_os("CI").is_some() {
            panic!("xvfb-run is required in CI (tools/setup-debian.sh installs it)");
        }
        eprintln!("SKIPPED: xvfb-run is not installed (apt-get install xvfb xauth)");
        return;
    }
    let dir = temp_dir();
    let shot = dir.path().join("editor.png");
    let out = std::process::Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1600x1000x24"])
        .arg(env!("CARGO_BIN_EXE_edgecase"))
        .args(["--scenario", "clear_day_urban", "--screenshot"])
        .arg(&shot)
        .args(["--screenshot-after-frames", "12"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("UI frames, mean"), "{stderr}");
    let img = image::open(&shot).unwrap().to_rgb8();
    assert_eq!((img.width(), img.height()), (1440, 860));
    let layout: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(shot.with_extension("json")).unwrap())
            .unwrap();
    let region = |name: &str| -> Vec<[u8; 3]> {
        let r = layout[name]
            .as_array()
            .unwrap_or_else(|| panic!("{name} in layout"));
        let f = |i: usize| r[i].as_f64().unwrap().max(0.0) as u32;
        let (x0, y0, x1, y1) = (f(0), f(1), f(2).min(img.width()), f(3).min(img.height()));
        assert!(x1 > x0 + 50 && y1 > y0 + 50, "{name}: {r:?}");
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .map(|(x, y)| img.get_pixel(x, y).0)
            .collect()
    };
    let distinct = |px: &[[u8; 3]]| {
        px.iter()
            .map(|p| (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    // the scene: a rendered street has many colours, sky blue among them
    let scene = region("scene_view");
    assert!(
        distinct(&scene) > 300,
        "scene has {} colours",
        distinct(&scene)
    );
    let sky = scene
        .iter()
        .filter(|p| p[2] > p[0] + 30 && p[2] > 120)
        .count();
    assert!(
        sky > scene.len() / 50,
        "{sky} sky pixels of {}",
        scene.len()
    );
    // the view fills the free space under the timeline (it takes the
    // panel's shape), and the render controls are on screen
    let rect = |name: &str| -> Vec<f64> {
        layout[name]
            .as_array()
            .unwrap_or_else(|| panic!("{name} in layout"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let view = rect("scene_view");
    assert!(
        view[3] > 860.0 - 80.0,
        "the scene view ends at y = {}, leaving the space under it empty",
        view[3]
    );
    let render = rect("render_controls");
    assert!(
        render[1] >= 0.0 && render[3] <= 860.0,
        "render controls at {render:?}"
    );
    // the panels: mostly egui's flat panel fill, with text on it
    for panel in ["scenario_panel", "sensor_panel"] {
        let px = region(panel);
        let mut counts = std::collections::BTreeMap::new();
        for p in &px {
            *counts.entry(*p).or_insert(0usize) += 1;
        }
        let (fill, n) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
        assert!(
            *n as f64 > 0.4 * px.len() as f64,
            "{panel}: fill {fill:?} {n}"
        );
        assert!(distinct(&px) > 20, "{panel}: no text drawn");
    }
}

#[test]
fn render_n_frames_writes_a_dataset_from_the_edited_scenario() {
    let dir = temp_dir();
    let path = small_copy("clear_day_urban", dir.path());
    let mut app = editor_app(&path);
    send(&mut app, EditorCommand::SetFog(Some(60.0)));
    let out = dir.path().join("export");
    send(
        &mut app,
        EditorCommand::RenderFrames {
            frames: 6,
            out: out.clone(),
        },
    );
    let started = std::time::Instant::now();
    loop {
        app.update();
        let state = app.world().resource::<EditorState>();
        if let Some(r) = &state.exports[0].result {
            let written = r.as_ref().unwrap();
            assert_eq!(written.dir, out);
            assert_eq!(
                (written.frames, written.requested, written.resumed),
                (6, 6, 0)
            );
            break;
        }
        assert!(started.elapsed().as_secs() < 300, "export did not finish");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["frames"], 6);
    // the dataset is of the edited scenario (the fog), not the file's
    assert_eq!(
        manifest["scenario"]["resolved"]["weather"]["fog"]["visibility_m"],
        60.0
    );
}

#[test]
fn the_editor_without_a_display_or_with_a_missing_file_exits_2() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("WAYLAND_SOCKET")
            .output()
            .unwrap()
    };
    let o = run(&["--scenario", "fog_pedestrian"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("needs a display") && err.contains("--headless"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let o = run(&["--scenario", "no_such_scenario_here"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no shipped scenario of that name"), "{err}");
}

/// The editor's sensor view shows the image the dataset writes, not the
/// bare render: stepping the editor through the frames gives, frame by
/// frame, the written rgb PNG to the byte (motion blur, dirt on the lens,
/// auto-exposure adapting over the frames, bloom, vignetting, colour
/// fringes, JPEG), and the same auto-exposure gain in its labels.
#[test]
fn the_sensor_view_shows_the_image_as_written_with_auto_exposure() {
    use edgecase::core::contamination::LensContamination;
    use edgecase::core::effects::CameraEffects;
    let dir = temp_dir();
    let path = small_copy("rain_night_street", dir.path());
    let mut doc = Document::open(&path);
    let mut s = doc.scenario.clone();
    s.sensors.cameras[0].effects = CameraEffects {
        exposure_ms: 20.0,
        auto_exposure_s: 0.3,
        auto_exposure_target: 0.4,
        bloom: 0.5,
        vignetting: 0.3,
        chromatic_aberration_px: 1.5,
        jpeg_quality: 85,
        ..Default::default()
    };
    s.sensors.cameras[0].contamination = LensContamination {
        raindrops: 0.08,
        mud: 0.05,
        ..Default::default()
    };
    assert!(doc.apply(s.clone()));
    doc.save(None).unwrap();
    let out = dir.path().join("ds");
    let o = crate::common::render_cli(path.to_str().unwrap(), 4, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let camera = &s.sensors.cameras[0].name;
    let mut session = Session::new(gpu(), s.clone(), small_view());
    let mut gains = Vec::new();
    for f in 0..4 {
        session.step();
        let name = format!("{f:06}");
        let written = image::open(out.join(format!("cameras/{camera}/rgb/{name}.png")))
            .unwrap()
            .into_rgba8()
            .into_raw();
        let shown = session.delivered_rgba.as_ref().unwrap();
        let bare = session.frame.as_ref().unwrap().images[0].rgba();
        assert_ne!(
            shown.as_slice(),
            bare,
            "frame {f}: the bare render is shown"
        );
        assert!(
            shown == &written,
            "frame {f}: the editor shows another image"
        );
        let labels: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.join(format!("labels/{name}.json"))).unwrap(),
        )
        .unwrap();
        let gain = session
            .frame
            .as_ref()
            .unwrap()
            .labels
            .as_ref()
            .unwrap()
            .cameras[0]
            .exposure_gain
            .unwrap();
        assert_eq!(Some(gain), labels["cameras"][0]["exposure_gain"].as_f64());
        gains.push(gain);
    }
    // the night street is darker than the target: the camera gains up
    assert!(gains.iter().all(|g| *g > 1.0), "{gains:?}");
}

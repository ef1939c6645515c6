//! The editor window: bevy_egui panels around the free view and the ego
//! sensors. Draws from `Session`/`Document` and only writes `EditorCommand`s.

mod panels;
mod view;

use super::{EditorCommand, EditorCorePlugin, EditorState, ViewMove, edit::NewActor};
use panels::*;
use view::*;

use crate::core::camera::depth_m_from_buffer;

use crate::core::classes::{Class, split_label_value};

use crate::editor::document::Document;

use crate::editor::session::Session;

use bevy::prelude::*;

use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};

use glam::{DMat4, DVec2, DVec3};

use std::path::PathBuf;

use std::time::Instant;

use transform_gizmo_egui::{Gizmo, GizmoConfig, GizmoExt, GizmoMode, GizmoResult};

/// What the ego camera panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum SensorLayer {
    #[default]
    Rgb,
    Semantic,
    Instance,
    Depth,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum LidarColour {
    #[default]
    Off,
    Class,
    Intensity,
}

/// UI-only state (nothing here changes the scenario).
#[derive(Default)]
struct Panels {
    layer: SensorLayer,
    tight_boxes: bool,
    amodal_boxes: bool,
    boxes_3d: bool,
    lidar: LidarColour,
    place_hazard: bool,
    scrub: u64,
    save_as: String,
    export_frames: u64,
    export_out: String,
    /// (tick, view pose, layer) the textures were made from.
    shown: Option<(u64, Option<crate::core::frames::Pose>, SensorLayer)>,
    view_tex: Option<egui::TextureHandle>,
    sensor_tex: Option<egui::TextureHandle>,
    gizmo: Gizmo,
    gizmo_total: Option<DVec3>,
    gizmo_turned: bool,
    /// The scenario as JSON for the typed field editors.
    tree: Option<serde_json::Value>,
    tree_of: Option<crate::scenario::Scenario>,
    /// Why the last "set" could not be done.
    tree_error: Option<String>,
    /// The LiDAR sweep in view pixels, and what it was projected for.
    lidar_px: Vec<(DVec2, egui::Color32)>,
    #[allow(clippy::type_complexity)]
    lidar_key: Option<(
        Option<(u64, Option<crate::core::frames::Pose>, SensorLayer)>,
        LidarColour,
    )>,
    /// Screen rects for `--screenshot` checks: (name, [x0, y0, x1, y1]).
    rects: Vec<(String, [f32; 4])>,
}

/// `--screenshot PATH`: after `frames` UI frames, capture the window with
/// Bevy's screenshot API, write it and the panel layout, and exit.
#[derive(Resource, Clone)]
pub struct ScreenshotRequest {
    pub path: PathBuf,
    pub after_frames: u32,
    /// Show this tick first.
    pub seek: Option<u64>,
    /// Select this actor first.
    pub select: Option<String>,
    /// Ego camera layer: rgb, semantic, instance or depth.
    pub layer: Option<String>,
    /// LiDAR over the view: class or intensity.
    pub lidar: Option<String>,
}

#[derive(Resource, Default)]
struct FrameTimes {
    started: Option<Instant>,
    last: Option<Instant>,
    frames: u32,
    sum_ms: f64,
    max_ms: f64,
    requested: bool,
}

#[derive(Resource, Default, Clone)]
struct LayoutRects(Vec<(String, [f32; 4])>);

pub fn run_window(core: EditorCorePlugin, screenshot: Option<ScreenshotRequest>) -> u8 {
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(bevy::window::WindowPlugin {
        primary_window: Some(bevy::window::Window {
            title: "Edgecase editor".into(),
            resolution: bevy::window::WindowResolution::new(1440, 860),
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .add_plugins(core)
    .init_resource::<FrameTimes>()
    .init_resource::<LayoutRects>()
    .add_systems(Startup, |mut commands: Commands| {
        commands.spawn(Camera2d);
    })
    .add_systems(EguiPrimaryContextPass, draw_ui)
    .add_systems(Last, frame_times);
    if let Some(s) = screenshot {
        let first: Vec<EditorCommand> = s
            .seek
            .map(EditorCommand::Seek)
            .into_iter()
            .chain(
                s.select
                    .as_deref()
                    .and_then(crate::scenario::Role::parse)
                    .map(|r| EditorCommand::Select(Some(r))),
            )
            .collect();
        app.insert_resource(s).add_systems(
            Startup,
            move |mut out: MessageWriter<EditorCommand>| {
                for c in &first {
                    out.write(c.clone());
                }
            },
        );
    }
    match app.run() {
        AppExit::Success => 0,
        AppExit::Error(_) => 1,
    }
}

/// Mean and worst UI frame time; `--screenshot` runs print them.
fn frame_times(
    mut t: ResMut<FrameTimes>,
    request: Option<Res<ScreenshotRequest>>,
    rects: Res<LayoutRects>,
    mut commands: Commands,
) {
    let now = Instant::now();
    t.started.get_or_insert(now);
    if let Some(last) = t.last {
        // the first frames build pipelines: measure from the 3rd on
        t.frames += 1;
        if t.frames > 2 {
            let ms = now.duration_since(last).as_secs_f64() * 1e3;
            t.sum_ms += ms;
            t.max_ms = t.max_ms.max(ms);
        }
    }
    t.last = Some(now);
    let Some(req) = request else {
        return;
    };
    if t.frames >= req.after_frames && !t.requested {
        t.requested = true;
        let n = (t.frames - 2).max(1) as f64;
        crate::console::to_stderr!(
            "editor: {} UI frames, mean {:.1} ms, worst {:.1} ms",
            t.frames - 2,
            t.sum_ms / n,
            t.max_ms
        );
        let path = req.path.clone();
        let rects = rects.0.clone();
        commands.spawn(Screenshot::primary_window()).observe(
            move |shot: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                let result = save_screenshot(&shot.image, &path, &rects);
                if let Err(e) = &result {
                    crate::console::to_stderr!("error: {e}");
                }
                exit.write(if result.is_ok() {
                    AppExit::Success
                } else {
                    AppExit::error()
                });
            },
        );
    }
}

fn save_screenshot(
    image: &Image,
    path: &std::path::Path,
    rects: &[(String, [f32; 4])],
) -> Result<(), String> {
    let rgb = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("screenshot: {e}"))?
        .to_rgb8();
    rgb.save(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let layout: serde_json::Map<String, serde_json::Value> = rects
        .iter()
        .map(|(k, r)| (k.clone(), serde_json::json!(r)))
        .collect();
    let json = serde_json::to_string_pretty(&layout).map_err(|e| e.to_string())?;
    std::fs::write(path.with_extension("json"), json)
        .map_err(|e| format!("cannot write the layout: {e}"))
}

#[allow(clippy::too_many_arguments)]
fn draw_ui(
    mut contexts: EguiContexts,
    doc: Res<Document>,
    session: NonSend<Session>,
    state: Res<EditorState>,
    mut out: MessageWriter<EditorCommand>,
    mut p: Local<Panels>,
    mut layout: ResMut<LayoutRects>,
    request: Option<Res<ScreenshotRequest>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    p.rects.clear();
    if p.export_frames == 0 {
        p.export_frames = 100;
        p.tight_boxes = true;
        p.boxes_3d = true;
        if let Some(r) = &request {
            p.layer = match r.layer.as_deref() {
                Some("semantic") => SensorLayer::Semantic,
                Some("instance") => SensorLayer::Instance,
                Some("depth") => SensorLayer::Depth,
                _ => SensorLayer::Rgb,
            };
            p.lidar = match r.lidar.as_deref() {
                Some("class") => LidarColour::Class,
                Some("intensity") => LidarColour::Intensity,
                _ => LidarColour::Off,
            };
        }
        p.export_out = format!("out/{}_editor", doc.scenario.name);
        p.save_as = doc.path.as_ref().map_or_else(
            || format!("{}.ron", doc.scenario.name),
            |x| x.display().to_string(),
        );
    }
    refresh_textures(&ctx, &session, &mut p);
    let mut root = egui::Ui::new(
        ctx.clone(),
        "editor".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    top_bar(&mut root, &doc, &session, &state, &mut out, &mut p);
    scenario_panel(&mut root, &doc, &state, &mut out, &mut p);
    sensor_panel(&mut root, &session, &mut p);
    scene_view(&mut root, &session, &state, &mut out, &mut p);
    layout.0 = p.rects.clone();
    Ok(())
}

fn refresh_textures(ctx: &egui::Context, session: &Session, p: &mut Panels) {
    let key = (
        session.tick().unwrap_or(0),
        session.view.as_ref().map(|v| v.1),
        p.layer,
    );
    // a resized view (a new session at the same tick and pose) is new too
    let resized = match (&session.view, &p.view_tex) {
        (Some((img, _)), Some(t)) => t.size() != [img.width as usize, img.height as usize],
        _ => false,
    };
    if p.shown.as_ref() == Some(&key) && !resized {
        return;
    }
    if let Some((img, _)) = &session.view {
        let ci = rgba_image(img.width, img.height, img.rgba());
        match &mut p.view_tex {
            Some(t) => t.set(ci, egui::TextureOptions::LINEAR),
            None => p.view_tex = Some(ctx.load_texture("view", ci, egui::TextureOptions::LINEAR)),
        }
    }
    if let Some(img) = session.frame.as_ref().and_then(|f| f.images.first()) {
        let ci = sensor_image(img, session.delivered_rgba.as_deref(), p.layer);
        match &mut p.sensor_tex {
            Some(t) => t.set(ci, egui::TextureOptions::NEAREST),
            None => {
                p.sensor_tex = Some(ctx.load_texture("sensor", ci, egui::TextureOptions::NEAREST))
            }
        }
    }
    p.shown = Some(key);
}

fn record(p: &mut Panels, name: &str, r: egui::Rect) {
    p.rects
        .push((name.into(), [r.min.x, r.min.y, r.max.x, r.max.y]));
}

fn top_bar(
    root: &mut egui::Ui,
    doc: &Document,
    session: &Session,
    state: &EditorState,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    let ctx = root.ctx().clone();
    let r = egui::Panel::top("top").show_inside(root, |ui| {
        ui.horizontal(|ui| {
            let name = doc
                .path
                .as_ref()
                .map_or("(unsaved)".into(), |x| x.display().to_string());
            ui.strong(format!("{name}{}", if doc.dirty() { " *" } else { "" }));
            if ui.button("Save").clicked() {
                out.write(EditorCommand::Save(None));
            }
            ui.text_edit_singleline(&mut p.save_as);
            if ui.button("Save as").clicked() {
                out.write(EditorCommand::Save(Some(PathBuf::from(&p.save_as))));
            }
            if ui.button("Reload").clicked() {
                out.write(EditorCommand::Reload);
            }
            ui.separator();
            if state.playing {
                if ui.button("⏸ Pause").clicked() {
                    out.write(EditorCommand::Pause);
                }
            } else if ui.button("▶ Play").clicked() {
                out.write(EditorCommand::Play);
            }
            if ui.button("Step").clicked() {
                out.write(EditorCommand::Step);
            }
            if ui.button("Restart").clicked() {
                out.write(EditorCommand::Restart);
            }
            let tick = session.tick().unwrap_or(0);
            let last = doc.scenario.frames.saturating_sub(1).max(1);
            if !ui.ctx().egui_is_using_pointer() {
                p.scrub = session.seek_target.unwrap_or(tick);
            }
            let slider = ui.add(egui::Slider::new(&mut p.scrub, 0..=last).text("tick"));
            if slider.drag_stopped() || (slider.changed() && !slider.dragged()) {
                out.write(EditorCommand::Seek(p.scrub));
            }
            ui.label(format!("t = {:.2} s", tick as f64 / doc.scenario.tick_hz));
            if let Some(target) = session.seek_target {
                let done = tick as f32 / target.max(1) as f32;
                ui.add(
                    egui::ProgressBar::new(done)
                        .desired_width(120.0)
                        .text(format!("seeking {tick}/{target}")),
                );
                ctx.request_repaint();
            }
        });
        if let Some(e) = &doc.error {
            ui.colored_label(egui::Color32::LIGHT_RED, e.to_string());
        } else if !state.message.is_empty() {
            ui.label(&state.message);
        }
    });
    record(p, "top_bar", r.response.rect);
    if state.playing {
        ctx.request_repaint();
    }
}

//! Sensor failures as scenario events: each frame lists those in effect; a
//! camera failure changes its image only, a LiDAR failure removes its
//! returns (and the labels count what is left).

use crate::common::{edgecase, render_cli, scenario, shipped_small, temp_dir};
use edgecase::core::failures::{FailureKind, SensorFailure};
use std::fs;
use std::path::Path;

fn failure(sensor: &str, kind: FailureKind, start_s: f64, duration_s: f64) -> SensorFailure {
    SensorFailure {
        sensor: sensor.into(),
        kind,
        start_s,
        duration_s,
    }
}

/// cyclist_door (front camera, VLP-16 "top"), 8 frames at 10 Hz.
fn run(dir: &Path, name: &str, failures: Vec<SensorFailure>) -> std::path::PathBuf {
    let mut s = scenario(&shipped_small("hazards/cyclist_door", 160, 120));
    s.sensors.failures = failures;
    let p = dir.join(format!("{name}.ron"));
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = dir.join(name);
    let o = render_cli(
        p.to_str().unwrap(),
        8,
        &out,
        &["--formats", "kitti,coco,nuscenes"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn labels(d: &Path, f: u64) -> serde_json::Value {
    serde_json::from_slice(&fs::read(d.join(format!("labels/{f:06}.json"))).unwrap()).unwrap()
}

/// The LiDAR points of a frame: x, y, z, intensity, ring (nuScenes .pcd.bin).
fn points(d: &Path, f: u64) -> Vec<[f32; 5]> {
    fs::read(d.join(format!("nuscenes/samples/LIDAR_TOP/{f:06}.pcd.bin")))
        .unwrap()
        .chunks_exact(20)
        .map(|c| {
            std::array::from_fn(|i| f32::from_le_bytes(c[i * 4..i * 4 + 4].try_into().unwrap()))
        })
        .collect()
}

#[test]
fn failures_are_listed_and_do_what_they_say() {
    let tmp = temp_dir();
    let clean = run(tmp.path(), "clean", vec![]);
    let failed = run(
        tmp.path(),
        "failed",
        vec![
            failure("front", FailureKind::Blackout, 0.2, 0.2),
            failure("front", FailureKind::Saturation, 0.6, 0.1),
            failure(
                "top",
                FailureKind::DeadRings {
                    rings: vec![0, 1, 2, 3, 4, 5, 6, 7],
                },
                0.0,
                0.3,
            ),
            failure(
                "top",
                FailureKind::BlockedSector {
                    from_deg: -45.0,
                    to_deg: 45.0,
                },
                0.3,
                0.2,
            ),
            failure(
                "top",
                FailureKind::ReducedRange { max_range_m: 12.0 },
                0.5,
                0.3,
            ),
        ],
    );
    for f in 0..8u64 {
        let (a, b) = (labels(&failed, f), labels(&clean, f));
        let listed: Vec<String> = a["failures"].as_array().map_or(vec![], |v| {
            v.iter().map(|x| format!("{}", x["kind"])).collect()
        });
        let t = f as f64 / 10.0;
        let want = [
            (0.2..0.4, "Blackout"),
            (0.6..0.7, "Saturation"),
            (0.0..0.3, "DeadRings"),
            (0.3..0.5, "BlockedSector"),
            (0.5..0.8, "ReducedRange"),
        ];
        for (window, kind) in want {
            let on = window.contains(&(t + 1e-9));
            assert_eq!(
                listed.iter().any(|l| l.contains(kind)),
                on,
                "frame {f}: {kind} listed {listed:?}"
            );
        }
        // the camera's image: black, white, or the clean run's
        let rgb = |d: &Path| {
            image::open(d.join(format!("cameras/front/rgb/{f:06}.png")))
                .unwrap()
                .into_rgb8()
        };
        let img = rgb(&failed);
        match f {
            2 | 3 => assert!(img.pixels().all(|p| p.0 == [0, 0, 0]), "frame {f} black"),
            6 => assert!(
                img.pixels().all(|p| p.0 == [255, 255, 255]),
                "frame {f} white"
            ),
            _ => assert_eq!(img, rgb(&clean), "frame {f}"),
        }
        // the camera's boxes are the clean run's (LiDAR counts aside)
        let boxes = |v: &serde_json::Value| {
            v["cameras"][0]["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o["instance_id"].clone(),
                        o["bbox_visible_px"].clone(),
                        o["visible_pixels"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(boxes(&a), boxes(&b), "frame {f}");
        // the LiDAR
        let (p, q) = (points(&failed, f), points(&clean, f));
        assert!(
            !p.is_empty() && p.len() < q.len(),
            "frame {f}: {} of {} points",
            p.len(),
            q.len()
        );
        if t < 0.3 {
            assert!(
                p.iter().all(|x| x[4] >= 8.0),
                "frame {f}: a dead ring returned"
            );
        }
        if (0.3..0.5).contains(&(t + 1e-9)) {
            let ahead = |x: &[f32; 5]| (x[1] as f64).atan2(x[0] as f64).to_degrees().abs() <= 45.0;
            assert!(
                !p.iter().any(ahead) && q.iter().any(ahead),
                "frame {f}: the blocked sector returned"
            );
        }
        if t + 1e-9 >= 0.5 {
            let far = |x: &[f32; 5]| (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt() > 12.0 + 1e-3;
            assert!(
                !p.iter().any(far) && q.iter().any(far),
                "frame {f}: returns beyond the range"
            );
        }
    }
}

/// A failure for the wrong kind of sensor, or for none, is refused with
/// line and column.
#[test]
fn impossible_failures_are_refused_with_line_col() {
    let tmp = temp_dir();
    for (failure, says) in [
        (
            "(sensor: \"front\", kind: DeadRings(rings: [1]), duration_s: 1.0)",
            "this failure is for the other kind",
        ),
        (
            "(sensor: \"rear\", kind: Blackout, duration_s: 1.0)",
            "names no camera or LiDAR",
        ),
        (
            "(sensor: \"top\", kind: ReducedRange(max_range_m: -1.0), duration_s: 1.0)",
            "max_range_m -1",
        ),
    ] {
        let text = shipped_small("hazards/cyclist_door", 160, 120).replacen(
            "lidars:",
            &format!("failures: [{failure}], lidars:"),
            1,
        );
        let p = tmp.path().join("bad.ron");
        fs::write(&p, text).unwrap();
        let o = edgecase(&["--check", "--scenario", p.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says) && err.contains("bad.ron:"), "{err}");
    }
}

/// LiDAR interference: exactly the configured number of extra returns in
/// the window, all unlabeled (class 0, no instance), listed in the labels;
/// the objects' return counts unchanged.
#[test]
fn interference_adds_unlabeled_returns_in_its_window() {
    let tmp = temp_dir();
    let clean = run(tmp.path(), "clean", vec![]);
    let spiky = run(
        tmp.path(),
        "spiky",
        vec![failure(
            "top",
            FailureKind::Interference {
                points_per_sweep: 500,
            },
            0.1,
            0.2,
        )],
    );
    let unlabeled = |d: &Path, f: u64| {
        fs::read(d.join(format!("lidar/top/labels/{f:06}.label")))
            .unwrap()
            .chunks_exact(4)
            .filter(|c| u32::from_le_bytes((*c).try_into().unwrap()) == 0)
            .count()
    };
    for f in 0..8u64 {
        let on = (1..3).contains(&f);
        let extra = points(&spiky, f).len() - points(&clean, f).len();
        assert_eq!(extra, if on { 500 } else { 0 }, "frame {f}");
        assert_eq!(
            unlabeled(&spiky, f) - unlabeled(&clean, f),
            extra,
            "frame {f}"
        );
        let (a, b) = (labels(&spiky, f), labels(&clean, f));
        assert_eq!(a["failures"].is_array(), on, "frame {f}");
        assert_eq!(
            a["lidars"][0]["objects"], b["lidars"][0]["objects"],
            "frame {f}"
        );
    }
}

/// A frozen camera repeats the first image of its window byte for byte
/// (its clean twin and labels keep describing the scene), and updates
/// again after it.
#[test]
fn a_frozen_camera_repeats_its_first_image_of_the_window() {
    let tmp = temp_dir();
    let mut s = scenario(&shipped_small("hazards/cyclist_door", 160, 120));
    s.sensors.cameras[0].effects.clean_twin = true;
    s.sensors.cameras[0].effects.read_noise = 0.01;
    s.sensors.failures = vec![failure("front", FailureKind::Frozen, 0.2, 0.3)];
    let p = tmp.path().join("frozen.ron");
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = tmp.path().join("frozen");
    let o = render_cli(p.to_str().unwrap(), 8, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = |kind: &str, f: u64| {
        fs::read(out.join(format!("cameras/front/{kind}/{f:06}.png"))).unwrap()
    };
    for f in 0..8u64 {
        let listed = labels(&out, f)["failures"]
            .as_array()
            .is_some_and(|v| v.iter().any(|x| x["kind"] == "Frozen"));
        assert_eq!(listed, (2..5).contains(&f), "frame {f}");
        if (3..5).contains(&f) {
            assert_eq!(file("rgb", f), file("rgb", 2), "frame {f} repeats frame 2");
            assert_ne!(
                file("rgb_clean", f),
                file("rgb_clean", 2),
                "the scene moves on"
            );
        } else if f > 0 {
            assert_ne!(file("rgb", f), file("rgb", f - 1), "frame {f} updates");
        }
    }
    // KITTI's image_2 is the frozen image too
    assert_eq!(
        fs::read(out.join("kitti/training/image_2/000004.png")).unwrap(),
        file("rgb", 2)
    );
}

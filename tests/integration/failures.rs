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
    run_formats(dir, name, failures, "kitti,coco,nuscenes")
}

fn run_formats(
    dir: &Path,
    name: &str,
    failures: Vec<SensorFailure>,
    formats: &str,
) -> std::path::PathBuf {
    let mut s = scenario(&shipped_small("hazards/cyclist_door", 160, 120));
    s.sensors.failures = failures;
    let p = dir.join(format!("{name}.ron"));
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = dir.join(name);
    let o = render_cli(p.to_str().unwrap(), 8, &out, &["--formats", formats]);
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

/// A clock offset moves its sensor's stamps and nothing else: in the window
/// the camera's and the LiDAR's labels carry `stamp_s` (frame time +
/// offset), nuScenes' sample_data and the MCAP messages use it (check_mcap
/// checks every message's time against the labels), while images, points
/// and every other label are the run's without it.
#[test]
fn a_clock_offset_moves_its_sensors_stamps_only() {
    let tmp = temp_dir();
    let formats = "nuscenes,mcap";
    let clean = run_formats(tmp.path(), "clean", vec![], formats);
    let off = |sensor: &str, offset_ms, start_s, duration_s| {
        failure(
            sensor,
            FailureKind::ClockOffset { offset_ms },
            start_s,
            duration_s,
        )
    };
    let skewed = run_formats(
        tmp.path(),
        "skewed",
        vec![off("front", 40.0, 0.2, 0.3), off("top", -25.0, 0.4, 0.2)],
        formats,
    );
    let table = |d: &Path| -> Vec<serde_json::Value> {
        serde_json::from_slice(
            &fs::read(d.join("nuscenes/v1.0-trainval/sample_data.json")).unwrap(),
        )
        .unwrap()
    };
    let (skewed_data, clean_data) = (table(&skewed), table(&clean));
    let timestamp = |rows: &[serde_json::Value], channel: &str, f: u64| {
        let file = format!("samples/{channel}/{f:06}.");
        rows.iter()
            .find(|r| r["filename"].as_str().unwrap().starts_with(&file))
            .unwrap()["timestamp"]
            .as_i64()
            .unwrap()
    };
    for f in 0..8u64 {
        let (mut a, b) = (labels(&skewed, f), labels(&clean, f));
        let time_us = (f as i64) * 100_000;
        let (cam_us, lidar_us) = (
            time_us + if (2..5).contains(&f) { 40_000 } else { 0 },
            time_us - if (4..6).contains(&f) { 25_000 } else { 0 },
        );
        let stamp = |v: &serde_json::Value| v["stamp_s"].as_f64().map(|s| (s * 1e6).round() as i64);
        assert_eq!(
            stamp(&a["cameras"][0]),
            (cam_us != time_us).then_some(cam_us),
            "frame {f}"
        );
        assert_eq!(
            stamp(&a["lidars"][0]),
            (lidar_us != time_us).then_some(lidar_us),
            "frame {f}"
        );
        assert_eq!(timestamp(&skewed_data, "CAM_FRONT", f), cam_us, "frame {f}");
        assert_eq!(
            timestamp(&skewed_data, "LIDAR_TOP", f),
            lidar_us,
            "frame {f}"
        );
        assert_eq!(timestamp(&clean_data, "CAM_FRONT", f), time_us, "frame {f}");
        // everything else is the clean run's
        let obj = a.as_object_mut().unwrap();
        assert_eq!(
            obj.remove("failures").is_some(),
            (2..6).contains(&f),
            "frame {f}"
        );
        obj["cameras"][0].as_object_mut().unwrap().remove("stamp_s");
        obj["lidars"][0].as_object_mut().unwrap().remove("stamp_s");
        assert_eq!(a, b, "frame {f}");
        for file in [
            format!("cameras/front/rgb/{f:06}.png"),
            format!("lidar/top/velodyne/{f:06}.bin"),
        ] {
            assert_eq!(
                fs::read(skewed.join(&file)).unwrap(),
                fs::read(clean.join(&file)).unwrap(),
                "{file}"
            );
        }
    }
    // every MCAP message at its sensor's stamp (the checker compares each
    // with the labels)
    crate::common::python_checker("python3", "check_mcap.py", "mcap, google.protobuf", &skewed);
}

/// Dropped frames: the sensor's files of those frames are absent in every
/// format (KITTI's ImageSets, COCO's images, nuScenes' samples and
/// sample_data chains, the MCAP topics skip them), the labels keep the frame
/// and say `dropped`, and every other frame is the clean run's byte for byte.
#[test]
fn dropped_frames_are_absent_everywhere_and_flagged() {
    let tmp = temp_dir();
    let formats = "kitti,coco,nuscenes,mcap";
    let clean = run_formats(tmp.path(), "clean", vec![], formats);
    let dropped = run_formats(
        tmp.path(),
        "dropped",
        vec![
            failure("front", FailureKind::Dropped, 0.2, 0.2),
            failure("top", FailureKind::Dropped, 0.5, 0.1),
        ],
        formats,
    );
    let (camera_gone, lidar_gone) = (|f: u64| (2..4).contains(&f), |f: u64| f == 5);
    for f in 0..8u64 {
        let (a, b) = (labels(&dropped, f), labels(&clean, f));
        assert_eq!(
            a["cameras"][0]["dropped"].as_bool() == Some(true),
            camera_gone(f),
            "frame {f}"
        );
        assert_eq!(
            a["lidars"][0]["dropped"].as_bool() == Some(true),
            lidar_gone(f),
            "frame {f}"
        );
        // what the camera would have seen stays labeled
        assert_eq!(
            a["cameras"][0]["objects"].as_array().unwrap().len(),
            b["cameras"][0]["objects"].as_array().unwrap().len()
        );
        if lidar_gone(f) {
            assert_eq!(a["lidars"][0]["points"], 0);
        }
        let files = |d: &Path, rels: &[String]| {
            rels.iter()
                .map(|r| fs::read(d.join(r)).ok())
                .collect::<Vec<_>>()
        };
        let camera_files = [
            format!("cameras/front/rgb/{f:06}.png"),
            format!("cameras/front/instance/{f:06}.png"),
            format!("nuscenes/samples/CAM_FRONT/{f:06}.png"),
        ];
        let lidar_files = [
            format!("lidar/top/velodyne/{f:06}.bin"),
            format!("lidar/top/labels/{f:06}.label"),
        ];
        let kitti_files = [
            format!("kitti/training/image_2/{f:06}.png"),
            format!("kitti/training/label_2/{f:06}.txt"),
            format!("kitti/training/velodyne/{f:06}.bin"),
        ];
        for (rels, gone) in [
            (&camera_files[..2], camera_gone(f)),
            (&camera_files[2..], camera_gone(f) || lidar_gone(f)),
            (&lidar_files[..], lidar_gone(f)),
            (&kitti_files[..], camera_gone(f) || lidar_gone(f)),
        ] {
            let got = files(&dropped, rels);
            if gone {
                assert!(
                    got.iter().all(Option::is_none),
                    "frame {f}: {rels:?} written"
                );
            } else {
                assert_eq!(got, files(&clean, rels), "frame {f}: {rels:?}");
            }
        }
    }
    let listed = fs::read_to_string(dropped.join("kitti/ImageSets/train.txt")).unwrap();
    assert_eq!(listed, "000000\n000001\n000004\n000006\n000007\n");
    let json = |rel: &str| -> serde_json::Value {
        serde_json::from_slice(&fs::read(dropped.join(rel)).unwrap()).unwrap()
    };
    let coco = json("coco/annotations.json");
    let frames: Vec<u64> = coco["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(frames, [0, 1, 4, 5, 6, 7]);
    // nuScenes: a sample per LIDAR_TOP sweep, CAM_FRONT's chain skips the
    // frames it dropped
    let ns = |table: &str| json(&format!("nuscenes/v1.0-trainval/{table}.json"));
    assert_eq!(ns("sample").as_array().unwrap().len(), 7);
    let data = ns("sample_data");
    let cam: Vec<&serde_json::Value> = data
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["filename"]
                .as_str()
                .unwrap()
                .starts_with("samples/CAM_FRONT/")
        })
        .collect();
    let names: Vec<&str> = cam
        .iter()
        .map(|r| &r["filename"].as_str().unwrap()[18..24])
        .collect();
    assert_eq!(names, ["000000", "000001", "000004", "000006", "000007"]);
    for pair in cam.windows(2) {
        assert_eq!(pair[0]["next"], pair[1]["token"]);
        assert_eq!(pair[1]["prev"], pair[0]["token"]);
    }
    // the MCAP topics skip them (the checker matches each message to its
    // sensor's delivered frames)
    crate::common::python_checker(
        "python3",
        "check_mcap.py",
        "mcap, google.protobuf",
        &dropped,
    );
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
        (
            "(sensor: \"front\", kind: Frozen, start_s: 1.0, duration_s: 1.0), (sensor: \"front\", kind: Dropped, start_s: 1.5, duration_s: 1.0)",
            "drop frames and freeze in overlapping windows",
        ),
        (
            "(sensor: \"top\", kind: ClockOffset(offset_ms: 20000.0), duration_s: 1.0)",
            "offset_ms is 20000",
        ),
        (
            "(sensor: \"front\", kind: ClockOffset(offset_ms: -300.0), start_s: 0.1, duration_s: 1.0)",
            "start the window at >= 0.3 s",
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

//! The formats built from the canonical labels and label images (YOLO,
//! tracking, Cityscapes, COCO panoptic) re-read by their readers, and the motion in the labels checked
//! against the boxes it moves.

use crate::common::{python_checker, render_cli, repo_path, scenario, shipped_small, temp_dir};
use std::fs;
use std::path::Path;

/// clear_day_urban with its two cameras made small: moving traffic, people.
fn small_urban(dir: &Path) -> String {
    let src = fs::read_to_string(repo_path("scenarios/clear_day_urban.ron")).unwrap();
    let mut s = scenario(&src);
    for cam in &mut s.sensors.cameras {
        cam.width /= 2;
        cam.height /= 2;
    }
    let p = dir.join("urban.ron");
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    p.to_str().unwrap().to_string()
}

fn checker(script: &str, modules: &str, dataset: &Path) -> Option<String> {
    python_checker("python3", script, modules, dataset)
}

fn count(last: &str, k: usize) -> usize {
    last.split(", ")
        .nth(k)
        .and_then(|p| p.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count {k} in {last:?}"))
}

/// `--formats all` on two cameras: supervision reads every YOLO box and
/// segment back as the labels say (polygons give exactly the instance's
/// pixels), Ultralytics' own dataset checker verifies every image and
/// label (0 corrupt, boxes and classes ours), py-motmetrics reads the MOT files (GT-vs-GT MOTA 1, a row per
/// object seen, one track per instance id), KITTI-tracking rows carry the
/// instance ids, cityscapesscripts scores the Cityscapes layout (pixel IoU
/// 1, instance AP 1) and COCO panoptic (PQ 1) GT-vs-GT and redraws its
/// polygons; and the run is byte-identical when repeated.
#[test]
fn yolo_and_tracking_files_read_back_as_the_labels_say() {
    let tmp = temp_dir();
    let s = small_urban(tmp.path());
    let out = tmp.path().join("ds");
    let o = render_cli(&s, 12, &out, &["--formats", "all"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if let Some(last) = checker("check_yolo.py", "supervision, yaml, numpy, PIL", &out) {
        assert_eq!(count(&last, 0), 2 * 2 * 12, "{last}");
        assert!(count(&last, 1) >= 50 && count(&last, 2) >= 25, "{last}");
        // the pose layout's people, each with its 17 keypoints
        assert!(count(&last, 4) >= 5, "{last}");
    }
    // Ultralytics' own checker (check_det_dataset, YOLODataset's label
    // verification) in its virtual environment (it imports torch)
    if let Some(last) = crate::common::python_checker(
        "/opt/edgecase-readers/ultralytics/bin/python",
        "check_ultralytics.py",
        "ultralytics",
        &out,
    ) {
        // detect, segment and pose
        assert_eq!(count(&last, 0), 2 * 3 * 12, "{last}");
        assert!(count(&last, 1) >= 50, "{last}");
    }
    if let Some(last) = checker("check_tracking.py", "motmetrics, trackeval", &out) {
        assert_eq!(count(&last, 0), 2, "{last}");
        assert!(count(&last, 1) >= 50 && count(&last, 2) >= 5, "{last}");
        // TrackEval (MOT17 pedestrians, KITTI cars and pedestrians) scored
        assert!(last.ends_with("HOTA 1.000"), "{last}");
    }
    if let Some(last) = checker("check_cityscapes.py", "cityscapesscripts, numpy, PIL", &out) {
        assert_eq!(count(&last, 0), 2 * 12, "{last}");
        assert!(count(&last, 4) >= 20, "{last}");
        let agree: f64 = last
            .rsplit("agree on ")
            .next()
            .and_then(|p| p.split('%').next())
            .and_then(|p| p.parse().ok())
            .unwrap();
        assert!(agree >= 95.0, "{last}");
    }
    // the YOLO and tracking label files are the same bytes on a rerun
    let again = tmp.path().join("again");
    let o = render_cli(&s, 12, &again, &["--formats", "yolo,tracking"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for rel in [
        "tracking/mot/front/gt/gt.txt",
        "tracking/kitti/training/label_02/0001.txt",
    ] {
        assert_eq!(
            fs::read(out.join(rel)).unwrap(),
            fs::read(again.join(rel)).unwrap(),
            "{rel}"
        );
    }
    assert!(!again.join("kitti").exists() && !again.join("coco").exists());
}

/// A bad `--formats` is bad input: exit 2 and the choices named.
#[test]
fn an_unknown_format_is_refused_with_the_choices() {
    let tmp = temp_dir();
    let o = render_cli(
        "clear_day_urban",
        1,
        &tmp.path().join("x"),
        &["--formats", "kitti,voc"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("\"voc\"") && err.contains("yolo"), "{err}");
}

/// Each object's and the ego's velocity is how far its box moved over the
/// last tick (vehicles' boxes move with them), and its acceleration the
/// change of that velocity; absent on the first frame (velocity) and the
/// first two (acceleration).
#[test]
fn velocities_are_how_far_boxes_moved_per_tick() {
    let tmp = temp_dir();
    let s = small_urban(tmp.path());
    let out = tmp.path().join("ds");
    let o = render_cli(&s, 6, &out, &["--formats", "coco"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let frames: Vec<serde_json::Value> = (0..6)
        .map(|f| {
            serde_json::from_slice(&fs::read(out.join(format!("labels/{f:06}.json"))).unwrap())
                .unwrap()
        })
        .collect();
    let objects = |f: usize| {
        frames[f]["cameras"][0]["objects"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert!(objects(0).iter().all(|o| o.get("motion").is_none()));
    assert!(frames[0]["ego"].get("velocity_enu_mps").is_none());
    let dt = frames[1]["time_s"].as_f64().unwrap() - frames[0]["time_s"].as_f64().unwrap();
    let vec3 = |v: &serde_json::Value| -> [f64; 3] { [0, 1, 2].map(|i| v[i].as_f64().unwrap()) };
    let (mut moving, mut checked) = (0, 0);
    for f in 2..6 {
        for o in objects(f).iter().filter(|o| o["class"] == "car") {
            let id = &o["instance_id"];
            let Some(before) = objects(f - 1).into_iter().find(|p| &p["instance_id"] == id) else {
                continue;
            };
            let (c1, c0) = (
                vec3(&o["box_world_enu"]["center_m"]),
                vec3(&before["box_world_enu"]["center_m"]),
            );
            let v = vec3(&o["motion"]["velocity_enu_mps"]);
            for i in 0..3 {
                assert!(((c1[i] - c0[i]) / dt - v[i]).abs() < 0.01, "{o}");
            }
            let a = vec3(&o["motion"]["acceleration_enu_mps2"]);
            let v0 = vec3(&before["motion"]["velocity_enu_mps"]);
            for i in 0..3 {
                assert!(((v[i] - v0[i]) / dt - a[i]).abs() < 0.05, "{o}");
            }
            // the ego-axes velocity is the same vector (same length)
            let ve = vec3(&o["motion"]["velocity_ego_mps"]);
            let len = |u: [f64; 3]| u.iter().map(|x| x * x).sum::<f64>().sqrt();
            assert!((len(v) - len(ve)).abs() < 1e-4);
            moving += usize::from(len(v) > 1.0);
            checked += 1;
        }
    }
    assert!(
        checked >= 8 && moving >= 4,
        "{checked} cars checked, {moving} moving"
    );
    // the ego's velocity is how far it moved over the last tick too; its
    // speed is the one at the frame's time, within the tick's change of it
    let ego = |f: usize, key: &str| vec3(&frames[f]["ego"][key]);
    let (ego_v, ego_a) = (ego(3, "velocity_enu_mps"), ego(3, "acceleration_enu_mps2"));
    let (p3, p2) = (ego(3, "position_m"), ego(2, "position_m"));
    for i in 0..3 {
        assert!(((p3[i] - p2[i]) / dt - ego_v[i]).abs() < 0.01, "{ego_v:?}");
    }
    let speed = frames[3]["ego"]["speed_mps"].as_f64().unwrap();
    let change = ego_a[0].hypot(ego_a[1]) * dt;
    assert!(
        (ego_v[0].hypot(ego_v[1]) - speed).abs() <= change + 0.01,
        "{ego_v:?} vs {speed} m/s"
    );
}

/// tools/check_nuscenes.py on the dataset at `out`: its last line, or
/// None where the devkit is missing (outside CI). It runs in the virtual
/// environment tools/setup-debian.sh installs nuscenes-devkit in with its
/// own pins (NumPy < 2), unless EDGECASE_NUSCENES_PYTHON names another
/// interpreter; else in python3.
fn check_nuscenes(out: &Path) -> Option<String> {
    let python = std::env::var("EDGECASE_NUSCENES_PYTHON")
        .unwrap_or_else(|_| "/opt/edgecase-readers/nuscenes/bin/python".into());
    let python = if Path::new(&python).exists() {
        python
    } else {
        "python3".into()
    };
    python_checker(&python, "check_nuscenes.py", "nuscenes, matplotlib", out)
}

/// nuScenes: nuscenes-devkit loads the tables, renders a sample (cameras,
/// LiDAR with boxes over the map stub), reads one lidarseg label per point,
/// and its detection evaluation scores the ground truth as predictions
/// mAP 1.0 and NDS 1.0 (velocities from the devkit's box_velocity over the
/// annotations' prev/next, attributes from the annotations).
#[test]
fn nuscenes_devkit_loads_renders_and_scores_ground_truth_1() {
    let tmp = temp_dir();
    let p = tmp.path().join("cyclist.ron");
    fs::write(&p, shipped_small("hazards/cyclist_door", 320, 240)).unwrap();
    let out = tmp.path().join("ds");
    let o = render_cli(p.to_str().unwrap(), 16, &out, &["--formats", "nuscenes"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if let Some(last) = check_nuscenes(&out) {
        assert_eq!(count(&last, 0), 16, "{last}");
        assert!(count(&last, 1) >= 16 && count(&last, 2) >= 10_000, "{last}");
        assert!(
            last.contains("car") && last.ends_with("mAP 1.000, NDS 1.000"),
            "{last}"
        );
    }
}

/// nuScenes takes a box's velocity from its instance's neighbouring
/// annotations: a child the sensors see in one sample only (a car parked
/// beside the ego's start hides it after the first) gets a second
/// annotation in the next sample (no LiDAR points), so the evaluation of
/// the ground truth against itself still scores NDS 1.0 (0.95 without:
/// the pedestrians' velocity error counted as the worst).
#[test]
fn a_person_seen_in_one_sample_only_keeps_nuscenes_ground_truth_at_1() {
    let tmp = temp_dir();
    let src = fs::read_to_string(repo_path("scenarios/hazards/child_ball.ron")).unwrap();
    let mut s = scenario(&src);
    s.sensors.cameras[0].width = 160;
    s.sensors.cameras[0].height = 120;
    s.props.parked[1].s_m = 0.0;
    let p = tmp.path().join("child.ron");
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = tmp.path().join("ds");
    let o = render_cli(p.to_str().unwrap(), 4, &out, &["--formats", "nuscenes"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // the companions: annotations no sensor labels, with no LiDAR points,
    // each the second of an instance of two
    let table = |name: &str| -> Vec<serde_json::Value> {
        let path = out.join(format!("nuscenes/v1.0-trainval/{name}.json"));
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
    };
    let annotations = table("sample_annotation");
    let labeled: usize = (0..4)
        .map(|f| {
            let path = out.join(format!("labels/{f:06}.json"));
            let frame: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
            let mut ids: Vec<u64> = frame["cameras"]
                .as_array()
                .into_iter()
                .chain(frame["lidars"].as_array())
                .flatten()
                .flat_map(|s| s["objects"].as_array().cloned().unwrap_or_default())
                .filter(|o| !(o["class"] == "bicycle" && o["rider_instance_id"].is_u64()))
                .filter_map(|o| o["instance_id"].as_u64())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len()
        })
        .sum();
    assert!(
        annotations.len() > labeled,
        "{} annotations, {labeled} labeled",
        annotations.len()
    );
    if let Some(last) = check_nuscenes(&out) {
        assert!(
            last.contains("pedestrian") && last.ends_with("mAP 1.000, NDS 1.000"),
            "{last}"
        );
    }
}

/// MCAP: the mcap reader decodes every message of recording.mcap with
/// Google's protobuf runtime as its Foxglove schema, one per frame per topic
/// (images and point clouds the dataset's own files, boxes the labels'),
/// the summary and chunk indexes agree; Rerun's own MCAP importer turns it
/// into an image, a pinhole, a point cloud and the transforms of every
/// frame; and the recording is the same bytes when the run is repeated.
#[test]
fn the_mcap_recording_decodes_and_is_deterministic() {
    let tmp = temp_dir();
    let p = tmp.path().join("cyclist.ron");
    fs::write(&p, shipped_small("hazards/cyclist_door", 320, 240)).unwrap();
    let runs: Vec<_> = ["a", "b"]
        .iter()
        .map(|name| {
            let out = tmp.path().join(name);
            let o = render_cli(p.to_str().unwrap(), 8, &out, &["--formats", "mcap"]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            out
        })
        .collect();
    let bytes = |d: &Path| fs::read(d.join("recording.mcap")).unwrap();
    assert_eq!(bytes(&runs[0]), bytes(&runs[1]));
    if let Some(last) = checker("check_mcap.py", "mcap, google.protobuf", &runs[0]) {
        // tf: (world -> ego, ego -> camera, ego -> LiDAR) x 8; image,
        // calibration, annotations, points, boxes x 8
        assert_eq!(count(&last, 0), 8 * 3 + 5 * 8, "{last}");
        assert_eq!(count(&last, 1), 6, "{last}");
        assert!(count(&last, 3) >= 8, "{last}");
    }
    if let Some(last) = crate::common::python_checker(
        "/opt/edgecase-readers/rerun/bin/python",
        "check_rerun.py",
        "rerun",
        &runs[0],
    ) {
        assert_eq!(last, "8 images, 8 pinholes, 8 point clouds, 24 transforms");
    }
}

/// Flow: the KITTI flow PNGs, decoded as KITTI's devkit does, agree with a
/// depth + ego-pose warp written independently in Python on static pixels
/// (median error under 0.5 px), moving rigid objects' flow lands on the
/// same instance in the next frame, LiDAR scene flow is zero on the static
/// world and moves object points as their boxes move. A scenario asking for
/// flow without depth images is refused by --check.
#[test]
fn flow_agrees_with_an_independent_depth_and_pose_warp() {
    let tmp = temp_dir();
    let p = tmp.path().join("motorway.ron");
    fs::write(&p, shipped_small("hazards/debris_truck_motorway", 320, 240)).unwrap();
    let out = tmp.path().join("ds");
    let o = render_cli(p.to_str().unwrap(), 8, &out, &["--formats", "flow"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("cameras/front/flow/000006.png").exists());
    assert!(
        !out.join("cameras/front/flow/000007.png").exists(),
        "no frame after the last"
    );
    if let Some(last) = checker("check_flow.py", "cv2, numpy", &out) {
        assert_eq!(count(&last, 0), 7, "{last}");
        let share: f64 = last
            .split(", ")
            .nth(3)
            .and_then(|p| p.split('%').next())
            .and_then(|p| p.parse().ok())
            .unwrap();
        assert!(count(&last, 2) >= 100 && share >= 90.0, "{last}");
        assert!(count(&last, 4) > 1000, "{last}");
    }
    let src = shipped_small("hazards/debris_truck_motorway", 320, 240);
    let mut s = scenario(&src);
    s.output.formats = vec![edgecase::scenario::Format::Flow];
    s.output.depth.clear();
    let bad = tmp.path().join("bad.ron");
    fs::write(&bad, edgecase::scenario::to_ron(&s)).unwrap();
    let o = crate::common::edgecase(&["--check", "--scenario", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Flow format needs"));
}

//! Datasets re-read with the rules of the readers perception engineers use
//! (OpenPCDet's KITTI calibration, KITTI's object evaluator, pycocotools'
//! evaluator, FiftyOne's importer), on cameras that are pitched and rolled.

use crate::common::{render_cli, repo_path, scenario, temp_dir};
use std::fs;
use std::path::Path;

/// clear_day_urban, small, with the front camera pitched down 4 degrees and
/// rolled 3: KITTI must carry the tilt in its calibration.
fn tilted_urban(dir: &Path) -> String {
    let src = fs::read_to_string(repo_path("scenarios/clear_day_urban.ron")).unwrap();
    let mut s = scenario(&src);
    s.sensors.cameras.truncate(1);
    let cam = &mut s.sensors.cameras[0];
    cam.width = 320;
    cam.height = 240;
    cam.mount.pitch_deg = 4.0;
    cam.mount.roll_deg = 3.0;
    let p = dir.join("tilted.ron");
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    p.to_str().unwrap().to_string()
}

/// A calib line's numbers, found by OpenPCDet's fixed line order
/// (P2 is line 3, R0_rect line 5, Tr_velo_to_cam line 6).
fn calib_line(text: &str, index: usize, key: &str) -> Vec<f64> {
    let line = text.lines().nth(index).unwrap();
    let (k, values) = line.split_once(": ").unwrap();
    assert_eq!(k, key, "calib line {index}");
    values.split(' ').map(|v| v.parse().unwrap()).collect()
}

/// OpenPCDet's `boxes3d_kitti_camera_to_imageboxes`: the eight corners of a
/// label_2 box (rectified camera frame) through P2, their pixel extent.
fn openpcdet_image_box(fields: &[f64], p2: &[f64]) -> [f64; 4] {
    let (h, w, l) = (fields[7], fields[8], fields[9]);
    let (x, y, z, ry) = (fields[10], fields[11], fields[12], fields[13]);
    let (s, c) = ry.sin_cos();
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for i in 0..8 {
        let cx = if i & 1 == 0 { l / 2.0 } else { -l / 2.0 };
        let cy = if i & 2 == 0 { 0.0 } else { -h };
        let cz = if i & 4 == 0 { w / 2.0 } else { -w / 2.0 };
        let p = [c * cx + s * cz + x, cy + y, -s * cx + c * cz + z, 1.0];
        let img: Vec<f64> = (0..3)
            .map(|r| (0..4).map(|k| p2[r * 4 + k] * p[k]).sum())
            .collect();
        let (u, v) = (img[0] / img[2], img[1] / img[2]);
        b = [b[0].min(u), b[1].min(v), b[2].max(u), b[3].max(v)];
    }
    b
}

/// Every non-truncated, non-occluded KITTI box, parsed as OpenPCDet parses
/// it, projects onto the object's own amodal 2D box (the projection of its
/// true 3D box through the true, tilted camera) within 1 px.
#[test]
fn kitti_boxes_project_onto_their_2d_boxes_by_openpcdet_rules() {
    let tmp = temp_dir();
    let sc = tilted_urban(tmp.path());
    let out = tmp.path().join("ds");
    let o = render_cli(&sc, 20, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (mut checked, mut worst) = (0, 0.0f64);
    for frame in 0..20 {
        let name = format!("{frame:06}");
        let calib =
            fs::read_to_string(out.join(format!("kitti/training/calib/{name}.txt"))).unwrap();
        let p2 = calib_line(&calib, 2, "P2");
        let r0 = calib_line(&calib, 4, "R0_rect");
        // R0_rect is a rotation, and not the identity for a tilted camera
        assert!(
            (r0[0] - 1.0).abs() > 1e-5 || (r0[4] - 1.0).abs() > 1e-5,
            "{r0:?}"
        );
        let labels: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(out.join(format!("labels/{name}.json"))).unwrap(),
        )
        .unwrap();
        let objects = labels["cameras"][0]["objects"].as_array().unwrap();
        let label_2 =
            fs::read_to_string(out.join(format!("kitti/training/label_2/{name}.txt"))).unwrap();
        // label_2 rows come in the canonical record's order (DontCare last)
        let rows: Vec<&str> = label_2
            .lines()
            .filter(|l| !l.starts_with("DontCare"))
            .collect();
        let real: Vec<&serde_json::Value> = objects
            .iter()
            .filter(|o| !o["bbox_visible_px"].is_null() && !o["too_small"].as_bool().unwrap())
            .collect();
        assert_eq!(rows.len(), real.len(), "frame {name}");
        for (row, obj) in rows.iter().zip(real) {
            let f: Vec<f64> = row.split(' ').skip(1).map(|v| v.parse().unwrap()).collect();
            if f[0] > 0.0 || f[1] as u8 != 0 {
                continue; // truncated or occluded
            }
            let projected = openpcdet_image_box(&f, &p2);
            // bbox_*_px are pixel edges; P2 maps to pixel centres
            let amodal: Vec<f64> = obj["bbox_amodal_px"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() - 0.5)
                .collect();
            let err = (0..4)
                .map(|i| (projected[i] - amodal[i]).abs())
                .fold(0.0, f64::max);
            worst = worst.max(err);
            assert!(
                err <= 1.0,
                "frame {name}: {row} projects to {projected:?}, its 2D box is {amodal:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} boxes checked");
    eprintln!("{checked} KITTI boxes project within {worst:.3} px of their 2D boxes");
    // KITTI's evaluator (the devkit's Python port, as MMDetection3D ships
    // it) finds every box of the ground truth scored against itself, with
    // nothing else, in 2D, BEV and 3D and at every difficulty it has boxes in
    if let Some(last) = crate::common::python_checker(
        "/opt/edgecase-readers/kitti/bin/python",
        "check_kitti.py",
        "numba",
        &out,
    ) {
        assert!(
            last.contains("classes ") && last.contains("recall and precision 1"),
            "{last}"
        );
    }
}

/// Run tools/check_coco.py (pycocotools) on a dataset; its last line.
pub(crate) fn check_coco(dataset: &Path) -> Option<String> {
    crate::common::python_checker(
        "python3",
        "check_coco.py",
        "pycocotools, PIL, numpy",
        dataset,
    )
}

/// The `k`-th count of check_coco.py's last line ("<N> masks checked, <K>
/// ignored, <P> people with keypoints, categories: ...").
pub(crate) fn coco_summary_count(last: &str, k: usize) -> usize {
    last.split(", ")
        .nth(k)
        .and_then(|part| part.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count {k} in {last:?}"))
}

/// The first `frames` frames of a shipped scenario, one camera at `w`x`h`.
fn render_shipped(dir: &Path, name: &str, w: u32, h: u32, frames: u32) -> std::path::PathBuf {
    let p = dir.join(format!("{}.ron", name.replace('/', "_")));
    fs::write(&p, crate::common::shipped_small(name, w, h)).unwrap();
    let out = dir.join("ds");
    let o = render_cli(p.to_str().unwrap(), frames, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// jaywalking_group at 320x240 has people too small to label (far down the
/// street): COCO marks them crowd regions, so a detector that finds every
/// other object scores AP 1.0 in pycocotools (0.54 when they counted).
#[test]
fn coco_ignores_tiny_objects_so_finding_the_rest_scores_ap_1() {
    let tmp = temp_dir();
    let out = render_shipped(tmp.path(), "hazards/jaywalking_group", 320, 240, 12);
    let Some(last) = check_coco(&out) else {
        return;
    };
    let ignored = coco_summary_count(&last, 1);
    assert!(ignored > 0, "no tiny object to ignore: {last}");
}

/// cyclist_door's cyclist is in COCO (as the documented extra category
/// `rider`), with no `instance_id` key (FiftyOne's importer reserves it).
#[test]
fn cyclists_are_a_coco_person_and_bicycle_and_one_kitti_cyclist() {
    let tmp = temp_dir();
    // the ego stands; cyclists pass it on both sides, seen side-on by a
    // camera looking across the road
    let scenario = tmp.path().join("cyclists_side_view.ron");
    fs::write(
        &scenario,
        r#"(
    name: "cyclists_side_view",
    seed: 5,
    frames: 30,
    road: (segments: [Straight(length_m: 120.0)], lanes_forward: 1, lanes_backward: 1),
    ego: (lane: 0, start_s_m: 30.0, speed_mps: 0.0),
    cyclists: [
        (s_m: 22.0, side: Right, offset_m: 1.2, speed_mps: 3.0),
        (s_m: 38.0, side: Left, offset_m: 1.2, speed_mps: 3.0),
    ],
    sensors: (cameras: [
        (name: "right", width: 256, height: 192, hfov_deg: 100.0, mount: (z_m: 1.5, yaw_deg: -90.0)),
        (name: "left", width: 256, height: 192, hfov_deg: 100.0, mount: (z_m: 1.5, yaw_deg: 90.0)),
    ]),
    output: (kitti_camera: "right"),
)"#,
    )
    .unwrap();
    let out = tmp.path().join("ds");
    let o = render_cli(scenario.to_str().unwrap(), 30, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = fs::read_to_string(out.join("coco/annotations.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cats = doc["categories"].as_array().unwrap();
    let id_of = |name: &str| {
        cats.iter()
            .find(|c| c["name"] == name)
            .map(|c| c["id"].clone())
    };
    assert_eq!(id_of("person"), Some(1.into()));
    assert_eq!(id_of("bicycle"), Some(2.into()));
    assert_eq!(id_of("rider"), None, "riders are COCO persons");
    let anns = doc["annotations"].as_array().unwrap();
    assert!(anns.iter().all(|a| a.get("instance_id").is_none()));
    let category_of = |instance: u64| {
        anns.iter()
            .filter(|a| a["edgecase_instance_id"] == instance)
            .map(|a| a["category_id"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    // every visible ridden bicycle: its own COCO bicycle, its rider a person,
    // one KITTI Cyclist row whose box spans both
    let (mut pairs, mut frames) = (0, 0);
    for frame in 0..30 {
        let labels: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(out.join(format!("labels/{frame:06}.json"))).unwrap(),
        )
        .unwrap();
        let objects = labels["cameras"][0]["objects"].as_array().unwrap();
        let kitti =
            fs::read_to_string(out.join(format!("kitti/training/label_2/{frame:06}.txt"))).unwrap();
        let kitti_rows: Vec<Vec<f64>> = kitti
            .lines()
            .filter(|l| l.starts_with("Cyclist "))
            .map(|l| {
                l.split(' ')
                    .skip(4)
                    .take(4)
                    .map(|v| v.parse().unwrap())
                    .collect()
            })
            .collect();
        let cyclists = objects
            .iter()
            .filter(|o| o["kitti_type"] == "Cyclist" && !o["bbox_visible_px"].is_null())
            .filter(|o| o["too_small"] == false)
            .count();
        assert_eq!(
            kitti_rows.len(),
            cyclists,
            "frame {frame}: one row per cyclist"
        );
        for bike in objects.iter().filter(|o| o["class"] == "bicycle") {
            assert_eq!(
                bike["kitti_type"], "",
                "a bicycle has no KITTI row of its own"
            );
            let rider_id = bike["rider_instance_id"].as_u64().expect("ridden");
            let rider = objects
                .iter()
                .find(|o| o["instance_id"] == rider_id)
                .expect("the rider is labeled in the same camera");
            assert_eq!(rider["class"], "rider");
            let (Some(bb), Some(rb)) = (
                bike["bbox_visible_px"].as_array(),
                rider["bbox_visible_px"].as_array(),
            ) else {
                continue;
            };
            if bike["too_small"] == true || rider["too_small"] == true {
                continue;
            }
            let b: Vec<f64> = bb.iter().map(|v| v.as_f64().unwrap()).collect();
            let r: Vec<f64> = rb.iter().map(|v| v.as_f64().unwrap()).collect();
            let union = [
                b[0].min(r[0]),
                b[1].min(r[1]),
                b[2].max(r[2]),
                b[3].max(r[3]),
            ];
            assert!(
                kitti_rows
                    .iter()
                    .any(|row| row.iter().zip(union).all(|(k, u)| (k - u).abs() < 0.01)),
                "frame {frame}: no Cyclist row spans rider {r:?} and bicycle {b:?}"
            );
            // in every image: the bicycle a COCO bicycle, the rider a person
            let bike_cats = category_of(bike["instance_id"].as_u64().unwrap());
            assert!(!bike_cats.is_empty() && bike_cats.iter().all(|c| *c == 2));
            let rider_cats = category_of(rider_id);
            assert!(!rider_cats.is_empty() && rider_cats.iter().all(|c| *c == 1));
            pairs += 1;
        }
        frames += 1;
    }
    assert!(pairs > 0, "no visible rider and bicycle in {frames} frames");
    if let Some(last) = check_coco(&out) {
        assert!(
            last.contains("bicycle") && last.contains("person"),
            "{last}"
        );
    }
}

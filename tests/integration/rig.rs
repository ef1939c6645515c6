//! The six-camera surround rig (scenarios/surround_city.ron): every camera
//! is labeled by the same rules as the front one, and an object keeps one
//! instance id across the cameras and the LiDAR.

use crate::common::{extent_of, render_cli, repo_path, scenario, temp_dir};
use std::collections::BTreeMap;
use std::fs;

#[test]
fn every_surround_camera_is_labeled_and_ids_agree_across_sensors() {
    let tmp = temp_dir();
    let src = fs::read_to_string(repo_path("scenarios/surround_city.ron")).unwrap();
    let mut s = scenario(&src);
    assert_eq!(s.sensors.cameras.len(), 6);
    for c in &mut s.sensors.cameras {
        c.width = 192;
        c.height = 108;
    }
    let p = tmp.path().join("rig.ron");
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = tmp.path().join("ds");
    let o = render_cli(p.to_str().unwrap(), 6, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut seen_by: BTreeMap<String, usize> = BTreeMap::new();
    for f in 0..6 {
        let labels: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join(format!("labels/{f:06}.json"))).unwrap())
                .unwrap();
        // instance id -> (class, world box) as every sensor reports it
        let mut by_id: BTreeMap<u64, (String, serde_json::Value)> = BTreeMap::new();
        for cam in labels["cameras"].as_array().unwrap() {
            let name = cam["camera"].as_str().unwrap().to_string();
            let img = image::open(out.join(format!("cameras/{name}/instance/{f:06}.png")))
                .unwrap()
                .into_luma16();
            let ids = img.as_raw();
            for o in cam["objects"].as_array().unwrap() {
                let id = o["instance_id"].as_u64().unwrap();
                let entry = (
                    o["class"].as_str().unwrap().to_string(),
                    o["box_world_enu"].clone(),
                );
                let first = by_id.entry(id).or_insert_with(|| entry.clone());
                assert_eq!(
                    *first, entry,
                    "frame {f}: instance {id} differs between cameras"
                );
                // the same rules as the front camera: tight box = mask extent
                let (ext, n) = extent_of(ids.len(), 192, |i| ids[i] as u64 == id);
                assert_eq!(
                    n,
                    o["visible_pixels"].as_u64().unwrap(),
                    "{name} frame {f} id {id}"
                );
                if n > 0 {
                    let b: Vec<f64> = o["bbox_visible_px"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_f64().unwrap())
                        .collect();
                    assert_eq!(b, ext.to_vec(), "{name} frame {f} id {id}");
                    *seen_by.entry(name.clone()).or_default() += 1;
                }
            }
        }
        // the LiDAR's objects carry the cameras' ids and classes
        for lidar in labels["lidars"].as_array().unwrap() {
            for o in lidar["objects"].as_array().unwrap() {
                let id = o["instance_id"].as_u64().unwrap();
                if let Some((class, _)) = by_id.get(&id) {
                    assert_eq!(
                        class,
                        o["class"].as_str().unwrap(),
                        "frame {f}: LiDAR instance {id}"
                    );
                }
            }
        }
    }
    // every camera sees objects; the back camera sees the followers
    assert_eq!(seen_by.len(), 6, "{seen_by:?}");
    assert!(seen_by["back"] >= 6, "{seen_by:?}");
}

/// A miscalibrated camera: the manifest keeps the true calibration (the
/// labels' frame: a box centre in the ego frame projects through it where
/// the labels' camera-frame centre does) and the nominal one the vehicle
/// believes, which misses by the configured error (2 degrees of yaw: about
/// fx tan 2 degrees sideways).
#[test]
fn a_miscalibrated_camera_keeps_true_labels_and_its_nominal_calibration_misses() {
    let tmp = temp_dir();
    let mut s = scenario(&crate::common::shipped_small("clear_day_urban", 320, 240));
    s.sensors.cameras[0].miscalibration = Some(edgecase::scenario::MountOffset {
        yaw_deg: 2.0,
        ..Default::default()
    });
    let p = tmp.path().join("miscal.ron");
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = tmp.path().join("ds");
    let o = render_cli(p.to_str().unwrap(), 3, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let cam = &manifest["cameras"][0];
    assert_eq!(cam["calibration"], "true");
    let matrix = |v: &serde_json::Value| -> Vec<Vec<f64>> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect()
            })
            .collect()
    };
    let (truth, nominal, k) = (
        matrix(&cam["cam_from_ego_4x4_row_major"]),
        matrix(&cam["nominal"]["cam_from_ego_4x4_row_major"]),
        matrix(&cam["K_opencv"]),
    );
    let project = |m: &Vec<Vec<f64>>, p: [f64; 3]| {
        let c: Vec<f64> = (0..3)
            .map(|r| m[r][0] * p[0] + m[r][1] * p[1] + m[r][2] * p[2] + m[r][3])
            .collect();
        (
            k[0][0] * c[0] / c[2] + k[0][2],
            k[1][1] * c[1] / c[2] + k[1][2],
        )
    };
    let mut shifts = Vec::new();
    for f in 0..3 {
        let labels: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join(format!("labels/{f:06}.json"))).unwrap())
                .unwrap();
        for o in labels["cameras"][0]["objects"].as_array().unwrap() {
            let v = |key: &str| -> [f64; 3] {
                std::array::from_fn(|i| o[key]["center_m"][i].as_f64().unwrap())
            };
            let (ego, cv) = (v("box_ego"), v("box_camera"));
            if cv[2] < 2.0 {
                continue;
            }
            let labeled = (
                k[0][0] * cv[0] / cv[2] + k[0][2],
                k[1][1] * cv[1] / cv[2] + k[1][2],
            );
            let t = project(&truth, ego);
            assert!(
                (t.0 - labeled.0).abs() < 1e-3 && (t.1 - labeled.1).abs() < 1e-3,
                "{t:?} vs {labeled:?}"
            );
            shifts.push((project(&nominal, ego).0 - t.0).abs());
        }
    }
    assert!(shifts.len() >= 5, "{} objects", shifts.len());
    shifts.sort_by(f64::total_cmp);
    let median = shifts[shifts.len() / 2];
    let expected = k[0][0] * 2f64.to_radians().tan();
    assert!(
        (median / expected - 1.0).abs() < 0.25,
        "median miss {median:.2} px, expected ~{expected:.2}"
    );
}

/// A drifting calibration: each frame's labels carry the nominal
/// calibration of that moment, whose rotation is off the true one by the
/// miscalibration plus the drift rate times the time (about the ego's
/// vertical axis here), equal to the manifest's nominal at the first frame.
#[test]
fn a_drifting_calibration_is_in_every_frame_and_grows_with_time() {
    let tmp = temp_dir();
    let mut s = scenario(&crate::common::shipped_small("clear_day_urban", 160, 120));
    s.sensors.cameras[0].miscalibration = Some(edgecase::scenario::MountOffset {
        yaw_deg: 1.0,
        ..Default::default()
    });
    s.sensors.cameras[0].drift = Some(edgecase::scenario::MountOffset {
        yaw_deg: 2.0,
        ..Default::default()
    });
    let p = tmp.path().join("drift.ron");
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = tmp.path().join("ds");
    let o = render_cli(p.to_str().unwrap(), 6, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let rot = |v: &serde_json::Value| -> [[f64; 3]; 3] {
        std::array::from_fn(|r| std::array::from_fn(|c| v[r][c].as_f64().unwrap()))
    };
    let angle_between = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
        // trace(A B^T) = 1 + 2 cos(angle)
        let trace: f64 = (0..3)
            .map(|i| (0..3).map(|k| a[i][k] * b[i][k]).sum::<f64>())
            .sum();
        ((trace - 1.0) / 2.0).clamp(-1.0, 1.0).acos().to_degrees()
    };
    let cam = &manifest["cameras"][0];
    let truth = rot(&cam["cam_from_ego_4x4_row_major"]);
    for f in 0..6 {
        let labels: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join(format!("labels/{f:06}.json"))).unwrap())
                .unwrap();
        let t = labels["time_s"].as_f64().unwrap();
        let nominal = &labels["cameras"][0]["nominal_cam_from_ego_4x4_row_major"];
        let angle = angle_between(rot(nominal), truth);
        assert!(
            (angle - (1.0 + 2.0 * t)).abs() < 0.01,
            "frame {f} at {t} s: {angle} degrees"
        );
        if f == 0 {
            let start = rot(&cam["nominal"]["cam_from_ego_4x4_row_major"]);
            assert!(angle_between(rot(nominal), start).abs() < 0.01);
        }
    }
}

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

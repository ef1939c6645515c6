//! Lens models (scenarios/fisheye_parking.ron): a radial-tangential and a
//! Kannala-Brandt fisheye camera render distorted colour, labels and depth
//! that OpenCV's own functions agree with (tools/check_lens.py: LiDAR
//! returns projected with cv2.projectPoints / cv2.fisheye.projectPoints land
//! on their instance's pixels, lane lines straighten under undistortion,
//! tight box = mask extent; tools/check_flow.py: optical flow agrees with a
//! depth + pose warp through OpenCV's lens functions), and the labels'
//! amodal boxes follow the distorted outline of the 3D box.

use crate::common::{python_checker, render_cli, repo_path, scenario, temp_dir};
use std::fs;

/// fisheye_parking with its wide radial-tangential front camera and the
/// front fisheye, small, both turned 30 degrees left: lane lines then
/// cross the image away from its centre, where the lenses bend them (a
/// line through the principal point stays straight under radial distortion).
fn small_lens_rig(tmp: &std::path::Path, frames: u32) -> std::path::PathBuf {
    let src = fs::read_to_string(repo_path("scenarios/fisheye_parking.ron")).unwrap();
    let mut s = scenario(&src);
    s.sensors.cameras.truncate(2);
    for c in &mut s.sensors.cameras {
        c.width = 320;
        c.height = 240;
        c.mount.yaw_deg = 30.0;
    }
    let p = tmp.join("lens.ron");
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = tmp.join("ds");
    let o = render_cli(
        p.to_str().unwrap(),
        frames,
        &out,
        &["--formats", "kitti,coco,flow"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn lens_cameras_agree_with_opencv_and_amodal_boxes_follow_the_distortion() {
    let tmp = temp_dir();
    let out = small_lens_rig(tmp.path(), 3);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let models: Vec<&str> = manifest["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["lens"]["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["radial_tangential", "kannala_brandt"]);
    assert_eq!(manifest["cameras"][1]["depth"], "range");
    // KITTI's calib carries the distortion after its seven rows
    let calib = fs::read_to_string(out.join("kitti/training/calib/000000.txt")).unwrap();
    let d2 = calib.lines().find(|l| l.starts_with("D2: ")).unwrap();
    assert_eq!(d2.split_whitespace().count(), 6, "{d2}");
    // outside a fisheye's 190-degree circle nothing is seen: unlabeled, no depth
    let sem = image::open(out.join("cameras/fisheye_front/semantic/000000.png"))
        .unwrap()
        .to_luma8();
    assert_eq!(
        sem.get_pixel(0, 0).0[0],
        0,
        "corner outside the image circle"
    );
    assert_ne!(sem.get_pixel(160, 120).0[0], 0);
    // every object wholly inside the image and unoccluded: its amodal box
    // (the distorted outline of its 3D box) holds its tight box
    let mut checked = 0;
    for f in 0..3 {
        let labels: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join(format!("labels/{f:06}.json"))).unwrap())
                .unwrap();
        for cam in labels["cameras"].as_array().unwrap() {
            for o in cam["objects"].as_array().unwrap() {
                let (Some(tight), Some(amodal)) = (
                    o["bbox_visible_px"].as_array(),
                    o["bbox_amodal_px"].as_array(),
                ) else {
                    continue;
                };
                if o["truncation"].as_f64().unwrap() > 0.0
                    || o["visible_fraction"].as_f64().unwrap() < 0.95
                {
                    continue;
                }
                let t: Vec<f64> = tight.iter().map(|v| v.as_f64().unwrap()).collect();
                let a: Vec<f64> = amodal.iter().map(|v| v.as_f64().unwrap()).collect();
                let slack = 1.5;
                assert!(
                    t[0] >= a[0] - slack
                        && t[1] >= a[1] - slack
                        && t[2] <= a[2] + slack
                        && t[3] <= a[3] + slack,
                    "{} frame {f} object {}: tight {t:?} outside amodal {a:?}",
                    cam["camera"],
                    o["instance_id"]
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "{checked} unoccluded objects");
    if let Some(last) = python_checker("python3", "check_lens.py", "cv2, PIL, numpy", &out) {
        assert!(last.starts_with("lens: ok"), "{last}");
        // both lenses bent the lane lines (turned away from the centre)
        // and OpenCV's undistortion straightened them
        let curved = last
            .split_whitespace()
            .filter_map(|w| w.strip_prefix("lines=")?.strip_suffix("px"))
            .filter_map(|w| w.split_once("->"))
            .map(|(a, b)| (a.parse::<f64>().unwrap(), b.parse::<f64>().unwrap()))
            .filter(|(before, after)| *before >= 3.0 * after && *before >= 1.0)
            .count();
        assert_eq!(curved, 2, "{last}");
    }
    // flow through the lenses agrees with a warp through OpenCV's own
    // undistortion and projection
    if let Some(last) = python_checker("python3", "check_flow.py", "cv2, numpy", &out) {
        assert!(last.contains("static median error"), "{last}");
    }
}

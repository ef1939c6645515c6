//! The dataset's manifest.json: what made it (tool, scenario, seed,
//! renderer), every sensor's calibration, the class table and the
//! conventions a reader needs.

use crate::scenario::Scenario;
use crate::snapshot::CameraInfo;
use crate::world::lanes::Connection;
use std::path::Path;

/// What a run knows that the manifest records.
pub struct RunFacts<'a> {
    pub scenario: &'a Scenario,
    pub scenario_file: &'a Path,
    pub scenario_sha256: &'a str,
    pub cameras: &'a [CameraInfo],
    pub lidars: &'a [crate::snapshot::lidar::LidarInfo],
    pub adapter: &'a str,
    pub backend: &'a str,
    pub lane_graph: &'a [Connection],
}

/// A camera's OpenCV frame from our ego frame, as a row-major 4x4.
fn cam_from_ego_rows(info: &crate::snapshot::CameraInfo) -> [[f64; 4]; 4] {
    pose_rows(&super::cv_from_vehicle(info))
}

use crate::core::frames::pose_rows;

pub fn manifest(run: &RunFacts) -> serde_json::Value {
    let s = run.scenario;
    let cameras: Vec<serde_json::Value> = s
        .sensors
        .cameras
        .iter()
        .zip(run.cameras)
        .map(|(spec, info)| {
            let k = info.intrinsics;
            let p = k.p_matrix_opencv();
            let mut entry = serde_json::json!({
                "name": spec.name,
                "width": spec.width,
                "height": spec.height,
                "hfov_deg": spec.hfov_deg,
                "K_opencv": [[p[0][0], p[0][1], p[0][2]], [p[1][0], p[1][1], p[1][2]], [0.0, 0.0, 1.0]],
                "mount": spec.mount,
                "cam_from_ego_4x4_row_major": cam_from_ego_rows(info),
                // labels, KITTI calib and nuScenes use the true calibration
                "calibration": "true",
            });
            if !k.lens.lens.is_pinhole() {
                let (model, d) = k.lens.lens.opencv();
                // OpenCV's order: (k1, k2, p1, p2, k3) or fisheye (k1..k4)
                entry["lens"] = serde_json::json!({
                    "model": model,
                    "distortion_opencv": d,
                    "opencv_functions": if model == "kannala_brandt" {
                        "cv2.fisheye.projectPoints / cv2.fisheye.undistortImage"
                    } else {
                        "cv2.projectPoints / cv2.undistort"
                    },
                    "scenario": spec.lens,
                });
            }
            // what a depth image pixel holds: "z" along the optical axis,
            // or "range" along the ray (fisheye)
            entry["depth"] = serde_json::json!(k.lens.depth_kind());
            if let Some(d) = &spec.drift {
                // the nominal calibration drifts: each frame's labels carry
                // it (`nominal_cam_from_ego_4x4_row_major`)
                entry["drift_per_s"] = serde_json::json!(d);
            }
            if let Some(e) = &spec.miscalibration {
                entry["miscalibration"] = serde_json::json!(e);
            }
            if spec.miscalibration.is_some() || spec.drift.is_some() {
                // the believed calibration at the first frame
                let nominal = spec.mount.offset_by(&spec.miscalibration.clone().unwrap_or_default());
                let believed = crate::snapshot::CameraInfo {
                    ego_from_camera: nominal.ego_from_camera(),
                    ..info.clone()
                };
                entry["nominal"] = serde_json::json!({
                    "mount": nominal,
                    "cam_from_ego_4x4_row_major": cam_from_ego_rows(&believed),
                });
            }
            entry
        })
        .collect();
    serde_json::json!({
        "tool": "edgecase",
        "version": env!("CARGO_PKG_VERSION"),
        "dataset_format_version": 1,
        "scenario": {
            "name": s.name,
            "file": run.scenario_file.display().to_string(),
            "sha256": run.scenario_sha256,
            "resolved": s,
        },
        "seed": s.seed,
        "tick_hz": s.tick_hz,
        "renderer": { "adapter": run.adapter, "backend": run.backend },
        "cameras": cameras,
        "lidars": s.sensors.lidars.iter().zip(run.lidars).map(|(l, info)| serde_json::json!({
            "name": l.name,
            "spec": l,
            // points (x forward, y left, z up) -> our ego frame
            "ego_from_sensor_4x4_row_major": pose_rows(&super::vehicle_from_lidar(info)),
            "points_frame": if l.motion_compensated {
                "sensor frame at the frame time (motion-compensated)"
            } else {
                "sensor frame at each point's firing time (raw)"
            },
            "point_time": "seconds from the frame time; the sweep faces forward at 0 and spans -0.5..0.5 turns",
            "labels": "lidar/<name>/labels: class id (low 16 bits, Edgecase ids) | instance id << 16; semantic-kitti.yaml maps them",
        })).collect::<Vec<_>>(),
        "weather": crate::weather::record(&s.light, &s.weather),
        // the world's own lane graph: every junction connection (road 0 is
        // the main road, k + 1 junction k's cross street)
        "lane_graph": run.lane_graph,
        "classes": crate::core::classes::Class::table(),
        "conventions": {
            "world_frame": "ENU: x east, y north, z up, metres",
            "ego_frame": "x forward, y left, z up; origin at the ego footprint centre on the ground (also the KITTI velodyne frame)",
            "camera_frame": "OpenCV: x right, y down, z forward",
            "pixel_coordinates": "bbox_*_px use pixel edges (pixel u spans [u, u+1)); K_opencv and KITTI P2 use pixel centres",
            "instance_id": "class_id * 1000 + k for things (Cityscapes), 0 = no instance; the instance PNG holds the class id where there is no instance",
            "depth_png": "uint16, metres = value / 256, 0 = no return or beyond 255.99 m (KITTI); z-depth along the optical axis",
            "semantic_png": "uint8 class id (table in `classes`)",
            "kitti_occluded": "0: visible fraction >= 0.9, 1: >= 0.5, 2: below; DontCare rows for objects with fewer than min_visible_pixels",
            "kitti_boxes": "label_2 boxes in the rectified camera frame: R0_rect turns the (possibly tilted) camera frame level, P2 = K [R0_rect^T | 0]",
            "coco": "too_small objects are crowd regions (iscrowd 1); riders are persons (1) and their bicycles bicycles (2); extra categories animal 101, debris 102",
            "cyclists": "two instances: the rider (class rider, KITTI Cyclist, 3D box holding the bicycle too) and the bicycle (class bicycle, rider_instance_id = its rider; no KITTI row)",
        },
        "layout": {
            "labels": "labels/NNNNNN.json (canonical record; every other format derives from it)",
            "cameras": "cameras/<name>/{rgb,semantic,instance,depth}/NNNNNN.png",
            "kitti": "kitti/training/{image_2,label_2,calib}/NNNNNN.*",
            "coco": "coco/annotations.json",
        },
    })
}

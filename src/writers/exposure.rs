//! Motion blur of a camera frame: each pixel's streak over the shutter
//! time (`core::exposure::streak`) from the frame's depth and ids, the
//! objects' and the ego's motion as the labels record them (people's limbs
//! as their keypoints move), and the camera's mount.

use crate::core::record::{CameraLabels, FrameLabels};
use crate::snapshot::CameraInfo;
use crate::snapshot::image::CameraImage;
use glam::{DVec2, DVec3};
use std::collections::BTreeMap;

/// Where the sky is: far enough that only the camera's turning moves it.
const SKY_DISTANCE_M: f64 = 1e4;

/// How an object's points move, ego axes, m/s.
enum Velocity {
    /// All alike (its body's velocity).
    Rigid(DVec3),
    /// As the nearest bone between its keypoints (camera frame) moving at
    /// their velocities.
    Skeleton(Vec<DVec3>, Vec<DVec3>),
}

/// Per pixel, its streak while the shutter is open (None: still, or no
/// depth and ids in this mode).
pub(super) fn streaks(
    frame: &FrameLabels,
    camera: &CameraLabels,
    info: &CameraInfo,
    img: &CameraImage,
    exposure_s: f64,
) -> Vec<Option<[DVec2; 2]>> {
    let (labels, n) = (img.labels(), img.width as usize * img.height as usize);
    if labels.len() != n || img.near_over_z().len() != n {
        return vec![None; n];
    }
    let k = &info.intrinsics;
    let cv_from_vehicle = super::cv_from_vehicle(info);
    let vehicle_from_cv = cv_from_vehicle.inverse();
    // the ego frame moves forward and turns about its vertical axis
    let ego_velocity = DVec3::new(frame.ego.speed_mps, 0.0, 0.0);
    let ego_turn = DVec3::new(0.0, 0.0, frame.ego.yaw_rate_rad_s);
    // label values fit 16 bits (the label target's format)
    let object_velocity: BTreeMap<u16, Velocity> = camera
        .objects
        .iter()
        .filter_map(|o| {
            let m = o.motion.as_ref()?;
            let body = DVec3::from_array(m.velocity_ego_mps);
            // people: each limb moves as its bone (keypoints in the camera
            // frame, like the pixels' points)
            let limbs = o
                .keypoints_camera_m
                .as_ref()
                .zip(m.keypoints_velocity_ego_mps.as_ref())
                .map(|(k, v)| {
                    let points = k.iter().map(|p| DVec3::from_array(*p)).collect();
                    (points, v.iter().map(|v| DVec3::from_array(*v)).collect())
                });
            let velocity = match limbs {
                Some((points, velocities)) => Velocity::Skeleton(points, velocities),
                None => Velocity::Rigid(body),
            };
            Some((o.instance_id as u16, velocity))
        })
        .collect();
    (0..n)
        .map(|i| {
            let uv = DVec2::new(
                (i % img.width as usize) as f64 + 0.5,
                (i / img.width as usize) as f64 + 0.5,
            );
            let depth = img.depth_m_at(i) as f64;
            let p_cam = if depth > 0.0 {
                k.unproject(uv, depth)?
            } else {
                k.ray(uv)? * SKY_DISTANCE_M
            };
            let r = vehicle_from_cv.transform_point(p_cam);
            let v_world = match object_velocity.get(&labels[i]) {
                None => DVec3::ZERO,
                Some(Velocity::Rigid(v)) => *v,
                Some(Velocity::Skeleton(points, velocities)) => {
                    crate::core::exposure::velocity_on_skeleton(p_cam, points, velocities)
                }
            };
            // the point's motion relative to the moving, turning ego
            let v_rel = v_world - ego_velocity - ego_turn.cross(r);
            let v_cam = cv_from_vehicle.transform_vector(v_rel);
            crate::core::exposure::streak(k, p_cam, v_cam, exposure_s)
        })
        .collect()
}

//! Labels: pure functions over one rendered frame (ids, depth) and the world
//! snapshot of the same tick -> the canonical FrameLabels record.

use crate::core::boxes::{amodal_box_and_truncation, project_box_hull, to_kitti_box};
use crate::core::color::srgb_byte_to_linear;
use crate::core::frames::{Pose, cv_from_vehicle, cv_from_world, pose_rows};
use crate::core::frames::{sim_local_to_vehicle, sim_to_enu, wrap_angle};
use crate::core::kitti::{occlusion_level, rect_from_cv_pose};
use crate::core::lidar::LidarPoint;
use crate::core::mask::instance_stats;
use crate::core::motion::MotionState;
use crate::core::record::{
    CameraBox, CameraLabels, FrameLabels, KittiBox3, LidarLabels, LidarObject, Motion, ObjectLabel,
    OrientedBox, RleString,
};
use crate::core::rle::Rle;
use crate::core::silhouette::{ConvexHull2, project_convex_hull, union_pixel_count};
use crate::snapshot::image::CameraImage;
use crate::snapshot::lidar::LidarInfo;
use crate::snapshot::{CameraInfo, FrameSnapshot, PersonPose};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct LabelConfig {
    pub min_visible_pixels: u64,
    pub max_label_distance_m: f64,
    /// Fog extinction coefficient per metre (0 in clear air).
    pub extinction_per_m: f64,
    /// The scenario's sensor failures (each frame lists those in effect).
    pub failures: Vec<crate::core::failures::SensorFailure>,
}

/// Background ring around an object's tight box, pixels.
const CONTRAST_RING_PX: u32 = 3;

/// Relative luminance (linear) of an sRGB pixel, with the table of
/// `core::color::srgb_byte_to_linear` (fetched once per object, not per pixel).
#[inline]
fn luminance(lut: &[f64; 256], rgba: &[u8]) -> f64 {
    0.2126 * lut[rgba[0] as usize] + 0.7152 * lut[rgba[1] as usize] + 0.0722 * lut[rgba[2] as usize]
}

/// Mean luminance of the background ring around an object's tight box (the
/// pixels within `CONTRAST_RING_PX` of the box, outside it), row by row.
fn ring_luminance(img: &CameraImage, b: &crate::core::mask::InstanceStats) -> Option<f64> {
    let w = img.width as usize;
    let x0 = b.x_min.saturating_sub(CONTRAST_RING_PX);
    let y0 = b.y_min.saturating_sub(CONTRAST_RING_PX);
    let x1 = (b.x_max + CONTRAST_RING_PX).min(img.width);
    let y1 = (b.y_max + CONTRAST_RING_PX).min(img.height);
    let (lut, rgba) = (srgb_byte_to_linear(), img.rgba());
    let (mut sum, mut n) = (0.0, 0u64);
    let mut add = |y: u32, xs: std::ops::Range<u32>| {
        for x in xs {
            let i = y as usize * w + x as usize;
            sum += luminance(lut, &rgba[i * 4..i * 4 + 3]);
            n += 1;
        }
    };
    for y in y0..y1 {
        if (b.y_min..b.y_max).contains(&y) {
            add(y, x0..b.x_min);
            add(y, b.x_max..x1);
        } else {
            add(y, x0..x1);
        }
    }
    (n > 0).then(|| sum / n as f64)
}

/// Weber contrast of an object against its background, as rendered (light,
/// shading and fog included): |L_object - L_bg| / L_bg.
fn weber_contrast(object_luminance: f64, background_luminance: f64) -> f64 {
    (object_luminance - background_luminance).abs() / background_luminance.max(1e-4)
}

/// A LiDAR's sweep of this frame, with the sensor it came from.
pub struct Sweep<'a> {
    pub info: &'a LidarInfo,
    pub points: &'a [LidarPoint],
}

pub fn label_frame(
    snapshot: &FrameSnapshot,
    images: &[CameraImage],
    cameras: &[CameraInfo],
    sweeps: &[Sweep],
    cfg: &LabelConfig,
) -> FrameLabels {
    let mut per_instance: BTreeMap<u32, u64> = BTreeMap::new();
    let mut lidars: Vec<LidarLabels> = sweeps
        .iter()
        .map(|s| label_lidar(snapshot, s, &mut per_instance))
        .collect();
    let mut cams: Vec<CameraLabels> = cameras
        .iter()
        .zip(images)
        .map(|(cam, img)| label_camera(snapshot, img, cam, cfg))
        .collect();
    if !sweeps.is_empty() {
        for o in cams.iter_mut().flat_map(|c| c.objects.iter_mut()) {
            o.num_lidar_pts = Some(per_instance.get(&o.instance_id).copied().unwrap_or(0));
        }
    }
    let mut ego = snapshot.ego.clone();
    let ego_motion = &snapshot.ego_motion;
    ego.velocity_enu_mps = ego_motion.velocity_mps.map(|v| r3(sim_to_enu(v)));
    ego.acceleration_enu_mps2 = ego_motion.acceleration_mps2.map(|a| r3(sim_to_enu(a)));
    let failures: Vec<_> = cfg
        .failures
        .iter()
        .filter(|f| f.active(snapshot.time_s))
        .cloned()
        .collect();
    // sensors whose clock is off stamp their data with the wrong time
    let stamp = |sensor: &str| {
        use crate::core::failures::{clock_offset_s, stamp_s};
        let offset_s = clock_offset_s(&failures, sensor);
        (offset_s != 0.0).then(|| stamp_s(snapshot.time_s, offset_s))
    };
    let delivers = |sensor: &str| crate::core::failures::delivers(&failures, sensor);
    for c in &mut cams {
        c.stamp_s = stamp(&c.camera);
        c.dropped = !delivers(&c.camera);
    }
    for l in &mut lidars {
        l.stamp_s = stamp(&l.lidar);
        l.dropped = !delivers(&l.lidar);
    }
    FrameLabels {
        frame: snapshot.frame,
        time_s: snapshot.time_s,
        ego,
        cameras: cams,
        lidars,
        collisions: snapshot.collisions.as_ref().clone(),
        triggers: snapshot.triggers.as_ref().clone(),
        failures,
    }
}

/// Points per labeled object and their boxes in the LiDAR frame.
fn label_lidar(
    snapshot: &FrameSnapshot,
    sweep: &Sweep,
    per_instance: &mut BTreeMap<u32, u64>,
) -> LidarLabels {
    let mut counts: BTreeMap<u32, u64> = BTreeMap::new();
    for p in sweep.points.iter().filter(|p| p.instance_id != 0) {
        *counts.entry(p.instance_id).or_default() += 1;
    }
    let sensor_from_world = snapshot
        .world_from_ego
        .mul(&sweep.info.ego_from_sensor)
        .inverse();
    let objects = snapshot
        .objects
        .iter()
        .filter_map(|o| {
            let n = *counts.get(&o.instance_id)?;
            *per_instance.entry(o.instance_id).or_default() += n;
            let b = &o.box3;
            let fwd = sensor_from_world.transform_vector(b.forward());
            Some(LidarObject {
                instance_id: o.instance_id,
                class: o.class.name().to_string(),
                class_id: o.class.id(),
                num_lidar_pts: n,
                box_lidar: OrientedBox {
                    center_m: r3(sensor_from_world.transform_point(b.center)),
                    size_lwh_m: [b.length_m, b.width_m, b.height_m],
                    yaw_rad: round6(fwd.y.atan2(fwd.x)),
                },
                box_world_enu: world_box(b),
                // keypoints (and their velocities) are the cameras'
                motion: object_motion(&o.motion, None, &snapshot.world_from_ego.inverse()),
                rider_instance_id: o.rider_instance_id,
                person: o.person.as_ref().map(|p| p.attributes.clone()),
                vehicle: o.vehicle.clone(),
            })
        })
        .collect();
    LidarLabels {
        lidar: sweep.info.name.clone(),
        points: sweep.points.len() as u64,
        objects,
        stamp_s: None,
        dropped: false,
    }
}

fn round6(v: f64) -> f64 {
    // labels are written as JSON: round away float noise below a micrometre
    (v * 1e6).round() / 1e6 + 0.0
}

fn r3(v: glam::DVec3) -> [f64; 3] {
    [round6(v.x), round6(v.y), round6(v.z)]
}

/// Pixels the object would cover with nothing in front of it: the union of
/// its parts' projected hulls.
fn unoccluded_pixels(
    obj: &crate::snapshot::LabeledObject,
    cv_from_world: &crate::core::frames::Pose,
    k: &crate::core::camera::Intrinsics,
) -> u64 {
    let part_hulls: Vec<ConvexHull2> = obj
        .part_points_world
        .iter()
        .filter_map(|pts| {
            let cv: Vec<glam::DVec3> = pts
                .iter()
                .map(|p| cv_from_world.transform_point(*p))
                .collect();
            project_convex_hull(&cv, k)
        })
        .collect();
    union_pixel_count(&part_hulls, k)
}

/// One scan of the tight box gives the visible mask (RLE) and its mean
/// linear luminance.
fn mask_and_luminance(
    img: &CameraImage,
    s: &crate::core::mask::InstanceStats,
    id: u32,
) -> (RleString, f64) {
    let w = img.width as usize;
    let (labels, rgba, lut) = (img.labels(), img.rgba(), srgb_byte_to_linear());
    let mut object_luminance = 0.0;
    let rle = Rle::encode_rows(
        img.width,
        img.height,
        [s.x_min, s.y_min, s.x_max, s.y_max],
        |y, row| {
            let start = y as usize * w + s.x_min as usize;
            let row_labels = &labels[start..start + row.len()];
            // label values fit 16 bits (the label target's format)
            let id = id as u16;
            for (bit, &label) in row.iter_mut().zip(row_labels) {
                *bit = label == id;
            }
            // summed in a local, in pixel order: the same sum, kept
            // in a register
            let mut sum = object_luminance;
            for (i, _) in row.iter().enumerate().filter(|(_, bit)| **bit) {
                let p = (start + i) * 4;
                sum += luminance(lut, &rgba[p..p + 3]);
            }
            object_luminance = sum;
        },
    );
    (RleString::from(&rle), object_luminance / s.pixels as f64)
}

/// How far behind the surface the camera sees a keypoint may lie and still
/// count as visible, metres: joints sit inside limbs (an elbow ~5 cm, a hip
/// ~8 cm under the skin); a joint behind the torso is further.
const KEYPOINT_UNDER_SURFACE_M: f64 = 0.15;

/// A person's keypoints in this camera as COCO [x, y, v]: v 0 outside the
/// image or behind the camera (x = y = 0), 2 when the pixel it falls on
/// shows this person no more than `KEYPOINT_UNDER_SURFACE_M` in front of
/// it, else 1 (hidden by something else or by their own body).
fn keypoints_in_image(
    person: &crate::snapshot::PersonPose,
    instance_id: u32,
    cv_from_world: &crate::core::frames::Pose,
    k: &crate::core::camera::Intrinsics,
    img: &CameraImage,
) -> Vec<crate::core::record::KeypointPx> {
    let labels = img.labels();
    person
        .keypoints_world
        .iter()
        .map(|w| {
            let cv = cv_from_world.transform_point(*w);
            // rounded as written, so the pixel checked is the pixel a reader finds
            let uv = k
                .project(cv)
                .map(|uv| glam::DVec2::new(round6(uv.x), round6(uv.y)));
            let Some(uv) = uv.filter(|uv| {
                uv.x >= 0.0 && uv.y >= 0.0 && uv.x < img.width as f64 && uv.y < img.height as f64
            }) else {
                return [0.0, 0.0, 0.0];
            };
            let i = uv.y as usize * img.width as usize + uv.x as usize;
            // label values fit 16 bits (the label target's format)
            let own = labels[i] == instance_id as u16
                && img.depth_m_at(i) as f64 >= k.lens.depth_of(cv) - KEYPOINT_UNDER_SURFACE_M;
            [uv.x, uv.y, if own { 2.0 } else { 1.0 }]
        })
        .collect()
}

/// A box in the world, ENU (the cameras' and the LiDARs' records share it).
fn world_box(b: &crate::core::boxes::Box3) -> OrientedBox {
    OrientedBox {
        center_m: r3(sim_to_enu(b.center)),
        size_lwh_m: [b.length_m, b.width_m, b.height_m],
        yaw_rad: round6(wrap_angle(b.yaw_rad)),
    }
}

/// An object's sim-world motion in ENU and in the ego frame's axes.
fn object_motion(
    m: &MotionState,
    person: Option<&PersonPose>,
    ego_from_world: &Pose,
) -> Option<Motion> {
    let ego_axes = |v: glam::DVec3| r3(sim_local_to_vehicle(ego_from_world.transform_vector(v)));
    let v = m.velocity_mps?;
    Some(Motion {
        velocity_enu_mps: r3(sim_to_enu(v)),
        velocity_ego_mps: ego_axes(v),
        acceleration_enu_mps2: m.acceleration_mps2.map(|a| r3(sim_to_enu(a))),
        acceleration_ego_mps2: m.acceleration_mps2.map(ego_axes),
        keypoints_velocity_ego_mps: person
            .and_then(|p| p.keypoint_velocities_world_mps)
            .map(|k| k.iter().map(|v| ego_axes(*v)).collect()),
    })
}

/// A 3D box in the ego frame, the OpenCV camera frame and KITTI's
/// rectified camera frame.
fn camera_boxes(
    b: &crate::core::boxes::Box3,
    cv_from_world: &Pose,
    rect_from_world: &Pose,
    ego_from_world: &Pose,
    ego_yaw: f64,
) -> (OrientedBox, CameraBox, KittiBox3) {
    let kb = to_kitti_box(b, rect_from_world);
    // the OpenCV-frame box keeps the unrectified camera's yaw about its y axis
    let camera_rotation_y = to_kitti_box(b, cv_from_world).rotation_y;
    let size_lwh = [b.length_m, b.width_m, b.height_m];
    let center_ego = sim_local_to_vehicle(ego_from_world.transform_point(b.center));
    (
        OrientedBox {
            center_m: r3(center_ego),
            size_lwh_m: size_lwh,
            yaw_rad: round6(wrap_angle(b.yaw_rad - ego_yaw)),
        },
        CameraBox {
            center_m: r3(cv_from_world.transform_point(b.center)),
            size_lwh_m: size_lwh,
            rotation_y_rad: round6(camera_rotation_y),
        },
        KittiBox3 {
            location_m: r3(kb.location),
            dimensions_hwl_m: [kb.h, kb.w, kb.l],
            rotation_y_rad: round6(kb.rotation_y),
            alpha_rad: round6(kb.alpha),
        },
    )
}

pub fn label_camera(
    snapshot: &FrameSnapshot,
    img: &CameraImage,
    cam: &CameraInfo,
    cfg: &LabelConfig,
) -> CameraLabels {
    let k = &cam.intrinsics;
    let stats = instance_stats(img.labels(), img.width);
    let cv_from_world = cv_from_world(&snapshot.world_from_camera(cam));
    // KITTI boxes live in the levelled (rectified) camera frame: see kitti::rect_from_cv
    let rect_from_world = rect_from_cv_pose(&cv_from_world).mul(&cv_from_world);
    let ego_from_world = snapshot.world_from_ego.inverse();
    let ego_yaw = snapshot.ego.yaw_rad;
    let mut objects = Vec::new();
    for obj in snapshot.objects.iter() {
        let visible = stats.get(&obj.instance_id);
        let center_cv = cv_from_world.transform_point(obj.box3.center);
        let distance_m = center_cv.length();
        let Some(hull) = project_box_hull(&obj.box3, &cv_from_world, k) else {
            continue;
        };
        let (amodal, truncation) = amodal_box_and_truncation(&hull, k);
        let in_range = distance_m <= cfg.max_label_distance_m && truncation < 1.0;
        if visible.is_none() && !in_range {
            continue;
        }
        let unoccluded = unoccluded_pixels(obj, &cv_from_world, k);
        let visible_pixels = visible.map_or(0, |s| s.pixels);
        let visible_fraction = match (visible_pixels, unoccluded) {
            (0, _) => 0.0,
            (_, 0) => 1.0,
            (v, u) => (v as f64 / u as f64).min(1.0),
        };
        let mask = visible.map(|s| mask_and_luminance(img, s, obj.instance_id));
        let contrast = visible.zip(mask.as_ref()).and_then(|(s, (_, object))| {
            ring_luminance(img, s).map(|background| weber_contrast(*object, background))
        });
        let mask_rle = mask.map(|(rle, _)| rle);
        let too_small = visible_pixels < cfg.min_visible_pixels;
        let (box_ego, box_camera, kitti) = camera_boxes(
            &obj.box3,
            &cv_from_world,
            &rect_from_world,
            &ego_from_world,
            ego_yaw,
        );
        objects.push(ObjectLabel {
            instance_id: obj.instance_id,
            class: obj.class.name().to_string(),
            class_id: obj.class.id(),
            kitti_type: obj.kitti_type.to_string(),
            role: obj.role.to_string(),
            visible_pixels,
            unoccluded_pixels: unoccluded,
            visible_fraction: round6(visible_fraction),
            truncation: round6(truncation),
            occlusion_level: occlusion_level(visible_fraction),
            bbox_visible_px: visible.map(|s| s.rect()),
            bbox_amodal_px: amodal.map(round6),
            too_small,
            fog_transmittance: round6((-cfg.extinction_per_m * distance_m).exp()),
            contrast: contrast.map(round6),
            perceivable: !too_small
                && contrast.is_some_and(|c| c >= crate::core::visibility::VISIBILITY_CONTRAST),
            distance_m: round6(distance_m),
            box_world_enu: world_box(&obj.box3),
            box_ego,
            box_camera,
            kitti,
            mask_rle,
            num_lidar_pts: None,
            rider_instance_id: obj.rider_instance_id,
            keypoints_px: obj
                .person
                .as_ref()
                .map(|p| keypoints_in_image(p, obj.instance_id, &cv_from_world, k, img)),
            keypoints_camera_m: obj.person.as_ref().map(|p| {
                p.keypoints_world
                    .iter()
                    .map(|w| r3(cv_from_world.transform_point(*w)))
                    .collect()
            }),
            person: obj.person.as_ref().map(|p| p.attributes.clone()),
            vehicle: obj.vehicle.clone(),
            motion: object_motion(&obj.motion, obj.person.as_deref(), &ego_from_world),
            lens_hidden_fraction: None,
        });
    }
    objects.sort_by_key(|o| o.instance_id);
    if let Some(dirt) = &cam.contamination {
        hide_behind_dirt(&mut objects, dirt, img, &cam.name, snapshot.time_s);
    }
    CameraLabels {
        camera: cam.name.clone(),
        width: img.width,
        height: img.height,
        objects,
        effects: (!cam.effects.is_default()).then(|| cam.effects.clone()),
        // auto-exposure follows the frames in order: set by the run loop
        exposure_gain: None,
        nominal_cam_from_ego_4x4_row_major: cam.nominal.as_ref().map(|n| {
            let rows = pose_rows(&cv_from_vehicle(&n.ego_from_camera(snapshot.time_s)));
            rows.map(|r| r.map(round6))
        }),
        contamination: cam.contamination.as_ref().map(|d| d.spec.clone()),
        stamp_s: None,
        dropped: false,
    }
}

/// Each object's share of visible pixels hidden by the lens's dirt this
/// frame; more than half hidden is not perceivable.
fn hide_behind_dirt(
    objects: &mut [ObjectLabel],
    dirt: &crate::core::contamination::LensDirt,
    img: &CameraImage,
    camera: &str,
    time_s: f64,
) {
    let layer = dirt.layer(img.width, img.height, camera, time_s);
    let hidden = crate::core::contamination::hidden_pixels(&layer, img.labels());
    for o in objects {
        // label values fit 16 bits (the label target's format)
        let covered = hidden.get(&(o.instance_id as u16)).copied().unwrap_or(0);
        let fraction = match o.visible_pixels {
            0 => 0.0,
            v => covered as f64 / v as f64,
        };
        o.lens_hidden_fraction = Some(round6(fraction));
        o.perceivable &= fraction <= MAX_HIDDEN_BY_DIRT;
    }
}

/// Most of an object's visible pixels dirt may hide for it to stay perceivable.
const MAX_HIDDEN_BY_DIRT: f64 = 0.5;

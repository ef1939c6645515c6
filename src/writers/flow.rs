//! Forward optical flow per camera (`cameras/<name>/flow/NNNNNN.png`, KITTI
//! flow encoding) and scene flow per LiDAR (`lidar/<name>/flow/NNNNNN.bin`)
//! from frame t to t + 1 (`core::flow`), for t in 0..frames - 1 where the
//! sensor delivered both frames (none across a dropped one): built at
//! the end of the run from each frame's depth, instance ids, LiDAR points
//! and labels, and the next frame's labels.

use super::*;
use crate::core::flow::{Mover, kitti_flow_values, object_motion, pixel_flow};
use crate::core::frames::Pose;
use glam::{DQuat, DVec3};

/// ENU from our ego frame at a frame.
fn world_from_vehicle(labels: &FrameLabels) -> Pose {
    let e = &labels.ego;
    Pose::new(
        DQuat::from_rotation_z(e.yaw_rad),
        DVec3::from_array(e.position_m),
    )
}

/// Each instance's mover from t to t + 1 (by the first camera listing it).
fn movers(now: &FrameLabels, next: &FrameLabels) -> BTreeMap<u32, Mover> {
    fn index(l: &FrameLabels) -> BTreeMap<u32, &crate::core::record::ObjectLabel> {
        let mut m = BTreeMap::new();
        for o in l.cameras.iter().flat_map(|c| &c.objects) {
            m.entry(o.instance_id).or_insert(o);
        }
        m
    }
    let (a, b) = (index(now), index(next));
    a.iter()
        .map(|(id, o)| {
            let m = b
                .get(id)
                .and_then(|n| object_motion(o, n))
                .map_or(Mover::Unknown, Mover::Rigid);
            (*id, m)
        })
        .collect()
}

/// What moves a pixel or point with this label value (instance ids are
/// >= 1000; everything else is the static world, or sky).
fn mover_of(movers: &BTreeMap<u32, Mover>, label_value: u32) -> Mover {
    if label_value >= 1000 {
        movers.get(&label_value).copied().unwrap_or(Mover::Unknown)
    } else {
        Mover::Still
    }
}

fn read_png16(path: &Path) -> Result<Vec<u16>> {
    let img = image::open(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(img.into_luma16().into_raw())
}

/// z-depth in metres of a camera's frame: the float32 .npy if written,
/// else the KITTI PNG (m = v / 256).
fn depth_m(root: &Path, cam: &str, name: &str, output: &Output) -> Result<Vec<f64>> {
    if output.depth.contains(&DepthFormat::Npy32) {
        let bytes = fs::read(root.join(format!("cameras/{cam}/depth/{name}.npy")))?;
        // .npy: magic, version, header length (u16), header, data
        let header = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        return Ok(bytes[10 + header..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
            .collect());
    }
    let png = read_png16(&root.join(format!("cameras/{cam}/depth/{name}.png")))?;
    Ok(png.iter().map(|&v| v as f64 / 256.0).collect())
}

pub(super) fn write_flow(
    root: &Path,
    frames: u64,
    cameras: &[CameraInfo],
    lidars: &[crate::snapshot::lidar::LidarInfo],
    output: &Output,
) -> Result<()> {
    if frames < 2 {
        return Ok(());
    }
    let mut now = read_frame_labels(root, 0)?;
    for t in 0..frames - 1 {
        let next = read_frame_labels(root, t + 1)?;
        let movers = movers(&now, &next);
        let name = frame_name(t);
        let (world_t, world_next) = (world_from_vehicle(&now), world_from_vehicle(&next));
        // a pair with a dropped frame has no flow (no image or sweep)
        let pair = |sensor: &str| now.delivered(sensor) && next.delivered(sensor);
        for cam in cameras.iter().filter(|c| pair(&c.name)) {
            let cv_from_vehicle = cv_from_vehicle(cam);
            let cv_t = cv_from_vehicle.mul(&world_t.inverse());
            let cv_next = cv_from_vehicle.mul(&world_next.inverse());
            let k = &cam.intrinsics;
            let depth = depth_m(root, &cam.name, &name, output)?;
            let ids = read_png16(&root.join(format!("cameras/{}/instance/{name}.png", cam.name)))?;
            let flow: Vec<_> = (0..depth.len())
                .map(|i| {
                    let (x, y) = (i as u32 % k.width, i as u32 / k.width);
                    let mover = mover_of(&movers, ids[i] as u32);
                    pixel_flow(k, x, y, depth[i], mover, &cv_t, &cv_next)
                })
                .collect();
            let png = encode::rgb16_png(k.width, k.height, &kitti_flow_values(&flow));
            write_atomic(root, &format!("cameras/{}/flow/{name}.png", cam.name), &png)?;
        }
        for l in lidars.iter().filter(|l| pair(&l.name)) {
            let sensor_from_world = world_t.mul(&vehicle_from_lidar(l)).inverse();
            let world_from_sensor = sensor_from_world.inverse();
            let bin = fs::read(root.join(format!("lidar/{}/velodyne/{name}.bin", l.name)))?;
            let labels = fs::read(root.join(format!("lidar/{}/labels/{name}.label", l.name)))?;
            let mut out = Vec::with_capacity(bin.len());
            for (p, label) in bin.chunks_exact(16).zip(labels.chunks_exact(4)) {
                let f = |i: usize| f32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]) as f64;
                let label = u32::from_le_bytes([label[0], label[1], label[2], label[3]]);
                let (class, instance) = (label & 0xffff, label >> 16);
                let value = if instance != 0 { instance } else { class };
                let world = world_from_sensor.transform_point(DVec3::new(f(0), f(4), f(8)));
                let moved = mover_of(&movers, value).moved(world);
                let (d, valid) = match moved {
                    Some(m) => (sensor_from_world.transform_vector(m - world), 1.0f32),
                    None => (DVec3::splat(f64::NAN), 0.0),
                };
                for v in [d.x as f32, d.y as f32, d.z as f32, valid] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
            write_atomic(root, &format!("lidar/{}/flow/{name}.bin", l.name), &out)?;
        }
        now = next;
    }
    Ok(())
}

//! Optical flow and LiDAR scene flow from the simulation: a surface point
//! seen at frame t moves with its object (a rigid move of the object's 3D
//! box, from its pose at t to its pose at t + 1) or stays (the static
//! world), and the camera moves with the ego. Flow is where the point
//! projects at t + 1 minus where it is at t. Objects that are not rigid
//! (people, riders, bicycles, animals: limbs, pedals and legs move inside
//! the box) or whose box changed size (a door opening) get no flow.

use super::camera::Intrinsics;
use super::classes::Class;
use super::frames::Pose;
use super::record::{ObjectLabel, OrientedBox};
use glam::{DQuat, DVec2, DVec3};

/// The ENU pose of an upright box: its centre, turned by its yaw.
pub fn box_pose(b: &OrientedBox) -> Pose {
    Pose::new(
        DQuat::from_rotation_z(b.yaw_rad),
        DVec3::from_array(b.center_m),
    )
}

/// How an object's points move from t to t + 1 (ENU): a rigid move.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RigidMotion(Pose);

impl RigidMotion {
    pub fn apply(&self, p: DVec3) -> DVec3 {
        self.0.transform_point(p)
    }
}

/// Objects whose parts never move inside their box.
pub fn is_rigid(class_id: u8) -> bool {
    matches!(
        Class::from_id(class_id),
        Some(Class::Car | Class::Truck | Class::Bus | Class::Debris)
    )
}

/// The object's move from `before` to `after` (the same instance at t and
/// t + 1); None when it is not rigid or its box changed size.
pub fn object_motion(before: &ObjectLabel, after: &ObjectLabel) -> Option<RigidMotion> {
    let (a, b) = (&before.box_world_enu, &after.box_world_enu);
    let same_size = a
        .size_lwh_m
        .iter()
        .zip(&b.size_lwh_m)
        .all(|(x, y)| (x - y).abs() < 1e-6);
    (is_rigid(before.class_id) && same_size)
        .then(|| RigidMotion(box_pose(b).mul(&box_pose(a).inverse())))
}

/// What happens to a pixel's or a point's surface between t and t + 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mover {
    /// The static world.
    Still,
    Rigid(RigidMotion),
    /// Not rigid, or gone at t + 1: no flow.
    Unknown,
}

impl Mover {
    /// Where an ENU point is at t + 1.
    pub fn moved(&self, p: DVec3) -> Option<DVec3> {
        match self {
            Mover::Still => Some(p),
            Mover::Rigid(m) => Some(m.apply(p)),
            Mover::Unknown => None,
        }
    }
}

/// The flow of pixel (x, y) (pixel-edge convention: its centre is at
/// x + 0.5, y + 0.5) with z-depth `depth_m`, given the camera's OpenCV frame
/// from ENU at t and t + 1.
pub fn pixel_flow(
    k: &Intrinsics,
    x: u32,
    y: u32,
    depth_m: f64,
    mover: Mover,
    cv_from_world_t: &Pose,
    cv_from_world_next: &Pose,
) -> Option<DVec2> {
    if depth_m <= 0.0 {
        return None;
    }
    let here = DVec2::new(x as f64 + 0.5, y as f64 + 0.5);
    let world = cv_from_world_t
        .inverse()
        .transform_point(k.unproject(here, depth_m)?);
    let there = k.project(cv_from_world_next.transform_point(mover.moved(world)?))?;
    Some(there - here)
}

/// KITTI's flow PNG values (16-bit R G B): u * 64 + 2^15, v * 64 + 2^15,
/// valid 1 (0: no flow, u = v = 0).
pub fn kitti_flow_values(flow: &[Option<DVec2>]) -> Vec<u16> {
    let code = |d: f64| (d * 64.0 + 32768.0).round().clamp(0.0, 65535.0) as u16;
    flow.iter()
        .flat_map(|f| match f {
            Some(d) => [code(d.x), code(d.y), 1],
            None => [32768, 32768, 0],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_camera_moving_forward_sees_the_world_stream_outwards() {
        let k = Intrinsics::from_hfov(64, 48, std::f64::consts::FRAC_PI_2);
        // OpenCV frame from ENU: camera at the origin looking east (+x)
        let look_east = Pose::new(
            DQuat::from_mat3(&glam::DMat3::from_cols(
                DVec3::new(0.0, 0.0, 1.0),
                DVec3::new(-1.0, 0.0, 0.0),
                DVec3::new(0.0, -1.0, 0.0),
            )),
            DVec3::ZERO,
        );
        let cv_t = look_east;
        let cv_next = look_east.mul(&Pose::new(DQuat::IDENTITY, DVec3::new(-1.0, 0.0, 0.0)));
        // a pixel right of and below the centre, 10 m away: it moves out
        let f = pixel_flow(&k, 48, 36, 10.0, Mover::Still, &cv_t, &cv_next).unwrap();
        assert!(f.x > 0.0 && f.y > 0.0, "{f}");
        // the centre pixel-edge point stays: the image centre is the focus of expansion
        let c = pixel_flow(&k, 32, 24, 10.0, Mover::Still, &cv_t, &cv_next).unwrap();
        let expected = (DVec2::new(32.5, 24.5) - DVec2::new(32.0, 24.0)) * (10.0 / 9.0 - 1.0);
        assert!((c - expected).length() < 1e-9, "{c}");
        // an object moving with the camera has no flow
        let with_camera = Mover::Rigid(RigidMotion(Pose::new(DQuat::IDENTITY, DVec3::X)));
        let m = pixel_flow(&k, 48, 36, 10.0, with_camera, &cv_t, &cv_next).unwrap();
        assert!(m.length() < 1e-9);
        assert_eq!(
            pixel_flow(&k, 48, 36, 10.0, Mover::Unknown, &cv_t, &cv_next),
            None
        );
    }

    #[test]
    fn kitti_encoding_centres_zero_at_2_15_in_64ths() {
        let v = kitti_flow_values(&[Some(DVec2::new(1.5, -0.25)), None]);
        assert_eq!(v, vec![32768 + 96, 32768 - 16, 1, 32768, 32768, 0]);
    }
}

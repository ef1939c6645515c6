//! Coordinate frames, in one tested place.
//!
//! - sim world (Bevy): Y up, right-handed, metres. Heading `yaw` rotates about +Y,
//!   counter-clockwise seen from above; forward at yaw θ is (cos θ, 0, -sin θ).
//! - ENU world (exported "world" frame): x = east = sim x, y = north = -sim z, z = up = sim y.
//! - vehicle / LiDAR frame (ROS, ISO 8855): x forward, y left, z up.
//! - object local (sim): +X forward (length), +Y up (height), +Z right (width).
//! - camera (OpenCV / KITTI rectified): x right, y down, z forward.
//! - Bevy camera local: x right, y up, looks along -z.

use glam::{DMat3, DQuat, DVec3};

pub fn sim_to_enu(v: DVec3) -> DVec3 {
    DVec3::new(v.x, -v.z, v.y)
}

pub fn enu_to_sim(v: DVec3) -> DVec3 {
    DVec3::new(v.x, v.z, -v.y)
}

/// Vehicle (x fwd, y left, z up) vector to the same vehicle's sim-local axes.
pub fn vehicle_to_sim_local(v: DVec3) -> DVec3 {
    DVec3::new(v.x, v.z, -v.y)
}

pub fn sim_local_to_vehicle(v: DVec3) -> DVec3 {
    DVec3::new(v.x, -v.z, v.y)
}

/// Bevy camera-local to OpenCV camera coordinates.
pub fn bevy_cam_to_cv(v: DVec3) -> DVec3 {
    DVec3::new(v.x, -v.y, -v.z)
}

/// OpenCV camera to Bevy camera-local coordinates (the flip is its own
/// inverse).
pub fn cv_to_bevy_cam(v: DVec3) -> DVec3 {
    bevy_cam_to_cv(v)
}

/// The same flip as a pose: half a turn about the camera's x axis.
pub fn cv_from_bevy_camera() -> Pose {
    Pose::new(DQuat::from_rotation_x(std::f64::consts::PI), DVec3::ZERO)
}

/// Maps the sim world to OpenCV camera coordinates for a camera pose
/// (Bevy convention: the camera looks along its -z).
pub fn cv_from_world(world_from_camera: &Pose) -> Pose {
    cv_from_bevy_camera().mul(&world_from_camera.inverse())
}

/// Heading of a sim rotation about the up axis (Y), radians; the yaw of
/// the YXZ Euler angles.
pub fn yaw_rad(q: glam::Quat) -> f32 {
    q.to_euler(glam::EulerRot::YXZ).0
}

pub fn yaw_rotation(yaw_rad: f64) -> DQuat {
    DQuat::from_rotation_y(yaw_rad)
}

pub fn forward_at(yaw_rad: f64) -> DVec3 {
    DVec3::new(yaw_rad.cos(), 0.0, -yaw_rad.sin())
}

/// Wrap an angle to [-pi, pi].
pub fn wrap_angle(a: f64) -> f64 {
    let two_pi = std::f64::consts::TAU;
    let mut r = (a + std::f64::consts::PI).rem_euclid(two_pi) - std::f64::consts::PI;
    if r < -std::f64::consts::PI {
        r += two_pi;
    }
    r
}

/// A rigid transform (rotation then translation) in f64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    pub rotation: DQuat,
    pub translation: DVec3,
}

impl Pose {
    pub const IDENTITY: Pose = Pose {
        rotation: DQuat::IDENTITY,
        translation: DVec3::ZERO,
    };

    pub fn new(rotation: DQuat, translation: DVec3) -> Pose {
        Pose {
            rotation,
            translation,
        }
    }

    pub fn transform_point(&self, p: DVec3) -> DVec3 {
        self.rotation * p + self.translation
    }

    pub fn transform_vector(&self, v: DVec3) -> DVec3 {
        self.rotation * v
    }

    pub fn inverse(&self) -> Pose {
        let r = self.rotation.inverse();
        Pose::new(r, -(r * self.translation))
    }

    /// `self * other`: apply `other` first.
    pub fn mul(&self, other: &Pose) -> Pose {
        Pose::new(
            self.rotation * other.rotation,
            self.transform_point(other.translation),
        )
    }
}

/// Sim-local pose of a sensor mounted on a vehicle. The mount is given in the
/// vehicle frame (x fwd, y left, z up) with roll/pitch/yaw applied as
/// Rz(yaw)·Ry(pitch)·Rx(roll) (ROS convention: positive pitch looks down).
/// The returned rotation is that of a Bevy-convention camera (looks along -z).
pub fn camera_mount_pose(position_vehicle: DVec3, roll: f64, pitch: f64, yaw: f64) -> Pose {
    camera_pose_from_body(position_vehicle, mount_rotation(roll, pitch, yaw))
}

/// A camera's OpenCV frame from the ego frame (x fwd, y left, z up), for
/// a camera at sim-local `ego_from_camera` (Bevy convention).
pub fn cv_from_vehicle(ego_from_camera: &Pose) -> Pose {
    let sim_from_vehicle = Pose::new(
        DQuat::from_mat3(&DMat3::from_cols(DVec3::X, -DVec3::Z, DVec3::Y)),
        DVec3::ZERO,
    );
    cv_from_world(ego_from_camera).mul(&sim_from_vehicle)
}

/// A pose as a row-major 4x4.
pub fn pose_rows(p: &Pose) -> [[f64; 4]; 4] {
    glam::DMat4::from_rotation_translation(p.rotation, p.translation)
        .transpose()
        .to_cols_array_2d()
}

/// The mount a vehicle believes a camera has: x, y, z (m), roll, pitch,
/// yaw (degrees) at the first frame, and how each drifts per second.
#[derive(Clone, Debug, PartialEq)]
pub struct DriftingMount {
    pub at_start: [f64; 6],
    pub per_s: [f64; 6],
}

impl DriftingMount {
    /// The believed sim-local camera pose (Bevy convention) at `t_s`.
    pub fn ego_from_camera(&self, t_s: f64) -> Pose {
        let v: [f64; 6] = std::array::from_fn(|i| self.at_start[i] + self.per_s[i] * t_s);
        camera_mount_pose(
            DVec3::new(v[0], v[1], v[2]),
            v[3].to_radians(),
            v[4].to_radians(),
            v[5].to_radians(),
        )
    }
}

/// Rz(yaw)·Ry(pitch)·Rx(roll) in the vehicle frame.
pub fn mount_rotation(roll: f64, pitch: f64, yaw: f64) -> DMat3 {
    DMat3::from_rotation_z(yaw) * DMat3::from_rotation_y(pitch) * DMat3::from_rotation_x(roll)
}

/// Sim-local pose of a sensor body frame (x forward, y left, z up) given by
/// its rotation in the vehicle frame: the frame LiDAR points are expressed in.
pub fn sensor_pose(position_vehicle: DVec3, body: DMat3) -> Pose {
    let sim_from_vehicle = DMat3::from_cols(DVec3::X, -DVec3::Z, DVec3::Y);
    Pose::new(
        DQuat::from_mat3(&(sim_from_vehicle * body)),
        vehicle_to_sim_local(position_vehicle),
    )
}

/// A Bevy-convention camera (looks along -z) whose optical axis is the body's +x.
pub fn camera_pose_from_body(position_vehicle: DVec3, body: DMat3) -> Pose {
    // Camera axes in the vehicle frame: Bevy right = -body y, up = body z, back = -body x.
    let right = vehicle_to_sim_local(-body.y_axis);
    let up = vehicle_to_sim_local(body.z_axis);
    let back = vehicle_to_sim_local(-body.x_axis);
    let rot = DQuat::from_mat3(&DMat3::from_cols(right, up, back));
    Pose::new(rot, vehicle_to_sim_local(position_vehicle))
}

/// Pose after `dt_s` of a vehicle moving at constant speed and yaw rate
/// (the CTRV model: an arc, or a line when the yaw rate is 0), relative to
/// its own pose at the start, in sim-local axes (+X forward, +Y up, left = -Z).
pub fn ctrv_delta(speed_mps: f64, yaw_rate_rad_s: f64, dt_s: f64) -> Pose {
    let turn = yaw_rate_rad_s * dt_s;
    // chord of the arc; its small-angle limit is the straight line
    let (forward, left) = if turn.abs() < 1e-9 {
        (speed_mps * dt_s, 0.5 * speed_mps * dt_s * turn)
    } else {
        let r = speed_mps / yaw_rate_rad_s;
        (r * turn.sin(), r * (1.0 - turn.cos()))
    };
    Pose::new(
        yaw_rotation(turn),
        vehicle_to_sim_local(DVec3::new(forward, left, 0.0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrv_follows_the_arc() {
        // a quarter circle of radius 10 m turning left ends 10 m ahead, 10 m left,
        // facing left
        let (v, r) = (5.0, 10.0);
        let quarter = std::f64::consts::FRAC_PI_2 * r / v;
        let p = ctrv_delta(v, v / r, quarter);
        assert!(close(
            p.translation,
            vehicle_to_sim_local(DVec3::new(10.0, 10.0, 0.0))
        ));
        assert!(close(p.rotation * DVec3::X, vehicle_to_sim_local(DVec3::Y)));
        // composing two half steps is one step
        let half = ctrv_delta(v, v / r, quarter / 2.0);
        let twice = half.mul(&half);
        assert!(close(twice.translation, p.translation));
        // straight: speed times time, forward
        let s = ctrv_delta(20.0, 0.0, 0.1);
        assert!(close(s.translation, DVec3::new(2.0, 0.0, 0.0)));
        assert!(close(ctrv_delta(0.0, 0.0, 1.0).translation, DVec3::ZERO));
    }

    fn close(a: DVec3, b: DVec3) -> bool {
        (a - b).length() < 1e-9
    }

    #[test]
    fn enu_round_trip_and_axes() {
        let v = DVec3::new(1.0, 2.0, 3.0);
        assert!(close(enu_to_sim(sim_to_enu(v)), v));
        // sim up (+Y) is ENU up (+z); sim forward at yaw 90 deg is north.
        assert!(close(sim_to_enu(DVec3::Y), DVec3::Z));
        assert!(close(
            sim_to_enu(forward_at(std::f64::consts::FRAC_PI_2)),
            DVec3::Y
        ));
        assert!(close(yaw_rotation(0.7) * DVec3::X, forward_at(0.7)));
    }

    #[test]
    fn vehicle_and_camera_round_trips() {
        let v = DVec3::new(-4.0, 0.5, 9.0);
        assert!(close(sim_local_to_vehicle(vehicle_to_sim_local(v)), v));
        assert!(close(cv_to_bevy_cam(bevy_cam_to_cv(v)), v));
        // vehicle left is sim -Z
        assert!(close(vehicle_to_sim_local(DVec3::Y), -DVec3::Z));
    }

    #[test]
    fn level_camera_looks_forward() {
        let pose = camera_mount_pose(DVec3::new(1.5, 0.0, 1.6), 0.0, 0.0, 0.0);
        // Bevy camera looks along its -z.
        assert!(close(pose.transform_vector(-DVec3::Z), DVec3::X));
        assert!(close(pose.transform_vector(DVec3::Y), DVec3::Y));
        assert!(close(pose.translation, DVec3::new(1.5, 1.6, 0.0)));
        // positive pitch looks down
        let down = camera_mount_pose(DVec3::ZERO, 0.0, 0.2, 0.0);
        assert!(down.transform_vector(-DVec3::Z).y < -0.19);
        // positive yaw looks left (vehicle +y = sim -z)
        let left = camera_mount_pose(DVec3::ZERO, 0.0, 0.0, 0.3);
        assert!(left.transform_vector(-DVec3::Z).z < -0.29);
    }

    #[test]
    fn pose_inverse_round_trip() {
        let p = Pose::new(
            DQuat::from_euler(glam::EulerRot::YXZ, 0.3, -0.2, 0.1),
            DVec3::new(1.0, 2.0, -3.0),
        );
        let x = DVec3::new(0.3, -7.0, 2.0);
        assert!(close(p.inverse().transform_point(p.transform_point(x)), x));
        assert!(close(p.mul(&p.inverse()).translation, DVec3::ZERO));
    }

    #[test]
    fn wrap_angle_range() {
        for a in [-10.0, -3.2, 0.0, 3.2, 7.0, std::f64::consts::PI] {
            let w = wrap_angle(a);
            assert!((-std::f64::consts::PI..=std::f64::consts::PI).contains(&w));
            assert!(
                ((a - w) / std::f64::consts::TAU).fract().abs() < 1e-9
                    || ((a - w) / std::f64::consts::TAU).fract().abs() > 1.0 - 1e-9
            );
        }
    }
}

//! A LiDAR's fixed properties, as the labels and writers read them: its
//! beam table, mount and the four depth views its beams are cast into.

use crate::core::frames::Pose;
use crate::core::lidar::BeamTable;
use crate::snapshot::CameraInfo;
use glam::DVec3;

#[derive(Clone, Debug)]
pub struct LidarInfo {
    pub name: String,
    pub table: BeamTable,
    /// Sim-local pose of the sensor frame (x forward, y left, z up) on the ego.
    pub ego_from_sensor: Pose,
    /// The four views (cameras in the rig's labels-only list).
    pub views: Vec<CameraInfo>,
    /// Per view: its OpenCV frame <- sensor frame.
    pub cv_from_sensor: Vec<Pose>,
    pub noise_std_m: f64,
    pub dropout: f64,
    /// Points in the sensor frame at the frame time (else at firing time).
    pub motion_compensated: bool,
    /// Per beam (index column * channels + ring): fixed for the sensor, so
    /// projected once.
    pub beams: Vec<Beam>,
}

#[derive(Clone, Debug)]
pub struct Beam {
    pub dir_sensor: DVec3,
    pub view: usize,
    /// Image point in its view (None: outside it).
    pub pixel: Option<glam::DVec2>,
}

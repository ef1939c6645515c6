//! The scenario's sensors: cameras and LiDARs, their mounts, and the beam
//! table a LiDAR spec stands for (a preset overridden field by field).

use super::range;
pub use crate::core::contamination::LensContamination;
pub use crate::core::effects::CameraEffects;
pub use crate::core::failures::{FailureKind, SensorFailure};
pub use crate::core::lens::Lens;
use crate::core::lidar::{BeamTable, Preset};
use serde::{Deserialize, Serialize};

/// Beams must stay inside the LiDAR's four square-ish depth views.
pub const MAX_ELEVATION_DEG: f64 = 35.0;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Sensors {
    /// A preset rig (`Surround6()`, `SurroundFisheye4()`): stands for
    /// `cameras` and `lidars`, which are then not given. Expanded when the
    /// scenario is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rig: Option<super::rigs::RigPreset>,
    pub cameras: Vec<CameraSpec>,
    pub lidars: Vec<LidarSpec>,
    /// Failures of a camera or LiDAR for a time window.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<SensorFailure>,
}

impl Default for Sensors {
    fn default() -> Self {
        Sensors {
            rig: None,
            cameras: vec![CameraSpec::default()],
            lidars: vec![],
            failures: vec![],
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum LidarPreset {
    Vlp16,
    Hdl32e,
    #[default]
    Hdl64e,
    Os1_128,
}

/// A spinning LiDAR: a preset, optionally overridden field by field.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LidarSpec {
    pub name: String,
    pub preset: LidarPreset,
    /// Explicit vertical angle per channel, degrees (overrides the preset's).
    pub elevations_deg: Option<Vec<f64>>,
    /// Or evenly spaced channels between two angles (all three together).
    pub channels: Option<u32>,
    pub elevation_min_deg: Option<f64>,
    pub elevation_max_deg: Option<f64>,
    /// Firings per revolution.
    pub columns: Option<u32>,
    pub rotation_hz: Option<f64>,
    pub min_range_m: Option<f64>,
    pub max_range_m: Option<f64>,
    /// Gaussian range noise, metres (1 sigma).
    #[serde(deserialize_with = "range::non_negative")]
    pub noise_std_m: f64,
    /// Probability that a return is dropped.
    #[serde(deserialize_with = "range::unit")]
    pub dropout: f64,
    /// true: every point in the sensor frame at the frame time (de-skewed by
    /// the ego's motion, so points sit where the camera and the 3D boxes see
    /// them); false: each point in the sensor frame at its own firing time,
    /// as a raw sensor reports it. PCD files keep each point's firing time.
    pub motion_compensated: bool,
    /// Pose on the ego (same convention as camera mounts).
    pub mount: Mount,
}

impl Default for LidarSpec {
    fn default() -> Self {
        LidarSpec {
            name: "top".into(),
            preset: LidarPreset::Hdl64e,
            elevations_deg: None,
            channels: None,
            elevation_min_deg: None,
            elevation_max_deg: None,
            columns: None,
            rotation_hz: None,
            min_range_m: None,
            max_range_m: None,
            noise_std_m: 0.0,
            dropout: 0.0,
            motion_compensated: true,
            mount: Mount {
                x_m: 0.0,
                y_m: 0.0,
                z_m: 1.9,
                roll_deg: 0.0,
                pitch_deg: 0.0,
                yaw_deg: 0.0,
            },
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CameraSpec {
    pub name: String,
    #[serde(deserialize_with = "range::image_side")]
    pub width: u32,
    #[serde(deserialize_with = "range::image_side")]
    pub height: u32,
    /// The angle across the image width, degrees: up to 180 for a pinhole
    /// or radial-tangential lens, up to 200 for a fisheye.
    #[serde(deserialize_with = "range::fov_deg")]
    pub hfov_deg: f64,
    pub mount: Mount,
    /// Pinhole, RadialTangential(k1, k2, p1, p2, k3) or
    /// KannalaBrandt(k1, k2, k3, k4, fov_deg), as OpenCV defines them.
    #[serde(skip_serializing_if = "Lens::is_pinhole")]
    pub lens: Lens,
    /// Raindrops, mud, snow and condensation on the lens.
    #[serde(skip_serializing_if = "LensContamination::is_clean")]
    pub contamination: LensContamination,
    /// Noise, vignetting, chromatic aberration, clean twin (colour only).
    #[serde(skip_serializing_if = "CameraEffects::is_default")]
    pub effects: CameraEffects,
    /// How far the calibration the vehicle believes (the NOMINAL mount) is
    /// off the true mount: the camera renders from the true mount, labels
    /// are in the true frame, and the manifest carries both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub miscalibration: Option<MountOffset>,
    /// How the believed calibration drifts away per second (metres and
    /// degrees per second), from `mount` + `miscalibration` at the first
    /// frame; each frame's labels carry the nominal calibration of that time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<MountOffset>,
}

/// A mount error: added to each of a mount's fields.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MountOffset {
    pub x_m: f64,
    pub y_m: f64,
    pub z_m: f64,
    #[serde(deserialize_with = "range::angle_deg")]
    pub roll_deg: f64,
    #[serde(deserialize_with = "range::angle_deg")]
    pub pitch_deg: f64,
    #[serde(deserialize_with = "range::angle_deg")]
    pub yaw_deg: f64,
}

impl MountOffset {
    /// The six values in order: x, y, z, roll, pitch, yaw.
    pub fn values(&self) -> [f64; 6] {
        Mount::ZERO.offset_by(self).values()
    }
}

impl Mount {
    /// At the footprint centre on the ground, looking forward.
    pub const ZERO: Mount = Mount {
        x_m: 0.0,
        y_m: 0.0,
        z_m: 0.0,
        roll_deg: 0.0,
        pitch_deg: 0.0,
        yaw_deg: 0.0,
    };

    /// The camera's sim-local pose on the ego for this mount.
    pub fn ego_from_camera(&self) -> crate::core::frames::Pose {
        crate::core::frames::camera_mount_pose(
            glam::DVec3::new(self.x_m, self.y_m, self.z_m),
            self.roll_deg.to_radians(),
            self.pitch_deg.to_radians(),
            self.yaw_deg.to_radians(),
        )
    }

    /// This mount moved by `e` (the nominal mount of a miscalibrated one).
    /// The six values in order: x, y, z (m), roll, pitch, yaw (degrees).
    pub fn values(&self) -> [f64; 6] {
        [
            self.x_m,
            self.y_m,
            self.z_m,
            self.roll_deg,
            self.pitch_deg,
            self.yaw_deg,
        ]
    }

    pub fn offset_by(&self, e: &MountOffset) -> Mount {
        Mount {
            x_m: self.x_m + e.x_m,
            y_m: self.y_m + e.y_m,
            z_m: self.z_m + e.z_m,
            roll_deg: self.roll_deg + e.roll_deg,
            pitch_deg: self.pitch_deg + e.pitch_deg,
            yaw_deg: self.yaw_deg + e.yaw_deg,
        }
    }
}

impl CameraSpec {
    /// The camera's K and lens: K from `hfov_deg` across the width (through
    /// the lens, where it has one).
    pub fn intrinsics(&self) -> crate::core::camera::Intrinsics {
        use crate::core::camera::Intrinsics;
        let hfov_rad = self.hfov_deg.to_radians();
        if self.lens.is_pinhole() {
            Intrinsics::from_hfov(self.width, self.height, hfov_rad)
        } else {
            let lens = crate::core::lens::LensModel::new(self.lens);
            Intrinsics::with_lens(self.width, self.height, hfov_rad, lens)
        }
    }
}

impl Default for CameraSpec {
    fn default() -> Self {
        CameraSpec {
            name: "front".into(),
            width: 640,
            height: 480,
            hfov_deg: 90.0,
            mount: Mount::default(),
            lens: Lens::Pinhole,
            contamination: LensContamination::default(),
            effects: CameraEffects::default(),
            miscalibration: None,
            drift: None,
        }
    }
}

/// Pose on the ego vehicle: x forward, y left, z up from the footprint centre
/// on the ground; angles applied as yaw, pitch, roll (positive pitch looks down).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Mount {
    pub x_m: f64,
    pub y_m: f64,
    pub z_m: f64,
    #[serde(deserialize_with = "range::angle_deg")]
    pub roll_deg: f64,
    #[serde(deserialize_with = "range::angle_deg")]
    pub pitch_deg: f64,
    #[serde(deserialize_with = "range::angle_deg")]
    pub yaw_deg: f64,
}

impl Default for Mount {
    fn default() -> Self {
        Mount {
            x_m: 1.0,
            y_m: 0.0,
            z_m: 1.6,
            roll_deg: 0.0,
            pitch_deg: 0.0,
            yaw_deg: 0.0,
        }
    }
}

/// The beam table of a LiDAR spec: its preset with the spec's overrides.
pub fn beam_table(spec: &LidarSpec) -> BeamTable {
    let preset = match spec.preset {
        LidarPreset::Vlp16 => Preset::Vlp16,
        LidarPreset::Hdl32e => Preset::Hdl32e,
        LidarPreset::Hdl64e => Preset::Hdl64e,
        LidarPreset::Os1_128 => Preset::Os1_128,
    };
    let mut t = preset.table();
    if let Some(e) = &spec.elevations_deg {
        t.elevations_rad = e.iter().map(|d| d.to_radians()).collect();
    } else if let (Some(n), Some(lo), Some(hi)) = (
        spec.channels,
        spec.elevation_min_deg,
        spec.elevation_max_deg,
    ) {
        t.elevations_rad = crate::core::lidar::uniform_elevations(n, lo, hi);
    }
    t.columns = spec.columns.unwrap_or(t.columns);
    t.rotation_hz = spec.rotation_hz.unwrap_or(t.rotation_hz);
    t.min_range_m = spec.min_range_m.unwrap_or(t.min_range_m);
    t.max_range_m = spec.max_range_m.unwrap_or(t.max_range_m);
    t
}

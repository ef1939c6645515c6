//! The canonical per-frame label record. Every dataset format is derived from
//! this one structure, so conventions live in one place.

use super::rle::Rle;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameLabels {
    pub frame: u64,
    pub time_s: f64,
    pub ego: EgoState,
    pub cameras: Vec<CameraLabels>,
    /// One entry per LiDAR (absent when the scenario has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lidars: Vec<LidarLabels>,
    /// Contacts that began on this tick.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collisions: Vec<CollisionRecord>,
    /// Scenario triggers whose condition became true on this tick.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<TriggerRecord>,
    /// Sensor failures in effect in this frame.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<super::failures::SensorFailure>,
}

impl FrameLabels {
    /// The time `sensor` (a camera's or LiDAR's name) stamped its data of
    /// this frame with: `time_s` unless its clock is off.
    pub fn sensor_stamp_s(&self, sensor: &str) -> f64 {
        let camera = self.cameras.iter().find(|c| c.camera == sensor);
        let lidar = self.lidars.iter().find(|l| l.lidar == sensor);
        camera
            .and_then(|c| c.stamp_s)
            .or_else(|| lidar.and_then(|l| l.stamp_s))
            .unwrap_or(self.time_s)
    }

    /// Whether `sensor` delivered its data of this frame (not `Dropped`).
    pub fn delivered(&self, sensor: &str) -> bool {
        super::failures::delivers(&self.failures, sensor)
    }

    /// Whether the first LiDAR (KITTI's velodyne, nuScenes' LIDAR_TOP)
    /// delivered this frame, or there is none: what makes a frame a KITTI
    /// object sample (with its camera) and a nuScenes sample.
    pub fn first_lidar_delivered(&self) -> bool {
        self.lidars.first().is_none_or(|l| !l.dropped)
    }
}

/// Two bodies started touching: who hit whom and how hard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollisionRecord {
    /// Role of the moving party ("ego", "vehicles[1]", "hazard", ...).
    pub a: String,
    /// Role of the other: an actor, "parked[0]", a prop ("prop:building") or "road_edge".
    pub b: String,
    /// Instance ids (0 for props and road edges).
    pub a_instance_id: u32,
    pub b_instance_id: u32,
    /// Relative speed of the two at the start of the tick, m/s.
    pub impact_speed_mps: f64,
}

/// A scenario trigger firing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TriggerRecord {
    /// Index into the scenario's `triggers`.
    pub trigger: usize,
    pub actor: String,
    /// The action, as written in the scenario.
    pub action: String,
    /// The tick the action takes effect (after the trigger's delay).
    pub action_frame: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LidarLabels {
    pub lidar: String,
    pub points: u64,
    /// Labeled objects with at least one return, by instance id.
    pub objects: Vec<LidarObject>,
    /// The time this LiDAR stamped the sweep with, where its clock is off
    /// (a `ClockOffset` failure): the sweep is still taken at `time_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp_s: Option<f64>,
    /// The LiDAR dropped this sweep (a `Dropped` failure): no points, no
    /// files in any format.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dropped: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LidarObject {
    pub instance_id: u32,
    pub class: String,
    pub class_id: u8,
    pub num_lidar_pts: u64,
    /// LiDAR frame (x forward, y left, z up), geometric centre (OpenPCDet
    /// convention; mmdet3d's bottom centre is z - h/2).
    pub box_lidar: OrientedBox,
    /// The same box in the world (ENU), as the cameras' records give it.
    pub box_world_enu: OrientedBox,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<Motion>,
    /// On a ridden bicycle: its rider's instance id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rider_instance_id: Option<u32>,
    /// People: what they look like and do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonAttributes>,
    /// Vehicles: body style and paint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<VehicleAttributes>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EgoState {
    /// ENU world position of the ego reference point (footprint centre on the ground).
    pub position_m: [f64; 3],
    pub yaw_rad: f64,
    pub speed_mps: f64,
    /// Heading change per second (counter-clockwise seen from above): with
    /// the speed, what LiDAR points need to be de-skewed.
    #[serde(default)]
    pub yaw_rate_rad_s: f64,
    /// ENU velocity over the last tick, m/s (absent on the first frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub velocity_enu_mps: Option<[f64; 3]>,
    /// ENU acceleration over the last tick, m/s^2 (absent on the first two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceleration_enu_mps2: Option<[f64; 3]>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CameraLabels {
    pub camera: String,
    pub width: u32,
    pub height: u32,
    pub objects: Vec<ObjectLabel>,
    /// The camera's imperfections in this frame's image (absent: none);
    /// the labels describe the ideal geometry either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effects: Option<super::effects::CameraEffects>,
    /// Auto-exposure's gain for this frame (display-linear light times this;
    /// absent: a fixed exposure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure_gain: Option<f64>,
    /// The calibration the vehicle believes at this frame, where it is not
    /// the true one (miscalibration, drift): OpenCV camera from ego
    /// (x fwd, y left, z up), row-major. Everything else here is in the
    /// true calibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nominal_cam_from_ego_4x4_row_major: Option<[[f64; 4]; 4]>,
    /// Dirt on the lens in this frame's image (absent: clean); its mask is
    /// `cameras/<name>/artefact/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contamination: Option<super::contamination::LensContamination>,
    /// The time this camera stamped the frame with, where its clock is off
    /// (a `ClockOffset` failure): the image is still taken at `time_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp_s: Option<f64>,
    /// The camera dropped this frame (a `Dropped` failure): no image of it
    /// exists in any format; the objects are what it would have seen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dropped: bool,
}

/// Box in an upright frame: centre, size as [length, width, height], yaw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrientedBox {
    pub center_m: [f64; 3],
    pub size_lwh_m: [f64; 3],
    pub yaw_rad: f64,
}

/// The box in the camera frame (OpenCV: x right, y down, z forward).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CameraBox {
    pub center_m: [f64; 3],
    pub size_lwh_m: [f64; 3],
    pub rotation_y_rad: f64,
}

/// KITTI conventions: bottom-face centre, h w l order, rotation_y, alpha.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KittiBox3 {
    pub location_m: [f64; 3],
    pub dimensions_hwl_m: [f64; 3],
    pub rotation_y_rad: f64,
    pub alpha_rad: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectLabel {
    /// The object's 32-bit instance id (Cityscapes style: class_id*1000 + k).
    pub instance_id: u32,
    pub class: String,
    pub class_id: u8,
    /// KITTI type (Car, Van, Truck, Pedestrian, ...).
    pub kitti_type: String,
    /// Which scenario entry it is: "hazard", "vehicles[1]", "parked[0]", ...
    #[serde(default)]
    pub role: String,
    /// Pixels of this instance in the id buffer (after occlusion).
    pub visible_pixels: u64,
    /// Pixels its unoccluded silhouette would cover inside the image.
    pub unoccluded_pixels: u64,
    /// visible_pixels / unoccluded_pixels (occlusion only; truncation is separate).
    pub visible_fraction: f64,
    /// Fraction of the amodal 2D box outside the image.
    pub truncation: f64,
    /// KITTI occluded level 0..2 from the visible fraction.
    pub occlusion_level: u8,
    /// Tight box of the visible pixels [x_min, y_min, x_max, y_max), pixel edges.
    pub bbox_visible_px: Option<[f64; 4]>,
    /// Box of the projected 3D box, unclipped, pixel edges.
    pub bbox_amodal_px: [f64; 4],
    /// Set when visible_pixels is below the scenario's `min_visible_pixels`.
    pub too_small: bool,
    /// Fraction of the object's light that reaches the camera through fog:
    /// exp(-extinction * distance); 1 in clear air.
    pub fog_transmittance: f64,
    /// Weber contrast of the object against a 3-pixel ring of background
    /// around its tight box, as rendered (None when either is not visible).
    pub contrast: Option<f64>,
    /// Large enough, contrast at least 0.05 (the threshold that defines
    /// meteorological visibility) and no more than half hidden by dirt on
    /// the lens: an object a detector could see.
    pub perceivable: bool,
    /// Share of the visible pixels that dirt on the lens hides (artefact
    /// mask >= 128; absent: a clean lens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lens_hidden_fraction: Option<f64>,
    /// Distance from the camera centre to the box centre, metres.
    pub distance_m: f64,
    pub box_world_enu: OrientedBox,
    /// Ego/LiDAR frame: x forward, y left, z up.
    pub box_ego: OrientedBox,
    pub box_camera: CameraBox,
    pub kitti: KittiBox3,
    /// COCO RLE (compressed string) of the visible pixels.
    pub mask_rle: Option<RleString>,
    /// LiDAR returns on this object, all LiDARs (absent without LiDAR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_lidar_pts: Option<u64>,
    /// On a ridden bicycle: its rider's instance id (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rider_instance_id: Option<u32>,
    /// People: the 17 COCO keypoints in COCO's order, [x, y, v] in pixels
    /// (v as COCO: 0 outside, 1 hidden, 2 visible; x = y = 0 when v = 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keypoints_px: Option<Vec<KeypointPx>>,
    /// People: the same keypoints in the OpenCV camera frame, metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keypoints_camera_m: Option<Vec<[f64; 3]>>,
    /// People: age group, height, skin tone, clothing, activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonAttributes>,
    /// Vehicles: body style and paint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<VehicleAttributes>,
    /// The object's motion (see `Motion`); absent on the first frame it is
    /// seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub motion: Option<Motion>,
}

/// An object's velocity and acceleration over the last tick, from the
/// simulation's own steps (`core::motion`). `*_ego` are the same vectors in
/// the ego frame's axes (x forward, y left, z up), not relative to the ego:
/// subtract the ego's velocity for the relative one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Motion {
    pub velocity_enu_mps: [f64; 3],
    pub velocity_ego_mps: [f64; 3],
    /// Absent on the first two frames an object is seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceleration_enu_mps2: Option<[f64; 3]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceleration_ego_mps2: Option<[f64; 3]>,
    /// People: how fast each of the 17 COCO keypoints moves (the body's
    /// velocity plus the limbs' swing), ego axes as `velocity_ego_mps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keypoints_velocity_ego_mps: Option<Vec<[f64; 3]>>,
}

/// A person's (pedestrian's or rider's) look and what they are doing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonAttributes {
    pub age_group: crate::core::body::AgeGroup,
    pub height_m: f64,
    /// Width factor: 1 average, 0.88 slim ..= 1.15 broad.
    pub build: f64,
    /// Monk Skin Tone scale: 1 (lightest) ..= 10 (darkest).
    pub skin_tone_monk: u8,
    /// sRGB `#rrggbb`.
    pub top_color: String,
    pub lower_garment: crate::core::body::LowerGarment,
    pub lower_color: String,
    pub jacket: bool,
    pub hair_color: String,
    pub long_hair: bool,
    /// The top's (and jacket's) pattern: plain, stripes or checks (plain
    /// in labels written before patterns).
    #[serde(default)]
    pub top_pattern: crate::core::body::TopPattern,
    /// standing, walking, running or cycling.
    pub activity: String,
}

/// A vehicle's look, for auditing a dataset's balance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VehicleAttributes {
    /// saloon, hatchback, estate, suv, pickup, van, truck or bus.
    pub body: String,
    /// The paint (a truck: its cab's), sRGB `#rrggbb`.
    pub paint_color: String,
    /// The turn signal the driver shows this frame (a turn ahead or a lane
    /// change under way), `left` or `right`; null when none.
    #[serde(default)]
    pub turn_signal: Option<TurnSignal>,
    /// Whether the signalling indicator lamps are lit in this frame (they
    /// flash at `core::traffic::TURN_SIGNAL_HZ`, half of each period).
    #[serde(default)]
    pub turn_signal_lit: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TurnSignal {
    Left,
    Right,
}

/// COCO keypoint visibility: 0 outside the image (or behind the camera),
/// 1 inside but hidden (by another object or the person's own body),
/// 2 visible.
pub type KeypointPx = [f64; 3];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RleString {
    pub size: [u32; 2],
    pub counts: String,
}

impl From<&Rle> for RleString {
    fn from(r: &Rle) -> Self {
        RleString {
            size: r.size,
            counts: r.to_compressed_string(),
        }
    }
}

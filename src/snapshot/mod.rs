//! The data floor: what one frame carries, below every module that makes or
//! reads it. The world's snapshot at a tick (drawn instances, labeled
//! objects, lamps, records), a camera's and a LiDAR's fixed properties, and
//! the image view labels and writers read. The renderer and the labeler
//! both read the same snapshot, so pixels and labels share its frame index.

pub mod image;
pub mod lidar;

use crate::core::boxes::Box3;
use crate::core::camera::Intrinsics;
use crate::core::classes::Class;
use crate::core::frames::Pose;
use crate::core::mesh::Primitive;
use crate::core::record::EgoState;
use glam::{DVec3, Mat4, Vec3};
use std::sync::Arc;

/// One primitive drawn once.
#[derive(Clone, Copy, Debug)]
pub struct DrawInstance {
    pub primitive: Primitive,
    pub model: Mat4,
    pub color: [f32; 3],
    /// Light the part gives off, in units of its colour (a lit lamp), 0
    /// for none. The colour image only.
    pub emission: f32,
    pub class_id: u32,
    pub instance_id: u32,
    /// The cloth's pattern (`TopPattern::shader_code`), 0 plain, and the
    /// world point it is printed from (the wearer's feet: the print moves
    /// with them). The colour image only.
    pub pattern: u32,
    pub pattern_origin: Vec3,
}

/// A labeled object at this tick, with its convex parts' world-space hull
/// points (for the unoccluded silhouette).
#[derive(Clone, Debug)]
pub struct LabeledObject {
    pub instance_id: u32,
    pub class: Class,
    pub kitti_type: &'static str,
    pub role: crate::scenario::Role,
    /// On a ridden bicycle: its rider's instance id.
    pub rider_instance_id: Option<u32>,
    pub box3: Box3,
    pub part_points_world: Vec<Vec<DVec3>>,
    /// People: their COCO keypoints and what they look like.
    pub person: Option<Arc<PersonPose>>,
    /// Vehicles: body style and paint.
    pub vehicle: Option<crate::core::record::VehicleAttributes>,
    /// Sim-world velocity and acceleration over the last tick (a ridden
    /// bicycle moves with its rider).
    pub motion: crate::core::motion::MotionState,
}

/// A person as posed at this tick.
#[derive(Clone, Debug)]
pub struct PersonPose {
    /// The 17 COCO keypoints, COCO's order, sim world.
    pub keypoints_world: [DVec3; 17],
    /// How fast each keypoint moves, sim world, m/s: the body's velocity
    /// plus the limbs' swing (absent when the body's velocity is).
    pub keypoint_velocities_world_mps: Option<[DVec3; 17]>,
    pub attributes: crate::core::record::PersonAttributes,
}

/// A camera's fixed properties.
#[derive(Clone, Debug)]
pub struct CameraInfo {
    pub name: String,
    pub intrinsics: Intrinsics,
    /// Sim-local pose on the ego (Bevy camera convention: looks along -z).
    pub ego_from_camera: Pose,
    /// What the camera adds to the ideal image (applied when written).
    pub effects: crate::core::effects::CameraEffects,
    /// The calibration the vehicle believes, where it is not the true one
    /// (miscalibration, drift).
    pub nominal: Option<crate::core::frames::DriftingMount>,
    /// Dirt on the lens (absent: clean).
    pub contamination: Option<crate::core::contamination::LensDirt>,
}

/// Scene light and participating media, shared by every camera.
#[derive(Clone, Debug, PartialEq)]
pub struct Lighting {
    /// Unit vector towards the sun, sim world.
    pub sun_direction: [f32; 3],
    pub sun_intensity: f32,
    pub sun_color: [f32; 3],
    pub ambient_color: [f32; 3],
    pub sky_color: [f32; 3],
    pub fog_color: [f32; 3],
    /// Extinction coefficient per metre of fog, rain and snow (0 = clear).
    pub fog_extinction_per_m: f32,
    /// Water film on road, paint and sidewalk: 0 dry ..= 1 soaked.
    pub road_wetness: f32,
    /// Snow on terrain, vegetation and sidewalks: 0 ..= 1.
    pub snow_cover: f32,
    /// Share of the sky under clouds: 0 ..= 1.
    pub cloud_cover: f32,
    /// The clouds' drift, sim world, m/s (horizontal).
    pub cloud_wind_mps: [f32; 3],
    /// Falling rain and snow drawn in the colour images.
    pub particles: Vec<ParticleLook>,
    /// How the cameras draw (never changes labels or depth).
    pub look: crate::scenario::Look,
    /// Sun shadows and contact occlusion in the colour images.
    pub shadows: bool,
    /// The colour images' anti-aliasing pass.
    pub antialias: bool,
    /// The realistic look's scene shader specialised per material family
    /// and per frame (the same pixels for less; off only to compare).
    pub shader_variants: bool,
}

impl Lighting {
    /// Whether the sky has clouds: the shaders draw them and look up their
    /// shadows only then (the `CLOUDS` pipeline constant).
    pub fn has_clouds(&self) -> bool {
        self.cloud_cover > 0.0
    }
}

/// How one kind of falling particle is drawn in the camera.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParticleLook {
    /// Flakes (short, white, opaque) rather than drops (streaks).
    pub snow: bool,
    pub density_per_m3: f32,
    pub fall_speed_mps: f32,
    /// Drop or flake diameter, metres.
    pub size_m: f32,
    /// Particles are drawn out to this distance from the camera.
    pub max_distance_m: f32,
    pub alpha: f32,
    /// The wind they drift with, sim world, m/s (horizontal).
    pub wind_mps: [f32; 3],
    /// Placement seed (the scenario's): particles are the same on a rerun.
    pub seed: u64,
}

/// A light source at this tick: a streetlight or a headlight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lamp {
    pub position: DVec3,
    /// Spot axis (unit); ignored for omni lights.
    pub direction: DVec3,
    pub color: [f32; 3],
    /// 1 lights a white surface 1 m away, facing it, fully.
    pub intensity: f32,
    /// Cosine of the spot half-angle; None for an omni light.
    pub spot_cos: Option<f32>,
    /// Within this distance the inverse-square falloff stops growing, metres.
    pub near_field_m: f32,
    /// The luminaire's cut-off (None: light leaves it every way the spot
    /// allows).
    pub cut_off: Option<CutOff>,
}

/// A luminaire's cut-off: it sends 3% of its light past the plane through
/// it normal to `towards`, fading out as the sine of the angle past that
/// plane grows from `edge / 3` to `edge`. A street light's house-side
/// shield (`towards` its pole, horizontal: it had lit its own pole like a
/// tube); a low beam's cut-off line (`towards` up, just above the
/// horizon: it had lit poles and walls to their tops).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CutOff {
    pub towards: DVec3,
    pub edge: f32,
}

#[derive(Clone, Debug)]
pub struct FrameSnapshot {
    pub frame: u64,
    pub time_s: f64,
    pub ego: EgoState,
    pub world_from_ego: Pose,
    /// The ego's sim-world velocity and acceleration over the last tick.
    pub ego_motion: crate::core::motion::MotionState,
    pub instances: Arc<Vec<DrawInstance>>,
    pub objects: Arc<Vec<LabeledObject>>,
    pub lamps: Arc<Vec<Lamp>>,
    /// Contacts and trigger firings that began on this tick.
    pub collisions: Arc<Vec<crate::core::record::CollisionRecord>>,
    pub triggers: Arc<Vec<crate::core::record::TriggerRecord>>,
}

impl FrameSnapshot {
    /// World pose of a camera (Bevy convention) at this tick.
    pub fn world_from_camera(&self, cam: &CameraInfo) -> Pose {
        self.world_from_ego.mul(&cam.ego_from_camera)
    }
}

//! The simulation the editor shows: the batch pipeline's own sensor App
//! (same SimPlugin, sensors and labeler), stepped on demand, plus a free
//! view camera rendered by the same camera code. Seeking re-simulates from
//! tick 0 without rendering (determinism makes that exact), in chunks so the
//! UI can show progress.

use crate::app::sensor_app;
use crate::core::camera::Intrinsics;
use crate::core::classes::split_label_value;
use crate::core::frames::{Pose, bevy_cam_to_cv, cv_to_bevy_cam, sim_to_enu};
use crate::scenario::Scenario;
use crate::sensors::camera::{CameraRig, GpuContext, RenderMode};
use crate::sensors::{FinishedFrames, LabeledFrame, SkipFrames};
use crate::sim::SimClock;
use crate::snapshot::image::CameraImage;
use crate::snapshot::{CameraInfo, FrameSnapshot};
use crate::writers::auto_exposure::AutoExposure;
use crate::writers::delivered;
use bevy::prelude::App;
use glam::{DQuat, DVec2, DVec3};
use std::time::{Duration, Instant};

/// An orbit camera around a target point (sim world, Y up).
#[derive(Clone, Debug, PartialEq)]
pub struct ViewCamera {
    pub target: DVec3,
    /// Heading of the view direction about +Y (0: looking along +X).
    pub yaw_rad: f64,
    /// Downward tilt (positive looks down).
    pub pitch_rad: f64,
    pub distance_m: f64,
    /// Keep the target on the ego as it drives.
    pub follow_ego: bool,
    pub width: u32,
    pub height: u32,
    pub hfov_deg: f64,
}

impl Default for ViewCamera {
    fn default() -> Self {
        ViewCamera {
            target: DVec3::ZERO,
            yaw_rad: 0.0,
            pitch_rad: 0.4,
            distance_m: 16.0,
            follow_ego: true,
            width: 672,
            height: 560,
            hfov_deg: 75.0,
        }
    }
}

impl ViewCamera {
    /// Camera pose in the Bevy convention (looks along -z).
    pub fn world_from_camera(&self) -> Pose {
        // -Z turned to +X by a quarter turn, then the heading, then the tilt
        let rotation = DQuat::from_rotation_y(self.yaw_rad - std::f64::consts::FRAC_PI_2)
            * DQuat::from_rotation_x(-self.pitch_rad);
        let forward = rotation * DVec3::NEG_Z;
        Pose::new(rotation, self.target - forward * self.distance_m)
    }

    pub fn intrinsics(&self) -> Intrinsics {
        Intrinsics::from_hfov(self.width, self.height, self.hfov_deg.to_radians())
    }

    /// Pan the target in the ground plane by screen-relative metres.
    pub fn pan(&mut self, right_m: f64, forward_m: f64) {
        let fwd = DVec3::new(self.yaw_rad.cos(), 0.0, -self.yaw_rad.sin());
        let right = DVec3::new(self.yaw_rad.sin(), 0.0, self.yaw_rad.cos());
        self.target += right * right_m + fwd * forward_m;
        self.follow_ego = false;
    }
}

/// What is under a pixel of the view.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    /// The actor's role ("vehicles[0]"), None for road, props, sky.
    pub role: Option<crate::scenario::Role>,
    /// The surface point hit, sim world; None for sky.
    pub world: Option<DVec3>,
    /// Its station and lateral offset on the main road (left positive).
    pub road_s_lateral: Option<(f64, f64)>,
}

pub struct Session {
    gpu: GpuContext,
    scenario: Scenario,
    sim: App,
    /// Whether tick 0 has run.
    started: bool,
    /// The ego sensors' labeled frame at the current tick (auto-exposure's
    /// gains set, as the batch loop sets them).
    pub frame: Option<LabeledFrame>,
    /// The first camera's image of that frame as delivered: failures,
    /// motion blur, dirt, exposure and effects, as the dataset writes it.
    pub delivered_rgba: Option<Vec<u8>>,
    /// Auto-exposure follows the ticks rendered one after another (a seek
    /// starts it converged, as a fresh run would at that frame).
    exposure: AutoExposure,
    pub snapshot: Option<FrameSnapshot>,
    view_rig: CameraRig,
    pub view_camera: ViewCamera,
    /// The free view at the current tick, and the pose it was rendered from.
    pub view: Option<(CameraImage, Pose)>,
    /// A seek in progress: the tick to show.
    pub seek_target: Option<u64>,
    /// The view has been turned to the ego's heading once.
    view_aligned: bool,
}

impl Session {
    pub fn new(gpu: GpuContext, scenario: Scenario, view_camera: ViewCamera) -> Session {
        let mut sim = sensor_app(&scenario, gpu.clone(), RenderMode::Labeled);
        let exposure = AutoExposure::new(&scenario, None);
        sim.init_resource::<SkipFrames>();
        let info = CameraInfo {
            name: "editor_view".into(),
            intrinsics: view_camera.intrinsics(),
            ego_from_camera: Pose::new(DQuat::IDENTITY, DVec3::ZERO),
            effects: Default::default(),
            nominal: None,
            contamination: None,
        };
        let view_rig = crate::sensors::rig::Scene::of(sim.world(), &scenario).camera_rig(
            gpu.clone(),
            &[info],
            &[],
            RenderMode::Labeled,
        );
        Session {
            gpu,
            scenario,
            sim,
            started: false,
            frame: None,
            delivered_rgba: None,
            exposure,
            snapshot: None,
            view_rig,
            view_camera,
            view: None,
            seek_target: None,
            view_aligned: false,
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The tick shown (None before the first step).
    pub fn tick(&self) -> Option<u64> {
        self.started
            .then(|| self.sim.world().resource::<SimClock>().frame)
    }

    /// Advance one tick; `render` renders and labels it (else only simulates).
    fn advance(&mut self, render: bool) {
        let next = self.tick().map_or(0, |t| t + 1);
        if !render {
            self.sim
                .world_mut()
                .resource_mut::<SkipFrames>()
                .0
                .insert(next);
        }
        self.sim.update();
        self.started = true;
        if render {
            crate::sensors::flush(self.sim.world_mut());
            let frames: Vec<LabeledFrame> = self
                .sim
                .world_mut()
                .resource_mut::<FinishedFrames>()
                .0
                .drain(..)
                .collect();
            self.frame = frames.into_iter().max_by_key(|f| f.frame);
            self.deliver();
            self.snapshot = Some(crate::sensors::snapshot(self.sim.world_mut()));
            self.render_view();
        }
    }

    /// Set the new frame's auto-exposure gains and the first camera's
    /// delivered image (a frozen camera keeps the image shown before).
    fn deliver(&mut self) {
        let Some(f) = &mut self.frame else {
            self.delivered_rgba = None;
            return;
        };
        let Some(labels) = &mut f.labels else {
            self.delivered_rgba = None;
            return;
        };
        self.exposure.set(labels, &f.images);
        let rig = self.sim.world().resource::<crate::sensors::Rig>();
        let (Some(info), Some(img)) = (rig.cameras.first(), f.images.first()) else {
            self.delivered_rgba = None;
            return;
        };
        if delivered::frozen_since(labels, 0).is_some() && self.delivered_rgba.is_some() {
            return;
        }
        let dirt = delivered::lens_dirt(info, img, labels.time_s);
        let key = delivered::noise_key(self.scenario.seed, 0, labels.frame);
        let rgba = delivered::delivered_rgba(labels, 0, info, img, dirt.as_ref(), key);
        self.delivered_rgba = Some(rgba.into_owned());
    }

    /// One rendered tick forward.
    pub fn step(&mut self) {
        self.seek_target = None;
        self.advance(true);
    }

    /// Show tick `target`: forward from here, or from tick 0 when it lies
    /// behind (a fresh simulation, same seed, same result).
    pub fn seek(&mut self, target: u64) {
        if self.tick().is_some_and(|t| t > target) {
            let aligned = self.view_aligned;
            *self = Session::new(
                self.gpu.clone(),
                self.scenario.clone(),
                self.view_camera.clone(),
            );
            self.view_aligned = aligned;
        }
        self.seek_target = Some(target);
    }

    /// Work on a seek for about `budget`; returns true when it is done.
    pub fn continue_seek(&mut self, budget: Duration) -> bool {
        let Some(target) = self.seek_target else {
            return true;
        };
        let started = Instant::now();
        loop {
            let next = self.tick().map_or(0, |t| t + 1);
            if next > target {
                // already there (a seek to the current tick re-renders it)
                self.render_view();
                break;
            }
            self.advance(next == target);
            if next == target {
                break;
            }
            if started.elapsed() >= budget {
                return false;
            }
        }
        self.seek_target = None;
        true
    }

    /// Run a whole seek now (tests, and scenario rebuilds).
    pub fn seek_now(&mut self, target: u64) {
        self.seek(target);
        while !self.continue_seek(Duration::from_secs(3600)) {}
    }

    /// The simulation again from tick 0 with another scenario, at `tick`.
    pub fn rebuild(&mut self, scenario: Scenario, tick: Option<u64>) {
        let aligned = self.view_aligned;
        *self = Session::new(self.gpu.clone(), scenario, self.view_camera.clone());
        self.view_aligned = aligned;
        if let Some(t) = tick {
            self.seek_now(t);
        }
    }

    /// Render the free view of the current tick.
    pub fn render_view(&mut self) {
        let Some(snapshot) = self.snapshot.clone() else {
            return;
        };
        if self.view_camera.follow_ego && !self.view_aligned {
            self.view_camera.yaw_rad = snapshot.ego.yaw_rad;
        }
        self.view_aligned = true;
        if self.view_camera.follow_ego {
            self.view_camera.target = snapshot.world_from_ego.translation + DVec3::Y * 1.0;
        }
        let world_from_camera = self.view_camera.world_from_camera();
        let ego_from_camera = snapshot.world_from_ego.inverse().mul(&world_from_camera);
        self.view_rig.set_ego_from_camera(0, ego_from_camera);
        // the sensors ride on the ego and never draw it; the free view does
        let mut snapshot = snapshot;
        let mut instances = (*snapshot.instances).clone();
        instances.extend(self.ego_draws());
        snapshot.instances = std::sync::Arc::new(instances);
        self.view_rig.submit(snapshot);
        let mut frames = self.view_rig.finish();
        self.view = frames
            .pop()
            .and_then(|mut f| f.images.pop())
            .map(|img| (img, world_from_camera));
    }

    /// The ego's parts as drawn (no instance id: it is not a labeled object).
    fn ego_draws(&mut self) -> Vec<crate::snapshot::DrawInstance> {
        let world = self.sim.world_mut();
        let mut q = world.query_filtered::<(
            &bevy::prelude::Transform,
            &crate::world::Renderable,
        ), bevy::prelude::With<crate::world::Ego>>();
        q.iter(world)
            .flat_map(|(t, r)| {
                let model = t.to_matrix();
                r.parts.iter().map(move |p| crate::snapshot::DrawInstance {
                    primitive: p.primitive,
                    model: model * p.local,
                    color: p.color,
                    emission: 0.0,
                    class_id: p.class.id() as u32,
                    instance_id: 0,
                    pattern: 0,
                    pattern_origin: glam::Vec3::ZERO,
                })
            })
            .collect()
    }

    /// What is under pixel (x, y) of the free view.
    pub fn pick(&self, x: u32, y: u32) -> Option<Pick> {
        let (img, world_from_camera) = self.view.as_ref()?;
        if x >= img.width || y >= img.height {
            return None;
        }
        let i = (y * img.width + x) as usize;
        let (_, instance) = split_label_value(*img.labels().get(i)? as u32);
        let role = (instance != 0)
            .then(|| {
                self.snapshot
                    .as_ref()?
                    .objects
                    .iter()
                    .find(|o| o.instance_id == instance)
                    .map(|o| o.role)
            })
            .flatten();
        let depth = img.depth_m_at(i) as f64;
        let k = self.view_camera.intrinsics();
        let world = (depth > 0.0)
            .then(|| k.unproject(DVec2::new(x as f64 + 0.5, y as f64 + 0.5), depth))
            .flatten()
            .map(|cv| world_from_camera.transform_point(cv_to_bevy_cam(cv)));
        let road_s_lateral = world.map(|w| self.road_coords(w));
        Some(Pick {
            role,
            world,
            road_s_lateral,
        })
    }

    /// Station and lateral offset (left positive) of a sim-world point on the
    /// main road the simulation built.
    pub fn road_coords(&self, world: DVec3) -> (f64, f64) {
        let enu = sim_to_enu(world);
        self.road().path.project(DVec2::new(enu.x, enu.y), 0.0)
    }

    /// The ego cameras, as the sensor rig built them.
    pub fn cameras(&self) -> &[CameraInfo] {
        &self.sim.world().resource::<crate::sensors::Rig>().cameras
    }

    pub fn road(&self) -> &crate::world::RoadGeometry {
        &self.sim.world().resource::<crate::world::RoadRes>().0
    }

    /// A sim-world point in free-view pixels (None behind the camera).
    pub fn project_to_view(&self, world: DVec3) -> Option<DVec2> {
        let (_, world_from_camera) = self.view.as_ref()?;
        let cv = bevy_cam_to_cv(world_from_camera.inverse().transform_point(world));
        (cv.z > 0.1)
            .then(|| self.view_camera.intrinsics().project(cv))
            .flatten()
    }

    /// The current sweep of LiDAR `index` in the sim world, with classes and
    /// intensities.
    pub fn lidar_world_points(&self, index: usize) -> Vec<(DVec3, u16, f32)> {
        let (Some(frame), Some(snap)) = (&self.frame, &self.snapshot) else {
            return Vec::new();
        };
        let Some(points) = frame.lidar_points.get(index) else {
            return Vec::new();
        };
        let Some(info) = self
            .sim
            .world()
            .resource::<crate::sensors::Rig>()
            .lidars
            .get(index)
        else {
            return Vec::new();
        };
        let world_from_sensor = snap.world_from_ego.mul(&info.ego_from_sensor);
        points
            .iter()
            .map(|p| {
                let v = DVec3::new(
                    p.position[0] as f64,
                    p.position[1] as f64,
                    p.position[2] as f64,
                );
                // the sensor pose maps sensor axes (x fwd, y left, z up) to the sim
                (
                    world_from_sensor.transform_point(v),
                    p.class_id,
                    p.intensity,
                )
            })
            .collect()
    }
}

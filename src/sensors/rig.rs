//! Assembling a scenario's sensors: its cameras and every LiDAR's views on
//! one GPU rig, the labeler, and the weather they all share. Batch runs, the
//! editor and the benchmarks all go through `attach_sensors`; the editor's
//! free view is drawn by a rig from the same `Scene`.

use super::camera::{CameraRig, GpuContext, RenderMode, RenderPool};
use super::lens::LensPlan;
use super::{SensorPlugin, label_pool, lidar};
use crate::core::contamination::LensDirt;
use crate::core::frames::DriftingMount;
use crate::labels::LabelConfig;
use crate::scenario::Scenario;
use crate::snapshot::lidar::LidarInfo;
use crate::snapshot::{CameraInfo, Lighting};
use crate::weather::Atmosphere;
use crate::world::{StaticMesh, StaticScene};
use bevy::prelude::*;
use std::sync::Arc;

pub fn camera_infos(s: &Scenario) -> Vec<CameraInfo> {
    s.sensors
        .cameras
        .iter()
        .map(|c| CameraInfo {
            name: c.name.clone(),
            intrinsics: c.intrinsics(),
            ego_from_camera: c.mount.ego_from_camera(),
            effects: c.effects.clone(),
            nominal: (c.miscalibration.is_some() || c.drift.is_some()).then(|| DriftingMount {
                at_start: c
                    .mount
                    .offset_by(&c.miscalibration.clone().unwrap_or_default())
                    .values(),
                per_s: c.drift.as_ref().map_or([0.0; 6], |d| d.values()),
            }),
            contamination: (!c.contamination.is_clean()).then(|| LensDirt {
                spec: c.contamination.clone(),
                seed: s.seed,
            }),
        })
        .collect()
}

/// The labels' settings; visibility uses the same extinction as the camera
/// fog and the LiDAR attenuation.
pub fn label_config(s: &Scenario, atmosphere: &Atmosphere) -> LabelConfig {
    LabelConfig {
        min_visible_pixels: s.output.min_visible_pixels,
        max_label_distance_m: s.output.max_label_distance_m,
        extinction_per_m: atmosphere.extinction_per_m(),
        failures: s.sensors.failures.clone(),
    }
}

#[derive(Resource)]
pub struct Rig {
    pub rig: RenderPool,
    pub cameras: Vec<CameraInfo>,
    pub lidars: Vec<LidarInfo>,
    pub labeler: label_pool::Labeler,
}

impl Rig {
    /// `rig` must render `lens.views` (`LensPlan::of(&cameras)`: the
    /// cameras themselves where none has a lens), then every LiDAR's
    /// views, in that order.
    pub fn new(
        rig: RenderPool,
        cameras: Vec<CameraInfo>,
        lens: LensPlan,
        lidars: Vec<LidarInfo>,
        env: label_pool::LidarEnv,
        label_config: LabelConfig,
    ) -> Rig {
        let labeled = rig.mode() == RenderMode::Labeled;
        let sharing = label_pool::CpuSharing::for_renderer(rig.gpu().cpu_rasterizer);
        let labeler = label_pool::Labeler::new(
            cameras.clone(),
            lens,
            lidars.clone(),
            env,
            label_config,
            labeled,
            sharing,
        );
        Rig {
            rig,
            cameras,
            lidars,
            labeler,
        }
    }
}

pub fn lidar_infos(s: &Scenario) -> Vec<LidarInfo> {
    s.sensors.lidars.iter().map(lidar::lidar_info).collect()
}

/// What every camera of a run draws the same way: the static meshes, the
/// light and the air.
pub struct Scene {
    pub statics: Arc<Vec<StaticMesh>>,
    pub lighting: Lighting,
    pub atmosphere: Atmosphere,
}

impl Scene {
    /// The scene of `scenario` in an App whose world has been built.
    pub fn of(world: &World, scenario: &Scenario) -> Scene {
        let atmosphere = Atmosphere::new(&scenario.weather);
        let mut lighting = crate::weather::lighting(
            &scenario.light,
            &scenario.weather,
            &atmosphere,
            scenario.seed,
        );
        lighting.look = scenario.render.look;
        lighting.shadows = scenario.render.shadows;
        lighting.antialias = scenario.render.antialias;
        Scene {
            statics: world.resource::<StaticScene>().0.clone(),
            lighting,
            atmosphere,
        }
    }

    /// A GPU rig drawing this scene for `cameras`, then `views`.
    pub fn camera_rig(
        &self,
        gpu: GpuContext,
        cameras: &[CameraInfo],
        views: &[CameraInfo],
        mode: RenderMode,
    ) -> CameraRig {
        CameraRig::new(
            gpu,
            cameras,
            views,
            &self.statics,
            self.lighting.clone(),
            mode,
        )
    }

    /// Rigs drawing this scene for `cameras`, then `views`, on `gpu` and
    /// the more devices it asks for (`RenderPool::on_devices`).
    pub fn render_pool(
        &self,
        gpu: GpuContext,
        cameras: &[CameraInfo],
        views: &[CameraInfo],
        mode: RenderMode,
    ) -> RenderPool {
        RenderPool::on_devices(gpu, |g| self.camera_rig(g, cameras, views, mode))
    }
}

/// Give a simulation App (`app::headless_app`) the scenario's sensors on a
/// GPU: every tick is then rendered and labeled.
pub fn attach_sensors(app: &mut App, scenario: &Scenario, gpu: GpuContext, mode: RenderMode) {
    let cameras = camera_infos(scenario);
    let lidars = lidar_infos(scenario);
    let views: Vec<_> = lidars
        .iter()
        .flat_map(|l| l.views.iter().cloned())
        .collect();
    let scene = Scene::of(app.world(), scenario);
    // lens cameras render pinhole views that the labeler remaps
    let lens = LensPlan::of(&cameras);
    let rig = scene.render_pool(gpu, &lens.views, &views, mode);
    let labels = label_config(scenario, &scene.atmosphere);
    // camera fog and LiDAR attenuation share one extinction coefficient
    let env = label_pool::LidarEnv {
        atmosphere: scene.atmosphere,
        seed: scenario.seed,
    };
    app.insert_resource(Rig::new(rig, cameras, lens, lidars, env, labels))
        .add_plugins(SensorPlugin);
}

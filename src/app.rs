//! The App every front end runs: `SimPlugin` composes the simulating
//! modules (world, actors, physics) on the tick of `sim`; `sensor_app` adds
//! the sensors.

use crate::actors::ActorsPlugin;
use crate::physics::PhysicsPlugin;
use crate::scenario::Scenario;
use crate::sensors::attach_sensors;
use crate::sensors::camera::{GpuContext, RenderMode};
use crate::sim::TickPlugin;
use crate::world::WorldPlugin;
use bevy::prelude::*;

pub struct SimPlugin {
    pub scenario: Scenario,
}

impl Plugin for SimPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins((
            TickPlugin {
                tick_hz: self.scenario.tick_hz,
            },
            WorldPlugin {
                scenario: self.scenario.clone(),
            },
            ActorsPlugin,
            PhysicsPlugin,
        ));
    }
}

/// A headless App with the simulation only (no sensors): the base of batch
/// runs and of the App tests.
pub fn headless_app(scenario: Scenario) -> App {
    let mut app = App::new();
    app.add_plugins(bevy::app::TaskPoolPlugin::default())
        .add_plugins(SimPlugin { scenario });
    app
}

/// A headless App with the scenario's sensors on a GPU rig: batch runs, the
/// editor's session and the benchmarks.
pub fn sensor_app(scenario: &Scenario, gpu: GpuContext, mode: RenderMode) -> App {
    let mut app = headless_app(scenario.clone());
    attach_sensors(&mut app, scenario, gpu, mode);
    app
}

//! SimPlugin: everything batch and editor share, composed from the
//! simulating modules (world, actors, physics) on the tick of `sim`.

use crate::actors::ActorsPlugin;
use crate::physics::PhysicsPlugin;
use crate::scenario::Scenario;
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

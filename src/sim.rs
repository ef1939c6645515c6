//! SimPlugin: everything batch and editor share. One fixed tick per
//! `App::update`; time advances by the tick, never by the wall clock.

use crate::actors::ActorsPlugin;
use crate::scenario::Scenario;
use crate::world::WorldPlugin;
use bevy::prelude::*;

#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// Order within a tick: advance the clock, move everything from the last
/// tick's state to this one, then evaluate triggers and controls on this
/// tick's state, then sense it.
pub enum SimSet {
    Clock,
    Motion,
    Control,
    Sensors,
    Labels,
    Write,
}

/// The current frame (tick) index and the tick rate.
#[derive(Resource, Debug, Clone)]
pub struct SimClock {
    pub frame: u64,
    pub tick_hz: f64,
    started: bool,
}

impl SimClock {
    pub fn new(tick_hz: f64) -> SimClock {
        SimClock {
            frame: 0,
            tick_hz,
            started: false,
        }
    }
    pub fn dt_s(&self) -> f64 {
        1.0 / self.tick_hz
    }
    pub fn time_s(&self) -> f64 {
        self.frame as f64 / self.tick_hz
    }
}

/// The first update is frame 0; each later update advances one tick.
fn advance_clock(mut clock: ResMut<SimClock>) {
    if clock.started {
        clock.frame += 1;
    }
    clock.started = true;
}

pub struct SimPlugin {
    pub scenario: Scenario,
}

impl Plugin for SimPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(SimClock::new(self.scenario.tick_hz))
            .configure_sets(
                Update,
                (
                    SimSet::Clock,
                    SimSet::Motion,
                    SimSet::Control,
                    SimSet::Sensors,
                    SimSet::Labels,
                    SimSet::Write,
                )
                    .chain(),
            )
            .add_systems(Update, advance_clock.in_set(SimSet::Clock))
            .add_plugins((
                WorldPlugin {
                    scenario: self.scenario.clone(),
                },
                ActorsPlugin,
                crate::physics::PhysicsPlugin,
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

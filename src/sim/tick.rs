//! The tick: one fixed step per `App::update`; time advances by the tick,
//! never by the wall clock. The sets order every module's systems within it.

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
}

/// Order within `SimSet::Motion`: people and doors move by themselves, then
/// the physics step moves the vehicles, then whatever rides on a vehicle
/// follows it.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MotionSet {
    Kinematic,
    Physics,
    Riders,
}

/// Order at startup: the actors first (their instance ids and entities in
/// scenario order), then the scenery around them.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpawnSet {
    Actors,
    Scenery,
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

/// The clock and the order of the sets; every simulating module's plugin
/// puts its systems in these sets.
pub struct TickPlugin {
    pub tick_hz: f64,
}

impl Plugin for TickPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(SimClock::new(self.tick_hz))
            .configure_sets(Startup, (SpawnSet::Actors, SpawnSet::Scenery).chain())
            .configure_sets(
                Update,
                (
                    SimSet::Clock,
                    SimSet::Motion,
                    SimSet::Control,
                    SimSet::Sensors,
                )
                    .chain(),
            )
            .configure_sets(
                Update,
                (MotionSet::Kinematic, MotionSet::Physics, MotionSet::Riders)
                    .chain()
                    .in_set(SimSet::Motion),
            )
            .add_systems(Update, advance_clock.in_set(SimSet::Clock));
    }
}

//! Every labeled object's and the ego's velocity and acceleration, tracked
//! after all motion of a tick (`core::motion`): the labels and the tracking
//! formats read them, so they come from the simulation, never from labels.

use super::{Ego, Thing};
use crate::core::motion::MotionState;
use crate::sim::SimClock;
use bevy::prelude::*;

/// Sim-world (Y up) motion of an entity over its last ticks.
#[derive(Component, Clone, Copy, Debug, Default)]
pub struct Kinematics(pub MotionState);

type TrackedItem = (Entity, &'static Transform, Option<&'static mut Kinematics>);
/// Labeled objects and the ego.
type Tracked = Or<(With<Thing>, With<Ego>)>;

/// Control set: advance each labeled entity's and the ego's motion state
/// to where this tick left it. An entity seen for the first time gets its
/// state (no velocity yet), so objects spawned mid-run are tracked too.
pub fn track_kinematics(
    mut commands: Commands,
    clock: Res<SimClock>,
    mut q: Query<TrackedItem, Tracked>,
) {
    for (entity, t, state) in q.iter_mut() {
        let position = t.translation.as_dvec3();
        match state {
            Some(mut s) => s.0 = s.0.advanced(position, clock.dt_s()),
            None => {
                commands.entity(entity).insert(Kinematics(
                    MotionState::default().advanced(position, clock.dt_s()),
                ));
            }
        }
    }
}

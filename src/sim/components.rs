//! Components that more than one simulation module reads or writes: the
//! actors move them, the physics step and the sensors read them.

use crate::scenario::Direction;
use bevy::prelude::*;

/// Moves along the road at a constant lateral offset.
#[derive(Component, Clone, Debug)]
pub struct LaneMotion {
    pub s_m: f64,
    pub lateral_m: f64,
    pub speed_mps: f64,
    pub direction: Direction,
    /// 0: the main road; k + 1: junction k's cross street.
    pub road: u32,
}

/// A pedestrian who crosses the road once the ego's time to reach the
/// crossing falls to `trigger_time_to_ego_s`.
#[derive(Component, Clone, Debug)]
pub struct Crossing {
    pub s_m: f64,
    pub lateral_m: f64,
    pub target_lateral_m: f64,
    pub speed_mps: f64,
    pub trigger_time_to_ego_s: f64,
    pub started_at_frame: Option<u64>,
}

/// Cargo on a vehicle's load bed until it falls off.
#[derive(Component, Clone, Debug)]
pub struct Cargo {
    pub carrier: Entity,
    /// Where it rides, carrier-local (+X forward, +Y up), metres.
    pub local: Vec3,
    pub drop_at_s: f64,
    /// Once it has fallen off: its velocity (sim world, m/s).
    pub falling: Option<Vec3>,
}

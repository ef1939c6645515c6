//! Actors: lane-following motion and the crossing-pedestrian hazard. The
//! hazard trigger is checked before motion on every tick, so a trigger fires
//! on the tick its condition first holds.

pub mod drive;
pub mod spawn;
pub mod triggers;

use crate::core::walk::{Footprint, Walker};
use crate::sim::components::{Cargo, Crossing, LaneMotion};
use crate::sim::{MotionSet, SimClock, SimSet, SpawnSet};
use crate::world::{Ego, RoadRes};
use bevy::prelude::*;

/// Ego's time to reach station `s_m` at its current speed (infinite when
/// stopped or already past).
pub fn time_to_reach_s(ego: &LaneMotion, s_m: f64) -> f64 {
    let gap = s_m - ego.s_m;
    if gap < 0.0 {
        return f64::INFINITY;
    }
    if ego.speed_mps <= 0.0 {
        return if gap == 0.0 { 0.0 } else { f64::INFINITY };
    }
    gap / ego.speed_mps
}

fn trigger_crossings(
    clock: Res<SimClock>,
    ego: Query<&LaneMotion, With<Ego>>,
    mut crossings: Query<&mut Crossing>,
) {
    let Ok(ego) = ego.single() else { return };
    for mut c in &mut crossings {
        // a nanosecond of slack absorbs float noise from integrating s
        if c.started_at_frame.is_none()
            && time_to_reach_s(ego, c.s_m) <= c.trigger_time_to_ego_s + 1e-9
        {
            c.started_at_frame = Some(clock.frame);
        }
    }
}

/// Motion: people walk; vehicles are moved by the physics step instead.
/// First everyone's route advances, then each is drawn where they step to:
/// round the posts on their line and round each other (`core::walk`).
#[allow(clippy::type_complexity)]
pub fn move_actors(
    clock: Res<SimClock>,
    road: Res<RoadRes>,
    mut lane: Query<
        (
            Entity,
            &mut LaneMotion,
            &mut Transform,
            Option<&Swerving>,
            Option<&mut CrossAt>,
            Option<&crate::world::Thing>,
        ),
        Without<crate::physics::VehicleBody>,
    >,
    mut cross: Query<(&mut Crossing, &mut Transform), Without<LaneMotion>>,
    vehicles: Query<
        (&Transform, &crate::world::Thing),
        (
            With<crate::physics::VehicleBody>,
            Without<crate::physics::Braked>,
            Without<Crossing>,
        ),
    >,
    posts: Option<Res<crate::world::SidewalkPosts>>,
    mut memory: Local<WalkerMemory>,
) {
    let posts = posts.as_deref().map_or(&[][..], |p| &p.0[..]);
    let dt = clock.dt_s();
    let roads = &*road;
    let road = &roads.0;
    // where the vehicles that may move stand, for the people walking
    let footprints: Vec<Footprint> = vehicles.iter().map(footprint).collect();
    // people on the main road's sidewalks, where they are now (the props
    // stand beside the main road; nobody steps aside while crossing it)
    let on_foot = |m: &LaneMotion, cross: Option<&CrossAt>, thing: Option<&crate::world::Thing>| {
        m.road == 0
            && thing.is_some_and(|th| th.class == crate::core::classes::Class::Person)
            && cross.is_none_or(|c| !on_the_way_across(c, m))
    };
    // ... and where they were drawn last tick, for who holds behind whom
    let crowd: std::collections::HashMap<Entity, Walker> = lane
        .iter()
        .filter(|(_, m, _, _, cross, thing)| on_foot(m, cross.as_deref(), *thing))
        .map(|(e, m, ..)| (e, memory.as_drawn(e, m)))
        .collect();
    let crowd_list: Vec<Walker> = crowd.values().copied().collect();
    for (entity, mut m, _, swerve, cross, thing) in &mut lane {
        // in a crowd, a walker holds behind someone they cannot yet pass
        let crowded = crowd
            .get(&entity)
            .is_some_and(|me| crate::core::walk::steps_into(me, &crowd_list, m.speed_mps * dt));
        if clock.frame > 0 && holds(&mut memory.held_s, entity, crowded, dt) {
            continue;
        }
        // at their crossing: across the road at walking speed, then on
        let crossing = cross.filter(|c| on_the_way_across(c, &m));
        // a person waits while a vehicle stands in their next steps (one
        // stopped across the sidewalk in a cross street's mouth, say)
        let person = thing.is_some_and(|th| th.class == crate::core::classes::Class::Person);
        let across = crossing.as_ref().map(|c| c.target_lateral_m);
        if person && blocked(roads, &m, across, &footprints) {
            continue;
        }
        if clock.frame > 0 {
            advance_route(&mut m, crossing, swerve, dt);
        }
    }
    // everyone on foot where the posts alone put them, to pass each other
    let walkers: Vec<Walker> = lane
        .iter()
        .filter(|(_, m, _, _, cross, thing)| on_foot(m, cross.as_deref(), *thing))
        .map(|(_, m, ..)| crate::core::walk::round_posts(&walker(m), posts))
        .collect();
    for (entity, m, mut t, _, cross, thing) in &mut lane {
        let wanted_m = if on_foot(&m, cross.as_deref(), thing) {
            crate::core::walk::aside_m(&walker(&m), &walkers, posts)
        } else {
            0.0
        };
        let (aside_m, slope) = sidestep(&mut memory.drawn, entity, m.s_m, wanted_m, dt);
        let on = roads.get(m.road);
        let pose = on.pose(m.s_m);
        let lateral = m.lateral_m + aside_m;
        t.translation = pose
            .sim_point(lateral, on.ground_height_at_m(m.s_m, lateral))
            .as_vec3();
        // facing the way they walk, turned along their detour
        let back = if m.direction.sign() > 0.0 {
            0.0
        } else {
            std::f64::consts::PI
        };
        t.rotation = Quat::from_rotation_y(
            (pose.heading_rad
                + slope
                    .atan()
                    .clamp(-MAX_SIDESTEP_TURN_RAD, MAX_SIDESTEP_TURN_RAD)
                + back) as f32,
        );
    }
    for (mut c, mut t) in &mut cross {
        step_crossing(&mut c, &mut t, clock.frame, dt, road);
    }
}

/// A crossing hazard (a person, a group, a deer) walks across the road.
fn step_crossing(
    c: &mut Crossing,
    t: &mut Transform,
    frame: u64,
    dt: f64,
    road: &crate::world::road::RoadGeometry,
) {
    // walking starts on the tick after the trigger fired
    if c.started_at_frame.is_some_and(|f| frame > f) {
        let remaining = c.target_lateral_m - c.lateral_m;
        let step = (c.speed_mps * dt).min(remaining.abs());
        c.lateral_m += step * remaining.signum();
    }
    let pose = road.pose(c.s_m);
    t.translation = pose
        .sim_point(c.lateral_m, road.ground_height_at_m(c.s_m, c.lateral_m))
        .as_vec3();
}

/// Whether a walker holds this tick for the person ahead (`crowded`: their
/// next step would touch them): at most MAX_HOLD_S on end, then they squeeze
/// on until clear (a crowd that never opens does not stop them for good).
fn holds(
    held_s: &mut std::collections::HashMap<Entity, f64>,
    entity: Entity,
    crowded: bool,
    dt: f64,
) -> bool {
    if !crowded {
        held_s.remove(&entity);
        return false;
    }
    let t = held_s.entry(entity).or_insert(0.0);
    *t += dt;
    *t <= MAX_HOLD_S
}

/// What `move_actors` keeps of each walker from tick to tick: where they
/// were drawn aside of their line (station, offset, m) and how long they
/// have held on end in a crowd (s).
#[derive(Default)]
pub struct WalkerMemory {
    drawn: std::collections::HashMap<Entity, (f64, f64)>,
    held_s: std::collections::HashMap<Entity, f64>,
}

impl WalkerMemory {
    /// The walker where they were drawn last tick.
    fn as_drawn(&self, entity: Entity, m: &LaneMotion) -> Walker {
        let aside_m = self.drawn.get(&entity).map_or(0.0, |d| d.1);
        Walker {
            lateral_m: m.lateral_m + aside_m,
            ..walker(m)
        }
    }
}

/// One tick along a walker's route: across the road at their crossing
/// (at walking speed), else on along it, sideways too while swerving.
fn advance_route(
    m: &mut LaneMotion,
    crossing: Option<Mut<CrossAt>>,
    swerve: Option<&Swerving>,
    dt: f64,
) {
    if let Some(mut c) = crossing {
        let left = c.target_lateral_m - m.lateral_m;
        let step = m.speed_mps * dt;
        if left.abs() <= step {
            m.lateral_m = c.target_lateral_m;
            c.crossed = true;
        } else {
            m.lateral_m += step * left.signum();
        }
    } else {
        m.s_m += m.direction.sign() * m.speed_mps * dt;
        if let Some(sw) = swerve {
            let left = sw.target_lateral_m - m.lateral_m;
            m.lateral_m += left.clamp(-SWERVE_MPS * dt, SWERVE_MPS * dt);
        }
    }
}

/// Where a walker is drawn aside of their line this tick, and the slope
/// of that offset along the road: at most SIDESTEP_MPS towards where they
/// want to be (the detours' sides can change from one tick to the next in
/// a crowd; a person never jumps), from where `drawn` had them last tick.
fn sidestep(
    drawn: &mut std::collections::HashMap<Entity, (f64, f64)>,
    entity: Entity,
    s_m: f64,
    wanted_m: f64,
    dt: f64,
) -> (f64, f64) {
    let (last_s_m, last_aside_m) = drawn.get(&entity).copied().unwrap_or((s_m, wanted_m));
    let step = SIDESTEP_MPS * dt;
    let aside_m = last_aside_m + (wanted_m - last_aside_m).clamp(-step, step);
    drawn.insert(entity, (s_m, aside_m));
    let along_m = s_m - last_s_m;
    let slope = if along_m.abs() > 1e-6 {
        (aside_m - last_aside_m) / along_m
    } else {
        0.0
    };
    (aside_m, slope)
}

/// A vehicle's footprint in the world.
fn footprint((t, th): (&Transform, &crate::world::Thing)) -> Footprint {
    let p = crate::core::frames::sim_to_enu(t.translation.as_dvec3());
    Footprint {
        centre: glam::DVec2::new(p.x, p.y),
        heading_rad: crate::core::frames::yaw_rad(t.rotation) as f64,
        half_length_m: th.size.length_m / 2.0,
        half_width_m: th.size.width_m / 2.0,
    }
}

/// Whether a vehicle stands in a walker's next steps: along their road,
/// or across it towards `across` (the offset they cross to).
fn blocked(roads: &RoadRes, m: &LaneMotion, across: Option<f64>, vehicles: &[Footprint]) -> bool {
    let pose = roads.get(m.road).pose(m.s_m);
    let at = pose.position + pose.left() * m.lateral_m;
    let heading = match across {
        Some(target) => pose.left() * (target - m.lateral_m).signum(),
        None => pose.forward() * m.direction.sign(),
    };
    vehicles
        .iter()
        .any(|f| crate::core::walk::blocks(f, at, heading))
}

/// Whether a walker with a crossing is on the road, crossing it now.
fn on_the_way_across(c: &CrossAt, m: &LaneMotion) -> bool {
    !c.crossed && (c.s_m - m.s_m) * m.direction.sign() <= 0.0
}

fn walker(m: &LaneMotion) -> Walker {
    Walker {
        s_m: m.s_m,
        lateral_m: m.lateral_m,
        direction: m.direction.sign(),
        speed_mps: m.speed_mps,
    }
}

/// A walker whose route crosses the road at a station, then goes on along
/// the other sidewalk.
#[derive(Component, Clone, Copy, Debug)]
pub struct CrossAt {
    pub s_m: f64,
    /// The same offset on the other sidewalk.
    pub target_lateral_m: f64,
    pub crossed: bool,
}

/// A walker or cyclist moving sideways to a new offset (a Swerve action).
#[derive(Component, Clone, Copy, Debug)]
pub struct Swerving {
    pub target_lateral_m: f64,
}

/// How fast a walker steps aside (round a post or another walker), m/s.
const SIDESTEP_MPS: f64 = 1.5;
/// A walker stepping aside turns towards where they go by at most this
/// (a slow one sidestepping does not face sideways), radians.
const MAX_SIDESTEP_TURN_RAD: f64 = 0.5;

/// The longest a walker holds behind someone in a crowd, s (3 s left
/// people standing in contact longer than the squeeze it spared).
const MAX_HOLD_S: f64 = 1.0;

/// Sideways speed of a swerve, m/s.
const SWERVE_MPS: f64 = 1.0;

/// A parked car's driver door; opens over DOOR_OPENING_S once told to.
#[derive(Component, Clone, Copy, Debug)]
pub struct Door {
    /// Index of the door in the entity's parts.
    pub part: usize,
    pub door: crate::world::objects::DoorPart,
    pub opened_at_s: Option<f64>,
}

const DOOR_OPENING_S: f64 = 1.0;

/// Motion: opening doors swing out.
pub fn swing_doors(clock: Res<SimClock>, mut doors: Query<(&Door, &mut crate::world::Renderable)>) {
    for (d, mut r) in &mut doors {
        let Some(t0) = d.opened_at_s else { continue };
        let open = ((clock.time_s() - t0) / DOOR_OPENING_S).clamp(0.0, 1.0) as f32;
        let local = d.door.at(open);
        if r.parts[d.part].local != local {
            let mut parts = r.parts.to_vec();
            parts[d.part].local = local;
            r.parts = parts.into();
        }
    }
}

/// Sliding friction of cargo on asphalt (deceleration / g).
const CARGO_SLIDE_MU: f32 = 0.5;
/// Cargo leaves the load bed backwards at this speed relative to it, m/s.
const CARGO_PUSH_MPS: f32 = 1.5;

/// Motion (after the physics step): cargo rides its carrier, then falls
/// (ballistic, from the carrier's velocity) and slides to a stop on the road.
pub fn move_cargo(
    clock: Res<SimClock>,
    mut cargo: Query<(&mut Cargo, &mut Transform)>,
    carriers: Query<(&Transform, &LaneMotion), Without<Cargo>>,
) {
    let dt = clock.dt_s() as f32;
    for (mut c, mut t) in &mut cargo {
        let Ok((carrier, lane)) = carriers.get(c.carrier) else {
            continue;
        };
        if c.falling.is_none() {
            if clock.time_s() + 0.5 * clock.dt_s() < c.drop_at_s {
                *t = *carrier * Transform::from_translation(c.local);
                continue;
            }
            let forward = carrier.rotation * Vec3::X;
            c.falling = Some(forward * (lane.speed_mps as f32 - CARGO_PUSH_MPS));
        }
        let Some(mut v) = c.falling else { continue };
        if t.translation.y > 0.0 || v.y > 0.0 {
            v.y -= 9.81 * dt;
        }
        t.translation += v * dt;
        if t.translation.y <= 0.0 {
            t.translation.y = 0.0;
            v.y = 0.0;
            let horizontal = Vec3::new(v.x, 0.0, v.z);
            let speed = horizontal.length();
            let slowed = (speed - CARGO_SLIDE_MU * 9.81 * dt).max(0.0);
            v = if speed > 0.0 {
                horizontal * (slowed / speed)
            } else {
                Vec3::ZERO
            };
        }
        c.falling = Some(v);
    }
}

pub struct ActorsPlugin;

impl Plugin for ActorsPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, spawn::spawn_actors.in_set(SpawnSet::Actors))
            .add_systems(PostStartup, triggers::arm_triggers)
            .add_systems(
                Update,
                (
                    (
                        trigger_crossings,
                        triggers::run_triggers,
                        drive::take_turns,
                        drive::turn_signals,
                        drive::drive,
                    )
                        .chain()
                        .in_set(SimSet::Control),
                    (move_actors, swing_doors).in_set(MotionSet::Kinematic),
                    move_cargo.in_set(MotionSet::Riders),
                ),
            );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walker_holds_at_most_max_hold_s_then_squeezes_on_until_clear() {
        let mut held = std::collections::HashMap::new();
        let e = Entity::PLACEHOLDER;
        let dt = 0.1;
        let ticks = (MAX_HOLD_S / dt).round() as usize;
        for _ in 0..ticks {
            assert!(holds(&mut held, e, true, dt));
        }
        // past the limit: on, while still crowded
        assert!(!holds(&mut held, e, true, dt));
        assert!(!holds(&mut held, e, true, dt));
        // clear, then crowded again: holds again
        assert!(!holds(&mut held, e, false, dt));
        assert!(holds(&mut held, e, true, dt));
    }

    #[test]
    fn time_to_reach() {
        let ego = LaneMotion {
            s_m: 10.0,
            lateral_m: 0.0,
            speed_mps: 5.0,
            direction: crate::scenario::Direction::Forward,
            road: 0,
        };
        assert_eq!(time_to_reach_s(&ego, 30.0), 4.0);
        assert_eq!(time_to_reach_s(&ego, 5.0), f64::INFINITY);
        let stopped = LaneMotion {
            speed_mps: 0.0,
            ..ego
        };
        assert_eq!(time_to_reach_s(&stopped, 30.0), f64::INFINITY);
    }
}

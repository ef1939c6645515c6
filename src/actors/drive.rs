//! Drivers: keep the lane (pure pursuit), keep the speed and the distance
//! to whatever is ahead in the lane (IDM), brake hard when the time to
//! collision falls below a threshold (if fitted). They set each vehicle's
//! Controls for the next physics step.

use crate::core::frames::sim_to_enu;
use crate::core::traffic::{
    Idm, Leader, Light, Standing, must_stop, nudge_m, pure_pursuit_steer, time_to_collision_s,
};
use crate::physics::{Controls, FRICTION_MU, VehicleBody};
use crate::scenario::Direction;
use crate::sim::components::{Crossing, LaneMotion};
use crate::world::{RoadRes, Thing};
use bevy::prelude::*;
use glam::DVec2;
use std::collections::HashMap;

/// Largest front-wheel angle, radians.
const MAX_STEER_RAD: f64 = 0.6;
/// Only this far ahead is looked at for a leader, metres.
const LOOK_AHEAD_M: f64 = 150.0;

#[derive(Component, Clone, Debug)]
pub struct Driver {
    pub target_speed_mps: f64,
    /// Lateral offset of the lane centre it keeps (changes with ChangeLane).
    pub lane_lateral_m: f64,
    /// Whose lanes it drives in (the other direction's for a wrong-way driver).
    pub lane_side: Direction,
    pub car_following: bool,
    pub emergency_ttc_s: Option<f64>,
    pub idm: Idm,
    /// Emergency braking engaged (held until the threat is gone and stopped).
    pub emergency: bool,
    /// Told to brake as hard as the tyres allow (an EmergencyBrake action).
    pub brake_hard: bool,
    /// Drives through red lights.
    pub runs_red_lights: bool,
    /// Turns this way at the next junction.
    pub turn: Option<crate::scenario::Turn>,
    /// Slowing for that turn (speed capped at TURN_SPEED_MPS).
    pub slowing_for_turn: bool,
    /// Moving to another lane on a ChangeLane action (a swerve is not
    /// signalled), until settled in it.
    pub changing_lane: bool,
    /// The turn signal shown (`turn_signals`).
    pub signal: Option<crate::scenario::Turn>,
}

/// Settled in a lane: within this of its centre, metres.
const SETTLED_M: f64 = 0.3;

/// Speed through a turn, m/s.
const TURN_SPEED_MPS: f64 = 6.0;
/// Turns are driven on about this radius, metres.
const TURN_RADIUS_M: f64 = 9.0;
/// Start slowing this far before the junction, metres.
const TURN_SLOWING_M: f64 = 35.0;

/// Control (before `drive`): a driver that turns at the next junction slows
/// down on the approach and, where the junction begins, switches to the
/// lane the lane graph connects it to; pure pursuit then steers the turn.
pub fn take_turns(
    road: Res<RoadRes>,
    graph: Option<Res<crate::world::LaneGraph>>,
    mut drivers: Query<(&mut Driver, &mut LaneMotion, &Transform)>,
) {
    let Some(graph) = graph else { return };
    for (mut driver, mut lane, t) in &mut drivers {
        let Some(turn) = driver.turn else {
            // still slow through the turn until settled in the new lane
            if driver.slowing_for_turn && (lane.lateral_m - driver.lane_lateral_m).abs() < SETTLED_M
            {
                driver.slowing_for_turn = false;
            }
            continue;
        };
        let dir = lane.direction.sign();
        // the nearest junction ahead where this turn exists
        let Some(c) = graph
            .0
            .iter()
            .filter(|c| {
                c.turn == Some(turn)
                    && c.from.road == lane.road
                    && c.from.direction == lane.direction
            })
            .filter(|c| (c.exit_s_m - lane.s_m) * dir > -2.0)
            .min_by(|a, b| {
                ((a.exit_s_m - lane.s_m) * dir).total_cmp(&((b.exit_s_m - lane.s_m) * dir))
            })
        else {
            continue;
        };
        let ahead = (c.exit_s_m - lane.s_m) * dir;
        driver.slowing_for_turn = ahead < TURN_SLOWING_M;
        // turn in one turning radius before the centre line of the lane it
        // turns into crosses ours (an arc a car can drive)
        let to = road.get(c.to.road);
        let from = road.get(lane.road);
        let entry = to.pose(c.entry_s_m);
        let target_line =
            entry.position + entry.left() * to.lane_center_m(c.to.direction, c.to.lane);
        let (meets_s, _) = from.path.project(target_line, c.exit_s_m);
        if (meets_s - lane.s_m) * dir > TURN_RADIUS_M {
            continue;
        }
        // into the junction: follow the lane it turns into
        let p = sim_to_enu(t.translation.as_dvec3());
        let (s, lateral) = nearest_station(to, DVec2::new(p.x, p.y));
        lane.road = c.to.road;
        lane.direction = c.to.direction;
        lane.s_m = s;
        lane.lateral_m = lateral;
        driver.lane_side = c.to.direction;
        driver.lane_lateral_m = to.lane_center_m(c.to.direction, c.to.lane);
        driver.turn = None;
    }
}

/// Control (after `take_turns`): the turn signal each driver shows. On
/// the approach to a turn (where it slows for it) that turn's side, held
/// through the junction until settled in the new lane; while changing lane
/// on a ChangeLane action, the side of the lane it moves to.
pub fn turn_signals(mut drivers: Query<(&mut Driver, &LaneMotion)>) {
    for (mut d, lane) in &mut drivers {
        let off_m = d.lane_lateral_m - lane.lateral_m;
        let settled = off_m.abs() < SETTLED_M;
        let signal = match (d.turn, d.slowing_for_turn) {
            (Some(turn), true) => Some(turn),
            (None, true) => d.signal,
            _ if d.changing_lane && !settled => {
                // lateral offsets grow to the left of the road's direction
                let left = off_m * lane.direction.sign() > 0.0;
                Some(if left {
                    crate::scenario::Turn::Left
                } else {
                    crate::scenario::Turn::Right
                })
            }
            _ => None,
        };
        if settled {
            d.changing_lane = false;
        }
        if d.signal != signal {
            d.signal = signal;
        }
    }
}

impl Driver {
    pub fn new(target_speed_mps: f64, lane_lateral_m: f64, lane_side: Direction) -> Driver {
        Driver {
            target_speed_mps,
            lane_lateral_m,
            lane_side,
            car_following: true,
            emergency_ttc_s: None,
            idm: Idm::default(),
            emergency: false,
            brake_hard: false,
            runs_red_lights: false,
            turn: None,
            slowing_for_turn: false,
            changing_lane: false,
            signal: None,
        }
    }
}

/// Something on the road, in road coordinates.
#[derive(Clone, Copy, Debug)]
struct Occupant {
    entity: Entity,
    /// Which road it is on (cross traffic is only seen through the lights).
    road: u32,
    s_m: f64,
    lateral_m: f64,
    half_length_m: f64,
    half_width_m: f64,
    /// Speed along the road's forward direction (negative: against it).
    speed_along_mps: f64,
    /// A person on foot (they walk across the cross streets' mouths).
    on_foot: bool,
    /// Parked or otherwise standing without a driver or a route (drivers
    /// pass one that sticks partly into their lane, `standing_nudge_m`).
    standing: bool,
}

/// Nearest occupant ahead of a vehicle that overlaps its lane: the gap
/// bumper to bumper and its speed along our direction.
fn leader_of(
    me: &Occupant,
    dir: f64,
    lane_lateral_m: f64,
    sorted: &[Occupant],
) -> Option<(Leader, Entity)> {
    let (lo, hi) = if dir > 0.0 {
        (me.s_m, me.s_m + LOOK_AHEAD_M)
    } else {
        (me.s_m - LOOK_AHEAD_M, me.s_m)
    };
    let start = sorted.partition_point(|o| o.s_m < lo);
    sorted[start..]
        .iter()
        .take_while(|o| o.s_m <= hi)
        .filter(|o| o.entity != me.entity && o.road == me.road)
        .filter(|o| {
            // in the lane it is in, or the one it is moving to
            let reach = me.half_width_m + o.half_width_m + 0.2;
            (o.lateral_m - me.lateral_m).abs() < reach
                || (o.lateral_m - lane_lateral_m).abs() < reach
        })
        .filter_map(|o| {
            let gap = (o.s_m - me.s_m) * dir - me.half_length_m - o.half_length_m;
            (gap > -me.half_length_m).then_some((
                Leader {
                    gap_m: gap,
                    speed_mps: o.speed_along_mps * dir,
                },
                o.entity,
            ))
        })
        .min_by(|a, b| a.0.gap_m.total_cmp(&b.0.gap_m))
}

/// How far a driver drives off its lane's centre (positive left) to pass
/// what stands partly in the lane ahead of it or beside it
/// (`core::traffic::nudge_m`): 0 when nothing does, or when the lane has
/// no room to pass (it stops behind then, as for anything in its lane).
fn standing_nudge_m(
    me: &Occupant,
    dir: f64,
    lane_lateral_m: f64,
    lane_width_m: f64,
    sorted: &[Occupant],
) -> f64 {
    // the stations to scan: the reach either way, plus half the longest body
    let start = sorted.partition_point(|o| o.s_m < me.s_m - NUDGE_AHEAD_M - 20.0);
    let standing: Vec<Standing> = sorted[start..]
        .iter()
        .take_while(|o| o.s_m <= me.s_m + NUDGE_AHEAD_M + 20.0)
        .filter(|o| o.standing && o.road == me.road && o.entity != me.entity)
        .filter(|o| {
            let along = (o.s_m - me.s_m) * dir;
            let gap = along - me.half_length_m - o.half_length_m;
            // ahead within reach, or still alongside
            gap < NUDGE_AHEAD_M && along > -(me.half_length_m + o.half_length_m + 1.0)
        })
        .map(|o| Standing {
            lateral_m: o.lateral_m,
            half_width_m: o.half_width_m,
        })
        .collect();
    nudge_m(
        lane_lateral_m,
        lane_width_m / 2.0,
        me.half_width_m,
        &standing,
    )
    .unwrap_or(0.0)
}

/// How far ahead of its bumper a driver starts to pass a vehicle standing
/// partly in its lane off the lane's centre, m.
const NUDGE_AHEAD_M: f64 = 30.0;

/// Parked bodies as last projected: translation, station, span across the road.
type ParkedSpans = HashMap<Entity, (Vec3, f64, f64, f64)>;

/// What the drivers read of everything on the road.
type OccupantData = (
    Entity,
    &'static Thing,
    &'static Transform,
    Option<&'static LaneMotion>,
    Option<&'static Crossing>,
    Option<&'static super::Cargo>,
    Option<&'static crate::world::kinematics::Kinematics>,
);

/// Control: every driver sets its vehicle's controls for the next step.
#[allow(clippy::type_complexity)]
pub fn drive(
    clock: Res<crate::sim::SimClock>,
    signals: Option<Res<crate::world::SignalPlans>>,
    road: Res<RoadRes>,
    mut parked: Local<ParkedSpans>,
    things: Query<OccupantData>,
    mut drivers: Query<(
        Entity,
        &mut Driver,
        &mut Controls,
        &LaneMotion,
        &VehicleBody,
        &Transform,
    )>,
) {
    let roads = &*road;
    let road = &roads.0;
    // (main, cross) lights of every junction this tick
    let lights: Vec<Option<(Light, Light)>> = signals.map_or_else(Vec::new, |s| {
        s.0.iter()
            .map(|p| p.map(|p| p.lights(clock.time_s())))
            .collect()
    });
    let mut occupants = road_occupants(&things, road, &mut parked);
    occupants.extend(people_in_junction_mouths(&occupants, roads));
    let on_foot = walking(&occupants, road);
    occupants.sort_by(|a, b| a.s_m.total_cmp(&b.s_m).then(a.entity.cmp(&b.entity)));
    for (entity, mut driver, mut controls, lane, body, t) in &mut drivers {
        let dir = lane.direction.sign();
        let me = Occupant {
            entity,
            road: lane.road,
            s_m: lane.s_m,
            lateral_m: lane.lateral_m,
            half_length_m: body.half_length_m,
            half_width_m: body.half_width_m,
            speed_along_mps: lane.speed_mps * dir,
            on_foot: false,
            standing: false,
        };
        let v = lane.speed_mps;
        let on = roads.get(lane.road);
        // what stands partly in the lane (a truck parked on a narrow
        // street) is passed off the lane's centre, inside the lane; the
        // driver looks ahead from where it steers to
        let nudge = standing_nudge_m(&me, dir, driver.lane_lateral_m, on.lane_width_m, &occupants);
        let lane_lateral_m = driver.lane_lateral_m + nudge;
        let steered = Occupant {
            lateral_m: if nudge == 0.0 {
                me.lateral_m
            } else {
                lane_lateral_m
            },
            ..me
        };
        let mut leader = leader_of(&steered, dir, lane_lateral_m, &occupants).map(|l| l.0);
        let p = sim_to_enu(t.translation.as_dvec3());
        let heading = crate::core::frames::yaw_rad(t.rotation) as f64;
        let curvature = controls.steer_rad.tan() / body.wheelbase_m;
        if let Some(gap) =
            person_ahead_m(DVec2::new(p.x, p.y), heading, curvature, v, &me, &on_foot)
            && leader.is_none_or(|l| gap < l.gap_m)
        {
            leader = Some(Leader {
                gap_m: gap,
                speed_mps: 0.0,
            });
        }
        // a stop line ahead whose light says stop is a standing leader
        if !driver.runs_red_lights {
            let stop = stop_line_gap(on, lane, &me, &driver, &lights, road, &occupants);
            if let Some(gap) = stop
                && leader.is_none_or(|l| gap < l.gap_m)
            {
                leader = Some(Leader {
                    gap_m: gap,
                    speed_mps: 0.0,
                });
            }
        }
        let wanted = if driver.slowing_for_turn {
            driver.target_speed_mps.min(TURN_SPEED_MPS)
        } else {
            driver.target_speed_mps
        };
        let mut accel = driver
            .idm
            .accel(v, wanted, leader.filter(|_| driver.car_following));
        if let (Some(ttc), Some(l)) = (driver.emergency_ttc_s, leader)
            && time_to_collision_s(l.gap_m, v - l.speed_mps) < ttc
        {
            driver.emergency = true;
        }
        if driver.emergency || driver.brake_hard {
            accel = -FRICTION_MU * 9.81;
            if v < 0.05 && leader.is_none_or(|l| l.gap_m > 20.0) {
                driver.emergency = false;
            }
        }
        // pure pursuit towards the lane centre a speed-dependent distance ahead
        let look = (1.0 * v).max(6.0);
        let target_pose = on.pose(lane.s_m + dir * look);
        let target = target_pose.position + target_pose.left() * lane_lateral_m;
        let d = target - DVec2::new(p.x, p.y);
        let (ahead, left) = (
            d.x * heading.cos() + d.y * heading.sin(),
            -d.x * heading.sin() + d.y * heading.cos(),
        );
        controls.accel_mps2 = accel;
        controls.steer_rad =
            pure_pursuit_steer(body.wheelbase_m, ahead, left).clamp(-MAX_STEER_RAD, MAX_STEER_RAD);
    }
}

/// Main-road traffic reaches junction `k` within this many seconds (or is
/// in it): the cross street waits.
const GIVE_WAY_S: f64 = 4.0;

/// Whether a vehicle on the main road is in junction `k` or will be within
/// GIVE_WAY_S at its speed.
fn main_road_busy(main: &crate::world::RoadGeometry, k: usize, occupants: &[Occupant]) -> bool {
    main_road_traffic_near(main, k, occupants, |_| true)
}

/// Whether a main-road vehicle other than `me` is in junction `k`, or one
/// driving against `me` will be within GIVE_WAY_S: a left turn crosses the
/// oncoming lanes, and gives way to that traffic.
fn oncoming_busy(
    main: &crate::world::RoadGeometry,
    k: usize,
    occupants: &[Occupant],
    me: &Occupant,
    dir: f64,
) -> bool {
    main_road_traffic_near(main, k, occupants, |o| {
        o.entity != me.entity && (o.speed_along_mps * dir < 0.0 || o.speed_along_mps == 0.0)
    })
}

/// Whether a main-road vehicle that `counts` is in junction `k` or will be
/// within GIVE_WAY_S at its speed.
fn main_road_traffic_near(
    main: &crate::world::RoadGeometry,
    k: usize,
    occupants: &[Occupant],
    counts: impl Fn(&Occupant) -> bool,
) -> bool {
    let Some(b) = main.junction_boxes.get(k) else {
        return false;
    };
    occupants
        .iter()
        .filter(|o| o.road == 0 && o.lateral_m.abs() < main.left_edge_m().max(-main.right_edge_m()))
        .filter(|o| o.half_length_m > 1.0) // vehicles, not people on the kerb
        .filter(|o| counts(o))
        .any(|o| {
            let (front, back) = (o.s_m + o.half_length_m, o.s_m - o.half_length_m);
            if front >= b.s0_m && back <= b.s1_m {
                return true;
            }
            let u = o.speed_along_mps;
            let time = if back > b.s1_m && u < 0.0 {
                (back - b.s1_m) / -u
            } else if front < b.s0_m && u > 0.0 {
                (b.s0_m - front) / u
            } else {
                f64::INFINITY
            };
            time < GIVE_WAY_S
        })
}

/// Station and offset of a point, from a coarse scan then Newton steps.
pub fn nearest_station(road: &crate::world::RoadGeometry, p: DVec2) -> (f64, f64) {
    let stations = road.path.stations(5.0);
    let best = stations
        .iter()
        .copied()
        .min_by(|a, b| {
            let da = road.pose(*a).position.distance_squared(p);
            let db = road.pose(*b).position.distance_squared(p);
            da.total_cmp(&db)
        })
        .unwrap_or(0.0);
    road.path.project(p, best)
}

/// Everything a driver may have to stop for, with its road position: other
/// vehicles, people and animals on the road, cargo once it falls, parked
/// cars (projected again when pushed).
#[allow(clippy::type_complexity)]
fn road_occupants(
    things: &Query<OccupantData>,
    road: &crate::world::RoadGeometry,
    parked: &mut ParkedSpans,
) -> Vec<Occupant> {
    things
        .iter()
        // cargo still on its carrier is part of the carrier
        .filter(|(.., cargo, _)| cargo.is_none_or(|c| c.falling.is_some()))
        .map(|(entity, th, t, lane, crossing, cargo, moved)| {
            let on_road = lane.map_or(0, |l| l.road);
            let on_foot = th.class == crate::core::classes::Class::Person;
            // standing: a parked body's half span across the road
            let (s_m, lateral_m, speed_along_mps, standing) = if let Some(l) = lane {
                // people: how fast they did walk along the road over the
                // last tick (they wait for vehicles, and cross it), so a
                // driver does not wait for a walk that is not happening
                let walked = moved
                    .and_then(|k| k.0.velocity_mps)
                    .filter(|_| on_foot && l.road == 0)
                    .map(|v| {
                        let v = sim_to_enu(v);
                        road.pose(l.s_m).forward().dot(DVec2::new(v.x, v.y))
                    });
                (
                    l.s_m,
                    l.lateral_m,
                    walked.unwrap_or(l.speed_mps * l.direction.sign()),
                    None,
                )
            } else if let Some(c) = crossing {
                (c.s_m, c.lateral_m, 0.0, None)
            } else if let Some(v) = cargo.and_then(|c| c.falling) {
                // loose cargo: where it is now, sliding along the road
                let p = sim_to_enu(t.translation.as_dvec3());
                let (s, lat) = nearest_station(road, DVec2::new(p.x, p.y));
                let along = road.pose(s).forward();
                let v = sim_to_enu(v.as_dvec3());
                (s, lat, v.x * along.x + v.y * along.y, None)
            } else {
                // parked: projected again only once pushed (the projection
                // scans the road); across the road it spans its corners (a
                // long one on a curve's inside stands out at its ends)
                if parked.get(&entity).is_none_or(|c| c.0 != t.translation) {
                    let p = sim_to_enu(t.translation.as_dvec3()).truncate();
                    let (s, _) = nearest_station(road, p);
                    let f = sim_to_enu((t.rotation * Vec3::X).as_dvec3()).truncate();
                    let half = (th.size.length_m / 2.0, th.size.width_m / 2.0);
                    let (lo, hi) = road
                        .path
                        .lateral_span_m(p, f.normalize(), half.0, half.1, s);
                    parked.insert(entity, (t.translation, s, lo, hi));
                }
                let (_, s, lo, hi) = parked[&entity];
                (s, (lo + hi) / 2.0, 0.0, Some((hi - lo) / 2.0))
            };
            Occupant {
                entity,
                road: on_road,
                s_m,
                lateral_m,
                half_length_m: th.size.length_m / 2.0,
                half_width_m: standing.unwrap_or(th.size.width_m / 2.0),
                speed_along_mps,
                on_foot,
                standing: standing.is_some(),
            }
        })
        .collect()
}

/// How far ahead of its bumper a driver looks for people in the world,
/// along the arc it is steering, m.
const BUMPER_LOOK_M: f64 = 10.0;

/// Where the people on the main road's sidewalks are, in the world, and
/// how fast they walk.
fn walking(occupants: &[Occupant], road: &crate::world::RoadGeometry) -> Vec<Walking> {
    occupants
        .iter()
        .filter(|o| o.on_foot && o.road == 0)
        .map(|o| {
            let pose = road.pose(o.s_m);
            Walking {
                position: pose.position + pose.left() * o.lateral_m,
                velocity_mps: pose.forward() * o.speed_along_mps,
                radius_m: o.half_width_m,
            }
        })
        .collect()
}

/// A person on foot, in the world (ENU, m and m/s).
#[derive(Clone, Copy, Debug)]
struct Walking {
    position: DVec2,
    velocity_mps: DVec2,
    radius_m: f64,
}

/// The gap from the bumper to the nearest person on foot ahead within
/// BUMPER_LOOK_M along the arc of curvature `curvature_per_m` (positive
/// left) the car is steering, and within its half width (+ 0.3 m) of that
/// arc, where they are now or where their walk takes them by the time the
/// car gets there: a car turning through a junction meets the people
/// walking across the street's mouth before it is on the street it turns
/// into, so its lane does not list them.
fn person_ahead_m(
    position: DVec2,
    heading_rad: f64,
    curvature_per_m: f64,
    speed_mps: f64,
    me: &Occupant,
    people: &[Walking],
) -> Option<f64> {
    let forward = DVec2::new(heading_rad.cos(), heading_rad.sin());
    let left = forward.perp();
    // along the arc and aside of it, of a point relative to the car
    let on_arc = |d: DVec2| {
        if curvature_per_m.abs() < 1e-4 {
            (d.dot(forward), d.dot(left).abs())
        } else {
            // about the turn's centre: the arc length to the point's
            // angle, and its distance from the arc
            let r = 1.0 / curvature_per_m;
            let from_centre = d - left * r;
            let start = -left * r;
            let angle = start.perp_dot(from_centre).atan2(start.dot(from_centre)) * r.signum();
            (angle * r.abs(), (from_centre.length() - r.abs()).abs())
        }
    };
    let gap_to = |d: DVec2, radius: f64| {
        let (along, aside) = on_arc(d);
        let gap = along - me.half_length_m - radius;
        (gap > -0.3 && gap < BUMPER_LOOK_M && aside < me.half_width_m + radius + 0.3).then_some(gap)
    };
    people
        .iter()
        .filter_map(|w| {
            let d = w.position - position;
            let now = gap_to(d, w.radius_m);
            // where they will be when the bumper reaches where they are now
            let (along, _) = on_arc(d);
            let t = (along - me.half_length_m).max(0.0) / speed_mps.max(1.0);
            let then = gap_to(d + w.velocity_mps * t, w.radius_m);
            match (now, then) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        })
        .min_by(f64::total_cmp)
}

/// People walking along the main road's sidewalks cross the mouth of
/// every cross street they pass: there they are in that street's way too,
/// so each is also listed on the cross street, in its coordinates (drivers
/// see only their own road's occupants; the cross street's traffic and the
/// cars turning in or out drove through them).
fn people_in_junction_mouths(occupants: &[Occupant], roads: &RoadRes) -> Vec<Occupant> {
    let main = &roads.0;
    let mut out = Vec::new();
    for o in occupants.iter().filter(|o| o.on_foot && o.road == 0) {
        for (k, b) in main.junction_boxes.iter().enumerate() {
            if o.s_m + o.half_width_m < b.s0_m || o.s_m - o.half_width_m > b.s1_m {
                continue;
            }
            let Some(street) = roads.1.get(k) else {
                continue;
            };
            let pose = main.pose(o.s_m);
            let p = pose.position + pose.left() * o.lateral_m;
            let (s_m, lateral_m) = nearest_station(street, p);
            out.push(Occupant {
                road: k as u32 + 1,
                s_m,
                lateral_m,
                // crossing the street: as deep along it as they are wide
                half_length_m: o.half_width_m,
                half_width_m: o.half_length_m,
                speed_along_mps: 0.0,
                ..*o
            });
        }
    }
    out
}

/// The gap to the nearest stop line ahead whose light (or, without lights,
/// the main road's traffic) says stop.
fn stop_line_gap(
    on: &crate::world::RoadGeometry,
    lane: &LaneMotion,
    me: &Occupant,
    driver: &Driver,
    lights: &[Option<(Light, Light)>],
    road: &crate::world::RoadGeometry,
    occupants: &[Occupant],
) -> Option<f64> {
    on.stops
        .iter()
        .filter(|l| l.direction == lane.direction)
        .filter_map(|l| {
            let gap = (l.s_m - lane.s_m) * lane.direction.sign() - me.half_length_m;
            if gap <= -0.5 || gap >= LOOK_AHEAD_M {
                return None;
            }
            let stop = match lights.get(l.junction).copied().flatten() {
                Some(light) => {
                    let light = if lane.road == 0 { light.0 } else { light.1 };
                    must_stop(light, gap, lane.speed_mps, driver.idm.comfort_decel_mps2)
                }
                // no lights: the main road has priority; the cross
                // street gives way while main-road traffic is near
                None => lane.road != 0 && main_road_busy(road, l.junction, occupants),
            };
            // turning left off the main road (on a green too): across the
            // oncoming lanes, once they are clear
            let turning_left = lane.road == 0 && driver.turn == Some(crate::scenario::Turn::Left);
            let stop = stop
                || turning_left
                    && oncoming_busy(road, l.junction, occupants, me, lane.direction.sign());
            stop.then_some(gap.max(0.1))
        })
        .min_by(f64::total_cmp)
}

//! Spawning the actors: the ego, traffic, parked cars, cyclists, pedestrians
//! and the hazard, each with its parts, class, instance id and the
//! components that move it.

use super::drive::Driver;
use super::{CrossAt, Door};
use crate::core::classes::{Class, instance_id};
use crate::core::rng::Stream;
use crate::scenario::{Direction, Hazard, Role, Scenario, Side, VehicleKind};
use crate::sim::components::{Cargo, Crossing, LaneMotion};
use crate::world::figure::{Figure, HI_VIS_SRGB, Quadruped};
use crate::world::objects::{self, Template};
use crate::world::{
    Ego, Renderable, RoadGeometry, RoadRes, ScenarioRes, Thing, VehicleLook, transform_at,
};
use bevy::prelude::*;

/// Car paint (linear albedo) and how common each is on the road, percent:
/// roughly the world's new-car colour shares (white, black, grey and
/// silver lead; a few in every bright colour).
const PAINT: [([f32; 3], u32); 10] = [
    ([0.78, 0.78, 0.76], 25),
    ([0.03, 0.03, 0.042], 19),
    ([0.16, 0.17, 0.18], 17),
    ([0.42, 0.43, 0.45], 11),
    ([0.04, 0.08, 0.32], 9),
    ([0.48, 0.03, 0.03], 8),
    ([0.22, 0.14, 0.08], 4),
    ([0.05, 0.16, 0.07], 3),
    ([0.75, 0.55, 0.04], 2),
    ([0.6, 0.2, 0.02], 2),
];

/// Van paint and shares, percent: fleet vans are mostly white, then
/// silver and grey; few in colours.
const VAN_PAINT: [([f32; 3], u32); 6] = [
    ([0.8, 0.8, 0.78], 62),
    ([0.5, 0.51, 0.53], 12),
    ([0.16, 0.17, 0.18], 9),
    ([0.03, 0.03, 0.042], 7),
    ([0.04, 0.08, 0.32], 6),
    ([0.48, 0.03, 0.03], 4),
];

/// Bus liveries and shares, percent: mostly white, red, yellow and blue.
const BUS_PAINT: [([f32; 3], u32); 6] = [
    ([0.8, 0.8, 0.78], 35),
    ([0.5, 0.03, 0.03], 20),
    ([0.8, 0.55, 0.03], 15),
    ([0.04, 0.12, 0.4], 15),
    ([0.05, 0.25, 0.08], 10),
    ([0.5, 0.51, 0.53], 5),
];

/// A paint for a vehicle of `kind`, drawn by its share.
fn drawn_paint(rng: &mut Stream, kind: VehicleKind) -> [f32; 3] {
    let table: &[([f32; 3], u32)] = match kind {
        VehicleKind::Van => &VAN_PAINT,
        VehicleKind::Bus => &BUS_PAINT,
        _ => &PAINT,
    };
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut pick = rng.index(total as usize) as u32;
    for &(colour, weight) in table {
        if pick < weight {
            return colour;
        }
        pick -= weight;
    }
    table[0].0
}

/// Hands out k = 1, 2, ... per class in spawn order, so ids are stable.
#[derive(Default)]
struct IdAllocator(std::collections::BTreeMap<Class, u32>);

impl IdAllocator {
    fn next(&mut self, class: Class) -> u32 {
        let k = self.0.entry(class).or_insert(0);
        *k += 1;
        instance_id(class, *k)
    }
}

fn spawn_thing(
    commands: &mut Commands,
    ids: &mut IdAllocator,
    t: Template,
    role: Role,
    transform: Transform,
) -> Entity {
    let id = ids.next(t.class);
    // a ridden bicycle is a thing of its own (COCO and Cityscapes label the
    // rider and the bicycle apart)
    let carries_bicycle =
        t.class != Class::Bicycle && t.parts.iter().any(|p| p.class == Class::Bicycle);
    let bicycle_instance_id = carries_bicycle.then(|| ids.next(Class::Bicycle));
    commands
        .spawn((
            transform,
            Renderable {
                parts: t.parts.into(),
            },
            Thing {
                instance_id: id,
                class: t.class,
                kitti_type: t.kitti_type,
                size: t.size,
                role,
                bicycle_instance_id,
            },
        ))
        .id()
}

/// A person: spawned as a thing, then posed every tick by their figure.
fn spawn_figure(
    commands: &mut Commands,
    ids: &mut IdAllocator,
    figure: Figure,
    role: Role,
    transform: Transform,
) -> Entity {
    let e = spawn_thing(commands, ids, figure.template(), role, transform);
    commands.entity(e).insert(figure);
    e
}

/// The stream a person's looks are drawn from: keyed by their role, so
/// adding someone never re-dresses the others.
fn look(s: &Scenario, role: Role) -> Stream {
    Stream::new(s.seed, &format!("look:{role}"), 0)
}

fn heading_offset(direction: Direction) -> f64 {
    if direction == Direction::Forward {
        0.0
    } else {
        std::f64::consts::PI
    }
}

/// Startup: spawn the ego and every actor the scenario names, in scenario
/// order (which fixes their instance ids).
pub fn spawn_actors(mut commands: Commands, scenario: Res<ScenarioRes>, road: Res<RoadRes>) {
    let s = &scenario.0;
    let mut ids = IdAllocator::default();
    spawn_ego(&mut commands, &mut ids, s, &road);
    let vehicles = spawn_vehicles(&mut commands, &mut ids, s, &road);
    spawn_parked(&mut commands, &mut ids, s, &road);
    spawn_cyclists(&mut commands, &mut ids, s, &road);
    spawn_pedestrians(&mut commands, &mut ids, s, &road);
    spawn_hazard(&mut commands, &mut ids, s, &road.0, &vehicles);
}

fn opposite(side: Side) -> Side {
    if side == Side::Left {
        Side::Right
    } else {
        Side::Left
    }
}

/// The crossing pedestrian, the rest of their group (staggered behind
/// them) and their ball (rolling out ahead).
fn spawn_pedestrian_crossing(
    commands: &mut Commands,
    ids: &mut IdAllocator,
    s: &Scenario,
    road: &RoadGeometry,
    h: &crate::scenario::PedestrianCrossing,
) {
    let (s_m, side, start_lat) = match h.behind_parked {
        Some(k) => {
            let (s_m, lateral) = crate::scenario::PedestrianCrossing::behind_parked_start_m(s, k);
            (s_m, s.props.parked[k].side, lateral)
        }
        None => (
            h.s_m,
            h.side,
            road.edge_m(h.side) + RoadGeometry::outward(h.side) * 0.5,
        ),
    };
    let o = RoadGeometry::outward(side);
    let target = road.edge_m(opposite(side)) - o * 1.0;
    let yaw = -o * std::f64::consts::FRAC_PI_2;
    for k in 0..h.count {
        // the group: staggered along the road and away from the kerb
        let (ds, dl) = h.member_offset_m(k);
        let role = if k == 0 {
            Role::Hazard
        } else {
            Role::HazardMember(k as usize)
        };
        let lat = start_lat + o * dl;
        // the one who steps out first wears a high-visibility top
        let top = (k == 0).then_some(HI_VIS_SRGB);
        let e = spawn_figure(
            commands,
            ids,
            Figure::pedestrian(&mut look(s, role), h.height_m, top),
            role,
            transform_at(road, s_m + ds, lat, yaw),
        );
        commands.entity(e).insert(Crossing {
            s_m: s_m + ds,
            lateral_m: lat,
            target_lateral_m: target - o * dl,
            speed_mps: h.speed_mps,
            trigger_time_to_ego_s: h.trigger_time_to_ego_s,
            started_at_frame: None,
        });
    }
    if h.ball {
        // a metre ahead of them towards the road, rolling twice as fast
        let lat = start_lat - o * 1.0;
        let e = spawn_thing(
            commands,
            ids,
            objects::debris(crate::scenario::DebrisKind::Ball),
            Role::HazardBall,
            transform_at(road, s_m + 0.5, lat, yaw),
        );
        commands.entity(e).insert(Crossing {
            s_m: s_m + 0.5,
            lateral_m: lat,
            target_lateral_m: target - o * 2.0,
            speed_mps: 2.0 * h.speed_mps,
            trigger_time_to_ego_s: h.trigger_time_to_ego_s,
            started_at_frame: None,
        });
    }
}

/// The ego, in its lane at its start station.
fn spawn_ego(commands: &mut Commands, ids: &mut IdAllocator, s: &Scenario, roads: &RoadRes) {
    let road = &roads.0;
    let lat = road.lane_center_m(Direction::Forward, s.ego.lane);
    let (kind, color) = (
        body(s, "ego_body", 0, s.ego.kind),
        paint(s, "ego_color", 0, s.ego.kind, s.ego.color),
    );
    let e = spawn_thing(
        commands,
        ids,
        objects::vehicle(kind, color),
        Role::Ego,
        transform_at(road, s.ego.start_s_m, lat, 0.0),
    );
    commands.entity(e).insert((
        Ego,
        VehicleLook::new(kind, color),
        LaneMotion {
            s_m: s.ego.start_s_m,
            lateral_m: lat,
            speed_mps: s.ego.speed_mps,
            direction: Direction::Forward,
            road: 0,
        },
        Driver {
            car_following: s.ego.car_following,
            emergency_ttc_s: s.ego.emergency_braking_ttc_s,
            turn: s.ego.turn,
            ..Driver::new(s.ego.speed_mps, lat, Direction::Forward)
        },
    ));
}

/// Traffic; returns each vehicle's entity and start pose (cargo rides them).
fn spawn_vehicles(
    commands: &mut Commands,
    ids: &mut IdAllocator,
    s: &Scenario,
    roads: &RoadRes,
) -> Vec<(Entity, Transform)> {
    let mut vehicles = Vec::new();
    for (i, v) in s.vehicles.iter().enumerate() {
        // a wrong-way driver keeps to a lane of the other direction
        let lane_side = match (v.direction, v.wrong_way) {
            (d, false) => d,
            (Direction::Forward, true) => Direction::Backward,
            (Direction::Backward, true) => Direction::Forward,
        };
        let on = roads.get(v.road);
        let lat = on.lane_center_m(lane_side, v.lane);
        let at = transform_at(on, v.start_s_m, lat, heading_offset(v.direction));
        let (kind, color) = (
            body(s, "vehicle_body", i, v.kind),
            paint(s, "vehicle_color", i, v.kind, v.color),
        );
        // the falling cargo's carrier: its load shows (a truck's box open)
        let carries = matches!(&s.hazard, Some(Hazard::FallingCargo(h)) if h.vehicle == i);
        let template = if carries {
            objects::cargo_carrier(kind, color)
        } else {
            objects::vehicle(kind, color)
        };
        let e = spawn_thing(commands, ids, template, Role::Vehicle(i), at);
        commands.entity(e).insert((
            VehicleLook::new(kind, color),
            LaneMotion {
                s_m: v.start_s_m,
                lateral_m: lat,
                speed_mps: v.speed_mps,
                direction: v.direction,
                road: v.road,
            },
            Driver {
                car_following: v.car_following,
                runs_red_lights: v.runs_red_lights,
                turn: v.turn,
                ..Driver::new(v.speed_mps, lat, lane_side)
            },
        ));
        vehicles.push((e, at));
    }
    vehicles
}

/// Parked vehicles; parked cars get a driver door a trigger can open.
fn spawn_parked(commands: &mut Commands, ids: &mut IdAllocator, s: &Scenario, roads: &RoadRes) {
    let road = &roads.0;
    for (i, p) in s.props.parked.iter().enumerate() {
        let color = paint(s, "parked_color", i, p.kind, p.color);
        let kind = p.body(s.seed, i);
        let mut t = objects::vehicle(kind, color);
        // parked cars have a driver door that a trigger can open
        let facing = s.road.kerb_direction(p.side);
        // the door towards the road: the driver's, or on a one-way
        // street's left kerb (facing forward) the passenger's
        let road_on_right = p.side == Side::Left && facing == Direction::Forward;
        let door = kind.is_car().then(|| {
            let (part, door) = objects::car_door(kind, color, road_on_right);
            t.parts.push(part);
            Door {
                part: t.parts.len() - 1,
                door,
                opened_at_s: None,
            }
        });
        let lat = crate::scenario::actors::parked_lateral_m(
            &s.road,
            p.side,
            p.s_m,
            t.size.length_m,
            t.size.width_m,
        );
        let e = spawn_thing(
            commands,
            ids,
            t,
            Role::Parked(i),
            transform_at(road, p.s_m, lat, heading_offset(facing)),
        );
        commands.entity(e).insert(VehicleLook::new(kind, color));
        if let Some(d) = door {
            commands.entity(e).insert(d);
        }
    }
}

/// Cyclists, riding with the traffic on their side.
fn spawn_cyclists(commands: &mut Commands, ids: &mut IdAllocator, s: &Scenario, roads: &RoadRes) {
    let road = &roads.0;
    for (i, c) in s.cyclists.iter().enumerate() {
        let o = RoadGeometry::outward(c.side);
        let offset = c.ride_offset_m(&s.road, &s.props.parked);
        let lat = road.edge_m(c.side) - o * offset;
        // they ride with the traffic on their side
        let direction = s.road.kerb_direction(c.side);
        let role = Role::Cyclist(i);
        let e = spawn_figure(
            commands,
            ids,
            Figure::cyclist(&mut look(s, role)),
            role,
            transform_at(road, c.s_m, lat, heading_offset(direction)),
        );
        commands.entity(e).insert(LaneMotion {
            s_m: c.s_m,
            lateral_m: lat,
            speed_mps: c.speed_mps,
            direction,
            road: 0,
        });
    }
}

/// Walkers along the sidewalks, some crossing at a station.
fn spawn_pedestrians(
    commands: &mut Commands,
    ids: &mut IdAllocator,
    s: &Scenario,
    roads: &RoadRes,
) {
    let road = &roads.0;
    for (i, p) in s.pedestrians.iter().enumerate() {
        let lat = road.edge_m(p.side) + RoadGeometry::outward(p.side) * p.offset_m;
        let role = Role::Pedestrian(i);
        let e = spawn_figure(
            commands,
            ids,
            Figure::pedestrian(&mut look(s, role), p.height_m, None),
            role,
            transform_at(road, p.s_m, lat, heading_offset(p.direction)),
        );
        commands.entity(e).insert(LaneMotion {
            s_m: p.s_m,
            lateral_m: lat,
            speed_mps: p.speed_mps,
            direction: p.direction,
            road: 0,
        });
        if let Some(at) = p.cross_at_s_m {
            let other = opposite(p.side);
            commands.entity(e).insert(CrossAt {
                s_m: at,
                target_lateral_m: road.edge_m(other) + RoadGeometry::outward(other) * p.offset_m,
                crossed: false,
            });
        }
    }
}

/// The scenario's hazard.
fn spawn_hazard(
    commands: &mut Commands,
    ids: &mut IdAllocator,
    s: &Scenario,
    road: &RoadGeometry,
    vehicles: &[(Entity, Transform)],
) {
    match &s.hazard {
        Some(Hazard::PedestrianCrossing(h)) => spawn_pedestrian_crossing(commands, ids, s, road, h),
        Some(Hazard::AnimalCrossing(h)) => {
            let o = RoadGeometry::outward(h.side);
            let start = road.edge_m(h.side) + o * 2.0;
            let target = road.edge_m(opposite(h.side)) - o * 3.0;
            let deer = objects::deer();
            // a deer's walking stride, metres a full cycle
            let gait = Quadruped::new(&deer.parts, 1.6);
            let e = spawn_thing(
                commands,
                ids,
                deer,
                Role::Hazard,
                transform_at(road, h.s_m, start, -o * std::f64::consts::FRAC_PI_2),
            );
            commands.entity(e).insert(gait).insert(Crossing {
                s_m: h.s_m,
                lateral_m: start,
                target_lateral_m: target,
                speed_mps: h.speed_mps,
                trigger_time_to_ego_s: h.trigger_time_to_ego_s,
                started_at_frame: None,
            });
        }
        Some(Hazard::FallingCargo(h)) => {
            let carrier = body(s, "vehicle_body", h.vehicle, s.vehicles[h.vehicle].kind);
            let size = objects::vehicle(carrier, [0.0; 3]).size;
            let t = objects::debris(h.kind);
            // on the load floor (1 cm above it), near the tail
            let local = Vec3::new(
                -(size.length_m as f32) / 2.0 + 0.4 + t.size.length_m as f32 / 2.0,
                objects::load_floor_m(carrier) + 0.01,
                0.0,
            );
            let (carrier_entity, carrier_at) = vehicles[h.vehicle];
            let at = carrier_at * Transform::from_translation(local);
            let e = spawn_thing(commands, ids, t, Role::Hazard, at);
            commands.entity(e).insert(Cargo {
                carrier: carrier_entity,
                local,
                drop_at_s: h.drop_at_s,
                falling: None,
            });
        }
        None => {}
    }
}

/// The body of a vehicle of `kind`: a `Car` gets a body style drawn from
/// the road's shares (`CAR_BODY_SHARES`), seeded by scenario, role and
/// index; any other kind is itself (`VehicleKind::drawn`).
pub fn body(s: &Scenario, name: &str, k: usize, kind: VehicleKind) -> VehicleKind {
    kind.drawn(s.seed, name, k)
}

/// A given paint colour, or one drawn by share for actor `k`.
fn paint(
    s: &Scenario,
    name: &str,
    k: usize,
    kind: VehicleKind,
    given: Option<[f32; 3]>,
) -> [f32; 3] {
    given.unwrap_or_else(|| drawn_paint(&mut Stream::new(s.seed, name, k as u64), kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::CAR_BODY_SHARES;

    /// A `Car` draws its body by the road's shares (each within 6 points
    /// over 1000 draws), the same for the same role and index; a named
    /// body is itself.
    #[test]
    fn car_bodies_follow_the_shares_and_named_kinds_stay() {
        let text = crate::scenario::library::builtin("clear_day_urban")
            .unwrap()
            .text;
        let s = crate::scenario::parse(&text, std::path::Path::new("clear_day_urban.ron")).unwrap();
        let mut counts = std::collections::BTreeMap::new();
        for k in 0..1000 {
            let kind = body(&s, "vehicle_body", k, VehicleKind::Car);
            assert_eq!(kind, body(&s, "vehicle_body", k, VehicleKind::Car));
            *counts.entry(kind.body_name()).or_insert(0u32) += 1;
        }
        for (style, share) in CAR_BODY_SHARES {
            let got = counts.get(style.body_name()).copied().unwrap_or(0);
            assert!(got.abs_diff(share * 10) <= 60, "{style:?}: {got} of 1000");
        }
        for kind in [VehicleKind::Van, VehicleKind::Truck, VehicleKind::Estate] {
            assert_eq!(body(&s, "vehicle_body", 3, kind), kind);
        }
    }
}

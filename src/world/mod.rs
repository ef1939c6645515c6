//! World: turns a scenario into entities (road, props, actors) with their
//! parts, classes and instance ids.

pub mod lanes;
pub mod objects;
pub mod road;

use crate::actors::drive::Driver;
use crate::actors::{Crossing, LaneMotion};
use crate::core::classes::{Class, instance_id};
use crate::core::rng::Stream;
use crate::scenario::{Direction, Hazard, PropKind, Scenario, Side, VehicleKind};
use bevy::prelude::*;
use objects::{BoxSize, Part, Template};
pub use road::{RoadGeometry, StaticMesh};
use std::sync::Arc;

pub fn vehicle_class(kind: VehicleKind) -> Class {
    match kind {
        VehicleKind::Car | VehicleKind::Van => Class::Car,
        VehicleKind::Truck => Class::Truck,
    }
}

/// Something the cameras draw.
#[derive(Component, Clone)]
pub struct Renderable {
    pub parts: Arc<[Part]>,
}

/// A labeled object ("thing"): it gets an instance id and 3D/2D boxes.
#[derive(Component, Clone, Debug)]
pub struct Thing {
    pub instance_id: u32,
    pub class: Class,
    pub kitti_type: &'static str,
    pub size: BoxSize,
    /// Human-readable role, e.g. "hazard", "parked[0]".
    pub role: String,
}

#[derive(Component)]
pub struct Ego;

/// A pole with a lamp at the end of its arm (object-local position).
#[derive(Component, Clone, Copy, Debug)]
pub struct StreetLight {
    pub lamp_local: Vec3,
}

#[derive(Resource, Clone)]
pub struct ScenarioRes(pub Scenario);

/// A junction's traffic light facing one approach; its lamps follow the
/// plan every tick.
#[derive(Component, Clone, Copy, Debug)]
pub struct SignalHead {
    pub junction: usize,
    /// Facing cross-street traffic (else main-road traffic).
    pub cross: bool,
}

/// Control: light the lamps the plan says are on.
pub fn update_signal_heads(
    clock: Res<crate::sim::SimClock>,
    plans: Res<SignalPlans>,
    mut heads: Query<(&SignalHead, &mut Renderable)>,
) {
    use crate::core::traffic::Light;
    for (h, mut r) in &mut heads {
        let Some(plan) = plans.0.get(h.junction).copied().flatten() else {
            continue;
        };
        let (main, cross) = plan.lights(clock.time_s());
        let light = if h.cross { cross } else { main };
        let lit = match light {
            Light::Red => 0,
            Light::Amber => 1,
            Light::Green => 2,
        };
        let mut parts = r.parts.to_vec();
        for (i, p) in parts
            .iter_mut()
            .skip(objects::FIRST_LAMP_PART)
            .take(3)
            .enumerate()
        {
            p.color = if i == lit {
                objects::LAMP_LIT[i]
            } else {
                objects::LAMP_DARK
            };
        }
        r.parts = parts.into();
    }
}

/// The network's lane graph (see `lanes`).
#[derive(Resource, Clone, Default)]
pub struct LaneGraph(pub Vec<lanes::Connection>);

/// Each junction's signal plan (None: no lights).
#[derive(Resource, Clone, Default)]
pub struct SignalPlans(pub Vec<Option<crate::core::traffic::SignalPlan>>);

/// The main road (road 0) and the cross streets (road k + 1 for junction k).
#[derive(Resource, Clone)]
pub struct RoadRes(pub RoadGeometry, pub Vec<RoadGeometry>);

impl RoadRes {
    pub fn get(&self, road: u32) -> &RoadGeometry {
        match road {
            0 => &self.0,
            k => &self.1[k as usize - 1],
        }
    }
}

#[derive(Resource, Clone)]
pub struct StaticScene(pub Arc<Vec<StaticMesh>>);

const PAINT: [[f32; 3]; 8] = [
    [0.75, 0.08, 0.07],
    [0.1, 0.2, 0.55],
    [0.85, 0.85, 0.85],
    [0.08, 0.08, 0.09],
    [0.5, 0.52, 0.55],
    [0.15, 0.35, 0.2],
    [0.8, 0.6, 0.1],
    [0.35, 0.15, 0.1],
];

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

fn transform_at(road: &RoadGeometry, s_m: f64, lateral_m: f64, yaw_offset: f64) -> Transform {
    let pose = road.pose(s_m);
    let p = pose.sim_point(lateral_m, road.ground_height_m(lateral_m));
    Transform::from_translation(p.as_vec3()).with_rotation(Quat::from_rotation_y(
        (pose.heading_rad + yaw_offset) as f32,
    ))
}

fn spawn_thing(
    commands: &mut Commands,
    ids: &mut IdAllocator,
    t: Template,
    role: String,
    transform: Transform,
) -> Entity {
    let id = ids.next(t.class);
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
            },
        ))
        .id()
}

fn heading_offset(direction: Direction) -> f64 {
    if direction == Direction::Forward {
        0.0
    } else {
        std::f64::consts::PI
    }
}

/// Startup: spawn everything the scenario describes.
pub fn spawn_world(mut commands: Commands, scenario: Res<ScenarioRes>, road: Res<RoadRes>) {
    let s = &scenario.0;
    let roads = &*road;
    let road = &roads.0;
    let mut ids = IdAllocator::default();
    let paint = |name: &str, k: usize, given: Option<[f32; 3]>| {
        given.unwrap_or_else(|| PAINT[Stream::new(s.seed, name, k as u64).index(PAINT.len())])
    };

    // ego
    let lat = road.lane_center_m(Direction::Forward, s.ego.lane);
    let e = spawn_thing(
        &mut commands,
        &mut ids,
        objects::vehicle(s.ego.kind, paint("ego_color", 0, s.ego.color)),
        "ego".into(),
        transform_at(road, s.ego.start_s_m, lat, 0.0),
    );
    commands.entity(e).insert((
        Ego,
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
        let e = spawn_thing(
            &mut commands,
            &mut ids,
            objects::vehicle(v.kind, paint("vehicle_color", i, v.color)),
            format!("vehicles[{i}]"),
            at,
        );
        commands.entity(e).insert((
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

    for (i, p) in s.props.parked.iter().enumerate() {
        let color = paint("parked_color", i, p.color);
        let mut t = objects::vehicle(p.kind, color);
        // parked cars have a driver door that a trigger can open
        let door = (p.kind == VehicleKind::Car).then(|| {
            let (part, door) = objects::car_door(color, t.size);
            t.parts.push(part);
            crate::actors::Door {
                part: t.parts.len() - 1,
                door,
                opened_at_s: None,
            }
        });
        let lat = parked_lateral_m(road, p.side, t.size.width_m);
        let yaw = if p.side == Side::Left {
            std::f64::consts::PI
        } else {
            0.0
        };
        let e = spawn_thing(
            &mut commands,
            &mut ids,
            t,
            format!("parked[{i}]"),
            transform_at(road, p.s_m, lat, yaw),
        );
        if let Some(d) = door {
            commands.entity(e).insert(d);
        }
    }

    for (i, c) in s.cyclists.iter().enumerate() {
        let o = RoadGeometry::outward(c.side);
        let offset = c.offset_m.unwrap_or(road.parking_width_m + 0.7);
        let lat = road.edge_m(c.side) - o * offset;
        // they ride with the traffic on their side
        let direction = if c.side == Side::Left {
            Direction::Backward
        } else {
            Direction::Forward
        };
        let shirt = PAINT[Stream::new(s.seed, "cyclist_shirt", i as u64).index(PAINT.len())];
        let e = spawn_thing(
            &mut commands,
            &mut ids,
            objects::cyclist(shirt),
            format!("cyclists[{i}]"),
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

    for (i, p) in s.pedestrians.iter().enumerate() {
        let lat = road.edge_m(p.side) + RoadGeometry::outward(p.side) * p.offset_m;
        let shirt = PAINT[Stream::new(s.seed, "shirt", i as u64).index(PAINT.len())];
        let e = spawn_thing(
            &mut commands,
            &mut ids,
            objects::person(p.height_m, shirt),
            format!("pedestrians[{i}]"),
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
            commands.entity(e).insert(crate::actors::CrossAt {
                s_m: at,
                target_lateral_m: road.edge_m(other) + RoadGeometry::outward(other) * p.offset_m,
                crossed: false,
            });
        }
    }

    match &s.hazard {
        Some(Hazard::PedestrianCrossing(h)) => {
            spawn_pedestrian_crossing(&mut commands, &mut ids, s, road, h)
        }
        Some(Hazard::AnimalCrossing(h)) => {
            let o = RoadGeometry::outward(h.side);
            let start = road.edge_m(h.side) + o * 2.0;
            let target = road.edge_m(opposite(h.side)) - o * 3.0;
            let e = spawn_thing(
                &mut commands,
                &mut ids,
                objects::deer(),
                "hazard".into(),
                transform_at(road, h.s_m, start, -o * std::f64::consts::FRAC_PI_2),
            );
            commands.entity(e).insert(Crossing {
                s_m: h.s_m,
                lateral_m: start,
                target_lateral_m: target,
                speed_mps: h.speed_mps,
                trigger_time_to_ego_s: h.trigger_time_to_ego_s,
                started_at_frame: None,
            });
        }
        Some(Hazard::FallingCargo(h)) => {
            let carrier = &s.vehicles[h.vehicle];
            let size = objects::vehicle(carrier.kind, [0.0; 3]).size;
            let t = objects::debris(h.kind);
            // on the load bed, near the tail
            let local = Vec3::new(
                -(size.length_m as f32) / 2.0 + 0.4 + t.size.length_m as f32 / 2.0,
                1.25,
                0.0,
            );
            let (carrier_entity, carrier_at) = vehicles[h.vehicle];
            let at = carrier_at * Transform::from_translation(local);
            let e = spawn_thing(&mut commands, &mut ids, t, "hazard".into(), at);
            commands.entity(e).insert(crate::actors::Cargo {
                carrier: carrier_entity,
                local,
                drop_at_s: h.drop_at_s,
                falling: None,
            });
        }
        None => {}
    }

    // a signal head at every stop line of a signalled junction, on the kerb
    // to the right of the approaching traffic, facing it
    for (k, j) in s.road.junctions.iter().enumerate() {
        if j.signals.is_none() {
            continue;
        }
        for r in [0, k as u32 + 1] {
            let on = roads.get(r);
            for stop in on.stops.iter().filter(|l| l.junction == k) {
                let (lateral, yaw) = match stop.direction {
                    Direction::Forward => (on.right_edge_m() - 0.6, std::f64::consts::PI),
                    Direction::Backward => (on.left_edge_m() + 0.6, 0.0),
                };
                commands.spawn((
                    transform_at(on, stop.s_m, lateral, yaw),
                    Renderable {
                        parts: objects::signal_head().into(),
                    },
                    SignalHead {
                        junction: k,
                        cross: r != 0,
                    },
                ));
            }
        }
    }

    spawn_props(&mut commands, s, road);
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
            let p = &s.props.parked[k];
            let size = objects::vehicle(p.kind, [0.0; 3]).size;
            let lat = parked_lateral_m(road, p.side, size.width_m);
            // just past the vehicle's front (seen from the ego), tucked towards the kerb
            (
                p.s_m + size.length_m / 2.0 + 0.5,
                p.side,
                lat + RoadGeometry::outward(p.side) * 0.2,
            )
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
        let (ds, dl) = if k == 0 {
            (0.0, 0.0)
        } else {
            let along = 0.9 * k.div_ceil(2) as f64 * if k % 2 == 1 { 1.0 } else { -1.0 };
            (along, 0.35 * k as f64)
        };
        let shirt = PAINT[Stream::new(s.seed, "hazard_shirt", k as u64).index(PAINT.len())];
        let role = if k == 0 {
            "hazard".to_string()
        } else {
            format!("hazard.{k}")
        };
        let lat = start_lat + o * dl;
        let e = spawn_thing(
            commands,
            ids,
            objects::person(h.height_m, if k == 0 { [0.9, 0.75, 0.1] } else { shirt }),
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
            "hazard.ball".into(),
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

fn parked_lateral_m(road: &RoadGeometry, side: Side, width_m: f64) -> f64 {
    road.edge_m(side) - RoadGeometry::outward(side) * (width_m / 2.0 + 0.25)
}

/// Lateral offset of a prop's origin: poles and signs stand `offset_m` from
/// the kerb line; buildings and trees start `offset_m` beyond the sidewalk.
fn prop_lateral_m(road: &RoadGeometry, kind: PropKind, side: Side, offset_m: f64) -> f64 {
    let o = RoadGeometry::outward(side);
    let edge = road.edge_m(side);
    match kind {
        PropKind::Pole | PropKind::Sign => edge + o * offset_m,
        PropKind::Tree => edge + o * (road.sidewalk_width_m + offset_m + 1.5),
        PropKind::Building => edge + o * (road.sidewalk_width_m + offset_m + 5.0),
    }
}

/// One static prop to place beside the road.
struct PropPlacement {
    kind: PropKind,
    s_m: f64,
    side: Side,
    offset_m: f64,
    height_m: f64,
    /// Length along the road (buildings), metres.
    footprint_m: f64,
    /// Colour multiplier, so neighbours differ.
    tint: f32,
}

fn spawn_prop(commands: &mut Commands, road: &RoadGeometry, p: PropPlacement) {
    let lat = prop_lateral_m(road, p.kind, p.side, p.offset_m);
    // street-light arms and signs face the road
    let yaw = if p.side == Side::Left {
        std::f64::consts::PI
    } else {
        0.0
    };
    let mut e = commands.spawn((
        transform_at(road, p.s_m, lat, yaw),
        Renderable {
            parts: objects::prop(p.kind, p.height_m, p.footprint_m, p.tint).into(),
        },
    ));
    if p.kind == PropKind::Pole {
        // the arm reaches 1.8 m over the road (object -z) just below the top
        e.insert(StreetLight {
            lamp_local: Vec3::new(0.0, p.height_m as f32 - 0.25, -1.7),
        });
    }
}

fn spawn_props(commands: &mut Commands, s: &Scenario, road: &RoadGeometry) {
    for p in &s.props.placed {
        let h = p
            .height_m
            .unwrap_or_else(|| objects::default_prop_height(p.kind));
        let placement = PropPlacement {
            kind: p.kind,
            s_m: p.s_m,
            side: p.side,
            offset_m: p.offset_m,
            height_m: h,
            footprint_m: 14.0,
            tint: 1.0,
        };
        spawn_prop(commands, road, placement);
    }
    for (i, sc) in s.props.scatter.iter().enumerate() {
        let mut rng = Stream::new(s.seed, "scatter", i as u64);
        let end = sc.to_s_m.unwrap_or(road.path.length_m());
        let sides: &[Side] = match sc.side {
            Side::Both => &[Side::Left, Side::Right],
            Side::Left => &[Side::Left],
            Side::Right => &[Side::Right],
        };
        let mut s_m = sc.from_s_m;
        while s_m <= end {
            for &side in sides {
                let at = s_m + rng.range(-sc.jitter_m, sc.jitter_m);
                let h = match sc.height_m {
                    Some((lo, hi)) => rng.range(lo, hi),
                    None => objects::default_prop_height(sc.kind) * rng.range(0.85, 1.15),
                };
                let footprint = sc.spacing_m * rng.range(0.6, 0.92);
                let tint = rng.range(0.75, 1.15) as f32;
                // nothing stands on a cross street (the draws above are made
                // anyway, so the other props stay where they were)
                let half = footprint.max(1.0) / 2.0;
                let blocked = road.junction_boxes.iter().any(|b| {
                    let arm = if side == Side::Left {
                        b.arm_left
                    } else {
                        b.arm_right
                    };
                    arm && at + half > b.s0_m && at - half < b.s1_m
                });
                if blocked {
                    continue;
                }
                let placement = PropPlacement {
                    kind: sc.kind,
                    s_m: at,
                    side,
                    offset_m: sc.offset_m,
                    height_m: h,
                    footprint_m: footprint,
                    tint,
                };
                spawn_prop(commands, road, placement);
            }
            s_m += sc.spacing_m;
        }
    }
}

/// Resources derived from the scenario, inserted before startup.
pub struct WorldPlugin {
    pub scenario: Scenario,
}

impl Plugin for WorldPlugin {
    fn build(&self, app: &mut App) {
        let road = RoadGeometry::new(&self.scenario.road);
        let cross = road.cross_streets(&self.scenario.road.junctions);
        let statics = Arc::new(road.network_meshes(&cross));
        let roads = RoadRes(road, cross);
        let graph = LaneGraph(lanes::lane_graph(&roads, &self.scenario.road.junctions));
        app.insert_resource(ScenarioRes(self.scenario.clone()))
            .insert_resource(roads)
            .insert_resource(graph)
            .insert_resource(SignalPlans(
                self.scenario
                    .road
                    .junctions
                    .iter()
                    .map(|j| {
                        j.signals
                            .as_ref()
                            .map(|p| crate::core::traffic::SignalPlan {
                                main_green_s: p.main_green_s,
                                cross_green_s: p.cross_green_s,
                                amber_s: p.amber_s,
                                all_red_s: p.all_red_s,
                                offset_s: p.offset_s,
                            })
                    })
                    .collect(),
            ))
            .insert_resource(StaticScene(statics))
            .add_systems(Startup, spawn_world)
            .add_systems(
                Update,
                update_signal_heads.in_set(crate::sim::SimSet::Control),
            );
    }
}

//! World: turns a scenario into entities (road, props, actors) with their
//! parts, classes and instance ids.

pub mod figure;
pub mod kinematics;
pub mod lanes;
pub mod objects;
pub mod road;

use crate::core::classes::Class;
use crate::core::rng::Stream;
use crate::scenario::{
    Direction, PropKind, RoadGround, Scenario, Side, TakenGround, prop_footprint,
};
use bevy::prelude::*;
use objects::{BoxSize, Part};
pub use road::{RoadGeometry, StaticMesh};
use std::sync::Arc;

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
    /// Which scenario entry it comes from, e.g. "hazard", "parked[0]".
    pub role: crate::scenario::Role,
    /// The instance id of the bicycle it rides: its `Class::Bicycle` parts
    /// are labeled as that instance.
    pub bicycle_instance_id: Option<u32>,
}

#[derive(Component)]
pub struct Ego;

/// A vehicle's look (body style, paint), as its labels record it.
#[derive(Component, Clone, Debug)]
pub struct VehicleLook(pub crate::core::record::VehicleAttributes);

impl VehicleLook {
    /// A vehicle of `kind` (its body drawn) in linear `paint`.
    pub fn new(kind: crate::scenario::VehicleKind, paint: [f32; 3]) -> VehicleLook {
        let c = paint.map(|v| crate::core::color::linear_to_srgb_u8(v as f64));
        VehicleLook(crate::core::record::VehicleAttributes {
            body: kind.body_name().to_string(),
            paint_color: format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]),
            turn_signal: None,
            turn_signal_lit: false,
        })
    }
}

/// The poles and sign posts beside the main road, which walkers step round.
#[derive(Resource, Clone, Debug, Default)]
pub struct SidewalkPosts(pub Vec<crate::core::walk::Post>);

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

pub fn transform_at(road: &RoadGeometry, s_m: f64, lateral_m: f64, yaw_offset: f64) -> Transform {
    let pose = road.pose(s_m);
    let p = pose.sim_point(lateral_m, road.ground_height_at_m(s_m, lateral_m));
    Transform::from_translation(p.as_vec3()).with_rotation(Quat::from_rotation_y(
        (pose.heading_rad + yaw_offset) as f32,
    ))
}

/// Startup (after the actors): the signal heads and the props.
pub fn spawn_scenery(mut commands: Commands, scenario: Res<ScenarioRes>, road: Res<RoadRes>) {
    let s = &scenario.0;
    let roads = &*road;
    let road = &roads.0;
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
    /// 0..1: a tree's form and proportions (`objects::prop`).
    form: f32,
}

/// Spawns the prop, unless it would stand on a road (a building inside a
/// curve too tight for it; a prop beside one leg of a road that bends back
/// over the next) or, scattered, in a prop already standing (a building is
/// cut back clear of it, `TakenGround`); a pole or sign post is returned
/// for the walkers.
fn spawn_prop(
    commands: &mut Commands,
    s: &Scenario,
    road: &RoadGeometry,
    (ground, taken): (&RoadGround, &mut TakenGround),
    p: PropPlacement,
    scattered: bool,
) -> Option<crate::core::walk::Post> {
    let (s_m, lat, footprint_m, rect) = if scattered && p.kind == PropKind::Building {
        taken.fit_building(
            &s.road,
            &road.path,
            p.side,
            p.s_m,
            p.offset_m,
            p.footprint_m,
        )?
    } else {
        let (lat, footprint_m, rect) = prop_footprint(
            &s.road,
            &road.path,
            p.kind,
            p.side,
            p.s_m,
            p.offset_m,
            p.footprint_m,
        )?;
        (p.s_m, lat, footprint_m, rect)
    };
    if ground.under(p.kind, &rect).is_some() {
        return None;
    }
    if scattered && p.kind != PropKind::Building && taken.blocks_trunk(&rect) {
        return None;
    }
    taken.take(p.kind, rect);
    // street-light arms and signs face the road
    let yaw = if p.side == Side::Left {
        std::f64::consts::PI
    } else {
        0.0
    };
    let mut e = commands.spawn((
        transform_at(road, s_m, lat, yaw),
        Renderable {
            parts: objects::prop(p.kind, p.height_m, footprint_m, p.tint, p.form).into(),
        },
    ));
    if p.kind == PropKind::Pole {
        // the arm reaches 1.8 m over the road (object -z) just below the top
        e.insert(StreetLight {
            lamp_local: Vec3::new(0.0, p.height_m as f32 - 0.25, -1.7),
        });
    }
    objects::post_radius_m(p.kind).map(|radius_m| crate::core::walk::Post {
        s_m,
        lateral_m: lat,
        radius_m,
    })
}

/// Scatter `i`'s props, in the order drawn: every draw is made for every
/// slot (so a slot left out leaves the others where they were), and slots
/// in a cross street's mouth are left out.
fn scatter_placements(s: &Scenario, road: &RoadGeometry, i: usize) -> Vec<PropPlacement> {
    let sc = &s.props.scatter[i];
    let mut rng = Stream::new(s.seed, "scatter", i as u64);
    // a stream of its own, so the forms leave the other draws alone
    let mut forms = Stream::new(s.seed, "scatter form", i as u64);
    let end = sc.to_s_m.unwrap_or(road.path.length_m());
    let sides: &[Side] = match sc.side {
        Side::Both => &[Side::Left, Side::Right],
        Side::Left => &[Side::Left],
        Side::Right => &[Side::Right],
    };
    let mut out = Vec::new();
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
            let form = forms.next_f64() as f32;
            let half = footprint.max(1.0) / 2.0;
            let blocked = road.junction_boxes.iter().any(|b| {
                let arm = if side == Side::Left {
                    b.arm_left
                } else {
                    b.arm_right
                };
                arm && at + half > b.s0_m && at - half < b.s1_m
            });
            if !blocked {
                out.push(PropPlacement {
                    kind: sc.kind,
                    s_m: at,
                    side,
                    offset_m: sc.offset_m,
                    height_m: h,
                    footprint_m: footprint,
                    tint,
                    form,
                });
            }
        }
        s_m += sc.spacing_m;
    }
    out
}

/// Placed props first (as asked, even in each other), then the scattered
/// buildings, then the scattered trees, poles and signs, each fitted
/// round what already stands.
fn spawn_props(commands: &mut Commands, s: &Scenario, road: &RoadGeometry) {
    let mut posts = Vec::new();
    let ground = RoadGround::new(&s.road);
    let mut taken = TakenGround::default();
    for (i, p) in s.props.placed.iter().enumerate() {
        let h = p
            .height_m
            .unwrap_or_else(|| objects::default_prop_height(p.kind));
        let placement = PropPlacement {
            kind: p.kind,
            s_m: p.s_m,
            side: p.side,
            offset_m: p.offset_m,
            height_m: h,
            footprint_m: crate::scenario::PLACED_BUILDING_FRONT_M,
            tint: 1.0,
            form: Stream::new(s.seed, "placed prop form", i as u64).next_f64() as f32,
        };
        posts.extend(spawn_prop(
            commands,
            s,
            road,
            (&ground, &mut taken),
            placement,
            false,
        ));
    }
    let scatters = |buildings: bool| {
        (0..s.props.scatter.len())
            .filter(move |&i| (s.props.scatter[i].kind == PropKind::Building) == buildings)
    };
    for i in scatters(true).chain(scatters(false)) {
        for placement in scatter_placements(s, road, i) {
            posts.extend(spawn_prop(
                commands,
                s,
                road,
                (&ground, &mut taken),
                placement,
                true,
            ));
        }
    }
    commands.insert_resource(SidewalkPosts(posts));
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
            .add_systems(Startup, spawn_scenery.in_set(crate::sim::SpawnSet::Scenery))
            .add_systems(
                Update,
                (
                    (update_signal_heads, kinematics::track_kinematics)
                        .in_set(crate::sim::SimSet::Control),
                    (figure::animate_figures, figure::animate_quadrupeds)
                        .in_set(crate::sim::MotionSet::Riders),
                ),
            );
    }
}

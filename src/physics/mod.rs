//! Rapier physics, stepped once per sim tick in as many substeps as keep
//! every body within `MAX_SUBSTEP_TRAVEL_M` a substep (SimSet::Motion), in our own
//! schedule: vehicles are planar rigid bodies (no roll, pitch or heave)
//! driven through a friction-limited tyre model, so they accelerate, brake,
//! skid and collide; parked vehicles are such bodies held by their brakes
//! (pushed when struck, sliding to rest at the tyres' grip); people are
//! kinematic bodies moved by their walk; props and both road edges are
//! fixed colliders. Contacts that begin become collision records in the
//! labels.
//!
//! We step rapier3d (the engine bevy_rapier3d 0.36 wraps, same version)
//! ourselves so that a tick's substeps run in a fixed order, and the
//! state never round-trips through f32 Transforms between steps.

use crate::core::classes::Class;
use crate::core::frames::sim_to_enu;
use crate::core::mesh::Primitive;
use crate::core::record::{CollisionRecord, TriggerRecord};
use crate::core::traffic::{physics_substeps, tyre_force};
use crate::sim::components::{Cargo, Crossing, LaneMotion};
use crate::sim::{MotionSet, SimClock};
use crate::world::{Ego, Renderable, RoadRes, Thing};
use bevy::prelude::*;
use rapier3d::parry::bounding_volume::BoundingVolume;
use rapier3d::prelude::{
    ActiveEvents, ColliderBuilder, ColliderHandle, ColliderSet, CollisionEvent, ContactPair,
    EventHandler, Group, InteractionGroups, LockedAxes, PhysicsWorld, RigidBodyBuilder,
    RigidBodyHandle, RigidBodySet,
};
use std::collections::HashMap;
use std::sync::Mutex;

/// Tyre-road friction coefficient (dry asphalt).
pub const FRICTION_MU: f64 = 0.8;
/// Road-edge walls: segment length and height, metres.
const EDGE_SEGMENT_M: f64 = 2.0;
const EDGE_HEIGHT_M: f32 = 0.6;
/// Vehicle bodies ride this high (the collider's underside), metres.
const GROUND_CLEARANCE_M: f32 = 0.2;

/// The collision group of everything fixed: props, road edges, the
/// median's barrier.
const FIXED_WORLD: Group = Group::GROUP_3;

fn fixed_world_groups() -> InteractionGroups {
    InteractionGroups::all().with_memberships(FIXED_WORLD)
}

/// Who owns a collider, for collision records.
#[derive(Clone, Debug)]
enum Owner {
    Actor(Entity),
    /// A labeled thing that never moves first (a parked vehicle): role and
    /// instance id; whoever strikes it leads the record.
    Standing(crate::scenario::Role, u32),
    Prop(&'static str),
    RoadEdge,
}

/// Collision events gathered during a step (the handler is shared).
#[derive(Default)]
struct EventLog(Mutex<Vec<CollisionEvent>>);

impl EventHandler for EventLog {
    fn handle_collision_event(
        &self,
        _bodies: &RigidBodySet,
        _colliders: &ColliderSet,
        event: CollisionEvent,
        _contact_pair: Option<&ContactPair>,
    ) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(event);
    }

    fn handle_contact_force_event(
        &self,
        _dt: f32,
        _bodies: &RigidBodySet,
        _colliders: &ColliderSet,
        _contact_pair: &ContactPair,
        _total_force_magnitude: f32,
    ) {
    }
}

#[derive(Resource)]
pub struct Physics {
    pub world: PhysicsWorld,
    events: EventLog,
    owners: HashMap<ColliderHandle, Owner>,
}

/// A vehicle's rigid body and the numbers its tyre model needs.
#[derive(Component, Clone, Copy, Debug)]
pub struct VehicleBody {
    pub body: RigidBodyHandle,
    pub mass_kg: f64,
    pub wheelbase_m: f64,
    pub half_length_m: f64,
    pub half_width_m: f64,
}

/// A parked vehicle's body: it stands on its brakes (no driver).
#[derive(Component, Clone, Copy, Debug)]
pub struct Braked;

/// What the brakes of a parked vehicle ask: stop, at the tyres' limit.
const BRAKED: Controls = Controls {
    accel_mps2: -FRICTION_MU * 9.81,
    steer_rad: 0.0,
};

/// A walking person's kinematic body.
#[derive(Component, Clone, Copy, Debug)]
pub struct KinematicBody {
    pub body: RigidBodyHandle,
}

/// What the driver asks of the vehicle for the next step.
#[derive(Component, Clone, Copy, Debug, Default)]
pub struct Controls {
    /// Along the heading, m/s^2 (negative brakes).
    pub accel_mps2: f64,
    /// Front-wheel angle, radians, positive left.
    pub steer_rad: f64,
}

/// The frame a collision ended the episode on (the scenario's
/// `end_on_collision`); the run loop stops after it.
#[derive(Resource, Default, Clone, Copy, Debug)]
pub struct EpisodeEnd(pub Option<u64>);

/// What happened on the last tick, for the snapshot and the labels.
#[derive(Resource, Default, Clone, Debug)]
pub struct TickRecords {
    pub frame: u64,
    pub collisions: Vec<CollisionRecord>,
    pub triggers: Vec<TriggerRecord>,
}

/// Mass from the vehicle's footprint: a car of 4.5 x 1.8 m weighs 1.5 t.
fn vehicle_mass_kg(length_m: f64, width_m: f64, class: Class) -> f64 {
    let per_m2 = if matches!(class, Class::Truck | Class::Bus) {
        330.0
    } else {
        185.0
    };
    per_m2 * length_m * width_m
}

/// A fixed wall on the ground along a road between two stations at a
/// lateral offset: `height` tall, `half_thickness` either side, overlapping
/// its neighbours by 5 cm so there are no gaps at the joins.
fn wall_along(
    road: &crate::world::RoadGeometry,
    [s0, s1]: [f64; 2],
    lateral_m: f64,
    height: f32,
    half_thickness: f32,
) -> ColliderBuilder {
    let a = road.pose(s0).sim_point(lateral_m, 0.0);
    let b = road.pose(s1).sim_point(lateral_m, 0.0);
    let mid = ((a + b) / 2.0).as_vec3() + Vec3::Y * height / 2.0;
    let d = (b - a).as_vec3();
    ColliderBuilder::cuboid(d.length() / 2.0 + 0.05, height / 2.0, half_thickness).position(
        rapier3d::math::Pose::from_parts(mid, Quat::from_rotation_y((-d.z).atan2(d.x))),
    )
}

/// PostStartup: a body for every actor, a fixed collider for everything else.
#[allow(clippy::type_complexity)]
fn build_physics(
    mut commands: Commands,
    clock: Res<SimClock>,
    road: Res<RoadRes>,
    things: Query<(
        Entity,
        &Transform,
        &Renderable,
        Option<&Thing>,
        Option<&LaneMotion>,
        Has<Crossing>,
        Option<&Cargo>,
    )>,
) {
    let mut world = PhysicsWorld {
        gravity: Vec3::ZERO, // planar bodies: the ground holds them
        ..Default::default()
    };
    world.integration_parameters.dt = clock.dt_s() as f32;
    let mut owners = HashMap::new();
    // spawn order (entity index) fixes the insertion order: deterministic handles
    let mut all: Vec<_> = things.iter().collect();
    all.sort_by_key(|(e, ..)| e.index());
    // cargo never touches its own carrier (it rides inside its box)
    let carriers: Vec<Entity> = all
        .iter()
        .filter_map(|(.., cargo)| cargo.map(|c| c.carrier))
        .collect();
    // parked bodies' colliders and the groups they take once clear
    let mut parked = Vec::new();
    let carrier_groups = InteractionGroups::all().with_memberships(Group::GROUP_2);
    let cargo_groups = InteractionGroups::all().with_filter(Group::ALL.difference(Group::GROUP_2));
    for (entity, t, renderable, thing, lane, crossing, cargo) in all {
        let is_vehicle =
            thing.is_some_and(|th| matches!(th.class, Class::Car | Class::Truck | Class::Bus));
        let groups = if carriers.contains(&entity) {
            carrier_groups
        } else if cargo.is_some() {
            cargo_groups
        } else {
            InteractionGroups::all()
        };
        match (thing, lane.is_some() || crossing || cargo.is_some()) {
            (Some(th), true) if is_vehicle && lane.is_some() => {
                let (collider, vehicle) = vehicle_body(&mut world, t, th, lane, groups);
                owners.insert(collider, Owner::Actor(entity));
                commands
                    .entity(entity)
                    .insert((vehicle, Controls::default()));
            }
            (Some(th), true) => {
                // people, animals, cargo: kinematic, moved by their own motion
                let (collider, body) = kinematic_body(&mut world, t, th, groups);
                owners.insert(collider, Owner::Actor(entity));
                commands.entity(entity).insert(KinematicBody { body });
            }
            (None, true) => {} // moving but not a thing: nothing to hit
            (Some(th), false) if is_vehicle => {
                // parked: a braked body, pushed when struck (a fixed one
                // stopped whatever hit it as a wall would). It meets the
                // fixed world once the walls are in, unless it stands in
                // or against it (see `parked_meet_the_fixed_world`).
                let apart = groups.with_filter(Group::ALL.difference(FIXED_WORLD));
                let (collider, vehicle) = vehicle_body(&mut world, t, th, None, apart);
                parked.push((collider, groups));
                owners.insert(collider, Owner::Standing(th.role, th.instance_id));
                commands.entity(entity).insert((vehicle, Braked));
            }
            (thing, false) => {
                // props: one fixed collider per part
                fixed_colliders(&mut world, &mut owners, t, renderable, thing);
            }
        }
    }
    road_walls(&mut world, &mut owners, &road);
    parked_meet_the_fixed_world(&mut world, &parked);
    commands.insert_resource(Physics {
        world,
        events: EventLog::default(),
        owners,
    });
}

/// How close a parked body may stand to a fixed collider (a kerb wall, a
/// pole) and still meet it, metres: nearer than this, the contact solver
/// would push it on the first tick.
const PARKED_CLEARANCE_M: f32 = 0.02;

/// A parked body that stands clear of every fixed collider meets them all
/// from now on: pushed, it stops at the kerb's wall and at poles. One that
/// stands in or against one (a pole at the kerb beside it, a bus parked
/// with no parking strip against a tight curve's wall) keeps meeting
/// vehicles only, so it never moves untouched.
fn parked_meet_the_fixed_world(
    world: &mut PhysicsWorld,
    parked: &[(ColliderHandle, InteractionGroups)],
) {
    let fixed: Vec<ColliderHandle> = world
        .colliders
        .iter()
        .filter(|(_, c)| c.collision_groups().memberships == FIXED_WORLD)
        .map(|(h, _)| h)
        .collect();
    for &(handle, groups) in parked {
        let body = &world.colliders[handle];
        let near = body.compute_aabb().loosened(PARKED_CLEARANCE_M);
        let touches = fixed.iter().any(|&f| {
            let wall = &world.colliders[f];
            near.intersects(&wall.compute_aabb())
                && rapier3d::parry::query::distance(
                    body.position(),
                    body.shape(),
                    wall.position(),
                    wall.shape(),
                )
                .is_ok_and(|d| d < PARKED_CLEARANCE_M)
        });
        if !touches {
            world.colliders[handle].set_collision_groups(groups);
        }
    }
}

/// Motion: apply the controls through the tyres, step once, write back.
/// (A Bevy system: its parameters are what it touches.)
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
pub fn step_physics(
    clock: Res<SimClock>,
    scenario: Res<crate::world::ScenarioRes>,
    mut end: ResMut<EpisodeEnd>,
    road: Res<RoadRes>,
    physics: Option<ResMut<Physics>>,
    mut records: ResMut<TickRecords>,
    mut vehicles: Query<(&VehicleBody, &Controls, &mut Transform, &mut LaneMotion)>,
    mut parked: Query<(&VehicleBody, &mut Transform), (With<Braked>, Without<LaneMotion>)>,
    people: Query<(&KinematicBody, &Transform), Without<VehicleBody>>,
    things: Query<(&Thing, Has<Ego>)>,
) {
    if records.frame != clock.frame {
        records.frame = clock.frame;
        records.collisions.clear();
        records.triggers.clear();
    }
    let Some(mut physics) = physics else { return };
    if clock.frame == 0 {
        return; // frame 0 is the initial state
    }
    let dt = clock.dt_s();
    let physics = &mut *physics;
    // people, animals and cargo: from where the body is to where their
    // motion put them this tick
    let kinematic: Vec<(RigidBodyHandle, Vec3, Quat, Vec3, Quat)> = people
        .iter()
        .map(|(k, t)| {
            let body = &physics.world.bodies[k.body];
            (
                k.body,
                body.translation(),
                *body.rotation(),
                t.translation,
                t.rotation,
            )
        })
        .collect();
    // substeps short enough that no contact is first met deeper than a
    // body's height (see MAX_SUBSTEP_TRAVEL_M)
    let vehicle_travel = vehicles.iter().map(|(v, c, ..)| {
        let speed = physics.world.bodies[v.body].linvel().length() as f64;
        (speed + c.accel_mps2.abs() * dt) * dt
    });
    let parked_travel = parked
        .iter()
        .map(|(v, _)| physics.world.bodies[v.body].linvel().length() as f64 * dt);
    let walk_travel = kinematic.iter().map(|k| (k.3 - k.1).length() as f64);
    let travel = vehicle_travel
        .chain(parked_travel)
        .chain(walk_travel)
        .fold(0.0, f64::max);
    let substeps = physics_substeps(travel);
    let sub_dt = dt / substeps as f64;
    physics.world.integration_parameters.dt = sub_dt as f32;
    for i in 1..=substeps {
        for (v, c, _, _) in &vehicles {
            apply_tyres(&mut physics.world.bodies[v.body], v, c, sub_dt);
        }
        for (v, _) in &parked {
            apply_tyres(&mut physics.world.bodies[v.body], v, &BRAKED, sub_dt);
        }
        let along = i as f32 / substeps as f32;
        for &(body, p0, q0, p1, q1) in &kinematic {
            physics.world.bodies[body].set_next_kinematic_position(
                rapier3d::math::Pose::from_parts(p0.lerp(p1, along), q0.slerp(q1, along)),
            );
        }
        // velocities at the start of the substep, for impact speeds
        let before: HashMap<RigidBodyHandle, Vec3> = physics
            .world
            .bodies
            .iter()
            .map(|(h, b)| (h, b.linvel()))
            .collect();
        physics.world.step_with_events(&(), &physics.events);
        let collisions = collision_records(physics, &before, &things);
        records.collisions.extend(collisions);
    }
    for (v, _, mut t, mut lane) in &mut vehicles {
        let road = road.get(lane.road);
        let body = &physics.world.bodies[v.body];
        let p = body.translation();
        let yaw = crate::core::frames::yaw_rad(*body.rotation());
        t.translation = p;
        t.rotation = Quat::from_rotation_y(yaw);
        let enu = sim_to_enu(p.as_dvec3());
        let (s, lateral) = road.path.project(glam::DVec2::new(enu.x, enu.y), lane.s_m);
        lane.s_m = s;
        lane.lateral_m = lateral;
        lane.speed_mps = body.linvel().dot(body.rotation() * Vec3::X) as f64;
    }
    for (v, mut t) in &mut parked {
        let body = &physics.world.bodies[v.body];
        // one never struck keeps its transform bit for bit (no round trip
        // of its yaw through the body's rotation)
        if body.translation() != t.translation || body.linvel() != Vec3::ZERO {
            t.translation = body.translation();
            t.rotation = Quat::from_rotation_y(crate::core::frames::yaw_rad(*body.rotation()));
        }
    }
    // one record a pair a tick: the first contact (the sort is stable)
    records
        .collisions
        .sort_by(|x, y| (&x.a, &x.b).cmp(&(&y.a, &y.b)));
    records
        .collisions
        .dedup_by(|x, y| (&x.a, &x.b) == (&y.a, &y.b));
    let ends = match scenario.0.end_on_collision {
        crate::scenario::EndOnCollision::Never => false,
        crate::scenario::EndOnCollision::Ego => records
            .collisions
            .iter()
            .any(|c| c.a == "ego" || c.b == "ego"),
        crate::scenario::EndOnCollision::Any => !records.collisions.is_empty(),
    };
    if ends && end.0.is_none() {
        end.0 = Some(clock.frame);
    }
}

/// The tyres for one (sub)step of `dt_s`: reach the commanded speed (never
/// reversing) with no side slip, within the friction circle; yaw follows
/// the bicycle model while they grip.
fn apply_tyres(body: &mut rapier3d::prelude::RigidBody, v: &VehicleBody, c: &Controls, dt_s: f64) {
    let heading = body.rotation() * Vec3::X;
    let left = body.rotation() * Vec3::NEG_Z;
    let vel = body.linvel();
    let (v_long, v_lat) = (vel.dot(heading) as f64, vel.dot(left) as f64);
    let target_long = (v_long + c.accel_mps2 * dt_s).max(0.0);
    let m = v.mass_kg;
    let wanted = [m * (target_long - v_long) / dt_s, m * (0.0 - v_lat) / dt_s];
    let ([f_long, f_lat], skid) = tyre_force(wanted, m, FRICTION_MU);
    let impulse = (heading * f_long as f32 + left * f_lat as f32) * dt_s as f32;
    body.apply_impulse(impulse, true);
    let yaw_rate = target_long * c.steer_rad.tan() / v.wheelbase_m;
    if !skid {
        body.set_angvel(Vec3::Y * yaw_rate as f32, true);
    }
}

pub struct PhysicsPlugin;

impl Plugin for PhysicsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<TickRecords>()
            .init_resource::<EpisodeEnd>()
            .add_systems(PostStartup, build_physics)
            .add_systems(Update, step_physics.in_set(MotionSet::Physics));
    }
}

/// A vehicle on its lane: a dynamic body held to the ground plane, moving
/// at its lane speed, with a box collider above its ground clearance.
fn vehicle_body(
    world: &mut PhysicsWorld,
    t: &Transform,
    th: &Thing,
    lane: Option<&LaneMotion>,
    groups: InteractionGroups,
) -> (ColliderHandle, VehicleBody) {
    let yaw = crate::core::frames::yaw_rad(t.rotation);
    let size = th.size;
    let mass = vehicle_mass_kg(size.length_m, size.width_m, th.class);
    let speed = lane.map_or(0.0, |l| l.speed_mps) as f32;
    let forward = t.rotation * Vec3::X;
    let body = world.bodies.insert(
        RigidBodyBuilder::dynamic()
            .translation(t.translation)
            .rotation(Vec3::Y * yaw)
            .linvel(forward * speed)
            .locked_axes(
                LockedAxes::TRANSLATION_LOCKED_Y
                    | LockedAxes::ROTATION_LOCKED_X
                    | LockedAxes::ROTATION_LOCKED_Z,
            )
            .ccd_enabled(true)
            .can_sleep(false),
    );
    let half_h = (size.height_m as f32 - GROUND_CLEARANCE_M) / 2.0;
    let collider = world.colliders.insert_with_parent(
        ColliderBuilder::cuboid(
            size.length_m as f32 / 2.0,
            half_h,
            size.width_m as f32 / 2.0,
        )
        .translation(Vec3::Y * (GROUND_CLEARANCE_M + half_h))
        .mass(mass as f32)
        .friction(0.3)
        .collision_groups(groups)
        .active_events(ActiveEvents::COLLISION_EVENTS),
        body,
        &mut world.bodies,
    );
    (
        collider,
        VehicleBody {
            body,
            mass_kg: mass,
            wheelbase_m: 0.6 * size.length_m,
            half_length_m: size.length_m / 2.0,
            half_width_m: size.width_m / 2.0,
        },
    )
}

/// People, animals and cargo: a kinematic body moved by their own motion.
fn kinematic_body(
    world: &mut PhysicsWorld,
    t: &Transform,
    th: &Thing,
    groups: InteractionGroups,
) -> (ColliderHandle, RigidBodyHandle) {
    let yaw = crate::core::frames::yaw_rad(t.rotation);
    let body = world.bodies.insert(
        RigidBodyBuilder::kinematic_position_based()
            .translation(t.translation)
            .rotation(Vec3::Y * yaw),
    );
    let half_h = th.size.height_m as f32 / 2.0;
    let collider = world.colliders.insert_with_parent(
        ColliderBuilder::cuboid(
            th.size.length_m as f32 / 2.0,
            half_h,
            th.size.width_m as f32 / 2.0,
        )
        .translation(Vec3::Y * half_h)
        .collision_groups(groups)
        // met and recorded, but never a wall: a 1.5 t car that strikes a
        // 75 kg walker, a deer or a tyre loses a few percent of its speed,
        // not all of it (they are not thrown: no ragdolls)
        .solver_groups(InteractionGroups::none())
        .active_events(ActiveEvents::COLLISION_EVENTS),
        body,
        &mut world.bodies,
    );
    (collider, body)
}

/// Props (and any labeled thing that neither moves nor is a vehicle): one
/// fixed collider per part.
fn fixed_colliders(
    world: &mut PhysicsWorld,
    owners: &mut HashMap<ColliderHandle, Owner>,
    t: &Transform,
    renderable: &Renderable,
    thing: Option<&Thing>,
) {
    let owner = match thing {
        Some(th) => Owner::Standing(th.role, th.instance_id),
        None => Owner::Prop(renderable.parts.first().map_or("prop", |p| p.class.name())),
    };
    let model = t.to_matrix();
    for part in renderable.parts.iter() {
        let m = model * part.local;
        let (scale, rotation, centre) = m.to_scale_rotation_translation();
        let half = scale.abs() / 2.0;
        let shape = match part.primitive {
            Primitive::Sphere => ColliderBuilder::ball(half.max_element()),
            _ => ColliderBuilder::cuboid(half.x, half.y, half.z),
        };
        let c = world.colliders.insert(
            shape
                .position(rapier3d::math::Pose::from_parts(centre, rotation))
                .collision_groups(fixed_world_groups()),
        );
        owners.insert(c, owner.clone());
    }
}

/// Every road's edges (low walls just outside the kerb lines, open where a
/// cross street leaves) and the median's crash barrier.
fn road_walls(
    world: &mut PhysicsWorld,
    owners: &mut HashMap<ColliderHandle, Owner>,
    road: &RoadRes,
) {
    let roads = std::iter::once(&road.0).chain(road.1.iter());
    for (road, (stations, lateral)) in
        roads.flat_map(|g| g.edge_runs(EDGE_SEGMENT_M).into_iter().map(move |r| (g, r)))
    {
        let lat = lateral + lateral.signum() * 0.15;
        for w in stations.windows(2) {
            let c = world.colliders.insert(
                wall_along(road, [w[0], w[1]], lat, EDGE_HEIGHT_M, 0.15)
                    .collision_groups(fixed_world_groups()),
            );
            owners.insert(c, Owner::RoadEdge);
        }
    }
    // the median's crash barrier
    for stations in road.0.median_runs(EDGE_SEGMENT_M) {
        for w in stations.windows(2) {
            let c = world.colliders.insert(
                wall_along(
                    &road.0,
                    [w[0], w[1]],
                    0.0,
                    crate::world::road::MEDIAN_BARRIER_HEIGHT_M as f32,
                    crate::world::road::MEDIAN_BARRIER_HALF_M as f32,
                )
                .collision_groups(fixed_world_groups()),
            );
            owners.insert(c, Owner::Prop("guard rail"));
        }
    }
}

/// The contacts that began in this step, each as (the moving actor first)
/// roles, instance ids and impact speed from the velocities before it.
fn collision_records(
    physics: &Physics,
    before: &HashMap<RigidBodyHandle, Vec3>,
    things: &Query<(&Thing, Has<Ego>)>,
) -> Vec<CollisionRecord> {
    let mut out = Vec::new();
    let events: Vec<CollisionEvent> = std::mem::take(
        &mut *physics
            .events
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for e in events {
        let CollisionEvent::Started(c1, c2, _) = e else {
            continue;
        };
        let describe = |c: ColliderHandle| -> (String, u32, Vec3, bool) {
            let v = physics.world.colliders[c]
                .parent()
                .and_then(|b| before.get(&b).copied())
                .unwrap_or(Vec3::ZERO);
            match physics.owners.get(&c) {
                Some(Owner::Actor(e)) => match things.get(*e) {
                    Ok((th, ego)) => (
                        if ego {
                            "ego".into()
                        } else {
                            th.role.to_string()
                        },
                        th.instance_id,
                        v,
                        true,
                    ),
                    Err(_) => ("actor".into(), 0, v, true),
                },
                Some(Owner::Standing(role, id)) => (role.to_string(), *id, v, false),
                Some(Owner::Prop(class)) => (format!("prop:{class}"), 0, v, false),
                Some(Owner::RoadEdge) | None => ("road_edge".into(), 0, v, false),
            }
        };
        let (mut a, mut b) = (describe(c1), describe(c2));
        // the moving actor first
        if !a.3 && b.3 {
            std::mem::swap(&mut a, &mut b);
        }
        out.push(CollisionRecord {
            a: a.0,
            b: b.0,
            a_instance_id: a.1,
            b_instance_id: b.1,
            impact_speed_mps: (a.2 - b.2).length() as f64,
        });
    }
    out
}

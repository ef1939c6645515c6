//! Sensors plugin: each tick, snapshot the world (what to draw, what to
//! label) and hand it to the camera rig; finished readbacks are labeled and
//! queued for whoever consumes them (the batch writer, the editor).

pub mod camera;
pub mod label_pool;
pub mod lens;
pub mod lidar;
pub mod rig;

use crate::core::boxes::Box3;
use crate::core::classes::Class;
use crate::core::frames::{Pose, sim_to_enu};
use crate::core::mesh::Primitive;
use crate::core::motion::MotionState;
use crate::core::record::{EgoState, FrameLabels};
use crate::sim::components::LaneMotion;
use crate::sim::{SimClock, SimSet};
use crate::snapshot::image::CameraImage;
use crate::snapshot::{DrawInstance, FrameSnapshot, LabeledObject, PersonPose};
use crate::world::figure::Figure;
use crate::world::kinematics::Kinematics;
use crate::world::objects::VehicleLight;
use crate::world::{Ego, Renderable, Thing};
use bevy::prelude::*;
use glam::DVec3;
pub use rig::{Rig, attach_sensors, camera_infos, label_config, lidar_infos};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Unique vertex positions of each primitive: its convex hull points.
#[derive(Resource, Clone)]
pub struct PrimitiveHullPoints(pub Arc<BTreeMap<Primitive, Vec<Vec3>>>);

impl Default for PrimitiveHullPoints {
    fn default() -> Self {
        let map = Primitive::ALL
            .iter()
            .map(|p| {
                let mut pts: Vec<Vec3> =
                    crate::core::mesh::primitive_mesh(*p).positions().collect();
                pts.sort_by(|a, b| {
                    (a.x.total_cmp(&b.x))
                        .then(a.y.total_cmp(&b.y))
                        .then(a.z.total_cmp(&b.z))
                });
                pts.dedup_by(|a, b| a.distance_squared(*b) < 1e-12);
                (*p, pts)
            })
            .collect();
        PrimitiveHullPoints(Arc::new(map))
    }
}

fn pose_of(t: &Transform) -> Pose {
    Pose::new(t.rotation.as_dquat(), t.translation.as_dvec3())
}

fn yaw_of(q: Quat) -> f64 {
    crate::core::frames::yaw_rad(q) as f64
}

/// The bicycle a thing rides, as a labeled object of its own: the tightest
/// box with the rider's yaw around its parts. KITTI has no bicycle class
/// (its Cyclist box holds rider and bicycle), so it gets no KITTI type.
fn bicycle_object(
    instance_id: u32,
    rider_instance_id: u32,
    role: crate::scenario::Role,
    yaw_rad: f64,
    part_points_world: Vec<Vec<DVec3>>,
    motion: MotionState,
) -> LabeledObject {
    let start = part_points_world
        .iter()
        .flatten()
        .next()
        .copied()
        .unwrap_or(DVec3::ZERO);
    let seed = Box3 {
        center: start,
        length_m: 0.0,
        height_m: 0.0,
        width_m: 0.0,
        yaw_rad,
    };
    LabeledObject {
        instance_id,
        class: Class::Bicycle,
        kitti_type: "",
        role,
        rider_instance_id: Some(rider_instance_id),
        box3: seed.enclosing(part_points_world.iter().flatten().copied()),
        part_points_world,
        person: None,
        vehicle: None,
        motion,
    }
}

/// The ego's pose and motion at this tick (identity when there is none).
fn ego_state(world: &mut World) -> (Pose, EgoState) {
    let mut ego_q = world.query_filtered::<(&Transform, &LaneMotion), With<Ego>>();
    let road = world.get_resource::<crate::world::RoadRes>();
    match ego_q.iter(world).next() {
        Some((t, m)) => {
            let pose = pose_of(t);
            let yaw = yaw_of(t.rotation);
            // yaw rate = the lane's heading change per metre times the signed speed
            let yaw_rate_rad_s = road.map_or(0.0, |r| {
                // (one-sided at the road's ends, where poses clamp)
                let on = r.get(m.road);
                let length = on.path.length_m();
                let (sa, sb) = ((m.s_m - 0.5).max(0.0), (m.s_m + 0.5).min(length));
                let (a, b) = (on.pose(sa), on.pose(sb));
                let sign = if m.direction == crate::scenario::Direction::Forward {
                    1.0
                } else {
                    -1.0
                };
                crate::core::frames::wrap_angle(b.heading_rad - a.heading_rad) / (sb - sa).max(1e-9)
                    * sign
                    * m.speed_mps
            });
            (
                pose,
                EgoState {
                    position_m: sim_to_enu(pose.translation).to_array(),
                    yaw_rad: yaw,
                    speed_mps: m.speed_mps,
                    yaw_rate_rad_s,
                    velocity_enu_mps: None,
                    acceleration_enu_mps2: None,
                },
            )
        }
        None => (
            Pose::IDENTITY,
            EgoState {
                position_m: [0.0; 3],
                yaw_rad: 0.0,
                speed_mps: 0.0,
                yaw_rate_rad_s: 0.0,
                velocity_enu_mps: None,
                acceleration_enu_mps2: None,
            },
        ),
    }
}

/// Deceleration that lights a vehicle's brake lamps, m/s^2.
const BRAKE_LAMP_MPS2: f64 = -0.5;

/// What a vehicle's lamps show at this tick.
#[derive(Clone, Copy, Debug, Default)]
struct LampState {
    dark: bool,
    /// The street lights are on (`Light::street_lights_on`).
    street_lights: bool,
    braking: bool,
    /// The side whose indicators are lit (flashing: lit half the time).
    indicating: Option<crate::core::record::TurnSignal>,
}

/// How brightly a vehicle's lamp part glows (in units of its colour).
fn lamp_emission(light: Option<VehicleLight>, s: LampState) -> f32 {
    use crate::core::record::TurnSignal;
    match light {
        Some(VehicleLight::Head) if s.dark => 3.0,
        Some(VehicleLight::Tail | VehicleLight::Brake) if s.braking => 3.0,
        Some(VehicleLight::Tail) if s.dark => 1.2,
        Some(VehicleLight::IndicatorLeft) if s.indicating == Some(TurnSignal::Left) => 4.0,
        Some(VehicleLight::IndicatorRight) if s.indicating == Some(TurnSignal::Right) => 4.0,
        Some(VehicleLight::Street) if s.street_lights => 4.0,
        _ => 0.0,
    }
}

/// A driver's turn signal as labeled, and whether its lamps are lit now.
fn turn_signal(
    driver: Option<&crate::actors::drive::Driver>,
    time_s: f64,
    instance_id: u32,
) -> (Option<crate::core::record::TurnSignal>, bool) {
    use crate::core::record::TurnSignal;
    let signal = driver.and_then(|d| d.signal).map(|t| match t {
        crate::scenario::Turn::Left => TurnSignal::Left,
        crate::scenario::Turn::Right => TurnSignal::Right,
    });
    let lit = signal.is_some() && crate::core::traffic::turn_signal_lit(time_s, instance_id);
    (signal, lit)
}

/// A thing as labeled at this tick: its box holds every part as posed now
/// (open doors, heads; a rider's holds the bicycle too, KITTI's Cyclist); a
/// person's box fits their pose exactly (it grows from nothing), a
/// vehicle's is its size unless parts stick out. People carry keypoints.
fn thing_object(
    t: &Transform,
    th: &Thing,
    figure: Option<&Figure>,
    look: Option<&crate::world::VehicleLook>,
    part_points: Vec<Vec<DVec3>>,
    bicycle_points: &[Vec<DVec3>],
    motion: MotionState,
) -> LabeledObject {
    let yaw_rad = yaw_of(t.rotation);
    let template = if figure.is_some() {
        Box3 {
            center: t.translation.as_dvec3(),
            length_m: 0.0,
            height_m: 0.0,
            width_m: 0.0,
            yaw_rad,
        }
    } else {
        Box3 {
            center: t.translation.as_dvec3() + DVec3::Y * (th.size.height_m / 2.0),
            length_m: th.size.length_m,
            height_m: th.size.height_m,
            width_m: th.size.width_m,
            yaw_rad,
        }
    };
    let box3 = template.enclosing(part_points.iter().chain(bicycle_points).flatten().copied());
    let model = t.to_matrix();
    LabeledObject {
        instance_id: th.instance_id,
        class: th.class,
        kitti_type: th.kitti_type,
        role: th.role,
        rider_instance_id: None,
        box3,
        part_points_world: part_points,
        person: figure.map(|f| {
            let k = f.skeleton().coco_keypoints(&f.body);
            let keypoint_velocities_world_mps = motion.velocity_mps.map(|v| {
                let swing = f.keypoint_velocities(v.length() as f32);
                swing.map(|s| v + t.rotation.mul_vec3(s).as_dvec3())
            });
            Arc::new(PersonPose {
                keypoints_world: k.map(|p| model.transform_point3(p).as_dvec3()),
                keypoint_velocities_world_mps,
                attributes: f.attributes(),
            })
        }),
        vehicle: look.map(|l| l.0.clone()),
        motion,
    }
}

/// Build the snapshot of the current tick from the world.
pub fn snapshot(world: &mut World) -> FrameSnapshot {
    let clock = world.resource::<SimClock>().clone();
    let hulls = world.get_resource_or_init::<PrimitiveHullPoints>().clone();
    let (world_from_ego, ego) = ego_state(world);
    let mut instances = Vec::new();
    let mut objects = Vec::new();
    // vehicles' lamps: lit in the dark (the rule of the ego's headlights),
    // tail lamps brighter while braking
    let light = &world.resource::<crate::world::ScenarioRes>().0.light;
    let (dark, street_lights) = (light.headlights_on(), light.street_lights_on());
    let mut q = world.query::<(
        &Transform,
        &Renderable,
        Option<&Thing>,
        Option<&Figure>,
        Option<&crate::world::VehicleLook>,
        Option<&crate::physics::Controls>,
        Option<&Kinematics>,
        Option<&crate::actors::drive::Driver>,
        Has<Ego>,
    )>();
    let mut ego_motion = MotionState::default();
    for (t, r, thing, figure, look, controls, kinematics, driver, is_ego) in q.iter(world) {
        let motion = kinematics.map_or_else(MotionState::default, |k| k.0);
        // sensors ride on the ego: it is neither drawn nor labeled
        if is_ego {
            ego_motion = motion;
            continue;
        }
        let model = t.to_matrix();
        let instance_id = thing.map_or(0, |th| th.instance_id);
        let bicycle_id = thing.and_then(|th| th.bicycle_instance_id);
        let (signal, signal_lit) = turn_signal(driver, clock.time_s(), instance_id);
        let lamps_now = LampState {
            dark,
            street_lights,
            braking: controls.is_some_and(|c| c.accel_mps2 < BRAKE_LAMP_MPS2),
            indicating: signal.filter(|_| signal_lit),
        };
        // hull points per part: the thing's own, and its bicycle's
        let mut part_points: Vec<Vec<DVec3>> = Vec::new();
        let mut bicycle_points: Vec<Vec<DVec3>> = Vec::new();
        for p in r.parts.iter() {
            let m = model * p.local;
            // the parts of a ridden bicycle carry the bicycle's own id
            let part_bicycle_id = bicycle_id.filter(|_| p.class == Class::Bicycle);
            instances.push(DrawInstance {
                primitive: p.primitive,
                model: m,
                color: p.color,
                emission: lamp_emission(p.light, lamps_now),
                class_id: p.class.id() as u32,
                instance_id: part_bicycle_id.unwrap_or(instance_id),
                pattern: p.pattern.shader_code(),
                pattern_origin: t.translation,
            });
            if thing.is_some() {
                let points = hulls.0[&p.primitive]
                    .iter()
                    .map(|v| m.transform_point3(*v).as_dvec3())
                    .collect();
                if part_bicycle_id.is_some() {
                    bicycle_points.push(points);
                } else {
                    part_points.push(points);
                }
            }
        }
        if let Some(th) = thing {
            let yaw_rad = yaw_of(t.rotation);
            let mut object =
                thing_object(t, th, figure, look, part_points, &bicycle_points, motion);
            if let Some(v) = object.vehicle.as_mut() {
                v.turn_signal = signal;
                v.turn_signal_lit = signal_lit;
            }
            objects.push(object);
            if let Some(id) = bicycle_id {
                objects.push(bicycle_object(
                    id,
                    th.instance_id,
                    th.role,
                    yaw_rad,
                    bicycle_points,
                    motion,
                ));
            }
        }
    }
    objects.sort_by_key(|o| o.instance_id);
    let lamps = lamps(world, &world_from_ego);
    let (collisions, triggers) = world
        .get_resource::<crate::physics::TickRecords>()
        .filter(|r| r.frame == clock.frame)
        .map_or_else(Default::default, |r| {
            (r.collisions.clone(), r.triggers.clone())
        });
    FrameSnapshot {
        frame: clock.frame,
        time_s: clock.time_s(),
        ego,
        world_from_ego,
        ego_motion,
        instances: Arc::new(instances),
        objects: Arc::new(objects),
        lamps: Arc::new(lamps),
        collisions: Arc::new(collisions),
        triggers: Arc::new(triggers),
    }
}

/// Ego headlight: low beam, ego-local (x forward, y up, z right) position.
const HEADLIGHT_OFFSETS: [[f64; 3]; 2] = [[2.2, 0.7, -0.6], [2.2, 0.7, 0.6]];
const HEADLIGHT_INTENSITY: f32 = 150.0;
/// A low beam's cut-off line: full light up to ~1 degree above the lamp's
/// horizontal, none past ~3.4 degrees (a pedestrian's legs are lit from
/// afar, their head from near; poles and walls not to their tops).
const LOW_BEAM_CUT_OFF: crate::snapshot::CutOff = crate::snapshot::CutOff {
    towards: DVec3::Y,
    edge: 0.06,
};
const STREET_LIGHT_INTENSITY: f32 = 40.0;

/// The lamps lit at this tick, in a fixed order (headlights, then poles in
/// query order).
fn lamps(world: &mut World, world_from_ego: &Pose) -> Vec<crate::snapshot::Lamp> {
    let light = world
        .resource::<crate::world::ScenarioRes>()
        .0
        .light
        .clone();
    let mut out = Vec::new();
    if light.headlights_on() {
        // aimed 3 degrees down, 20-degree half-angle
        let dir = world_from_ego
            .transform_vector(DVec3::new(1.0, -(3f64.to_radians().tan()), 0.0).normalize());
        for o in HEADLIGHT_OFFSETS {
            out.push(crate::snapshot::Lamp {
                position: world_from_ego.transform_point(DVec3::from_array(o)),
                direction: dir,
                color: [1.0, 0.97, 0.9],
                intensity: HEADLIGHT_INTENSITY,
                spot_cos: Some(20f32.to_radians().cos()),
                near_field_m: 8.0,
                cut_off: Some(LOW_BEAM_CUT_OFF),
            });
        }
    }
    if light.street_lights_on() {
        let mut q = world.query::<(&Transform, &crate::world::StreetLight)>();
        for (t, s) in q.iter(world) {
            out.push(crate::snapshot::Lamp {
                position: t.transform_point(s.lamp_local).as_dvec3(),
                direction: -DVec3::Y,
                color: [1.0, 0.85, 0.6],
                intensity: STREET_LIGHT_INTENSITY,
                spot_cos: Some(60f32.to_radians().cos()),
                near_field_m: 0.0,
                // the arm reaches from the pole towards the road (object -z)
                cut_off: Some(crate::snapshot::CutOff {
                    towards: (t.rotation * Vec3::Z)
                        .with_y(0.0)
                        .normalize_or_zero()
                        .as_dvec3(),
                    edge: 0.3,
                }),
            });
        }
    }
    if light.headlights_on() {
        // every other vehicle's low beams: one spot from between its head
        // lamps, aimed 3 degrees down its heading
        let mut q =
            world.query_filtered::<(&Transform, &Renderable), (With<Thing>, Without<Ego>)>();
        for (t, r) in q.iter(world) {
            let heads: Vec<Vec3> = r
                .parts
                .iter()
                .filter(|p| p.light == Some(VehicleLight::Head))
                .map(|p| t.transform_point(p.local.w_axis.truncate()))
                .collect();
            if heads.is_empty() {
                continue;
            }
            let centre = heads.iter().sum::<Vec3>() / heads.len() as f32;
            let ahead = t.rotation * Vec3::new(1.0, -(3f32.to_radians().tan()), 0.0);
            out.push(crate::snapshot::Lamp {
                position: centre.as_dvec3(),
                direction: ahead.normalize().as_dvec3(),
                color: [1.0, 0.97, 0.9],
                intensity: 2.0 * HEADLIGHT_INTENSITY,
                spot_cos: Some(25f32.to_radians().cos()),
                near_field_m: 8.0,
                cut_off: Some(LOW_BEAM_CUT_OFF),
            });
        }
    }
    out
}

/// A frame with its pixels and labels (labels empty in colour-only mode).
pub struct LabeledFrame {
    pub labels: Option<FrameLabels>,
    /// The cameras' images (LiDAR views are consumed by the labeler).
    pub images: Vec<CameraImage>,
    /// One sweep per LiDAR, in scenario order.
    pub lidar_points: Vec<Vec<crate::core::lidar::LidarPoint>>,
    pub frame: u64,
}

/// Finished frames, oldest first, for the consumer to drain.
#[derive(Resource, Default)]
pub struct FinishedFrames(pub VecDeque<LabeledFrame>);

/// Frames not to render (already on disk when a run resumes).
#[derive(Resource, Default, Clone)]
pub struct SkipFrames(pub std::collections::BTreeSet<u64>);

fn capture(world: &mut World) {
    let frame = world.resource::<SimClock>().frame;
    if world
        .get_resource::<SkipFrames>()
        .is_some_and(|s| s.0.contains(&frame))
    {
        return;
    }
    let snap = snapshot(world);
    let labeled = {
        let mut rig = world.resource_mut::<Rig>();
        rig.rig.submit(snap);
        for f in rig.rig.poll_readbacks() {
            rig.labeler.push(f);
        }
        rig.labeler.take_ready()
    };
    world.resource_mut::<FinishedFrames>().0.extend(labeled);
}

/// Wait for every frame still in flight and label it (end of a run).
pub fn flush(world: &mut World) {
    let labeled = {
        let mut rig = world.resource_mut::<Rig>();
        for f in rig.rig.finish_readbacks() {
            rig.labeler.push(f);
        }
        rig.labeler.finish()
    };
    world.resource_mut::<FinishedFrames>().0.extend(labeled);
}

/// Renders every tick. Expects a `Rig` resource (it owns the GPU device).
pub struct SensorPlugin;

impl Plugin for SensorPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FinishedFrames>()
            .init_resource::<PrimitiveHullPoints>()
            .add_systems(Update, capture.in_set(SimSet::Sensors));
    }
}

//! People as articulated figures: each pedestrian's and rider's body,
//! outfit and activity, the parts they are drawn with at this tick, and the
//! motion system that advances their gait by how far they moved.

use super::Renderable;
use super::objects::{BoxSize, Part, Template};
use crate::core::body::{self, Activity, Body, Outfit, Skeleton};
use crate::core::classes::Class;
use crate::core::mesh::Primitive;
use crate::core::record::PersonAttributes;
use crate::core::rng::Stream;
use crate::sim::tick::SimClock;
use bevy::prelude::*;
use glam::{Mat4, Vec3};
use std::sync::Arc;

/// A person drawn from a body: a pedestrian, or a rider with their bicycle.
#[derive(Component, Clone, Debug)]
pub struct Figure {
    pub body: Body,
    pub outfit: Outfit,
    pub activity: Activity,
    /// Labeled class of the body's parts (person or rider).
    pub class: Class,
    /// Parts that do not move with the body (the bicycle), figure frame.
    pub carried: Arc<[Part]>,
    /// Where the figure stood last tick (world), to measure its speed.
    last_position_m: Option<Vec3>,
}

/// One crank turn moves a city bicycle this far, metres (a 0.68 m wheel in
/// a middle gear).
const METRES_PER_CRANK_TURN: f32 = 4.5;

/// A high-visibility vest's colour (sRGB): hazard pedestrians wear one
/// unless the scenario dresses them.
pub const HI_VIS_SRGB: [u8; 3] = [0xe8, 0xd0, 0x1c];

impl Figure {
    /// A pedestrian of `height_m`, looks drawn from `look` (seeded per
    /// role, so a rerun dresses everyone the same); `top` overrides the
    /// top's colour.
    pub fn pedestrian(look: &mut Stream, height_m: f64, top: Option<[u8; 3]>) -> Figure {
        let body = Body::draw(look, height_m as f32);
        let outfit = Outfit::draw(look, body.age, top);
        Figure {
            body,
            outfit,
            // a random point in the stride, so a group does not march in step
            activity: Activity::Walk {
                phase: look.next_f64() as f32,
                speed_mps: 0.0,
            },
            class: Class::Person,
            carried: Arc::from(Vec::new()),
            last_position_m: None,
        }
    }

    /// A rider on a city bicycle.
    pub fn cyclist(look: &mut Stream) -> Figure {
        let height_m = look.range(1.62, 1.9) as f32;
        let mut body = Body::draw(look, height_m);
        // a rider is an adult: the bicycle fits them
        body.age = body::AgeGroup::Adult;
        let mut outfit = Outfit::draw(look, body.age, None);
        outfit.lower = body::LowerGarment::Trousers;
        Figure {
            body,
            outfit,
            activity: Activity::Pedal {
                phase: look.next_f64() as f32,
            },
            class: Class::Rider,
            carried: Arc::from(bicycle_parts()),
            last_position_m: None,
        }
    }

    pub fn skeleton(&self) -> Skeleton {
        body::pose(&self.body, self.activity)
    }

    /// Every part as posed now: the carried ones, then the body's.
    pub fn parts(&self) -> Vec<Part> {
        let skeleton = self.skeleton();
        let mut parts = self.carried.to_vec();
        parts.extend(
            body::segments(&self.body, &self.outfit, &skeleton)
                .into_iter()
                .map(|s| Part {
                    primitive: s.primitive,
                    local: s.local,
                    color: s.color,
                    class: self.class,
                    light: None,
                    pattern: s.pattern,
                }),
        );
        parts
    }

    /// The spawn template: class, KITTI type, the size its physics uses.
    pub fn template(&self) -> Template {
        let h = self.body.height_m as f64;
        let (kitti_type, size) = if self.class == Class::Rider {
            (
                "Cyclist",
                BoxSize {
                    length_m: 1.8,
                    height_m: 1.8,
                    width_m: 0.6,
                },
            )
        } else {
            (
                "Pedestrian",
                BoxSize {
                    length_m: 0.23 * h,
                    height_m: h,
                    width_m: 0.31 * h,
                },
            )
        };
        Template {
            class: self.class,
            kitti_type,
            size,
            parts: self.parts(),
        }
    }

    /// What the labels say about this person.
    pub fn attributes(&self) -> PersonAttributes {
        body::attributes(&self.body, &self.outfit, self.activity)
    }

    /// How fast each COCO keypoint moves against the figure's frame (m/s,
    /// figure frame), the figure moving at `speed_mps`: the gait's phase
    /// runs at the rate `advance` gives it (the walking speed it last
    /// measured over its stride), the cranks' at the speed over a turn.
    pub fn keypoint_velocities(&self, speed_mps: f32) -> [Vec3; 17] {
        let speed_mps = match self.activity {
            Activity::Pedal { .. } => speed_mps,
            Activity::Walk { speed_mps, .. } => speed_mps,
            Activity::Stand => 0.0,
        };
        let phase_per_s = self
            .metres_per_cycle(speed_mps)
            .map_or(0.0, |m| speed_mps / m);
        body::keypoint_velocities(&self.body, self.activity, phase_per_s)
    }

    /// How far the figure moves in one gait cycle (a crank turn when it
    /// pedals) at `speed_mps`; `None` when it walks no faster than
    /// standing (its phase then stays). The one rate both the animation
    /// (`advance`) and the labelled keypoint motion use.
    fn metres_per_cycle(&self, speed_mps: f32) -> Option<f32> {
        match self.activity {
            Activity::Pedal { .. } => Some(METRES_PER_CRANK_TURN),
            Activity::Walk { .. } | Activity::Stand => {
                (speed_mps > body::STAND_MPS).then(|| self.body.stride_m(speed_mps))
            }
        }
    }

    /// Advance the gait or the cranks by a move of `moved_m` in `dt_s`.
    fn advance(&mut self, moved_m: f32, dt_s: f32) {
        let speed_mps = moved_m / dt_s.max(1e-6);
        let cycle_m = self.metres_per_cycle(speed_mps);
        self.activity = match self.activity {
            Activity::Pedal { phase } => Activity::Pedal {
                phase: cycle_m.map_or(phase, |m| (phase + moved_m / m).fract()),
            },
            Activity::Walk { .. } | Activity::Stand => {
                let phase = match self.activity {
                    Activity::Walk { phase, .. } => phase,
                    _ => 0.0,
                };
                match cycle_m {
                    Some(m) => Activity::Walk {
                        phase: (phase + moved_m / m).fract(),
                        speed_mps,
                    },
                    None => Activity::Walk {
                        phase,
                        speed_mps: 0.0,
                    },
                }
            }
        };
    }
}

/// The city bicycle under a rider (class bicycle), facing +X: tyres, rims,
/// frame tubes, fork, bars, saddle and cranks.
fn bicycle_parts() -> Vec<Part> {
    let bike = body::CITY_BICYCLE;
    let frame = [0.05, 0.12, 0.3];
    let steel = [0.5, 0.5, 0.52];
    let mut parts = Vec::new();
    let mut tube = |a: Vec3, b: Vec3, r: f32, color: [f32; 3]| {
        let s = body::stretched(Primitive::Cylinder, a, b, 2.0 * r, 2.0 * r, color);
        parts.push(Part {
            primitive: s.primitive,
            local: s.local,
            color: s.color,
            class: Class::Bicycle,
            light: None,
            pattern: crate::core::body::TopPattern::Plain,
        });
    };
    let (rear, front) = (Vec3::new(-0.55, 0.34, 0.0), Vec3::new(0.55, 0.34, 0.0));
    let head = Vec3::new(0.36, 0.85, 0.0);
    let seat = bike.saddle - Vec3::Y * 0.12;
    tube(bike.bottom_bracket, seat, 0.018, frame);
    tube(bike.bottom_bracket, head - Vec3::Y * 0.1, 0.022, frame);
    tube(seat - Vec3::Y * 0.05, head, 0.018, frame);
    tube(rear, bike.bottom_bracket, 0.012, frame);
    tube(rear, seat - Vec3::Y * 0.04, 0.012, frame);
    tube(front, head, 0.015, steel);
    tube(head, bike.bars, 0.015, steel);
    tube(
        bike.bars - Vec3::Z * 0.3,
        bike.bars + Vec3::Z * 0.3,
        0.014,
        steel,
    );
    tube(seat, bike.saddle, 0.012, steel);
    tube(
        bike.bottom_bracket - Vec3::Z * 0.1,
        bike.bottom_bracket + Vec3::Z * 0.1,
        0.02,
        steel,
    );
    for c in [rear, front] {
        for (radius, width, color) in [(0.34, 0.045, [0.03; 3]), (0.3, 0.025, steel)] {
            tube(
                c - Vec3::Z * width / 2.0,
                c + Vec3::Z * width / 2.0,
                radius,
                color,
            );
        }
    }
    let saddle = body::blob(
        Primitive::Sphere,
        bike.saddle,
        Vec3::X,
        Vec3::Y,
        Vec3::new(0.26, 0.05, 0.14),
        [0.03; 3],
    );
    parts.push(Part {
        primitive: saddle.primitive,
        local: saddle.local,
        color: saddle.color,
        class: Class::Bicycle,
        light: None,
        pattern: crate::core::body::TopPattern::Plain,
    });
    parts
}

/// A four-legged animal's walk: the legs (parts 1..=4 of `objects::deer`)
/// swing about their tops in a diagonal gait (each leg with the one
/// diagonally opposite),
/// by how far it moved; standing, they hang straight.
#[derive(Component, Clone, Debug)]
pub struct Quadruped {
    /// Index in the parts of each leg, its rest transform and its hip.
    legs: [(usize, Mat4, Vec3); 4],
    phase: f32,
    /// One full cycle of the gait covers this far, metres.
    stride_m: f32,
    last_position_m: Option<Vec3>,
}

/// Largest swing of a leg from straight down, radians.
const LEG_SWING_RAD: f32 = 0.42;

impl Quadruped {
    /// The gait of a template whose parts 1..=4 are its legs (unit cubes
    /// standing on the ground, their tops at the hips).
    pub fn new(parts: &[Part], stride_m: f32) -> Quadruped {
        let legs = std::array::from_fn(|i| {
            let local = parts[i + 1].local;
            let hip = local.transform_point3(Vec3::new(0.0, 0.5, 0.0));
            (i + 1, local, hip)
        });
        Quadruped {
            legs,
            phase: 0.0,
            stride_m,
            last_position_m: None,
        }
    }

    /// Each leg's transform at the current phase, walking at `speed_mps`.
    fn posed(&self, speed_mps: f32) -> [(usize, Mat4); 4] {
        let amplitude = LEG_SWING_RAD * (speed_mps / 1.5).min(1.0);
        std::array::from_fn(|i| {
            let (part, rest, hip) = self.legs[i];
            // diagonal pairs in step: legs 0 and 3 (front-right, back-left),
            // then 1 and 2
            let offset = if i == 0 || i == 3 { 0.0 } else { 0.5 };
            let angle = amplitude * (std::f32::consts::TAU * (self.phase + offset)).sin();
            let swing = Mat4::from_translation(hip)
                * Mat4::from_rotation_z(angle)
                * Mat4::from_translation(-hip);
            (part, swing * rest)
        })
    }
}

/// Motion (after everything moved): animals' legs swing with how far they
/// moved this tick.
pub fn animate_quadrupeds(
    clock: Res<SimClock>,
    mut animals: Query<(&mut Quadruped, &Transform, &mut Renderable)>,
) {
    let dt_s = clock.dt_s() as f32;
    for (mut q, t, mut r) in &mut animals {
        let now = t.translation;
        let moved_m = q
            .last_position_m
            .map_or(0.0, |p| Vec3::new(now.x - p.x, 0.0, now.z - p.z).length());
        q.last_position_m = Some(now);
        q.phase = (q.phase + moved_m / q.stride_m).fract();
        let posed = q.posed(moved_m / dt_s.max(1e-6));
        if posed.iter().any(|(i, m)| r.parts[*i].local != *m) {
            let mut parts = r.parts.to_vec();
            for (i, m) in posed {
                parts[i].local = m;
            }
            r.parts = parts.into();
        }
    }
}

/// Motion (after everything moved): each figure's gait follows its
/// horizontal speed this tick, and its parts are posed again.
pub fn animate_figures(
    clock: Res<SimClock>,
    mut figures: Query<(&mut Figure, &Transform, &mut Renderable)>,
) {
    let dt_s = clock.dt_s() as f32;
    for (mut f, t, mut r) in &mut figures {
        let now = t.translation;
        let moved_m = f
            .last_position_m
            .map_or(0.0, |p| Vec3::new(now.x - p.x, 0.0, now.z - p.z).length());
        f.last_position_m = Some(now);
        let before = f.activity;
        f.advance(moved_m, dt_s);
        if f.activity != before {
            r.parts = f.parts().into();
        }
    }
}

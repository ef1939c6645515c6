//! Vehicles: car, van and truck templates, their wheels and rims, ends
//! (lamps, plates, bumpers) and the car's opening door.

use super::*;
use crate::core::mesh::VAN_BODY_PROFILE;
use crate::scenario::VehicleKind;
use glam::{Mat4, Quat, Vec3};

mod bus;
mod cars;
mod truck;
use bus::bus;
pub use cars::car_door;
use cars::{car, car_style};
use truck::{TRUCK_LOAD_FLOOR_M, truck};

/// A wheel: a cylinder with its axis along local Z.
fn wheel(x: f32, z: f32, radius: f32) -> Part {
    thin_wheel(x, z, radius, 0.25, Class::Car)
}

fn thin_wheel(x: f32, z: f32, radius: f32, width: f32, class: Class) -> Part {
    Part {
        primitive: Primitive::Cylinder,
        local: Mat4::from_scale_rotation_translation(
            Vec3::new(radius * 2.0, width, radius * 2.0),
            Quat::from_rotation_x(std::f32::consts::FRAC_PI_2),
            Vec3::new(x, radius, z),
        ),
        color: TYRE,
        class,
        light: None,
        pattern: crate::core::body::TopPattern::Plain,
    }
}

/// Tyre rubber and the light alloy of a wheel's rim.
const TYRE: [f32; 3] = [0.05, 0.05, 0.05];
const RIM: [f32; 3] = [0.5, 0.5, 0.52];
/// Brushed aluminium of a box body's frame.
const FRAME: [f32; 3] = [0.62, 0.63, 0.65];

/// A vehicle's tyre: a cylinder in tyre rubber.
fn is_tyre(p: &Part) -> bool {
    p.primitive == Primitive::Cylinder && p.color == TYRE
}

/// A rim inside every tyre of a vehicle: 62% of the tyre's radius, its
/// faces 0.25 mm proud of the tyre's (no two faces in one plane).
fn add_rims(parts: &mut Vec<Part>) {
    let rims: Vec<Part> = parts
        .iter()
        .filter(|p| is_tyre(p))
        .map(|p| Part {
            local: p.local * Mat4::from_scale(Vec3::new(0.62, 1.002, 0.62)),
            color: RIM,
            ..*p
        })
        .collect();
    parts.extend(rims);
}

/// Dark trims over every tyre of a car or van, on both flanks: an arc of
/// six short strips around the upper half of the wheel, between the flank
/// (`flank_half_width_m` from the centre line) and the box's side, so a
/// wheel reads as sitting in its arch (a convex body cannot be cut out).
fn add_wheel_arches(parts: &mut Vec<Part>, flank_half_width_m: f32) {
    const SEGMENTS: usize = 6;
    const GAP_M: f32 = 0.06;
    let wheels: Vec<(Vec3, f32)> = parts
        .iter()
        .filter(|p| is_tyre(p))
        .map(|p| {
            let (scale, _, centre) = p.local.to_scale_rotation_translation();
            (centre, scale.x / 2.0)
        })
        .collect();
    for (centre, radius) in wheels {
        let arc = radius + GAP_M;
        let side = centre.z.signum();
        let step = (150.0f32 / SEGMENTS as f32).to_radians();
        for k in 0..SEGMENTS {
            let angle = 15f32.to_radians() + (k as f32 + 0.5) * step;
            let at = Vec3::new(
                centre.x + arc * angle.cos(),
                centre.y + arc * angle.sin(),
                side * (flank_half_width_m + 0.007),
            );
            parts.push(Part {
                local: Mat4::from_scale_rotation_translation(
                    Vec3::new(2.0 * arc * (step / 2.0).sin() + 0.02, 0.07, 0.012),
                    Quat::from_rotation_z(angle + std::f32::consts::FRAC_PI_2),
                    at,
                ),
                ..part(
                    Primitive::Cube,
                    Vec3::ZERO,
                    Vec3::ONE,
                    UNDERSIDE,
                    Class::Car,
                )
            });
        }
    }
}

/// A car door on the left (-Z) or right (+Z) side that swings open about
/// its front edge.
#[derive(Clone, Copy, Debug)]
pub struct DoorPart {
    pub closed: Mat4,
    pub hinge: Vec3,
    /// -1 for a door on the left (-Z), +1 on the right: the way it swings.
    pub outward: f32,
}

/// Fully open, radians (outwards, about +Y at the hinge).
pub const DOOR_OPEN_RAD: f32 = 1.2;

impl DoorPart {
    /// The door's object-local transform, `open` 0 (shut) ..= 1 (open).
    pub fn at(&self, open: f32) -> Mat4 {
        Mat4::from_translation(self.hinge)
            * Mat4::from_rotation_y(self.outward * open.clamp(0.0, 1.0) * DOOR_OPEN_RAD)
            * Mat4::from_translation(-self.hinge)
            * self.closed
    }
}

fn with_class(mut parts: Vec<Part>, class: Class) -> Vec<Part> {
    for p in &mut parts {
        p.class = class;
    }
    parts
}

/// The dark, dirty underside of a vehicle: chassis, axles, exhaust.
const UNDERSIDE: [f32; 3] = [0.03, 0.03, 0.03];

/// The dark underside between the axles of a body whose sill stands
/// `sill_m` up (an SUV's, a bus's): a slab 14 cm deep just under the sill,
/// `length_m` long around `centre_x_m`, 70% of the vehicle's `width_m`.
fn underside_slab(centre_x_m: f32, length_m: f32, sill_m: f32, width_m: f32, class: Class) -> Part {
    part(
        Primitive::Cube,
        Vec3::new(centre_x_m, sill_m - 0.07, 0.0),
        Vec3::new(length_m, 0.14, width_m * 0.7),
        UNDERSIDE,
        class,
    )
}

/// Dark tinted glass.
const GLASS: [f32; 3] = [0.12, 0.14, 0.17];

/// Where a pair of tail lamps sits on a vehicle's back, metres: centre
/// height, height, width, and the lateral offset of each lamp's centre.
struct TailLamps {
    y: f32,
    height: f32,
    width: f32,
    z: f32,
}

/// A van's: tall clusters in the rear corners, beside the doors.
const VAN_TAILS: TailLamps = TailLamps {
    y: 1.0,
    height: 0.42,
    width: 0.16,
    z: 0.88,
};

/// A vehicle's bumpers, plates and head lamps: bumper centre height,
/// height and width (both ends), the plates' and head lamps' centre heights.
struct Bumpers {
    y: f32,
    height: f32,
    width: f32,
    rear_plate_y: f32,
    front_plate_y: f32,
    head_lamp_y: f32,
}

/// A van's: tall black plastic the whole width of the body, the plate
/// above it on the doors.
const VAN_BUMPERS: Bumpers = Bumpers {
    y: 0.5,
    height: 0.24,
    width: 1.98,
    rear_plate_y: 0.76,
    front_plate_y: 0.47,
    head_lamp_y: 0.60,
};

/// Amber of the turn indicators (lit: emission, `sensors::lamp_emission`).
const INDICATOR_AMBER: [f32; 3] = [0.85, 0.38, 0.02];
/// The outer share of a head or tail lamp's width that is its indicator.
const INDICATOR_SHARE: f32 = 0.3;

/// A lamp cluster of `class` centred at `centre` (object-local) of `size`:
/// the lamp `light`, and in the outer `INDICATOR_SHARE` of its width (away
/// from the centre line) the amber indicator of that side; together they
/// fill the cluster's box exactly.
pub(super) fn lamp_cluster(
    light: VehicleLight,
    centre: Vec3,
    size: Vec3,
    colour: [f32; 3],
    class: Class,
) -> [Part; 2] {
    // local +Z is the vehicle's right
    let outward = if centre.z < 0.0 { -1.0 } else { 1.0 };
    let indicator_w = size.z * INDICATOR_SHARE;
    let lamp_w = size.z - indicator_w;
    let inner_edge = centre.z - outward * size.z / 2.0;
    let lamp_z = inner_edge + outward * lamp_w / 2.0;
    let indicator_z = inner_edge + outward * (lamp_w + indicator_w / 2.0);
    let indicator = if outward < 0.0 {
        VehicleLight::IndicatorLeft
    } else {
        VehicleLight::IndicatorRight
    };
    let piece = |light, z: f32, w: f32, colour| Part {
        light: Some(light),
        ..part(
            Primitive::Cube,
            Vec3::new(centre.x, centre.y, z),
            Vec3::new(size.x, size.y, w),
            colour,
            class,
        )
    };
    [
        piece(light, lamp_z, lamp_w, colour),
        piece(indicator, indicator_z, indicator_w, INDICATOR_AMBER),
    ]
}

/// A car's ends, `half_length_m` from its centre: tail lamps, head lamps
/// (each with its indicator), number plates and dark bumpers, 2 cm proud
/// of the body.
fn car_ends(half_length_m: f32, tails: &TailLamps, bumpers: &Bumpers) -> Vec<Part> {
    let tail = [0.65, 0.04, 0.04];
    let head = [0.92, 0.92, 0.85];
    let plate = [0.9, 0.9, 0.88];
    let bumper = [0.08, 0.08, 0.09];
    let mut parts = Vec::new();
    for end in [-1.0f32, 1.0] {
        // centred so the outer face is at the end of the box
        let at = |depth: f32| end * (half_length_m - depth / 2.0);
        let lamp = if end < 0.0 {
            (tail, tails.y, tails.height, tails.width, tails.z)
        } else {
            (head, bumpers.head_lamp_y, 0.09, 0.34, 0.64)
        };
        let light = if end < 0.0 {
            VehicleLight::Tail
        } else {
            VehicleLight::Head
        };
        for side in [-1.0f32, 1.0] {
            parts.extend(lamp_cluster(
                light,
                Vec3::new(at(0.04), lamp.1, side * lamp.4),
                Vec3::new(0.04, lamp.2, lamp.3),
                lamp.0,
                Class::Car,
            ));
        }
        let plate_y = if end < 0.0 {
            bumpers.rear_plate_y
        } else {
            bumpers.front_plate_y
        };
        parts.push(part(
            Primitive::Cube,
            Vec3::new(at(0.03), plate_y, 0.0),
            Vec3::new(0.03, 0.11, 0.52),
            plate,
            Class::Car,
        ));
        parts.push(part(
            Primitive::Cube,
            Vec3::new(at(0.05), bumpers.y, 0.0),
            Vec3::new(0.05, bumpers.height, bumpers.width),
            bumper,
            Class::Car,
        ));
    }
    parts
}

/// The parts and label box of a vehicle of `kind` in `color`.
pub fn vehicle(kind: VehicleKind, color: [f32; 3]) -> Template {
    let mut t = match kind {
        VehicleKind::Van => van(color),
        VehicleKind::Truck => truck(color, false),
        VehicleKind::Bus => bus(color),
        // an undrawn `Car` is a saloon (spawning draws its body first)
        car_kind => car(car_style(car_kind), color),
    };
    add_rims(&mut t.parts);
    t
}

/// A vehicle that carries a load (`FallingCargo`): a truck with its box
/// open at the back, a pickup as it is (its load bed is open).
pub fn cargo_carrier(kind: VehicleKind, color: [f32; 3]) -> Template {
    if kind != VehicleKind::Truck {
        return vehicle(kind, color);
    }
    let mut t = truck(color, true);
    add_rims(&mut t.parts);
    t
}

/// Height of the floor a load rides on, m: the open truck box's, or a
/// pickup's load bed (the top of its body).
pub fn load_floor_m(kind: VehicleKind) -> f32 {
    match kind {
        VehicleKind::Truck => TRUCK_LOAD_FLOOR_M,
        other => cars::load_bed_floor_m(other),
    }
}

/// The furniture of a van's rear doors, whose label box ends
/// `half_length_m` behind its centre (2 cm behind the doors): black rubber
/// seals around the windows, a high stop lamp over them, the handle beside
/// the seam and the outer hinges. From close behind, a van is otherwise a
/// plain light slab.
fn van_rear_doors(half_length_m: f32) -> Vec<Part> {
    let seal = [0.02, 0.02, 0.025];
    // centred `depth` deep with its outer face `proud_m` past the box's end
    let at = |depth: f32, proud_m: f32| -(half_length_m - depth / 2.0 + proud_m);
    let piece = |depth: f32, proud_m: f32, y: f32, z: f32, h: f32, w: f32, colour| {
        part(
            Primitive::Cube,
            Vec3::new(at(depth, proud_m), y, z),
            Vec3::new(depth, h, w),
            colour,
            Class::Car,
        )
    };
    let mut parts = Vec::new();
    for side in [-1.0f32, 1.0] {
        // the seal: a frame 4 cm wide around the window, 3 mm behind the
        // glass's face (no fighting over depth)
        parts.push(piece(0.008, -0.003, 1.66, side * 0.45, 0.68, 0.84, seal));
        // two hinges on the door's outer edge
        for y in [0.75, 1.65] {
            parts.push(piece(0.02, 0.0, y, side * 0.9, 0.1, 0.05, seal));
        }
    }
    // the handle, on the right-hand door beside the seam
    parts.push(piece(0.02, 0.0, 1.12, 0.12, 0.05, 0.2, [0.05; 3]));
    parts.push(Part {
        light: Some(VehicleLight::Brake),
        ..piece(0.02, 0.0, 2.03, 0.0, 0.05, 0.32, [0.3, 0.02, 0.02])
    });
    parts
}

fn van(color: [f32; 3]) -> Template {
    let (l, w, h) = (5.0, 2.0, 2.1);
    // the shaped body a little short of the box: the glass and the ends
    // stand proud of it; its sill 0.4 m up, so the tyres and the dark
    // underside show below it (seen from behind a van is otherwise one
    // flat slab down to the road)
    let (body_l, body_h, body_y) = (l - 0.04, 1.7, 1.25);
    let at = |p: [f32; 2]| Vec3::new(p[0] * body_l, body_y + p[1] * body_h, 0.0);
    // the windscreen on the upper half of the profile's raked face, 1 cm
    // proud of it
    let hi = at(VAN_BODY_PROFILE[3]);
    let lo = at(VAN_BODY_PROFILE[2]).lerp(hi, 0.45);
    let slope = (hi - lo).normalize();
    let outward = Vec3::new(slope.y, -slope.x, 0.0);
    let windscreen = Part {
        local: Mat4::from_translation((lo + hi) / 2.0 + outward * 0.01)
            * Mat4::from_rotation_z(slope.y.atan2(slope.x))
            * Mat4::from_scale(Vec3::new((hi - lo).length() * 0.9, 0.02, w * 0.88)),
        ..part(Primitive::Cube, Vec3::ZERO, Vec3::ONE, GLASS, Class::Car)
    };
    let glass = |x: f32, y: f32, size: Vec3| {
        part(
            Primitive::Cube,
            Vec3::new(x, y, 0.0),
            size,
            GLASS,
            Class::Car,
        )
    };
    let mut parts: Vec<Part> = vec![
        part(
            Primitive::VanBody,
            Vec3::new(0.0, body_y, 0.0),
            Vec3::new(body_l, body_h, w - 0.02),
            color,
            Class::Car,
        ),
        windscreen,
        // cab side windows (one block across the cab, its sides proud of
        // the flanks), and a window in each rear door, either side of the seam
        glass(1.35, 1.72, Vec3::new(0.85, 0.5, w - 0.005)),
        glass(-(l / 2.0) + 0.005, 1.66, Vec3::new(0.01, 0.6, 0.76)).with_z(0.45),
        glass(-(l / 2.0) + 0.005, 1.66, Vec3::new(0.01, 0.6, 0.76)).with_z(-0.45),
        // the dark underside between the wheels: chassis rails and the
        // axles' housings
        part(
            Primitive::Cube,
            Vec3::new(0.0, 0.32, 0.0),
            Vec3::new(3.6, 0.16, 1.2),
            UNDERSIDE,
            Class::Car,
        ),
        part(
            Primitive::Cube,
            Vec3::new(-1.6, 0.35, 0.0),
            Vec3::new(0.22, 0.16, 1.5),
            UNDERSIDE,
            Class::Car,
        ),
        part(
            Primitive::Cube,
            Vec3::new(-(l / 2.0) + 0.006, 1.2, 0.0),
            Vec3::new(0.012, 1.6, 0.025),
            [0.03; 3],
            Class::Car,
        ),
        wheel(1.6, 0.87, 0.35),
        wheel(1.6, -0.87, 0.35),
        wheel(-1.6, 0.87, 0.35),
        wheel(-1.6, -0.87, 0.35),
    ]
    .into_iter()
    .chain(car_ends(l / 2.0, &VAN_TAILS, &VAN_BUMPERS))
    .chain(van_rear_doors(l / 2.0))
    .collect();
    add_wheel_arches(&mut parts, 0.49 * (w - 0.02));
    Template {
        class: Class::Car,
        kitti_type: "Van",
        size: BoxSize {
            length_m: l as f64,
            height_m: h,
            width_m: w as f64,
        },
        parts,
    }
}

//! Vehicles: car, van and truck templates, their wheels and rims, ends
//! (lamps, plates, bumpers) and the car's opening door.

use super::*;
use crate::core::mesh::{
    CAR_CABIN_HALF_WIDTHS, CAR_CABIN_PROFILE, TRUCK_CAB_PROFILE, VAN_BODY_PROFILE,
};
use crate::scenario::VehicleKind;
use glam::{Mat4, Quat, Vec3};

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

/// A car door on the left (-Z) side that swings open about its front edge.
#[derive(Clone, Copy, Debug)]
pub struct DoorPart {
    pub closed: Mat4,
    pub hinge: Vec3,
}

/// Fully open, radians (outwards, about +Y at the hinge).
pub const DOOR_OPEN_RAD: f32 = 1.2;

impl DoorPart {
    /// The door's object-local transform, `open` 0 (shut) ..= 1 (open).
    pub fn at(&self, open: f32) -> Mat4 {
        Mat4::from_translation(self.hinge)
            * Mat4::from_rotation_y(-open.clamp(0.0, 1.0) * DOOR_OPEN_RAD)
            * Mat4::from_translation(-self.hinge)
            * self.closed
    }
}

/// A car's driver door (left side), shut, and how it opens.
pub fn car_door(color: [f32; 3], size: BoxSize) -> (Part, DoorPart) {
    let half_w = size.width_m as f32 / 2.0;
    let centre = Vec3::new(0.25, 0.75, -(half_w + 0.03));
    let dims = Vec3::new(1.1, 0.85, 0.05);
    let closed = Mat4::from_scale_rotation_translation(dims, Quat::IDENTITY, centre);
    let hinge = Vec3::new(centre.x + dims.x / 2.0, 0.0, -(half_w + 0.03));
    (
        Part {
            primitive: Primitive::Cube,
            local: closed,
            color,
            class: Class::Car,
            light: None,
        },
        DoorPart { closed, hinge },
    )
}

fn with_class(mut parts: Vec<Part>, class: Class) -> Vec<Part> {
    for p in &mut parts {
        p.class = class;
    }
    parts
}

/// The dark, dirty underside of a vehicle: chassis, axles, exhaust.
const UNDERSIDE: [f32; 3] = [0.03, 0.03, 0.03];

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

/// A saloon's: low, wide clusters either side of the boot lid.
const SALOON_TAILS: TailLamps = TailLamps {
    y: 0.70,
    height: 0.12,
    width: 0.30,
    z: 0.64,
};

/// A van's: tall clusters in the rear corners, beside the doors.
const VAN_TAILS: TailLamps = TailLamps {
    y: 1.0,
    height: 0.42,
    width: 0.16,
    z: 0.88,
};

/// A vehicle's bumpers and rear plate: bumper centre height, height and
/// width (both ends), the rear plate's centre height.
struct Bumpers {
    y: f32,
    height: f32,
    width: f32,
    rear_plate_y: f32,
}

/// A saloon's: slim, under the lamps.
const SALOON_BUMPERS: Bumpers = Bumpers {
    y: 0.36,
    height: 0.12,
    width: 1.7,
    rear_plate_y: 0.52,
};

/// A van's: tall black plastic the whole width of the body, the plate
/// above it on the doors.
const VAN_BUMPERS: Bumpers = Bumpers {
    y: 0.5,
    height: 0.24,
    width: 1.98,
    rear_plate_y: 0.76,
};

/// A car's ends, `half_length_m` from its centre: tail lamps, head lamps,
/// number plates and dark bumpers, 2 cm proud of the body.
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
            (head, 0.60, 0.09, 0.34, 0.64)
        };
        let light = if end < 0.0 {
            VehicleLight::Tail
        } else {
            VehicleLight::Head
        };
        for side in [-1.0f32, 1.0] {
            parts.push(Part {
                light: Some(light),
                ..part(
                    Primitive::Cube,
                    Vec3::new(at(0.04), lamp.1, side * lamp.4),
                    Vec3::new(0.04, lamp.2, lamp.3),
                    lamp.0,
                    Class::Car,
                )
            });
        }
        let plate_y = if end < 0.0 {
            bumpers.rear_plate_y
        } else {
            0.47
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
        VehicleKind::Car => car(color),
        VehicleKind::Van => van(color),
        VehicleKind::Truck => truck(color),
    };
    add_rims(&mut t.parts);
    t
}

/// The saloon's glasshouse: centre and size of its `CarCabin` part.
const CABIN_CENTRE: Vec3 = Vec3::new(-0.415, 1.2175, 0.0);
const CABIN_SIZE: Vec3 = Vec3::new(2.47, 0.555, 1.66);

/// The painted frame around a glasshouse's windscreen and rear window: a
/// pillar up each side edge of both raked faces (A and C pillars) and a
/// band under the roof line, 1 mm to 11 mm proud of the glass. A real
/// car's glass sits in painted pillars; without them the glasshouse reads
/// as one dark block from behind or ahead.
fn glasshouse_frame(centre: Vec3, size: Vec3, color: [f32; 3]) -> Vec<Part> {
    const PILLAR_M: f32 = 0.14;
    const BAND_M: f32 = 0.06;
    const THICK_M: f32 = 0.01;
    // a raked face's edges stop short of the roof: the strips' outer
    // faces stay under the label box's top
    const REACH: f32 = 0.95;
    let corner = |p: [f32; 2], half_width: f32, side: f32| {
        centre + Vec3::new(p[0] * size.x, p[1] * size.y, side * half_width * size.z)
    };
    let [bottom_hw, top_hw] = CAR_CABIN_HALF_WIDTHS;
    let strip = |axis_a: Vec3, axis_b: Vec3, normal: Vec3, mid: Vec3| Part {
        local: Mat4::from_cols(
            axis_a.extend(0.0),
            (normal * THICK_M).extend(0.0),
            axis_b.extend(0.0),
            (mid + normal * (0.001 + THICK_M / 2.0)).extend(1.0),
        ),
        ..part(Primitive::Cube, Vec3::ZERO, Vec3::ONE, color, Class::Car)
    };
    let mut parts = Vec::new();
    // rear window (profile points 0 -> 3) and windscreen (1 -> 2)
    for (from, to) in [(0, 3), (1, 2)] {
        let (b, t) = (CAR_CABIN_PROFILE[from], CAR_CABIN_PROFILE[to]);
        let rise = Vec3::new((t[0] - b[0]) * size.x, (t[1] - b[1]) * size.y, 0.0);
        let mut normal = Vec3::new(rise.y, -rise.x, 0.0).normalize();
        if normal.x * b[0] < 0.0 {
            normal = -normal;
        }
        for side in [-1.0f32, 1.0] {
            let bottom = corner(b, bottom_hw, side);
            let up = (corner(t, top_hw, side) - bottom) * REACH;
            let across = Vec3::new(0.0, 0.0, -side * PILLAR_M);
            parts.push(strip(up, across, normal, bottom + up / 2.0 + across / 2.0));
        }
        // the band under the roof line, as wide as the face there
        let along = rise.normalize() * BAND_M;
        let top_mid = corner(b, 0.0, 0.0) + rise * REACH - along / 2.0;
        let half_width = bottom_hw + (top_hw - bottom_hw) * REACH;
        let across = Vec3::new(0.0, 0.0, 2.0 * half_width * size.z);
        parts.push(strip(along, across, normal, top_mid));
    }
    parts
}

/// A saloon car: shaped body, glasshouse, roof, wheels and its ends.
fn car(color: [f32; 3]) -> Template {
    let (l, w, h) = (4.5, 1.8, 1.5);
    let mut parts: Vec<Part> = vec![
        // lower body with hood and boot, glasshouse, painted roof
        // (its top 5 mm above the glass: no two faces in one plane)
        // 2 cm short of the box at each end: lamps, plates and
        // bumpers stand proud of it
        part(
            Primitive::CarBody,
            Vec3::new(0.0, 0.62, 0.0),
            Vec3::new(l - 0.04, 0.64, w),
            color,
            Class::Car,
        ),
        part(
            Primitive::CarCabin,
            CABIN_CENTRE,
            CABIN_SIZE,
            GLASS,
            Class::Car,
        ),
        part(
            Primitive::Cube,
            Vec3::new(-0.66, 1.48, 0.0),
            Vec3::new(0.98, 0.04, 1.3),
            color,
            Class::Car,
        ),
        // the B-pillar between the side windows: a slice of the
        // glasshouse's shape, painted, its sides 5 mm proud of the glass
        part(
            Primitive::CarCabin,
            Vec3::new(-0.3, 1.2175, 0.0),
            Vec3::new(0.12, 0.555, 1.67),
            color,
            Class::Car,
        ),
        wheel(1.4, 0.77, 0.33),
        wheel(1.4, -0.77, 0.33),
        wheel(-1.4, 0.77, 0.33),
        wheel(-1.4, -0.77, 0.33),
    ]
    .into_iter()
    .chain(car_ends(l / 2.0, &SALOON_TAILS, &SALOON_BUMPERS))
    .chain(glasshouse_frame(CABIN_CENTRE, CABIN_SIZE, color))
    .collect();
    add_wheel_arches(&mut parts, 0.49 * w);
    Template {
        class: Class::Car,
        kitti_type: "Car",
        size: BoxSize {
            length_m: l as f64,
            height_m: h,
            width_m: w as f64,
        },
        parts,
    }
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

/// A rigid box truck's cab: centre and size of its `TruckCab` part (its
/// front 4 cm behind the box's, its sides 10 cm inside the box's: the
/// lamps, bumper and glass stand proud of it, the mirrors reach out to
/// the box's sides).
const TRUCK_CAB_CENTRE: Vec3 = Vec3::new(2.93, 1.875, 0.0);
const TRUCK_CAB_SIZE: Vec3 = Vec3::new(2.06, 2.25, 2.3);

/// The truck's box body, behind a 12 cm gap to the cab: its floor 1.05 m
/// up on the chassis, its roof the top of the label box.
const TRUCK_BOX_CENTRE: Vec3 = Vec3::new(-1.09, 2.225, 0.0);
const TRUCK_BOX_SIZE: Vec3 = Vec3::new(5.74, 2.35, 2.48);

fn truck(color: [f32; 3]) -> Template {
    let (l, w, h) = (8.0, 2.5, 3.4);
    let dark = [0.08, 0.08, 0.09];
    let silver = [0.6, 0.6, 0.62];
    let cube = |centre: Vec3, size: Vec3, colour: [f32; 3]| {
        part(Primitive::Cube, centre, size, colour, Class::Truck)
    };
    let (cab, cab_size) = (TRUCK_CAB_CENTRE, TRUCK_CAB_SIZE);
    let cab_front = cab.x + cab_size.x / 2.0;
    let cab_half_w = cab_size.z / 2.0;
    let at_cab = |p: [f32; 2]| Vec3::new(cab.x + p[0] * cab_size.x, cab.y + p[1] * cab_size.y, 0.0);
    // the windscreen over the raked upper face of the cab's profile, 1 cm
    // proud of it, as wide as the flat part of the front
    let lo = at_cab(TRUCK_CAB_PROFILE[2]);
    let hi = at_cab(TRUCK_CAB_PROFILE[3]);
    let slope = (hi - lo).normalize();
    let outward = Vec3::new(slope.y, -slope.x, 0.0);
    let windscreen = Part {
        local: Mat4::from_translation((lo + hi) / 2.0 + outward * 0.01)
            * Mat4::from_rotation_z(slope.y.atan2(slope.x))
            * Mat4::from_scale(Vec3::new((hi - lo).length() * 0.9, 0.02, 1.9)),
        ..cube(Vec3::ZERO, Vec3::ONE, GLASS)
    };
    let lamp = |x: f32, y: f32, z: f32, size: Vec3, colour: [f32; 3]| Part {
        light: Some(if x > 0.0 {
            VehicleLight::Head
        } else {
            VehicleLight::Tail
        }),
        ..cube(Vec3::new(x, y, z), size, colour)
    };
    let mut parts = vec![
        part(Primitive::TruckCab, cab, cab_size, color, Class::Truck),
        windscreen,
        // door windows, their sides 5 mm proud of the cab's flanks
        cube(
            Vec3::new(3.45, 2.27, 0.0),
            Vec3::new(0.6, 0.65, 2.0 * cab_half_w + 0.01),
            GLASS,
        ),
        // the grille under the windscreen and its three bright bars
        cube(
            Vec3::new(cab_front + 0.005, 1.5, 0.0),
            Vec3::new(0.01, 0.6, 1.5),
            dark,
        ),
        // the box body and its dark subframe on the chassis
        cube(TRUCK_BOX_CENTRE, TRUCK_BOX_SIZE, [0.85, 0.85, 0.82]),
        cube(
            Vec3::new(TRUCK_BOX_CENTRE.x, 1.0, 0.0),
            Vec3::new(TRUCK_BOX_SIZE.x, 0.1, 2.3),
            UNDERSIDE,
        ),
        // chassis rails from the front axle to the tail
        cube(
            Vec3::new(-0.6, 0.85, 0.0),
            Vec3::new(6.6, 0.3, 1.0),
            UNDERSIDE,
        ),
        // bumper, plate and head lamps
        cube(
            Vec3::new(cab_front + 0.005, 0.62, 0.0),
            Vec3::new(0.05, 0.3, 2.3),
            dark,
        ),
        cube(
            Vec3::new(l / 2.0 - 0.015, 0.62, 0.0),
            Vec3::new(0.03, 0.11, 0.52),
            [0.9, 0.9, 0.88],
        ),
        lamp(
            l / 2.0 - 0.02,
            0.95,
            0.8,
            Vec3::new(0.04, 0.18, 0.32),
            [0.92, 0.92, 0.85],
        ),
        lamp(
            l / 2.0 - 0.02,
            0.95,
            -0.8,
            Vec3::new(0.04, 0.18, 0.32),
            [0.92, 0.92, 0.85],
        ),
        // a tank on the right between the axles
        Part {
            local: Mat4::from_scale_rotation_translation(
                Vec3::new(0.56, 0.9, 0.56),
                Quat::from_rotation_z(std::f32::consts::FRAC_PI_2),
                Vec3::new(1.3, 0.75, 0.85),
            ),
            ..part(
                Primitive::Cylinder,
                Vec3::ZERO,
                Vec3::ONE,
                silver,
                Class::Truck,
            )
        },
        // rear wheels: twin tyres, drawn as one wide tyre each side
        thin_wheel(-2.5, 0.98, 0.5, 0.5, Class::Truck),
        thin_wheel(-2.5, -0.98, 0.5, 0.5, Class::Truck),
    ];
    for y in [1.3, 1.5, 1.7] {
        parts.push(cube(
            Vec3::new(cab_front + 0.012, y, 0.0),
            Vec3::new(0.004, 0.05, 1.4),
            silver,
        ));
    }
    for side in [-1.0f32, 1.0] {
        // mirrors on arms, reaching out to the box's sides
        parts.push(cube(
            Vec3::new(3.7, 2.3, side * 1.2025),
            Vec3::new(0.08, 0.5, 0.085),
            dark,
        ));
        parts.push(cube(
            Vec3::new(3.7, 2.5, side * 1.17),
            Vec3::new(0.04, 0.04, 0.1),
            dark,
        ));
        // the step under the door, side guards between the axles
        parts.push(cube(
            Vec3::new(3.3, 0.6, side * 1.05),
            Vec3::new(0.5, 0.08, 0.2),
            dark,
        ));
        for y in [0.55, 0.85] {
            parts.push(cube(
                Vec3::new(0.2, y, side * 1.2),
                Vec3::new(4.1, 0.08, 0.03),
                silver,
            ));
        }
    }
    // front wheels under the cab, in dark arches on its flanks
    let mut front_wheels = vec![
        thin_wheel(2.9, 1.1, 0.5, 0.25, Class::Truck),
        thin_wheel(2.9, -1.1, 0.5, 0.25, Class::Truck),
    ];
    add_wheel_arches(&mut front_wheels, cab_half_w);
    parts.extend(front_wheels);
    parts.extend(box_body_rear(dark, &lamp));
    let parts = with_class(parts, Class::Truck);
    Template {
        class: Class::Truck,
        kitti_type: "Truck",
        size: BoxSize {
            length_m: l as f64,
            height_m: h,
            width_m: w as f64,
        },
        parts,
    }
}

/// The back of a box truck (the body's rear face at x = -3.96): the rear
/// doors' seam, hinge strips and locking rods, an aluminium frame (corner
/// posts, roof rail) and a dark sill; under the body a crossmember
/// carrying the tail lamps and the plate, the underrun bar, and mud flaps
/// behind the rear wheels.
fn box_body_rear(
    dark: [f32; 3],
    lamp: &dyn Fn(f32, f32, f32, Vec3, [f32; 3]) -> Part,
) -> Vec<Part> {
    let rear = TRUCK_BOX_CENTRE.x - TRUCK_BOX_SIZE.x / 2.0;
    let (mid_y, door_h) = (TRUCK_BOX_CENTRE.y, TRUCK_BOX_SIZE.y);
    let cube = |x: f32, y: f32, z: f32, size: Vec3, colour: [f32; 3]| {
        part(
            Primitive::Cube,
            Vec3::new(x, y, z),
            size,
            colour,
            Class::Truck,
        )
    };
    let rods = [0.45, 0.45, 0.47];
    let mut parts = vec![
        // the doors: the seam between them, hinge strips at the edges
        cube(
            rear - 0.006,
            mid_y,
            0.0,
            Vec3::new(0.012, door_h - 0.1, 0.025),
            dark,
        ),
        cube(
            rear - 0.006,
            mid_y,
            1.1,
            Vec3::new(0.012, door_h - 0.1, 0.04),
            dark,
        ),
        cube(
            rear - 0.006,
            mid_y,
            -1.1,
            Vec3::new(0.012, door_h - 0.1, 0.04),
            dark,
        ),
        // two locking rods
        cube(
            rear - 0.007,
            mid_y,
            0.35,
            Vec3::new(0.014, door_h - 0.2, 0.03),
            rods,
        ),
        cube(
            rear - 0.007,
            mid_y,
            -0.35,
            Vec3::new(0.014, door_h - 0.2, 0.03),
            rods,
        ),
        // the frame: corner posts, roof rail, sill
        cube(
            rear - 0.008,
            mid_y,
            1.19,
            Vec3::new(0.016, door_h, 0.1),
            FRAME,
        ),
        cube(
            rear - 0.008,
            mid_y,
            -1.19,
            Vec3::new(0.016, door_h, 0.1),
            FRAME,
        ),
        cube(rear - 0.009, 3.33, 0.0, Vec3::new(0.018, 0.1, 2.46), FRAME),
        cube(rear - 0.009, 1.11, 0.0, Vec3::new(0.018, 0.12, 2.46), dark),
        // the crossmember with the tail lamps and the plate, the underrun bar
        cube(rear + 0.03, 0.85, 0.0, Vec3::new(0.06, 0.22, 2.3), dark),
        cube(
            rear - 0.025,
            0.85,
            0.0,
            Vec3::new(0.03, 0.11, 0.52),
            [0.9, 0.9, 0.88],
        ),
        cube(rear - 0.01, 0.5, 0.0, Vec3::new(0.06, 0.1, 2.3), dark),
        // mud flaps behind the rear wheels
        cube(-3.2, 0.45, 1.0, Vec3::new(0.02, 0.55, 0.45), dark),
        cube(-3.2, 0.45, -1.0, Vec3::new(0.02, 0.55, 0.45), dark),
    ];
    for side in [-1.0f32, 1.0] {
        parts.push(lamp(
            rear - 0.02,
            0.85,
            side * 0.95,
            Vec3::new(0.04, 0.15, 0.34),
            [0.65, 0.04, 0.04],
        ));
    }
    parts
}

//! The rigid box truck: a shaped cab with its glass, grille, lamps and
//! mirrors on a chassis, the box body behind it and its rear frame.

use super::*;
use crate::core::mesh::TRUCK_CAB_PROFILE;

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

/// Dark trim (grille, bumper, mirrors, steps) and bright metal (bars,
/// tank, guards).
const DARK: [f32; 3] = [0.08, 0.08, 0.09];
const SILVER: [f32; 3] = [0.6, 0.6, 0.62];

/// A box of the truck.
fn cube(centre: Vec3, size: Vec3, colour: [f32; 3]) -> Part {
    part(Primitive::Cube, centre, size, colour, Class::Truck)
}

/// A lamp with its indicator (`lamp_cluster`): head lamps ahead of the
/// centre, tail lamps behind it.
fn lamp(x: f32, y: f32, z: f32, size: Vec3, colour: [f32; 3]) -> [Part; 2] {
    let light = if x > 0.0 {
        VehicleLight::Head
    } else {
        VehicleLight::Tail
    };
    super::lamp_cluster(light, Vec3::new(x, y, z), size, colour, Class::Truck)
}

/// Height of the box body's floor (its top face) with the back open, m:
/// where a load rides.
pub(super) const TRUCK_LOAD_FLOOR_M: f32 =
    TRUCK_BOX_CENTRE.y - TRUCK_BOX_SIZE.y / 2.0 + OPEN_BOX_WALL_M;

/// The walls, roof and floor of a box body open at the back, m thick.
const OPEN_BOX_WALL_M: f32 = 0.04;

/// A rigid box truck; `open_back`: its rear doors are open (a load on the
/// box's floor shows, and can fall out).
pub(super) fn truck(color: [f32; 3], open_back: bool) -> Template {
    let (l, w, h) = (8.0, 2.5, 3.4);
    let parts = truck_cab(color, l / 2.0)
        .into_iter()
        .chain(truck_chassis(open_back))
        .chain(box_body_rear(open_back))
        .collect();
    Template {
        class: Class::Truck,
        kitti_type: "Truck",
        size: BoxSize {
            length_m: l as f64,
            height_m: h,
            width_m: w,
        },
        parts: with_class(parts, Class::Truck),
    }
}

/// The cab in `color` (its front `front_m` ahead of the centre, with the
/// bumper): windscreen, door windows, grille, bumper, plate, head lamps,
/// mirrors on arms, steps, and the front wheels in dark arches.
fn truck_cab(color: [f32; 3], front_m: f32) -> Vec<Part> {
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
    let head = [0.92, 0.92, 0.85];
    let mut parts = vec![
        part(Primitive::TruckCab, cab, cab_size, color, Class::Truck),
        windscreen,
        // door windows, their sides 5 mm proud of the cab's flanks
        cube(
            Vec3::new(3.45, 2.27, 0.0),
            Vec3::new(0.6, 0.65, 2.0 * cab_half_w + 0.01),
            GLASS,
        ),
        // the grille under the windscreen
        cube(
            Vec3::new(cab_front + 0.005, 1.5, 0.0),
            Vec3::new(0.01, 0.6, 1.5),
            DARK,
        ),
        // bumper, plate and head lamps
        cube(
            Vec3::new(cab_front + 0.005, 0.62, 0.0),
            Vec3::new(0.05, 0.3, 2.3),
            DARK,
        ),
        cube(
            Vec3::new(front_m - 0.015, 0.62, 0.0),
            Vec3::new(0.03, 0.11, 0.52),
            [0.9, 0.9, 0.88],
        ),
    ];
    for side in [-1.0f32, 1.0] {
        parts.extend(lamp(
            front_m - 0.02,
            0.95,
            side * 0.8,
            Vec3::new(0.04, 0.18, 0.32),
            head,
        ));
    }
    // the grille's three bright bars
    for y in [1.3, 1.5, 1.7] {
        parts.push(cube(
            Vec3::new(cab_front + 0.012, y, 0.0),
            Vec3::new(0.004, 0.05, 1.4),
            SILVER,
        ));
    }
    for side in [-1.0f32, 1.0] {
        // mirrors on arms, reaching out to the box's sides
        parts.push(cube(
            Vec3::new(3.7, 2.3, side * 1.2025),
            Vec3::new(0.08, 0.5, 0.085),
            DARK,
        ));
        parts.push(cube(
            Vec3::new(3.7, 2.5, side * 1.17),
            Vec3::new(0.04, 0.04, 0.1),
            DARK,
        ));
        // the step under the door
        parts.push(cube(
            Vec3::new(3.3, 0.6, side * 1.05),
            Vec3::new(0.5, 0.08, 0.2),
            DARK,
        ));
    }
    // front wheels under the cab, in dark arches on its flanks
    let mut front_wheels = vec![
        thin_wheel(2.9, 1.1, 0.5, 0.25, Class::Truck),
        thin_wheel(2.9, -1.1, 0.5, 0.25, Class::Truck),
    ];
    add_wheel_arches(&mut front_wheels, cab_half_w);
    parts.extend(front_wheels);
    parts
}

/// The box body on its subframe, the chassis rails, a tank, the twin rear
/// wheels and the side guards between the axles.
fn truck_chassis(open_back: bool) -> Vec<Part> {
    let mut parts = box_body(open_back);
    parts.extend([
        // the box body's dark subframe on the chassis
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
                SILVER,
                Class::Truck,
            )
        },
        // rear wheels: twin tyres, drawn as one wide tyre each side
        thin_wheel(-2.5, 0.98, 0.5, 0.5, Class::Truck),
        thin_wheel(-2.5, -0.98, 0.5, 0.5, Class::Truck),
    ]);
    // side guards between the axles
    for side in [-1.0f32, 1.0] {
        for y in [0.55, 0.85] {
            parts.push(cube(
                Vec3::new(0.2, y, side * 1.2),
                Vec3::new(4.1, 0.08, 0.03),
                SILVER,
            ));
        }
    }
    parts
}

/// The box body: one closed box, or with the back open a shell of floor,
/// roof, side and front walls (the same outside, hollow behind).
fn box_body(open_back: bool) -> Vec<Part> {
    const WHITE: [f32; 3] = [0.85, 0.85, 0.82];
    if !open_back {
        return vec![cube(TRUCK_BOX_CENTRE, TRUCK_BOX_SIZE, WHITE)];
    }
    let (c, size, t) = (TRUCK_BOX_CENTRE, TRUCK_BOX_SIZE, OPEN_BOX_WALL_M);
    let half = size / 2.0;
    // the inside is lined dark (plywood in the box's shade): seen through
    // the open back it reads as a hollow, not as a white wall
    const LINING: [f32; 3] = [0.2, 0.18, 0.16];
    let lining = |centre: Vec3, size: Vec3| cube(centre, size, LINING);
    let inner = size - Vec3::splat(2.0 * t);
    vec![
        lining(
            c + Vec3::Y * (half.y - t - 0.005),
            Vec3::new(size.x - t, 0.01, inner.z),
        ),
        lining(
            c + Vec3::Z * (half.z - t - 0.005),
            Vec3::new(size.x - t, inner.y, 0.01),
        ),
        lining(
            c - Vec3::Z * (half.z - t - 0.005),
            Vec3::new(size.x - t, inner.y, 0.01),
        ),
        lining(
            c + Vec3::X * (half.x - t - 0.005),
            Vec3::new(0.01, inner.y, inner.z),
        ),
        // floor and roof
        cube(
            c - Vec3::Y * (half.y - t / 2.0),
            Vec3::new(size.x, t, size.z),
            [0.35, 0.33, 0.3],
        ),
        cube(
            c + Vec3::Y * (half.y - t / 2.0),
            Vec3::new(size.x, t, size.z),
            WHITE,
        ),
        // side walls and the front wall
        cube(
            c + Vec3::Z * (half.z - t / 2.0),
            Vec3::new(size.x, size.y, t),
            WHITE,
        ),
        cube(
            c - Vec3::Z * (half.z - t / 2.0),
            Vec3::new(size.x, size.y, t),
            WHITE,
        ),
        cube(
            c + Vec3::X * (half.x - t / 2.0),
            Vec3::new(t, size.y, size.z),
            WHITE,
        ),
    ]
}

/// The back of a box truck (the body's rear face at x = -3.96): the rear
/// doors' seam, hinge strips and locking rods, an aluminium frame (corner
/// posts, roof rail) and a dark sill; under the body a crossmember
/// carrying the tail lamps and the plate, the underrun bar, and mud flaps
/// behind the rear wheels.
fn box_body_rear(open_back: bool) -> Vec<Part> {
    let dark = DARK;
    let rear = TRUCK_BOX_CENTRE.x - TRUCK_BOX_SIZE.x / 2.0;
    let (mid_y, door_h) = (TRUCK_BOX_CENTRE.y, TRUCK_BOX_SIZE.y);
    let slab = |x: f32, y: f32, z: f32, size: Vec3, colour: [f32; 3]| {
        part(
            Primitive::Cube,
            Vec3::new(x, y, z),
            size,
            colour,
            Class::Truck,
        )
    };
    let rods = [0.45, 0.45, 0.47];
    let doors = vec![
        // the doors: the seam between them, hinge strips at the edges
        slab(
            rear - 0.006,
            mid_y,
            0.0,
            Vec3::new(0.012, door_h - 0.1, 0.025),
            dark,
        ),
        slab(
            rear - 0.006,
            mid_y,
            1.1,
            Vec3::new(0.012, door_h - 0.1, 0.04),
            dark,
        ),
        slab(
            rear - 0.006,
            mid_y,
            -1.1,
            Vec3::new(0.012, door_h - 0.1, 0.04),
            dark,
        ),
        // two locking rods
        slab(
            rear - 0.007,
            mid_y,
            0.35,
            Vec3::new(0.014, door_h - 0.2, 0.03),
            rods,
        ),
        slab(
            rear - 0.007,
            mid_y,
            -0.35,
            Vec3::new(0.014, door_h - 0.2, 0.03),
            rods,
        ),
    ];
    let mut parts = if open_back { Vec::new() } else { doors };
    parts.extend([
        // the frame: corner posts, roof rail, sill
        slab(
            rear - 0.008,
            mid_y,
            1.19,
            Vec3::new(0.016, door_h, 0.1),
            FRAME,
        ),
        slab(
            rear - 0.008,
            mid_y,
            -1.19,
            Vec3::new(0.016, door_h, 0.1),
            FRAME,
        ),
        slab(rear - 0.009, 3.33, 0.0, Vec3::new(0.018, 0.1, 2.46), FRAME),
        slab(rear - 0.009, 1.11, 0.0, Vec3::new(0.018, 0.12, 2.46), dark),
        // the crossmember with the tail lamps and the plate, the underrun bar
        slab(rear + 0.03, 0.85, 0.0, Vec3::new(0.06, 0.22, 2.3), dark),
        slab(
            rear - 0.025,
            0.85,
            0.0,
            Vec3::new(0.03, 0.11, 0.52),
            [0.9, 0.9, 0.88],
        ),
        slab(rear - 0.01, 0.5, 0.0, Vec3::new(0.06, 0.1, 2.3), dark),
        // mud flaps behind the rear wheels
        slab(-3.2, 0.45, 1.0, Vec3::new(0.02, 0.55, 0.45), dark),
        slab(-3.2, 0.45, -1.0, Vec3::new(0.02, 0.55, 0.45), dark),
    ]);
    for side in [-1.0f32, 1.0] {
        parts.extend(lamp(
            rear - 0.02,
            0.85,
            side * 0.95,
            Vec3::new(0.04, 0.15, 0.34),
            [0.65, 0.04, 0.04],
        ));
    }
    parts
}

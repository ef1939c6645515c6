//! The city bus: a 12 m rigid body with a band of side windows between
//! painted pillars, a tall windscreen under a destination display, glazed
//! doors on the kerb side, two axles (twin tyres at the back) and its ends.

use super::*;

/// The bus's size along its axes, metres: length (x), height (y), width (z).
const BUS_SIZE: Vec3 = Vec3::new(12.0, 3.1, 2.55);

/// The body's sill: the dark underside and tyres show under it.
const SILL_M: f32 = 0.35;

/// A bus's lamps: tall clusters low in the rear corners.
const BUS_TAILS: TailLamps = TailLamps {
    y: 0.95,
    height: 0.4,
    width: 0.18,
    z: 1.0,
};

/// A bus's bumpers and plates: deep, dark, the body's width.
const BUS_BUMPERS: Bumpers = Bumpers {
    y: 0.45,
    height: 0.25,
    width: 2.45,
    rear_plate_y: 0.75,
    front_plate_y: 0.45,
    head_lamp_y: 0.8,
};

/// A box of the bus.
fn cube(centre: Vec3, size: Vec3, colour: [f32; 3]) -> Part {
    part(Primitive::Cube, centre, size, colour, Class::Bus)
}

pub(super) fn bus(color: [f32; 3]) -> Template {
    let (l, w, h) = (BUS_SIZE.x, BUS_SIZE.z, BUS_SIZE.y);
    let body_h = h - SILL_M;
    let body_w = w - 0.02;
    let flank = 0.49 * body_w;
    let front = l / 2.0 - 0.02;
    let mut parts = vec![
        part(
            Primitive::BusBody,
            Vec3::new(0.0, SILL_M + body_h / 2.0, 0.0),
            Vec3::new(l - 0.04, body_h, body_w),
            color,
            Class::Bus,
        ),
        // the band of side windows, its sides 5 mm proud of the flanks
        cube(
            Vec3::new(-0.3, 2.1, 0.0),
            Vec3::new(10.4, 1.3, 2.0 * flank + 0.01),
            GLASS,
        ),
        // the windscreen and the destination display over it
        cube(
            Vec3::new(front + 0.005, 1.85, 0.0),
            Vec3::new(0.01, 1.75, 2.3),
            GLASS,
        ),
        cube(
            Vec3::new(front + 0.012, 2.85, 0.0),
            Vec3::new(0.004, 0.22, 1.6),
            [0.95, 0.55, 0.08],
        ),
        // the rear window
        cube(
            Vec3::new(-front - 0.005, 2.35, 0.0),
            Vec3::new(0.01, 0.8, 1.9),
            GLASS,
        ),
        // the dark underside between the axles
        underside_slab(0.6, 5.0, SILL_M, w, Class::Bus),
        // the tyres' outer faces 2 cm proud of the flanks and 1.5 cm
        // inside the box's sides, as a car's, so the whole wheel shows in
        // its arch (inside the flank only the part under the sill showed)
        // and the box touches the bus
        thin_wheel(3.9, 1.11, 0.5, 0.3, Class::Bus),
        thin_wheel(3.9, -1.11, 0.5, 0.3, Class::Bus),
        // rear wheels: twin tyres, drawn as one wide tyre each side
        thin_wheel(-2.6, 1.01, 0.5, 0.5, Class::Bus),
        thin_wheel(-2.6, -1.01, 0.5, 0.5, Class::Bus),
    ];
    // painted pillars between the side windows, 5 mm proud of the glass
    for k in 0..9 {
        let x = -5.4 + k as f32 * 1.25;
        parts.push(cube(
            Vec3::new(x, 2.1, 0.0),
            Vec3::new(0.12, 1.3, 2.0 * flank + 0.02),
            color,
        ));
    }
    // glazed doors on the kerb side (+z): behind the front axle's overhang
    // and in the middle, their glass 8 mm proud of the flank
    for (x, width) in [(5.05, 1.1), (0.2, 1.3)] {
        parts.push(cube(
            Vec3::new(x, 1.5, flank + 0.004),
            Vec3::new(width, 2.2, 0.016),
            GLASS,
        ));
    }
    parts.extend(with_class(
        car_ends(l / 2.0, &BUS_TAILS, &BUS_BUMPERS),
        Class::Bus,
    ));
    add_wheel_arches(&mut parts, flank);
    Template {
        class: Class::Bus,
        // KITTI has no bus: its catch-all for other vehicles
        kitti_type: "Misc",
        size: BoxSize {
            length_m: l as f64,
            height_m: h as f64,
            width_m: w as f64,
        },
        parts: with_class(parts, Class::Bus),
    }
}

//! Cars: the body styles (saloon, hatchback, estate, SUV), each a shaped
//! lower body, a glasshouse in painted pillars, a roof and its ends; and
//! the driver door of a parked car.

use super::*;
use crate::core::mesh::{CAR_CABIN_HALF_WIDTHS, CAR_CABIN_PROFILE, TAILGATE_CABIN_PROFILE};

/// A saloon's: low, wide clusters either side of the boot lid.
const SALOON_TAILS: TailLamps = TailLamps {
    y: 0.70,
    height: 0.12,
    width: 0.30,
    z: 0.64,
};

/// A hatchback's and an estate's: at the tailgate's corners, above the
/// bumper.
const TAILGATE_TAILS: TailLamps = TailLamps {
    y: 0.80,
    height: 0.14,
    width: 0.28,
    z: 0.62,
};

/// An SUV's: high on the rear corners.
const SUV_TAILS: TailLamps = TailLamps {
    y: 1.0,
    height: 0.15,
    width: 0.30,
    z: 0.68,
};

/// A saloon's: slim, under the lamps.
const SALOON_BUMPERS: Bumpers = Bumpers {
    y: 0.36,
    height: 0.12,
    width: 1.7,
    rear_plate_y: 0.52,
    front_plate_y: 0.47,
    head_lamp_y: 0.60,
};

/// A hatchback's and an estate's: as the saloon's, a little narrower.
const HATCH_BUMPERS: Bumpers = Bumpers {
    width: 1.66,
    ..SALOON_BUMPERS
};

/// An SUV's: high and deep, dark plastic.
const SUV_BUMPERS: Bumpers = Bumpers {
    y: 0.52,
    height: 0.18,
    width: 1.78,
    rear_plate_y: 0.74,
    front_plate_y: 0.66,
    head_lamp_y: 0.84,
};

/// A car's front door, shut, and how it opens: the driver's (left side),
/// or with `right` the front passenger's. From the B-pillar forward to the
/// windscreen's foot (at most 1.1 m), from just above the sill to just
/// under the belt line, its outer face 2 mm inside the label box's side
/// (the flank leans in below it).
pub fn car_door(kind: VehicleKind, color: [f32; 3], right: bool) -> (Part, DoorPart) {
    let style = car_style(kind);
    let half_w = style.width_m / 2.0;
    let (sill, belt) = (
        style.body_y - style.body_h / 2.0,
        style.body_y + style.body_h / 2.0,
    );
    let (bottom, top) = (sill + 0.05, belt - 0.02);
    let (from, windscreen_foot) = (
        style.b_pillar_x + 0.06,
        style.cabin_centre.x + style.cabin_size.x / 2.0,
    );
    let dims = Vec3::new((windscreen_foot - from).min(1.1), top - bottom, 0.02);
    // the car's left is -Z
    let outward = if right { 1.0 } else { -1.0 };
    let z = outward * (half_w - 0.012);
    let centre = Vec3::new(from + dims.x / 2.0, (bottom + top) / 2.0, z);
    let closed = Mat4::from_scale_rotation_translation(dims, Quat::IDENTITY, centre);
    let hinge = Vec3::new(centre.x + dims.x / 2.0, 0.0, z);
    (
        Part {
            primitive: Primitive::Cube,
            local: closed,
            color,
            class: Class::Car,
            light: None,
            pattern: crate::core::body::TopPattern::Plain,
        },
        DoorPart {
            closed,
            hinge,
            outward,
        },
    )
}

/// The door mirrors: a painted housing either side at the foot of the
/// A-pillar, reaching from the glasshouse out to 5 mm inside the label
/// box's side, with a dark glass on its back.
fn door_mirrors(style: &CarStyle, color: [f32; 3]) -> Vec<Part> {
    let belt = style.cabin_centre.y - style.cabin_size.y / 2.0;
    let x = style.cabin_centre.x + style.cabin_size.x * 0.38;
    let inner = style.cabin_size.z / 2.0 * CAR_CABIN_HALF_WIDTHS[0] * 2.0 - 0.02;
    let outer = style.width_m / 2.0 - 0.005;
    let (reach, mid) = (outer - inner, (outer + inner) / 2.0);
    let mut parts = Vec::new();
    for side in [-1.0f32, 1.0] {
        parts.push(part(
            Primitive::Cube,
            Vec3::new(x, belt + 0.1, side * mid),
            Vec3::new(0.1, 0.11, reach),
            color,
            Class::Car,
        ));
        // the mirror glass, facing back, 3 mm behind the housing
        parts.push(part(
            Primitive::Cube,
            Vec3::new(x - 0.0515, belt + 0.1, side * (mid + 0.005)),
            Vec3::new(0.003, 0.085, reach - 0.02),
            GLASS,
            Class::Car,
        ));
    }
    parts
}

/// The body style of a car kind (an undrawn `Car` is a saloon).
pub(super) fn car_style(kind: VehicleKind) -> &'static CarStyle {
    match kind {
        VehicleKind::Hatchback => &HATCHBACK,
        VehicleKind::Estate => &ESTATE,
        VehicleKind::Suv => &SUV,
        VehicleKind::Pickup => &PICKUP,
        _ => &SALOON,
    }
}

/// A car's body style: its size, lower body, glasshouse, roof, B-pillar,
/// wheels and ends. Metres, in the car's frame (x forward, y up, origin on
/// the ground under the box's centre).
pub(super) struct CarStyle {
    length_m: f32,
    width_m: f32,
    height_m: f32,
    /// The lower body (hood, flanks, boot or tailgate): its primitive,
    /// centre height and height.
    body: Primitive,
    body_y: f32,
    body_h: f32,
    /// The glasshouse: its primitive and side profile, centre and size.
    cabin: Primitive,
    cabin_profile: &'static [[f32; 2]; 4],
    cabin_centre: Vec3,
    cabin_size: Vec3,
    /// The painted roof panel: centre x and length (over the glasshouse's
    /// flat top), its top 5 mm above the glass.
    roof_x: f32,
    roof_len: f32,
    b_pillar_x: f32,
    /// Wheel centres at +-`wheel_x` along and +-`wheel_z` across.
    wheel_x: f32,
    wheel_z: f32,
    wheel_r: f32,
    tails: TailLamps,
    bumpers: Bumpers,
    /// Roof rails (SUVs) and the dark underside showing under a high sill.
    roof_rails: bool,
    underside: bool,
    /// An open load bed behind the cab (pickups): walls on the body's top
    /// from its tail to the cab.
    bed: bool,
}

/// A three-box saloon, 4.5 m.
const SALOON: CarStyle = CarStyle {
    length_m: 4.5,
    width_m: 1.8,
    height_m: 1.5,
    body: Primitive::CarBody,
    body_y: 0.62,
    body_h: 0.64,
    cabin: Primitive::CarCabin,
    cabin_profile: &CAR_CABIN_PROFILE,
    cabin_centre: Vec3::new(-0.415, 1.2175, 0.0),
    cabin_size: Vec3::new(2.47, 0.555, 1.66),
    roof_x: -0.66,
    roof_len: 0.98,
    b_pillar_x: -0.3,
    wheel_x: 1.4,
    wheel_z: 0.77,
    wheel_r: 0.33,
    tails: SALOON_TAILS,
    bumpers: SALOON_BUMPERS,
    roof_rails: false,
    underside: false,
    bed: false,
};

/// A hatchback, 4.1 m: the glasshouse runs to the tail.
const HATCHBACK: CarStyle = CarStyle {
    length_m: 4.1,
    width_m: 1.76,
    height_m: 1.48,
    body: Primitive::TailgateBody,
    body_y: 0.61,
    body_h: 0.62,
    cabin: Primitive::TailgateCabin,
    cabin_profile: &TAILGATE_CABIN_PROFILE,
    cabin_centre: Vec3::new(-0.64, 1.1975, 0.0),
    cabin_size: Vec3::new(2.78, 0.555, 1.62),
    roof_x: -0.96,
    roof_len: 1.82,
    b_pillar_x: -0.55,
    wheel_x: 1.28,
    wheel_z: 0.75,
    wheel_r: 0.31,
    tails: TAILGATE_TAILS,
    bumpers: HATCH_BUMPERS,
    roof_rails: false,
    underside: false,
    bed: false,
};

/// An estate (station wagon), 4.75 m: a long roof to an upright tailgate.
const ESTATE: CarStyle = CarStyle {
    length_m: 4.75,
    width_m: 1.82,
    height_m: 1.5,
    body: Primitive::TailgateBody,
    body_y: 0.62,
    body_h: 0.64,
    cabin: Primitive::TailgateCabin,
    cabin_profile: &TAILGATE_CABIN_PROFILE,
    cabin_centre: Vec3::new(-0.7525, 1.2175, 0.0),
    cabin_size: Vec3::new(3.205, 0.555, 1.68),
    roof_x: -1.12,
    roof_len: 2.12,
    b_pillar_x: -0.45,
    wheel_x: 1.42,
    wheel_z: 0.78,
    wheel_r: 0.33,
    tails: TAILGATE_TAILS,
    bumpers: HATCH_BUMPERS,
    roof_rails: false,
    underside: false,
    bed: false,
};

/// A mid-size SUV, 4.6 m: tall body on big wheels, high sill.
const SUV: CarStyle = CarStyle {
    length_m: 4.6,
    width_m: 1.86,
    height_m: 1.7,
    body: Primitive::TailgateBody,
    body_y: 0.76,
    body_h: 0.68,
    cabin: Primitive::TailgateCabin,
    cabin_profile: &TAILGATE_CABIN_PROFILE,
    cabin_centre: Vec3::new(-0.78, 1.39, 0.0),
    cabin_size: Vec3::new(3.0, 0.58, 1.72),
    roof_x: -1.125,
    roof_len: 1.98,
    b_pillar_x: -0.55,
    wheel_x: 1.38,
    wheel_z: 0.8,
    wheel_r: 0.37,
    tails: SUV_TAILS,
    bumpers: SUV_BUMPERS,
    roof_rails: true,
    underside: true,
    bed: false,
};

/// A double-cab pickup, 5.3 m: a short glasshouse over the cab, an open
/// bed behind it, high on big wheels.
const PICKUP: CarStyle = CarStyle {
    length_m: 5.3,
    width_m: 1.86,
    height_m: 1.8,
    body: Primitive::TailgateBody,
    body_y: 0.75,
    body_h: 0.6,
    cabin: Primitive::TailgateCabin,
    cabin_profile: &TAILGATE_CABIN_PROFILE,
    // the glasshouse from the body's top (1.05 m) to 5 mm under the roof
    // panel's top, which is the box's: 1.8 m
    cabin_centre: Vec3::new(0.28, 1.42, 0.0),
    cabin_size: Vec3::new(1.7, 0.74, 1.72),
    roof_x: 0.085,
    roof_len: 1.12,
    b_pillar_x: 0.25,
    wheel_x: 1.65,
    wheel_z: 0.8,
    wheel_r: 0.4,
    tails: PICKUP_TAILS,
    bumpers: PICKUP_BUMPERS,
    roof_rails: false,
    underside: true,
    bed: true,
};

/// A pickup's: upright lamps at the bed's rear corners.
const PICKUP_TAILS: TailLamps = TailLamps {
    y: 1.1,
    height: 0.3,
    width: 0.1,
    z: 0.85,
};

/// A pickup's: a deep step bumper, head lamps high.
const PICKUP_BUMPERS: Bumpers = Bumpers {
    y: 0.55,
    height: 0.18,
    width: 1.8,
    rear_plate_y: 0.76,
    front_plate_y: 0.6,
    head_lamp_y: 0.95,
};

/// The top of a car's body, m: a pickup's load bed floor.
pub(super) fn load_bed_floor_m(kind: VehicleKind) -> f32 {
    let style = car_style(kind);
    style.body_y + style.body_h / 2.0
}

/// A pickup's load bed: side walls and a tailgate, 0.28 m tall, on the
/// body's top from its tail to the cab's back.
fn load_bed(style: &CarStyle, color: [f32; 3]) -> Vec<Part> {
    const WALL_H: f32 = 0.28;
    const THICK: f32 = 0.05;
    let top = style.body_y + style.body_h / 2.0;
    let tail = -(style.length_m / 2.0 - 0.02);
    let cab_back = style.cabin_centre.x - style.cabin_size.x / 2.0;
    // on the body's rounded shoulders, flush with them
    let z = 0.465 * style.width_m - THICK / 2.0;
    let y = top + WALL_H / 2.0;
    let mut parts: Vec<Part> = [-1.0f32, 1.0]
        .into_iter()
        .map(|side| {
            part(
                Primitive::Cube,
                Vec3::new((tail + cab_back) / 2.0, y, side * z),
                Vec3::new(cab_back - tail, WALL_H, THICK),
                color,
                Class::Car,
            )
        })
        .collect();
    parts.push(part(
        Primitive::Cube,
        Vec3::new(tail + THICK / 2.0, y, 0.0),
        Vec3::new(THICK, WALL_H, 2.0 * z + THICK),
        color,
        Class::Car,
    ));
    parts
}

/// The painted frame around a glasshouse's windscreen and rear window: a
/// pillar up each side edge of both raked faces (A and C pillars) and a
/// band under the roof line, 1 mm to 11 mm proud of the glass. A real
/// car's glass sits in painted pillars; without them the glasshouse reads
/// as one dark block from behind or ahead.
fn glasshouse_frame(
    profile: &[[f32; 2]; 4],
    centre: Vec3,
    size: Vec3,
    color: [f32; 3],
) -> Vec<Part> {
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
        let (b, t) = (profile[from], profile[to]);
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

/// A car of `style`: shaped body, glasshouse, roof, wheels and its ends.
pub(super) fn car(style: &CarStyle, color: [f32; 3]) -> Template {
    let (l, w, h) = (style.length_m, style.width_m, style.height_m);
    let (x, z, r) = (style.wheel_x, style.wheel_z, style.wheel_r);
    let cabin_top = style.cabin_centre.y + style.cabin_size.y / 2.0;
    let mut parts: Vec<Part> = vec![
        // lower body with hood and boot or tailgate, glasshouse, painted
        // roof (its top 5 mm above the glass: no two faces in one plane)
        // 2 cm short of the box at each end: lamps, plates and
        // bumpers stand proud of it
        part(
            style.body,
            Vec3::new(0.0, style.body_y, 0.0),
            Vec3::new(l - 0.04, style.body_h, w),
            color,
            Class::Car,
        ),
        part(
            style.cabin,
            style.cabin_centre,
            style.cabin_size,
            GLASS,
            Class::Car,
        ),
        part(
            Primitive::Cube,
            Vec3::new(style.roof_x, cabin_top - 0.015, 0.0),
            Vec3::new(style.roof_len, 0.04, style.cabin_size.z * 0.8 - 0.028),
            color,
            Class::Car,
        ),
        // the B-pillar between the side windows: a slice of the
        // glasshouse's shape, painted, its sides 5 mm proud of the glass
        part(
            style.cabin,
            Vec3::new(style.b_pillar_x, style.cabin_centre.y, 0.0),
            Vec3::new(0.12, style.cabin_size.y, style.cabin_size.z + 0.01),
            color,
            Class::Car,
        ),
        wheel(x, z, r),
        wheel(x, -z, r),
        wheel(-x, z, r),
        wheel(-x, -z, r),
    ]
    .into_iter()
    .chain(car_ends(l / 2.0, &style.tails, &style.bumpers))
    .chain(glasshouse_frame(
        style.cabin_profile,
        style.cabin_centre,
        style.cabin_size,
        color,
    ))
    .collect();
    parts.extend(door_mirrors(style, color));
    if style.bed {
        parts.extend(load_bed(style, color));
    }
    if style.roof_rails {
        // two dark rails along the roof's edges, their tops the box's top
        for side in [-1.0f32, 1.0] {
            parts.push(part(
                Primitive::Cube,
                Vec3::new(style.roof_x, h - 0.015, side * style.cabin_size.z * 0.36),
                Vec3::new(style.roof_len * 0.9, 0.03, 0.05),
                UNDERSIDE,
                Class::Car,
            ));
        }
    }
    if style.underside {
        // the dark underside between the wheels, under a high sill
        let sill = style.body_y - style.body_h / 2.0;
        parts.push(underside_slab(0.0, 2.0 * x - 2.0 * r, sill, w, Class::Car));
    }
    add_wheel_arches(&mut parts, 0.49 * w);
    Template {
        class: Class::Car,
        kitti_type: "Car",
        size: BoxSize {
            length_m: l as f64,
            height_m: h as f64,
            width_m: w as f64,
        },
        parts,
    }
}

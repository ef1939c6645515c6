//! What objects are made of: each kind is a few convex parts (box, cylinder,
//! sphere, cone) in its local frame (+X forward, +Y up, origin at the
//! footprint centre on the ground), plus its label box size.

use crate::core::classes::Class;
pub use crate::core::mesh::Primitive;
use crate::core::mesh::VAN_BODY_PROFILE;
use crate::scenario::{PropKind, VehicleKind};
use glam::{Mat4, Quat, Vec3};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Part {
    pub primitive: Primitive,
    /// Object-local transform of the unit primitive.
    pub local: Mat4,
    pub color: [f32; 3],
    pub class: Class,
    /// A vehicle's lamp: lit at night (and the tail lamps when braking).
    pub light: Option<VehicleLight>,
}

/// Which lamp of a vehicle a part is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VehicleLight {
    Head,
    Tail,
}

fn part(primitive: Primitive, center: Vec3, size: Vec3, color: [f32; 3], class: Class) -> Part {
    Part {
        primitive,
        local: Mat4::from_scale_rotation_translation(size, Quat::IDENTITY, center),
        color,
        class,
        light: None,
    }
}

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

/// A rim inside every tyre of a vehicle: 62% of the tyre's radius, its
/// faces 0.25 mm proud of the tyre's (no two faces in one plane).
fn add_rims(parts: &mut Vec<Part>) {
    let rims: Vec<Part> = parts
        .iter()
        .filter(|p| p.primitive == Primitive::Cylinder && p.color == TYRE)
        .map(|p| Part {
            local: p.local * Mat4::from_scale(Vec3::new(0.62, 1.002, 0.62)),
            color: RIM,
            ..*p
        })
        .collect();
    parts.extend(rims);
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

/// Label box size (length, height, width), metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoxSize {
    pub length_m: f64,
    pub height_m: f64,
    pub width_m: f64,
}

pub struct Template {
    pub class: Class,
    pub kitti_type: &'static str,
    pub size: BoxSize,
    pub parts: Vec<Part>,
}

fn with_class(mut parts: Vec<Part>, class: Class) -> Vec<Part> {
    for p in &mut parts {
        p.class = class;
    }
    parts
}

/// Dark tinted glass.
const GLASS: [f32; 3] = [0.12, 0.14, 0.17];

/// A car's ends, `half_length_m` from its centre: tail lamps, head lamps,
/// number plates and dark bumpers, 2 cm proud of the body.
fn car_ends(half_length_m: f32) -> Vec<Part> {
    let tail = [0.65, 0.04, 0.04];
    let head = [0.92, 0.92, 0.85];
    let plate = [0.9, 0.9, 0.88];
    let bumper = [0.08, 0.08, 0.09];
    let mut parts = Vec::new();
    for end in [-1.0f32, 1.0] {
        // centred so the outer face is at the end of the box
        let at = |depth: f32| end * (half_length_m - depth / 2.0);
        let lamp = if end < 0.0 {
            (tail, 0.70, 0.12, 0.30)
        } else {
            (head, 0.60, 0.09, 0.34)
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
                    Vec3::new(at(0.04), lamp.1, side * 0.64),
                    Vec3::new(0.04, lamp.2, lamp.3),
                    lamp.0,
                    Class::Car,
                )
            });
        }
        let plate_y = if end < 0.0 { 0.52 } else { 0.47 };
        parts.push(part(
            Primitive::Cube,
            Vec3::new(at(0.03), plate_y, 0.0),
            Vec3::new(0.03, 0.11, 0.52),
            plate,
            Class::Car,
        ));
        parts.push(part(
            Primitive::Cube,
            Vec3::new(at(0.05), 0.36, 0.0),
            Vec3::new(0.05, 0.12, 1.7),
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

/// A saloon car: shaped body, glasshouse, roof, wheels and its ends.
fn car(color: [f32; 3]) -> Template {
    let (l, w, h) = (4.5, 1.8, 1.5);
    let parts: Vec<Part> = vec![
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
            Vec3::new(-0.415, 1.2175, 0.0),
            Vec3::new(2.47, 0.555, 1.66),
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
    .chain(car_ends(l / 2.0))
    .collect();
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
    // stand proud of it
    let (body_l, body_h, body_y) = (l - 0.04, 1.8, 1.2);
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
    let parts: Vec<Part> = vec![
        part(
            Primitive::VanBody,
            Vec3::new(0.0, body_y, 0.0),
            Vec3::new(body_l, body_h, w - 0.02),
            color,
            Class::Car,
        ),
        windscreen,
        // cab side windows (one block across the cab, its sides proud of
        // the flanks), and the rear doors' windows either side of the seam
        glass(1.35, 1.72, Vec3::new(0.85, 0.5, w - 0.005)),
        glass(-(l / 2.0) + 0.005, 1.72, Vec3::new(0.01, 0.45, 0.8)),
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
    .chain(car_ends(l / 2.0))
    .collect();
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

fn truck(color: [f32; 3]) -> Template {
    let (l, w, h) = (8.0, 2.5, 3.4);
    let dark = [0.08, 0.08, 0.09];
    let lamp = |x: f32, y: f32, z: f32, colour: [f32; 3]| Part {
        light: Some(if x > 0.0 {
            VehicleLight::Head
        } else {
            VehicleLight::Tail
        }),
        ..part(
            Primitive::Cube,
            Vec3::new(x, y, z),
            Vec3::new(0.04, 0.13, 0.3),
            colour,
            Class::Truck,
        )
    };
    let slab = |x: f32, y: f32, size: Vec3, colour: [f32; 3]| {
        part(
            Primitive::Cube,
            Vec3::new(x, y, 0.0),
            size,
            colour,
            Class::Truck,
        )
    };
    // cab and box a little short of the box's ends and sides: the cab's
    // glass (windscreen and side windows), lamps, plates and bars stand
    // proud of them
    let parts = with_class(
        vec![
            slab(2.88, 1.6, Vec3::new(2.16, 2.4, w - 0.02), color),
            slab(
                -1.08,
                2.05,
                Vec3::new(5.76, 2.7, w - 0.02),
                [0.85, 0.85, 0.82],
            ),
            slab(3.4, 2.2, Vec3::new(1.2, 0.8, w), GLASS),
            lamp(3.98, 0.75, 0.95, [0.92, 0.92, 0.85]),
            lamp(3.98, 0.75, -0.95, [0.92, 0.92, 0.85]),
            slab(3.97, 0.5, Vec3::new(0.06, 0.2, 2.4), dark),
            slab(3.985, 0.78, Vec3::new(0.03, 0.11, 0.52), [0.9, 0.9, 0.88]),
            lamp(-3.98, 0.85, 1.0, [0.65, 0.04, 0.04]),
            lamp(-3.98, 0.85, -1.0, [0.65, 0.04, 0.04]),
            slab(-3.985, 1.0, Vec3::new(0.03, 0.11, 0.52), [0.9, 0.9, 0.88]),
            slab(-3.97, 0.5, Vec3::new(0.06, 0.1, 2.3), dark),
            wheel(2.9, 1.1, 0.5),
            wheel(2.9, -1.1, 0.5),
            wheel(-2.5, 1.1, 0.5),
            wheel(-2.5, -1.1, 0.5),
        ],
        Class::Truck,
    );
    Template {
        class: Class::Truck,
        kitti_type: "Truck",
        size: BoxSize {
            length_m: l,
            height_m: h,
            width_m: w as f64,
        },
        parts,
    }
}

/// Lamp colours of a signal head when lit: red, amber, green.
pub const LAMP_LIT: [[f32; 3]; 3] = [[1.0, 0.08, 0.05], [1.0, 0.62, 0.0], [0.1, 1.0, 0.35]];
pub const LAMP_DARK: [f32; 3] = [0.08, 0.08, 0.08];
/// Index of the red lamp in `signal_head`'s parts (then amber, green).
pub const FIRST_LAMP_PART: usize = 2;

/// A traffic light on a pole, lamps facing +X: pole, housing, then the red,
/// amber and green lamps (dark until lit).
pub fn signal_head() -> Vec<Part> {
    let lamp = |y: f32| {
        part(
            Primitive::Sphere,
            Vec3::new(0.21, y, 0.0),
            Vec3::splat(0.2),
            LAMP_DARK,
            Class::TrafficLight,
        )
    };
    vec![
        part(
            Primitive::Cylinder,
            Vec3::new(0.0, 1.6, 0.0),
            Vec3::new(0.12, 3.2, 0.12),
            [0.35, 0.36, 0.38],
            Class::Pole,
        ),
        part(
            Primitive::Cube,
            Vec3::new(0.1, 3.0, 0.0),
            Vec3::new(0.2, 0.9, 0.32),
            [0.12, 0.12, 0.1],
            Class::TrafficLight,
        ),
        lamp(3.28),
        lamp(3.0),
        lamp(2.72),
    ]
}

/// A deer: body on four legs, neck and head, facing +X.
pub fn deer() -> Template {
    let coat = [0.45, 0.3, 0.18];
    let leg = |x: f32, z: f32| {
        part(
            Primitive::Cube,
            Vec3::new(x, 0.4, z),
            Vec3::new(0.1, 0.8, 0.1),
            coat,
            Class::Animal,
        )
    };
    let parts = vec![
        part(
            Primitive::Cube,
            Vec3::new(0.0, 1.0, 0.0),
            Vec3::new(1.3, 0.45, 0.4),
            coat,
            Class::Animal,
        ),
        leg(0.5, 0.13),
        leg(0.5, -0.13),
        leg(-0.5, 0.13),
        leg(-0.5, -0.13),
        part(
            Primitive::Cube,
            Vec3::new(0.7, 1.35, 0.0),
            Vec3::new(0.18, 0.5, 0.16),
            coat,
            Class::Animal,
        ),
        part(
            Primitive::Cube,
            Vec3::new(0.85, 1.6, 0.0),
            Vec3::new(0.35, 0.18, 0.16),
            coat,
            Class::Animal,
        ),
    ];
    Template {
        class: Class::Animal,
        kitti_type: "Misc",
        size: BoxSize {
            length_m: 1.55,
            height_m: 1.7,
            width_m: 0.4,
        },
        parts,
    }
}

/// Lost cargo and other loose objects.
pub fn debris(kind: crate::scenario::DebrisKind) -> Template {
    use crate::scenario::DebrisKind;
    let (shape, size) = match kind {
        // a tyre lying flat on the road
        DebrisKind::Tyre => (
            part(
                Primitive::Cylinder,
                Vec3::new(0.0, 0.12, 0.0),
                Vec3::new(0.7, 0.24, 0.7),
                [0.06, 0.06, 0.07],
                Class::Debris,
            ),
            (0.7, 0.24, 0.7),
        ),
        DebrisKind::Box => (
            part(
                Primitive::Cube,
                Vec3::new(0.0, 0.3, 0.0),
                Vec3::new(0.8, 0.6, 0.6),
                [0.62, 0.45, 0.25],
                Class::Debris,
            ),
            (0.8, 0.6, 0.6),
        ),
        DebrisKind::Ball => (
            part(
                Primitive::Sphere,
                Vec3::new(0.0, 0.11, 0.0),
                Vec3::splat(0.22),
                [0.9, 0.15, 0.1],
                Class::Debris,
            ),
            (0.22, 0.22, 0.22),
        ),
    };
    Template {
        class: Class::Debris,
        kitti_type: "Misc",
        size: BoxSize {
            length_m: size.0,
            height_m: size.1,
            width_m: size.2,
        },
        parts: vec![shape],
    }
}

/// Default height of a prop kind, metres.
pub fn default_prop_height(kind: PropKind) -> f64 {
    match kind {
        PropKind::Building => 12.0,
        PropKind::Tree => 6.0,
        PropKind::Pole => 7.0,
        PropKind::Sign => 2.6,
    }
}

/// Static props: stuff classes, no instance id. `footprint` is along x
/// (road direction) for buildings.
pub fn prop(kind: PropKind, height_m: f64, footprint_m: f64, tint: f32) -> Vec<Part> {
    let h = height_m as f32;
    match kind {
        PropKind::Building => {
            let c = [0.55 * tint, 0.52 * tint, 0.5 * tint];
            let depth = 10.0;
            vec![part(
                Primitive::Cube,
                Vec3::new(0.0, h / 2.0, 0.0),
                Vec3::new(footprint_m as f32, h, depth),
                c,
                Class::Building,
            )]
        }
        PropKind::Tree => {
            let trunk = h * 0.4;
            let crown = h * 0.6;
            vec![
                part(
                    Primitive::Cylinder,
                    Vec3::new(0.0, trunk / 2.0, 0.0),
                    Vec3::new(0.3, trunk, 0.3),
                    [0.35, 0.25, 0.15],
                    Class::Vegetation,
                ),
                part(
                    Primitive::Sphere,
                    Vec3::new(0.0, trunk + crown * 0.45, 0.0),
                    Vec3::new(crown * 0.8, crown, crown * 0.8),
                    [0.2 * tint, 0.45 * tint, 0.15],
                    Class::Vegetation,
                ),
            ]
        }
        PropKind::Pole => vec![
            part(
                Primitive::Cylinder,
                Vec3::new(0.0, h / 2.0, 0.0),
                Vec3::new(0.2, h, 0.2),
                [0.45, 0.45, 0.47],
                Class::Pole,
            ),
            part(
                Primitive::Cube,
                Vec3::new(0.0, h - 0.1, -0.9),
                Vec3::new(0.3, 0.15, 1.8),
                [0.45, 0.45, 0.47],
                Class::Pole,
            ),
        ],
        PropKind::Sign => vec![
            part(
                Primitive::Cylinder,
                Vec3::new(0.0, (h - 0.35) / 2.0, 0.0),
                Vec3::new(0.08, h - 0.35, 0.08),
                [0.5, 0.5, 0.5],
                Class::Pole,
            ),
            part(
                Primitive::Cube,
                Vec3::new(0.0, h - 0.35, 0.0),
                Vec3::new(0.05, 0.7, 0.7),
                [0.85, 0.1, 0.1],
                Class::TrafficSign,
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part of a vehicle lies inside its label box, so boxes are tight
    /// enough to trust and silhouettes never exceed them (people's boxes
    /// are fitted to their pose each tick).
    #[test]
    fn parts_fit_inside_label_boxes() {
        let mut templates = Vec::new();
        for k in [VehicleKind::Car, VehicleKind::Van, VehicleKind::Truck] {
            templates.push(vehicle(k, [0.5; 3]));
        }
        for t in templates {
            let half = Vec3::new(t.size.length_m as f32, 0.0, t.size.width_m as f32) / 2.0;
            for p in &t.parts {
                for c in crate::core::mesh::unit_cube().positions() {
                    let w = p.local.transform_point3(c);
                    assert!(
                        w.x.abs() <= half.x + 1e-4 && w.z.abs() <= half.z + 1e-4,
                        "{} part outside: {w:?}",
                        t.kitti_type
                    );
                    assert!(
                        w.y >= -1e-4 && w.y <= t.size.height_m as f32 + 1e-4,
                        "{} part outside: {w:?}",
                        t.kitti_type
                    );
                }
                assert_eq!(p.class, t.class);
            }
        }
    }
}

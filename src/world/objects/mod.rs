//! What objects are made of: each kind is a few convex parts (box, cylinder,
//! sphere, cone) in its local frame (+X forward, +Y up, origin at the
//! footprint centre on the ground), plus its label box size.

pub use crate::core::body::TopPattern;
use crate::core::classes::Class;
pub use crate::core::mesh::Primitive;
use crate::scenario::PropKind;
use glam::{Mat4, Quat, Vec3};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Part {
    pub primitive: Primitive,
    /// Object-local transform of the unit primitive.
    pub local: Mat4,
    pub color: [f32; 3],
    pub class: Class,
    /// A vehicle's lamp: lit at night (and the tail lamps when braking,
    /// the indicators when signalling).
    pub light: Option<VehicleLight>,
    /// A person's cloth pattern (their top's pieces); plain for the rest.
    pub pattern: TopPattern,
}

/// Which lamp of a vehicle a part is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VehicleLight {
    Head,
    Tail,
    /// A high-mounted stop lamp: dark until the brakes are on.
    Brake,
    /// Amber turn indicators, front and rear, on the vehicle's left.
    IndicatorLeft,
    IndicatorRight,
    /// A street light's lamp head: lit while the street lights are on.
    Street,
}

impl Part {
    /// The same part moved sideways to `z_m` (object-local, + right).
    pub(crate) fn with_z(mut self, z_m: f32) -> Part {
        self.local.w_axis.z = z_m;
        self
    }
}

pub(crate) fn part(
    primitive: Primitive,
    center: Vec3,
    size: Vec3,
    color: [f32; 3],
    class: Class,
) -> Part {
    Part {
        primitive,
        local: Mat4::from_scale_rotation_translation(size, Quat::IDENTITY, center),
        color,
        class,
        light: None,
        pattern: TopPattern::Plain,
    }
}

mod trees;
mod vehicles;
pub use vehicles::*;

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

/// A deer (a roe or white-tailed buck's build), facing +X, centred on its
/// box: a rounded barrel between chest and haunches, a slim neck leaning
/// forward, a long head with a dark muzzle and two ears, a short tail, and
/// four thin legs (parts 1..=4, which walk: `Quadruped`).
pub fn deer() -> Template {
    let coat = [0.45, 0.3, 0.18];
    let muzzle = [0.12, 0.09, 0.07];
    let pale = [0.78, 0.72, 0.62];
    let blob = |centre: Vec3, size: Vec3, colour: [f32; 3]| {
        part(Primitive::Sphere, centre, size, colour, Class::Animal)
    };
    let leg = |x: f32, z: f32| {
        part(
            Primitive::Cylinder,
            Vec3::new(x, 0.41, z),
            Vec3::new(0.09, 0.82, 0.09),
            coat,
            Class::Animal,
        )
    };
    // leaning forward about +Z from its foot at the withers
    let leaning = |centre: Vec3, size: Vec3, lean_rad: f32, primitive: Primitive| Part {
        local: Mat4::from_scale_rotation_translation(
            size,
            Quat::from_rotation_z(-lean_rad),
            centre,
        ),
        ..part(primitive, Vec3::ZERO, Vec3::ONE, coat, Class::Animal)
    };
    let mut parts = vec![
        blob(Vec3::new(-0.17, 1.0, 0.0), Vec3::new(1.2, 0.46, 0.38), coat),
        leg(0.25, 0.11),
        leg(0.25, -0.11),
        leg(-0.58, 0.11),
        leg(-0.58, -0.11),
        // chest and haunches
        blob(Vec3::new(0.22, 0.97, 0.0), Vec3::new(0.5, 0.54, 0.36), coat),
        blob(Vec3::new(-0.56, 1.0, 0.0), Vec3::new(0.5, 0.52, 0.4), coat),
        leaning(
            Vec3::new(0.47, 1.32, 0.0),
            Vec3::new(0.16, 0.45, 0.14),
            0.62,
            Primitive::Cylinder,
        ),
        // the head, its muzzle and ears
        leaning(
            Vec3::new(0.67, 1.53, 0.0),
            Vec3::new(0.17, 0.33, 0.15),
            1.3,
            Primitive::Sphere,
        ),
        blob(
            Vec3::new(0.78, 1.49, 0.0),
            Vec3::new(0.09, 0.08, 0.08),
            muzzle,
        ),
        // a pale rump patch and tail
        blob(
            Vec3::new(-0.78, 1.08, 0.0),
            Vec3::new(0.08, 0.26, 0.2),
            pale,
        ),
    ];
    for side in [-1.0f32, 1.0] {
        parts.push(Part {
            local: Mat4::from_scale_rotation_translation(
                Vec3::new(0.05, 0.15, 0.03),
                Quat::from_rotation_x(side * 0.5),
                Vec3::new(0.6, 1.67, side * 0.07),
            ),
            ..part(Primitive::Cone, Vec3::ZERO, Vec3::ONE, coat, Class::Animal)
        });
    }
    Template {
        class: Class::Animal,
        kitti_type: "Misc",
        size: BoxSize {
            length_m: 1.66,
            height_m: 1.74,
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

/// How deep a building is, across the road, metres (one figure with the
/// footprints that keep props off the roads).
pub use crate::core::road_surface::BUILDING_DEPTH_M;

/// Static props: stuff classes, no instance id. `footprint` is along x
/// (road direction) for buildings; `form` in 0..1 shapes a tree
/// (`trees::tree`).
pub fn prop(kind: PropKind, height_m: f64, footprint_m: f64, tint: f32, form: f32) -> Vec<Part> {
    let h = height_m as f32;
    match kind {
        PropKind::Building => {
            let c = [0.55 * tint, 0.52 * tint, 0.5 * tint];
            let depth = BUILDING_DEPTH_M as f32;
            vec![part(
                Primitive::Cube,
                Vec3::new(0.0, h / 2.0, 0.0),
                Vec3::new(footprint_m as f32, h, depth),
                c,
                Class::Building,
            )]
        }
        PropKind::Tree => trees::tree(h, tint, form),
        PropKind::Pole => vec![
            part(
                Primitive::Cylinder,
                Vec3::new(0.0, h / 2.0, 0.0),
                Vec3::new(POLE_RADIUS_M * 2.0, h, POLE_RADIUS_M * 2.0),
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
            // the lamp head under the arm's end: a warm diffuser, lit at night
            Part {
                light: Some(VehicleLight::Street),
                ..part(
                    Primitive::Cube,
                    Vec3::new(0.0, h - 0.2, -1.5),
                    Vec3::new(0.34, 0.07, 0.55),
                    [0.9, 0.82, 0.66],
                    Class::Pole,
                )
            },
        ],
        PropKind::Sign => vec![
            part(
                Primitive::Cylinder,
                Vec3::new(0.0, (h - 0.35) / 2.0, 0.0),
                Vec3::new(SIGN_POST_RADIUS_M * 2.0, h - 0.35, SIGN_POST_RADIUS_M * 2.0),
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

/// A street light's pole and a sign's post, radius in metres.
const POLE_RADIUS_M: f32 = 0.1;
const SIGN_POST_RADIUS_M: f32 = 0.04;

/// The radius of the post a walker steps round, for the kinds that stand
/// on the sidewalk.
pub fn post_radius_m(kind: PropKind) -> Option<f64> {
    match kind {
        PropKind::Pole => Some(POLE_RADIUS_M as f64),
        PropKind::Sign => Some(SIGN_POST_RADIUS_M as f64),
        PropKind::Tree | PropKind::Building => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::VehicleKind;

    /// The scenario's start-gap and cyclist-path checks know each kind's
    /// longest and widest body: the templates' label boxes are that long
    /// and wide (an undrawn `Car` at most).
    #[test]
    fn each_kind_is_as_long_as_the_scenario_checks_assume() {
        // every kind with one body (an undrawn `Car` is one of them)
        for k in VehicleKind::ALL
            .into_iter()
            .filter(|k| *k != VehicleKind::Car)
        {
            let size = vehicle(k, [0.5; 3]).size;
            let length_m = size.length_m;
            assert!(
                (length_m - k.longest_body_m()).abs() < 1e-6,
                "{k:?}: {length_m}"
            );
            assert!(
                (size.width_m - k.widest_body_m()).abs() < 1e-6,
                "{k:?}: {} wide",
                size.width_m
            );
            let car = VehicleKind::Car.longest_body_m();
            assert!(
                length_m <= car + 1e-6 || !k.is_car(),
                "{k:?}: {length_m} > {car}"
            );
        }
    }

    /// A load rides on its carrier's floor: the open truck box's floor
    /// part's top and a pickup's body top, and the open box has no part
    /// between that floor and its roof behind the cab (the load shows).
    #[test]
    fn loads_ride_on_an_open_floor() {
        let t = cargo_carrier(VehicleKind::Truck, [0.5; 3]);
        let floor = load_floor_m(VehicleKind::Truck);
        let tops: Vec<f32> = t
            .parts
            .iter()
            .map(|p| p.local.transform_point3(Vec3::new(0.0, 0.5, 0.0)).y)
            .collect();
        assert!(tops.iter().any(|y| (y - floor).abs() < 1e-4), "{floor}");
        // a point in the load space: inside no part
        let inside = Vec3::new(-3.5, floor + 0.3, 0.0);
        for p in &t.parts {
            let local = p.local.inverse().transform_point3(inside);
            assert!(
                local.abs().max_element() > 0.5,
                "a part fills the load space"
            );
        }
        // the closed box has one
        let closed = vehicle(VehicleKind::Truck, [0.5; 3]);
        assert!(closed.parts.iter().any(|p| {
            p.local
                .inverse()
                .transform_point3(inside)
                .abs()
                .max_element()
                <= 0.5
        }));
        assert!((load_floor_m(VehicleKind::Pickup) - 1.05).abs() < 1e-4);
    }

    /// Each vehicle's, the deer's and each debris' label box touches its
    /// mesh at rest: on every face, a vertex of its parts' meshes (as drawn
    /// and as the LiDAR casts) lies within 2 cm of that face (issue 16), so
    /// no box is loose around its object (the bus's sides were 2.2 cm off,
    /// a pickup's top 2.5 cm and the deer's rump 12.5 cm).
    #[test]
    fn label_boxes_touch_their_object_on_every_face() {
        use crate::scenario::DebrisKind;
        let vehicles = VehicleKind::ALL
            .into_iter()
            .filter(|k| *k != VehicleKind::Car)
            .map(|k| (format!("{k:?}"), vehicle(k, [0.5; 3])));
        let others = [
            ("deer".to_string(), deer()),
            ("tyre".to_string(), debris(DebrisKind::Tyre)),
            ("box".to_string(), debris(DebrisKind::Box)),
            ("ball".to_string(), debris(DebrisKind::Ball)),
        ];
        let half_deer = deer().size.length_m / 2.0;
        let checked = crate::scenario::spawn_checks::DEER_HALF_LENGTH_M;
        assert!((half_deer - checked).abs() < 1e-9, "{half_deer} {checked}");
        for (k, t) in vehicles.chain(others) {
            let (mut lo, mut hi) = (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN));
            for p in &t.parts {
                for v in crate::core::mesh::primitive_mesh(p.primitive).positions() {
                    let w = p.local.transform_point3(v);
                    (lo, hi) = (lo.min(w), hi.max(w));
                }
            }
            let half = Vec3::new(t.size.length_m as f32, 0.0, t.size.width_m as f32) / 2.0;
            let gaps = [
                half.x - hi.x,
                half.x + lo.x,
                half.z - hi.z,
                half.z + lo.z,
                lo.y,
                t.size.height_m as f32 - hi.y,
            ];
            for gap in gaps {
                assert!((-1e-4..=0.02).contains(&gap), "{k}: face gaps {gaps:?} m");
            }
        }
    }

    /// Every part of a vehicle (a car's shut door included) lies inside its
    /// label box, so boxes are tight enough to trust and silhouettes never
    /// exceed them (people's boxes are fitted to their pose each tick).
    #[test]
    fn parts_fit_inside_label_boxes() {
        let mut templates = Vec::new();
        for k in VehicleKind::ALL {
            let mut t = vehicle(k, [0.5; 3]);
            // a parked car's shut driver door too
            if k.is_car() {
                t.parts.push(car_door(k, [0.5; 3], false).0);
            }
            templates.push(t);
        }
        // the falling cargo's carriers: the truck with its box open
        templates.push(cargo_carrier(VehicleKind::Truck, [0.5; 3]));
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

//! nuScenes v1.0 conventions: tokens, categories (the lidarseg index
//! table of nuScenes-lidarseg), attributes, visibility levels and poses as
//! nuScenes writes them (global frame = our ENU, quaternions [w, x, y, z],
//! box size [width, length, height]).

use super::classes::Class;
use super::record::ObjectLabel;
use glam::DQuat;
use sha2::{Digest, Sha256};

/// The version folder the tables are written under.
pub const VERSION: &str = "v1.0-trainval";

/// A record's token: 32 hex digits from the run's key and the record's
/// kind and name, so the same run gives the same tokens and two runs never
/// share one.
pub fn token(run_key: &str, kind: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("{run_key}/{kind}/{name}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// nuScenes-lidarseg's 32 categories in their `index` order.
pub const CATEGORIES: [&str; 32] = [
    "noise",
    "animal",
    "human.pedestrian.adult",
    "human.pedestrian.child",
    "human.pedestrian.construction_worker",
    "human.pedestrian.personal_mobility",
    "human.pedestrian.police_officer",
    "human.pedestrian.stroller",
    "human.pedestrian.wheelchair",
    "movable_object.barrier",
    "movable_object.debris",
    "movable_object.pushable_pullable",
    "movable_object.trafficcone",
    "static_object.bicycle_rack",
    "vehicle.bicycle",
    "vehicle.bus.bendy",
    "vehicle.bus.rigid",
    "vehicle.car",
    "vehicle.construction",
    "vehicle.emergency.ambulance",
    "vehicle.emergency.police",
    "vehicle.motorcycle",
    "vehicle.trailer",
    "vehicle.truck",
    "flat.driveable_surface",
    "flat.other",
    "flat.sidewalk",
    "flat.terrain",
    "static.manmade",
    "static.other",
    "static.vegetation",
    "vehicle.ego",
];

/// nuScenes attributes, in the table's order.
pub const ATTRIBUTES: [&str; 8] = [
    "vehicle.moving",
    "vehicle.stopped",
    "vehicle.parked",
    "cycle.with_rider",
    "cycle.without_rider",
    "pedestrian.sitting_lying_down",
    "pedestrian.standing",
    "pedestrian.moving",
];

/// Visibility levels "1".."4": the object's visible fraction (occlusion
/// and truncation, best camera) in 0-40, 40-60, 60-80, 80-100 %.
pub const VISIBILITY: [(&str, &str); 4] = [
    ("v0-40", "visibility of whole object is between 0 and 40%"),
    ("v40-60", "visibility of whole object is between 40 and 60%"),
    ("v60-80", "visibility of whole object is between 60 and 80%"),
    (
        "v80-100",
        "visibility of whole object is between 80 and 100%",
    ),
];

pub fn visibility_token(visible: f64) -> &'static str {
    match visible {
        v if v >= 0.8 => "4",
        v if v >= 0.6 => "3",
        v if v >= 0.4 => "2",
        _ => "1",
    }
}

/// The lidarseg index of a point of our class (things by class: a rider's
/// points are the bicycle's "vehicle.bicycle", as nuScenes boxes riders
/// with their cycle).
pub fn point_category(class_id: u16) -> u8 {
    let name = match Class::from_id(class_id as u8) {
        Some(Class::Road | Class::LaneMarking) => "flat.driveable_surface",
        Some(Class::Sidewalk) => "flat.sidewalk",
        Some(Class::Terrain) => "flat.terrain",
        Some(
            Class::Building
            | Class::GuardRail
            | Class::Pole
            | Class::TrafficLight
            | Class::TrafficSign,
        ) => "static.manmade",
        Some(Class::Vegetation) => "static.vegetation",
        Some(Class::Person) => "human.pedestrian.adult",
        Some(Class::Rider | Class::Bicycle) => "vehicle.bicycle",
        Some(Class::Car) => "vehicle.car",
        Some(Class::Truck) => "vehicle.truck",
        Some(Class::Bus) => "vehicle.bus.rigid",
        Some(Class::Animal) => "animal",
        Some(Class::Debris) => "movable_object.debris",
        _ => "noise",
    };
    CATEGORIES.iter().position(|c| *c == name).unwrap_or(0) as u8
}

/// An object's annotation category and attribute; None for what nuScenes
/// does not box on its own (a ridden bicycle: its rider's box, "vehicle.
/// bicycle" with "cycle.with_rider", holds both).
pub fn category_and_attribute(o: &ObjectLabel) -> Option<(&'static str, Option<&'static str>)> {
    category_of(&Facts {
        class_id: o.class_id,
        motion: o.motion.as_ref(),
        person: o.person.as_ref(),
        rider_instance_id: o.rider_instance_id,
    })
}

/// What decides an annotation's category and attribute, from a camera's
/// or a LiDAR's record of the object.
pub struct Facts<'a> {
    pub class_id: u8,
    pub motion: Option<&'a super::record::Motion>,
    pub person: Option<&'a super::record::PersonAttributes>,
    pub rider_instance_id: Option<u32>,
}

impl<'a> From<&'a super::record::LidarObject> for Facts<'a> {
    fn from(o: &'a super::record::LidarObject) -> Facts<'a> {
        Facts {
            class_id: o.class_id,
            motion: o.motion.as_ref(),
            person: o.person.as_ref(),
            rider_instance_id: o.rider_instance_id,
        }
    }
}

pub fn category_of(o: &Facts) -> Option<(&'static str, Option<&'static str>)> {
    let speed = o
        .motion
        .map_or(0.0, |m| m.velocity_enu_mps[0].hypot(m.velocity_enu_mps[1]));
    let vehicle = if speed > 0.2 {
        "vehicle.moving"
    } else {
        "vehicle.stopped"
    };
    Some(match Class::from_id(o.class_id)? {
        Class::Person => {
            let child = o
                .person
                .is_some_and(|p| p.age_group == super::body::AgeGroup::Child);
            let category = if child {
                "human.pedestrian.child"
            } else {
                "human.pedestrian.adult"
            };
            let attr = if speed > 0.2 {
                "pedestrian.moving"
            } else {
                "pedestrian.standing"
            };
            (category, Some(attr))
        }
        Class::Rider => ("vehicle.bicycle", Some("cycle.with_rider")),
        Class::Bicycle if o.rider_instance_id.is_some() => return None,
        Class::Bicycle => ("vehicle.bicycle", Some("cycle.without_rider")),
        Class::Car => ("vehicle.car", Some(vehicle)),
        Class::Truck => ("vehicle.truck", Some(vehicle)),
        Class::Bus => ("vehicle.bus.rigid", Some(vehicle)),
        Class::Animal => ("animal", None),
        Class::Debris => ("movable_object.debris", None),
        _ => return None,
    })
}

/// A rotation as nuScenes writes it: [w, x, y, z].
pub fn quaternion(q: DQuat) -> [f64; 4] {
    [q.w, q.x, q.y, q.z]
}

/// A yaw about +z (ENU, counter-clockwise from east) as [w, x, y, z].
pub fn yaw_quaternion(yaw_rad: f64) -> [f64; 4] {
    quaternion(DQuat::from_rotation_z(yaw_rad))
}

/// The devkit's limit on the time between the two annotations it takes a
/// box's velocity from (`NuScenes.box_velocity`, one side), microseconds.
pub const VELOCITY_MAX_GAP_US: i64 = 1_500_000;

/// For an instance the sensors label in one sample only (`seen`), the
/// sample its companion annotation goes in: the next sample, else the
/// previous one, whichever first is within `VELOCITY_MAX_GAP_US` (`samples` ascending,
/// `stamp_us` their timestamps). The devkit takes every box's velocity
/// from its neighbouring annotations, so without a second one the velocity
/// is undefined, and the detection evaluation scores a class whose boxes
/// all lack one with the worst velocity error even against itself.
pub fn companion_sample(seen: u64, samples: &[u64], stamp_us: &dyn Fn(u64) -> i64) -> Option<u64> {
    let k = samples.iter().position(|&f| f == seen)?;
    let next = samples.get(k + 1);
    let prev = k.checked_sub(1).map(|i| &samples[i]);
    [next, prev]
        .into_iter()
        .flatten()
        .copied()
        .find(|&g| (stamp_us(g) - stamp_us(seen)).abs() <= VELOCITY_MAX_GAP_US)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_annotation_gets_the_next_sample_else_the_previous_within_the_gap() {
        let samples = [0, 1, 2, 40];
        // 10 Hz frames: frame f at f * 100 ms
        let at = |f: u64| f as i64 * 100_000;
        assert_eq!(companion_sample(0, &samples, &at), Some(1));
        assert_eq!(companion_sample(1, &samples, &at), Some(2));
        // frame 40 is the last sample: its neighbour before is 3.8 s away
        assert_eq!(companion_sample(40, &samples, &at), None);
        // the next is too far: the previous
        assert_eq!(companion_sample(2, &samples, &at), Some(1));
        assert_eq!(companion_sample(2, &[1, 2], &at), Some(1));
        // one sample only, or a frame that is not a sample: none
        assert_eq!(companion_sample(2, &[2], &at), None);
        assert_eq!(companion_sample(3, &samples, &at), None);
    }

    #[test]
    fn tokens_are_32_hex_digits_and_differ_by_run_and_name() {
        let t = token("run", "sample", "0");
        assert_eq!(t.len(), 32);
        assert!(t.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(t, token("run", "sample", "1"));
        assert_ne!(t, token("other", "sample", "0"));
    }

    #[test]
    fn every_class_has_a_lidarseg_category() {
        assert_eq!(CATEGORIES.len(), 32);
        assert_eq!(point_category(Class::Car.id() as u16), 17);
        assert_eq!(point_category(Class::Road.id() as u16), 24);
        assert_eq!(point_category(Class::Weather.id() as u16), 0);
        assert_eq!(point_category(Class::Rider.id() as u16), 14);
    }

    #[test]
    fn yaw_quaternions_turn_about_up() {
        let q = yaw_quaternion(std::f64::consts::FRAC_PI_2);
        let x = DQuat::from_xyzw(q[1], q[2], q[3], q[0]) * glam::DVec3::X;
        assert!((x - glam::DVec3::Y).length() < 1e-12);
        assert_eq!(visibility_token(0.85), "4");
        assert_eq!(visibility_token(0.1), "1");
    }
}

//! The semantic class table: Cityscapes ids where Cityscapes has the class,
//! documented extra ids (>= 34) where it does not.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Unlabeled,
    Road,
    Sidewalk,
    Building,
    GuardRail,
    Pole,
    TrafficLight,
    TrafficSign,
    Vegetation,
    Terrain,
    Sky,
    Person,
    /// A person riding a bicycle (Cityscapes rider; KITTI `Cyclist`, whose
    /// box holds the bicycle too).
    Rider,
    Car,
    Truck,
    /// A bus (Cityscapes bus).
    Bus,
    /// A bicycle: its own instance, ridden or not (Cityscapes bicycle).
    Bicycle,
    LaneMarking,
    /// LiDAR returns from the air itself (fog backscatter), never an object.
    Weather,
    /// Deer and other animals on the road.
    Animal,
    /// Loose objects on the road: lost cargo, tyres, a ball.
    Debris,
}

/// One row of the class table written into every manifest.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ClassInfo {
    pub name: &'static str,
    pub id: u8,
    pub train_id: u8,
    pub color: [u8; 3],
    pub is_thing: bool,
    pub cityscapes: bool,
}

impl Class {
    pub const ALL: [Class; 21] = [
        Class::Unlabeled,
        Class::Road,
        Class::Sidewalk,
        Class::Building,
        Class::GuardRail,
        Class::Pole,
        Class::TrafficLight,
        Class::TrafficSign,
        Class::Vegetation,
        Class::Terrain,
        Class::Sky,
        Class::Person,
        Class::Rider,
        Class::Car,
        Class::Truck,
        Class::Bus,
        Class::Bicycle,
        Class::LaneMarking,
        Class::Weather,
        Class::Animal,
        Class::Debris,
    ];

    pub fn info(self) -> ClassInfo {
        let (name, id, train_id, color, is_thing, cityscapes) = match self {
            Class::Unlabeled => ("unlabeled", 0, 255, [0, 0, 0], false, true),
            Class::Road => ("road", 7, 0, [128, 64, 128], false, true),
            Class::Sidewalk => ("sidewalk", 8, 1, [244, 35, 232], false, true),
            Class::Building => ("building", 11, 2, [70, 70, 70], false, true),
            Class::GuardRail => ("guard rail", 14, 255, [180, 165, 180], false, true),
            Class::Pole => ("pole", 17, 5, [153, 153, 153], false, true),
            Class::TrafficLight => ("traffic light", 19, 6, [250, 170, 30], false, true),
            Class::TrafficSign => ("traffic sign", 20, 7, [220, 220, 0], false, true),
            Class::Vegetation => ("vegetation", 21, 8, [107, 142, 35], false, true),
            Class::Terrain => ("terrain", 22, 9, [152, 251, 152], false, true),
            Class::Sky => ("sky", 23, 10, [70, 130, 180], false, true),
            Class::Person => ("person", 24, 11, [220, 20, 60], true, true),
            Class::Rider => ("rider", 25, 12, [255, 0, 0], true, true),
            Class::Car => ("car", 26, 13, [0, 0, 142], true, true),
            Class::Truck => ("truck", 27, 14, [0, 0, 70], true, true),
            Class::Bus => ("bus", 28, 15, [0, 60, 100], true, true),
            Class::Bicycle => ("bicycle", 33, 18, [119, 11, 32], true, true),
            // Not in Cityscapes: the CARLA RoadLine colour, trainId ignored.
            Class::LaneMarking => ("lane marking", 34, 255, [157, 234, 50], false, false),
            Class::Weather => ("weather", 35, 255, [200, 200, 255], false, false),
            Class::Animal => ("animal", 36, 255, [255, 128, 0], true, false),
            Class::Debris => ("debris", 37, 255, [160, 60, 200], true, false),
        };
        ClassInfo {
            name,
            id,
            train_id,
            color,
            is_thing,
            cityscapes,
        }
    }

    /// Cityscapes `id` (the value in the semantic PNG).
    pub fn id(self) -> u8 {
        self.info().id
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn is_thing(self) -> bool {
        self.info().is_thing
    }

    /// Table lookup: this runs per pixel and per LiDAR beam.
    pub fn from_id(id: u8) -> Option<Class> {
        static TABLE: std::sync::OnceLock<[Option<Class>; 256]> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            let mut t = [None; 256];
            for c in Class::ALL {
                t[c.id() as usize] = Some(c);
            }
            t
        })[id as usize]
    }

    /// COCO category (id, name, supercategory) of a labeled (thing) class:
    /// COCO's own ids where COCO has the class (person 1, bicycle 2, car 3,
    /// bus 6, truck 8; a rider is a COCO person and their bicycle a COCO bicycle, as
    /// COCO annotates them), documented extra ids from 100 where it does not
    /// (animal 101, debris 102).
    pub fn coco_category(self) -> Option<(u32, &'static str, &'static str)> {
        match self {
            Class::Person | Class::Rider => Some((1, "person", "person")),
            Class::Bicycle => Some((2, "bicycle", "vehicle")),
            Class::Car => Some((3, "car", "vehicle")),
            Class::Bus => Some((6, "bus", "vehicle")),
            Class::Truck => Some((8, "truck", "vehicle")),
            Class::Animal => Some((101, "animal", "animal")),
            Class::Debris => Some((102, "debris", "outdoor")),
            _ => None,
        }
    }

    /// SemanticKITTI's 19 training classes (its `learning_map` targets):
    /// 0 unlabeled/ignored, 1 car, 2 bicycle, 4 truck, 5 other-vehicle
    /// (buses, as SemanticKITTI files them), 6 person, 7 bicyclist, 9 road
    /// (lane marking included, as SemanticKITTI does), 11 sidewalk,
    /// 13 building, 14 fence (guard rails), 15 vegetation, 17 terrain,
    /// 18 pole (traffic lights too), 19 traffic-sign. Animals, debris, sky
    /// and weather echoes have no SemanticKITTI class: 0.
    pub fn semantic_kitti_train_id(self) -> u8 {
        match self {
            Class::Car => 1,
            Class::Bicycle => 2,
            Class::Truck => 4,
            Class::Bus => 5,
            Class::Person => 6,
            Class::Rider => 7,
            Class::Road | Class::LaneMarking => 9,
            Class::Sidewalk => 11,
            Class::Building => 13,
            Class::GuardRail => 14,
            Class::Vegetation => 15,
            Class::Terrain => 17,
            Class::Pole | Class::TrafficLight => 18,
            Class::TrafficSign => 19,
            Class::Unlabeled | Class::Sky | Class::Weather | Class::Animal | Class::Debris => 0,
        }
    }

    pub fn table() -> Vec<ClassInfo> {
        Class::ALL.iter().map(|c| c.info()).collect()
    }
}

/// SemanticKITTI's training class names, by train id.
pub const SEMANTIC_KITTI_TRAIN: [&str; 20] = [
    "unlabeled",
    "car",
    "bicycle",
    "motorcycle",
    "truck",
    "other-vehicle",
    "person",
    "bicyclist",
    "motorcyclist",
    "road",
    "parking",
    "sidewalk",
    "other-ground",
    "building",
    "fence",
    "vegetation",
    "trunk",
    "terrain",
    "pole",
    "traffic-sign",
];

/// The `semantic-kitti.yaml` written beside each LiDAR's `.label` files:
/// the same keys as SemanticKITTI's config (labels, color_map, content,
/// learning_map, learning_map_inv, learning_ignore), over Edgecase's class
/// ids (the low 16 bits of each label), so its dataloaders train on them.
pub fn semantic_kitti_yaml() -> String {
    let mut y = String::from(
        "# Edgecase LiDAR labels in SemanticKITTI's layout: uint32 per point,\n\
         # class id (Edgecase/Cityscapes ids below) in the low 16 bits, instance id in the high 16.\n\
         # learning_map takes these ids to SemanticKITTI's 19 training classes.\n",
    );
    y += "labels:\n";
    for c in Class::ALL {
        y += &format!("  {}: \"{}\"\n", c.id(), c.name());
    }
    y += "color_map: # bgr\n";
    for c in Class::ALL {
        let [r, g, b] = c.info().color;
        y += &format!("  {}: [{b}, {g}, {r}]\n", c.id());
    }
    y += "content: # share of points, unknown until a dataset is counted\n";
    for c in Class::ALL {
        y += &format!("  {}: 0.0\n", c.id());
    }
    y += "learning_map:\n";
    for c in Class::ALL {
        y += &format!("  {}: {}\n", c.id(), c.semantic_kitti_train_id());
    }
    y += "learning_map_inv: # training class -> Edgecase class id (0 where none maps)\n";
    for (train, _) in SEMANTIC_KITTI_TRAIN.iter().enumerate() {
        let raw = Class::ALL
            .iter()
            .filter(|c| c.semantic_kitti_train_id() as usize == train)
            .map(|c| c.id())
            .min()
            .filter(|_| train != 0)
            .unwrap_or(0);
        y += &format!("  {train}: {raw}\n");
    }
    y += "learning_ignore:\n";
    for train in 0..SEMANTIC_KITTI_TRAIN.len() {
        y += &format!("  {train}: {}\n", if train == 0 { "True" } else { "False" });
    }
    y
}

/// Cityscapes instance-id convention: `class_id * 1000 + k` for things, so the
/// 32-bit instance id also fits the 16-bit instance PNG and names its class.
pub fn instance_id(class: Class, k: u32) -> u32 {
    debug_assert!(class.is_thing() && (1..1000).contains(&k));
    class.id() as u32 * 1000 + k
}

/// The per-pixel label value (Cityscapes instanceIds): the instance id for
/// things, the class id elsewhere. Instance ids are >= 1000, class ids < 1000.
pub fn label_value(class_id: u32, instance_id: u32) -> u32 {
    if instance_id != 0 {
        instance_id
    } else {
        class_id
    }
}

/// Split a label value into (class id, instance id); instance 0 = none.
pub fn split_label_value(v: u32) -> (u32, u32) {
    if v >= 1000 { (v / 1000, v) } else { (v, 0) }
}

/// Most instances of one class a scenario may hold (the `k` in `id*1000+k`).
pub const MAX_INSTANCES_PER_CLASS: u32 = 999;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut ids: Vec<u8> = Class::ALL.iter().map(|c| c.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Class::ALL.len());
        for c in Class::ALL {
            assert_eq!(Class::from_id(c.id()), Some(c));
        }
        assert_eq!(Class::Car.id(), 26);
        assert_eq!(Class::Person.id(), 24);
        assert_eq!(Class::Sky.id(), 23);
    }

    #[test]
    fn extra_classes_are_outside_cityscapes_range() {
        for c in Class::ALL {
            let info = c.info();
            assert_eq!(info.cityscapes, info.id <= 33, "{}", info.name);
        }
    }

    #[test]
    fn label_values_round_trip() {
        assert_eq!(split_label_value(label_value(26, 26003)), (26, 26003));
        assert_eq!(split_label_value(label_value(7, 0)), (7, 0));
        for c in Class::ALL {
            assert!((c.id() as u32) < 1000);
        }
    }

    #[test]
    fn semantic_kitti_map_covers_every_class_and_inverts() {
        let y = semantic_kitti_yaml();
        let section = |name: &str| -> Vec<(u32, String)> {
            y.split(&format!("\n{name}:"))
                .nth(1)
                .unwrap()
                .lines()
                .skip(1)
                .take_while(|l| l.starts_with("  "))
                .map(|l| {
                    let (k, v) = l.trim().split_once(": ").unwrap();
                    (k.parse().unwrap(), v.to_string())
                })
                .collect()
        };
        let map = section("learning_map");
        assert_eq!(map.len(), Class::ALL.len());
        let inv = section("learning_map_inv");
        assert_eq!(inv.len(), 20);
        // every mapped class maps back to a class with the same training id
        for (train, raw) in &inv {
            let raw: u32 = raw.parse().unwrap();
            let back = map.iter().find(|(k, _)| *k == raw).unwrap();
            assert!(raw == 0 || back.1 == train.to_string(), "{train} -> {raw}");
        }
        assert!(map.contains(&(26, "1".into())) && map.contains(&(24, "6".into())));
    }

    #[test]
    fn every_thing_class_has_a_coco_category() {
        for c in Class::ALL {
            assert_eq!(c.coco_category().is_some(), c.is_thing(), "{}", c.name());
        }
    }

    #[test]
    fn instance_ids_fit_16_bit_png() {
        assert_eq!(instance_id(Class::Car, 3), 26003);
        assert!(instance_id(Class::Truck, MAX_INSTANCES_PER_CLASS) <= u16::MAX as u32);
    }
}

//! The Cityscapes layout's conventions (cityscapesscripts' `labels.py`):
//! our class ids are Cityscapes ids already; the four classes Cityscapes
//! lacks are mapped as its annotators labeled such pixels: lane marking
//! -> road (7), animal and debris -> dynamic (5, void, no instances);
//! weather is never a camera pixel (-> unlabeled 0).

use super::classes::{Class, split_label_value};
use super::polygon::outer_outlines;
use super::record::ObjectLabel;
use serde::Serialize;
use std::collections::BTreeMap;

/// Cityscapes' "dynamic" label: moving things of no Cityscapes class.
pub const DYNAMIC_ID: u8 = 5;
const DYNAMIC_COLOR: [u8; 3] = [111, 74, 0];

/// The Cityscapes `labelId` of one of our class ids.
pub fn label_id(class_id: u8) -> u8 {
    match Class::from_id(class_id) {
        Some(Class::LaneMarking) => Class::Road.id(),
        Some(Class::Animal | Class::Debris) => DYNAMIC_ID,
        Some(Class::Weather) | None => 0,
        Some(_) => class_id,
    }
}

/// The `_instanceIds` value of a label value: instances of Cityscapes'
/// instance classes keep `id * 1000 + k`; every other pixel is its labelId.
pub fn instance_value(label_value: u16) -> u16 {
    let (class_id, instance) = split_label_value(label_value as u32);
    let mapped = label_id(class_id as u8);
    if instance != 0 && mapped as u32 == class_id {
        label_value
    } else {
        mapped as u16
    }
}

/// Name and colour of a Cityscapes labelId we write.
pub fn name_and_color(label_id: u8) -> (&'static str, [u8; 3]) {
    if label_id == DYNAMIC_ID {
        return ("dynamic", DYNAMIC_COLOR);
    }
    Class::from_id(label_id).map_or(("unlabeled", [0, 0, 0]), |c| {
        let info = c.info();
        (info.name, info.color)
    })
}

/// `city_000000_ffffff`: Cityscapes file names split on `_` into city,
/// sequence and frame, so the camera name (the "city") loses its `_`/`-`.
pub fn file_stem(camera: &str, frame: u64) -> (String, String) {
    let city: String = camera
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let city = if city.is_empty() {
        "camera".into()
    } else {
        city
    };
    let stem = format!("{city}_000000_{frame:06}");
    (city, stem)
}

#[derive(Serialize)]
struct PolygonObject {
    label: &'static str,
    polygon: Vec<[u32; 2]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolygonsFile {
    img_height: u32,
    img_width: u32,
    objects: Vec<PolygonObject>,
}

/// `_gtFine_polygons.json`: Cityscapes draws its polygons in file order,
/// later over earlier, so regions of background classes come first
/// (largest first: islands inside them are drawn after), then each object
/// as one polygon (its visible parts joined), farthest first. Outlines run
/// on pixel corners (`core::polygon`); holes are left to what is drawn
/// over them.
pub fn polygons_json(labels: &[u16], width: u32, height: u32, objects: &[ObjectLabel]) -> String {
    let mut stuff: BTreeMap<u8, usize> = BTreeMap::new();
    for &v in labels {
        let id = instance_value(v);
        if id < 1000 && id != 0 {
            *stuff.entry(id as u8).or_default() += 1;
        }
    }
    let mut stuff: Vec<(u8, usize)> = stuff.into_iter().collect();
    stuff.sort_by_key(|&(id, area)| (std::cmp::Reverse(area), id));
    let mut out = Vec::new();
    for (id, _) in stuff {
        let rings = outer_outlines(width, height, |x, y| {
            instance_value(labels[(y * width + x) as usize]) == id as u16
        });
        let label = name_and_color(id).0;
        out.extend(
            rings
                .into_iter()
                .map(|polygon| PolygonObject { label, polygon }),
        );
    }
    let mut things: Vec<&ObjectLabel> = objects
        .iter()
        .filter(|o| o.bbox_visible_px.is_some() && instance_value(o.instance_id as u16) >= 1000)
        .collect();
    things.sort_by(|a, b| b.distance_m.total_cmp(&a.distance_m));
    for o in things {
        let Some(b) = o.bbox_visible_px else { continue };
        let polygon = super::yolo::instance_outline(labels, width, b, o.instance_id);
        let label = name_and_color(label_id(o.class_id)).0;
        out.push(PolygonObject { label, polygon });
    }
    serde_json::to_string(&PolygonsFile {
        img_height: height,
        img_width: width,
        objects: out,
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_extra_classes_map_to_cityscapes_labels() {
        assert_eq!(label_id(Class::LaneMarking.id()), 7);
        assert_eq!(label_id(Class::Animal.id()), DYNAMIC_ID);
        assert_eq!(label_id(Class::Car.id()), 26);
        // an animal instance is plain "dynamic"; a car keeps its instance
        assert_eq!(instance_value(36_002), DYNAMIC_ID as u16);
        assert_eq!(instance_value(26_003), 26_003);
        assert_eq!(instance_value(34), 7);
        for c in Class::ALL {
            assert!(label_id(c.id()) <= 33, "{c:?}");
        }
    }

    #[test]
    fn file_names_split_into_city_sequence_frame() {
        let (city, stem) = file_stem("front_left-2", 12);
        assert_eq!(city, "frontleft2");
        assert_eq!(stem, "frontleft2_000000_000012");
        assert_eq!(stem.split('_').count(), 3);
    }
}

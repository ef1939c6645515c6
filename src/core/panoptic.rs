//! COCO panoptic segmentation: a PNG per image whose pixel colour encodes
//! its segment id (id = R + 256 G + 256^2 B, 0 = void) and, per image, the
//! list of segments with their category, area and box. Segment ids are our
//! label values: the instance id for things, the class id for the rest;
//! categories are our (Cityscapes) class ids, so `id // 1000` of a thing's
//! segment is its category, as in Cityscapes' own panoptic files.

use super::classes::{Class, split_label_value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub id: u32,
    pub category_id: u32,
    /// Pixels.
    pub area: u64,
    /// [x, y, width, height] of the pixels, pixel edges.
    pub bbox: [u32; 4],
    pub iscrowd: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanopticCategory {
    pub id: u32,
    pub name: String,
    pub supercategory: String,
    pub isthing: u8,
    pub color: [u8; 3],
}

/// Classes a camera pixel can have (weather is LiDAR only; unlabeled is
/// void).
fn labeled(class: Class) -> bool {
    !matches!(class, Class::Unlabeled | Class::Weather)
}

pub fn categories() -> Vec<PanopticCategory> {
    Class::ALL
        .iter()
        .filter(|c| labeled(**c))
        .map(|c| {
            let info = c.info();
            PanopticCategory {
                id: info.id as u32,
                name: info.name.to_string(),
                supercategory: if info.is_thing { "thing" } else { "stuff" }.to_string(),
                isthing: u8::from(info.is_thing),
                color: info.color,
            }
        })
        .collect()
}

/// The segment id of a label value (0 = void).
fn segment_id(label_value: u16) -> u32 {
    let (class_id, _) = split_label_value(label_value as u32);
    match Class::from_id(class_id as u8) {
        Some(c) if labeled(c) => label_value as u32,
        _ => 0,
    }
}

/// The panoptic PNG's RGB bytes.
pub fn rgb(labels: &[u16]) -> Vec<u8> {
    labels
        .iter()
        .flat_map(|&v| {
            let id = segment_id(v);
            [(id & 255) as u8, (id >> 8 & 255) as u8, (id >> 16) as u8]
        })
        .collect()
}

/// Every segment of an image, by id.
pub fn segments(labels: &[u16], width: u32) -> Vec<Segment> {
    // id -> (area, x0, y0, x1, y1)
    let mut seen: BTreeMap<u32, (u64, u32, u32, u32, u32)> = BTreeMap::new();
    for (i, &v) in labels.iter().enumerate() {
        let id = segment_id(v);
        if id == 0 {
            continue;
        }
        let (x, y) = (i as u32 % width, i as u32 / width);
        let e = seen.entry(id).or_insert((0, x, y, x, y));
        *e = (e.0 + 1, e.1.min(x), e.2.min(y), e.3.max(x), e.4.max(y));
    }
    seen.into_iter()
        .map(|(id, (area, x0, y0, x1, y1))| Segment {
            id,
            category_id: split_label_value(id).0,
            area,
            bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
            iscrowd: 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_have_their_class_area_and_box() {
        // 4x2: road, road, car 26001, car 26001 / sky, unlabeled, car, road
        let labels = [7u16, 7, 26001, 26001, 23, 0, 26001, 7];
        let s = segments(&labels, 4);
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].id, s[0].category_id, s[0].area), (7, 7, 3));
        assert_eq!(s[0].bbox, [0, 0, 4, 2]);
        assert_eq!((s[2].id, s[2].category_id, s[2].area), (26001, 26, 3));
        assert_eq!(s[2].bbox, [2, 0, 2, 2]);
        let png = rgb(&labels);
        assert_eq!(&png[6..9], &[26001 % 256, 26001 / 256, 0].map(|v| v as u8));
        assert_eq!(&png[15..18], &[0, 0, 0]);
        assert!(categories().iter().all(|c| c.id != 0 && c.id != 35));
    }
}

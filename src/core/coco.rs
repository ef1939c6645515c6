//! COCO detection + instance-mask records, derived from the canonical labels.

use super::classes::Class;
use super::record::{ObjectLabel, RleString};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CocoImage {
    pub id: u64,
    pub width: u32,
    pub height: u32,
    pub file_name: String,
    pub frame: u64,
    pub camera: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CocoAnnotation {
    pub id: u64,
    pub image_id: u64,
    pub category_id: u32,
    pub segmentation: RleString,
    pub area: u64,
    /// [x, y, w, h] of the mask (pycocotools `toBbox`).
    pub bbox: [f64; 4],
    /// 1 for objects flagged `too_small`: COCO's evaluator then treats them
    /// as ignored regions (a detection there neither counts nor is missed).
    pub iscrowd: u8,
    /// Edgecase extras (ignored by COCO readers). Not `instance_id`: FiftyOne
    /// reserves that key.
    pub edgecase_instance_id: u32,
    pub visible_fraction: f64,
    pub truncation: f64,
    pub too_small: bool,
    /// Person category: the 17 keypoints flattened [x1, y1, v1, ...] and
    /// how many are labeled (v > 0), as COCO's keypoint task reads them
    /// (0 on every other category, which that task then ignores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keypoints: Option<Vec<f64>>,
    pub num_keypoints: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CocoCategory {
    pub id: u32,
    pub name: String,
    pub supercategory: String,
    /// The person category's keypoint names and skeleton (1-based pairs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keypoints: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skeleton: Option<Vec<[u8; 2]>>,
}

/// COCO's person category id: the one that carries keypoints.
pub const PERSON_CATEGORY_ID: u32 = 1;

pub fn categories() -> Vec<CocoCategory> {
    let mut cats: Vec<CocoCategory> = Class::ALL
        .iter()
        .filter_map(|c| c.coco_category())
        .map(|(id, name, supercategory)| {
            let person = id == PERSON_CATEGORY_ID;
            CocoCategory {
                id,
                name: name.to_string(),
                supercategory: supercategory.to_string(),
                keypoints: person.then(|| {
                    crate::core::body::COCO_KEYPOINT_NAMES
                        .iter()
                        .map(|n| n.to_string())
                        .collect()
                }),
                skeleton: person.then(|| crate::core::body::COCO_SKELETON.to_vec()),
            }
        })
        .collect();
    cats.sort_by_key(|c| c.id);
    // several classes share a COCO category (person: pedestrians and riders)
    cats.dedup_by_key(|c| c.id);
    cats
}

/// Image ids depend only on (frame, camera index), so any sharding of a run
/// yields the same ids.
pub fn image_id(frame: u64, camera_index: usize, camera_count: usize) -> u64 {
    frame * camera_count as u64 + camera_index as u64 + 1
}

/// Annotation ids: unique per (image, object slot).
pub fn annotation_id(image_id: u64, object_index: usize) -> u64 {
    image_id * 10_000 + object_index as u64 + 1
}

/// The COCO annotation of one labeled object; None when it has no visible
/// pixels or its class has no COCO category.
pub fn annotation(obj: &ObjectLabel, image_id: u64, object_index: usize) -> Option<CocoAnnotation> {
    let class = Class::from_id(obj.class_id)?;
    let (category_id, _, _) = class.coco_category()?;
    let segmentation = obj.mask_rle.clone()?;
    let b = obj.bbox_visible_px?;
    // every person annotation carries keypoints (COCOeval's keypoint task
    // reads them from all of a category's annotations): none labeled if
    // the object has none
    let keypoints = (category_id == PERSON_CATEGORY_ID).then(|| {
        obj.keypoints_px
            .as_ref()
            .map_or_else(|| vec![0.0; 51], |k| k.iter().flatten().copied().collect())
    });
    let num_keypoints = keypoints.as_ref().map_or(0, |k: &Vec<f64>| {
        k.chunks(3).filter(|c| c[2] > 0.0).count() as u32
    });
    Some(CocoAnnotation {
        id: annotation_id(image_id, object_index),
        image_id,
        category_id,
        segmentation,
        area: obj.visible_pixels,
        bbox: [b[0], b[1], b[2] - b[0], b[3] - b[1]],
        iscrowd: u8::from(obj.too_small),
        edgecase_instance_id: obj.instance_id,
        visible_fraction: obj.visible_fraction,
        truncation: obj.truncation,
        too_small: obj.too_small,
        keypoints,
        num_keypoints,
    })
}

/// People whose keypoints an image's COCO annotations carry, at most:
/// pycocotools' keypoint evaluation keeps 20 detections an image
/// (`params.maxDets = [20]`), so with more posed people the ground truth
/// scored against itself falls short of AP 1.0 (a 300-walker crowd: 0.49).
pub const MAX_POSED_PER_IMAGE: usize = 20;

/// The COCO annotations of one image's objects, in the order a keypoint
/// evaluation reads them: people with keypoints first (the largest by
/// visible area; at most `MAX_POSED_PER_IMAGE` keep their keypoints, the
/// rest are written as COCO writes people it did not pose, with
/// `num_keypoints` 0), then everything else in object order. Ids stay
/// those of `annotation` (by object slot). The canonical labels and YOLO
/// pose keep everyone's keypoints.
pub fn image_annotations(objects: &[ObjectLabel], image_id: u64) -> Vec<CocoAnnotation> {
    let mut all: Vec<CocoAnnotation> = objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| annotation(o, image_id, i))
        .collect();
    let posed = |a: &CocoAnnotation| a.num_keypoints > 0 && a.iscrowd == 0;
    // stable: equal areas keep object order
    all.sort_by(|a, b| match (posed(a), posed(b)) {
        (true, true) => b.area.cmp(&a.area),
        (x, y) => y.cmp(&x),
    });
    for a in all
        .iter_mut()
        .filter(|a| posed(a))
        .skip(MAX_POSED_PER_IMAGE)
    {
        a.keypoints = Some(vec![0.0; 51]);
        a.num_keypoints = 0;
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_across_frames_and_cameras() {
        let mut ids = std::collections::BTreeSet::new();
        for f in 0..50 {
            for c in 0..3 {
                assert!(ids.insert(image_id(f, c, 3)));
            }
        }
        assert!(!ids.contains(&0));
        assert_ne!(annotation_id(1, 0), annotation_id(2, 0));
    }

    #[test]
    fn categories_use_coco_ids() {
        let c = categories();
        let ids: Vec<u32> = c.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![1, 2, 3, 6, 8, 101, 102]);
    }
}

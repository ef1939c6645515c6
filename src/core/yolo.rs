//! Ultralytics YOLO label files: one text file per image, one line per
//! object, coordinates normalised by the image size. Boxes are
//! `class cx cy w h` (the tight box of the visible pixels); segments are
//! `class x1 y1 x2 y2 ...`, the outline of the visible pixels on pixel
//! corners (`core::polygon`), parts and holes joined into one ring through
//! zero-width bridges, the way Ultralytics joins COCO's parts. Poses are
//! `class cx cy w h` then the 17 COCO keypoints, `x y v` each (v as COCO's:
//! 2 visible, 1 hidden, 0 outside the image, at 0 0), for people.

use super::classes::Class;
use super::polygon::{Polygon, join_outlines, outlines};
use super::record::ObjectLabel;

/// The layouts under `yolo/`, one folder (and data.yaml) each.
pub const KINDS: [&str; 3] = ["detect", "segment", "pose"];

/// YOLO class index -> Edgecase class: every class with instances.
pub const CLASSES: [Class; 8] = [
    Class::Person,
    Class::Rider,
    Class::Car,
    Class::Truck,
    Class::Bicycle,
    Class::Animal,
    Class::Debris,
    Class::Bus,
];

pub fn class_index(class_id: u8) -> Option<usize> {
    CLASSES.iter().position(|c| c.id() == class_id)
}

/// Smallest image side Ultralytics reads: its `verify_image_label` skips
/// an image with a side under 10 pixels as corrupt.
pub const MIN_IMAGE_SIDE_PX: u32 = 10;

/// `data.yaml` of a dataset whose images are under `images/{train,val}`
/// beside it (Ultralytics finds each label by replacing `images` with
/// `labels` in the image's path; no `path:` key, so the folder of the yaml
/// is the root). Ultralytics needs both splits to hold images: when one is
/// empty (a single run is one sample, all in one split) both keys name the
/// other, and the file says so.
pub fn data_yaml(train_empty: bool, val_empty: bool) -> String {
    yaml_of(train_empty, val_empty, &CLASSES, "")
}

/// The classes of the pose layout: people, who carry keypoints.
pub const POSE_CLASSES: [Class; 2] = [Class::Person, Class::Rider];

/// Where each COCO keypoint lands when the image is mirrored (left and
/// right swap), as Ultralytics' pose augmentation needs.
pub const COCO_FLIP_INDEX: [usize; 17] = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15];

/// `data.yaml` of the pose layout: as `data_yaml`, its classes people,
/// with the keypoints' shape and flip order.
pub fn pose_data_yaml(train_empty: bool, val_empty: bool) -> String {
    let flip: Vec<String> = COCO_FLIP_INDEX.iter().map(|i| i.to_string()).collect();
    let keypoints = format!("kpt_shape: [17, 3]\nflip_idx: [{}]\n", flip.join(", "));
    yaml_of(train_empty, val_empty, &POSE_CLASSES, &keypoints)
}

/// The `data.yaml` of the layout `kind` (one of `KINDS`).
pub fn kind_data_yaml(kind: &str, train_empty: bool, val_empty: bool) -> String {
    if kind == "pose" {
        pose_data_yaml(train_empty, val_empty)
    } else {
        data_yaml(train_empty, val_empty)
    }
}

fn yaml_of(train_empty: bool, val_empty: bool, classes: &[Class], extra: &str) -> String {
    let (train, val, note) = match (train_empty, val_empty) {
        (false, true) => (
            "images/train",
            "images/train",
            "# one sample (a single run): val is the train images; merge a sweep for a split by sample\n",
        ),
        (true, false) => (
            "images/val",
            "images/val",
            "# one sample (a single run): train is the val images; merge a sweep for a split by sample\n",
        ),
        _ => ("images/train", "images/val", ""),
    };
    let mut s = format!(
        "# Edgecase synthetic dataset (Ultralytics YOLO layout)\n{note}train: {train}\nval: {val}\n"
    );
    s.push_str(extra);
    s.push_str(&format!("nc: {}\nnames:\n", classes.len()));
    for (i, c) in classes.iter().enumerate() {
        s.push_str(&format!("  {i}: {}\n", c.name()));
    }
    s
}

/// Objects a YOLO file lists: visible, not flagged too small (YOLO has no
/// "ignore" flag, so what a detector cannot see is left out), with a class.
fn listed(objects: &[ObjectLabel]) -> impl Iterator<Item = (usize, &ObjectLabel, [f64; 4])> {
    objects.iter().filter(|o| !o.too_small).filter_map(|o| {
        let class = class_index(o.class_id)?;
        Some((class, o, o.bbox_visible_px?))
    })
}

fn norm(v: f64, size: u32) -> String {
    format!("{:.6}", v / size as f64)
}

/// `class cx cy w h`, normalised, without the line's end.
fn box_line(class: usize, b: [f64; 4], width: u32, height: u32) -> String {
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    format!(
        "{class} {} {} {} {}",
        norm(cx, width),
        norm(cy, height),
        norm(b[2] - b[0], width),
        norm(b[3] - b[1], height)
    )
}

/// The box file of one image.
pub fn box_file(objects: &[ObjectLabel], width: u32, height: u32) -> String {
    listed(objects)
        .map(|(class, _, b)| box_line(class, b, width, height) + "\n")
        .collect()
}

/// The pose file of one image: the people a box file lists, their box and
/// their 17 keypoints.
pub fn pose_file(objects: &[ObjectLabel], width: u32, height: u32) -> String {
    let mut s = String::new();
    for (_, o, b) in listed(objects) {
        let (Some(class), Some(points)) = (
            POSE_CLASSES.iter().position(|c| c.id() == o.class_id),
            &o.keypoints_px,
        ) else {
            continue;
        };
        s.push_str(&box_line(class, b, width, height));
        for [x, y, v] in points {
            s.push_str(&format!(
                " {} {} {}",
                norm(*x, width),
                norm(*y, height),
                *v as u8
            ));
        }
        s.push('\n');
    }
    s
}

/// The outline of instance `instance_id`'s pixels in a label image
/// (`labels[y * width + x]` is the instance id), searched inside `bbox`.
pub fn instance_outline(labels: &[u16], width: u32, bbox: [f64; 4], instance_id: u32) -> Polygon {
    let (x0, y0) = (bbox[0] as u32, bbox[1] as u32);
    let (w, h) = (bbox[2] as u32 - x0, bbox[3] as u32 - y0);
    let rings = outlines(w, h, |x, y| {
        labels[((y0 + y) * width + x0 + x) as usize] as u32 == instance_id
    });
    join_outlines(rings)
        .into_iter()
        .map(|[x, y]| [x + x0, y + y0])
        .collect()
}

/// The segment file of one image, from its label image.
pub fn segment_file(objects: &[ObjectLabel], labels: &[u16], width: u32, height: u32) -> String {
    let mut s = String::new();
    for (class, o, b) in listed(objects) {
        let ring = instance_outline(labels, width, b, o.instance_id);
        s.push_str(&class.to_string());
        for [x, y] in ring {
            s.push_str(&format!(
                " {} {}",
                norm(x as f64, width),
                norm(y as f64, height)
            ));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instance_class_has_a_yolo_index_and_a_name() {
        for c in Class::ALL.iter().filter(|c| c.is_thing()) {
            assert!(class_index(c.id()).is_some(), "{c:?}");
        }
        let yaml = data_yaml(false, false);
        assert!(
            yaml.contains("  0: person\n")
                && yaml.contains("nc: 8\n")
                && yaml.contains("  7: bus\n")
        );
        assert!(yaml.contains("train: images/train\nval: images/val\n"));
        assert!(data_yaml(false, true).contains("train: images/train\nval: images/train\n"));
        assert!(data_yaml(true, false).contains("train: images/val\nval: images/val\n"));
    }

    #[test]
    fn the_pose_layout_names_people_and_mirrors_left_and_right() {
        let yaml = pose_data_yaml(false, true);
        assert!(yaml.contains("kpt_shape: [17, 3]\n") && yaml.contains("nc: 2\n"));
        assert!(yaml.contains("  0: person\n  1: rider\n"));
        assert!(yaml.contains("flip_idx: [0, 2, 1, 4, 3,"));
        let names = crate::core::body::COCO_KEYPOINT_NAMES;
        for (i, &j) in COCO_FLIP_INDEX.iter().enumerate() {
            let mirrored = names[i]
                .replace("left", "LEFT")
                .replace("right", "left")
                .replace("LEFT", "right");
            assert_eq!(names[j], mirrored, "{i}");
        }
    }

    #[test]
    fn an_outline_is_found_inside_its_box_and_offset_back() {
        // a 2x3 block of instance 7 at x 3..5, y 1..4 in an 8x6 image
        let (w, h) = (8u32, 6u32);
        let mut labels = vec![0u16; (w * h) as usize];
        for y in 1..4 {
            for x in 3..5 {
                labels[(y * w + x) as usize] = 7;
            }
        }
        let ring = instance_outline(&labels, w, [3.0, 1.0, 5.0, 4.0], 7);
        assert_eq!(ring, vec![[3, 1], [5, 1], [5, 4], [3, 4]]);
    }
}

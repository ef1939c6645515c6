//! Multi-object tracking ground truth: KITTI-tracking label lines and
//! MOTChallenge `gt.txt` lines, one track per instance id (ids are stable
//! for the whole run, across cameras and the LiDAR).

use super::classes::Class;
use super::kitti::tracked_rows;
use super::record::ObjectLabel;

/// MOT17's class column: 1 pedestrian, 2 person on vehicle, 3 car (trucks
/// too: MOT has no truck), 4 bicycle, 8 distractor (animals), 10 occluder on
/// the ground (debris). Only class 1 is scored by MOT17's evaluation.
pub fn mot_class(class: Class) -> Option<u8> {
    match class {
        Class::Person => Some(1),
        Class::Rider => Some(2),
        Class::Car | Class::Truck => Some(3),
        Class::Bicycle => Some(4),
        Class::Animal => Some(8),
        Class::Debris => Some(10),
        _ => None,
    }
}

/// `frame,id,bb_left,bb_top,bb_width,bb_height,conf,class,visibility` per
/// object seen in this image (some visible pixels): `frame` 1-based (MOT's
/// numbering: Edgecase frame f is MOT frame f + 1); the box is the amodal
/// box (the projected 3D box, unclipped, as MOT draws the whole body);
/// `conf` 1 for objects to track, 0 for those flagged too small (MOT's
/// "ignore"); visibility = visible fraction x (1 - truncation).
pub fn mot_lines(frame: u64, objects: &[ObjectLabel]) -> String {
    let mut s = String::new();
    for o in objects.iter().filter(|o| o.visible_pixels > 0) {
        let Some(class) = Class::from_id(o.class_id).and_then(mot_class) else {
            continue;
        };
        let b = o.bbox_amodal_px;
        let visibility = o.visible_fraction * (1.0 - o.truncation);
        s.push_str(&format!(
            "{},{},{:.2},{:.2},{:.2},{:.2},{},{},{:.4}\n",
            frame + 1,
            o.instance_id,
            b[0],
            b[1],
            b[2] - b[0],
            b[3] - b[1],
            u8::from(!o.too_small),
            class,
            visibility
        ));
    }
    s
}

/// KITTI-tracking lines of one frame: `frame track_id` then the object's
/// KITTI detection row (KITTI's types, Cyclist boxes hold the bicycle;
/// DontCare rows get track id -1, as KITTI writes them).
pub fn kitti_tracking_lines(frame: u64, objects: &[ObjectLabel]) -> String {
    let mut s = String::new();
    for (id, row) in tracked_rows(objects) {
        let track = if row.kind == "DontCare" {
            -1
        } else {
            id as i64
        };
        s.push_str(&format!("{frame} {track} {}\n", row.to_line()));
    }
    s
}

/// MOTChallenge `seqinfo.ini`.
pub fn seqinfo(name: &str, frames: u64, fps: f64, width: u32, height: u32) -> String {
    format!(
        "[Sequence]\nname={name}\nimDir=img1\nframeRate={}\nseqLength={frames}\nimWidth={width}\nimHeight={height}\nimExt=.png\n",
        fps.round() as u64
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instance_class_has_a_mot_class() {
        for c in Class::ALL.iter().filter(|c| c.is_thing()) {
            assert!(mot_class(*c).is_some(), "{c:?}");
        }
        assert_eq!(mot_class(Class::Road), None);
    }

    #[test]
    fn seqinfo_names_the_png_frames() {
        let s = seqinfo("front", 30, 10.0, 640, 480);
        assert!(s.contains("seqLength=30\n") && s.contains("imExt=.png\n"));
    }
}

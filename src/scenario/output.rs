//! What a run writes: the dataset formats, the layers and their files.

use super::range;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum Format {
    /// KITTI object detection (`kitti/training`) of `kitti_camera`.
    Kitti,
    /// One COCO annotations.json: boxes, RLE masks, person keypoints.
    Coco,
    /// Ultralytics YOLO layout, boxes (`yolo/detect`) and segment polygons
    /// (`yolo/segment`), every camera.
    Yolo,
    /// Multi-object tracking: KITTI-tracking labels and MOTChallenge
    /// ground truth per camera (`tracking/`).
    Tracking,
    /// COCO panoptic: `coco/panoptic/*.png` and `coco/panoptic.json`.
    Panoptic,
    /// Cityscapes layout (`cityscapes/leftImg8bit`, `cityscapes/gtFine`).
    Cityscapes,
    /// nuScenes v1.0 tables, samples and lidarseg (`nuscenes/`).
    Nuscenes,
    /// One MCAP recording (`recording.mcap`) with Foxglove's schemas.
    Mcap,
    /// Forward optical flow per camera (KITTI flow PNG) and scene flow per
    /// LiDAR, frame t to t + 1; needs `instance` and a `depth` format.
    Flow,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::Kitti,
        Format::Coco,
        Format::Yolo,
        Format::Tracking,
        Format::Panoptic,
        Format::Cityscapes,
        Format::Nuscenes,
        Format::Mcap,
        Format::Flow,
    ];

    /// The name `--formats` takes.
    pub fn cli_name(self) -> &'static str {
        match self {
            Format::Kitti => "kitti",
            Format::Coco => "coco",
            Format::Yolo => "yolo",
            Format::Tracking => "tracking",
            Format::Panoptic => "panoptic",
            Format::Cityscapes => "cityscapes",
            Format::Nuscenes => "nuscenes",
            Format::Mcap => "mcap",
            Format::Flow => "flow",
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum DepthFormat {
    /// uint16 PNG, metres = value / 256 (KITTI), 0 = no return.
    Png16,
    /// float32 .npy, metres, 0 = no return.
    Npy32,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Output {
    pub formats: Vec<Format>,
    /// Camera whose frames feed KITTI `training/`.
    pub kitti_camera: String,
    pub depth: Vec<DepthFormat>,
    pub rgb: bool,
    /// The file format of the colour images (`rgb/`, `rgb_clean/` and
    /// every format that links them).
    pub image_format: ImageFormat,
    pub semantic: bool,
    pub instance: bool,
    /// Objects with fewer visible pixels are listed but flagged `too_small`.
    pub min_visible_pixels: u64,
    /// Objects farther than this from the camera are not labeled, metres.
    #[serde(deserialize_with = "range::positive")]
    pub max_label_distance_m: f64,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            formats: vec![Format::Kitti, Format::Coco],
            kitti_camera: "front".into(),
            depth: vec![DepthFormat::Png16],
            rgb: true,
            image_format: ImageFormat::Png,
            semantic: true,
            instance: true,
            min_visible_pixels: 25,
            max_label_distance_m: 150.0,
        }
    }
}

/// How the colour images are stored.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum ImageFormat {
    /// Lossless PNG, `.png`.
    Png,
    /// Baseline JPEG (4:2:0 chroma), `.jpg`, at `quality` 1..=100: many
    /// times smaller. Formats whose readers expect PNG (KITTI object and
    /// tracking, Cityscapes) get a PNG of the decoded JPEG, so every
    /// format carries the same pixels.
    Jpeg {
        #[serde(deserialize_with = "range::jpeg_quality")]
        quality: u8,
    },
}

impl ImageFormat {
    /// The files' extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg { .. } => "jpg",
        }
    }

    /// Its media subtype (`image/<this>`; Foxglove's CompressedImage
    /// `format`).
    pub fn media_subtype(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg { .. } => "jpeg",
        }
    }
}

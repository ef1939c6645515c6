//! Pure label and geometry math. NO Bevy here: glam and serde only, so every
//! function is unit-tested without an App or a GPU.

pub mod body;
pub mod boxes;
pub mod camera;
pub mod cityscapes;
pub mod classes;
pub mod coco;
pub mod color;
pub mod contamination;
pub mod effects;
pub mod exposure;
pub mod failures;
pub mod flow;
pub mod frames;
pub mod frustum;
pub mod kitti;
pub mod lens;
pub mod lidar;
pub mod mask;
pub mod mcap;
pub mod mesh;
pub mod motion;
pub mod nuscenes;
pub mod panoptic;
pub mod polygon;
pub mod record;
pub mod rle;
pub mod rng;
pub mod road;
pub mod shadow;
pub mod silhouette;
pub mod stats;
pub mod tracking;
pub mod traffic;
pub mod visibility;
pub mod yolo;

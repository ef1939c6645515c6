//! One camera's (or LiDAR view's) pixels for one frame, as labels and
//! writers read them. Where the planes live (a mapped GPU staging buffer, a
//! copy, a test's vectors) is the producer's business: `PixelPlanes`.

use crate::core::camera::depth_m_from_buffer;
use std::sync::Arc;

/// The three planes of an image, rows tightly packed, top row first.
pub trait PixelPlanes: Send + Sync {
    /// sRGB colour, 4 bytes per pixel; empty for LiDAR views.
    fn rgba(&self) -> &[u8];
    /// Label value per pixel (`classes::label_value`: instance id for
    /// things, class id elsewhere); empty in colour-only mode.
    fn labels(&self) -> &[u16];
    /// The reverse-Z depth buffer as rendered, d = near / z per pixel (0
    /// where nothing was drawn); empty in colour-only mode.
    fn near_over_z(&self) -> &[f32];
    /// Whether the planes are read in place from where they were rendered
    /// (rather than copied out).
    fn reads_in_place(&self) -> bool {
        false
    }
}

/// Planes held in plain vectors (tests, tools, decoded files).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OwnedPixels {
    pub rgba: Vec<u8>,
    pub labels: Vec<u16>,
    pub near_over_z: Vec<f32>,
}

impl PixelPlanes for OwnedPixels {
    fn rgba(&self) -> &[u8] {
        &self.rgba
    }
    fn labels(&self) -> &[u16] {
        &self.labels
    }
    fn near_over_z(&self) -> &[f32] {
        &self.near_over_z
    }
}

/// An image: its size and its planes. Cheap to clone (the planes are
/// shared). An image read in place keeps its GPU staging buffer mapped, so
/// hold few.
#[derive(Clone)]
pub struct CameraImage {
    pub width: u32,
    pub height: u32,
    planes: Arc<dyn PixelPlanes>,
}

impl std::fmt::Debug for CameraImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("reads_in_place", &self.reads_in_place())
            .finish()
    }
}

impl CameraImage {
    pub fn new(width: u32, height: u32, planes: Arc<dyn PixelPlanes>) -> CameraImage {
        CameraImage {
            width,
            height,
            planes,
        }
    }

    /// sRGB colour, 4 bytes per pixel; empty for LiDAR views.
    pub fn rgba(&self) -> &[u8] {
        self.planes.rgba()
    }

    /// Label value per pixel; empty in colour-only mode.
    pub fn labels(&self) -> &[u16] {
        self.planes.labels()
    }

    /// The reverse-Z depth buffer as rendered (see `PixelPlanes`); see
    /// `depth_m_at` / `to_depth_m` for metres.
    pub fn near_over_z(&self) -> &[f32] {
        self.planes.near_over_z()
    }

    /// z-depth in metres at pixel index `i` (0 where nothing was drawn).
    pub fn depth_m_at(&self, i: usize) -> f32 {
        depth_m_from_buffer(self.near_over_z()[i])
    }

    /// z-depth in metres per pixel (0 where nothing was drawn).
    pub fn to_depth_m(&self) -> Vec<f32> {
        self.near_over_z()
            .iter()
            .map(|&d| depth_m_from_buffer(d))
            .collect()
    }

    /// Whether the planes are read in place (see `PixelPlanes`).
    pub fn reads_in_place(&self) -> bool {
        self.planes.reads_in_place()
    }
}

//! Sensor cameras on our own wgpu pipeline. One render pass per camera writes
//! colour, ids and depth; copies land in staging buffers that are mapped
//! asynchronously, so frame N is read back while N+1 renders. Each frame in
//! flight carries the FrameSnapshot it was rendered from. Images read their
//! planes in place from the mapped staging buffer (copied out only where
//! rows are padded), on the thread that takes the frame (the labeler in
//! batch runs); the last image of a buffer unmaps it and hands it back.

pub mod gpu;

mod frame;
mod image;
pub mod particles;
mod pipeline;
mod pool;
mod readback;
mod rig;
mod variants;
mod view;

use crate::core::mesh::{Mesh, Primitive, Vertex, primitive_mesh};
use crate::snapshot::image::{CameraImage, OwnedPixels, PixelPlanes};
use crate::snapshot::{CameraInfo, DrawInstance, FrameSnapshot, Lighting};
use crate::world::StaticMesh;
use glam::{Mat3, Mat4};
pub use gpu::{GpuContext, GpuError, RENDER_DEVICES_VAR};
use image::*;
use pipeline::*;
pub use pipeline::{COLOR_FORMAT, LABEL_FORMAT, MAX_LIGHTS, SHADER_SOURCE, ZBUFFER_FORMAT};
pub use pool::RenderPool;
use readback::*;
pub use readback::{ReadbackFrame, RenderedFrame, SPARE_STAGING, STAGING_WAIT};
pub use rig::CameraRig;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use variants::*;
use view::*;
use wgpu::util::DeviceExt;

/// Frames between submission and readback (in flight on the GPU); the
/// submission after them waits for the oldest.
pub const SLOTS: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderMode {
    /// Colour + label values + depth, all read back.
    Labeled,
    /// Colour only ("bare render"), only the image read back.
    ColorOnly,
}

/// What a view renders and reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ViewKind {
    /// Colour only (the bare render).
    Color,
    /// Colour + labels + depth (a labeled camera).
    Labeled,
    /// Labels + depth, no shading (a LiDAR view).
    LabelsOnly,
}

impl ViewKind {
    fn has_color(self) -> bool {
        self != ViewKind::LabelsOnly
    }
    fn has_labels(self) -> bool {
        self != ViewKind::Color
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shader in shaders/ parses and validates with naga, so a broken
    /// shader fails here, without a GPU.
    #[test]
    fn shaders_validate_with_naga() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "wgsl") {
                let src = std::fs::read_to_string(&path).unwrap();
                let module = naga::front::wgsl::parse_str(&src)
                    .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&src)));
                naga::valid::Validator::new(
                    naga::valid::ValidationFlags::all(),
                    naga::valid::Capabilities::default(),
                )
                .validate(&module)
                .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
                n += 1;
            }
        }
        assert!(n >= 1);
        // the entry points the pipelines name exist
        for entry in [
            "vs_main",
            "fs_labeled",
            "fs_color",
            "fs_label_only",
            "vs_particle",
            "fs_particle",
        ] {
            assert!(SHADER_SOURCE.contains(&format!("fn {entry}(")), "{entry}");
        }
    }

    /// The camera shader's `View` has the Rust uniform's size, byte for
    /// byte (a field added on one side only shifts every later one), and
    /// it tiles the view as `core::shadow::contact_tiles` does.
    #[test]
    fn the_view_uniform_matches_the_shader() {
        let module = naga::front::wgsl::parse_str(SHADER_SOURCE).unwrap();
        let span = module
            .types
            .iter()
            .find_map(|(_, t)| match (&t.name, &t.inner) {
                (Some(name), naga::TypeInner::Struct { span, .. }) if name == "View" => Some(*span),
                _ => None,
            })
            .expect("struct View");
        assert_eq!(span as usize, std::mem::size_of::<pipeline::ViewUniform>());
        use crate::core::shadow::{CONTACT_TILES, CONTACT_TILES_X, CONTACT_TILES_Y};
        for needle in [
            format!("vec2<f32>({CONTACT_TILES_X}.0, {CONTACT_TILES_Y}.0)"),
            format!("tile.y * {CONTACT_TILES_X}u + tile.x"),
            format!("caster_tiles: array<vec4<u32>, {}>", CONTACT_TILES / 4),
        ] {
            assert!(SHADER_SOURCE.contains(&needle), "{needle}");
        }
    }

    #[test]
    fn readback_rows_are_copy_aligned() {
        for (w, h) in [(640, 480), (1280, 720), (333, 77)] {
            let l = ReadbackLayout::new(w, h, ViewKind::Labeled);
            let a = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
            assert_eq!((l.row % a, l.labels_row % a), (0, 0));
            assert!(l.row >= w * 4 && l.row < w * 4 + a);
            assert!(l.labels_row >= w * 2 && l.labels_row < w * 2 + a);
            // colour, labels, depth back to back
            assert_eq!(l.labels_offset, l.row as u64 * h as u64);
            assert_eq!(
                l.depth_offset,
                l.labels_offset + l.labels_row as u64 * h as u64
            );
            assert_eq!(l.size, l.depth_offset + l.row as u64 * h as u64);
            assert_eq!(
                ReadbackLayout::new(w, h, ViewKind::Color).size,
                l.labels_offset
            );
            let lidar = ReadbackLayout::new(w, h, ViewKind::LabelsOnly);
            assert_eq!(
                (lidar.labels_offset, lidar.size),
                (0, l.size - l.labels_offset)
            );
        }
    }
}

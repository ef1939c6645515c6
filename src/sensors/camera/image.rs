//! Where a read-back image's planes live: in place in its mapped staging
//! buffer (unmapped and handed back when the last image goes) or copied out
//! into recycled storage.

use super::*;

/// A view's staging buffer while mapped. The images read from it share it;
/// the last one to go unmaps it and hands it back to the rig for a later
/// frame.
pub(super) struct MappedStaging {
    pub(super) bytes: Option<wgpu::BufferView>,
    pub(super) buffer: wgpu::Buffer,
    pub(super) view_index: usize,
    pub(super) recycle: crossbeam_channel::Sender<Recycled>,
}

impl MappedStaging {
    pub(super) fn bytes(&self) -> &[u8] {
        // mapped until dropped: the view is None only inside `drop`
        self.bytes.as_deref().unwrap_or(&[])
    }
}

impl Drop for MappedStaging {
    fn drop(&mut self) {
        // the view of the mapping goes before the unmap
        self.bytes = None;
        self.buffer.unmap();
        // the rig may be gone (end of run): then the buffer is just freed
        let _ = self.recycle.send((self.view_index, self.buffer.clone()));
    }
}

// Copied-out pixel storage (`OwnedPixels`) is recycled between frames:
// fresh multi-megabyte Vecs every frame cost more in page faults than the
// render.

/// Copied-out planes; dropping them hands their storage back to the rig.
pub(super) struct OwnedPlanes {
    pub(super) pixels: OwnedPixels,
    pub(super) recycle: Option<crossbeam_channel::Sender<OwnedPixels>>,
}

impl Drop for OwnedPlanes {
    fn drop(&mut self) {
        if let Some(tx) = self.recycle.take() {
            // a full pool just frees the buffers
            let _ = tx.try_send(std::mem::take(&mut self.pixels));
        }
    }
}

/// Where an image's planes live.
#[derive(Clone)]
pub(super) enum Planes {
    /// In the mapped staging buffer itself, read in place: rows tightly
    /// packed (width a multiple of 128 px) and aligned, the usual case.
    /// Copying 3 MB out per 640x480 frame cost a sixth of the frame rate on a
    /// CPU rasterizer.
    Mapped {
        staging: Arc<MappedStaging>,
        rgba: std::ops::Range<usize>,
        labels: std::ops::Range<usize>,
        depth: std::ops::Range<usize>,
    },
    /// De-padded copies (rows padded to the copy alignment).
    Owned(Arc<OwnedPlanes>),
}

impl PixelPlanes for Planes {
    fn rgba(&self) -> &[u8] {
        match self {
            Planes::Mapped { staging, rgba, .. } => &staging.bytes()[rgba.clone()],
            Planes::Owned(p) => &p.pixels.rgba,
        }
    }

    fn labels(&self) -> &[u16] {
        match self {
            // alignment checked when the image was made
            Planes::Mapped {
                staging, labels, ..
            } => bytemuck::cast_slice(&staging.bytes()[labels.clone()]),
            Planes::Owned(p) => &p.pixels.labels,
        }
    }

    fn near_over_z(&self) -> &[f32] {
        match self {
            Planes::Mapped { staging, depth, .. } => {
                bytemuck::cast_slice(&staging.bytes()[depth.clone()])
            }
            Planes::Owned(p) => &p.pixels.near_over_z,
        }
    }

    fn reads_in_place(&self) -> bool {
        matches!(self, Planes::Mapped { .. })
    }
}

/// One view's mapped staging buffer.
pub(super) struct MappedView {
    pub(super) staging: Arc<MappedStaging>,
    pub(super) layout: ReadbackLayout,
    pub(super) kind: ViewKind,
    pub(super) width: usize,
    pub(super) height: usize,
}

impl MappedView {
    /// The image of this view: its planes in place when the rows are tightly
    /// packed and aligned, else copied out (rows de-padded) into recycled
    /// storage, which hands the staging buffer back at once.
    pub(super) fn into_image(
        self,
        pool_rx: &crossbeam_channel::Receiver<OwnedPixels>,
        pool_tx: &crossbeam_channel::Sender<OwnedPixels>,
    ) -> CameraImage {
        let (w, h, l) = (self.width, self.height, self.layout);
        let (rgba, labels, depth) = self.plane_ranges();
        let bytes = self.staging.bytes();
        let in_place = cfg!(target_endian = "little")
            && l.row as usize == w * 4
            && (!self.kind.has_labels() || l.labels_row as usize == w * 2)
            && bytemuck::try_cast_slice::<u8, u16>(&bytes[labels.clone()]).is_ok()
            && bytemuck::try_cast_slice::<u8, f32>(&bytes[depth.clone()]).is_ok();
        let planes = if in_place {
            Planes::Mapped {
                staging: self.staging.clone(),
                rgba,
                labels,
                depth,
            }
        } else {
            Planes::Owned(Arc::new(OwnedPlanes {
                pixels: self.copy_out(pool_rx.try_recv().unwrap_or_default()),
                recycle: Some(pool_tx.clone()),
            }))
        };
        CameraImage::new(w as u32, h as u32, Arc::new(planes))
    }

    /// Byte ranges of the colour, label and depth planes in the staging
    /// buffer if its rows are tightly packed (empty for planes not read back).
    pub(super) fn plane_ranges(
        &self,
    ) -> (
        std::ops::Range<usize>,
        std::ops::Range<usize>,
        std::ops::Range<usize>,
    ) {
        let (n, l) = (self.width * self.height, self.layout);
        let at = |offset: u64, len: usize| offset as usize..offset as usize + len;
        let rgba = if self.kind.has_color() {
            at(0, n * 4)
        } else {
            0..0
        };
        let (labels, depth) = if self.kind.has_labels() {
            (at(l.labels_offset, n * 2), at(l.depth_offset, n * 4))
        } else {
            (0..0, 0..0)
        };
        (rgba, labels, depth)
    }

    /// Copy the planes out row by row (rows de-padded).
    pub(super) fn copy_out(&self, mut b: OwnedPixels) -> OwnedPixels {
        let (w, h, l) = (self.width, self.height, self.layout);
        let data = self.staging.bytes();
        b.rgba.clear();
        b.labels.clear();
        b.near_over_z.clear();
        let rows =
            |offset: u64, pitch: u32| (0..h).map(move |y| offset as usize + y * pitch as usize);
        if self.kind.has_color() {
            for r in rows(0, l.row) {
                b.rgba.extend_from_slice(&data[r..r + w * 4]);
            }
        }
        if self.kind.has_labels() {
            for r in rows(l.labels_offset, l.labels_row) {
                extend_from_le_bytes(&mut b.labels, &data[r..r + w * 2]);
            }
            for r in rows(l.depth_offset, l.row) {
                extend_from_le_bytes(&mut b.near_over_z, &data[r..r + w * 4]);
            }
        }
        b
    }
}

/// Append a tightly packed row of little-endian values read from mapped bytes.
pub(super) fn extend_from_le_bytes<T: bytemuck::Pod>(out: &mut Vec<T>, bytes: &[u8]) {
    let size = std::mem::size_of::<T>();
    if cfg!(target_endian = "little")
        && let Ok(v) = bytemuck::try_cast_slice::<u8, T>(bytes)
    {
        out.extend_from_slice(v);
    } else {
        out.extend(bytes.chunks_exact(size).map(|c| {
            let mut v = T::zeroed();
            let dst = bytemuck::bytes_of_mut(&mut v);
            dst.copy_from_slice(c);
            if cfg!(target_endian = "big") {
                dst.reverse();
            }
            v
        }));
    }
}

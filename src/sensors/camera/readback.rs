//! Reading frames back: each view's staging-buffer layout, the frames in
//! flight while their buffers map, the pool of staging buffers (capped for
//! backpressure), and the frames handed on still mapped.

use super::rig::CameraTarget;
use super::*;

/// Row pitches and offsets of one view's readback buffer: colour (4 bytes
/// per pixel), label values (2) and depth buffer (4), rows padded; the
/// planes a view kind does not read back take no space.
#[derive(Clone, Copy, Debug)]
pub(super) struct ReadbackLayout {
    pub(super) row: u32,
    pub(super) labels_row: u32,
    pub(super) labels_offset: u64,
    pub(super) depth_offset: u64,
    pub(super) size: u64,
}

pub(super) fn padded_row(bytes: u32) -> u32 {
    let a = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    bytes.div_ceil(a) * a
}

impl ReadbackLayout {
    pub(super) fn new(width: u32, height: u32, kind: ViewKind) -> ReadbackLayout {
        let row = padded_row(width * 4);
        let labels_row = padded_row(width * 2);
        let plane = row as u64 * height as u64;
        let labels_offset = if kind.has_color() { plane } else { 0 };
        let depth_offset = labels_offset + labels_row as u64 * height as u64;
        let size = if kind.has_labels() {
            depth_offset + plane
        } else {
            plane
        };
        ReadbackLayout {
            row,
            labels_row,
            labels_offset,
            depth_offset,
            size,
        }
    }
}

/// Map state of a staging buffer: pending, ready, or failed.
pub(super) const MAP_PENDING: u8 = 0;

pub(super) const MAP_READY: u8 = 1;

pub(super) const MAP_FAILED: u8 = 2;

/// One submitted frame whose staging buffers are being mapped.
pub(super) struct InFlight {
    pub(super) snapshot: FrameSnapshot,
    /// One staging buffer per view.
    pub(super) buffers: Vec<wgpu::Buffer>,
    pub(super) states: Vec<Arc<AtomicU8>>,
}

/// A staging buffer handed back to its rig: (view index, buffer).
pub(super) type Recycled = (usize, wgpu::Buffer);

/// Unmapped staging buffers kept per view for later frames; more are freed.
pub const SPARE_STAGING: usize = SLOTS + 8;

/// Longest wait for a staging buffer at the cap before making one anyway.
pub const STAGING_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

pub struct RenderedFrame {
    pub snapshot: FrameSnapshot,
    pub images: Vec<CameraImage>,
}

/// A rendered frame, still in its mapped staging buffers. `decode` turns it
/// into images (read in place, or copied out where rows are padded) on the
/// calling thread; dropping it unmaps the buffers unread.
pub struct ReadbackFrame {
    pub(super) snapshot: FrameSnapshot,
    pub(super) views: Vec<MappedView>,
    pub(super) pool_tx: crossbeam_channel::Sender<OwnedPixels>,
    pub(super) pool_rx: crossbeam_channel::Receiver<OwnedPixels>,
}

impl ReadbackFrame {
    pub fn frame(&self) -> u64 {
        self.snapshot.frame
    }

    pub fn decode(self) -> RenderedFrame {
        let images = self
            .views
            .into_iter()
            .map(|v| v.into_image(&self.pool_rx, &self.pool_tx))
            .collect();
        RenderedFrame {
            snapshot: self.snapshot,
            images,
        }
    }
}

impl CameraRig {
    /// Staging buffers made so far, all views together: one per view for
    /// each frame in flight, and more only while images still hold theirs.
    pub fn staging_buffers_made(&self) -> usize {
        self.staging_made
    }

    /// Keep at most `per_view` staging buffers per view: when images hold
    /// them all (writers behind the render), the next frame waits for one
    /// to come back instead of making another, so memory stops at the cap
    /// however long the run (a slow disk slows the render). After
    /// [`STAGING_WAIT`] without one it makes one anyway: an image held for
    /// good (a caller keeping frames) must not stop the render.
    pub fn limit_staging_buffers(&mut self, per_view: usize) {
        self.staging_cap = Some(per_view.max(SLOTS + 1));
    }

    /// One unmapped staging buffer per view: a spare one handed back by an
    /// image that is gone, or a new one while images still hold them all.
    pub(super) fn staging_buffers(&mut self) -> Vec<wgpu::Buffer> {
        while let Ok((view, buffer)) = self.recycle_rx.try_recv() {
            self.keep_recycled(view, buffer);
        }
        (0..self.cameras.len())
            .map(|view| {
                self.wait_for_staging(view);
                self.spare[view].pop().unwrap_or_else(|| {
                    self.staging_made += 1;
                    self.staging_alive[view] += 1;
                    self.gpu.device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("readback"),
                        size: self.cameras[view].layout.size,
                        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    })
                })
            })
            .collect()
    }

    /// A buffer an image handed back: kept as a spare, or freed.
    pub(super) fn keep_recycled(&mut self, view: usize, buffer: wgpu::Buffer) {
        if self.spare[view].len() < SPARE_STAGING {
            self.spare[view].push(buffer);
        } else {
            self.staging_alive[view] -= 1;
        }
    }

    /// At the cap with no spare: wait for an image outside the rig to hand a
    /// buffer of `view` back (frames in flight or done hold theirs until
    /// the render thread moves them on, so waiting for those would stall).
    pub(super) fn wait_for_staging(&mut self, view: usize) {
        let Some(cap) = self.staging_cap else {
            return;
        };
        let held_in_rig = self.in_flight.len() + self.done.len();
        if !self.spare[view].is_empty()
            || self.staging_alive[view] < cap
            || self.staging_alive[view] <= held_in_rig
        {
            return;
        }
        let deadline = std::time::Instant::now() + STAGING_WAIT;
        while self.spare[view].is_empty() {
            match self.recycle_rx.recv_deadline(deadline) {
                Ok((v, buffer)) => self.keep_recycled(v, buffer),
                Err(_) => break,
            }
        }
    }

    /// Move finished frames (in submission order) to the done queue. With
    /// `block`, wait for at least the oldest in-flight frame.
    pub(super) fn collect(&mut self, block: bool) {
        let ready = |f: &InFlight| {
            f.states
                .iter()
                .all(|st| st.load(Ordering::Acquire) != MAP_PENDING)
        };
        let mut waited = false;
        while let Some(oldest) = self.in_flight.front() {
            if !ready(oldest) {
                if block && !waited {
                    let _ = self.gpu.device.poll(wgpu::PollType::wait_indefinitely());
                    waited = true;
                    continue;
                }
                let _ = self.gpu.device.poll(wgpu::PollType::Poll);
                if !self.in_flight.front().is_some_and(ready) {
                    break;
                }
            }
            let Some(f) = self.in_flight.pop_front() else {
                break;
            };
            let frame = self.mapped_frame(f);
            self.done.push_back(frame);
        }
    }

    pub(super) fn mapped_frame(&self, f: InFlight) -> ReadbackFrame {
        for state in &f.states {
            assert_eq!(
                state.load(Ordering::Acquire),
                MAP_READY,
                "GPU readback failed for frame {}",
                f.snapshot.frame
            );
        }
        let views = self
            .cameras
            .iter()
            .zip(f.buffers)
            .enumerate()
            .map(|(view_index, (cam, buffer))| MappedView {
                staging: Arc::new(MappedStaging {
                    bytes: Some(buffer.slice(..).get_mapped_range()),
                    buffer,
                    view_index,
                    recycle: self.recycle_tx.clone(),
                }),
                layout: cam.layout,
                kind: cam.kind,
                width: cam.info.intrinsics.width as usize,
                height: cam.info.intrinsics.height as usize,
            })
            .collect();
        ReadbackFrame {
            snapshot: f.snapshot,
            views,
            pool_tx: self.pool_tx.clone(),
            pool_rx: self.pool_rx.clone(),
        }
    }

    /// Frames whose readback finished, oldest first, without waiting; still
    /// mapped, for the caller to decode on its own thread.
    pub fn poll_readbacks(&mut self) -> Vec<ReadbackFrame> {
        self.collect(false);
        self.done.drain(..).collect()
    }

    /// Wait for every frame in flight; still mapped.
    pub fn finish_readbacks(&mut self) -> Vec<ReadbackFrame> {
        while !self.in_flight.is_empty() {
            self.collect(true);
        }
        self.done.drain(..).collect()
    }

    /// As `poll_readbacks`, decoded on this thread.
    pub fn poll_finished(&mut self) -> Vec<RenderedFrame> {
        self.poll_readbacks()
            .into_iter()
            .map(ReadbackFrame::decode)
            .collect()
    }

    /// As `finish_readbacks`, decoded on this thread.
    pub fn finish(&mut self) -> Vec<RenderedFrame> {
        self.finish_readbacks()
            .into_iter()
            .map(ReadbackFrame::decode)
            .collect()
    }
}

/// Copy a rendered view's planes into its staging buffer.
pub(super) fn copy_to_staging(
    encoder: &mut wgpu::CommandEncoder,
    cam: &CameraTarget,
    buffer: &wgpu::Buffer,
) {
    let (w, h) = (cam.info.intrinsics.width, cam.info.intrinsics.height);
    let extent = wgpu::Extent3d {
        width: w,
        height: h,
        depth_or_array_layers: 1,
    };
    let copy =
        |encoder: &mut wgpu::CommandEncoder, tex: &wgpu::Texture, aspect, offset: u64, row: u32| {
            encoder.copy_texture_to_buffer(
                wgpu::TexelCopyTextureInfo {
                    texture: tex,
                    mip_level: 0,
                    origin: wgpu::Origin3d::ZERO,
                    aspect,
                },
                wgpu::TexelCopyBufferInfo {
                    buffer,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset,
                        bytes_per_row: Some(row),
                        rows_per_image: Some(h),
                    },
                },
                extent,
            );
        };
    let l = cam.layout;
    if cam.kind.has_color() {
        copy(encoder, &cam.color, wgpu::TextureAspect::All, 0, l.row);
    }
    if let Some(labels) = &cam.labels {
        copy(
            encoder,
            labels,
            wgpu::TextureAspect::All,
            l.labels_offset,
            l.labels_row,
        );
        copy(
            encoder,
            &cam.zbuffer,
            wgpu::TextureAspect::DepthOnly,
            l.depth_offset,
            l.row,
        );
    }
}

/// Map every staging buffer of a frame; each state turns ready or failed
/// when its mapping completes.
pub(super) fn map_staging(buffers: &[wgpu::Buffer]) -> Vec<Arc<AtomicU8>> {
    buffers
        .iter()
        .map(|buffer| {
            let state = Arc::new(AtomicU8::new(MAP_PENDING));
            let on_mapped = state.clone();
            buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                on_mapped.store(
                    if r.is_ok() { MAP_READY } else { MAP_FAILED },
                    Ordering::Release,
                );
            });
            state
        })
        .collect()
}

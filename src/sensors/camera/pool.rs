//! Frames rendered on several devices at once, read back in order.
//!
//! A CPU rasterizer (lavapipe) runs a frame's passes one after another:
//! the shadow map before the scene that samples it, the scene before the
//! anti-aliasing that reads it, each waiting for the last, and it records
//! and bins each pass on one thread while its raster threads wait. One
//! device therefore keeps ~1.7 of 2 cores busy. Frames are independent, so
//! a second device (its own queue and raster threads) renders the next
//! frame while the first is between passes. Each device draws whole frames
//! with the same pipelines, so the pixels do not depend on which device
//! drew them.

use super::{CameraRig, GpuContext, ReadbackFrame, RenderMode};
use std::collections::VecDeque;

/// One `CameraRig` per device, frames handed out in turn and handed back
/// in the order they were submitted.
pub struct RenderPool {
    rigs: Vec<CameraRig>,
    /// The rig of each frame submitted and not yet handed back, oldest first.
    order: VecDeque<usize>,
    /// Per rig, frames read back and not yet handed back (its own order).
    ready: Vec<VecDeque<ReadbackFrame>>,
    next: usize,
}

impl RenderPool {
    /// `rigs`: the same views and scene, one rig per device (at least one).
    pub fn new(rigs: Vec<CameraRig>) -> RenderPool {
        assert!(!rigs.is_empty(), "a render pool needs a rig");
        RenderPool {
            ready: rigs.iter().map(|_| VecDeque::new()).collect(),
            rigs,
            order: VecDeque::new(),
            next: 0,
        }
    }

    /// `rig` made on `gpu` and on `gpu.frame_devices - 1` more devices of
    /// its adapter. A device that cannot be made leaves the pool smaller
    /// (the run still works).
    pub fn on_devices(gpu: GpuContext, rig: impl Fn(GpuContext) -> CameraRig) -> RenderPool {
        let extra: Vec<GpuContext> = (1..gpu.frame_devices)
            .map_while(|_| match GpuContext::new_headless() {
                Ok(g) => Some(g),
                Err(e) => {
                    tracing::warn!("rendering on fewer devices: {e}");
                    None
                }
            })
            .collect();
        RenderPool::new(std::iter::once(gpu).chain(extra).map(rig).collect())
    }

    /// How many devices render frames.
    pub fn devices(&self) -> usize {
        self.rigs.len()
    }

    /// The first device (its name and backend stand for all).
    pub fn gpu(&self) -> &GpuContext {
        self.rigs[0].gpu()
    }

    pub fn mode(&self) -> RenderMode {
        self.rigs[0].mode()
    }

    /// Render a frame on the next device in turn. Blocks only while that
    /// device has `SLOTS` frames in flight.
    pub fn submit(&mut self, snapshot: crate::snapshot::FrameSnapshot) {
        let rig = self.next;
        self.next = (self.next + 1) % self.rigs.len();
        self.order.push_back(rig);
        let frame = self.rigs[rig].prepare(snapshot);
        // a pipeline this frame needs is made on every device at once:
        // the others draw with it in their next frames
        let every: Vec<&super::variants::ScenePipelines> =
            self.rigs.iter().map(|r| &r.pipelines).collect();
        super::variants::make_pipelines(&every, &frame.variants);
        self.rigs[rig].encode(frame);
    }

    /// Hand back the frames at the head of the submission order whose rig
    /// has read them back.
    fn in_order(&mut self) -> Vec<ReadbackFrame> {
        let mut out = Vec::new();
        while let Some(&rig) = self.order.front() {
            let Some(frame) = self.ready[rig].pop_front() else {
                break;
            };
            self.order.pop_front();
            out.push(frame);
        }
        out
    }

    /// Frames whose readback finished, in submission order, without
    /// waiting (a frame read back early waits for those before it).
    pub fn poll_readbacks(&mut self) -> Vec<ReadbackFrame> {
        for (rig, ready) in self.rigs.iter_mut().zip(&mut self.ready) {
            ready.extend(rig.poll_readbacks());
        }
        self.in_order()
    }

    /// Wait for every frame in flight on every device.
    pub fn finish_readbacks(&mut self) -> Vec<ReadbackFrame> {
        for (rig, ready) in self.rigs.iter_mut().zip(&mut self.ready) {
            ready.extend(rig.finish_readbacks());
        }
        self.in_order()
    }

    /// Scene pipelines made so far on each device.
    pub fn scene_pipelines_made(&self) -> Vec<usize> {
        self.rigs
            .iter()
            .map(CameraRig::scene_pipelines_made)
            .collect()
    }

    /// Staging buffers made so far, every device together.
    pub fn staging_buffers_made(&self) -> usize {
        self.rigs.iter().map(CameraRig::staging_buffers_made).sum()
    }

    /// `CameraRig::limit_staging_buffers` on every device.
    pub fn limit_staging_buffers(&mut self, per_view: usize) {
        for rig in &mut self.rigs {
            rig.limit_staging_buffers(per_view);
        }
    }
}

//! A frame's submission on one device: set up (views, instances, the
//! scene pipelines it draws with), its pipelines made (on every device of
//! a `RenderPool` at once), then encoded and submitted.

use super::variants::{ShaderVariant, make_pipelines};
use super::*;

/// A frame set up on its device (`CameraRig::prepare`), to be encoded.
pub(super) struct PreparedFrame {
    pub(super) snapshot: crate::snapshot::FrameSnapshot,
    pub(super) buffers: Vec<wgpu::Buffer>,
    pub(super) views: Vec<super::view::ViewSetup>,
    pub(super) passes: Vec<super::view::ViewPasses>,
    pub(super) particle_ranges: Vec<std::ops::Range<u32>>,
    /// The scene pipelines its draws use (made before it is encoded).
    pub(super) variants: Vec<(ViewKind, ShaderVariant)>,
}

impl CameraRig {
    /// Render a frame. Blocks only while `SLOTS` frames are in flight.
    pub fn submit(&mut self, snapshot: FrameSnapshot) {
        let frame = self.prepare(snapshot);
        make_pipelines(&[&self.pipelines], &frame.variants);
        self.encode(frame);
    }

    /// Scene pipelines made on this device so far.
    pub fn scene_pipelines_made(&self) -> usize {
        self.pipelines.made_count()
    }

    /// A frame's set-up on this device (its instances uploaded): what
    /// `encode` draws, and the scene pipelines it draws with. Blocks only
    /// while `SLOTS` frames are in flight.
    pub(super) fn prepare(&mut self, snapshot: FrameSnapshot) -> PreparedFrame {
        // at most SLOTS frames between submission and readback
        while self.in_flight.len() >= SLOTS {
            self.collect(true);
        }
        let buffers = self.staging_buffers();
        let views: Vec<super::view::ViewSetup> = self
            .cameras
            .iter()
            .map(|c| self.view_setup(&c.info, c.kind, &snapshot))
            .collect();
        let passes = self.upload_instances(&snapshot, &views);
        let particle_ranges = self.upload_particles(&snapshot);
        let variants = self.scene_variants(&views, &passes);
        PreparedFrame {
            snapshot,
            buffers,
            views,
            passes,
            particle_ranges,
            variants,
        }
    }

    /// Record and submit a prepared frame (its pipelines made).
    pub(super) fn encode(&mut self, frame: PreparedFrame) {
        let mut encoder = self
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        for (ci, cam) in self.cameras.iter().enumerate() {
            self.draw_view(
                &mut encoder,
                cam,
                &frame.views[ci].uniform,
                &frame.passes[ci],
                &frame.particle_ranges[ci],
            );
            copy_to_staging(&mut encoder, cam, &frame.buffers[ci]);
        }
        self.gpu.queue.submit([encoder.finish()]);
        let states = map_staging(&frame.buffers);
        self.in_flight.push_back(InFlight {
            snapshot: frame.snapshot,
            buffers: frame.buffers,
            states,
        });
        let _ = self.gpu.device.poll(wgpu::PollType::Poll);
    }
}

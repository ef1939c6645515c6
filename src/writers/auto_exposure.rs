//! Auto-exposure over a run: each camera's gain follows the scene's
//! brightness frame by frame (`core::exposure::adapt_gain`), so it is set
//! where frames arrive in order (the batch loop, the editor), and recorded
//! in the frame's labels for the writer (and the editor's view) to apply.
//! A resumed run takes the gain of the frame before from its labels on
//! disk, so it writes what an uninterrupted run would.

use crate::core::exposure::{MID_GREY, adapt_gain, scene_key};
use crate::core::record::FrameLabels;
use crate::scenario::Scenario;
use crate::snapshot::image::CameraImage;
use std::path::PathBuf;

pub struct AutoExposure {
    /// Per camera: its time constant and target (None: fixed exposure).
    cameras: Vec<Option<(f64, f64)>>,
    /// Per camera: the last frame set in this run and its gain.
    last: Vec<Option<(u64, f64)>>,
    dt_s: f64,
    /// Where earlier runs' labels are (`labels/NNNNNN.json`), if any.
    labels_dir: Option<PathBuf>,
}

impl AutoExposure {
    /// Gains for `s`'s cameras; `dataset_dir`: a dataset whose earlier
    /// frames a gap continues from (a resume), else a gap starts converged.
    pub fn new(s: &Scenario, dataset_dir: Option<PathBuf>) -> AutoExposure {
        let cameras: Vec<Option<(f64, f64)>> = s
            .sensors
            .cameras
            .iter()
            .map(|c| {
                let fx = &c.effects;
                let target = if fx.auto_exposure_target > 0.0 {
                    fx.auto_exposure_target
                } else {
                    MID_GREY
                };
                (fx.auto_exposure_s > 0.0).then_some((fx.auto_exposure_s, target))
            })
            .collect();
        AutoExposure {
            last: vec![None; cameras.len()],
            cameras,
            dt_s: 1.0 / s.tick_hz,
            labels_dir: dataset_dir.map(|d| d.join("labels")),
        }
    }

    /// Meter this frame's images and set each auto-exposed camera's gain.
    pub fn set(&mut self, labels: &mut FrameLabels, images: &[CameraImage]) {
        let frame = labels.frame;
        for (c, spec) in self.cameras.iter().enumerate() {
            let (Some((tau_s, target)), Some(img)) = (spec, images.get(c)) else {
                continue;
            };
            let previous = match self.last[c] {
                Some((f, g)) if f + 1 == frame => Some(g),
                _ if frame > 0 => self.gain_on_disk(frame - 1, c),
                _ => None,
            };
            let gain = adapt_gain(previous, scene_key(img.rgba()), *target, self.dt_s, *tau_s);
            // as written, so a resume continues from exactly this value
            let gain = (gain * 1e6).round() / 1e6;
            self.last[c] = Some((frame, gain));
            if let Some(cam) = labels.cameras.get_mut(c) {
                cam.exposure_gain = Some(gain);
            }
        }
    }

    /// The gain an earlier run wrote for `frame` (a resume).
    fn gain_on_disk(&self, frame: u64, camera: usize) -> Option<f64> {
        let path = self
            .labels_dir
            .as_ref()?
            .join(format!("{}.json", super::frame_name(frame)));
        let text = std::fs::read(path).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&text).ok()?;
        v["cameras"][camera]["exposure_gain"].as_f64()
    }
}

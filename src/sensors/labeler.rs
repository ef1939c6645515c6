//! Labels are computed on their own thread, in frame order, so the math (and
//! the copy out of the staging buffers) overlaps with the renderer's serial
//! phases instead of delaying the next submission.

use super::LabeledFrame;
use super::camera::ReadbackFrame;
use super::lidar::{LidarInfo, SweepGeometry, VIEWS, sweep};
use crate::core::lidar::LidarPoint;
use crate::frame::CameraInfo;
use crate::labels::{LabelConfig, Sweep, label_frame};

/// What the LiDAR model needs from the scenario.
#[derive(Clone, Debug)]
pub struct LidarEnv {
    pub atmosphere: crate::weather::Atmosphere,
    pub seed: u64,
}
use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use std::thread::JoinHandle;

/// Frames queued for labeling before `push` waits.
const QUEUE: usize = 4;

pub struct Labeler {
    jobs: Option<Sender<ReadbackFrame>>,
    done: Receiver<LabeledFrame>,
    in_flight: usize,
    thread: Option<JoinHandle<()>>,
}

impl Labeler {
    /// `labeled`: false in colour-only mode, where frames pass through unlabeled.
    pub fn new(
        cameras: Vec<CameraInfo>,
        lidars: Vec<LidarInfo>,
        env: LidarEnv,
        cfg: LabelConfig,
        labeled: bool,
    ) -> Labeler {
        let (jobs, job_rx) = bounded::<ReadbackFrame>(QUEUE);
        // unbounded, so the worker never blocks on a caller blocked in `push`;
        // the caller drains it every tick, and `jobs` bounds what is in flight
        let (done_tx, done) = unbounded::<LabeledFrame>();
        let thread = std::thread::Builder::new()
            .name("edgecase-labeler".into())
            .spawn(move || {
                for job in job_rx {
                    // the pixels are copied out of the staging buffers here,
                    // off the render thread
                    let f = job.decode();
                    let mut images = f.images;
                    // the rig renders the cameras first, then each LiDAR's views
                    let views = images.split_off(cameras.len());
                    let lidar_points: Vec<Vec<LidarPoint>> = if labeled {
                        lidars
                            .iter()
                            .zip(views.chunks(VIEWS))
                            .map(|(l, v)| {
                                let geometry = SweepGeometry {
                                    world_from_sensor: f
                                        .snapshot
                                        .world_from_ego
                                        .mul(&l.ego_from_sensor),
                                    instances: &f.snapshot.instances,
                                    ego_speed_mps: f.snapshot.ego.speed_mps,
                                    ego_yaw_rate_rad_s: f.snapshot.ego.yaw_rate_rad_s,
                                };
                                sweep(l, v, &geometry, &env.atmosphere, env.seed, f.snapshot.frame)
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    drop(views);
                    let sweeps: Vec<Sweep> = lidars
                        .iter()
                        .zip(&lidar_points)
                        .map(|(info, p)| Sweep { info, points: p })
                        .collect();
                    let labels =
                        labeled.then(|| label_frame(&f.snapshot, &images, &cameras, &sweeps, &cfg));
                    let out = LabeledFrame {
                        frame: f.snapshot.frame,
                        labels,
                        images,
                        lidar_points,
                    };
                    if done_tx.send(out).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the labeler thread");
        Labeler {
            jobs: Some(jobs),
            done,
            in_flight: 0,
            thread: Some(thread),
        }
    }

    pub fn push(&mut self, frame: ReadbackFrame) {
        self.jobs
            .as_ref()
            .expect("labeler open")
            .send(frame)
            .expect("labeler thread alive");
        self.in_flight += 1;
    }

    /// Frames labeled so far, oldest first, without waiting.
    pub fn take_ready(&mut self) -> Vec<LabeledFrame> {
        let out: Vec<LabeledFrame> = self.done.try_iter().collect();
        self.in_flight -= out.len();
        out
    }

    /// Wait for every frame pushed so far.
    pub fn finish(&mut self) -> Vec<LabeledFrame> {
        let mut out = Vec::with_capacity(self.in_flight);
        while self.in_flight > 0 {
            out.push(self.done.recv().expect("labeler thread alive"));
            self.in_flight -= 1;
        }
        out
    }
}

impl Drop for Labeler {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

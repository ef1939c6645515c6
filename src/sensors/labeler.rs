//! Labels are computed on their own threads, off the render thread, so the
//! math (and the copy out of the staging buffers) overlaps with rendering
//! instead of delaying the next submission. Frames come back in the order
//! they were pushed, whatever the number of workers.

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
use std::collections::BTreeMap;
use std::thread::JoinHandle;

/// Frames queued for labeling before `push` waits.
const QUEUE: usize = 4;

/// Labeler threads for a machine with `cores` cores: one per two cores, at
/// least one and at most eight. A frame's labels take a few ms of one core
/// (its LiDAR sweep spreads over all of them), so on a GPU machine one
/// thread caps a run at a few hundred frames/s while the GPU renders
/// thousands (H200, 16 cores, 640x480 reference scene labeled in memory:
/// 613-645 fps with one thread, 1,851-2,078 with four, 2,762-2,830 with
/// eight); on a 2-core machine with a CPU rasterizer a second thread would
/// only take a core from the rasterizer.
pub fn labeler_threads(cores: usize) -> usize {
    (cores / 2).clamp(1, 8)
}

pub struct Labeler {
    jobs: Option<Sender<(u64, ReadbackFrame)>>,
    done: Receiver<(u64, LabeledFrame)>,
    /// Sequence number of the next frame pushed, and of the next handed out.
    next_in: u64,
    next_out: u64,
    /// Frames labeled out of order, held until the ones before them are.
    early: BTreeMap<u64, LabeledFrame>,
    threads: Vec<JoinHandle<()>>,
}

impl Labeler {
    /// `labeled`: false in colour-only mode, where frames pass through
    /// unlabeled. As many threads as `labeler_threads` gives for this machine.
    pub fn new(
        cameras: Vec<CameraInfo>,
        lidars: Vec<LidarInfo>,
        env: LidarEnv,
        cfg: LabelConfig,
        labeled: bool,
    ) -> Labeler {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Labeler::with_threads(cameras, lidars, env, cfg, labeled, labeler_threads(cores))
    }

    /// As `new`, with `workers` labeler threads (at least one).
    pub fn with_threads(
        cameras: Vec<CameraInfo>,
        lidars: Vec<LidarInfo>,
        env: LidarEnv,
        cfg: LabelConfig,
        labeled: bool,
        workers: usize,
    ) -> Labeler {
        let workers = workers.max(1);
        let (jobs, job_rx) = bounded::<(u64, ReadbackFrame)>(QUEUE.max(workers));
        // unbounded, so a worker never blocks on a caller blocked in `push`;
        // the caller drains it every tick, and `jobs` bounds what is in flight
        let (done_tx, done) = unbounded::<(u64, LabeledFrame)>();
        let threads = (0..workers)
            .map(|i| {
                let (job_rx, done_tx) = (job_rx.clone(), done_tx.clone());
                let (cameras, lidars, env) = (cameras.clone(), lidars.clone(), env.clone());
                std::thread::Builder::new()
                    .name(format!("edgecase-label{i}"))
                    .spawn(move || {
                        label_worker(job_rx, done_tx, &cameras, &lidars, &env, cfg, labeled)
                    })
                    .expect("spawning a labeler thread")
            })
            .collect();
        Labeler {
            jobs: Some(jobs),
            done,
            next_in: 0,
            next_out: 0,
            early: BTreeMap::new(),
            threads,
        }
    }

    pub fn push(&mut self, frame: ReadbackFrame) {
        self.jobs
            .as_ref()
            .expect("labeler open")
            .send((self.next_in, frame))
            .expect("labeler threads alive");
        self.next_in += 1;
    }

    /// Frames labeled so far, oldest first, without waiting (a frame
    /// labeled early waits for the ones pushed before it).
    pub fn take_ready(&mut self) -> Vec<LabeledFrame> {
        self.early.extend(self.done.try_iter());
        self.in_order()
    }

    /// Wait for every frame pushed so far.
    pub fn finish(&mut self) -> Vec<LabeledFrame> {
        let mut out = Vec::new();
        while self.next_out < self.next_in {
            let (seq, frame) = self.done.recv().expect("labeler threads alive");
            self.early.insert(seq, frame);
            out.extend(self.in_order());
        }
        out
    }

    /// The held frames that continue the sequence handed out so far.
    fn in_order(&mut self) -> Vec<LabeledFrame> {
        let mut out = Vec::new();
        while let Some(frame) = self.early.remove(&self.next_out) {
            out.push(frame);
            self.next_out += 1;
        }
        out
    }
}

impl Drop for Labeler {
    fn drop(&mut self) {
        drop(self.jobs.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One labeler thread: decode each frame it takes, sweep its LiDARs, label
/// it, and send it back with its sequence number.
fn label_worker(
    jobs: Receiver<(u64, ReadbackFrame)>,
    done: Sender<(u64, LabeledFrame)>,
    cameras: &[CameraInfo],
    lidars: &[LidarInfo],
    env: &LidarEnv,
    cfg: LabelConfig,
    labeled: bool,
) {
    for (seq, job) in jobs {
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
                        world_from_sensor: f.snapshot.world_from_ego.mul(&l.ego_from_sensor),
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
        let labels = labeled.then(|| label_frame(&f.snapshot, &images, cameras, &sweeps, &cfg));
        let out = LabeledFrame {
            frame: f.snapshot.frame,
            labels,
            images,
            lidar_points,
        };
        if done.send((seq, out)).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::labeler_threads;

    #[test]
    fn one_labeler_thread_per_two_cores_within_bounds() {
        let threads: Vec<usize> = [1, 2, 3, 4, 16, 64].map(labeler_threads).to_vec();
        assert_eq!(threads, [1, 1, 1, 2, 8, 8]);
    }
}

//! Labels are computed on their own threads, off the render thread, so the
//! math overlaps with rendering instead of delaying the next submission
//! (the render thread labels a frame itself only when the threads fall
//! behind). Frames come back in the order they were pushed, whatever the
//! number of workers.

use super::LabeledFrame;
use super::camera::ReadbackFrame;
use super::lens::LensPlan;
use super::lidar::{SweepGeometry, VIEWS, sweep};
use crate::core::lidar::LidarPoint;
use crate::labels::{LabelConfig, Sweep, label_frame};
use crate::snapshot::CameraInfo;
use crate::snapshot::lidar::LidarInfo;

/// What the LiDAR model needs from the scenario.
#[derive(Clone, Debug)]
pub struct LidarEnv {
    pub atmosphere: crate::weather::Atmosphere,
    pub seed: u64,
}
use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, unbounded};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A LiDAR's spurious returns of an `Interference` failure this frame
/// (seeded by the scenario, the LiDAR and the frame).
fn interference(l: &LidarInfo, count: u32, seed: u64, frame: u64) -> Vec<LidarPoint> {
    let channels = l.table.channels().max(1);
    let beams: Vec<(glam::DVec3, u16)> = l
        .beams
        .iter()
        .enumerate()
        .map(|(i, b)| (b.dir_sensor, (i % channels as usize) as u16))
        .collect();
    let mut rng = crate::core::rng::Stream::new(seed, &format!("interference:{}", l.name), frame);
    crate::core::failures::interference_returns(count, &beams, &mut rng)
}

/// Frames queued for labeling before `push` labels one itself.
const QUEUE: usize = 4;

/// Frames held labeled ahead of an older one still in a thread's hands
/// before `push` waits for it (each holds its images).
const EARLY_LIMIT: usize = 2 * QUEUE;

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

/// How labeler threads share the CPU with the renderer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuSharing {
    /// Ordinary threads: a GPU renders, the CPU is the labels' own.
    Normal,
    /// The renderer is a CPU rasterizer (lavapipe), whose threads the labels
    /// would otherwise preempt mid-frame: labeler threads run only on cores
    /// the rasterizer leaves idle (Linux SCHED_IDLE; elsewhere as Normal).
    /// Labels cannot stall when those cores are busy with other work (other
    /// processes, other renders): once the queue is full, `push` and
    /// `finish` label queued frames on the calling thread instead of
    /// waiting for them.
    YieldToRasterizer,
}

impl CpuSharing {
    /// The sharing that suits a renderer.
    pub fn for_renderer(cpu_rasterizer: bool) -> CpuSharing {
        if cpu_rasterizer {
            CpuSharing::YieldToRasterizer
        } else {
            CpuSharing::Normal
        }
    }

    /// Apply to the calling thread; whether the policy took effect.
    fn apply_to_this_thread(self) -> bool {
        match self {
            CpuSharing::Normal => true,
            CpuSharing::YieldToRasterizer => run_only_on_idle_cores(),
        }
    }
}

#[cfg(target_os = "linux")]
fn run_only_on_idle_cores() -> bool {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: pid 0 is the calling thread; `param` is a valid sched_param
    // (SCHED_IDLE requires priority 0).
    unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn run_only_on_idle_cores() -> bool {
    false
}

/// Everything labeling a frame needs besides the frame.
struct LabelContext {
    cameras: Vec<CameraInfo>,
    /// How the rendered views become the cameras' images (lenses).
    lens: LensPlan,
    lidars: Vec<LidarInfo>,
    env: LidarEnv,
    cfg: LabelConfig,
    labeled: bool,
}

pub struct Labeler {
    jobs: Option<Sender<(u64, ReadbackFrame)>>,
    /// The queue's far end too: the caller labels queued frames itself
    /// when the threads fall behind.
    queued: Receiver<(u64, ReadbackFrame)>,
    context: Arc<LabelContext>,
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
    /// unlabeled. The frames hold `lens.views` (`LensPlan::of(&cameras)`),
    /// then the LiDARs' views. As many threads as `labeler_threads` gives for this machine.
    pub fn new(
        cameras: Vec<CameraInfo>,
        lens: LensPlan,
        lidars: Vec<LidarInfo>,
        env: LidarEnv,
        cfg: LabelConfig,
        labeled: bool,
        sharing: CpuSharing,
    ) -> Labeler {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = labeler_threads(cores);
        Labeler::with_threads(cameras, lens, lidars, env, cfg, labeled, workers, sharing)
    }

    /// As `new`, with `workers` labeler threads; with none, frames are
    /// labeled on the calling thread once the queue is full, and at `finish`.
    #[allow(clippy::too_many_arguments)]
    pub fn with_threads(
        cameras: Vec<CameraInfo>,
        lens: LensPlan,
        lidars: Vec<LidarInfo>,
        env: LidarEnv,
        cfg: LabelConfig,
        labeled: bool,
        workers: usize,
        sharing: CpuSharing,
    ) -> Labeler {
        if sharing != CpuSharing::Normal {
            // the LiDAR casts' thread pool starts now, with ordinary threads:
            // started from a labeler thread it would inherit its policy
            let _ = rayon::current_num_threads();
        }
        let (jobs, job_rx) = bounded::<(u64, ReadbackFrame)>(QUEUE.max(workers));
        // unbounded, so a worker never blocks on a caller blocked in `push`;
        // the caller drains it every tick, and `jobs` bounds what is in flight
        let (done_tx, done) = unbounded::<(u64, LabeledFrame)>();
        let context = Arc::new(LabelContext {
            lens,
            cameras,
            lidars,
            env,
            cfg,
            labeled,
        });
        let threads = (0..workers)
            .filter_map(|i| {
                let (job_rx, done_tx) = (job_rx.clone(), done_tx.clone());
                let context = context.clone();
                std::thread::Builder::new()
                    .name(format!("edgecase-label{i}"))
                    .spawn(move || {
                        // best effort: where it fails the thread is ordinary
                        let _ = sharing.apply_to_this_thread();
                        label_worker(job_rx, done_tx, &context)
                    })
                    // without it, frames are labeled on the calling thread
                    .inspect_err(|e| tracing::warn!("no labeler thread {i}: {e}"))
                    .ok()
            })
            .collect();
        Labeler {
            jobs: Some(jobs),
            queued: job_rx,
            context,
            done,
            next_in: 0,
            next_out: 0,
            early: BTreeMap::new(),
            threads,
        }
    }

    /// Queue a frame. With the queue full (the threads behind, or kept off
    /// the cores), the oldest queued frame is labeled here first.
    pub fn push(&mut self, frame: ReadbackFrame) {
        let job = (self.next_in, frame);
        let refused = match self.jobs.clone() {
            Some(jobs) => match jobs.try_send(job) {
                Ok(()) => None,
                Err(TrySendError::Full(job)) => {
                    self.label_one_queued();
                    jobs.send(job).err().map(|e| e.0)
                }
                Err(TrySendError::Disconnected(job)) => Some(job),
            },
            None => Some(job),
        };
        // no queue to take it (never the case while the labeler is open):
        // label it here
        if let Some((seq, frame)) = refused {
            self.early.insert(seq, label_job(frame, &self.context));
        }
        self.next_in += 1;
        self.wait_for_stragglers();
    }

    /// While too many frames wait on an older one a thread still labels,
    /// wait for it rather than hold more images.
    fn wait_for_stragglers(&mut self) {
        while self.early.len() >= EARLY_LIMIT && !self.early.contains_key(&self.next_out) {
            self.label_or_wait_for_one();
        }
    }

    /// One more frame labeled: a queued one, here, rather than waited for;
    /// with none queued, the next a thread finishes. Nothing when the next
    /// frame to hand out is labeled already: with the queue empty and the
    /// threads idle (kept off the cores, as SCHED_IDLE threads are while
    /// other processes keep both cores busy, so this thread labeled it
    /// itself), waiting for a thread would wait forever.
    fn label_or_wait_for_one(&mut self) {
        self.early.extend(self.done.try_iter());
        if self.early.contains_key(&self.next_out) {
            return;
        }
        if !self.label_one_queued() {
            // the queue is empty and the next frame is not labeled, so a
            // thread holds it; if that thread died, it panicked: pass its
            // panic on
            #[allow(clippy::expect_used)]
            let (seq, frame) = self.done.recv().expect("a labeler thread panicked");
            self.early.insert(seq, frame);
        }
    }

    /// Label the oldest queued frame on this thread, if any is queued.
    fn label_one_queued(&mut self) -> bool {
        match self.queued.try_recv() {
            Ok((seq, job)) => {
                let frame = label_job(job, &self.context);
                self.early.insert(seq, frame);
                true
            }
            Err(_) => false,
        }
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
            self.label_or_wait_for_one();
            self.early.extend(self.done.try_iter());
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

/// One labeler thread: label each frame it takes and send it back with its
/// sequence number.
fn label_worker(
    jobs: Receiver<(u64, ReadbackFrame)>,
    done: Sender<(u64, LabeledFrame)>,
    context: &LabelContext,
) {
    for (seq, job) in jobs {
        if done.send((seq, label_job(job, context))).is_err() {
            break;
        }
    }
}

/// Decode a frame (its planes read in place, or copied out of padded rows),
/// sweep its LiDARs and label it.
fn label_job(job: ReadbackFrame, context: &LabelContext) -> LabeledFrame {
    let LabelContext {
        cameras,
        lens,
        lidars,
        env,
        cfg,
        labeled,
    } = context;
    let labeled = *labeled;
    let f = job.decode();
    let mut images = f.images;
    // the rig renders the cameras' views first, then each LiDAR's views
    let views = images.split_off(lens.views.len());
    // a lens camera's image is remapped from its views
    let images = lens.camera_images(images);
    let lidar_points: Vec<Vec<LidarPoint>> = if labeled {
        lidars
            .iter()
            .zip(views.chunks(VIEWS))
            .map(|(l, v)| {
                let geometry = SweepGeometry {
                    world_from_sensor: f.snapshot.world_from_ego.mul(&l.ego_from_sensor),
                    instances: &f.snapshot.instances,
                    objects: &f.snapshot.objects,
                    ego_speed_mps: f.snapshot.ego.speed_mps,
                    ego_yaw_rate_rad_s: f.snapshot.ego.yaw_rate_rad_s,
                };
                let mut points =
                    sweep(l, v, &geometry, &env.atmosphere, env.seed, f.snapshot.frame);
                // this LiDAR's failures in effect: their returns are gone
                for failure in cfg
                    .failures
                    .iter()
                    .filter(|x| x.sensor == l.name && x.active(f.snapshot.time_s))
                {
                    points.retain(|p| failure.keeps_point(p.ring, p.position));
                    if let crate::core::failures::FailureKind::Interference { points_per_sweep } =
                        failure.kind
                    {
                        points.extend(interference(
                            l,
                            points_per_sweep,
                            env.seed,
                            f.snapshot.frame,
                        ));
                    }
                }
                points
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
    let labels = labeled.then(|| label_frame(&f.snapshot, &images, cameras, &sweeps, cfg));
    LabeledFrame {
        frame: f.snapshot.frame,
        labels,
        images,
        lidar_points,
    }
}

#[cfg(test)]
mod tests {
    use super::{CpuSharing, labeler_threads};

    #[test]
    fn one_labeler_thread_per_two_cores_within_bounds() {
        let threads: Vec<usize> = [1, 2, 3, 4, 16, 64].map(labeler_threads).to_vec();
        assert_eq!(threads, [1, 1, 1, 2, 8, 8]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn yielding_threads_run_at_idle_policy_and_others_do_not() {
        let policy_after = |sharing: CpuSharing| {
            std::thread::spawn(move || {
                assert!(sharing.apply_to_this_thread());
                // SAFETY: pid 0 is the calling thread
                unsafe { libc::sched_getscheduler(0) }
            })
            .join()
            .unwrap()
        };
        assert_eq!(
            policy_after(CpuSharing::YieldToRasterizer),
            libc::SCHED_IDLE
        );
        assert_eq!(policy_after(CpuSharing::Normal), libc::SCHED_OTHER);
        assert_eq!(
            CpuSharing::for_renderer(true),
            CpuSharing::YieldToRasterizer
        );
        assert_eq!(CpuSharing::for_renderer(false), CpuSharing::Normal);
    }
}

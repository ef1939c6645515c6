//! Headless batch rendering: scenario -> dataset directory.

pub mod stop;

use crate::app::sensor_app;
use crate::scenario::Scenario;
use crate::sensors::SkipFrames;
use crate::sensors::camera::{GpuContext, RenderMode};
use crate::sensors::{FinishedFrames, LabeledFrame, Rig, flush};
use crate::writers::{DatasetConfig, DatasetWriter};
use anyhow::Result;
use bevy::prelude::*;
use std::path::PathBuf;

pub struct BatchOptions {
    pub scenario: Scenario,
    pub scenario_path: PathBuf,
    pub scenario_sha256: String,
    pub frames: u64,
    pub out_dir: PathBuf,
    pub overwrite: bool,
    pub workers: usize,
    pub progress: bool,
    /// Merged into the manifest (e.g. a sweep sample's drawn values).
    pub extra_manifest: serde_json::Value,
}

/// Run `frames` ticks, handing every finished frame to `sink` in frame
/// order. Returns how many frames the episode had: fewer when a collision
/// ended it (the scenario's `end_on_collision`).
pub fn run_frames(
    app: &mut App,
    frames: u64,
    mut sink: impl FnMut(LabeledFrame) -> Result<()>,
    mut on_tick: impl FnMut(u64),
) -> Result<u64> {
    let mut ran = frames;
    let mut road_end = RoadEndWatch::new(app, frames);
    for i in 0..frames {
        app.update();
        road_end.check(app, i);
        for f in app.world_mut().resource_mut::<FinishedFrames>().0.drain(..) {
            sink(f)?;
        }
        on_tick(i + 1);
        // frames still in flight on the GPU are dropped; a resume renders them
        if let Some(stop) = stop::requested() {
            return Err(stop.into());
        }
        if app
            .world()
            .get_resource::<crate::physics::EpisodeEnd>()
            .is_some_and(|e| e.0.is_some())
        {
            ran = i + 1;
            break;
        }
    }
    flush(app.world_mut());
    for f in app.world_mut().resource_mut::<FinishedFrames>().0.drain(..) {
        sink(f)?;
    }
    Ok(ran)
}

/// Watches the ego for the end of the drawn road. `--check`'s estimate
/// (`scenario::ego_past_road_end`) follows only the ego's timed triggers;
/// where it foresaw nothing and the ego passes the end all the same (a
/// trigger on a condition sped it up), the run warns once, at that frame.
struct RoadEndWatch {
    end_m: f64,
    /// Warned already (or foreseen, or the ego turns off the main road).
    quiet: bool,
}

impl RoadEndWatch {
    fn new(app: &App, frames: u64) -> RoadEndWatch {
        let s = &app.world().resource::<crate::world::ScenarioRes>().0;
        RoadEndWatch {
            end_m: crate::scenario::drawn_road_end_m(s),
            quiet: s.ego.turn.is_some() || crate::scenario::ego_past_road_end(s, frames).is_some(),
        }
    }

    fn check(&mut self, app: &mut App, frame: u64) {
        if self.quiet {
            return;
        }
        let w = app.world_mut();
        let mut ego =
            w.query_filtered::<&crate::sim::components::LaneMotion, With<crate::world::Ego>>();
        if ego.iter(w).any(|m| m.road == 0 && m.s_m > self.end_m) {
            self.quiet = true;
            crate::console::to_stderr!(
                "warning: at frame {frame} the ego passed the end of the drawn road (s = {:.0} m); beyond it the cameras see bare terrain. A trigger on a condition changed its speed (--check follows timed triggers only). Lengthen the road or shorten the run",
                self.end_m
            );
        }
    }
}

/// The run's facts for the manifest.
pub fn manifest(opts: &BatchOptions, app: &App) -> serde_json::Value {
    let rig = app.world().resource::<Rig>();
    crate::writers::manifest::manifest(&crate::writers::manifest::RunFacts {
        scenario: &opts.scenario,
        scenario_file: &opts.scenario_path,
        scenario_sha256: &opts.scenario_sha256,
        cameras: &rig.cameras,
        lidars: &rig.lidars,
        adapter: &rig.rig.gpu().adapter_name,
        backend: &rig.rig.gpu().backend,
        lane_graph: &app.world().resource::<crate::world::LaneGraph>().0,
    })
}

/// How often a batch run hands free heap pages back to the system.
const TRIM_EVERY_FRAMES: u64 = 50;

/// The writers' encoders allocate buffers of many sizes on several threads;
/// without a trim, glibc keeps the freed pages and the peak RSS creeps up
/// with the run length (tools/bench-soak).
fn return_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; any thread may call it.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What a finished run wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// The dataset directory.
    pub dir: PathBuf,
    /// Frames written: fewer than `requested` when a collision ended the
    /// episode (`end_on_collision`).
    pub frames: u64,
    pub requested: u64,
    /// Frames an interrupted run had finished (resumed, not rendered again).
    pub resumed: u64,
}

impl Written {
    /// "40 frames", "16 of 40 frames (a collision ended the episode at
    /// frame 15)", "150 frames (55 of them from the interrupted run)": for
    /// the summary lines of the CLI, the editor and sweeps.
    pub fn frames_text(&self) -> String {
        let mut text = if self.frames < self.requested {
            format!(
                "{} of {} frames (a collision ended the episode at frame {})",
                self.frames,
                self.requested,
                self.frames.saturating_sub(1)
            )
        } else {
            format!("{} frames", self.frames)
        };
        if self.resumed > 0 {
            text += &format!(" ({} of them from the interrupted run)", self.resumed);
        }
        text
    }

    /// Frames this process rendered (the rate's numerator).
    pub fn rendered(&self) -> u64 {
        self.frames.saturating_sub(self.resumed)
    }
}

/// The whole headless job.
pub fn run(opts: BatchOptions, gpu: GpuContext) -> Result<Written> {
    run_with_progress(opts, gpu, |_| {})
}

/// `run`, telling `on_tick` how many ticks are done (the editor's exports).
pub fn run_with_progress(
    opts: BatchOptions,
    gpu: GpuContext,
    mut on_tick: impl FnMut(u64),
) -> Result<Written> {
    let mut app = sensor_app(&opts.scenario, gpu, RenderMode::Labeled);
    // the writers hold frames while they encode: cap the staging buffers so
    // a long run peaks where a short one does (backpressure, not growth)
    app.world_mut()
        .resource_mut::<Rig>()
        .rig
        .limit_staging_buffers(crate::sensors::camera::SLOTS + 4);
    let cameras = app.world().resource::<Rig>().cameras.clone();
    let lidars = app.world().resource::<Rig>().lidars.clone();
    let mut writer = DatasetWriter::create(DatasetConfig {
        out_dir: opts.out_dir.clone(),
        overwrite: opts.overwrite,
        cameras,
        lidars,
        output: opts.scenario.output.clone(),
        workers: opts.workers,
        identity: run_identity(&opts.scenario, opts.frames),
    })?;
    // resuming: the simulation still runs every tick, finished frames are not rendered
    let done = writer.completed_frames().clone();
    let resumed = done.len() as u64;
    if !done.is_empty() {
        crate::console::to_stderr!(
            "resuming {}: {} of {} frames already done",
            writer.partial_dir().display(),
            done.len(),
            opts.frames
        );
    }
    app.insert_resource(SkipFrames(done));
    let mut auto_exposure = crate::writers::auto_exposure::AutoExposure::new(
        &opts.scenario,
        Some(writer.partial_dir().to_path_buf()),
    );
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(opts.frames);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} frames  {rate}  ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} frames/s", state.per_sec());
                },
            ),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let result = run_frames(
        &mut app,
        opts.frames,
        |f| {
            let mut labels = f
                .labels
                .ok_or_else(|| anyhow::anyhow!("frame {} was rendered without labels", f.frame))?;
            auto_exposure.set(&mut labels, &f.images);
            writer.write(labels, f.images, f.lidar_points)
        },
        |n| {
            bar.set_position(n);
            on_tick(n);
            if n % TRIM_EVERY_FRAMES == 0 {
                return_free_heap();
            }
        },
    );
    // the summary line goes below, not onto the bar's line
    bar.finish_and_clear();
    tracing::debug!(
        "staging buffers made: {}",
        app.world().resource::<Rig>().rig.staging_buffers_made()
    );
    let ran = match result {
        Ok(n) => n,
        Err(e) => {
            let partial = writer.partial_dir().to_path_buf();
            drop(writer);
            return Err(e.context(format!(
                "the run stopped; frames finished so far are in {} (the same command resumes it)",
                partial.display()
            )));
        }
    };
    let mut manifest = manifest(&opts, &app);
    if ran < opts.frames {
        manifest["ended"] = serde_json::json!({
            "reason": "collision",
            "frame": ran - 1,
            "frames_requested": opts.frames,
        });
    }
    if let (Some(m), Some(extra)) = (manifest.as_object_mut(), opts.extra_manifest.as_object()) {
        m.extend(extra.clone());
    }
    let dir = writer.finish(ran, manifest)?;
    Ok(Written {
        dir,
        frames: ran,
        requested: opts.frames,
        resumed: resumed.min(ran),
    })
}

/// What must match for a `<out>.partial` to be resumed: the tool version,
/// every resolved scenario value and the frame count.
pub fn run_identity(scenario: &Scenario, frames: u64) -> serde_json::Value {
    serde_json::json!({
        "tool": "edgecase",
        "version": env!("CARGO_PKG_VERSION"),
        "frames": frames,
        "scenario": scenario,
    })
}

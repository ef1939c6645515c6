//! Command line: flags, dispatch, exit codes (0 ok, 1 run failed, 2 bad input).

use crate::batch::{self, BatchOptions};
use crate::scenario;
use crate::sensors::camera::GpuContext;
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "edgecase",
    version,
    about = "Driving-scene simulator for labeled synthetic data",
    long_about = "Driving-scene simulator for labeled synthetic data.\n\n\
        `edgecase --headless --scenario NAME` renders a dataset; without --headless (and \
        without --check) `edgecase [--scenario NAME]` opens the editor window. \
        `edgecase list` prints the shipped scenarios.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Render without a window and write a dataset (without it, the editor opens).
    #[arg(long)]
    pub headless: bool,
    /// Scenario file, or the name of a shipped scenario (e.g. fog_pedestrian; see `edgecase list`).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Frames to render (default: the scenario's `frames`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=crate::scenario::bounds::MAX_FRAMES))]
    pub frames: Option<u64>,
    /// Dataset directory (default: out/<scenario name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Dataset formats, replacing the scenario's `output.formats`: `all`, or
    /// a comma list of kitti, coco, yolo, tracking, panoptic, cityscapes,
    /// nuscenes, mcap, flow.
    #[arg(long, value_parser = parse_formats)]
    pub formats: Option<FormatList>,
    /// Replace an existing dataset directory.
    #[arg(long)]
    pub overwrite: bool,
    /// Only validate the scenario, render nothing.
    #[arg(long)]
    pub check: bool,
    /// Editor: capture the window to this PNG (with Bevy's screenshot API,
    /// plus a .json of the panel layout), print UI frame times, and exit.
    #[arg(long, hide = true)]
    pub screenshot: Option<PathBuf>,
    /// Editor: UI frames to run before the screenshot.
    #[arg(long, hide = true, default_value_t = 30)]
    pub screenshot_after_frames: u32,
    /// Editor: show this tick before the screenshot.
    #[arg(long, hide = true)]
    pub screenshot_tick: Option<u64>,
    /// Editor: select this actor (a role, e.g. hazard) before the screenshot.
    #[arg(long, hide = true)]
    pub screenshot_select: Option<String>,
    /// Editor: the ego camera layer for the screenshot (rgb, semantic, instance, depth).
    #[arg(long, hide = true, value_parser = ["rgb", "semantic", "instance", "depth"])]
    pub screenshot_layer: Option<String>,
    /// Editor: draw the LiDAR over the view for the screenshot (class, intensity).
    #[arg(long, hide = true, value_parser = ["class", "intensity"])]
    pub screenshot_lidar: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// More log lines on stderr: -v info, -vv debug, -vvv trace (RUST_LOG, if set, wins).
    #[arg(long, short, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// Flags every rendering command shares.
#[derive(clap::Args, Debug)]
pub struct OutputArgs {
    /// Encoder/writer threads.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub workers: u64,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print the shipped scenarios (usable by name with --scenario).
    List,
    /// Render (this shard of) a domain-randomisation sweep.
    Sweep(SweepArgs),
    /// Combine the shard outputs of a sweep directory into one dataset.
    Merge(MergeArgs),
    /// Write DIR/report.html: what a dataset covers (and, with --compare,
    /// how far its distributions are from other labels).
    Report(ReportArgs),
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// An Edgecase dataset directory.
    pub dir: PathBuf,
    /// Labels to compare with: a KITTI label_2 folder, a COCO json, or
    /// another Edgecase dataset.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// The page to write (default: DIR/report.html).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Sweep file (RON).
    pub sweep: PathBuf,
    /// Output directory shared by every shard (not needed with --check).
    #[arg(long, required_unless_present = "check")]
    pub out: Option<PathBuf>,
    /// This shard (default: SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX, else 0).
    #[arg(long)]
    pub shard_index: Option<u64>,
    /// Number of shards (default: the sweep file's `shards`); never taken from the scheduler.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub shard_count: Option<u64>,
    /// Only validate the sweep file and draw every sample, render nothing.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The sweep output directory (the shards' --out).
    pub sweep_dir: PathBuf,
    /// Merged dataset directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing merged dataset directory.
    #[arg(long)]
    pub overwrite: bool,
}

pub fn main() -> std::process::ExitCode {
    quiet_vulkan_loader();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    std::process::ExitCode::from(run(cli))
}

/// Log lines (tracing) to stderr: warnings by default, more with -v, or
/// whatever RUST_LOG says (`RUST_LOG=edgecase=debug,wgpu=warn`).
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    // our own crate at the asked level; dependencies (wgpu, winit) only errors unless RUST_LOG says
    let default = format!("error,edgecase={level}");
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // its own report of a failed write is an eprintln!, which panics
        // when stderr's reader has gone (`2>&1 | head`)
        .log_internal_errors(false)
        .with_target(false)
        .try_init();
}

/// Headless machines often lack XDG_RUNTIME_DIR; the Vulkan loader then
/// prints an "error" that is not one. Give it a private directory: one per
/// user, reused by every run (one per process left thousands behind).
fn quiet_vulkan_loader() {
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return;
    }
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let uid = std::fs::metadata("/proc/self").map_or(0, |m| m.uid());
    let dir = std::env::temp_dir().join(format!("edgecase-runtime-{uid}"));
    let _ = std::fs::create_dir(&dir);
    // only a real directory of ours (not a link someone planted)
    let ours = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir() && m.uid() == uid);
    if ours && std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).is_ok() {
        // SAFETY: called first thing in main, before any other thread exists.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
}

fn run(cli: Cli) -> u8 {
    match cli.command {
        Some(Command::Sweep(a)) => return run_sweep(a),
        Some(Command::Merge(a)) => return run_merge(a),
        Some(Command::Report(a)) => return run_report(&a),
        Some(Command::List) => {
            for (name, path, _) in scenario::library::BUILTIN {
                crate::console::to_stdout!("{name:<24} {path}");
            }
            return 0;
        }
        None => {}
    }
    if !cli.headless && !cli.check {
        return run_editor(&cli);
    }
    let Some(arg) = cli.scenario.as_deref() else {
        crate::console::to_stderr!(
            "error: --scenario is required (a path, or a name from scenarios/)"
        );
        return 2;
    };
    let (path, text) = match scenario::library::resolve(arg) {
        Ok(source) => (source.path, source.text),
        Err(e) => {
            crate::console::to_stderr!("error: {e}");
            return 2;
        }
    };
    tracing::info!("scenario {}", path.display());
    let formats = cli.formats.as_ref().map(|f| &f.0[..]);
    let scenario = match scenario::parse_with_formats(&text, &path, formats) {
        Ok(s) => s,
        Err(e) => {
            // the file is fine with its own formats: --formats asks for
            // something it turns off
            let blame = if formats.is_some() && scenario::parse(&text, &path).is_ok() {
                "--formats: "
            } else {
                ""
            };
            crate::console::to_stderr!("error: {blame}{e}");
            return 2;
        }
    };
    let frames = cli.frames.unwrap_or(scenario.frames);
    if let Some(w) = scenario::ego_past_road_end(&scenario, frames) {
        crate::console::to_stderr!("warning: {}: {w}", path.display());
    }
    if cli.check {
        crate::console::to_stdout!(
            "{}: ok ({} camera(s), {} frames)",
            path.display(),
            scenario.sensors.cameras.len(),
            scenario.frames
        );
        return 0;
    }
    let out_dir = cli
        .out
        .unwrap_or_else(|| PathBuf::from("out").join(&scenario.name));
    // a bad --out is bad input: say so before the GPU starts
    if let Err(e) = crate::writers::preflight_output(&out_dir, cli.overwrite) {
        crate::console::to_stderr!("error: {e:#}");
        return 2;
    }
    let gpu = match GpuContext::new_headless() {
        Ok(g) => g,
        Err(e) => {
            crate::console::to_stderr!("error: {e}");
            return 2;
        }
    };
    tracing::info!(
        "renderer: {} ({}); {frames} frames into {}",
        gpu.adapter_name,
        gpu.backend,
        out_dir.display()
    );
    crate::batch::stop::install();
    let opts = BatchOptions {
        scenario,
        scenario_path: path,
        scenario_sha256: crate::writers::sha256_hex(text.as_bytes()),
        frames,
        out_dir,
        overwrite: cli.overwrite,
        workers: cli.output.workers as usize,
        progress: !cli.output.quiet,
        extra_manifest: serde_json::Value::Null,
    };
    let started = std::time::Instant::now();
    match batch::run(opts, gpu) {
        Ok(written) => {
            let secs = started.elapsed().as_secs_f64();
            crate::console::to_stderr!(
                "wrote {} to {} in {secs:.1} s ({:.1} frames/s)",
                written.frames_text(),
                written.dir.display(),
                written.rendered() as f64 / secs
            );
            0
        }
        Err(e) => {
            crate::console::to_stderr!("error: {e:#}");
            crate::batch::stop::exit_code(&e)
        }
    }
}

/// The editor window. A scenario that does not parse still opens, with its
/// error shown; a file that does not exist is an error.
fn run_editor(cli: &Cli) -> u8 {
    // a file (also scenarios/NAME.ron of the working directory or the
    // source tree, edited in place); else a shipped scenario, opened as a
    // new document; else the same error as --headless gives
    let document = match cli.scenario.as_deref() {
        None => crate::editor::document::Document::new(scenario::Scenario::default()),
        Some(arg) => {
            let path = scenario::resolve_path(arg);
            if path.is_file() {
                crate::editor::document::Document::open(&path)
            } else {
                match scenario::library::resolve(arg) {
                    Ok(source) => crate::editor::document::Document::from_builtin(&source),
                    Err(e) => {
                        crate::console::to_stderr!("error: {e}");
                        return 2;
                    }
                }
            }
        }
    };
    // winit would panic without a display server: say what to do instead
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()));
    if cfg!(target_os = "linux") && !has_display {
        crate::console::to_stderr!(
            "error: the editor needs a display (DISPLAY or WAYLAND_DISPLAY is not set); \
             run it under xvfb-run, or pass --headless to render a dataset"
        );
        return 2;
    }
    let screenshot = cli
        .screenshot
        .clone()
        .map(|path| crate::editor::ScreenshotRequest {
            path,
            after_frames: cli.screenshot_after_frames,
            seek: cli.screenshot_tick,
            select: cli.screenshot_select.clone(),
            layer: cli.screenshot_layer.clone(),
            lidar: cli.screenshot_lidar.clone(),
        });
    crate::editor::run(document, screenshot)
}

fn run_sweep(a: SweepArgs) -> u8 {
    let sweep = match crate::sweep::Sweep::load(&a.sweep) {
        Ok(s) => s,
        Err(e) => {
            crate::console::to_stderr!("error: {e}");
            return 2;
        }
    };
    let (index, count, source) =
        match crate::sweep::shard_from_env(a.shard_index, a.shard_count, &sweep.file, |k| {
            std::env::var(k).ok()
        }) {
            Ok(v) => v,
            Err(e) => {
                crate::console::to_stderr!("error: {e}");
                return 2;
            }
        };
    if a.check {
        crate::console::to_stdout!(
            "{}: ok ({} samples x {} frames)",
            a.sweep.display(),
            sweep.file.samples,
            sweep.file.frames_per_sample
        );
        return 0;
    }
    let Some(out) = a.out else {
        crate::console::to_stderr!("error: --out is required to render a sweep");
        return 2;
    };
    // bad input, found before anything renders (a sweep resumes in its own
    // folder, so an existing one is fine)
    if let Some(file) = crate::writers::file_in_the_way(&out) {
        crate::console::to_stderr!(
            "error: --out {}: {} is not a directory",
            out.display(),
            file.display()
        );
        return 2;
    }
    crate::console::to_stderr!("shard {index} of {count} (index from {source})");
    crate::batch::stop::install();
    let opts = crate::sweep::run::ShardOptions {
        out,
        index,
        count,
        workers: a.output.workers as usize,
        progress: !a.output.quiet,
    };
    match crate::sweep::run::run_shard(&sweep, &opts) {
        Ok(()) => 0,
        Err(e) => {
            crate::console::to_stderr!("error: {e:#}");
            crate::batch::stop::exit_code(&e)
        }
    }
}

fn run_merge(a: MergeArgs) -> u8 {
    match crate::sweep::merge::merge(&a.sweep_dir, &a.out, a.overwrite) {
        Ok(dir) => {
            crate::console::to_stderr!("merged into {}", dir.display());
            0
        }
        Err(e) => {
            crate::console::to_stderr!("error: {e:#}");
            // refused input is bad input (exit 2); a failed write is 1
            let refused = e.chain().any(|c| c.is::<crate::sweep::merge::Refused>());
            if refused { 2 } else { 1 }
        }
    }
}

/// `edgecase report`: 0 written, 2 bad input (no dataset, unreadable
/// labels to compare).
fn run_report(a: &ReportArgs) -> u8 {
    let out = a.out.clone().unwrap_or_else(|| a.dir.join("report.html"));
    match crate::report::write_report(&a.dir, a.compare.as_deref(), &out) {
        Ok(distances) => {
            for d in &distances {
                let moved = d.moved_by.as_ref().map_or(String::new(), |(f, r)| {
                    format!("  moved most by {f} (r {r:+.2})")
                });
                crate::console::to_stdout!(
                    "{:<28} {:>10.4}  {}{moved}",
                    d.attribute,
                    d.value,
                    d.metric
                );
            }
            crate::console::to_stdout!("wrote {}", out.display());
            0
        }
        Err(e) => {
            crate::console::to_stderr!("error: {e:#}");
            2
        }
    }
}

/// The formats `--formats` names (one flag value, not a clap list).
#[derive(Clone, Debug, PartialEq)]
pub struct FormatList(pub Vec<scenario::Format>);

/// `--formats`: `all` or a comma list of format names, each once.
fn parse_formats(arg: &str) -> Result<FormatList, String> {
    use scenario::Format;
    // as written in the docs (KITTI, COCO, nuScenes) or in lower case alike
    if arg.trim().eq_ignore_ascii_case("all") {
        return Ok(FormatList(Format::ALL.to_vec()));
    }
    let names = || {
        Format::ALL
            .iter()
            .map(|f| f.cli_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    for name in arg.split(',').map(str::trim) {
        let Some(f) = Format::ALL
            .iter()
            .find(|f| f.cli_name().eq_ignore_ascii_case(name))
        else {
            return Err(format!(
                "unknown format {name:?} (all, or a comma list of {})",
                names()
            ));
        };
        if out.contains(f) {
            return Err(format!("format {name:?} is listed twice"));
        }
        out.push(*f);
    }
    Ok(FormatList(out))
}

#[cfg(test)]
mod tests {
    use super::parse_formats;
    use crate::scenario::Format;

    #[test]
    fn formats_flag_takes_all_or_a_list_and_names_the_choices_on_a_typo() {
        assert_eq!(parse_formats("all").unwrap().0, Format::ALL.to_vec());
        assert_eq!(
            parse_formats("KITTI,nuScenes").unwrap().0,
            vec![Format::Kitti, Format::Nuscenes]
        );
        assert!(parse_formats("kitti,Kitti").unwrap_err().contains("twice"));
        assert_eq!(
            parse_formats("yolo, kitti").unwrap().0,
            vec![Format::Yolo, Format::Kitti]
        );
        let e = parse_formats("kitti,yolov8").unwrap_err();
        assert!(e.contains("\"yolov8\"") && e.contains("tracking"), "{e}");
        assert!(parse_formats("coco,coco").is_err());
        assert!(parse_formats("").is_err());
    }

    /// `--help` names every format the flag takes.
    #[test]
    fn formats_help_names_every_format() {
        use clap::CommandFactory;
        let cmd = super::Cli::command();
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_id() == "formats")
            .unwrap();
        let help = arg.get_help().unwrap().to_string();
        for f in Format::ALL {
            assert!(help.contains(f.cli_name()), "{help} lacks {}", f.cli_name());
        }
    }
}

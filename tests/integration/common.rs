use edgecase::app::sensor_app;
use edgecase::batch::run_frames;
use edgecase::scenario::{Scenario, parse};
use edgecase::sensors::camera::{GpuContext, RenderMode};
use edgecase::sensors::{LabeledFrame, Rig};
use edgecase::snapshot::CameraInfo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn scenario(ron: &str) -> Scenario {
    parse(ron, Path::new("test.ron")).unwrap_or_else(|e| panic!("{e}"))
}

/// Render `frames` ticks in memory on the software renderer.
pub fn render(s: &Scenario, frames: u64) -> (Vec<CameraInfo>, Vec<LabeledFrame>) {
    let (app, out) = run_app(s, frames);
    let cams = app.world().resource::<Rig>().cameras.clone();
    (cams, out)
}

/// Run `frames` labeled ticks; the App (its world at the last tick) and
/// the frames.
pub fn run_app(s: &Scenario, frames: u64) -> (bevy::app::App, Vec<LabeledFrame>) {
    run_app_on(s, frames, None)
}

/// As `run_app`, its frames rendered on `devices` devices at once (the
/// default for this machine when None).
pub fn run_app_on(
    s: &Scenario,
    frames: u64,
    devices: Option<usize>,
) -> (bevy::app::App, Vec<LabeledFrame>) {
    let mut gpu = GpuContext::new_headless()
        .expect("a Vulkan adapter (Mesa lavapipe: apt-get install mesa-vulkan-drivers)");
    if let Some(n) = devices {
        gpu.frame_devices = n;
    }
    let mut app = sensor_app(s, gpu, RenderMode::Labeled);
    let mut out = Vec::new();
    run_frames(
        &mut app,
        frames,
        |f| {
            out.push(f);
            Ok(())
        },
        |_| {},
    )
    .unwrap();
    (app, out)
}

pub fn edgecase(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgecase"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running edgecase")
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A small, fast version of a shipped scenario: one camera at `w`x`h`.
pub fn shipped_small(name: &str, w: u32, h: u32) -> String {
    let src = std::fs::read_to_string(repo_path(&format!("scenarios/{name}.ron"))).unwrap();
    let mut s = scenario(&src);
    s.sensors.cameras.truncate(1);
    s.sensors.cameras[0].width = w;
    s.sensors.cameras[0].height = h;
    s.output.kitti_camera = s.sensors.cameras[0].name.clone();
    edgecase::scenario::to_ron(&s)
}

/// Pixel-edge extent [x_min, y_min, x_max, y_max) and count of the pixels of
/// a row-major image (`width` wide) for which `hit(index)` holds.
pub fn extent_of(len: usize, width: u32, mut hit: impl FnMut(usize) -> bool) -> ([f64; 4], u64) {
    let mut ext = [u32::MAX, u32::MAX, 0, 0];
    let mut n = 0;
    for i in 0..len {
        if hit(i) {
            let (x, y) = (i as u32 % width, i as u32 / width);
            ext = [
                ext[0].min(x),
                ext[1].min(y),
                ext[2].max(x + 1),
                ext[3].max(y + 1),
            ];
            n += 1;
        }
    }
    (ext.map(|v| v as f64), n)
}

/// `edgecase --headless -q --scenario S --frames N --out OUT [extra...]`
pub fn render_cli(scenario: &str, frames: u32, out: &Path, extra: &[&str]) -> Output {
    let frames = frames.to_string();
    let mut args = vec![
        "--headless",
        "-q",
        "--scenario",
        scenario,
        "--frames",
        &frames,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    edgecase(&args)
}

/// Run tools/<script> under `python` on a dataset; its last stdout line.
/// Without the Python `modules` it is skipped (None), except under CI,
/// where tools/setup-debian.sh installs them.
pub fn python_checker(python: &str, script: &str, modules: &str, dataset: &Path) -> Option<String> {
    let has = std::process::Command::new(python)
        .args(["-c", &format!("import {modules}")])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        assert!(
            std::env::var_os("CI").is_none(),
            "{modules} are required in CI (tools/setup-debian.sh installs them)"
        );
        eprintln!("SKIPPED {script}: pip install {modules}");
        return None;
    }
    let o = std::process::Command::new(python)
        .arg(repo_path(&format!("tools/{script}")))
        .arg(dataset)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{script} failed: {stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!("{stdout}");
    Some(stdout.lines().last().unwrap_or_default().to_string())
}

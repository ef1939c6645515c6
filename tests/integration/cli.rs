//! Tier 4: the CLI end to end, and its output re-read with the readers' rules.

use crate::common::{edgecase, extent_of, render_cli, repo_path, shipped_small, temp_dir};
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;

fn write_small(dir: &Path, name: &str, w: u32, h: u32) -> String {
    let p = dir.join(format!("{name}.ron"));
    fs::write(&p, shipped_small(name, w, h)).unwrap();
    p.to_str().unwrap().to_string()
}

/// The same command, run again, finishes an interrupted run at `out` to
/// the bytes of the uninterrupted one at `whole`.
fn resumes_to_the_same_bytes(scenario: &str, frames: u32, out: &Path, whole: &Path) {
    let o = render_cli(scenario, frames, out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        fs::read_to_string(out.join("checksums.sha256")).unwrap(),
        fs::read_to_string(whole.join("checksums.sha256")).unwrap()
    );
}

/// Render with the CLI and require success.
fn render_ok(scenario: &str, frames: u32, out: &Path, extra: &[&str]) {
    let o = render_cli(scenario, frames, out, extra);
    assert!(
        o.status.success(),
        "rendering {scenario} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn bad_scenarios_report_line_col_exit_2_and_write_nothing() {
    let dir = repo_path("tests/bad_scenarios");
    let mut n = 0;
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        // first line: `// expect: <line:col or -> | <substring>`
        let spec = text
            .lines()
            .next()
            .unwrap()
            .strip_prefix("// expect: ")
            .expect("expect header");
        let (pos, needle) = spec.split_once(" | ").unwrap();
        let tmp = temp_dir();
        let out = tmp.path().join("ds");
        let o = edgecase(&[
            "--headless",
            "--scenario",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", path.display());
        let want = format!("{}:{pos}: ", path.display());
        assert!(
            err.contains(&want),
            "{}: expected {want:?} in {err:?}",
            path.display()
        );
        assert!(
            err.contains(needle),
            "{}: expected {needle:?} in {err:?}",
            path.display()
        );
        assert!(
            !out.exists() && !tmp.path().join("ds.partial").exists(),
            "{}: output left behind",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 8, "{n} bad scenarios");
}

#[test]
fn missing_scenario_and_bad_flags_exit_2() {
    let tmp = temp_dir();
    let out = tmp.path().join("ds");
    let o = edgecase(&[
        "--headless",
        "--scenario",
        "no_such_scenario",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no shipped scenario of that name") && err.contains("edgecase list"),
        "{err}"
    );
    let o = edgecase(&[
        "--headless",
        "--scenario",
        "fog_pedestrian",
        "--frames",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = edgecase(&["--headless", "--scenario", "fog_pedestrian", "--fames", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn unwritable_output_fails_cleanly() {
    let tmp = temp_dir();
    let sc = write_small(tmp.path(), "dusk_parked_cars", 64, 48);
    // a regular file where a directory is needed (permissions do not stop root)
    let blocker = tmp.path().join("file");
    fs::write(&blocker, "x").unwrap();
    let out = blocker.join("ds");
    let o = render_cli(&sc, 2, &out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    // bad input, found before the GPU starts
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error:") && err.contains("is not a directory"),
        "{err}"
    );
    assert!(!out.exists());
    // --out naming an existing file: refused up front, even with --overwrite
    let o = render_cli(&sc, 2, &blocker, &["--overwrite"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is not a directory"), "{err}");
    assert_eq!(fs::read_to_string(&blocker).unwrap(), "x");
    assert!(!tmp.path().join("file.partial").exists());
}

/// Shipped scenarios come with the binary: from a directory with no
/// scenarios/ folder (and a folder named like one), by name; `list` prints
/// them; a typo gets the nearest names.
#[test]
fn shipped_scenarios_work_by_name_from_any_directory() {
    let tmp = temp_dir();
    fs::create_dir(tmp.path().join("fog_pedestrian")).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"))
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap()
    };
    let o = run(&["--check", "--scenario", "fog_pedestrian"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("builtin:scenarios/fog_pedestrian.ron: ok"),
        "{out}"
    );
    let o = run(&["--check", "--scenario", "hazards/child_ball"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["list"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    for name in [
        "fog_pedestrian",
        "clear_day_urban",
        "cyclist_door",
        "wrong_way_motorway",
    ] {
        assert!(out.contains(name), "{name} missing from {out}");
    }
    let o = run(&["--check", "--scenario", "fog_pedestrain"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.contains("did you mean fog_pedestrian"), "{err}");
    // a file of that name in the working directory still wins
    fs::write(tmp.path().join("child_ball.ron"), "(frames: 7)").unwrap();
    let o = run(&["--check", "--scenario", "child_ball.ron"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("7 frames"), "{out}");
}

/// SIGTERM stops a run cleanly (exit 143, the partial folder named, no
/// dataset published); the same command resumes to the bytes of an
/// uninterrupted run. SIGINT exits 130, SIGHUP (a dropped terminal) 129.
#[test]
fn sigterm_stops_cleanly_and_the_same_command_resumes() {
    let tmp = temp_dir();
    let sc = write_small(tmp.path(), "fog_pedestrian", 64, 48);
    // auto-exposure carries state from frame to frame: a resume must
    // continue it as an uninterrupted run does
    let text = fs::read_to_string(&sc).unwrap();
    let with_ae = text.replacen("hfov_deg:", "effects: (auto_exposure_s: 0.5), hfov_deg:", 1);
    assert_ne!(text, with_ae);
    fs::write(&sc, with_ae).unwrap();
    let whole = tmp.path().join("whole");
    render_ok(&sc, 300, &whole, &[]);
    for (signal, code) in [
        (libc::SIGTERM, 143),
        (libc::SIGINT, 130),
        (libc::SIGHUP, 129),
    ] {
        let out = tmp.path().join(format!("stopped{signal}"));
        let partial = tmp.path().join(format!("stopped{signal}.partial"));
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"));
        command
            .args(["--headless", "-q", "--scenario", &sc, "--frames", "300"])
            .arg("--out")
            .arg(&out)
            .stderr(std::process::Stdio::piped());
        // as from a terminal: a shell's background job (`tools/test &`)
        // starts with SIGINT ignored, and a run keeps an ignored signal
        // ignored (nohup's convention)
        // SAFETY: only an async-signal-safe call between fork and exec
        unsafe {
            command.pre_exec(move || {
                libc::signal(signal, libc::SIG_DFL);
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        wait_for_frames(&partial, 10);
        // SAFETY: signalling our own child process
        unsafe { libc::kill(child.id() as i32, signal) };
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{err}");
        assert!(
            err.contains(partial.file_name().unwrap().to_str().unwrap())
                && err.contains("the same command resumes"),
            "{err}"
        );
        assert!(!out.exists(), "a stopped run must not publish a dataset");
        resumes_to_the_same_bytes(&sc, 300, &out, &whole);
    }
}

#[test]
fn existing_output_is_refused_unless_overwrite() {
    let tmp = temp_dir();
    let sc = write_small(tmp.path(), "dusk_parked_cars", 64, 48);
    let out = tmp.path().join("ds");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("keep.txt"), "x").unwrap();
    let o = render_cli(&sc, 2, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out.join("keep.txt").exists());
    // --overwrite replaces datasets only: a folder of other files stays
    let o = render_cli(&sc, 2, &out, &["--overwrite"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is not an Edgecase dataset"), "{err}");
    assert!(out.join("keep.txt").exists());
    // an empty folder, then the dataset written there, are replaced
    fs::remove_file(out.join("keep.txt")).unwrap();
    render_ok(&sc, 2, &out, &["--overwrite"]);
    assert!(out.join("manifest.json").exists());
    fs::write(out.join("stale.txt"), "x").unwrap();
    render_ok(&sc, 2, &out, &["--overwrite"]);
    assert!(!out.join("stale.txt").exists() && out.join("manifest.json").exists());
}

fn read_u16_png(p: &Path) -> (u32, u32, Vec<u16>) {
    let img = image::open(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .into_luma16();
    (img.width(), img.height(), img.into_raw())
}

#[test]
fn dataset_files_agree_with_each_other_and_runs_are_byte_identical() {
    let tmp = temp_dir();
    let sc = write_small(tmp.path(), "fog_pedestrian", 128, 96);
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for out in [&a, &b] {
        render_ok(&sc, 40, out, &[]);
    }
    // determinism: every file (labels, masks, images) has the same bytes
    let sums_a = fs::read_to_string(a.join("checksums.sha256")).unwrap();
    assert_eq!(
        sums_a,
        fs::read_to_string(b.join("checksums.sha256")).unwrap()
    );
    for rel in [
        "coco/annotations.json",
        "labels/000031.json",
        "kitti/training/label_2/000031.txt",
    ] {
        assert_eq!(
            fs::read(a.join(rel)).unwrap(),
            fs::read(b.join(rel)).unwrap(),
            "{rel}"
        );
    }
    // checksums match the files
    for line in sums_a.lines() {
        let (sum, rel) = line.split_once("  ").unwrap();
        use sha2::Digest;
        let got: String = sha2::Sha256::digest(fs::read(a.join(rel)).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, sum, "{rel}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["frames"], 40);
    assert_eq!(manifest["weather"]["fog_visibility_m"], 45.0);
    assert!(
        manifest["classes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "lane marking" && c["id"] == 34)
    );

    // the PNGs and the canonical labels describe the same pixels
    let mut objects = 0;
    for frame in [5u64, 20, 31, 39] {
        let name = format!("{frame:06}");
        let labels: edgecase::core::record::FrameLabels =
            serde_json::from_slice(&fs::read(a.join(format!("labels/{name}.json"))).unwrap())
                .unwrap();
        assert_eq!(labels.frame, frame);
        let (w, h, inst) = read_u16_png(&a.join(format!("cameras/front/instance/{name}.png")));
        let sem = image::open(a.join(format!("cameras/front/semantic/{name}.png")))
            .unwrap()
            .into_luma8()
            .into_raw();
        let (_, _, depth) = read_u16_png(&a.join(format!("cameras/front/depth/{name}.png")));
        assert_eq!((w, h), (128, 96));
        for o in &labels.cameras[0].objects {
            let Some(bb) = o.bbox_visible_px else {
                continue;
            };
            let (ext, n) = extent_of(inst.len(), w, |i| inst[i] as u32 == o.instance_id);
            for (i, v) in inst.iter().enumerate() {
                if *v as u32 == o.instance_id {
                    assert_eq!(sem[i], o.class_id);
                    assert!(depth[i] > 0, "object pixel without depth");
                }
            }
            assert_eq!(n, o.visible_pixels);
            assert_eq!(bb, ext);
            objects += 1;
        }
        // KITTI rows: 15 single-space fields, real objects before DontCare
        let kitti =
            fs::read_to_string(a.join(format!("kitti/training/label_2/{name}.txt"))).unwrap();
        let mut seen_dontcare = false;
        for line in kitti.lines() {
            assert_eq!(line.split(' ').count(), 15, "{line}");
            if line.starts_with("DontCare") {
                seen_dontcare = true;
            } else {
                assert!(!seen_dontcare, "real object after DontCare");
            }
        }
        let calib = fs::read_to_string(a.join(format!("kitti/training/calib/{name}.txt"))).unwrap();
        assert_eq!(calib.lines().count(), 7);
        assert_eq!(
            fs::read(a.join(format!("kitti/training/image_2/{name}.png"))).unwrap(),
            fs::read(a.join(format!("cameras/front/rgb/{name}.png"))).unwrap()
        );
    }
    assert!(objects >= 8, "{objects}");
    check_with_pycocotools(&a);
}

/// pycocotools decodes every COCO mask; each equals the object's pixels in
/// the instance PNG and its bbox is the mask's tight extent.
fn check_with_pycocotools(dataset: &Path) {
    let has = std::process::Command::new("python3")
        .args(["-c", "import pycocotools, PIL, numpy"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !has {
        if std::env::var_os("CI").is_some() {
            panic!("pycocotools, Pillow and numpy are required in CI (.ci/run installs them)");
        }
        eprintln!("SKIPPED pycocotools check: `pip install pycocotools pillow numpy` to run it");
        return;
    }
    let o = std::process::Command::new("python3")
        .arg(repo_path("tools/check_coco.py"))
        .arg(dataset)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "check_coco.py failed: {stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    let n: usize = last
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{stdout}"));
    assert!(n >= 8, "{stdout}");
}

/// Wait (up to a minute) until a run has `n` label files in `partial`.
fn wait_for_frames(partial: &Path, n: usize) {
    let t0 = std::time::Instant::now();
    while fs::read_dir(partial.join("labels")).map_or(0, |d| d.count()) < n {
        assert!(t0.elapsed().as_secs() < 60, "no progress");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Files whose names mark them unfinished: temp files of an atomic write.
fn temp_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap().to_string_lossy().ends_with(".tmp") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn killed_run_resumes_to_the_same_bytes() {
    let tmp = temp_dir();
    let sc = write_small(tmp.path(), "fog_pedestrian", 96, 72);
    let whole = tmp.path().join("whole");
    render_ok(&sc, 150, &whole, &[]);
    let out = tmp.path().join("resumed");
    let partial = tmp.path().join("resumed.partial");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"))
        .args([
            "--headless",
            "-q",
            "--scenario",
            &sc,
            "--frames",
            "150",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // kill -9 once some frames are on disk
    wait_for_frames(&partial, 30);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.exists(), "a killed run must not publish a dataset");
    let done_before = fs::read_dir(partial.join("labels")).unwrap().count();
    assert!(done_before < 150, "the run finished before it was killed");
    // the same command finishes the rest
    let o = render_cli(&sc, 150, &out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // "resuming DIR: N of 150 frames already done", and the summary line
    // says the same N came from the interrupted run
    let resumed: u64 = err
        .split("frames already done")
        .next()
        .and_then(|head| head.rsplit(": ").next())
        .and_then(|n| n.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no resuming line: {err}"));
    assert!(resumed > 0, "{err}");
    let said = format!("wrote 150 frames ({resumed} of them from the interrupted run)");
    assert!(err.contains(&said), "{err}");
    assert!(!partial.exists());
    assert!(
        temp_files(&out).is_empty(),
        "left temp files: {:?}",
        temp_files(&out)
    );
    assert_eq!(
        fs::read_to_string(out.join("checksums.sha256")).unwrap(),
        fs::read_to_string(whole.join("checksums.sha256")).unwrap()
    );
    // a different run is refused in a leftover partial directory
    let other = tmp.path().join("other");
    fs::create_dir(tmp.path().join("other.partial")).unwrap();
    fs::write(tmp.path().join("other.partial/run.json"), "{}").unwrap();
    let o = render_cli(&sc, 5, &other, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different"));
}

/// A full disk stops a run with the file it could not write and the
/// `.partial` folder to resume from (exit 1, nothing published, no panic
/// or hang); once there is room the same command finishes it, to the
/// bytes of an uninterrupted run. The disk is a 1 MiB tmpfs (root only):
/// skipped, and says so, where mounting one is refused.
#[test]
fn a_full_disk_stops_cleanly_and_the_same_command_resumes() {
    let tmp = temp_dir();
    let sc = write_small(tmp.path(), "fog_pedestrian", 96, 72);
    let whole = tmp.path().join("whole");
    render_ok(&sc, 20, &whole, &[]);
    let disk = tmp.path().join("disk");
    fs::create_dir(&disk).unwrap();
    let mount = |args: &[&str]| {
        std::process::Command::new("mount")
            .args(args)
            .arg(&disk)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !mount(&["-t", "tmpfs", "-o", "size=1m", "tmpfs"]) {
        eprintln!("skipped: cannot mount a tmpfs here (not root?)");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(disk.clone());
    let out = disk.join("ds");
    let o = render_cli(&sc, 20, &out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("No space left on device") && err.contains("ds.partial"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "a run that filled the disk must not publish");
    // room again: the same command finishes it
    assert!(mount(&["-o", "remount,size=512m"]));
    resumes_to_the_same_bytes(&sc, 20, &out, &whole);
    assert!(temp_files(&out).is_empty(), "{:?}", temp_files(&out));
}

/// A reader of the log that goes away (`edgecase -v ... 2>&1 | head`)
/// costs the lines, not the run: it finishes and publishes (eprintln!, and
/// tracing's own report of a failed write, had panicked: exit 101, no
/// dataset).
#[test]
fn a_closed_stderr_does_not_stop_a_run() {
    use std::io::Read;
    let tmp = temp_dir();
    let sc = write_small(tmp.path(), "fog_pedestrian", 64, 48);
    let out = tmp.path().join("ds");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"))
        .args([
            "--headless",
            "-v",
            "--scenario",
            &sc,
            "--frames",
            "12",
            "--out",
        ])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // the first log bytes, then the reader is gone
    let mut first = [0u8; 8];
    child.stderr.take().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let sums = fs::read_to_string(out.join("checksums.sha256")).unwrap();
    assert!(sums.lines().filter(|l| l.contains("labels/")).count() >= 12);
}

/// Without XDG_RUNTIME_DIR every run shares one private runtime directory
/// per user (one per process piled up by the thousand); -v turns on info
/// log lines through tracing.
#[test]
fn runs_leave_no_runtime_directories_and_log_with_v() {
    let tmp = temp_dir();
    for _ in 0..3 {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"))
            .args(["-v", "--check", "--scenario", "fog_pedestrian"])
            .env_remove("XDG_RUNTIME_DIR")
            .env("TMPDIR", tmp.path())
            .output()
            .unwrap();
        assert!(o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("INFO") && err.contains("fog_pedestrian"),
            "{err}"
        );
    }
    let dirs: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("edgecase-runtime-"))
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    // quiet by default
    let o = edgecase(&["--check", "--scenario", "fog_pedestrian"]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("INFO"));
}

/// An ego that a trigger on a condition speeds up past the end of the
/// drawn road: `--check` (which follows timed triggers only) foresees
/// nothing, so the run warns at the frame it passes; one whose timed
/// trigger does it is warned of once, before the run, not again.
#[test]
fn the_run_warns_when_a_conditional_trigger_takes_the_ego_past_the_road() {
    let tmp = temp_dir();
    let scenario = |trigger: &str| {
        let p = tmp.path().join(format!("{}.ron", trigger.len()));
        fs::write(
            &p,
            format!(
                "(road: (segments: [Straight(length_m: 50)]), ego: (speed_mps: 1),
                  pedestrians: [(s_m: 20, name: \"p\")],
                  triggers: [(actor: \"ego\", when: {trigger}, action: SetSpeed(40))],
                  sensors: (cameras: [(width: 16, height: 12)]))"
            ),
        )
        .unwrap();
        p
    };
    let run = |p: &Path, out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"))
            .args(["--headless", "-q", "--frames", "300", "--scenario"])
            .arg(p)
            .arg("--out")
            .arg(tmp.path().join(out))
            .output()
            .unwrap()
    };
    // 200 m drawn; told 40 m/s at once (the ego starts within 25 m of the
    // walker), it speeds up at 1.5 m/s^2 from 1 m/s: t + 0.75 t^2 = 199 m
    // at t = 15.6 s, frame ~156
    let conditional = scenario("EgoWithin(25)");
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"))
        .args(["--check", "--frames", "300", "--scenario"])
        .arg(&conditional)
        .output()
        .unwrap();
    assert!(check.status.success());
    assert!(!String::from_utf8_lossy(&check.stderr).contains("warning"));
    let o = run(&conditional, "a");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let frame: u64 = err
        .split("at frame ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no warning: {err}"));
    assert!((150..=162).contains(&frame), "{err}");
    assert!(err.contains("s = 200 m"), "{err}");
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    // timed: foreseen before the run, and not repeated during it
    let o = run(&scenario("AtTime(0.0)"), "b");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    assert!(err.contains("at about frame"), "{err}");
}

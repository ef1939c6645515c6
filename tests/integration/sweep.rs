//! Sweeps: sweep-file errors, sharding and resume give the same merged bytes,
//! merge refuses incomplete inputs.

use crate::common::{edgecase, repo_path, temp_dir};
use std::fs;
use std::path::Path;

fn small() -> String {
    repo_path("tests/sweeps/small.ron")
        .to_str()
        .unwrap()
        .to_string()
}

/// `edgecase sweep -q tests/sweeps/small.ron --out OUT [extra...]`
fn sweep_cmd(out: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"));
    cmd.args(["sweep", "-q", &small(), "--out", out.to_str().unwrap()])
        .args(extra);
    cmd
}

fn sweep(out: &Path, extra: &[&str]) -> std::process::Output {
    sweep_cmd(out, extra).output().unwrap()
}

fn ok(o: std::process::Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn merge(dir: &Path, out: &Path) -> std::process::Output {
    edgecase(&[
        "merge",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn bad_sweep_files_report_line_col_and_exit_2() {
    let mut n = 0;
    for e in fs::read_dir(repo_path("tests/sweeps")).unwrap() {
        let path = e.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("bad_")
        {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let (pos, needle) = text
            .lines()
            .next()
            .unwrap()
            .strip_prefix("// expect: ")
            .unwrap()
            .split_once(" | ")
            .unwrap();
        let tmp = temp_dir();
        let out = tmp.path().join("sw");
        let o = edgecase(&[
            "sweep",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("{}:{pos}: ", path.display())) && err.contains(needle),
            "{}: {err}",
            path.display()
        );
        assert!(!out.exists());
        n += 1;
    }
    assert!(n >= 4);
}

#[test]
fn any_sharding_and_a_kill_give_the_same_merged_dataset() {
    let tmp = temp_dir();
    let t = tmp.path();
    // one process, one shard
    ok(sweep(&t.join("one"), &["--shard-count", "1"]));
    ok(merge(&t.join("one"), &t.join("one_m")));
    // two shards, indices from the flag
    for i in ["0", "1"] {
        ok(sweep(
            &t.join("two"),
            &["--shard-count", "2", "--shard-index", i],
        ));
    }
    ok(merge(&t.join("two"), &t.join("two_m")));
    // four shards, indices from the scheduler's variable; shard 2 killed mid-sample, then rerun
    for i in ["0", "1", "3"] {
        let out = sweep_cmd(&t.join("four"), &["--shard-count", "4"])
            .env("SLURM_ARRAY_TASK_ID", i)
            .output()
            .unwrap();
        ok(out);
    }
    // merge refuses while shard 2 is missing, and names it
    let o = merge(&t.join("four"), &t.join("four_m"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("sample 2") && err.contains("shard 2 of 4"),
        "{err}"
    );
    assert!(!t.join("four_m").exists());
    let mut child = sweep_cmd(
        &t.join("four"),
        &["--shard-count", "4", "--shard-index", "2"],
    )
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let labels = t.join("four/samples/00002.partial/labels");
    // kill at a frame that differs from run to run (any frame must work)
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let kill_after = 1 + (nanos % 5) as usize;
    let t0 = std::time::Instant::now();
    while fs::read_dir(&labels).map_or(0, |d| d.count()) < kill_after {
        assert!(t0.elapsed().as_secs() < 60, "no progress");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !t.join("four/samples/00002/manifest.json").exists(),
        "killed too late"
    );
    ok(sweep(
        &t.join("four"),
        &["--shard-count", "4", "--shard-index", "2"],
    ));
    // an edited sample manifest is noticed (checksums.sha256 cannot cover
    // it; the shard manifest vouches for it), and the shard to rerun named
    let m1 = t.join("four/samples/00001/manifest.json");
    let original = fs::read(&m1).unwrap();
    let mut edited = original.clone();
    let at = edited.windows(4).position(|w| w == b"seed").unwrap();
    edited[at] = b'S';
    fs::write(&m1, &edited).unwrap();
    let o = merge(&t.join("four"), &t.join("four_m"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("sample 1") && err.contains("rerun shard 1 of 4"),
        "{err}"
    );
    fs::write(&m1, &original).unwrap();
    ok(merge(&t.join("four"), &t.join("four_m")));
    // every file of the merged dataset is verifiable: sample manifests are in
    // checksums.sha256, and manifest.sha256 holds the top manifest's sum
    let sums = fs::read_to_string(t.join("four_m/checksums.sha256")).unwrap();
    assert!(sums.contains("  samples/00001/manifest.json\n"));
    let top = fs::read_to_string(t.join("four_m/manifest.sha256")).unwrap();
    let want = edgecase::writers::sha256_hex(&fs::read(t.join("four_m/manifest.json")).unwrap());
    assert_eq!(top, format!("{want}  manifest.json\n"));

    let read = |d: &str, f: &str| fs::read(t.join(d).join(f)).unwrap();
    for f in [
        "checksums.sha256",
        "manifest.json",
        "coco/annotations.json",
        "samples.jsonl",
        "sweep_summary.json",
        "kitti/ImageSets/val.txt",
    ] {
        assert_eq!(read("one_m", f), read("two_m", f), "{f}: 1 vs 2 shards");
        assert_eq!(
            read("one_m", f),
            read("four_m", f),
            "{f}: 1 vs 4 shards with a kill"
        );
    }
    // no partial files anywhere in the resumed output
    let mut stack = vec![t.join("four")];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            assert!(
                !name.ends_with(".tmp") && !name.ends_with(".partial"),
                "left behind: {}",
                p.display()
            );
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    // the merged dataset is complete and its sampled values are recorded
    let samples = fs::read_to_string(t.join("one_m/samples.jsonl")).unwrap();
    assert_eq!(samples.lines().count(), 4);
    let first: serde_json::Value = serde_json::from_str(samples.lines().next().unwrap()).unwrap();
    let vis = first["values"]["weather.fog.visibility_m"]
        .as_f64()
        .unwrap();
    assert!((20.0..=120.0).contains(&vis));
    let m: serde_json::Value =
        serde_json::from_slice(&read("one_m", "samples/00000/manifest.json")).unwrap();
    assert_eq!(m["weather"]["fog_visibility_m"].as_f64().unwrap(), vis);
    let summary: serde_json::Value =
        serde_json::from_slice(&read("one_m", "sweep_summary.json")).unwrap();
    assert_eq!(summary["ego.speed_mps"]["count"], 4);
    let coco: serde_json::Value =
        serde_json::from_slice(&read("one_m", "coco/annotations.json")).unwrap();
    let ids: std::collections::BTreeSet<u64> = coco["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4 * 12);
    let train = fs::read_to_string(t.join("one_m/kitti/ImageSets/train.txt")).unwrap();
    let val = fs::read_to_string(t.join("one_m/kitti/ImageSets/val.txt")).unwrap();
    assert_eq!(train.lines().count() + val.lines().count(), 48);
    // YOLO: every sample's frames in the sweep's split of that sample, as
    // KITTI's ImageSets (global frame g = sample * 12 + frame)
    for (split, list) in [("train", &train), ("val", &val)] {
        let mut got: Vec<String> =
            fs::read_dir(t.join(format!("one_m/yolo/detect/images/{split}")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .map(|n| {
                    let (sample, rest) = n.trim_start_matches('s').split_once("_front_").unwrap();
                    let frame: u64 = rest.trim_end_matches(".png").parse().unwrap();
                    format!("{:06}", sample.parse::<u64>().unwrap() * 12 + frame)
                })
                .collect();
        got.sort();
        let want: Vec<String> = list.lines().map(String::from).collect();
        assert_eq!(got, want, "{split}");
    }
    // and supervision reads the merged layout back as each sample's labels say
    let yolo = crate::common::python_checker(
        "python3",
        "check_yolo.py",
        "supervision, yaml, numpy, PIL",
        &t.join("one_m"),
    );
    if let Some(last) = yolo {
        assert!(last.starts_with("96 images, "), "{last}");
    }
}

#[test]
fn a_directory_of_another_sweep_is_refused() {
    let tmp = temp_dir();
    let out = tmp.path().join("sw");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("sweep.json"), "{\"identity\": \"someone else\"}").unwrap();
    let o = sweep(&out, &["--shard-count", "4", "--shard-index", "3"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweep"));
}

/// `end_on_collision` in a sweep: each sample stops at its crash, the
/// merge takes the shorter samples as they are, and samples.jsonl says
/// how many frames each has and why it ended.
#[test]
fn samples_a_collision_ended_merge_with_their_frames_recorded() {
    let t = temp_dir();
    fs::write(
        t.path().join("crash_base.ron"),
        "(tick_hz: 20, road: (segments: [Straight(length_m: 200)]),
          ego: (speed_mps: 15, car_following: false),
          vehicles: [(start_s_m: 40, speed_mps: 0)],
          end_on_collision: Ego,
          sensors: (cameras: [(name: \"front\", width: 32, height: 24, hfov_deg: 90)]),
          output: (depth: []))",
    )
    .unwrap();
    let sweep_file = t.path().join("crash.ron");
    fs::write(
        &sweep_file,
        "(name: \"crash\", base: \"crash_base.ron\", seed: 3, samples: 2, frames_per_sample: 200,
          params: { \"vehicles[0].start_s_m\": Uniform(min: 30.0, max: 45.0) })",
    )
    .unwrap();
    let out = t.path().join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_edgecase"))
        .args(["sweep", "-q", sweep_file.to_str().unwrap(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{err}");
    assert_eq!(
        err.matches("of 200 frames (a collision ended").count(),
        2,
        "{err}"
    );
    let merged = t.path().join("merged");
    ok(merge(&out, &merged));
    let lines = fs::read_to_string(merged.join("samples.jsonl")).unwrap();
    let mut total = 0;
    for line in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let frames = v["frames"].as_u64().unwrap();
        assert!(frames < 200, "{line}");
        assert_eq!(v["ended"]["reason"], "collision", "{line}");
        assert_eq!(v["ended"]["frame"].as_u64(), Some(frames - 1), "{line}");
        total += frames;
    }
    assert_eq!(lines.lines().count(), 2);
    // the merged formats hold exactly the frames the samples have
    let coco: serde_json::Value =
        serde_json::from_slice(&fs::read(merged.join("coco/annotations.json")).unwrap()).unwrap();
    assert_eq!(coco["images"].as_array().unwrap().len() as u64, total);
    let kitti: usize = ["train", "val"]
        .iter()
        .map(|s| {
            fs::read_to_string(merged.join(format!("kitti/ImageSets/{s}.txt")))
                .map_or(0, |t| t.lines().count())
        })
        .sum();
    assert_eq!(kitti as u64, total);
}

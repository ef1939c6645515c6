//! `edgecase merge`: combine the shard outputs of one sweep directory into
//! one dataset, after checking that every sample is present, complete and
//! matches its shard manifest's checksum.

use super::SweepFile;
use super::run::{SWEEP_FILE, sample_dir, sha256_file};
use super::stats::summarize;
use crate::writers::{
    CocoDocument, RUN_FILE, frame_name, write_atomic, write_checksums, write_manifest,
};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Merge refuses its input (missing, unfinished or altered samples, an
/// existing --out): bad input, exit 2, as against a failure while writing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Verify a dataset's files against its checksums.sha256; the first file
/// that does not match, or None.
fn first_mismatch(dir: &Path) -> Result<Option<String>> {
    let text = fs::read_to_string(dir.join("checksums.sha256"))?;
    for line in text.lines() {
        let Some((sum, rel)) = line.split_once("  ") else {
            return Ok(Some(format!("bad checksum line {line:?}")));
        };
        match sha256_file(&dir.join(rel)) {
            Ok(got) if got == sum => {}
            Ok(_) => return Ok(Some(format!("{rel} does not match its checksum"))),
            Err(_) => return Ok(Some(format!("{rel} is missing"))),
        }
    }
    Ok(None)
}

/// Link (or copy where links fail) `from` to `to`.
fn link(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir)?;
    }
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to).with_context(|| format!("copying {}", from.display()))?;
    }
    Ok(())
}

pub fn merge(sweep_dir: &Path, out: &Path, overwrite: bool) -> Result<PathBuf> {
    let record: Value = fs::read(sweep_dir.join(SWEEP_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| {
            Refused(format!(
                "{} is not a sweep output directory (no readable {SWEEP_FILE})",
                sweep_dir.display()
            ))
        })?;
    let sweep: SweepFile = serde_json::from_value(record["sweep"].clone())?;
    let identity = record["identity"].clone();
    verify_samples(sweep_dir, &sweep, &identity)?;

    if out.exists() && !overwrite {
        return Err(Refused(format!(
            "{} already exists; choose another --out or pass --overwrite",
            out.display()
        ))
        .into());
    }
    if out.is_dir() {
        crate::writers::ensure_replaceable(out).map_err(|e| Refused(e.to_string()))?;
    }
    let name = out
        .file_name()
        .ok_or_else(|| anyhow!("--out must name a directory"))?;
    let partial = out.with_file_name(format!("{}.partial", name.to_string_lossy()));
    if partial.exists() {
        // an unfinished merge (its run.json marks it): anything else stays
        crate::writers::ensure_replaceable(&partial).map_err(|e| Refused(e.to_string()))?;
        fs::remove_dir_all(&partial)?;
    }
    fs::create_dir_all(&partial)?;
    write_atomic(&partial, RUN_FILE, b"{\"merge\": true}")?;
    let frames = sweep.frames_per_sample;
    let mut coco = CocoDocument::create(&partial)?;
    let mut sample_lines = String::new();
    let mut drawn = Vec::new();
    // KITTI frame names of the training and validation splits
    let (mut train, mut val) = (String::new(), String::new());
    let mut yolo_here = false;
    for k in 0..sweep.samples {
        let dir = sample_dir(sweep_dir, k);
        let rel = format!("samples/{k:05}");
        let manifest: Value = serde_json::from_slice(&fs::read(dir.join("manifest.json"))?)?;
        let in_val = super::Sweep::is_val_split(&sweep, k);
        let list = if in_val { &mut val } else { &mut train };
        link_sample(&dir, &partial, &rel, &manifest, k, frames, &mut coco, list)?;
        yolo_here |= link_yolo(&dir, &partial, k, in_val)?;
        let values = manifest["sweep_sample"]["values"].clone();
        // frames written, and why fewer than asked (a collision) if so
        let mut line = json!({"sample": k, "seed": manifest["sweep_sample"]["seed"], "split": if in_val {"val"} else {"train"}, "frames": manifest["frames"], "values": values});
        if !manifest["ended"].is_null() {
            line["ended"] = manifest["ended"].clone();
        }
        sample_lines.push_str(&serde_json::to_string(&line)?);
        sample_lines.push('\n');
        drawn.push(serde_json::from_value::<BTreeMap<String, Value>>(values).unwrap_or_default());
    }
    coco.finish()?;
    if !train.is_empty() || !val.is_empty() {
        write_atomic(&partial, "kitti/ImageSets/train.txt", train.as_bytes())?;
        write_atomic(&partial, "kitti/ImageSets/val.txt", val.as_bytes())?;
    }
    if yolo_here {
        crate::writers::write_yolo_layout(&partial)?;
    }
    write_atomic(&partial, "samples.jsonl", sample_lines.as_bytes())?;
    write_atomic(
        &partial,
        "sweep_summary.json",
        &serde_json::to_vec_pretty(&summarize(&drawn))?,
    )?;
    fs::remove_file(partial.join(RUN_FILE))?;
    let sums = write_checksums(&partial, 0)?;
    let manifest = json!({
        "tool": "edgecase",
        "version": env!("CARGO_PKG_VERSION"),
        "sweep": sweep,
        "sweep_identity": identity,
        "samples": sweep.samples,
        "frames_per_sample": frames,
        "frames": sweep.samples * frames,
        "layout": {
            "samples": "samples/NNNNN/ (each a complete single-run dataset)",
            "coco": "coco/annotations.json (all samples; file names relative to this folder)",
            "kitti": "kitti/training/{image_2,label_2,calib}/GGGGGG.* with G = sample * frames_per_sample + frame; ImageSets/{train,val}.txt split by sample",
            "yolo": "yolo/{detect,segment}/{data.yaml,images,labels}/{train,val}/sNNNNN_<camera>_FFFFFF.* (when the samples wrote YOLO), split by sample as KITTI's ImageSets",
            "samples_jsonl": "the values drawn for each sample",
            "summary": "sweep_summary.json: per-parameter quantiles and histograms (numbers) or counts",
        },
        "checksums": {"file": "checksums.sha256", "sha256": sums.sha256, "files": sums.files},
        "complete": true,
    });
    write_manifest(&partial, &manifest)?;
    if out.exists() {
        fs::remove_dir_all(out)?;
    }
    fs::rename(&partial, out)?;
    Ok(out.to_path_buf())
}

/// A sample's YOLO images and labels, linked into the merged YOLO folders
/// under the sweep's split for the sample, names prefixed `sNNNNN_`;
/// whether the sample has YOLO files.
fn link_yolo(dir: &Path, partial: &Path, k: u64, in_val: bool) -> Result<bool> {
    let split = if in_val { "val" } else { "train" };
    let mut any = false;
    for kind in crate::core::yolo::KINDS {
        for d in ["images", "labels"] {
            for own in ["train", "val"] {
                let from = dir.join(format!("yolo/{kind}/{d}/{own}"));
                let Ok(entries) = fs::read_dir(&from) else {
                    continue;
                };
                let mut names: Vec<_> = entries
                    .filter_map(|e| e.ok().map(|e| e.file_name()))
                    .collect();
                names.sort();
                for name in names {
                    let to = format!("yolo/{kind}/{d}/{split}/s{k:05}_{}", name.to_string_lossy());
                    link(&from.join(&name), &partial.join(to))?;
                    any = true;
                }
            }
        }
    }
    Ok(any)
}

/// Every sample is finished and vouched for by a finished shard manifest
/// whose sums match its files; else the refusal names each shard to rerun.
fn verify_samples(sweep_dir: &Path, sweep: &SweepFile, identity: &Value) -> Result<()> {
    // which samples the shard manifests vouch for: the sums of their
    // checksums.sha256 and manifest.json
    let mut vouched: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut shard_counts = std::collections::BTreeSet::new();
    for e in fs::read_dir(sweep_dir.join("shards"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let m: Value = serde_json::from_slice(&fs::read(e.path())?)?;
        if m["sweep"] != *identity || m["complete"] != json!(true) {
            continue;
        }
        shard_counts.insert(m["shard_count"].as_u64().unwrap_or(0));
        for s in m["samples"].as_array().into_iter().flatten() {
            if let (Some(k), Some(sums), Some(manifest)) = (
                s["sample"].as_u64(),
                s["checksums_sha256"].as_str(),
                s["manifest_sha256"].as_str(),
            ) {
                vouched.insert(k, (sums.to_string(), manifest.to_string()));
            }
        }
    }
    let mut problems = Vec::new();
    for k in 0..sweep.samples {
        let dir = sample_dir(sweep_dir, k);
        let owners: Vec<String> = shard_counts
            .iter()
            .map(|n| format!("shard {} of {n}", k % n))
            .collect();
        let rerun = if owners.is_empty() {
            "rerun its shard".to_string()
        } else {
            format!("rerun {}", owners.join(" / "))
        };
        let sum = |f: &str| sha256_file(&dir.join(f)).unwrap_or_default();
        if !dir.join("manifest.json").exists() {
            problems.push(format!("sample {k} is missing or unfinished: {rerun}"));
        } else if vouched.get(&k) != Some(&(sum("checksums.sha256"), sum("manifest.json"))) {
            problems.push(format!(
                "sample {k} has no finished shard manifest that matches its checksums.sha256 and manifest.json (edited or rendered by another sweep): {rerun}"
            ));
        } else if let Some(what) = first_mismatch(&dir)? {
            problems.push(format!("sample {k}: {what}: {rerun}"));
        }
    }
    if !problems.is_empty() {
        return Err(Refused(format!(
            "cannot merge {}:\n  {}",
            sweep_dir.display(),
            problems.join("\n  ")
        ))
        .into());
    }
    Ok(())
}

/// Link one sample's files into the merged dataset: its folder under `rel`,
/// its COCO frames renumbered, its KITTI frames under global names (added
/// to `split_list`).
#[allow(clippy::too_many_arguments)]
fn link_sample(
    dir: &Path,
    partial: &Path,
    rel: &str,
    manifest: &Value,
    k: u64,
    frames: u64,
    coco: &mut CocoDocument,
    split_list: &mut String,
) -> Result<()> {
    for line in fs::read_to_string(dir.join("checksums.sha256"))?.lines() {
        let Some((_, f)) = line.split_once("  ") else {
            bail!(
                "{}: a line that is not `<sum>  <file>`",
                dir.join("checksums.sha256").display()
            );
        };
        link(&dir.join(f), &partial.join(rel).join(f))?;
    }
    for f in ["manifest.json", "checksums.sha256", "manifest.sha256"] {
        if dir.join(f).exists() {
            link(&dir.join(f), &partial.join(rel).join(f))?;
        }
    }
    let cameras = manifest["cameras"].as_array().map_or(1, Vec::len);
    // a sample a collision ended early has fewer frames
    let sample_frames = manifest["frames"].as_u64().unwrap_or(frames).min(frames);
    coco.add_frames(dir, sample_frames, cameras, k * frames, &format!("{rel}/"))?;
    let kitti = dir.join("kitti/training");
    // the sample's own KITTI frames (a frame a sensor dropped is none)
    let listed: std::collections::BTreeSet<String> =
        fs::read_to_string(dir.join("kitti/ImageSets/train.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
    for f in 0..sample_frames {
        let global = frame_name(k * frames + f);
        for (sub, ext) in [("image_2", "png"), ("label_2", "txt"), ("calib", "txt")] {
            let src = kitti.join(sub).join(format!("{}.{ext}", frame_name(f)));
            if src.exists() {
                link(
                    &src,
                    &partial.join(format!("kitti/training/{sub}/{global}.{ext}")),
                )?;
            }
        }
        if kitti.exists() && listed.contains(&frame_name(f)) {
            split_list.push_str(&global);
            split_list.push('\n');
        }
    }
    Ok(())
}

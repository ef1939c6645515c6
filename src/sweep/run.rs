//! Running one shard of a sweep: its samples, each a complete dataset under
//! `<out>/samples/NNNNN`, resumable at sample and frame level.

use super::Sweep;
use crate::batch::{self, BatchOptions};
use crate::sensors::camera::GpuContext;
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};

pub const SWEEP_FILE: &str = "sweep.json";

pub fn sample_dir(out: &Path, k: u64) -> PathBuf {
    out.join("samples").join(format!("{k:05}"))
}

pub fn shard_manifest_path(out: &Path, index: u64, count: u64) -> PathBuf {
    out.join("shards")
        .join(format!("shard-{index:04}-of-{count:04}.json"))
}

/// The sweep record every shard of one output directory must share.
fn sweep_record(sweep: &Sweep) -> serde_json::Value {
    json!({ "identity": sweep.identity, "sweep": sweep.file, "base": sweep.base_path.display().to_string() })
}

/// Claim `out` for this sweep, or refuse a directory made by another sweep or version.
fn claim(out: &Path, sweep: &Sweep) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let record = serde_json::to_string_pretty(&sweep_record(sweep))?;
    let path = out.join(SWEEP_FILE);
    match fs::read_to_string(&path) {
        Ok(existing) if existing == record => Ok(()),
        Ok(_) => bail!(
            "{} was made by a different sweep file, base scenario or Edgecase version; use another --out",
            out.display()
        ),
        Err(_) => {
            // several shards may start at once: write a temp file, then rename
            let tmp = out.join(format!(".{SWEEP_FILE}.{}.tmp", std::process::id()));
            fs::write(&tmp, &record)?;
            fs::rename(&tmp, &path)?;
            Ok(())
        }
    }
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(crate::writers::sha256_hex(&bytes))
}

pub struct ShardOptions {
    pub out: PathBuf,
    pub index: u64,
    pub count: u64,
    pub workers: usize,
    pub progress: bool,
}

/// Render the samples k with k % count == index; skip finished ones.
pub fn run_shard(sweep: &Sweep, opts: &ShardOptions) -> Result<()> {
    claim(&opts.out, sweep)?;
    let mine: Vec<u64> = (opts.index..sweep.file.samples)
        .step_by(opts.count as usize)
        .collect();
    let mut listed = Vec::new();
    for (i, &k) in mine.iter().enumerate() {
        let dir = sample_dir(&opts.out, k);
        let mut ended = String::new();
        if !dir.join("manifest.json").exists() {
            let sample = sweep.sample(k).map_err(anyhow::Error::msg)?;
            let gpu = GpuContext::new_headless()?;
            let options = BatchOptions {
                scenario: sample.scenario.clone(),
                scenario_path: sweep.path.clone(),
                scenario_sha256: sweep.identity["sweep_sha256"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                frames: sweep.file.frames_per_sample,
                out_dir: dir.clone(),
                overwrite: false,
                workers: opts.workers,
                progress: opts.progress,
                extra_manifest: json!({
                    "sweep_sample": { "sweep": sweep.file.name, "index": k, "seed": sample.scenario.seed, "values": sample.values }
                }),
            };
            let written = batch::run(options, gpu).with_context(|| format!("sample {k}"))?;
            if written.frames < written.requested {
                ended = format!(": {}", written.frames_text());
            }
        }
        crate::console::to_stderr!(
            "shard {}/{}: sample {k} done ({}/{}){ended}",
            opts.index,
            opts.count,
            i + 1,
            mine.len()
        );
        // the manifest is not in checksums.sha256 (it holds that file's sum):
        // the shard manifest vouches for both
        listed.push(json!({
            "sample": k,
            "checksums_sha256": sha256_file(&dir.join("checksums.sha256"))?,
            "manifest_sha256": sha256_file(&dir.join("manifest.json"))?,
        }));
    }
    let manifest = json!({
        "sweep": sweep.identity,
        "shard_index": opts.index,
        "shard_count": opts.count,
        "samples": listed,
        "complete": true,
    });
    let path = shard_manifest_path(&opts.out, opts.index, opts.count);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, serde_json::to_vec_pretty(&manifest)?)?;
    fs::rename(&tmp, &path)?;
    Ok(())
}

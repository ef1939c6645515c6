//! Domain-randomisation sweeps: a sweep file names a base scenario and
//! distributions over any of its fields. Sample k depends only on
//! (sweep seed, k), never on how the samples are sharded.

pub mod dist;
pub mod merge;
pub mod run;
pub mod stats;

use crate::core::rng::{Stream, mix64};
use crate::scenario::{self, Scenario, ScenarioError};
use dist::Dist;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Samples a sweep may have: every one is drawn and validated (~0.1 ms
/// each) by `--check` and by each shard before it renders, so a sweep of
/// 10^14 samples checked for years.
pub const MAX_SAMPLES: u64 = 1_000_000;

/// Options drawn together: one option per sample (e.g. night with
/// headlights and a dark sky, or day), then each of its parameters.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    #[serde(default)]
    pub weights: Option<Vec<f64>>,
    pub options: Vec<BTreeMap<String, Dist>>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    #[serde(default = "default_name")]
    pub name: String,
    /// Base scenario: a path relative to the sweep file, or a name from scenarios/.
    pub base: String,
    #[serde(default)]
    pub seed: u64,
    pub samples: u64,
    pub frames_per_sample: u64,
    /// Shard count when `--shard-count` is not given.
    #[serde(default = "one")]
    pub shards: u64,
    /// Fraction of samples put in the KITTI `val` split at merge.
    #[serde(default = "default_val")]
    pub val_fraction: f64,
    /// Field path (e.g. "weather.fog.visibility_m", "props.parked[1].kind",
    /// "props.parked.len") -> distribution.
    #[serde(default)]
    pub params: BTreeMap<String, Dist>,
    #[serde(default)]
    pub groups: Vec<Group>,
}

fn default_name() -> String {
    "sweep".into()
}
fn one() -> u64 {
    1
}
fn default_val() -> f64 {
    0.1
}

/// A loaded, checked sweep.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub file: SweepFile,
    pub path: PathBuf,
    pub base_path: PathBuf,
    pub base: Scenario,
    /// sha256 of the sweep file and of the base scenario file.
    pub identity: Value,
}

/// One sample: its scenario and the values drawn for it.
#[derive(Clone, Debug)]
pub struct Sample {
    pub index: u64,
    pub scenario: Scenario,
    /// Parameter path (and "group:<name>" -> option index) -> value.
    pub values: BTreeMap<String, Value>,
}

enum Step {
    Field(String),
    Index(usize),
    Len,
}

fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        if part == "len" && !steps.is_empty() {
            steps.push(Step::Len);
            continue;
        }
        let (name, rest) = part
            .split_once('[')
            .map_or((part, None), |(n, r)| (n, Some(r)));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("bad path segment {part:?}"));
        }
        steps.push(Step::Field(name.to_string()));
        if let Some(r) = rest {
            let idx = r
                .strip_suffix(']')
                .and_then(|i| i.parse().ok())
                .ok_or(format!("bad index in {part:?}"))?;
            steps.push(Step::Index(idx));
        }
    }
    Ok(steps)
}

/// A value the sweep file gave that holds a null: a bare name such as
/// `Kitti` reads as null (RON keeps no variant name there), so say how to
/// write one.
fn null_hint(v: &Value) -> &'static str {
    fn has_null(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Array(a) => a.iter().any(has_null),
            Value::Object(o) => o.values().any(has_null),
            _ => false,
        }
    }
    if has_null(v) {
        " (a bare enum variant such as Kitti reads as null in a sweep value: write it as a string, \"Kitti\")"
    } else {
        ""
    }
}

/// Set `value` at `path` in a serialized scenario.
fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let steps = parse_path(path)?;
    let mut cur = root;
    let mut walked = String::new();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        match step {
            Step::Field(name) => {
                if !walked.is_empty() {
                    walked.push('.');
                }
                walked.push_str(name);
                let obj = cur
                    .as_object_mut()
                    .ok_or(format!("{walked}: not a structure"))?;
                let slot = obj.get_mut(name).ok_or_else(|| {
                    if walked == "sensors.rig" {
                        // the base was read with its rig already expanded
                        "sensors.rig: a rig stands for its cameras and LiDARs, which the base \
                         scenario holds once read: randomise them one by one, \
                         `sensors.cameras[i].width` (in the rig's order, docs/scenario.md), \
                         `sensors.lidars[0].columns`"
                            .to_string()
                    } else {
                        format!("unknown field {walked:?}")
                    }
                })?;
                if slot.is_null() && !last {
                    return Err(format!(
                        "{walked} is not set in the base scenario; give it a value there to randomise its fields"
                    ));
                }
                if last {
                    *slot = value;
                    return Ok(());
                }
                cur = slot;
            }
            Step::Index(k) => {
                walked.push_str(&format!("[{k}]"));
                let arr = cur.as_array_mut().ok_or(format!("{walked}: not a list"))?;
                let n = arr.len();
                let slot = arr
                    .get_mut(*k)
                    .ok_or(format!("{walked}: the base list has {n} entries"))?;
                if last {
                    *slot = value;
                    return Ok(());
                }
                cur = slot;
            }
            Step::Len => {
                let arr = cur
                    .as_array_mut()
                    .ok_or(format!("{walked}.len: not a list"))?;
                let n = value
                    .as_u64()
                    .ok_or(format!("{walked}.len needs a non-negative integer"))?
                    as usize;
                if n > arr.len() {
                    return Err(format!(
                        "{walked}.len = {n}, but the base list has {} entries (a count can only shorten it)",
                        arr.len()
                    ));
                }
                arr.truncate(n);
                return Ok(());
            }
        }
    }
    Err("empty path".into())
}

impl SweepFile {
    /// The first count or fraction out of its range: the field and why.
    fn count_error(&self) -> Option<(&'static str, String)> {
        if !(1..=MAX_SAMPLES).contains(&self.samples) {
            return Some((
                "samples",
                format!(
                    "samples must be in 1..={MAX_SAMPLES} (found {}): every one is drawn and checked before anything renders",
                    self.samples
                ),
            ));
        }
        if self.frames_per_sample == 0 {
            let m = "frames_per_sample must be at least 1";
            return Some(("frames_per_sample", m.into()));
        }
        if self.shards == 0 {
            return Some(("shards", "shards must be at least 1".into()));
        }
        if !(0.0..=1.0).contains(&self.val_fraction) {
            return Some(("val_fraction", "val_fraction must be in 0..=1".into()));
        }
        None
    }
}

/// Locate `needle` in the sweep source: preferably as a map key or field
/// (followed by ':'), so mentions in comments or strings are passed over.
fn sweep_error(path: &Path, src: &str, needle: &str, message: String) -> ScenarioError {
    let hits: Vec<usize> = src.match_indices(needle).map(|(o, _)| o).collect();
    let key = hits
        .iter()
        .copied()
        .find(|&o| src[o + needle.len()..].trim_start().starts_with(':'));
    let (line, col) = key
        .or(hits.first().copied())
        .map_or((1, 1), |o| scenario::locate::line_col(src, o));
    ScenarioError {
        file: path.to_path_buf(),
        line,
        col,
        message,
    }
}

impl Sweep {
    /// A sweep file, or the name of a shipped sweep (`fog_pedestrian_dr`).
    pub fn load(arg: &Path) -> Result<Sweep, ScenarioError> {
        let shipped = if arg.is_file() {
            None
        } else {
            arg.to_str().and_then(scenario::library::builtin_sweep)
        };
        let (path_buf, src) = match &shipped {
            Some(s) => (s.path.clone(), s.text.clone()),
            None => (
                arg.to_path_buf(),
                scenario::library::read(arg, "sweep file")?,
            ),
        };
        let path = path_buf.as_path();
        if scenario::is_blank_ron(&src) {
            return Err(ScenarioError::at(
                path,
                1,
                1,
                "the file is empty: a sweep is one RON struct, \
                 `(name: \"...\", base: \"scenario.ron\", samples: N, ...)` (docs/sweep.md)"
                    .into(),
            ));
        }
        let file: SweepFile = scenario::ron_options()
            .from_str(&src)
            .map_err(|e| ScenarioError::from_ron(path, &src, e))?;
        let at = |needle: &str, message: String| sweep_error(path, &src, needle, message);
        if let Some((field, message)) = file.count_error() {
            return Err(at(field, message));
        }
        // the base: a file beside the sweep file, else a path or shipped name
        let relative = path.parent().unwrap_or(Path::new(".")).join(&file.base);
        let base = if shipped.is_some() {
            // a shipped sweep's base is a shipped scenario
            Path::new(&file.base)
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(scenario::library::builtin)
                .ok_or_else(|| {
                    ScenarioError::at(path, 0, 0, format!("no shipped scenario {}", file.base))
                })
        } else if relative.is_file() {
            scenario::library::read(&relative, "base scenario").map(|text| {
                scenario::library::Source {
                    path: relative,
                    text,
                }
            })
        } else {
            scenario::library::resolve(&file.base)
        }
        .map_err(|e| at("base", format!("base scenario: {e}")))?;
        let (base_path, base_src) = (base.path, base.text);
        let base = scenario::parse(&base_src, &base_path)?;
        let base_json =
            serde_json::to_value(&base).map_err(|e| at("base", format!("base scenario: {e}")))?;
        // every path and distribution is checked against the base before anything runs
        let mut all: Vec<(&String, &Dist)> = file.params.iter().collect();
        for g in &file.groups {
            if g.options.is_empty() {
                return Err(at(
                    &format!("\"{}\"", g.name),
                    format!("group {:?} has no options", g.name),
                ));
            }
            if let Err(m) = dist::check_weights(g.weights.as_deref(), g.options.len()) {
                return Err(at(
                    &format!("\"{}\"", g.name),
                    format!("group {:?}: {m}", g.name),
                ));
            }
            all.extend(g.options.iter().flat_map(|o| o.iter()));
        }
        for (p, d) in all {
            let needle = format!("\"{p}\"");
            d.check().map_err(|m| at(&needle, format!("{p}: {m}")))?;
            for v in d.extremes() {
                let mut json = base_json.clone();
                set_path(&mut json, p, v.clone()).map_err(|m| at(&needle, m))?;
                let s: Scenario = serde_json::from_value(json)
                    .map_err(|e| at(&needle, format!("{p} = {v}: {e}{}", null_hint(&v))))?;
                scenario::validate(&s).map_err(|(_, m)| at(&needle, format!("{p} = {v}: {m}")))?;
            }
        }
        let identity = serde_json::json!({
            "tool": "edgecase",
            "version": env!("CARGO_PKG_VERSION"),
            "sweep_sha256": crate::writers::sha256_hex(src.as_bytes()),
            "base_sha256": crate::writers::sha256_hex(base_src.as_bytes()),
        });
        let sweep = Sweep {
            file,
            path: path.to_path_buf(),
            base_path,
            base,
            identity,
        };
        // values each accepted alone can clash (two vehicles drawn into each
        // other): every sample is drawn, so every shard refuses such a sweep
        // before it renders anything, not hours into the farm's run
        sweep.check_samples().map_err(|m| at("params", m))?;
        Ok(sweep)
    }

    /// Sample k: a pure function of (sweep seed, k).
    pub fn sample(&self, k: u64) -> Result<Sample, String> {
        let f = &self.file;
        let mut json = serde_json::to_value(&self.base).map_err(|e| e.to_string())?;
        let mut values = BTreeMap::new();
        let apply = |path: &str,
                     d: &Dist,
                     values: &mut BTreeMap<String, Value>,
                     json: &mut Value|
         -> Result<(), String> {
            let v = d.sample(&mut Stream::new(f.seed, &format!("param:{path}"), k));
            set_path(json, path, v.clone())?;
            values.insert(path.to_string(), v);
            Ok(())
        };
        for g in &f.groups {
            let option = dist::weighted_index(
                &mut Stream::new(f.seed, &format!("group:{}", g.name), k),
                g.options.len(),
                g.weights.as_deref(),
            );
            values.insert(format!("group:{}", g.name), Value::from(option));
            for (p, d) in &g.options[option] {
                apply(p, d, &mut values, &mut json)?;
            }
        }
        for (p, d) in &f.params {
            apply(p, d, &mut values, &mut json)?;
        }
        let mut s: Scenario =
            serde_json::from_value(json).map_err(|e| format!("sample {k}: {e}"))?;
        s.seed = mix64(f.seed ^ mix64(k.wrapping_add(0x5eed)));
        s.frames = f.frames_per_sample;
        s.name = format!("{}-{k:05}", f.name);
        scenario::validate(&s).map_err(|(_, m)| {
            // several values can clash where each alone was accepted: name them
            let drawn: Vec<String> = values.iter().map(|(p, v)| format!("{p} = {v}")).collect();
            format!("sample {k} ({}): {m}", drawn.join(", "))
        })?;
        Ok(Sample {
            index: k,
            scenario: s,
            values,
        })
    }

    /// Every sample drawn and validated (~40 us each).
    fn check_samples(&self) -> Result<(), String> {
        (0..self.file.samples).try_for_each(|k| self.sample(k).map(|_| ()))
    }

    /// Whether sample k goes to the KITTI val split.
    pub fn is_val_split(file: &SweepFile, k: u64) -> bool {
        Stream::new(file.seed, "split", k).next_f64() < file.val_fraction
    }
}

/// The shard index and count for this process: flags first, then the array
/// index a scheduler sets. The count never comes from the scheduler (Slurm's
/// SLURM_ARRAY_TASK_COUNT counts the indices submitted, 1 for a resubmitted shard).
pub fn shard_from_env(
    index_flag: Option<u64>,
    count_flag: Option<u64>,
    sweep: &SweepFile,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(u64, u64, String), String> {
    let count = count_flag.unwrap_or(sweep.shards);
    let (index, source) = match index_flag {
        Some(i) => (i, "--shard-index".to_string()),
        None => {
            let mut found = None;
            for var in [
                "SLURM_ARRAY_TASK_ID",
                "JOB_COMPLETION_INDEX",
                "AWS_BATCH_JOB_ARRAY_INDEX",
            ] {
                if let Some(v) = env(var) {
                    let i = v
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| format!("{var}={v:?} is not a shard index"))?;
                    found = Some((i, var.to_string()));
                    break;
                }
            }
            found.unwrap_or((0, "default (no index given)".to_string()))
        }
    };
    if count == 0 || index >= count {
        return Err(format!(
            "shard index {index} (from {source}) is not below the shard count {count}"
        ));
    }
    Ok((index, count, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_sweep_is_built_in_and_loads_by_name() {
        assert_eq!(
            crate::scenario::library::ron_stems(&["sweeps"]),
            crate::scenario::library::sorted_names(crate::scenario::library::BUILTIN_SWEEPS)
        );
        for (name, _, _) in crate::scenario::library::BUILTIN_SWEEPS {
            let s = Sweep::load(Path::new(name)).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.path.to_string_lossy().starts_with("builtin:"));
        }
    }

    #[test]
    fn a_scenario_or_an_empty_file_given_as_a_sweep_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.ron");
        std::fs::write(&p, "(\n    name: \"x\",\n    road: (),\n)\n").unwrap();
        let e = Sweep::load(&p).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("this looks like a scenario"), "{e}");
        std::fs::write(&p, "// nothing yet\n").unwrap();
        let e = Sweep::load(&p).unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn set_path_handles_fields_indices_enums_and_len() {
        let mut s = Scenario::default();
        s.props.parked = vec![
            crate::scenario::Parked {
                s_m: 1.0,
                side: crate::scenario::Side::Right,
                kind: crate::scenario::VehicleKind::Car,
                color: None
            };
            3
        ];
        let mut j = serde_json::to_value(&s).unwrap();
        set_path(&mut j, "ego.speed_mps", Value::from(3.5)).unwrap();
        set_path(&mut j, "props.parked[1].kind", Value::from("Van")).unwrap();
        set_path(
            &mut j,
            "sensors.cameras[0].mount.pitch_deg",
            Value::from(4.0),
        )
        .unwrap();
        set_path(&mut j, "props.parked.len", Value::from(2)).unwrap();
        let back: Scenario = serde_json::from_value(j.clone()).unwrap();
        assert_eq!(back.ego.speed_mps, 3.5);
        assert_eq!(back.props.parked.len(), 2);
        assert_eq!(back.props.parked[1].kind, crate::scenario::VehicleKind::Van);
        assert_eq!(back.sensors.cameras[0].mount.pitch_deg, 4.0);
        assert!(
            set_path(&mut j, "ego.sped_mps", Value::from(1))
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(
            set_path(&mut j, "weather.fog.visibility_m", Value::from(1))
                .unwrap_err()
                .contains("not set in the base")
        );
        assert!(set_path(&mut j, "props.parked.len", Value::from(9)).is_err());
        // a rig is expanded when the base is read: the error says what to sweep
        let rig = set_path(&mut j, "sensors.rig.Surround6.width", Value::from(320)).unwrap_err();
        assert!(rig.contains("sensors.cameras[i].width"), "{rig}");
    }

    #[test]
    fn shard_index_sources() {
        let f: SweepFile = scenario::ron_options()
            .from_str("(base: \"x\", samples: 4, frames_per_sample: 1, shards: 4)")
            .unwrap();
        let env = |k: &str| (k == "SLURM_ARRAY_TASK_ID").then(|| "2".to_string());
        assert_eq!(shard_from_env(None, None, &f, env).unwrap().0, 2);
        assert_eq!(shard_from_env(Some(1), Some(2), &f, env).unwrap().0, 1);
        let batch = |k: &str| (k == "AWS_BATCH_JOB_ARRAY_INDEX").then(|| "3".to_string());
        assert_eq!(
            shard_from_env(None, None, &f, batch).unwrap(),
            (3, 4, "AWS_BATCH_JOB_ARRAY_INDEX".into())
        );
        // the count never comes from the scheduler
        let slurm_count = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("3".into()),
            "SLURM_ARRAY_TASK_COUNT" => Some("1".into()),
            _ => None,
        };
        assert_eq!(shard_from_env(None, None, &f, slurm_count).unwrap().1, 4);
        assert!(shard_from_env(Some(4), None, &f, |_| None).is_err());
    }
}

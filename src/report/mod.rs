//! `edgecase report DIR`: what a dataset covers, as one self-contained
//! report.html (inline SVG plots and images, no scripts or network): class
//! and person- and vehicle-attribute counts, distance / occlusion / truncation /
//! visibility histograms, the hazard's visibility and time-to-collision over
//! time, a strip of frames with their boxes; with `--compare LABELS` (a
//! KITTI label_2 folder, a COCO json or another Edgecase dataset), the
//! distance between each shared attribute's distributions (Wasserstein-1
//! for continuous ones, total variation for class frequencies). On a merged
//! sweep it reads every sample, plots the values drawn for each sweep
//! field, and names the field that moves each attribute most.

mod html;
mod source;

use crate::core::record::FrameLabels;
use crate::core::stats::{total_variation, wasserstein_1};
use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The continuous attributes a report plots, with their unit and range.
pub const ATTRIBUTES: [(&str, &str, f64, f64); 6] = [
    ("distance_m", "m", 0.0, 150.0),
    ("visible_fraction", "", 0.0, 1.0),
    ("truncation", "", 0.0, 1.0),
    ("bbox_height_px", "px", 0.0, 400.0),
    ("contrast", "Weber", -1.0, 3.0),
    ("fog_transmittance", "", 0.0, 1.0),
];

/// What a set of labels holds, in the report's terms.
#[derive(Default, Debug)]
pub struct Stats {
    pub frames: u64,
    /// Class frequencies in one or more vocabularies ("class", "kitti",
    /// "coco"): compared in the vocabulary both sides have.
    pub classes: BTreeMap<&'static str, BTreeMap<String, u64>>,
    pub instances: BTreeMap<String, BTreeSet<u32>>,
    /// Person attributes: attribute -> value -> count (per labeled person
    /// per frame and camera).
    pub people: BTreeMap<String, BTreeMap<String, u64>>,
    /// Vehicle attributes (body, paint): attribute -> value -> count (per
    /// labeled vehicle per frame and camera).
    pub vehicles: BTreeMap<String, BTreeMap<String, u64>>,
    pub samples: BTreeMap<&'static str, Vec<f64>>,
    /// The hazard per frame: time, best visible fraction, time to collision.
    pub hazard: Vec<(f64, f64, Option<f64>)>,
}

impl Stats {
    fn count(&mut self, vocabulary: &'static str, name: &str) {
        *self
            .classes
            .entry(vocabulary)
            .or_default()
            .entry(name.to_string())
            .or_default() += 1;
    }

    fn sample(&mut self, key: &'static str, v: f64) {
        self.samples.entry(key).or_default().push(v);
    }
}

/// One comparison line.
#[derive(Debug, Clone, PartialEq)]
pub struct Distance {
    pub attribute: String,
    pub metric: &'static str,
    pub value: f64,
    /// In a merged sweep: the sweep field that moves this attribute most,
    /// and its correlation with the samples' means.
    pub moved_by: Option<(String, f64)>,
}

/// Distances between the attributes both have.
pub fn compare(ours: &Stats, theirs: &Stats) -> Vec<Distance> {
    let mut out = Vec::new();
    for (vocabulary, table) in &theirs.classes {
        if let Some(v) = ours
            .classes
            .get(vocabulary)
            .and_then(|o| total_variation(o, table))
        {
            out.push(Distance {
                attribute: format!("class frequency ({vocabulary})"),
                metric: "total variation",
                value: v,
                moved_by: None,
            });
        }
    }
    for (key, theirs) in &theirs.samples {
        if let Some(v) = ours.samples.get(key).and_then(|o| wasserstein_1(o, theirs)) {
            out.push(Distance {
                attribute: key.to_string(),
                metric: "Wasserstein-1",
                value: v,
                moved_by: None,
            });
        }
    }
    out
}

impl Stats {
    /// Add another set's counts and samples (the hazard series are kept
    /// only for a single run).
    fn absorb(&mut self, other: Stats) {
        self.frames += other.frames;
        for (vocabulary, table) in other.classes {
            let mine = self.classes.entry(vocabulary).or_default();
            for (k, v) in table {
                *mine.entry(k).or_default() += v;
            }
        }
        for (class, ids) in other.instances {
            self.instances.entry(class).or_default().extend(ids);
        }
        for (mine, theirs) in [
            (&mut self.people, other.people),
            (&mut self.vehicles, other.vehicles),
        ] {
            for (attr, table) in theirs {
                let mine = mine.entry(attr).or_default();
                for (k, v) in table {
                    *mine.entry(k).or_default() += v;
                }
            }
        }
        for (key, values) in other.samples {
            self.samples.entry(key).or_default().extend(values);
        }
    }
}

/// A merged sweep: the values drawn for each sample, and which sweep
/// field moves each attribute most (Pearson r of the field's value against
/// the sample's mean of the attribute, numeric fields, 3 samples or more).
#[derive(Default, Debug)]
pub struct SweepView {
    pub values: Vec<BTreeMap<String, serde_json::Value>>,
    /// attribute -> (field, r)
    pub movers: BTreeMap<String, (String, f64)>,
}

fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let (vx, vy) = (
        xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>(),
        ys.iter().map(|y| (y - my).powi(2)).sum::<f64>(),
    );
    (vx > 0.0 && vy > 0.0).then(|| cov / (vx * vy).sqrt())
}

fn movers(
    values: &[BTreeMap<String, serde_json::Value>],
    per_sample: &[Stats],
) -> BTreeMap<String, (String, f64)> {
    let mut out = BTreeMap::new();
    let fields: BTreeSet<&String> = values.iter().flat_map(|v| v.keys()).collect();
    for (key, ..) in ATTRIBUTES {
        let mut best: Option<(String, f64)> = None;
        for field in &fields {
            let pairs: Vec<(f64, f64)> = values
                .iter()
                .zip(per_sample)
                .filter_map(|(v, s)| {
                    let x = v.get(*field)?.as_f64()?;
                    let ys = s.samples.get(key).filter(|y| !y.is_empty())?;
                    Some((x, ys.iter().sum::<f64>() / ys.len() as f64))
                })
                .collect();
            if pairs.len() < 3 {
                continue;
            }
            let (xs, ys): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
            if let Some(r) = pearson(&xs, &ys)
                && best.as_ref().is_none_or(|b| r.abs() > b.1.abs())
            {
                best = Some((field.to_string(), r));
            }
        }
        if let Some(b) = best {
            out.insert(key.to_string(), b);
        }
    }
    out
}

/// A dataset's stats: a single run (labels/) or a merged sweep
/// (samples.jsonl and samples/NNNNN/, each a run), with the sweep's view.
pub fn dataset_stats(dir: &Path) -> Result<(Stats, Option<SweepView>)> {
    if dir.join("labels").is_dir() || !dir.join("samples.jsonl").is_file() {
        return Ok((edgecase_stats(dir)?, None));
    }
    let mut total = Stats::default();
    let mut view = SweepView::default();
    let mut per_sample = Vec::new();
    let lines = std::fs::read_to_string(dir.join("samples.jsonl"))?;
    for line in lines.lines() {
        let record: serde_json::Value = serde_json::from_str(line).with_context(|| {
            format!(
                "{}: a line that is not JSON",
                dir.join("samples.jsonl").display()
            )
        })?;
        let k = record["sample"].as_u64().unwrap_or(0);
        let stats = edgecase_stats(&dir.join(format!("samples/{k:05}")))?;
        view.values
            .push(serde_json::from_value(record["values"].clone()).unwrap_or_default());
        per_sample.push(stats);
    }
    view.movers = movers(&view.values, &per_sample);
    for s in per_sample {
        total.absorb(s);
    }
    Ok((total, Some(view)))
}

/// Read the canonical labels of an Edgecase dataset.
pub fn edgecase_stats(dir: &Path) -> Result<Stats> {
    let labels_dir = dir.join("labels");
    let mut frames: Vec<PathBuf> = std::fs::read_dir(&labels_dir)
        .with_context(|| {
            format!(
                "{} has no labels/ folder: not an Edgecase dataset",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    frames.sort();
    if frames.is_empty() {
        bail!("{} holds no frames", labels_dir.display());
    }
    let mut s = Stats::default();
    for path in &frames {
        let labels: FrameLabels = serde_json::from_slice(&std::fs::read(path)?)
            .with_context(|| format!("reading {}", path.display()))?;
        source::add_frame(&mut s, &labels);
    }
    Ok(s)
}

/// Stats of whatever `--compare` names: an Edgecase dataset (a folder with
/// labels/), a KITTI label_2 folder (*.txt), or a COCO json file.
pub fn holdout_stats(path: &Path) -> Result<Stats> {
    if path.join("labels").is_dir() || path.join("samples.jsonl").is_file() {
        return Ok(dataset_stats(path)?.0);
    }
    if path.is_dir() {
        return source::kitti_stats(path);
    }
    if path.extension().is_some_and(|e| e == "json") {
        return source::coco_stats(path);
    }
    bail!(
        "--compare {}: expected an Edgecase dataset folder, a KITTI label_2 folder or a COCO .json",
        path.display()
    )
}

/// Write `out` (default DIR/report.html); returns the comparison (empty
/// without `compare`).
pub fn write_report(dir: &Path, compare_with: Option<&Path>, out: &Path) -> Result<Vec<Distance>> {
    let (ours, sweep) = dataset_stats(dir)?;
    let theirs = compare_with.map(holdout_stats).transpose()?;
    let mut distances = theirs.as_ref().map_or_else(Vec::new, |t| compare(&ours, t));
    if let Some(view) = &sweep {
        for d in &mut distances {
            d.moved_by = view.movers.get(&d.attribute).cloned();
        }
    }
    let page = html::page(
        dir,
        &ours,
        theirs.as_ref().zip(compare_with),
        &distances,
        sweep.as_ref(),
    )?;
    crate::writers::write_atomic(
        out.parent().unwrap_or(Path::new(".")),
        &out.file_name()
            .map_or("report.html".into(), |n| n.to_string_lossy().into_owned()),
        page.as_bytes(),
    )?;
    Ok(distances)
}

//! `edgecase report DIR`: what a dataset covers, as one self-contained
//! report.html (inline SVG plots and images, no scripts or network): class
//! and person-attribute counts, distance / occlusion / truncation /
//! visibility histograms, the hazard's visibility and time-to-collision over
//! time, a strip of frames with their boxes; with `--compare LABELS` (a
//! KITTI label_2 folder, a COCO json or another Edgecase dataset), the
//! distance between each shared attribute's distributions (Wasserstein-1
//! for continuous ones, total variation for class frequencies).

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
            });
        }
    }
    for (key, theirs) in &theirs.samples {
        if let Some(v) = ours.samples.get(key).and_then(|o| wasserstein_1(o, theirs)) {
            out.push(Distance {
                attribute: key.to_string(),
                metric: "Wasserstein-1",
                value: v,
            });
        }
    }
    out
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
    if path.join("labels").is_dir() {
        return edgecase_stats(path);
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
    let ours = edgecase_stats(dir)?;
    let theirs = compare_with.map(holdout_stats).transpose()?;
    let distances = theirs.as_ref().map_or_else(Vec::new, |t| compare(&ours, t));
    let page = html::page(dir, &ours, theirs.as_ref().zip(compare_with), &distances)?;
    crate::writers::write_atomic(
        out.parent().unwrap_or(Path::new(".")),
        &out.file_name()
            .map_or("report.html".into(), |n| n.to_string_lossy().into_owned()),
        page.as_bytes(),
    )?;
    Ok(distances)
}

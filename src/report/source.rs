//! Reading labels into report `Stats`: Edgecase's canonical records, KITTI
//! label_2 files and COCO json.

use super::Stats;
use crate::core::record::FrameLabels;
use anyhow::{Context, Result, bail};
use std::path::Path;

/// One frame's objects (every camera) and the hazard's state.
pub(super) fn add_frame(s: &mut Stats, labels: &FrameLabels) {
    s.frames += 1;
    let mut hazard: Option<(f64, Option<f64>)> = None;
    let ego_v = labels.ego.velocity_enu_mps.unwrap_or([0.0; 3]);
    let (sin, cos) = labels.ego.yaw_rad.sin_cos();
    // the ego's velocity in its own axes (x forward, y left)
    let ego_forward = ego_v[0] * cos + ego_v[1] * sin;
    for cam in &labels.cameras {
        for o in &cam.objects {
            s.count("class", &o.class);
            if !o.kitti_type.is_empty() {
                s.count("kitti", &o.kitti_type);
            }
            if let Some((_, name, _)) =
                crate::core::classes::Class::from_id(o.class_id).and_then(|c| c.coco_category())
            {
                s.count("coco", name);
            }
            s.instances
                .entry(o.class.clone())
                .or_default()
                .insert(o.instance_id);
            s.sample("distance_m", o.distance_m);
            s.sample("visible_fraction", o.visible_fraction);
            s.sample("truncation", o.truncation);
            s.sample("fog_transmittance", o.fog_transmittance);
            if let Some(c) = o.contrast {
                s.sample("contrast", c);
            }
            if let Some(b) = o.bbox_visible_px {
                s.sample("bbox_height_px", b[3] - b[1]);
            }
            if let Some(p) = &o.person {
                let v = serde_json::to_value(p).unwrap_or_default();
                for key in [
                    "age_group",
                    "skin_tone_monk",
                    "activity",
                    "lower_garment",
                    "jacket",
                    "top_pattern",
                ] {
                    let value = v.get(key).map_or(String::new(), |x| {
                        x.to_string().trim_matches('"').to_string()
                    });
                    *s.people
                        .entry(key.to_string())
                        .or_default()
                        .entry(value)
                        .or_default() += 1;
                }
            }
            if let Some(v) = &o.vehicle {
                let signal = match v.turn_signal {
                    Some(crate::core::record::TurnSignal::Left) => "left",
                    Some(crate::core::record::TurnSignal::Right) => "right",
                    None => "none",
                };
                for (key, value) in [
                    ("body", v.body.as_str()),
                    ("paint_color", v.paint_color.as_str()),
                    ("turn_signal", signal),
                ] {
                    *s.vehicles
                        .entry(key.to_string())
                        .or_default()
                        .entry(value.to_string())
                        .or_default() += 1;
                }
            }
            if o.role == "hazard" {
                let seen = o.visible_fraction * (1.0 - o.truncation);
                // time to collision: the gap ahead closing at the relative speed
                let ttc = o.motion.as_ref().and_then(|m| {
                    let closing = ego_forward - m.velocity_ego_mps[0];
                    let gap = o.box_ego.center_m[0] - o.box_ego.size_lwh_m[0] / 2.0;
                    (closing > 0.1 && gap > 0.0).then(|| gap / closing)
                });
                let best = hazard.map_or(seen, |(h, _)| h.max(seen));
                hazard = Some((best, ttc.or(hazard.and_then(|h| h.1))));
            }
        }
    }
    if let Some((seen, ttc)) = hazard {
        s.hazard.push((labels.time_s, seen, ttc));
    }
}

/// KITTI label_2: type, truncation, 2D box height, distance of the
/// location; DontCare rows skipped.
pub(super) fn kitti_stats(dir: &Path) -> Result<Stats> {
    let mut s = Stats::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{} holds no KITTI label files (*.txt)", dir.display());
    }
    for path in files {
        s.frames += 1;
        let text = std::fs::read_to_string(&path)?;
        for (n, line) in text.lines().enumerate() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.is_empty() || f[0] == "DontCare" {
                continue;
            }
            let num = |i: usize| -> Result<f64> {
                f.get(i)
                    .and_then(|v| v.parse().ok())
                    .with_context(|| format!("{}:{}: not a KITTI label row", path.display(), n + 1))
            };
            s.count("kitti", f[0]);
            s.sample("truncation", num(1)?);
            s.sample("bbox_height_px", num(7)? - num(5)?);
            let (x, y, z) = (num(11)?, num(12)?, num(13)?);
            s.sample("distance_m", (x * x + y * y + z * z).sqrt());
        }
    }
    Ok(s)
}

/// COCO instances json: category names and box heights of non-crowd
/// annotations.
pub(super) fn coco_stats(path: &Path) -> Result<Stats> {
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)
        .with_context(|| format!("reading {} as COCO json", path.display()))?;
    let names: std::collections::BTreeMap<i64, String> = doc["categories"]
        .as_array()
        .with_context(|| format!("{}: no categories", path.display()))?
        .iter()
        .filter_map(|c| Some((c["id"].as_i64()?, c["name"].as_str()?.to_string())))
        .collect();
    let mut s = Stats {
        frames: doc["images"].as_array().map_or(0, |a| a.len() as u64),
        ..Stats::default()
    };
    for a in doc["annotations"].as_array().into_iter().flatten() {
        if a["iscrowd"].as_i64() == Some(1) {
            continue;
        }
        if let Some(name) = a["category_id"].as_i64().and_then(|id| names.get(&id)) {
            s.count("coco", name);
        }
        if let Some(h) = a["bbox"][3].as_f64() {
            s.sample("bbox_height_px", h);
        }
    }
    Ok(s)
}

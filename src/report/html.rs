//! The report page: plain HTML with inline SVG (plots, and frames as
//! embedded PNGs with their boxes drawn over them).

use super::{ATTRIBUTES, Distance, Stats};
use crate::core::classes::Class;
use crate::core::record::FrameLabels;
use crate::core::stats::Histogram;
use anyhow::Result;
use std::fmt::Write;
use std::path::Path;

const OURS: &str = "#1f77b4";
const THEIRS: &str = "#ff7f0e";
const BINS: usize = 30;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Bars of the shares of `values` in BINS bins (and, outlined, `other`'s).
fn histogram_svg(
    name: &str,
    unit: &str,
    lo: f64,
    hi: f64,
    values: &[f64],
    other: Option<&[f64]>,
) -> String {
    let (w, h, pad) = (360.0, 150.0, 24.0);
    let shares = |v: &[f64]| {
        let hist = Histogram::of(v, lo, hi, BINS);
        let n = hist.counts.iter().sum::<u64>().max(1) as f64;
        hist.counts
            .iter()
            .map(|&c| c as f64 / n)
            .collect::<Vec<f64>>()
    };
    let ours = shares(values);
    let theirs = other.map(shares);
    let top = ours
        .iter()
        .chain(theirs.iter().flatten())
        .fold(1e-9f64, |a, &b| a.max(b));
    let bar_w = (w - 2.0 * pad) / BINS as f64;
    let mut s = format!(
        r#"<figure><svg class="plot" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><rect x="0" y="0" width="{w}" height="{h}" fill="rgb(250,250,250)"/>"#
    );
    for (i, share) in ours.iter().enumerate() {
        let bh = share / top * (h - 2.0 * pad);
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{OURS}"/>"#,
            pad + i as f64 * bar_w,
            h - pad - bh,
            bar_w - 1.0
        );
    }
    for (i, share) in theirs.iter().flatten().enumerate() {
        let bh = share / top * (h - 2.0 * pad);
        let _ = write!(
            s,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="none" stroke="{THEIRS}" stroke-width="1.5"/>"#,
            pad + i as f64 * bar_w,
            h - pad - bh,
            bar_w - 1.0
        );
    }
    let _ = write!(
        s,
        r#"<line x1="{pad}" y1="{y}" x2="{x2}" y2="{y}" stroke="black"/><text x="{pad}" y="{ty}" font-size="10">{lo}</text><text x="{x2}" y="{ty}" font-size="10" text-anchor="end">{hi} {unit}</text></svg><figcaption>{name} ({} values)</figcaption></figure>"#,
        values.len(),
        y = h - pad,
        x2 = w - pad,
        ty = h - 8.0,
    );
    s
}

/// A line per series over time (values clamped to [0, top]).
fn series_svg(title: &str, points: &[(f64, f64)], top: f64, color: &str) -> String {
    let (w, h, pad) = (360.0, 150.0, 24.0);
    let (t0, t1) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let span = (t1 - t0).max(1e-9);
    let path: Vec<String> = points
        .iter()
        .map(|(t, v)| {
            format!(
                "{:.1},{:.1}",
                pad + (t - t0) / span * (w - 2.0 * pad),
                h - pad - v.clamp(0.0, top) / top * (h - 2.0 * pad)
            )
        })
        .collect();
    format!(
        r#"<figure><svg class="plot" width="{w}" height="{h}"><rect x="0" y="0" width="{w}" height="{h}" fill="rgb(250,250,250)"/><polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/><text x="{pad}" y="{}" font-size="10">{t0:.1} s</text><text x="{}" y="{}" font-size="10" text-anchor="end">{t1:.1} s</text><text x="4" y="{}" font-size="10">{top}</text></svg><figcaption>{title}</figcaption></figure>"#,
        path.join(" "),
        h - 8.0,
        w - pad,
        h - 8.0,
        pad
    )
}

/// Up to six frames, evenly spaced, of the first camera, boxes drawn.
fn frame_strip(dir: &Path, frames: u64) -> Result<String> {
    let mut s = String::new();
    let picks: Vec<u64> = (0..6u64.min(frames))
        .map(|i| i * frames / 6u64.min(frames).max(1))
        .collect();
    for f in picks {
        s.push_str(&frame_svg(dir, f, &format!("frame {f}"))?);
    }
    Ok(s)
}

/// A merged sweep's strip: up to six samples, evenly spaced, each by its
/// middle frame.
fn sample_strip(dir: &Path) -> Result<String> {
    let mut samples: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("samples"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("labels").is_dir())
        .collect();
    samples.sort();
    let n = samples.len();
    let mut s = String::new();
    for i in 0..6.min(n) {
        let sample = &samples[i * n / 6.min(n)];
        let frames = std::fs::read_dir(sample.join("labels"))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .count() as u64;
        let name = sample
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let f = frames / 2;
        s.push_str(&frame_svg(sample, f, &format!("sample {name}, frame {f}"))?);
    }
    Ok(s)
}

/// Frame `f` of a run's first camera with its tight boxes, captioned;
/// empty when the frame has no camera or no image (a dropped frame, rgb
/// off).
fn frame_svg(dir: &Path, f: u64, caption: &str) -> Result<String> {
    let mut s = String::new();
    let labels: FrameLabels =
        serde_json::from_slice(&std::fs::read(dir.join(format!("labels/{f:06}.json")))?)?;
    let Some(cam) = labels.cameras.first() else {
        return Ok(s);
    };
    let file = crate::writers::rgb_file_name(dir, &cam.camera, f);
    let mime = if file.ends_with(".jpg") {
        "jpeg"
    } else {
        "png"
    };
    let Ok(bytes) = std::fs::read(dir.join(&file)) else {
        return Ok(s);
    };
    let _ = write!(
        s,
        r#"<svg class="frame" width="320" viewBox="0 0 {w} {h}"><image width="{w}" height="{h}" href="data:image/{mime};base64,{}"/>"#,
        crate::core::mcap::base64(&bytes),
        w = cam.width,
        h = cam.height
    );
    for o in &cam.objects {
        let (Some(b), false) = (o.bbox_visible_px, o.too_small) else {
            continue;
        };
        let c = Class::from_id(o.class_id).map_or([255; 3], |c| c.info().color);
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="rgb({},{},{})" stroke-width="2"/>"#,
            b[0],
            b[1],
            b[2] - b[0],
            b[3] - b[1],
            c[0],
            c[1],
            c[2]
        );
    }
    let _ = write!(
        s,
        "<text x=\"6\" y=\"18\" fill=\"white\" font-size=\"16\">{}</text></svg>",
        escape(caption)
    );
    Ok(s)
}

fn counts_table(title: &str, table: &std::collections::BTreeMap<String, u64>) -> String {
    let mut s = format!("<table><tr><th>{}</th><th>count</th></tr>", escape(title));
    for (k, v) in table {
        let _ = write!(s, "<tr><td>{}</td><td>{v}</td></tr>", escape(k));
    }
    s + "</table>"
}

/// The values drawn for each sweep field, and the field that moves each
/// attribute most.
fn sweep_section(view: &super::SweepView) -> String {
    let mut s = format!("<h2>Sweep coverage ({} samples)</h2>", view.values.len());
    let fields: std::collections::BTreeSet<&String> =
        view.values.iter().flat_map(|v| v.keys()).collect();
    for field in fields {
        let drawn: Vec<&serde_json::Value> =
            view.values.iter().filter_map(|v| v.get(field)).collect();
        let numbers: Option<Vec<f64>> = drawn.iter().map(|v| v.as_f64()).collect();
        match numbers {
            Some(xs) if !xs.is_empty() => {
                let (lo, hi) = xs
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
                s.push_str(&histogram_svg(field, "", lo, hi.max(lo + 1e-9), &xs, None));
            }
            _ => {
                let mut counts = std::collections::BTreeMap::new();
                for v in drawn {
                    *counts
                        .entry(v.to_string().trim_matches('"').to_string())
                        .or_insert(0u64) += 1;
                }
                s.push_str(&counts_table(field, &counts));
            }
        }
    }
    s.push_str(
        "<table><tr><th>attribute</th><th>moved most by</th><th>r (field vs sample mean)</th></tr>",
    );
    for (attr, (field, r)) in &view.movers {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{r:+.3}</td></tr>",
            escape(attr),
            escape(field)
        );
    }
    s + "</table>"
}

pub(super) fn page(
    dir: &Path,
    ours: &Stats,
    theirs: Option<(&Stats, &Path)>,
    distances: &[Distance],
    sweep: Option<&super::SweepView>,
) -> Result<String> {
    let manifest: serde_json::Value = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut s = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Edgecase dataset report</title><style>body{font-family:sans-serif;margin:24px;max-width:1200px}figure{display:inline-block;margin:6px}table{border-collapse:collapse;display:inline-table;margin:6px;vertical-align:top}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}svg.frame{margin:3px}</style></head><body>",
    );
    let _ = write!(
        s,
        "<h1>Edgecase dataset report</h1><p>{} &middot; scenario <b>{}</b> &middot; seed {} &middot; {} frames</p>",
        escape(&dir.display().to_string()),
        escape(manifest["scenario"]["name"].as_str().unwrap_or("?")),
        manifest["seed"],
        ours.frames
    );
    s.push_str("<h2>Classes</h2><table><tr><th>class</th><th>labels (per frame and camera)</th><th>instances</th></tr>");
    for (class, n) in ours.classes.get("class").into_iter().flatten() {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{n}</td><td>{}</td></tr>",
            escape(class),
            ours.instances.get(class).map_or(0, |i| i.len())
        );
    }
    s.push_str("</table>");
    for (title, attributes) in [("People", &ours.people), ("Vehicles", &ours.vehicles)] {
        if !attributes.is_empty() {
            let _ = write!(s, "<h2>{title}</h2>");
            for (attr, table) in attributes {
                s.push_str(&counts_table(attr, table));
            }
        }
    }
    s.push_str("<h2>Distributions</h2>");
    if theirs.is_some() {
        let _ = write!(
            s,
            "<p><span style=\"color:{OURS}\">&#9632; this dataset</span> &nbsp; <span style=\"color:{THEIRS}\">&#9633; compared labels</span></p>"
        );
    }
    for (key, unit, lo, hi) in ATTRIBUTES {
        let Some(values) = ours.samples.get(key) else {
            continue;
        };
        let other = theirs
            .and_then(|(t, _)| t.samples.get(key))
            .map(|v| v.as_slice());
        s.push_str(&histogram_svg(key, unit, lo, hi, values, other));
    }
    if !ours.hazard.is_empty() {
        s.push_str("<h2>The hazard over time</h2>");
        let seen: Vec<(f64, f64)> = ours.hazard.iter().map(|h| (h.0, h.1)).collect();
        s.push_str(&series_svg(
            "hazard visible fraction (best camera)",
            &seen,
            1.0,
            OURS,
        ));
        let ttc: Vec<(f64, f64)> = ours
            .hazard
            .iter()
            .filter_map(|h| Some((h.0, h.2?)))
            .collect();
        if !ttc.is_empty() {
            s.push_str(&series_svg(
                "time to collision, s (closing only; clamped at 10)",
                &ttc,
                10.0,
                THEIRS,
            ));
        }
    }
    if let Some((_, path)) = theirs {
        let _ = write!(
            s,
            "<h2>Compared with {}</h2><table><tr><th>attribute</th><th>distance</th><th>metric</th><th>sweep field that moves it most</th></tr>",
            escape(&path.display().to_string())
        );
        for d in distances {
            let moved = d
                .moved_by
                .as_ref()
                .map_or(String::new(), |(f, r)| format!("{} (r {r:+.2})", escape(f)));
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{:.4}</td><td>{}</td><td>{moved}</td></tr>",
                escape(&d.attribute),
                d.value,
                d.metric
            );
        }
        s.push_str("</table>");
    }
    if let Some(view) = sweep {
        s.push_str(&sweep_section(view));
    }
    // a single run's frames, or a merged sweep's samples'
    if dir.join("labels").is_dir() {
        s.push_str("<h2>Frames</h2>");
        s.push_str(&frame_strip(dir, ours.frames)?);
    } else if dir.join("samples").is_dir() {
        s.push_str("<h2>Samples</h2>");
        s.push_str(&sample_strip(dir)?);
    }
    s.push_str("</body></html>\n");
    Ok(s)
}

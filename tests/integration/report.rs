//! `edgecase report`: the page draws its plots (a screenshot in headless
//! Chromium) and `--compare` measures what differs.

use crate::common::{edgecase, render_cli, scenario, shipped_small, temp_dir};
use std::fs;
use std::path::Path;

/// fog_pedestrian, small, with fog of `visibility_m` (None: clear).
fn foggy(dir: &Path, name: &str, visibility_m: Option<f64>) -> std::path::PathBuf {
    let mut s = scenario(&shipped_small("fog_pedestrian", 160, 120));
    match (&mut s.weather.fog, visibility_m) {
        (Some(f), Some(v)) => f.visibility_m = v,
        (_, None) => s.weather.fog = None,
        _ => unreachable!("fog_pedestrian has fog"),
    }
    let p = dir.join(format!("{name}.ron"));
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = dir.join(name);
    let o = render_cli(p.to_str().unwrap(), 12, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// `edgecase report A --compare B`: its distance lines, by attribute.
fn distances(a: &Path, b: &Path) -> std::collections::BTreeMap<String, f64> {
    let o = edgecase(&[
        "report",
        a.to_str().unwrap(),
        "--compare",
        b.to_str().unwrap(),
        "--out",
        a.join("cmp.html").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.starts_with("wrote"))
        .map(|l| {
            let (name, rest) = l.split_at(28);
            (
                name.trim().to_string(),
                rest.split_whitespace().next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// --compare: zero for a dataset against itself; fog's visibility
/// (transmittance) is farther between 45 m fog and clear air than between
/// two runs of the same fog; KITTI and COCO holdouts are read.
#[test]
fn compare_measures_the_fog_and_nothing_for_itself() {
    let tmp = temp_dir();
    let fog = foggy(tmp.path(), "fog", Some(45.0));
    let same = foggy(tmp.path(), "same", Some(45.0));
    let clear = foggy(tmp.path(), "clear", None);
    let itself = distances(&fog, &fog);
    assert!(
        !itself.is_empty() && itself.values().all(|&v| v == 0.0),
        "{itself:?}"
    );
    let twin = distances(&fog, &same);
    let apart = distances(&fog, &clear);
    let key = "fog_transmittance";
    assert!(apart[key] > twin[key] + 0.1, "{twin:?} vs {apart:?}");
    let kitti = distances(&fog, &fog.join("kitti/training/label_2"));
    assert!(
        kitti.contains_key("class frequency (kitti)") && kitti.contains_key("distance_m"),
        "{kitti:?}"
    );
    let coco = distances(&fog, &fog.join("coco/annotations.json"));
    assert!(
        coco.contains_key("class frequency (coco)") && coco.contains_key("bbox_height_px"),
        "{coco:?}"
    );
    // not labels: bad input
    let o = edgecase(&["report", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

/// The report opens in headless Chromium and its plots are drawn: the
/// screenshot holds the histogram bars' colour and the frames.
#[test]
fn the_report_renders_in_headless_chromium() {
    let tmp = temp_dir();
    let fog = foggy(tmp.path(), "fog", Some(45.0));
    let o = edgecase(&["report", fog.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = fs::read_to_string(fog.join("report.html")).unwrap();
    assert!(page.contains("<svg class=\"plot\"") && page.contains("data:image/png;base64,"));
    assert!(
        page.contains("The hazard over time"),
        "fog_pedestrian has a hazard"
    );
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is required in CI (tools/setup-debian.sh installs it)"
        );
        eprintln!("SKIPPED the Chromium screenshot: no chromium");
        return;
    };
    let shot = tmp.path().join("shot.png");
    let o = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,2600",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", fog.join("report.html").display()))
        .output()
        .unwrap();
    assert!(shot.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let img = image::open(&shot).unwrap().into_rgb8();
    let bars = img.pixels().filter(|p| p.0 == [0x1f, 0x77, 0xb4]).count();
    assert!(bars > 2000, "{bars} pixels of histogram bars");
}

/// On a merged sweep the report reads every sample, plots the values drawn
/// for each sweep field, names the field that moves each attribute (fog
/// transmittance is moved by the fog's visibility) and shows a frame of
/// each sample.
#[test]
fn a_merged_sweep_names_the_field_that_moves_each_attribute() {
    let tmp = temp_dir();
    let (sweep, merged) = (tmp.path().join("sweep"), tmp.path().join("merged"));
    let small = crate::common::repo_path("tests/sweeps/small.ron");
    let o = edgecase(&[
        "sweep",
        "-q",
        small.to_str().unwrap(),
        "--out",
        sweep.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = edgecase(&[
        "merge",
        sweep.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sample = merged.join("samples/00000");
    let o = edgecase(&[
        "report",
        merged.to_str().unwrap(),
        "--compare",
        sample.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let fog = stdout
        .lines()
        .find(|l| l.starts_with("fog_transmittance"))
        .unwrap();
    assert!(
        fog.contains("moved most by weather.fog.visibility_m (r +"),
        "{stdout}"
    );
    let page = fs::read_to_string(merged.join("report.html")).unwrap();
    assert!(
        page.contains("Sweep coverage (4 samples)") && page.contains("weather.fog.visibility_m")
    );
    // a strip of the samples' middle frames, one image each
    assert_eq!(
        page.matches("<svg class=\"frame\"").count(),
        4,
        "samples' strip"
    );
    assert!(page.contains("sample 00000, frame ") && page.contains("sample 00003, frame "));
}

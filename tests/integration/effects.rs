//! Camera imperfections: colour only, recorded in the labels, a clean twin
//! that is the ideal image, repeatable noise.

use crate::common::{edgecase, render_cli, scenario, shipped_small, temp_dir};
use edgecase::core::effects::CameraEffects;
use std::fs;
use std::path::Path;

fn run(dir: &Path, name: &str, fx: CameraEffects) -> std::path::PathBuf {
    let mut s = scenario(&shipped_small("clear_day_urban", 160, 120));
    s.sensors.cameras[0].effects = fx;
    let p = dir.join(format!("{name}.ron"));
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    let out = dir.join(name);
    let o = render_cli(p.to_str().unwrap(), 4, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn linear(v: u8) -> f64 {
    let v = v as f64 / 255.0;
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// Mean linear green of a rectangle of an RGB PNG.
fn mean_green(png: &Path, x: std::ops::Range<u32>, y: std::ops::Range<u32>) -> f64 {
    let img = image::open(png).unwrap().into_rgb8();
    let (mut sum, mut n) = (0.0, 0.0);
    for yy in y {
        for xx in x.clone() {
            sum += linear(img.get_pixel(xx, yy).0[1]);
            n += 1.0;
        }
    }
    sum / n
}

/// Noise, vignetting and chromatic aberration change the pixels only: the
/// labels equal a run without them except for the camera's `effects`
/// record, the clean twin is byte for byte the image of that run, the
/// noisy image repeats on a rerun, and vignetting takes its share of the
/// light in the corners.
#[test]
fn effects_change_pixels_only_and_the_clean_twin_is_the_ideal_image() {
    let tmp = temp_dir();
    let fx = CameraEffects {
        shot_noise: 0.002,
        read_noise: 0.01,
        vignetting: 0.4,
        chromatic_aberration_px: 2.0,
        clean_twin: true,
        ..Default::default()
    };
    let degraded = run(tmp.path(), "degraded", fx.clone());
    let again = run(tmp.path(), "again", fx.clone());
    let ideal = run(tmp.path(), "ideal", CameraEffects::default());
    for f in 0..4 {
        let name = format!("{f:06}");
        let labels = |d: &Path| -> serde_json::Value {
            serde_json::from_slice(&fs::read(d.join(format!("labels/{name}.json"))).unwrap())
                .unwrap()
        };
        let mut a = labels(&degraded);
        let recorded = a["cameras"][0]
            .as_object_mut()
            .unwrap()
            .remove("effects")
            .expect("the labels record the effects");
        assert_eq!(recorded["vignetting"], 0.4);
        assert_eq!(
            a,
            labels(&ideal),
            "frame {f}: labels differ beyond `effects`"
        );
        let rgb = |d: &Path, kind: &str| {
            fs::read(d.join(format!("cameras/front/{kind}/{name}.png"))).unwrap()
        };
        assert_eq!(
            rgb(&degraded, "rgb_clean"),
            rgb(&ideal, "rgb"),
            "the clean twin is the ideal image"
        );
        assert_ne!(rgb(&degraded, "rgb"), rgb(&ideal, "rgb"));
        assert_eq!(rgb(&degraded, "rgb"), rgb(&again, "rgb"), "noise repeats");
        for layer in ["semantic", "instance", "depth"] {
            assert_eq!(rgb(&degraded, layer), rgb(&ideal, layer), "{layer}");
        }
    }
    // vignetting alone: the corners keep ~ 1 - 0.4 (quadratic fall-off;
    // 8x8 px corner patches sit at ~ 90% of the corner radius)
    let vig = run(
        tmp.path(),
        "vignetted",
        CameraEffects {
            vignetting: 0.4,
            ..Default::default()
        },
    );
    let png = |d: &Path| d.join("cameras/front/rgb/000002.png");
    let (corner, centre) = ((152..160, 112..120), (76..84, 56..64));
    let ratio = |r: (std::ops::Range<u32>, std::ops::Range<u32>)| {
        mean_green(&png(&vig), r.0.clone(), r.1.clone()) / mean_green(&png(&ideal), r.0, r.1)
    };
    let (c, m) = (ratio(corner), ratio(centre));
    assert!((m - 1.0).abs() < 0.01, "centre {m}");
    assert!((c - (1.0 - 0.4 * 0.88)).abs() < 0.05, "corner {c}");
}

/// An effect out of range is refused by --check with its line and column.
#[test]
fn out_of_range_effects_are_refused_with_line_col() {
    let tmp = temp_dir();
    let text = shipped_small("clear_day_urban", 160, 120).replacen(
        "hfov_deg:",
        "effects: (vignetting: 1.5), hfov_deg:",
        1,
    );
    let p = tmp.path().join("bad.ron");
    fs::write(&p, text).unwrap();
    let o = edgecase(&["--check", "--scenario", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("vignetting is 1.5") && err.contains("bad.ron:"),
        "{err}"
    );
}

/// Dirt on the lens (raindrops that run, mud) changes only the pixels its
/// artefact mask covers (the clean twin is the ideal image), and the labels
/// equal a clean run's except that each object records the share of its
/// visible pixels the mask hides (re-counted here from the written
/// instance and artefact PNGs), `perceivable` is false beyond half, and
/// the camera records its contamination.
#[test]
fn lens_dirt_changes_masked_pixels_only_and_labels_count_what_it_hides() {
    use edgecase::core::contamination::LensContamination;
    let tmp = temp_dir();
    let render = |name: &str, dirt: LensContamination| {
        let mut s = scenario(&shipped_small("clear_day_urban", 200, 150));
        s.sensors.cameras[0].effects.clean_twin = true;
        s.sensors.cameras[0].contamination = dirt;
        let p = tmp.path().join(format!("{name}.ron"));
        fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
        let out = tmp.path().join(name);
        let o = render_cli(p.to_str().unwrap(), 6, &out, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let dirty = render(
        "dirty",
        LensContamination {
            raindrops: 0.25,
            mud: 0.2,
            ..Default::default()
        },
    );
    let clean = render("clean", LensContamination::default());
    let (mut hidden_seen, mut masks) = (0, Vec::new());
    for f in 0..6 {
        let name = format!("{f:06}");
        let png = |d: &Path, kind: &str| d.join(format!("cameras/front/{kind}/{name}.png"));
        let mask = image::open(png(&dirty, "artefact")).unwrap().into_luma8();
        let rgb = image::open(png(&dirty, "rgb")).unwrap().into_rgb8();
        let ideal = image::open(png(&dirty, "rgb_clean")).unwrap().into_rgb8();
        assert_eq!(
            fs::read(png(&dirty, "rgb_clean")).unwrap(),
            fs::read(png(&clean, "rgb")).unwrap()
        );
        let (mut changed_hidden, mut hidden) = (0, 0);
        for (x, y, m) in mask.enumerate_pixels() {
            let changed = rgb.get_pixel(x, y) != ideal.get_pixel(x, y);
            assert!(
                !changed || m.0[0] > 0,
                "frame {f}: ({x}, {y}) changed outside the mask"
            );
            if m.0[0] >= 128 {
                hidden += 1;
                changed_hidden += changed as u32;
            }
        }
        assert!(hidden > 200 * 150 / 10, "frame {f}: {hidden} hidden pixels");
        assert!(
            changed_hidden * 10 >= hidden * 7,
            "{changed_hidden} of {hidden}"
        );
        masks.push(mask.into_raw());
        // labels: the clean run's, plus what the dirt hides
        let labels = |d: &Path| -> serde_json::Value {
            serde_json::from_slice(&fs::read(d.join(format!("labels/{name}.json"))).unwrap())
                .unwrap()
        };
        let (mut a, b) = (labels(&dirty), labels(&clean));
        let cam = a["cameras"][0].as_object_mut().unwrap();
        assert_eq!(cam.remove("contamination").unwrap()["mud"], 0.2);
        let instance = image::open(png(&dirty, "instance")).unwrap().into_luma16();
        for (o, c) in cam["objects"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .zip(b["cameras"][0]["objects"].as_array().unwrap())
        {
            let id = o["instance_id"].as_u64().unwrap() as u16;
            let hidden_px = instance
                .pixels()
                .zip(masks.last().unwrap())
                .filter(|(p, m)| p.0[0] == id && **m >= 128)
                .count();
            let visible = o["visible_pixels"].as_u64().unwrap();
            let fraction = o
                .as_object_mut()
                .unwrap()
                .remove("lens_hidden_fraction")
                .unwrap()
                .as_f64()
                .unwrap();
            let expected = if visible == 0 {
                0.0
            } else {
                hidden_px as f64 / visible as f64
            };
            assert!(
                (fraction - expected).abs() < 1e-6,
                "{fraction} vs {expected}"
            );
            if fraction > 0.5 {
                assert_eq!(o["perceivable"], false);
                hidden_seen += 1;
            }
            o["perceivable"] = c["perceivable"].clone();
        }
        assert_eq!(a, b, "frame {f}: labels differ beyond the dirt's fields");
    }
    // the drops run: the masks change from frame to frame
    assert!(masks.windows(2).any(|w| w[0] != w[1]));
    eprintln!("{hidden_seen} objects more than half hidden");
}

/// Motion blur over the shutter time: the labels stay those of the frame
/// time (the middle of the exposure), the sky (infinitely far, the ego not
/// turning) stays sharp to the byte, and the bottom rows (the near road,
/// which sweeps past fastest) change more than the top rows (sky, far
/// facades).
#[test]
fn motion_blur_smears_what_moves_in_the_image_and_keeps_the_labels() {
    let tmp = temp_dir();
    let ideal = run(tmp.path(), "still", CameraEffects::default());
    let blurred = run(
        tmp.path(),
        "blurred",
        CameraEffects {
            exposure_ms: 40.0,
            ..Default::default()
        },
    );
    let name = "000003";
    let labels = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&fs::read(d.join(format!("labels/{name}.json"))).unwrap()).unwrap()
    };
    let mut a = labels(&blurred);
    a["cameras"][0].as_object_mut().unwrap().remove("effects");
    assert_eq!(a, labels(&ideal));
    let img = |d: &Path| {
        image::open(d.join(format!("cameras/front/rgb/{name}.png")))
            .unwrap()
            .into_rgb8()
    };
    let (sharp, smeared) = (img(&ideal), img(&blurred));
    let semantic = image::open(ideal.join(format!("cameras/front/semantic/{name}.png")))
        .unwrap()
        .into_luma8();
    let sky = edgecase::core::classes::Class::Sky.id();
    let (mut sky_px, mut bottom_diff, mut top_diff) = (0, 0.0, 0.0);
    for (x, y, p) in sharp.enumerate_pixels() {
        let q = smeared.get_pixel(x, y);
        if semantic.get_pixel(x, y).0[0] == sky {
            assert_eq!(p, q, "sky pixel ({x}, {y}) moved");
            sky_px += 1;
        }
        let d: f64 = (0..3).map(|c| (p.0[c] as f64 - q.0[c] as f64).abs()).sum();
        if y >= 100 {
            bottom_diff += d;
        } else if y < 20 {
            top_diff += d;
        }
    }
    assert!(sky_px > 100, "{sky_px} sky pixels");
    assert!(
        bottom_diff > 1.5 * top_diff.max(1.0),
        "bottom {bottom_diff} top {top_diff}"
    );
}

/// Auto-exposure: every frame's labels carry its gain, which is the
/// metered brightness of the ideal image (the clean twin) carried forward
/// with the time constant, and the image is the clean twin times it.
#[test]
fn auto_exposure_gains_follow_the_scene_and_are_applied() {
    use edgecase::core::exposure::{adapt_gain, apply_gain, scene_key};
    let tmp = temp_dir();
    let out = run(
        tmp.path(),
        "auto",
        CameraEffects {
            auto_exposure_s: 0.3,
            auto_exposure_target: 0.3,
            clean_twin: true,
            ..Default::default()
        },
    );
    let mut previous = None;
    for f in 0..4 {
        let name = format!("{f:06}");
        let labels: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join(format!("labels/{name}.json"))).unwrap())
                .unwrap();
        let gain = labels["cameras"][0]["exposure_gain"].as_f64().unwrap();
        let rgba = |kind: &str| {
            image::open(out.join(format!("cameras/front/{kind}/{name}.png")))
                .unwrap()
                .into_rgba8()
                .into_raw()
        };
        let clean = rgba("rgb_clean");
        let expected = adapt_gain(previous, scene_key(&clean), 0.3, 0.1, 0.3);
        assert!(
            (gain - expected).abs() < 2e-6,
            "frame {f}: {gain} vs {expected}"
        );
        assert_ne!(gain, 1.0);
        assert_eq!(rgba("rgb"), apply_gain(&clean, gain), "frame {f}");
        previous = Some(gain);
    }
}

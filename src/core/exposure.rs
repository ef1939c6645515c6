//! What the shutter and stray light add to a camera image: motion blur
//! over the exposure time (each pixel the mean of the scene along the
//! streak its point draws while the shutter is open, centred on the frame
//! time, so the labels describe the middle of the exposure), bloom around
//! light bright enough to saturate, and lens-flare ghosts of a saturated
//! source mirrored through the image centre. Colour only; all in
//! display-linear light on the finished 8-bit image.

use super::camera::Intrinsics;
use super::color::srgb_byte_to_linear;
use glam::{DVec2, DVec3};

/// Most samples along one pixel's streak (a longer streak is sampled
/// more sparsely).
const MAX_STREAK_SAMPLES: usize = 48;

/// Where a point seen at `p_cam` (OpenCV camera frame) is in the image when
/// the shutter opens and when it closes, moving at `v_cam` (m/s, relative
/// to the camera) for `exposure_s` centred on now; None where either end
/// leaves the lens's field.
pub fn streak(k: &Intrinsics, p_cam: DVec3, v_cam: DVec3, exposure_s: f64) -> Option<[DVec2; 2]> {
    let half = v_cam * (exposure_s / 2.0);
    Some([k.project(p_cam - half)?, k.project(p_cam + half)?])
}

/// The velocity of a point `p` on a person whose COCO keypoints are at
/// `keypoints` moving at `velocities` (any one frame and units): that of
/// the nearest point on the COCO skeleton's bones, interpolated between
/// the bone's two keypoints (past a bone's end, the end's: a hand moves
/// with the wrist). A limb's surface then moves as the bone inside it.
pub fn velocity_on_skeleton(p: DVec3, keypoints: &[DVec3], velocities: &[DVec3]) -> DVec3 {
    let mut best = (f64::INFINITY, DVec3::ZERO);
    for [a, b] in super::body::COCO_SKELETON {
        let (a, b) = (a as usize - 1, b as usize - 1);
        let (Some(ka), Some(kb)) = (keypoints.get(a), keypoints.get(b)) else {
            continue;
        };
        let (Some(va), Some(vb)) = (velocities.get(a), velocities.get(b)) else {
            continue;
        };
        let bone = *kb - *ka;
        let t = ((p - *ka).dot(bone) / bone.length_squared().max(1e-12)).clamp(0.0, 1.0);
        let d2 = (p - (*ka + bone * t)).length_squared();
        if d2 < best.0 {
            best = (d2, va.lerp(*vb, t));
        }
    }
    best.1
}

/// Gather motion blur of an RGBA8 sRGB image: pixel i becomes the mean
/// (linear light, bilinear samples) along `streaks[i]` (pixel-edge image
/// positions at the shutter's opening and closing; None: unchanged).
pub fn motion_blur(
    rgba: &[u8],
    width: u32,
    height: u32,
    streaks: &[Option<[DVec2; 2]>],
) -> Vec<u8> {
    let lut = srgb_byte_to_linear();
    let (w, h) = (width as usize, height as usize);
    // bilinear, all three channels at once
    let at = |x: f64, y: f64| -> [f64; 3] {
        let (fx, fy) = (x - 0.5, y - 0.5);
        let (x0, y0) = (fx.floor(), fy.floor());
        let (tx, ty) = (fx - x0, fy - y0);
        let px = |xi: f64, yi: f64| {
            let xi = xi.clamp(0.0, (w - 1) as f64) as usize;
            let yi = yi.clamp(0.0, (h - 1) as f64) as usize;
            let p = (yi * w + xi) * 4;
            [
                lut[rgba[p] as usize],
                lut[rgba[p + 1] as usize],
                lut[rgba[p + 2] as usize],
            ]
        };
        let (a, b) = (px(x0, y0), px(x0 + 1.0, y0));
        let (c, d) = (px(x0, y0 + 1.0), px(x0 + 1.0, y0 + 1.0));
        std::array::from_fn(|k| {
            let top = a[k] * (1.0 - tx) + b[k] * tx;
            let bottom = c[k] * (1.0 - tx) + d[k] * tx;
            top * (1.0 - ty) + bottom * ty
        })
    };
    let mut out = rgba.to_vec();
    for (i, s) in streaks.iter().enumerate() {
        let Some([a, b]) = s else { continue };
        let length = (*b - *a).length();
        if length < 0.5 {
            continue;
        }
        let n = (length.ceil() as usize).clamp(2, MAX_STREAK_SAMPLES);
        let mut sum = [0.0; 3];
        for j in 0..n {
            let p = a.lerp(*b, (j as f64 + 0.5) / n as f64);
            let v = at(p.x, p.y);
            (0..3).for_each(|c| sum[c] += v[c]);
        }
        for c in 0..3 {
            out[i * 4 + c] = super::color::linear_to_srgb_u8(sum[c] / n as f64);
        }
    }
    out
}

/// Mid grey: what auto-exposure aims the scene's mean brightness at unless told.
pub const MID_GREY: f64 = 0.18;

/// Auto-exposure keeps its gain within this factor either way.
pub const MAX_GAIN: f64 = 16.0;

/// At most this share of the image may clip at white: the meter holds the
/// gain down so the luminance at the (1 - share) quantile lands at white or
/// below (at night the lit windows, lamps and a white van in the
/// headlights had been blown out by the 16x a dark frame's mean asks for).
pub const MAX_CLIPPED_SHARE: f64 = 0.05;

/// What an exposure meter reads from a frame: the geometric mean
/// display-linear luminance (Rec. 709 weights), the key, and the
/// luminance only `MAX_CLIPPED_SHARE` of the pixels exceed, of every 4th
/// pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metering {
    pub key: f64,
    pub highlight: f64,
}

/// Bins of the meter's luminance histogram over 0..=1.
const METER_BINS: usize = 1024;

/// Meter an RGBA8 sRGB frame (see `Metering`).
pub fn scene_key(rgba: &[u8]) -> Metering {
    let lut = srgb_byte_to_linear();
    let mut histogram = vec![0u32; METER_BINS];
    let (sum, n) = rgba
        .chunks_exact(4)
        .step_by(4)
        .fold((0.0, 0usize), |(s, n), p| {
            let l = 0.2126 * lut[p[0] as usize]
                + 0.7152 * lut[p[1] as usize]
                + 0.0722 * lut[p[2] as usize];
            histogram[((l * METER_BINS as f64) as usize).min(METER_BINS - 1)] += 1;
            (s + (l + 1e-4).ln(), n + 1)
        });
    if n == 0 {
        return Metering {
            key: MID_GREY,
            highlight: 0.0,
        };
    }
    // the top of the first bin from the bright end that holds the share
    let allowed = (MAX_CLIPPED_SHARE * n as f64) as u64;
    let mut above = 0u64;
    let mut highlight = 0.0;
    for (b, &count) in histogram.iter().enumerate().rev() {
        above += u64::from(count);
        if above > allowed {
            highlight = (b + 1) as f64 / METER_BINS as f64;
            break;
        }
    }
    Metering {
        key: (sum / n as f64).exp(),
        highlight,
    }
}

/// The exposure gain of this frame: the gain that would bring the scene's
/// key to `target`, held down so no more than `MAX_CLIPPED_SHARE` of the
/// frame clips (and within `MAX_GAIN` either way), approached from the
/// previous frame's gain in log space with time constant `tau_s` over
/// `dt_s`; the first frame starts converged.
pub fn adapt_gain(
    previous: Option<f64>,
    meter: Metering,
    target: f64,
    dt_s: f64,
    tau_s: f64,
) -> f64 {
    let mut wanted = target / meter.key.max(1e-6);
    if meter.highlight > 0.0 {
        wanted = wanted.min(1.0 / meter.highlight);
    }
    let wanted = wanted.clamp(1.0 / MAX_GAIN, MAX_GAIN);
    match previous {
        None => wanted,
        Some(g) => {
            let step = 1.0 - (-dt_s / tau_s.max(1e-6)).exp();
            (g.ln() + (wanted.ln() - g.ln()) * step).exp()
        }
    }
}

/// An RGBA8 sRGB image with its light multiplied by `gain` (display-linear,
/// clipped at white).
pub fn apply_gain(rgba: &[u8], gain: f64) -> Vec<u8> {
    let lut = srgb_byte_to_linear();
    let table: Vec<u8> = (0..256)
        .map(|v| super::color::linear_to_srgb_u8(lut[v] * gain))
        .collect();
    let mut out = rgba.to_vec();
    for p in out.chunks_exact_mut(4) {
        for c in &mut p[..3] {
            *c = table[*c as usize];
        }
    }
    out
}

/// Display-linear level above which light spills into bloom.
const BLOOM_THRESHOLD: f64 = 0.75;

/// Bloom (`bloom` 0..=1: light above `BLOOM_THRESHOLD` spread over ~2% of
/// the image width and added back) and flare (`flare` 0..=1: ghosts of
/// the brightest saturated blob along the line through the image centre).
pub fn stray_light(rgba: &[u8], width: u32, height: u32, bloom: f64, flare: f64) -> Vec<u8> {
    let lut = srgb_byte_to_linear();
    let (w, h) = (width as usize, height as usize);
    let n = w * h;
    let linear: Vec<[f64; 3]> = (0..n)
        .map(|i| std::array::from_fn(|c| lut[rgba[i * 4 + c] as usize]))
        .collect();
    let mut add = vec![[0.0f64; 3]; n];
    if bloom > 0.0 {
        let bright: Vec<[f64; 3]> = linear
            .iter()
            .map(|p| p.map(|v| (v - BLOOM_THRESHOLD).max(0.0)))
            .collect();
        let radius = ((w.max(h) as f64) * 0.02).ceil().max(1.0) as usize;
        // three box passes: close to a Gaussian
        let mut glow = bright;
        for _ in 0..3 {
            glow = box_blur3(&glow, w, h, radius);
        }
        for (a, g) in add.iter_mut().zip(&glow) {
            for c in 0..3 {
                a[c] += bloom * 6.0 * g[c];
            }
        }
    }
    if flare > 0.0
        && let Some((centroid, size)) = brightest_blob(rgba, w, h)
    {
        let centre = DVec2::new(w as f64 / 2.0, h as f64 / 2.0);
        // a sun disc of a few dozen saturated pixels flares fully
        let strength = flare * (size as f64 / 40.0).min(1.0);
        // (position along the line source -> mirror, radius share of width, tint)
        let ghosts = [
            (0.6, 0.030, [0.5, 1.0, 0.6]),
            (1.25, 0.055, [0.8, 0.5, 1.0]),
            (1.6, 0.020, [1.0, 0.8, 0.4]),
            (2.0, 0.080, [0.4, 0.7, 1.0]),
        ];
        for (t, r_share, tint) in ghosts {
            let g = centroid + (centre - centroid) * t;
            let r = r_share * w as f64;
            let (x0, x1) = (
                (g.x - r).max(0.0) as usize,
                ((g.x + r).ceil() as usize).min(w),
            );
            let (y0, y1) = (
                (g.y - r).max(0.0) as usize,
                ((g.y + r).ceil() as usize).min(h),
            );
            for y in y0..y1 {
                for x in x0..x1 {
                    let d = (DVec2::new(x as f64 + 0.5, y as f64 + 0.5) - g).length() / r;
                    if d < 1.0 {
                        // a soft disc, brighter at its rim like an aperture ghost
                        let v = strength * 0.2 * (1.0 - d * d) * (0.6 + 0.4 * d);
                        for c in 0..3 {
                            add[y * w + x][c] += v * tint[c];
                        }
                    }
                }
            }
        }
    }
    let mut out = rgba.to_vec();
    for i in 0..n {
        if add[i] == [0.0; 3] {
            continue;
        }
        for c in 0..3 {
            out[i * 4 + c] = super::color::linear_to_srgb_u8(linear[i][c] + add[i][c]);
        }
    }
    out
}

/// Centroid and pixel count of the saturated pixels (every channel >= 250)
/// of the largest bright region, found on a coarse grid: None when fewer
/// than a few pixels saturate.
fn brightest_blob(rgba: &[u8], w: usize, h: usize) -> Option<(DVec2, usize)> {
    let cell = 16;
    let (gw, gh) = (w.div_ceil(cell), h.div_ceil(cell));
    let mut counts = vec![(0usize, DVec2::ZERO); gw * gh];
    for y in 0..h {
        for x in 0..w {
            let p = &rgba[(y * w + x) * 4..(y * w + x) * 4 + 3];
            if p.iter().all(|v| *v >= 250) {
                let c = &mut counts[(y / cell) * gw + x / cell];
                c.0 += 1;
                c.1 += DVec2::new(x as f64 + 0.5, y as f64 + 0.5);
            }
        }
    }
    let (best, _) = counts.iter().enumerate().max_by_key(|(_, c)| c.0)?;
    let (bx, by) = ((best % gw) as i64, (best / gw) as i64);
    // the best cell and its neighbours
    let (mut total, mut sum) = (0, DVec2::ZERO);
    for dy in -1..=1 {
        for dx in -1..=1 {
            let (x, y) = (bx + dx, by + dy);
            if x >= 0 && y >= 0 && (x as usize) < gw && (y as usize) < gh {
                let c = counts[y as usize * gw + x as usize];
                total += c.0;
                sum += c.1;
            }
        }
    }
    (total >= 12).then(|| (sum / total as f64, total))
}

/// One box pass in x then y of radius `r` over RGB linear values.
fn box_blur3(src: &[[f64; 3]], w: usize, h: usize, r: usize) -> Vec<[f64; 3]> {
    let pass = |src: &[[f64; 3]], horizontal: bool| -> Vec<[f64; 3]> {
        let mut dst = vec![[0.0; 3]; src.len()];
        let (outer, inner) = if horizontal { (h, w) } else { (w, h) };
        let idx = |o: usize, i: usize| if horizontal { o * w + i } else { i * w + o };
        let norm = 1.0 / (2 * r + 1) as f64;
        for o in 0..outer {
            let mut sum = [0.0; 3];
            let clamp = |i: i64| i.clamp(0, inner as i64 - 1) as usize;
            for k in -(r as i64)..=(r as i64) {
                let v = src[idx(o, clamp(k))];
                (0..3).for_each(|c| sum[c] += v[c]);
            }
            for i in 0..inner {
                dst[idx(o, i)] = sum.map(|s| s * norm);
                let (add, sub) = (
                    src[idx(o, clamp(i as i64 + r as i64 + 1))],
                    src[idx(o, clamp(i as i64 - r as i64))],
                );
                (0..3).for_each(|c| sum[c] += add[c] - sub[c]);
            }
        }
        dst
    };
    pass(&pass(src, true), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point on a shin moves as the shin's bone at its height; a foot
    /// below the ankle moves as the ankle; a point at the chest's middle
    /// between the torso's bones takes theirs.
    #[test]
    fn a_limbs_surface_moves_as_the_nearest_bone() {
        use crate::core::body::{Activity, Body, pose};
        let body = Body {
            height_m: 1.75,
            build: 1.0,
            age: crate::core::body::AgeGroup::Adult,
        };
        let walk = Activity::Walk {
            phase: 0.2,
            speed_mps: 1.4,
        };
        let k: Vec<DVec3> = pose(&body, walk)
            .coco_keypoints(&body)
            .iter()
            .map(|p| p.as_dvec3())
            .collect();
        // every keypoint its own velocity: i m/s along x
        let v: Vec<DVec3> = (0..17).map(|i| DVec3::X * i as f64).collect();
        let (knee, ankle) = (k[13], k[15]);
        // 3 cm in front of the shin, a quarter of the way down
        let shin = knee.lerp(ankle, 0.25) + DVec3::X * 0.03;
        let got = velocity_on_skeleton(shin, &k, &v);
        assert!((got.x - (13.0 + 0.25 * 2.0)).abs() < 0.05, "{got}");
        let foot = ankle + DVec3::new(0.1, -0.05, 0.0);
        assert_eq!(velocity_on_skeleton(foot, &k, &v), v[15]);
        let hand = k[10] + (k[10] - k[8]).normalize() * 0.08;
        assert_eq!(velocity_on_skeleton(hand, &k, &v), v[10]);
    }

    #[test]
    fn a_moving_point_draws_a_streak_centred_on_now() {
        let k = Intrinsics::from_hfov(100, 100, 90f64.to_radians());
        let p = DVec3::new(0.0, 0.0, 10.0);
        // 10 m/s sideways for 20 ms at 10 m: 0.2 m = 1 px at fx = 50
        let [a, b] = streak(&k, p, DVec3::new(10.0, 0.0, 0.0), 0.02).unwrap();
        assert!(
            (a.x - 49.5).abs() < 1e-9 && (b.x - 50.5).abs() < 1e-9,
            "{a} {b}"
        );
        assert_eq!(a.y, b.y);
    }

    #[test]
    fn blur_averages_along_the_streak_and_leaves_still_pixels() {
        // a vertical white line on black, smeared sideways over 4 px
        let (w, h) = (16u32, 4u32);
        let mut rgba = vec![0u8; (w * h * 4) as usize];
        for y in 0..h {
            let i = ((y * w + 8) * 4) as usize;
            rgba[i..i + 4].copy_from_slice(&[255, 255, 255, 255]);
        }
        let streaks: Vec<Option<[DVec2; 2]>> = (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f64 + 0.5, (i / w) as f64 + 0.5);
                (i / w != 0).then(|| [DVec2::new(x - 2.0, y), DVec2::new(x + 2.0, y)])
            })
            .collect();
        let out = motion_blur(&rgba, w, h, &streaks);
        // row 0 is still: unchanged
        assert_eq!(out[..(w * 4) as usize], rgba[..(w * 4) as usize]);
        // row 1: the line's light spreads over its neighbours, in total kept
        let lut = srgb_byte_to_linear();
        let row: Vec<f64> = (0..w as usize)
            .map(|x| lut[out[(w as usize + x) * 4] as usize])
            .collect();
        let total: f64 = row.iter().sum();
        assert!((total - 1.0).abs() < 0.05, "{total}");
        assert!(row[6] > 0.1 && row[10] > 0.1 && row[8] < 0.5, "{row:?}");
    }

    #[test]
    fn bloom_spreads_only_bright_light_and_flare_mirrors_it() {
        let (w, h) = (64u32, 48u32);
        let mut rgba = vec![40u8; (w * h * 4) as usize];
        for y in 8..14 {
            for x in 8..14 {
                let i = ((y * w + x) * 4) as usize;
                rgba[i..i + 3].copy_from_slice(&[255, 255, 255]);
            }
        }
        let bloomed = stray_light(&rgba, w, h, 1.0, 0.0);
        let px = |img: &[u8], x: u32, y: u32| img[((y * w + x) * 4) as usize];
        assert!(
            px(&bloomed, 15, 11) > px(&rgba, 15, 11),
            "next to the light"
        );
        assert_eq!(px(&bloomed, 60, 44), px(&rgba, 60, 44), "far away");
        // nothing bright: nothing changes
        let dim = vec![100u8; (w * h * 4) as usize];
        assert_eq!(stray_light(&dim, w, h, 1.0, 1.0), dim);
        // flare: ghosts on the far side of the centre from the light
        let flared = stray_light(&rgba, w, h, 0.0, 1.0);
        let mirror = (64 - 11, 48 - 11);
        assert!(px(&flared, mirror.0, mirror.1) > px(&rgba, mirror.0, mirror.1));
    }

    #[test]
    fn the_meter_reads_the_mean_and_the_brightest_five_percent() {
        // 400 metered pixels (every 4th) at sRGB 50, `white` in 100 at white
        let frame = |white: usize| -> Vec<u8> {
            (0..400 * 4)
                .flat_map(|i| {
                    let v = if (i / 4) % 100 < white { 255 } else { 50 };
                    [v, v, v, 255]
                })
                .collect()
        };
        let m = scene_key(&frame(10));
        let lut = srgb_byte_to_linear();
        let key = (0.9 * (lut[50] + 1e-4).ln() + 0.1 * (1.0f64 + 1e-4).ln()).exp();
        assert!((m.key - key).abs() < 1e-9, "{m:?}");
        // 10% are white: more than the 5% allowed to clip
        assert_eq!(m.highlight, 1.0);
        // with 2% white the 95th percentile is the grey
        let m = scene_key(&frame(2));
        assert!(
            m.highlight >= lut[50] && m.highlight < lut[50] + 2e-3,
            "{m:?}"
        );
    }

    #[test]
    fn auto_exposure_starts_converged_and_follows_with_its_time_constant() {
        let dim = |key: f64| Metering {
            key,
            highlight: 0.0,
        };
        // a dark scene wants gain 0.18 / 0.045 = 4
        let g0 = adapt_gain(None, dim(0.045), MID_GREY, 0.1, 0.5);
        assert!((g0 - 4.0).abs() < 1e-9);
        // the scene brightens 4x (a tunnel exit): after one time constant
        // the log gain has gone 1 - 1/e of the way to 1
        let mut g = g0;
        for _ in 0..5 {
            g = adapt_gain(Some(g), dim(0.18), MID_GREY, 0.1, 0.5);
        }
        let expected = (4f64.ln() * (-1.0f64).exp()).exp();
        assert!((g - expected).abs() < 1e-9, "{g} vs {expected}");
        // gains are bounded
        assert_eq!(adapt_gain(None, dim(1e-9), MID_GREY, 0.1, 0.5), MAX_GAIN);
        // a dark frame whose brightest 5% reach 0.25 gets 4x, not 16x
        let night = Metering {
            key: 0.01,
            highlight: 0.25,
        };
        assert!((adapt_gain(None, night, MID_GREY, 0.1, 0.5) - 4.0).abs() < 1e-9);
        // gain 1 changes nothing; gain 2 doubles light and clips at white
        let rgba = vec![10, 128, 250, 255];
        assert_eq!(apply_gain(&rgba, 1.0), rgba);
        let lut = srgb_byte_to_linear();
        let twice = apply_gain(&rgba, 2.0);
        assert!((lut[twice[0] as usize] / lut[10] - 2.0).abs() < 0.1);
        assert_eq!(twice[2], 255);
        assert_eq!(twice[3], 255);
    }
}

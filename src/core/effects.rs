//! What a real camera adds to the ideal image, colour only (labels, depth
//! and ids never change): stray light (bloom, flare; `exposure`), lateral
//! chromatic aberration and vignetting of the optics, then shot and read
//! noise of the sensor (motion blur comes first, in the writer, from the
//! scene's motion: `exposure::motion_blur`). Applied to the
//! finished 8-bit sRGB image in display-linear light (after the tone curve:
//! the shot-noise variance scales with the displayed signal, not with
//! scene radiance). Deterministic: the noise of pixel p, channel c, frame f
//! of a camera is a hash of (run key, camera, f, p, c).

#[cfg(test)]
use super::color::srgb_to_linear;
use super::color::{linear_to_srgb_u8, srgb_byte_to_linear};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CameraEffects {
    /// Shot noise: variance per unit of display-linear signal (0..1 scale),
    /// e.g. 0.002.
    pub shot_noise: f64,
    /// Read noise: standard deviation, display-linear, e.g. 0.005.
    pub read_noise: f64,
    /// Share of the light lost in the image corners, 0 ..= 1 (quadratic in
    /// the distance from the centre: gain 1 - v (r / r_corner)^2).
    pub vignetting: f64,
    /// Lateral chromatic aberration: red magnified and blue shrunk about
    /// the centre by this many pixels at the corners (green unchanged).
    pub chromatic_aberration_px: f64,
    /// Shutter time, milliseconds (0 = instantaneous): motion blur from
    /// the ego's and the objects' motion, centred on the frame time.
    pub exposure_ms: f64,
    /// Bloom: light that saturates spills around itself, 0 ..= 1.
    pub bloom: f64,
    /// Lens flare: ghosts of a saturated source (the sun, lamps) mirrored
    /// through the image centre, 0 ..= 1.
    pub flare: f64,
    /// Auto-exposure: the time constant, seconds, with which the exposure
    /// follows the scene's brightness (0 = a fixed exposure). The gain of
    /// each frame is in its labels (`exposure_gain`).
    pub auto_exposure_s: f64,
    /// The mean (geometric, display-linear) brightness auto-exposure aims
    /// for (0 = 0.18, mid grey).
    pub auto_exposure_target: f64,
    /// JPEG compression as a camera's encoder does it, quality 1 ..= 100
    /// (0 = none): the image goes through a baseline JPEG (4:2:0 chroma)
    /// and back, so its blocks and ringing are in every format's image.
    pub jpeg_quality: u8,
    /// Also write the ideal image, `rgb_clean/` (the clean twin).
    pub clean_twin: bool,
}

impl CameraEffects {
    /// `apply` leaves the pixels as they are (motion blur aside: it needs
    /// the scene's motion, see `core::exposure`).
    pub fn is_identity(&self) -> bool {
        self.shot_noise == 0.0
            && self.read_noise == 0.0
            && self.vignetting == 0.0
            && self.chromatic_aberration_px == 0.0
            && self.bloom == 0.0
            && self.flare == 0.0
            && self.jpeg_quality == 0
    }

    pub fn is_default(&self) -> bool {
        *self == CameraEffects::default()
    }
}

#[cfg(test)]
fn linear_to_srgb(l: f64) -> f64 {
    if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    }
}

/// A standard normal draw from a 64-bit key (splitmix64, Box-Muller).
fn gaussian(key: u64) -> f64 {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let (a, b) = (mix(key), mix(key ^ 0xD1B5_4A32_D192_ED03));
    let u1 = ((a >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let u2 = (b >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Apply `fx` to an RGBA8 sRGB image (alpha kept); `noise_key` identifies
/// the run, camera and frame.
pub fn apply(rgba: &[u8], width: u32, height: u32, fx: &CameraEffects, noise_key: u64) -> Vec<u8> {
    if fx.is_identity() {
        return rgba.to_vec();
    }
    let out = optics_and_sensor(rgba, width, height, fx, noise_key);
    if fx.jpeg_quality == 0 {
        return out;
    }
    // the camera's encoder comes last; an image it cannot take stays as is
    jpeg_round_trip(&out, width, height, fx.jpeg_quality).unwrap_or(out)
}

/// An RGBA8 image through a baseline JPEG at `quality` and back (alpha
/// kept); None when the codec refuses it.
pub fn jpeg_round_trip(rgba: &[u8], width: u32, height: u32, quality: u8) -> Option<Vec<u8>> {
    let bytes = jpeg_encode(rgba, width, height, quality)?;
    let rgb = jpeg_decode_rgb(&bytes, width, height)?;
    let mut out = rgba.to_vec();
    for (o, p) in out.chunks_exact_mut(4).zip(rgb.chunks_exact(3)) {
        o[..3].copy_from_slice(p);
    }
    Some(out)
}

/// An RGBA8 image as a baseline JPEG file (4:2:0 chroma, alpha dropped)
/// at `quality` 1..=100; None when the codec refuses it (a side over
/// 65535 pixels).
pub fn jpeg_encode(rgba: &[u8], width: u32, height: u32, quality: u8) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, quality.clamp(1, 100));
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode(
            rgba,
            u16::try_from(width).ok()?,
            u16::try_from(height).ok()?,
            jpeg_encoder::ColorType::Rgba,
        )
        .ok()?;
    Some(bytes)
}

/// A JPEG file's RGB8 pixels, None unless it decodes to `width` x `height`.
pub fn jpeg_decode_rgb(jpeg: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    let mut decoder =
        zune_jpeg::JpegDecoder::new(zune_jpeg::zune_core::bytestream::ZCursor::new(jpeg));
    let rgb = decoder.decode().ok()?;
    (rgb.len() == (width * height * 3) as usize).then_some(rgb)
}

/// Stray light, chromatic aberration, vignetting and noise.
fn optics_and_sensor(
    rgba: &[u8],
    width: u32,
    height: u32,
    fx: &CameraEffects,
    noise_key: u64,
) -> Vec<u8> {
    // stray light in the optics comes before the sensor's aberrations and noise
    let lit;
    let rgba = if fx.bloom > 0.0 || fx.flare > 0.0 {
        lit = super::exposure::stray_light(rgba, width, height, fx.bloom, fx.flare);
        &lit[..]
    } else {
        rgba
    };
    let lut = srgb_byte_to_linear();
    let (w, h) = (width as usize, height as usize);
    let (cx, cy) = (width as f64 / 2.0, height as f64 / 2.0);
    let r_corner = (cx * cx + cy * cy).sqrt();
    let ca = fx.chromatic_aberration_px / r_corner;
    // bilinear sample of channel c at a pixel-edge position
    let sample = |c: usize, x: f64, y: f64| -> f64 {
        let (fx0, fy0) = (x - 0.5, y - 0.5);
        let (x0, y0) = (fx0.floor(), fy0.floor());
        let (tx, ty) = (fx0 - x0, fy0 - y0);
        let at = |xi: f64, yi: f64| {
            let (xi, yi) = (
                xi.clamp(0.0, (w - 1) as f64) as usize,
                yi.clamp(0.0, (h - 1) as f64) as usize,
            );
            lut[rgba[(yi * w + xi) * 4 + c] as usize]
        };
        let top = at(x0, y0) * (1.0 - tx) + at(x0 + 1.0, y0) * tx;
        let bottom = at(x0, y0 + 1.0) * (1.0 - tx) + at(x0 + 1.0, y0 + 1.0) * tx;
        top * (1.0 - ty) + bottom * ty
    };
    let mut out = rgba.to_vec();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
            let (dx, dy) = (px - cx, py - cy);
            let r2 = (dx * dx + dy * dy) / (r_corner * r_corner);
            let gain = 1.0 - fx.vignetting * r2;
            for c in 0..3 {
                // red from farther out (magnified), blue from nearer in
                let scale = match c {
                    0 => 1.0 - ca,
                    2 => 1.0 + ca,
                    _ => 1.0,
                };
                let mut l = if ca == 0.0 || c == 1 {
                    lut[rgba[i * 4 + c] as usize]
                } else {
                    sample(c, cx + dx * scale, cy + dy * scale)
                };
                l *= gain;
                let sigma = (fx.read_noise * fx.read_noise + fx.shot_noise * l.max(0.0)).sqrt();
                if sigma > 0.0 {
                    let key = noise_key
                        ^ ((i as u64) << 2 | c as u64).wrapping_mul(0x2545_F491_4F6C_DD1D);
                    l += sigma * gaussian(key);
                }
                out[i * 4 + c] = linear_to_srgb_u8(l);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(w: u32, h: u32, v: u8) -> Vec<u8> {
        (0..w * h).flat_map(|_| [v, v, v, 255]).collect()
    }

    #[test]
    fn the_code_search_rounds_as_the_encoding_does() {
        for i in 0..=10_000 {
            let l = i as f64 / 10_000.0;
            assert_eq!(
                linear_to_srgb_u8(l),
                (linear_to_srgb(l) * 255.0).round() as u8,
                "{l}"
            );
        }
        assert_eq!(linear_to_srgb_u8(-1.0), 0);
        assert_eq!(linear_to_srgb_u8(2.0), 255);
    }

    #[test]
    fn nothing_changes_without_effects_and_srgb_round_trips() {
        let img: Vec<u8> = (0..64u32 * 4).map(|i| (i * 7 % 256) as u8).collect();
        assert_eq!(apply(&img, 8, 8, &CameraEffects::default(), 1), img);
    }

    #[test]
    fn vignetting_darkens_the_corners_by_its_share() {
        let fx = CameraEffects {
            vignetting: 0.5,
            ..Default::default()
        };
        let out = apply(&grey(64, 48, 200), 64, 48, &fx, 1);
        let lin = |v: u8| srgb_to_linear(v as f64 / 255.0);
        let (centre, corner) = (out[(24 * 64 + 32) * 4], out[0]);
        assert!((lin(centre) / lin(200) - 1.0).abs() < 0.02);
        // the corner pixel's centre is just inside the corner: ~ 1 - 0.5
        assert!((lin(corner) / lin(200) - 0.5).abs() < 0.03, "{corner}");
    }

    #[test]
    fn noise_has_the_configured_spread_and_is_repeatable() {
        let fx = CameraEffects {
            read_noise: 0.02,
            shot_noise: 0.001,
            ..Default::default()
        };
        let img = grey(128, 128, 128);
        let out = apply(&img, 128, 128, &fx, 7);
        assert_eq!(out, apply(&img, 128, 128, &fx, 7));
        assert_ne!(out, apply(&img, 128, 128, &fx, 8));
        let l0 = srgb_to_linear(128.0 / 255.0);
        let d: Vec<f64> = out
            .chunks(4)
            .map(|p| srgb_to_linear(p[0] as f64 / 255.0) - l0)
            .collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / d.len() as f64).sqrt();
        let want = (0.02f64 * 0.02 + 0.001 * l0).sqrt();
        assert!((sd / want - 1.0).abs() < 0.1, "{sd} vs {want}");
        assert!(mean.abs() < 0.003);
    }

    #[test]
    fn chromatic_aberration_moves_red_out_and_blue_in() {
        // a bright square right of the centre: red spreads outwards (right),
        // blue inwards (left), green stays
        let (w, h) = (80u32, 40u32);
        let mut img = grey(w, h, 0);
        for y in 15..25 {
            for x in 60..70 {
                let i = ((y * w + x) * 4) as usize;
                img[i..i + 3].copy_from_slice(&[255, 255, 255]);
            }
        }
        let fx = CameraEffects {
            chromatic_aberration_px: 6.0,
            ..Default::default()
        };
        let out = apply(&img, w, h, &fx, 1);
        let row = 20 * w as usize;
        let right_edge = |c: usize| {
            (0..w as usize)
                .rev()
                .find(|&x| out[(row + x) * 4 + c] > 127)
                .unwrap()
        };
        assert_eq!(right_edge(1), 69);
        assert!(
            right_edge(0) > 69 && right_edge(2) < 69,
            "{} {}",
            right_edge(0),
            right_edge(2)
        );
    }

    #[test]
    fn jpeg_leaves_block_artefacts_that_shrink_with_quality() {
        let (w, h) = (64u32, 48u32);
        // a smooth gradient with a sharp edge: JPEG rings at the edge
        let rgba: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let v = if x < 32 { (x * 4) as u8 } else { 230 };
                [v, (y * 5) as u8, 128, 255]
            })
            .collect();
        let err = |q: u8| {
            let fx = CameraEffects {
                jpeg_quality: q,
                ..Default::default()
            };
            let out = apply(&rgba, w, h, &fx, 0);
            assert!(out.chunks_exact(4).all(|p| p[3] == 255), "alpha kept");
            out.iter()
                .zip(&rgba)
                .map(|(a, b)| (*a as f64 - *b as f64).abs())
                .sum::<f64>()
                / rgba.len() as f64
        };
        let (low, high) = (err(20), err(95));
        assert!(low > 0.5, "quality 20 changes the image: {low}");
        assert!(high < low, "{high} vs {low}");
        assert!(high < 3.0, "{high}");
    }
}

//! Dirt on the lens: raindrops that refract the scene and run down in rain,
//! mud splashes, snow flakes stuck to the glass and condensation fogging
//! it. Each frame of a camera gets a `LensLayer`: per pixel how strongly
//! the contamination replaces the scene (the artefact mask written beside
//! the image) and with what. Labels are unchanged except that each object
//! records the fraction of its visible pixels the artefact hides, which
//! `perceivable` takes into account. Deterministic: drops from (seed,
//! camera, slot, cycle), mud and snow from (seed, camera) (they stay put).

use super::rng::Stream;
use serde::{Deserialize, Serialize};

/// A camera's lens contamination (each 0 = clean).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LensContamination {
    /// Share of the image covered by water drops, 0 ..= 0.5. Large drops
    /// run down the lens; small ones stay.
    pub raindrops: f64,
    /// Share covered by mud splashes, 0 ..= 0.8.
    pub mud: f64,
    /// Share covered by snow flakes stuck to the lens, 0 ..= 0.5.
    pub snow: f64,
    /// Condensation: how thick the fog on the glass is, 0 ..= 1 (it varies
    /// smoothly across the lens).
    pub condensation: f64,
}

impl LensContamination {
    pub fn is_clean(&self) -> bool {
        self.raindrops == 0.0 && self.mud == 0.0 && self.snow == 0.0 && self.condensation == 0.0
    }

    /// Each field with its upper bound, for validation.
    pub fn fields(&self) -> [(&'static str, f64, f64); 4] {
        [
            ("raindrops", self.raindrops, 0.5),
            ("mud", self.mud, 0.8),
            ("snow", self.snow, 0.5),
            ("condensation", self.condensation, 1.0),
        ]
    }
}

/// A camera's contamination in a run: what and the run's seed (the
/// labeler and the writer each make a frame's layer from it).
#[derive(Clone, Debug, PartialEq)]
pub struct LensDirt {
    pub spec: LensContamination,
    pub seed: u64,
}

impl LensDirt {
    pub fn layer(&self, width: u32, height: u32, camera: &str, t_s: f64) -> LensLayer {
        LensLayer::new(&self.spec, width, height, self.seed, camera, t_s)
    }
}

/// What a contaminated pixel shows instead of the scene.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cover {
    Clear,
    /// A drop: the scene at another pixel (the drop is a small inverted
    /// fisheye), times a gain in percent (its rim is darker; a byte keeps
    /// the layer at 8 bytes a pixel).
    Refract {
        source: u32,
        gain_percent: u8,
    },
    /// Mud or snow: an opaque colour (sRGB) as daylight shows it; the
    /// light around the pixel scales it (`LightField`).
    Solid([u8; 3]),
    /// Condensation: the scene blurred and lifted by the light it scatters.
    Veil,
}

/// One frame's contamination of one camera.
#[derive(Clone, Debug, PartialEq)]
pub struct LensLayer {
    pub width: u32,
    pub height: u32,
    /// 0 = the scene as is ..= 255 = replaced: the artefact mask.
    pub alpha: Vec<u8>,
    pub cover: Vec<Cover>,
}

/// An artefact hides a pixel from `alpha >= HIDDEN_ALPHA` (half replaced).
pub const HIDDEN_ALPHA: u8 = 128;

/// How long a drop slot lives before another drop takes its place, seconds.
const DROP_LIFETIME_S: (f64, f64) = (2.0, 6.0);

impl LensLayer {
    /// The layer of `camera` at time `t_s` for a `width` x `height` image.
    pub fn new(
        spec: &LensContamination,
        width: u32,
        height: u32,
        seed: u64,
        camera: &str,
        t_s: f64,
    ) -> LensLayer {
        let n = width as usize * height as usize;
        let mut layer = LensLayer {
            width,
            height,
            alpha: vec![0; n],
            cover: vec![Cover::Clear; n],
        };
        if spec.condensation > 0.0 {
            layer.condensation(spec.condensation, seed, camera);
        }
        if spec.mud > 0.0 {
            layer.splats(spec.mud, seed, camera, false);
        }
        if spec.snow > 0.0 {
            layer.splats(spec.snow, seed, camera, true);
        }
        if spec.raindrops > 0.0 {
            layer.drops(spec.raindrops, seed, camera, t_s);
        }
        layer
    }

    fn put(&mut self, i: usize, alpha: u8, cover: Cover) {
        if alpha >= self.alpha[i] {
            self.alpha[i] = alpha;
            self.cover[i] = cover;
        }
    }

    /// A smooth veil: density from a coarse grid of seeded values,
    /// interpolated bilinearly.
    fn condensation(&mut self, amount: f64, seed: u64, camera: &str) {
        let mut rng = Stream::new(seed, &format!("lens-condensation:{camera}"), 0);
        let grid = 6usize;
        let values: Vec<f64> = (0..(grid + 1) * (grid + 1))
            .map(|_| rng.next_f64())
            .collect();
        let (w, h) = (self.width as f64, self.height as f64);
        for y in 0..self.height {
            for x in 0..self.width {
                let gx = x as f64 / w * grid as f64;
                let gy = y as f64 / h * grid as f64;
                let (ix, iy) = ((gx as usize).min(grid - 1), (gy as usize).min(grid - 1));
                let (tx, ty) = (gx - ix as f64, gy - iy as f64);
                let v = |a: usize, b: usize| values[b * (grid + 1) + a];
                let top = v(ix, iy) * (1.0 - tx) + v(ix + 1, iy) * tx;
                let bottom = v(ix, iy + 1) * (1.0 - tx) + v(ix + 1, iy + 1) * tx;
                let density = amount * (0.35 + 0.65 * (top * (1.0 - ty) + bottom * ty));
                let i = y as usize * self.width as usize + x as usize;
                self.put(
                    i,
                    (density * 255.0).round().clamp(0.0, 255.0) as u8,
                    Cover::Veil,
                );
            }
        }
    }

    /// Mud splashes (clusters of blobs, brown) or snow flakes (small, white),
    /// added until they cover `share` of the image.
    fn splats(&mut self, share: f64, seed: u64, camera: &str, snow: bool) {
        let what = if snow { "snow" } else { "mud" };
        let mut rng = Stream::new(seed, &format!("lens-{what}:{camera}"), 0);
        let n = self.alpha.len();
        let target = (share * n as f64) as usize;
        let scale = self.height.min(self.width) as f64;
        let mut covered = 0usize;
        // bounded: each splat covers at least a few pixels of a finite image
        for _ in 0..10_000 {
            if covered >= target {
                break;
            }
            let cx = rng.next_f64() * self.width as f64;
            let cy = rng.next_f64() * self.height as f64;
            let (blobs, radius, color) = if snow {
                let shade = 225 + (rng.next_f64() * 25.0) as u8;
                (
                    1,
                    scale * (0.006 + 0.014 * rng.next_f64()),
                    [shade, shade, shade.saturating_add(5)],
                )
            } else {
                let base = 60.0 + 50.0 * rng.next_f64();
                let c = [base * 1.15, base * 0.9, base * 0.6].map(|v| v as u8);
                (
                    4 + (rng.next_f64() * 6.0) as usize,
                    scale * (0.02 + 0.05 * rng.next_f64()),
                    c,
                )
            };
            let opacity = if snow { 215.0 } else { 245.0 };
            for b in 0..blobs {
                let (bx, by) = if b == 0 {
                    (cx, cy)
                } else {
                    (
                        cx + (rng.next_f64() - 0.5) * 3.0 * radius,
                        cy + (rng.next_f64() - 0.5) * 3.0 * radius,
                    )
                };
                let r = radius * (0.5 + rng.next_f64());
                // out of focus on the glass: a soft rim a third of the radius wide
                covered += self.disc(bx, by, r, r, opacity, r / 3.0, |_, _| Cover::Solid(color));
            }
        }
    }

    /// Raindrops: slots that each hold one drop at a time; a drop is born at
    /// a seeded place, runs down if it is large, and is replaced after its
    /// lifetime. Stateless in time: slot k's drop at t comes from (k, cycle).
    fn drops(&mut self, share: f64, seed: u64, camera: &str, t_s: f64) {
        let scale = self.height.min(self.width) as f64;
        let mean_r = 0.028 * scale;
        let slots = ((share * self.alpha.len() as f64) / (std::f64::consts::PI * mean_r * mean_r))
            .ceil()
            .min(4096.0) as u64;
        let (w, h) = (self.width, self.height);
        for k in 0..slots {
            let mut slot = Stream::new(seed, &format!("lens-drop-slot:{camera}"), k);
            let life =
                DROP_LIFETIME_S.0 + (DROP_LIFETIME_S.1 - DROP_LIFETIME_S.0) * slot.next_f64();
            let phase = slot.next_f64() * life;
            let cycle = ((t_s + phase) / life).floor();
            let age = t_s + phase - cycle * life;
            let mut drop = Stream::new(
                seed,
                &format!("lens-drop:{camera}:{k}"),
                cycle as i64 as u64,
            );
            let r = mean_r * (0.4 + 1.2 * drop.next_f64());
            let cx = drop.next_f64() * w as f64;
            let y0 = drop.next_f64() * h as f64;
            // drops above ~1.2x the mean size overcome friction and run
            let speed = if r > 1.2 * mean_r {
                (0.1 + 0.3 * drop.next_f64()) * scale
            } else {
                0.0
            };
            let cy = y0 + speed * age;
            if cy - r > h as f64 {
                continue;
            }
            // running drops stretch along their path
            let ry = r * if speed > 0.0 { 1.3 } else { 1.0 };
            let src_of = |dx: f64, dy: f64| {
                // an inverted, minified view of the scene around the drop
                let sx = (cx - dx * 3.0).clamp(0.0, w as f64 - 1.0) as u32;
                let sy = (cy - dy * 3.0).clamp(0.0, h as f64 - 1.0) as u32;
                sy * w + sx
            };
            self.disc(cx, cy, r, ry, 255.0, 1.0, |dx, dy| {
                let edge = ((dx / r).powi(2) + (dy / ry).powi(2)).sqrt();
                let gain = if edge > 0.75 {
                    0.55 + 0.45 * (1.0 - edge) / 0.25
                } else {
                    1.08
                };
                Cover::Refract {
                    source: src_of(dx, dy),
                    gain_percent: (gain * 100.0).round().clamp(0.0, 255.0) as u8,
                }
            });
        }
    }

    /// Fill an ellipse whose alpha ramps up over `rim_px` from its edge;
    /// pixels newly hidden.
    #[allow(clippy::too_many_arguments)]
    fn disc(
        &mut self,
        cx: f64,
        cy: f64,
        rx: f64,
        ry: f64,
        opacity: f64,
        rim_px: f64,
        cover: impl Fn(f64, f64) -> Cover,
    ) -> usize {
        let (w, h) = (self.width as i64, self.height as i64);
        let x0 = ((cx - rx).floor() as i64).max(0);
        let x1 = ((cx + rx).ceil() as i64).min(w - 1);
        let y0 = ((cy - ry).floor() as i64).max(0);
        let y1 = ((cy + ry).ceil() as i64).min(h - 1);
        let mut newly = 0;
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (dx, dy) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
                let d = ((dx / rx).powi(2) + (dy / ry).powi(2)).sqrt();
                let soft = ((1.0 - d) * rx.min(ry) / rim_px.max(1.0)).clamp(0.0, 1.0);
                if soft <= 0.0 {
                    continue;
                }
                let a = (opacity * soft).round() as u8;
                let i = (y * w + x) as usize;
                if self.alpha[i] < HIDDEN_ALPHA && a >= HIDDEN_ALPHA {
                    newly += 1;
                }
                self.put(i, a, cover(dx, dy));
            }
        }
        newly
    }

    /// The contaminated image: each pixel mixed towards what covers it by
    /// its alpha (sRGB bytes, alpha channel kept).
    pub fn apply(&self, rgba: &[u8]) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let veil = self
            .cover
            .contains(&Cover::Veil)
            .then(|| box_blur(rgba, w, h, 6));
        let light = self
            .cover
            .iter()
            .any(|c| matches!(c, Cover::Solid(_) | Cover::Veil))
            .then(|| LightField::new(rgba, w, h));
        let lin = super::color::srgb_byte_to_linear();
        let to_srgb = |l: f64| super::color::linear_to_srgb_u8(l) as f64;
        let mut out = rgba.to_vec();
        for (i, (&a, cover)) in self.alpha.iter().zip(&self.cover).enumerate() {
            if a == 0 {
                continue;
            }
            let p = i * 4;
            let around = || light.as_ref().map_or([0.0; 3], |l| l.at(i % w, i / w));
            let target: [f64; 3] = match *cover {
                Cover::Clear => continue,
                Cover::Solid(c) => {
                    let e = around();
                    std::array::from_fn(|k| {
                        let lift = (e[k] / DAYLIGHT_ON_GLASS).min(MAX_DIRT_LIFT);
                        to_srgb(lin[c[k] as usize] * lift)
                    })
                }
                Cover::Refract {
                    source,
                    gain_percent,
                } => {
                    let gain = gain_percent as f64 / 100.0;
                    let s = source as usize * 4;
                    std::array::from_fn(|c| rgba[s + c] as f64 * gain)
                }
                Cover::Veil => {
                    let b = veil.as_deref().unwrap_or(rgba);
                    let e = around();
                    std::array::from_fn(|c| {
                        0.55 * b[p + c] as f64 + 0.45 * to_srgb(e[c] * VEIL_SCATTER_GAIN)
                    })
                }
            };
            let t = a as f64 / 255.0;
            for c in 0..3 {
                let v = rgba[p + c] as f64 * (1.0 - t) + target[c] * t;
                out[p + c] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
        out
    }
}

/// The scene's linear light around a pixel at which dirt shows the colour
/// `Cover::Solid` holds (an overcast day's frame averages about this).
const DAYLIGHT_ON_GLASS: f64 = 0.25;
/// Dirt lit from behind by a low sun or a lamp glows, up to this many
/// times its daylight colour.
const MAX_DIRT_LIFT: f64 = 3.0;
/// A fogged lens lifts the image towards this many times the light around
/// it (a daylight frame's ~0.3 gives the pale grey of a steamed-up lens).
const VEIL_SCATTER_GAIN: f64 = 2.2;

/// The light falling on the glass around each pixel: the scene's linear
/// light averaged over coarse cells (a twelfth of the image's larger side),
/// interpolated between the cells' centres. Dirt on the lens is far out of
/// focus and lit by the scene in front of it, so mud is dark at night,
/// glows against a low sun, and stays black outside a fisheye's circle.
struct LightField {
    cells_x: usize,
    cells_y: usize,
    cell_px: f64,
    mean: Vec<[f64; 3]>,
}

impl LightField {
    fn new(rgba: &[u8], w: usize, h: usize) -> LightField {
        let lin = super::color::srgb_byte_to_linear();
        let cell = (w.max(h) / 12).max(4);
        let (cells_x, cells_y) = (w.div_ceil(cell), h.div_ceil(cell));
        let mut sum = vec![[0.0f64; 3]; cells_x * cells_y];
        let mut count = vec![0u32; cells_x * cells_y];
        for y in 0..h {
            for x in 0..w {
                let (c, p) = ((y / cell) * cells_x + x / cell, (y * w + x) * 4);
                for k in 0..3 {
                    sum[c][k] += lin[rgba[p + k] as usize];
                }
                count[c] += 1;
            }
        }
        let mean = sum
            .iter()
            .zip(&count)
            .map(|(s, &n)| s.map(|v| v / n.max(1) as f64))
            .collect();
        LightField {
            cells_x,
            cells_y,
            cell_px: cell as f64,
            mean,
        }
    }

    /// Bilinear between the centres of the cells around pixel (x, y).
    fn at(&self, x: usize, y: usize) -> [f64; 3] {
        let axis = |v: usize, n: usize| {
            let g = ((v as f64 + 0.5) / self.cell_px - 0.5).clamp(0.0, (n - 1) as f64);
            let i = (g as usize).min(n.saturating_sub(2));
            (i, (i + 1).min(n - 1), g - i as f64)
        };
        let ((x0, x1, tx), (y0, y1, ty)) = (axis(x, self.cells_x), axis(y, self.cells_y));
        let m = |cx: usize, cy: usize| self.mean[cy * self.cells_x + cx];
        std::array::from_fn(|k| {
            let top = m(x0, y0)[k] * (1.0 - tx) + m(x1, y0)[k] * tx;
            let bottom = m(x0, y1)[k] * (1.0 - tx) + m(x1, y1)[k] * tx;
            top * (1.0 - ty) + bottom * ty
        })
    }
}

/// Separable box blur of an RGBA image, radius `r` (edges clamped).
fn box_blur(rgba: &[u8], w: usize, h: usize, r: usize) -> Vec<u8> {
    let pass = |src: &[u8], horizontal: bool| -> Vec<u8> {
        let mut dst = vec![0u8; src.len()];
        let (outer, inner) = if horizontal { (h, w) } else { (w, h) };
        for o in 0..outer {
            let at = |i: usize| {
                if horizontal {
                    (o * w + i) * 4
                } else {
                    (i * w + o) * 4
                }
            };
            for c in 0..4 {
                let mut sum: u32 = 0;
                let clamp = |i: i64| i.clamp(0, inner as i64 - 1) as usize;
                for k in -(r as i64)..=(r as i64) {
                    sum += src[at(clamp(k)) + c] as u32;
                }
                for i in 0..inner {
                    dst[at(i) + c] = (sum / (2 * r as u32 + 1)) as u8;
                    sum += src[at(clamp(i as i64 + r as i64 + 1)) + c] as u32;
                    sum -= src[at(clamp(i as i64 - r as i64)) + c] as u32;
                }
            }
        }
        dst
    };
    pass(&pass(rgba, true), false)
}

/// Per label value, how many of its pixels the layer hides.
pub fn hidden_pixels(layer: &LensLayer, labels: &[u16]) -> std::collections::BTreeMap<u16, u64> {
    let mut out = std::collections::BTreeMap::new();
    for (&a, &l) in layer.alpha.iter().zip(labels) {
        if a >= HIDDEN_ALPHA {
            *out.entry(l).or_insert(0) += 1;
        }
    }
    out
}

#[cfg(test)]
mod size {
    #[test]
    fn a_cover_is_8_bytes() {
        // a 8192x3072 camera's layer stays ~225 MB with its alpha
        assert_eq!(std::mem::size_of::<super::Cover>(), 8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(raindrops: f64, mud: f64, snow: f64, condensation: f64) -> LensContamination {
        LensContamination {
            raindrops,
            mud,
            snow,
            condensation,
        }
    }

    fn hidden_share(l: &LensLayer) -> f64 {
        l.alpha.iter().filter(|a| **a >= HIDDEN_ALPHA).count() as f64 / l.alpha.len() as f64
    }

    #[test]
    fn coverage_follows_the_spec() {
        let mud = LensLayer::new(&spec(0.0, 0.3, 0.0, 0.0), 200, 150, 7, "front", 0.0);
        assert!(
            (0.3..0.5).contains(&hidden_share(&mud)),
            "{}",
            hidden_share(&mud)
        );
        let snow = LensLayer::new(&spec(0.0, 0.0, 0.1, 0.0), 200, 150, 7, "front", 0.0);
        assert!(
            (0.1..0.2).contains(&hidden_share(&snow)),
            "{}",
            hidden_share(&snow)
        );
        let drops = LensLayer::new(&spec(0.2, 0.0, 0.0, 0.0), 200, 150, 7, "front", 1.0);
        let share = hidden_share(&drops);
        assert!((0.08..0.3).contains(&share), "{share}");
        assert!(
            LensLayer::new(&spec(0.0, 0.0, 0.0, 0.0), 20, 10, 7, "f", 0.0)
                .alpha
                .iter()
                .all(|a| *a == 0)
        );
    }

    #[test]
    fn mud_stays_and_drops_run() {
        let s = spec(0.3, 0.1, 0.0, 0.0);
        let a = LensLayer::new(&s, 160, 120, 3, "front", 0.0);
        let b = LensLayer::new(&s, 160, 120, 3, "front", 0.5);
        let mud = |l: &LensLayer| -> Vec<bool> {
            l.cover
                .iter()
                .map(|c| matches!(c, Cover::Solid(_)))
                .collect()
        };
        // mud is under the drops in places; where neither frame has a drop it is the same
        let same = mud(&a)
            .iter()
            .zip(mud(&b))
            .zip(a.cover.iter().zip(&b.cover))
            .filter(|(_, (x, y))| {
                !matches!(x, Cover::Refract { .. }) && !matches!(y, Cover::Refract { .. })
            })
            .all(|((m, n), _)| *m == n);
        assert!(same);
        assert_ne!(a.alpha, b.alpha, "running drops move");
        // same inputs, same layer
        assert_eq!(a, LensLayer::new(&s, 160, 120, 3, "front", 0.0));
    }

    /// Mean of the red channel over the pixels mostly under `Solid` dirt.
    fn dirt_red(l: &LensLayer, out: &[u8], keep: impl Fn(usize) -> bool) -> f64 {
        let px: Vec<f64> = (0..l.alpha.len())
            .filter(|&i| l.alpha[i] >= 200 && matches!(l.cover[i], Cover::Solid(_)) && keep(i))
            .map(|i| out[i * 4] as f64)
            .collect();
        assert!(px.len() > 20, "{} dirt pixels", px.len());
        px.iter().sum::<f64>() / px.len() as f64
    }

    #[test]
    fn dirt_is_lit_by_the_scene() {
        let (w, h) = (96usize, 64usize);
        let grey = |v: u8| -> Vec<u8> { (0..w * h).flat_map(|_| [v, v, v, 255]).collect() };
        let mud = LensLayer::new(&spec(0.0, 0.3, 0.0, 0.0), w as u32, h as u32, 5, "f", 0.0);
        let (day, night) = (dirt_red(&mud, &mud.apply(&grey(150)), |_| true), {
            dirt_red(&mud, &mud.apply(&grey(25)), |_| true)
        });
        // a daylight frame shows the mud's own brown; at night it is dark
        assert!((60.0..170.0).contains(&day), "day {day}");
        assert!(night < 0.2 * day, "night {night} day {day}");
        // no light reaches the sensor outside a fisheye's circle: a black
        // left half keeps its mud black away from the lit half
        let half: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                if i % w < w / 2 {
                    [0, 0, 0, 255]
                } else {
                    [150, 150, 150, 255]
                }
            })
            .collect();
        let out = mud.apply(&half);
        let cell = (w / 12).max(4);
        assert_eq!(dirt_red(&mud, &out, |i| i % w + 2 * cell < w / 2), 0.0);
        // snow flakes are white by day and grey-dark at night
        let snow = LensLayer::new(&spec(0.0, 0.0, 0.2, 0.0), w as u32, h as u32, 5, "f", 0.0);
        let (day, night) = (dirt_red(&snow, &snow.apply(&grey(150)), |_| true), {
            dirt_red(&snow, &snow.apply(&grey(25)), |_| true)
        });
        assert!(day > 200.0 && night < 60.0, "snow day {day} night {night}");
        // a fogged lens at night lifts the dark a little, never to a day's grey
        let fogged = LensLayer::new(&spec(0.0, 0.0, 0.0, 1.0), w as u32, h as u32, 5, "f", 0.0);
        let (dark, lit) = (fogged.apply(&grey(10)), fogged.apply(&grey(150)));
        let max_dark = dark.chunks(4).map(|p| p[0]).max().unwrap_or(0);
        let max_lit = lit.chunks(4).map(|p| p[0]).max().unwrap_or(0);
        assert!(
            max_dark < 40 && max_lit > 170,
            "dark {max_dark} lit {max_lit}"
        );
    }

    #[test]
    fn apply_changes_only_masked_pixels() {
        let s = spec(0.2, 0.1, 0.05, 0.0);
        let l = LensLayer::new(&s, 64, 48, 9, "cam", 2.0);
        let rgba: Vec<u8> = (0..64 * 48 * 4).map(|i| (i * 7 % 251) as u8).collect();
        let out = l.apply(&rgba);
        for (i, a) in l.alpha.iter().enumerate() {
            if *a == 0 {
                assert_eq!(out[i * 4..i * 4 + 4], rgba[i * 4..i * 4 + 4]);
            }
        }
        assert_ne!(out, rgba);
        let labels: Vec<u16> = (0..64 * 48).map(|i| (i % 3) as u16).collect();
        let hidden: u64 = hidden_pixels(&l, &labels).values().sum();
        assert_eq!(
            hidden as usize,
            l.alpha.iter().filter(|a| **a >= HIDDEN_ALPHA).count()
        );
    }
}

//! Lens models in OpenCV's conventions: radial-tangential ("plumb bob",
//! `cv::projectPoints`: k1, k2, p1, p2, k3) and Kannala-Brandt fisheye
//! (`cv::fisheye::projectPoints`: k1..k4). Both map an OpenCV camera point
//! to distorted normalized coordinates (xd, yd); the pinhole matrix K then
//! gives the pixel (`camera::Intrinsics`). The coefficients are written to
//! the calibration files as OpenCV reads them.
//!
//! A rasterizer draws pinhole views only, so a camera with a lens renders
//! one wide pinhole view, or cube faces for wide lenses (`source_views`),
//! and `LensRemap` resamples them into the distorted image.

use glam::{DQuat, DVec2, DVec3};
use serde::{Deserialize, Serialize};

/// A camera's lens as the scenario gives it.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq)]
pub enum Lens {
    /// No distortion.
    #[default]
    Pinhole,
    /// OpenCV's default model; `hfov_deg` is the angle across the image
    /// width through the lens.
    RadialTangential {
        #[serde(default)]
        k1: f64,
        #[serde(default)]
        k2: f64,
        #[serde(default)]
        p1: f64,
        #[serde(default)]
        p2: f64,
        #[serde(default)]
        k3: f64,
    },
    /// OpenCV's fisheye model: the image radius is a polynomial of the
    /// angle off the axis. `hfov_deg` (up to 200) is the angle across the
    /// image width; `fov_deg` (up to 200) the lens's whole field: rays
    /// further off the axis do not reach the sensor (black, unlabeled).
    KannalaBrandt {
        #[serde(default)]
        k1: f64,
        #[serde(default)]
        k2: f64,
        #[serde(default)]
        k3: f64,
        #[serde(default)]
        k4: f64,
        #[serde(default = "default_fisheye_fov_deg")]
        fov_deg: f64,
    },
}

fn default_fisheye_fov_deg() -> f64 {
    190.0
}

/// Widest field a fisheye may have, degrees.
pub const MAX_FISHEYE_FOV_DEG: f64 = 200.0;

/// Furthest off the axis a radial-tangential lens is used: tan of 80
/// degrees in normalized coordinates (rays beyond are outside the lens).
const MAX_RADTAN_RADIUS: f64 = 5.67;

impl Lens {
    pub fn is_pinhole(&self) -> bool {
        *self == Lens::Pinhole
    }

    /// OpenCV's name of the model and its distortion vector.
    pub fn opencv(&self) -> (&'static str, Vec<f64>) {
        match *self {
            Lens::Pinhole => ("pinhole", vec![0.0; 5]),
            Lens::RadialTangential { k1, k2, p1, p2, k3 } => {
                ("radial_tangential", vec![k1, k2, p1, p2, k3])
            }
            Lens::KannalaBrandt { k1, k2, k3, k4, .. } => ("kannala_brandt", vec![k1, k2, k3, k4]),
        }
    }

    /// Image radius (normalized) of a ray `angle_or_tan` off the axis: r
    /// = tan(angle) for the radial part of radial-tangential, theta for
    /// the fisheye.
    fn radial(&self, x: f64) -> f64 {
        match *self {
            Lens::Pinhole => x,
            Lens::RadialTangential { k1, k2, k3, .. } => {
                let r2 = x * x;
                x * (1.0 + r2 * (k1 + r2 * (k2 + r2 * k3)))
            }
            Lens::KannalaBrandt { k1, k2, k3, k4, .. } => {
                let t2 = x * x;
                x * (1.0 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))
            }
        }
    }

    /// d radial / dx.
    fn radial_slope(&self, x: f64) -> f64 {
        match *self {
            Lens::Pinhole => 1.0,
            Lens::RadialTangential { k1, k2, k3, .. } => {
                let r2 = x * x;
                1.0 + r2 * (3.0 * k1 + r2 * (5.0 * k2 + r2 * 7.0 * k3))
            }
            Lens::KannalaBrandt { k1, k2, k3, k4, .. } => {
                let t2 = x * x;
                1.0 + t2 * (3.0 * k1 + t2 * (5.0 * k2 + t2 * (7.0 * k3 + t2 * 9.0 * k4)))
            }
        }
    }
}

/// A lens with the extent over which its model is used (where the image
/// radius still grows with the angle off the axis: beyond, the polynomial
/// folds back and the model means nothing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LensModel {
    pub lens: Lens,
    /// Largest tan (radial-tangential) or angle in radians (fisheye) used.
    pub max_x: f64,
}

impl Default for LensModel {
    fn default() -> Self {
        LensModel::new(Lens::Pinhole)
    }
}

impl LensModel {
    pub fn new(lens: Lens) -> LensModel {
        let limit = match lens {
            Lens::Pinhole => f64::INFINITY,
            Lens::RadialTangential { .. } => MAX_RADTAN_RADIUS,
            Lens::KannalaBrandt { fov_deg, .. } => (fov_deg / 2.0).to_radians(),
        };
        LensModel {
            lens,
            max_x: monotonic_limit(&lens, limit),
        }
    }

    /// Normalized image radius of a ray `angle_rad` off the axis (the
    /// radial part alone; it sets fx from a field of view).
    pub fn radius_at(&self, angle_rad: f64) -> f64 {
        match self.lens {
            Lens::KannalaBrandt { .. } => self.lens.radial(angle_rad),
            _ => self.lens.radial(angle_rad.tan()),
        }
    }

    /// Where the model folds back before the lens's own limit (None when
    /// it grows all the way).
    pub fn folds_at(&self) -> Option<f64> {
        let limit = match self.lens {
            Lens::Pinhole => return None,
            Lens::RadialTangential { .. } => MAX_RADTAN_RADIUS,
            Lens::KannalaBrandt { fov_deg, .. } => (fov_deg / 2.0).to_radians(),
        };
        (self.max_x < limit).then_some(self.max_x)
    }

    /// What the depth image holds for this lens: "z" (distance along the
    /// optical axis) or "range" (along the ray; a fisheye sees points
    /// beside and behind its image plane, where z is not positive).
    pub fn depth_kind(&self) -> &'static str {
        match self.lens {
            Lens::KannalaBrandt { .. } => "range",
            _ => "z",
        }
    }

    /// The depth image's value of a camera point (see `depth_kind`).
    pub fn depth_of(&self, p: DVec3) -> f64 {
        match self.lens {
            Lens::KannalaBrandt { .. } => p.length(),
            _ => p.z,
        }
    }

    /// OpenCV camera point -> distorted normalized coordinates; None
    /// nearer than `near_m` (by `depth_of`) or outside the lens.
    pub fn distort(&self, p: DVec3, near_m: f64) -> Option<DVec2> {
        match self.lens {
            Lens::Pinhole => (p.z >= near_m * 0.999).then(|| DVec2::new(p.x / p.z, p.y / p.z)),
            Lens::RadialTangential { p1, p2, .. } => {
                if p.z < near_m * 0.999 {
                    return None;
                }
                let (a, b) = (p.x / p.z, p.y / p.z);
                let r = (a * a + b * b).sqrt();
                if r > self.max_x {
                    return None;
                }
                let scale = if r > 0.0 {
                    self.lens.radial(r) / r
                } else {
                    1.0
                };
                let r2 = r * r;
                Some(DVec2::new(
                    a * scale + 2.0 * p1 * a * b + p2 * (r2 + 2.0 * a * a),
                    b * scale + p1 * (r2 + 2.0 * b * b) + 2.0 * p2 * a * b,
                ))
            }
            Lens::KannalaBrandt { .. } => {
                if p.length() < near_m * 0.999 {
                    return None;
                }
                let r = (p.x * p.x + p.y * p.y).sqrt();
                let theta = r.atan2(p.z);
                if theta > self.max_x {
                    return None;
                }
                if r == 0.0 {
                    return Some(DVec2::ZERO);
                }
                let theta_d = self.lens.radial(theta);
                Some(DVec2::new(theta_d * p.x / r, theta_d * p.y / r))
            }
        }
    }

    /// Distorted normalized coordinates -> unit ray in the OpenCV camera
    /// frame; None outside the lens.
    pub fn ray(&self, xd: DVec2) -> Option<DVec3> {
        match self.lens {
            Lens::Pinhole => Some(DVec3::new(xd.x, xd.y, 1.0).normalize()),
            Lens::RadialTangential { .. } => {
                let ab = self.undistort_radtan(xd)?;
                Some(DVec3::new(ab.x, ab.y, 1.0).normalize())
            }
            Lens::KannalaBrandt { .. } => {
                let theta_d = xd.length();
                if theta_d == 0.0 {
                    return Some(DVec3::Z);
                }
                let theta = self.invert_radial(theta_d)?;
                let s = theta.sin() / theta_d;
                Some(DVec3::new(xd.x * s, xd.y * s, theta.cos()))
            }
        }
    }

    /// x in [0, max_x] with radial(x) = target (Newton from bisection's
    /// bracket: radial grows on the whole interval).
    fn invert_radial(&self, target: f64) -> Option<f64> {
        let top = self.lens.radial(self.max_x);
        if target > top + 1e-12 {
            return None;
        }
        let (mut lo, mut hi) = (0.0, self.max_x);
        let mut x = (target / top * self.max_x).clamp(lo, hi);
        for _ in 0..60 {
            let f = self.lens.radial(x) - target;
            if f.abs() < 1e-14 {
                break;
            }
            if f > 0.0 {
                hi = x;
            } else {
                lo = x;
            }
            let slope = self.lens.radial_slope(x);
            let next = x - f / slope;
            x = if next > lo && next < hi && slope > 0.0 {
                next
            } else {
                (lo + hi) / 2.0
            };
        }
        Some(x)
    }

    /// Radial-tangential: undistorted (a, b) with distort(a, b) = xd, by
    /// Newton's method from the radial-only inverse; None where it does
    /// not converge inside the lens.
    fn undistort_radtan(&self, xd: DVec2) -> Option<DVec2> {
        let r_d = xd.length();
        let start_r = self.invert_radial(r_d)?;
        let mut ab = if r_d > 0.0 { xd * (start_r / r_d) } else { xd };
        let forward = |ab: DVec2| self.distort(DVec3::new(ab.x, ab.y, 1.0), 0.0);
        for _ in 0..30 {
            let f = forward(ab)? - xd;
            if f.length() < 1e-13 {
                return Some(ab);
            }
            // numeric Jacobian: small steps of a smooth polynomial
            let h = 1e-7;
            let fx = (forward(ab + DVec2::new(h, 0.0))? - xd - f) / h;
            let fy = (forward(ab + DVec2::new(0.0, h))? - xd - f) / h;
            let det = fx.x * fy.y - fy.x * fx.y;
            if det.abs() < 1e-12 {
                return None;
            }
            let step = DVec2::new(
                (fy.y * f.x - fy.x * f.y) / det,
                (-fx.y * f.x + fx.x * f.y) / det,
            );
            ab -= step;
        }
        let err = (forward(ab)? - xd).length();
        (err < 1e-9).then_some(ab)
    }

    /// Largest slope of the image radius over the lens: how much finer
    /// than the pinhole K a source view must sample to feed the densest
    /// part of the distorted image.
    pub fn max_magnification(&self) -> f64 {
        if self.lens.is_pinhole() {
            return 1.0;
        }
        (0..=200)
            .map(|i| self.lens.radial_slope(self.max_x * i as f64 / 200.0))
            .fold(1.0, f64::max)
    }
}

/// The largest x <= limit up to which `radial` grows (its slope stays
/// positive): scanned in small steps, then bisected.
fn monotonic_limit(lens: &Lens, limit: f64) -> f64 {
    if !limit.is_finite() {
        return limit;
    }
    let steps = 2000;
    let mut prev = 0.0;
    for i in 1..=steps {
        let x = limit * i as f64 / steps as f64;
        if lens.radial_slope(x) <= 0.0 {
            let (mut lo, mut hi) = (prev, x);
            for _ in 0..50 {
                let mid = (lo + hi) / 2.0;
                if lens.radial_slope(mid) > 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            // a little inside, where the inverse is well conditioned
            return lo * 0.999;
        }
        prev = x;
    }
    limit
}

/// One pinhole view a lens camera renders: its rotation from the camera
/// (OpenCV axes: `cam_from_view` maps a view direction into the camera)
/// and its pinhole K (pixel-edge convention, as `camera::Intrinsics`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SourceView {
    pub cam_from_view: DQuat,
    pub width: u32,
    pub height: u32,
    pub f: f64,
    pub cx: f64,
    pub cy: f64,
}

impl SourceView {
    /// Pixel-edge position of a camera direction in this view (None
    /// behind it).
    fn pixel_of(&self, dir_cam: DVec3) -> Option<DVec2> {
        let d = self.cam_from_view.inverse() * dir_cam;
        (d.z > 1e-9).then(|| DVec2::new(self.f * d.x / d.z + self.cx, self.f * d.y / d.z + self.cy))
    }

    /// Camera direction (z = 1 in the view) through a pixel-edge point.
    fn dir_of(&self, uv: DVec2) -> DVec3 {
        self.cam_from_view * DVec3::new((uv.x - self.cx) / self.f, (uv.y - self.cy) / self.f, 1.0)
    }
}

/// Widest off-axis tan that one front view covers; wider lenses render cube faces.
const SINGLE_VIEW_MAX_TAN: f64 = 1.2;

/// Most pixels across one source view.
const MAX_SOURCE_SIDE: f64 = 4096.0;

/// Margin around what the lens needs in each source view, pixels: the
/// bilinear filter's neighbours stay inside.
const SOURCE_MARGIN_PX: f64 = 2.0;

/// Where each pixel of a distorted image comes from: a source view and a
/// position in it, and how its depth converts.
#[derive(Clone, Debug, PartialEq)]
pub struct LensRemap {
    pub width: u32,
    pub height: u32,
    pub views: Vec<SourceView>,
    /// Per output pixel, row-major.
    pub entries: Vec<RemapEntry>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RemapEntry {
    /// Source view index; `OUTSIDE` where no ray reaches the sensor.
    pub view: u8,
    /// Pixel-edge position in the source view (the bilinear sample).
    pub src: [f32; 2],
    /// Index of the nearest source pixel (labels and depth).
    pub nearest: u32,
    /// Output depth = the nearest source pixel's z-depth times this (its
    /// ray's `depth_of` at view z = 1).
    pub depth_factor: f32,
}

impl RemapEntry {
    pub const OUTSIDE: u8 = u8::MAX;
    const OUTSIDE_ENTRY: RemapEntry = RemapEntry {
        view: RemapEntry::OUTSIDE,
        src: [0.0; 2],
        nearest: 0,
        depth_factor: 0.0,
    };
}

impl LensRemap {
    /// The remap of a `width` x `height` image with pinhole K (fx, fy, cx,
    /// cy; pixel-edge) and `lens`.
    pub fn new(width: u32, height: u32, k: [f64; 4], lens: &LensModel) -> LensRemap {
        let [fx, fy, cx, cy] = k;
        let views = LensRemap::source_views_of(width, height, k, lens);
        let entries = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| {
                let xd = DVec2::new((x as f64 + 0.5 - cx) / fx, (y as f64 + 0.5 - cy) / fy);
                let Some(ray) = lens.ray(xd) else {
                    return RemapEntry::OUTSIDE_ENTRY;
                };
                // the view facing the ray most squarely
                let best = views.iter().enumerate().max_by(|a, b| {
                    let za = (a.1.cam_from_view.inverse() * ray).z;
                    let zb = (b.1.cam_from_view.inverse() * ray).z;
                    za.total_cmp(&zb)
                });
                let Some((vi, v, uv)) = best.and_then(|(i, v)| Some((i, v, v.pixel_of(ray)?)))
                else {
                    return RemapEntry::OUTSIDE_ENTRY;
                };
                let px = uv.x.clamp(0.0, v.width as f64 - 1e-3).floor();
                let py = uv.y.clamp(0.0, v.height as f64 - 1e-3).floor();
                let centre_dir = v.dir_of(DVec2::new(px + 0.5, py + 0.5));
                // z-depth in the view is 1 along `centre_dir`
                let depth_factor = lens.depth_of(centre_dir);
                RemapEntry {
                    view: vi as u8,
                    src: [uv.x as f32, uv.y as f32],
                    nearest: py as u32 * v.width + px as u32,
                    depth_factor: depth_factor as f32,
                }
            })
            .collect();
        LensRemap {
            width,
            height,
            views,
            entries,
        }
    }

    /// The pinhole views a `width` x `height` lens camera renders
    /// (`source_views` of the rays through its border and a grid inside:
    /// a lens that grows monotonically reaches furthest at the border).
    pub fn source_views_of(
        width: u32,
        height: u32,
        k: [f64; 4],
        lens: &LensModel,
    ) -> Vec<SourceView> {
        let [fx, fy, cx, cy] = k;
        let step = 8;
        let sample: Vec<Option<DVec3>> = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .filter(|(x, y)| {
                *x == 0
                    || *y == 0
                    || *x == width - 1
                    || *y == height - 1
                    || (x % step == 0 && y % step == 0)
            })
            .map(|(x, y)| {
                let xd = DVec2::new((x as f64 + 0.5 - cx) / fx, (y as f64 + 0.5 - cy) / fy);
                lens.ray(xd)
            })
            .collect();
        source_views(&sample, fx.max(fy) * lens.max_magnification())
    }

    /// sRGB colour (4 bytes a pixel) of the distorted image from the
    /// source views' colour: bilinear between source pixel centres
    /// (black outside the lens).
    pub fn remap_rgba(&self, sources: &[&[u8]]) -> Vec<u8> {
        let mut out = vec![0u8; self.entries.len() * 4];
        for (e, px) in self.entries.iter().zip(out.chunks_exact_mut(4)) {
            if e.view == RemapEntry::OUTSIDE {
                px[3] = 255;
                continue;
            }
            let v = &self.views[e.view as usize];
            let src = sources[e.view as usize];
            let (w, h) = (v.width as i64, v.height as i64);
            let x = e.src[0] as f64 - 0.5;
            let y = e.src[1] as f64 - 0.5;
            let (x0, y0) = (x.floor(), y.floor());
            let (tx, ty) = (x - x0, y - y0);
            let at = |xi: i64, yi: i64| {
                let i = (yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1)) as usize * 4;
                &src[i..i + 4]
            };
            let (x0, y0) = (x0 as i64, y0 as i64);
            let (a, b, c, d) = (
                at(x0, y0),
                at(x0 + 1, y0),
                at(x0, y0 + 1),
                at(x0 + 1, y0 + 1),
            );
            for ch in 0..4 {
                let top = a[ch] as f64 * (1.0 - tx) + b[ch] as f64 * tx;
                let bottom = c[ch] as f64 * (1.0 - tx) + d[ch] as f64 * tx;
                px[ch] = (top * (1.0 - ty) + bottom * ty).round().clamp(0.0, 255.0) as u8;
            }
        }
        out
    }

    /// Label values of the distorted image: the nearest source pixel's,
    /// never blended (`outside` outside the lens).
    pub fn remap_labels(&self, sources: &[&[u16]], outside: u16) -> Vec<u16> {
        self.entries
            .iter()
            .map(|e| match e.view {
                RemapEntry::OUTSIDE => outside,
                v => sources[v as usize][e.nearest as usize],
            })
            .collect()
    }

    /// The reverse-Z planes (near / depth) of the distorted image from the
    /// source views' (near / z): the nearest source pixel's point, its
    /// depth as the lens's depth image holds it (`LensModel::depth_kind`).
    pub fn remap_near_over_depth(&self, sources: &[&[f32]]) -> Vec<f32> {
        self.entries
            .iter()
            .map(|e| match e.view {
                RemapEntry::OUTSIDE => 0.0,
                v => {
                    let d = sources[v as usize][e.nearest as usize];
                    // near/z over the factor is near/depth
                    if d > 0.0 { d / e.depth_factor } else { 0.0 }
                }
            })
            .collect()
    }
}

/// The pinhole views that cover `rays` (unit directions, camera frame):
/// one front view when they all lie within `SINGLE_VIEW_MAX_TAN` of the
/// axis, else the cube faces they reach. `focal_px`: the sampling density
/// needed at a view's centre, pixels per unit tan.
pub fn source_views(rays: &[Option<DVec3>], focal_px: f64) -> Vec<SourceView> {
    let forward: Vec<DVec2> = rays
        .iter()
        .flatten()
        .filter(|d| d.z > 0.0)
        .map(|d| DVec2::new(d.x / d.z, d.y / d.z))
        .collect();
    let all_in_front = forward.len() == rays.iter().flatten().count();
    let bound = forward
        .iter()
        .fold(0.0f64, |m, t| m.max(t.x.abs()).max(t.y.abs()));
    if all_in_front && bound <= SINGLE_VIEW_MAX_TAN {
        let lo = forward
            .iter()
            .fold(DVec2::splat(f64::MAX), |m, t| m.min(*t));
        let hi = forward
            .iter()
            .fold(DVec2::splat(f64::MIN), |m, t| m.max(*t));
        let (lo, hi) = if forward.is_empty() {
            (DVec2::splat(-1.0), DVec2::splat(1.0))
        } else {
            (lo, hi)
        };
        let span = (hi - lo).max(DVec2::splat(1e-3));
        let f = focal_px.min((MAX_SOURCE_SIDE - 2.0 * SOURCE_MARGIN_PX) / span.max_element());
        let width = (span.x * f + 2.0 * SOURCE_MARGIN_PX).ceil() as u32;
        let height = (span.y * f + 2.0 * SOURCE_MARGIN_PX).ceil() as u32;
        return vec![SourceView {
            cam_from_view: DQuat::IDENTITY,
            width,
            height,
            f,
            cx: SOURCE_MARGIN_PX - lo.x * f,
            cy: SOURCE_MARGIN_PX - lo.y * f,
        }];
    }
    let f = focal_px.min(MAX_SOURCE_SIDE / 2.0 - SOURCE_MARGIN_PX);
    let side = (2.0 * (f + SOURCE_MARGIN_PX)).ceil() as u32;
    let half_pi = std::f64::consts::FRAC_PI_2;
    let faces = [
        DQuat::IDENTITY,
        DQuat::from_rotation_y(half_pi),
        DQuat::from_rotation_y(-half_pi),
        DQuat::from_rotation_x(-half_pi),
        DQuat::from_rotation_x(half_pi),
        DQuat::from_rotation_y(std::f64::consts::PI),
    ];
    let face_of = |d: &DVec3| {
        (0..faces.len())
            .max_by(|&a, &b| {
                (faces[a].inverse() * *d)
                    .z
                    .total_cmp(&(faces[b].inverse() * *d).z)
            })
            .unwrap_or(0)
    };
    let mut used = [false; 6];
    for d in rays.iter().flatten() {
        used[face_of(d)] = true;
    }
    faces
        .iter()
        .zip(used)
        .filter(|(_, u)| *u)
        .map(|(q, _)| SourceView {
            cam_from_view: *q,
            width: side,
            height: side,
            f,
            cx: side as f64 / 2.0,
            cy: side as f64 / 2.0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn radtan() -> LensModel {
        LensModel::new(Lens::RadialTangential {
            k1: -0.28,
            k2: 0.07,
            p1: 0.001,
            p2: -0.0007,
            k3: 0.0,
        })
    }

    fn fisheye() -> LensModel {
        LensModel::new(Lens::KannalaBrandt {
            k1: 0.05,
            k2: -0.01,
            k3: 0.002,
            k4: -0.0003,
            fov_deg: 190.0,
        })
    }

    #[test]
    fn radial_tangential_matches_opencv_formula() {
        // cv::projectPoints' plumb bob written out for one point
        let (k1, k2, p1, p2, k3) = (-0.28, 0.07, 0.001, -0.0007, 0.0);
        let (a, b) = (0.3, -0.2);
        let r2: f64 = a * a + b * b;
        let radial = 1.0 + k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2;
        let xd = a * radial + 2.0 * p1 * a * b + p2 * (r2 + 2.0 * a * a);
        let yd = b * radial + p1 * (r2 + 2.0 * b * b) + 2.0 * p2 * a * b;
        let got = radtan()
            .distort(DVec3::new(a * 7.0, b * 7.0, 7.0), 0.1)
            .unwrap();
        assert!((got - DVec2::new(xd, yd)).length() < 1e-12);
    }

    #[test]
    fn fisheye_matches_opencv_formula() {
        let p = DVec3::new(2.0, -1.0, 0.5);
        let r = (p.x * p.x + p.y * p.y).sqrt();
        let theta = r.atan2(p.z);
        let t2 = theta * theta;
        let theta_d =
            theta * (1.0 + 0.05 * t2 - 0.01 * t2 * t2 + 0.002 * t2.powi(3) - 0.0003 * t2.powi(4));
        let got = fisheye().distort(p, 0.1).unwrap();
        assert!((got - DVec2::new(theta_d * p.x / r, theta_d * p.y / r)).length() < 1e-12);
        // beside and behind the image plane, inside the 190-degree field
        assert!(
            fisheye()
                .distort(DVec3::new(1.0, 0.0, -0.05), 0.1)
                .is_some()
        );
        assert!(fisheye().distort(DVec3::new(1.0, 0.0, -0.5), 0.1).is_none());
    }

    #[test]
    fn rays_invert_the_projection() {
        for lens in [radtan(), fisheye(), LensModel::default()] {
            for p in [
                DVec3::new(0.0, 0.0, 3.0),
                DVec3::new(0.4, -0.3, 1.0),
                DVec3::new(-1.1, 0.6, 1.0),
                DVec3::new(0.05, 0.9, 2.0),
            ] {
                let xd = lens.distort(p, 0.1).unwrap();
                let ray = lens.ray(xd).unwrap();
                assert!((ray - p.normalize()).length() < 1e-9, "{lens:?} {p}");
            }
        }
        let far_side = DVec3::new(1.0, 0.3, -0.05);
        let xd = fisheye().distort(far_side, 0.1).unwrap();
        assert!((fisheye().ray(xd).unwrap() - far_side.normalize()).length() < 1e-9);
    }

    #[test]
    fn a_folding_polynomial_is_cut_where_it_folds() {
        // r (1 - 0.5 r^2) peaks at r = sqrt(2/3)
        let lens = LensModel::new(Lens::RadialTangential {
            k1: -0.5,
            k2: 0.0,
            p1: 0.0,
            p2: 0.0,
            k3: 0.0,
        });
        assert!((lens.max_x - (2.0f64 / 3.0).sqrt()).abs() < 2e-3);
        assert!(lens.folds_at().is_some());
        // a point far off the axis would fold back into the image: it is outside
        assert!(lens.distort(DVec3::new(1.5, 0.0, 1.0), 0.1).is_none());
        assert!(radtan().folds_at().is_none() || radtan().max_x > 1.5);
    }

    #[test]
    fn remap_entries_point_at_the_same_ray() {
        let k = [100.0, 100.0, 80.0, 60.0];
        for lens in [radtan(), fisheye()] {
            let remap = LensRemap::new(160, 120, k, &lens);
            assert_eq!(remap.entries.len(), 160 * 120);
            for (i, e) in remap.entries.iter().enumerate().step_by(97) {
                let (x, y) = ((i % 160) as f64 + 0.5, (i / 160) as f64 + 0.5);
                let Some(ray) = lens.ray(DVec2::new((x - k[2]) / k[0], (y - k[3]) / k[1])) else {
                    assert_eq!(e.view, RemapEntry::OUTSIDE);
                    continue;
                };
                let v = &remap.views[e.view as usize];
                let d = v
                    .dir_of(DVec2::new(e.src[0] as f64, e.src[1] as f64))
                    .normalize();
                assert!((d - ray).length() < 1e-5, "{lens:?} pixel {i}");
                assert!(e.src[0] >= 0.0 && (e.src[0] as u32) < v.width);
            }
        }
        // a narrow lens renders one view, a 190-degree fisheye cube faces
        assert_eq!(LensRemap::new(160, 120, k, &radtan()).views.len(), 1);
        assert!(
            LensRemap::new(160, 120, [40.0, 40.0, 80.0, 60.0], &fisheye())
                .views
                .len()
                >= 4
        );
    }

    #[test]
    fn remapped_depth_is_the_lens_depth_of_the_source_point() {
        let k = [40.0, 40.0, 40.0, 40.0];
        let lens = fisheye();
        let remap = LensRemap::new(80, 80, k, &lens);
        // every source view sees a sphere of radius 5 around the camera
        let planes: Vec<Vec<f32>> = remap
            .views
            .iter()
            .map(|v| {
                (0..v.width * v.height)
                    .map(|i| {
                        let uv = DVec2::new((i % v.width) as f64 + 0.5, (i / v.width) as f64 + 0.5);
                        let d = v.dir_of(uv);
                        let z_view = 5.0 / d.length();
                        (0.1 / z_view) as f32
                    })
                    .collect()
            })
            .collect();
        let refs: Vec<&[f32]> = planes.iter().map(|p| p.as_slice()).collect();
        let out = remap.remap_near_over_depth(&refs);
        let inside: Vec<f32> = out.iter().copied().filter(|d| *d > 0.0).collect();
        assert!(inside.len() > 4000);
        // range 5 everywhere: near / range
        assert!(inside.iter().all(|d| (0.1 / d - 5.0).abs() < 1e-3));
    }
}

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

use glam::{DVec2, DVec3};
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
    /// part of the distorted image, over the rays `rays` (unit, camera
    /// frame) the image holds.
    pub fn max_magnification(&self, rays: &[DVec3]) -> f64 {
        if self.lens.is_pinhole() {
            return 1.0;
        }
        // how far off the axis the image reaches, in the model's variable
        let reach = rays
            .iter()
            .map(|d| match self.lens {
                Lens::KannalaBrandt { .. } => d.z.clamp(-1.0, 1.0).acos(),
                _ => (d.x * d.x + d.y * d.y).sqrt() / d.z.max(1e-9),
            })
            .fold(0.0, f64::max)
            .min(self.max_x);
        (0..=200)
            .map(|i| self.lens.radial_slope(reach * i as f64 / 200.0))
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

mod remap;
pub use remap::{LensRemap, RemapEntry, SourceView, source_views};

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(super) fn radtan() -> LensModel {
        LensModel::new(Lens::RadialTangential {
            k1: -0.28,
            k2: 0.07,
            p1: 0.001,
            p2: -0.0007,
            k3: 0.0,
        })
    }

    pub(super) fn fisheye() -> LensModel {
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
}

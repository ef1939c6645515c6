//! Casting beams into a rendered depth view: a beam's pixel window, the
//! surface plane fitted there, and the silhouettes where a window straddles
//! two objects and the view alone cannot say which one the beam meets.

use glam::DVec3;

/// One rendered LiDAR view: a pinhole view of part of the sweep, with the
/// label value and z-depth (metres, 0 = nothing) per pixel.
pub struct DepthView<'a> {
    pub intrinsics: crate::core::camera::Intrinsics,
    /// OpenCV camera frame <- sensor frame.
    pub cv_from_sensor: crate::core::frames::Pose,
    /// Label value per pixel (`classes::label_value`).
    pub labels: &'a [u16],
    /// d = near / z per pixel (0 = nothing): what the GPU interpolated
    /// linearly across each triangle, so what is interpolated here.
    d: &'a [f32],
    /// The near plane of the reverse-Z projection it was rendered with.
    pub near_m: f64,
    /// `cv_from_sensor`'s rotation and its inverse as matrices (cheaper per
    /// beam than quaternions).
    cv_from_sensor_m: glam::DMat3,
    sensor_from_cv_m: glam::DMat3,
    inv_near_m: f64,
}

/// floor(x) as an integer for |x| < 2^62, without a libm call (baseline
/// x86-64 has no rounding instruction and this runs for every beam).
#[inline]
fn floor_i64(x: f64) -> i64 {
    let i = x as i64;
    if (i as f64) > x { i - 1 } else { i }
}

/// Where a beam (a direction in the sensor frame, any length) meets a view's
/// image: the pixel-edge image point. None when it is outside the view.
pub fn project_beam(
    k: &crate::core::camera::Intrinsics,
    cv_from_sensor: &crate::core::frames::Pose,
    dir_sensor: DVec3,
) -> Option<glam::DVec2> {
    project_dir_cv(k, cv_from_sensor.rotation * dir_sensor)
}

/// `project_beam` of a direction already in the view's camera frame (one
/// division: this runs twice per beam of a moving sensor).
#[inline]
fn project_dir_cv(k: &crate::core::camera::Intrinsics, dir_cv: DVec3) -> Option<glam::DVec2> {
    if dir_cv.z <= 0.0 {
        return None;
    }
    let inv_z = 1.0 / dir_cv.z;
    let uv = glam::DVec2::new(
        k.fx * dir_cv.x * inv_z + k.cx,
        k.fy * dir_cv.y * inv_z + k.cy,
    );
    let (w, h) = (k.width as f64, k.height as f64);
    // beams exactly on a view boundary land a rounding error outside it
    const EDGE: f64 = 1e-6;
    if !(uv.x >= -EDGE && uv.y >= -EDGE && uv.x <= w + EDGE && uv.y <= h + EDGE) {
        return None;
    }
    Some(glam::DVec2::new(
        uv.x.clamp(0.0, w - EDGE),
        uv.y.clamp(0.0, h - EDGE),
    ))
}

/// One pixel of the 4x4 window around a beam: its centre relative to the
/// beam (u, v, pixels), its d = near / z, its label, its column and row in
/// the window (0..4; 1 and 2 are the four centres around the beam) and its
/// offset from the pixel nearest the beam.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct WindowPixel {
    u: f64,
    v: f64,
    d: f64,
    label: u32,
    column: i8,
    row: i8,
    near_dx: i8,
    near_dy: i8,
}

/// Where a beam at pixel-edge image point `uv` sits among pixel centres: its
/// position in centre coordinates (fx, fy), the centre up and left of it
/// (x0, y0), and the centre nearest to it.
struct BeamPixels {
    fx: f64,
    fy: f64,
    x0: i64,
    y0: i64,
    nearest: (i64, i64),
}

impl BeamPixels {
    #[inline]
    fn at(uv: glam::DVec2) -> BeamPixels {
        let (fx, fy) = (uv.x - 0.5, uv.y - 0.5);
        let (x0, y0) = (floor_i64(fx), floor_i64(fy));
        let nearest = (
            x0 + (fx - x0 as f64 >= 0.5) as i64,
            y0 + (fy - y0 as f64 >= 0.5) as i64,
        );
        BeamPixels {
            fx,
            fy,
            x0,
            y0,
            nearest,
        }
    }
}

/// Least-squares plane d = a + b u + c v through the window pixels that
/// `keep` selects (u, v relative to the evaluation point); Some((a, b, c))
/// when at least 3 non-collinear samples are all reproduced within
/// `tolerance`.
fn fit_plane(
    window: &[WindowPixel],
    keep: impl Fn(&WindowPixel) -> bool,
    tolerance: f64,
) -> Option<(f64, f64, f64)> {
    // normal equations of [1 u v] x = d
    let (mut m, mut r, mut n) = ([[0.0f64; 3]; 3], [0.0f64; 3], 0);
    for p in window.iter().filter(|p| keep(p)) {
        let row = [1.0, p.u, p.v];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += row[i] * row[j];
            }
            r[i] += row[i] * p.d;
        }
        n += 1;
    }
    if n < 3 {
        return None;
    }
    let mat = glam::DMat3::from_cols_array_2d(&m).transpose();
    if mat.determinant().abs() < 1e-9 {
        return None;
    }
    let x = mat.inverse() * DVec3::from_array(r);
    let fits = window
        .iter()
        .filter(|p| keep(p))
        .all(|p| (x.x + x.y * p.u + x.z * p.v - p.d).abs() <= tolerance);
    fits.then_some((x.x, x.y, x.z))
}

/// A beam on a silhouette or crease, for the caller to resolve with exact
/// geometry: where it meets the view, and how closely a plane must
/// reproduce the pixels there (in d). Its `window` says which surfaces are
/// around it. (Small, so that casts return it cheaply: the pixels are read
/// again, from cache, by the few callers that need them.)
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Silhouette {
    uv: glam::DVec2,
    tolerance: f64,
}

impl Silhouette {
    /// The 4x4 pixels around the beam in `view` (the view this came from).
    pub fn window(&self, view: &DepthView) -> Window {
        view.window_around(self.uv, self.tolerance)
    }
}

/// The pixels (with depth) of the 4x4 window around a beam: which surfaces
/// are there, how near the beam each one's pixels are, and each one's plane.
pub struct Window {
    pixels: [WindowPixel; 16],
    len: usize,
    uv: glam::DVec2,
    /// How closely a plane must reproduce the pixels (in d).
    tolerance: f64,
}

impl Window {
    fn pixels(&self) -> &[WindowPixel] {
        &self.pixels[..self.len]
    }

    /// The labels around the beam, each once, in window order (rows from
    /// the top).
    pub fn labels(&self) -> impl Iterator<Item = u32> + '_ {
        let pixels = self.pixels();
        pixels
            .iter()
            .enumerate()
            .filter(move |(i, p)| !pixels[..*i].iter().any(|q| q.label == p.label))
            .map(|(_, p)| p.label)
    }

    /// Image distance from the beam to the nearest pixel centre of `label`.
    pub fn nearest_px(&self, label: u32) -> f64 {
        self.pixels()
            .iter()
            .filter(|q| q.label == label)
            .map(|q| (q.u * q.u + q.v * q.v).sqrt())
            .fold(f64::MAX, f64::min)
    }

    /// The plane of `label`'s pixels in `view` (the view this came from),
    /// when they fit one.
    pub fn plane(&self, view: &DepthView, label: u32) -> Option<SurfaceHit> {
        fit_plane(self.pixels(), |q| q.label == label, self.tolerance)
            .and_then(|pl| view.hit_from_plane(pl, self.uv, label))
    }
}

/// What the rendered view says about a beam.
#[derive(Clone, Debug, PartialEq)]
pub enum Cast {
    Miss,
    Hit(SurfaceHit),
    /// On a silhouette or crease: the surfaces around it, nearest first is
    /// not known from pixels; the caller resolves with exact geometry.
    Ambiguous(Silhouette),
}

/// Where a beam hits, read from the rendered views.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BeamHit {
    pub range_m: f64,
    pub label: u32,
    /// Cosine of the incidence angle (1 = head-on), from the depth gradient.
    pub cos_incidence: f64,
}

/// The surface a view shows around a beam: its label and its plane, as the
/// vector `plane_sensor` with `plane_sensor . p = 1` for the points p of the
/// plane (sensor frame). That is the normal over the plane's distance from
/// the sensor: no square root until a hit is kept, and a ray from any
/// origin meets it with one division.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SurfaceHit {
    pub label: u32,
    pub plane_sensor: DVec3,
    /// The 3x3 pixels around the beam's nearest pixel all show this plane
    /// alone: a point of it that projects within a pixel of the beam is on
    /// the surface, with this label.
    pub interior: bool,
}

impl SurfaceHit {
    /// Distance along the ray `origin + s dir` (sensor frame, unit `dir`) to
    /// the plane; None when the ray runs parallel to it or away from it.
    #[inline]
    pub fn range_along(&self, origin: DVec3, dir: DVec3) -> Option<f64> {
        let along = self.plane_sensor.dot(dir);
        // parallel within 1e-9 of the unit normal: |N.d| < 1e-9 |N|
        if along * along < 1e-18 * self.plane_sensor.length_squared() {
            return None;
        }
        let range_m = (1.0 - self.plane_sensor.dot(origin)) / along;
        (range_m > 0.0).then_some(range_m)
    }

    /// The hit at `range_m` along unit `dir`, with its incidence angle.
    pub fn beam_hit(&self, range_m: f64, dir: DVec3) -> BeamHit {
        BeamHit {
            range_m,
            label: self.label,
            cos_incidence: (self.plane_sensor.dot(dir) * self.plane_sensor.length_recip()).abs(),
        }
    }
}

impl<'a> DepthView<'a> {
    /// (label, d = near / z) at a pixel; d is what the GPU interpolated
    /// linearly across each triangle, so it is the quantity to interpolate.
    fn at(&self, x: i64, y: i64) -> Option<(u32, f64)> {
        let (w, h) = (self.intrinsics.width as i64, self.intrinsics.height as i64);
        if x < 0 || y < 0 || x >= w || y >= h {
            return None;
        }
        let i = (y * w + x) as usize;
        Some((self.labels[i] as u32, self.d[i] as f64))
    }

    /// A view from its labels and reverse-Z depth buffer (`near_over_z`:
    /// near_m / z per pixel, 0 = nothing), as rendered.
    pub fn new(
        intrinsics: crate::core::camera::Intrinsics,
        cv_from_sensor: crate::core::frames::Pose,
        labels: &'a [u16],
        near_over_z: &'a [f32],
        near_m: f64,
    ) -> DepthView<'a> {
        let cv_from_sensor_m = glam::DMat3::from_quat(cv_from_sensor.rotation);
        DepthView {
            inv_near_m: 1.0 / near_m,
            intrinsics,
            cv_from_sensor,
            labels,
            d: near_over_z,
            near_m,
            cv_from_sensor_m,
            sensor_from_cv_m: cv_from_sensor_m.transpose(),
        }
    }

    /// Whether the point `to` (sensor frame) projects within a pixel of
    /// `uv`, the projection of `from`, without projecting it: true only when
    /// `uv` is 2 pixels or more inside the image and `to` is so close to
    /// `from`, for their distance from the sensor, that the direction turns
    /// too little to move a pixel. False says nothing.
    #[inline]
    pub fn surely_within_a_pixel(&self, from: DVec3, uv: glam::DVec2, to: DVec3) -> bool {
        let k = &self.intrinsics;
        if !(uv.x >= 2.0
            && uv.y >= 2.0
            && uv.x <= k.width as f64 - 2.0
            && uv.y <= k.height as f64 - 2.0)
        {
            return false;
        }
        // Within a pixel of uv the image point moves at most
        // m = max(fx, fy) (1 + tx^2 + ty^2) pixels per radian the direction
        // turns (tx, ty: the largest tangents there; 1 / z^2 of the unit
        // direction bounds the gradient of x / z and y / z on the sphere).
        // The segment from -> to (length s) turns the direction by at most
        // asin(s / (|from| - s)) <= 1.048 s / (|from| - s) while that is
        // <= 0.5; with (1.2 m + 1) s < |from| it is, and the image point
        // moves less than 0.9 pixels: it cannot leave the pixel box first.
        let tan_x = ((uv.x - k.cx).abs() + 1.0) / k.fx;
        let tan_y = ((uv.y - k.cy).abs() + 1.0) / k.fy;
        let px_per_rad = k.fx.max(k.fy) * (1.0 + tan_x * tan_x + tan_y * tan_y);
        let bound = 1.2 * px_per_rad + 1.0;
        (to - from).length_squared() * bound * bound < from.length_squared()
    }

    /// `project_beam` into this view.
    #[inline]
    pub fn project(&self, dir_sensor: DVec3) -> Option<glam::DVec2> {
        project_dir_cv(&self.intrinsics, self.cv_from_sensor_m * dir_sensor)
    }

    /// Cast a beam (unit direction in the sensor frame, from its origin).
    /// On a plane, d = near / z is affine in image coordinates, so a plane
    /// fitted to same-label neighbours gives the exact range at the beam. A
    /// beam on a silhouette or crease (no single plane around it) returns
    /// None: a mixed pixel, as real sensors also lose.
    pub fn cast(&self, dir_sensor: DVec3) -> Option<BeamHit> {
        match self.cast_detailed(dir_sensor) {
            Cast::Hit(s) => s
                .range_along(DVec3::ZERO, dir_sensor)
                .map(|r| s.beam_hit(r, dir_sensor)),
            _ => None,
        }
    }

    /// The surface of the plane d = a + b u + c v (relative to the beam at
    /// `uv`); None when it lies behind the view.
    fn hit_from_plane(
        &self,
        plane: (f64, f64, f64),
        uv: glam::DVec2,
        label: u32,
    ) -> Option<SurfaceHit> {
        let (d0, gu, gv) = plane;
        if d0 <= 0.0 {
            return None;
        }
        // near / Z = d0 + gu (u - u0) + gv (v - v0) with u = fx X / Z + cx is the
        // plane (gu fx) X + (gv fy) Y + (d0 + gu (cx - u0) + gv (cy - v0)) Z = near
        let k = &self.intrinsics;
        let plane_cv = DVec3::new(
            gu * k.fx,
            gv * k.fy,
            d0 + gu * (k.cx - uv.x) + gv * (k.cy - uv.y),
        ) * self.inv_near_m;
        Some(SurfaceHit {
            label,
            plane_sensor: self.sensor_from_cv_m * plane_cv,
            interior: false,
        })
    }

    /// As `cast`, but a beam on a silhouette or crease comes back as the
    /// candidate surfaces around it instead of being dropped.
    pub fn cast_detailed(&self, dir_sensor: DVec3) -> Cast {
        match self.project(dir_sensor) {
            Some(uv) => self.cast_pixel(uv),
            None => Cast::Miss,
        }
    }

    /// The label of the pixel whose centre is nearest to a pixel-edge image point.
    pub fn label_near(&self, uv: glam::DVec2) -> Option<u32> {
        self.at(floor_i64(uv.x), floor_i64(uv.y)).map(|(l, _)| l)
    }

    /// As `cast_detailed`, for a beam already projected with `project_beam`.
    pub fn cast_pixel(&self, uv: glam::DVec2) -> Cast {
        self.cast_inner(uv).unwrap_or(Cast::Miss)
    }

    /// The plane (a, b, c) of d = a + b u + c v relative to (fx, fy) when every
    /// pixel of the 3x3 window centred on pixel (x, y) has `label` and lies on
    /// one plane. (The beam is within half a pixel of that centre, so the
    /// window holds the four pixels around it and one more on each side: a
    /// crease or silhouette anywhere near the beam breaks it.)
    fn uniform_window_plane(
        &self,
        (x, y): (i64, i64),
        (fx, fy): (f64, f64),
        label: u32,
        tolerance: f64,
    ) -> Option<(f64, f64, f64)> {
        let (w, h) = (self.intrinsics.width as i64, self.intrinsics.height as i64);
        if x < 1 || y < 1 || x + 1 >= w || y + 1 >= h {
            return None;
        }
        let mut d = [[0f64; 3]; 3];
        for (j, row) in d.iter_mut().enumerate() {
            let k = ((y - 1 + j as i64) * w + x - 1) as usize;
            let (labels, depths) = (&self.labels[k..k + 3], &self.d[k..k + 3]);
            for ((v, l), dd) in row.iter_mut().zip(labels).zip(depths) {
                if *l as u32 != label || *dd <= 0.0 {
                    return None;
                }
                *v = *dd as f64;
            }
        }
        // plane through three corners, in window coordinates
        let gu = (d[0][2] - d[0][0]) * 0.5;
        let gv = (d[2][0] - d[0][0]) * 0.5;
        for (j, row) in d.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                if (d[0][0] + gu * i as f64 + gv * j as f64 - v).abs() > tolerance {
                    return None;
                }
            }
        }
        // re-express at the beam: window pixel (0, 0) is at (x - 1, y - 1)
        let (du, dv) = (fx - (x - 1) as f64, fy - (y - 1) as f64);
        Some((d[0][0] + gu * du + gv * dv, gu, gv))
    }

    /// The pixels of the 4x4 window around a beam at `uv` that show
    /// something (gathered on the stack: this runs for every beam near an
    /// edge), in row order, with the plane tolerance (in d) for its fits.
    fn window_around(&self, uv: glam::DVec2, tolerance: f64) -> Window {
        let BeamPixels {
            fx,
            fy,
            x0,
            y0,
            nearest,
        } = BeamPixels::at(uv);
        let mut pixels = [WindowPixel::default(); 16];
        let mut len = 0;
        for y in y0 - 1..=y0 + 2 {
            for x in x0 - 1..=x0 + 2 {
                let Some((l, d)) = self.at(x, y) else {
                    continue;
                };
                if d <= 0.0 {
                    continue;
                }
                pixels[len] = WindowPixel {
                    u: x as f64 - fx,
                    v: y as f64 - fy,
                    d,
                    label: l,
                    column: (x - x0 + 1) as i8,
                    row: (y - y0 + 1) as i8,
                    near_dx: (x - nearest.0) as i8,
                    near_dy: (y - nearest.1) as i8,
                };
                len += 1;
            }
        }
        Window {
            pixels,
            len,
            uv,
            tolerance,
        }
    }

    fn cast_inner(&self, uv: glam::DVec2) -> Option<Cast> {
        let (w, h) = (self.intrinsics.width as f64, self.intrinsics.height as f64);
        let BeamPixels {
            fx, fy, nearest, ..
        } = BeamPixels::at(uv);
        let (label, d_near) = self.at(
            nearest.0.clamp(0, w as i64 - 1),
            nearest.1.clamp(0, h as i64 - 1),
        )?;
        if d_near <= 0.0 {
            return Some(Cast::Miss); // sky: nothing to return
        }
        let exact = 1e-5 * d_near;
        // fast path (most beams): the 3x3 window around the nearest pixel is one
        // planar surface. Three samples give the plane; the other six confirm
        // it. (What the fits below would find on it too, with fewer reads.)
        if let Some(p) = self.uniform_window_plane(nearest, (fx, fy), label, exact) {
            return Some(self.hit_from_plane(p, uv, label).map_or(Cast::Miss, |s| {
                Cast::Hit(SurfaceHit {
                    interior: true,
                    ..s
                })
            }));
        }
        // d is affine in (u, v) on a plane: fit it over the same-label pixels of
        // the 4x4 window around the beam and evaluate at the beam; a fit that
        // does not reproduce its samples spans two surfaces
        let gathered = self.window_around(uv, exact);
        let window = gathered.pixels();
        let same = |p: &WindowPixel| p.label == label;
        // a beam is only inside a surface when all four pixel centres around
        // it are
        let same_quad = window
            .iter()
            .filter(|p| same(p) && (1..=2).contains(&p.column) && (1..=2).contains(&p.row))
            .count();
        let same_count = window.iter().filter(|p| same(p)).count();
        // 1 cm in z at this depth, in units of d = near / z
        let z_near = self.near_m / d_near;
        let cm = 0.01 * self.near_m / (z_near * z_near);
        // (exact: the rasterizer's f32 plane evaluation is good to ~1e-6
        // relative on large grazing triangles; two surfaces miss by far more)
        // one planar surface around the beam (4x4, else 3x3: curved parts are
        // faceted; never 2x2, whose two rows always span a plane, even across a
        // crease); else, for a feature too thin to fit (paint on the road), the
        // surface under it within 1 cm; else ambiguous, for the caller to resolve
        // at a silhouette the plane would be extrapolated past its edge
        let plane = if same_quad == 4 {
            fit_plane(window, same, exact).or_else(|| {
                fit_plane(
                    window,
                    |p| same(p) && p.near_dx.abs() <= 1 && p.near_dy.abs() <= 1,
                    exact,
                )
            })
        } else if same_count < 3 {
            fit_plane(window, |_| true, cm)
        } else {
            None
        };
        if let Some(p) = plane {
            return Some(
                self.hit_from_plane(p, uv, label)
                    .map_or(Cast::Miss, Cast::Hit),
            );
        }
        // a silhouette or crease: the labels around the beam, for the caller
        Some(Cast::Ambiguous(Silhouette {
            uv,
            tolerance: exact,
        }))
    }
}

#[cfg(test)]
mod cast_tests {
    use super::*;
    use crate::core::camera::Intrinsics;
    use crate::core::frames::Pose;
    use crate::core::lidar::beam_direction;
    use glam::{DMat3, DQuat};

    /// The projection-free test never vouches for a point that lands a pixel
    /// or more away, and it does vouch for small steps far off.
    #[test]
    fn surely_within_a_pixel_never_overstates() {
        // a LiDAR-like view: 90 degrees wide, short above the axis, tall below
        let k = Intrinsics {
            width: 512,
            height: 185,
            fx: 256.0,
            fy: 256.0,
            cx: 256.0,
            cy: 15.0,
            lens: Default::default(),
        };
        let rot = DQuat::from_mat3(&DMat3::from_cols(
            DVec3::new(0.0, 0.0, 1.0),
            DVec3::new(-1.0, 0.0, 0.0),
            DVec3::new(0.0, -1.0, 0.0),
        ));
        let (labels, depth) = (vec![0u16; 512 * 185], vec![0f32; 512 * 185]);
        let view = DepthView::new(k, Pose::new(rot, DVec3::ZERO), &labels, &depth, 0.1);
        let mut rng = crate::core::rng::Stream::new(3, "surely-within-test", 0);
        let mut vouched = 0;
        for _ in 0..200_000 {
            let az = (rng.next_f64() - 0.5) * 1.56;
            let el = -0.45 + rng.next_f64() * 0.5;
            let from = beam_direction(az, el) * (1.0 + rng.next_f64() * 80.0);
            // steps of up to a few cm to a few m, any direction
            let step = DVec3::new(
                rng.next_f64() - 0.5,
                rng.next_f64() - 0.5,
                rng.next_f64() - 0.5,
            ) * 10f64.powf(rng.next_f64() * 3.0 - 2.5);
            let to = from + step;
            let Some(uv) = view.project(from) else {
                continue;
            };
            if view.surely_within_a_pixel(from, uv, to) {
                vouched += 1;
                let uv_to = view.project(to).expect("vouched points are in the image");
                let moved = (uv_to - uv).abs().max_element();
                assert!(moved < 1.0, "{from} -> {to}: moved {moved} px");
            }
        }
        assert!(vouched > 20_000, "only {vouched} vouched for");
    }

    /// A surface's plane met from a moved origin: the wall x = 10 (sensor
    /// frame) from x = 1, head-on and at an angle; parallel and receding
    /// rays miss it.
    #[test]
    fn surfaces_are_met_from_any_origin() {
        let wall = SurfaceHit {
            label: 5,
            plane_sensor: DVec3::new(0.1, 0.0, 0.0),
            interior: false,
        };
        let origin = DVec3::new(1.0, 0.0, 0.0);
        assert!((wall.range_along(origin, DVec3::X).unwrap() - 9.0).abs() < 1e-12);
        let a = 0.6f64;
        let dir = DVec3::new(a.cos(), a.sin(), 0.0);
        let r = wall.range_along(origin, dir).unwrap();
        assert!((r - 9.0 / a.cos()).abs() < 1e-12);
        let hit = wall.beam_hit(r, dir);
        assert!((hit.cos_incidence - a.cos()).abs() < 1e-12);
        assert_eq!(hit.label, 5);
        assert_eq!(wall.range_along(origin, DVec3::Y), None);
        assert_eq!(wall.range_along(origin, -DVec3::X), None);
    }

    /// A synthetic view of the plane z_cv = 10 - 0.5 x_cv (tilted wall), rendered
    /// at pixel centres the way the GPU does; beams between pixels must land
    /// on the plane exactly.
    #[test]
    fn interpolated_ranges_lie_on_the_plane() {
        let k = Intrinsics::from_hfov(64, 48, 90f64.to_radians());
        let near = 0.1;
        let (mut labels, mut depth) = (vec![0u16; 64 * 48], vec![0f32; 64 * 48]);
        for y in 0..48 {
            for x in 0..64 {
                // ray through the pixel centre: (a, b, 1) * z on the plane z = 10 - 0.5 a z
                let a = (x as f64 + 0.5 - k.cx) / k.fx;
                let z = 10.0 / (1.0 + 0.5 * a);
                labels[y * 64 + x] = 11;
                depth[y * 64 + x] = (near / z) as f32;
            }
        }
        // sensor frame (x fwd, y left, z up) -> cv (x right, y down, z fwd)
        let rot = DQuat::from_mat3(&DMat3::from_cols(
            DVec3::new(0.0, 0.0, 1.0),
            DVec3::new(-1.0, 0.0, 0.0),
            DVec3::new(0.0, -1.0, 0.0),
        ));
        let view = DepthView::new(k, Pose::new(rot, DVec3::ZERO), &labels, &depth, near);
        for (az, el) in [(0.013, 0.02), (-0.4, 0.1), (0.3, -0.25), (0.61, 0.05)] {
            let dir = beam_direction(az, el);
            let hit = view.cast(dir).unwrap();
            let p = rot * (dir * hit.range_m);
            let plane_z = 10.0 - 0.5 * p.x;
            assert!(
                (p.z - plane_z).abs() < 2e-4,
                "beam ({az}, {el}): z {} vs plane {plane_z}",
                p.z
            );
            assert_eq!(hit.label, 11);
            let expected = DVec3::new(0.5, 0.0, 1.0)
                .normalize()
                .dot((rot * dir).normalize())
                .abs();
            assert!(
                (hit.cos_incidence - expected).abs() < 1e-3,
                "cos {} vs {expected} for ({az}, {el})",
                hit.cos_incidence
            );
        }
        // outside the view: no hit
        assert!(view.cast(beam_direction(2.0, 0.0)).is_none());
    }
}

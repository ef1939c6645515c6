//! The remap of pinhole source views into a lens camera's distorted image.

use super::LensModel;
use glam::{DQuat, DVec2, DVec3};

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
        let rays: Vec<DVec3> = sample.iter().flatten().copied().collect();
        source_views(&sample, fx.max(fy) * lens.max_magnification(&rays))
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
    use crate::core::lens::tests::{fisheye, radtan};

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

//! Intrinsics: the pinhole K and the lens (`lens::LensModel`; pinhole by
//! default). Internally pixel-edge coordinates: pixel (u, v) covers
//! [u, u+1) x [v, v+1), so cx = width/2. KITTI/OpenCV calibration files use
//! pixel-centre coordinates (cx - 0.5); `p_matrix_opencv` converts.

use super::lens::LensModel;
use glam::{DMat4, DVec2, DVec3, DVec4, Mat4};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Intrinsics {
    pub width: u32,
    pub height: u32,
    pub fx: f64,
    pub fy: f64,
    pub cx: f64,
    pub cy: f64,
    /// Distortion after K's normalized coordinates (pinhole: none).
    pub lens: LensModel,
}

/// Near clip plane of every sensor camera, metres.
pub const NEAR_M: f64 = 0.1;

/// z-depth in metres of a reverse-Z depth-buffer value with an infinite far
/// plane (d = near / z); 0 where nothing was drawn (d = 0, the clear value).
pub fn depth_m_from_buffer(d: f32) -> f32 {
    if d > 0.0 { NEAR_M as f32 / d } else { 0.0 }
}

impl Intrinsics {
    pub fn from_hfov(width: u32, height: u32, hfov_rad: f64) -> Intrinsics {
        let fx = width as f64 / 2.0 / (hfov_rad / 2.0).tan();
        Intrinsics::centred(width, height, fx, LensModel::default())
    }

    /// Square pixels, the principal point at the image centre.
    fn centred(width: u32, height: u32, fx: f64, lens: LensModel) -> Intrinsics {
        Intrinsics {
            width,
            height,
            fx,
            fy: fx,
            cx: width as f64 / 2.0,
            cy: height as f64 / 2.0,
            lens,
        }
    }

    /// A camera with a lens: K from `hfov_rad` across the width as the lens
    /// maps it (the ray `hfov_rad / 2` off the axis lands on the image's
    /// side edges), centred.
    pub fn with_lens(width: u32, height: u32, hfov_rad: f64, lens: LensModel) -> Intrinsics {
        let radius = lens.radius_at(hfov_rad / 2.0).max(1e-6);
        Intrinsics::centred(width, height, width as f64 / 2.0 / radius, lens)
    }

    /// OpenCV camera point -> pixel-edge image point; None nearer than the
    /// near plane (by the lens's depth) or outside the lens.
    pub fn project(&self, p: DVec3) -> Option<DVec2> {
        let xd = self.lens.distort(p, NEAR_M)?;
        Some(DVec2::new(
            self.fx * xd.x + self.cx,
            self.fy * xd.y + self.cy,
        ))
    }

    /// Unit ray (OpenCV camera frame) through a pixel-edge image point;
    /// None outside the lens.
    pub fn ray(&self, uv: DVec2) -> Option<DVec3> {
        self.lens.ray(DVec2::new(
            (uv.x - self.cx) / self.fx,
            (uv.y - self.cy) / self.fy,
        ))
    }

    /// Pixel-edge image point at a z-depth through K alone (a rasterized
    /// pinhole view; the lens ignored) -> OpenCV camera point.
    pub fn unproject_pinhole(&self, uv: DVec2, z_m: f64) -> DVec3 {
        DVec3::new(
            (uv.x - self.cx) / self.fx * z_m,
            (uv.y - self.cy) / self.fy * z_m,
            z_m,
        )
    }

    /// Pixel-edge image point at a depth (as the depth image holds it:
    /// `LensModel::depth_kind`) -> OpenCV camera point; None outside the lens.
    pub fn unproject(&self, uv: DVec2, depth: f64) -> Option<DVec3> {
        let ray = self.ray(uv)?;
        let per_metre = self.lens.depth_of(ray);
        (per_metre > 0.0).then(|| ray * (depth / per_metre))
    }

    /// 3x4 `K [I|0]` in pixel-centre (OpenCV / KITTI) convention.
    pub fn p_matrix_opencv(&self) -> [[f64; 4]; 3] {
        [
            [self.fx, 0.0, self.cx - 0.5, 0.0],
            [0.0, self.fy, self.cy - 0.5, 0.0],
            [0.0, 0.0, 1.0, 0.0],
        ]
    }

    /// GPU clip-from-view matrix for a Bevy-convention camera (looks along -z),
    /// reverse-Z with an infinite far plane (depth 1 at the near plane, 0 at infinity).
    /// Built from fx/fy/cx/cy so the GPU raster and `project` agree exactly.
    pub fn clip_from_view(&self) -> Mat4 {
        debug_assert!(
            self.lens.lens.is_pinhole(),
            "a rasterizer draws pinhole views"
        );
        let w = self.width as f64;
        let h = self.height as f64;
        // ndc_x = (u/w)*2-1 with u = fx*x/(-z) + cx
        let sx = 2.0 * self.fx / w;
        let sy = 2.0 * self.fy / h;
        let ox = 2.0 * self.cx / w - 1.0;
        let oy = 1.0 - 2.0 * self.cy / h;
        let m = DMat4::from_cols(
            DVec4::new(sx, 0.0, 0.0, 0.0),
            DVec4::new(0.0, sy, 0.0, 0.0),
            DVec4::new(-ox, -oy, 0.0, -1.0),
            DVec4::new(0.0, 0.0, NEAR_M, 0.0),
        );
        m.as_mat4()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_unproject_round_trip() {
        let k = Intrinsics::from_hfov(640, 480, 90f64.to_radians());
        assert!((k.fx - 320.0).abs() < 1e-9);
        let p = DVec3::new(1.2, -0.7, 9.0);
        let uv = k.project(p).unwrap();
        let q = k.unproject(uv, p.z).unwrap();
        assert!((p - q).length() < 1e-9);
        assert!(k.project(DVec3::new(0.0, 0.0, -1.0)).is_none());
        // optical axis hits the image centre (pixel-edge coordinates)
        let c = k.project(DVec3::new(0.0, 0.0, 5.0)).unwrap();
        assert_eq!((c.x, c.y), (320.0, 240.0));
    }

    #[test]
    fn gpu_matrix_matches_projection() {
        let k = Intrinsics::from_hfov(320, 200, 70f64.to_radians());
        let m = k.clip_from_view().as_dmat4();
        for p_cv in [DVec3::new(0.3, 0.2, 4.0), DVec3::new(-2.0, 1.0, 30.0)] {
            let p_bevy = crate::core::frames::cv_to_bevy_cam(p_cv);
            let clip = m * p_bevy.extend(1.0);
            let ndc = clip.truncate() / clip.w;
            let u = (ndc.x + 1.0) / 2.0 * 320.0;
            let v = (1.0 - ndc.y) / 2.0 * 200.0;
            let uv = k.project(p_cv).unwrap();
            assert!((u - uv.x).abs() < 1e-6 && (v - uv.y).abs() < 1e-6);
            // reverse-Z: depth in (0, 1], nearer is larger
            assert!(ndc.z > 0.0 && ndc.z <= 1.0);
        }
        let near = m * DVec3::new(0.0, 0.0, -NEAR_M).extend(1.0);
        assert!((near.z / near.w - 1.0).abs() < 1e-6);
    }

    #[test]
    fn depth_buffer_values_convert_back_to_z() {
        let m = Intrinsics::from_hfov(320, 200, 70f64.to_radians()).clip_from_view();
        for z_m in [0.1f32, 0.5, 3.0, 42.0, 180.0] {
            let clip = m * glam::Vec4::new(0.4, -0.3, -z_m, 1.0);
            let d = clip.z / clip.w;
            let back = depth_m_from_buffer(d);
            assert!((back - z_m).abs() <= z_m * 1e-6, "{z_m} -> {d} -> {back}");
        }
        // the clear value (infinitely far, nothing drawn) reads as 0
        assert_eq!(depth_m_from_buffer(0.0), 0.0);
    }

    #[test]
    fn opencv_matrix_is_half_pixel_shifted() {
        let k = Intrinsics::from_hfov(100, 50, 1.0);
        let p = k.p_matrix_opencv();
        assert_eq!(p[0][2], 49.5);
        assert_eq!(p[1][2], 24.5);
    }
}

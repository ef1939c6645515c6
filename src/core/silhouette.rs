//! Unoccluded silhouettes of convex parts: clip to the near plane, project,
//! take the 2D convex hull, count covered pixel centres. This is how the
//! visible fraction gets its denominator without rendering each object alone.

use super::camera::{Intrinsics, NEAR_M};
use glam::{DQuat, DVec2, DVec3};

/// Clip a convex point set (OpenCV camera coords) to z >= near. Segments
/// between any two points of a convex body lie inside it, so intersecting
/// every front/back pair yields the clipped body's vertices (plus interior
/// points, which the hull discards).
pub fn clip_convex_to_near(points: &[DVec3], near: f64) -> Vec<DVec3> {
    let (front, back): (Vec<DVec3>, Vec<DVec3>) = points.iter().partition(|p| p.z >= near);
    let mut out = front.clone();
    for f in &front {
        for b in &back {
            let t = (near - f.z) / (b.z - f.z);
            out.push(*f + (*b - *f) * t);
        }
    }
    out
}

/// Segments each outline edge is cut into before a lens bends it.
const LENS_OUTLINE_STEPS: usize = 12;

/// The image of a convex point set (OpenCV camera frame) as a convex
/// hull: through a pinhole the hull of the projected points (clipped to
/// the near plane). Through a lens, whose image of a straight edge is
/// curved, the outline is taken in a virtual pinhole view looking at the
/// set (so sets beside or behind the image plane of a fisheye project
/// too), cut into short segments, and each point goes through the lens;
/// the hull of those (exact bounds; area over by the curvature, when the
/// lens bends the outline inwards).
pub fn project_convex_hull(points_cv: &[DVec3], k: &Intrinsics) -> Option<ConvexHull2> {
    if k.lens.lens.is_pinhole() {
        let clipped = clip_convex_to_near(points_cv, NEAR_M);
        let uv: Vec<DVec2> = clipped.iter().filter_map(|p| k.project(*p)).collect();
        return ConvexHull2::new(&uv);
    }
    let centre = points_cv.iter().copied().sum::<DVec3>() / points_cv.len().max(1) as f64;
    let axis = centre.try_normalize().unwrap_or(DVec3::Z);
    let view_from_cam = DQuat::from_rotation_arc(axis, DVec3::Z);
    let in_view: Vec<DVec3> = points_cv.iter().map(|p| view_from_cam * *p).collect();
    let clipped = clip_convex_to_near(&in_view, NEAR_M);
    let plane: Vec<DVec2> = clipped
        .iter()
        .map(|p| DVec2::new(p.x / p.z, p.y / p.z))
        .collect();
    let outline = ConvexHull2::new(&plane)?;
    let cam_from_view = view_from_cam.inverse();
    let n = outline.points.len();
    let uv: Vec<DVec2> = (0..n)
        .flat_map(|i| {
            let (a, b) = (outline.points[i], outline.points[(i + 1) % n]);
            (0..LENS_OUTLINE_STEPS).map(move |s| a.lerp(b, s as f64 / LENS_OUTLINE_STEPS as f64))
        })
        .filter_map(|t| k.project(cam_from_view * DVec3::new(t.x, t.y, 1.0)))
        .collect();
    ConvexHull2::new(&uv)
}

/// Counter-clockwise (in image coordinates) convex polygon.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvexHull2 {
    pub points: Vec<DVec2>,
}

fn cross(o: DVec2, a: DVec2, b: DVec2) -> f64 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

impl ConvexHull2 {
    /// Andrew's monotone chain; None for fewer than 3 non-collinear points.
    pub fn new(points: &[DVec2]) -> Option<ConvexHull2> {
        let mut pts: Vec<DVec2> = points.iter().copied().filter(|p| p.is_finite()).collect();
        pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
        pts.dedup();
        if pts.len() < 3 {
            return None;
        }
        let mut hull: Vec<DVec2> = Vec::with_capacity(pts.len() * 2);
        for pass in 0..2 {
            let start = hull.len();
            let iter: Box<dyn Iterator<Item = &DVec2>> = if pass == 0 {
                Box::new(pts.iter())
            } else {
                Box::new(pts.iter().rev())
            };
            for &p in iter {
                while hull.len() >= start + 2
                    && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
                {
                    hull.pop();
                }
                hull.push(p);
            }
            hull.pop();
        }
        if hull.len() < 3 {
            return None;
        }
        Some(ConvexHull2 { points: hull })
    }

    pub fn bounds(&self) -> [f64; 4] {
        let mut r = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in &self.points {
            r[0] = r[0].min(p.x);
            r[1] = r[1].min(p.y);
            r[2] = r[2].max(p.x);
            r[3] = r[3].max(p.y);
        }
        r
    }

    pub fn contains(&self, p: DVec2) -> bool {
        let n = self.points.len();
        (0..n).all(|i| cross(self.points[i], self.points[(i + 1) % n], p) >= 0.0)
    }

    pub fn area(&self) -> f64 {
        let n = self.points.len();
        (0..n)
            .map(|i| self.points[i].perp_dot(self.points[(i + 1) % n]))
            .sum::<f64>()
            .abs()
            / 2.0
    }
}

impl ConvexHull2 {
    /// x-extent of the hull on the horizontal line at `y`, if it meets it.
    pub fn row_span(&self, y: f64) -> Option<(f64, f64)> {
        let n = self.points.len();
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for i in 0..n {
            let (a, b) = (self.points[i], self.points[(i + 1) % n]);
            if (a.y <= y && y <= b.y) || (b.y <= y && y <= a.y) {
                if a.y == b.y {
                    lo = lo.min(a.x.min(b.x));
                    hi = hi.max(a.x.max(b.x));
                } else {
                    let x = a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x);
                    lo = lo.min(x);
                    hi = hi.max(x);
                }
            }
        }
        (lo <= hi).then_some((lo, hi))
    }
}

/// Number of image pixels whose centre lies inside the union of `hulls`
/// (the object's unoccluded footprint inside the image). Scanline: per row,
/// each hull covers one interval of pixel centres; the intervals are merged.
pub fn union_pixel_count(hulls: &[ConvexHull2], k: &Intrinsics) -> u64 {
    if hulls.is_empty() {
        return 0;
    }
    let (mut y_lo, mut y_hi) = (f64::MAX, f64::MIN);
    for h in hulls {
        let b = h.bounds();
        y_lo = y_lo.min(b[1]);
        y_hi = y_hi.max(b[3]);
    }
    let y0 = (y_lo - 0.5).ceil().max(0.0) as i64;
    let y1 = ((y_hi - 0.5).floor() as i64).min(k.height as i64 - 1);
    let max_x = k.width as i64 - 1;
    let mut spans: Vec<(i64, i64)> = Vec::with_capacity(hulls.len());
    let mut count = 0u64;
    for y in y0..=y1 {
        let yc = y as f64 + 0.5;
        spans.clear();
        for h in hulls {
            if let Some((lo, hi)) = h.row_span(yc) {
                // pixel x is covered when lo <= x + 0.5 <= hi
                let (a, b) = (
                    ((lo - 0.5).ceil() as i64).max(0),
                    ((hi - 0.5).floor() as i64).min(max_x),
                );
                if a <= b {
                    spans.push((a, b));
                }
            }
        }
        spans.sort_unstable();
        let mut current: Option<(i64, i64)> = None;
        for &(a, b) in &spans {
            current = match current {
                Some((ca, cb)) if a <= cb + 1 => Some((ca, cb.max(b))),
                Some((ca, cb)) => {
                    count += (cb - ca + 1) as u64;
                    Some((a, b))
                }
                None => Some((a, b)),
            };
        }
        if let Some((ca, cb)) = current {
            count += (cb - ca + 1) as u64;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_of_square_with_interior_points() {
        let pts = [
            DVec2::new(0.0, 0.0),
            DVec2::new(4.0, 0.0),
            DVec2::new(4.0, 4.0),
            DVec2::new(0.0, 4.0),
            DVec2::new(2.0, 2.0),
            DVec2::new(1.0, 3.0),
        ];
        let h = ConvexHull2::new(&pts).unwrap();
        assert_eq!(h.points.len(), 4);
        assert_eq!(h.area(), 16.0);
        assert!(h.contains(DVec2::new(1.0, 1.0)));
        assert!(!h.contains(DVec2::new(5.0, 1.0)));
        assert!(ConvexHull2::new(&pts[..2]).is_none());
    }

    #[test]
    fn pixel_count_of_axis_aligned_rectangle() {
        let k = Intrinsics::from_hfov(20, 10, 1.0);
        let h = ConvexHull2::new(&[
            DVec2::new(2.0, 1.0),
            DVec2::new(7.0, 1.0),
            DVec2::new(7.0, 4.0),
            DVec2::new(2.0, 4.0),
        ])
        .unwrap();
        // centres 2.5..6.5 (5) x 1.5..3.5 (3)
        assert_eq!(union_pixel_count(std::slice::from_ref(&h), &k), 15);
        // the union does not double count
        assert_eq!(union_pixel_count(&[h.clone(), h], &k), 15);
    }

    /// The scanline count equals a brute-force per-pixel test on random hulls.
    #[test]
    fn scanline_count_matches_per_pixel_test() {
        let k = Intrinsics::from_hfov(64, 48, 1.0);
        let mut rng = crate::core::rng::Stream::new(5, "hulls", 0);
        for _ in 0..50 {
            let hulls: Vec<ConvexHull2> = (0..3)
                .filter_map(|_| {
                    let c = DVec2::new(rng.range(-10.0, 74.0), rng.range(-10.0, 58.0));
                    let pts: Vec<DVec2> = (0..7)
                        .map(|_| c + DVec2::new(rng.range(-15.0, 15.0), rng.range(-12.0, 12.0)))
                        .collect();
                    ConvexHull2::new(&pts)
                })
                .collect();
            let mut brute = 0;
            for y in 0..48 {
                for x in 0..64 {
                    let c = DVec2::new(x as f64 + 0.5, y as f64 + 0.5);
                    if hulls.iter().any(|h| h.contains(c)) {
                        brute += 1;
                    }
                }
            }
            assert_eq!(union_pixel_count(&hulls, &k), brute);
        }
    }

    #[test]
    fn near_clip_keeps_front_and_adds_crossings() {
        let pts = [
            DVec3::new(0.0, 0.0, -1.0),
            DVec3::new(0.0, 0.0, 3.0),
            DVec3::new(1.0, 0.0, 1.0),
        ];
        let c = clip_convex_to_near(&pts, 0.1);
        assert_eq!(c.len(), 4);
        assert!(c.iter().all(|p| p.z >= 0.1 - 1e-12));
    }
}

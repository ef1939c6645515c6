//! Unoccluded silhouettes of convex parts: clip to the near plane, project,
//! take the 2D convex hull, count covered pixel centres. This is how the
//! visible fraction gets its denominator without rendering each object alone.

use super::camera::Intrinsics;
use glam::{DVec2, DVec3};

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
            let iter: Box<dyn Iterator<Item = &DVec2>> =
                if pass == 0 { Box::new(pts.iter()) } else { Box::new(pts.iter().rev()) };
            for &p in iter {
                while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
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
        (0..n).map(|i| self.points[i].perp_dot(self.points[(i + 1) % n])).sum::<f64>().abs() / 2.0
    }
}

/// Number of image pixels whose centre lies inside the union of `hulls`
/// (the object's unoccluded footprint inside the image).
pub fn union_pixel_count(hulls: &[ConvexHull2], k: &Intrinsics) -> u64 {
    if hulls.is_empty() {
        return 0;
    }
    let mut r = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for h in hulls {
        let b = h.bounds();
        r = [r[0].min(b[0]), r[1].min(b[1]), r[2].max(b[2]), r[3].max(b[3])];
    }
    let x0 = (r[0] - 0.5).ceil().max(0.0) as i64;
    let y0 = (r[1] - 0.5).ceil().max(0.0) as i64;
    let x1 = ((r[2] - 0.5).floor() as i64).min(k.width as i64 - 1);
    let y1 = ((r[3] - 0.5).floor() as i64).min(k.height as i64 - 1);
    let mut count = 0u64;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let c = DVec2::new(x as f64 + 0.5, y as f64 + 0.5);
            if hulls.iter().any(|h| h.contains(c)) {
                count += 1;
            }
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
        assert_eq!(union_pixel_count(&[h.clone()], &k), 15);
        // the union does not double count
        assert_eq!(union_pixel_count(&[h.clone(), h], &k), 15);
    }

    #[test]
    fn near_clip_keeps_front_and_adds_crossings() {
        let pts = [DVec3::new(0.0, 0.0, -1.0), DVec3::new(0.0, 0.0, 3.0), DVec3::new(1.0, 0.0, 1.0)];
        let c = clip_convex_to_near(&pts, 0.1);
        assert_eq!(c.len(), 4);
        assert!(c.iter().all(|p| p.z >= 0.1 - 1e-12));
    }
}

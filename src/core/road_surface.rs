//! The ground a road covers, for placing things beside it: a building's
//! straight front fitted to a curve, and whether a footprint stands on any
//! part of any road (a road that bends back runs past the props of its
//! other legs; a cross street runs past the main road's).

use super::road::{Rect, RoadPath};
use glam::DVec2;
use std::collections::HashMap;

/// How deep a building is, across the road, metres.
pub const BUILDING_DEPTH_M: f64 = 10.0;

/// A building's offset across the road and its length along it, metres,
/// or None where none fits (`outward` +1 on the road's left, -1 on its
/// right; `lat` its centre's asked offset). Its front is straight: on a
/// curve's inside its ends come nearer the road than its middle (a 14 m
/// front on a 22 m curve stood on the sidewalk and the lanes), so it is set
/// back until its ends keep the offset, and shortened (to half at most)
/// where that would take it more than 8 m back. Inside a curve too tight
/// for it (its back would reach within 2 m of the curve's centre) it is
/// left out: nothing there keeps clear of the road all round. Straights and
/// outsides: as asked.
pub fn fit_building(
    path: &RoadPath,
    s_m: f64,
    outward: f64,
    lat: f64,
    length_m: f64,
) -> Option<(f64, f64)> {
    let o = outward;
    let half_depth_m = BUILDING_DEPTH_M / 2.0;
    // the tightest curvature under the building, turning towards its side
    let reach_m = length_m / 2.0 + 5.0;
    let heading = |s: f64| path.pose_at(s).heading_rad;
    let inward_per_m = (0..(2.0 * reach_m).ceil() as usize)
        .map(|k| {
            let s = s_m - reach_m + k as f64;
            o * (heading(s + 1.0) - heading(s))
        })
        .fold(0.0, f64::max);
    if inward_per_m < 1e-9 {
        return Some((lat, length_m));
    }
    let back_m = o * lat + half_depth_m;
    if 1.0 / inward_per_m - back_m < 2.0 {
        return None;
    }
    let front = lat - o * half_depth_m;
    let (asked_m, mut lat, mut length_m) = (length_m, lat, length_m);
    let pose = path.pose_at(s_m);
    for _ in 0..32 {
        let centre = pose.position + pose.left() * lat;
        let (lo, hi) =
            path.lateral_span_m(centre, pose.forward(), length_m / 2.0, half_depth_m, s_m);
        // how far its nearest point comes past the front's line towards the road
        let nearest = if o > 0.0 { lo } else { hi };
        let past_m = o * (front - nearest);
        if past_m <= 0.01 {
            return Some((lat, length_m));
        }
        if o * (lat - front) - half_depth_m <= 8.0 {
            lat += o * past_m;
        } else if length_m > asked_m / 2.0 {
            length_m *= 0.8;
        } else {
            return None;
        }
    }
    None
}

/// Rectangles on the ground, filed by the grid cells their bounds cover, so
/// that a query looks only at its neighbours (a road's 20,000 props; a
/// 20 km road's slices).
#[derive(Default)]
pub struct RectIndex {
    rects: Vec<Rect>,
    cells: HashMap<(i64, i64), Vec<usize>>,
}

/// Side of the grid cells `RectIndex` files its rectangles by, metres.
const CELL_M: f64 = 16.0;

impl RectIndex {
    /// The grid cells the bounds of `rect`, grown by `margin_m`, cover.
    fn cells_of(rect: &Rect, margin_m: f64) -> impl Iterator<Item = (i64, i64)> + use<> {
        let reach = rect.half_length_m + rect.half_width_m + margin_m;
        let cell = |v: f64| (v / CELL_M).floor() as i64;
        let (x0, x1) = (cell(rect.centre.x - reach), cell(rect.centre.x + reach));
        let (y0, y1) = (cell(rect.centre.y - reach), cell(rect.centre.y + reach));
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    /// Files `rect`; its index is the number filed before it.
    pub fn add(&mut self, rect: Rect) {
        let k = self.rects.len();
        for c in Self::cells_of(&rect, 0.0) {
            self.cells.entry(c).or_default().push(k);
        }
        self.rects.push(rect);
    }

    /// The indices of the rectangles that may come within `margin_m` of
    /// `rect`, in the order they were filed.
    pub fn near_indices(&self, rect: &Rect, margin_m: f64) -> impl Iterator<Item = usize> + use<> {
        let mut ks: Vec<usize> = Self::cells_of(rect, margin_m)
            .filter_map(|c| self.cells.get(&c))
            .flatten()
            .copied()
            .collect();
        ks.sort_unstable();
        ks.dedup();
        ks.into_iter()
    }

    /// The rectangles that may come within `margin_m` of `rect`, in the
    /// order they were filed.
    pub fn near(&self, rect: &Rect, margin_m: f64) -> impl Iterator<Item = &Rect> {
        self.near_indices(rect, margin_m).map(|k| &self.rects[k])
    }
}

/// Where one road lies on the ground: thin slices of its cross-section,
/// each a rectangle between two stations at most 0.5 m and 1 degree of
/// heading apart, lengthened so that neighbours overlap on a curve's
/// outside (by at most 0.13 m on a 15 m half width).
#[derive(Default)]
pub struct RoadSurface {
    /// (road index, station at the slice's middle), by the slice's index.
    stations: Vec<(usize, f64)>,
    /// The slices.
    slices: RectIndex,
}

impl RoadSurface {
    /// Adds road `road`'s ground from station `from_s` to `to_s`, from
    /// `right_m` to `left_m` across it (offsets from the centre line, left
    /// positive: the kerb lines, or the sidewalks' backs).
    pub fn add(
        &mut self,
        road: usize,
        path: &RoadPath,
        from_s: f64,
        to_s: f64,
        right_m: f64,
        left_m: f64,
    ) {
        let max_step_m = 0.5;
        let reach_m = right_m.abs().max(left_m.abs());
        let mut s = from_s;
        while s < to_s {
            let mut next = (s + max_step_m).min(to_s);
            // at most one degree of heading a slice
            while next - s > 0.05
                && (path.pose_at(next).heading_rad - path.pose_at(s).heading_rad).abs()
                    > 1f64.to_radians()
            {
                next = s + (next - s) / 2.0;
            }
            let (a, b) = (path.pose_at(s), path.pose_at(next));
            let chord = b.position - a.position;
            let forward = chord.try_normalize().unwrap_or(a.forward());
            let turn = (b.heading_rad - a.heading_rad).abs();
            let rect = Rect {
                centre: (a.position + b.position) / 2.0
                    + forward.perp() * ((left_m + right_m) / 2.0),
                forward,
                half_length_m: chord.length() / 2.0 + reach_m * turn / 2.0,
                half_width_m: (left_m - right_m) / 2.0,
            };
            self.stations.push((road, (s + next) / 2.0));
            self.slices.add(rect);
            s = next;
        }
    }

    /// The road and station of a slice that `rect` overlaps by more than
    /// `depth_m` on every axis (a footprint that only touches the ground's
    /// edge, or reaches into it less than that, stands beside the road; a
    /// footprint at least twice that long overlaps one of two neighbouring
    /// slices by that much along the road too).
    pub fn overlap(&self, rect: &Rect, depth_m: f64) -> Option<(usize, f64)> {
        self.first_slice(rect, |slice| rect.closer_than(slice, -depth_m))
    }

    /// The road and station of a slice that holds `point` more than
    /// `inset_m` in from its sides (a point on the ground's edge stands
    /// beside the road).
    pub fn holding(&self, point: DVec2, inset_m: f64) -> Option<(usize, f64)> {
        let at = Rect {
            centre: point,
            forward: DVec2::X,
            half_length_m: 0.0,
            half_width_m: 0.0,
        };
        self.first_slice(&at, |slice| {
            let d = point - slice.centre;
            d.dot(slice.forward).abs() <= slice.half_length_m
                && d.dot(slice.forward.perp()).abs() < slice.half_width_m - inset_m
        })
    }

    /// The first slice along the roads (the lowest road, then station,
    /// whatever order they were added in) for which `hits` holds, among
    /// those whose bounds meet `near`'s.
    fn first_slice(&self, near: &Rect, hits: impl Fn(&Rect) -> bool) -> Option<(usize, f64)> {
        let mut hit: Option<(usize, f64)> = None;
        for i in self.slices.near_indices(near, 0.0) {
            let (road, s_m) = self.stations[i];
            if hit.is_none_or(|(r, s)| (road, s_m) < (r, s)) && hits(&self.slices.rects[i]) {
                hit = Some((road, s_m));
            }
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::road::Segment;

    fn square(centre: DVec2, half_m: f64) -> Rect {
        Rect {
            centre,
            forward: DVec2::X,
            half_length_m: half_m,
            half_width_m: half_m,
        }
    }

    /// A straight road's ground is the band it spans, every station of it;
    /// a footprint reaching into it by less than the depth stands beside it.
    #[test]
    fn a_straight_road_covers_its_band() {
        let path = RoadPath::new(&[Segment::Straight { length_m: 100.0 }]);
        let mut ground = RoadSurface::default();
        ground.add(0, &path, -40.0, 250.0, -8.0, 6.0);
        for x in [-39.0, 0.0, 37.3, 99.9, 249.0] {
            assert!(
                ground
                    .overlap(&square(DVec2::new(x, 0.0), 0.2), 0.1)
                    .is_some(),
                "{x}"
            );
            let on = ground.overlap(&square(DVec2::new(x, 5.9), 0.2), 0.1);
            assert!(
                on.is_some_and(|(road, s)| road == 0 && (s - x).abs() < 1.0),
                "{x} {on:?}"
            );
        }
        // beside the band, and reaching 5 cm into it
        assert!(
            ground
                .overlap(&square(DVec2::new(10.0, 6.5), 0.45), 0.1)
                .is_none()
        );
        assert!(
            ground
                .overlap(&square(DVec2::new(10.0, -8.5), 0.45), 0.1)
                .is_none()
        );
        assert!(
            ground
                .overlap(&square(DVec2::new(10.0, -8.5), 0.7), 0.1)
                .is_some()
        );
        // a point: inside, on the edge, outside
        assert!(ground.holding(DVec2::new(10.0, 5.5), 0.01).is_some());
        assert!(ground.holding(DVec2::new(10.0, 6.0), 0.01).is_none());
        assert!(ground.holding(DVec2::new(10.0, -8.2), 0.01).is_none());
        // before and past its ends
        assert!(
            ground
                .overlap(&square(DVec2::new(-41.0, 0.0), 0.5), 0.1)
                .is_none()
        );
        assert!(
            ground
                .overlap(&square(DVec2::new(251.0, 0.0), 0.5), 0.1)
                .is_none()
        );
    }

    /// On a curve the slices leave no gap on the outside: every point of the
    /// band, sampled densely, is covered; points just outside it are not.
    #[test]
    fn a_curved_road_covers_its_band_without_gaps() {
        let path = RoadPath::new(&[
            Segment::Straight { length_m: 20.0 },
            Segment::Arc {
                length_m: 40.0,
                curvature_per_m: 1.0 / 20.0,
            },
        ]);
        let mut ground = RoadSurface::default();
        ground.add(0, &path, 0.0, 60.0, -10.0, 10.0);
        for k in 0..600 {
            let s = 0.1 * k as f64;
            let pose = path.pose_at(s);
            for lateral in [-9.9, -5.0, 0.0, 5.0, 9.9] {
                let p = pose.position + pose.left() * lateral;
                assert!(
                    ground.overlap(&square(p, 0.001), 0.0).is_some(),
                    "{s} {lateral}"
                );
            }
            for lateral in [-10.2, 10.2] {
                let p = pose.position + pose.left() * lateral;
                if (1.0..59.0).contains(&s) {
                    assert!(
                        ground.overlap(&square(p, 0.001), 0.0).is_none(),
                        "{s} {lateral}"
                    );
                }
            }
        }
    }
}

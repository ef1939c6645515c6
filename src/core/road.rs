//! Road centre-line geometry: straight and arc segments chained with
//! continuous heading, queried by station `s` (metres along the road) and
//! lateral offset (metres, positive to the left of travel).

use glam::{DVec2, DVec3};

/// The main road is drawn this far before its start and past its end,
/// metres (so the ego's view never ends at the road's edge).
pub const APRON_BEFORE_M: f64 = 40.0;
pub const APRON_AFTER_M: f64 = 150.0;

/// Distance from the centre line to one side's kerb, metres: half the
/// median, that side's lanes and its parking strip (the sidewalk lies
/// beyond). The one formula the road's meshes and the scenario's shape
/// checks both use.
pub fn kerb_offset_m(median_m: f64, lanes: u32, lane_width_m: f64, parking_width_m: f64) -> f64 {
    median_m / 2.0 + lanes as f64 * lane_width_m + parking_width_m
}

/// Distance from the centre line to the centre of lane `lane` (counted
/// from the centre line) of one direction, metres: half the median and the
/// lanes inside it. Forward lanes lie right of the centre line (negative
/// lateral offsets), backward ones left.
pub fn lane_centre_offset_m(median_m: f64, lane: u32, lane_width_m: f64) -> f64 {
    median_m / 2.0 + (lane as f64 + 0.5) * lane_width_m
}

/// A body standing on the road, turned along it at its centre: station
/// and lateral offset (left positive) of the centre, length and width,
/// metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Footprint {
    pub s_m: f64,
    pub lateral_m: f64,
    pub length_m: f64,
    pub width_m: f64,
}

/// A rectangle on the ground (ENU): centre, unit forward axis, half
/// length along it and half width across, metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub centre: DVec2,
    pub forward: DVec2,
    pub half_length_m: f64,
    pub half_width_m: f64,
}

impl Rect {
    /// Whether `point` lies inside, more than `inset_m` in from every side.
    pub fn holds(&self, point: DVec2, inset_m: f64) -> bool {
        let d = point - self.centre;
        d.dot(self.forward).abs() < self.half_length_m - inset_m
            && d.dot(self.forward.perp()).abs() < self.half_width_m - inset_m
    }

    /// Whether the two come closer than `gap_m` (separating axes of the
    /// rectangles grown by half the gap all round).
    pub fn closer_than(&self, other: &Rect, gap_m: f64) -> bool {
        let axes = |r: &Rect| [r.forward, r.forward.perp()];
        let reach = |r: &Rect, on: DVec2| {
            let [f, l] = axes(r);
            (r.half_length_m + gap_m / 2.0) * f.dot(on).abs()
                + (r.half_width_m + gap_m / 2.0) * l.dot(on).abs()
        };
        axes(self).into_iter().chain(axes(other)).all(|axis| {
            (other.centre - self.centre).dot(axis).abs() < reach(self, axis) + reach(other, axis)
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Segment {
    Straight {
        length_m: f64,
    },
    /// `curvature_per_m` > 0 turns left (counter-clockwise seen from above).
    Arc {
        length_m: f64,
        curvature_per_m: f64,
    },
}

impl Segment {
    pub fn length_m(&self) -> f64 {
        match *self {
            Segment::Straight { length_m } | Segment::Arc { length_m, .. } => length_m,
        }
    }
    fn curvature(&self) -> f64 {
        match *self {
            Segment::Straight { .. } => 0.0,
            Segment::Arc {
                curvature_per_m, ..
            } => curvature_per_m,
        }
    }
}

/// A point on the centre line in the ENU plane (x east, y north) with heading.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoadPose {
    pub position: DVec2,
    pub heading_rad: f64,
}

impl RoadPose {
    pub fn forward(&self) -> DVec2 {
        DVec2::new(self.heading_rad.cos(), self.heading_rad.sin())
    }
    pub fn left(&self) -> DVec2 {
        DVec2::new(-self.heading_rad.sin(), self.heading_rad.cos())
    }
    /// Sim-world point (Y up) at `lateral_m` to the left and `height_m` up.
    pub fn sim_point(&self, lateral_m: f64, height_m: f64) -> DVec3 {
        let p = self.position + self.left() * lateral_m;
        DVec3::new(p.x, height_m, -p.y)
    }
}

fn advance(start: RoadPose, curvature: f64, t: f64) -> RoadPose {
    let th0 = start.heading_rad;
    if curvature.abs() < 1e-12 {
        return RoadPose {
            position: start.position + start.forward() * t,
            heading_rad: th0,
        };
    }
    let th = th0 + curvature * t;
    let d = DVec2::new(
        (th.sin() - th0.sin()) / curvature,
        -(th.cos() - th0.cos()) / curvature,
    );
    RoadPose {
        position: start.position + d,
        heading_rad: th,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct RoadPath {
    start: RoadPose,
    segments: Vec<Segment>,
    starts: Vec<(f64, RoadPose)>,
    length_m: f64,
}

impl RoadPath {
    /// The road starts at the origin heading east.
    pub fn new(segments: &[Segment]) -> RoadPath {
        RoadPath::new_from(
            RoadPose {
                position: DVec2::ZERO,
                heading_rad: 0.0,
            },
            segments,
        )
    }

    /// A road starting at `start`.
    pub fn new_from(start: RoadPose, segments: &[Segment]) -> RoadPath {
        let mut pose = start;
        let mut s = 0.0;
        let mut starts = Vec::new();
        for seg in segments {
            starts.push((s, pose));
            pose = advance(pose, seg.curvature(), seg.length_m());
            s += seg.length_m();
        }
        RoadPath {
            start,
            segments: segments.to_vec(),
            starts,
            length_m: s,
        }
    }

    pub fn length_m(&self) -> f64 {
        self.length_m
    }

    /// Pose at station `s`; beyond either end the road continues straight.
    pub fn pose_at(&self, s: f64) -> RoadPose {
        if self.segments.is_empty() {
            return advance(self.start, 0.0, s);
        }
        if s <= 0.0 {
            return advance(self.starts[0].1, 0.0, s);
        }
        let i = self
            .starts
            .partition_point(|(s0, _)| *s0 <= s)
            .saturating_sub(1);
        let (s0, start) = self.starts[i];
        let seg = self.segments[i];
        let t = s - s0;
        if t > seg.length_m() {
            let end = advance(start, seg.curvature(), seg.length_m());
            return advance(end, 0.0, t - seg.length_m());
        }
        advance(start, seg.curvature(), t)
    }

    /// The station, at or past `centre_s + ahead_m`, where the point at
    /// `lateral_m` lies `ahead_m` ahead of station `centre_s` along the
    /// road's direction there: the place just past the front of a straight
    /// body centred at `centre_s`. On straights and on a curve's outside
    /// that is `centre_s + ahead_m`; on its inside the stations at an offset
    /// crowd together, so it lies farther on.
    pub fn station_ahead_at_offset(&self, centre_s: f64, lateral_m: f64, ahead_m: f64) -> f64 {
        let base = self.pose_at(centre_s);
        let ahead = |s: f64| {
            let p = self.pose_at(s);
            (p.position + p.left() * lateral_m - base.position).dot(base.forward())
        };
        let mut s = centre_s + ahead_m;
        // each step falls short of the gap (the point moves at most 1 m
        // ahead a metre of station): the gap closes from below
        for _ in 0..32 {
            let short = ahead_m - ahead(s);
            if short <= 1e-9 {
                break;
            }
            s += short;
        }
        s
    }

    /// The lateral offsets (left positive) a rectangle on the ground spans
    /// across the road: over its corners and the middles of its long sides
    /// (a straight side is deepest into a curve's outside at its middle, and
    /// into its inside at its ends), each projected from near `near_s`.
    pub fn lateral_span_m(
        &self,
        centre: DVec2,
        forward: DVec2,
        half_length_m: f64,
        half_width_m: f64,
        near_s: f64,
    ) -> (f64, f64) {
        let left = forward.perp();
        let mut span = (f64::INFINITY, f64::NEG_INFINITY);
        for along in [-1.0, 0.0, 1.0] {
            for across in [-1.0, 1.0] {
                let p = centre + forward * (along * half_length_m) + left * (across * half_width_m);
                let (_, lateral) = self.project(p, near_s + along * half_length_m);
                span = (span.0.min(lateral), span.1.max(lateral));
            }
        }
        span
    }

    /// A straight cross street through station `s_m`, heading to this
    /// road's left, from `from_m` to `to_m` along that heading (signed,
    /// from the crossing point); the crossing lies at its station `-from_m`.
    pub fn cross_street(&self, s_m: f64, from_m: f64, to_m: f64) -> RoadPath {
        let centre = self.pose_at(s_m);
        let heading_rad = centre.heading_rad + std::f64::consts::FRAC_PI_2;
        let start = RoadPose {
            position: centre.position + centre.left() * from_m,
            heading_rad,
        };
        RoadPath::new_from(
            start,
            &[Segment::Straight {
                length_m: to_m - from_m,
            }],
        )
    }

    /// Where a body standing on the road lies on the ground, turned along
    /// the road at its centre.
    pub fn rect_of(&self, f: &Footprint) -> Rect {
        let pose = self.pose_at(f.s_m);
        Rect {
            centre: pose.position + pose.left() * f.lateral_m,
            forward: pose.forward(),
            half_length_m: f.length_m / 2.0,
            half_width_m: f.width_m / 2.0,
        }
    }

    /// Whether two bodies standing on the road, turned along it at their
    /// centres, come closer than `gap_m` to each other.
    pub fn footprints_closer_than(&self, a: &Footprint, b: &Footprint, gap_m: f64) -> bool {
        self.rect_of(a).closer_than(&self.rect_of(b), gap_m)
    }

    /// Station and lateral offset (left positive) of an ENU ground point,
    /// searched from station `near_s` (Newton steps along the tangent; good
    /// within a few metres of the guess, as for a vehicle tracked tick by tick).
    pub fn project(&self, point: DVec2, near_s: f64) -> (f64, f64) {
        let mut s = near_s;
        for _ in 0..8 {
            let pose = self.pose_at(s);
            let step = (point - pose.position).dot(pose.forward());
            s += step;
            if step.abs() < 1e-9 {
                break;
            }
        }
        let pose = self.pose_at(s);
        (s, (point - pose.position).dot(pose.left()))
    }

    /// Stations for meshing: at most `step_m` apart, and at most 2 degrees of
    /// heading change apart on arcs.
    pub fn stations(&self, step_m: f64) -> Vec<f64> {
        let mut out = vec![0.0];
        for (i, seg) in self.segments.iter().enumerate() {
            let s0 = self.starts[i].0;
            let k = seg.curvature().abs();
            let step = if k > 0.0 {
                step_m.min(2f64.to_radians() / k)
            } else {
                seg.length_m()
            };
            let n = (seg.length_m() / step).ceil().max(1.0) as usize;
            for j in 1..=n {
                out.push(s0 + seg.length_m() * j as f64 / n as f64);
            }
        }
        out
    }

    /// The first pair of stations (a < b, within `from_s..=to_s`) where the
    /// road comes back over itself: centre-line points less than
    /// `clearance_m` apart that are further apart along the road than any
    /// two points of a curve bent no tighter than `clearance_m / 2` can be
    /// at that distance (a chord shorter than c spans at most pi c / 2 of
    /// such a curve). With `clearance_m` twice the narrower half of the
    /// cross-section, every pair found is two surfaces overlapping.
    /// Sampled every `clearance_m / 8` (at most 1 m), binned on a grid of
    /// that clearance: linear in the road's length.
    pub fn self_overlap(&self, from_s: f64, to_s: f64, clearance_m: f64) -> Option<(f64, f64)> {
        let d = clearance_m.max(1.0);
        let step = (d / 8.0).min(1.0);
        let window = std::f64::consts::FRAC_PI_2 * d + 2.0 * step;
        let n = ((to_s - from_s) / step).ceil().max(1.0) as usize;
        let points: Vec<(f64, DVec2)> = (0..=n)
            .map(|i| {
                let s = from_s + (to_s - from_s) * i as f64 / n as f64;
                (s, self.pose_at(s).position)
            })
            .collect();
        let cell = |p: DVec2| ((p.x / d).floor() as i64, (p.y / d).floor() as i64);
        let mut grid: std::collections::HashMap<(i64, i64), Vec<usize>> = Default::default();
        for (i, &(s, p)) in points.iter().enumerate() {
            let (cx, cy) = cell(p);
            for (dx, dy) in (-1..=1).flat_map(|dx| (-1..=1).map(move |dy| (dx, dy))) {
                let Some(earlier) = grid.get(&(cx + dx, cy + dy)) else {
                    continue;
                };
                if let Some(&j) = earlier
                    .iter()
                    .find(|&&j| s - points[j].0 > window && p.distance(points[j].1) < d)
                {
                    return Some((points[j].0, s));
                }
            }
            grid.entry((cx, cy)).or_default().push(i);
        }
        None
    }

    /// Sim-world axis-aligned bounds (x_min, z_min, x_max, z_max) of the centre line.
    pub fn bounds(&self) -> [f64; 4] {
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for s in self.stations(5.0) {
            let p = self.pose_at(s).sim_point(0.0, 0.0);
            b = [b[0].min(p.x), b[1].min(p.z), b[2].max(p.x), b[3].max(p.z)];
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc(length_m: f64, radius_m: f64) -> Segment {
        Segment::Arc {
            length_m,
            curvature_per_m: 1.0 / radius_m,
        }
    }

    #[test]
    fn the_kerb_lies_past_half_the_median_the_lanes_and_the_parking() {
        assert_eq!(kerb_offset_m(0.0, 2, 3.5, 0.0), 7.0);
        assert_eq!(kerb_offset_m(2.0, 3, 3.0, 2.5), 12.5);
        assert_eq!(kerb_offset_m(1.0, 0, 3.0, 0.0), 0.5);
    }

    #[test]
    fn the_place_past_a_body_s_front_is_as_far_ahead_at_every_offset() {
        let straight = RoadPath::new(&[Segment::Straight { length_m: 100.0 }]);
        assert_eq!(straight.station_ahead_at_offset(40.0, -3.5, 3.0), 43.0);
        // a right-hand curve of radius 30 m: its inside is the right
        let bend = RoadPath::new(&[arc(80.0, -30.0)]);
        let ahead_of = |s: f64, lateral_m: f64| {
            let (base, p) = (bend.pose_at(40.0), bend.pose_at(s));
            (p.position + p.left() * lateral_m - base.position).dot(base.forward())
        };
        // on the inside, stations crowd together: 3 m of station is only
        // (30 - 3.75) / 30 of that at the kerb, so the station moves on
        let inside = bend.station_ahead_at_offset(40.0, -3.75, 3.0);
        assert!(inside > 43.3, "{inside}");
        assert!((ahead_of(inside, -3.75) - 3.0).abs() < 1e-6);
        assert!(ahead_of(43.0, -3.75) < 2.7);
        // on the outside it is already clear
        assert_eq!(bend.station_ahead_at_offset(40.0, 3.75, 3.0), 43.0);
        assert!(ahead_of(43.0, 3.75) > 3.0);
    }

    #[test]
    fn bodies_on_a_curve_s_inside_are_closer_than_their_stations_say() {
        let at = |s_m: f64, lateral_m: f64| Footprint {
            s_m,
            lateral_m,
            length_m: 12.0,
            width_m: 2.5,
        };
        let straight = RoadPath::new(&[Segment::Straight { length_m: 200.0 }]);
        // two 12 m buses 12.6 m apart: 0.6 m between bumpers
        assert!(!straight.footprints_closer_than(&at(60.0, -5.0), &at(72.6, -5.0), 0.5));
        assert!(straight.footprints_closer_than(&at(60.0, -5.0), &at(72.4, -5.0), 0.5));
        // beside each other in neighbouring lanes: 0.6 m between sides
        assert!(!straight.footprints_closer_than(&at(60.0, -5.0), &at(63.0, -1.9), 0.5));
        // on the inside of a 20 m right-hand curve the same stations overlap,
        // on its outside they do not
        let bend = RoadPath::new(&[Segment::Straight { length_m: 50.0 }, arc(60.0, -20.0)]);
        assert!(bend.footprints_closer_than(&at(60.0, -5.0), &at(72.6, -5.0), 0.5));
        assert!(!bend.footprints_closer_than(&at(60.0, 5.0), &at(72.6, 5.0), 0.5));
    }

    #[test]
    fn a_straight_body_spans_more_of_a_curve_than_its_width() {
        let straight = RoadPath::new(&[Segment::Straight { length_m: 100.0 }]);
        let at = |path: &RoadPath, s: f64, lateral_m: f64| {
            let pose = path.pose_at(s);
            let centre = pose.position + pose.left() * lateral_m;
            path.lateral_span_m(centre, pose.forward(), 6.0, 1.25, s)
        };
        let (lo, hi) = at(&straight, 50.0, -4.0);
        assert!((lo + 5.25).abs() < 1e-9 && (hi + 2.75).abs() < 1e-9);
        // a 12 m bus on a 22 m right-hand curve: on its inside (right) its
        // ends stand out towards the lanes by ~0.8 m; on its outside its
        // ends cut towards the kerb
        let bend = RoadPath::new(&[arc(80.0, -22.0)]);
        let (lo, hi) = at(&bend, 40.0, -4.0);
        assert!((lo + 5.25).abs() < 1e-6 && hi > -2.75 + 0.7, "{lo} {hi}");
        let (lo, hi) = at(&bend, 40.0, 4.0);
        assert!((lo - 2.75).abs() < 1e-6 && hi > 5.25 + 0.6, "{lo} {hi}");
    }

    #[test]
    fn a_road_that_loops_back_over_itself_is_found() {
        let clearance = 12.0;
        // a U-turn on a radius past the clearance: the legs 2R = 14 m apart
        let u_turn = RoadPath::new(&[
            Segment::Straight { length_m: 50.0 },
            arc(std::f64::consts::PI * 7.0, 7.0),
            Segment::Straight { length_m: 50.0 },
        ]);
        assert_eq!(
            u_turn.self_overlap(-40.0, u_turn.length_m() + 150.0, clearance),
            None
        );
        // on 5 m the legs are 10 m apart: their surfaces overlap
        let tight = RoadPath::new(&[
            Segment::Straight { length_m: 50.0 },
            arc(std::f64::consts::PI * 5.0, 5.0),
            Segment::Straight { length_m: 50.0 },
        ]);
        let (a, b) = tight
            .self_overlap(0.0, tight.length_m(), clearance)
            .unwrap();
        assert!(b - a > std::f64::consts::FRAC_PI_2 * clearance, "{a} {b}");
        // gentle curves and S-bends never overlap
        let s_bend = RoadPath::new(&[arc(60.0, 40.0), arc(60.0, -40.0), arc(200.0, 300.0)]);
        assert_eq!(
            s_bend.self_overlap(-40.0, s_bend.length_m() + 150.0, clearance),
            None
        );
        // a near-full circle comes back over its straight start
        let loop_ = RoadPath::new(&[
            Segment::Straight { length_m: 20.0 },
            arc(0.98 * std::f64::consts::TAU * 16.0, 16.0),
            Segment::Straight { length_m: 30.0 },
        ]);
        let (a, b) = loop_
            .self_overlap(-40.0, loop_.length_m() + 150.0, clearance)
            .unwrap();
        assert!(
            a < 20.0 && b > 20.0 + 0.5 * std::f64::consts::TAU * 16.0,
            "{a} {b}"
        );
        // two straights crossing at right angles (a figure of eight's middle)
        let cross = RoadPath::new(&[
            Segment::Straight { length_m: 100.0 },
            arc(1.5 * std::f64::consts::PI * 30.0, 30.0),
            Segment::Straight { length_m: 100.0 },
        ]);
        assert!(
            cross
                .self_overlap(0.0, cross.length_m(), clearance)
                .is_some()
        );
    }

    #[test]
    fn projection_inverts_station_and_offset() {
        let path = RoadPath::new(&[
            Segment::Straight { length_m: 30.0 },
            Segment::Arc {
                length_m: 60.0,
                curvature_per_m: 1.0 / 40.0,
            },
            Segment::Arc {
                length_m: 40.0,
                curvature_per_m: -1.0 / 25.0,
            },
        ]);
        for (s, lat) in [(5.0, -1.75), (45.0, 3.0), (88.0, -5.0), (120.0, 0.5)] {
            let pose = path.pose_at(s);
            let p = pose.position + pose.left() * lat;
            let (ps, pl) = path.project(p, s - 3.0);
            assert!(
                (ps - s).abs() < 1e-6 && (pl - lat).abs() < 1e-6,
                "{s} {lat}: {ps} {pl}"
            );
        }
    }

    #[test]
    fn straight_then_quarter_circle() {
        let r = 20.0;
        let quarter = std::f64::consts::FRAC_PI_2 * r;
        let road = RoadPath::new(&[
            Segment::Straight { length_m: 50.0 },
            Segment::Arc {
                length_m: quarter,
                curvature_per_m: 1.0 / r,
            },
        ]);
        assert!((road.length_m() - (50.0 + quarter)).abs() < 1e-9);
        let p = road.pose_at(25.0);
        assert!((p.position - DVec2::new(25.0, 0.0)).length() < 1e-9);
        let end = road.pose_at(50.0 + quarter);
        // left turn: ends north of the arc start, heading north
        assert!(
            (end.position - DVec2::new(70.0, 20.0)).length() < 1e-9,
            "{:?}",
            end.position
        );
        assert!((end.heading_rad - std::f64::consts::FRAC_PI_2).abs() < 1e-9);
        // beyond the end: straight on
        let past = road.pose_at(50.0 + quarter + 10.0);
        assert!((past.position - DVec2::new(70.0, 30.0)).length() < 1e-9);
        // lateral offset is to the left; sim z is -north
        let q = road.pose_at(10.0).sim_point(2.0, 0.5);
        assert!((q - DVec3::new(10.0, 0.5, -2.0)).length() < 1e-9);
    }

    #[test]
    fn stations_are_dense_on_arcs_and_cover_the_road() {
        let road = RoadPath::new(&[
            Segment::Straight { length_m: 30.0 },
            Segment::Arc {
                length_m: 30.0,
                curvature_per_m: -1.0 / 15.0,
            },
        ]);
        let st = road.stations(1.0);
        assert_eq!(st[0], 0.0);
        assert!((st.last().unwrap() - 60.0).abs() < 1e-9);
        assert!(st.windows(2).all(|w| w[1] > w[0]));
        assert!(
            st.windows(2)
                .filter(|w| w[0] >= 30.0)
                .all(|w| w[1] - w[0] <= 1.0 + 1e-9)
        );
        // a right turn heads clockwise
        assert!(road.pose_at(60.0).heading_rad < -1.0);
    }
}

//! Where a prop stands: one footprint for the world that places it and
//! for `--check`, and the ground of every road, which props keep off. A
//! road that bends back runs past the props of its other legs (a hairpin's
//! buildings had stood on its other leg, and the ego had driven into one).

use super::{PropKind, Road, Side};
use crate::core::road::{APRON_AFTER_M, APRON_BEFORE_M, Rect, RoadPath};
use crate::core::road_surface::{BUILDING_DEPTH_M, RectIndex, RoadSurface, fit_building};

/// Half the side of the square a tree's trunk stands on, metres (a
/// broadleaf's trunk is 0.28 m across at most).
const TRUNK_HALF_M: f64 = 0.15;

/// Half the side of a pole's or sign post's square footprint, metres (a
/// pole is 0.2 m across). Its centre is what keeps off the carriageways:
/// one at `offset_m` 0 stands on the kerb line, beside the carriageway.
const POST_HALF_M: f64 = 0.1;

/// How far a footprint may reach into a road's ground before it stands on
/// it, metres (a building fitted to a curve keeps its offset within 1 cm).
const OVERLAP_DEPTH_M: f64 = 0.1;

/// How far past a kerb line a post's centre stands on the carriageway,
/// metres.
const POST_INSET_M: f64 = 0.01;

impl PropKind {
    /// The lateral offset of a prop's origin (left positive) on `side` of
    /// `road`: poles and signs stand `offset_m` from the kerb line; trees
    /// and buildings start `offset_m` beyond the sidewalk (a tree's trunk
    /// 1.5 m further, a building's centre half its depth).
    pub fn lateral_m(self, road: &Road, side: Side, offset_m: f64) -> f64 {
        let sidewalk_m = road.sidewalk.as_ref().map_or(0.0, |w| w.width_m);
        let out = side.outward();
        let kerb = road.kerb_m(side);
        match self {
            PropKind::Pole | PropKind::Sign => kerb + out * offset_m,
            PropKind::Tree => kerb + out * (sidewalk_m + offset_m + 1.5),
            PropKind::Building => kerb + out * (sidewalk_m + offset_m + BUILDING_DEPTH_M / 2.0),
        }
    }
}

/// Where a prop of `kind` stands at station `s_m` on `side`: its offset
/// across the road, its length along it (a building's front, fitted to a
/// curve's inside) and its footprint on the ground (a building's whole
/// plan; a tree's trunk, a pole's or sign's post), or None where the world
/// leaves it out (a building inside a curve too tight for it).
pub fn prop_footprint(
    road: &Road,
    path: &RoadPath,
    kind: PropKind,
    side: Side,
    s_m: f64,
    offset_m: f64,
    front_m: f64,
) -> Option<(f64, f64, Rect)> {
    let mut lat = kind.lateral_m(road, side, offset_m);
    let (length_m, depth_m) = match kind {
        PropKind::Building => {
            let length_m;
            (lat, length_m) = fit_building(path, s_m, side.outward(), lat, front_m)?;
            (length_m, BUILDING_DEPTH_M)
        }
        PropKind::Tree => (2.0 * TRUNK_HALF_M, 2.0 * TRUNK_HALF_M),
        PropKind::Pole | PropKind::Sign => (2.0 * POST_HALF_M, 2.0 * POST_HALF_M),
    };
    let pose = path.pose_at(s_m);
    let rect = Rect {
        centre: pose.position + pose.left() * lat,
        forward: pose.forward(),
        half_length_m: length_m / 2.0,
        half_width_m: depth_m / 2.0,
    };
    Some((lat, length_m, rect))
}

/// The ground of the main road (as drawn: before its start and past its
/// end too) and of every cross street: out to the sidewalks' backs, and
/// the carriageways alone (kerb to kerb).
pub struct RoadGround {
    full: RoadSurface,
    carriageways: RoadSurface,
}

impl RoadGround {
    pub fn new(road: &Road) -> RoadGround {
        let path = road.path();
        let (from, to) = (-APRON_BEFORE_M, path.length_m() + APRON_AFTER_M);
        let mut full = RoadSurface::default();
        let mut carriageways = RoadSurface::default();
        let (right, left) = (
            road.half_width_m(Side::Right),
            road.half_width_m(Side::Left),
        );
        full.add(0, &path, from, to, -right, left);
        carriageways.add(
            0,
            &path,
            from,
            to,
            road.kerb_m(Side::Right),
            road.kerb_m(Side::Left),
        );
        let sidewalk_m = road.sidewalk.as_ref().map_or(0.0, |w| w.width_m);
        for (k, j) in road.junctions.iter().enumerate() {
            let (arm_from, arm_to) = j.arms_m();
            let street = path.cross_street(j.s_m, arm_from, arm_to);
            let kerb = j.lanes as f64 * road.lane_width_m;
            let length = arm_to - arm_from;
            full.add(
                k + 1,
                &street,
                0.0,
                length,
                -kerb - sidewalk_m,
                kerb + sidewalk_m,
            );
            carriageways.add(k + 1, &street, 0.0, length, -kerb, kerb);
        }
        RoadGround { full, carriageways }
    }

    /// The road (0 the main road, k + 1 junction k's cross street) and its
    /// station where a prop of `kind` on `footprint` would stand on it:
    /// buildings and trees keep off every road out to its sidewalks, poles
    /// and signs (which stand on the sidewalks) keep their posts' centres off
    /// every carriageway.
    pub fn under(&self, kind: PropKind, footprint: &Rect) -> Option<(usize, f64)> {
        match kind {
            PropKind::Building | PropKind::Tree => self.full.overlap(footprint, OVERLAP_DEPTH_M),
            PropKind::Pole | PropKind::Sign => {
                self.carriageways.holding(footprint.centre, POST_INSET_M)
            }
        }
    }
}

/// How far apart neighbouring buildings stand, metres: a joint, so two
/// fronts on one line never share a plane (they flickered where a jittered
/// scatter had laid one building's end over the next's).
pub const BUILDING_GAP_M: f64 = 0.2;

/// How far a scattered building keeps from a placed tree's trunk or post,
/// and a trunk or post from another, metres.
const TRUNK_CLEARANCE_M: f64 = 0.3;

/// A scattered building is left out rather than cut shorter than this
/// share of its drawn front.
const SHORTEST_CUT_SHARE: f64 = 0.4;

/// The plans of the props already standing: a scattered building is cut
/// back to stand `BUILDING_GAP_M` clear of them (beside a jittered
/// neighbour, or where neighbours set back inside a curve close in on each
/// other: they had stood inside each other), and a scattered tree, pole or
/// sign whose trunk or post would stand inside a building or against
/// another trunk or post is left out.
#[derive(Default)]
pub struct TakenGround {
    buildings: RectIndex,
    trunks: RectIndex,
}

impl TakenGround {
    /// Marks a prop's footprint as taken.
    pub fn take(&mut self, kind: PropKind, footprint: Rect) {
        match kind {
            PropKind::Building => self.buildings.add(footprint),
            _ => self.trunks.add(footprint),
        }
    }

    /// Whether a trunk or post on `footprint` would stand in a building
    /// (its centre more than its half width inside the plan: one on the
    /// building's front line stands against the wall, as the shipped
    /// streets' trees do) or against another trunk or post.
    pub fn blocks_trunk(&self, footprint: &Rect) -> bool {
        self.buildings
            .near(footprint, 0.0)
            .any(|r| r.holds(footprint.centre, footprint.half_width_m))
            || self
                .trunks
                .near(footprint, TRUNK_CLEARANCE_M)
                .any(|r| r.closer_than(footprint, TRUNK_CLEARANCE_M))
    }

    /// A scattered building `front_m` long centred at station `s_m`, cut
    /// at the end that meets a prop already standing until it stands clear
    /// of them all: its station, offset, length and plan (as
    /// `prop_footprint`), or None where less than `SHORTEST_CUT_SHARE` of
    /// it would be left (or none fits there at all).
    pub fn fit_building(
        &self,
        road: &Road,
        path: &RoadPath,
        side: Side,
        s_m: f64,
        offset_m: f64,
        front_m: f64,
    ) -> Option<(f64, f64, f64, Rect)> {
        let plan = |lo: f64, hi: f64| {
            prop_footprint(
                road,
                path,
                PropKind::Building,
                side,
                (lo + hi) / 2.0,
                offset_m,
                hi - lo,
            )
        };
        // the first prop standing too near `rect`, and the gap it asks
        let meets = |rect: &Rect| {
            let first = |plans: &'_ RectIndex, gap_m: f64| {
                let mut near = plans.near(rect, gap_m);
                near.find(|r| r.closer_than(rect, gap_m))
                    .map(|r| (*r, gap_m))
            };
            first(&self.buildings, BUILDING_GAP_M)
                .or_else(|| first(&self.trunks, TRUNK_CLEARANCE_M))
        };
        let shortest_m = front_m * SHORTEST_CUT_SHARE;
        let (mut lo, mut hi) = (s_m - front_m / 2.0, s_m + front_m / 2.0);
        // each cut clears one neighbour; a building squeezed between two
        // needs two, and a third meeting means it does not fit
        for _ in 0..3 {
            let (lat, length_m, rect) = plan(lo, hi)?;
            let Some((other, gap_m)) = meets(&rect) else {
                return Some(((lo + hi) / 2.0, lat, length_m, rect));
            };
            // cut the end nearer the other: the longest stretch from the
            // far end that stands clear of it (the plan's clearance only
            // shrinks as it shortens), to 1 cm
            let ahead = path.project(other.centre, (lo + hi) / 2.0).0 > (lo + hi) / 2.0;
            let clear_to = |end: f64| {
                let (a, b) = if ahead { (lo, end) } else { (end, hi) };
                plan(a, b).is_some_and(|(_, _, r)| !r.closer_than(&other, gap_m))
            };
            let (mut keep, mut cut) = if ahead {
                (lo + shortest_m, hi)
            } else {
                (hi - shortest_m, lo)
            };
            if !clear_to(keep) {
                return None;
            }
            while (cut - keep).abs() > 0.01 {
                let mid = (keep + cut) / 2.0;
                if clear_to(mid) {
                    keep = mid;
                } else {
                    cut = mid;
                }
            }
            if ahead {
                hi = keep;
            } else {
                lo = keep;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn road(src: &str) -> Road {
        crate::scenario::parse(src, std::path::Path::new("s.ron"))
            .unwrap_or_else(|e| panic!("{e}"))
            .road
    }

    /// Beside a straight road every kind stands off it; a building beside
    /// a hairpin's first leg stands on its other leg, 30 m away.
    #[test]
    fn props_stand_off_every_road_but_a_hairpin_s_other_leg() {
        let straight = road("(road: (segments: [Straight(length_m: 200)]))");
        let ground = RoadGround::new(&straight);
        let path = straight.path();
        for kind in [
            PropKind::Building,
            PropKind::Tree,
            PropKind::Pole,
            PropKind::Sign,
        ] {
            for side in [Side::Left, Side::Right] {
                let (_, _, rect) =
                    prop_footprint(&straight, &path, kind, side, 50.0, 0.0, 14.0).unwrap();
                assert_eq!(ground.under(kind, &rect), None, "{kind:?} {side:?}");
            }
        }
        // a pole in the road (a negative offset reaches over the kerb line)
        let (_, _, rect) = prop_footprint(
            &straight,
            &path,
            PropKind::Pole,
            Side::Right,
            50.0,
            -1.0,
            0.0,
        )
        .unwrap();
        assert!(ground.under(PropKind::Pole, &rect).is_some());
        // a hairpin: the legs' centre lines 30 m apart, 8.2 m of road and
        // sidewalk each side of them: a 10 m deep building 5 m off the
        // first leg's sidewalk (13.2..23.2 m out) stands on the other leg
        let hairpin = road(
            "(road: (segments: [Straight(length_m: 100), Arc(length_m: 47.124, radius_m: 15, turn: Left), Straight(length_m: 100)]))",
        );
        let ground = RoadGround::new(&hairpin);
        let path = hairpin.path();
        let (_, _, rect) = prop_footprint(
            &hairpin,
            &path,
            PropKind::Building,
            Side::Left,
            50.0,
            5.0,
            14.0,
        )
        .unwrap();
        let (road_index, s_m) = ground
            .under(PropKind::Building, &rect)
            .expect("on the other leg");
        assert_eq!(road_index, 0);
        assert!((180.0..215.0).contains(&s_m), "{s_m}");
        // on the hairpin's outside (right), off the road
        let (_, _, rect) = prop_footprint(
            &hairpin,
            &path,
            PropKind::Building,
            Side::Right,
            50.0,
            5.0,
            14.0,
        )
        .unwrap();
        assert_eq!(ground.under(PropKind::Building, &rect), None);
    }

    /// A cross street's arm is ground too: a tree placed far out on the
    /// side of a four-way's arm stands on it.
    #[test]
    fn a_cross_street_is_ground_too() {
        let r = road(
            "(road: (segments: [Straight(length_m: 200)], junctions: [(s_m: 100, arm_length_m: 60)]))",
        );
        let ground = RoadGround::new(&r);
        let path = r.path();
        let (_, _, rect) =
            prop_footprint(&r, &path, PropKind::Tree, Side::Left, 100.0, 30.0, 0.0).unwrap();
        assert_eq!(ground.under(PropKind::Tree, &rect).map(|(k, _)| k), Some(1));
        let (_, _, rect) =
            prop_footprint(&r, &path, PropKind::Tree, Side::Left, 80.0, 30.0, 0.0).unwrap();
        assert_eq!(ground.under(PropKind::Tree, &rect), None);
    }

    /// A 14 m front on the inside of a 22 m curve is set back until its
    /// ends keep its offset; on a straight and on the curve's outside it
    /// stands where it is asked to.
    #[test]
    fn a_building_on_a_curve_s_inside_keeps_off_the_sidewalk() {
        let s = crate::scenario::parse(
            "(road: (segments: [Straight(length_m: 30), Arc(length_m: 60, radius_m: 22, turn: Right), Straight(length_m: 40)]))",
            std::path::Path::new("s.ron"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let path = s.road.path();
        let half_depth_m = BUILDING_DEPTH_M / 2.0;
        for (s_m, side) in [(10.0, Side::Right), (60.0, Side::Left), (60.0, Side::Right)] {
            let asked = PropKind::Building.lateral_m(&s.road, side, 1.0);
            let Some((lat, length_m)) = fit_building(&path, s_m, side.outward(), asked, 14.0)
            else {
                panic!("{s_m} {side:?}: left out");
            };
            let pose = path.pose_at(s_m);
            let centre = pose.position + pose.left() * lat;
            let (lo, hi) =
                path.lateral_span_m(centre, pose.forward(), length_m / 2.0, half_depth_m, s_m);
            let o = side.outward();
            let front = asked - o * half_depth_m;
            let nearest = if o > 0.0 { lo } else { hi };
            assert!(
                o * (nearest - front) > -0.011,
                "{s_m} {side:?}: {nearest} past {front}"
            );
            if s_m == 60.0 && side == Side::Right {
                // the inside: set back (its ends stood ~2 m out before)
                assert!(o * (lat - asked) > 1.0 && length_m == 14.0, "{lat} {asked}");
            } else {
                assert_eq!((lat, length_m), (asked, 14.0));
            }
        }
        // inside a 15 m curve its back would reach past the curve's centre:
        // left out (before, set back onto the road's far leg); outside, kept
        let s = crate::scenario::parse(
            "(road: (segments: [Straight(length_m: 30), Arc(length_m: 47, radius_m: 15, turn: Right), Straight(length_m: 40)]))",
            std::path::Path::new("s.ron"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let path = s.road.path();
        let inside = PropKind::Building.lateral_m(&s.road, Side::Right, 1.0);
        assert_eq!(fit_building(&path, 50.0, -1.0, inside, 14.0), None);
        let outside = PropKind::Building.lateral_m(&s.road, Side::Left, 1.0);
        assert_eq!(
            fit_building(&path, 50.0, 1.0, outside, 14.0),
            Some((outside, 14.0))
        );
    }

    /// On a straight a scattered building that meets a neighbour is cut
    /// at that end to stand `BUILDING_GAP_M` from it, its other end where
    /// it was; one squeezed to less than 40% of its front is left out; a
    /// trunk at a building's front is blocked, one clear of it is not.
    #[test]
    fn a_scattered_building_is_cut_back_clear_of_its_neighbours() {
        let r = road("(road: (segments: [Straight(length_m: 200)]))");
        let path = r.path();
        let mut taken = TakenGround::default();
        let plan = |s_m: f64, front_m: f64| {
            prop_footprint(
                &r,
                &path,
                PropKind::Building,
                Side::Right,
                s_m,
                1.0,
                front_m,
            )
            .unwrap()
            .2
        };
        taken.take(PropKind::Building, plan(60.0, 14.0));
        // 43..57 m meets 53..67 m: cut to 43..52.8 m
        let (s_m, _, length_m, rect) = taken
            .fit_building(&r, &path, Side::Right, 50.0, 1.0, 14.0)
            .unwrap();
        assert!(
            (s_m - 47.9).abs() < 0.01 && (length_m - 9.8).abs() < 0.02,
            "{s_m} {length_m}"
        );
        assert!(!rect.closer_than(&plan(60.0, 14.0), BUILDING_GAP_M - 0.011));
        // one ahead too (71..85 m): a building at 68 m (61..75 m) keeps
        // 67.2..70.8 m, 3.6 of 14 m: left out
        taken.take(PropKind::Building, plan(78.0, 14.0));
        assert!(
            taken
                .fit_building(&r, &path, Side::Right, 68.0, 1.0, 14.0)
                .is_none()
        );
        // a building ahead on the other side stands clear of both
        assert!(
            taken
                .fit_building(&r, &path, Side::Left, 60.0, 1.0, 14.0)
                .is_some()
        );
        // a trunk 2 m beyond the sidewalk stands 1 m inside a building
        // whose front is 1 m beyond it, and against the wall of one whose
        // front is 2 m beyond it (kept: a tree before a wall)
        let trunk = |s_m: f64, offset_m: f64| {
            prop_footprint(&r, &path, PropKind::Tree, Side::Right, s_m, offset_m, 0.0)
                .unwrap()
                .2
        };
        assert!(taken.blocks_trunk(&trunk(60.0, 0.5)));
        assert!(!taken.blocks_trunk(&trunk(100.0, 0.5)));
        let mut wall = TakenGround::default();
        let front_2m =
            prop_footprint(&r, &path, PropKind::Building, Side::Right, 60.0, 2.0, 14.0).unwrap();
        wall.take(PropKind::Building, front_2m.2);
        assert!(!wall.blocks_trunk(&trunk(60.0, 0.5)));
        assert!(wall.blocks_trunk(&trunk(60.0, 1.0)));
        // and against another trunk
        wall.take(PropKind::Tree, trunk(80.0, 0.5));
        assert!(wall.blocks_trunk(&trunk(80.2, 0.5)));
        assert!(!wall.blocks_trunk(&trunk(81.0, 0.5)));
    }
}

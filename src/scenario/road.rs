//! The scenario's road as centre-line geometry (`core::road`).

use super::schema::{Direction, Junction, JunctionKind, Road, SegmentSpec, Side, Turn};
use crate::core::road::{RoadPath, Segment, kerb_offset_m};

impl Side {
    /// +1 for the left side, -1 for the right: multiplies offsets away
    /// from the road.
    pub fn outward(self) -> f64 {
        if self == Side::Left { 1.0 } else { -1.0 }
    }
}

/// Half the gap a zebra crossing opens in the median's barrier, metres:
/// its 3 m stripes and 1.5 m beyond them each way (a crossing group of
/// four, 0.9 m apart along the road, passes through it).
pub const MEDIAN_ZEBRA_GAP_HALF_M: f64 = 3.0;
/// A junction's zebra crossings lie this far outside the lanes they cross,
/// metres (centre of the 3 m stripes): on the main road outside the cross
/// street's lanes, on the cross street outside the main road's kerbs.
pub const JUNCTION_ZEBRA_OFFSET_M: f64 = 2.5;

impl SegmentSpec {
    /// The centre line's segment: an arc's curvature is positive turning left.
    pub fn geometry(&self) -> Segment {
        match *self {
            SegmentSpec::Straight { length_m } => Segment::Straight { length_m },
            SegmentSpec::Arc {
                length_m,
                radius_m,
                turn,
            } => Segment::Arc {
                length_m,
                curvature_per_m: if turn == Turn::Left {
                    1.0 / radius_m
                } else {
                    -1.0 / radius_m
                },
            },
        }
    }
}

impl Road {
    /// The lateral offset (left positive) of `side`'s kerb line, metres.
    pub fn kerb_m(&self, side: Side) -> f64 {
        let lanes = if side == Side::Left {
            self.lanes_backward
        } else {
            self.lanes_forward
        };
        side.outward()
            * kerb_offset_m(
                self.median_width_m,
                lanes,
                self.lane_width_m,
                self.parking_width_m,
            )
    }

    /// How far the road reaches to `side` of its centre line, out to the
    /// sidewalk's back, metres.
    pub fn half_width_m(&self, side: Side) -> f64 {
        self.kerb_m(side).abs() + self.sidewalk.as_ref().map_or(0.0, |w| w.width_m)
    }

    /// The direction of travel along `side`'s kerb: the oncoming lanes' on
    /// the left, except on a one-way road (no lanes backward), where both
    /// kerbs run forward. Parked vehicles face it; cyclists ride along it.
    pub fn kerb_direction(&self, side: Side) -> Direction {
        if side == Side::Left && self.lanes_backward > 0 {
            Direction::Backward
        } else {
            Direction::Forward
        }
    }

    /// Where the median's crash barrier is open, as station intervals: at
    /// every junction's mouth (traffic turns across it) and at every zebra
    /// crossing, a junction's included (people walk through a refuge there).
    /// Empty without a median. Crossers elsewhere would walk through it.
    pub fn median_openings_m(&self) -> Vec<(f64, f64)> {
        if self.median_width_m <= 0.0 {
            return Vec::new();
        }
        let mouths = self.junctions.iter().map(|j| {
            let half = j.mouth_half_width_m(self);
            (j.s_m - half, j.s_m + half)
        });
        let zebras = self
            .zebra_crossings_m()
            .into_iter()
            .map(|c| (c - MEDIAN_ZEBRA_GAP_HALF_M, c + MEDIAN_ZEBRA_GAP_HALF_M));
        mouths.chain(zebras).collect()
    }

    /// Every zebra crossing's station: `crosswalks`, then each junction's
    /// two (with `crosswalks: true`), just outside its cross lanes.
    pub fn zebra_crossings_m(&self) -> Vec<f64> {
        let mut out = self.crosswalks.clone();
        for j in self.junctions.iter().filter(|j| j.crosswalks) {
            let lanes_half = j.lanes as f64 * self.lane_width_m;
            out.push(j.s_m - lanes_half - JUNCTION_ZEBRA_OFFSET_M);
            out.push(j.s_m + lanes_half + JUNCTION_ZEBRA_OFFSET_M);
        }
        out
    }

    /// Where `turn` leads from a vehicle on `road` (0 main, k + 1 junction
    /// k's cross street) heading `direction` from station `s_m`, at the
    /// nearest junction ahead that has an arm that way: the road and the
    /// direction it joins. None when no junction ahead has one, or the
    /// lanes it would join do not exist (a one-way main road has no
    /// oncoming lanes). The lane graph (`world::lanes`) connects the same.
    pub fn turn_ahead(
        &self,
        road: u32,
        direction: Direction,
        s_m: f64,
        turn: Turn,
    ) -> Option<(u32, Direction)> {
        let forward = direction == Direction::Forward;
        // turning left while heading forward leaves to the main road's left
        let to_left = (turn == Turn::Left) == forward;
        if road == 0 {
            let half_of = |j: &Junction| j.mouth_half_width_m(self);
            let ahead = |j: &&Junction| {
                // as drivers do: until 2 m past where the junction begins
                if forward {
                    j.s_m - half_of(j) - s_m > -2.0
                } else {
                    s_m - (j.s_m + half_of(j)) > -2.0
                }
            };
            let side = if to_left { Side::Left } else { Side::Right };
            let k = self
                .junctions
                .iter()
                .enumerate()
                .filter(|(_, j)| ahead(j) && j.has_arm(side))
                .min_by(|a, b| ((a.1.s_m - s_m).abs()).total_cmp(&(b.1.s_m - s_m).abs()))?
                .0;
            // the cross street runs forward to the main road's left
            let joins = if to_left {
                Direction::Forward
            } else {
                Direction::Backward
            };
            return Some((k as u32 + 1, joins));
        }
        let j = self.junctions.get(road as usize - 1)?;
        // the cross street's centre line crosses the main road here
        let centre_m = -j.arms_m().0;
        let before = if forward {
            s_m < centre_m
        } else {
            s_m > centre_m
        };
        // heading to the main road's left (forward), a left turn heads
        // against the main road (its oncoming lanes), a right turn with it;
        // heading back, the other way round
        let joins = if to_left {
            Direction::Backward
        } else {
            Direction::Forward
        };
        let lanes = if joins == Direction::Forward {
            self.lanes_forward
        } else {
            self.lanes_backward
        };
        (before && lanes > 0).then_some((0, joins))
    }

    /// The centre line, station by station.
    pub fn path(&self) -> RoadPath {
        let segments: Vec<_> = self.segments.iter().map(SegmentSpec::geometry).collect();
        RoadPath::new(&segments)
    }
}

impl Junction {
    /// Where its cross street runs, signed metres from the crossing point
    /// along the main road's left: a four-way both arms, a T one.
    pub fn arms_m(&self) -> (f64, f64) {
        match self.kind {
            JunctionKind::FourWay => (-self.arm_length_m, self.arm_length_m),
            JunctionKind::TLeft => (0.0, self.arm_length_m),
            JunctionKind::TRight => (-self.arm_length_m, 0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::schema::Junction;

    /// A one-lane cross street with 60 m arms.
    fn junction(s_m: f64, kind: JunctionKind, crosswalks: bool) -> Junction {
        Junction {
            s_m,
            kind,
            arm_length_m: 60.0,
            lanes: 1,
            crosswalks,
            signals: None,
        }
    }

    #[test]
    fn the_median_opens_at_junctions_and_zebras() {
        let mut road = Road {
            crosswalks: vec![30.0],
            junctions: vec![junction(100.0, JunctionKind::FourWay, true)],
            ..Road::default()
        };
        assert!(
            road.median_openings_m().is_empty(),
            "no median, nothing to open"
        );
        road.median_width_m = 3.0;
        // one 3.5 m lane each way and 2.5 m of sidewalk: the mouth is 100 +- 6;
        // the junction's zebras lie 2.5 m outside its lane, at 100 -+ 6
        assert_eq!(road.zebra_crossings_m(), vec![30.0, 94.0, 106.0]);
        assert_eq!(
            road.median_openings_m(),
            vec![(94.0, 106.0), (27.0, 33.0), (91.0, 97.0), (103.0, 109.0)]
        );
    }

    #[test]
    fn turns_lead_where_an_arm_and_lanes_exist() {
        use crate::scenario::schema::Direction::{Backward, Forward};
        use Turn::{Left, Right};
        let mut road = Road {
            junctions: vec![
                junction(100.0, JunctionKind::TLeft, false),
                junction(200.0, JunctionKind::FourWay, false),
            ],
            ..Road::default()
        };
        // (road, heading, from station, turn) -> where it leads
        let two_way = [
            // heading forward from 20 m: left at the T (road 1, north: its
            // forward), right only at the four-way (road 2, south)
            ((0, Forward, 20.0, Left), Some((1, Forward))),
            ((0, Forward, 20.0, Right), Some((2, Backward))),
            // past the T: its left arm is behind
            ((0, Forward, 150.0, Left), Some((2, Forward))),
            // heading back from 150 m, a left turn goes south: the T has no
            // arm there, and the four-way is behind
            ((0, Backward, 150.0, Left), None),
            ((0, Backward, 150.0, Right), Some((1, Forward))),
            // up the four-way's south arm (road 2, forward, before its
            // centre at 60 m): right joins the main road forward, left its
            // oncoming lanes; past the centre, nothing
            ((2, Forward, 10.0, Right), Some((0, Forward))),
            ((2, Forward, 10.0, Left), Some((0, Backward))),
            ((2, Forward, 70.0, Left), None),
        ];
        for ((r, heading, s_m, turn), leads) in two_way {
            assert_eq!(
                road.turn_ahead(r, heading, s_m, turn),
                leads,
                "{r} {heading:?} {s_m} {turn:?}"
            );
        }
        // a one-way main road has no oncoming lanes to turn into
        road.lanes_backward = 0;
        assert_eq!(road.turn_ahead(2, Forward, 10.0, Left), None);
        assert_eq!(
            road.turn_ahead(2, Backward, 110.0, Left),
            Some((0, Forward))
        );
    }
}

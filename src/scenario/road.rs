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
/// its 3 m stripes and half a metre beyond them each way.
pub const MEDIAN_ZEBRA_GAP_HALF_M: f64 = 2.0;
/// A junction's zebra crossings lie this far outside its cross lanes, metres
/// (centre of the 3 m stripes, clear of the 2 m of sidewalk corner).
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

    #[test]
    fn the_median_opens_at_junctions_and_zebras() {
        let mut road = Road {
            crosswalks: vec![30.0],
            junctions: vec![Junction {
                s_m: 100.0,
                kind: Default::default(),
                arm_length_m: 60.0,
                lanes: 1,
                crosswalks: true,
                signals: None,
            }],
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
            vec![(94.0, 106.0), (28.0, 32.0), (92.0, 96.0), (104.0, 108.0)]
        );
    }
}

//! The scenario's road as centre-line geometry (`core::road`).

use super::schema::{Junction, JunctionKind, Road, SegmentSpec, Side, Turn};
use crate::core::road::{RoadPath, Segment, kerb_offset_m};

impl Side {
    /// +1 for the left side, -1 for the right: multiplies offsets away
    /// from the road.
    pub fn outward(self) -> f64 {
        if self == Side::Left { 1.0 } else { -1.0 }
    }
}

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

//! The lane graph: which lane continues into which at every junction
//! (straight on, left and right turns), for routes. Pure geometry over the
//! road network.

use super::RoadRes;
use crate::scenario::{Direction, Junction, JunctionKind, Turn};
use serde::Serialize;

/// One lane: the road it is on (0 main, k + 1 junction k's cross street),
/// the direction of travel and its index (0 next to the centre line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LaneId {
    pub road: u32,
    pub direction: Direction,
    pub lane: u32,
}

/// A way through a junction: leave `from` at `exit_s_m` (its station where
/// the junction begins), join `to` at `entry_s_m`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Connection {
    pub junction: usize,
    pub from: LaneId,
    pub to: LaneId,
    /// None: straight on.
    pub turn: Option<Turn>,
    pub exit_s_m: f64,
    pub entry_s_m: f64,
}

/// (road, direction, entry station) of a way out of a junction.
type Way = (u32, Direction, f64);

/// An approach to a junction: road, direction, exit station, and where a
/// left and a right turn lead (None: no arm that way).
type Approach = (u32, Direction, f64, Option<Way>, Option<Way>);

/// Every connection of the network: each approach lane of each junction
/// goes straight on (if the road continues), turns left into the inner lane
/// and right into the outer lane of the street it turns into (if that arm
/// exists).
pub fn lane_graph(roads: &RoadRes, junctions: &[Junction]) -> Vec<Connection> {
    let main = &roads.0;
    let mut out = Vec::new();
    for (k, j) in junctions.iter().enumerate() {
        let cross_id = k as u32 + 1;
        let cross = roads.get(cross_id);
        let cross_half = j.lanes as f64 * main.lane_width_m;
        // the cross street's stations where the main carriageway begins/ends
        let cut = cross.cut_surface_m[0];
        let arm_left = j.kind != JunctionKind::TRight;
        let arm_right = j.kind != JunctionKind::TLeft;
        let lanes = |road: u32, d: Direction| {
            let g = roads.get(road);
            if d == Direction::Forward {
                g.lanes_forward
            } else {
                g.lanes_backward
            }
        };
        let mut approaches: Vec<Approach> = vec![
            (
                0,
                Direction::Forward,
                j.s_m - cross_half,
                arm_left.then_some((cross_id, Direction::Forward, cut.1)),
                arm_right.then_some((cross_id, Direction::Backward, cut.0)),
            ),
            (
                0,
                Direction::Backward,
                j.s_m + cross_half,
                arm_right.then_some((cross_id, Direction::Backward, cut.0)),
                arm_left.then_some((cross_id, Direction::Forward, cut.1)),
            ),
        ];
        if arm_right {
            // coming from the main road's right, heading to its left
            approaches.push((
                cross_id,
                Direction::Forward,
                cut.0,
                Some((0, Direction::Backward, j.s_m - cross_half)),
                Some((0, Direction::Forward, j.s_m + cross_half)),
            ));
        }
        if arm_left {
            approaches.push((
                cross_id,
                Direction::Backward,
                cut.1,
                Some((0, Direction::Forward, j.s_m + cross_half)),
                Some((0, Direction::Backward, j.s_m - cross_half)),
            ));
        }
        for (road, direction, exit, left, right) in approaches {
            for lane in 0..lanes(road, direction) {
                let from = LaneId {
                    road,
                    direction,
                    lane,
                };
                // straight on: the same lane past the junction, if the road goes on
                let far_side = if road == 0 {
                    exit + direction.sign() * 2.0 * cross_half
                } else if direction == Direction::Forward {
                    cut.1
                } else {
                    cut.0
                };
                let continues = if road == 0 {
                    true
                } else if direction == Direction::Forward {
                    arm_left
                } else {
                    arm_right
                };
                if continues {
                    out.push(Connection {
                        junction: k,
                        from,
                        to: from,
                        turn: None,
                        exit_s_m: exit,
                        entry_s_m: far_side,
                    });
                }
                for (turn, way) in [(Turn::Left, left), (Turn::Right, right)] {
                    let Some((to_road, to_dir, entry)) = way else {
                        continue;
                    };
                    let to_lane = match turn {
                        Turn::Left => 0,
                        Turn::Right => lanes(to_road, to_dir) - 1,
                    };
                    out.push(Connection {
                        junction: k,
                        from,
                        to: LaneId {
                            road: to_road,
                            direction: to_dir,
                            lane: to_lane,
                        },
                        turn: Some(turn),
                        exit_s_m: exit,
                        entry_s_m: entry,
                    });
                }
            }
        }
    }
    out
}

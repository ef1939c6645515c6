//! Validation of the road's shape (see `validate`): every arc turns at
//! most a full circle and is wide enough on its inner side, and the road
//! never comes back over itself (junctions are the only crossings). Either
//! would draw a road folded or stacked on itself, with props and kerbs
//! standing on the carriageway.

use super::locate::{field, item};
use super::validate::Invalid;
use super::{Action, Condition, Direction, Scenario, SegmentSpec, Side, Turn};
use crate::core::road::{APRON_AFTER_M, APRON_BEFORE_M};
use glam::DVec2;

/// Tightest radius of a road's innermost edge (the sidewalk's back) on an
/// arc, metres: below it the road's meshes fold over themselves.
const MIN_INNER_RADIUS_M: f64 = 2.0;

pub(super) fn check_segments(s: &Scenario) -> Result<(), Invalid> {
    let r = &s.road;
    for (i, seg) in r.segments.iter().enumerate() {
        let SegmentSpec::Arc {
            length_m,
            radius_m,
            turn,
        } = seg
        else {
            continue;
        };
        let at = || vec![field("road"), item("segments", i)];
        if *length_m > std::f64::consts::TAU * radius_m {
            return Err((
                at(),
                format!(
                    "arc of length {length_m} m on radius {radius_m} m turns more than a full circle"
                ),
            ));
        }
        let inner = match turn {
            Turn::Left => r.half_width_m(Side::Left),
            Turn::Right => r.half_width_m(Side::Right),
        };
        if *radius_m < inner + MIN_INNER_RADIUS_M {
            return Err((
                at(),
                format!(
                    "an arc on radius {radius_m} m folds the road: its inner side reaches {inner:.1} m from the centre line (lanes, median, parking and sidewalk), so the radius must be at least {:.1} m",
                    inner + MIN_INNER_RADIUS_M
                ),
            ));
        }
    }
    // two points of the drawn road closer than twice its narrower half
    // overlap; the arcs above bend no tighter than that half
    let narrow = r.half_width_m(Side::Right).min(r.half_width_m(Side::Left));
    let path = r.path();
    let length = path.length_m();
    if let Some((a, b)) = path.self_overlap(-APRON_BEFORE_M, length + APRON_AFTER_M, 2.0 * narrow) {
        // blame the segment that comes back
        let mut end = 0.0;
        let k = r
            .segments
            .iter()
            .position(|seg| {
                end += seg.geometry().length_m();
                b <= end
            })
            .unwrap_or(r.segments.len() - 1);
        return Err((
            vec![field("road"), item("segments", k)],
            format!(
                "the road comes back over itself: its surface at s = {b:.0} m overlaps the surface at s = {a:.0} m (the road is drawn from {APRON_BEFORE_M} m before its start to {APRON_AFTER_M} m past its end; only junctions cross it)"
            ),
        ));
    }
    Ok(())
}

/// How far a cross street's arm must run beyond the main road's sidewalk,
/// metres: a zebra crossing's 3 m and its stop line.
pub const MIN_ARM_BEYOND_M: f64 = 5.0;

/// Every cross street meets the main road at its junction only: its arms
/// (straight, `arm_length_m` each) may not run over the main road where
/// it curves back, nor over another cross street. They had drawn one road
/// over another with no junction, kerbs and walls on the carriageway.
pub(super) fn check_cross_streets(s: &Scenario) -> Result<(), Invalid> {
    let r = &s.road;
    let sidewalk_m = r.sidewalk.as_ref().map_or(0.0, |w| w.width_m);
    let main_half_m = r.half_width_m(Side::Right).max(r.half_width_m(Side::Left));
    let path = r.path();
    let length = path.length_m();
    // each cross street: its centre line's ends and half width
    let streets: Vec<(DVec2, DVec2, f64)> = r
        .junctions
        .iter()
        .map(|j| {
            let pose = path.pose_at(j.s_m);
            let (from, to) = j.arms_m();
            let half = j.lanes as f64 * r.lane_width_m + sidewalk_m;
            (
                pose.position + pose.left() * from,
                pose.position + pose.left() * to,
                half,
            )
        })
        .collect();
    let blame = |k: usize| vec![field("road"), item("junctions", k), field("arm_length_m")];
    // an arm must leave the main road: reach past its kerb and sidewalk
    // with room for a zebra crossing and a stop line (a 1 m arm of an
    // 8-lane street had opened a 60 m mouth onto nothing)
    for (k, j) in r.junctions.iter().enumerate() {
        for side in [Side::Right, Side::Left] {
            let side_m = r.half_width_m(side);
            let needed_m = side_m + MIN_ARM_BEYOND_M;
            if j.has_arm(side) && j.arm_length_m < needed_m {
                return Err((
                    blame(k),
                    format!(
                        "junction {k}'s {side:?} arm ({} m from the centre line) ends inside the main road, which reaches {side_m:.1} m to that side with its sidewalk: an arm needs arm_length_m >= {needed_m:.1} (that and {MIN_ARM_BEYOND_M} m of street beyond)",
                        j.arm_length_m
                    ),
                ));
            }
        }
    }
    let n = ((length + APRON_BEFORE_M + APRON_AFTER_M) / 0.5).ceil() as usize;
    for (k, (j, &(a, b, half))) in r.junctions.iter().zip(&streets).enumerate() {
        // the main road, outside the junction's own crossing
        let own_m = half + main_half_m + 1.0;
        for i in 0..=n {
            let st = -APRON_BEFORE_M + 0.5 * i as f64;
            if (st - j.s_m).abs() <= own_m {
                continue;
            }
            let gap_m = distance_to_segment(path.pose_at(st).position, a, b);
            if gap_m < half + main_half_m {
                return Err((
                    blame(k),
                    format!(
                        "junction {k}'s cross street runs over the main road at s = {st:.0} m, away from its junction at s = {} m (roads meet only at junctions): shorten its arms (arm_length_m = {})",
                        j.s_m, j.arm_length_m
                    ),
                ));
            }
        }
        for (m, &(c, d, other)) in streets.iter().enumerate().skip(k + 1) {
            let steps = (a.distance(b) / 0.5).ceil().max(1.0) as usize;
            let close = (0..=steps)
                .map(|i| distance_to_segment(a.lerp(b, i as f64 / steps as f64), c, d))
                .any(|gap| gap < half + other);
            if close {
                return Err((
                    blame(m),
                    format!(
                        "junction {m}'s cross street runs over junction {k}'s (roads meet only at junctions): shorten their arms or move the junctions apart"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Distance from `p` to the segment from `a` to `b`, metres.
fn distance_to_segment(p: DVec2, a: DVec2, b: DVec2) -> f64 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_squared().max(1e-12)).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

/// The main road's station where its drawn surface ends: its segments
/// and the apron after them, metres.
pub fn drawn_road_end_m(s: &Scenario) -> f64 {
    super::validate::road_length_m(s) + APRON_AFTER_M
}

/// A warning, not an error: at its own speed the ego drives past the end
/// of the drawn road (its segments and the apron after them) within the
/// run's `frames`, after which its cameras see bare terrain. None when it
/// does not, or when it turns off the main road. Its speed follows its
/// timed triggers (`AtTime` + delay: `SetSpeed`, `Stop`, `EmergencyBrake`),
/// changed at once (an estimate); triggers on a condition are not followed
/// (the run watches the ego itself and warns where this foresaw nothing).
pub fn ego_past_road_end(s: &Scenario, frames: u64) -> Option<String> {
    if s.ego.turn.is_some() {
        return None;
    }
    let length_m = super::validate::road_length_m(s);
    let end_m = drawn_road_end_m(s);
    let run_s = frames.saturating_sub(1) as f64 / s.tick_hz;
    // the ego's timed speed changes, in order
    let mut changes: Vec<(f64, f64)> = s
        .triggers
        .iter()
        .filter(|t| t.actor == "ego")
        .filter_map(|t| {
            let Condition::AtTime(at) = t.when else {
                return None;
            };
            let speed = match t.action {
                Action::SetSpeed(v) => v,
                Action::Stop | Action::EmergencyBrake => 0.0,
                _ => return None,
            };
            Some((at + t.delay_s, speed))
        })
        .collect();
    changes.sort_by(|a, b| a.0.total_cmp(&b.0));
    changes.push((f64::INFINITY, 0.0));
    let (mut t, mut at_m, mut speed) = (0.0, s.ego.start_s_m, s.ego.speed_mps);
    for (change_s, next_speed) in changes {
        let until = change_s.min(run_s);
        if speed > 0.0 && at_m + speed * (until - t) > end_m {
            let passes_s = t + (end_m - at_m) / speed;
            let frame = (passes_s * s.tick_hz).ceil().max(0.0);
            return Some(format!(
                "at {speed} m/s the ego passes the end of the drawn road (s = {end_m:.0} m: the road's {length_m:.0} m and {APRON_AFTER_M:.0} m past it) at about frame {frame:.0} of {frames}; beyond it the cameras see bare terrain. Lengthen the road or shorten the run"
            ));
        }
        if change_s >= run_s {
            return None;
        }
        at_m += speed * (change_s - t);
        (t, speed) = (change_s, next_speed);
    }
    None
}

/// A turn a vehicle (or the ego) is given must exist at a junction ahead
/// of it: drivers turn at the nearest junction ahead with that arm, and one
/// that finds none drove straight on, silently (a right turn at a T with
/// only a left arm; a left turn off a cross street onto a one-way road).
pub(super) fn check_turns(s: &Scenario) -> Result<(), Invalid> {
    let ego = (
        vec![field("ego"), field("turn")],
        0,
        Direction::Forward,
        s.ego.start_s_m,
        s.ego.turn,
    );
    let vehicles = s.vehicles.iter().enumerate().map(|(i, v)| {
        (
            vec![item("vehicles", i), field("turn")],
            v.road,
            v.direction,
            v.start_s_m,
            v.turn,
        )
    });
    for (blame, road, direction, s_m, turn) in std::iter::once(ego).chain(vehicles) {
        let Some(turn) = turn else { continue };
        if s.road.turn_ahead(road, direction, s_m, turn).is_some() {
            continue;
        }
        let why = if road == 0 {
            format!(
                "no junction ahead of s = {s_m} m on the main road (heading {direction:?}) has an arm to the {turn:?}"
            )
        } else if s.road.lanes_backward == 0 {
            format!(
                "from road {road}, a {turn:?} turn either joins the main road against its only direction (it is one-way: lanes_backward 0) or its junction is behind the start (s = {s_m} m)"
            )
        } else {
            format!(
                "road {road}'s junction is behind its start (s = {s_m} m) heading {direction:?}"
            )
        };
        return Err((
            blame,
            format!("turn: {turn:?} leads nowhere: {why}; drivers would go straight on"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn an_ego_that_outruns_the_road_is_warned_of_with_the_frame() {
        let s = |ego: &str| {
            super::super::parse(
                &format!("(road: (segments: [Straight(length_m: 50)]), ego: ({ego}))"),
                Path::new("t.ron"),
            )
            .unwrap()
        };
        // 200 m drawn; 10 m/s at 10 Hz: 1 m a frame
        let w = ego_past_road_end(&s("speed_mps: 10"), 300).unwrap();
        assert!(w.contains("frame 200 of 300"), "{w}");
        assert!(w.contains("s = 200 m"), "{w}");
        assert_eq!(ego_past_road_end(&s("speed_mps: 10"), 201), None);
        assert!(ego_past_road_end(&s("speed_mps: 10, start_s_m: 20"), 190).is_some());
        assert_eq!(ego_past_road_end(&s("speed_mps: 0"), 100_000), None);
        // its timed triggers: started from standing at 2 s, 10 m/s from 0
        // reaches s = 200 m at 22 s
        let timed = |ego: &str, triggers: &str| {
            super::super::parse(
                &format!(
                    "(road: (segments: [Straight(length_m: 50)]), ego: ({ego}), triggers: [{triggers}])"
                ),
                Path::new("t.ron"),
            )
            .unwrap()
        };
        let started = timed(
            "speed_mps: 0",
            "(actor: \"ego\", when: AtTime(1.5), delay_s: 0.5, action: SetSpeed(10))",
        );
        let w = ego_past_road_end(&started, 300).unwrap();
        assert!(
            w.contains("at 10 m/s") && w.contains("frame 220 of 300"),
            "{w}"
        );
        // stopped at 5 s, 50 m along: never there
        let stopped = timed(
            "speed_mps: 10",
            "(actor: \"ego\", when: AtTime(5), action: Stop)",
        );
        assert_eq!(ego_past_road_end(&stopped, 100_000), None);
        // a conditional trigger is not followed
        let unknown = timed(
            "speed_mps: 0",
            "(actor: \"ego\", when: EgoWithin(5), action: SetSpeed(10))",
        );
        assert_eq!(ego_past_road_end(&unknown, 100_000), None);
    }
}

//! Turn signals: a driver signals the turn it is about to take and a lane
//! change under way, the labels say so every frame, and the indicator
//! lamps of that side (front and rear) glow half the time, the other
//! side's never.

use crate::common::scenario;
use edgecase::app::headless_app;
use edgecase::core::record::TurnSignal;
use edgecase::sensors::snapshot;
use glam::DVec3;

/// Per tick, per vehicle role: the labeled signal, whether the label says
/// lit, and the lit indicator parts on the vehicle's left and right.
struct Seen {
    signal: Option<TurnSignal>,
    lit: bool,
    lit_left: usize,
    lit_right: usize,
}

/// Emission of a lit indicator (`sensors::lamp_emission`; head and tail
/// lamps glow 3.0 or 1.2, so 4.0 is the indicators' alone).
const INDICATOR_EMISSION: f32 = 4.0;

fn run(src: &str, ticks: usize, role: &str) -> Vec<Seen> {
    let mut app = headless_app(scenario(src));
    (0..ticks)
        .map(|_| {
            app.update();
            let snap = snapshot(app.world_mut());
            let o = snap
                .objects
                .iter()
                .find(|o| o.role.to_string() == role)
                .unwrap_or_else(|| panic!("no {role}"));
            let v = o.vehicle.as_ref().expect("a vehicle records its look");
            let right = o.box3.forward().cross(DVec3::Y);
            let (mut lit_left, mut lit_right) = (0, 0);
            for i in snap.instances.iter() {
                if i.instance_id != o.instance_id || i.emission != INDICATOR_EMISSION {
                    continue;
                }
                let at = i.model.w_axis.truncate().as_dvec3() - o.box3.center;
                if at.dot(right) > 0.0 {
                    lit_right += 1;
                } else {
                    lit_left += 1;
                }
            }
            Seen {
                signal: v.turn_signal,
                lit: v.turn_signal_lit,
                lit_left,
                lit_right,
            }
        })
        .collect()
}

/// The ticks with `signal`, checked: lit about half of them, two lamps
/// (front and rear) of that side when lit, none otherwise.
fn signalled(seen: &[Seen], signal: TurnSignal) -> usize {
    let on: Vec<&Seen> = seen.iter().filter(|s| s.signal == Some(signal)).collect();
    let lit = on.iter().filter(|s| s.lit).count();
    for s in seen {
        let (side, other) = match signal {
            TurnSignal::Left => (s.lit_left, s.lit_right),
            TurnSignal::Right => (s.lit_right, s.lit_left),
        };
        assert_eq!(other, 0, "the other side lit");
        assert_eq!(side, if s.lit { 2 } else { 0 }, "lit {}", s.lit);
        assert!(!s.lit || s.signal.is_some());
    }
    if !on.is_empty() {
        let share = lit as f64 / on.len() as f64;
        assert!((0.35..=0.65).contains(&share), "lit {lit} of {}", on.len());
    }
    on.len()
}

#[test]
fn drivers_signal_their_turns_and_lane_changes() {
    let junction = crate::traffic::TURNS_AT_A_JUNCTION;
    // 12 s: all three through the junction and settled
    let left = run(junction, 240, "vehicles[0]");
    let n = signalled(&left, TurnSignal::Left);
    // from 35 m before the junction until settled in the cross street
    assert!(n >= 40, "signalled {n} ticks");
    assert_eq!(left[0].signal, None, "60 m out: not yet");
    assert_eq!(left.last().unwrap().signal, None, "settled: off");
    let first = left.iter().position(|s| s.signal.is_some()).unwrap();
    let last = left.iter().rposition(|s| s.signal.is_some()).unwrap();
    assert_eq!(last - first + 1, n, "one unbroken stretch");
    let right = run(junction, 240, "vehicles[1]");
    let m = signalled(&right, TurnSignal::Right);
    assert!(m >= 40, "signalled {m} ticks");
    eprintln!("left turner signalled {n} ticks (from tick {first}), right turner {m}");
    let straight = run(junction, 240, "vehicles[2]");
    assert!(
        straight
            .iter()
            .all(|s| s.signal.is_none() && s.lit_left + s.lit_right == 0)
    );

    // two lanes each way: from lane 1 (outer) to lane 0, towards the centre
    // line: the driver's left; and back the other way, to its right
    let lanes = |to: u32, from: u32| {
        format!(
            "(tick_hz: 20, road: (segments: [Straight(length_m: 300)], lanes_forward: 2, lanes_backward: 2),
              ego: (speed_mps: 0, start_s_m: 290),
              vehicles: [(lane: {from}, start_s_m: 10, speed_mps: 10),
                         (direction: Backward, lane: {from}, start_s_m: 280, speed_mps: 10)],
              triggers: [(actor: \"vehicles[0]\", when: AtTime(1), action: ChangeLane({to})),
                         (actor: \"vehicles[1]\", when: AtTime(1), action: ChangeLane({to}))])"
        )
    };
    for role in ["vehicles[0]", "vehicles[1]"] {
        let to_left = run(&lanes(0, 1), 200, role);
        let n = signalled(&to_left, TurnSignal::Left);
        assert!(n >= 10, "{role}: {n} ticks");
        assert!(
            to_left[..20].iter().all(|s| s.signal.is_none()),
            "before the trigger"
        );
        assert_eq!(to_left.last().unwrap().signal, None, "settled");
        let to_right = run(&lanes(1, 0), 200, role);
        assert!(signalled(&to_right, TurnSignal::Right) >= 10, "{role}");
    }
}

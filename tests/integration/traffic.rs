//! Traffic on Rapier physics, without a GPU: speed keeping and lane keeping
//! on a curve, IDM car following, triggers on their exact tick, collisions
//! as records, and determinism over 1,000 ticks with collisions.

use crate::common::scenario;
use bevy::prelude::*;
use edgecase::app::headless_app;
use edgecase::core::record::CollisionRecord;
use edgecase::physics::TickRecords;
use edgecase::sim::components::LaneMotion;
use edgecase::world::{Ego, Thing};

/// Per tick: every thing's role, station, lateral offset and speed, plus
/// the tick's collision and trigger records.
pub(crate) struct Tick {
    pub actors: Vec<(String, f64, f64, f64, Vec3)>,
    pub records: TickRecords,
}

pub(crate) fn run(src: &str, ticks: usize) -> Vec<Tick> {
    let mut app = headless_app(scenario(src));
    (0..ticks)
        .map(|_| {
            app.update();
            let w = app.world_mut();
            let mut actors: Vec<(String, f64, f64, f64, Vec3)> = w
                .query::<(&Thing, &LaneMotion, &Transform, Has<Ego>)>()
                .iter(w)
                .map(|(th, l, t, ego)| {
                    (
                        if ego {
                            "ego".into()
                        } else {
                            th.role.to_string()
                        },
                        l.s_m,
                        l.lateral_m,
                        l.speed_mps,
                        t.translation,
                    )
                })
                .collect();
            actors.sort_by(|a, b| a.0.cmp(&b.0));
            Tick {
                actors,
                records: w.resource::<TickRecords>().clone(),
            }
        })
        .collect()
}

pub(crate) fn actor<'a>(t: &'a Tick, role: &str) -> &'a (String, f64, f64, f64, Vec3) {
    t.actors.iter().find(|a| a.0 == role).unwrap()
}

pub(crate) fn collisions(ticks: &[Tick]) -> Vec<(u64, CollisionRecord)> {
    ticks
        .iter()
        .flat_map(|t| {
            t.records
                .collisions
                .iter()
                .map(move |c| (t.records.frame, c.clone()))
        })
        .collect()
}

#[test]
fn vehicle_reaches_its_target_speed_and_keeps_its_lane_on_a_curve() {
    // from standstill, told to drive at 15 m/s, onto an 80 m radius left curve
    let ticks = run(
        "(tick_hz: 20, road: (segments: [Straight(length_m: 20), Arc(length_m: 300, radius_m: 80, turn: Left)]),
          ego: (speed_mps: 0, lane: 0),
          triggers: [(actor: \"ego\", when: AtTime(0), action: SetSpeed(15))])",
        400,
    );
    let lane_centre = -1.75; // lane 0 of 3.5 m lanes
    let mut worst = 0f64;
    for t in &ticks[40..] {
        let (_, s, lat, _, _) = actor(t, "ego");
        if *s < 290.0 {
            worst = worst.max((lat - lane_centre).abs());
        }
    }
    let (_, s, _, v, _) = actor(ticks.last().unwrap(), "ego");
    assert!((v - 15.0).abs() < 0.2, "speed {v} after 20 s");
    assert!(worst < 0.3, "left its lane by {worst:.3} m");
    assert!(*s > 200.0, "only reached s = {s}");
    // it accelerated: slow at 1 s, no faster than the target ever
    assert!(actor(&ticks[20], "ego").3 < 5.0);
    assert!(ticks.iter().all(|t| actor(t, "ego").3 < 15.3));
    eprintln!("15 m/s on an 80 m curve: lane error <= {worst:.3} m, final speed {v:.3}");
}

#[test]
fn idm_follower_keeps_its_gap_and_stops_behind_a_stopped_lead() {
    // a stopped van 120 m ahead in the ego's lane
    let ticks = run(
        "(tick_hz: 20, road: (segments: [Straight(length_m: 400)]),
          ego: (speed_mps: 15), vehicles: [(start_s_m: 120, speed_mps: 0, kind: Van)])",
        600,
    );
    let last = ticks.last().unwrap();
    let (ego, van) = (actor(last, "ego"), actor(last, "vehicles[0]"));
    // bumper to bumper: half a car (4.5 m) and half a van (5.2 m)
    let gap = van.1 - ego.1 - 2.25 - 2.6;
    assert!(ego.3.abs() < 0.05, "still moving at {}", ego.3);
    assert!((1.0..5.0).contains(&gap), "stopped {gap:.2} m behind");
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    // the van never moved
    assert!((van.1 - 120.0).abs() < 1e-3);
    // a steady lead at 8 m/s: the follower settles at the IDM equilibrium gap
    let ticks = run(
        "(tick_hz: 20, road: (segments: [Straight(length_m: 1500)]),
          ego: (speed_mps: 15), vehicles: [(start_s_m: 60, speed_mps: 8)])",
        1600,
    );
    let last = ticks.last().unwrap();
    let (ego, lead) = (actor(last, "ego"), actor(last, "vehicles[0]"));
    let gap = lead.1 - ego.1 - 4.5;
    let expected = (2.0 + 8.0 * 1.5) / (1.0 - (8.0f64 / 15.0).powi(4)).sqrt();
    assert!((ego.3 - 8.0).abs() < 0.1, "follower at {}", ego.3);
    assert!(
        (gap - expected).abs() < 0.5,
        "gap {gap:.2}, IDM equilibrium {expected:.2}"
    );
}

#[test]
fn triggers_fire_on_the_tick_their_condition_first_holds() {
    // a walker on the sidewalk 100 m ahead; the ego at 10 m/s from s = 0
    let ticks = run(
        "(tick_hz: 10, road: (segments: [Straight(length_m: 200)]), ego: (speed_mps: 10),
          pedestrians: [(name: \"walker\", s_m: 100, speed_mps: 0)],
          vehicles: [(name: \"late\", start_s_m: 150, speed_mps: 0, direction: Backward)],
          triggers: [
            (actor: \"walker\", when: EgoWithin(30), action: SetSpeed(1.5)),
            (actor: \"late\", when: AtTime(2.5), delay_s: 0.5, action: SetSpeed(6)),
          ])",
        80,
    );
    // EgoWithin: the first tick whose state puts the ego within 30 m
    let expected = ticks
        .iter()
        .position(|t| {
            let (e, w) = (actor(t, "ego").4, actor(t, "pedestrians[0]").4);
            Vec2::new(e.x - w.x, e.z - w.z).length() <= 30.0
        })
        .unwrap() as u64;
    let fired: Vec<(u64, usize, u64)> = ticks
        .iter()
        .flat_map(|t| {
            t.records
                .triggers
                .iter()
                .map(move |r| (t.records.frame, r.trigger, r.action_frame))
        })
        .collect();
    assert!(
        fired.contains(&(expected, 0, expected)),
        "{fired:?}, expected {expected}"
    );
    // the walker stands until that tick and walks from the next one
    let walker = |f: usize| actor(&ticks[f], "pedestrians[0]").1;
    assert_eq!(walker(expected as usize), walker(0));
    assert!(walker(expected as usize + 1) > walker(0));
    // AtTime(2.5) at 10 Hz: tick 25, acting 0.5 s later on tick 30
    assert!(fired.contains(&(25, 1, 30)), "{fired:?}");
    assert_eq!(fired.len(), 2, "each trigger fires once: {fired:?}");
    let late = |f: usize| actor(&ticks[f], "vehicles[0]").3.abs();
    assert!(
        late(30) < 1e-3 && late(31) > 0.0,
        "{} {}",
        late(30),
        late(31)
    );
}

/// Triggers on cross-street vehicles: the ego's time to reach one is to
/// the point of the ego's road level with it (its own station, along its
/// street, is not comparable), and ChangeLane counts its street's lanes.
#[test]
fn triggers_on_a_cross_street_use_the_egos_road_and_the_streets_lanes() {
    // the junction's centre at s = 60; the ego at 10 m/s from s = 0; a car
    // waiting 30 m short of the centre on the cross street (its station 20)
    let ticks = run(
        "(tick_hz: 10, road: (segments: [Straight(length_m: 150)],
            junctions: [(s_m: 60, lanes: 2, arm_length_m: 50)]),
          ego: (speed_mps: 10),
          vehicles: [(road: 1, lane: 0, start_s_m: 20, speed_mps: 0, name: \"waiting\"),
                     (road: 1, lane: 1, start_s_m: 5, speed_mps: 4, name: \"mover\")],
          triggers: [
            (actor: \"waiting\", when: EgoTimeToReach(3), action: SetSpeed(5)),
            (actor: \"mover\", when: AtTime(0.5), action: ChangeLane(0)),
          ])",
        80,
    );
    let fired = ticks
        .iter()
        .find_map(|t| {
            t.records.triggers.iter().find(|r| r.trigger == 0)?;
            Some((t.records.frame, actor(t, "ego").1))
        })
        .expect("the waiting car's trigger fired");
    // it drives towards the main road's left, in the lane right of its
    // street's centre line: 1.75 m further along the main road than the
    // centre, level with s ~ 61.75; 3 s at 10 m/s is the ego at s ~ 31.75
    // (its own station, 20, would have fired on tick 0)
    assert!((30.0..=33.0).contains(&fired.1), "fired at ego s {fired:?}");
    assert!((30..=33).contains(&fired.0), "fired on tick {}", fired.0);
    // the mover ends in lane 0 of its street (lateral ~1.75 m, not 5.25)
    let end = actor(ticks.last().unwrap(), "vehicles[1]");
    let start = actor(&ticks[0], "vehicles[1]");
    assert!(
        (end.2.abs() - 1.75).abs() < 0.3 && (start.2.abs() - 5.25).abs() < 0.3,
        "lateral {} -> {}",
        start.2,
        end.2
    );
}

/// A stopped car 40 m ahead, the ego at 15 m/s: blind (no car following)
/// it hits it; with emergency braking at a 2 s time to collision it stops
/// short; braking only at 0.4 s is too late and it hits it slower.
#[test]
fn collisions_are_recorded_and_emergency_braking_changes_the_outcome() {
    let scene = |ego: &str| {
        format!(
            "(tick_hz: 20, road: (segments: [Straight(length_m: 200)]),
              ego: (speed_mps: 15, car_following: false{ego}),
              vehicles: [(start_s_m: 40, speed_mps: 0)])"
        )
    };
    let blind = collisions(&run(&scene(""), 100));
    assert!(!blind.is_empty(), "no collision recorded");
    let (frame, c) = &blind[0];
    assert_eq!((c.a.as_str(), c.b.as_str()), ("ego", "vehicles[0]"));
    assert_eq!((c.a_instance_id, c.b_instance_id), (26001, 26002));
    assert!((14.0..=15.5).contains(&c.impact_speed_mps), "{c:?}");
    // 40 m minus a car length at 15 m/s: about 2.3 s, tick ~47
    assert!((44..=50).contains(frame), "frame {frame}");
    let in_time = run(&scene(", emergency_braking_ttc_s: 2.0"), 120);
    assert!(
        collisions(&in_time).is_empty(),
        "{:?}",
        collisions(&in_time)
    );
    assert!(actor(in_time.last().unwrap(), "ego").3.abs() < 0.05);
    let late = collisions(&run(&scene(", emergency_braking_ttc_s: 0.4"), 120));
    assert!(!late.is_empty(), "0.4 s should be too late");
    let slower = late[0].1.impact_speed_mps;
    assert!(
        slower < c.impact_speed_mps - 2.0,
        "{slower} vs {}",
        c.impact_speed_mps
    );
    eprintln!(
        "blind: hit at {:.1} m/s on tick {frame}; TTC 2 s: stopped; TTC 0.4 s: hit at {slower:.1} m/s",
        c.impact_speed_mps
    );
}

/// Traffic that collides: a blind ego and blind followers on a two-lane
/// road into a curve (a U-turn and a bit: a longer one would bring the road
/// back over its start), a stopped car, oncoming traffic; `extra` adds fields.
fn crash_scene(extra: &str) -> String {
    format!(
        "(tick_hz: 20, road: (segments: [Straight(length_m: 150), Arc(length_m: 200, radius_m: 60, turn: Right)], lanes_forward: 2),
          ego: (speed_mps: 14, car_following: false),
          vehicles: [
            (start_s_m: 30, speed_mps: 4, car_following: false),
            (start_s_m: 60, speed_mps: 0, lane: 1),
            (start_s_m: 45, speed_mps: 12, lane: 1, car_following: false),
            (direction: Backward, start_s_m: 300, speed_mps: 10),
          ],
          {extra})"
    )
}

/// Physics is deterministic: the same scenario gives the same state on
/// every one of 1,000 ticks, collisions included.
#[test]
fn thousand_ticks_with_collisions_are_deterministic() {
    let src = crash_scene(
        "pedestrians: [(s_m: 20, speed_mps: 1.2), (s_m: 90, side: Left)],
         triggers: [(actor: \"vehicles[1]\", when: AtTime(3), action: ChangeLane(0))]",
    );
    let a = run(&src, 1000);
    let b = run(&src, 1000);
    let hits = collisions(&a);
    assert!(hits.len() >= 2, "wanted several collisions, got {hits:?}");
    for (ta, tb) in a.iter().zip(&b) {
        assert_eq!(ta.actors.len(), tb.actors.len());
        for (x, y) in ta.actors.iter().zip(&tb.actors) {
            assert_eq!(
                (
                    x.1.to_bits(),
                    x.2.to_bits(),
                    x.3.to_bits(),
                    x.4.to_array().map(f32::to_bits)
                ),
                (
                    y.1.to_bits(),
                    y.2.to_bits(),
                    y.3.to_bits(),
                    y.4.to_array().map(f32::to_bits)
                ),
                "{} differs on tick {}",
                x.0,
                ta.records.frame
            );
        }
        assert_eq!(ta.records.collisions, tb.records.collisions);
    }
    eprintln!(
        "1000 ticks, {} collisions, identical twice: {:?}",
        hits.len(),
        hits.iter()
            .map(|(f, c)| (f, &c.a, &c.b))
            .collect::<Vec<_>>()
    );
}

/// A signalled four-way junction: cross-street traffic stops at its red
/// light and goes on green; a red-light runner does not stop.
#[test]
fn cross_traffic_obeys_the_lights_and_a_runner_does_not() {
    // junction at s = 60 on the main road: the cross street's centre is at
    // its station 60 (arm length); its traffic has red for the first 24 s
    let ticks = run(
        "(tick_hz: 10, road: (segments: [Straight(length_m: 150)],
            junctions: [(s_m: 60, arm_length_m: 60, signals: (main_green_s: 20, cross_green_s: 15, amber_s: 3, all_red_s: 1))]),
          ego: (speed_mps: 0),
          vehicles: [
            (road: 1, start_s_m: 5, speed_mps: 10),
            (road: 1, direction: Backward, start_s_m: 115, speed_mps: 10, runs_red_lights: true),
          ])",
        450,
    );
    let at = |t: f64, role: &str| actor(&ticks[(t * 10.0) as usize], role).clone();
    // the main road's footprint on the cross street: 60 -/+ (3.5 + 2.2 + 3 m)
    let junction_near_edge = 60.0 - 8.7;
    let waiting = at(20.0, "vehicles[0]");
    assert!(
        waiting.3.abs() < 0.05,
        "still moving at {} on red",
        waiting.3
    );
    assert!(
        waiting.1 + 2.25 < junction_near_edge && waiting.1 > junction_near_edge - 12.0,
        "stopped at s = {:.2}",
        waiting.1
    );
    for (t, tick) in ticks.iter().take(240).enumerate() {
        let a = actor(tick, "vehicles[0]");
        assert!(
            a.1 + 2.25 < junction_near_edge,
            "entered on red at tick {t}: s = {}",
            a.1
        );
    }
    // green from 24 s: it crosses
    assert!(
        at(40.0, "vehicles[0]").1 > 75.0,
        "{}",
        at(40.0, "vehicles[0]").1
    );
    // the runner crossed the junction centre while its light was red
    let runner_crossed = (0..240).find(|t| actor(&ticks[*t], "vehicles[1]").1 < 60.0);
    assert!(runner_crossed.is_some(), "the runner stopped");
}

/// The lane graph at a four-way junction: a car turning left ends up in the
/// cross street's inner lane heading to the main road's left, one turning
/// right in its outer lane heading right, one going straight stays; no one
/// touches a kerb.
/// A four-way junction at s 80 m with a left turner, a right turner and a
/// car going straight on (vehicles[0..3]); the ego parked far beyond.
pub const TURNS_AT_A_JUNCTION: &str =
    "(tick_hz: 20, road: (segments: [Straight(length_m: 200)], lanes_forward: 1, lanes_backward: 1,
            junctions: [(s_m: 80, arm_length_m: 60, lanes: 2)]),
          ego: (speed_mps: 0, start_s_m: 190),
          vehicles: [
            (start_s_m: 20, speed_mps: 10, turn: Left),
            (start_s_m: 40, speed_mps: 10, turn: Right),
            (start_s_m: 0, speed_mps: 10),
          ])";

#[test]
fn vehicles_turn_through_a_junction_along_the_lane_graph() {
    let src = TURNS_AT_A_JUNCTION;
    let graph = {
        let mut app = headless_app(scenario(src));
        app.update();
        app.world()
            .resource::<edgecase::world::LaneGraph>()
            .0
            .clone()
    };
    // 4 approaches x their lanes x (straight, left, right)
    assert!(graph.len() >= 12, "{}", graph.len());
    // 12 s in: everyone is through the junction
    let ticks = run(src, 240);
    let mut app = headless_app(scenario(src));
    for _ in 0..240 {
        app.update();
    }
    let w = app.world_mut();
    let lanes: Vec<(String, LaneMotion)> = w
        .query::<(&Thing, &LaneMotion)>()
        .iter(w)
        .map(|(t, l)| (t.role.to_string(), l.clone()))
        .collect();
    let lane_of = |role: &str| lanes.iter().find(|(r, _)| r == role).unwrap().1.clone();
    let left = lane_of("vehicles[0]");
    let right = lane_of("vehicles[1]");
    let straight = lane_of("vehicles[2]");
    assert_eq!(
        (left.road, left.direction),
        (1, edgecase::scenario::Direction::Forward)
    );
    assert_eq!(
        (right.road, right.direction),
        (1, edgecase::scenario::Direction::Backward)
    );
    assert_eq!(straight.road, 0);
    // in their lanes (inner forward lane of the cross street: -1.75; outer
    // backward lane: +5.25), past the junction
    assert!(
        (left.lateral_m + 1.75).abs() < 0.5,
        "left turner at {:.2}",
        left.lateral_m
    );
    assert!(
        (right.lateral_m - 5.25).abs() < 0.5,
        "right turner at {:.2}",
        right.lateral_m
    );
    assert!(left.s_m > 70.0, "{}", left.s_m);
    assert!(right.s_m < 50.0, "{}", right.s_m);
    assert!(
        straight.s_m > 80.0,
        "straight on at s = {:.1}",
        straight.s_m
    );
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    eprintln!(
        "left turner: road {} s {:.1} lateral {:.2}; right turner: road {} s {:.1} lateral {:.2}",
        left.road, left.s_m, left.lateral_m, right.road, right.s_m, right.lateral_m
    );
}

/// Labels are byte-identical across two CLI runs of 1,000 frames with
/// collisions (small images: the labels are what is compared).
#[test]
fn thousand_labeled_frames_with_collisions_are_byte_identical() {
    let src = crash_scene(
        "pedestrians: [(s_m: 20, speed_mps: 1.2)],
         sensors: (cameras: [(name: \"front\", width: 32, height: 24, hfov_deg: 90, mount: (x_m: 1.0, z_m: 1.6))]),
         output: (formats: [], depth: [])",
    );
    let tmp = crate::common::temp_dir();
    let sc = tmp.path().join("crash.ron");
    std::fs::write(&sc, &src).unwrap();
    let labels = |name: &str| {
        let out = tmp.path().join(name);
        let o = crate::common::render_cli(sc.to_str().unwrap(), 1000, &out, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let sums = std::fs::read_to_string(out.join("checksums.sha256")).unwrap();
        let lines: Vec<String> = sums
            .lines()
            .filter(|l| l.contains("labels/"))
            .map(String::from)
            .collect();
        (out, lines)
    };
    let (out, a) = labels("a");
    let (_, b) = labels("b");
    assert_eq!(a.len(), 1000);
    assert_eq!(a, b, "label bytes differ between runs");
    let collided = (0..1000)
        .filter(|f| {
            std::fs::read_to_string(out.join(format!("labels/{f:06}.json")))
                .unwrap()
                .contains("\"collisions\"")
        })
        .count();
    assert!(collided >= 2, "only {collided} frames with collisions");
}

/// `end_on_collision: Ego`: the dataset stops at the frame the ego hits
/// something; the manifest says why and where; the last label records it.
#[test]
fn a_collision_can_end_the_episode() {
    let src = "(tick_hz: 20, frames: 200, road: (segments: [Straight(length_m: 200)]),
        ego: (speed_mps: 15, car_following: false),
        vehicles: [(start_s_m: 40, speed_mps: 0)],
        end_on_collision: Ego,
        sensors: (cameras: [(name: \"front\", width: 32, height: 24, hfov_deg: 90, mount: (x_m: 1.0, z_m: 1.6))]),
        output: (formats: [Kitti, Coco], depth: []))";
    let tmp = crate::common::temp_dir();
    let sc = tmp.path().join("crash.ron");
    std::fs::write(&sc, src).unwrap();
    let out = tmp.path().join("ds");
    let o = crate::common::render_cli(sc.to_str().unwrap(), 200, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let end = manifest["ended"]["frame"].as_u64().expect("ended early");
    assert!((44..=50).contains(&end), "ended at {end}");
    assert_eq!(manifest["frames"].as_u64(), Some(end + 1));
    let last = std::fs::read_to_string(out.join(format!("labels/{end:06}.json"))).unwrap();
    assert!(last.contains("\"collisions\"") && last.contains("\"vehicles[0]\""));
    assert!(!out.join(format!("labels/{:06}.json", end + 1)).exists());
    // the derived formats cover exactly those frames
    let train = std::fs::read_to_string(out.join("kitti/ImageSets/train.txt")).unwrap();
    assert_eq!(train.lines().count() as u64, end + 1);
    // the summary line counts the frames written, not those asked for
    let stderr = String::from_utf8_lossy(&o.stderr);
    let said = format!(
        "wrote {} of 200 frames (a collision ended the episode at frame {end})",
        end + 1
    );
    assert!(stderr.contains(&said), "{stderr}");
}

/// A pedestrian whose route crosses at a zebra crossing: along the
/// sidewalk to it, across the road, then on along the other sidewalk.
#[test]
fn pedestrians_cross_at_their_crossing_and_walk_on() {
    let ticks = run(
        "(tick_hz: 10, road: (segments: [Straight(length_m: 120)], crosswalks: [30]), ego: (speed_mps: 0),
          pedestrians: [(s_m: 20, side: Right, offset_m: 1.0, speed_mps: 1.5, cross_at_s_m: 30)])",
        300,
    );
    let p = |i: usize| actor(&ticks[i], "pedestrians[0]").clone();
    // right sidewalk: 1 m beyond the right kerb line (-5.7)
    assert!((p(0).2 + 6.7).abs() < 1e-6);
    // reaches the crossing, then crosses at s = 30
    let at_crossing = (0..300).find(|i| p(*i).2 > -6.6).expect("never crossed");
    assert!(
        (p(at_crossing).1 - 30.0).abs() < 0.2,
        "crossed at s {}",
        p(at_crossing).1
    );
    let across = (0..300)
        .find(|i| (p(*i).2 - 6.7).abs() < 1e-6)
        .expect("never arrived");
    // 13.4 m across at 1.5 m/s
    assert!((across - at_crossing) as f64 / 10.0 > 8.0);
    assert!((p(across).1 - 30.0).abs() < 0.2);
    // and walks on along the left sidewalk
    assert!(
        p(299).1 > 40.0 && (p(299).2 - 6.7).abs() < 1e-6,
        "{:?}",
        p(299)
    );
}

/// The ego turns too, here left into a one-lane cross street at a
/// signalled junction, without touching a kerb.
#[test]
fn the_ego_turns_left_into_a_narrow_cross_street() {
    let ticks = run(
        "(tick_hz: 10, road: (segments: [Straight(length_m: 200)],
            junctions: [(s_m: 60, crosswalks: true, signals: (main_green_s: 30))]),
          ego: (speed_mps: 10, turn: Left))",
        120,
    );
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    // heading north in the cross street's northbound lane: x = 60 + 1.75
    let ego = actor(ticks.last().unwrap(), "ego");
    assert!((ego.4.x - 61.75).abs() < 0.3, "x {}", ego.4.x);
    assert!(-ego.4.z > 20.0, "only {} m north", -ego.4.z);
}

/// At a junction without lights the main road has priority: a cross-street
/// car waits at its stop line while a main-road car comes through, then
/// crosses; nobody collides.
#[test]
fn cross_traffic_gives_way_at_an_unsignalled_junction() {
    let ticks = run(
        "(tick_hz: 10, road: (segments: [Straight(length_m: 200)], junctions: [(s_m: 80)]),
          ego: (speed_mps: 0, start_s_m: 190),
          vehicles: [
            (start_s_m: 30, speed_mps: 12),
            (road: 1, start_s_m: 25, speed_mps: 10),
          ])",
        200,
    );
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    let main_passed = ticks
        .iter()
        .position(|t| actor(t, "vehicles[0]").1 - 2.25 > 80.0 + 5.5)
        .expect("the main-road car never cleared the junction");
    // the cross car (centre at its station 60) reached the junction only after
    let cross_entered = ticks
        .iter()
        .position(|t| actor(t, "vehicles[1]").1 + 2.25 > 60.0 - 8.2)
        .expect("the cross car never went");
    assert!(
        cross_entered >= main_passed,
        "cross car entered at tick {cross_entered}, main car cleared at {main_passed}"
    );
    // and it slowed down for it, from 10 m/s
    let slowest = ticks[..cross_entered]
        .iter()
        .map(|t| actor(t, "vehicles[1]").3)
        .fold(f64::MAX, f64::min);
    assert!(slowest < 5.0, "the cross car only slowed to {slowest}");
    eprintln!(
        "main car cleared at tick {main_passed}; cross car slowed to {slowest:.2} m/s, entered at tick {cross_entered}"
    );
    assert!(actor(ticks.last().unwrap(), "vehicles[1]").1 > 75.0);
}

/// People walking along the main road's sidewalks cross the cross street's
/// mouth: a cross-street car heading for the main road and one turning out
/// of the cross street onto it each yield to the walker on the sidewalk
/// they cross, then go on; nobody is struck. (They drove through them:
/// drivers saw only their own road's occupants.)
#[test]
fn cross_street_drivers_stop_for_people_walking_across_its_mouth() {
    let ticks = run(
        "(road: (segments: [Straight(length_m: 200)], junctions: [(s_m: 60)]),
          ego: (speed_mps: 0, start_s_m: 20),
          vehicles: [
            (start_s_m: 25, speed_mps: 6, road: 1, lane: 0),
            (start_s_m: 115, speed_mps: 6, road: 1, lane: 0, direction: Backward, turn: Left),
          ],
          pedestrians: [
            (s_m: 55.5, side: Right, speed_mps: 1.4),
            (s_m: 67.8, side: Left, speed_mps: 1.2, direction: Backward),
          ])",
        200,
    );
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    for car in ["vehicles[0]", "vehicles[1]"] {
        let slowest = ticks[..120]
            .iter()
            .map(|t| actor(t, car).3)
            .fold(f64::MAX, f64::min);
        // from 6 m/s: stopped, or crept while the walker stepped clear
        assert!(slowest < 1.5, "{car} only slowed to {slowest:.2} m/s");
    }
    // on the road in the mouth (the sidewalk opens there), on the kerb's
    // 0.15 m beyond it: they floated at the kerb's height across the mouth
    for t in &ticks {
        let (_, s, _, _, at) = actor(t, "pedestrians[0]");
        if (56.0..64.0).contains(s) {
            assert_eq!(at.y, 0.0, "at s = {s:.2}");
        } else if *s > 67.0 {
            assert!((at.y - 0.15).abs() < 1e-6, "at s = {s:.2}: {}", at.y);
        }
    }
    // both went on once the walkers had passed: the first across the main
    // road, the second turned east onto it
    let end = ticks.last().unwrap();
    assert!(
        actor(end, "vehicles[0]").4.z < -20.0,
        "{:?}",
        actor(end, "vehicles[0]")
    );
    assert!(
        actor(end, "vehicles[1]").4.x > 75.0,
        "{:?}",
        actor(end, "vehicles[1]")
    );
}

/// Cars turning off the main road meet the people walking across the
/// cross street's mouth before they are on that street: a right turner
/// sees them along the arc it steers (where their walk takes them), and
/// the oncoming left turner gives way to it while it waits in the
/// junction; nobody is struck and both end up on the cross street.
#[test]
fn turning_cars_yield_to_walkers_in_the_mouth_and_left_turns_to_oncoming() {
    let ticks = run(
        "(road: (segments: [Straight(length_m: 200)], junctions: [(s_m: 60)]),
          ego: (speed_mps: 0, start_s_m: 10),
          vehicles: [(start_s_m: 30, speed_mps: 8, turn: Right),
                     (start_s_m: 100, speed_mps: 8, direction: Backward, turn: Left)],
          pedestrians: [(s_m: 50.5, side: Right, speed_mps: 1.4), (s_m: 49.0, side: Right, speed_mps: 1.0)])",
        200,
    );
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    let end = ticks.last().unwrap();
    for car in ["vehicles[0]", "vehicles[1]"] {
        // heading south on the cross street, past the main road's sidewalk
        assert!(actor(end, car).4.z > 10.0, "{car}: {:?}", actor(end, car));
    }
}

//! Collisions at speed on the default 10 Hz tick: bodies that hit stay
//! apart. A car moves 1.5-3 m a tick at 15-30 m/s, more than the 0.4-1.3 m
//! its collider overlaps another's or a road wall's height; met in one
//! step, the overlap resolved along the locked vertical axis and the cars
//! passed through each other (found with a hatchback: 0.2 m shorter than a
//! saloon, it was first touched a tick later, 1.6 m deep).

use crate::traffic::{actor, collisions, run};

/// The ego at 30 m/s cannot stop for a stopped car 40 m ahead (it needs
/// ~57 m): it hits it, and from then on never overlaps it.
#[test]
fn a_car_that_hits_a_stopped_vehicle_does_not_pass_through_it() {
    // half lengths: the ego is a saloon, each kind as the docs give it
    let kinds = [
        ("Hatchback", 2.05),
        ("Saloon", 2.25),
        ("Suv", 2.3),
        ("Van", 2.5),
        ("Truck", 4.0),
        ("Bus", 6.0),
    ];
    for (kind, half_length_m) in kinds {
        let ticks = run(
            &format!(
                "(road: (segments: [Straight(length_m: 300)]),
                  ego: (speed_mps: 30, kind: Saloon),
                  vehicles: [(start_s_m: 40, speed_mps: 0, kind: {kind})])"
            ),
            60,
        );
        let hits = collisions(&ticks);
        assert!(!hits.is_empty(), "{kind}: no collision");
        assert_eq!(
            (hits[0].1.a.as_str(), hits[0].1.b.as_str()),
            ("ego", "vehicles[0]")
        );
        // bumpers may overlap on the tick of impact by what one substep
        // (0.15 m) of closing leaves before the contact pushes back (6 cm
        // at 17 m/s, less than a real crumple zone gives), never more
        let mut closest = f64::INFINITY;
        for t in &ticks {
            let (ego, hit) = (actor(t, "ego"), actor(t, "vehicles[0]"));
            let gap = hit.1 - ego.1 - 2.25 - half_length_m;
            closest = closest.min(gap);
            assert!(
                gap > -0.1,
                "{kind}: the ego at s = {:.2} overlaps the vehicle at s = {:.2} by {:.2} m on tick {}",
                ego.1,
                hit.1,
                -gap,
                t.records.frame
            );
        }
        // momentum went into the struck vehicle: it was pushed forward
        let end = actor(ticks.last().unwrap(), "vehicles[0]");
        assert!(end.1 > 40.5, "{kind}: never pushed (s = {:.2})", end.1);
        eprintln!(
            "{kind}: closest bumper gap {closest:.3} m, pushed to s = {:.2}",
            end.1
        );
    }
}

/// Two cars head-on at 25 m/s each (5 m closer a tick): they stop each
/// other instead of passing through.
#[test]
fn cars_meeting_head_on_stop_each_other() {
    let ticks = run(
        "(road: (segments: [Straight(length_m: 400)]),
          ego: (speed_mps: 25, kind: Hatchback, car_following: false),
          vehicles: [(start_s_m: 120, speed_mps: 25, kind: Hatchback, car_following: false, wrong_way: true, direction: Backward, lane: 0)])",
        60,
    );
    assert!(!collisions(&ticks).is_empty(), "no collision");
    for t in &ticks {
        let (ego, other) = (actor(t, "ego"), actor(t, "vehicles[0]"));
        let gap = other.4.x - ego.4.x - 4.1;
        assert!(
            gap > -0.1,
            "overlap {:.2} m on tick {}",
            -gap,
            t.records.frame
        );
    }
}

/// A car far too fast for a curve skids straight on into the road's edge
/// wall (0.6 m tall): it stays on the road's side of the wall.
#[test]
fn a_car_that_skids_into_the_road_wall_stays_inside_it() {
    let ticks = run(
        "(road: (segments: [Straight(length_m: 30), Arc(length_m: 90, radius_m: 40, turn: Left)], lanes_forward: 1, lanes_backward: 1, parking_width_m: 0.0),
          ego: (speed_mps: 35, car_following: false))",
        60,
    );
    let walls: Vec<_> = collisions(&ticks)
        .into_iter()
        .filter(|(_, c)| c.b == "road_edge")
        .collect();
    assert!(!walls.is_empty(), "the ego never reached the wall");
    // the wall's face on the outer (right) kerb line at -3.5 m; a car is
    // at most 0.93 m wide of its centre
    for t in &ticks {
        let lateral = actor(t, "ego").2;
        assert!(
            lateral > -3.5 - 0.93 - 0.1,
            "the ego's centre at {lateral:.2} m: through the wall on tick {}",
            t.records.frame
        );
    }
}

/// A car that strikes a walker (kinematic, moved by its walk) records the
/// impact and drives on: a person is no wall (before, a car at 15 m/s
/// stopped dead within one tick, ~150 m/s^2).
#[test]
fn a_car_that_strikes_a_pedestrian_records_it_and_is_not_stopped_dead() {
    let ticks = run(
        "(road: (segments: [Straight(length_m: 200)]),
          ego: (speed_mps: 15, car_following: false),
          hazard: PedestrianCrossing(s_m: 50.0, side: Right, trigger_time_to_ego_s: 3.0))",
        50,
    );
    let hits = collisions(&ticks);
    let (frame, hit) = hits.first().expect("the ego never struck the walker");
    assert_eq!((hit.a.as_str(), hit.b.as_str()), ("ego", "hazard"));
    assert!((14.0..=16.0).contains(&hit.impact_speed_mps), "{hit:?}");
    for t in &ticks {
        let speed = actor(t, "ego").3;
        assert!(
            speed > 14.9,
            "the ego slowed to {speed:.2} m/s on tick {} (struck on tick {frame})",
            t.records.frame
        );
    }
}

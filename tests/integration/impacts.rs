//! Collisions at speed on the default 10 Hz tick: bodies that hit stay
//! apart. A car moves 1.5-3 m a tick at 15-30 m/s, more than the 0.4-1.3 m
//! its collider overlaps another's or a road wall's height; met in one
//! step, the overlap resolved along the locked vertical axis and the cars
//! passed through each other (found with a hatchback: 0.2 m shorter than a
//! saloon, it was first touched a tick later, 1.6 m deep).

use crate::traffic::{actor, collisions, run};
use bevy::prelude::{Transform, Vec3};

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

/// The parked transforms of every labeled vehicle, by role.
fn parked_transforms(app: &mut bevy::app::App) -> Vec<(String, Transform)> {
    let w = app.world_mut();
    let mut out: Vec<(String, Transform)> = w
        .query::<(&edgecase::world::Thing, &Transform)>()
        .iter(w)
        .filter(|(th, _)| th.role.to_string().starts_with("parked"))
        .map(|(th, t)| (th.role.to_string(), *t))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A parked car is a body on its brakes: the ego swerves into the back of
/// a parked hatchback at 15 m/s and pushes it into the van parked ahead;
/// both move and come to rest, and the car parked across the road, never
/// touched, keeps its transform bit for bit. (A fixed collider stopped the
/// ego as a wall would, and nothing it hit ever moved.)
#[test]
fn a_struck_parked_car_is_pushed_and_stops_on_its_brakes() {
    let mut app = edgecase::app::headless_app(crate::common::scenario(
        "(road: (segments: [Straight(length_m: 300)]),
          ego: (speed_mps: 15, kind: Saloon, car_following: false),
          props: (parked: [(s_m: 45, kind: Hatchback), (s_m: 52, kind: Van), (s_m: 120, side: Left)]),
          triggers: [(actor: \"ego\", when: AtTime(0.5), action: Swerve(-2.8)),
                     (actor: \"ego\", when: AtTime(3.2), action: EmergencyBrake)])",
    ));
    app.update();
    let start = parked_transforms(&mut app);
    let mut hits = Vec::new();
    let mut path = Vec::new();
    for _ in 0..60 {
        app.update();
        let w = app.world();
        hits.extend(
            w.resource::<edgecase::physics::TickRecords>()
                .collisions
                .clone(),
        );
        path.push(parked_transforms(&mut app));
    }
    let pair = |c: &edgecase::core::record::CollisionRecord| (c.a.clone(), c.b.clone());
    let pairs: Vec<_> = hits.iter().map(pair).collect();
    assert!(
        pairs.contains(&("ego".into(), "parked[0]".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("parked[0]".into(), "parked[1]".into())),
        "{pairs:?}"
    );
    let end = path.last().unwrap();
    for k in 0..2 {
        let moved = end[k].1.translation.distance(start[k].1.translation);
        assert!(moved > 0.5, "{} moved {moved:.2} m", end[k].0);
        // at rest on its brakes: the last ten ticks did not move it
        assert_eq!(path[49][k].1, end[k].1, "{} still sliding", end[k].0);
    }
    // the hatchback went forward, not through the ego or the van
    assert!(end[0].1.translation.x > start[0].1.translation.x + 2.0);
    assert!(end[1].1.translation.x > start[1].1.translation.x);
    for tick in &path {
        assert_eq!(tick[2], start[2], "the untouched parked car moved");
    }
}

/// Parked vehicles stand still until struck, even where a long body cuts
/// the kerb line: a bus and a truck parked on a 25 m curve with no parking
/// strip (their corners reach over the road-edge wall).
#[test]
fn parked_vehicles_that_cut_the_kerb_line_stand_still() {
    let mut app = edgecase::app::headless_app(crate::common::scenario(
        "(road: (segments: [Straight(length_m: 60), Arc(length_m: 40, radius_m: 25, turn: Right), Straight(length_m: 100)],
                 parking_width_m: 0, sidewalk: None, lanes_backward: 0),
          ego: (speed_mps: 5),
          props: (parked: [(s_m: 100, kind: Bus), (s_m: 120, kind: Truck), (s_m: 75, kind: Van, side: Left)]))",
    ));
    app.update();
    let start = parked_transforms(&mut app);
    for _ in 0..20 {
        app.update();
        let w = app.world();
        let hits = &w.resource::<edgecase::physics::TickRecords>().collisions;
        assert!(hits.is_empty(), "{hits:?}");
        assert_eq!(parked_transforms(&mut app), start);
    }
}

/// Long bodies parked on a curve's outside keep their corners off the
/// kerb: a straight body laid along the curve at its centre stands out of
/// the curve at its ends (a 12 m bus on the outside of a 25 m curve: its
/// corners stood ~0.6 m over the kerb, on the sidewalk); it is stepped in
/// until they keep the 0.25 m kerb gap, and on a straight it is not.
#[test]
fn parked_bodies_on_a_curve_s_outside_keep_their_corners_off_the_kerb() {
    let mut app = edgecase::app::headless_app(crate::common::scenario(
        "(road: (segments: [Straight(length_m: 60), Arc(length_m: 40, radius_m: 25, turn: Right), Straight(length_m: 100)]),
          ego: (speed_mps: 5),
          props: (parked: [(s_m: 80, kind: Bus, side: Left), (s_m: 93, kind: Truck, side: Left),
                           (s_m: 20, kind: Bus, side: Left)]))",
    ));
    app.update();
    let parked = parked_transforms(&mut app);
    // the right curve's centre (sim x east, z south), and the left kerb
    // line's radius about it: 25 m + 3.5 m of lane + 2.2 m of parking
    let centre = Vec3::new(60.0, 0.0, 25.0);
    let kerb_gap_radius_m = 25.0 + 5.7 - 0.25;
    for (role, (half_length, half_width)) in
        [("parked[0]", (6.0, 1.275)), ("parked[1]", (4.0, 1.25))]
    {
        let t = parked.iter().find(|(r, _)| r == role).unwrap().1;
        let mut farthest_m = f32::NEG_INFINITY;
        for (x, z) in [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)] {
            let corner = t.transform_point(Vec3::new(x * half_length, 0.0, z * half_width));
            farthest_m = farthest_m.max((corner - centre).with_y(0.0).length());
        }
        eprintln!("{role}: farthest corner {farthest_m:.3} m from the curve's centre");
        assert!(
            (farthest_m - kerb_gap_radius_m).abs() < 0.01,
            "{role}'s farthest corner is {farthest_m:.3} m from the curve's centre, its kerb gap at {kerb_gap_radius_m} m"
        );
    }
    // on the straight the kerb side keeps its 0.25 m gap from the kerb
    // line at 5.7 m left of the centre line (sim -z)
    let straight = parked.iter().find(|(r, _)| r == "parked[2]").unwrap().1;
    assert!(
        (straight.translation.z + 5.7 - 0.25 - 1.275).abs() < 1e-3,
        "{straight:?}"
    );
}

/// On a narrow street (2.9 m lanes) a truck and a bus parked on the right
/// stick 0.55-0.6 m into the lane: drivers pass them off the lane's centre,
/// inside their lane and clear of them, without stopping, and are back on
/// the centre beyond (they had queued behind the truck for good). A car
/// stalled in the middle of the lane still stops the one behind.
#[test]
fn drivers_pass_a_parked_truck_that_sticks_into_a_narrow_lane() {
    let street = "road: (segments: [Straight(length_m: 300)], lanes_forward: 1,
                  lanes_backward: 1, lane_width_m: 2.9),
                  props: (parked: [(s_m: 60, side: Right, kind: Truck),
                                   (s_m: 100, side: Right, kind: Bus)])";
    let ticks = run(
        &format!(
            "({street}, ego: (start_s_m: 0, speed_mps: 5),
              vehicles: [(start_s_m: 30, speed_mps: 8, kind: Saloon)])"
        ),
        150,
    );
    let lane_centre = -1.45;
    let (mut widest, mut slowest) = (0.0f64, f64::INFINITY);
    for t in &ticks[1..] {
        let lead = actor(t, "vehicles[0]");
        if (50.0..115.0).contains(&lead.1) {
            widest = widest.max(lead.2 - lane_centre);
            slowest = slowest.min(lead.3);
        }
    }
    // moved left by what the truck's side takes plus 0.25 m, no further
    // than its lane's left edge (half a 1.8 m saloon from the centre line)
    assert!((0.2..=0.55).contains(&widest), "{widest}");
    assert!(slowest > 7.0, "slowed to {slowest}");
    let last = ticks.last().unwrap();
    let (lead, ego) = (actor(last, "vehicles[0]"), actor(last, "ego"));
    assert!(
        lead.1 > 140.0 && (lead.2 - lane_centre).abs() < 0.05,
        "{lead:?}"
    );
    assert!(ego.1 > 70.0, "the ego queued: {ego:?}");
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    // a car stalled in the middle of that lane leaves no room: stop behind
    let ticks = run(
        &format!(
            "({street}, ego: (start_s_m: 0, speed_mps: 8),
              vehicles: [(start_s_m: 40, speed_mps: 0, kind: Saloon)])"
        ),
        150,
    );
    let ego = actor(ticks.last().unwrap(), "ego");
    assert!(ego.3.abs() < 0.05 && ego.1 < 36.0, "{ego:?}");
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
}

/// A parked car struck from the side is pushed towards the kerb and stops
/// at the road's edge wall: the ego swerves across its parking strip into
/// a parked hatchback at 15 m/s. Its outer side never passes the kerb line
/// by more than a substep's overlap (before, a pushed parked body met no
/// fixed collider: it slid over the kerb, through poles and walls).
#[test]
fn a_parked_car_pushed_sideways_stops_at_the_kerb() {
    let mut app = edgecase::app::headless_app(crate::common::scenario(
        "(road: (segments: [Straight(length_m: 300)], lanes_forward: 1, lane_width_m: 3.5, parking_width_m: 2.2),
          ego: (speed_mps: 15, kind: Suv, car_following: false),
          props: (parked: [(s_m: 40, kind: Hatchback)],
                  placed: [(kind: Pole, s_m: 41, side: Right, offset_m: 0.6)]),
          triggers: [(actor: \"ego\", when: AtTime(1.2), action: Swerve(-5.5))])",
    ));
    app.update();
    let start = parked_transforms(&mut app);
    let mut pairs = Vec::new();
    let mut outermost_m = f32::NEG_INFINITY;
    for _ in 0..60 {
        app.update();
        let w = app.world();
        let hits = &w.resource::<edgecase::physics::TickRecords>().collisions;
        pairs.extend(hits.iter().map(|c| (c.a.clone(), c.b.clone())));
        let t = parked_transforms(&mut app)[0].1;
        // the hatchback's corners (4.1 x 1.76 m), metres right of the
        // road's centre line (sim +z is south, the right of an eastward road)
        for (x, z) in [(2.05, 0.88), (2.05, -0.88), (-2.05, 0.88), (-2.05, -0.88)] {
            let corner = t.transform_point(Vec3::new(x, 0.0, z));
            outermost_m = outermost_m.max(corner.z);
        }
    }
    let end = parked_transforms(&mut app)[0].1;
    eprintln!(
        "pushed {:.2} m towards the kerb, outermost corner {outermost_m:.3} m",
        end.translation.z - start[0].1.translation.z
    );
    assert!(
        pairs.contains(&("ego".into(), "parked[0]".into())),
        "{pairs:?}"
    );
    let pushed = end.translation.z - start[0].1.translation.z;
    assert!(pushed > 0.1, "not pushed towards the kerb: {pushed:.2} m");
    // the kerb line: 3.5 m of lane + 2.2 m of parking right of the centre
    assert!(
        outermost_m < 5.7 + 0.1,
        "a corner reached {outermost_m:.2} m, over the kerb at 5.7 m ({pairs:?})"
    );
    assert!(
        pairs.contains(&("parked[0]".into(), "road_edge".into())),
        "{pairs:?}"
    );
}

/// A crossing group hidden behind a van parked on the inside of a tight
/// curve starts clear of it: stations crowd together towards the kerb
/// there, and 3 m of station past the van's centre left the first walker
/// touching its front (a collision on the first tick, which ended a run
/// with `end_on_collision: Any`).
#[test]
fn a_group_behind_a_van_parked_on_a_curve_s_inside_starts_clear_of_it() {
    for turn in ["Right", "Left"] {
        let ticks = run(
            &format!(
                "(road: (segments: [Arc(length_m: 80, radius_m: 30, turn: {turn}), Straight(length_m: 60)],
                         lane_width_m: 2.8, parking_width_m: 2.0),
                  ego: (speed_mps: 6, start_s_m: 30),
                  props: (parked: [(s_m: 60, kind: Van)]),
                  hazard: PedestrianCrossing(s_m: 0, trigger_time_to_ego_s: 4, behind_parked: 0, count: 8))"
            ),
            5,
        );
        assert!(
            collisions(&ticks).is_empty(),
            "{turn}: {:?}",
            collisions(&ticks)
        );
    }
}

/// A cyclist at the default offset rides clear of a bus parked on the
/// inside of a tight curve: its straight ends stand out of the curve
/// towards the lanes (~0.8 m here), which the default offset now clears
/// (before, the cyclist rode into its front end), and `--check` counts
/// them against a given offset.
#[test]
fn a_cyclist_clears_a_bus_parked_on_a_curve_s_inside() {
    let road = "road: (segments: [Straight(length_m: 50), Arc(length_m: 60, radius_m: 22, turn: Right), Straight(length_m: 60)], parking_width_m: 2.6),
                props: (parked: [(s_m: 75, kind: Bus)])";
    let ticks = run(
        &format!("({road}, ego: (speed_mps: 0), cyclists: [(s_m: 55, speed_mps: 5)])"),
        40,
    );
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    let e = edgecase::scenario::parse(
        &format!("({road}, cyclists: [(s_m: 55, offset_m: 3.5)])"),
        std::path::Path::new("s.ron"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("would ride through props.parked[0]"), "{e}");
}

/// A bus parked on the inside of a tight curve stands out of the curve
/// into the lane at its ends (~0.9 m here): a driver passes it where the
/// lane leaves room and stops behind it where it does not, and never
/// strikes it (before, drivers judged its width at its centre and drove
/// into its front end).
#[test]
fn drivers_pass_or_stop_for_a_bus_parked_on_a_curve_s_inside() {
    for (lane_width_m, passes) in [(3.0, false), (3.5, true)] {
        let ticks = run(
            &format!(
                "(road: (segments: [Straight(length_m: 50), Arc(length_m: 60, radius_m: 22, turn: Right), Straight(length_m: 60)],
                         parking_width_m: 2.6, lane_width_m: {lane_width_m}),
                  ego: (speed_mps: 6, start_s_m: 20),
                  vehicles: [(start_s_m: 35, speed_mps: 7, kind: Saloon)],
                  props: (parked: [(s_m: 75, kind: Bus)]))"
            ),
            100,
        );
        assert!(
            collisions(&ticks).is_empty(),
            "{lane_width_m} m lanes: {:?}",
            collisions(&ticks)
        );
        let lead = actor(ticks.last().unwrap(), "vehicles[0]");
        if passes {
            assert!(lead.1 > 90.0, "{lane_width_m} m lanes: {lead:?}");
        } else {
            // behind the bus's back end (s = 69), at rest
            assert!(lead.1 < 69.0 - 2.25 && lead.3.abs() < 0.05, "{lead:?}");
        }
    }
}

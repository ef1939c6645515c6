//! Validation of where the traffic starts (see `validate`): no two
//! vehicles, the ego and parked cars included, may start inside each
//! other, nor two pedestrians on one spot.

use super::locate::{Step, field, item};
use super::validate::Invalid;
use super::{Direction, Scenario, Side};
use crate::core::road::{Footprint, lane_centre_offset_m};

/// Two vehicles in one lane must start at least their half lengths plus
/// this gap apart, metres. Bodies started inside each other drive through
/// each other (or are flung apart by the physics), and their coincident
/// boxes cannot be told apart by an evaluation that matches by centre
/// distance (nuScenes' detection metrics).
pub const MIN_START_GAP_M: f64 = 0.5;

/// Two pedestrians may not start closer than this along the road and
/// across the sidewalk both, metres (one body inside the other).
pub const MIN_PEDESTRIAN_GAP_M: f64 = 0.5;

/// A vehicle's place at the start: its lane (parked or driving, road,
/// whether it is one of the road's forward lanes or the left kerb, index),
/// where along the road, how long.
struct Start {
    lane: (bool, u32, bool, u32),
    s_m: f64,
    length_m: f64,
    /// Across the road (left positive) and across the body, metres: on a
    /// curve's inside, stations crowd together (main road only).
    lateral_m: f64,
    width_m: f64,
    who: String,
    blame: Vec<Step<'static>>,
}

/// The ego, every traffic vehicle and every parked car start clear of
/// each other in their lanes; pedestrians clear of each other. The one
/// listed later is blamed.
pub(super) fn check_starts(s: &Scenario) -> Result<(), Invalid> {
    check_vehicle_starts(s)?;
    check_pedestrian_starts(s)?;
    check_cyclist_paths(s)?;
    check_crossing_paths(s)
}

/// A crossing to check: where it is written, its station, its extent
/// along the road from there (behind, ahead), metres, and who crosses.
struct CrossingPath(Vec<Step<'static>>, f64, (f64, f64), String);

/// Half a walker's depth along the road, metres.
const WALKER_HALF_DEPTH_M: f64 = 0.3;
/// Half a deer's length, metres (it crosses side on): its label box's
/// (`world::objects::deer`, tested there).
pub(crate) const DEER_HALF_LENGTH_M: f64 = 0.83;

/// Whoever crosses the road walks straight across it, both parking strips
/// included, and steps round nothing: a crossing at a station where a
/// vehicle is parked (either side) would walk through it. A pedestrian's
/// `cross_at_s_m`, the crossing hazard's group (behind a parked vehicle it
/// starts past its front) and the deer's crossing must be clear of every
/// parked vehicle, and inside an opening of the median's barrier (if any).
fn check_crossing_paths(s: &Scenario) -> Result<(), Invalid> {
    use super::actors::Hazard;
    // as drawn: a `Car`'s body style is drawn from the seed
    let parked_length_m = |k: usize| s.props.parked[k].body(s.seed, k).longest_body_m();
    let mut crossings: Vec<CrossingPath> = s
        .pedestrians
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let c = p.cross_at_s_m?;
            let at = vec![item("pedestrians", i), field("cross_at_s_m")];
            let extent = (-WALKER_HALF_DEPTH_M, WALKER_HALF_DEPTH_M);
            Some(CrossingPath(at, c, extent, format!("pedestrians[{i}]")))
        })
        .collect();
    match &s.hazard {
        Some(Hazard::PedestrianCrossing(h)) => {
            let (behind, ahead) = h.group_along_m();
            let extent = (behind - WALKER_HALF_DEPTH_M, ahead + WALKER_HALF_DEPTH_M);
            let (at, s_m) = match h.behind_parked {
                // just past that vehicle's front
                Some(k) => (
                    vec![field("hazard"), field("behind_parked")],
                    super::actors::PedestrianCrossing::behind_parked_start_m(s, k).0,
                ),
                None => (vec![field("hazard"), field("s_m")], h.s_m),
            };
            crossings.push(CrossingPath(at, s_m, extent, "the crossing hazard".into()));
        }
        Some(Hazard::AnimalCrossing(h)) => crossings.push(CrossingPath(
            vec![field("hazard"), field("s_m")],
            h.s_m,
            (-DEER_HALF_LENGTH_M, DEER_HALF_LENGTH_M),
            "the deer".into(),
        )),
        _ => {}
    }
    let openings = s.road.median_openings_m();
    for CrossingPath(at, s_m, (behind, ahead), who) in crossings {
        let (from, to) = (s_m + behind, s_m + ahead);
        if s.road.median_width_m > 0.0 && !openings.iter().any(|&(a, b)| a <= from && to <= b) {
            let zebras: Vec<String> = s
                .road
                .zebra_crossings_m()
                .iter()
                .map(|z| decimals(*z))
                .collect();
            return Err((
                at,
                format!(
                    "{who} crosses the road at s = {s_m:.1} m (taking {from:.1}..{to:.1} m) through the median's crash barrier, which is open only at junctions and zebra crossings ({} m either side of each: {}); cross there, or set road.median_width_m: 0",
                    super::road::MEDIAN_ZEBRA_GAP_HALF_M,
                    if zebras.is_empty() {
                        "none on this road".to_string()
                    } else {
                        format!("s = {} m", zebras.join(", "))
                    }
                ),
            ));
        }
        for (k, p) in s.props.parked.iter().enumerate() {
            let body = parked_length_m(k) / 2.0;
            if to <= p.s_m - body || from >= p.s_m + body {
                continue;
            }
            return Err((
                at,
                format!(
                    "{who} crosses the road at s = {s_m:.1} m (taking {from:.1}..{to:.1} m) through props.parked[{k}], a parked {} at s = {} m (up to {:.1}..{:.1} m): crossers walk straight across both parking strips and step round nothing; cross clear of it",
                    p.kind.body_name(),
                    p.s_m,
                    p.s_m - body,
                    p.s_m + body
                ),
            ));
        }
    }
    Ok(())
}

/// A cyclist rides straight on at their offset and steers round nothing:
/// one whose path crosses a parked vehicle on their side, anywhere ahead,
/// would ride through it (a parked truck, bus or van sticks out of a 2 m
/// parking strip; the default offset keeps clear of every one on their
/// side). Cyclists with a `Swerve` trigger are left to it.
fn check_cyclist_paths(s: &Scenario) -> Result<(), Invalid> {
    use super::actors::{Action, CYCLIST_HALF_WIDTH_M, PARKED_KERB_GAP_M};
    // a cyclist the scenario swerves is steered by it: not judged here
    let roles = super::actor_roles(s);
    let swerved: Vec<super::Role> = s
        .triggers
        .iter()
        .filter(|t| matches!(t.action, Action::Swerve(_)))
        .filter_map(|t| super::resolve_actor(&roles, &t.actor))
        .collect();
    for (i, c) in s.cyclists.iter().enumerate() {
        if swerved.contains(&super::Role::Cyclist(i)) {
            continue;
        }
        let offset = c.ride_offset_m(&s.road, &s.props.parked);
        let (near, far) = (offset - CYCLIST_HALF_WIDTH_M, offset + CYCLIST_HALF_WIDTH_M);
        // they ride with the traffic of their side
        let forward = s.road.kerb_direction(c.side) == Direction::Forward;
        let on_side = s
            .props
            .parked
            .iter()
            .enumerate()
            .filter(|(_, p)| p.side == c.side);
        for (k, p) in on_side {
            let inner = super::actors::parked_reach_m(&s.road, p);
            let half = p.kind.longest_body_m() / 2.0;
            let ahead = if forward {
                p.s_m + half > c.s_m - 1.0
            } else {
                p.s_m - half < c.s_m + 1.0
            };
            if near >= inner || far <= PARKED_KERB_GAP_M || !ahead {
                continue;
            }
            // the default offset clears every parked vehicle: only a given one is wrong
            let blame = vec![item("cyclists", i), field("offset_m")];
            return Err((
                blame,
                format!(
                    "cyclists[{i}] would ride through props.parked[{k}] (a parked {} at s = {} m, {PARKED_KERB_GAP_M}..{inner:.2} m in from the kerb line): at {offset:.2} m from the kerb the bicycle takes {near:.2}..{far:.2} m and steers round nothing. Ride at offset_m >= {:.2}, or park it off their path",
                    p.kind.body_name(),
                    p.s_m,
                    inner + CYCLIST_HALF_WIDTH_M
                ),
            ));
        }
    }
    Ok(())
}

/// A distance as people write it: at most two decimals, no trailing zeros
/// (12.599999999999994 reads 12.6).
fn decimals(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Start {
    fn footprint(&self) -> Footprint {
        Footprint {
            s_m: self.s_m,
            lateral_m: self.lateral_m,
            length_m: self.length_m,
            width_m: self.width_m,
        }
    }
}

fn check_vehicle_starts(s: &Scenario) -> Result<(), Invalid> {
    let r = &s.road;
    // a cross street has no median
    let lane_centre_m = |road: u32, forward: bool, lane: u32| {
        let median_m = if road == 0 { r.median_width_m } else { 0.0 };
        let c = lane_centre_offset_m(median_m, lane, r.lane_width_m);
        if forward { -c } else { c }
    };
    let mut starts = vec![Start {
        lane: (false, 0, true, s.ego.lane),
        s_m: s.ego.start_s_m,
        length_m: s.ego.kind.longest_body_m(),
        lateral_m: lane_centre_m(0, true, s.ego.lane),
        width_m: s.ego.kind.widest_body_m(),
        who: "the ego".to_string(),
        blame: vec![field("ego"), field("start_s_m")],
    }];
    for (i, v) in s.vehicles.iter().enumerate() {
        // a wrong-way driver uses the other direction's lanes
        let forward_lanes = (v.direction == Direction::Forward) != v.wrong_way;
        starts.push(Start {
            lane: (false, v.road, forward_lanes, v.lane),
            s_m: v.start_s_m,
            length_m: v.kind.longest_body_m(),
            lateral_m: lane_centre_m(v.road, forward_lanes, v.lane),
            width_m: v.kind.widest_body_m(),
            who: format!("vehicles[{i}]"),
            blame: vec![item("vehicles", i), field("start_s_m")],
        });
    }
    for (i, p) in s.props.parked.iter().enumerate() {
        starts.push(Start {
            lane: (true, 0, p.side == Side::Left, 0),
            s_m: p.s_m,
            length_m: p.kind.longest_body_m(),
            lateral_m: super::actors::parked_lateral_m(
                r,
                p.side,
                p.s_m,
                p.kind.longest_body_m(),
                p.kind.widest_body_m(),
            ),
            width_m: p.kind.widest_body_m(),
            who: format!("props.parked[{i}]"),
            blame: vec![field("props"), item("parked", i), field("s_m")],
        });
    }
    // by lane, then along it: a vehicle overlapping any other in its lane
    // overlaps its neighbour in this order
    let mut order: Vec<usize> = (0..starts.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&starts[a], &starts[b]);
        a.lane.cmp(&b.lane).then(a.s_m.total_cmp(&b.s_m))
    });
    let path = r.path();
    for pair in order.windows(2) {
        let (first, second) = (pair[0].min(pair[1]), pair[0].max(pair[1]));
        let (a, b) = (&starts[first], &starts[second]);
        let needed_m = (a.length_m + b.length_m) / 2.0 + MIN_START_GAP_M;
        let apart_m = (a.s_m - b.s_m).abs();
        if a.lane != b.lane {
            continue;
        }
        let a_on_main = a.lane.1 == 0;
        // on the main road's curves the bodies' inner corners come closer
        // than their stations say (cross streets are straight)
        let too_close = |a: &Footprint, b: &Footprint| {
            a_on_main && path.footprints_closer_than(a, b, MIN_START_GAP_M - 1e-6)
        };
        if apart_m < needed_m || too_close(&a.footprint(), &b.footprint()) {
            let curve = if apart_m < needed_m {
                String::new()
            } else {
                // how far apart they clear each other there, to 0.1 m
                let behind = starts[pair[0]].footprint();
                let mut ahead = starts[pair[1]].footprint();
                let mut clear_m = apart_m;
                while too_close(&behind, &ahead) && clear_m < apart_m + 200.0 {
                    clear_m += 0.1;
                    ahead.s_m = behind.s_m + clear_m;
                }
                format!(
                    ", and on this curve's inside, where their inner corners meet, \
                     {} m",
                    decimals(clear_m)
                )
            };
            return Err((
                b.blame.clone(),
                format!(
                    "{} starts {} m from {} in the same lane: vehicles need \
                     {needed_m} m between their starts (half of each one's longest \
                     body plus {MIN_START_GAP_M} m){curve}",
                    b.who,
                    decimals(apart_m),
                    a.who
                ),
            ));
        }
    }
    check_starts_across_roads(s, &starts)
}

/// Vehicles on different roads (a cross-street car and the ego where the
/// roads cross) start clear of each other too: compared on the ground.
fn check_starts_across_roads(s: &Scenario, starts: &[Start]) -> Result<(), Invalid> {
    let main = s.road.path();
    let paths: Vec<_> = std::iter::once(main.clone())
        .chain(s.road.junctions.iter().map(|j| {
            let (from, to) = j.arms_m();
            main.cross_street(j.s_m, from, to)
        }))
        .collect();
    let rects: Vec<_> = starts
        .iter()
        .map(|st| paths[st.lane.1 as usize].rect_of(&st.footprint()))
        .collect();
    check_people_clear_of_vehicles(s, &main, starts.iter().zip(rects.iter().copied()))?;
    // bodies in different lanes or on different roads may not overlap (in
    // one lane the station rule above keeps them 0.5 m apart)
    let reach = |r: &crate::core::road::Rect| r.half_length_m.hypot(r.half_width_m);
    for (i, (a, ra)) in starts.iter().zip(&rects).enumerate() {
        for (b, rb) in starts[i + 1..].iter().zip(&rects[i + 1..]) {
            if a.lane == b.lane
                || ra.centre.distance(rb.centre) > reach(ra) + reach(rb)
                || !ra.closer_than(rb, 0.0)
            {
                continue;
            }
            let place = if a.lane.1 == b.lane.1 {
                "beside it (a body wider than its lane reaches into the next one)"
            } else {
                "where their roads cross"
            };
            return Err((
                b.blame.clone(),
                format!(
                    "{} starts inside {} {place} (road {} at s = {} m, road {} at s = {} m)",
                    b.who, a.who, b.lane.1, b.s_m, a.lane.1, a.s_m
                ),
            ));
        }
    }
    Ok(())
}

/// People start outside every vehicle: a pedestrian on the sidewalk where
/// a cross-street car starts over it, a cyclist beside the ego in its lane.
fn check_people_clear_of_vehicles<'a>(
    s: &Scenario,
    main: &crate::core::road::RoadPath,
    vehicles: impl Iterator<Item = (&'a Start, crate::core::road::Rect)>,
) -> Result<(), Invalid> {
    use super::actors::CYCLIST_HALF_WIDTH_M;
    let r = &s.road;
    let mut people = Vec::new();
    for (i, p) in s.pedestrians.iter().enumerate() {
        let lateral_m = r.kerb_m(p.side) + p.side.outward() * p.offset_m;
        let size = 2.0 * WALKER_HALF_DEPTH_M;
        let f = Footprint {
            s_m: p.s_m,
            lateral_m,
            length_m: size,
            width_m: size,
        };
        people.push((
            main.rect_of(&f),
            format!("pedestrians[{i}]"),
            vec![item("pedestrians", i), field("s_m")],
        ));
    }
    for (i, c) in s.cyclists.iter().enumerate() {
        let lateral_m = r.kerb_m(c.side) - c.side.outward() * c.ride_offset_m(r, &s.props.parked);
        let f = Footprint {
            s_m: c.s_m,
            lateral_m,
            length_m: 1.8,
            width_m: 2.0 * CYCLIST_HALF_WIDTH_M,
        };
        people.push((
            main.rect_of(&f),
            format!("cyclists[{i}]"),
            vec![item("cyclists", i), field("s_m")],
        ));
    }
    for (v, body) in vehicles {
        if let Some((_, who, blame)) = people.iter().find(|(p, ..)| p.closer_than(&body, 0.0)) {
            return Err((
                blame.clone(),
                format!(
                    "{who} starts inside {} (at s = {} m on road {}): start them apart",
                    v.who, v.s_m, v.lane.1
                ),
            ));
        }
    }
    Ok(())
}

fn check_pedestrian_starts(s: &Scenario) -> Result<(), Invalid> {
    let people = &s.pedestrians;
    // by side, then along the road: only near neighbours can coincide
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&people[a], &people[b]);
        (a.side == Side::Left)
            .cmp(&(b.side == Side::Left))
            .then(a.s_m.total_cmp(&b.s_m))
    });
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[k + 1..] {
            let (a, b) = (&people[i], &people[j]);
            if a.side != b.side || b.s_m - a.s_m >= MIN_PEDESTRIAN_GAP_M {
                break;
            }
            if (a.offset_m - b.offset_m).abs() < MIN_PEDESTRIAN_GAP_M {
                let (first, second) = (i.min(j), i.max(j));
                return Err((
                    vec![item("pedestrians", second), field("s_m")],
                    format!(
                        "pedestrians[{second}] starts on the spot of pedestrians[{first}]: \
                         people on one side need {MIN_PEDESTRIAN_GAP_M} m between them \
                         along the road or across the sidewalk"
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::VehicleKind;
    use crate::scenario::actors::Vehicle;

    fn vehicle(start_s_m: f64, kind: VehicleKind) -> Vehicle {
        ron::from_str::<Vehicle>(&format!(
            "(start_s_m: {start_s_m}, speed_mps: 10.0, kind: {kind:?})"
        ))
        .unwrap()
    }

    #[test]
    fn crossers_pass_a_median_only_through_its_openings() {
        let parse = |hazard: &str| {
            let src = format!(
                "(road: (lanes_forward: 2, lanes_backward: 2, median_width_m: 3, crosswalks: [60]), hazard: {hazard})"
            );
            crate::scenario::parse(&src, std::path::Path::new("t.ron")).map(|_| ())
        };
        // a group of four at the zebra passes through its 6 m refuge
        assert!(parse("PedestrianCrossing(s_m: 60, trigger_time_to_ego_s: 2, count: 4)").is_ok());
        // eight, 0.9 m apart, span 7 m: some would walk through the barrier
        let e =
            parse("PedestrianCrossing(s_m: 60, trigger_time_to_ego_s: 2, count: 8)").unwrap_err();
        assert!(e.to_string().contains("median's crash barrier"), "{e}");
        assert!(parse("PedestrianCrossing(s_m: 80, trigger_time_to_ego_s: 2)").is_err());
    }

    #[test]
    fn vehicles_may_not_start_inside_each_other() {
        let mut s = Scenario::default();
        s.ego.start_s_m = 0.0;
        // a truck 7 m ahead of a car-sized ego: 8/2 + 5.3/2 + 0.5 needed
        s.vehicles = vec![vehicle(7.0, VehicleKind::Truck)];
        let (blame, why) = check_starts(&s).unwrap_err();
        assert_eq!(blame, vec![item("vehicles", 0), field("start_s_m")]);
        assert!(why.contains("the ego"), "{why}");
        s.vehicles = vec![vehicle(7.2, VehicleKind::Truck)];
        assert!(check_starts(&s).is_ok());
        // the same place in other lanes or directions is fine
        let mut beside = vehicle(0.0, VehicleKind::Car);
        beside.lane = 1;
        let mut oncoming = vehicle(0.0, VehicleKind::Car);
        oncoming.direction = Direction::Backward;
        s.vehicles = vec![beside, oncoming.clone()];
        s.road.lanes_forward = 2;
        assert!(check_starts(&s).is_ok());
        // but a wrong-way driver is in the oncoming lanes
        let mut wrong_way = vehicle(2.0, VehicleKind::Car);
        wrong_way.direction = Direction::Forward;
        wrong_way.wrong_way = true;
        s.vehicles.push(wrong_way);
        let (blame, _) = check_starts(&s).unwrap_err();
        assert_eq!(blame, vec![item("vehicles", 2), field("start_s_m")]);
        // two stacked far from the ego: the later one is blamed
        s.vehicles = vec![
            vehicle(50.0, VehicleKind::Bus),
            vehicle(80.0, VehicleKind::Van),
            vehicle(55.0, VehicleKind::Car),
        ];
        let (blame, why) = check_starts(&s).unwrap_err();
        assert_eq!(blame, vec![item("vehicles", 2), field("start_s_m")]);
        assert!(why.contains("vehicles[0]"), "{why}");
    }

    #[test]
    fn parked_cars_and_pedestrians_may_not_start_on_one_spot() {
        let mut s: Scenario = ron::from_str(
            "(props: (parked: [(s_m: 20.0, side: Right), (s_m: 20.0, side: Left), \
             (s_m: 25.0, side: Right)]))",
        )
        .unwrap();
        let (blame, why) = check_starts(&s).unwrap_err();
        assert_eq!(blame, vec![field("props"), item("parked", 2), field("s_m")]);
        assert!(why.contains("props.parked[0]"), "{why}");
        s.props.parked[2].s_m = 26.0;
        assert!(check_starts(&s).is_ok());
        s = ron::from_str(
            "(pedestrians: [(s_m: 10.0), (s_m: 10.2, side: Left), (s_m: 10.3, offset_m: 2.0), \
             (s_m: 10.4)])",
        )
        .unwrap();
        let (blame, _) = check_starts(&s).unwrap_err();
        assert_eq!(blame, vec![item("pedestrians", 3), field("s_m")]);
        s.pedestrians[3].s_m = 10.5;
        assert!(check_starts(&s).is_ok());
    }
}

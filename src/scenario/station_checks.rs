//! Validation of where things stand along their road (see `validate`):
//! a station far past either end places a car, a person or a tree in the
//! void, where no camera ever sees it, which is a mistake the user wants to
//! hear about. Stations within one road length of the road are allowed, as
//! for scattered props (the road is drawn 40 m before its start and 150 m
//! past its end, and the terrain 400 m around it); a pedestrian's crossing
//! must be on the road itself, as a zebra crossing must.

use super::actors::Hazard;
use super::locate::{Step, field, item};
use super::validate::{Invalid, road_length_m};
use super::{JunctionKind, PropKind, Scenario, Side};

pub(super) fn check_stations(s: &Scenario) -> Result<(), Invalid> {
    let main_road = road_length_m(s);
    let near_road = |steps: Vec<Step<'static>>, what: &str, v: f64, length: f64| {
        if (-length..=2.0 * length).contains(&v) {
            Ok(())
        } else {
            Err((
                steps,
                format!(
                    "{what} = {v} m is too far off its road (0..={length} m; stations within one road length of it are allowed)"
                ),
            ))
        }
    };
    let near = |steps, what: &str, v| near_road(steps, what, v, main_road);
    let props: [(&'static str, Vec<f64>); 2] = [
        ("parked", s.props.parked.iter().map(|p| p.s_m).collect()),
        ("placed", s.props.placed.iter().map(|p| p.s_m).collect()),
    ];
    for (list, stations) in props {
        for (i, s_m) in stations.into_iter().enumerate() {
            near(
                vec![field("props"), item(list, i), field("s_m")],
                "s_m",
                s_m,
            )?;
        }
    }
    // a vehicle on a cross street counts stations along it
    for (i, v) in s.vehicles.iter().enumerate() {
        let length = match v.road.checked_sub(1).map(|k| &s.road.junctions[k as usize]) {
            None => main_road,
            Some(j) if j.kind == JunctionKind::FourWay => 2.0 * j.arm_length_m,
            Some(j) => j.arm_length_m,
        };
        near_road(
            vec![item("vehicles", i), field("start_s_m")],
            "start_s_m",
            v.start_s_m,
            length,
        )?;
    }
    for (i, p) in s.pedestrians.iter().enumerate() {
        near(vec![item("pedestrians", i), field("s_m")], "s_m", p.s_m)?;
        if let Some(c) = p.cross_at_s_m
            && !(0.0..=main_road).contains(&c)
        {
            return Err((
                vec![item("pedestrians", i), field("cross_at_s_m")],
                format!("cross_at_s_m = {c} m is off the road (0..={main_road} m)"),
            ));
        }
    }
    for (i, c) in s.cyclists.iter().enumerate() {
        near(vec![item("cyclists", i), field("s_m")], "s_m", c.s_m)?;
    }
    match &s.hazard {
        // behind a parked vehicle, the crossing's station is the vehicle's
        Some(Hazard::PedestrianCrossing(h)) if h.behind_parked.is_none() => {
            near(vec![field("hazard"), field("s_m")], "s_m", h.s_m)?
        }
        Some(Hazard::AnimalCrossing(h)) => near(vec![field("hazard"), field("s_m")], "s_m", h.s_m)?,
        _ => {}
    }
    Ok(())
}

/// How long a placed building's front is along the road, metres (as the
/// world draws it).
pub const PLACED_BUILDING_FRONT_M: f64 = 14.0;

/// Nothing parked or placed stands in a cross street's mouth: a car or a
/// building there blocks the street (scattered props leave it free). A
/// parked vehicle counts its body as drawn, a placed building the 14 m it
/// is drawn, a tree, pole or sign its trunk; a placed prop farther out than
/// the arm is clear of it.
pub(super) fn check_junction_mouths(s: &Scenario) -> Result<(), Invalid> {
    let blocked = |s_m: f64, half_m: f64, side: Side| {
        s.road.junctions.iter().enumerate().find(|(_, j)| {
            let mouth = j.mouth_half_width_m(&s.road);
            j.has_arm(side) && (s_m - j.s_m).abs() < mouth + half_m
        })
    };
    let refuse = |steps: Vec<Step<'static>>, what: String, k: usize| {
        let j = &s.road.junctions[k];
        let mouth = j.mouth_half_width_m(&s.road);
        Err((
            steps,
            format!(
                "{what} stands in the mouth of junction {k}'s cross street (s = {:.1}..{:.1} m on that side), where it blocks the street: move it clear",
                j.s_m - mouth,
                j.s_m + mouth
            ),
        ))
    };
    for (i, p) in s.props.parked.iter().enumerate() {
        let half_m = p.body(s.seed, i).longest_body_m() / 2.0;
        if let Some((k, _)) = blocked(p.s_m, half_m, p.side) {
            let what = format!(
                "a parked {} at s = {} m (its body up to {:.1}..{:.1} m)",
                p.kind.body_name(),
                p.s_m,
                p.s_m - half_m,
                p.s_m + half_m
            );
            return refuse(
                vec![field("props"), item("parked", i), field("s_m")],
                what,
                k,
            );
        }
    }
    for (i, p) in s.props.placed.iter().enumerate() {
        let half_m = if p.kind == PropKind::Building {
            PLACED_BUILDING_FRONT_M / 2.0
        } else {
            0.0
        };
        if let Some((k, j)) = blocked(p.s_m, half_m, p.side)
            && p.offset_m < j.arm_length_m
        {
            let what = if half_m > 0.0 {
                format!(
                    "a placed {:?} at s = {} m (its {} m front at {:.1}..{:.1} m)",
                    p.kind,
                    p.s_m,
                    2.0 * half_m,
                    p.s_m - half_m,
                    p.s_m + half_m
                )
            } else {
                format!("a placed {:?} at s = {} m", p.kind, p.s_m)
            };
            return refuse(
                vec![field("props"), item("placed", i), field("s_m")],
                what,
                k,
            );
        }
    }
    Ok(())
}

/// Nothing placed stands on a road: a road that bends back runs past the
/// props placed beside its other legs, and a cross street past the main
/// road's (scattered props leave such places out by themselves). The
/// footprint is the one the world places: a building's plan as fitted to
/// a curve, a tree's trunk, a pole's or sign's post (which may stand on a
/// sidewalk, not on a carriageway).
pub(super) fn check_placed_props_off_roads(s: &Scenario) -> Result<(), Invalid> {
    if s.props.placed.is_empty() {
        return Ok(());
    }
    let ground = super::RoadGround::new(&s.road);
    let path = s.road.path();
    for (i, p) in s.props.placed.iter().enumerate() {
        let Some((_, _, rect)) = super::prop_footprint(
            &s.road,
            &path,
            p.kind,
            p.side,
            p.s_m,
            p.offset_m,
            PLACED_BUILDING_FRONT_M,
        ) else {
            continue;
        };
        if let Some((road, on_s_m)) = ground.under(p.kind, &rect) {
            let on = if road == 0 {
                format!("the road itself at s = {on_s_m:.0} m, where it comes back past it")
            } else {
                format!(
                    "junction {}'s cross street at its s = {on_s_m:.0} m",
                    road - 1
                )
            };
            let ground = match p.kind {
                PropKind::Pole | PropKind::Sign => "carriageway",
                PropKind::Building | PropKind::Tree => "carriageway or sidewalk",
            };
            return Err((
                vec![field("props"), item("placed", i), field("s_m")],
                format!(
                    "a placed {:?} at s = {} m on the {:?} with offset_m {} would stand on the {ground} of {on}: move it or change its offset_m",
                    p.kind, p.s_m, p.side, p.offset_m
                ),
            ));
        }
    }
    Ok(())
}

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
use super::{JunctionKind, Scenario};

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

//! Scenario edits the editor offers, as pure functions on a `Scenario`.
//! Actors are named by their role (`Role::Vehicle(2)`, shown "vehicles[2]"),
//! the same role the world gives their entities.

use crate::scenario::{
    Cyclist, Direction, Fog, Hazard, Parked, Pedestrian, Precipitation, Role, Scenario, Side,
    Vehicle, ron_options,
};

/// The kinds of actor the editor can add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewActor {
    Vehicle,
    Pedestrian,
    Cyclist,
    Parked,
}

/// The station field (metres along the main road) of an actor.
pub fn station_mut(s: &mut Scenario, role: Role) -> Option<&mut f64> {
    match role {
        Role::Ego => Some(&mut s.ego.start_s_m),
        Role::Hazard => match s.hazard.as_mut()? {
            Hazard::PedestrianCrossing(h) => Some(&mut h.s_m),
            Hazard::AnimalCrossing(h) => Some(&mut h.s_m),
            Hazard::FallingCargo(_) => None,
        },
        Role::Vehicle(i) => s.vehicles.get_mut(i).map(|v| &mut v.start_s_m),
        Role::Pedestrian(i) => s.pedestrians.get_mut(i).map(|p| &mut p.s_m),
        Role::Cyclist(i) => s.cyclists.get_mut(i).map(|c| &mut c.s_m),
        Role::Parked(i) => s.props.parked.get_mut(i).map(|p| &mut p.s_m),
        Role::HazardMember(_) | Role::HazardBall => None,
    }
}

/// Move an actor `ds_m` along the road and `dlateral_m` across it (left
/// positive): vehicles change lane once the move passes half a lane,
/// people and cyclists change their kerb offset, parked cars and the
/// hazard change side when moved across the centre line.
pub fn move_actor(
    s: &mut Scenario,
    role: Role,
    ds_m: f64,
    dlateral_m: f64,
    lateral_now_m: f64,
) -> Result<(), String> {
    let lane_w = s.road.lane_width_m;
    let lanes_fwd = s.road.lanes_forward;
    let station = station_mut(s, role).ok_or_else(|| format!("{role} cannot be moved"))?;
    *station = (*station + ds_m).max(0.0);
    let lanes_steps = (dlateral_m / lane_w).round() as i64;
    let new_lateral = lateral_now_m + dlateral_m;
    let side_of = |lat: f64| if lat >= 0.0 { Side::Left } else { Side::Right };
    // a side's outward direction: moving outward grows the kerb offset
    let outward = Side::outward;
    match role {
        Role::Vehicle(i) => {
            let v = &mut s.vehicles[i];
            // lanes count outward from the centre line, forward lanes on the right
            let toward_centre = if v.direction == Direction::Forward {
                lanes_steps
            } else {
                -lanes_steps
            };
            let max = if v.direction == Direction::Forward {
                lanes_fwd
            } else {
                s.road.lanes_backward
            };
            v.lane = (v.lane as i64 - toward_centre).clamp(0, max.max(1) as i64 - 1) as u32;
        }
        Role::Pedestrian(i) => {
            let p = &mut s.pedestrians[i];
            p.offset_m = (p.offset_m + outward(p.side) * dlateral_m).max(0.0);
        }
        Role::Cyclist(i) => {
            let c = &mut s.cyclists[i];
            if let Some(o) = c.offset_m.as_mut() {
                *o = (*o - outward(c.side) * dlateral_m).max(0.1);
            }
        }
        Role::Parked(i) if dlateral_m.abs() > 0.5 => {
            s.props.parked[i].side = side_of(new_lateral);
        }
        Role::Ego if lanes_steps != 0 => {
            s.ego.lane = (s.ego.lane as i64 - lanes_steps).clamp(0, lanes_fwd as i64 - 1) as u32;
        }
        Role::Hazard if dlateral_m.abs() > 0.5 => match s.hazard.as_mut() {
            Some(Hazard::PedestrianCrossing(h)) => h.side = side_of(new_lateral),
            Some(Hazard::AnimalCrossing(h)) => h.side = side_of(new_lateral),
            _ => {}
        },
        _ => {}
    }
    Ok(())
}

/// Turn an actor around (the gizmo's rotation snaps to the two headings a
/// road-bound actor can have).
pub fn turn_around(s: &mut Scenario, role: Role) -> Result<(), String> {
    let flip = |d: &mut Direction| *d = d.opposite();
    match role {
        Role::Vehicle(i) if i < s.vehicles.len() => flip(&mut s.vehicles[i].direction),
        Role::Pedestrian(i) if i < s.pedestrians.len() => flip(&mut s.pedestrians[i].direction),
        _ => return Err(format!("{role} has a fixed heading")),
    }
    Ok(())
}

/// A value of `T` from RON with every default filled in by the schema.
#[allow(clippy::expect_used)] // the templates are literals, tested below
fn from_ron<T: serde::de::DeserializeOwned>(src: &str) -> T {
    ron_options()
        .from_str(src)
        .expect("the editor's templates are valid RON")
}

/// Add an actor at station `s_m`; returns its role.
pub fn add_actor(s: &mut Scenario, kind: NewActor, s_m: f64) -> Role {
    let s_m = s_m.max(0.0);
    match kind {
        NewActor::Vehicle => {
            let v: Vehicle = from_ron(&format!("(start_s_m: {s_m}, speed_mps: 8.0)"));
            s.vehicles.push(v);
            Role::Vehicle(s.vehicles.len() - 1)
        }
        NewActor::Pedestrian => {
            let p: Pedestrian = from_ron(&format!("(s_m: {s_m})"));
            s.pedestrians.push(p);
            Role::Pedestrian(s.pedestrians.len() - 1)
        }
        NewActor::Cyclist => {
            let c: Cyclist = from_ron(&format!("(s_m: {s_m})"));
            s.cyclists.push(c);
            Role::Cyclist(s.cyclists.len() - 1)
        }
        NewActor::Parked => {
            let p: Parked = from_ron(&format!("(s_m: {s_m})"));
            s.props.parked.push(p);
            Role::Parked(s.props.parked.len() - 1)
        }
    }
}

/// Delete an actor. Refused when something else refers to it (a trigger,
/// the hazard's parked car or carrier), so no edit leaves dangling indices.
pub fn delete_actor(s: &mut Scenario, role: Role) -> Result<(), String> {
    if role == Role::Ego {
        return Err("the ego cannot be deleted".into());
    }
    let name = crate::scenario::actor_roles(s)
        .into_iter()
        .find(|(r, _)| *r == role)
        .ok_or_else(|| format!("no actor {role}"))?
        .1;
    let referenced = |t: &crate::scenario::Trigger| {
        Role::parse(&t.actor) == Some(role) || name.as_deref().is_some_and(|n| n == t.actor)
    };
    if s.triggers.iter().any(referenced) {
        return Err(format!(
            "{role} is named by a trigger; delete the trigger first"
        ));
    }
    let (list, i) = match role.list_index() {
        Some(x) => x,
        None if role == Role::Hazard => {
            s.hazard = None;
            return Ok(());
        }
        None => return Err(format!("no actor {role}")),
    };
    // later items of the list shift down: anything indexing them would move
    let indexed_later = |idx: usize| idx >= i;
    let blocked = match (list, &s.hazard) {
        ("parked", Some(Hazard::PedestrianCrossing(h))) => {
            h.behind_parked.is_some_and(indexed_later)
        }
        ("vehicles", Some(Hazard::FallingCargo(h))) => indexed_later(h.vehicle),
        _ => false,
    } || s.triggers.iter().any(|t| {
        Role::parse(&t.actor)
            .and_then(Role::list_index)
            .is_some_and(|(l, k)| l == list && k > i)
    });
    if blocked {
        return Err(format!(
            "the hazard or a trigger refers to {list} by index at or after {role}"
        ));
    }
    match list {
        "vehicles" if i < s.vehicles.len() => drop(s.vehicles.remove(i)),
        "pedestrians" if i < s.pedestrians.len() => drop(s.pedestrians.remove(i)),
        "cyclists" if i < s.cyclists.len() => drop(s.cyclists.remove(i)),
        "parked" if i < s.props.parked.len() => drop(s.props.parked.remove(i)),
        _ => return Err(format!("no actor {role}")),
    }
    Ok(())
}

/// Put the hazard's trigger point (where it enters the road) at station
/// `s_m` on `side`; a scenario without one gets a pedestrian crossing there.
pub fn place_hazard(s: &mut Scenario, s_m: f64, side: Side) {
    let s_m = s_m.max(0.0);
    match s.hazard.as_mut() {
        Some(Hazard::PedestrianCrossing(h)) => {
            h.s_m = s_m;
            h.side = side;
        }
        Some(Hazard::AnimalCrossing(h)) => {
            h.s_m = s_m;
            h.side = side;
        }
        _ => {
            let side = if side == Side::Left { "Left" } else { "Right" };
            s.hazard = Some(from_ron(&format!(
                "PedestrianCrossing(s_m: {s_m}, side: {side}, trigger_time_to_ego_s: 2.5)"
            )));
        }
    }
}

/// Fog visibility in metres; None clears the fog.
pub fn set_fog(s: &mut Scenario, visibility_m: Option<f64>) {
    s.weather.fog = visibility_m.map(|v| {
        let color = s.weather.fog.as_ref().and_then(|f| f.color);
        Fog {
            visibility_m: v.max(1.0),
            color,
        }
    });
}

/// Rain rate in mm/h; None stops the rain.
pub fn set_rain(s: &mut Scenario, rate_mm_h: Option<f64>) {
    s.weather.rain = rate_mm_h.map(|r| Precipitation {
        rate_mm_h: r.max(0.1),
        particles: s.weather.rain.as_ref().is_none_or(|p| p.particles),
    });
}

pub fn set_sun(s: &mut Scenario, elevation_deg: f64, azimuth_deg: f64) {
    s.light.sun_elevation_deg = elevation_deg.clamp(-90.0, 90.0);
    s.light.sun_azimuth_deg = azimuth_deg.rem_euclid(360.0);
}

/// Switch on an optional field that is `None`, at JSON pointer `pointer`
/// (e.g. "/weather/road_wetness"), with the first of a few plain values its
/// type accepts (an all-defaults struct, a number, a switch, a colour, a
/// name, a list). None when none fits, e.g. an enum with data.
pub fn fill_none(s: &Scenario, pointer: &str) -> Option<Scenario> {
    let tree = serde_json::to_value(s).ok()?;
    if !tree.pointer(pointer)?.is_null() {
        return None;
    }
    let candidates = [
        serde_json::json!({}),
        serde_json::json!(0.5),
        serde_json::json!(0),
        serde_json::json!(false),
        serde_json::json!([0.5, 0.5, 0.5]),
        serde_json::json!("new"),
        serde_json::json!([]),
    ];
    candidates.into_iter().find_map(|c| {
        let mut t = tree.clone();
        *t.pointer_mut(pointer)? = c;
        serde_json::from_value(t).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Scenario {
        let mut s = Scenario::default();
        add_actor(&mut s, NewActor::Vehicle, 40.0);
        add_actor(&mut s, NewActor::Parked, 20.0);
        s
    }

    #[test]
    fn moving_changes_the_station_and_clamps_at_the_road_start() {
        let mut s = demo();
        move_actor(&mut s, Role::Vehicle(0), 12.5, 0.0, 0.0).unwrap();
        assert_eq!(s.vehicles[0].start_s_m, 52.5);
        move_actor(&mut s, Role::Parked(0), -100.0, 0.0, 0.0).unwrap();
        assert_eq!(s.props.parked[0].s_m, 0.0);
        assert!(move_actor(&mut s, Role::Vehicle(7), 1.0, 0.0, 0.0).is_err());
    }

    #[test]
    fn added_actors_take_schema_defaults_and_deletes_refuse_dangling_refs() {
        let mut s = demo();
        assert_eq!(
            add_actor(&mut s, NewActor::Pedestrian, 5.0),
            Role::Pedestrian(0)
        );
        assert_eq!(s.pedestrians[0].speed_mps, 1.4);
        place_hazard(&mut s, 33.0, Side::Left);
        let Some(Hazard::PedestrianCrossing(h)) = &s.hazard else {
            panic!("a crossing")
        };
        assert_eq!((h.s_m, h.side), (33.0, Side::Left));
        if let Some(Hazard::PedestrianCrossing(h)) = s.hazard.as_mut() {
            h.behind_parked = Some(0);
        }
        assert!(delete_actor(&mut s, Role::Parked(0)).is_err());
        assert!(delete_actor(&mut s, Role::Ego).is_err());
        delete_actor(&mut s, Role::Vehicle(0)).unwrap();
        assert!(s.vehicles.is_empty());
    }

    #[test]
    fn none_fields_are_switched_on_with_a_value_their_type_takes() {
        let s = demo();
        assert!(s.weather.road_wetness.is_none() && s.road.sidewalk.is_some());
        let wet = fill_none(&s, "/weather/road_wetness").unwrap();
        assert_eq!(wet.weather.road_wetness, Some(0.5));
        let coloured = fill_none(&s, "/vehicles/0/color").unwrap();
        assert_eq!(coloured.vehicles[0].color, Some([0.5, 0.5, 0.5]));
        let named = fill_none(&s, "/vehicles/0/name").unwrap();
        assert_eq!(named.vehicles[0].name.as_deref(), Some("new"));
        // not None, or not a field: nothing to do
        assert!(fill_none(&s, "/road/sidewalk").is_none());
        assert!(fill_none(&s, "/no/such/field").is_none());
    }

    #[test]
    fn weather_setters_clamp() {
        let mut s = demo();
        set_fog(&mut s, Some(0.0));
        assert_eq!(s.weather.fog.as_ref().unwrap().visibility_m, 1.0);
        set_fog(&mut s, None);
        assert!(s.weather.fog.is_none());
        set_sun(&mut s, 120.0, -90.0);
        assert_eq!(
            (s.light.sun_elevation_deg, s.light.sun_azimuth_deg),
            (90.0, 270.0)
        );
    }
}

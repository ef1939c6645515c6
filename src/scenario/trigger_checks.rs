//! Validation of the triggers and the names they find actors by (see
//! `validate`): a trigger names one actor of this scenario, and its action
//! is one that actor can do. An action an actor cannot do (a van's door,
//! a parked car's speed, cargo nobody carries) would otherwise be a silent
//! no-op: the record says it fired and nothing moves.

use super::actors::{Action, Hazard};
use super::locate::{Step, field, item};
use super::role::{Role, actor_roles, resolve_actor};
use super::validate::Invalid;
use super::{Direction, Scenario};

pub(super) fn check_triggers(s: &Scenario) -> Result<(), Invalid> {
    check_names(s)?;
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    let actors = actor_roles(s);
    for (i, t) in s.triggers.iter().enumerate() {
        let Some(role) = resolve_actor(&actors, &t.actor) else {
            let known: Vec<String> = actors
                .iter()
                .map(|(r, n)| n.clone().unwrap_or_else(|| r.to_string()))
                .collect();
            return fail(
                vec![item("triggers", i), field("actor")],
                format!(
                    "trigger actor {:?} is no actor of this scenario (known: {})",
                    t.actor,
                    known.join(", ")
                ),
            );
        };
        if let Err(why) = can_do(s, role, &t.action) {
            return fail(
                vec![item("triggers", i), field("action")],
                format!("{} cannot {}: {why}", t.actor, t.action.as_written()),
            );
        }
        if let Action::ChangeLane(lane) = t.action {
            let lanes = match role {
                // a cross street has the same lanes each way
                Role::Vehicle(k) if s.vehicles[k].road > 0 => {
                    s.road.junctions[s.vehicles[k].road as usize - 1].lanes
                }
                Role::Vehicle(k) => {
                    let v = &s.vehicles[k];
                    match (v.direction, v.wrong_way) {
                        (Direction::Forward, false) | (Direction::Backward, true) => {
                            s.road.lanes_forward
                        }
                        _ => s.road.lanes_backward,
                    }
                }
                _ => s.road.lanes_forward,
            };
            if lane >= lanes {
                return fail(
                    vec![item("triggers", i), field("action")],
                    format!("lane {lane} does not exist: that direction has {lanes} lane(s)"),
                );
            }
        }
    }
    Ok(())
}

/// Whether the actor in `role` can do `action`, else what can.
fn can_do(s: &Scenario, role: Role, action: &Action) -> Result<(), &'static str> {
    let cargo = matches!(s.hazard, Some(Hazard::FallingCargo(_)));
    let drives = matches!(role, Role::Ego | Role::Vehicle(_));
    let walks_or_rides = matches!(role, Role::Pedestrian(_) | Role::Cyclist(_));
    // the crossing hazards (a person, a group, a ball, a deer) start, change
    // speed and stop; falling cargo only drops
    let crosses = matches!(role, Role::HazardMember(_) | Role::HazardBall)
        || (role == Role::Hazard && !cargo);
    match action {
        Action::SetSpeed(_) | Action::Stop | Action::EmergencyBrake => {
            if drives || walks_or_rides || crosses {
                Ok(())
            } else {
                Err(
                    "speeds are for the ego, vehicles, pedestrians, cyclists and crossing hazards (parked vehicles and cargo do not move by themselves)",
                )
            }
        }
        Action::Swerve(_) => {
            if drives || walks_or_rides {
                Ok(())
            } else {
                Err("Swerve moves the ego, a vehicle, a pedestrian or a cyclist sideways")
            }
        }
        Action::ChangeLane(_) => {
            if drives {
                Ok(())
            } else {
                Err("ChangeLane needs the ego or a vehicle")
            }
        }
        Action::OpenDoor => match role {
            Role::Parked(k) if s.props.parked[k].kind.is_car() => Ok(()),
            Role::Parked(_) => {
                Err("only parked cars have a door to open (vans, trucks and buses do not)")
            }
            _ => Err("OpenDoor opens the driver door of a parked car (parked[i])"),
        },
        Action::DropCargo => {
            if role == Role::Hazard && cargo {
                Ok(())
            } else {
                Err(
                    "DropCargo drops the FallingCargo hazard: name the actor \"hazard\" of a FallingCargo scenario",
                )
            }
        }
    }
}

/// Actor names are unique and none is spelled like a role (`ego`,
/// `vehicles[0]`): a trigger finds its actor by either.
fn check_names(s: &Scenario) -> Result<(), Invalid> {
    let lists: [(&'static str, Vec<Option<&str>>); 3] = [
        (
            "vehicles",
            s.vehicles.iter().map(|v| v.name.as_deref()).collect(),
        ),
        (
            "pedestrians",
            s.pedestrians.iter().map(|p| p.name.as_deref()).collect(),
        ),
        (
            "cyclists",
            s.cyclists.iter().map(|c| c.name.as_deref()).collect(),
        ),
    ];
    let mut seen: Vec<(&str, &str, usize)> = Vec::new();
    for (list, names) in &lists {
        for (i, name) in names.iter().enumerate() {
            let Some(name) = *name else { continue };
            let at = || vec![item(list, i), field("name")];
            if Role::parse(name).is_some() {
                return Err((
                    at(),
                    format!(
                        "name {name:?} is spelled like a role (ego, vehicles[i], hazard, ...), which triggers also name actors by: choose another"
                    ),
                ));
            }
            if let Some((l, _, k)) = seen.iter().find(|(_, n, _)| *n == name) {
                return Err((
                    at(),
                    format!(
                        "name {name:?} is already the name of {l}[{k}]: triggers find actors by name, so names must be unique"
                    ),
                ));
            }
            seen.push((list, name, i));
        }
    }
    Ok(())
}

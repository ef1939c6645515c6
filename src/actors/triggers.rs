//! Scenario triggers: a condition evaluated on every tick's state (time,
//! ego distance, ego time to reach), then an action on a named actor after
//! an optional delay. A trigger fires on the tick its condition first holds.

use super::drive::{Driver, nearest_station};
use super::time_to_reach_s;
use crate::core::frames::sim_to_enu;
use crate::core::record::TriggerRecord;
use crate::physics::TickRecords;
use crate::scenario::{Action, Condition, Trigger, resolve_actor};
use crate::sim::SimClock;
use crate::sim::components::{Crossing, LaneMotion};
use crate::world::{Ego, RoadRes, ScenarioRes, Thing};
use bevy::prelude::*;
use glam::DVec2;

struct Armed {
    index: usize,
    trigger: Trigger,
    entity: Option<Entity>,
    action_frame: Option<u64>,
    done: bool,
}

#[derive(Resource, Default)]
pub struct Triggers(Vec<Armed>);

/// PostStartup: find each trigger's actor.
pub fn arm_triggers(
    mut commands: Commands,
    scenario: Res<ScenarioRes>,
    things: Query<(Entity, &Thing)>,
) {
    let s = &scenario.0;
    let actors = crate::scenario::actor_roles(s);
    let armed = s
        .triggers
        .iter()
        .enumerate()
        .map(|(index, t)| {
            let role = resolve_actor(&actors, &t.actor);
            Armed {
                index,
                trigger: t.clone(),
                entity: things
                    .iter()
                    .find(|(_, th)| Some(&th.role) == role.as_ref())
                    .map(|(e, _)| e),
                action_frame: None,
                done: false,
            }
        })
        .collect();
    commands.insert_resource(Triggers(armed));
}

/// Control: evaluate conditions, then apply the actions that are due.
/// (A Bevy system: its parameters are what it touches.)
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
pub fn run_triggers(
    clock: Res<SimClock>,
    road: Res<RoadRes>,
    triggers: Option<ResMut<Triggers>>,
    mut records: ResMut<TickRecords>,
    ego: Query<(&Transform, &LaneMotion), With<Ego>>,
    mut actors: Query<
        (
            &Transform,
            Option<&mut LaneMotion>,
            Option<&mut Crossing>,
            Option<&mut Driver>,
        ),
        Without<Ego>,
    >,
    mut ego_driver: Query<&mut Driver, With<Ego>>,
    mut doors: Query<&mut super::Door>,
    mut cargo: Query<&mut super::Cargo>,
    mut commands: Commands,
) {
    let Some(mut triggers) = triggers else { return };
    let Ok((ego_t, ego_lane)) = ego.single() else {
        return;
    };
    let ego_lane = ego_lane.clone();
    let ego_pos = ego_t.translation;
    let dt = clock.dt_s();
    for armed in triggers.0.iter_mut() {
        let Some(entity) = armed.entity else { continue };
        let is_ego = ego_driver.get(entity).is_ok();
        if armed.action_frame.is_none() {
            let (pos, station) = if is_ego {
                (ego_pos, ego_lane.s_m)
            } else if let Ok((t, lane, crossing, _)) = actors.get(entity) {
                let s = station_on_road(t, lane, crossing, ego_lane.road, &road);
                (t.translation, s)
            } else {
                continue;
            };
            let holds = match armed.trigger.when {
                // half a tick of slack: tick times are k / hz in floating point
                Condition::AtTime(t) => clock.time_s() >= t - 0.5 * dt,
                Condition::EgoWithin(d) => {
                    let (a, b) = (ego_pos.as_dvec3(), pos.as_dvec3());
                    DVec2::new(a.x - b.x, a.z - b.z).length() <= d
                }
                Condition::EgoTimeToReach(t) => time_to_reach_s(&ego_lane, station) <= t + 1e-9,
            };
            if holds {
                let action_frame = clock.frame + (armed.trigger.delay_s / dt).round() as u64;
                armed.action_frame = Some(action_frame);
                records.triggers.push(TriggerRecord {
                    trigger: armed.index,
                    actor: armed.trigger.actor.clone(),
                    action: armed.trigger.action.as_written(),
                    action_frame,
                });
            }
        }
        if armed.done || armed.action_frame.is_none_or(|f| clock.frame < f) {
            continue;
        }
        armed.done = true;
        if is_ego {
            if let Ok(mut d) = ego_driver.get_mut(entity) {
                apply_to_driver(&mut d, &armed.trigger.action, road.get(ego_lane.road));
            }
            continue;
        }
        match armed.trigger.action {
            Action::OpenDoor => {
                if let Ok(mut d) = doors.get_mut(entity) {
                    d.opened_at_s.get_or_insert(clock.time_s());
                }
                continue;
            }
            Action::DropCargo => {
                if let Ok(mut c) = cargo.get_mut(entity) {
                    c.drop_at_s = c.drop_at_s.min(clock.time_s());
                }
                continue;
            }
            _ => {}
        }
        let Ok((_, lane, crossing, driver)) = actors.get_mut(entity) else {
            continue;
        };
        match (driver, lane, crossing) {
            (Some(mut d), Some(l), _) => {
                apply_to_driver(&mut d, &armed.trigger.action, road.get(l.road))
            }
            (None, Some(mut l), _) => match armed.trigger.action {
                Action::SetSpeed(v) => l.speed_mps = v,
                Action::Stop | Action::EmergencyBrake => l.speed_mps = 0.0,
                Action::Swerve(m) => {
                    commands.entity(entity).insert(super::Swerving {
                        target_lateral_m: l.lateral_m + m,
                    });
                }
                _ => {}
            },
            (_, _, Some(mut c)) => match armed.trigger.action {
                Action::SetSpeed(v) => {
                    c.speed_mps = v;
                    c.started_at_frame.get_or_insert(clock.frame);
                }
                Action::Stop | Action::EmergencyBrake => c.speed_mps = 0.0,
                _ => {}
            },
            _ => {}
        }
    }
}

/// An actor's station along road `on` (the ego's): its own where it moves
/// along that road, else that of the road's point nearest to it (a
/// cross-street vehicle's own station, along its street, is no measure of
/// how far the ego has to go).
fn station_on_road(
    t: &Transform,
    lane: Option<&LaneMotion>,
    crossing: Option<&Crossing>,
    on: u32,
    road: &RoadRes,
) -> f64 {
    match (lane, crossing) {
        (Some(l), _) if l.road == on => l.s_m,
        (None, Some(c)) if on == 0 => c.s_m,
        _ => {
            let p = sim_to_enu(t.translation.as_dvec3());
            nearest_station(road.get(on), DVec2::new(p.x, p.y)).0
        }
    }
}

fn apply_to_driver(d: &mut Driver, action: &Action, road: &crate::world::RoadGeometry) {
    match action {
        Action::SetSpeed(v) => {
            d.target_speed_mps = *v;
            d.emergency = false;
            d.brake_hard = false;
        }
        Action::Stop => d.target_speed_mps = 0.0,
        Action::EmergencyBrake => {
            d.target_speed_mps = 0.0;
            d.brake_hard = true;
        }
        Action::ChangeLane(l) => {
            d.lane_lateral_m = road.lane_center_m(d.lane_side, *l);
            d.changing_lane = true;
        }
        Action::Swerve(m) => d.lane_lateral_m += m,
        Action::OpenDoor | Action::DropCargo => {}
    }
}

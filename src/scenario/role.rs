//! An actor's role: which entry of the scenario it comes from. One parse and
//! one display ("ego", "vehicles[2]", "hazard.1"), used by triggers, the
//! world's entities, collision records and the editor.

use super::Scenario;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Ego,
    Vehicle(usize),
    Pedestrian(usize),
    Cyclist(usize),
    Parked(usize),
    /// The hazard itself (the crossing pedestrian, the animal, the cargo).
    Hazard,
    /// Member k >= 1 of a crossing group, staggered behind the hazard.
    HazardMember(usize),
    /// The ball that rolls out ahead of a crossing group.
    HazardBall,
}

impl Role {
    /// A role from its display form; None for anything else.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "ego" => return Some(Role::Ego),
            "hazard" => return Some(Role::Hazard),
            "hazard.ball" => return Some(Role::HazardBall),
            _ => {}
        }
        if let Some(k) = text.strip_prefix("hazard.") {
            return canonical_index(k)
                .filter(|k| *k >= 1)
                .map(Role::HazardMember);
        }
        let (list, rest) = text.split_once('[')?;
        let i = canonical_index(rest.strip_suffix(']')?)?;
        match list {
            "vehicles" => Some(Role::Vehicle(i)),
            "pedestrians" => Some(Role::Pedestrian(i)),
            "cyclists" => Some(Role::Cyclist(i)),
            "parked" => Some(Role::Parked(i)),
            _ => None,
        }
    }

    /// The scenario list and index this role names (None for the ego and
    /// the hazard).
    pub fn list_index(self) -> Option<(&'static str, usize)> {
        match self {
            Role::Vehicle(i) => Some(("vehicles", i)),
            Role::Pedestrian(i) => Some(("pedestrians", i)),
            Role::Cyclist(i) => Some(("cyclists", i)),
            Role::Parked(i) => Some(("parked", i)),
            Role::Ego | Role::Hazard | Role::HazardMember(_) | Role::HazardBall => None,
        }
    }
}

/// A decimal index as displayed (no sign, no leading zeros), so that every
/// role has exactly one spelling.
fn canonical_index(digits: &str) -> Option<usize> {
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    canonical.then(|| digits.parse().ok()).flatten()
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Ego => write!(f, "ego"),
            Role::Hazard => write!(f, "hazard"),
            Role::HazardMember(k) => write!(f, "hazard.{k}"),
            Role::HazardBall => write!(f, "hazard.ball"),
            Role::Vehicle(i) => write!(f, "vehicles[{i}]"),
            Role::Pedestrian(i) => write!(f, "pedestrians[{i}]"),
            Role::Cyclist(i) => write!(f, "cyclists[{i}]"),
            Role::Parked(i) => write!(f, "parked[{i}]"),
        }
    }
}

/// Every actor a trigger can name: (role, name), in spawn order.
pub fn actor_roles(s: &Scenario) -> Vec<(Role, Option<String>)> {
    let mut out = vec![(Role::Ego, None)];
    let named = |role: fn(usize) -> Role, names: Vec<Option<String>>| {
        names
            .into_iter()
            .enumerate()
            .map(move |(i, n)| (role(i), n))
    };
    out.extend(named(
        Role::Vehicle,
        s.vehicles.iter().map(|v| v.name.clone()).collect(),
    ));
    out.extend(named(
        Role::Pedestrian,
        s.pedestrians.iter().map(|p| p.name.clone()).collect(),
    ));
    out.extend(named(
        Role::Cyclist,
        s.cyclists.iter().map(|c| c.name.clone()).collect(),
    ));
    out.extend((0..s.props.parked.len()).map(|i| (Role::Parked(i), None)));
    if s.hazard.is_some() {
        out.push((Role::Hazard, None));
    }
    out
}

/// The role an actor reference (a name or a role) stands for.
pub fn resolve_actor(actors: &[(Role, Option<String>)], reference: &str) -> Option<Role> {
    let as_role = Role::parse(reference);
    actors
        .iter()
        .find(|(role, name)| name.as_deref() == Some(reference) || as_role == Some(*role))
        .map(|(role, _)| *role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_display() {
        let roles = [
            Role::Ego,
            Role::Vehicle(0),
            Role::Vehicle(12),
            Role::Pedestrian(3),
            Role::Cyclist(1),
            Role::Parked(7),
            Role::Hazard,
            Role::HazardMember(2),
            Role::HazardBall,
        ];
        for r in roles {
            assert_eq!(Role::parse(&r.to_string()), Some(r), "{r}");
        }
        assert_eq!(Role::Vehicle(2).to_string(), "vehicles[2]");
    }

    #[test]
    fn other_spellings_are_not_roles() {
        for text in [
            "",
            "Ego",
            "vehicle[0]",
            "vehicles[]",
            "vehicles[01]",
            "vehicles[-1]",
            "vehicles[1",
            "hazard.0",
            "hazard.x",
            "parked[+1]",
            "trucks[0]",
        ] {
            assert_eq!(Role::parse(text), None, "{text}");
        }
    }
}

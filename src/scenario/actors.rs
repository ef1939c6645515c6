//! The scenario's actors: vehicles, cyclists, pedestrians, hazards and the
//! triggers that change what they do.

use super::range;
use super::schema::{Direction, Side, Turn, VehicleKind, default_offset, yes};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum EndOnCollision {
    /// Collisions are recorded and the episode goes on.
    #[default]
    Never,
    /// The episode ends on the frame the ego hits something.
    Ego,
    /// The episode ends on the frame of any collision.
    Any,
}

/// When a trigger fires: evaluated every tick on that tick's state.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum Condition {
    /// Simulation time reaches `time_s`.
    AtTime(#[serde(deserialize_with = "range::non_negative")] f64),
    /// The ego comes within this distance (centre to centre, metres) of the actor.
    EgoWithin(#[serde(deserialize_with = "range::positive")] f64),
    /// The ego's time to reach the actor's station falls below this, seconds.
    EgoTimeToReach(#[serde(deserialize_with = "range::positive")] f64),
}

/// What a trigger does to its actor.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum Action {
    /// Drive or walk at this speed (from standing, or a new speed), m/s.
    SetSpeed(#[serde(deserialize_with = "range::speed_mps")] f64),
    /// Brake to a stop (vehicles with their comfortable deceleration).
    Stop,
    /// Brake as hard as the tyres allow, to a stop (vehicles).
    EmergencyBrake,
    /// Change to this lane index (vehicles, in their direction of travel).
    ChangeLane(u32),
    /// Move sideways by this many metres (positive: left) at 1 m/s (people,
    /// cyclists).
    Swerve(f64),
    /// Swing the driver's door open into the road (parked cars).
    OpenDoor,
    /// The cargo falls off now (a `FallingCargo` hazard).
    DropCargo,
}

impl Action {
    /// The action as a scenario writes it (`SetSpeed(6)`, `OpenDoor`): the
    /// trigger records' text and the validation messages'.
    pub fn as_written(&self) -> String {
        match self {
            Action::SetSpeed(v) => format!("SetSpeed({v})"),
            Action::Stop => "Stop".into(),
            Action::EmergencyBrake => "EmergencyBrake".into(),
            Action::ChangeLane(l) => format!("ChangeLane({l})"),
            Action::Swerve(m) => format!("Swerve({m})"),
            Action::OpenDoor => "OpenDoor".into(),
            Action::DropCargo => "DropCargo".into(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// An actor's `name`, or its role: "ego", "vehicles[2]", "pedestrians[0]".
    pub actor: String,
    pub when: Condition,
    /// Seconds between the condition becoming true and the action.
    #[serde(default, deserialize_with = "range::non_negative")]
    pub delay_s: f64,
    pub action: Action,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Vehicle {
    #[serde(default)]
    pub kind: VehicleKind,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub lane: u32,
    pub start_s_m: f64,
    #[serde(deserialize_with = "range::speed_mps")]
    pub speed_mps: f64,
    #[serde(default, deserialize_with = "range::opt_color")]
    pub color: Option<[f32; 3]>,
    /// For triggers.
    #[serde(default)]
    pub name: Option<String>,
    /// Slow down for what is ahead in the lane (IDM).
    #[serde(default = "yes")]
    pub car_following: bool,
    /// Drive against the traffic: in a lane of the other direction.
    #[serde(default)]
    pub wrong_way: bool,
    /// 0: the main road; k + 1: junction k's cross street.
    #[serde(default)]
    pub road: u32,
    /// Drive through red lights.
    #[serde(default)]
    pub runs_red_lights: bool,
    /// Turn at the first junction it reaches (absent: straight on).
    #[serde(default)]
    pub turn: Option<Turn>,
}

/// Someone riding a bicycle along the road, near the kerb (or the parked
/// cars).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cyclist {
    #[serde(default)]
    pub name: Option<String>,
    pub s_m: f64,
    #[serde(default)]
    pub side: Side,
    /// From the kerb line into the road; absent: just clear of the parking strip.
    #[serde(default, deserialize_with = "range::opt_positive")]
    pub offset_m: Option<f64>,
    #[serde(default = "bike_speed", deserialize_with = "range::speed_mps")]
    pub speed_mps: f64,
}

fn bike_speed() -> f64 {
    5.0
}

/// A parked vehicle's side stands this far in from the kerb line, metres.
pub const PARKED_KERB_GAP_M: f64 = 0.25;

/// How far in from the kerb line a parked vehicle reaches into the road,
/// metres: the kerb gap and its widest body (and on a curve's outside the
/// step in that keeps its corners off the kerb), and on a curve's inside
/// more, where its straight ends stand out of the curve towards the lanes
/// (a 12 m bus on the inside of a 22 m curve: ~0.8 m more).
pub fn parked_reach_m(road: &super::Road, p: &super::Parked) -> f64 {
    let (length_m, width_m) = (p.kind.longest_body_m(), p.kind.widest_body_m());
    let outward = p.side.outward();
    let centre = parked_lateral_m(road, p.side, p.s_m, length_m, width_m);
    let kerb = road.kerb_m(p.side);
    let road_side = centre - outward * width_m / 2.0;
    // the road-side edge is straight: farthest from a curve's centre (so
    // deepest into the road on its inside) at its two ends
    let deepest_end_m = body_side_ends_lateral_m(road, p.s_m, road_side, length_m)
        .map(|lateral| outward * (kerb - lateral))
        .into_iter()
        .fold(f64::NEG_INFINITY, f64::max);
    // on straights and outsides the side itself (not its rounding errors)
    let side_m = outward * (kerb - road_side);
    if deepest_end_m > side_m + 1e-6 {
        deepest_end_m
    } else {
        side_m
    }
}

/// The lateral offsets (left positive) at which the two ends of a straight
/// side `length_m` long stand, laid along the road at station `s_m` and
/// offset `side_lateral_m` there, metres (a curve bends away under them).
fn body_side_ends_lateral_m(
    road: &super::Road,
    s_m: f64,
    side_lateral_m: f64,
    length_m: f64,
) -> [f64; 2] {
    let path = road.path();
    let pose = path.pose_at(s_m);
    let side = pose.position + pose.left() * side_lateral_m;
    [-0.5, 0.5].map(|end| {
        let corner = side + pose.forward() * (end * length_m);
        path.project(corner, s_m + end * length_m).1
    })
}

/// The lateral offset (left positive) of the centre line of a body
/// `length_m` x `width_m` parked on `side` at station `s_m`, metres: its
/// kerb side `PARKED_KERB_GAP_M` in from the kerb line, and on a curve's
/// outside, where its straight ends stand out over the kerb, stepped in
/// until its corners keep that gap (a 12 m bus on the outside of a 25 m
/// curve: ~0.7 m; its corners had stood over the sidewalk).
pub fn parked_lateral_m(
    road: &super::Road,
    side: Side,
    s_m: f64,
    length_m: f64,
    width_m: f64,
) -> f64 {
    let outward = side.outward();
    let kerb_side = road.kerb_m(side) - outward * PARKED_KERB_GAP_M;
    let centre = kerb_side - outward * width_m / 2.0;
    // the corner stepped in to the gap is where the side was laid: a fixed
    // point found in a few steps (the curve's radius barely changes)
    let mut step_in_m = 0.0;
    for _ in 0..4 {
        let over_m = body_side_ends_lateral_m(road, s_m, kerb_side - outward * step_in_m, length_m)
            .map(|lateral| outward * (lateral - kerb_side))
            .into_iter()
            .fold(0.0, f64::max);
        if over_m < 1e-6 {
            break;
        }
        step_in_m += over_m;
    }
    centre - outward * step_in_m
}
/// A cyclist's default distance into the road past the parking strip, metres.
pub const CYCLIST_CLEARANCE_M: f64 = 0.7;
/// Half a cyclist's width across the road (rider and handlebars), metres.
pub const CYCLIST_HALF_WIDTH_M: f64 = 0.3;

impl PedestrianCrossing {
    /// Where group member `k` starts from the first one (k = 0), metres:
    /// staggered along the road and away from the kerb; either side of the
    /// first, or behind a parked vehicle all ahead of it (never inside it).
    pub fn member_offset_m(&self, k: u32) -> (f64, f64) {
        if k == 0 {
            return (0.0, 0.0);
        }
        let along = if self.behind_parked.is_some() {
            0.9 * k as f64
        } else {
            0.9 * k.div_ceil(2) as f64 * if k % 2 == 1 { 1.0 } else { -1.0 }
        };
        (along, 0.35 * k as f64)
    }

    /// Where the first walker starts when hidden behind parked vehicle
    /// `k`: station and lateral offset (left positive), metres. Just past
    /// the vehicle's front seen from the ego, 0.5 m clear of it along its
    /// axis also on a curve's inside, and 0.2 m nearer the kerb than its
    /// centre line. The spawn and the crossing-path check both use it.
    pub fn behind_parked_start_m(s: &super::Scenario, k: usize) -> (f64, f64) {
        let p = &s.props.parked[k];
        let body = p.body(s.seed, k);
        let lateral = parked_lateral_m(
            &s.road,
            p.side,
            p.s_m,
            body.longest_body_m(),
            body.widest_body_m(),
        ) + p.side.outward() * 0.2;
        let ahead = body.longest_body_m() / 2.0 + 0.5;
        (
            s.road.path().station_ahead_at_offset(p.s_m, lateral, ahead),
            lateral,
        )
    }

    /// The group's extent along the road from the first one, metres
    /// (behind, ahead).
    pub fn group_along_m(&self) -> (f64, f64) {
        (0..self.count)
            .map(|k| self.member_offset_m(k).0)
            .fold((0.0, 0.0), |(lo, hi), a| (f64::min(lo, a), f64::max(hi, a)))
    }
}

impl Cyclist {
    /// Where they ride, metres from the kerb line into the road: as given,
    /// or `CYCLIST_CLEARANCE_M` clear of the parking strip and clear of the
    /// widest vehicle parked on their side (a truck sticks out of it).
    pub fn ride_offset_m(&self, road: &super::Road, parked: &[super::Parked]) -> f64 {
        self.offset_m.unwrap_or_else(|| {
            parked
                .iter()
                .filter(|p| p.side == self.side)
                .map(|p| parked_reach_m(road, p) + CYCLIST_HALF_WIDTH_M + 0.1)
                .fold(road.parking_width_m + CYCLIST_CLEARANCE_M, f64::max)
        })
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pedestrian {
    /// For triggers.
    #[serde(default)]
    pub name: Option<String>,
    pub s_m: f64,
    /// Their route crosses the road here (e.g. at a zebra crossing): they
    /// cross to the other sidewalk, then walk on.
    #[serde(default)]
    pub cross_at_s_m: Option<f64>,
    #[serde(default)]
    pub side: Side,
    /// Distance from the kerb line onto the sidewalk, metres.
    #[serde(default = "default_offset", deserialize_with = "range::non_negative")]
    pub offset_m: f64,
    #[serde(default = "walk_speed", deserialize_with = "range::speed_mps")]
    pub speed_mps: f64,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default = "person_height", deserialize_with = "range::person_height_m")]
    pub height_m: f64,
}

fn walk_speed() -> f64 {
    1.4
}

fn person_height() -> f64 {
    1.75
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum Hazard {
    PedestrianCrossing(PedestrianCrossing),
    /// A deer (class `animal`) crossing, triggered like a pedestrian.
    AnimalCrossing(AnimalCrossing),
    /// Cargo (class `debris`) falls off a vehicle at a given time.
    FallingCargo(FallingCargo),
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AnimalCrossing {
    pub s_m: f64,
    #[serde(default)]
    pub side: Side,
    #[serde(deserialize_with = "range::positive")]
    pub trigger_time_to_ego_s: f64,
    #[serde(default = "deer_speed", deserialize_with = "range::speed_mps")]
    pub speed_mps: f64,
}

fn deer_speed() -> f64 {
    4.0
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum DebrisKind {
    #[default]
    Tyre,
    Box,
    Ball,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FallingCargo {
    /// Index into `vehicles`: the carrier (it rides on its load bed).
    pub vehicle: usize,
    #[serde(default)]
    pub kind: DebrisKind,
    /// When it falls, seconds of simulation time.
    #[serde(deserialize_with = "range::non_negative")]
    pub drop_at_s: f64,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PedestrianCrossing {
    /// Where the pedestrian crosses (station along the road).
    pub s_m: f64,
    /// The side they start from.
    #[serde(default)]
    pub side: Side,
    /// Start crossing when the ego's time to reach `s_m` falls to this, seconds.
    #[serde(deserialize_with = "range::positive")]
    pub trigger_time_to_ego_s: f64,
    #[serde(default = "cross_speed", deserialize_with = "range::speed_mps")]
    pub speed_mps: f64,
    /// Index into `props.parked`: stand hidden just beyond that vehicle and
    /// step out from behind it (`s_m` is then taken from the vehicle).
    #[serde(default)]
    pub behind_parked: Option<usize>,
    /// People crossing together (a group), 1..=8.
    #[serde(default = "one", deserialize_with = "range::group_size")]
    pub count: u32,
    /// A ball (class `debris`) rolls out ahead of them.
    #[serde(default)]
    pub ball: bool,
    #[serde(default = "person_height", deserialize_with = "range::person_height_m")]
    pub height_m: f64,
}

fn one() -> u32 {
    1
}

fn cross_speed() -> f64 {
    1.6
}

//! Scenario format v1. Every struct rejects unknown fields and has defaults
//! for everything optional; see docs/scenario.md for the user-facing reference.

pub use super::actors::*;
use super::output::Output;
use super::range;
pub use super::sensors::*;
use crate::core::classes::Class;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    #[serde(deserialize_with = "range::tick_hz")]
    pub tick_hz: f64,
    pub frames: u64,
    pub road: Road,
    pub props: Props,
    pub weather: Weather,
    pub light: Light,
    /// How cameras draw the scene (labels, depth and LiDAR are the same in
    /// every look).
    pub render: Render,
    pub ego: Ego,
    pub vehicles: Vec<Vehicle>,
    pub pedestrians: Vec<Pedestrian>,
    pub cyclists: Vec<Cyclist>,
    pub hazard: Option<Hazard>,
    /// Timed and conditional actions on named actors.
    pub triggers: Vec<Trigger>,
    /// Whether a collision ends the episode (the run stops after that frame).
    pub end_on_collision: EndOnCollision,
    pub sensors: Sensors,
    pub output: Output,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "unnamed".into(),
            description: String::new(),
            seed: 0,
            tick_hz: 10.0,
            frames: 100,
            road: Road::default(),
            props: Props::default(),
            weather: Weather::default(),
            light: Light::default(),
            render: Render::default(),
            ego: Ego::default(),
            vehicles: vec![],
            pedestrians: vec![],
            cyclists: vec![],
            hazard: None,
            triggers: Vec::new(),
            end_on_collision: EndOnCollision::Never,
            sensors: Sensors::default(),
            output: Output::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum SegmentSpec {
    Straight {
        #[serde(deserialize_with = "range::positive")]
        length_m: f64,
    },
    Arc {
        #[serde(deserialize_with = "range::positive")]
        length_m: f64,
        #[serde(deserialize_with = "range::positive")]
        radius_m: f64,
        turn: Turn,
    },
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum Turn {
    Left,
    Right,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum LineStyle {
    None,
    #[default]
    Dashed,
    Solid,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Markings {
    /// Between the two directions of travel.
    pub centre: LineStyle,
    /// Between lanes of the same direction.
    pub lanes: LineStyle,
    /// Along both outer road edges.
    pub edges: LineStyle,
}

impl Default for Markings {
    fn default() -> Self {
        Markings {
            centre: LineStyle::Dashed,
            lanes: LineStyle::Dashed,
            edges: LineStyle::Solid,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Sidewalk {
    #[serde(deserialize_with = "range::positive")]
    pub width_m: f64,
    #[serde(deserialize_with = "range::non_negative")]
    pub kerb_height_m: f64,
}

impl Default for Sidewalk {
    fn default() -> Self {
        Sidewalk {
            width_m: 2.5,
            kerb_height_m: 0.15,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Road {
    pub segments: Vec<SegmentSpec>,
    #[serde(deserialize_with = "range::lane_count")]
    pub lanes_forward: u32,
    #[serde(deserialize_with = "range::lane_count")]
    pub lanes_backward: u32,
    #[serde(deserialize_with = "range::lane_width_m")]
    pub lane_width_m: f64,
    pub markings: Markings,
    /// Parking strip between the outer lane and the kerb, each side, metres (0 = none).
    #[serde(deserialize_with = "range::non_negative")]
    pub parking_width_m: f64,
    pub sidewalk: Option<Sidewalk>,
    /// Zebra crossings across the whole carriageway, at these stations.
    pub crosswalks: Vec<f64>,
    /// A median between the two directions (grass and a crash barrier),
    /// metres wide (0 = none).
    #[serde(deserialize_with = "range::non_negative")]
    pub median_width_m: f64,
    /// Cross streets meeting this road on straight stretches.
    pub junctions: Vec<Junction>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum JunctionKind {
    /// The cross street continues on both sides.
    #[default]
    FourWay,
    /// T junction: the cross street leaves to the left only.
    TLeft,
    /// T junction: to the right only.
    TRight,
}

/// A cross street. It is road `k + 1` for junction `k` (the main road is
/// road 0); its forward direction points to the main road's left.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Junction {
    /// Where its centre line crosses the main road's.
    pub s_m: f64,
    #[serde(default)]
    pub kind: JunctionKind,
    /// Length of each arm from the junction centre, metres.
    #[serde(default = "arm_length", deserialize_with = "range::positive")]
    pub arm_length_m: f64,
    /// Lanes each way on the cross street.
    #[serde(default = "one_lane", deserialize_with = "range::lane_count")]
    pub lanes: u32,
    /// Zebra crossings over every arm, just outside the junction.
    #[serde(default)]
    pub crosswalks: bool,
    /// Traffic lights; absent: an unsignalled junction.
    #[serde(default)]
    pub signals: Option<Signals>,
}

impl Junction {
    /// Half the cross street's width where it meets the main road, metres:
    /// its lanes one way and the main road's sidewalk (the corner). Along
    /// the main road, `s_m` +- this is the junction's box.
    pub fn mouth_half_width_m(&self, road: &Road) -> f64 {
        self.lanes as f64 * road.lane_width_m + road.sidewalk.as_ref().map_or(0.0, |w| w.width_m)
    }

    /// Whether an arm of the cross street leaves the main road on `side`.
    pub fn has_arm(&self, side: Side) -> bool {
        match side {
            Side::Left => self.kind != JunctionKind::TRight,
            Side::Right => self.kind != JunctionKind::TLeft,
            Side::Both => true,
        }
    }
}

fn arm_length() -> f64 {
    60.0
}

fn one_lane() -> u32 {
    1
}

/// A fixed-time signal plan: main road green, amber, all red; cross street
/// green, amber, all red; repeat.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Signals {
    #[serde(deserialize_with = "range::positive")]
    pub main_green_s: f64,
    #[serde(deserialize_with = "range::positive")]
    pub cross_green_s: f64,
    #[serde(deserialize_with = "range::positive")]
    pub amber_s: f64,
    #[serde(deserialize_with = "range::non_negative")]
    pub all_red_s: f64,
    /// Seconds into the cycle at time 0.
    #[serde(deserialize_with = "range::non_negative")]
    pub offset_s: f64,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            main_green_s: 20.0,
            cross_green_s: 15.0,
            amber_s: 3.0,
            all_red_s: 1.0,
            offset_s: 0.0,
        }
    }
}

impl Default for Road {
    fn default() -> Self {
        Road {
            segments: vec![SegmentSpec::Straight { length_m: 200.0 }],
            lanes_forward: 1,
            lanes_backward: 1,
            lane_width_m: 3.5,
            markings: Markings::default(),
            parking_width_m: 2.2,
            sidewalk: Some(Sidewalk::default()),
            crosswalks: Vec::new(),
            median_width_m: 0.0,
            junctions: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum Side {
    Left,
    #[default]
    Right,
    Both,
}

/// What a vehicle is. `Car` is a car whose body is drawn from the seed by
/// the road's shares (`CAR_BODY_SHARES`); the body styles name one.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum VehicleKind {
    #[default]
    Car,
    Van,
    Truck,
    /// A three-box saloon (sedan): a boot behind the rear window.
    Saloon,
    /// A short car with its roof carried to a steep tailgate.
    Hatchback,
    /// A long car with its roof carried to an upright tailgate.
    Estate,
    /// A tall car with a tailgate, high ground clearance, roof rails.
    Suv,
    /// A double-cab pickup with an open load bed.
    Pickup,
    /// A 12 m rigid city bus (class `bus`).
    Bus,
}

/// The body styles a `Car` is drawn from and their shares of the road's
/// cars, percent (roughly Europe's car parc: SUVs and hatchbacks lead,
/// pickups are few).
pub const CAR_BODY_SHARES: [(VehicleKind, u32); 5] = [
    (VehicleKind::Suv, 33),
    (VehicleKind::Hatchback, 30),
    (VehicleKind::Saloon, 20),
    (VehicleKind::Estate, 12),
    (VehicleKind::Pickup, 5),
];

impl VehicleKind {
    pub const ALL: [VehicleKind; 9] = [
        VehicleKind::Car,
        VehicleKind::Van,
        VehicleKind::Truck,
        VehicleKind::Saloon,
        VehicleKind::Hatchback,
        VehicleKind::Estate,
        VehicleKind::Suv,
        VehicleKind::Pickup,
        VehicleKind::Bus,
    ];

    /// The label class of this kind of vehicle.
    pub fn class(self) -> Class {
        match self {
            VehicleKind::Truck => Class::Truck,
            VehicleKind::Bus => Class::Bus,
            _ => Class::Car,
        }
    }

    /// The body's name in the labels (`car` for an undrawn `Car`).
    pub fn body_name(self) -> &'static str {
        match self {
            VehicleKind::Car => "car",
            VehicleKind::Van => "van",
            VehicleKind::Truck => "truck",
            VehicleKind::Saloon => "saloon",
            VehicleKind::Hatchback => "hatchback",
            VehicleKind::Estate => "estate",
            VehicleKind::Suv => "suv",
            VehicleKind::Pickup => "pickup",
            VehicleKind::Bus => "bus",
        }
    }

    /// The longest and the widest body of this kind, metres (an undrawn
    /// `Car`: the largest of the bodies it may be drawn as), mirrors inside
    /// the width. The world's templates are checked against it
    /// (world::objects tests).
    fn largest_body_lw_m(self) -> (f64, f64) {
        match self {
            VehicleKind::Car => CAR_BODY_SHARES
                .iter()
                .map(|(k, _)| k.largest_body_lw_m())
                .fold((0.0, 0.0), |a, b| (a.0.max(b.0), a.1.max(b.1))),
            VehicleKind::Van => (5.0, 2.0),
            VehicleKind::Truck => (8.0, 2.5),
            VehicleKind::Saloon => (4.5, 1.8),
            VehicleKind::Hatchback => (4.1, 1.76),
            VehicleKind::Estate => (4.75, 1.82),
            VehicleKind::Suv => (4.6, 1.86),
            VehicleKind::Pickup => (5.3, 1.86),
            VehicleKind::Bus => (12.0, 2.55),
        }
    }

    /// The longest body of this kind, metres (see `largest_body_lw_m`).
    pub fn longest_body_m(self) -> f64 {
        self.largest_body_lw_m().0
    }

    /// The widest body of this kind, metres (see `largest_body_lw_m`).
    pub fn widest_body_m(self) -> f64 {
        self.largest_body_lw_m().1
    }

    /// The body a vehicle of this kind is drawn with: the kind itself, or
    /// for an undrawn `Car` a style drawn by `CAR_BODY_SHARES` from the
    /// seed, a stream name (`"parked_body"`, ...) and the vehicle's index,
    /// so adding a vehicle leaves the others' bodies alone.
    pub fn drawn(self, seed: u64, stream: &str, k: usize) -> VehicleKind {
        if self != VehicleKind::Car {
            return self;
        }
        let mut rng = crate::core::rng::Stream::new(seed, stream, k as u64);
        let total: u32 = CAR_BODY_SHARES.iter().map(|(_, w)| w).sum();
        let mut pick = rng.index(total as usize) as u32;
        for &(style, weight) in &CAR_BODY_SHARES {
            if pick < weight {
                return style;
            }
            pick -= weight;
        }
        CAR_BODY_SHARES[0].0
    }

    /// A car of any body (drawn or named).
    pub fn is_car(self) -> bool {
        self.class() == Class::Car && self != VehicleKind::Van
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum PropKind {
    Building,
    Tree,
    Pole,
    Sign,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default)]
pub enum Direction {
    /// Along increasing station `s`.
    #[default]
    Forward,
    Backward,
}

impl Direction {
    /// +1 along increasing station, -1 against it.
    pub fn sign(self) -> f64 {
        if self == Direction::Forward {
            1.0
        } else {
            -1.0
        }
    }

    /// The other way along the road.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::Forward => Direction::Backward,
            Direction::Backward => Direction::Forward,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
#[derive(Default)]
pub struct Props {
    pub parked: Vec<Parked>,
    pub placed: Vec<Placed>,
    pub scatter: Vec<Scatter>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Parked {
    pub s_m: f64,
    #[serde(default)]
    pub side: Side,
    #[serde(default)]
    pub kind: VehicleKind,
    #[serde(default, deserialize_with = "range::opt_color")]
    pub color: Option<[f32; 3]>,
}

impl Parked {
    /// The body parked vehicle `k` is drawn with (`VehicleKind::drawn`).
    pub fn body(&self, seed: u64, k: usize) -> VehicleKind {
        self.kind.drawn(seed, "parked_body", k)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Placed {
    pub kind: PropKind,
    pub s_m: f64,
    #[serde(default)]
    pub side: Side,
    /// Distance beyond the road edge (beyond the sidewalk's kerb line for
    /// poles and signs, beyond the sidewalk for buildings and trees).
    #[serde(default = "default_offset", deserialize_with = "range::non_negative")]
    pub offset_m: f64,
    /// Height; a kind-specific default when absent.
    #[serde(default)]
    pub height_m: Option<f64>,
}

pub(super) fn default_offset() -> f64 {
    1.0
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scatter {
    pub kind: PropKind,
    #[serde(default = "both")]
    pub side: Side,
    #[serde(default)]
    pub from_s_m: f64,
    /// End station; the road's end when absent.
    #[serde(default)]
    pub to_s_m: Option<f64>,
    #[serde(deserialize_with = "range::positive")]
    pub spacing_m: f64,
    /// Random shift along the road, +- metres.
    #[serde(default, deserialize_with = "range::non_negative")]
    pub jitter_m: f64,
    #[serde(default = "default_offset", deserialize_with = "range::non_negative")]
    pub offset_m: f64,
    /// Heights drawn uniformly from (min, max); kind default when absent.
    #[serde(default)]
    pub height_m: Option<(f64, f64)>,
}

fn both() -> Side {
    Side::Both
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Weather {
    pub fog: Option<Fog>,
    pub rain: Option<Precipitation>,
    pub snow: Option<Precipitation>,
    /// Water film on road, paint and sidewalk, 0 dry ..= 1 soaked; absent:
    /// soaked from 2 mm/h of rain up, half as wet under snow alone.
    #[serde(deserialize_with = "range::opt_unit")]
    pub road_wetness: Option<f64>,
    /// Snow lying on terrain, vegetation and sidewalks, 0 ..= 1; absent:
    /// 0.7 while it snows, else none. Roads stay clear (and wet).
    #[serde(deserialize_with = "range::opt_unit")]
    pub snow_cover: Option<f64>,
    /// Share of the sky covered by cumulus clouds, 0 ..= 1; absent: none.
    /// They shade what lies in their shadow (up to 80% of the sunlight);
    /// hidden, like the whole sky, in fog, rain and snow.
    #[serde(deserialize_with = "range::opt_unit")]
    pub clouds: Option<f64>,
    /// The wind near the ground; absent: calm (the clouds still drift, at
    /// 7 m/s from the west-south-west, as winds aloft do).
    pub wind: Option<Wind>,
}

/// A wind: falling rain and snow drift with it, and the clouds with
/// twice its speed (winds aloft are stronger).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Wind {
    /// 0 ..= 40 m/s (a gale is 17-24).
    #[serde(deserialize_with = "range::wind_speed")]
    pub speed_mps: f64,
    /// Compass direction it blows from: 0 north, 90 east.
    #[serde(deserialize_with = "range::angle_deg")]
    pub from_deg: f64,
}

/// Rain or snow; snow rates are liquid-water equivalent.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Precipitation {
    #[serde(deserialize_with = "range::precipitation_mm_h")]
    pub rate_mm_h: f64,
    /// Draw the falling drops or flakes in the camera images.
    #[serde(default = "yes")]
    pub particles: bool,
}

pub(super) fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fog {
    /// Meteorological visibility (5% contrast threshold), metres.
    #[serde(deserialize_with = "range::visibility_m")]
    pub visibility_m: f64,
    #[serde(default, deserialize_with = "range::opt_color")]
    pub color: Option<[f32; 3]>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Light {
    #[serde(deserialize_with = "range::elevation_deg")]
    pub sun_elevation_deg: f64,
    /// Compass azimuth: 0 north, 90 east.
    #[serde(deserialize_with = "range::angle_deg")]
    pub sun_azimuth_deg: f64,
    #[serde(deserialize_with = "range::light_level")]
    pub sun_intensity: f64,
    #[serde(deserialize_with = "range::light_level")]
    pub ambient: f64,
    /// Ego headlights; absent: on when the sun is below 5 degrees.
    pub headlights: Option<bool>,
    /// Lamps on the poles; absent: on when the sun is below 5 degrees.
    pub street_lights: Option<bool>,
}

impl Light {
    fn dark(&self) -> bool {
        self.sun_elevation_deg < 5.0
    }
    pub fn headlights_on(&self) -> bool {
        self.headlights.unwrap_or_else(|| self.dark())
    }
    pub fn street_lights_on(&self) -> bool {
        self.street_lights.unwrap_or_else(|| self.dark())
    }
}

impl Default for Light {
    fn default() -> Self {
        Light {
            sun_elevation_deg: 45.0,
            sun_azimuth_deg: 135.0,
            sun_intensity: 1.0,
            ambient: 0.35,
            headlights: None,
            street_lights: None,
        }
    }
}

/// The cameras' look.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum Look {
    /// Procedural materials and detail, GGX specular, sky, tone curve.
    #[default]
    Realistic,
    /// Flat colours, diffuse light only: the last frames per second.
    Flat,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Render {
    pub look: Look,
    /// Sun shadows (a shadow map fitted to each camera's view) and contact
    /// occlusion under objects.
    pub shadows: bool,
    /// Anti-aliased colour (an edge-directed post-process on the colour
    /// image only; labels and depth are never blended).
    pub antialias: bool,
}

impl Default for Render {
    fn default() -> Self {
        Render {
            look: Look::Realistic,
            shadows: true,
            antialias: true,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Ego {
    pub kind: VehicleKind,
    /// Forward lane index, 0 = next to the centre line.
    pub lane: u32,
    pub start_s_m: f64,
    #[serde(deserialize_with = "range::speed_mps")]
    pub speed_mps: f64,
    #[serde(deserialize_with = "range::opt_color")]
    pub color: Option<[f32; 3]>,
    /// Slow down for what is ahead in the lane (IDM); `false` drives blind.
    pub car_following: bool,
    /// Full braking once the time to collision with what is ahead falls
    /// below this many seconds; absent: no emergency braking.
    #[serde(deserialize_with = "range::opt_positive")]
    pub emergency_braking_ttc_s: Option<f64>,
    /// Turn at the first junction it reaches (absent: straight on).
    pub turn: Option<Turn>,
}

impl Default for Ego {
    fn default() -> Self {
        Ego {
            kind: VehicleKind::Car,
            lane: 0,
            start_s_m: 0.0,
            speed_mps: 10.0,
            color: None,
            car_following: true,
            emergency_braking_ttc_s: None,
            turn: None,
        }
    }
}

//! The vehicle shells' views: side profiles, cross-sections and plans in
//! the unit square, each convex, that `profiled_solid` and `tapered_prism`
//! turn into the car, van and truck primitives.

/// Side profile (x forward, y up, unit square, counter-clockwise) of
/// `Primitive::CarBody`.
pub const CAR_BODY_PROFILE: [[f32; 2]; 7] = [
    [-0.5, -0.5],
    [0.5, -0.5],
    [0.5, 0.05],
    [0.40, 0.30],
    [0.18, 0.5],
    [-0.40, 0.5],
    [-0.5, 0.25],
];

/// Cross-section (z across, y up) of `Primitive::CarBody`: the doors
/// tucked under towards the sills (a face turned to the ground, darker,
/// as under a real car's doors), flanks leaning in a little above the
/// belt, rounded shoulders under the glasshouse (its top still as wide as
/// the glasshouse's foot); 1% narrower than the box at its widest, so the
/// tyres and the wheel-arch trims stand proud of it.
pub const CAR_BODY_SECTION: [[f32; 2]; 10] = [
    [-0.46, -0.5],
    [0.46, -0.5],
    [0.49, -0.2],
    [0.49, 0.05],
    [0.48, 0.38],
    [0.465, 0.5],
    [-0.465, 0.5],
    [-0.48, 0.38],
    [-0.49, 0.05],
    [-0.49, -0.2],
];

/// Plan (x forward, z across) of `Primitive::CarBody`: corners rounded at
/// the nose and the tail.
pub const CAR_BODY_PLAN: [[f32; 2]; 8] = [
    [-0.5, -0.45],
    [-0.47, -0.5],
    [0.46, -0.5],
    [0.5, -0.45],
    [0.5, 0.45],
    [0.46, 0.5],
    [-0.47, 0.5],
    [-0.5, 0.45],
];

/// Side profile of `Primitive::TailgateBody`: `CarBody`'s nose and hood,
/// an upright back under the tailgate, its top edge rounded.
pub const TAILGATE_BODY_PROFILE: [[f32; 2]; 7] = [
    [-0.5, -0.5],
    [0.5, -0.5],
    [0.5, 0.05],
    [0.40, 0.30],
    [0.18, 0.5],
    [-0.485, 0.5],
    [-0.5, 0.4],
];

/// Side profile of `Primitive::TailgateCabin`: windscreen raked as the
/// saloon's, the roof carried back to a rear window leaning in a little.
pub const TAILGATE_CABIN_PROFILE: [[f32; 2]; 4] =
    [[-0.5, -0.5], [0.5, -0.5], [0.22, 0.5], [-0.45, 0.5]];

/// Side profile of `Primitive::VanBody`: bumper, one raked face for the
/// short hood and the windscreen (convex, as every primitive), roof, back.
pub const VAN_BODY_PROFILE: [[f32; 2]; 5] = [
    [-0.5, -0.5],
    [0.5, -0.5],
    [0.5, -0.05],
    [0.22, 0.5],
    [-0.5, 0.5],
];

/// Cross-section of `Primitive::VanBody`: the sides tucked under towards
/// the sills, upright flanks leaning in a little, the roof's edges
/// rounded; 1% narrower than the box at its widest, so the tyres and the
/// wheel-arch trims stand proud of it.
pub const VAN_BODY_SECTION: [[f32; 2]; 10] = [
    [-0.47, -0.5],
    [0.47, -0.5],
    [0.49, -0.35],
    [0.49, 0.3],
    [0.47, 0.43],
    [0.43, 0.5],
    [-0.43, 0.5],
    [-0.47, 0.43],
    [-0.49, 0.3],
    [-0.49, -0.35],
];

/// Plan of `Primitive::VanBody`: the nose's corners rounded more than the
/// square back's.
pub const VAN_BODY_PLAN: [[f32; 2]; 8] = [
    [-0.5, -0.47],
    [-0.49, -0.5],
    [0.44, -0.5],
    [0.5, -0.4],
    [0.5, 0.4],
    [0.44, 0.5],
    [-0.49, 0.5],
    [-0.5, 0.47],
];

/// Side profile of `Primitive::TruckCab`: upright front, the windscreen's
/// face raked back over the upper part, the roof's front edge rounded.
pub const TRUCK_CAB_PROFILE: [[f32; 2]; 6] = [
    [-0.5, -0.5],
    [0.5, -0.5],
    [0.5, 0.05],
    [0.46, 0.40],
    [0.40, 0.5],
    [-0.5, 0.5],
];

/// Cross-section of `Primitive::TruckCab`: upright flanks, the roof's
/// edges rounded.
pub const TRUCK_CAB_SECTION: [[f32; 2]; 8] = [
    [-0.5, -0.5],
    [0.5, -0.5],
    [0.5, 0.36],
    [0.47, 0.46],
    [0.42, 0.5],
    [-0.42, 0.5],
    [-0.47, 0.46],
    [-0.5, 0.36],
];

/// Plan of `Primitive::TruckCab`: the front corners rounded; the front
/// face stays flat over 84% of the width (grille, windscreen, lamps).
pub const TRUCK_CAB_PLAN: [[f32; 2]; 8] = [
    [-0.5, -0.5],
    [0.44, -0.5],
    [0.49, -0.47],
    [0.5, -0.42],
    [0.5, 0.42],
    [0.49, 0.47],
    [0.44, 0.5],
    [-0.5, 0.5],
];

/// Side profile of `Primitive::BusBody`: upright front and back, the
/// roof's front and back edges rounded a little.
pub const BUS_BODY_PROFILE: [[f32; 2]; 6] = [
    [-0.5, -0.5],
    [0.5, -0.5],
    [0.5, 0.44],
    [0.497, 0.5],
    [-0.497, 0.5],
    [-0.5, 0.44],
];

/// Cross-section of `Primitive::BusBody`: upright flanks 1% narrower than
/// the box (the tyres and arches stand proud), the roof's edges rounded.
pub const BUS_BODY_SECTION: [[f32; 2]; 8] = [
    [-0.49, -0.5],
    [0.49, -0.5],
    [0.49, 0.42],
    [0.475, 0.475],
    [0.45, 0.5],
    [-0.45, 0.5],
    [-0.475, 0.475],
    [-0.49, 0.42],
];

/// Plan of `Primitive::BusBody`: the four corners rounded.
pub const BUS_BODY_PLAN: [[f32; 2]; 8] = [
    [-0.5, -0.46],
    [-0.495, -0.5],
    [0.495, -0.5],
    [0.5, -0.46],
    [0.5, 0.46],
    [0.495, 0.5],
    [-0.495, 0.5],
    [-0.5, 0.46],
];

/// Side profile of `Primitive::CarCabin`.
pub const CAR_CABIN_PROFILE: [[f32; 2]; 4] = [[-0.5, -0.5], [0.5, -0.5], [0.1, 0.5], [-0.3, 0.5]];

/// Half-widths of `Primitive::CarCabin` at its bottom and its top: the
/// sides lean in towards the roof.
pub const CAR_CABIN_HALF_WIDTHS: [f32; 2] = [0.5, 0.40];

//! Validation after parsing: the rules a scenario must meet beyond its
//! types, one check per section, each failure naming the field it blames
//! (shown as file:line:col through `locate`).

use super::*;
use crate::core::classes::{Class, MAX_INSTANCES_PER_CLASS};
use locate::{Step, field, item};

pub(super) type Invalid = (Vec<Step<'static>>, String);

/// Most props (placed plus scattered) one scenario may hold: each is a few
/// instances in every camera's instance buffer and parts the LiDAR tests.
pub const MAX_PROPS: usize = 20_000;

/// Longest lists of scene elements whose geometry or work grows with their
/// count (each bound far above any real street).
pub const MAX_SEGMENTS: usize = 1000;
pub const MAX_CROSSWALKS: usize = 200;
pub const MAX_JUNCTIONS: usize = 64;
pub const MAX_TRIGGERS: usize = 10_000;
pub const MAX_CAMERAS: usize = 16;
pub const MAX_LIDARS: usize = 8;

/// Longest sensor name (it names folders and files).
pub const MAX_SENSOR_NAME: usize = 64;

/// Most pixels one camera may have: its readback buffer (colour 4 + labels
/// 2 + depth 4 bytes per pixel) must fit wgpu's default 256 MiB buffer limit.
pub const MAX_CAMERA_PIXELS: u64 = 8192 * 3072;

/// Sensor names name folders: non-empty, letters, digits, '_' or '-', unique.
/// The first offending index and why.
fn sensor_name_error(kind: &str, names: &[&str]) -> Option<(usize, String)> {
    for (i, name) in names.iter().enumerate() {
        if name.len() > MAX_SENSOR_NAME {
            return Some((
                i,
                format!(
                    "{kind} name of {} characters is too long: at most {MAX_SENSOR_NAME} (it names folders)",
                    name.chars().count()
                ),
            ));
        }
        if name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        {
            return Some((
                i,
                format!(
                    "{kind} name {name:?} must be non-empty letters, digits, '_' or '-' (it names folders)"
                ),
            ));
        }
        if names[..i].contains(name) {
            return Some((i, format!("{kind} name {name:?} is used twice")));
        }
    }
    None
}

/// Rules that span several fields. Each failure names the field path it
/// blames so the error can point at it.
pub fn validate(s: &Scenario) -> Result<(), Invalid> {
    check_sizes(s)?;
    check_road(s)?;
    check_vehicles(s)?;
    super::road_checks::check_turns(s)?;
    check_props(s)?;
    check_pedestrians(s)?;
    super::trigger_checks::check_triggers(s)?;
    check_hazard(s)?;
    super::station_checks::check_stations(s)?;
    super::station_checks::check_junction_mouths(s)?;
    super::station_checks::check_placed_props_off_roads(s)?;
    check_cameras(s)?;
    check_lidars(s)?;
    super::output_checks::check_output(s)?;
    super::failure_checks::check_failures(s)?;
    super::lens_checks::check_lenses(s)?;
    super::spawn_checks::check_starts(s)?;
    check_instance_counts(s)?;
    Ok(())
}

/// Length of the main road, metres.
pub(super) fn road_length_m(s: &Scenario) -> f64 {
    s.road
        .segments
        .iter()
        .map(|seg| match seg {
            SegmentSpec::Straight { length_m } | SegmentSpec::Arc { length_m, .. } => *length_m,
        })
        .sum()
}

/// The sizes: every number finite and within its unit's bounds, at least one frame, no list longer than the renderer takes.
fn check_sizes(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    // every number finite and within its unit's bounds, before any rule uses it
    bounds::check_numbers(s)?;
    if s.frames == 0 {
        return fail(vec![field("frames")], "frames must be at least 1".into());
    }
    let lists: [(usize, usize, Vec<Step<'static>>, &str); 6] = [
        (
            s.road.segments.len(),
            MAX_SEGMENTS,
            vec![field("road"), field("segments")],
            "road segments",
        ),
        (
            s.road.crosswalks.len(),
            MAX_CROSSWALKS,
            vec![field("road"), field("crosswalks")],
            "crosswalks",
        ),
        (
            s.road.junctions.len(),
            MAX_JUNCTIONS,
            vec![field("road"), field("junctions")],
            "junctions",
        ),
        (
            s.triggers.len(),
            MAX_TRIGGERS,
            vec![field("triggers")],
            "triggers",
        ),
        (
            s.sensors.cameras.len(),
            MAX_CAMERAS,
            vec![field("sensors"), field("cameras")],
            "cameras",
        ),
        (
            s.sensors.lidars.len(),
            MAX_LIDARS,
            vec![field("sensors"), field("lidars")],
            "LiDARs",
        ),
    ];
    for (count, most, steps, what) in lists {
        if count > most {
            return fail(
                steps,
                format!("{count} {what}; at most {most} are supported"),
            );
        }
    }
    Ok(())
}

/// The road: segments, length, crosswalks, lanes and where junctions may sit.
fn check_road(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    if s.road.segments.is_empty() {
        return fail(
            vec![field("road"), field("segments")],
            "the road needs at least one segment".into(),
        );
    }
    super::road_checks::check_segments(s)?;
    let length = road_length_m(s);
    if length > bounds::MAX_ROAD_LENGTH_M {
        return fail(
            vec![field("road"), field("segments")],
            format!(
                "the road is {length} m long; at most {} m is supported",
                bounds::MAX_ROAD_LENGTH_M
            ),
        );
    }
    for (i, c) in s.road.crosswalks.iter().enumerate() {
        if !(0.0..=length).contains(c) {
            return fail(
                vec![field("road"), item("crosswalks", i)],
                format!("crosswalk at s = {c} m is off the road (0..={length} m)"),
            );
        }
    }
    if s.road.lanes_forward == 0 {
        return fail(
            vec![field("road"), field("lanes_forward")],
            "lanes_forward must be at least 1 (the ego drives there)".into(),
        );
    }
    if s.ego.lane >= s.road.lanes_forward {
        return fail(
            vec![field("ego"), field("lane")],
            format!(
                "ego lane {} does not exist: the road has {} forward lane(s), numbered from 0",
                s.ego.lane, s.road.lanes_forward
            ),
        );
    }
    // junctions sit on straight stretches, on the road
    let mut seg_start = 0.0;
    let straights: Vec<(f64, f64)> = s
        .road
        .segments
        .iter()
        .map(|seg| {
            let (len, straight) = match seg {
                SegmentSpec::Straight { length_m } => (*length_m, true),
                SegmentSpec::Arc { length_m, .. } => (*length_m, false),
            };
            let r = (
                seg_start,
                if straight { seg_start + len } else { seg_start },
            );
            seg_start += len;
            r
        })
        .collect();
    for (i, j) in s.road.junctions.iter().enumerate() {
        let half = j.lanes as f64 * s.road.lane_width_m
            + s.road.sidewalk.as_ref().map_or(0.0, |w| w.width_m);
        if !straights
            .iter()
            .any(|(a, b)| j.s_m - half >= *a - 1e-9 && j.s_m + half <= *b + 1e-9)
        {
            return fail(
                vec![field("road"), item("junctions", i), field("s_m")],
                format!(
                    "junction at s = {} m must lie on a straight segment with {half:.1} m to spare each side",
                    j.s_m
                ),
            );
        }
    }
    super::road_checks::check_cross_streets(s)
}

/// The vehicles: lanes, roads and speeds that exist.
fn check_vehicles(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    // the sensors ride on the ego: off its road they see an empty world
    let length = road_length_m(s);
    if !(0.0..=length).contains(&s.ego.start_s_m) {
        return fail(
            vec![field("ego"), field("start_s_m")],
            format!(
                "ego start_s_m = {} m is off the road: the main road runs 0..={length} m",
                s.ego.start_s_m
            ),
        );
    }
    for (i, v) in s.vehicles.iter().enumerate() {
        if v.road as usize > s.road.junctions.len() {
            return fail(
                vec![item("vehicles", i), field("road")],
                format!(
                    "road {} does not exist: 0 is the main road, 1..={} the junctions' cross streets",
                    v.road,
                    s.road.junctions.len()
                ),
            );
        }
        // a wrong-way driver uses the other direction's lanes
        let lanes = match (v.direction, v.wrong_way) {
            _ if v.road > 0 => s.road.junctions[v.road as usize - 1].lanes,
            (Direction::Forward, false) | (Direction::Backward, true) => s.road.lanes_forward,
            (Direction::Backward, false) | (Direction::Forward, true) => s.road.lanes_backward,
        };
        if v.lane >= lanes {
            let whose = if v.road > 0 {
                format!(
                    "the cross street (road {}) has {lanes} lane(s) each way",
                    v.road
                )
            } else if v.wrong_way {
                format!(
                    "a wrong-way driver uses the other direction's lanes, and the road has {lanes} {:?} lane(s)",
                    v.direction.opposite()
                )
            } else {
                format!("the road has {lanes} {:?} lane(s)", v.direction)
            };
            return fail(
                vec![item("vehicles", i), field("lane")],
                format!("vehicle lane {} does not exist: {whose}", v.lane),
            );
        }
    }
    Ok(())
}

/// The props: parked cars, placed props and scattered rows.
fn check_props(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    let length = road_length_m(s);
    for (i, p) in s.props.parked.iter().enumerate() {
        if p.side == Side::Both {
            return fail(
                vec![field("props"), item("parked", i), field("side")],
                "a parked vehicle stands on one side: Left or Right".into(),
            );
        }
    }
    for (i, p) in s.props.placed.iter().enumerate() {
        if p.side == Side::Both {
            return fail(
                vec![field("props"), item("placed", i), field("side")],
                "a placed prop stands on one side: Left or Right".into(),
            );
        }
        if p.height_m.is_some_and(|h| h.is_nan() || h <= 0.0) {
            return fail(
                vec![field("props"), item("placed", i), field("height_m")],
                "height_m must be > 0".into(),
            );
        }
    }
    if s.props.placed.len() > MAX_PROPS {
        return fail(
            vec![field("props"), field("placed")],
            format!(
                "{} placed props; at most {MAX_PROPS} props are supported",
                s.props.placed.len()
            ),
        );
    }
    let mut prop_count = s.props.placed.len() as f64;
    for (i, sc) in s.props.scatter.iter().enumerate() {
        let at = |f: &'static str| vec![field("props"), item("scatter", i), field(f)];
        let end = sc.to_s_m.unwrap_or(length);
        for (name, v) in [("from_s_m", sc.from_s_m), ("to_s_m", end)] {
            if !(-length..=2.0 * length).contains(&v) {
                return fail(
                    at(name),
                    format!("{name} = {v} m is too far off the road (0..={length} m)"),
                );
            }
        }
        let sides = if sc.side == Side::Both { 2.0 } else { 1.0 };
        prop_count += sides * ((end - sc.from_s_m).max(0.0) / sc.spacing_m + 1.0).floor();
        if prop_count > MAX_PROPS as f64 {
            return fail(
                at("spacing_m"),
                format!(
                    "this scatter brings the scenario to about {prop_count:.0} props; at most {MAX_PROPS} are supported (widen spacing_m or shorten from_s_m..to_s_m)"
                ),
            );
        }
        if let Some(to) = sc.to_s_m
            && to <= sc.from_s_m
        {
            return fail(
                vec![field("props"), item("scatter", i), field("to_s_m")],
                format!(
                    "to_s_m ({to}) must be greater than from_s_m ({})",
                    sc.from_s_m
                ),
            );
        }
        if let Some((lo, hi)) = sc.height_m
            && !(lo > 0.0 && hi >= lo)
        {
            return fail(
                vec![field("props"), item("scatter", i), field("height_m")],
                format!("height_m ({lo}, {hi}) must satisfy 0 < min <= max"),
            );
        }
    }
    Ok(())
}

/// The pedestrians: walkers and the pedestrian-crossing hazard.
fn check_pedestrians(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    for (i, p) in s.pedestrians.iter().enumerate() {
        if p.side == Side::Both {
            return fail(
                vec![item("pedestrians", i), field("side")],
                "a pedestrian walks on one side: Left or Right".into(),
            );
        }
    }
    if let Some(Hazard::PedestrianCrossing(h)) = &s.hazard {
        if let Some(k) = h.behind_parked
            && k >= s.props.parked.len()
        {
            return fail(
                vec![field("hazard"), field("behind_parked")],
                format!(
                    "behind_parked: {k} names no parked vehicle (props.parked has {})",
                    s.props.parked.len()
                ),
            );
        }
        if h.side == Side::Both {
            return fail(
                vec![field("hazard"), field("side")],
                "the crossing starts on one side: Left or Right".into(),
            );
        }
    }
    Ok(())
}

/// The hazard: its side and references.
fn check_hazard(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    match &s.hazard {
        Some(Hazard::AnimalCrossing(h)) if h.side == Side::Both => {
            return fail(
                vec![field("hazard"), field("side")],
                "the animal starts on one side: Left or Right".into(),
            );
        }
        Some(Hazard::FallingCargo(h)) if h.vehicle >= s.vehicles.len() => {
            return fail(
                vec![field("hazard"), field("vehicle")],
                format!(
                    "vehicle: {} names no vehicle (vehicles has {})",
                    h.vehicle,
                    s.vehicles.len()
                ),
            );
        }
        Some(Hazard::FallingCargo(h))
            if !matches!(
                s.vehicles[h.vehicle].kind,
                VehicleKind::Truck | VehicleKind::Pickup
            ) =>
        {
            // a car's, van's or bus's load would ride inside its body
            return fail(
                vec![field("hazard"), field("vehicle")],
                format!(
                    "cargo rides on a load floor: vehicles[{}] must be a Truck (its box open at the back) or a Pickup, not a {:?}",
                    h.vehicle, s.vehicles[h.vehicle].kind
                ),
            );
        }
        _ => {}
    }
    Ok(())
}

/// The cameras: names, effects and sizes.
fn check_cameras(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    if s.sensors.cameras.is_empty() {
        return fail(
            vec![field("sensors"), field("cameras")],
            "at least one camera is needed".into(),
        );
    }
    let cameras: Vec<&str> = s.sensors.cameras.iter().map(|c| c.name.as_str()).collect();
    if let Some((i, msg)) = sensor_name_error("camera", &cameras) {
        return fail(
            vec![field("sensors"), item("cameras", i), field("name")],
            msg,
        );
    }
    for (i, c) in s.sensors.cameras.iter().enumerate() {
        let fx = &c.effects;
        for (name, value, max) in [
            ("shot_noise", fx.shot_noise, 1.0),
            ("read_noise", fx.read_noise, 1.0),
            ("vignetting", fx.vignetting, 1.0),
            ("chromatic_aberration_px", fx.chromatic_aberration_px, 50.0),
            ("exposure_ms", fx.exposure_ms, 100.0),
            ("bloom", fx.bloom, 1.0),
            ("flare", fx.flare, 1.0),
            ("jpeg_quality", fx.jpeg_quality as f64, 100.0),
            ("auto_exposure_s", fx.auto_exposure_s, 10.0),
            ("auto_exposure_target", fx.auto_exposure_target, 1.0),
        ] {
            if !(0.0..=max).contains(&value) {
                return fail(
                    vec![
                        field("sensors"),
                        item("cameras", i),
                        field("effects"),
                        field(name),
                    ],
                    format!("{name} is {value}; it must be in 0 ..= {max}"),
                );
            }
        }
        if c.width as u64 * c.height as u64 > MAX_CAMERA_PIXELS {
            return fail(
                vec![field("sensors"), item("cameras", i), field("height")],
                format!(
                    "a {}x{} camera has {} pixels; at most {MAX_CAMERA_PIXELS} (8192x3072) fit one readback buffer",
                    c.width,
                    c.height,
                    c.width as u64 * c.height as u64
                ),
            );
        }
    }
    // the pixel budget of all cameras together is checked with their
    // lenses' source views (`lens_checks`)
    Ok(())
}

/// The lidars: names and beam tables.
fn check_lidars(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    let lidars: Vec<&str> = s.sensors.lidars.iter().map(|l| l.name.as_str()).collect();
    if let Some((i, msg)) = sensor_name_error("lidar", &lidars) {
        return fail(
            vec![field("sensors"), item("lidars", i), field("name")],
            msg,
        );
    }
    // failures, labels and every format name a sensor by it: one name, one sensor
    if let Some(i) = lidars
        .iter()
        .position(|n| s.sensors.cameras.iter().any(|c| c.name == *n))
    {
        return fail(
            vec![field("sensors"), item("lidars", i), field("name")],
            format!(
                "lidar name {:?} is also a camera's: sensor names must differ across cameras and lidars (failures, labels and files name sensors by it)",
                lidars[i]
            ),
        );
    }
    for (i, l) in s.sensors.lidars.iter().enumerate() {
        let at = |f: &'static str| vec![field("sensors"), item("lidars", i), field(f)];
        let table = self::sensors::beam_table(l);
        if let Some(n) = l.channels
            && (!(1..=256).contains(&n)
                || l.elevation_min_deg.is_none()
                || l.elevation_max_deg.is_none())
        {
            return fail(
                at("channels"),
                "channels needs 1..=256 and both elevation_min_deg and elevation_max_deg".into(),
            );
        }
        let max_el = self::sensors::MAX_ELEVATION_DEG;
        if table
            .elevations_rad
            .iter()
            .any(|e| e.is_nan() || e.to_degrees().abs() > max_el)
            || table.elevations_rad.is_empty()
        {
            return fail(
                at("elevations_deg"),
                format!("beam elevations must lie within +-{max_el} degrees"),
            );
        }
        if !(64..=8192).contains(&table.columns) {
            return fail(
                at("columns"),
                format!("columns {} must be in 64..=8192", table.columns),
            );
        }
        if !(table.rotation_hz > 0.0 && table.rotation_hz <= 100.0) {
            return fail(at("rotation_hz"), "rotation_hz must be in (0, 100]".into());
        }
        if !(table.min_range_m >= 0.0 && table.max_range_m > table.min_range_m) {
            return fail(
                at("max_range_m"),
                "need 0 <= min_range_m < max_range_m".into(),
            );
        }
    }
    Ok(())
}

/// The instance counts: instance ids fit their class's id range.
fn check_instance_counts(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    let count = |class: Class| -> usize {
        let vehicles = std::iter::once(s.ego.kind)
            .chain(s.vehicles.iter().map(|v| v.kind))
            .chain(s.props.parked.iter().map(|p| p.kind));
        match class {
            Class::Rider => s.cyclists.len(),
            Class::Person => {
                s.pedestrians.len()
                    + match &s.hazard {
                        Some(Hazard::PedestrianCrossing(h)) => h.count as usize,
                        _ => 0,
                    }
            }
            _ => vehicles.filter(|k| k.class() == class).count(),
        }
    };
    for class in [
        Class::Person,
        Class::Rider,
        Class::Car,
        Class::Truck,
        Class::Bus,
    ] {
        if count(class) > MAX_INSTANCES_PER_CLASS as usize {
            // blame the longest list that holds the class
            let lists: [(usize, Vec<Step<'static>>); 4] = [
                (s.vehicles.len(), vec![field("vehicles")]),
                (s.pedestrians.len(), vec![field("pedestrians")]),
                (s.cyclists.len(), vec![field("cyclists")]),
                (s.props.parked.len(), vec![field("props"), field("parked")]),
            ];
            let steps = lists
                .into_iter()
                .max_by_key(|(n, _)| *n)
                .map(|(_, steps)| steps)
                .unwrap_or_default();
            return fail(
                steps,
                format!(
                    "more than {MAX_INSTANCES_PER_CLASS} objects of class {} (instance ids are class_id*1000 + k)",
                    class.name()
                ),
            );
        }
    }
    Ok(())
}

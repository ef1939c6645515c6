//! Scenario files: RON schema, loading with file:line:col errors, and
//! cross-field validation before anything renders.

pub mod actors;
pub mod bounds;
pub mod library;
pub mod locate;
pub mod patch;
pub mod range;
pub mod role;
pub mod schema;
pub mod sensors;

use crate::core::classes::{Class, MAX_INSTANCES_PER_CLASS};
use locate::{Step, field, item};
pub use role::Role;
pub use schema::*;
use std::path::{Path, PathBuf};

/// A scenario error with its location; Display gives `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ScenarioError {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Longest message a scenario error echoes: values quoted from a file can be
/// arbitrarily long.
const MAX_MESSAGE_CHARS: usize = 400;

fn capped(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let head: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    format!("{head}... (message cut)")
}

impl ScenarioError {
    /// An error at `line:col` (1-based; 0 = no position), its message capped.
    pub fn at(file: &Path, line: usize, col: usize, message: String) -> ScenarioError {
        ScenarioError {
            file: file.to_path_buf(),
            line,
            col,
            message: capped(message),
        }
    }

    /// A file that could not be read (no position).
    pub fn unreadable(path: &Path, what: &str, e: std::io::Error) -> ScenarioError {
        ScenarioError {
            file: path.to_path_buf(),
            line: 0,
            col: 0,
            message: format!("cannot read {what}: {e}"),
        }
    }

    /// A ron parse or deserialization error, at its span's start.
    pub fn from_ron(path: &Path, e: ron::error::SpannedError) -> ScenarioError {
        ScenarioError::at(
            path,
            e.span.start.line,
            e.span.start.col,
            e.code.to_string(),
        )
    }

    fn render(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", self.file.display(), self.message)
        } else {
            format!(
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.col,
                self.message
            )
        }
    }
}

/// `--scenario` accepts a path, or a bare name looked up in `scenarios/`
/// (of the working directory, then of the source tree).
pub fn resolve_path(arg: &str) -> PathBuf {
    let p = PathBuf::from(arg);
    if p.exists() {
        return p;
    }
    // a bare name (or `hazards/<name>`) from scenarios/ or scenarios/hazards/
    let file = if arg.ends_with(".ron") {
        arg.to_string()
    } else {
        format!("{arg}.ron")
    };
    let roots = [
        PathBuf::from("scenarios"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
    ];
    roots
        .iter()
        .flat_map(|r| [r.join(&file), r.join("hazards").join(&file)])
        .find(|c| c.exists())
        .unwrap_or(p)
}

pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let src = library::read(path, "scenario file")?;
    parse(&src, path)
}

pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_default_extension(ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES)
}

/// Serialize a scenario in the same RON dialect `parse` reads.
pub fn to_ron(s: &Scenario) -> String {
    ron_options()
        .to_string_pretty(s, ron::ser::PrettyConfig::default().struct_names(false))
        .expect("a scenario always serializes")
}

pub fn parse(src: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let scenario: Scenario = ron_options()
        .from_str(src)
        .map_err(|e| ScenarioError::from_ron(path, e))?;
    validate(&scenario).map_err(|(steps, message)| {
        let (line, col) = locate::locate(src, &steps).map_or((1, 1), |o| locate::line_col(src, o));
        ScenarioError::at(path, line, col, message)
    })?;
    Ok(scenario)
}

type Invalid = (Vec<Step<'static>>, String);

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

/// Rules that span several fields. Each failure names the field path it
/// blames so the error can point at it.
pub fn validate(s: &Scenario) -> Result<(), Invalid> {
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
    if s.road.segments.is_empty() {
        return fail(
            vec![field("road"), field("segments")],
            "the road needs at least one segment".into(),
        );
    }
    for (i, seg) in s.road.segments.iter().enumerate() {
        if let SegmentSpec::Arc {
            length_m, radius_m, ..
        } = seg
            && *length_m > std::f64::consts::TAU * radius_m
        {
            return fail(
                vec![field("road"), item("segments", i)],
                format!(
                    "arc of length {length_m} m on radius {radius_m} m turns more than a full circle"
                ),
            );
        }
    }
    let length: f64 = s
        .road
        .segments
        .iter()
        .map(|seg| match seg {
            SegmentSpec::Straight { length_m } | SegmentSpec::Arc { length_m, .. } => *length_m,
        })
        .sum();
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
            return fail(
                vec![item("vehicles", i), field("lane")],
                format!(
                    "vehicle lane {} does not exist: the road has {lanes} {:?} lane(s)",
                    v.lane, v.direction
                ),
            );
        }
    }
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
        if let Action::ChangeLane(lane) = t.action {
            let lanes = if let Role::Vehicle(k) = role {
                let v = &s.vehicles[k];
                match (v.direction, v.wrong_way) {
                    (Direction::Forward, false) | (Direction::Backward, true) => {
                        s.road.lanes_forward
                    }
                    _ => s.road.lanes_backward,
                }
            } else if role == Role::Ego {
                s.road.lanes_forward
            } else {
                return fail(
                    vec![item("triggers", i), field("action")],
                    format!("ChangeLane needs a vehicle; {} is not one", t.actor),
                );
            };
            if lane >= lanes {
                return fail(
                    vec![item("triggers", i), field("action")],
                    format!("lane {lane} does not exist: that direction has {lanes} lane(s)"),
                );
            }
        }
    }
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
        _ => {}
    }
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
    let total_pixels: u64 = s
        .sensors
        .cameras
        .iter()
        .map(|c| c.width as u64 * c.height as u64)
        .sum();
    if total_pixels > 2 * MAX_CAMERA_PIXELS {
        return fail(
            vec![field("sensors"), field("cameras")],
            format!(
                "the cameras have {total_pixels} pixels together; at most {} (two 8192x3072 cameras)",
                2 * MAX_CAMERA_PIXELS
            ),
        );
    }
    let lidars: Vec<&str> = s.sensors.lidars.iter().map(|l| l.name.as_str()).collect();
    if let Some((i, msg)) = sensor_name_error("lidar", &lidars) {
        return fail(
            vec![field("sensors"), item("lidars", i), field("name")],
            msg,
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
    if s.output.formats.contains(&Format::Kitti)
        && !s
            .sensors
            .cameras
            .iter()
            .any(|c| c.name == s.output.kitti_camera)
    {
        // a defaulted kitti_camera has no text to point at: blame the cameras
        let steps = if s.output.kitti_camera == Output::default().kitti_camera {
            vec![field("sensors"), field("cameras")]
        } else {
            vec![field("output"), field("kitti_camera")]
        };
        return fail(
            steps,
            format!(
                "kitti_camera {:?} names no camera in sensors.cameras (name a camera {:?} or set output.kitti_camera)",
                s.output.kitti_camera, s.output.kitti_camera
            ),
        );
    }
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
    for class in [Class::Person, Class::Rider, Class::Car, Class::Truck] {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> ScenarioError {
        parse(src, Path::new("t.ron")).unwrap_err()
    }

    #[test]
    fn empty_scenario_takes_defaults() {
        let s = parse("()", Path::new("t.ron")).unwrap();
        assert_eq!(s, Scenario::default());
    }

    #[test]
    fn unknown_field_points_at_it() {
        let e = err("(\n  seed: 1,\n  sensors: (cameras: [(fov: 90)]),\n)");
        assert_eq!((e.line, e.col), (3, 24), "{e}");
        assert!(e.message.contains("fov"), "{e}");
        assert!(e.to_string().starts_with("t.ron:3:24: "));
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let e = err("(sensors: (cameras: [(hfov_deg: 180)]))");
        assert!(e.message.contains("0 < fov < 180"), "{e}");
        assert_eq!(e.line, 1);
        let e = err("(road: (lane_width_m: -3.5))");
        assert!(e.message.contains("lane width"), "{e}");
        let e = err("(seed: \"x\")");
        assert!(e.message.to_lowercase().contains("expected"), "{e}");
    }

    #[test]
    fn cross_field_errors_point_at_the_field() {
        let e = err("(\n  road: (lanes_forward: 1),\n  ego: (\n    lane: 3,\n  ),\n)");
        assert_eq!((e.line, e.col), (4, 5), "{e}");
        let e =
            err("(hazard: PedestrianCrossing(s_m: 5, trigger_time_to_ego_s: 2, behind_parked: 0))");
        assert!(e.message.contains("behind_parked"), "{e}");
        assert_eq!((e.line, e.col), (1, 63), "{e}");
    }

    #[test]
    fn serialized_scenarios_parse_back_identically() {
        let mut s = Scenario {
            hazard: Some(Hazard::PedestrianCrossing(PedestrianCrossing {
                s_m: 40.0,
                side: Side::Left,
                trigger_time_to_ego_s: 2.5,
                speed_mps: 1.5,
                behind_parked: None,
                height_m: 1.2,
                count: 3,
                ball: true,
            })),
            triggers: vec![Trigger {
                actor: "ego".into(),
                when: Condition::EgoTimeToReach(2.0),
                delay_s: 0.5,
                action: Action::EmergencyBrake,
            }],
            ..Scenario::default()
        };
        s.weather.fog = Some(Fog {
            visibility_m: 30.0,
            color: Some([0.5, 0.5, 0.5]),
        });
        s.props.parked.push(Parked {
            s_m: 3.0,
            side: Side::Left,
            kind: VehicleKind::Van,
            color: None,
        });
        let text = to_ron(&s);
        assert_eq!(parse(&text, Path::new("t.ron")).unwrap(), s, "{text}");
    }

    #[test]
    fn integers_are_accepted_for_floats() {
        let s = parse(
            "(light: (sun_elevation_deg: 10), weather: (fog: (visibility_m: 50)))",
            Path::new("t.ron"),
        )
        .unwrap();
        assert_eq!(s.light.sun_elevation_deg, 10.0);
        assert_eq!(s.weather.fog.unwrap().visibility_m, 50.0);
    }
}

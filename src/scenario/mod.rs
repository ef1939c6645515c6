//! Scenario files: RON schema, loading with file:line:col errors, and
//! cross-field validation before anything renders.

pub mod actors;
pub mod bounds;
mod failure_checks;
mod lens_checks;
pub mod library;
pub mod locate;
pub mod output;
mod output_checks;
pub mod patch;
mod prop_ground;
pub mod range;
pub mod rigs;
mod road;
mod road_checks;
pub mod role;
mod ron_hints;
mod ron_some;
pub mod schema;
pub mod sensors;
pub(crate) mod spawn_checks;
mod station_checks;
mod trigger_checks;
pub mod validate;

pub use output::*;
pub use prop_ground::{RoadGround, TakenGround, prop_footprint};
pub use road::JUNCTION_ZEBRA_OFFSET_M;
pub use road_checks::{drawn_road_end_m, ego_past_road_end};
pub use role::{Role, actor_roles, resolve_actor};
pub use schema::*;
pub use station_checks::PLACED_BUILDING_FRONT_M;
use std::path::{Path, PathBuf};
pub use validate::*;

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

    /// A ron parse or deserialization error in `src`, at its span's start,
    /// with a plain-words hint where one fits.
    pub fn from_ron(path: &Path, src: &str, e: ron::error::SpannedError) -> ScenarioError {
        let offset = ron_hints::offset_of(src, e.span.start.line, e.span.start.col);
        let hint = ron_hints::hint(src, offset, &e.code);
        let mut message = match (&e.code, &hint) {
            // ron suggests `r#1.2` for a number where a field name goes
            (ron::error::Error::SuggestRawIdentifier(_), Some(_)) => {
                "a field name was expected".to_string()
            }
            (code, _) => code.to_string(),
        };
        if let Some(hint) = hint {
            message += &format!("; {hint}");
        }
        // a sweep file's top-level fields given where a scenario goes
        if let ron::error::Error::NoSuchStructField { found, outer, .. } = &e.code
            && ["base", "samples", "frames_per_sample", "params", "groups"]
                .contains(&found.as_str())
            && outer.as_deref() == Some("Scenario")
        {
            message += "; this looks like a sweep file: check it with `edgecase sweep FILE --check`, \
                        render it with `edgecase sweep FILE --out DIR`";
        }
        // and a file that parses as a scenario given where a sweep file goes
        if let ron::error::Error::NoSuchStructField { outer, .. } = &e.code
            && outer.as_deref() == Some("SweepFile")
            && ron_options().from_str::<Scenario>(src).is_ok()
        {
            message += "; this looks like a scenario: render it with `edgecase --headless \
                        --scenario FILE --out DIR`, or name it in a sweep's `base`";
        }
        ScenarioError::at(path, e.span.start.line, e.span.start.col, message)
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
#[allow(clippy::expect_used)] // plain data: numbers, strings, enums, lists
pub fn to_ron(s: &Scenario) -> String {
    ron_options()
        .to_string_pretty(s, ron::ser::PrettyConfig::default().struct_names(false))
        .expect("a scenario always serializes")
}

pub fn parse(src: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    parse_with_formats(src, path, None)
}

/// As `parse`, with `formats` (the command line's `--formats`) in place of
/// the file's `output.formats`: the scenario is validated with the formats
/// the run will write, so a file whose own formats need something it turns
/// off (say `rgb: false` under the default COCO) runs with formats that do
/// not, and the file's fields are still blamed at their line:col.
pub fn parse_with_formats(
    src: &str,
    path: &Path,
    formats: Option<&[Format]>,
) -> Result<Scenario, ScenarioError> {
    if is_blank_ron(src) {
        return Err(ScenarioError::at(
            path,
            1,
            1,
            "the file is empty: a scenario is one RON struct, \
             `(name: \"...\", road: (...), ...)` (docs/scenario.md)"
                .into(),
        ));
    }
    // standard RON's `Some((...))`, read as our dialect reads `Some(...)`
    let src = &*ron_some::unwrap_some_parens(src);
    let mut scenario: Scenario = ron_options()
        .from_str(src)
        .map_err(|e| ScenarioError::from_ron(path, src, e))?;
    let at = |(steps, message): validate::Invalid| {
        let (line, col) = locate::locate(src, &steps).map_or((1, 1), |o| locate::line_col(src, o));
        ScenarioError::at(path, line, col, message)
    };
    expand_rig(&mut scenario).map_err(at)?;
    if let Some(formats) = formats {
        scenario.output.formats = formats.to_vec();
    }
    validate(&scenario).map_err(at)?;
    Ok(scenario)
}

/// Whether RON text holds nothing but white space and comments.
pub(crate) fn is_blank_ron(src: &str) -> bool {
    let mut rest = src.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            // an unclosed block comment is ron's to report
            match after.split_once("*/") {
                Some((_, r)) => rest = r.trim_start(),
                None => return false,
            }
        } else {
            return rest.is_empty();
        }
    }
}

/// A preset rig becomes its cameras and LiDARs (which must not be given
/// beside it).
fn expand_rig(s: &mut Scenario) -> Result<(), validate::Invalid> {
    let Some(rig) = s.sensors.rig.take() else {
        return Ok(());
    };
    if s.sensors.cameras != Sensors::default().cameras || !s.sensors.lidars.is_empty() {
        return Err((
            vec![locate::field("sensors"), locate::field("rig")],
            "a rig stands for the cameras and LiDARs: give `rig` or `cameras`/`lidars`, not both"
                .into(),
        ));
    }
    (s.sensors.cameras, s.sensors.lidars) = rig.sensors();
    if s.output.kitti_camera == Output::default().kitti_camera
        && !s
            .sensors
            .cameras
            .iter()
            .any(|c| c.name == s.output.kitti_camera)
    {
        // the rig's first camera is the KITTI camera unless one is named
        s.output.kitti_camera = s.sensors.cameras[0].name.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error a scenario text gets (the section checks' tests share it).
    pub(super) fn err(src: &str) -> ScenarioError {
        parse(src, Path::new("t.ron")).unwrap_err()
    }

    #[test]
    fn a_sweep_file_given_as_a_scenario_says_so() {
        let e = err("(name: \"s\", base: \"fog_pedestrian\", samples: 2)");
        assert!(e.to_string().contains("`base`"), "{e}");
        assert!(e.to_string().contains("edgecase sweep FILE"), "{e}");
        // any other unknown field gets no such hint
        assert!(!err("(bass: 1)").to_string().contains("sweep"));
        // nor only `base`: the first of a sweep file's fields says it
        let e = err("(name: \"s\", samples: 2, base: \"fog_pedestrian\")");
        assert!(e.to_string().contains("edgecase sweep FILE --check"), "{e}");
    }

    #[test]
    fn formats_given_apart_replace_the_files_before_validation() {
        // no rgb files: COCO (a default format) would list images that are not there
        let src = "(\n  output: (rgb: false),\n)";
        let e = err(src);
        assert_eq!((e.line, e.col), (2, 12), "{e}");
        assert!(
            e.message.contains("the Coco format lists the rgb files"),
            "{e}"
        );
        let e = err("(output: (rgb: false, formats: [Kitti, Panoptic]))");
        assert!(e.message.contains("the Panoptic format"), "{e}");
        // formats that carry their own images run without rgb/
        let formats = [Format::Kitti, Format::Yolo, Format::Cityscapes];
        let s = parse_with_formats(src, Path::new("t.ron"), Some(&formats)).unwrap();
        assert_eq!(s.output.formats, formats);
        // and a file that is fine alone is validated with the formats given
        let e = parse_with_formats(
            "()",
            Path::new("t.ron"),
            Some(&[Format::Coco, Format::Flow]),
        );
        assert!(e.is_ok());
        let e = parse_with_formats(
            "(output: (instance: false))",
            Path::new("t.ron"),
            Some(&[Format::Flow]),
        )
        .unwrap_err();
        assert!(e.message.contains("the Flow format needs"), "{e}");
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
        let e = err("(sensors: (cameras: [(hfov_deg: 210)]))");
        assert!(e.message.contains("1 <= fov <= 200"), "{e}");
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

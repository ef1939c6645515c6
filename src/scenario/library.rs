//! Where a scenario's text comes from: a file the user names, or one of the
//! shipped scenarios, which are compiled into the binary so an installed or
//! copied `edgecase` finds `fog_pedestrian` from any directory. Files are
//! read with limits: regular files only, at most [`MAX_SCENARIO_BYTES`],
//! UTF-8 (a bad byte is reported at its line:col).

use super::ScenarioError;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest scenario or sweep file read, bytes (the shipped ones are ~2 KB).
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

macro_rules! builtin {
    ($name:literal, $path:literal) => {
        (
            $name,
            $path,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path)),
        )
    };
}

/// The shipped scenarios: (name, path in the repository, text).
pub const BUILTIN: &[(&str, &str, &str)] = &[
    builtin!("clear_day_urban", "scenarios/clear_day_urban.ron"),
    builtin!("dusk_parked_cars", "scenarios/dusk_parked_cars.ron"),
    builtin!("fog_pedestrian", "scenarios/fog_pedestrian.ron"),
    builtin!("rain_night_street", "scenarios/rain_night_street.ron"),
    builtin!("snow_day_rural", "scenarios/snow_day_rural.ron"),
    builtin!("surround_city", "scenarios/surround_city.ron"),
    builtin!("fisheye_parking", "scenarios/fisheye_parking.ron"),
    builtin!("child_ball", "scenarios/hazards/child_ball.ron"),
    builtin!("cyclist_door", "scenarios/hazards/cyclist_door.ron"),
    builtin!(
        "debris_truck_motorway",
        "scenarios/hazards/debris_truck_motorway.ron"
    ),
    builtin!("deer_night_rural", "scenarios/hazards/deer_night_rural.ron"),
    builtin!("jaywalking_group", "scenarios/hazards/jaywalking_group.ron"),
    builtin!(
        "lead_vehicle_brakes",
        "scenarios/hazards/lead_vehicle_brakes.ron"
    ),
    builtin!(
        "pedestrian_behind_van",
        "scenarios/hazards/pedestrian_behind_van.ron"
    ),
    builtin!("red_light_runner", "scenarios/hazards/red_light_runner.ron"),
    builtin!(
        "low_sun_glare_brake",
        "scenarios/hazards/low_sun_glare_brake.ron"
    ),
    builtin!(
        "dead_rings_rain_debris",
        "scenarios/hazards/dead_rings_rain_debris.ron"
    ),
    builtin!(
        "mud_lidar_cyclist_dusk",
        "scenarios/hazards/mud_lidar_cyclist_dusk.ron"
    ),
    builtin!(
        "stalled_blind_curve",
        "scenarios/hazards/stalled_blind_curve.ron"
    ),
    builtin!(
        "wrong_way_motorway",
        "scenarios/hazards/wrong_way_motorway.ron"
    ),
];

/// The shipped sweeps: (name, path in the repository, text).
pub const BUILTIN_SWEEPS: &[(&str, &str, &str)] = &[builtin!(
    "fog_pedestrian_dr",
    "sweeps/fog_pedestrian_dr.ron"
)];

/// The shipped sweep called `name` (a bare name, with or without `.ron`).
pub fn builtin_sweep(name: &str) -> Option<Source> {
    find(BUILTIN_SWEEPS, name.strip_suffix(".ron").unwrap_or(name))
}

/// The entry of `table` named `stem`, as a source named `builtin:<path>`.
fn find(table: &[(&str, &str, &str)], stem: &str) -> Option<Source> {
    table
        .iter()
        .find(|(n, _, _)| *n == stem)
        .map(|(_, path, text)| Source {
            path: PathBuf::from(format!("builtin:{path}")),
            text: text.to_string(),
        })
}

/// A scenario's text and the path its errors name.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file, or `builtin:scenarios/<...>.ron` for a shipped scenario.
    pub path: PathBuf,
    pub text: String,
}

/// The shipped scenario called `name` (`fog_pedestrian`, `hazards/child_ball`,
/// with or without `.ron`).
pub fn builtin(name: &str) -> Option<Source> {
    let stem = name.strip_suffix(".ron").unwrap_or(name);
    find(BUILTIN, stem.strip_prefix("hazards/").unwrap_or(stem))
}

/// `--scenario ARG`: an existing file, else a shipped scenario's name; a
/// name that is neither gets the nearest shipped names.
pub fn resolve(arg: &str) -> Result<Source, ScenarioError> {
    let path = Path::new(arg);
    // a folder called `fog_pedestrian` does not shadow the shipped scenario
    if path.is_file() || path.exists() && !path.is_dir() {
        return read(path, "scenario file").map(|text| Source {
            path: path.to_path_buf(),
            text,
        });
    }
    if let Some(s) = builtin(arg) {
        return Ok(s);
    }
    let looks_like_path = arg.contains('/') || arg.ends_with(".ron");
    let nearest = nearest_names(arg, 3);
    let mut message = if path.is_dir() {
        "is a folder, not a scenario file".to_string()
    } else if looks_like_path {
        "no such scenario file".to_string()
    } else {
        "no such file, and no shipped scenario of that name".to_string()
    };
    if !nearest.is_empty() {
        message += &format!("; did you mean {}?", nearest.join(", "));
    }
    message += " (`edgecase list` prints the shipped scenarios)";
    Err(ScenarioError::at(path, 0, 0, message))
}

/// Shipped names within a small edit distance of `arg`, nearest first.
pub fn nearest_names(arg: &str, most: usize) -> Vec<&'static str> {
    let stem = Path::new(arg)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(arg);
    let mut scored: Vec<(usize, &'static str)> = BUILTIN
        .iter()
        .map(|(n, _, _)| (edit_distance(stem, n), *n))
        .filter(|(d, n)| *d <= (n.len() / 3).max(2) || n.contains(stem) && stem.len() >= 3)
        .collect();
    scored.sort();
    scored.into_iter().take(most).map(|(_, n)| n).collect()
}

/// Levenshtein distance (unit costs), on chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            row[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

/// Read a scenario or sweep file: a regular file (not a FIFO or device), at
/// most [`MAX_SCENARIO_BYTES`], UTF-8.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

pub fn read(path: &Path, what: &str) -> Result<String, ScenarioError> {
    let meta = std::fs::metadata(path).map_err(|e| ScenarioError::unreadable(path, what, e))?;
    if !meta.is_file() {
        return Err(ScenarioError::at(
            path,
            0,
            0,
            format!("cannot read {what}: not a regular file"),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| ScenarioError::unreadable(path, what, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ScenarioError::unreadable(path, what, e))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::at(
            path,
            0,
            0,
            format!(
                "{what} is larger than {} MiB; scenario files are small text files",
                MAX_SCENARIO_BYTES >> 20
            ),
        ));
    }
    // a byte order mark (some Windows editors write one) is not part of the
    // text: without it the file parses and line 1's columns stay the ones
    // an editor shows
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..bad].iter().filter(|b| **b == b'\n').count();
        let line_start = bytes[..bad]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1);
        // columns count characters, like ron's
        let col = 1 + String::from_utf8_lossy(&bytes[line_start..bad])
            .chars()
            .count();
        ScenarioError::at(
            path,
            line,
            col,
            format!(
                "{what} is not UTF-8 text: byte 0x{:02x} is not valid here",
                bytes[bad]
            ),
        )
    })
}

/// Test helper: the names of the `.ron` files in repository folders, sorted.
#[cfg(test)]
pub(crate) fn ron_stems(folders: &[&str]) -> Vec<String> {
    let mut stems = Vec::new();
    for folder in folders {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "ron") {
                stems.push(p.file_stem().unwrap().to_str().unwrap().to_string());
            }
        }
    }
    stems.sort();
    stems
}

#[cfg(test)]
pub(crate) fn sorted_names(table: &[(&str, &str, &str)]) -> Vec<String> {
    let mut names: Vec<String> = table.iter().map(|(n, _, _)| n.to_string()).collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_is_built_in_and_parses() {
        assert_eq!(
            ron_stems(&["scenarios", "scenarios/hazards"]),
            sorted_names(BUILTIN),
            "scenarios/ and the built-in table differ"
        );
        for (name, _, text) in BUILTIN {
            let src = builtin(name).unwrap();
            super::super::parse(text, &src.path).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(builtin("hazards/child_ball.ron").is_some());
    }

    #[test]
    fn typos_get_the_nearest_names() {
        assert_eq!(nearest_names("fog_pedestrain", 3)[0], "fog_pedestrian");
        assert_eq!(nearest_names("childball", 3)[0], "child_ball");
        assert!(nearest_names("zzzzzzzz", 3).is_empty());
        let e = resolve("fog_pedestrain").unwrap_err();
        assert!(e.message.contains("did you mean fog_pedestrian"), "{e}");
    }

    #[test]
    fn non_regular_oversized_and_non_utf8_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = read(dir.path(), "scenario file").unwrap_err();
        assert!(e.message.contains("not a regular file"), "{e}");
        let p = dir.path().join("bad.ron");
        std::fs::write(&p, b"(\n  name: \"ab\xff\",\n)").unwrap();
        let e = read(&p, "scenario file").unwrap_err();
        assert_eq!((e.line, e.col), (2, 12), "{e}");
        let big = dir.path().join("big.ron");
        std::fs::write(&big, vec![b' '; (MAX_SCENARIO_BYTES + 1) as usize]).unwrap();
        let e = read(&big, "scenario file").unwrap_err();
        assert!(e.message.contains("larger than"), "{e}");
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_columns_are_the_editors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bom.ron");
        std::fs::write(&p, b"\xef\xbb\xbf(name: 5)").unwrap();
        assert_eq!(read(&p, "scenario file").unwrap(), "(name: 5)");
        // name takes a string: blamed where it is without the mark
        let e = super::super::load(&p).unwrap_err();
        let plain = dir.path().join("plain.ron");
        std::fs::write(&plain, b"(name: 5)").unwrap();
        let without = super::super::load(&plain).unwrap_err();
        assert_eq!((e.line, e.col), (without.line, without.col), "{e}");
        // a shipped scenario saved with a mark and CRLF line ends runs
        let (_, _, text) = BUILTIN[0];
        let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        std::fs::write(&p, windows).unwrap();
        super::super::load(&p).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn an_empty_file_is_called_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("empty.ron");
        for text in ["", "  \n\t\n", "// only a comment\n"] {
            std::fs::write(&p, text).unwrap();
            let e = super::super::load(&p).unwrap_err();
            assert!(e.message.contains("empty"), "{text:?}: {e}");
        }
    }
}

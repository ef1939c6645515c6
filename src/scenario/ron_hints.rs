//! Plain-words hints for the RON mistakes people make most when writing a
//! scenario by hand from the docs. ron's own messages name the token it
//! wanted ("Expected identifier", "Expected comma"), not what the writer
//! should change; a hint reads the source around the error and says it.

use ron::error::Error;

/// A hint to append to ron's message for the error at byte `offset` of
/// `src`, or None when no rule fits.
pub fn hint(src: &str, offset: usize, code: &Error) -> Option<String> {
    let offset = offset.min(src.len());
    let token = token_at(src, offset);
    let field = enclosing_field(src, offset, 0);
    let named = |what: &str| match &field {
        Some(f) => format!("`{f}` {what}"),
        None => format!("this value {what}"),
    };
    match code {
        Error::ExpectedIdentifier | Error::SuggestRawIdentifier(_) => {
            let before = prev_char(src, offset);
            let in_list =
                before == Some('[') || (before == Some(',') && opener(src, offset) == Some('['));
            if let Some(name) = token.strip_prefix('"') {
                let name = name.trim_end_matches('"');
                if before == Some(':') || in_list {
                    return Some(format!(
                        "{}: write the name bare, `{name}`, not a string `\"{name}\"`",
                        named("takes a name")
                    ));
                }
            }
            if matches!(before, Some('(') | Some(',')) && !in_list && !token.is_empty() {
                let owner = match enclosing_field(src, offset, 1) {
                    Some(f) => format!("`{f}`"),
                    None => "this value".into(),
                };
                return Some(format!(
                    "{owner} takes named fields, not values in order: write `(name: value, ...)` with the field names of docs/scenario.md (found `{token}` where a field name goes)"
                ));
            }
            None
        }
        Error::ExpectedComma => {
            let number_before = prev_char(src, offset).is_some_and(|c| c.is_ascii_digit());
            if token.starts_with('.') && number_before {
                let whole = number_ending_at(src, offset) + &token;
                return Some(format!(
                    "{} (found `{whole}`)",
                    named("takes a whole number")
                ));
            }
            if token.starts_with(|c: char| c.is_alphabetic()) && number_before {
                return Some(format!(
                    "units are not written after a number (found `{token}`): the field's name says them, e.g. `speed_mps: 10`"
                ));
            }
            Some("a `,` or a closing bracket was expected after the value".into())
        }
        Error::ExpectedDifferentStructName { found, .. } if found == "Some" => Some(format!(
            "{}: write the value itself, without `Some` (leave the field out for its default)",
            named("is not optional")
        )),
        Error::ExpectedDifferentStructName { found, .. } if found == "None" => Some(format!(
            "{}: leave the field out for its default, rather than `None`",
            named("is not optional")
        )),
        Error::IntegerOutOfBounds => {
            // ron points past the sign
            let start = src[..offset].trim_end_matches(['-', '+']).len();
            let token = token_at(src, start);
            if token.starts_with('-') {
                Some(format!(
                    "{} of 0 or more (found `{token}`)",
                    named("takes a whole number")
                ))
            } else {
                Some(format!(
                    "{} (found `{token}`)",
                    named("cannot hold a number this large")
                ))
            }
        }
        _ => None,
    }
}

/// Byte offset of ron's 1-based line and column (columns count characters).
pub fn offset_of(src: &str, line: usize, col: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        src.match_indices('\n')
            .nth(line - 2)
            .map_or(src.len(), |(i, _)| i + 1)
    };
    src[line_start..]
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(src.len(), |(i, _)| line_start + i)
}

/// The token starting at `offset`: a quoted string, a number or a word.
fn token_at(src: &str, offset: usize) -> String {
    let rest = &src[offset..];
    if let Some(body) = rest.strip_prefix('"') {
        let end = body.find('"').map_or(body.len(), |i| i + 1);
        return format!("\"{}", &body[..end.min(40)]);
    }
    rest.chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '+' | '_' | '/'))
        .take(40)
        .collect()
}

/// The digits (and sign) of a number that ends at `offset`.
fn number_ending_at(src: &str, offset: usize) -> String {
    let before = &src[..offset];
    let start = before
        .rfind(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+'))
        .map_or(0, |i| i + 1);
    before[start..].to_string()
}

fn prev_char(src: &str, offset: usize) -> Option<char> {
    src[..offset].chars().rev().find(|c| !c.is_whitespace())
}

/// The bracket that opens the list or struct `offset` lies in.
fn opener(src: &str, offset: usize) -> Option<char> {
    let mut depth = 0i32;
    for c in src[..offset].chars().rev() {
        match c {
            ')' | ']' => depth += 1,
            '(' | '[' if depth == 0 => return Some(c),
            '(' | '[' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The name of the field whose value holds `offset`: the nearest `name:`
/// before it at least `levels_out` brackets out (0: its own level or an
/// enclosing one; 1: the field that owns the bracket `offset` is in).
fn enclosing_field(src: &str, offset: usize, levels_out: i32) -> Option<String> {
    let bytes = src.as_bytes();
    let mut depth = 0i32;
    let mut i = offset;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b')' | b']' => depth += 1,
            b'(' | b'[' => depth -= 1,
            b':' if depth <= -levels_out => {
                let name_end = src[..i].trim_end().len();
                let name_start = src[..name_end]
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(0, |j| j + 1);
                if name_start < name_end {
                    return Some(src[name_start..name_end].to_string());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse;
    use std::path::Path;

    fn message(src: &str) -> String {
        parse(src, Path::new("s.ron")).unwrap_err().to_string()
    }

    #[test]
    fn positional_values_for_a_struct_ask_for_field_names() {
        let m = message("(sensors: (cameras: [(name: \"f\", mount: (1.2, 0, 1.7))]))");
        assert!(
            m.contains("s.ron:1:42: a field name was expected; `mount` takes"),
            "{m}"
        );
        assert!(m.contains("`mount` takes named fields"), "{m}");
        assert!(m.contains("found `1.2`"), "{m}");
        let m = message("(sensors: (cameras: [(\"front\", 640, 480)]))");
        assert!(m.contains("`cameras` takes named fields"), "{m}");
        let m = message("(sensors: (cameras: [(name: \"f\", hfov_deg: 70, 1.7)]))");
        assert!(m.contains("`cameras` takes named fields"), "{m}");
    }

    #[test]
    fn a_name_given_as_a_string_is_asked_for_bare() {
        let m = message("(pedestrians: [(s_m: 20, side: \"Left\")])");
        assert!(
            m.contains("`side` takes a name: write the name bare, `Left`"),
            "{m}"
        );
        let m = message("(output: (formats: [Kitti, \"coco\"]))");
        assert!(
            m.contains("`formats` takes a name: write the name bare, `coco`"),
            "{m}"
        );
    }

    #[test]
    fn a_fraction_or_a_unit_after_a_whole_number_is_named() {
        let m = message("(frames: 10.5)");
        assert!(
            m.contains("`frames` takes a whole number (found `10.5`)"),
            "{m}"
        );
        let m = message("(road: (lanes_forward: 2.0))");
        assert!(
            m.contains("`lanes_forward` takes a whole number (found `2.0`)"),
            "{m}"
        );
        let m = message("(ego: (speed_mps: 10 m/s))");
        assert!(
            m.contains("units are not written after a number (found `m/s`)"),
            "{m}"
        );
    }

    #[test]
    fn some_or_none_on_a_field_that_is_not_optional_is_named() {
        let m = message("(sensors: (cameras: [(effects: Some((bloom: 0.3)))]))");
        assert!(
            m.contains("`effects` is not optional: write the value itself, without `Some`"),
            "{m}"
        );
        let m = message("(sensors: (cameras: [(effects: None)]))");
        assert!(
            m.contains("`effects` is not optional: leave the field out"),
            "{m}"
        );
    }

    #[test]
    fn a_negative_count_is_named() {
        let m = message("(ego: (lane: -1))");
        assert!(
            m.contains("`lane` takes a whole number of 0 or more (found `-1`)"),
            "{m}"
        );
        let m = message("(seed: 99999999999999999999999)");
        assert!(m.contains("`seed` cannot hold a number this large"), "{m}");
    }

    #[test]
    fn offsets_count_characters_within_a_line() {
        let src = "(name: \"é\",\n  x: 1)";
        let at = super::offset_of(src, 2, 3);
        assert_eq!(&src[at..at + 1], "x");
        assert_eq!(super::offset_of(src, 1, 11), src.find(',').unwrap());
    }
}

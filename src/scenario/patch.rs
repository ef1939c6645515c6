//! Save an edited scenario by patching the user's RON text in place, so
//! comments, field order and layout survive an edit. Only the values that
//! changed are rewritten; a field the file left at its default is inserted.
//! The result is re-parsed and must equal the edited scenario, otherwise the
//! whole file is rewritten (and the caller is told comments were lost).

use super::{Scenario, parse, to_ron};
use serde_json::Value;

/// One step into a value: a struct field (or enum variant) or a list item.
#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Field(String),
    Item(usize),
}

/// The text to write and whether it is the user's text patched (true) or a
/// fresh serialization (false: comments and layout were lost).
#[derive(Clone, Debug)]
pub struct Saved {
    pub text: String,
    pub patched: bool,
}

/// The new file text for `new`, given the file `original` that parsed as `old`.
pub fn save_text(original: &str, old: &Scenario, new: &Scenario) -> Saved {
    let fresh = || Saved {
        text: to_ron(new),
        patched: false,
    };
    let Some(text) = patch_text(original, old, new) else {
        return fresh();
    };
    match parse(&text, std::path::Path::new("patched.ron")) {
        Ok(s) if &s == new => Saved {
            text,
            patched: true,
        },
        _ => fresh(),
    }
}

/// `original` with the values that differ between `old` and `new` rewritten,
/// unchecked (None where a value could not be placed). An invalid `new`
/// gives text whose parse error points into the user's own layout.
pub fn patch_text(original: &str, old: &Scenario, new: &Scenario) -> Option<String> {
    let a = serde_json::to_value(old).ok()?;
    let b = serde_json::to_value(new).ok()?;
    let mut changed = Vec::new();
    diff(&mut Vec::new(), &a, &b, &mut changed);
    let generated = to_ron(new);
    let mut text = original.to_string();
    for path in &changed {
        text = patch_one(&text, &generated, path)?;
    }
    Some(text)
}

/// Paths of the smallest values that differ. Lists of a new length and
/// enums that changed variant are replaced whole.
fn diff(path: &mut Vec<Key>, a: &Value, b: &Value, out: &mut Vec<Vec<Key>>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y))
            if x.len() == y.len() && x.keys().all(|k| y.contains_key(k)) =>
        {
            for (k, va) in x {
                path.push(Key::Field(k.clone()));
                diff(path, va, &y[k], out);
                path.pop();
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                path.push(Key::Item(i));
                diff(path, va, vb, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

/// Replace the value at `path` with its text from `generated`, or insert the
/// field into the nearest enclosing struct the file spells out.
fn patch_one(text: &str, generated: &str, path: &[Key]) -> Option<String> {
    if let Some((s, e)) = value_span(text, path) {
        let (gs, ge) = value_span(generated, path)?;
        let frag = reindent(&generated[gs..ge], indent_at(text, s));
        return Some(format!("{}{}{}", &text[..s], frag, &text[e..]));
    }
    // the deepest ancestor present in the file gets the missing field
    for k in (0..path.len()).rev() {
        let Key::Field(name) = &path[k] else {
            continue;
        };
        let Some((ps, pe)) = value_span(text, &path[..k]) else {
            continue;
        };
        let (gs, ge) = value_span(generated, &path[..=k])?;
        let open = struct_open(text.as_bytes(), ps, pe)?;
        return insert_field(text, open, name, &generated[gs..ge]);
    }
    None
}

/// Leading whitespace of the line holding byte `at`.
fn indent_at(text: &str, at: usize) -> String {
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// Re-indent a multi-line fragment so its later lines sit under `indent`.
fn reindent(frag: &str, indent: String) -> String {
    let mut lines = frag.lines();
    let Some(first) = lines.next() else {
        return String::new();
    };
    let rest: Vec<&str> = lines.collect();
    // the fragment's closing line carries its own base indentation
    let base = rest.last().map_or(0, |l| l.len() - l.trim_start().len());
    let mut out = first.to_string();
    for l in rest {
        let cut = (l.len() - l.trim_start().len()).min(base);
        out.push('\n');
        out.push_str(&indent);
        out.push_str(&l[cut..]);
    }
    out
}

fn insert_field(text: &str, open: usize, name: &str, frag: &str) -> Option<String> {
    let b = text.as_bytes();
    let close = skip_group(b, open)? - 1;
    let fields = struct_fields(b, open)?;
    let Some(last) = fields.last() else {
        let frag = reindent(frag, indent_at(text, open));
        return Some(format!(
            "{}{name}: {frag}{}",
            &text[..open + 1],
            &text[close..]
        ));
    };
    let indent = indent_at(text, last.0);
    let frag = reindent(frag, indent.clone());
    let after = skip_ws(b, last.2);
    let (at, lead) = if b.get(after) == Some(&b',') {
        (after + 1, "")
    } else {
        (last.2, ",")
    };
    let sep = if text[last.0..close].contains('\n') || text[open..last.0].contains('\n') {
        format!("\n{indent}")
    } else {
        " ".to_string()
    };
    Some(format!(
        "{}{lead}{sep}{name}: {frag},{}",
        &text[..at],
        &text[at..]
    ))
}

/// Byte span of the value at `path` in RON `src` (the empty path: the whole
/// scenario).
pub fn value_span(src: &str, path: &[Key]) -> Option<(usize, usize)> {
    let b = src.as_bytes();
    let start = skip_ws(b, 0);
    let mut span = (start, skip_value(b, start)?);
    for key in path {
        span = child(b, span, key)?;
    }
    Some(span)
}

fn child(b: &[u8], (s, e): (usize, usize), key: &Key) -> Option<(usize, usize)> {
    let (s, e) = unwrap_some(b, s, e)?;
    match key {
        Key::Item(n) => {
            if b[s] != b'[' {
                return None;
            }
            list_items(b, s)?.get(*n).copied()
        }
        Key::Field(name) => {
            // an enum variant named `name`: its content is the child
            let ident_end = ident_end(b, s);
            if ident_end > s && &b[s..ident_end] == name.as_bytes() {
                let open = skip_ws(b, ident_end);
                if b.get(open) != Some(&b'(') {
                    return None;
                }
                let close = skip_group(b, open)?;
                // `Variant((...))`: the inner group; `Variant(a: 1)`: the group
                let inner = skip_ws(b, open + 1);
                if b.get(inner) == Some(&b'(') {
                    let inner_end = skip_group(b, inner)?;
                    if skip_ws(b, inner_end) == close - 1 {
                        return Some((inner, inner_end));
                    }
                }
                return Some((open, close));
            }
            let open = struct_open(b, s, e)?;
            struct_fields(b, open)?
                .into_iter()
                .find(|f| f.3 == name.len() && &b[f.0..f.0 + f.3] == name.as_bytes())
                .map(|f| (f.1, f.2))
        }
    }
}

/// `Some(x)` -> x (any depth).
fn unwrap_some(b: &[u8], mut s: usize, mut e: usize) -> Option<(usize, usize)> {
    while b[s..].starts_with(b"Some") && ident_end(b, s) == s + 4 {
        let open = skip_ws(b, s + 4);
        if b.get(open) != Some(&b'(') {
            return None;
        }
        s = skip_ws(b, open + 1);
        e = skip_value(b, s)?;
    }
    Some((s, e))
}

/// The '(' opening a struct value: `(...)` or `Name(...)`.
fn struct_open(b: &[u8], s: usize, e: usize) -> Option<usize> {
    let (s, _) = unwrap_some(b, s, e)?;
    let open = skip_ws(b, ident_end(b, s));
    (b.get(open) == Some(&b'(')).then_some(open)
}

/// (key start, value start, value end, key length) of each field.
fn struct_fields(b: &[u8], open: usize) -> Option<Vec<(usize, usize, usize, usize)>> {
    let mut out = Vec::new();
    let mut i = skip_ws(b, open + 1);
    while b.get(i)? != &b')' {
        let key_end = ident_end(b, i);
        if key_end == i {
            return None;
        }
        let colon = skip_ws(b, key_end);
        if b.get(colon) != Some(&b':') {
            return None;
        }
        let vs = skip_ws(b, colon + 1);
        let ve = skip_value(b, vs)?;
        out.push((i, vs, ve, key_end - i));
        i = skip_ws(b, ve);
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        }
    }
    Some(out)
}

fn list_items(b: &[u8], open: usize) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut i = skip_ws(b, open + 1);
    while b.get(i)? != &b']' {
        let e = skip_value(b, i)?;
        out.push((i, e));
        i = skip_ws(b, e);
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        }
    }
    Some(out)
}

fn ident_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    i
}

/// Skip whitespace and comments.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else {
            return i;
        }
    }
}

fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    (i < b.len()).then_some(i + 1)
}

/// From an opening bracket to just past its match.
fn skip_group(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        let j = skip_ws(b, i);
        if j != i {
            i = j;
            continue;
        }
        match b[i] {
            b'"' => {
                i = skip_string(b, i)?;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Just past the value starting at `s`.
fn skip_value(b: &[u8], s: usize) -> Option<usize> {
    match *b.get(s)? {
        b'"' => skip_string(b, s),
        b'(' | b'[' | b'{' => skip_group(b, s),
        _ => {
            let mut i = s;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b"_.+-".contains(&b[i])) {
                i += 1;
            }
            if i == s {
                return None;
            }
            let open = skip_ws(b, i);
            if b.get(open) == Some(&b'(') {
                skip_group(b, open)
            } else {
                Some(i)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "// demo\n(\n  name: \"t\", // the name\n  weather: (\n    // thick\n    fog: (visibility_m: 40),\n  ),\n  vehicles: [\n    (start_s_m: 10, speed_mps: 5),\n    (start_s_m: 30, speed_mps: 6), // lead\n  ],\n)\n";

    fn f(s: &str) -> Key {
        Key::Field(s.into())
    }

    #[test]
    fn spans_follow_fields_items_and_skip_comments() {
        let sp = value_span(SRC, &[f("weather"), f("fog"), f("visibility_m")]).unwrap();
        assert_eq!(&SRC[sp.0..sp.1], "40");
        let sp = value_span(SRC, &[f("vehicles"), Key::Item(1), f("speed_mps")]).unwrap();
        assert_eq!(&SRC[sp.0..sp.1], "6");
        let sp = value_span(SRC, &[f("name")]).unwrap();
        assert_eq!(&SRC[sp.0..sp.1], "\"t\"");
        assert!(value_span(SRC, &[f("ego")]).is_none());
        assert!(value_span(SRC, &[f("vehicles"), Key::Item(2)]).is_none());
    }

    #[test]
    fn enum_variants_and_some_are_entered() {
        let src =
            "(hazard: Some(PedestrianCrossing(s_m: 5, side: Left)), segs: [Arc((radius_m: 80))])";
        let sp = value_span(src, &[f("hazard"), f("PedestrianCrossing"), f("side")]).unwrap();
        assert_eq!(&src[sp.0..sp.1], "Left");
        let sp = value_span(src, &[f("segs"), Key::Item(0), f("Arc"), f("radius_m")]).unwrap();
        assert_eq!(&src[sp.0..sp.1], "80");
    }

    #[test]
    fn a_missing_field_is_inserted_with_the_siblings_indent() {
        let out = insert_field(SRC, SRC.find("(\n    //").unwrap(), "road_wetness", "0.5").unwrap();
        assert!(
            out.contains("fog: (visibility_m: 40),\n    road_wetness: 0.5,\n  ),"),
            "{out}"
        );
        let out = insert_field("(a: 1)", 0, "b", "2").unwrap();
        assert_eq!(out, "(a: 1, b: 2,)");
    }
}

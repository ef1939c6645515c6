//! Standard RON writes an optional struct or tuple as `Some((a: 1))` (what
//! `ron::to_string` prints for an `Option` of a struct). Our dialect has
//! `unwrap_variant_newtypes` on, under which ron reads `Some(` as opening
//! the value itself (`Some(a: 1)`), so the standard form failed with
//! "Expected identifier", "Expected float" and the like. The scenario's
//! source goes through `unwrap_some_parens` first, which blanks the inner
//! pair of brackets with two spaces, so every line:col of an error stays
//! where the writer put it.

use std::borrow::Cow;

/// `src` with the inner brackets of each `Some((...))` blanked; strings,
/// characters and comments are left alone. Two passes over the source,
/// whatever the nesting (a file of nested `Some((` is as quick as any).
pub fn unwrap_some_parens(src: &str) -> Cow<'_, str> {
    let b = src.as_bytes();
    // every round bracket's partner, and where each word `Some` ends
    let mut close_of = std::collections::HashMap::new();
    let mut open = Vec::new();
    let mut somes = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if let Some(after) = skip_literal_or_comment(b, i) {
            i = after;
            continue;
        }
        match b[i] {
            b'(' | b'[' | b'{' => open.push(i),
            b')' | b']' | b'}' => {
                if let Some(o) = open.pop()
                    && b[o] == b'('
                    && b[i] == b')'
                {
                    close_of.insert(o, i);
                }
            }
            c if is_ident_start(c) && (i == 0 || !is_ident(b[i - 1])) => {
                let end = i + b[i..].iter().take_while(|&&c| is_ident(c)).count();
                if &b[i..end] == b"Some" {
                    somes.push(end);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    let blank: Vec<[usize; 2]> = somes
        .into_iter()
        .filter_map(|end| inner_pair(b, end, &close_of))
        .collect();
    if blank.is_empty() {
        return Cow::Borrowed(src);
    }
    let mut out = b.to_vec();
    for k in blank.into_iter().flatten() {
        out[k] = b' ';
    }
    // only ASCII brackets were replaced by ASCII spaces
    Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| src.to_string()))
}

/// After `Some` at `end`: the positions of the inner brackets when what
/// follows is `( ( ... ) )` (white space, comments and a trailing comma
/// allowed), else None.
fn inner_pair(
    b: &[u8],
    end: usize,
    close_of: &std::collections::HashMap<usize, usize>,
) -> Option<[usize; 2]> {
    let open = skip_space(b, end);
    if b.get(open) != Some(&b'(') {
        return None;
    }
    let inner = skip_space(b, open + 1);
    if b.get(inner) != Some(&b'(') {
        return None;
    }
    let close = *close_of.get(&inner)?;
    let mut after = skip_space(b, close + 1);
    if b.get(after) == Some(&b',') {
        after = skip_space(b, after + 1);
    }
    (close_of.get(&open) == Some(&after)).then_some([inner, close])
}

/// Past white space and comments from `i`.
fn skip_space(b: &[u8], mut i: usize) -> usize {
    loop {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        match (b.get(i), b.get(i + 1)) {
            (Some(b'/'), Some(b'/' | b'*')) => match skip_literal_or_comment(b, i) {
                Some(after) => i = after,
                None => return i,
            },
            _ => return i,
        }
    }
}

/// When a string, raw string, character or comment starts at `i`: the
/// position just past it (the end of the source if it never closes).
fn skip_literal_or_comment(b: &[u8], i: usize) -> Option<usize> {
    let at = |k: usize| b.get(k).copied();
    match (b[i], at(i + 1)) {
        (b'/', Some(b'/')) => Some(
            b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |n| i + n),
        ),
        (b'/', Some(b'*')) => {
            // block comments nest in RON
            let (mut depth, mut k) = (0usize, i);
            while k < b.len() {
                match (b[k], at(k + 1)) {
                    (b'/', Some(b'*')) => (depth, k) = (depth + 1, k + 2),
                    (b'*', Some(b'/')) => {
                        (depth, k) = (depth - 1, k + 2);
                        if depth == 0 {
                            return Some(k);
                        }
                    }
                    _ => k += 1,
                }
            }
            Some(b.len())
        }
        (b'"', _) | (b'\'', _) => {
            let quote = b[i];
            let mut k = i + 1;
            while k < b.len() && b[k] != quote {
                k += if b[k] == b'\\' { 2 } else { 1 };
            }
            Some((k + 1).min(b.len()))
        }
        (b'r', Some(b'#' | b'"')) if i == 0 || !is_ident(b[i - 1]) => {
            // r#"..."#: ends at a quote followed by as many #
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let start = i + 1 + hashes;
            if at(start) != Some(b'"') {
                return None; // a raw identifier, r#name
            }
            let mut k = start + 1;
            while k < b.len() {
                if b[k] == b'"' && b[k + 1..].iter().take(hashes).all(|&c| c == b'#') {
                    return Some((k + 1 + hashes).min(b.len()));
                }
                k += 1;
            }
            Some(b.len())
        }
        _ => None,
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

#[cfg(test)]
mod tests {
    use super::unwrap_some_parens as unwrap;

    #[test]
    fn the_inner_brackets_of_some_become_spaces() {
        assert_eq!(
            unwrap("(fog: Some((visibility_m: 40)))"),
            "(fog: Some( visibility_m: 40 ))"
        );
        assert_eq!(
            unwrap("(c: Some ( (0.8, 0.1, 0.1) , ) )"),
            "(c: Some (  0.8, 0.1, 0.1  , ) )"
        );
        // nested, and with comments between the brackets
        assert_eq!(
            unwrap("Some(/* x */ (a: Some((b: 1)), c: [(1)]))"),
            "Some(/* x */  a: Some( b: 1 ), c: [(1)] )"
        );
    }

    #[test]
    fn other_forms_strings_and_comments_are_left_alone() {
        for src in [
            "(fog: Some(visibility_m: 40))",
            "(fog: (visibility_m: 40))",
            "(hazard: Some(PedestrianCrossing(s_m: 4)))",
            "(name: \"Some((x))\", n: r#\"Some((\"# , c: 'S')",
            "// Some((a: 1))\n(a: 1)",
            "/* Some((a /* Some((b)) */ )) */ ()",
            "(a: Some((1), 2))",
            "(a: MySome((1)))",
            "(a: Some((1)",
        ] {
            assert_eq!(unwrap(src), src);
        }
    }

    #[test]
    fn deep_nesting_takes_one_pass() {
        // 200,000 nested `Some((`: a quadratic scan took minutes
        let n = 200_000;
        let src = format!("{}1{}", "Some((".repeat(n), "))".repeat(n));
        let out = unwrap(&src);
        assert_eq!(out.len(), src.len());
        assert!(out.starts_with("Some( Some( ") && out.ends_with(" ) )"));
    }

    #[test]
    fn a_scenario_parses_the_same_either_way() {
        use crate::scenario::parse;
        use std::path::Path;
        let p = Path::new("s.ron");
        let standard = parse(
            "(weather: (fog: Some((visibility_m: 40))),
              road: (sidewalk: Some((width_m: 3, kerb_height_m: 0.1)),
                     junctions: [(s_m: 100, signals: Some((main_green_s: 8)))]),
              props: (parked: [(s_m: 20, color: Some((0.8, 0.1, 0.1)))]))",
            p,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let ours = parse(
            "(weather: (fog: (visibility_m: 40)),
              road: (sidewalk: (width_m: 3, kerb_height_m: 0.1),
                     junctions: [(s_m: 100, signals: (main_green_s: 8))]),
              props: (parked: [(s_m: 20, color: (0.8, 0.1, 0.1))]))",
            p,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(standard, ours);
        // an error after the blanked brackets keeps its column (ron points
        // at the digit after the sign, column 53)
        let e = parse("(weather: (fog: Some((visibility_m: 40))), frames: -1)", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("s.ron:1:53:"), "{e}");
    }
}

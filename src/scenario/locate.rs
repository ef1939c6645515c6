//! Find the line:col of a field in RON source, for checks that run after
//! deserialization (cross-field rules), so those errors point at the field too.

/// One step of a path: a struct field, optionally followed by a list index.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step<'a> {
    pub field: &'a str,
    pub index: Option<usize>,
}

pub fn field(field: &str) -> Step<'_> {
    Step { field, index: None }
}

pub fn item(field: &str, index: usize) -> Step<'_> {
    Step {
        field,
        index: Some(index),
    }
}

/// Byte offsets of `src` that are code (not in strings or comments), with depth.
fn scan(src: &str) -> Vec<(usize, i32)> {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let (mut i, mut depth) = (0usize, 0i32);
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'(' | b'[' => {
                out.push((i, depth));
                depth += 1;
            }
            b')' | b']' => {
                depth -= 1;
                out.push((i, depth));
            }
            _ => out.push((i, depth)),
        }
        i += 1;
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Byte offset of the value of `path`, or of the deepest step found.
pub fn locate(src: &str, path: &[Step]) -> Option<usize> {
    let code = scan(src);
    let b = src.as_bytes();
    // (position in `code`, depth of the struct whose fields we look for)
    // start inside the top-level struct
    let first = code.iter().position(|(pos, _)| b[*pos] == b'(')?;
    let (mut k, mut depth) = (first + 1, 1i32);
    let mut found = None;
    for step in path {
        let key = step.field.as_bytes();
        let mut hit = None;
        let mut j = k;
        while j < code.len() {
            let (pos, d) = code[j];
            if d < depth {
                break;
            }
            if d == depth
                && b[pos..].starts_with(key)
                && (pos == 0 || !is_ident(b[pos - 1]))
                && !b.get(pos + key.len()).copied().is_some_and(is_ident)
                && src[pos + key.len()..].trim_start().starts_with(':')
            {
                hit = Some(j);
                break;
            }
            j += 1;
        }
        let Some(h) = hit else { break };
        found = Some(code[h].0);
        match step.index {
            None => {
                // enter the field's struct value: the next '(' at this depth
                let Some(open) = code[h..]
                    .iter()
                    .position(|(pos, d)| *d == depth && b[*pos] == b'(')
                else {
                    break;
                };
                k = h + open + 1;
                depth += 1;
            }
            Some(n) => {
                // the n-th element opening at depth+1 inside the list
                let mut count = 0usize;
                let mut m = h;
                let mut elem = None;
                while m < code.len() {
                    let (pos, d) = code[m];
                    if d == depth + 1 && b[pos] == b'(' {
                        if count == n {
                            elem = Some(m);
                            break;
                        }
                        count += 1;
                    }
                    if d <= depth && m > h && (b[pos] == b']') {
                        break;
                    }
                    m += 1;
                }
                let Some(e) = elem else { break };
                found = Some(code[e].0);
                k = e + 1;
                depth += 2;
            }
        }
    }
    found
}

/// 1-based line and column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |n| before.len() - n - 1)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_fields_and_list_items() {
        let src = "(\n  name: \"lane: x\", // lane: no\n  vehicles: [\n    (lane: 0),\n    (speed_mps: 3, lane: 2),\n  ],\n  ego: (lane: 1),\n)\n";
        let p = locate(src, &[item("vehicles", 1), field("lane")]).unwrap();
        assert_eq!(line_col(src, p), (5, 20));
        let p = locate(src, &[field("ego"), field("lane")]).unwrap();
        assert_eq!(line_col(src, p), (7, 9));
        // a missing field falls back to the deepest step found
        let p = locate(src, &[field("ego"), field("speed_mps")]).unwrap();
        assert_eq!(line_col(src, p), (7, 3));
    }
}

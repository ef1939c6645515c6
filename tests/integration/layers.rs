//! The crate's layers, checked from the source: every `crate::<module>` path
//! in `src/` must name a module in a lower layer than the file's own (or in
//! the same layer, without a loop), as documented in docs/ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. A module may use modules of lower layers; modules of one
/// layer may use each other only where no loop forms.
const LAYERS: &[&[&str]] = &[
    &["core"],
    &["scenario"],
    &["snapshot"],
    &["sim"],
    &["world", "actors", "physics", "weather"],
    &["labels"],
    &["sensors"],
    &["writers"],
    &[
        "app", "batch", "sweep", "editor", "report", "cli", "console", "lib", "main", "bin",
    ],
];

/// Edges the order alone would allow but the design forbids: labels and
/// writers read the snapshot floor, never the GPU side.
const FORBIDDEN: &[(&str, &str)] = &[("writers", "sensors"), ("labels", "sensors")];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/world/road.rs` -> `world`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The file with `//` comments blanked (doc links may name anything).
fn code_only(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// `crate::x` paths in code, with the byte offset of each; grouped imports
/// (`crate::{a::b, c::{d, e}}`, over several lines too) give their first
/// segments.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let after = &code[at + "crate::".len()..];
        let Some(group) = after.strip_prefix('{') else {
            found.push((at, ident(after)));
            continue;
        };
        // items separated by commas at the group's own depth
        let (mut depth, mut item_start) = (0usize, 0usize);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    found.push((at, ident(&group[item_start..i])));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    found.push((at, ident(&group[item_start..i])));
                    item_start = i + 1;
                }
                _ => {}
            }
        }
    }
    found.retain(|(_, name)| !name.is_empty());
    found
}

struct Edge {
    from: String,
    to: String,
    at: String,
}

fn edges() -> Vec<Edge> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut edges = Vec::new();
    for file in &files {
        let from = module_of(&src, file);
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        for (offset, to) in crate_paths(&code) {
            if to != from {
                let line_no = code[..offset].matches('\n').count() + 1;
                let at = format!("{}:{line_no}", file.strip_prefix(&src).unwrap().display());
                edges.push(Edge {
                    from: from.clone(),
                    to,
                    at,
                });
            }
        }
    }
    edges
}

#[test]
fn no_module_uses_a_module_above_it() {
    let mut wrong = Vec::new();
    for edge in edges() {
        let (Some(from), Some(to)) = (layer_of(&edge.from), layer_of(&edge.to)) else {
            wrong.push(format!(
                "{}: `{}` -> `{}`: a module missing from the layer table",
                edge.at, edge.from, edge.to
            ));
            continue;
        };
        if to > from || FORBIDDEN.contains(&(edge.from.as_str(), edge.to.as_str())) {
            wrong.push(format!("{}: `{}` uses `{}`", edge.at, edge.from, edge.to));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layer order:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn modules_import_each_other_without_a_loop() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for edge in edges() {
        graph.entry(edge.from).or_default().insert(edge.to);
    }
    // depth-first search; a grey node met again closes a loop
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, bool>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(true) => return None,
            Some(false) => {
                let start = path.iter().position(|n| *n == node).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            None => {}
        }
        state.insert(node, false);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, state, path) {
                return Some(cycle);
            }
        }
        path.pop();
        state.insert(node, true);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(node, &graph, &mut state, &mut path) {
            panic!("import loop: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn core_has_no_bevy() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (line_no, code) in code_only(&text).lines().enumerate() {
            let names_bevy = ["bevy::", "bevy_rapier3d", "bevy_egui", "rapier3d::"]
                .iter()
                .any(|krate| code.contains(krate));
            assert!(
                !names_bevy,
                "{}:{} names bevy; core stays pure",
                file.display(),
                line_no + 1
            );
        }
    }
}

#[test]
fn the_path_reader_sees_grouped_imports() {
    let names = |code: &str| -> Vec<String> {
        crate_paths(&code_only(code))
            .into_iter()
            .map(|(_, n)| n)
            .collect()
    };
    assert_eq!(
        names("use crate::{core::x, world::{a, b}};"),
        ["core", "world"]
    );
    assert_eq!(
        names("use crate::{\n    sim::X,\n    snapshot::{A, B},\n};"),
        ["sim", "snapshot"]
    );
    assert_eq!(names("let a = crate::sim::SimClock::new(1.0);"), ["sim"]);
    assert!(names("use bevy::prelude::*; // crate::sensors").is_empty());
}

/// `text` with string and char literals emptied and `//` comments cut, so
/// braces inside them do not count.
fn without_literals(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                out.push_str("\"\"");
            }
            // a char literal ('x', '\n', '{'), not a lifetime ('a)
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                let len = if rest.starts_with('\\') {
                    rest.find('\'').map(|i| i + 1)
                } else if rest.chars().nth(1) == Some('\'') {
                    Some(2)
                } else {
                    None
                };
                match len {
                    Some(n) => {
                        for _ in 0..n {
                            chars.next();
                        }
                        out.push_str("' '");
                    }
                    None => out.push(c),
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            _ => out.push(c),
        }
    }
    out
}

/// (first line, length in lines, name) of every `fn` with a body.
fn functions(text: &str) -> Vec<(usize, usize, String)> {
    let lines: Vec<String> = text.lines().map(without_literals).collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(at) = t.find("fn ") else { continue };
        let head = &t[..at];
        let is_fn = head
            .split_whitespace()
            .all(|w| w.starts_with("pub") || ["const", "async", "unsafe", "extern"].contains(&w));
        if !is_fn {
            continue;
        }
        let name: String = t[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut started) = (0i64, false);
        for (j, l) in lines.iter().enumerate().skip(i) {
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        started = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if started && depth <= 0 {
                found.push((i + 1, j - i + 1, name.clone()));
                break;
            }
            if !started && l.trim_end().ends_with(';') {
                break;
            }
        }
    }
    found
}

/// Files stay under 700 lines and functions under 120 (CODE_STYLE.md):
/// past that, split by concern and name the steps.
#[test]
fn no_file_or_function_in_src_is_too_long() {
    const MAX_FILE_LINES: usize = 700;
    const MAX_FN_LINES: usize = 120;
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = file.strip_prefix(&src).unwrap().display().to_string();
        let n = text.lines().count();
        if n > MAX_FILE_LINES {
            long.push(format!("{rel}: {n} lines"));
        }
        for (line, len, name) in functions(&text) {
            if len > MAX_FN_LINES {
                long.push(format!("{rel}:{line}: fn {name} is {len} lines"));
            }
        }
    }
    assert!(long.is_empty(), "too long:\n{}", long.join("\n"));
}

#[test]
fn the_function_reader_measures_bodies() {
    let text = "fn a() {\n    let s = \"}\";\n    let c = '{';\n}\npub(crate) fn b<'x>(v: &'x str) -> &'x str {\n    v\n}\nfn decl();\n";
    let f = functions(text);
    assert_eq!(f, [(1, 4, "a".to_string()), (5, 3, "b".to_string())]);
}

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
    &["batch", "sweep", "editor", "cli", "lib", "main", "bin"],
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
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Code without `//` comments (doc links may name anything).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.split("//").next().unwrap_or("")))
}

/// `crate::x` paths in a line, grouped imports (`crate::{a::b, c}`) included.
fn crate_paths(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
        rest = after;
    }
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
        let text = std::fs::read_to_string(file).unwrap();
        for (line_no, code) in code_lines(&text) {
            for to in crate_paths(code) {
                if to != from {
                    let at = format!("{}:{line_no}", file.strip_prefix(&src).unwrap().display());
                    edges.push(Edge {
                        from: from.clone(),
                        to,
                        at,
                    });
                }
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
    assert!(wrong.is_empty(), "imports against the layer order:\n{}", wrong.join("\n"));
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
        for (line_no, code) in code_lines(&text) {
            let names_bevy = ["bevy::", "bevy_rapier3d", "bevy_egui", "rapier3d::"]
                .iter()
                .any(|krate| code.contains(krate));
            assert!(
                !names_bevy,
                "{}:{line_no} names bevy; core stays pure",
                file.display()
            );
        }
    }
}

#[test]
fn the_path_reader_sees_grouped_imports() {
    assert_eq!(crate_paths("use crate::{core::x, world::{a, b}};"), ["core", "world"]);
    assert_eq!(crate_paths("let a = crate::sim::SimClock::new(1.0);"), ["sim"]);
    assert!(crate_paths("use bevy::prelude::*;").is_empty());
}

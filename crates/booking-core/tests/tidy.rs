//! Tidy checks of the repository itself, not of the code's behaviour:
//! - every `§` section a file cites is a heading of `docs/SPEC.md`, so every "why" resolves;
//! - no tracked file points outside the repository (a fresh clone is all a reader has);
//! - user-facing text (the CLI's help, the pages' words, messages in string literals) says what
//!   it means instead of citing a section.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The repository's tracked text files (from git; without git, every file but build output).
fn files() -> Vec<(String, String)> {
    let root = root();
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty());
    let paths: Vec<String> = match listed {
        Some(out) => String::from_utf8(out.stdout)
            .unwrap()
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        None => {
            let mut all = Vec::new();
            walk(&root, &root, &mut all);
            all
        }
    };
    paths
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(root.join(&p)).ok().map(|text| (p, text)))
        .collect()
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name != ".ci" || name == "target" {
            continue;
        }
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

/// The section ids cited in `text`: `§A2`, `§H`, … (a letter, then digits).
fn citations(text: &str) -> Vec<String> {
    text.split('§')
        .skip(1)
        .filter_map(|rest| {
            let mut chars = rest.chars();
            let letter = chars.next().filter(char::is_ascii_uppercase)?;
            let digits: String = chars.take_while(char::is_ascii_digit).collect();
            Some(format!("{letter}{digits}"))
        })
        .collect()
}

/// The section ids `docs/SPEC.md` defines: headings `## A. …` and `### A1. …`.
fn sections() -> BTreeSet<String> {
    let spec = std::fs::read_to_string(root().join("docs/SPEC.md")).unwrap();
    spec.lines()
        .filter_map(|line| {
            let title = line.strip_prefix("## ").or_else(|| line.strip_prefix("### "))?;
            let (id, _) = title.split_once(". ")?;
            let mut chars = id.chars();
            let ok = chars.next().is_some_and(|c| c.is_ascii_uppercase())
                && chars.all(|c| c.is_ascii_digit());
            ok.then(|| id.to_owned())
        })
        .collect()
}

#[test]
fn every_cited_section_is_in_the_spec() {
    let known = sections();
    assert!(known.contains("A1") && known.contains("K"), "the spec's headings are read");
    let mut missing = Vec::new();
    let mut cited = 0;
    for (path, text) in files() {
        for id in citations(&text) {
            cited += 1;
            if !known.contains(&id) {
                missing.push(format!("{path}: §{id}"));
            }
        }
    }
    assert!(cited > 100, "citations are found ({cited})");
    assert!(missing.is_empty(), "cited but not a heading of docs/SPEC.md:\n{}", missing.join("\n"));
}

#[test]
fn nothing_points_outside_the_repository() {
    let outside = concat!("..", "/shared");
    let offenders: Vec<String> = files()
        .into_iter()
        .filter(|(_, text)| text.contains(outside))
        .map(|(path, _)| path)
        .collect();
    assert!(offenders.is_empty(), "files mentioning {outside}: {offenders:?}");
}

/// Whether a line of Rust has a `§` inside a string literal (a quote count before it that is
/// odd), leaving aside lint reasons, which no user reads.
fn cites_in_a_string(line: &str) -> bool {
    line.find('§').is_some_and(|i| line[..i].matches('"').count() % 2 == 1)
        && !line.contains("reason = \"")
}

#[test]
fn user_facing_text_cites_no_section() {
    let mut offenders = Vec::new();
    for (path, text) in files() {
        let shown_whole =
            path.starts_with("adapters/http/templates/") || path == "apps/booking-cli/src/main.rs";
        let product_code = path.ends_with(".rs")
            && (path.starts_with("adapters/") || path.starts_with("apps/"))
            && path.contains("/src/")
            || path.starts_with("crates/booking-core/src/");
        for (n, line) in text.lines().enumerate() {
            if (shown_whole && line.contains('§')) || (product_code && cites_in_a_string(line)) {
                offenders.push(format!("{path}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "user-facing text citing a section:\n{}", offenders.join("\n"));
}

/// The public modules of `booking-core`, from its `lib.rs`.
fn core_modules() -> Vec<String> {
    let lib = std::fs::read_to_string(root().join("crates/booking-core/src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';').map(str::to_owned))
        .collect()
}

#[test]
fn every_public_core_module_is_mapped() {
    let modules = core_modules();
    assert!(modules.len() > 20, "the modules are read ({modules:?})");
    let lib = std::fs::read_to_string(root().join("crates/booking-core/src/lib.rs")).unwrap();
    let architecture = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let unmapped: Vec<String> = modules
        .iter()
        .filter(|m| !lib.contains(&format!("[`{m}`]")) || !architecture.contains(&format!("`{m}`")))
        .cloned()
        .collect();
    assert!(
        unmapped.is_empty(),
        "public modules of booking-core missing from the table of its lib.rs or from \
         docs/ARCHITECTURE.md: {unmapped:?}"
    );
}

#[test]
fn citations_are_read_as_written() {
    assert_eq!(citations("see §A2, §H and §J1–§J5."), ["A2", "H", "J1", "J5"]);
    assert!(citations("a § alone, §x lowercase").is_empty());
    assert!(cites_in_a_string(r#"    #[error("too late (§A6)")]"#));
    assert!(!cites_in_a_string("    /// Too late (§A6)."));
}

/// The paths of a `use` group at its top level (`a::B, c::{D, E}` gives `a::B`, `c::{D, E}`),
/// from after its opening brace up to its closing one.
fn group_items(group: &str) -> Vec<String> {
    let (mut depth, mut item, mut items) = (0, String::new(), Vec::new());
    for c in group.chars() {
        match c {
            '}' if depth == 0 => break,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item).trim().to_owned());
                continue;
            }
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        item.push(c);
    }
    items.push(item.trim().to_owned());
    items
}

/// The module an import path names, from the text after `crate::`: its first segment, or for
/// `ports` its first two (`ports::clock`), each port file being a module of its own.
fn module_named(path: &str) -> String {
    let mut segments = path
        .split("::")
        .map(|s| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>());
    let first = segments.next().unwrap_or_default();
    match segments.next() {
        Some(port) if first == "ports" && !port.is_empty() => format!("ports::{port}"),
        _ => first,
    }
}

/// The modules of `booking-core` each source file imports (`crate::x`, and the names in a
/// `use crate::{x::…, y::…}` group), outside comments and test modules. A module is a file of
/// `src/` or a directory of it (its files are one module), except `ports/`, whose files are
/// each a module (`ports::clock`, `ports::store`): the domain modules name the leaf ports, and
/// the storage ports name the domain modules.
fn core_imports() -> std::collections::BTreeMap<String, BTreeSet<String>> {
    let src = root().join("crates/booking-core/src");
    let mut files = Vec::new();
    walk(&src, &src, &mut files);
    let mut graph = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
    for file in files.iter().filter(|f| f.ends_with(".rs") && f.as_str() != "lib.rs") {
        let module = match file.strip_prefix("ports/") {
            Some("mod.rs") => "ports".to_owned(),
            Some(port) => format!("ports::{}", port.trim_end_matches(".rs")),
            None => file.split('/').next().unwrap().trim_end_matches(".rs").to_owned(),
        };
        let text = std::fs::read_to_string(src.join(file)).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let deps = graph.entry(module.clone()).or_default();
        for (n, _) in code.match_indices("crate::") {
            let rest = &code[n + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                deps.extend(group_items(group).iter().map(|item| module_named(item)));
            } else if let Some(group) = rest.strip_prefix("ports::{") {
                deps.extend(
                    group_items(group).iter().map(|item| module_named(&format!("ports::{item}"))),
                );
            } else {
                deps.insert(module_named(rest));
            }
        }
        deps.retain(|d| !d.is_empty() && d.starts_with(|c: char| c.is_lowercase()));
        deps.remove(&module);
    }
    graph
}

/// A cycle of `graph` through `from`, if any (depth-first).
fn cycle_through(
    graph: &std::collections::BTreeMap<String, BTreeSet<String>>,
    from: &str,
) -> Option<Vec<String>> {
    fn visit(
        graph: &std::collections::BTreeMap<String, BTreeSet<String>>,
        from: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == from {
                path.push(next.clone());
                return true;
            }
            if graph.contains_key(next) && seen.insert(next.clone()) {
                path.push(next.clone());
                if visit(graph, from, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_owned()];
    visit(graph, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

/// The core's modules import each other without a cycle: the domain modules (the types the
/// ports name) import only the leaf ports (clock, randomness, password hashes, mail and meeting
/// messages), never a storage port; the services over the ports live in `services`, which no
/// domain module imports.
#[test]
fn core_modules_import_each_other_without_a_cycle() {
    let graph = core_imports();
    assert!(graph.len() > 20, "the modules are read ({:?})", graph.keys());
    assert!(
        graph["ports::store"].contains("booking"),
        "imports are read: {:?}",
        graph["ports::store"]
    );
    assert!(graph["accounts"].contains("ports::tokens"), "port files are modules: {graph:?}");
    assert!(graph["app"].contains("engine"), "grouped imports are read: {:?}", graph["app"]);
    let cycles: Vec<Vec<String>> = graph.keys().filter_map(|m| cycle_through(&graph, m)).collect();
    assert!(cycles.is_empty(), "booking-core modules import each other in a cycle: {cycles:?}");
}

#[test]
fn imports_name_their_module() {
    assert_eq!(module_named("booking::{Booking, Target};"), "booking");
    assert_eq!(module_named("ports::clock::Clock;"), "ports::clock");
    assert_eq!(module_named("ports;"), "ports");
    assert_eq!(
        group_items("ports::clock::Clock, booking::{A, B}, ids::X};\nmore"),
        ["ports::clock::Clock", "booking::{A, B}", "ids::X"]
    );
}

#[test]
fn a_cycle_is_found() {
    let graph: std::collections::BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned(), "d".to_owned()])),
        ("d".to_owned(), BTreeSet::new()),
    ]
    .into();
    assert_eq!(
        cycle_through(&graph, "a"),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(cycle_through(&graph, "d"), None);
}

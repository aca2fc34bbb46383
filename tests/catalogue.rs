//! The project's hostile-input catalogue (`src/catalogue.md`, published in the crate
//! docs as `ntpkit::catalogue`) maps row for row onto named tests: every row ID appears
//! as a token of at least one test function name (`fn b5_q6_…` covers B-5 and Q-6),
//! and every test whose name starts with a row-like token (`o8_…`) names a row that
//! exists. No rustdoc or README points outside the repository for it.

/// The catalogue.
const CATALOGUE: &str = include_str!("../src/catalogue.md");

/// Every `.rs` file under `dir`, recursively, as text.
fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// The test functions of the crate: unit tests in `src/` and integration tests.
fn all_test_names() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = Vec::new();
    sources(&root.join("src"), &mut texts);
    sources(&root.join("tests"), &mut texts);
    sources(&root.join("adapters"), &mut texts);
    texts.iter().flat_map(|t| test_names(t)).map(str::to_owned).collect()
}

/// Row IDs of the catalogue's tables, in order: `| B-13 | …`.
fn rows() -> Vec<&'static str> {
    CATALOGUE
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .filter(|id| {
            let (letter, number) = id.split_once('-').unwrap_or(("", ""));
            letter.len() == 1
                && letter.chars().all(|c| c.is_ascii_uppercase())
                && !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit())
        })
        .collect()
}

/// Names of functions marked `#[test]` in a source file.
fn test_names(source: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut after_test_attr = false;
    for line in source.lines().map(str::trim) {
        if line == "#[test]" || line.starts_with("#[tokio::test") {
            after_test_attr = true;
        } else if after_test_attr && (line.starts_with("fn ") || line.starts_with("async fn ")) {
            let name = line.trim_start_matches("async ").trim_start_matches("fn ");
            names.push(name.split('(').next().unwrap_or(""));
            after_test_attr = false;
        }
    }
    names
}

fn token(id: &str) -> String {
    id.replace('-', "").to_lowercase()
}

/// `b13` and `q7`: a letter and a number, as a test name's row tokens are written.
fn is_row_token(part: &str) -> bool {
    let mut chars = part.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && (2..=3).contains(&part.len())
        && chars.all(|c| c.is_ascii_digit())
}

#[test]
fn every_catalogue_row_has_a_named_test() {
    let names = all_test_names();
    assert!(names.len() > 100, "found only {} tests", names.len());
    let rows = rows();
    let mut missing = Vec::new();
    for id in &rows {
        let t = token(id);
        if !names.iter().any(|n| n.split('_').any(|part| part == t)) {
            missing.push(*id);
        }
    }
    assert!(missing.is_empty(), "catalogue rows without a named test: {missing:?}");
    // Every test that names rows names existing ones.
    let known: Vec<String> = rows.iter().map(|id| token(id)).collect();
    for name in &names {
        for part in name.split('_').take_while(|p| is_row_token(p)) {
            assert!(
                known.iter().any(|k| k == part),
                "test {name} names row {part}, which the catalogue lacks"
            );
        }
    }
    // The rows the catalogue started with, and those added since; each letter's
    // numbers run 1, 2, 3, … with no gap or repeat.
    assert_eq!(rows.len(), 133, "70 rows to start with and 63 added since: {rows:?}");
    for letter in "FEBKHOTQSPLICDAGNR".chars() {
        let numbers: Vec<u32> =
            rows.iter().filter(|id| id.starts_with(letter)).map(|id| id[2..].parse().unwrap()).collect();
        assert_eq!(numbers, (1..=numbers.len() as u32).collect::<Vec<_>>(), "{letter} rows");
    }
}

#[test]
fn docs_and_readme_point_inside_the_repository() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = vec![std::path::PathBuf::from(root).join("README.md")];
    let mut dirs = vec![std::path::PathBuf::from(root).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for needle in ["shared/design", "PROTOCOL-CHECKS"] {
            assert!(!text.contains(needle), "{} refers to {needle}", file.display());
        }
    }
}

//! The hostile-input catalogue maps row for row onto named tests: every row ID of
//! `../shared/design/PROTOCOL-CHECKS.md` appears as a token of at least one test
//! function name (`fn b5_q6_…` covers B-5 and Q-6), except the rows listed below as not
//! applicable yet, each with its reason. When the design file is present (CI has it),
//! its row list must equal ours, so a new row cannot be forgotten.

/// Rows that have no test yet, and why (none: every row applies since the NTS fields
/// landed).
const NOT_APPLICABLE: [(&str, &str); 0] = [];

/// Every catalogue row, in the design file's order.
const ROWS: &str = "F-1 F-2 F-3 F-4 F-5 F-6 F-7 E-1 E-2 E-3 E-4 E-5 E-6 E-7 E-8 B-1 B-2 B-3 B-4 B-5 B-6 B-7 \
    B-8 B-9 B-10 B-11 B-12 K-1 K-2 K-3 K-4 K-5 K-6 H-1 H-2 H-3 H-4 H-5 H-6 H-7 H-8 O-1 O-2 O-3 O-4 O-5 O-6 O-7 T-1 \
    T-2 T-3 Q-1 Q-2 Q-3 Q-4 Q-5 Q-6 A-1 A-2 A-3 A-4 N-1 N-2 N-3 N-4 N-5 N-6 R-1 R-2 R-3";

/// The sources whose test functions count.
const SOURCES: [&str; 13] = [
    include_str!("hostile_wire.rs"),
    include_str!("hostile_exchange.rs"),
    include_str!("hostile_resources.rs"),
    include_str!("auth.rs"),
    include_str!("nts_ke.rs"),
    include_str!("nts.rs"),
    include_str!("sim.rs"),
    include_str!("query.rs"),
    include_str!("wire_props.rs"),
    include_str!("../src/math/exchange.rs"),
    include_str!("../src/math/nanos.rs"),
    include_str!("../src/wire/timestamp.rs"),
    include_str!("../src/wire/extension.rs"),
];

/// Names of functions marked `#[test]` in a source file.
fn test_names(source: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut after_test_attr = false;
    for line in source.lines().map(str::trim) {
        if line == "#[test]" {
            after_test_attr = true;
        } else if after_test_attr && line.starts_with("fn ") {
            names.push(line.trim_start_matches("fn ").split('(').next().unwrap_or(""));
            after_test_attr = false;
        }
    }
    names
}

fn token(id: &str) -> String {
    id.replace('-', "").to_lowercase()
}

#[test]
fn every_catalogue_row_has_a_named_test() {
    let names: Vec<&str> = SOURCES.iter().flat_map(|s| test_names(s)).collect();
    assert!(names.len() > 100, "found only {} tests", names.len());
    let mut missing = Vec::new();
    let mut covered = 0;
    for id in ROWS.split_whitespace() {
        let t = token(id);
        let tests: Vec<&&str> = names.iter().filter(|n| n.split('_').any(|part| part == t)).collect();
        let excused = NOT_APPLICABLE.iter().any(|(row, _)| *row == id);
        match (tests.is_empty(), excused) {
            (true, false) => missing.push(id),
            (false, true) => panic!("{id} is listed as not applicable but has tests {tests:?}"),
            (false, false) => covered += 1,
            (true, true) => {}
        }
    }
    assert!(missing.is_empty(), "catalogue rows without a named test: {missing:?}");
    assert_eq!(covered, 70, "the 60 core rows, the 4 MAC rows and the 6 NTS rows each have a test");
}

#[test]
fn row_list_matches_the_design_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/design/PROTOCOL-CHECKS.md");
    let Ok(text) = std::fs::read_to_string(path) else {
        assert!(std::env::var_os("CI").is_none(), "CI must have ../shared");
        eprintln!("SKIP: {path} not found");
        return;
    };
    let rows: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|id| {
            id.len() <= 4 && id.contains('-') && id.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        })
        .collect();
    assert_eq!(rows, ROWS.split_whitespace().collect::<Vec<_>>());
}

//! The crate documentation tells the truth about the crate: every Cargo feature has a
//! row in the feature table of the crate docs (and no row names a feature that does not
//! exist), and every module of `src/` is in the architecture table.

/// The `[features]` table of Cargo.toml: its keys.
fn cargo_features() -> Vec<String> {
    let toml = include_str!("../Cargo.toml");
    let mut in_features = false;
    let mut out = Vec::new();
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        if in_features && !line.starts_with('#') {
            if let Some((key, _)) = line.split_once('=') {
                let key = key.trim();
                if key != "default" && !key.is_empty() {
                    out.push(key.to_owned());
                }
            }
        }
    }
    out
}

/// The features named in the first column of the crate docs' feature table.
fn documented_features() -> Vec<String> {
    let lib = include_str!("../src/lib.rs");
    let table = lib.split("//! ## Features").nth(1).expect("a Features section in the crate docs");
    table
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("//!"))
        .filter_map(|l| l.strip_prefix("//! | `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_cargo_feature_is_in_the_crate_docs() {
    let features = cargo_features();
    assert!(features.len() >= 6, "{features:?}");
    let documented = documented_features();
    for f in &features {
        assert!(documented.contains(f), "feature `{f}` is missing from the crate docs' feature table");
    }
    for d in &documented {
        assert!(features.contains(d), "the crate docs list `{d}`, which Cargo.toml does not have");
    }
}

#[test]
fn every_module_is_in_the_architecture_table() {
    let lib = include_str!("../src/lib.rs");
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').trim_end_matches(" {}"))
        .collect();
    assert!(modules.len() >= 10, "{modules:?}");
    let table = lib.split("//! ## Architecture").nth(1).expect("an Architecture section");
    for m in modules {
        let named = table.contains(&format!("[`{m}`]")) || table.contains(&format!("`{m}`"));
        assert!(named, "module `{m}` is missing from the architecture table");
    }
}

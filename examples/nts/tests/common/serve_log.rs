//! Reading `nts_serve`'s output in the interop tests.

/// The count after `label` (`"NTS replies "`, `"NAKs "`, `"plain replies "`,
/// `"dropped "`) in the last summary line of `out` (printed when it stops).
pub fn count(out: &str, label: &str) -> u64 {
    let line = out.lines().rev().find(|l| l.contains("stopped;")).unwrap_or_default();
    line.split(label)
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).find(|s| !s.is_empty()))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

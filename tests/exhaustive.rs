//! Exhaustive checks too long for a debug build: `.ci/run` runs them with
//! `cargo test --release --test exhaustive -- --ignored` (about 3 s).

use ntpkit::NtpDuration;

/// All 10⁹ whole nanoseconds of a second survive ns -> 2⁻³² s units -> ns exactly, and
/// the unit count chosen is the smallest that does (so it is also the closest from
/// above): the proof in `src/math/nanos.rs`, checked value by value.
#[test]
#[ignore = "exhaustive: run with --release -- --ignored"]
fn exhaustive_nanos_round_trip() {
    for n in 0..1_000_000_000i64 {
        let d = NtpDuration::from_nanos(n).unwrap();
        assert_eq!(d.to_nanos(), n, "n = {n}");
        if n > 0 {
            assert!(NtpDuration::from_bits(d.to_bits() - 1).to_nanos() < n, "n = {n} not minimal");
        }
        let neg = NtpDuration::from_nanos(-n).unwrap();
        assert_eq!(neg.to_nanos(), -n);
    }
}

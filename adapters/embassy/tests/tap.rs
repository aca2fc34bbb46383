//! embassy-net for real: the test re-runs itself through `adapters/tap-chronyd.sh`,
//! inside a network namespace of its own with a TAP device whose kernel side
//! (192.168.69.100) runs chronyd. embassy-net, on the embassy executor and the
//! embassy-time std driver, opens `tap0` as 192.168.69.1 through `embassy-net-tuntap`;
//! `ntpkit_embassy::driver` runs a `Client` over an embassy-net UDP socket with an
//! `EmbassyClock`, and must get validated samples and an update. No traffic leaves the
//! namespace. Without root or `unshare` the test says why and skips (under CI it fails).
#![cfg(target_os = "linux")]

use std::process::Command;

use ntpkit::client::{Decision, Event};

const CHILD: &str = "NTPKIT_EMBASSY_TAP";
const NAME: &str = "embassy_net_over_tap_gets_validated_samples_from_chronyd";

#[test]
fn embassy_net_over_tap_gets_validated_samples_from_chronyd() {
    if std::env::var_os(CHILD).is_some() {
        in_namespace();
    }
    let ci = std::env::var_os("CI").is_some();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tap-chronyd.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success()
        && (stderr.contains("unshare failed") || stderr.contains("Operation not permitted"))
    {
        assert!(!ci, "CI must be able to make a network namespace with a TAP device: {stderr}");
        eprintln!("SKIP: no network namespace or TAP device here (needs root): {stderr}");
        return;
    }
    println!("{stdout}");
    assert!(out.status.success(), "in the namespace:\n{stdout}\n{stderr}");
    let tally = stdout.split("embassy-net: ").nth(1).and_then(|rest| rest.lines().next());
    let tally = tally.unwrap_or_else(|| panic!("no tally in {stdout}"));
    println!("embassy-net: {tally}");
    assert!(tally.ends_with(" 0 failed checks, run Ok(())"), "{tally}");
    let samples: u32 = tally.split(' ').next().unwrap().parse().unwrap();
    assert!(samples >= 4, "{tally}");
}

/// The example, run with a check of every sample: this machine's clock on both sides,
/// so |offset| ≤ delay/2 (RFC 5905 §8) plus the low bits chrony randomizes below its
/// precision; and every update a slew.
#[path = "../examples/embassy_tap.rs"]
mod example;

/// Inside the namespace: the example's stack and client for 12 s; it ends the process.
fn in_namespace() -> ! {
    example::run(example::Job {
        server: "192.168.69.100:123".parse().unwrap(),
        seconds: 12,
        check: |event| match event {
            Event::Sample { result, .. } => {
                let (offset, delay) = (result.offset_nanos(), result.delay_nanos());
                delay > 0 && delay < 100_000_000 && offset.abs() <= delay / 2 + 100_000
            }
            Event::Update(update) => matches!(update.decision, Decision::Slew(_)),
            _ => true,
        },
    })
}

//! embassy-net for real: the test re-runs itself through `adapters/tap-chronyd.sh`,
//! inside a network namespace of its own with a TAP device whose kernel side
//! (192.168.69.100) runs chronyd. embassy-net, on the embassy executor and the
//! embassy-time std driver, opens `tap0` as 192.168.69.1 through `embassy-net-tuntap`;
//! `ntpkit_embassy::driver` runs a `Client` over an embassy-net UDP socket with an
//! `EmbassyClock`, and must get validated samples and an update while a stranger sends
//! oversized datagrams and garbage to its port (G-5). No traffic leaves the
//! namespace. Without root or `unshare` the test says why and skips (under CI it fails).
#![cfg(target_os = "linux")]

use std::process::Command;

use ntpkit::client::{Decision, Event};

const CHILD: &str = "NTPKIT_EMBASSY_TAP";
const NAME: &str = "g5_embassy_net_over_tap_gets_validated_samples_from_chronyd";

#[test]
fn g5_embassy_net_over_tap_gets_validated_samples_from_chronyd() {
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
    assert!(tally.contains(" 0 failed checks, ") && tally.ends_with(" run Ok(())"), "{tally}");
    let number = |i: usize| -> u32 { tally.split(' ').nth(i).unwrap().parse().unwrap() };
    assert!(number(0) >= 4, "samples: {tally}");
    // The stranger's oversized datagrams reached the socket and were dropped.
    assert!(number(7) >= 10, "oversized: {tally}");
}

/// The example, run with a check of every sample: this machine's clock on both sides,
/// so |offset| ≤ delay/2 (RFC 5905 §8) plus the low bits chrony randomizes below its
/// precision; and every update a slew.
#[path = "../examples/embassy_tap.rs"]
mod example;

/// Inside the namespace: the example's stack and client for 12 s, while a stranger
/// on the kernel's side sends oversized datagrams and garbage to the client's port four
/// times a second; the example ends the process.
fn in_namespace() -> ! {
    std::thread::spawn(|| {
        let stranger = std::net::UdpSocket::bind("192.168.69.100:9999").unwrap();
        for _ in 0..48 {
            let _ = stranger.send_to(&[0x23; 1400], "192.168.69.1:49123"); // > any NTP packet
            let _ = stranger.send_to(&[0x24; 48], "192.168.69.1:49123"); // a reply from nobody asked
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
    });
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

//! The clock discipline live, in real time, against three chronyd servers on loopback
//! (127.0.0.1 and ::1 only): a software clock over the monotonic clock with a +100 ppm
//! error injected, disciplined for three minutes at the shortest poll (16 s), ends
//! within 1 ms of the system clock with the frequency found within 2 ppm. Nothing
//! touches the system clock: chronyd runs with `-x`, and the clock steered is ntpkit's.
//!
//! Three minutes of samples from a loaded virtual machine: the discipline's own
//! uncertainty is ~0.4 ppm there, and one run on a fresh CI machine found −101.156 ppm
//! (1.17 ppm off); 2 ppm is five of those standard deviations. The simulation, not this
//! run, holds the discipline to its accuracy figures. A virtual machine's clock can also
//! be stepped from outside while the test runs (seen: +1 s when the VM was forked);
//! the test measures such a step (system clock against the monotonic clock, which only
//! a step can move apart) and widens its bounds by it, and says so.

#![cfg(feature = "std")]

use std::time::{Duration, Instant};

use ntpkit::client::{Client, ClientConfig, PeerConfig};
use ntpkit::clock::{Counter, SoftClock};
use ntpkit::discipline::Discipline;
use ntpkit::std_impls::{ClientDriver, SystemClock};
use ntpkit::traits::NtpClock;

#[path = "common/chronyd.rs"]
mod chronyd;

/// The monotonic clock in ns, running 100 ppm fast.
struct Fast(Instant);

impl Counter for Fast {
    fn read(&mut self) -> u64 {
        let ns = self.0.elapsed().as_nanos() as u64;
        ns + ns / 10_000
    }
}

#[test]
fn live_discipline_of_a_100_ppm_clock_against_three_chronyd() {
    let Some(binary) = chronyd::binary() else { return };
    if std::env::var_os("LLVM_PROFILE_FILE").is_some() || std::env::var_os("NTPKIT_SKIP_LIVE").is_some() {
        // Three minutes of real time: CI runs it once, in the README's test command, and
        // skips it in the coverage run and the reruns under other feature sets.
        eprintln!("SKIP: the live run (NTPKIT_SKIP_LIVE, or under coverage)");
        return;
    }
    let servers: Vec<chronyd::Server> = [(11181u16, "127.0.0.1"), (11182, "::1"), (11183, "127.0.0.1")]
        .into_iter()
        .map(|(port, ip)| {
            let dir = chronyd::fresh_dir(&format!("ntpkit-discipline-chrony-{port}"));
            let config = format!("port {port}\nbindaddress {ip}\nallow {ip}\nlocal stratum 8\n");
            chronyd::Server::start(binary, &dir, &config)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));

    let start = SystemClock::new().now();
    let soft = SoftClock::new(Fast(Instant::now()), 1_000_000_000, 64, start).unwrap();
    let mut driver = ClientDriver::with_clock(false, soft).unwrap();
    let mut client: Client<3> = Client::new(ClientConfig::default());
    let peer = PeerConfig { min_poll: 4, max_poll: 4, ..PeerConfig::default() };
    for addr in ["127.0.0.1:11181", "[::1]:11182", "127.0.0.1:11183"] {
        driver.add_server(&mut client, addr.parse().unwrap(), peer).unwrap();
    }
    let mono = Instant::now();
    let system_at_start = std::time::SystemTime::now();
    let mut discipline = Discipline::new();
    let mut corrections = 0;
    driver
        .run_steering(
            &mut client,
            Duration::from_secs(180),
            &mut ntpkit::exchange::NoAuth,
            |clock, _, event| {
                let now = ntpkit::time::Instant::from_duration(mono.elapsed());
                if let Some(correction) = discipline.handle_event(now, &event).unwrap() {
                    correction.apply(clock).unwrap();
                    corrections += 1;
                }
            },
        )
        .unwrap();

    let error = (driver.wall_mut().now() - SystemClock::new().now()).to_nanos();
    // How far the system clock was stepped (by anyone) during the run.
    let elapsed = mono.elapsed();
    let system_elapsed = std::time::SystemTime::now().duration_since(system_at_start).unwrap_or_default();
    let step_ns = system_elapsed.as_nanos() as i64 - elapsed.as_nanos() as i64;
    let step_ppb = step_ns.saturating_mul(1_000_000_000) / (elapsed.as_nanos() as i64).max(1);
    // The correction that cancels +100 ppm: 1/(1 + 10^-4) − 1 = −99.990 ppm.
    let frequency = discipline.frequency_ppb();
    println!(
        "after 180 s: {corrections} corrections, clock − system clock {:.3} ms, frequency {:.3} ppm (±{:.3}), steps {}",
        error as f64 / 1e6,
        frequency as f64 / 1e3,
        discipline.uncertainty_ppb() as f64 / 1e3,
        discipline.steps()
    );
    println!(
        "the system clock moved {step_ns} ns against the monotonic clock during the run (a step from outside)"
    );
    for s in &servers {
        assert!(!s.log().contains("Fatal"), "{}", s.log());
    }
    assert!(corrections >= 10, "{corrections} corrections");
    let step = step_ns.abs();
    assert!(error.abs() < 1_000_000 + step, "ended {error} ns from the system clock (stepped {step_ns} ns)");
    let tolerance = 2_000 + step_ppb.abs();
    assert!(
        (frequency + 99_990).abs() < tolerance,
        "frequency {frequency} ppb, want −99,990 ± {tolerance} (stepped {step_ns} ns)"
    );
}

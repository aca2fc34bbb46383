//! The `log` feature: the client's events reach a `log::Log` with their level — a
//! sample (debug), the update and its decision (info for a slew, warn for a step), a
//! refused reply with its reason (info), a kiss-o'-death (warn) and a timeout (debug).
#![cfg(feature = "log")]

use std::net::SocketAddr;
use std::sync::Mutex;

use log::{Level, Log, Metadata, Record};
use ntpkit::client::{Client, ClientConfig, PeerConfig};
use ntpkit::server::{ServerState, respond, respond_kiss};
use ntpkit::time::Instant;
use ntpkit::{KissCode, LeapIndicator, NtpDuration, NtpTimestamp, Stratum};

#[path = "common/rng.rs"]
mod rng;

struct Capture(Mutex<Vec<(Level, String, String)>>);

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        let line = (record.level(), record.target().to_string(), record.args().to_string());
        self.0.lock().unwrap().push(line);
    }
    fn flush(&self) {}
}

static LOGS: Capture = Capture(Mutex::new(Vec::new()));

fn ns(d: i64) -> NtpDuration {
    NtpDuration::from_nanos(d).unwrap()
}

/// Every line logged so far at `level` that contains `text`.
fn logged(level: Level, text: &str) -> Vec<String> {
    let logs = LOGS.0.lock().unwrap();
    logs.iter().filter(|(l, _, m)| *l == level && m.contains(text)).map(|(_, _, m)| m.clone()).collect()
}

#[test]
fn the_clients_events_are_logged_with_their_levels() {
    log::set_logger(&LOGS).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let server: SocketAddr = "192.0.2.1:123".parse().unwrap();
    let mut client: Client<1> = Client::new(ClientConfig::default());
    let mut nonces = rng::Rng(0x9e37_79b9_7f4a_7c15);
    client.add_server(Instant::from_nanos(0), server, PeerConfig::default(), &mut nonces).unwrap();
    let ours = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let theirs = ours + ns(2_000_000_000); // 2 s ahead: the first update steps
    let state = |at: NtpTimestamp| ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(2),
        reference_timestamp: at - NtpDuration::from_seconds(10),
        ..ServerState::default()
    };
    let mut buf = [0u8; 48];
    let mut round = 0;
    while logged(Level::Warn, "update: step").is_empty() {
        round += 1;
        assert!(round < 50, "no step logged: {:?}", LOGS.0.lock().unwrap());
        let now = client.poll_timeout().unwrap();
        client.handle_timeout(now);
        let elapsed = ns(now.as_nanos() as i64);
        while let Some(tx) = client.poll_transmit(now, ours + elapsed, &mut nonces, &mut buf).unwrap() {
            let t2 = theirs + elapsed + ns(10_000_000);
            let mut reply = [0u8; 48];
            let n = respond(&buf[..tx.len], &state(t2), t2, t2, &mut reply).unwrap();
            let later = Instant::from_nanos(now.as_nanos() + 20_000_000);
            // A forged copy first (its root dispersion made huge): refused and logged,
            // and the genuine reply is still awaited.
            let mut forged = reply;
            forged[8] ^= 0x40; // root dispersion far too large
            assert!(
                client
                    .handle_response(later, tx.addr, &forged[..n], ours + elapsed + ns(20_000_000))
                    .is_err()
            );
            client.handle_response(later, tx.addr, &reply[..n], ours + elapsed + ns(20_000_000)).unwrap();
            while client.poll_event().is_some() {}
        }
    }
    let samples = logged(Level::Debug, "server 0: sample offset ");
    assert!(samples.len() >= 2, "{samples:?}");
    assert!(samples[0].contains("stratum 2"), "{samples:?}");
    let step = logged(Level::Warn, "update: step ");
    assert!(step[0].contains("system peer 0, 1 selected"), "{step:?}");
    let refused = logged(Level::Info, "reply refused: ");
    assert!(!refused.is_empty() && refused.len() == samples.len(), "{refused:?}");

    // A kiss-o'-death, and then a timeout.
    let now = client.poll_timeout().unwrap();
    client.handle_timeout(now);
    let tx = client.poll_transmit(now, ours, &mut nonces, &mut buf).unwrap().unwrap();
    let mut kiss = [0u8; 48];
    let n = respond_kiss(&buf[..tx.len], KissCode::Rate, &mut kiss).unwrap();
    client.handle_response(now, tx.addr, &kiss[..n], ours).unwrap();
    assert_eq!(logged(Level::Warn, "kiss-o'-death"), ["server 0: kiss-o'-death RATE"]);
    let now = client.poll_timeout().unwrap();
    client.handle_timeout(now);
    let _ = client.poll_transmit(now, ours, &mut nonces, &mut buf).unwrap();
    let later = client.poll_timeout().unwrap();
    client.handle_timeout(later);
    assert!(!logged(Level::Debug, "server 0: no reply").is_empty(), "{:?}", LOGS.0.lock().unwrap());
    // Every line is under the client's target.
    assert!(LOGS.0.lock().unwrap().iter().all(|(_, target, _)| target == "ntpkit::client"));
}

//! T-4: first boot with a clock that means nothing. A device whose clock reads NTP 0
//! (1900), 1970-01-01, 2000-01-01 or 2040 (after the 2036 rollover) sets the right Unix
//! time from its first update, through `PendingRequest::process` and through `Client`,
//! with the public API and an era pivot (its build date), knowing nothing of eras.
//! The era-less offset aliases for the 1900 boot (2³² s ≈ 136 years); the absolute time
//! (`corrected_unix`) never does.

use core::net::SocketAddr;

use ntpkit::client::{Client, ClientConfig, Decision, Event, PeerConfig};
use ntpkit::exchange::{ClientRequest, Reply};
use ntpkit::server::{ServerState, respond};
use ntpkit::time::Instant;
use ntpkit::*;

/// The firmware's build date, 2026-01-01T00:00:00Z: the pivot.
const BUILD_DATE: i64 = 1_767_225_600;

fn unix(y: i32, mo: u8, d: u8) -> UnixTime {
    UnixTime::from_civil(y, mo, d, 0, 0, 0, 0).unwrap()
}

/// What the device's clock reads at boot (NTP 0 is 1900-01-01).
fn boots() -> [(&'static str, UnixTime); 4] {
    [
        ("1900 (NTP 0)", UnixTime::new(-2_208_988_800, 0).unwrap()),
        ("1970-01-01", UnixTime::EPOCH),
        ("2000-01-01", unix(2000, 1, 1)),
        ("2040-01-01", unix(2040, 1, 1)),
    ]
}

/// The true times the device may boot into.
fn truths() -> [UnixTime; 2] {
    [UnixTime::new(1_795_953_600, 123_456_789).unwrap(), unix(2040, 6, 1)] // 2026-11-29T12:00Z
}

fn server_state(at: NtpTimestamp) -> ServerState {
    ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(2),
        reference_timestamp: at - NtpDuration::from_seconds(10),
        ..ServerState::default()
    }
}

fn ns(d: i64) -> NtpDuration {
    NtpDuration::from_nanos(d).unwrap()
}

/// |a − b| in ns, for Unix times.
fn error_ns(a: UnixTime, b: UnixTime) -> i128 {
    let n = |t: UnixTime| i128::from(t.seconds()) * 1_000_000_000 + i128::from(t.subsec_nanos());
    (n(a) - n(b)).abs()
}

#[test]
fn t4_first_boot_one_exchange_sets_the_right_unix_time() {
    let server: SocketAddr = "192.0.2.1:123".parse().unwrap();
    let mut aliased = Vec::new();
    for (name, boot) in boots() {
        let rtc = NtpTimestamp::from_unix(boot);
        for truth in truths() {
            // 20 ms each way; the server answers at once.
            let mut nonces = || 0x0123_4567_89ab_cdef_u64;
            let mut buf = [0u8; 48];
            let (len, mut pending) = ClientRequest::new().build(server, rtc, &mut nonces, &mut buf).unwrap();
            let t2 = NtpTimestamp::from_unix(truth) + ns(20_000_000);
            let mut reply = [0u8; 48];
            let n = respond(&buf[..len], &server_state(t2), t2, t2, &mut reply).unwrap();
            let t4 = rtc + ns(40_000_000);
            let Ok(Reply::Sample(sample)) = pending.process(server, &reply[..n], t4, &Default::default())
            else {
                panic!("{name} → {truth}: reply not accepted");
            };
            let set = sample.corrected_unix(t4, BUILD_DATE);
            let want = UnixTime::new(truth.seconds(), truth.subsec_nanos()).unwrap();
            let want = NtpTimestamp::from_unix(want) + ns(40_000_000);
            let want = want.to_unix_near(BUILD_DATE);
            assert!(error_ns(set, want) <= 1, "{name} → {truth}: set {set}, want {want}");
            // Where the true offset is beyond ±2^31 s the offset aliases, and adding it to
            // Unix seconds lands in the wrong century; corrected_unix does not.
            let naive = UnixTime::new(boot.seconds() + i64::from(sample.offset().seconds()), 0).unwrap();
            let true_offset = i128::from(truth.seconds()) - i128::from(boot.seconds());
            if true_offset.abs() > 1 << 31 {
                aliased.push(name);
                assert!(error_ns(naive, want) > 100 * 365 * 86_400 * 1_000_000_000, "{name}: {naive}");
            }
        }
    }
    // 1900 → 2026, 1900 → 2040 and 1970 → 2040 are beyond ±2^31 s: the offset aliased.
    assert_eq!(aliased, ["1900 (NTP 0)", "1900 (NTP 0)", "1970-01-01"]);
}

/// A `Client<1>` against one honest server from the given boot reading: runs until the
/// first update and returns it with the local reading at that moment.
fn first_update(rtc: NtpTimestamp, truth: UnixTime) -> (ntpkit::client::SystemUpdate<1>, NtpTimestamp) {
    let server: SocketAddr = "192.0.2.1:123".parse().unwrap();
    let mut client: Client<1> = Client::new(ClientConfig::default());
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut nonces = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    client.add_server(Instant::from_nanos(0), server, PeerConfig::default(), &mut nonces).unwrap();
    let truth0 = NtpTimestamp::from_unix(truth);
    let mut buf = [0u8; 48];
    for _ in 0..50 {
        let now = client.poll_timeout().unwrap();
        let elapsed = ns(now.as_nanos() as i64);
        client.handle_timeout(now);
        let t1 = rtc + elapsed;
        while let Some(tx) = client.poll_transmit(now, t1, &mut nonces, &mut buf).unwrap() {
            let t2 = truth0 + elapsed + ns(10_000_000);
            let mut reply = [0u8; 48];
            let n = respond(&buf[..tx.len], &server_state(t2), t2, t2, &mut reply).unwrap();
            let t4 = rtc + elapsed + ns(20_000_000);
            let later = Instant::from_nanos(now.as_nanos() + 20_000_000);
            client.handle_response(later, tx.addr, &reply[..n], t4).unwrap();
            while let Some(event) = client.poll_event() {
                if let Event::Update(update) = event {
                    return (update, t4);
                }
            }
        }
    }
    panic!("no update");
}

#[test]
fn t4_first_boot_client_update_sets_the_right_unix_time() {
    for (name, boot) in boots() {
        let rtc = NtpTimestamp::from_unix(boot);
        for truth in truths() {
            let (update, t4) = first_update(rtc, truth);
            assert!(matches!(update.decision, Decision::Step(_)), "{name}: {:?}", update.decision);
            let set = update.corrected_unix(t4, BUILD_DATE);
            // T4 is this many ns after boot; the server's time then is truth + the same.
            let elapsed = (t4 - rtc).to_nanos();
            let want = (NtpTimestamp::from_unix(truth) + ns(elapsed)).to_unix_near(BUILD_DATE);
            assert!(error_ns(set, want) < 1_000, "{name} → {truth}: set {set}, want {want}");
            // corrected_time agrees modulo the era with the step offset.
            assert_eq!(update.corrected_time(t4), t4 + update.offset);
        }
    }
}

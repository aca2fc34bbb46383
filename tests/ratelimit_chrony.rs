//! L-6: chronyd (as a client, `-x`: it never touches the clock) polls an ntpkit server
//! on 127.0.0.1 every 2 s against a limit of one request per 8 s with a burst of 4: the
//! limiter answers the burst, then sends RATE kisses, and chronyd takes them ("Received
//! KoD RATE" in its log) and backs off. The server is `serve_limited`'s loop written out,
//! to see each request's verdict and time. Loopback only.
#![cfg(feature = "std")]

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use ntpkit::KissCode;
use ntpkit::server::ratelimit::Verdict;
use ntpkit::server::ratelimit::{RateLimit, RateLimiter};
use ntpkit::server::{ServerState, respond, respond_kiss};
use ntpkit::std_impls::{SystemClock, serve_limited};
use ntpkit::traits::NtpClock;
use ntpkit::{LeapIndicator, ReferenceId, Stratum};

#[path = "common/chronyd.rs"]
mod chronyd;

const PORT: u16 = 11221;

#[test]
fn l6_chronyd_receives_rate_kisses_and_backs_off() {
    let Some(binary) = chronyd::binary() else { return };
    if std::env::var_os("LLVM_PROFILE_FILE").is_some() || std::env::var_os("NTPKIT_SKIP_LIVE").is_some() {
        // 45 s of real time: CI runs it once, in the README's test command, and skips it
        // in the coverage run and the reruns under other toolchains.
        eprintln!("SKIP: chronyd's real-time back-off (NTPKIT_SKIP_LIVE, or under coverage)");
        return;
    }
    let socket = UdpSocket::bind(("127.0.0.1", PORT)).unwrap();
    // The server loop ends when no request has come for 15 s (chronyd has stopped).
    socket.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let config = RateLimit { interval: 3, burst: 4, leak: 0, ..RateLimit::default() };
    let server = std::thread::spawn(move || {
        let mut limiter: RateLimiter<16> = RateLimiter::new(config, [0x5a; 16]);
        let state = ServerState {
            leap: LeapIndicator::NoWarning,
            stratum: Stratum(1),
            reference_id: ReferenceId(*b"GPS\0"),
            reference_timestamp: SystemClock::new().now(),
            ..ServerState::default()
        };
        let started = Instant::now();
        let mut log = Vec::new();
        let mut clock = SystemClock::new();
        let (mut buf, mut out) = ([0u8; 1100], [0u8; 48]);
        // The loop of `serve_limited`, written out to see each request and its verdict.
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            let now = ntpkit::time::Instant::from_duration(started.elapsed());
            let verdict = limiter.check(now, from.ip());
            let t = clock.now();
            let written = match verdict {
                Verdict::Answer => respond(&buf[..n], &state, t, clock.now(), &mut out).ok(),
                Verdict::Kiss => respond_kiss(&buf[..n], KissCode::Rate, &mut out).ok(),
                Verdict::Drop => None,
            };
            if let Some(len) = written {
                socket.send_to(&out[..len], from).unwrap();
            }
            log.push((started.elapsed(), verdict));
        }
        (limiter.stats(), log)
    });
    let dir = chronyd::fresh_dir("ntpkit-ratelimit-chrony");
    let client = chronyd::Server::start(
        binary,
        &dir,
        &format!("server 127.0.0.1 port {PORT} minpoll 1 maxpoll 6 iburst\nport 0\n"),
    );
    std::thread::sleep(Duration::from_secs(40));
    drop(client);
    let (stats, log) = server.join().unwrap();
    println!("{stats:?}");
    for (at, verdict) in &log {
        println!("{:6.1} s {verdict:?}", at.as_secs_f64());
    }
    let chrony_log = std::fs::read_to_string(dir.join("chronyd.log")).unwrap_or_default();
    assert!(
        chrony_log.contains("Received KoD RATE from 127.0.0.1"),
        "chronyd did not take the kiss:\n{chrony_log}"
    );
    // chronyd polls every 2 s; after each kiss it waits four polls more (chrony's
    // response to RATE), so the gap after a kiss is several times the gap before one.
    let gaps: Vec<(f64, bool)> =
        log.windows(2).map(|w| ((w[1].0 - w[0].0).as_secs_f64(), w[0].1 == Verdict::Kiss)).collect();
    let after_kiss: Vec<f64> = gaps.iter().filter(|(_, k)| *k).map(|(g, _)| *g).collect();
    assert!(after_kiss.len() >= 2, "{stats:?}");
    assert!(after_kiss.iter().all(|g| *g >= 6.0), "gaps after a kiss: {after_kiss:?}");
    assert!(stats.answered + stats.kissed == log.len() as u64 - stats.dropped, "{stats:?}");
}

/// `serve_limited` itself, over a real socket: twelve requests at once from one client
/// get the burst of eight answered, one RATE kiss, and silence (leak 0).
#[test]
fn serve_limited_answers_the_burst_then_kisses_then_drops() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    server.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let thread = std::thread::spawn(move || {
        let mut limiter: RateLimiter<8> =
            RateLimiter::new(RateLimit { leak: 0, ..RateLimit::default() }, [9; 16]);
        let state =
            ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
        let _ = serve_limited(&server, &state, &mut limiter, None); // ends at the read timeout
        limiter.stats()
    });
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut request = [0u8; 48];
    request[0] = 0x23; // version 4, client
    for i in 0..12u8 {
        request[47] = i + 1; // a transmit timestamp of its own
        client.send_to(&request, addr).unwrap();
    }
    let mut strata = Vec::new();
    let mut buf = [0u8; 64];
    while let Ok((n, _)) = client.recv_from(&mut buf) {
        assert_eq!(n, 48);
        strata.push(buf[1]);
    }
    assert_eq!(strata, [2, 2, 2, 2, 2, 2, 2, 2, 0], "eight answers and one kiss");
    let stats = thread.join().unwrap();
    assert_eq!((stats.answered, stats.kissed, stats.dropped), (8, 1, 3), "{stats:?}");
}

//! `RateLimiter` under arbitrary sequences of (time step, source): never a panic; after
//! every request the counters add up, no client has two entries and no bucket holds more
//! than its cap; and a client that had an entry before and after one of its requests
//! (so it has come back) keeps it while it is seen within `forget_after` — a flood of
//! other sources never pushes it out.
#![no_main]

use std::collections::HashMap;
use std::net::IpAddr;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use ntpkit::server::ratelimit::{RateLimit, RateLimiter};
use ntpkit::time::Instant;

#[derive(Arbitrary, Debug)]
struct Request {
    /// Milliseconds since the last request (time may also go back).
    step_ms: i16,
    /// A source: one of a few (low values), or any address.
    source: Source,
}

#[derive(Arbitrary, Debug)]
enum Source {
    Few(u8),
    V4(u32),
    V6(u128),
}

#[derive(Arbitrary, Debug)]
struct Input {
    interval: i8,
    burst: u8,
    leak: u8,
    kiss: bool,
    ipv4_prefix: u8,
    ipv6_prefix: u8,
    forget_after: u16,
    key: [u8; 16],
    requests: Vec<Request>,
}

fuzz_target!(|input: Input| {
    let config = RateLimit {
        interval: input.interval,
        burst: input.burst,
        leak: input.leak,
        kiss: input.kiss,
        ipv4_prefix: input.ipv4_prefix,
        ipv6_prefix: input.ipv6_prefix,
        forget_after: u32::from(input.forget_after),
    };
    let mut limiter: RateLimiter<16> = RateLimiter::new(config, input.key);
    let mut now: u64 = 1 << 40;
    // Sources that came back while holding an entry, and when each was last seen.
    let mut kept: HashMap<IpAddr, u64> = HashMap::new();
    for (n, request) in input.requests.iter().take(4096).enumerate() {
        now = now.saturating_add_signed(i64::from(request.step_ms) * 1_000_000);
        let source = match request.source {
            Source::Few(i) => IpAddr::from([192, 0, 2, i % 8]),
            Source::V4(a) => IpAddr::from(a.to_be_bytes()),
            Source::V6(a) => IpAddr::from(a.to_be_bytes()),
        };
        let before = limiter.tracks(source);
        let _ = limiter.check(Instant::from_nanos(now), source);
        assert!(limiter.invariants_hold(n as u64 + 1), "after request {n}: {limiter:?}");
        if before && limiter.tracks(source) {
            kept.insert(source, now);
        }
        let forget = u64::from(input.forget_after) * 1_000_000_000;
        kept.retain(|_, last| now.saturating_sub(*last) < forget);
        for kept_source in kept.keys() {
            assert!(limiter.tracks(*kept_source), "{kept_source} pushed out at request {n}");
        }
    }
});

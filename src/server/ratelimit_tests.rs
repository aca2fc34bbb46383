use core::net::IpAddr;

use super::*;

const S: u64 = 1_000_000_000;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn at(seconds: u64, ms: u64) -> Instant {
    Instant::from_nanos(seconds * S + ms * 1_000_000)
}

/// L-1: one source flooding at 100 requests a second for ten minutes is limited (its
/// burst, one request per 8 s, and the leak's one in four of the rest), while sixteen
/// clients polling every 64 s are answered every time.
#[test]
#[cfg_attr(miri, ignore = "60,000 requests: run natively in every test job")]
fn l1_a_flooder_is_limited_and_the_others_served_in_full() {
    let mut limiter: RateLimiter<64> = RateLimiter::new(RateLimit::default(), [1; 16]);
    let flooder = ip("198.51.100.7");
    let (mut flood_answered, mut flood_sent) = (0u64, 0u64);
    for ms in (0..600_000u64).step_by(10) {
        let now = at(0, ms);
        if ms % 64_000 == 0 {
            for c in 0..16u8 {
                let client = IpAddr::from([192, 0, 2, c]);
                assert_eq!(limiter.check(now, client), Verdict::Answer, "client {c} at {ms} ms");
            }
        }
        flood_sent += 1;
        if limiter.check(now, flooder) == Verdict::Answer {
            flood_answered += 1;
        }
    }
    // 8 at once + 600/8 by rate + a quarter of the remaining ~59,900 by leak.
    let limit = 8 + 75 + (flood_sent - 83) / 4 + 1;
    assert!(flood_answered <= limit, "{flood_answered} of {flood_sent} answered (limit {limit})");
    assert!(flood_answered >= limit - 3, "{flood_answered}: the leak answers one in four");
}

/// L-2: a flood of one-shot spoofed sources, far more than the table holds, never
/// pushes out a client that polls; the flood is judged by the shared overflow bucket
/// (so it is not answered at full rate); and a flooder cannot reset its own empty
/// bucket by making the table churn.
#[test]
#[cfg_attr(miri, ignore = "200,000 requests: run natively in every test job")]
fn l2_a_spoofed_flood_cannot_push_out_polling_clients() {
    let mut limiter: RateLimiter<32> = RateLimiter::new(RateLimit::default(), [2; 16]);
    let clients: [IpAddr; 8] = core::array::from_fn(|c| IpAddr::from([192, 0, 2, c as u8]));
    for &c in &clients {
        assert_eq!(limiter.check(at(0, 0), c), Verdict::Answer);
        assert_eq!(limiter.check(at(64, 0), c), Verdict::Answer);
    }
    // A client that used up its burst.
    let greedy = ip("203.0.113.9");
    while limiter.check(at(64, 0), greedy) == Verdict::Answer {}
    assert!(clients.iter().chain([&greedy]).all(|&c| limiter.tracks(c)), "each has an entry before");
    let mut spoofed_answered = 0u64;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for i in 0..200_000u64 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let spoofed = IpAddr::from((rng as u32).to_be_bytes());
        let now = at(65, i / 100); // 100,000 requests a second for 2 s
        if limiter.check(now, spoofed) == Verdict::Answer {
            spoofed_answered += 1;
        }
    }
    for &c in &clients {
        assert!(limiter.tracks(c), "{c} was pushed out");
        assert_eq!(limiter.check(at(128, 0), c), Verdict::Answer, "{c}");
    }
    assert!(limiter.tracks(greedy), "the greedy client's empty bucket was reset");
    let stats = limiter.stats();
    assert!(stats.overflow > 190_000, "{stats:?}");
    // The overflow bucket: 32 clients' burst plus 32 per 8 s over 2 s, plus the leak.
    assert!(spoofed_answered < 200_000 / 4 + 1_000, "{spoofed_answered} answered: {stats:?}");
}

/// L-3: a limited client gets a RATE kiss at most once per interval (8 s), the rest of
/// its limited requests dropped (with leak 0), and nothing at all with kisses off.
#[test]
fn l3_kisses_are_limited_too() {
    let config = RateLimit { leak: 0, ..RateLimit::default() };
    let mut limiter: RateLimiter<4> = RateLimiter::new(config, [3; 16]);
    let c = ip("192.0.2.1");
    let mut kisses = 0;
    for ms in (0..80_000u64).step_by(100) {
        if limiter.check(at(0, ms), c) == Verdict::Kiss {
            kisses += 1;
        }
    }
    assert!((10..=11).contains(&kisses), "{kisses} kisses in 80 s");
    let mut silent: RateLimiter<4> = RateLimiter::new(RateLimit { kiss: false, leak: 0, ..config }, [3; 16]);
    let verdicts: [Verdict; 20] = core::array::from_fn(|_| silent.check(at(0, 0), c));
    assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Answer).count(), 8);
    assert!(verdicts[8..].iter().all(|v| *v == Verdict::Drop), "{verdicts:?}");
}

/// L-4: IPv6 clients are counted by /64 (or the prefix given); a v4-mapped source is the
/// IPv4 client; the same address lands elsewhere under another key.
#[test]
fn l4_prefixes_and_keys() {
    let mut limiter: RateLimiter<8> = RateLimiter::new(RateLimit::default(), [4; 16]);
    for i in 0..8u16 {
        let same_64 = IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, i + 1]);
        assert_eq!(limiter.check(at(0, 0), same_64), Verdict::Answer);
    }
    assert_eq!(limiter.check(at(0, 0), ip("2001:db8:0:1::ffff")), Verdict::Kiss, "one /64, one bucket");
    assert_eq!(limiter.check(at(0, 0), ip("2001:db8:0:2::1")), Verdict::Answer, "another /64");
    assert_eq!(limiter.len(), 2);
    for _ in 0..8 {
        assert_eq!(limiter.check(at(0, 0), ip("192.0.2.77")), Verdict::Answer);
    }
    assert_eq!(limiter.check(at(0, 0), ip("::ffff:192.0.2.77")), Verdict::Kiss, "v4-mapped is v4");
    let wide = RateLimit { ipv4_prefix: 24, ..RateLimit::default() };
    let mut by_24: RateLimiter<8> = RateLimiter::new(wide, [4; 16]);
    for last in 0..8u8 {
        assert_eq!(by_24.check(at(0, 0), IpAddr::from([192, 0, 2, last])), Verdict::Answer);
    }
    assert_eq!(by_24.check(at(0, 0), ip("192.0.2.200")), Verdict::Kiss, "one /24");
    // Keyed: across 64 addresses, two keys file them in different sets.
    let a: RateLimiter<64> = RateLimiter::new(RateLimit::default(), [5; 16]);
    let b: RateLimiter<64> = RateLimiter::new(RateLimit::default(), [6; 16]);
    let differ =
        (0..64u8).filter(|&i| a.tag(IpAddr::from([10, 0, 0, i])) != b.tag(IpAddr::from([10, 0, 0, i])));
    assert_eq!(differ.count(), 64);
}

/// L-5: time going backwards gives no credit and no panic; a long silence refills the
/// burst and no more; absurd settings are clamped.
#[test]
fn l5_time_backwards_and_absurd_settings() {
    let mut limiter: RateLimiter<4> = RateLimiter::new(RateLimit::default(), [7; 16]);
    let c = ip("192.0.2.1");
    for _ in 0..8 {
        assert_eq!(limiter.check(at(1_000, 0), c), Verdict::Answer);
    }
    assert_ne!(limiter.check(at(10, 0), c), Verdict::Answer, "earlier time, no credit");
    assert_ne!(limiter.check(at(1_000, 0), c), Verdict::Answer);
    let answered = (0..20).filter(|_| limiter.check(at(1_000_000, 0), c) == Verdict::Answer).count();
    assert_eq!(answered, 8 + 3, "a full burst after a long silence, plus the leak's one in four of 12");
    for interval in [i8::MIN, -5, 13, i8::MAX] {
        let l: RateLimiter<4> =
            RateLimiter::new(RateLimit { interval, burst: 0, ..RateLimit::default() }, [0; 16]);
        assert!(l.cost >= S >> 4 && l.cost <= S << 12 && l.cap == l.cost, "{interval}");
    }
    assert!(limiter.invariants_hold(
        limiter.stats().answered + limiter.stats().leaked + limiter.stats().kissed + limiter.stats().dropped
    ));
}

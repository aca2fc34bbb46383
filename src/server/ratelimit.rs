//! Rate limiting for a server on the internet: a fixed-capacity table of clients, each
//! with a leaky bucket, in the style of chrony's `ratelimit` (interval, burst, leak) and
//! ntpsec's `limited`/`kod` (a RATE kiss-o'-death instead of silence, itself limited).
//! `no_std`, no allocation, bounded work per request.
//!
//! Ask [`RateLimiter::check`] before answering each request; it says [`Verdict::Answer`]
//! (reply with [`respond`](super::respond)), [`Verdict::Kiss`] (reply with
//! [`respond_kiss`](super::respond_kiss) and [`KissCode::Rate`](crate::KissCode::Rate)) or
//! [`Verdict::Drop`].
//!
//! ```
//! use core::net::IpAddr;
//! use ntpkit::server::ratelimit::{RateLimit, RateLimiter, Verdict};
//! use ntpkit::time::Instant;
//!
//! // 64 clients; the key is secret and random (here a constant).
//! let mut limiter: RateLimiter<64> = RateLimiter::new(RateLimit::default(), [7; 16]);
//! let client: IpAddr = "192.0.2.1".parse().unwrap();
//! let now = Instant::from_nanos(1_000_000_000);
//! // The default burst of 8 is answered at once; the 9th request is limited.
//! for _ in 0..8 {
//!     assert_eq!(limiter.check(now, client), Verdict::Answer);
//! }
//! assert_eq!(limiter.check(now, client), Verdict::Kiss);
//! ```
//!
//! # The buckets
//!
//! Each client (an IPv4 address, or an IPv6 /64 by default: one host holds a whole /64)
//! has a credit in nanoseconds that grows with time, up to `burst` intervals; a request
//! costs one interval. A request without the credit is *limited*: one in 2^`leak` is
//! answered anyway (so a client limited by mistake still gets some time), and the others
//! get a RATE kiss-o'-death at most once per interval per client (RFC 5905 §7.4: the
//! client backs off), else nothing.
//!
//! # The table, and what a flood can do to it
//!
//! Clients are filed by SipHash-2-4 of their address prefix under the caller's secret
//! key, in sets of four slots: without the key nobody can choose addresses that collide.
//! A new client takes a free slot of its set, or replaces one of these, in this order:
//! an entry seen only once and not within the last interval (a spoofed source looks like
//! that), or an entry idle for `forget_after`. Any other entry — a client that came back
//! and is polling — is never replaced, so a flood from spoofed sources, however large,
//! cannot push the clients already served out of the table. A new client that finds no
//! slot shares one overflow bucket with every other such client, which allows as much as
//! the whole table's worth of clients at the configured rate; a flood is limited there,
//! not answered at full rate.

use core::net::IpAddr;

use crate::math::siphash24;
use crate::time::Instant;

/// Slots per set.
const WAYS: usize = 4;

/// The limits; [`Default`] is chrony's `ratelimit` default with ntpsec's `kod`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RateLimit {
    /// The least average interval between a client's requests, as log2 seconds: 3 (8 s)
    /// by default; clamped to −4 ..= 12.
    pub interval: i8,
    /// How many requests a client may send at once above that rate: 8 by default
    /// (at least 1).
    pub burst: u8,
    /// One in 2^`leak` limited requests is answered anyway: 2 (one in four) by default;
    /// 0 answers none of them.
    pub leak: u8,
    /// Answer a limited request with a RATE kiss-o'-death (at most once per interval per
    /// client) instead of silence: on by default.
    pub kiss: bool,
    /// IPv4 clients are counted by this prefix: 32 (each address) by default.
    pub ipv4_prefix: u8,
    /// IPv6 clients are counted by this prefix: 64 by default (a host holds a /64).
    pub ipv6_prefix: u8,
    /// An entry idle this many seconds may be replaced by a new client: 4096 by default,
    /// above the longest NTP poll a client keeps up (1024 s).
    pub forget_after: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            interval: 3,
            burst: 8,
            leak: 2,
            kiss: true,
            ipv4_prefix: 32,
            ipv6_prefix: 64,
            forget_after: 4096,
        }
    }
}

/// What to do with a request.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Verdict {
    /// Answer it.
    Answer,
    /// Answer with a RATE kiss-o'-death ([`respond_kiss`](super::respond_kiss)).
    Kiss,
    /// Send nothing.
    Drop,
}

/// Counts since the limiter was made.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RateLimitStats {
    /// Requests answered within their client's limit.
    pub answered: u64,
    /// Limited requests answered anyway (the leak).
    pub leaked: u64,
    /// Limited requests answered with a RATE kiss.
    pub kissed: u64,
    /// Limited requests dropped.
    pub dropped: u64,
    /// Entries replaced by new clients.
    pub replaced: u64,
    /// Requests from clients that found no slot (judged by the shared overflow bucket).
    pub overflow: u64,
}

/// One client's bucket.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Entry {
    /// The client's keyed hash (never 0); 0 marks a free slot.
    tag: u64,
    /// Credit, ns (at most burst × interval).
    credit: u64,
    /// When it was last seen, monotonic ns.
    last: u64,
    /// When it was last sent a kiss, monotonic ns (`u64::MAX`: never).
    kissed: u64,
    /// Requests seen (saturating).
    hits: u32,
    /// Limited requests seen (wrapping; for the leak).
    limited: u32,
}

impl Entry {
    const FREE: Self = Self { tag: 0, credit: 0, last: 0, kissed: u64::MAX, hits: 0, limited: 0 };
}

/// A rate limiter for up to `N` clients (`N` a multiple of 4, at least 4); see the
/// [module docs](self). About 40 bytes a client.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RateLimiter<const N: usize> {
    config: RateLimit,
    key: (u64, u64),
    /// One request's cost, and the most credit a bucket holds, ns.
    cost: u64,
    cap: u64,
    /// The same for the overflow bucket: N clients' worth.
    shared_cost: u64,
    shared_cap: u64,
    entries: [Entry; N],
    overflow: Entry,
    stats: RateLimitStats,
}

impl<const N: usize> RateLimiter<N> {
    /// A limiter with `config`, filing clients under the secret `key` (draw it from a
    /// random source when the server starts; never fixed, never shown to clients).
    pub const fn new(config: RateLimit, key: [u8; 16]) -> Self {
        const {
            assert!(
                N >= WAYS && N.is_multiple_of(WAYS),
                "RateLimiter<N>: N must be a multiple of 4, at least 4"
            )
        };
        let interval = if config.interval < -4 {
            -4
        } else if config.interval > 12 {
            12
        } else {
            config.interval
        };
        // 2^interval s in ns: 2^12 s · 10^9 < 2^43.
        let cost = if interval >= 0 {
            1_000_000_000u64 << interval.unsigned_abs()
        } else {
            1_000_000_000u64 >> interval.unsigned_abs()
        };
        let burst = if config.burst == 0 { 1 } else { config.burst };
        let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = key;
        let cap = cost.saturating_mul(burst as u64);
        // N requests per interval (N rounded down to a power of two: a shift, not a
        // division), and at least one client's burst.
        let shared_cost = cost >> N.ilog2();
        let shared_cost = if shared_cost == 0 { 1 } else { shared_cost };
        let shared_cap = shared_cost.saturating_mul(N as u64);
        let shared_cap = if shared_cap < cap { cap } else { shared_cap };
        Self {
            config,
            key: (u64::from_le_bytes([a, b, c, d, e, f, g, h]), u64::from_le_bytes([i, j, k, l, m, n, o, p])),
            cost,
            cap,
            shared_cost,
            shared_cap,
            entries: [Entry::FREE; N],
            overflow: Entry { tag: 1, credit: shared_cap, ..Entry::FREE },
            stats: RateLimitStats { answered: 0, leaked: 0, kissed: 0, dropped: 0, replaced: 0, overflow: 0 },
        }
    }

    /// The limits in force.
    pub const fn config(&self) -> &RateLimit {
        &self.config
    }

    /// Counts since the limiter was made.
    pub const fn stats(&self) -> RateLimitStats {
        self.stats
    }

    /// Whether `source` (its prefix) has an entry of its own.
    pub fn tracks(&self, source: IpAddr) -> bool {
        let tag = self.tag(source);
        self.entries.iter().any(|e| e.tag == tag)
    }

    /// Entries in use.
    pub fn len(&self) -> usize {
        self.entries.iter().filter(|e| e.tag != 0).count()
    }

    /// Whether no client has an entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table's invariants, for the fuzzer: no tag twice, no credit above the cap,
    /// the counters adding up to `requests`.
    #[doc(hidden)]
    pub fn invariants_hold(&self, requests: u64) -> bool {
        let s = self.stats;
        let counted =
            [s.answered, s.leaked, s.kissed, s.dropped].iter().fold(0u64, |a, &b| a.saturating_add(b));
        let unique = self.entries.iter().enumerate().all(|(i, e)| {
            e.tag == 0 || !self.entries.iter().skip(i.saturating_add(1)).any(|other| other.tag == e.tag)
        });
        let capped =
            self.entries.iter().all(|e| e.credit <= self.cap) && self.overflow.credit <= self.shared_cap;
        counted == requests && unique && capped
    }

    /// Decides on a request from `source` arriving at monotonic time `now`, and counts
    /// it. A time earlier than a client's last request counts as no time passed.
    pub fn check(&mut self, now: Instant, source: IpAddr) -> Verdict {
        let now = now.as_nanos();
        let tag = self.tag(source);
        let (cost, cap, config) = (self.cost, self.cap, self.config);
        let verdict = match self.slot(now, tag) {
            Some(entry) => Self::judge(entry, now, cost, cap, &config),
            None => {
                self.stats.overflow = self.stats.overflow.saturating_add(1);
                Self::judge(&mut self.overflow, now, self.shared_cost, self.shared_cap, &self.config)
            }
        };
        let count = match verdict {
            Judged::Answer => &mut self.stats.answered,
            Judged::Leak => &mut self.stats.leaked,
            Judged::Kiss => &mut self.stats.kissed,
            Judged::Drop => &mut self.stats.dropped,
        };
        *count = count.saturating_add(1);
        match verdict {
            Judged::Answer | Judged::Leak => Verdict::Answer,
            Judged::Kiss => Verdict::Kiss,
            Judged::Drop => Verdict::Drop,
        }
    }

    /// The client's keyed hash (never 0 or 1): SipHash-2-4 of the family and the prefix.
    fn tag(&self, source: IpAddr) -> u64 {
        let mut bytes = [0u8; 17];
        let len = match source {
            IpAddr::V4(a) => masked(&mut bytes, 4, &a.octets(), self.config.ipv4_prefix),
            // A v4-mapped source (a dual-stack socket) is the IPv4 client it maps.
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => masked(&mut bytes, 4, &v4.octets(), self.config.ipv4_prefix),
                None => masked(&mut bytes, 6, &a.octets(), self.config.ipv6_prefix),
            },
        };
        let data = bytes.get(..len).unwrap_or(&bytes);
        siphash24(self.key.0, self.key.1, data).max(2) // 0 is a free slot, 1 the overflow
    }

    /// The client's entry: found in its set, or made in a free or replaceable slot;
    /// `None` when the set has neither.
    fn slot(&mut self, now: u64, tag: u64) -> Option<&mut Entry> {
        let sets = (N / WAYS) as u64;
        // The high half of the tag scaled to the sets: no division.
        let set = (((tag >> 32).wrapping_mul(sets)) >> 32) as usize;
        let start = set.saturating_mul(WAYS);
        let ways = self.entries.get_mut(start..start.saturating_add(WAYS))?;
        if let Some(i) = ways.iter().position(|e| e.tag == tag) {
            return ways.get_mut(i);
        }
        let forget = u64::from(self.config.forget_after).saturating_mul(1_000_000_000);
        let cost = self.cost;
        let idle = |e: &Entry| now.saturating_sub(e.last);
        // Free first; then a one-request entry not seen within an interval (the oldest);
        // then an entry idle for `forget_after` (the oldest). Never another.
        let free = ways.iter().position(|e| e.tag == 0);
        let once = ways
            .iter()
            .enumerate()
            .filter(|(_, e)| e.hits <= 1 && idle(e) >= cost)
            .max_by_key(|(_, e)| idle(e))
            .map(|(i, _)| i);
        let forgotten = ways
            .iter()
            .enumerate()
            .filter(|(_, e)| idle(e) >= forget)
            .max_by_key(|(_, e)| idle(e))
            .map(|(i, _)| i);
        let i = free.or(once).or(forgotten)?;
        let entry = ways.get_mut(i)?;
        if entry.tag != 0 {
            self.stats.replaced = self.stats.replaced.saturating_add(1);
        }
        *entry = Entry { tag, credit: self.cap, last: now, ..Entry::FREE };
        Some(entry)
    }

    /// Charges `entry` one request at `now`.
    fn judge(entry: &mut Entry, now: u64, cost: u64, cap: u64, config: &RateLimit) -> Judged {
        let elapsed = now.saturating_sub(entry.last);
        entry.credit = entry.credit.saturating_add(elapsed).min(cap);
        entry.last = entry.last.max(now);
        entry.hits = entry.hits.saturating_add(1);
        if entry.credit >= cost {
            entry.credit = entry.credit.saturating_sub(cost);
            return Judged::Answer;
        }
        entry.limited = entry.limited.wrapping_add(1);
        let leak_mask = 1u32.checked_shl(u32::from(config.leak)).map_or(u32::MAX, |m| m.wrapping_sub(1));
        if config.leak > 0 && entry.limited & leak_mask == 0 {
            return Judged::Leak;
        }
        let kissed_long_ago = entry.kissed == u64::MAX || now.saturating_sub(entry.kissed) >= cost;
        if config.kiss && kissed_long_ago {
            entry.kissed = now;
            return Judged::Kiss;
        }
        Judged::Drop
    }
}

#[cfg(test)]
#[path = "ratelimit_tests.rs"]
mod tests;

/// A verdict with the reason an answer was given.
enum Judged {
    Answer,
    Leak,
    Kiss,
    Drop,
}

/// Writes `family` and the first `prefix` bits of `octets` into `out`; returns the
/// length written.
fn masked(out: &mut [u8; 17], family: u8, octets: &[u8], prefix: u8) -> usize {
    let [first, rest @ ..] = out;
    *first = family;
    let mut bits = u32::from(prefix);
    for (o, &byte) in rest.iter_mut().zip(octets) {
        let keep = bits.min(8);
        bits = bits.saturating_sub(8);
        *o = byte & 0xffu8.checked_shl(8u32.saturating_sub(keep)).unwrap_or(0);
    }
    octets.len().saturating_add(1)
}

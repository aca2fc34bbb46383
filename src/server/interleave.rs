//! Interleaved mode for the server (RFC 9769 §3): replies that carry the precise
//! transmit time of the previous reply to the same client, taken after it was sent
//! (a kernel or hardware timestamp, or the clock read after `send`), where a basic
//! reply can only carry a time read before it left.
//!
//! [`InterleaveTable::respond`] answers like [`respond`](super::respond); when the
//! request asks for interleaved mode and the table holds the client's previous
//! exchange, the reply is interleaved. After sending, give the send time to
//! [`InterleaveTable::transmitted`] with the [`FollowUp`] the answer carries.
//! `no_std`, no allocation, bounded work per request.
//!
//! ```
//! use core::net::IpAddr;
//! use ntpkit::server::interleave::InterleaveTable;
//! use ntpkit::server::ServerState;
//! use ntpkit::{LeapIndicator, NtpTimestamp, Packet, Stratum};
//!
//! let mut table: InterleaveTable<64> = InterleaveTable::new([7; 16]);
//! let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(1), ..ServerState::default() };
//! let client: IpAddr = "192.0.2.1".parse().unwrap();
//! let at = |s: u32| NtpTimestamp::from_parts(0xeeac_e73b + s, 0);
//! let mut request = [0u8; 48];
//! request[0] = 0x23; // version 4, client
//! let mut out = [0u8; 48];
//!
//! // A first request is answered in basic mode.
//! request[40..48].copy_from_slice(&[1; 8]);
//! let answer = table.respond(client, &request, &state, at(0), at(0), &mut out)?;
//! assert!(!answer.interleaved);
//! let first = Packet::parse(&out)?;
//!
//! // The next one names that reply's receive timestamp as its origin: the client asks
//! // for interleaved mode. Still basic (nothing is saved yet), but now saved.
//! request[24..32].copy_from_slice(&first.receive_timestamp.to_be_bytes());
//! request[32..40].copy_from_slice(&[2; 8]);
//! let answer = table.respond(client, &request, &state, at(10), at(10), &mut out)?;
//! let second = Packet::parse(&out)?;
//! let sent = NtpTimestamp::from_parts(0xeeac_e73b + 10, 5_000); // read after the send
//! table.transmitted(answer.follow_up.unwrap(), sent);
//!
//! // The third carries the second's precise send time, and echoes the receive field.
//! request[24..32].copy_from_slice(&second.receive_timestamp.to_be_bytes());
//! request[32..40].copy_from_slice(&[3; 8]);
//! let answer = table.respond(client, &request, &state, at(20), at(20), &mut out)?;
//! let third = Packet::parse(&out)?;
//! assert!(answer.interleaved);
//! assert_eq!(third.transmit_timestamp, sent);
//! assert_eq!(third.origin_timestamp.to_be_bytes(), [3; 8]);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! # Which requests ask, and the marked timestamps
//!
//! A client asks for interleaved mode by sending, as its origin, the receive timestamp
//! of the server's last reply to it (and a nonce as its receive field, which the
//! interleaved reply echoes as its origin). To tell such an origin from a basic
//! client's (zero, or the server's transmit timestamp), every reply from this table
//! carries a receive timestamp whose lowest bit is 1 and a transmit timestamp whose
//! lowest bit is 0 (2⁻³² s, a quarter of a nanosecond), as chrony does: only a request
//! whose origin has the bit set is remembered, so a public server keeps no state for
//! its basic clients.
//!
//! # The table, and what a flood can do to it
//!
//! One entry per client address (an IPv6 host by its whole address; a v4-mapped address
//! counts as IPv4), filed by SipHash-2-4 under the caller's secret key in sets of four;
//! a new client replaces the entry of its set with the oldest exchange. An entry is used
//! only when the request's origin is exactly the receive timestamp saved in it, so a
//! collision, a spoofed source or a replaced entry can never make a wrong interleaved
//! reply: at worst a client is answered in basic mode once, and is saved again.

use core::net::IpAddr;

use super::{ServerError, ServerState, parse_request, reply_to};
use crate::math::siphash24;
use crate::time::NtpTimestamp;

/// Slots per set.
const WAYS: usize = 4;

/// What [`InterleaveTable::respond`] wrote.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub struct Answer {
    /// Length of the reply in `out` (48).
    pub len: usize,
    /// Whether the reply is interleaved (carries the previous reply's send time).
    pub interleaved: bool,
    /// Present when the client asked for interleaved mode: give it, with this reply's
    /// send time, to [`InterleaveTable::transmitted`] once the reply is sent.
    pub follow_up: Option<FollowUp>,
}

/// Which exchange a send time belongs to (the client and this reply's receive
/// timestamp).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FollowUp {
    tag: u64,
    rx: NtpTimestamp,
}

impl FollowUp {
    /// The receive timestamp of the reply sent (as written, marked).
    pub const fn receive_timestamp(&self) -> NtpTimestamp {
        self.rx
    }
}

/// Counts since the table was made.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InterleaveStats {
    /// Exchanges saved by [`InterleaveTable::transmitted`].
    pub saved: u64,
    /// Entries of other clients replaced to save one.
    pub replaced: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Slot {
    /// Keyed hash of the client's address; 0 marks a free slot.
    tag: u64,
    rx: NtpTimestamp,
    tx: NtpTimestamp,
}

const FREE: Slot = Slot { tag: 0, rx: NtpTimestamp::ZERO, tx: NtpTimestamp::ZERO };

/// The server's memory of each interleaving client's last exchange: its receive
/// timestamp and the precise send time of the reply, for up to `N` clients (24 bytes
/// each; `N` a multiple of 4). See the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InterleaveTable<const N: usize> {
    slots: [Slot; N],
    k0: u64,
    k1: u64,
    stats: InterleaveStats,
}

/// Sets the lowest bit: a receive timestamp as this table writes it.
const fn mark_rx(t: NtpTimestamp) -> NtpTimestamp {
    NtpTimestamp::from_bits(t.to_bits() | 1)
}

/// Clears the lowest bit: a transmit timestamp as this table writes it.
const fn mark_tx(t: NtpTimestamp) -> NtpTimestamp {
    NtpTimestamp::from_bits(t.to_bits() & !1)
}

impl<const N: usize> InterleaveTable<N> {
    /// An empty table whose addresses are hashed under `key` (secret and random: it
    /// keeps anyone from choosing addresses that share a set).
    pub const fn new(key: [u8; 16]) -> Self {
        const {
            assert!(
                N >= WAYS && N.is_multiple_of(WAYS),
                "InterleaveTable<N>: N must be a multiple of 4, at least 4"
            )
        };
        let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = key;
        Self {
            slots: [FREE; N],
            k0: u64::from_le_bytes([a, b, c, d, e, f, g, h]),
            k1: u64::from_le_bytes([i, j, k, l, m, n, o, p]),
            stats: InterleaveStats { saved: 0, replaced: 0 },
        }
    }

    /// Counts since the table was made.
    pub const fn stats(&self) -> InterleaveStats {
        self.stats
    }

    /// How many clients have an exchange saved.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.tag != 0).count()
    }

    /// Whether no exchange is saved.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the reply to `request` from `client` into `out`, as
    /// [`respond`](super::respond) does, with `t2` (when the request arrived) as receive
    /// timestamp. The reply is interleaved when the request's origin is the receive
    /// timestamp saved for `client` and its receive field is a nonce (non-zero, not its
    /// transmit field): origin = that nonce, receive = `t2`, transmit = the saved send
    /// time. Otherwise it is basic: origin = the request's transmit field, transmit =
    /// `t3`. Changes nothing; on error nothing is written.
    pub fn respond(
        &self,
        client: IpAddr,
        request: &[u8],
        state: &ServerState,
        t2: NtpTimestamp,
        t3: NtpTimestamp,
        out: &mut [u8],
    ) -> Result<Answer, ServerError> {
        let req = parse_request(request, out)?;
        let origin = req.origin_timestamp;
        // Asks for interleaved mode: its origin looks like a receive timestamp of ours.
        let asks = origin.to_bits() & 1 == 1;
        // The keyed hash only for a client that asks: a basic request costs no more
        // than `respond`'s.
        let tag = if asks { self.tag(client) } else { 0 };
        let previous =
            if asks && !req.receive_timestamp.is_zero() && req.receive_timestamp != req.transmit_timestamp {
                self.set(tag).iter().find(|s| s.tag == tag && s.rx == origin).map(|s| s.tx)
            } else {
                None
            };
        let rx = mark_rx(t2);
        let (origin, transmit) = match previous {
            Some(tx) => (req.receive_timestamp, tx),
            None => (req.transmit_timestamp, mark_tx(t3)),
        };
        let reply = reply_to(&req, state, origin, rx, transmit);
        let len = reply.emit(out).map_err(ServerError::Emit)?;
        Ok(Answer { len, interleaved: previous.is_some(), follow_up: asks.then_some(FollowUp { tag, rx }) })
    }

    /// Saves the exchange `follow_up` names with `sent`, the reply's send time (read
    /// after the send, or the kernel's transmit timestamp), for the client's next
    /// interleaved request. Replaces the client's previous exchange; a new client takes
    /// a free slot of its set, else the one with the oldest exchange.
    pub fn transmitted(&mut self, follow_up: FollowUp, sent: NtpTimestamp) {
        let FollowUp { tag, rx } = follow_up;
        let slot = Slot { tag, rx, tx: mark_tx(sent) };
        let set = self.set_mut(tag);
        let index = set.iter().position(|s| s.tag == tag).or_else(|| set.iter().position(|s| s.tag == 0));
        let replacing = index.is_none();
        // The oldest exchange: the furthest back from this one (wrapping, era-safe).
        let index = index.or_else(|| {
            set.iter().enumerate().max_by_key(|(_, s)| rx.duration_since(s.rx).to_bits()).map(|(i, _)| i)
        });
        if let Some(entry) = index.and_then(|i| set.get_mut(i)) {
            *entry = slot;
            self.stats.saved = self.stats.saved.saturating_add(1);
            if replacing {
                self.stats.replaced = self.stats.replaced.saturating_add(1);
            }
        }
    }

    /// For tests and the fuzz target: every occupied slot lies in its tag's set, each
    /// client has at most one, and saved times carry their marks.
    #[doc(hidden)]
    pub fn invariants_hold(&self) -> bool {
        self.slots.iter().enumerate().all(|(i, s)| {
            s.tag == 0
                || (self.range(s.tag).contains(&i)
                    && s.rx.to_bits() & 1 == 1
                    && s.tx.to_bits() & 1 == 0
                    && self.slots.iter().filter(|o| o.tag == s.tag).count() == 1)
        })
    }

    /// Keyed hash of the client's address, never 0 (a free slot).
    fn tag(&self, client: IpAddr) -> u64 {
        let mut bytes = [0u8; 17];
        let used = match client.to_canonical() {
            IpAddr::V4(a) => {
                bytes[0] = 4;
                bytes[1..5].copy_from_slice(&a.octets());
                5
            }
            IpAddr::V6(a) => {
                bytes[0] = 6;
                bytes[1..17].copy_from_slice(&a.octets());
                17
            }
        };
        siphash24(self.k0, self.k1, bytes.get(..used).unwrap_or(&bytes)) | 1
    }

    /// The slot indexes of `tag`'s set.
    fn range(&self, tag: u64) -> core::ops::Range<usize> {
        let sets = (N / WAYS) as u64;
        // The high half of the tag scaled to the sets: no division.
        let set = (((tag >> 32).wrapping_mul(sets)) >> 32) as usize;
        let start = set.saturating_mul(WAYS);
        start..start.saturating_add(WAYS)
    }

    fn set(&self, tag: u64) -> &[Slot] {
        self.slots.get(self.range(tag)).unwrap_or(&[])
    }

    fn set_mut(&mut self, tag: u64) -> &mut [Slot] {
        let range = self.range(tag);
        self.slots.get_mut(range).unwrap_or(&mut [])
    }
}

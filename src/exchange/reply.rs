//! What a reply must meet ([`ValidationConfig`]) and what checking it gives: a
//! [`Reply`], or a [`Reject`] naming the check that failed.

use core::fmt;

use super::sample::SyncResult;
use crate::auth::AuthError;
use crate::nts::NtsError;
use crate::time::NtpDuration;
use crate::wire::error::ParseError;
use crate::wire::{KissCode, Mode, Poll, Precision, Version};

/// Limits a reply must meet. The defaults follow RFC 4330 §5 and chrony.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ValidationConfig {
    /// Largest root distance accepted: default 1 s (RFC 4330 §5 check 5; RFC 5905
    /// `MAXDIST`).
    pub max_root_distance: NtpDuration,
    /// Largest T3 − T2 accepted: default 4 s (chrony's `MAX_SERVER_INTERVAL`; a server
    /// does not hold a request that long).
    pub max_server_interval: NtpDuration,
    /// Largest round-trip delay accepted, if any: default none.
    pub max_delay: Option<NtpDuration>,
    /// Largest |offset| accepted, if any (a step limit): default none.
    pub max_offset: Option<NtpDuration>,
    /// Precision of the client's own clock, the floor for delay and a term of
    /// dispersion (RFC 5905 §8): default 2⁻²⁰ s (about 1 µs).
    pub local_precision: Precision,
}

impl Default for ValidationConfig {
    fn default() -> Self {
        Self {
            max_root_distance: NtpDuration::ONE_SECOND,
            max_server_interval: NtpDuration::from_seconds(4),
            max_delay: None,
            max_offset: None,
            local_precision: Precision(-20),
        }
    }
}

/// Why a reply was not accepted. The [`PendingRequest`](super::PendingRequest) is unchanged by every rejection,
/// so the genuine reply that may follow is still accepted (CVE-2016-9042).
///
/// Variants are listed in the order the checks run (the
/// [catalogue's order of checks](crate::catalogue#order-of-checks-on-a-reply)); each
/// hostile input that leads to one is a row of the [`catalogue`](crate::catalogue).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Reject {
    /// Not a well-formed NTP packet.
    Parse(ParseError),
    /// A reply to this request was already accepted (RFC 5905 §8 test 1: duplicate).
    NotAwaitingResponse,
    /// From another address or port than the request went to (RFC 4330 §5).
    UnexpectedSource,
    /// The request was signed but the reply carries no MAC (CVE-2015-1798), or no key
    /// was given to check it.
    Unauthenticated,
    /// The reply's MAC does not authenticate it under the request's key: wrong key ID,
    /// wrong digest length, a crypto-NAK, or a digest that does not match.
    AuthFailed(AuthError),
    /// The NTS part of the reply is wrong: another request's Unique Identifier, a
    /// malformed or misplaced Authenticator, or one that does not verify (RFC 8915
    /// §5.7: discard).
    Nts(NtsError),
    /// An unauthenticated NTSN kiss-o'-death carrying the outstanding request's Unique
    /// Identifier: the server did not accept the cookie (RFC 8915 §5.7). Anyone who saw
    /// the request can forge it, so the request stays pending and the session is kept;
    /// if no authentic reply comes by the next poll, run NTS-KE again.
    NtsNak,
    /// Origin timestamp zero: never a reply to our request (CVE-2015-8138).
    ZeroOrigin,
    /// Origin timestamp is not our nonce (RFC 5905 §8 test 2: bogus).
    OriginMismatch,
    /// Mode is not 4 (server).
    WrongMode(Mode),
    /// Version differs from the request's (RFC 4330 §5).
    VersionMismatch {
        /// Version sent.
        sent: Version,
        /// Version received.
        received: Version,
    },
    /// Stratum 0 with a kiss code outside the RFC 5905 §7.4 table: ignored.
    KissUnknown([u8; 4]),
    /// Leap indicator 3: the server is not synchronized.
    Unsynchronized,
    /// Stratum above 15 (RFC 5905 `MAXSTRAT`).
    InvalidStratum(u8),
    /// Receive timestamp (T2) is zero.
    ZeroReceive,
    /// Transmit timestamp (T3) is zero.
    ZeroTransmit,
    /// Root distance at or above the limit (RFC 5905 §8 test 7; RFC 4330 check 5).
    RootDistanceTooLarge {
        /// The root distance computed.
        root_distance: NtpDuration,
    },
    /// Reference timestamp later than the transmit timestamp (RFC 5905 A.5.1.1).
    BadHeader,
    /// T3 − T2 negative beyond the server's precision, or above the server-interval
    /// limit.
    ServerTimesInconsistent {
        /// T3 − T2.
        interval: NtpDuration,
    },
    /// The four timestamps cannot give an unambiguous offset and delay (a difference of
    /// exactly 2³¹ s, or a delay beyond ±2³¹ s).
    OffsetAmbiguous,
    /// Delay above [`ValidationConfig::max_delay`].
    DelayTooLarge {
        /// The delay measured.
        delay: NtpDuration,
    },
    /// |offset| above [`ValidationConfig::max_offset`].
    StepTooLarge {
        /// The offset measured.
        offset: NtpDuration,
    },
}

impl Reject {
    /// The variant's name, for logs and machine-readable output.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Parse(_) => "Parse",
            Self::NotAwaitingResponse => "NotAwaitingResponse",
            Self::UnexpectedSource => "UnexpectedSource",
            Self::Unauthenticated => "Unauthenticated",
            Self::AuthFailed(_) => "AuthFailed",
            Self::Nts(_) => "Nts",
            Self::NtsNak => "NtsNak",
            Self::ZeroOrigin => "ZeroOrigin",
            Self::OriginMismatch => "OriginMismatch",
            Self::WrongMode(_) => "WrongMode",
            Self::VersionMismatch { .. } => "VersionMismatch",
            Self::KissUnknown(_) => "KissUnknown",
            Self::Unsynchronized => "Unsynchronized",
            Self::InvalidStratum(_) => "InvalidStratum",
            Self::ZeroReceive => "ZeroReceive",
            Self::ZeroTransmit => "ZeroTransmit",
            Self::RootDistanceTooLarge { .. } => "RootDistanceTooLarge",
            Self::BadHeader => "BadHeader",
            Self::ServerTimesInconsistent { .. } => "ServerTimesInconsistent",
            Self::OffsetAmbiguous => "OffsetAmbiguous",
            Self::DelayTooLarge { .. } => "DelayTooLarge",
            Self::StepTooLarge { .. } => "StepTooLarge",
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(e) => write!(f, "malformed reply: {e}"),
            Self::NotAwaitingResponse => f.write_str("a reply to this request was already accepted"),
            Self::UnexpectedSource => f.write_str("reply from an address the request was not sent to"),
            Self::Unauthenticated => f.write_str("reply to a signed request is not authenticated"),
            Self::AuthFailed(e) => write!(f, "authentication failed: {e}"),
            Self::Nts(e) => write!(f, "NTS: {e}"),
            Self::NtsNak => f.write_str("NTS NAK (NTSN kiss-o'-death): cookie not accepted (RFC 8915 §5.7)"),
            Self::ZeroOrigin => f.write_str("origin timestamp is zero (RFC 5905 §8)"),
            Self::OriginMismatch => f.write_str("origin timestamp does not match the request (RFC 5905 §8)"),
            Self::WrongMode(m) => write!(f, "mode {} ({m}) is not 4 (server)", m.to_bits()),
            Self::VersionMismatch { sent, received } => {
                write!(f, "version {received} in reply to a version {sent} request (RFC 4330 §5)")
            }
            Self::KissUnknown(code) => {
                write!(
                    f,
                    "kiss-o'-death with unknown code {} ignored (RFC 5905 §7.4)",
                    KissCode::Unknown(*code)
                )
            }
            Self::Unsynchronized => f.write_str("leap indicator 3: server clock unsynchronized"),
            Self::InvalidStratum(s) => write!(f, "stratum {s} is above 15 (RFC 5905 MAXSTRAT)"),
            Self::ZeroReceive => f.write_str("receive timestamp is zero (RFC 4330 §5)"),
            Self::ZeroTransmit => f.write_str("transmit timestamp is zero (RFC 4330 §5)"),
            Self::RootDistanceTooLarge { root_distance } => {
                write!(f, "root distance {root_distance} at or above the limit (RFC 5905 §8 test 7)")
            }
            Self::BadHeader => f.write_str("reference timestamp is later than transmit timestamp"),
            Self::ServerTimesInconsistent { interval } => {
                write!(f, "server held the request for {interval} (T3 - T2 out of range)")
            }
            Self::OffsetAmbiguous => f.write_str("timestamps too far apart for an unambiguous offset"),
            Self::DelayTooLarge { delay } => write!(f, "round-trip delay {delay} above the limit"),
            Self::StepTooLarge { offset } => write!(f, "offset {offset} above the step limit"),
        }
    }
}

impl core::error::Error for Reject {}

/// An accepted reply.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub enum Reply {
    /// A time sample.
    Sample(SyncResult),
    /// A kiss-o'-death from the server (RFC 5905 §7.4), never a time sample: RATE asks
    /// the client to poll less often, DENY and RSTR to stop. Its timestamps are not
    /// used. Unauthenticated, it may be forged by an on-path attacker.
    KissOfDeath {
        /// The kiss code.
        code: KissCode,
        /// The reply's poll field: with RATE, the poll exponent the server asks for
        /// (RFC 5905 §7.4).
        poll: Poll,
    },
}

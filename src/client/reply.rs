//! Checking a server's reply against a [`PendingRequest`] and computing the
//! [`SyncResult`].

use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;

use crate::auth::{self, AuthError, MacKey};
use crate::client::request::PendingRequest;
use crate::error::ParseError;
use crate::math::{NtpDuration, offset_delay, phi_times};
use crate::nts::{NtsAead, NtsError, NtsSession, Plaintext};
use crate::wire::{
    KissCode, LeapIndicator, Mode, NtpShort, NtpTimestamp, PacketView, Poll, Precision, ReferenceId, Stratum,
    Version,
};

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

/// Why a reply was not accepted. The [`PendingRequest`] is unchanged by every rejection,
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
    KissOfDeath(KissCode),
}

/// The result of one exchange (RFC 5905 §8): offset θ, delay δ, dispersion ε, root
/// distance λ, the server's header fields and the four timestamps.
///
/// Offset is positive when the server's clock is ahead of ours.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SyncResult {
    offset: NtpDuration,
    delay: NtpDuration,
    dispersion: NtpDuration,
    /// T1..T4.
    timestamps: [NtpTimestamp; 4],
    leap: LeapIndicator,
    version: Version,
    stratum: Stratum,
    poll: Poll,
    precision: Precision,
    root_delay: NtpShort,
    root_dispersion: NtpShort,
    reference_id: ReferenceId,
    reference_timestamp: NtpTimestamp,
}

impl SyncResult {
    /// Clock offset θ = ((T2 − T1) + (T3 − T4)) / 2 (RFC 5905 §8): how far the server's
    /// clock is ahead of ours.
    ///
    /// # When it aliases
    ///
    /// Timestamps carry no era (RFC 5905 §6), so θ is exact only while the true offset
    /// is within ±2³¹ s (about ±68 years); beyond that it is off by a multiple of 2³² s
    /// (about 136 years). A clock that boots at NTP 0 (1900) while the time is 2026
    /// measures about −9.9 years, not +126. Adding θ to an [`NtpTimestamp`] is still
    /// right (it wraps the same way), but adding it to Unix seconds or a calendar is
    /// not. To *set* a clock, take the absolute time instead:
    /// [`corrected_unix`](Self::corrected_unix) (or
    /// [`SystemUpdate::corrected_unix`](crate::client::SystemUpdate::corrected_unix)
    /// from a [`Client`](crate::client::Client)), which places it in the era nearest a
    /// pivot such as the firmware's build date.
    pub const fn offset(&self) -> NtpDuration {
        self.offset
    }

    /// Round-trip delay δ = (T4 − T1) − (T3 − T2) (RFC 5905 §8), floored at the local
    /// clock's precision as RFC 5905 A.5.1.1 does (so it is never negative).
    pub const fn delay(&self) -> NtpDuration {
        self.delay
    }

    /// Dispersion ε = ρ_server + ρ_local + Φ·(T4 − T1) (RFC 5905 §8), with Φ = 15 ppm.
    pub const fn dispersion(&self) -> NtpDuration {
        self.dispersion
    }

    /// Root distance λ = δ_root/2 + ε_root + δ/2 + ε (RFC 5905 §11.2.1, for one sample):
    /// the maximum error of the server's time as seen here.
    pub const fn root_distance(&self) -> NtpDuration {
        root_distance(self.root_delay, self.root_dispersion, self.delay, self.dispersion)
    }

    /// Offset in whole nanoseconds (truncated toward zero).
    pub const fn offset_nanos(&self) -> i64 {
        self.offset.to_nanos()
    }

    /// Delay in whole nanoseconds (truncated).
    pub const fn delay_nanos(&self) -> i64 {
        self.delay.to_nanos()
    }

    /// The offset as `(server_is_behind, magnitude)`: `true` when the local clock must
    /// be moved back by `magnitude`.
    pub const fn offset_std(&self) -> (bool, Duration) {
        self.offset.to_signed_std()
    }

    /// The delay as a [`Duration`].
    pub const fn delay_std(&self) -> Duration {
        self.delay.to_signed_std().1
    }

    /// `now` corrected by the offset: the server's idea of the time when the local clock
    /// reads `now`. Right for any offset, even one that [aliases](Self::offset), since
    /// both wrap modulo the era.
    pub fn corrected_time(&self, now: NtpTimestamp) -> NtpTimestamp {
        now.wrapping_add(self.offset)
    }

    /// [`corrected_time`](Self::corrected_time) as Unix time, in the era nearest
    /// `pivot_unix_seconds` (within ±68 years of it; see [`NtpTimestamp::to_unix_near`]).
    /// This is how a device whose clock means nothing at boot (1970, 2000, NTP 0) sets
    /// it from the first sample: pass its clock's reading as `now` and, as the pivot, a
    /// time it knows is within 68 years of the truth, such as its build date.
    ///
    /// ```
    /// # use ntpkit::NtpTimestamp;
    /// # fn sample() -> ntpkit::client::SyncResult { todo!() }
    /// # fn rtc_now() -> NtpTimestamp { todo!() }
    /// # if false {
    /// const BUILD_DATE: i64 = 1_764_547_200; // 2025-12-01, Unix seconds
    /// let now = sample().corrected_unix(rtc_now(), BUILD_DATE);
    /// # }
    /// ```
    pub fn corrected_unix(&self, now: NtpTimestamp, pivot_unix_seconds: i64) -> crate::wire::UnixTime {
        self.corrected_time(now).to_unix_near(pivot_unix_seconds)
    }

    /// Client send time T1.
    pub const fn t1(&self) -> NtpTimestamp {
        self.timestamps[0]
    }
    /// Server receive time T2.
    pub const fn t2(&self) -> NtpTimestamp {
        self.timestamps[1]
    }
    /// Server send time T3.
    pub const fn t3(&self) -> NtpTimestamp {
        self.timestamps[2]
    }
    /// Client receive time T4.
    pub const fn t4(&self) -> NtpTimestamp {
        self.timestamps[3]
    }
    /// Leap indicator from the server. A single unauthenticated reply is not enough to
    /// schedule a leap second (CVE-2016-4954): confirm it over several servers.
    pub const fn leap(&self) -> LeapIndicator {
        self.leap
    }
    /// Version of the reply.
    pub const fn version(&self) -> Version {
        self.version
    }
    /// Server stratum (1–15).
    pub const fn stratum(&self) -> Stratum {
        self.stratum
    }
    /// Poll exponent from the reply.
    pub const fn poll(&self) -> Poll {
        self.poll
    }
    /// Server clock precision.
    pub const fn precision(&self) -> Precision {
        self.precision
    }
    /// Server root delay.
    pub const fn root_delay(&self) -> NtpShort {
        self.root_delay
    }
    /// Server root dispersion.
    pub const fn root_dispersion(&self) -> NtpShort {
        self.root_dispersion
    }
    /// Server reference ID.
    pub const fn reference_id(&self) -> ReferenceId {
        self.reference_id
    }
    /// Server reference timestamp.
    pub const fn reference_timestamp(&self) -> NtpTimestamp {
        self.reference_timestamp
    }
}

/// λ = δ_root/2 + ε_root + δ/2 + ε (RFC 5905 §11.2.1), saturating at
/// [`NtpDuration::MAX`].
///
/// Summed in `u64`, where it cannot overflow: `delay` and `dispersion` are non-negative
/// (negative values count as zero) so ε ≤ 2⁶³ − 1 and δ/2 ≤ 2⁶², and the two 16.16
/// header fields are below 2⁴⁸ in 32.32 units; the total stays below 2⁶⁴. One clamp at
/// the end replaces a chain of signed saturating additions (about 20 bytes each on a
/// 32-bit MCU).
const fn root_distance(
    root_delay: NtpShort,
    root_dispersion: NtpShort,
    delay: NtpDuration,
    dispersion: NtpDuration,
) -> NtpDuration {
    let header = ((root_delay.to_bits() as u64) << 15).wrapping_add((root_dispersion.to_bits() as u64) << 16);
    let own = (non_negative(delay) >> 1).wrapping_add(non_negative(dispersion));
    clamp_to_duration(header.wrapping_add(own))
}

/// The bits of a duration as `u64`, negative durations as 0.
const fn non_negative(d: NtpDuration) -> u64 {
    let bits = d.to_bits();
    if bits < 0 { 0 } else { bits as u64 }
}

/// A non-negative `u64` count of 2⁻³² s as a duration, saturating at
/// [`NtpDuration::MAX`].
const fn clamp_to_duration(bits: u64) -> NtpDuration {
    if bits > i64::MAX as u64 { NtpDuration::MAX } else { NtpDuration::from_bits(bits as i64) }
}

impl PendingRequest {
    /// Checks a datagram from `source`, received at `t4`, as the reply to this request.
    ///
    /// The checks run in the [catalogue's order](crate::catalogue#order-of-checks-on-a-reply):
    /// framing → already answered → source address and port ([`same_server`](crate::client::same_server)) → origin == nonce (never zero) →
    /// mode 4 → version → kiss-o'-death (stratum 0) → LI ≠ 3, stratum ≤ 15 → T2, T3 ≠ 0
    /// → header root distance → reference time ≤ T3 → T3 − T2 sane → offset and delay →
    /// delay bound → full root distance → step bound.
    ///
    /// A rejection changes nothing. An accepted reply (a sample or a known kiss code)
    /// marks the request answered; later replies get [`Reject::NotAwaitingResponse`].
    pub fn process(
        &mut self,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
    ) -> Result<Reply, Reject> {
        // Returned as built (no re-wrapping), so the ~120-byte sample is written once,
        // straight into the caller's slot.
        let key_id = self.key_id;
        // Signed request, no key to check the reply with: never accepted.
        let result = self.check(source, datagram, t4, config, |_| match key_id {
            Some(_) => Err(Reject::Unauthenticated),
            None => Ok(()),
        });
        self.answered |= result.is_ok();
        result
    }

    /// [`process`](Self::process) for a reply that must be authenticated by `key`
    /// (RFC 5905 §7.3, RFC 8573): right after the source check, before any field is
    /// trusted, the MAC must be present, not a crypto-NAK, for `key`'s ID and length, and
    /// match in a constant-time compare. Then every other check runs as in `process`.
    /// A rejected reply changes nothing.
    pub fn process_with_key(
        &mut self,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
        key: &impl MacKey,
    ) -> Result<Reply, Reject> {
        let result = self.check(source, datagram, t4, config, |view| mac_check(view, key));
        self.answered |= result.is_ok();
        result
    }

    /// [`process`](Self::process) for a request protected by
    /// [`NtsSession::protect_request`]: right after the source check, before any field
    /// is trusted, the reply must carry the request's Unique Identifier and an NTS
    /// Authenticator, last, that verifies under the session's S2C key (RFC 8915 §5.7).
    /// Then every other check runs as in `process`; only if the reply is accepted does
    /// the session take its new cookies. A rejected reply changes neither the request
    /// nor the session. An unauthenticated NTSN kiss-o'-death with the right identifier
    /// is [`Reject::NtsNak`].
    ///
    /// Uses about 1.1 KiB of stack for the decrypted fields.
    pub fn process_nts<A: NtsAead, const C: usize>(
        &mut self,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
        session: &mut NtsSession<A, C>,
    ) -> Result<Reply, Reject> {
        let mut plaintext = Plaintext::default();
        let result =
            self.check(source, datagram, t4, config, |view| session.open_reply(view, &mut plaintext));
        if result.is_ok() {
            self.answered = true;
            session.accept(&plaintext);
        }
        result
    }

    /// [`process`](Self::process) with the authentication step supplied by the caller:
    /// `verify` runs right after the source check and before any other field is
    /// trusted; its rejection is returned as is. This is how a
    /// [`Client`](crate::client::Client) applies its [`ServerAuth`](crate::client::ServerAuth).
    pub fn process_with(
        &mut self,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
        verify: impl FnOnce(&PacketView<&[u8]>) -> Result<(), Reject>,
    ) -> Result<Reply, Reject> {
        let result = self.check(source, datagram, t4, config, verify);
        self.answered |= result.is_ok();
        result
    }

    #[inline]
    fn check(
        &self,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
        verify: impl FnOnce(&PacketView<&[u8]>) -> Result<(), Reject>,
    ) -> Result<Reply, Reject> {
        let view = PacketView::new_checked(datagram).map_err(Reject::Parse)?;
        if self.answered {
            return Err(Reject::NotAwaitingResponse);
        }
        if !crate::client::same_server(source, self.server) {
            return Err(Reject::UnexpectedSource);
        }
        verify(&view)?;
        let origin = view.origin_timestamp();
        if origin.is_zero() {
            return Err(Reject::ZeroOrigin);
        }
        if origin != self.nonce {
            return Err(Reject::OriginMismatch);
        }
        let mode = view.mode();
        if mode != Mode::Server {
            return Err(Reject::WrongMode(mode));
        }
        let version = view.version();
        if version != self.version {
            return Err(Reject::VersionMismatch { sent: self.version, received: version });
        }
        let stratum = view.stratum();
        if stratum.0 == 0 {
            return match view.reference_id().as_kiss_code() {
                KissCode::Unknown(code) => Err(Reject::KissUnknown(code)),
                code => Ok(Reply::KissOfDeath(code)),
            };
        }
        let leap = view.leap();
        if leap == LeapIndicator::Unsynchronized {
            return Err(Reject::Unsynchronized);
        }
        if stratum > Stratum::MAX_SYNCHRONIZED {
            return Err(Reject::InvalidStratum(stratum.0));
        }
        let (t2, t3) = (view.receive_timestamp(), view.transmit_timestamp());
        if t2.is_zero() {
            return Err(Reject::ZeroReceive);
        }
        if t3.is_zero() {
            return Err(Reject::ZeroTransmit);
        }
        let (root_delay, root_dispersion) = (view.root_delay(), view.root_dispersion());
        let header_distance =
            root_distance(root_delay, root_dispersion, NtpDuration::ZERO, NtpDuration::ZERO);
        if header_distance >= config.max_root_distance {
            return Err(Reject::RootDistanceTooLarge { root_distance: header_distance });
        }
        let reference = view.reference_timestamp();
        if !reference.is_zero() && t3.duration_since(reference).is_negative() {
            return Err(Reject::BadHeader);
        }
        let precision = view.precision();
        // ρ as 2^precision s, at most NtpDuration::MAX, so non-negative and negatable.
        let server_rho = precision.to_duration().to_bits();
        let interval = t3.duration_since(t2);
        // T3 − T2 may undershoot zero by the server's precision, no more.
        if interval.to_bits() < server_rho.wrapping_neg() || interval > config.max_server_interval {
            return Err(Reject::ServerTimesInconsistent { interval });
        }
        let t1 = self.t1;
        let Ok(raw) = offset_delay(t1, t2, t3, t4) else {
            return Err(Reject::OffsetAmbiguous);
        };
        let local_precision = config.local_precision.to_duration();
        let delay = if raw.delay > local_precision { raw.delay } else { local_precision };
        if let Some(max) = config.max_delay {
            if delay > max {
                return Err(Reject::DelayTooLarge { delay });
            }
        }
        // ε = ρ_server + ρ_local + Φ·(T4 − T1) (RFC 5905 §8). The two ρ are non-negative
        // and at most 2^63 − 1 each, so their u64 sum cannot overflow.
        let dispersion = clamp_to_duration(
            (server_rho as u64)
                .wrapping_add(non_negative(local_precision))
                .saturating_add(non_negative(phi_times(t4.duration_since(t1)))),
        );
        let distance = root_distance(root_delay, root_dispersion, delay, dispersion);
        if distance >= config.max_root_distance {
            return Err(Reject::RootDistanceTooLarge { root_distance: distance });
        }
        if let Some(max) = config.max_offset {
            if raw.offset.saturating_abs() > max {
                return Err(Reject::StepTooLarge { offset: raw.offset });
            }
        }
        Ok(Reply::Sample(SyncResult {
            offset: raw.offset,
            delay,
            dispersion,
            timestamps: [t1, t2, t3, t4],
            leap,
            version,
            stratum,
            poll: view.poll(),
            precision,
            root_delay,
            root_dispersion,
            reference_id: view.reference_id(),
            reference_timestamp: reference,
        }))
    }
}

/// The MAC step of [`PendingRequest::process_with_key`], also used by
/// [`MacAuth`](crate::client::MacAuth).
pub(crate) fn mac_check(view: &PacketView<&[u8]>, key: &impl MacKey) -> Result<(), Reject> {
    auth::verify(view, key).map_err(|e| match e {
        AuthError::Missing => Reject::Unauthenticated,
        other => Reject::AuthFailed(other),
    })
}

//! What a [`Client`](super::Client) tells its caller: [`Event`]s, the [`SystemUpdate`]
//! with its [`Decision`], the [`Transmit`] to send, and [`ClientError`].

use core::fmt;
use core::net::SocketAddr;

use heapless::Vec;

use super::ids::PeerId;
#[cfg(feature = "defmt")]
use super::ids::defmt_addr;
use crate::exchange::{RequestError, SyncResult};
use crate::time::{NtpDuration, NtpTimestamp, UnixTime};
use crate::wire::{KissCode, LeapIndicator, ReferenceId, Stratum};

/// What the caller should do with the clock.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Decision {
    /// Slew: the current offset estimate, small enough to correct gradually. Feed it to
    /// a clock discipline (e.g. `adjtime`) as the present offset; successive updates are
    /// fresh estimates, not increments to add up while a slew is in progress.
    Slew(NtpDuration),
    /// Step the clock by this offset; the client clears its filters, assuming it is done.
    ///
    /// The offset is era-less: beyond ±2³¹ s (a clock that booted at 1900 or 1970 while
    /// the time is 2026 or later) it aliases by a multiple of 2³² s (see
    /// [`SyncResult::offset`]). Right for a clock kept as an [`NtpTimestamp`]; a clock
    /// kept in Unix seconds should be *set* to
    /// [`SystemUpdate::corrected_unix`] instead.
    Step(NtpDuration),
    /// The offset is beyond the panic threshold: do not touch the clock; ask a human.
    Panic(NtpDuration),
}

impl Decision {
    /// Carries the decision out through `clock`: a step or a slew. A panic touches
    /// nothing and returns `Ok(false)`; otherwise `Ok(true)`. The step passes the
    /// era-less offset on (see [`Decision::Step`]).
    pub fn apply<C: crate::traits::ClockControl>(&self, clock: &mut C) -> Result<bool, C::Error> {
        match *self {
            Self::Step(offset) => clock.step(offset).map(|()| true),
            Self::Slew(offset) => clock.slew(offset).map(|()| true),
            Self::Panic(_) => Ok(false),
        }
    }
}

/// A new system estimate after selection and combining (RFC 5905 §11).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SystemUpdate<const N: usize> {
    /// Combined offset Θ: how far the servers' time is ahead of ours. Era-less like
    /// [`SyncResult::offset`]: beyond ±2³¹ s it aliases; to set a clock from scratch use
    /// [`corrected_unix`](Self::corrected_unix).
    pub offset: NtpDuration,
    /// Uncertainty: the system peer's root distance.
    pub uncertainty: NtpDuration,
    /// System jitter: √(selection jitter² + peer jitter²) of the system peer.
    pub jitter: NtpDuration,
    /// The survivors of selection and clustering, system peer first.
    pub selected: Vec<PeerId, N>,
    /// Stratum the client would advertise: the system peer's + 1.
    pub stratum: Stratum,
    /// Leap indicator held by a majority of the survivors, else none.
    pub leap: LeapIndicator,
    /// The system peer's reference ID.
    pub reference_id: ReferenceId,
    /// What to do with the clock.
    pub decision: Decision,
}

impl<const N: usize> SystemUpdate<N> {
    /// The servers' time when the local clock reads `now`: `now + offset`, modulo the
    /// era, so right even when the offset aliases.
    pub fn corrected_time(&self, now: NtpTimestamp) -> NtpTimestamp {
        now.wrapping_add(self.offset)
    }

    /// [`corrected_time`](Self::corrected_time) as Unix time in the era nearest
    /// `pivot_unix_seconds` (within ±68 years of it): what a device whose clock read
    /// 1900, 1970 or 2000 at boot sets its clock to on a [`Decision::Step`]. Pass the
    /// local clock's reading as `now` and a time known to be within 68 years of the
    /// truth (the build date) as the pivot.
    pub fn corrected_unix(&self, now: NtpTimestamp, pivot_unix_seconds: i64) -> UnixTime {
        self.corrected_time(now).to_unix_near(pivot_unix_seconds)
    }
}

/// Something the caller should know.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event<const N: usize> {
    /// A server's reply was accepted.
    Sample {
        /// The server.
        server: PeerId,
        /// The exchange's result.
        result: SyncResult,
    },
    /// A server sent a kiss-o'-death (acted on as RFC 5905 §7.4 says).
    KissOfDeath {
        /// The server.
        server: PeerId,
        /// The code.
        code: KissCode,
    },
    /// No reply within the response timeout.
    Timeout {
        /// The server.
        server: PeerId,
    },
    /// A new system estimate.
    Update(SystemUpdate<N>),
    /// A request to the server could not be authenticated, so none was sent this poll
    /// (with NTS: no cookie left, run NTS-KE again and replace the session).
    AuthUnavailable {
        /// The server.
        server: PeerId,
        /// Why.
        error: RequestError,
    },
}

/// A request to send, written into the caller's buffer by
/// [`Client::poll_transmit`](super::Client::poll_transmit).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[must_use]
pub struct Transmit {
    /// The server.
    pub server: PeerId,
    /// Its address.
    pub addr: SocketAddr,
    /// Bytes written at the start of the buffer.
    pub len: usize,
}

/// Why a server could not be added.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ClientError {
    /// All `N` slots are taken.
    Full,
    /// The address is already a server.
    Duplicate,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full => "no free server slot",
            Self::Duplicate => "server already added",
        })
    }
}

impl core::error::Error for ClientError {}

#[cfg(feature = "defmt")]
impl defmt::Format for Transmit {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Transmit {{ server: {}, addr: ", self.server);
        defmt_addr(f, &self.addr);
        defmt::write!(f, ", len: {=usize} }}", self.len);
    }
}

//! Settings: per server ([`PeerConfig`]) and for the whole client
//! ([`ClientConfig`]), with the protocol constants they are bounded by.

use core::time::Duration;

use crate::exchange::ValidationConfig;
use crate::time::NtpDuration;
use crate::wire::Version;

/// Smallest poll exponent accepted: 2⁴ = 16 s, above RFC 4330 §10's 15 s floor.
pub const MIN_POLL: i8 = 4;
/// Largest poll exponent accepted: 2¹⁷ s ≈ 36 h (RFC 5905 `MAXPOLL`).
pub const MAX_POLL: i8 = 17;
/// Exchanges in an initial burst (`iburst`), 2 s apart.
pub const BURST_LEN: u8 = 4;
/// Spacing of burst exchanges.
pub const BURST_SPACING: Duration = Duration::from_secs(2);
/// Consecutive unanswered requests after which a server that has not answered within
/// its last 8 polls stops counting towards [`ClientConfig::min_sources`]'s default
/// majority: the length of the initial burst.
pub const UNREACHABLE_AFTER: u8 = BURST_LEN;
/// Events queued before the oldest is dropped.
pub const EVENT_CAPACITY: usize = 8;

/// Per-server settings.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PeerConfig {
    /// NTP version to speak: default 4.
    pub version: Version,
    /// Smallest poll exponent, clamped to [`MIN_POLL`]..=[`MAX_POLL`]: default 6 (64 s).
    pub min_poll: i8,
    /// Largest poll exponent, clamped likewise: default 10 (1024 s).
    pub max_poll: i8,
    /// Start with [`BURST_LEN`] exchanges 2 s apart: default true.
    pub iburst: bool,
    /// Prefer this server as system peer when it survives selection: default false.
    pub prefer: bool,
    /// Ask this server for interleaved replies (RFC 9769 §3,
    /// [`ClientRequest::interleaved`](crate::exchange::ClientRequest::interleaved)):
    /// default false. A server without the mode answers basic replies, used as usual.
    pub interleaved: bool,
}

impl Default for PeerConfig {
    fn default() -> Self {
        Self {
            version: Version::V4,
            min_poll: 6,
            max_poll: 10,
            iburst: true,
            prefer: false,
            interleaved: false,
        }
    }
}

impl PeerConfig {
    pub(crate) const fn bounds(&self) -> (i8, i8) {
        let min = clamp_poll(self.min_poll);
        let max = clamp_poll(self.max_poll);
        if max < min { (min, min) } else { (min, max) }
    }
}

const fn clamp_poll(p: i8) -> i8 {
    if p < MIN_POLL {
        MIN_POLL
    } else if p > MAX_POLL {
        MAX_POLL
    } else {
        p
    }
}

/// Client-wide settings.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClientConfig {
    /// Limits every reply must meet.
    pub validation: ValidationConfig,
    /// How long to wait for each reply: default 2 s.
    pub response_timeout: Duration,
    /// The first request to a new server goes out after a random delay below this
    /// (RFC 4330 §10 step 2): default 2 s.
    pub startup_window: Duration,
    /// Offsets beyond this are stepped, below it slewed: default 128 ms (RFC 5905
    /// `STEPT`).
    pub step_threshold: NtpDuration,
    /// Offsets beyond this are a panic, not a step: default 1000 s (`PANICT`). Once
    /// synchronized, single samples beyond it are rejected as `StepTooLarge`.
    pub panic_threshold: NtpDuration,
    /// Allow the first update to step by any amount (like `ntpd -g`): default true.
    pub allow_startup_step: bool,
    /// How long DENY or RSTR silences a server (an unauthenticated KoD may be forged,
    /// so it is not forever): default 1 h.
    pub deny_hold: Duration,
    /// Fewest servers that must offer a sample before any update. Default 0: a majority
    /// of the servers that *count*, which are the active servers (not denied) that
    /// either answered one of their last 8 polls or have not yet missed
    /// [`UNREACHABLE_AFTER`] requests in a row. At start-up every server counts, so a
    /// falseticker that answers first cannot set the clock alone; a server that never
    /// answers stops counting once its initial burst has timed out, so one dead server
    /// of two does not deny time (RFC 5905 §11.2.1 counts the majority among
    /// candidates; ntpd's `minsane` and chrony's `minsources` default to 1). A non-zero
    /// value is an absolute floor (capped at the number of configured servers).
    pub min_sources: u8,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            validation: ValidationConfig::default(),
            response_timeout: Duration::from_secs(2),
            startup_window: Duration::from_secs(2),
            step_threshold: NtpDuration::from_nanos(128_000_000).unwrap_or(NtpDuration::MAX),
            panic_threshold: NtpDuration::from_seconds(1000),
            allow_startup_step: true,
            deny_hold: Duration::from_secs(3600),
            min_sources: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_bounds_are_clamped_and_ordered() {
        let c = PeerConfig { min_poll: -5, max_poll: 99, ..PeerConfig::default() };
        assert_eq!(c.bounds(), (MIN_POLL, MAX_POLL));
        let c = PeerConfig { min_poll: 9, max_poll: 6, ..PeerConfig::default() };
        assert_eq!(c.bounds(), (9, 9));
        assert_eq!(PeerConfig::default().bounds(), (6, 10));
    }
}

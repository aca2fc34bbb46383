//! One server as the client keeps it: its [`Peer`] state (requests, timers, reach,
//! filter), and the [`PeerStats`] and [`PeerState`] it shows the caller.

use core::net::SocketAddr;
use core::time::Duration;

use super::config::{BURST_LEN, BURST_SPACING, PeerConfig, UNREACHABLE_AFTER};
#[cfg(feature = "defmt")]
use super::ids::defmt_addr;
use super::mitigation::{ClockFilter, PeerEstimate};
use crate::exchange::{ClientRequest, PendingRequest, SyncResult};
use crate::time::Instant;
use crate::time::NtpShort;
use crate::wire::{LeapIndicator, Poll, ReferenceId, Stratum};

/// Whether a server is in use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PeerState {
    /// Polled normally.
    Active,
    /// Silenced by DENY/RSTR until the given instant.
    Denied {
        /// When polling resumes.
        until: Instant,
    },
}

/// What `ntpq -p` shows for a server.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PeerStats {
    /// The address.
    pub addr: SocketAddr,
    /// Reach register: bit 0 is the latest poll, set if it was answered.
    pub reach: u8,
    /// Current poll exponent.
    pub poll: i8,
    /// When the last sample arrived, if ever.
    pub last_sample: Option<Instant>,
    /// The clock filter's estimate, if any sample is held.
    pub estimate: Option<PeerEstimate>,
    /// Stratum from the last sample.
    pub stratum: Stratum,
    /// Reference ID from the last sample.
    pub reference_id: ReferenceId,
    /// Active or denied.
    pub state: PeerState,
    /// Whether the last update selected it (survived selection and clustering).
    pub selected: bool,
    /// Whether it is the system peer.
    pub system_peer: bool,
}

#[derive(Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(super) struct Outstanding {
    pub(super) pending: PendingRequest,
    pub(super) deadline: Instant,
}

/// What selection needs from a server's latest sample (not the whole `SyncResult`:
/// this is per server, in RAM).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct LastSample {
    pub(super) at: Instant,
    pub(super) stratum: Stratum,
    pub(super) leap: LeapIndicator,
    pub(super) reference_id: ReferenceId,
    pub(super) root_delay: NtpShort,
    pub(super) root_dispersion: NtpShort,
}

impl LastSample {
    pub(super) fn new(at: Instant, r: &SyncResult) -> Self {
        Self {
            at,
            stratum: r.stratum(),
            leap: r.leap(),
            reference_id: r.reference_id(),
            root_delay: r.root_delay(),
            root_dispersion: r.root_dispersion(),
        }
    }
}

#[derive(Debug, Hash)]
pub(super) struct Peer {
    pub(super) addr: SocketAddr,
    pub(super) config: PeerConfig,
    pub(super) request: ClientRequest,
    pub(super) reach: u8,
    /// Effective poll exponent: `poll_base`, raised by timeouts and RATE.
    pub(super) poll: i8,
    /// Normal poll exponent: starts at min_poll, one step up per 8 good samples.
    pub(super) poll_base: i8,
    pub(super) next_poll: Instant,
    pub(super) burst: u8,
    pub(super) good_streak: u8,
    /// Requests that timed out since the last sample (saturating).
    pub(super) misses: u8,
    pub(super) outstanding: Option<Outstanding>,
    pub(super) filter: ClockFilter,
    pub(super) last: Option<LastSample>,
    pub(super) state: PeerState,
    pub(super) selected: bool,
}

impl Peer {
    /// A new peer for `addr`, first polled at `first_poll`, with an initial burst if
    /// `config` asks for one.
    pub(super) fn new(addr: SocketAddr, config: PeerConfig, first_poll: Instant) -> Self {
        let (min_poll, _) = config.bounds();
        let request = ClientRequest::new().version(config.version).poll(Poll(min_poll));
        Self {
            addr,
            config,
            request: if config.interleaved { request.interleaved() } else { request },
            reach: 0,
            poll: min_poll,
            poll_base: min_poll,
            next_poll: first_poll,
            burst: if config.iburst { BURST_LEN } else { 0 },
            good_streak: 0,
            misses: 0,
            outstanding: None,
            filter: ClockFilter::new(),
            last: None,
            state: PeerState::Active,
            selected: false,
        }
    }

    pub(super) fn interval(&self) -> Duration {
        if self.burst > 0 { BURST_SPACING } else { Duration::from_secs(1u64 << self.poll.clamp(0, 62)) }
    }

    /// Whether this peer counts towards the default majority (see
    /// [`ClientConfig::min_sources`]).
    pub(super) fn counts(&self) -> bool {
        self.state == PeerState::Active && (self.reach != 0 || self.misses < UNREACHABLE_AFTER)
    }

    /// When this peer next needs attention.
    pub(super) fn deadline(&self) -> Instant {
        match (&self.outstanding, self.state) {
            (Some(o), _) => o.deadline,
            (None, PeerState::Denied { until }) => until,
            (None, PeerState::Active) => self.next_poll,
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for PeerStats {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "PeerStats {{ addr: ");
        defmt_addr(f, &self.addr);
        defmt::write!(
            f,
            ", reach: {=u8:o}, poll: {=i8}, estimate: {}, stratum: {}, state: {}, selected: {=bool} }}",
            self.reach,
            self.poll,
            self.estimate,
            self.stratum,
            self.state,
            self.selected
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Peer {
        Peer::new(SocketAddr::from(([192, 0, 2, 1], 123)), PeerConfig::default(), Instant::from_nanos(5))
    }

    #[test]
    fn a_peer_counts_until_it_misses_its_burst() {
        let mut p = peer();
        assert!(p.counts());
        p.misses = UNREACHABLE_AFTER - 1;
        assert!(p.counts());
        p.misses = UNREACHABLE_AFTER;
        assert!(!p.counts(), "unreachable after a burst of misses");
        p.reach = 0b1000_0000;
        assert!(p.counts(), "an answer within 8 polls counts");
        p.state = PeerState::Denied { until: Instant::from_nanos(9) };
        assert!(!p.counts(), "a denied peer never counts");
    }

    #[test]
    fn interval_and_deadline() {
        let mut p = peer();
        assert_eq!(p.interval(), BURST_SPACING);
        p.burst = 0;
        assert_eq!(p.interval(), Duration::from_secs(64));
        assert_eq!(p.deadline(), Instant::from_nanos(5));
        p.state = PeerState::Denied { until: Instant::from_nanos(9) };
        assert_eq!(p.deadline(), Instant::from_nanos(9));
    }
}

//! [`Client`]: the sans-IO NTP client for up to `N` servers.

use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;

use heapless::{Deque, Vec};

use crate::client::mitigation::{Candidate, ClockFilter, PeerEstimate, Stage, cluster, combine, intersect};
use crate::client::request::{ClientRequest, NonceSource, PendingRequest, RequestError};
use crate::client::server_auth::{NoAuth, ServerAuth};
use crate::client::{Reject, Reply, SyncResult, ValidationConfig};
use crate::math::NtpDuration;
use crate::wire::{KissCode, LeapIndicator, NtpTimestamp, PacketView, Poll, ReferenceId, Stratum, Version};

/// A point on the caller's monotonic clock, in nanoseconds since an arbitrary origin.
/// It never goes backwards and is not stepped with the wall clock; all timers use it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant(u64);

impl Instant {
    /// The instant `nanos` ns after the origin.
    pub const fn from_nanos(nanos: u64) -> Self {
        Self(nanos)
    }

    /// The instant `d` after the origin (saturating at about 584 years).
    pub const fn from_duration(d: Duration) -> Self {
        let nanos = d.as_nanos();
        Self(if nanos > u64::MAX as u128 { u64::MAX } else { nanos as u64 })
    }

    /// Nanoseconds since the origin.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating.
    pub const fn saturating_add(self, d: Duration) -> Self {
        Self(self.0.saturating_add(Self::from_duration(d).0))
    }

    /// `self − earlier`, or zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

/// Index of a server's slot in a [`Client`]: `0..N`, and `N` is at most 256, so each
/// slot has its own ID.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ServerId(pub u8);

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
pub struct ServerConfig {
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self { version: Version::V4, min_poll: 6, max_poll: 10, iburst: true, prefer: false }
    }
}

impl ServerConfig {
    const fn bounds(&self) -> (i8, i8) {
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
    pub selected: Vec<ServerId, N>,
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
    pub fn corrected_unix(&self, now: NtpTimestamp, pivot_unix_seconds: i64) -> crate::wire::UnixTime {
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
        server: ServerId,
        /// The exchange's result.
        result: SyncResult,
    },
    /// A server sent a kiss-o'-death (acted on as RFC 5905 §7.4 says).
    KissOfDeath {
        /// The server.
        server: ServerId,
        /// The code.
        code: KissCode,
    },
    /// No reply within the response timeout.
    Timeout {
        /// The server.
        server: ServerId,
    },
    /// A new system estimate.
    Update(SystemUpdate<N>),
    /// A request to the server could not be authenticated, so none was sent this poll
    /// (with NTS: no cookie left, run NTS-KE again and replace the session).
    AuthUnavailable {
        /// The server.
        server: ServerId,
        /// Why.
        error: RequestError,
    },
}

/// A request to send, written into the caller's buffer by [`Client::poll_transmit`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[must_use]
pub struct Transmit {
    /// The server.
    pub server: ServerId,
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
pub struct ServerStats {
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
struct Outstanding {
    pending: PendingRequest,
    deadline: Instant,
}

/// What selection needs from a server's latest sample (not the whole `SyncResult`:
/// this is per server, in RAM).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct LastSample {
    at: Instant,
    stratum: Stratum,
    leap: LeapIndicator,
    reference_id: ReferenceId,
    root_delay: crate::wire::NtpShort,
    root_dispersion: crate::wire::NtpShort,
}

impl LastSample {
    fn new(at: Instant, r: &SyncResult) -> Self {
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
struct Peer {
    addr: SocketAddr,
    config: ServerConfig,
    request: ClientRequest,
    reach: u8,
    /// Effective poll exponent: `poll_base`, raised by timeouts and RATE.
    poll: i8,
    /// Normal poll exponent: starts at min_poll, one step up per 8 good samples.
    poll_base: i8,
    next_poll: Instant,
    burst: u8,
    good_streak: u8,
    /// Requests that timed out since the last sample (saturating).
    misses: u8,
    outstanding: Option<Outstanding>,
    filter: ClockFilter,
    last: Option<LastSample>,
    state: PeerState,
    selected: bool,
}

impl Peer {
    fn interval(&self) -> Duration {
        if self.burst > 0 { BURST_SPACING } else { Duration::from_secs(1u64 << self.poll.clamp(0, 62)) }
    }

    /// Whether this peer counts towards the default majority (see
    /// [`ClientConfig::min_sources`]).
    fn counts(&self) -> bool {
        self.state == PeerState::Active && (self.reach != 0 || self.misses < UNREACHABLE_AFTER)
    }

    /// When this peer next needs attention.
    fn deadline(&self) -> Instant {
        match (&self.outstanding, self.state) {
            (Some(o), _) => o.deadline,
            (None, PeerState::Denied { until }) => until,
            (None, PeerState::Active) => self.next_poll,
        }
    }
}

/// The sans-IO NTP client for up to `N` servers.
///
/// # Call contract
///
/// Time comes in two kinds: `now` is the caller's monotonic [`Instant`] (timers,
/// never stepped); T1 and T4 are wall-clock [`NtpTimestamp`]s (what is measured). Time
/// never goes backwards: calls must use non-decreasing `now`.
///
/// 1. [`handle_timeout(now)`](Self::handle_timeout) whenever `now` reaches
///    [`poll_timeout()`](Self::poll_timeout) (calling it early or twice is harmless).
/// 2. Drain [`poll_transmit(now, t1, …)`](Self::poll_transmit) until `None`; send each
///    request; if a more exact send time is known, report it with
///    [`handle_sent`](Self::handle_sent).
/// 3. For each datagram received: [`handle_response(now, src, bytes, t4)`](Self::handle_response).
///    It never causes a transmit (transmits come only from `poll_transmit`), and a
///    rejected datagram changes nothing, not even a timer.
/// 4. Drain [`poll_event()`](Self::poll_event) and act on [`Event::Update`]'s decision.
/// 5. Sleep until [`poll_timeout()`](Self::poll_timeout) or the next datagram.
///
/// The client never reads a clock, sets a clock, touches a socket or allocates.
#[derive(Debug)]
pub struct Client<const N: usize> {
    config: ClientConfig,
    peers: [Option<Peer>; N],
    events: Deque<Event<N>, EVENT_CAPACITY>,
    synchronized: bool,
    system_peer: Option<usize>,
}

impl<const N: usize> Client<N> {
    /// A client with no servers.
    ///
    /// `N` is at most 256, so that every slot has its own [`ServerId`]; a larger `N`
    /// does not compile:
    ///
    /// ```compile_fail
    /// # use ntpkit::client::{Client, ClientConfig};
    /// let client = Client::<257>::new(ClientConfig::default());
    /// ```
    pub fn new(config: ClientConfig) -> Self {
        const { assert!(N <= 256, "Client<N>: N must be at most 256 (ServerId is a u8)") };
        Self {
            config,
            peers: [const { None }; N],
            events: Deque::new(),
            synchronized: false,
            system_peer: None,
        }
    }

    /// Adds a server; its first request goes out after a random delay within
    /// [`ClientConfig::startup_window`], drawn from `nonces`.
    pub fn add_server(
        &mut self,
        now: Instant,
        addr: SocketAddr,
        config: ServerConfig,
        nonces: &mut impl NonceSource,
    ) -> Result<ServerId, ClientError> {
        if self.peers.iter().flatten().any(|p| crate::client::same_server(p.addr, addr)) {
            return Err(ClientError::Duplicate);
        }
        let Some((index, slot)) = self.peers.iter_mut().enumerate().find(|(_, p)| p.is_none()) else {
            return Err(ClientError::Full);
        };
        let window = u64::try_from(self.config.startup_window.as_nanos()).unwrap_or(u64::MAX).max(1);
        let delay = crate::client::mitigation::div_rem_u64(nonces.next_nonce(), window).1;
        let (min_poll, _) = config.bounds();
        *slot = Some(Peer {
            addr,
            config,
            request: ClientRequest::new().version(config.version).poll(Poll(min_poll)),
            reach: 0,
            poll: min_poll,
            poll_base: min_poll,
            next_poll: Instant(now.0.saturating_add(delay)),
            burst: if config.iburst { BURST_LEN } else { 0 },
            good_streak: 0,
            misses: 0,
            outstanding: None,
            filter: ClockFilter::new(),
            last: None,
            state: PeerState::Active,
            selected: false,
        });
        Ok(ServerId(u8::try_from(index).unwrap_or(u8::MAX)))
    }

    /// Removes a server; a reply still in flight from it is then rejected.
    pub fn remove_server(&mut self, id: ServerId) -> bool {
        let removed = self.peers.get_mut(usize::from(id.0)).and_then(Option::take).is_some();
        if removed && self.system_peer == Some(usize::from(id.0)) {
            self.system_peer = None;
        }
        removed
    }

    /// The earliest instant at which [`handle_timeout`](Self::handle_timeout) or
    /// [`poll_transmit`](Self::poll_transmit) has work, or `None` with no servers.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.peers.iter().flatten().map(Peer::deadline).min()
    }

    /// Expires timers: unanswered requests time out (the poll backs off) and denied
    /// servers whose hold ended become active again. When a server stops counting
    /// towards the majority (see [`ClientConfig::min_sources`]), the others are
    /// reconsidered at once, which can queue an [`Event::Update`]. Never transmits.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut dropped_out = false;
        for (index, slot) in self.peers.iter_mut().enumerate() {
            let Some(peer) = slot else { continue };
            if peer.outstanding.as_ref().is_some_and(|o| now >= o.deadline) {
                let counted = peer.counts();
                peer.outstanding = None;
                peer.good_streak = 0;
                peer.misses = peer.misses.saturating_add(1);
                dropped_out |= counted && !peer.counts();
                if peer.burst == 0 {
                    let (_, max) = peer.config.bounds();
                    peer.poll = peer.poll.saturating_add(1).min(max);
                }
                push_event(&mut self.events, Event::Timeout { server: id(index) });
            }
            if let PeerState::Denied { until } = peer.state {
                if now >= until {
                    peer.state = PeerState::Active;
                    peer.next_poll = now;
                }
            }
        }
        if dropped_out {
            self.update(now);
        }
    }

    /// Writes the next due request into `buf` and returns where to send it, or `None`
    /// if no request is due. `t1` is the wall clock now (the send time; refine it with
    /// [`handle_sent`](Self::handle_sent)). Requests are not authenticated; see
    /// [`poll_transmit_with`](Self::poll_transmit_with).
    pub fn poll_transmit(
        &mut self,
        now: Instant,
        t1: NtpTimestamp,
        nonces: &mut impl NonceSource,
        buf: &mut [u8],
    ) -> Result<Option<Transmit>, RequestError> {
        self.poll_transmit_with(now, t1, nonces, buf, &mut NoAuth)
    }

    /// [`poll_transmit`](Self::poll_transmit), with each request authenticated by
    /// `auth` (a symmetric key, NTS, or per server; see [`ServerAuth`]). Pass the same
    /// `auth` to [`handle_response_with`](Self::handle_response_with). A request that
    /// `auth` cannot protect (an NTS session out of cookies) is not sent: the server
    /// skips this poll and an [`Event::AuthUnavailable`] says why.
    pub fn poll_transmit_with(
        &mut self,
        now: Instant,
        t1: NtpTimestamp,
        nonces: &mut impl NonceSource,
        buf: &mut [u8],
        auth: &mut impl ServerAuth,
    ) -> Result<Option<Transmit>, RequestError> {
        for (index, slot) in self.peers.iter_mut().enumerate() {
            let Some(peer) = slot else { continue };
            if peer.outstanding.is_some() || peer.state != PeerState::Active || now < peer.next_poll {
                continue;
            }
            // The poll field carries our current poll exponent (RFC 5905 §7.3).
            peer.request = core::mem::take(&mut peer.request).poll(Poll(peer.poll));
            let (len, pending) = peer.request.build(peer.addr, t1, nonces, buf)?;
            let interval = peer.interval();
            let len = match auth.protect(id(index), buf, len, nonces) {
                Ok(len) => len,
                Err(error) => {
                    peer.next_poll = now.saturating_add(interval);
                    push_event(&mut self.events, Event::AuthUnavailable { server: id(index), error });
                    continue;
                }
            };
            peer.reach <<= 1;
            peer.burst = peer.burst.saturating_sub(1);
            peer.next_poll = now.saturating_add(interval);
            let timeout = self.config.response_timeout.min(interval);
            peer.outstanding = Some(Outstanding { pending, deadline: now.saturating_add(timeout) });
            return Ok(Some(Transmit { server: id(index), addr: peer.addr, len }));
        }
        Ok(None)
    }

    /// Replaces the T1 of the request outstanding to `server` with a more exact send
    /// time (a kernel or hardware transmit timestamp).
    pub fn handle_sent(&mut self, server: ServerId, t1: NtpTimestamp) {
        if let Some(o) = self.peer_mut(server).and_then(|p| p.outstanding.as_mut()) {
            o.pending.set_t1(t1);
        }
    }

    /// Processes a datagram from `source` received at wall time `t4`.
    ///
    /// Only a reply to the request outstanding to that exact address is considered; it
    /// is checked by [`PendingRequest::process`], and once synchronized, a sample whose
    /// offset exceeds the panic threshold is rejected as [`Reject::StepTooLarge`]. A
    /// rejection changes no state at all. Accepted samples and kiss codes queue events;
    /// nothing is ever transmitted from here. Replies are not authenticated; see
    /// [`handle_response_with`](Self::handle_response_with).
    pub fn handle_response(
        &mut self,
        now: Instant,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
    ) -> Result<(), Reject> {
        self.handle_response_with(now, source, datagram, t4, &mut NoAuth)
    }

    /// [`handle_response`](Self::handle_response), with the reply authenticated by
    /// `auth` (the one given to [`poll_transmit_with`](Self::poll_transmit_with)) right
    /// after the source check, before any field is trusted.
    ///
    /// One exception to "a rejection changes nothing": an unauthenticated NTS NAK
    /// ([`Reject::NtsNak`]) queues an [`Event::KissOfDeath`] with
    /// [`KissCode::Ntsn`] and returns `Ok`; the request stays outstanding, so the
    /// authentic reply that may follow is still accepted (RFC 8915 §5.7: the NAK can be
    /// forged; run NTS-KE again if no authentic reply comes by the next poll).
    pub fn handle_response_with<A: ServerAuth>(
        &mut self,
        now: Instant,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        auth: &mut A,
    ) -> Result<(), Reject> {
        let mut validation = self.config.validation;
        if self.synchronized || !self.config.allow_startup_step {
            validation.max_offset = Some(
                validation
                    .max_offset
                    .map_or(self.config.panic_threshold, |m| m.min(self.config.panic_threshold)),
            );
        }
        let Some((index, peer)) = self.peers.iter_mut().enumerate().find_map(|(i, p)| {
            p.as_mut().filter(|p| crate::client::same_server(p.addr, source)).map(|p| (i, p))
        }) else {
            return Err(Reject::UnexpectedSource);
        };
        let Some(outstanding) = peer.outstanding.as_mut() else {
            return Err(Reject::NotAwaitingResponse);
        };
        let server = id(index);
        let mut scratch = A::Scratch::default();
        let verify = |view: &PacketView<&[u8]>| auth.verify(server, view, &mut scratch);
        let reply = match outstanding.pending.process_with(source, datagram, t4, &validation, verify) {
            Ok(reply) => reply,
            Err(Reject::NtsNak) => {
                push_event(&mut self.events, Event::KissOfDeath { server, code: KissCode::Ntsn });
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        auth.accepted(server, &scratch);
        peer.outstanding = None;
        match reply {
            Reply::Sample(result) => {
                peer.reach |= 1;
                peer.misses = 0;
                peer.good_streak = peer.good_streak.saturating_add(1);
                let (_, max) = peer.config.bounds();
                if peer.burst == 0 && peer.good_streak >= 8 && peer.poll_base < max {
                    peer.poll_base = peer.poll_base.saturating_add(1);
                    peer.good_streak = 0;
                }
                // A good reply ends any backoff: back to the normal interval.
                peer.poll = peer.poll_base;
                peer.filter.push(Stage {
                    offset: result.offset(),
                    delay: result.delay(),
                    dispersion: result.dispersion(),
                    at: now.0,
                });
                peer.last = Some(LastSample::new(now, &result));
                push_event(&mut self.events, Event::Sample { server, result });
                self.update(now);
            }
            Reply::KissOfDeath(code) => {
                match code {
                    KissCode::Rate => {
                        // RFC 5905 §7.4: RATE asks for a longer poll. The server's own
                        // poll field says how long; never shorter than twice ours.
                        let (_, max) = peer.config.bounds();
                        let asked = datagram.get(2).map_or(0, |&p| p as i8);
                        peer.poll = peer.poll.saturating_add(1).max(asked).clamp(MIN_POLL, max);
                        peer.burst = 0;
                        peer.next_poll = now.saturating_add(peer.interval());
                    }
                    KissCode::Deny | KissCode::Rstr => {
                        peer.state = PeerState::Denied { until: now.saturating_add(self.config.deny_hold) };
                        peer.reach = 0;
                        peer.filter.clear();
                        peer.last = None;
                    }
                    _ => {}
                }
                push_event(&mut self.events, Event::KissOfDeath { server, code });
            }
        }
        Ok(())
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event<N>> {
        self.events.pop_front()
    }

    /// Clears every clock filter, as after the caller stepped the clock by other means.
    /// (After an [`Decision::Step`] the client does this itself.)
    pub fn reset_filters(&mut self) {
        for peer in self.peers.iter_mut().flatten() {
            peer.filter.clear();
        }
    }

    /// A 64-bit fingerprint (FNV-1a) of the whole protocol state: servers, requests and
    /// nonces in flight, timers, poll and backoff, filters, queued events. It is equal
    /// before and after any rejected datagram; tests and fuzzers use it to check that
    /// (the catalogue's INV-4) without cloning the client.
    pub fn state_fingerprint(&self) -> u64 {
        use core::hash::{Hash, Hasher};
        let mut h = Fnv1a(0xcbf2_9ce4_8422_2325);
        self.peers.hash(&mut h);
        for event in &self.events {
            event.hash(&mut h);
        }
        self.synchronized.hash(&mut h);
        self.system_peer.hash(&mut h);
        h.finish()
    }

    /// The statistics `ntpq -p` shows, for the server in slot `id`.
    pub fn server_stats(&self, id: ServerId, now: Instant) -> Option<ServerStats> {
        let index = usize::from(id.0);
        let peer = self.peers.get(index)?.as_ref()?;
        let precision = self.config.validation.local_precision.to_duration();
        Some(ServerStats {
            addr: peer.addr,
            reach: peer.reach,
            poll: peer.poll,
            last_sample: peer.last.map(|l| l.at),
            estimate: peer.filter.estimate(now.0, precision),
            stratum: peer.last.map_or(Stratum(16), |l| l.stratum),
            reference_id: peer.last.map_or(ReferenceId([0; 4]), |l| l.reference_id),
            state: peer.state,
            selected: peer.selected,
            system_peer: self.system_peer == Some(index),
        })
    }

    /// The ids of the servers currently configured.
    pub fn servers(&self) -> impl Iterator<Item = ServerId> + '_ {
        self.peers.iter().enumerate().filter(|(_, p)| p.is_some()).map(|(i, _)| id(i))
    }

    fn peer_mut(&mut self, server: ServerId) -> Option<&mut Peer> {
        self.peers.get_mut(usize::from(server.0))?.as_mut()
    }

    /// Selection, clustering and combining over the servers with samples.
    fn update(&mut self, now: Instant) {
        let precision = self.config.validation.local_precision.to_duration();
        let mut candidates: Vec<Candidate, N> = Vec::new();
        for (index, slot) in self.peers.iter_mut().enumerate() {
            let Some(peer) = slot else { continue };
            let (Some(estimate), Some(last)) = (peer.filter.estimate(now.0, precision), peer.last) else {
                continue;
            };
            if peer.reach == 0 || peer.state != PeerState::Active {
                continue;
            }
            // λ = δr/2 + εr + δ/2 + ε + Φ·age + ψ (RFC 5905 §11.2.1 root distance).
            let age = crate::client::mitigation::ns_to_duration(now.0.saturating_sub(last.at.0));
            let distance = last
                .root_delay
                .to_duration()
                .halve()
                .saturating_add(last.root_dispersion.to_duration())
                .saturating_add(estimate.delay.halve())
                .saturating_add(estimate.dispersion)
                .saturating_add(crate::math::phi_times(age))
                .saturating_add(estimate.jitter);
            // RFC 5905 drops candidates beyond MAXDIST; allow half again the per-sample
            // limit for the growth of dispersion and jitter since.
            let limit = self.config.validation.max_root_distance;
            if distance >= limit.saturating_add(limit.halve()) {
                continue;
            }
            let _ = candidates.push(Candidate {
                index,
                offset: estimate.offset,
                distance,
                jitter: estimate.jitter,
                stratum: last.stratum.0,
                prefer: peer.config.prefer,
            });
        }
        let needed = match self.config.min_sources {
            0 => (self.peers.iter().flatten().filter(|p| p.counts()).count() >> 1).saturating_add(1),
            n => usize::from(n).min(self.peers.iter().flatten().count()),
        };
        if candidates.is_empty() || candidates.len() < needed {
            return;
        }
        let Some((low, high)) = intersect(&candidates) else { return };
        // Keep the truechimers, compacted in place (swaps, not copies between two
        // vectors: those linked memmove on a Cortex-M).
        let mut survivors = candidates;
        let mut kept = 0usize;
        for i in 0..survivors.len() {
            if survivors.get(i).is_some_and(|c| c.offset >= low && c.offset <= high) {
                crate::client::mitigation::swap_copy(&mut survivors, kept, i);
                kept = kept.saturating_add(1);
            }
        }
        survivors.truncate(kept);
        // Order by stratum, then distance (RFC 5905 §11.2.2 metric).
        crate::client::mitigation::insertion_sort_by_key(&mut survivors, |c| (c.stratum, c.distance));
        let n = survivors.len();
        let n = cluster(&mut survivors, n);
        survivors.truncate(n);
        if let Some(pos) = survivors.iter().position(|c| c.prefer) {
            crate::client::mitigation::swap_copy(&mut survivors, 0, pos);
        }
        let Some(system) = survivors.first().copied() else { return };
        let offset = combine(&survivors);
        let select_jitter =
            crate::client::mitigation::rms_about(system.offset, survivors.iter().map(|c| c.offset), 1);
        let jitter = crate::client::mitigation::ns_to_duration(crate::client::mitigation::isqrt(
            square_ns(select_jitter).saturating_add(square_ns(system.jitter)),
        ));
        let mut selected: Vec<ServerId, N> = Vec::new();
        let mut leaps = [0usize; 4];
        for peer in self.peers.iter_mut().flatten() {
            peer.selected = false;
        }
        for c in &survivors {
            if let Some(peer) = self.peers.get_mut(c.index).and_then(Option::as_mut) {
                peer.selected = true;
                if let Some(last) = peer.last {
                    if let Some(count) = leaps.get_mut(usize::from(last.leap.to_bits())) {
                        *count = count.saturating_add(1);
                    }
                }
            }
            let _ = selected.push(id(c.index));
        }
        let majority = survivors.len() >> 1;
        let leap = [LeapIndicator::InsertSecond, LeapIndicator::DeleteSecond]
            .into_iter()
            .find(|l| leaps.get(usize::from(l.to_bits())).is_some_and(|&c| c > majority))
            .unwrap_or(LeapIndicator::NoWarning);
        let system_addr = self.peers.get(system.index).and_then(Option::as_ref).map(|p| p.addr);
        let magnitude = offset.saturating_abs();
        let decision = if magnitude > self.config.panic_threshold
            && (self.synchronized || !self.config.allow_startup_step)
        {
            Decision::Panic(offset)
        } else if magnitude > self.config.step_threshold {
            Decision::Step(offset)
        } else {
            Decision::Slew(offset)
        };
        let update = SystemUpdate {
            offset,
            uncertainty: system.distance,
            jitter,
            selected,
            stratum: Stratum(system.stratum.saturating_add(1)),
            leap,
            reference_id: system_addr.map_or(ReferenceId([0; 4]), reference_id_of),
            decision,
        };
        self.system_peer = Some(system.index);
        if matches!(decision, Decision::Step(_)) {
            self.reset_filters();
        }
        if !matches!(decision, Decision::Panic(_)) {
            self.synchronized = true;
        }
        push_event(&mut self.events, Event::Update(update));
    }
}

/// FNV-1a, 64-bit: a small, dependency-free hasher for `state_fingerprint`.
struct Fnv1a(u64);

impl core::hash::Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Squares a non-negative duration in ns, clamped to 2^30 ns first.
fn square_ns(d: NtpDuration) -> u64 {
    let ns = d.to_nanos().unsigned_abs().min(1 << 30);
    ns.saturating_mul(ns)
}

/// The reference ID a client of ours would see (RFC 5905 §7.3): the IPv4 address, or the
/// first four bytes of an IPv6 address (the RFC's MD5 hash needs a digest we do not carry).
fn reference_id_of(addr: SocketAddr) -> ReferenceId {
    match addr {
        SocketAddr::V4(v4) => ReferenceId::from_ipv4(*v4.ip()),
        SocketAddr::V6(v6) => {
            let o = v6.ip().octets();
            ReferenceId([o[0], o[1], o[2], o[3]])
        }
    }
}

fn id(index: usize) -> ServerId {
    ServerId(u8::try_from(index).unwrap_or(u8::MAX))
}

fn push_event<const N: usize>(events: &mut Deque<Event<N>, EVENT_CAPACITY>, event: Event<N>) {
    if events.is_full() {
        let _ = events.pop_front();
    }
    let _ = events.push_back(event);
}

/// Writes a socket address with defmt (core's `SocketAddr` has no `defmt::Format`).
#[cfg(feature = "defmt")]
fn defmt_addr(f: defmt::Formatter<'_>, addr: &SocketAddr) {
    match addr {
        SocketAddr::V4(a) => defmt::write!(f, "{=[u8; 4]}:{=u16}", a.ip().octets(), a.port()),
        SocketAddr::V6(a) => defmt::write!(f, "[{=[u8; 16]}]:{=u16}", a.ip().octets(), a.port()),
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Transmit {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Transmit {{ server: {}, addr: ", self.server);
        defmt_addr(f, &self.addr);
        defmt::write!(f, ", len: {=usize} }}", self.len);
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ServerStats {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "ServerStats {{ addr: ");
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

/// Logs the number of servers, whether synchronized, and queued events.
#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for Client<N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Client {{ servers: {=usize}/{=usize}, synchronized: {=bool}, events: {=usize} }}",
            self.peers.iter().flatten().count(),
            N,
            self.synchronized,
            self.events.len()
        );
    }
}

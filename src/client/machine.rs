//! [`Client`]: the sans-IO NTP client for up to `N` servers.

use core::net::SocketAddr;

use heapless::Deque;

use super::config::{ClientConfig, EVENT_CAPACITY, MIN_POLL, PeerConfig};
use super::events::{ClientError, Decision, Event, Transmit};
use super::fingerprint::Fnv1a;
use super::ids::PeerId;
use super::mitigation::Stage;
use super::peer::{LastSample, Outstanding, Peer, PeerState, PeerStats};
use super::peer_auth::{ForServer, PeerAuth};
use super::select::select;
use crate::exchange::{NoAuth, Reject, Reply, RequestError};
use crate::math::int::div_rem_u64;
use crate::time::{Instant, NtpTimestamp};
use crate::traits::NonceSource;
use crate::wire::{HEADER_LEN, KissCode, Poll, ReferenceId, Stratum};

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
    /// `N` is at most 256, so that every slot has its own [`PeerId`]; a larger `N`
    /// does not compile:
    ///
    /// ```compile_fail
    /// # use ntpkit::client::{Client, ClientConfig};
    /// let client = Client::<257>::new(ClientConfig::default());
    /// ```
    pub fn new(config: ClientConfig) -> Self {
        const { assert!(N <= 256, "Client<N>: N must be at most 256 (PeerId is a u8)") };
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
        config: PeerConfig,
        nonces: &mut impl NonceSource,
    ) -> Result<PeerId, ClientError> {
        if self.peers.iter().flatten().any(|p| crate::exchange::same_server(p.addr, addr)) {
            return Err(ClientError::Duplicate);
        }
        let Some((index, slot)) = self.peers.iter_mut().enumerate().find(|(_, p)| p.is_none()) else {
            return Err(ClientError::Full);
        };
        let window = u64::try_from(self.config.startup_window.as_nanos()).unwrap_or(u64::MAX).max(1);
        let delay = div_rem_u64(nonces.next_nonce(), window).1;
        // Nanoseconds added as such: `Duration::from_nanos` would divide by 10^9.
        *slot = Some(Peer::new(addr, config, Instant::from_nanos(now.as_nanos().saturating_add(delay))));
        Ok(PeerId::of_index(index))
    }

    /// Removes a server; a reply still in flight from it is then rejected.
    pub fn remove_server(&mut self, id: PeerId) -> bool {
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
                push_event(&mut self.events, Event::Timeout { server: PeerId::of_index(index) });
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
    /// `auth` (a symmetric key, NTS, or per server; see [`PeerAuth`]). Pass the same
    /// `auth` to [`handle_response_with`](Self::handle_response_with). A request that
    /// `auth` cannot protect (an NTS session out of cookies) is not sent: the server
    /// skips this poll and an [`Event::AuthUnavailable`] says why.
    pub fn poll_transmit_with(
        &mut self,
        now: Instant,
        t1: NtpTimestamp,
        nonces: &mut impl NonceSource,
        buf: &mut [u8],
        auth: &mut (impl PeerAuth + ?Sized),
    ) -> Result<Option<Transmit>, RequestError> {
        for (index, slot) in self.peers.iter_mut().enumerate() {
            let Some(peer) = slot else { continue };
            if peer.outstanding.is_some() || peer.state != PeerState::Active || now < peer.next_poll {
                continue;
            }
            // The poll field carries our current poll exponent (RFC 5905 §7.3).
            peer.request = core::mem::take(&mut peer.request).poll(Poll(peer.poll));
            let server = PeerId::of_index(index);
            let interval = peer.interval();
            let (len, pending) =
                match peer.request.build_with(peer.addr, t1, nonces, buf, &mut ForServer(auth, server)) {
                    Ok(built) => built,
                    // A broken nonce source or a buffer too small for a header: the
                    // caller's to fix, for every server alike.
                    Err(error) if matches!(error, RequestError::Rng) || buf.len() < HEADER_LEN => {
                        return Err(error);
                    }
                    // The authentication could not be added (NTS out of cookies): skip
                    // this server's poll and say why.
                    Err(error) => {
                        peer.next_poll = now.saturating_add(interval);
                        push_event(&mut self.events, Event::AuthUnavailable { server, error });
                        continue;
                    }
                };
            peer.reach <<= 1;
            peer.burst = peer.burst.saturating_sub(1);
            peer.next_poll = now.saturating_add(interval);
            let timeout = self.config.response_timeout.min(interval);
            peer.outstanding = Some(Outstanding { pending, deadline: now.saturating_add(timeout) });
            return Ok(Some(Transmit { server, addr: peer.addr, len }));
        }
        Ok(None)
    }

    /// Replaces the T1 of the request outstanding to `server` with a more exact send
    /// time (a kernel or hardware transmit timestamp).
    pub fn handle_sent(&mut self, server: PeerId, t1: NtpTimestamp) {
        if let Some(o) = self.peer_mut(server).and_then(|p| p.outstanding.as_mut()) {
            o.pending.set_t1(t1);
        }
    }

    /// Processes a datagram from `source` received at wall time `t4`.
    ///
    /// Only a reply to the request outstanding to that exact address is considered; it
    /// is checked by [`PendingRequest::process`](crate::exchange::PendingRequest::process), and once synchronized, a sample whose
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
    pub fn handle_response_with<A: PeerAuth + ?Sized>(
        &mut self,
        now: Instant,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        auth: &mut A,
    ) -> Result<(), Reject> {
        let result = self.receive(now, source, datagram, t4, auth);
        #[cfg(any(feature = "log", all(feature = "defmt", target_os = "none")))]
        if let Err(reject) = &result {
            super::logging::rejected(reject);
        }
        result
    }

    fn receive<A: PeerAuth + ?Sized>(
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
            p.as_mut().filter(|p| crate::exchange::same_server(p.addr, source)).map(|p| (i, p))
        }) else {
            return Err(Reject::UnexpectedSource);
        };
        let Some(outstanding) = peer.outstanding.as_mut() else {
            return Err(Reject::NotAwaitingResponse);
        };
        let server = PeerId::of_index(index);
        let mut auth = ForServer(auth, server);
        let reply = match outstanding.pending.process_with(source, datagram, t4, &validation, &mut auth) {
            Ok(reply) => reply,
            Err(Reject::NtsNak) => {
                push_event(&mut self.events, Event::KissOfDeath { server, code: KissCode::Ntsn });
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        peer.request.follow(&outstanding.pending);
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
                    at: now.as_nanos(),
                });
                peer.last = Some(LastSample::new(now, &result));
                push_event(&mut self.events, Event::Sample { server, result });
                self.update(now);
            }
            Reply::KissOfDeath { code, poll } => {
                match code {
                    KissCode::Rate => {
                        // RFC 5905 §7.4: RATE asks for a longer poll. The server's own
                        // poll field says how long; never shorter than twice ours.
                        let (_, max) = peer.config.bounds();
                        peer.poll = peer.poll.saturating_add(1).max(poll.0).clamp(MIN_POLL, max);
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
    pub fn peer_stats(&self, id: PeerId, now: Instant) -> Option<PeerStats> {
        let index = usize::from(id.0);
        let peer = self.peers.get(index)?.as_ref()?;
        let precision = self.config.validation.local_precision.to_duration();
        Some(PeerStats {
            addr: peer.addr,
            reach: peer.reach,
            poll: peer.poll,
            last_sample: peer.last.map(|l| l.at),
            estimate: peer.filter.estimate(now.as_nanos(), precision),
            stratum: peer.last.map_or(Stratum(16), |l| l.stratum),
            reference_id: peer.last.map_or(ReferenceId([0; 4]), |l| l.reference_id),
            state: peer.state,
            selected: peer.selected,
            system_peer: self.system_peer == Some(index),
        })
    }

    /// The ids of the servers currently configured.
    pub fn servers(&self) -> impl Iterator<Item = PeerId> + '_ {
        self.peers.iter().enumerate().filter(|(_, p)| p.is_some()).map(|(i, _)| PeerId::of_index(i))
    }

    fn peer_mut(&mut self, server: PeerId) -> Option<&mut Peer> {
        self.peers.get_mut(usize::from(server.0))?.as_mut()
    }

    /// Selection over the servers with samples; an update, if any, is applied to the
    /// client's own state and queued.
    fn update(&mut self, now: Instant) {
        let Some((update, system)) = select(&mut self.peers, &self.config, self.synchronized, now) else {
            return;
        };
        self.system_peer = Some(system);
        if matches!(update.decision, Decision::Step(_)) {
            self.reset_filters();
        }
        if !matches!(update.decision, Decision::Panic(_)) {
            self.synchronized = true;
        }
        push_event(&mut self.events, Event::Update(update));
    }
}

fn push_event<const N: usize>(events: &mut Deque<Event<N>, EVENT_CAPACITY>, event: Event<N>) {
    #[cfg(any(feature = "log", all(feature = "defmt", target_os = "none")))]
    super::logging::event(&event);
    if events.is_full() {
        let _ = events.pop_front();
    }
    let _ = events.push_back(event);
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

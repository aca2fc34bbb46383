//! `std` glue: the one-line [`query`] by host name, and the system clock and
//! `std::net::UdpSocket` behind the [`traits`](crate::traits).

use core::net::SocketAddr;
use core::time::Duration;
use std::io;
use std::net::UdpSocket;
use std::time::{Instant, SystemTime};

use crate::time::NtpTimestamp;
use crate::traits::{MonotonicClock, NtpClock, NtpTransport};

mod host;
pub use host::{Attempts, Host, HostError, NTP_PORT, parse_host, query, query_addrs, query_with, resolve};

/// The operating system's clocks: [`SystemTime`] as the wall clock and [`Instant`] as
/// the monotonic clock. Reading only; ntpkit never sets the clock.
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose monotonic origin is now.
    pub fn new() -> Self {
        Self { origin: Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl NtpClock for SystemClock {
    fn now(&mut self) -> NtpTimestamp {
        NtpTimestamp::from_system_time(SystemTime::now()).unwrap_or(NtpTimestamp::ZERO)
    }
}

impl MonotonicClock for SystemClock {
    fn elapsed(&mut self) -> Duration {
        self.origin.elapsed()
    }
}

/// A [`UdpSocket`] as an [`NtpTransport`]; each receive honours its timeout through the
/// socket's read timeout.
#[derive(Debug)]
pub struct UdpTransport {
    socket: UdpSocket,
}

impl UdpTransport {
    /// Wraps a bound socket.
    pub fn new(socket: UdpSocket) -> Self {
        Self { socket }
    }

    /// Binds an ephemeral port on the unspecified address of `server`'s family.
    pub fn bind_for(server: SocketAddr) -> io::Result<Self> {
        let local: SocketAddr = if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }
            .parse()
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        UdpSocket::bind(local).map(Self::new)
    }

    /// Binds an ephemeral port on the unspecified address of `server`'s family and
    /// connects the socket to `server`. The kernel then delivers only datagrams from
    /// `server` and reports an ICMP "port unreachable" as
    /// [`io::ErrorKind::ConnectionRefused`] on the next receive, so a closed port fails
    /// at once instead of waiting for the timeout. For one server per socket.
    pub fn connect(server: SocketAddr) -> io::Result<Self> {
        let transport = Self::bind_for(server)?;
        transport.socket.connect(server)?;
        Ok(transport)
    }

    /// The socket.
    pub fn socket(&self) -> &UdpSocket {
        &self.socket
    }
}

impl NtpTransport for UdpTransport {
    type Error = io::Error;

    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<()> {
        let sent = self.socket.send_to(datagram, to)?;
        if sent == datagram.len() { Ok(()) } else { Err(io::Error::from(io::ErrorKind::WriteZero)) }
    }

    fn recv_from(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<Option<(usize, SocketAddr)>> {
        // A zero read timeout is an error for std; wait at least a microsecond.
        self.socket.set_read_timeout(Some(timeout.max(Duration::from_micros(1))))?;
        match self.socket.recv_from(buf) {
            Ok(got) => Ok(Some(got)),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Request nonces from keyed SipHash over a counter, keyed by the standard library's
/// per-process random keys ([`std::hash::RandomState`], seeded from the operating
/// system). Unpredictable to an off-path attacker without adding a dependency; for a
/// cryptographic RNG implement [`NonceSource`](crate::traits::NonceSource) over your own.
#[derive(Clone, Debug, Default)]
pub struct StdNonces {
    keys: std::hash::RandomState,
    counter: u64,
}

impl StdNonces {
    /// A source with fresh random keys.
    pub fn new() -> Self {
        Self::default()
    }
}

impl crate::traits::NonceSource for StdNonces {
    fn next_nonce(&mut self) -> u64 {
        use std::hash::BuildHasher;
        self.counter = self.counter.wrapping_add(1);
        self.keys.hash_one(self.counter)
    }
}

/// Answers NTP requests on `socket` with [`SystemClock`] time until `max_requests`
/// replies were sent (forever if `None`) or the socket fails. Malformed and non-client
/// packets are dropped without a reply. Returns the number of replies sent.
///
/// T2 is read right after each datagram arrives and T3 right before the reply is sent.
pub fn serve(
    socket: &UdpSocket,
    state: &crate::server::ServerState,
    max_requests: Option<u64>,
) -> io::Result<u64> {
    let mut clock = SystemClock::new();
    let mut buf = [0u8; crate::wire::MAX_PACKET_LEN + 1];
    let mut out = [0u8; crate::wire::HEADER_LEN];
    let mut replies = 0u64;
    while max_requests.is_none_or(|max| replies < max) {
        let (len, from) = socket.recv_from(&mut buf)?;
        let t2 = clock.now();
        let request = buf.get(..len).unwrap_or_default();
        let t3 = clock.now();
        if let Ok(n) = crate::server::respond(request, state, t2, t3, &mut out) {
            socket.send_to(out.get(..n).unwrap_or_default(), from)?;
            replies = replies.saturating_add(1);
        }
    }
    Ok(replies)
}

#[cfg(feature = "defmt")]
impl defmt::Format for SystemClock {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "SystemClock");
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for UdpTransport {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "UdpTransport");
    }
}

/// Logs the counter only: the keys stay secret.
#[cfg(feature = "defmt")]
impl defmt::Format for StdNonces {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "StdNonces {{ counter: {=u64} }}", self.counter);
    }
}

/// Runs a [`Client`](crate::client::Client) over one UDP socket with the system clock:
/// the blocking event loop a daemon or a tool would write. The socket is dual-stack
/// (`[::]`, IPv4 servers reached through v4-mapped addresses) when the system allows it,
/// else IPv4 only.
///
/// With `fast_forward`, the monotonic clock given to the client jumps over idle time
/// between polls, so minutes of polling happen in seconds: for demos and tests against
/// servers on this machine only (it refuses other addresses), never for public servers.
/// Wall-clock T1/T4 are always real: read from the system clock, or from the clock
/// given to [`with_clock`](Self::with_clock) (a disciplined
/// [`SoftClock`](crate::clock::SoftClock), say).
#[derive(Debug)]
pub struct ClientDriver<C = SystemClock> {
    socket: UdpSocket,
    dual_stack: bool,
    /// The monotonic clock.
    clock: SystemClock,
    /// The wall clock for T1 and T4.
    wall: C,
    nonces: StdNonces,
    fast_forward: bool,
    skipped: Duration,
}

impl ClientDriver {
    /// Binds an ephemeral port on `[::]` (dual-stack) or, failing that, `0.0.0.0`.
    pub fn new(fast_forward: bool) -> io::Result<Self> {
        Self::with_clock(fast_forward, SystemClock::new())
    }
}

impl<C: NtpClock> ClientDriver<C> {
    /// [`new`](ClientDriver::new), with T1 and T4 read from `wall`.
    pub fn with_clock(fast_forward: bool, wall: C) -> io::Result<Self> {
        let (socket, dual_stack) = match UdpSocket::bind("[::]:0") {
            Ok(s) => (s, true),
            Err(_) => (UdpSocket::bind("0.0.0.0:0")?, false),
        };
        Ok(Self {
            socket,
            dual_stack,
            clock: SystemClock::new(),
            wall,
            nonces: StdNonces::new(),
            fast_forward,
            skipped: Duration::ZERO,
        })
    }

    /// The wall clock, to steer between runs.
    pub fn wall_mut(&mut self) -> &mut C {
        &mut self.wall
    }

    /// The client's monotonic time now.
    pub fn now(&mut self) -> crate::time::Instant {
        crate::time::Instant::from_duration(self.clock.elapsed().saturating_add(self.skipped))
    }

    /// Adds a server to `client`; refuses non-loopback addresses in fast-forward mode.
    pub fn add_server<const N: usize>(
        &mut self,
        client: &mut crate::client::Client<N>,
        addr: SocketAddr,
        config: crate::client::PeerConfig,
    ) -> io::Result<crate::client::PeerId> {
        if self.fast_forward && !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "fast-forward polls only loopback servers",
            ));
        }
        if !self.dual_stack && addr.is_ipv6() {
            return Err(io::Error::from(io::ErrorKind::AddrNotAvailable));
        }
        let now = self.now();
        client.add_server(now, addr, config, &mut self.nonces).map_err(io::Error::other)
    }

    /// The address to send to on this socket (v4-mapped on a dual-stack socket).
    fn wire_addr(&self, addr: SocketAddr) -> SocketAddr {
        match addr {
            SocketAddr::V4(v4) if self.dual_stack => {
                SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
            }
            other => other,
        }
    }

    /// Runs the client until its monotonic clock has advanced by `duration`, calling
    /// `on_event` for every event. Rejected datagrams are dropped silently (they change
    /// nothing in the client). Unauthenticated; see [`run_with`](Self::run_with).
    pub fn run<const N: usize>(
        &mut self,
        client: &mut crate::client::Client<N>,
        duration: Duration,
        on_event: impl FnMut(&crate::client::Client<N>, crate::client::Event<N>),
    ) -> io::Result<()> {
        self.run_with(client, duration, &mut crate::exchange::NoAuth, on_event)
    }

    /// [`run`](Self::run) with every server authenticated by `auth` (a MAC key, an NTS
    /// session, or one per server: [`PeerAuth`](crate::client::PeerAuth)), through
    /// [`Client::poll_transmit_with`](crate::client::Client::poll_transmit_with) and
    /// [`Client::handle_response_with`](crate::client::Client::handle_response_with).
    pub fn run_with<const N: usize>(
        &mut self,
        client: &mut crate::client::Client<N>,
        duration: Duration,
        auth: &mut impl crate::client::PeerAuth,
        mut on_event: impl FnMut(&crate::client::Client<N>, crate::client::Event<N>),
    ) -> io::Result<()> {
        self.run_steering(client, duration, auth, |_, client, event| on_event(client, event))
    }

    /// [`run_with`](Self::run_with), with `on_event` also given the wall clock, so that
    /// it can steer it: apply a [`Discipline`](crate::discipline::Discipline)'s
    /// [`Correction`](crate::discipline::Correction) to the clock that stamps the next T1.
    pub fn run_steering<const N: usize>(
        &mut self,
        client: &mut crate::client::Client<N>,
        duration: Duration,
        auth: &mut impl crate::client::PeerAuth,
        mut on_event: impl FnMut(&mut C, &crate::client::Client<N>, crate::client::Event<N>),
    ) -> io::Result<()> {
        let end = self.now().saturating_add(duration);
        let mut buf = [0u8; crate::wire::MAX_PACKET_LEN + 1];
        loop {
            let now = self.now();
            if now >= end {
                return Ok(());
            }
            // Events from the last reply first, so a correction they lead to is applied
            // before the next T1 is read.
            while let Some(event) = client.poll_event() {
                on_event(&mut self.wall, client, event);
            }
            client.handle_timeout(now);
            loop {
                let t1 = self.wall.now();
                let tx = client
                    .poll_transmit_with(now, t1, &mut self.nonces, &mut buf, auth)
                    .map_err(io::Error::other)?;
                let Some(tx) = tx else { break };
                self.socket.send_to(buf.get(..tx.len).unwrap_or_default(), self.wire_addr(tx.addr))?;
            }
            while let Some(event) = client.poll_event() {
                on_event(&mut self.wall, client, event);
            }
            let next = client.poll_timeout().unwrap_or(end).min(end);
            let wait = next.saturating_duration_since(now);
            // In fast-forward mode wait for in-flight replies at most 100 ms of real time.
            let slice = if self.fast_forward { wait.min(Duration::from_millis(100)) } else { wait };
            let got = self.receive(client, slice.max(Duration::from_micros(100)), &mut buf, auth)?;
            if self.fast_forward && !got {
                // Nothing answered within the slice: skip to the next timer.
                let later = self.now();
                self.skipped = self.skipped.saturating_add(next.saturating_duration_since(later));
            }
        }
    }

    fn receive<const N: usize>(
        &mut self,
        client: &mut crate::client::Client<N>,
        timeout: Duration,
        buf: &mut [u8],
        auth: &mut impl crate::client::PeerAuth,
    ) -> io::Result<bool> {
        self.socket.set_read_timeout(Some(timeout))?;
        match self.socket.recv_from(buf) {
            Ok((len, from)) => {
                let t4 = self.wall.now();
                // Passed as received: the client's `same_server` maps `::ffff:a.b.c.d`
                // back to IPv4 and keeps a link-local address's scope ID.
                let now = self.now();
                let _ = client.handle_response_with(now, from, buf.get(..len).unwrap_or_default(), t4, auth);
                Ok(true)
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

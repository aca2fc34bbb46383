//! [`ClientDriver`]: the blocking event loop over one UDP socket — the core's
//! [`AsyncDriver`] over a socket that blocks, so the loop is written once.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::string::ToString;

use super::{StdNonces, SystemClock, UdpTransport};
use crate::client::{Client, Event, PeerAuth, PeerConfig, PeerId};
use crate::drive::{AsyncDriver, DriveError};
use crate::exchange::NoAuth;
use crate::time::{Instant, NtpTimestamp};
use crate::traits::{AsyncNtpTransport, MonotonicClock, NtpClock, NtpTransport};

/// Runs a [`Client`] over one UDP socket with the system clock: the blocking event loop
/// a daemon or a tool would write. The socket is dual-stack (`[::]`, IPv4 servers
/// reached through v4-mapped addresses) when the system allows it, else IPv4 only.
///
/// With `fast_forward`, the monotonic clock given to the client jumps over idle time
/// between polls, so minutes of polling happen in seconds: for demos and tests against
/// servers on this machine only (it refuses other addresses), never for public servers.
/// Wall-clock T1/T4 are always real: read from the system clock, or from the clock
/// given to [`with_clock`](Self::with_clock) (a disciplined
/// [`SoftClock`](crate::clock::SoftClock), say).
#[derive(Debug)]
pub struct ClientDriver<C = SystemClock> {
    inner: AsyncDriver<BlockingUdp, Clocks<C>, StdNonces>,
    dual_stack: bool,
}

/// The blocking [`UdpTransport`] behind the async transport trait: each call blocks (at
/// most its timeout) and then is ready, so the driver's future completes without
/// waiting. On a dual-stack socket IPv4 servers are reached through v4-mapped addresses.
#[derive(Debug)]
struct BlockingUdp {
    udp: UdpTransport,
    dual_stack: bool,
}

impl AsyncNtpTransport for BlockingUdp {
    type Error = io::Error;

    async fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<()> {
        let to = match to {
            SocketAddr::V4(v4) if self.dual_stack => {
                SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
            }
            other => other,
        };
        self.udp.send_to(datagram, to)
    }

    async fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> io::Result<Option<(usize, SocketAddr)>> {
        // The source as received: the client's `same_server` maps `::ffff:a.b.c.d` back
        // to IPv4 and keeps a link-local address's scope ID.
        self.udp.recv_from(buf, timeout)
    }
}

/// The wall clock for T1 and T4, and the system's monotonic clock for the timers.
#[derive(Debug)]
struct Clocks<C> {
    wall: C,
    monotonic: SystemClock,
}

impl<C: NtpClock> NtpClock for Clocks<C> {
    fn now(&mut self) -> NtpTimestamp {
        self.wall.now()
    }
}

impl<C> MonotonicClock for Clocks<C> {
    fn elapsed(&mut self) -> Duration {
        self.monotonic.elapsed()
    }
}

/// Polls `future` to completion on this thread. The driver's futures over
/// [`BlockingUdp`] never wait on a waker (every call blocks, then is ready), so this is
/// a loop that normally runs once per call.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::yield_now();
    }
}

fn io_error(e: DriveError<io::Error>) -> io::Error {
    match e {
        DriveError::Transport(e) => e,
        DriveError::NotLoopback => io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
        other => io::Error::other(other.to_string()),
    }
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
        let clocks = Clocks { wall, monotonic: SystemClock::new() };
        let inner = AsyncDriver::new(
            BlockingUdp { udp: UdpTransport::new(socket), dual_stack },
            clocks,
            StdNonces::new(),
        );
        Ok(Self { inner: if fast_forward { inner.fast_forward() } else { inner }, dual_stack })
    }

    /// The wall clock, to steer between runs.
    pub fn wall_mut(&mut self) -> &mut C {
        &mut self.inner.clock_mut().wall
    }

    /// The client's monotonic time now.
    pub fn now(&mut self) -> Instant {
        self.inner.now()
    }

    /// Adds a server to `client`; refuses non-loopback addresses in fast-forward mode
    /// ([`io::ErrorKind::InvalidInput`]) and IPv6 ones on an IPv4-only socket
    /// ([`io::ErrorKind::AddrNotAvailable`]).
    pub fn add_server<const N: usize>(
        &mut self,
        client: &mut Client<N>,
        addr: SocketAddr,
        config: PeerConfig,
    ) -> io::Result<PeerId> {
        if !self.dual_stack && addr.is_ipv6() {
            return Err(io::Error::from(io::ErrorKind::AddrNotAvailable));
        }
        self.inner.add_server(client, addr, config).map_err(io_error)
    }

    /// Runs the client until its monotonic clock has advanced by `duration`, calling
    /// `on_event` for every event. Rejected datagrams are dropped silently (they change
    /// nothing in the client). Unauthenticated; see [`run_with`](Self::run_with).
    pub fn run<const N: usize>(
        &mut self,
        client: &mut Client<N>,
        duration: Duration,
        mut on_event: impl FnMut(&Client<N>, Event<N>),
    ) -> io::Result<()> {
        self.run_steering(client, duration, &mut NoAuth, |_, client, event| on_event(client, event))
    }

    /// [`run`](Self::run) with every server authenticated by `auth` (a MAC key, an NTS
    /// session, or one per server: [`PeerAuth`]), through
    /// [`Client::poll_transmit_with`] and [`Client::handle_response_with`].
    pub fn run_with<const N: usize>(
        &mut self,
        client: &mut Client<N>,
        duration: Duration,
        auth: &mut impl PeerAuth,
        mut on_event: impl FnMut(&Client<N>, Event<N>),
    ) -> io::Result<()> {
        self.run_steering(client, duration, auth, |_, client, event| on_event(client, event))
    }

    /// [`run_with`](Self::run_with), with `on_event` also given the wall clock, so that
    /// it can steer it: apply a [`Discipline`](crate::discipline::Discipline)'s
    /// [`Correction`](crate::discipline::Correction) to the clock that stamps the next T1.
    pub fn run_steering<const N: usize>(
        &mut self,
        client: &mut Client<N>,
        duration: Duration,
        auth: &mut impl PeerAuth,
        mut on_event: impl FnMut(&mut C, &Client<N>, Event<N>),
    ) -> io::Result<()> {
        let run = self.inner.run_steering(client, duration, auth, |clocks, client, event| {
            on_event(&mut clocks.wall, client, event);
        });
        block_on(run).map_err(io_error)
    }
}

/// Logs the socket's kind.
#[cfg(feature = "defmt")]
impl<C> defmt::Format for ClientDriver<C> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "ClientDriver {{ dual_stack: {=bool} }}", self.dual_stack);
    }
}

//! [smoltcp](https://docs.rs/smoltcp) glue for [ntpkit]: the sans-IO client and server
//! on a polled smoltcp UDP socket. `no_std`, no allocation, no async: smoltcp's model is
//! "poll the interface, then the sockets", and ntpkit's client is driven the same way.
//!
//! After each `Interface::poll`, call [`poll_client`]: it hands the client every datagram
//! waiting on its socket, runs its timers, queues the requests it asks for, and returns
//! when it wants to be called next (sleep until the earlier of that and
//! `Interface::poll_delay`). [`poll_server`] answers the requests waiting on a server
//! socket with [`ntpkit::server::respond`].
//!
//! ```no_run
//! # fn demo(iface: &mut smoltcp::iface::Interface, device: &mut smoltcp::phy::Loopback,
//! #         sockets: &mut smoltcp::iface::SocketSet<'_>, handle: smoltcp::iface::SocketHandle,
//! #         clock: &mut impl ntpkit::traits::NtpClock, now: impl Fn() -> smoltcp::time::Instant) {
//! use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
//! use ntpkit_smoltcp::{instant, poll_client};
//!
//! let mut nonces = || 0x0123_4567_89ab_cdef_u64; // use the MCU's RNG
//! let mut client: Client<2> = Client::new(ClientConfig::default());
//! let server = "192.168.69.100:123".parse().unwrap();
//! client.add_server(instant(now()), server, PeerConfig::default(), &mut nonces).unwrap();
//! loop {
//!     iface.poll(now(), device, sockets);
//!     let socket = sockets.get_mut::<smoltcp::socket::udp::Socket>(handle);
//!     let _next = poll_client(&mut client, socket, now(), clock, &mut nonces);
//!     while let Some(event) = client.poll_event() {
//!         if let Event::Update(update) = event { /* steer the clock */ }
//!     }
//!     // sleep until the earlier of `_next` and iface.poll_delay(...)
//! }
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use core::fmt;
use core::net::SocketAddr;

use ntpkit::client::{Client, PeerAuth};
use ntpkit::exchange::{NoAuth, RequestError};
use ntpkit::server::{ServerState, respond};
use ntpkit::traits::{NonceSource, NtpClock};
use ntpkit::wire::{HEADER_LEN, MAX_PACKET_LEN};
use smoltcp::socket::udp;
use smoltcp::wire::{IpAddress, IpEndpoint};

/// Why [`poll_client`] stopped before it was done.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum PollError {
    /// A request could not be built (the nonce source failed).
    Request(RequestError),
    /// The socket refused a request (its transmit buffer is full, or it is unbound).
    Send(udp::SendError),
    /// A server's address family is not enabled (IPv6 without the `ipv6` feature).
    Unaddressable(SocketAddr),
}

impl fmt::Display for PollError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request(e) => write!(f, "request: {e}"),
            Self::Send(e) => write!(f, "socket refused the request: {e}"),
            Self::Unaddressable(a) => write!(f, "{a}: address family not enabled"),
        }
    }
}

impl core::error::Error for PollError {}

/// smoltcp's time (µs since its epoch) as the client's monotonic time; a negative time
/// counts as zero.
pub fn instant(now: smoltcp::time::Instant) -> ntpkit::time::Instant {
    ntpkit::time::Instant::from_nanos(u64::try_from(now.total_micros()).unwrap_or(0).saturating_mul(1000))
}

/// The client's monotonic time as smoltcp's.
pub fn smoltcp_instant(at: ntpkit::time::Instant) -> smoltcp::time::Instant {
    smoltcp::time::Instant::from_micros(i64::try_from(at.as_nanos() / 1000).unwrap_or(i64::MAX))
}

/// A socket address as a smoltcp endpoint, if its family is enabled.
pub fn endpoint(addr: SocketAddr) -> Option<IpEndpoint> {
    match addr {
        SocketAddr::V4(a) => Some(IpEndpoint::new(IpAddress::Ipv4(*a.ip()), a.port())),
        #[cfg(feature = "ipv6")]
        SocketAddr::V6(a) => Some(IpEndpoint::new(IpAddress::Ipv6(*a.ip()), a.port())),
        #[cfg(not(feature = "ipv6"))]
        SocketAddr::V6(_) => None,
    }
}

/// One turn of `client` on `socket` at smoltcp time `now`, unauthenticated: see
/// [`poll_client_with`].
pub fn poll_client<const N: usize>(
    client: &mut Client<N>,
    socket: &mut udp::Socket<'_>,
    now: smoltcp::time::Instant,
    wall: &mut impl NtpClock,
    nonces: &mut impl NonceSource,
) -> Result<Option<smoltcp::time::Instant>, PollError> {
    poll_client_with(client, socket, now, wall, nonces, &mut NoAuth)
}

/// One turn of `client` on `socket` at smoltcp time `now`: every datagram waiting is
/// handed to the client (T4 read from `wall` as each is dequeued; refused ones change
/// nothing), its timers run, and each request it asks for is queued on the socket (T1
/// from `wall`), authenticated by `auth`. Returns when the client next wants a turn.
/// Events are left queued on the client for the caller (`Client::poll_event`).
pub fn poll_client_with<const N: usize>(
    client: &mut Client<N>,
    socket: &mut udp::Socket<'_>,
    now: smoltcp::time::Instant,
    wall: &mut impl NtpClock,
    nonces: &mut impl NonceSource,
    auth: &mut impl PeerAuth,
) -> Result<Option<smoltcp::time::Instant>, PollError> {
    let now = instant(now);
    while let Ok((datagram, meta)) = socket.recv() {
        let t4 = wall.now();
        let _ = client.handle_response_with(now, SocketAddr::from(meta.endpoint), datagram, t4, auth);
    }
    client.handle_timeout(now);
    let mut buf = [0u8; MAX_PACKET_LEN];
    while socket.can_send() {
        let t1 = wall.now();
        let Some(tx) =
            client.poll_transmit_with(now, t1, nonces, &mut buf, auth).map_err(PollError::Request)?
        else {
            break;
        };
        let to = endpoint(tx.addr).ok_or(PollError::Unaddressable(tx.addr))?;
        socket.send_slice(buf.get(..tx.len).unwrap_or_default(), to).map_err(PollError::Send)?;
    }
    Ok(client.poll_timeout().map(smoltcp_instant))
}

/// Answers every request waiting on `socket` with [`respond`] and `state`: T2 read from
/// `wall` as each is dequeued, T3 right before its reply is queued. Malformed and
/// non-client packets are dropped; a full transmit buffer leaves the rest waiting.
/// Returns the number of replies queued.
pub fn poll_server(socket: &mut udp::Socket<'_>, state: &ServerState, wall: &mut impl NtpClock) -> usize {
    let mut replies = 0usize;
    let mut out = [0u8; HEADER_LEN];
    while socket.can_send() {
        let Ok((request, meta)) = socket.recv() else { break };
        let t2 = wall.now();
        let t3 = wall.now();
        if let Ok(n) = respond(request, state, t2, t3, &mut out)
            && socket.send_slice(out.get(..n).unwrap_or_default(), meta.endpoint).is_ok()
        {
            replies = replies.saturating_add(1);
        }
    }
    replies
}

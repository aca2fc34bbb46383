//! [tokio](https://tokio.rs) glue for [ntpkit]: a UDP transport with timeouts, a
//! one-line async query by host name, and the async driver that runs ntpkit's
//! multi-server [`Client`](ntpkit::client::Client).
//!
//! ```no_run
//! # async fn demo() -> Result<(), ntpkit::std_impls::HostError> {
//! let sample = ntpkit_tokio::query("pool.ntp.org").await?;
//! println!("{} ns off", sample.offset_nanos());
//! # Ok(()) }
//! ```
//!
//! The whole client, polling four servers and reporting each update:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
//!
//! let mut driver = ntpkit_tokio::driver().await?;
//! let mut client: Client<4> = Client::new(ClientConfig::default());
//! for host in ["0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org", "3.pool.ntp.org"] {
//!     let addr = ntpkit_tokio::resolve(host).await?[0];
//!     driver.add_server(&mut client, addr, PeerConfig::default())?;
//! }
//! driver.run(&mut client, Duration::from_secs(3600), |_, event| {
//!     if let Event::Update(update) = event {
//!         println!("offset {} ({:?})", update.offset, update.decision);
//!     }
//! }).await?;
//! # Ok(()) }
//! ```
//!
//! The sans-IO core does the protocol; this crate only moves datagrams and reads the
//! clock. It is a crate of its own, versioned apart from ntpkit, so that a tokio release
//! never forces one of the core.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ntpkit::drive::AsyncDriver;
use ntpkit::exchange::SyncResult;
use ntpkit::sntp::{QueryConfig, QueryError, query_async};
use ntpkit::std_impls::{Attempts, Host, HostError, NTP_PORT, StdNonces, SystemClock, parse_host};
use ntpkit::traits::AsyncNtpTransport;
use tokio::net::UdpSocket;

/// A tokio [`UdpSocket`] as an [`AsyncNtpTransport`]: each receive waits at most its
/// timeout (`tokio::time::timeout`). A dual-stack socket (`[::]`) reaches IPv4 servers
/// through v4-mapped addresses.
#[derive(Debug)]
pub struct TokioTransport {
    socket: UdpSocket,
    dual_stack: bool,
}

impl TokioTransport {
    /// Wraps a bound socket (set `dual_stack` when it is an IPv6 socket that also
    /// carries IPv4).
    pub fn new(socket: UdpSocket, dual_stack: bool) -> Self {
        Self { socket, dual_stack }
    }

    /// Binds an ephemeral port on `[::]` (dual-stack) or, failing that, `0.0.0.0`:
    /// one socket for servers of both families.
    pub async fn bind() -> io::Result<Self> {
        match UdpSocket::bind("[::]:0").await {
            Ok(socket) => Ok(Self::new(socket, true)),
            Err(_) => Ok(Self::new(UdpSocket::bind("0.0.0.0:0").await?, false)),
        }
    }

    /// Binds an ephemeral port of `server`'s family and connects it to `server`: the
    /// kernel then delivers only its datagrams, and a closed port fails at once
    /// ([`io::ErrorKind::ConnectionRefused`]) instead of after the timeout.
    pub async fn connect(server: SocketAddr) -> io::Result<Self> {
        let local = if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
        let socket = UdpSocket::bind(local).await?;
        socket.connect(server).await?;
        Ok(Self::new(socket, false))
    }

    /// The socket.
    pub fn socket(&self) -> &UdpSocket {
        &self.socket
    }

    /// The address to send to on this socket (v4-mapped on a dual-stack one).
    fn wire_addr(&self, addr: SocketAddr) -> SocketAddr {
        match addr {
            SocketAddr::V4(v4) if self.dual_stack => {
                SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
            }
            other => other,
        }
    }
}

impl AsyncNtpTransport for TokioTransport {
    type Error = io::Error;

    async fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<()> {
        let sent = self.socket.send_to(datagram, self.wire_addr(to)).await?;
        if sent == datagram.len() { Ok(()) } else { Err(io::Error::from(io::ErrorKind::WriteZero)) }
    }

    async fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> io::Result<Option<(usize, SocketAddr)>> {
        // The source as received: ntpkit's `same_server` maps `::ffff:a.b.c.d` back to
        // IPv4 and keeps a link-local address's scope ID.
        match tokio::time::timeout(timeout, self.socket.recv_from(buf)).await {
            Ok(got) => got.map(Some),
            Err(_elapsed) => Ok(None),
        }
    }
}

/// The async driver over tokio: a dual-stack [`TokioTransport`], the system clock, and
/// [`StdNonces`].
pub type Driver = AsyncDriver<TokioTransport, SystemClock, StdNonces>;

/// A [`Driver`] on a fresh dual-stack socket.
pub async fn driver() -> io::Result<Driver> {
    Ok(AsyncDriver::new(TokioTransport::bind().await?, SystemClock::new(), StdNonces::new()))
}

/// The addresses of `host` (a name or an address, with or without a port; 123 by
/// default), through tokio's resolver; address literals never reach it.
pub async fn resolve(host: &str) -> Result<Vec<SocketAddr>, HostError> {
    let (name, port) = match parse_host(host, NTP_PORT)? {
        Host::Addr(addr) => return Ok(vec![addr]),
        Host::Name { name, port } => (name, port),
    };
    let resolve_error = |error| HostError::Resolve { name: name.to_string(), error };
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((name, port)).await.map_err(resolve_error)?.collect();
    if addrs.is_empty() {
        return Err(resolve_error(io::Error::new(io::ErrorKind::NotFound, "no addresses")));
    }
    Ok(addrs)
}

/// Asks `host` for the time with the default settings: the async twin of
/// [`ntpkit::query`] — resolves it, tries its addresses in turn until one gives a
/// valid sample, and tells the failures apart the same way ([`HostError`]).
pub async fn query(host: &str) -> Result<SyncResult, HostError> {
    query_with(host, &QueryConfig::default()).await.map(|(_, sample)| sample)
}

/// [`query`] with the settings given; returns the address that answered beside its
/// sample.
pub async fn query_with(host: &str, config: &QueryConfig) -> Result<(SocketAddr, SyncResult), HostError> {
    let addrs = resolve(host).await?;
    let (mut clock, mut nonces) = (SystemClock::new(), StdNonces::new());
    let mut attempts = Attempts::new();
    for server in addrs {
        let result = match TokioTransport::connect(server).await {
            Ok(mut transport) => query_async(&mut clock, &mut transport, &mut nonces, server, config).await,
            Err(e) => Err(QueryError::Transport(e)),
        };
        if let Some(sample) = attempts.record(server, result) {
            return Ok((server, sample));
        }
    }
    Err(attempts.finish())
}

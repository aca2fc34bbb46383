//! `std` glue: the one-line [`query`] by host name, and the system clock and
//! `std::net::UdpSocket` behind the [`traits`](crate::traits).

use core::net::SocketAddr;
use core::time::Duration;
use std::io;
use std::net::UdpSocket;
use std::time::{Instant, SystemTime};

use crate::time::NtpTimestamp;
use crate::traits::{MonotonicClock, NtpClock, NtpTransport};

#[cfg(all(feature = "linux-fast-serve", target_os = "linux"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "linux-fast-serve", target_os = "linux"))))]
pub mod batch;
mod driver;
mod host;
#[cfg(all(feature = "kernel-timestamps", target_os = "linux"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "kernel-timestamps", target_os = "linux"))))]
pub mod kernel_ts;
#[cfg(all(any(feature = "kernel-timestamps", feature = "linux-fast-serve"), target_os = "linux"))]
mod nix_glue;
mod serve;
pub use driver::ClientDriver;
pub use host::{Attempts, Host, HostError, NTP_PORT, parse_host, query, query_addrs, query_with, resolve};
#[cfg(all(feature = "kernel-timestamps", target_os = "linux"))]
pub use serve::serve_timestamped;
pub use serve::{serve, serve_interleaved, serve_limited};

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

//! `std` glue: the system clock and `std::net::UdpSocket` behind the
//! [`traits`](crate::traits).

use core::net::SocketAddr;
use core::time::Duration;
use std::io;
use std::net::UdpSocket;
use std::time::{Instant, SystemTime};

use crate::traits::{MonotonicClock, NtpClock, NtpTransport};
use crate::wire::NtpTimestamp;

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

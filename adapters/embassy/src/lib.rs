//! [embassy](https://embassy.dev) glue for [ntpkit]: a UDP transport over
//! [`embassy_net::udp::UdpSocket`], NTP time on `embassy-time`, and the async driver
//! ([`ntpkit::drive::AsyncDriver`]) that runs ntpkit's multi-server
//! [`Client`](ntpkit::client::Client). `no_std`, no allocation.
//!
//! ```no_run
//! # async fn demo(stack: embassy_net::Stack<'_>) -> Result<(), ntpkit::drive::DriveError<ntpkit_embassy::Error>> {
//! use embassy_net::udp::{PacketMetadata, UdpSocket};
//! use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
//! use ntpkit::NtpTimestamp;
//!
//! let (mut rx_meta, mut tx_meta) = ([PacketMetadata::EMPTY; 4], [PacketMetadata::EMPTY; 4]);
//! let (mut rx, mut tx) = ([0u8; 1024], [0u8; 1024]);
//! let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx, &mut tx_meta, &mut tx);
//! socket.bind(49_123).unwrap();
//! // The time the device believes at boot (a build date, an RTC): the client steps it.
//! let clock = ntpkit_embassy::EmbassyClock::new(NtpTimestamp::from_parts(0xeeac_e73b, 0)).unwrap();
//! let mut nonces = || 0x0123_4567_89ab_cdef_u64; // use the MCU's RNG
//! let mut driver = ntpkit_embassy::driver(socket, clock, &mut nonces);
//! let mut client: Client<2> = Client::new(ClientConfig::default());
//! driver.add_server(&mut client, "192.168.69.100:123".parse().unwrap(), PeerConfig::default())?;
//! driver.run_steering(&mut client, core::time::Duration::from_secs(3600), &mut ntpkit::exchange::NoAuth,
//!     |clock, _, event| {
//!         if let Event::Update(update) = event {
//!             let _ = update.decision.apply(clock); // step or slew the embassy clock
//!         }
//!     }).await
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;

use embassy_net::udp::{RecvError, SendError, UdpSocket};
use embassy_net::{IpAddress, IpEndpoint};
use ntpkit::NtpDuration;
use ntpkit::NtpTimestamp;
use ntpkit::clock::{ClockError, Counter, SoftClock};
use ntpkit::drive::AsyncDriver;
use ntpkit::traits::{AsyncNtpTransport, ClockControl, MonotonicClock, NonceSource, NtpClock};

/// Why the transport failed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Error {
    /// embassy-net refused the datagram (no route, socket not bound, …).
    Send(SendError),
    /// A server's address family is not enabled (IPv6 without the `ipv6` feature).
    Unaddressable(SocketAddr),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Send(e) => write!(f, "send: {e:?}"),
            Self::Unaddressable(a) => write!(f, "{a}: address family not enabled"),
        }
    }
}

impl core::error::Error for Error {}

/// An embassy-net [`UdpSocket`] as an [`AsyncNtpTransport`]: each receive waits at most
/// its timeout (`embassy_time::with_deadline`); a datagram too long for the buffer is
/// dropped and the wait goes on.
pub struct EmbassyTransport<'a> {
    socket: UdpSocket<'a>,
    oversized: u32,
}

impl<'a> EmbassyTransport<'a> {
    /// Wraps a bound socket.
    pub fn new(socket: UdpSocket<'a>) -> Self {
        Self { socket, oversized: 0 }
    }

    /// Datagrams dropped so far for being longer than any NTP packet ntpkit accepts.
    pub fn oversized(&self) -> u32 {
        self.oversized
    }

    /// The socket, back.
    pub fn into_socket(self) -> UdpSocket<'a> {
        self.socket
    }
}

/// A socket address as an embassy-net endpoint, if its family is enabled.
pub fn endpoint(addr: SocketAddr) -> Option<IpEndpoint> {
    match addr {
        SocketAddr::V4(a) => Some(IpEndpoint::new(IpAddress::Ipv4(*a.ip()), a.port())),
        #[cfg(feature = "ipv6")]
        SocketAddr::V6(a) => Some(IpEndpoint::new(IpAddress::Ipv6(*a.ip()), a.port())),
        #[cfg(not(feature = "ipv6"))]
        SocketAddr::V6(_) => None,
    }
}

fn embassy_duration(d: Duration) -> embassy_time::Duration {
    embassy_time::Duration::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

impl AsyncNtpTransport for EmbassyTransport<'_> {
    type Error = Error;

    async fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> Result<(), Error> {
        let to = endpoint(to).ok_or(Error::Unaddressable(to))?;
        self.socket.send_to(datagram, to).await.map_err(Error::Send)
    }

    async fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<(usize, SocketAddr)>, Error> {
        let deadline = embassy_time::Instant::now().saturating_add(embassy_duration(timeout));
        loop {
            match embassy_time::with_deadline(deadline, self.socket.recv_from(buf)).await {
                Ok(Ok((len, meta))) => return Ok(Some((len, SocketAddr::from(meta.endpoint)))),
                // Longer than any NTP packet we accept: dropped (smoltcp dequeued it).
                Ok(Err(RecvError::Truncated)) => self.oversized = self.oversized.saturating_add(1),
                Err(_timeout) => return Ok(None),
            }
        }
    }
}

/// embassy-time's tick counter, as a [`Counter`] for a [`SoftClock`].
#[derive(Clone, Copy, Debug, Default)]
pub struct EmbassyTicks;

impl Counter for EmbassyTicks {
    fn read(&mut self) -> u64 {
        embassy_time::Instant::now().as_ticks()
    }
}

/// NTP time on embassy-time: a [`SoftClock`] over its ticks — so a
/// [`Discipline`](ntpkit::discipline::Discipline)'s corrections (frequency, slew, step)
/// apply to it through [`ClockControl`] — and embassy's `Instant` as the monotonic clock.
#[derive(Debug)]
pub struct EmbassyClock {
    soft: SoftClock<EmbassyTicks>,
}

impl EmbassyClock {
    /// A clock that reads `start` now (the time believed at boot; the client steps it).
    pub fn new(start: NtpTimestamp) -> Result<Self, ClockError> {
        Ok(Self { soft: SoftClock::new(EmbassyTicks, embassy_time::TICK_HZ, 64, start)? })
    }

    /// The software clock underneath.
    pub fn soft_clock(&mut self) -> &mut SoftClock<EmbassyTicks> {
        &mut self.soft
    }
}

impl NtpClock for EmbassyClock {
    fn now(&mut self) -> NtpTimestamp {
        self.soft.now()
    }
}

impl MonotonicClock for EmbassyClock {
    fn elapsed(&mut self) -> Duration {
        Duration::from_micros(embassy_time::Instant::now().as_micros())
    }
}

impl ClockControl for EmbassyClock {
    type Error = ClockError;

    fn step(&mut self, offset: NtpDuration) -> Result<(), ClockError> {
        self.soft.step(offset)
    }

    fn slew(&mut self, offset: NtpDuration) -> Result<(), ClockError> {
        self.soft.slew(offset)
    }

    fn set_frequency(&mut self, ppb: i64) -> Result<(), ClockError> {
        self.soft.set_frequency(ppb)
    }
}

/// The async driver over embassy: an [`EmbassyTransport`], an [`EmbassyClock`], and the
/// caller's nonce source (the MCU's RNG).
pub type Driver<'a, R> = AsyncDriver<EmbassyTransport<'a>, EmbassyClock, R>;

/// A [`Driver`] on a bound `socket`.
pub fn driver<R: NonceSource>(socket: UdpSocket<'_>, clock: EmbassyClock, nonces: R) -> Driver<'_, R> {
    AsyncDriver::new(EmbassyTransport::new(socket), clock, nonces)
}

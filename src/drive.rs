//! [`AsyncDriver`]: the event loop that runs a [`Client`] over any
//! [`AsyncNtpTransport`] — the one loop the async adapters (tokio, embassy-net) share,
//! `no_std` and allocation-free. An adapter supplies the transport (a UDP socket whose
//! `recv_from` honours a timeout) and the clocks; the loop sends what the client asks,
//! hands every datagram to it, and waits on the transport until the client's next
//! timer.
//!
//! ```
//! # async fn demo<T: ntpkit::traits::AsyncNtpTransport, C: ntpkit::traits::NtpClock + ntpkit::traits::MonotonicClock>(transport: T, clock: C) -> Result<(), ntpkit::drive::DriveError<T::Error>> {
//! use core::time::Duration;
//! use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
//! use ntpkit::drive::AsyncDriver;
//!
//! let mut nonces = || 0x0123_4567_89ab_cdef_u64; // use a CSPRNG
//! let mut driver = AsyncDriver::new(transport, clock, &mut nonces);
//! let mut client: Client<2> = Client::new(ClientConfig::default());
//! driver.add_server(&mut client, "192.0.2.1:123".parse().unwrap(), PeerConfig::default())?;
//! driver.run(&mut client, Duration::from_secs(600), |_, event| {
//!     if let Event::Update(update) = event {
//!         // apply update.decision to the clock
//!     }
//! }).await
//! # }
//! ```

use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;

use crate::client::{Client, ClientError, Event, PeerAuth, PeerConfig, PeerId};
use crate::exchange::{NoAuth, RequestError};
use crate::time::Instant;
use crate::traits::{AsyncNtpTransport, MonotonicClock, NonceSource, NtpClock};
use crate::wire::MAX_PACKET_LEN;

/// In fast-forward mode, how long the loop waits for replies in flight before it skips
/// to the next timer: 100 ms of real time.
const FAST_FORWARD_SLICE: Duration = Duration::from_millis(100);

/// Why an [`AsyncDriver`] stopped, or refused a server.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DriveError<E> {
    /// The transport failed.
    Transport(E),
    /// A request could not be built (the nonce source failed, or the buffer is short).
    Request(RequestError),
    /// The server could not be added.
    Client(ClientError),
    /// Fast-forward mode polls only servers on this machine (loopback addresses).
    NotLoopback,
}

impl<E: fmt::Display> fmt::Display for DriveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "transport: {e}"),
            Self::Request(e) => write!(f, "request: {e}"),
            Self::Client(e) => write!(f, "{e}"),
            Self::NotLoopback => f.write_str("fast-forward polls only loopback servers"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for DriveError<E> {}

/// Runs a [`Client`] over an [`AsyncNtpTransport`] with a wall clock (T1, T4) and a
/// monotonic clock (the client's timers) from `C`; see the [module docs](self).
///
/// With [`fast_forward`](Self::fast_forward), the monotonic time given to the client
/// jumps over idle time between polls, so minutes of polling pass in seconds: for tests
/// and demos against servers on this machine only (others are refused), never for
/// public servers. T1 and T4 always come from the wall clock as it is.
#[derive(Debug)]
pub struct AsyncDriver<T, C, R> {
    transport: T,
    clock: C,
    nonces: R,
    fast_forward: bool,
    skipped: Duration,
}

/// Logs the mode and the idle time skipped; the transport, clock and nonces stay out.
#[cfg(feature = "defmt")]
impl<T, C, R> defmt::Format for AsyncDriver<T, C, R> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "AsyncDriver {{ fast_forward: {=bool}, skipped_ms: {=u64} }}",
            self.fast_forward,
            u64::try_from(self.skipped.as_millis()).unwrap_or(u64::MAX)
        );
    }
}

impl<T, C, R> AsyncDriver<T, C, R>
where
    T: AsyncNtpTransport,
    C: NtpClock + MonotonicClock,
    R: NonceSource,
{
    /// A driver over `transport`, reading `clock`, drawing request nonces from `nonces`.
    pub const fn new(transport: T, clock: C, nonces: R) -> Self {
        Self { transport, clock, nonces, fast_forward: false, skipped: Duration::ZERO }
    }

    /// Fast-forward mode (see the type's docs): loopback servers only.
    #[must_use]
    pub const fn fast_forward(mut self) -> Self {
        self.fast_forward = true;
        self
    }

    /// The client's monotonic time now.
    pub fn now(&mut self) -> Instant {
        Instant::from_duration(self.clock.elapsed().saturating_add(self.skipped))
    }

    /// The clock, to read or steer between runs.
    pub fn clock_mut(&mut self) -> &mut C {
        &mut self.clock
    }

    /// The transport.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Adds a server to `client` (in fast-forward mode, loopback addresses only).
    pub fn add_server<const N: usize>(
        &mut self,
        client: &mut Client<N>,
        addr: SocketAddr,
        config: PeerConfig,
    ) -> Result<PeerId, DriveError<T::Error>> {
        if self.fast_forward && !addr.ip().is_loopback() {
            return Err(DriveError::NotLoopback);
        }
        let now = self.now();
        client.add_server(now, addr, config, &mut self.nonces).map_err(DriveError::Client)
    }

    /// Runs `client` until its monotonic time has advanced by `duration`, calling
    /// `on_event` for every event. Refused datagrams are dropped (they change nothing in
    /// the client). Unauthenticated; see [`run_with`](Self::run_with).
    pub async fn run<const N: usize>(
        &mut self,
        client: &mut Client<N>,
        duration: Duration,
        mut on_event: impl FnMut(&Client<N>, Event<N>),
    ) -> Result<(), DriveError<T::Error>> {
        self.run_steering(client, duration, &mut NoAuth, |_, client, event| on_event(client, event)).await
    }

    /// [`run`](Self::run) with every server authenticated by `auth` (a MAC key, an NTS
    /// session, or one per server: [`PeerAuth`]).
    pub async fn run_with<const N: usize>(
        &mut self,
        client: &mut Client<N>,
        duration: Duration,
        auth: &mut impl PeerAuth,
        mut on_event: impl FnMut(&Client<N>, Event<N>),
    ) -> Result<(), DriveError<T::Error>> {
        self.run_steering(client, duration, auth, |_, client, event| on_event(client, event)).await
    }

    /// [`run_with`](Self::run_with), with `on_event` also given the clock, so that it
    /// can apply a [`Discipline`](crate::discipline::Discipline)'s correction before the
    /// next T1 is read.
    pub async fn run_steering<const N: usize>(
        &mut self,
        client: &mut Client<N>,
        duration: Duration,
        auth: &mut impl PeerAuth,
        mut on_event: impl FnMut(&mut C, &Client<N>, Event<N>),
    ) -> Result<(), DriveError<T::Error>> {
        let end = self.now().saturating_add(duration);
        let mut buf = [0u8; MAX_PACKET_LEN + 1];
        loop {
            let now = self.now();
            if now >= end {
                return Ok(());
            }
            while let Some(event) = client.poll_event() {
                on_event(&mut self.clock, client, event);
            }
            client.handle_timeout(now);
            loop {
                let t1 = self.clock.now();
                let tx = client
                    .poll_transmit_with(now, t1, &mut self.nonces, &mut buf, auth)
                    .map_err(DriveError::Request)?;
                let Some(tx) = tx else { break };
                let datagram = buf.get(..tx.len).unwrap_or_default();
                self.transport.send_to(datagram, tx.addr).await.map_err(DriveError::Transport)?;
            }
            while let Some(event) = client.poll_event() {
                on_event(&mut self.clock, client, event);
            }
            let next = client.poll_timeout().unwrap_or(end).min(end);
            let wait = next.saturating_duration_since(now);
            let slice = if self.fast_forward { wait.min(FAST_FORWARD_SLICE) } else { wait };
            let received = self
                .transport
                .recv_from(&mut buf, slice.max(Duration::from_micros(100)))
                .await
                .map_err(DriveError::Transport)?;
            match received {
                Some((len, from)) => {
                    let t4 = self.clock.now();
                    let now = self.now();
                    let datagram = buf.get(..len).unwrap_or(&buf);
                    let _ = client.handle_response_with(now, from, datagram, t4, auth);
                }
                None if self.fast_forward => {
                    // Nothing in flight answered: skip to the next timer.
                    let later = self.now();
                    self.skipped = self.skipped.saturating_add(next.saturating_duration_since(later));
                }
                None => {}
            }
        }
    }
}

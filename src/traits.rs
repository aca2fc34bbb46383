//! What callers implement so the one-shot helpers in [`sntp`](crate::sntp) can run an
//! exchange: a wall clock, a monotonic clock, and a datagram transport (blocking or
//! async). The sans-IO core never calls these; only the helpers do.
//!
//! Each trait has one or two small methods, and `&mut T` implements a trait whenever `T`
//! does. With the `std` feature, [`SystemClock`](crate::std_impls::SystemClock) and
//! [`UdpTransport`](crate::std_impls::UdpTransport) implement them.

use core::net::SocketAddr;
use core::time::Duration;

use crate::time::NtpTimestamp;

/// Where request nonces come from: an unpredictable 64-bit value per request.
///
/// The transmit field of a request is echoed back as the reply's origin; a value an
/// off-path attacker cannot guess is what makes spoofed replies fail (RFC 5905 §15,
/// CVE-2015-8138). Use a cryptographic RNG. Any `FnMut() -> u64` is a source.
pub trait NonceSource {
    /// The next nonce.
    fn next_nonce(&mut self) -> u64;
}

impl<F: FnMut() -> u64> NonceSource for F {
    fn next_nonce(&mut self) -> u64 {
        self()
    }
}

/// Reads the wall clock as an NTP timestamp (T1 and T4). Reading cannot fail; a
/// clock that is not set yet returns whatever it holds, and the exchange measures the
/// offset from there.
pub trait NtpClock {
    /// The current wall-clock time.
    fn now(&mut self) -> NtpTimestamp;
}

/// A monotonic clock for timeouts: time since an arbitrary origin that never goes
/// backwards and is not stepped when the wall clock is. Timeouts are never measured on
/// wall time, which an NTP client's own output may step.
pub trait MonotonicClock {
    /// Time since this clock's origin.
    fn elapsed(&mut self) -> Duration;
}

/// Steers the local clock: the caller's side of a [`Decision`](crate::client::Decision),
/// separate from [`NtpClock`] because reading never fails and steering can. ntpkit never
/// calls it by itself; [`Decision::apply`](crate::client::Decision::apply) does, when the
/// caller asks.
pub trait ClockControl {
    /// The clock driver's error.
    type Error;

    /// Steps the clock by `offset` (positive: forward) at once. The offset is
    /// era-less: beyond ±2³¹ s it aliases by a multiple of 2³² s (see
    /// [`SyncResult::offset`](crate::exchange::SyncResult::offset)), which is right for a
    /// clock kept as an [`NtpTimestamp`]; a clock kept in Unix
    /// seconds that may boot far from the truth should set itself to
    /// [`SystemUpdate::corrected_unix`](crate::client::SystemUpdate::corrected_unix).
    fn step(&mut self, offset: crate::time::NtpDuration) -> Result<(), Self::Error>;

    /// Starts correcting an offset of `offset` gradually, replacing any correction in
    /// progress, at 500 ppm (0.5 ms per second) as `adjtime` does: a
    /// [`Discipline`](crate::discipline::Discipline) accounts for the slew at that rate.
    fn slew(&mut self, offset: crate::time::NtpDuration) -> Result<(), Self::Error>;

    /// Sets the clock's frequency correction to `ppb` parts per billion (positive: the
    /// clock runs faster, for an oscillator that runs slow), replacing the previous one.
    /// A [`Discipline`](crate::discipline::Discipline) asks at most ±500 ppm
    /// ([`MAX_FREQUENCY_PPB`](crate::clock::MAX_FREQUENCY_PPB)).
    fn set_frequency(&mut self, ppb: i64) -> Result<(), Self::Error>;
}

impl<T: ClockControl + ?Sized> ClockControl for &mut T {
    type Error = T::Error;
    fn step(&mut self, offset: crate::time::NtpDuration) -> Result<(), Self::Error> {
        (**self).step(offset)
    }
    fn slew(&mut self, offset: crate::time::NtpDuration) -> Result<(), Self::Error> {
        (**self).slew(offset)
    }
    fn set_frequency(&mut self, ppb: i64) -> Result<(), Self::Error> {
        (**self).set_frequency(ppb)
    }
}

/// Sends and receives UDP datagrams, blocking.
pub trait NtpTransport {
    /// The transport's error.
    type Error;

    /// Sends `datagram` to `to`.
    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> Result<(), Self::Error>;

    /// Waits at most `timeout` for one datagram. Returns its length and source, or
    /// `None` on timeout. The length is the datagram's own: if it is larger than `buf`,
    /// the datagram was truncated and the caller rejects it as too long. (A transport
    /// that cannot tell should give the caller a buffer larger than any valid packet.)
    fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<(usize, SocketAddr)>, Self::Error>;
}

/// Sends and receives UDP datagrams, asynchronously, with no executor dependency.
#[allow(async_fn_in_trait)] // callers pick their executor; Send bounds are theirs to add
pub trait AsyncNtpTransport {
    /// The transport's error.
    type Error;

    /// Sends `datagram` to `to`.
    async fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> Result<(), Self::Error>;

    /// Waits at most `timeout` for one datagram; see [`NtpTransport::recv_from`].
    async fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<(usize, SocketAddr)>, Self::Error>;
}

impl<T: NtpClock + ?Sized> NtpClock for &mut T {
    fn now(&mut self) -> NtpTimestamp {
        (**self).now()
    }
}

impl<T: MonotonicClock + ?Sized> MonotonicClock for &mut T {
    fn elapsed(&mut self) -> Duration {
        (**self).elapsed()
    }
}

impl<T: NtpTransport + ?Sized> NtpTransport for &mut T {
    type Error = T::Error;
    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> Result<(), Self::Error> {
        (**self).send_to(datagram, to)
    }
    fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<(usize, SocketAddr)>, Self::Error> {
        (**self).recv_from(buf, timeout)
    }
}

impl<T: AsyncNtpTransport + ?Sized> AsyncNtpTransport for &mut T {
    type Error = T::Error;
    async fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> Result<(), Self::Error> {
        (**self).send_to(datagram, to).await
    }
    async fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<(usize, SocketAddr)>, Self::Error> {
        (**self).recv_from(buf, timeout).await
    }
}

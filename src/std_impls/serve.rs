//! The server loops over a `std::net::UdpSocket`: plain, rate-limited, interleaved.

use core::net::SocketAddr;
use std::io;
use std::net::UdpSocket;

use super::SystemClock;
use crate::server::interleave::InterleaveTable;
use crate::server::ratelimit::{RateLimiter, Verdict};
use crate::server::{ServerState, respond, respond_kiss};
use crate::time::NtpTimestamp;
use crate::traits::{MonotonicClock, NtpClock};
use crate::wire::{HEADER_LEN, KissCode, MAX_PACKET_LEN};

/// Answers NTP requests on `socket` with [`SystemClock`] time until `max_requests`
/// replies were sent (forever if `None`) or the socket fails. Malformed and non-client
/// packets are dropped without a reply. Returns the number of replies sent.
///
/// T2 is read right after each datagram arrives and T3 right before the reply is sent.
/// Every request is answered: for a server others can reach, see [`serve_limited`].
pub fn serve(socket: &UdpSocket, state: &ServerState, max_requests: Option<u64>) -> io::Result<u64> {
    serve_loop::<4, 4>(socket, state, None, None, max_requests)
}

/// [`serve`] behind a [`RateLimiter`]: each request is answered, answered with a RATE
/// kiss-o'-death, or dropped, as the limiter says. Kisses count as replies.
pub fn serve_limited<const N: usize>(
    socket: &UdpSocket,
    state: &ServerState,
    limiter: &mut RateLimiter<N>,
    max_requests: Option<u64>,
) -> io::Result<u64> {
    serve_loop::<N, 4>(socket, state, Some(limiter), None, max_requests)
}

/// [`serve`] with interleaved mode (RFC 9769 §3) for the clients that ask for it,
/// through `table` ([`InterleaveTable`]), behind `limiter` if one is given. The send
/// time saved for the next interleaved reply is the clock read right after `send_to`
/// returns; with kernel timestamps (feature `kernel-timestamps`, Linux) see
/// `serve_timestamped`.
pub fn serve_interleaved<const N: usize, const L: usize>(
    socket: &UdpSocket,
    state: &ServerState,
    table: &mut InterleaveTable<N>,
    limiter: Option<&mut RateLimiter<L>>,
    max_requests: Option<u64>,
) -> io::Result<u64> {
    serve_loop(socket, state, limiter, Some(table), max_requests)
}

/// [`serve_interleaved`] over a [`TimestampedSocket`](super::kernel_ts::TimestampedSocket):
/// T2 is the kernel's receive timestamp of the request, and the send time saved for the
/// next interleaved reply is the kernel's transmit timestamp of this one (each falling
/// back to the clock where the kernel gives none). Pass no `table` for basic replies
/// with kernel receive timestamps only.
#[cfg(all(feature = "kernel-timestamps", target_os = "linux"))]
pub fn serve_timestamped<const N: usize, const L: usize>(
    socket: &mut super::kernel_ts::TimestampedSocket,
    state: &ServerState,
    table: Option<&mut InterleaveTable<N>>,
    limiter: Option<&mut RateLimiter<L>>,
    max_requests: Option<u64>,
) -> io::Result<u64> {
    serve_loop(socket, state, limiter, table, max_requests)
}

/// Receives with its arrival time; sends and says when it left.
trait ServerIo {
    fn receive(
        &mut self,
        buf: &mut [u8],
        clock: &mut SystemClock,
    ) -> io::Result<(usize, SocketAddr, NtpTimestamp)>;
    fn send(&mut self, datagram: &[u8], to: SocketAddr, clock: &mut SystemClock) -> io::Result<NtpTimestamp>;
}

/// A plain socket: the clock read right after each call.
impl ServerIo for &UdpSocket {
    fn receive(
        &mut self,
        buf: &mut [u8],
        clock: &mut SystemClock,
    ) -> io::Result<(usize, SocketAddr, NtpTimestamp)> {
        let (n, from) = self.recv_from(buf)?;
        Ok((n, from, clock.now()))
    }

    fn send(&mut self, datagram: &[u8], to: SocketAddr, clock: &mut SystemClock) -> io::Result<NtpTimestamp> {
        self.send_to(datagram, to)?;
        Ok(clock.now())
    }
}

#[cfg(all(feature = "kernel-timestamps", target_os = "linux"))]
impl ServerIo for &mut super::kernel_ts::TimestampedSocket {
    fn receive(
        &mut self,
        buf: &mut [u8],
        _: &mut SystemClock,
    ) -> io::Result<(usize, SocketAddr, NtpTimestamp)> {
        self.recv_from(buf).map(|(n, from, stamp)| (n, from, stamp.time()))
    }

    fn send(&mut self, datagram: &[u8], to: SocketAddr, _: &mut SystemClock) -> io::Result<NtpTimestamp> {
        self.send_to(datagram, to).map(|stamp| stamp.time())
    }
}

fn serve_loop<const L: usize, const N: usize>(
    mut socket: impl ServerIo,
    state: &ServerState,
    mut limiter: Option<&mut RateLimiter<L>>,
    mut table: Option<&mut InterleaveTable<N>>,
    max_requests: Option<u64>,
) -> io::Result<u64> {
    let mut clock = SystemClock::new();
    let mut buf = [0u8; MAX_PACKET_LEN + 1];
    let mut out = [0u8; HEADER_LEN];
    let mut replies = 0u64;
    while max_requests.is_none_or(|max| replies < max) {
        let (len, from, t2) = socket.receive(&mut buf, &mut clock)?;
        let request = buf.get(..len).unwrap_or_default();
        let verdict = match limiter.as_deref_mut() {
            Some(limiter) => limiter.check(crate::time::Instant::from_duration(clock.elapsed()), from.ip()),
            None => Verdict::Answer,
        };
        let written = match (verdict, table.as_deref()) {
            (Verdict::Answer, Some(table)) => table
                .respond(from.ip(), request, state, t2, clock.now(), &mut out)
                .map(|answer| (answer.len, answer.follow_up)),
            (Verdict::Answer, None) => respond(request, state, t2, clock.now(), &mut out).map(|n| (n, None)),
            (Verdict::Kiss, _) => respond_kiss(request, KissCode::Rate, &mut out).map(|n| (n, None)),
            (Verdict::Drop, _) => continue,
        };
        if let Ok((n, follow_up)) = written {
            let sent = socket.send(out.get(..n).unwrap_or_default(), from, &mut clock)?;
            if let (Some(table), Some(follow_up)) = (table.as_deref_mut(), follow_up) {
                table.transmitted(follow_up, sent);
            }
            replies = replies.saturating_add(1);
        }
    }
    Ok(replies)
}

//! Kernel timestamps on Linux (feature `kernel-timestamps`): when a datagram arrived
//! (`SO_TIMESTAMPNS`, taken by the kernel as the packet came in, for T2 and T4) and when
//! one left (`SO_TIMESTAMPING` software transmit timestamps, read from the socket's error
//! queue, for T1, T3 and interleaved mode). Both exclude the scheduling delay between
//! the kernel and the program that a clock read in user space includes.
//!
//! [`TimestampedSocket`] wraps a `UdpSocket`; where the kernel refuses the options (or
//! on a datagram that comes without one) it falls back to the system clock read right
//! after the receive or the send, and says which it used ([`Stamp`]). Through the `nix`
//! crate (safe wrappers over `recvmsg`), so ntpkit keeps `forbid(unsafe_code)`; no
//! allocation per datagram.

use core::net::SocketAddr;
use std::io::{self, IoSliceMut};
use std::net::UdpSocket;
use std::os::fd::AsRawFd;

use nix::sys::socket::{
    self, ControlMessageOwned, MsgFlags, SockaddrStorage, TimestampingFlag, setsockopt, sockopt,
};

use super::SystemClock;
use super::nix_glue::{errno, to_ntp, to_socket_addr};
use crate::time::NtpTimestamp;
use crate::traits::NtpClock;

/// Where a timestamp came from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Stamp {
    /// The kernel's timestamp of the datagram.
    Kernel(NtpTimestamp),
    /// The system clock read right after the call returned (no kernel timestamp).
    Clock(NtpTimestamp),
}

impl Stamp {
    /// The time, whichever its source.
    pub const fn time(self) -> NtpTimestamp {
        match self {
            Self::Kernel(t) | Self::Clock(t) => t,
        }
    }

    /// Whether the kernel took it.
    pub const fn is_kernel(self) -> bool {
        matches!(self, Self::Kernel(_))
    }
}

/// A UDP socket that timestamps what it receives and sends, in the kernel where it can.
#[derive(Debug)]
pub struct TimestampedSocket {
    socket: UdpSocket,
    clock: SystemClock,
    rx: bool,
    tx: bool,
}

/// Room for the control messages: a timespec (RX) or three (TX) and an extended error.
const CMSG_ROOM: usize = 256;

/// How many times to look for a transmit timestamp on the error queue before falling
/// back to the clock (it is queued while `send_to` runs; the retries cover a busy box).
const TX_TRIES: usize = 64;

impl TimestampedSocket {
    /// Wraps `socket`, asking the kernel for receive and (software) transmit
    /// timestamps. `kernel: false` asks for neither: every stamp is then the clock's
    /// (for a measurement without kernel timestamps on the same code path).
    pub fn new(socket: UdpSocket, kernel: bool) -> Self {
        let (rx, tx) = if kernel {
            let rx = setsockopt(&socket, sockopt::ReceiveTimestampns, &true).is_ok();
            let flags = TimestampingFlag::SOF_TIMESTAMPING_TX_SOFTWARE
                | TimestampingFlag::SOF_TIMESTAMPING_SOFTWARE
                | TimestampingFlag::SOF_TIMESTAMPING_OPT_TSONLY;
            let tx = setsockopt(&socket, sockopt::Timestamping, &flags).is_ok();
            (rx, tx)
        } else {
            (false, false)
        };
        Self { socket, clock: SystemClock::new(), rx, tx }
    }

    /// Whether the kernel gives receive timestamps and transmit timestamps.
    pub const fn kernel(&self) -> (bool, bool) {
        (self.rx, self.tx)
    }

    /// The socket.
    pub fn socket(&self) -> &UdpSocket {
        &self.socket
    }

    /// Receives one datagram (blocking, under the socket's read timeout): its length,
    /// source and arrival time.
    pub fn recv_from(&mut self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr, Stamp)> {
        if !self.rx {
            let (n, from) = self.socket.recv_from(buf)?;
            return Ok((n, from, Stamp::Clock(self.clock.now())));
        }
        let mut cmsg = [0u8; CMSG_ROOM];
        let mut iov = [IoSliceMut::new(buf)];
        let msg = socket::recvmsg::<SockaddrStorage>(
            self.socket.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::empty(),
        )
        // The read timeout shows as EAGAIN (`WouldBlock`), as std reports it.
        .map_err(errno)?;
        let after = self.clock.now();
        let len = msg.bytes;
        let from = msg.address.as_ref().and_then(to_socket_addr);
        let kernel = msg.cmsgs().ok().and_then(|mut c| {
            c.find_map(|m| match m {
                ControlMessageOwned::ScmTimestampns(ts) => to_ntp(&ts),
                _ => None,
            })
        });
        let from = from.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidData))?;
        Ok((len, from, kernel.map_or(Stamp::Clock(after), Stamp::Kernel)))
    }

    /// Sends `datagram` to `to` and returns when it left: the kernel's transmit
    /// timestamp from the error queue, or the clock read after the send.
    pub fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<Stamp> {
        let sent = self.socket.send_to(datagram, to)?;
        let after = self.clock.now();
        if sent != datagram.len() {
            return Err(io::Error::from(io::ErrorKind::WriteZero));
        }
        if !self.tx {
            return Ok(Stamp::Clock(after));
        }
        Ok(self.transmit_timestamp().map_or(Stamp::Clock(after), Stamp::Kernel))
    }

    /// The newest transmit timestamp on the error queue, without blocking; older ones
    /// (of sends whose timestamp was not read) are drained on the way.
    fn transmit_timestamp(&mut self) -> Option<NtpTimestamp> {
        let mut found = None;
        for _ in 0..TX_TRIES {
            let mut cmsg = [0u8; CMSG_ROOM];
            let mut data = [0u8; 64];
            let mut iov = [IoSliceMut::new(&mut data)];
            let Ok(msg) = socket::recvmsg::<SockaddrStorage>(
                self.socket.as_raw_fd(),
                &mut iov,
                Some(&mut cmsg),
                MsgFlags::MSG_ERRQUEUE | MsgFlags::MSG_DONTWAIT,
            ) else {
                if found.is_some() {
                    break;
                }
                std::thread::yield_now();
                continue;
            };
            let stamp = msg.cmsgs().ok().and_then(|mut c| {
                c.find_map(|m| match m {
                    ControlMessageOwned::ScmTimestampsns(ts) => to_ntp(&ts.system),
                    _ => None,
                })
            });
            if stamp.is_some() {
                found = stamp;
            }
        }
        found
    }
}

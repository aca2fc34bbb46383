//! A server loop for load (feature `linux-fast-serve`, Linux): requests received and
//! replies sent in batches (`recvmmsg`, `sendmmsg`: one system call for up to
//! [`BATCH`] datagrams each way), each request stamped with its kernel receive time
//! (`SO_TIMESTAMPNS`, or the clock after the batch arrived where the kernel gives
//! none), and several threads on one port (`SO_REUSEPORT`: the kernel spreads clients
//! over the sockets), with a 4 MiB receive buffer. Through `nix`'s safe wrappers; the only allocations are the
//! batch headers, once per thread.

use core::net::SocketAddr;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::vec;
use std::vec::Vec;

use nix::sys::socket::{
    self, AddressFamily, ControlMessageOwned, MsgFlags, MultiHeaders, SockFlag, SockType, SockaddrStorage,
    setsockopt, sockopt,
};
use nix::sys::time::TimeSpec;

use super::SystemClock;
use super::nix_glue::{errno, to_ntp, to_socket_addr};
use crate::server::{ServerState, respond};
use crate::time::NtpTimestamp;
use crate::traits::NtpClock;
use crate::wire::HEADER_LEN;

/// Datagrams per system call.
pub const BATCH: usize = 32;

/// The receive buffer asked for, in bytes.
pub const RECEIVE_BUFFER: usize = 4 << 20;

/// Room for one request: a header and what may follow it (longer ones are truncated and
/// refused by the parser).
const REQUEST_ROOM: usize = 1100;

/// Answers requests on `socket` in batches until `max_requests` replies were sent
/// (forever if `None`) or the socket fails; returns the number of replies. Every
/// request is answered (no rate limit, basic mode): T2 is each request's kernel receive
/// time, T3 the clock read just before the batch of replies is sent.
pub fn serve_batched(socket: &UdpSocket, state: &ServerState, max_requests: Option<u64>) -> io::Result<u64> {
    let kernel = setsockopt(socket, sockopt::ReceiveTimestampns, &true).is_ok();
    // A deeper receive queue absorbs bursts (best effort: the kernel caps it at
    // net.core.rmem_max).
    let _ = setsockopt(socket, sockopt::RcvBuf, &RECEIVE_BUFFER);
    let cmsg = kernel.then(|| nix::cmsg_space!(TimeSpec));
    let mut rx_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, cmsg);
    let mut tx_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut bufs = [[0u8; REQUEST_ROOM]; BATCH];
    let mut outs = [[0u8; HEADER_LEN]; BATCH];
    let mut clock = SystemClock::new();
    let mut replies = 0u64;
    let fd = socket.as_raw_fd();
    while max_requests.is_none_or(|max| replies < max) {
        // (length, source, kernel receive time) of each request of the batch.
        let mut got = [(0usize, None::<SocketAddr>, None::<NtpTimestamp>); BATCH];
        let count = {
            let mut iovs = bufs.each_mut().map(|b| [IoSliceMut::new(b)]);
            let results =
                socket::recvmmsg(fd, &mut rx_headers, iovs.iter_mut(), MsgFlags::MSG_WAITFORONE, None)
                    .map_err(errno)?;
            let mut count = 0usize;
            for (slot, msg) in got.iter_mut().zip(results) {
                let stamp = msg.cmsgs().ok().and_then(|mut c| {
                    c.find_map(|m| match m {
                        ControlMessageOwned::ScmTimestampns(ts) => to_ntp(&ts),
                        _ => None,
                    })
                });
                *slot = (msg.bytes, msg.address.as_ref().and_then(to_socket_addr), stamp);
                count = count.saturating_add(1);
            }
            count
        };
        let after = clock.now();
        let t3 = clock.now();
        let mut addrs: [Option<SockaddrStorage>; BATCH] = [None; BATCH];
        let mut lens = [0usize; BATCH];
        let mut n = 0usize;
        for (i, (len, from, stamp)) in got.iter().take(count).enumerate() {
            let (Some(from), Some(request), Some(out)) =
                (from, bufs.get(i).and_then(|b| b.get(..*len)), outs.get_mut(n))
            else {
                continue;
            };
            if let Ok(written) = respond(request, state, stamp.unwrap_or(after), t3, out) {
                if let (Some(a), Some(l)) = (addrs.get_mut(n), lens.get_mut(n)) {
                    *a = Some(SockaddrStorage::from(*from));
                    *l = written;
                    n = n.saturating_add(1);
                }
            }
        }
        if n == 0 {
            continue;
        }
        let iovs: [[IoSlice<'_>; 1]; BATCH] = core::array::from_fn(|i| {
            let len = lens.get(i).copied().unwrap_or(0);
            [IoSlice::new(outs.get(i).and_then(|o| o.get(..len)).unwrap_or_default())]
        });
        let sent = socket::sendmmsg(
            fd,
            &mut tx_headers,
            iovs.iter().take(n),
            addrs.get(..n).unwrap_or_default(),
            [],
            MsgFlags::empty(),
        )
        .map_err(errno)?
        .count();
        replies = replies.saturating_add(sent as u64);
    }
    Ok(replies)
}

/// Binds `threads` sockets to `addr` with `SO_REUSEPORT` and runs [`serve_batched`] on
/// each in its own thread; returns when every thread has stopped (a socket error), with
/// the replies sent in all. `threads` is at least 1; use about one per core.
pub fn serve_reuseport(addr: SocketAddr, threads: usize, state: &ServerState) -> io::Result<u64> {
    let family = if addr.is_ipv4() { AddressFamily::Inet } else { AddressFamily::Inet6 };
    let sockets = (0..threads.max(1))
        .map(|_| {
            let fd =
                socket::socket(family, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None).map_err(errno)?;
            setsockopt(&fd, sockopt::ReusePort, &true).map_err(errno)?;
            socket::bind(fd.as_raw_fd(), &SockaddrStorage::from(addr)).map_err(errno)?;
            Ok(UdpSocket::from(fd))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let state = *state;
    let handles: Vec<_> = sockets
        .into_iter()
        .map(|socket| std::thread::spawn(move || serve_batched(&socket, &state, None)))
        .collect();
    let mut total = 0u64;
    let mut error = None;
    for handle in handles {
        match handle.join() {
            Ok(Ok(n)) => total = total.saturating_add(n),
            Ok(Err(e)) => error = Some(e),
            Err(_) => error = Some(io::Error::other("a server thread panicked")),
        }
    }
    error.map_or(Ok(total), Err)
}

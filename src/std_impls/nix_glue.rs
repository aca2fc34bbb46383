//! What the Linux socket glue (`kernel_ts`, `batch`) shares: `nix` errors as
//! `io::Error`, kernel timespecs as NTP timestamps, socket addresses as std's.

use core::net::SocketAddr;
use std::io;

use nix::sys::socket::SockaddrStorage;
use nix::sys::time::TimeSpec;

use crate::time::{NtpTimestamp, UnixTime};

/// A `nix` error as the `io::Error` std would give.
pub(super) fn errno(e: nix::errno::Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// A kernel timestamp (CLOCK_REALTIME) as an NTP timestamp; `None` for zero (no
/// timestamp) or an out-of-range value.
pub(super) fn to_ntp(ts: &TimeSpec) -> Option<NtpTimestamp> {
    let nanos = u32::try_from(ts.tv_nsec()).ok()?;
    if ts.tv_sec() == 0 && nanos == 0 {
        return None;
    }
    UnixTime::new(ts.tv_sec(), nanos).map(NtpTimestamp::from_unix)
}

/// A received datagram's source as std's address.
pub(super) fn to_socket_addr(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    address.as_sockaddr_in6().map(|v6| SocketAddr::V6((*v6).into()))
}

//! An NTP server answering with the local clock.
//!
//! ```text
//! cargo run --release --example serve -- --listen 127.0.0.1:11124 [--stratum N] [--refid X] [--max-requests N]
//! ```
//! `--refid` takes a dotted quad (upstream server) or up to four ASCII characters
//! (reference clock name, e.g. `GPS`). The clock is only read, never set.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};

use ntpkit::server::ServerState;
use ntpkit::std_impls::{SystemClock, serve};
use ntpkit::traits::NtpClock;
use ntpkit::{LeapIndicator, Precision, ReferenceId, Stratum};

fn usage() -> ! {
    eprintln!("usage: serve [--listen ADDR:PORT] [--stratum 1-15] [--refid X] [--max-requests N]");
    std::process::exit(2)
}

fn refid(s: &str) -> ReferenceId {
    if let Ok(ip) = s.parse::<Ipv4Addr>() {
        return ReferenceId::from_ipv4(ip);
    }
    if s.is_empty() || s.len() > 4 || !s.is_ascii() {
        usage();
    }
    let mut id = [0u8; 4];
    id[..s.len()].copy_from_slice(s.as_bytes());
    ReferenceId(id)
}

fn main() -> std::io::Result<()> {
    let mut listen: SocketAddr = "127.0.0.1:11124".parse().unwrap_or_else(|_| usage());
    let mut stratum = 8u8;
    let mut reference_id = ReferenceId([127, 127, 1, 1]);
    let mut max_requests = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--listen" => listen = value.parse().unwrap_or_else(|_| usage()),
            "--stratum" => {
                stratum = value.parse().ok().filter(|s| (1..=15).contains(s)).unwrap_or_else(|| usage())
            }
            "--refid" => reference_id = refid(&value),
            "--max-requests" => max_requests = Some(value.parse().unwrap_or_else(|_| usage())),
            _ => usage(),
        }
    }
    let socket = UdpSocket::bind(listen)?;
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(stratum),
        precision: Precision(-24),
        reference_id,
        reference_timestamp: SystemClock::new().now(),
        ..ServerState::default()
    };
    eprintln!(
        "serving NTP on {} (stratum {stratum}, refid {})",
        socket.local_addr()?,
        reference_id.interpret(Stratum(stratum))
    );
    let served = serve(&socket, &state, max_requests)?;
    eprintln!("answered {served} requests");
    Ok(())
}

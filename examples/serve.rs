//! An NTP server answering with the local clock.
//!
//! ```text
//! cargo run --release --example serve -- [--listen ADDR:PORT] [--stratum 1-15] [--refid ID] [--max-requests N]
//! ```
//! `--refid` names where the time comes from, and which kind depends on the stratum
//! (RFC 5905 §7.3): at stratum 1 a reference clock of up to four ASCII letters (`GPS`,
//! `PPS`); at stratum 2–15 the upstream server's IPv4 address. A clock name at another
//! stratum is refused, since clients would read it as an address. The default is
//! stratum 8 with refid 127.127.1.1 (the local clock, as chrony and ntpd call it). The
//! clock is only read, never set.

#[path = "common/cli.rs"]
mod cli;

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;

use cli::{Args, CliError, any, within};
use ntpkit::server::ServerState;
use ntpkit::std_impls::{SystemClock, serve};
use ntpkit::traits::NtpClock;
use ntpkit::{LeapIndicator, Precision, ReferenceId, Stratum};

const USAGE: &str = "[--listen ADDR:PORT] [--stratum 1-15] [--refid NAME|IPV4] [--max-requests N]\n  \
    --refid: a reference clock name of up to 4 letters (stratum 1), or the upstream server's IPv4 address (stratum 2-15)";

struct Options {
    listen: SocketAddr,
    stratum: u8,
    reference_id: ReferenceId,
    max_requests: Option<u64>,
}

/// A refid argument: an address, or a clock name.
enum RefId {
    Address(Ipv4Addr),
    Name(String),
}

fn parse(mut args: Args) -> Result<Options, CliError> {
    let mut listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 11124));
    let mut stratum = None;
    let mut refid = None;
    let mut max_requests = None;
    while let Some(arg) = args.next() {
        let arg = arg?;
        match arg.as_str() {
            "--listen" => listen = args.value("--listen", "an address and port like 127.0.0.1:11124", any)?,
            "--stratum" => stratum = Some(args.value("--stratum", "a stratum", within(1u8, 15))?),
            "--refid" => {
                let value: String = args.value("--refid", "a reference ID", any)?;
                refid = Some(match value.parse::<Ipv4Addr>() {
                    Ok(ip) => RefId::Address(ip),
                    Err(_)
                        if !value.is_empty()
                            && value.len() <= 4
                            && value.bytes().all(|b| b.is_ascii_graphic()) =>
                    {
                        RefId::Name(value)
                    }
                    Err(_) => {
                        return Err(CliError::BadValue {
                            option: "--refid",
                            value,
                            why: "neither an IPv4 address nor a clock name of 1 to 4 ASCII letters".into(),
                        });
                    }
                });
            }
            "--max-requests" => {
                max_requests = Some(args.value("--max-requests", "a number", within(1u64, u64::MAX))?)
            }
            _ => return Err(CliError::UnknownOption(arg)),
        }
    }
    // A clock name means stratum 1; an address a stratum below an upstream server.
    let (stratum, reference_id) = match (stratum, refid) {
        (None | Some(1), Some(RefId::Name(name))) => {
            let mut id = [0u8; 4];
            id[..name.len()].copy_from_slice(name.as_bytes());
            (1, ReferenceId(id))
        }
        (Some(s), Some(RefId::Name(name))) => {
            return Err(CliError::Other(format!(
                "--refid {name} names a reference clock, which only a stratum-1 server has; \
                 with --stratum {s} give the upstream server's IPv4 address"
            )));
        }
        (Some(1), Some(RefId::Address(ip))) => {
            return Err(CliError::Other(format!(
                "--refid {ip} is an upstream server, but a stratum-1 server has a reference clock: give its name (GPS, PPS, …)"
            )));
        }
        (s, Some(RefId::Address(ip))) => (s.unwrap_or(8), ReferenceId::from_ipv4(ip)),
        (Some(1), None) => (1, ReferenceId(*b"LOCL")),
        (s, None) => (s.unwrap_or(8), ReferenceId([127, 127, 1, 1])),
    };
    Ok(Options { listen, stratum, reference_id, max_requests })
}

fn main() -> ExitCode {
    let Options { listen, stratum, reference_id, max_requests } = match parse(Args::from_env()) {
        Ok(options) => options,
        Err(e) => return cli::exit("serve", USAGE, &e),
    };
    let socket = match UdpSocket::bind(listen) {
        Ok(socket) => socket,
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::AddrInUse => "the port is already in use".to_string(),
                std::io::ErrorKind::PermissionDenied => {
                    "permission denied (ports below 1024 need root)".to_string()
                }
                _ => e.to_string(),
            };
            eprintln!("serve: cannot listen on {listen}: {why}");
            return ExitCode::from(1);
        }
    };
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(stratum),
        precision: Precision(-24),
        reference_id,
        reference_timestamp: SystemClock::new().now(),
        ..ServerState::default()
    };
    eprintln!(
        "serving NTP on {listen} (stratum {stratum}, refid {})",
        reference_id.interpret(Stratum(stratum))
    );
    match serve(&socket, &state, max_requests) {
        Ok(served) => {
            eprintln!("answered {served} requests");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("serve: {e}");
            ExitCode::from(1)
        }
    }
}

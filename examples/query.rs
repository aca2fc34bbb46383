//! Ask NTP servers for the time: one exchange per server.
//!
//! ```text
//! cargo run --release --example query -- [--version N] [--timeout-ms N] [--json] HOST[:PORT]...
//! ```
//! Human output, one line per server:
//! `127.0.0.1:11123 stratum 8 offset +0.000012345 s delay 0.000101 s leap none refid 127.127.1.1`.
//! With `--json`, one object per line. Exit status 0 only if every server gave a valid
//! sample. IPv6 literals are written `[::1]:123`; the port defaults to 123.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use ntpkit::Version;
use ntpkit::exchange::{ClientRequest, SyncResult};
use ntpkit::sntp::{QueryConfig, QueryError, query};
use ntpkit::std_impls::{StdNonces, SystemClock, UdpTransport};

fn usage() -> ExitCode {
    eprintln!("usage: query [--version 1-4] [--timeout-ms N] [--attempts N] [--json] HOST[:PORT]...");
    ExitCode::from(2)
}

fn resolve(host: &str) -> Option<SocketAddr> {
    if let Ok(addr) = host.parse::<SocketAddr>() {
        return Some(addr);
    }
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
        return Some(SocketAddr::new(ip, 123));
    }
    let with_port = if host.contains(':') { host.to_string() } else { format!("{host}:123") };
    with_port.to_socket_addrs().ok()?.next()
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn signed_seconds(nanos: i64) -> String {
    let sign = if nanos < 0 { '-' } else { '+' };
    let abs = nanos.unsigned_abs();
    format!("{sign}{}.{:09}", abs / 1_000_000_000, abs % 1_000_000_000)
}

fn report_ok(server: &str, s: &SyncResult, json: bool) {
    let refid = s.reference_id().interpret(s.stratum()).to_string();
    if json {
        println!(
            "{{\"server\":{},\"ok\":true,\"offset_ns\":{},\"delay_ns\":{},\"stratum\":{},\"leap\":{},\"refid\":{}}}",
            json_string(server),
            s.offset_nanos(),
            s.delay_nanos(),
            s.stratum().0,
            json_string(&s.leap().to_string()),
            json_string(&refid)
        );
    } else {
        let delay_us = s.delay_nanos() / 1000;
        println!(
            "{server} stratum {} offset {} s delay {}.{:06} s leap {} refid {refid}",
            s.stratum().0,
            signed_seconds(s.offset_nanos()),
            delay_us / 1_000_000,
            delay_us % 1_000_000,
            s.leap()
        );
    }
}

fn report_err(server: &str, e: &dyn std::fmt::Display, kind: &str, kiss: Option<String>, json: bool) {
    if json {
        let kiss = kiss.map(|k| format!(",\"kiss\":{}", json_string(&k))).unwrap_or_default();
        println!(
            "{{\"server\":{},\"ok\":false,\"error\":{},\"kind\":{}{kiss}}}",
            json_string(server),
            json_string(&e.to_string()),
            json_string(kind)
        );
    } else {
        println!("{server} error: {e}");
    }
}

fn main() -> ExitCode {
    let mut config = QueryConfig::default();
    let mut json = false;
    let mut hosts = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--version" => match args.next().and_then(|v| v.parse().ok()).and_then(Version::new) {
                Some(v) => config.request = ClientRequest::new().version(v),
                None => return usage(),
            },
            "--timeout-ms" => match args.next().and_then(|v| v.parse().ok()) {
                Some(ms) => config.timeout = Duration::from_millis(ms),
                None => return usage(),
            },
            "--attempts" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) => config.attempts = n,
                None => return usage(),
            },
            _ if arg.starts_with("--") => return usage(),
            _ => hosts.push(arg),
        }
    }
    if hosts.is_empty() {
        return usage();
    }
    let (mut clock, mut nonces) = (SystemClock::new(), StdNonces::new());
    let mut all_ok = true;
    for host in &hosts {
        let Some(server) = resolve(host) else {
            report_err(host, &"cannot resolve host", "Resolve", None, json);
            all_ok = false;
            continue;
        };
        let label = server.to_string();
        let result = UdpTransport::bind_for(server)
            .map_err(QueryError::Transport)
            .and_then(|mut t| query(&mut clock, &mut t, &mut nonces, server, &config));
        match result {
            Ok(sample) => report_ok(&label, &sample, json),
            Err(e) => {
                all_ok = false;
                let kiss = match e {
                    QueryError::KissOfDeath(code) => Some(code.to_string()),
                    _ => None,
                };
                report_err(&label, &e, e.name(), kiss, json);
            }
        }
    }
    if all_ok { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

//! Ask NTP servers for the time: one exchange per server.
//!
//! ```text
//! cargo run --release --example query -- [--version N] [--timeout-ms N] [--json] HOST[:PORT]...
//! ```
//! Human output, one line per server:
//! `127.0.0.1:11123 stratum 8 offset +0.000012345 s delay 0.000101 s leap none refid 127.127.1.1`.
//! With `--json`, one object per line. Exit status 0 only if every server gave a valid
//! sample. IPv6 literals are written `[::1]:123`; the port defaults to 123.

#[path = "common/cli.rs"]
mod cli;

use std::process::ExitCode;
use std::time::Duration;

use cli::{Args, CliError, within};
use ntpkit::Version;
use ntpkit::exchange::{ClientRequest, SyncResult};
use ntpkit::sntp::{QueryConfig, QueryError, query};
use ntpkit::std_impls::{NTP_PORT, StdNonces, SystemClock, UdpTransport, resolve};

const USAGE: &str = "[--version 1-4] [--timeout-ms N] [--attempts N] [--json] HOST[:PORT]...";

struct Options {
    config: QueryConfig,
    json: bool,
    hosts: Vec<String>,
}

fn parse(mut args: Args) -> Result<Options, CliError> {
    let mut config = QueryConfig::default();
    let mut json = false;
    let mut hosts = Vec::new();
    while let Some(arg) = args.next() {
        let arg = arg?;
        match arg.as_str() {
            "--json" => json = true,
            "--version" => {
                let v: u8 = args.value("--version", "an NTP version", |v: &u8| {
                    Version::new(*v).map(|_| ()).ok_or_else(|| "an NTP version is 1 to 4".to_string())
                })?;
                config.request = ClientRequest::new().version(Version::new(v).unwrap_or(Version::V4));
            }
            "--timeout-ms" => {
                let ms: u64 = args.value("--timeout-ms", "a number of milliseconds", within(1, 60_000))?;
                config.timeout = Duration::from_millis(ms);
            }
            "--attempts" => config.attempts = args.value("--attempts", "a number", within(1, 100))?,
            _ if arg.starts_with('-') => return Err(CliError::UnknownOption(arg)),
            _ => hosts.push(arg),
        }
    }
    cli::check_hosts(&hosts, usize::MAX)?;
    Ok(Options { config, json, hosts })
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
    let Options { config, json, hosts } = match parse(Args::from_env()) {
        Ok(options) => options,
        Err(e) => return cli::exit("query", USAGE, &e),
    };
    let (mut clock, mut nonces) = (SystemClock::new(), StdNonces::new());
    let mut all_ok = true;
    for host in &hosts {
        let server = match resolve(host, NTP_PORT) {
            Ok(addrs) => addrs[0],
            Err(e) => {
                report_err(host, &e, e.name(), None, json);
                all_ok = false;
                continue;
            }
        };
        let label = server.to_string();
        // A connected socket hears "port unreachable" at once, instead of timing out.
        let result = UdpTransport::connect(server)
            .map_err(QueryError::Transport)
            .and_then(|mut t| query(&mut clock, &mut t, &mut nonces, server, &config));
        match result {
            Ok(sample) => report_ok(&label, &sample, json),
            Err(QueryError::Transport(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                all_ok = false;
                report_err(&label, &"connection refused: no NTP server on that port", "Refused", None, json);
            }
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

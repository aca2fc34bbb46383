//! Decode and pretty-print an NTP packet given as hex.
//!
//! ```text
//! cargo run --example decode              # with no argument: a built-in reply captured from chronyd
//! cargo run --example decode -- HEX...    # any packet, spaces and colons allowed
//! ```
//! Exit status: 0 decoded, 1 not a valid NTP packet (the error says which field and
//! rule), 2 the argument is not hex. In a client request the transmit field is whatever
//! the client chose: data-minimized clients (chrony, ntpkit) send a random nonce, which
//! is reported as such rather than as a date.

#[path = "common/cli.rs"]
mod cli;

use ntpkit::{Mode, NtpTimestamp, PacketView};
use std::process::ExitCode;
use std::time::SystemTime;

const USAGE: &str = "[HEX...]  (no argument: decode a built-in reply captured from chronyd)";

/// A reply chronyd 4.3 sent on loopback (see `tests/common/mod.rs`).
const CHRONY_REPLY: &str =
    "240800e600000000000000007f7f0101eeace739af8a00ec3c5d45088d884dffeeace73b35be9a1beeace73b35c28872";

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b" :\t\n".contains(b)).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits.chunks(2).map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()).collect()
}

fn timestamp(t: NtpTimestamp) -> String {
    if t.is_zero() { format!("{t}  (unset)") } else { format!("{t}  {}", t.to_unix_rfc4330()) }
}

/// A request's transmit field: the client's clock, or (data minimization) a nonce.
fn request_transmit(t: NtpTimestamp) -> String {
    let now = NtpTimestamp::from_system_time(SystemTime::now()).unwrap_or(NtpTimestamp::ZERO);
    let day = ntpkit::NtpDuration::from_seconds(86_400);
    if t.is_zero() {
        format!("{t}  (unset)")
    } else if (t - now).saturating_abs() > day {
        format!("{t}  (a random nonce, not a time: the client does not reveal its clock)")
    } else {
        format!("{t}  {}  (the client's clock, as older clients send it)", t.to_unix_rfc4330())
    }
}

fn main() -> ExitCode {
    let mut args = cli::Args::from_env();
    let mut parts = Vec::new();
    while let Some(arg) = args.next() {
        match arg {
            Ok(a) if a.starts_with("--") => {
                return cli::exit("decode", USAGE, &cli::CliError::UnknownOption(a));
            }
            Ok(a) => parts.push(a),
            Err(e) => return cli::exit("decode", USAGE, &e),
        }
    }
    let arg = parts.join("");
    let input = if arg.is_empty() { CHRONY_REPLY.to_string() } else { arg };
    let Some(bytes) = parse_hex(&input) else {
        eprintln!("not hex: {input}");
        return ExitCode::from(2);
    };
    let view = match PacketView::new_checked(&bytes[..]) {
        Ok(view) => view,
        Err(e) => {
            eprintln!("invalid NTP packet ({} bytes): {e}", bytes.len());
            return ExitCode::from(1);
        }
    };
    let p = view.to_packet();
    println!("{} bytes", bytes.len());
    println!("leap indicator   {}", p.leap);
    println!("version          {}", p.version);
    println!("mode             {}", p.mode);
    println!("stratum          {} ({:?})", p.stratum, p.stratum.class());
    println!("poll             2^{} s", p.poll.0);
    println!("precision        2^{} s ({})", p.precision.0, p.precision.to_duration());
    println!("root delay       {}", p.root_delay);
    println!("root dispersion  {}", p.root_dispersion);
    println!("reference id     {} ({})", p.reference_id, p.reference_id.interpret(p.stratum));
    println!("reference time   {}", timestamp(p.reference_timestamp));
    println!("origin time      {}", timestamp(p.origin_timestamp));
    println!("receive time     {}", timestamp(p.receive_timestamp));
    if p.mode == Mode::Client {
        println!("transmit time    {}", request_transmit(p.transmit_timestamp));
    } else {
        println!("transmit time    {}", timestamp(p.transmit_timestamp));
    }
    if !p.receive_timestamp.is_zero() && !p.transmit_timestamp.is_zero() {
        println!("server held it   {}", p.transmit_timestamp - p.receive_timestamp);
    }
    for (i, f) in view.extension_fields().enumerate() {
        println!("extension #{i}     type {:#06x}, {} bytes", f.field_type, f.wire_len());
    }
    if let Some(mac) = view.mac() {
        if mac.is_crypto_nak() {
            println!("MAC              crypto-NAK (key id {})", mac.key_id);
        } else {
            println!("MAC              key id {}, {}-byte digest", mac.key_id, mac.digest.len());
        }
    }
    ExitCode::SUCCESS
}

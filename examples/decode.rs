//! Decode and pretty-print an NTP packet given as hex.
//!
//! ```text
//! cargo run --example decode                      # a reply captured from chronyd
//! cargo run --example decode -- 2300062000…       # any packet, spaces and colons allowed
//! ```
//! Exit status: 0 decoded, 1 not a valid NTP packet (the error says which field and
//! rule), 2 the argument is not hex.

use ntpkit::{NtpTimestamp, PacketView};
use std::process::ExitCode;

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

fn main() -> ExitCode {
    let arg = std::env::args().skip(1).collect::<Vec<_>>().join("");
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
    println!("transmit time    {}", timestamp(p.transmit_timestamp));
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

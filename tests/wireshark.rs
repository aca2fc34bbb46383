//! Cross-check with an independent decoder: Wireshark's NTP dissector (`tshark`, through
//! `../shared/interop/peers.sh dissect`) must read every field of packets ntpkit encodes
//! exactly as ntpkit means them, era-1 timestamps and extension fields included.
//!
//! Skipped with a message when tshark is not installed, except under `CI`, where
//! `.ci/run` installs it and a missing tshark is a failure.

mod common;
use common::*;
use ntpkit::*;
use std::process::Command;

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn tshark_available() -> bool {
    let found = Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "CI must have tshark (peers.sh install)");
        eprintln!("SKIP: tshark not installed; run `bash ../shared/interop/peers.sh install`");
    }
    found
}

/// Runs the dissector over all packets at once; returns each packet's NTP layer as
/// ordered (key, value) pairs (tshark repeats keys for repeated fields).
fn dissect(packets: &[Vec<u8>]) -> Vec<Vec<(String, String)>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/interop/peers.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg("dissect")
        .args(packets.iter().map(|p| to_hex(p)))
        .output()
        .expect("run peers.sh dissect");
    assert!(out.status.success(), "dissect failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let layers: Vec<&str> = text.split("\"ntp\": {").skip(1).collect();
    assert_eq!(layers.len(), packets.len(), "one NTP layer per packet:\n{text}");
    layers
        .iter()
        .map(|layer| {
            layer
                .lines()
                .filter_map(|line| {
                    let (k, v) = line.trim().trim_end_matches(',').split_once("\": \"")?;
                    Some((k.trim_start_matches('"').to_string(), v.trim_end_matches('"').to_string()))
                })
                .collect()
        })
        .collect()
}

fn colon_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(":")
}

/// A timestamp as Wireshark prints it (RFC 4330 era rule, "NULL" for zero).
fn wireshark_time(t: NtpTimestamp) -> String {
    if t.is_zero() {
        return "NULL".into();
    }
    let CivilTime { year, month, day, hour, minute, second, nanos } = t.to_unix_rfc4330().to_civil();
    let month = MONTHS[usize::from(month) - 1];
    format!("{month} {day:>2}, {year} {hour:02}:{minute:02}:{second:02}.{nanos:09} UTC")
}

/// What ntpkit says each dissected field should be.
fn expected(bytes: &[u8]) -> Vec<(String, String)> {
    let view = PacketView::new_checked(bytes).unwrap();
    let p = view.to_packet();
    let mut e: Vec<(String, String)> = vec![
        ("ntp.flags.li".into(), p.leap.to_bits().to_string()),
        ("ntp.flags.vn".into(), p.version.get().to_string()),
        ("ntp.flags.mode".into(), p.mode.to_bits().to_string()),
        ("ntp.stratum".into(), p.stratum.0.to_string()),
        ("ntp.ppoll".into(), (p.poll.0 as u8).to_string()),
        ("ntp.precision".into(), (p.precision.0 as u8).to_string()),
        ("ntp.rootdelay".into(), p.root_delay.to_bits().to_string()),
        ("ntp.rootdispersion".into(), p.root_dispersion.to_bits().to_string()),
        ("ntp.reftime".into(), wireshark_time(p.reference_timestamp)),
        ("ntp.org".into(), wireshark_time(p.origin_timestamp)),
        ("ntp.rec".into(), wireshark_time(p.receive_timestamp)),
        ("ntp.xmt".into(), wireshark_time(p.transmit_timestamp)),
    ];
    for f in view.extension_fields() {
        e.push(("ntp.ext.type".into(), format!("{:#06x}", f.field_type)));
        e.push(("ntp.ext.length".into(), f.wire_len().to_string()));
    }
    if let Some(mac) = view.mac() {
        e.push(("ntp.keyid".into(), colon_hex(&mac.key_id.to_be_bytes())));
        if !mac.digest.is_empty() {
            e.push(("ntp.mac".into(), colon_hex(mac.digest)));
        }
    }
    e
}

fn packets() -> Vec<Vec<u8>> {
    let mut list = vec![hex(CHRONY_REQUEST), hex(CHRONY_REPLY), hex(NTPD_REQUEST), hex(NTPD_REPLY)];
    // Every header field away from zero, timestamps on both sides of the 2036 rollover.
    let odd = Packet {
        leap: LeapIndicator::InsertSecond,
        version: Version::V3,
        mode: Mode::SymmetricActive,
        stratum: Stratum(1),
        poll: Poll(-3),
        precision: Precision(-29),
        root_delay: NtpShort::from_bits(0x0001_8000),
        root_dispersion: NtpShort::from_bits(0x0000_0123),
        reference_id: ReferenceId::from_source(SourceName::Gps),
        reference_timestamp: NtpTimestamp::from_unix(
            UnixTime::from_civil(2036, 2, 7, 6, 28, 15, 999_999_999).unwrap(),
        ),
        origin_timestamp: NtpTimestamp::from_unix(UnixTime::from_civil(2036, 2, 7, 6, 28, 16, 1).unwrap()),
        receive_timestamp: NtpTimestamp::from_unix(UnixTime::from_civil(1968, 1, 20, 3, 14, 8, 0).unwrap()),
        transmit_timestamp: NtpTimestamp::from_unix(
            UnixTime::from_civil(2104, 2, 26, 9, 42, 23, 500_000_000).unwrap(),
        ),
    };
    list.push(odd.to_bytes().to_vec());
    // NTPv4 with two extension fields and a 20-byte MAC.
    let mut buf = [0u8; 256];
    Packet::parse(&hex(CHRONY_REPLY)).unwrap().emit(&mut buf).unwrap();
    let mut w = ExtensionWriter::new(&mut buf).unwrap();
    w.push(0x0104, &[0x5a; 32]).unwrap();
    w.push(0xabcd, &[1, 2, 3]).unwrap();
    let len = w.finish_with_mac(0x0102_0304, &[0xee; 16]).unwrap();
    list.push(buf[..len].to_vec());
    // NTPv4 with one extension field padded to 28 bytes and no MAC.
    let mut w = ExtensionWriter::new(&mut buf).unwrap();
    w.push(0x0204, b"cookie").unwrap();
    let len = w.finish().unwrap();
    list.push(buf[..len].to_vec());
    // ntpkit's own client request and server reply.
    let server: std::net::SocketAddr = "127.0.0.1:123".parse().unwrap();
    let t1 = NtpTimestamp::from_parts(0xeeac_e73b, 0x35be_9a1b);
    let mut rng = || 0x7f9d_befc_992b_a33b_u64; // era-1 value on purpose
    let mut request = [0u8; 48];
    ntpkit::exchange::ClientRequest::new().poll(Poll(6)).build(server, t1, &mut rng, &mut request).unwrap();
    let state = ntpkit::server::ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(2),
        precision: Precision(-24),
        root_delay: NtpShort::from_bits(82),
        root_dispersion: NtpShort::from_bits(1440),
        reference_id: ReferenceId([133, 243, 238, 163]),
        reference_timestamp: t1 - NtpDuration::from_seconds(64),
    };
    let mut reply = [0u8; 48];
    ntpkit::server::respond(&request, &state, t1, t1 + NtpDuration::from_bits(1 << 20), &mut reply).unwrap();
    list.push(request.to_vec());
    list.push(reply.to_vec());
    list
}

#[test]
fn wireshark_reads_every_field_as_ntpkit_means_it() {
    if !tshark_available() {
        return;
    }
    let packets = packets();
    let dissected = dissect(&packets);
    for (bytes, fields) in packets.iter().zip(&dissected) {
        for (key, want) in expected(bytes) {
            let got: Vec<&String> = fields.iter().filter(|(k, _)| *k == key).map(|(_, v)| v).collect();
            assert!(
                got.contains(&&want),
                "packet {}: {key}: Wireshark says {got:?}, ntpkit means {want:?}",
                to_hex(bytes)
            );
        }
    }
    // The reference ID of the Wireshark-dissected ntpd reply, and of ntpkit's reply.
    assert!(dissected[3].contains(&("ntp.refid".into(), "85:f3:ee:a3".into())));
    assert!(dissected[dissected.len() - 1].contains(&("ntp.refid".into(), "85:f3:ee:a3".into())));
    // ntpkit's request is data-minimized as Wireshark sees it.
    let request = &dissected[dissected.len() - 2];
    for (k, v) in
        [("ntp.flags.mode", "3"), ("ntp.stratum", "0"), ("ntp.precision", "32"), ("ntp.reftime", "NULL")]
    {
        assert!(request.contains(&(k.into(), v.into())), "{k}");
    }
}

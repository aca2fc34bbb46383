//! Byte tables checked both ways: packets captured from real peers, and the packets of a
//! Wireshark dissection, decoded field by field and re-encoded byte for byte.

mod common;
use common::*;
use ntpkit::*;

fn civil(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8, ns: u32) -> UnixTime {
    UnixTime::from_civil(y, mo, d, h, mi, s, ns).unwrap()
}

fn round_trip(bytes: &[u8]) -> Packet {
    let packet = Packet::parse(bytes).unwrap();
    let mut out = [0u8; 48];
    assert_eq!(packet.emit(&mut out), Ok(48));
    assert_eq!(to_hex(&out), to_hex(bytes), "emit must reproduce the captured bytes");
    assert_eq!(PacketView::new_checked(bytes).unwrap().to_packet(), packet);
    packet
}

#[test]
fn chrony_request_decodes_and_re_encodes() {
    let p = round_trip(&hex(CHRONY_REQUEST));
    assert_eq!(p.leap, LeapIndicator::NoWarning);
    assert_eq!(p.version, Version::V4);
    assert_eq!(p.mode, Mode::Client);
    assert_eq!(p.stratum, Stratum(0));
    assert_eq!(p.poll, Poll(0));
    assert_eq!(p.precision, Precision(32));
    assert_eq!(p.root_delay, NtpShort::ZERO);
    assert_eq!(p.root_dispersion, NtpShort::ZERO);
    assert_eq!(p.reference_id, ReferenceId([0; 4]));
    assert!(p.reference_timestamp.is_zero() && p.origin_timestamp.is_zero());
    assert!(p.receive_timestamp.is_zero());
    // Data-minimized: the transmit field is a random nonce, not the client's clock.
    assert_eq!(p.transmit_timestamp, NtpTimestamp::from_bits(0x3c5d_4508_8d88_4dff));
}

#[test]
fn chrony_reply_decodes_and_re_encodes() {
    let p = round_trip(&hex(CHRONY_REPLY));
    assert_eq!((p.leap, p.version, p.mode), (LeapIndicator::NoWarning, Version::V4, Mode::Server));
    assert_eq!(p.stratum, Stratum(8));
    assert_eq!(p.stratum.class(), StratumClass::Secondary);
    assert_eq!(p.poll, Poll(0));
    assert_eq!(p.precision, Precision(-26));
    assert_eq!(p.reference_id.to_string(), "127.127.1.1");
    // The server copied the request's transmit bytes into origin, verbatim.
    assert_eq!(p.origin_timestamp, Packet::parse(&hex(CHRONY_REQUEST)).unwrap().transmit_timestamp);
    assert_eq!(p.receive_timestamp.to_unix_rfc4330().to_string(), "2026-11-22T03:59:55.209939605Z");
    assert_eq!(p.transmit_timestamp.to_unix_rfc4330().to_string(), "2026-11-22T03:59:55.209999587Z");
    assert_eq!((p.transmit_timestamp - p.receive_timestamp).to_nanos(), 59_982);
    assert!(p.reference_timestamp.to_bits() < p.transmit_timestamp.to_bits());
}

/// The exchange of a Wireshark dissection of ntpd traffic. The raw bytes were worked out
/// from the dissected values (fractions are the smallest that show those nanoseconds).
#[test]
fn ntpd_exchange_from_a_wireshark_dissection() {
    let req = round_trip(&hex(NTPD_REQUEST));
    assert_eq!(hex(NTPD_REQUEST)[0], 0x23);
    assert_eq!((req.version, req.mode), (Version::V4, Mode::Client));
    assert_eq!(req.poll, Poll(6));
    assert_eq!(req.precision, Precision(32)); // "2^32 s" as Wireshark decodes it
    let t1 = req.transmit_timestamp;
    // Top bit clear: era 1 under the RFC 4330 rule.
    assert_eq!(t1.to_unix_rfc4330(), civil(2103, 12, 13, 21, 2, 52, 598_322_107));

    let rep = round_trip(&hex(NTPD_REPLY));
    assert_eq!(hex(NTPD_REPLY)[0], 0x24);
    assert_eq!((rep.leap, rep.version, rep.mode), (LeapIndicator::NoWarning, Version::V4, Mode::Server));
    assert_eq!(rep.stratum, Stratum(2));
    assert_eq!(rep.poll, Poll(6));
    assert_eq!(rep.precision, Precision(-20));
    assert_eq!(rep.precision.to_duration().to_nanos(), 953); // "0.000001 s"
    assert_eq!(rep.root_delay.to_nanos() / 1000, 1251); // "0.001251 s"
    assert_eq!(rep.root_dispersion.to_nanos() / 1000, 21_972); // "0.021973 s" (rounded there)
    assert_eq!(rep.root_dispersion, NtpShort::from_bits(1440));
    assert_eq!(rep.reference_id.to_string(), "133.243.238.163");
    assert_eq!(
        rep.reference_id.interpret(rep.stratum),
        ReferenceKind::Upstream(std::net::Ipv4Addr::new(133, 243, 238, 163))
    );
    assert_eq!(rep.reference_timestamp.to_unix_rfc4330(), civil(2019, 11, 21, 12, 41, 14, 747_312));
    assert_eq!(rep.origin_timestamp, t1);
    assert_eq!(rep.receive_timestamp.to_unix_rfc4330(), civil(2019, 11, 21, 12, 53, 50, 482_891_153));
    assert_eq!(rep.transmit_timestamp.to_unix_rfc4330(), civil(2019, 11, 21, 12, 53, 50, 482_921_125));
    assert_eq!((rep.transmit_timestamp - rep.receive_timestamp).to_nanos(), 29_972);
}

#[test]
fn view_setters_write_the_documented_offsets() {
    let mut buf = [0u8; 48];
    buf[0] = 0x23;
    let mut v = PacketView::new_checked(&mut buf[..]).unwrap();
    v.set_leap(LeapIndicator::Unsynchronized);
    v.set_version(Version::V3);
    v.set_mode(Mode::Server);
    v.set_stratum(Stratum(0x11));
    v.set_poll(Poll(-2));
    v.set_precision(Precision(-29));
    v.set_root_delay(NtpShort::from_bits(0x0102_0304));
    v.set_root_dispersion(NtpShort::from_bits(0x0506_0708));
    v.set_reference_id(ReferenceId(*b"RATE"));
    v.set_reference_timestamp(NtpTimestamp::from_bits(0x1111_1111_2222_2222));
    v.set_origin_timestamp(NtpTimestamp::from_bits(0x3333_3333_4444_4444));
    v.set_receive_timestamp(NtpTimestamp::from_bits(0x5555_5555_6666_6666));
    v.set_transmit_timestamp(NtpTimestamp::from_bits(0x7777_7777_8888_8888));
    assert_eq!(
        to_hex(&buf),
        "dc11fee3010203040506070852415445\
         11111111222222223333333344444444\
         55555555666666667777777788888888"
    );
    let p = Packet::parse(&buf).unwrap();
    assert_eq!(PacketView::new_checked(buf).unwrap().into_inner(), buf);
    assert_eq!(p.leap, LeapIndicator::Unsynchronized);
    assert_eq!(p.version, Version::V3);
    assert_eq!(p.reference_id.as_kiss_code(), KissCode::Rate);
    assert_eq!(p.to_bytes(), buf);
}

#[test]
fn extension_fields_and_mac_decode_from_a_byte_table() {
    // Header + a 16-byte field followed by a 20-byte MAC (so 16 is allowed), then
    // a second packet with one 28-byte field and no MAC.
    let tail = "0104001000112233445566778899aabb\
                0000002a000102030405060708090a0b0c0d0e0f";
    let p = reply_with(&hex(tail));
    let view = PacketView::new_checked(&p[..]).unwrap();
    let fields: Vec<_> = view.extension_fields().collect();
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].field_type, 0x0104);
    assert_eq!(to_hex(fields[0].value), "00112233445566778899aabb");
    let mac = view.mac().unwrap();
    assert_eq!(mac.key_id, 42);
    assert_eq!(to_hex(mac.digest), "000102030405060708090a0b0c0d0e0f");

    // The writer produces the same bytes.
    let mut buf = [0u8; 200];
    buf[..48].copy_from_slice(&hex(CHRONY_REPLY));
    let mut w = ExtensionWriter::new(&mut buf).unwrap();
    w.push(0x0104, &hex("00112233445566778899aabb")).unwrap();
    let len = w.finish_with_mac(42, &hex("000102030405060708090a0b0c0d0e0f")).unwrap();
    assert_eq!(to_hex(&buf[..len]), to_hex(&p));

    // Without a MAC the writer pads the last field to 28 bytes (RFC 7822 §7.5).
    let mut w = ExtensionWriter::new(&mut buf).unwrap();
    w.push(0x0104, &[0xAB; 5]).unwrap();
    let len = w.finish().unwrap();
    assert_eq!(len, 48 + 28);
    assert_eq!(to_hex(&buf[48..len]), format!("0104001c{}{}", "ab".repeat(5), "00".repeat(19)));
    let view = PacketView::new_checked(&buf[..len]).unwrap();
    assert!(view.mac().is_none());
    assert_eq!(view.extension_fields().next().unwrap().value.len(), 24);
}

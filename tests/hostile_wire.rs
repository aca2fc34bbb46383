//! The F (framing) and E (extension field and MAC) rows of the hostile-input catalogue
//! (`src/catalogue.md`, published as `ntpkit::catalogue`), one test per row, each asserting the exact
//! error. Parsing is a pure function of the bytes, so "state unchanged" is trivially
//! true here; the state-machine rows come with the client.

mod common;
use common::*;
use ntpkit::*;

fn parse(b: &[u8]) -> Result<Packet, ParseError> {
    Packet::parse(b)
}

fn ef_err(index: usize, error: ExtensionFieldError) -> Result<Packet, ParseError> {
    Err(ParseError::ExtensionField { index, error })
}

/// F-1: every length 0..=47, empty datagram included, is `TooShort { len }`
/// (RFC 5905 §9.2; ntpsec "recv_length<1"; micropython-lib#1136 short reply).
#[test]
fn f1_every_length_below_48_is_too_short() {
    let valid = hex(CHRONY_REPLY);
    for len in 0..48 {
        for fill in [&valid[..len], &vec![0u8; len][..], &vec![0xFFu8; len][..]] {
            assert_eq!(parse(fill), Err(ParseError::TooShort { len }));
        }
    }
}

/// F-2: 49, 50 and 51 bytes are `BadLength` (chrony `parse_packet`: length % 4).
#[test]
fn f2_lengths_not_a_multiple_of_four() {
    for extra in 1..=3 {
        let p = reply_with(&vec![0; extra]);
        assert_eq!(parse(&p), Err(ParseError::BadLength { len: 48 + extra }));
    }
}

/// F-3: VN 0, 5, 6, 7 with every other byte valid is `UnsupportedVersion(v)`
/// (RFC 5905 §9.2 accepts 1–4; ntpd-rs `InvalidVersion`).
#[test]
fn f3_unsupported_versions() {
    for vn in [0u8, 5, 6, 7] {
        let mut p = hex(CHRONY_REPLY);
        p[0] = (p[0] & 0b1100_0111) | (vn << 3);
        assert_eq!(parse(&p), Err(ParseError::UnsupportedVersion(vn)));
        assert_eq!(
            ParseError::UnsupportedVersion(vn).to_string(),
            format!("version number {vn}: only 1 to 4 are accepted (RFC 5905 §9.2)")
        );
    }
}

/// F-4: all 256 values of byte 0 × all 256 stratum values of an otherwise valid reply:
/// a total, deterministic function (Ok exactly when VN is 1–4), never a panic.
#[test]
fn f4_exhaustive_first_byte_by_stratum() {
    let base = hex(CHRONY_REPLY);
    let mut ok = 0;
    for b0 in 0..=255u8 {
        for stratum in 0..=255u8 {
            let mut p = base.clone();
            p[0] = b0;
            p[1] = stratum;
            let vn = (b0 >> 3) & 7;
            match parse(&p) {
                Ok(pkt) => {
                    ok += 1;
                    assert!((1..=4).contains(&vn));
                    assert_eq!(pkt.leap.to_bits(), b0 >> 6);
                    assert_eq!(pkt.version.get(), vn);
                    assert_eq!(pkt.mode.to_bits(), b0 & 7);
                    assert_eq!(pkt.stratum, Stratum(stratum));
                    assert_eq!(pkt.to_bytes()[..], p[..]);
                }
                Err(e) => assert_eq!(e, ParseError::UnsupportedVersion(vn)),
            }
            assert_eq!(parse(&p), parse(&p), "deterministic");
        }
    }
    assert_eq!(ok, 4 * 4 * 8 * 256); // LI × VN 1..=4 × mode × stratum
}

/// F-5: a 65,507-byte datagram (the largest UDP payload) is rejected as `TooLong`
/// before any field is read (CVE-2016-9312; chrony's 48 + 1048 cap).
#[test]
fn f5_oversized_datagrams() {
    let huge = reply_with(&vec![0x5A; 65_507 - 48]);
    assert_eq!(parse(&huge), Err(ParseError::TooLong { len: 65_507 }));
    for len in [MAX_PACKET_LEN + 1, MAX_PACKET_LEN + 4, 1500, 65_536] {
        assert_eq!(parse(&reply_with(&vec![0; len - 48])), Err(ParseError::TooLong { len }));
    }
    // The limit itself is accepted: 1024 bytes of fields and a 24-byte MAC.
    let mut buf = vec![0u8; MAX_PACKET_LEN];
    buf[..48].copy_from_slice(&hex(CHRONY_REPLY));
    let mut w = ExtensionWriter::new(&mut buf).unwrap();
    for _ in 0..4 {
        w.push(0x0104, &[7; 252]).unwrap();
    }
    assert_eq!(w.finish_with_mac(1, &[9; 20]), Ok(MAX_PACKET_LEN));
    let view = PacketView::new_checked(&buf[..]).unwrap();
    assert_eq!(view.extension_fields().count(), 4);
    assert_eq!(view.mac().unwrap().digest, &[9; 20]);
}

/// F-6: any valid 48-byte reply re-encodes byte for byte (INV-2b); here the captured
/// ones, the property test in `wire_props.rs` covers arbitrary buffers.
#[test]
fn f6_valid_replies_round_trip() {
    for v in [CHRONY_REPLY, CHRONY_REQUEST, NTPD_REPLY, NTPD_REQUEST] {
        let b = hex(v);
        assert_eq!(parse(&b).unwrap().to_bytes()[..], b[..]);
    }
}

/// F-7: LI = 3, stratum 0, mode 7 and all-ones timestamps still parse: the parser is not
/// the validator, which rejects such a reply later.
#[test]
fn f7_parser_is_not_the_validator() {
    let mut p = vec![0xFFu8; 48];
    p[0] = 0b11_100_111;
    p[1] = 0;
    let pkt = parse(&p).unwrap();
    assert_eq!(pkt.leap, LeapIndicator::Unsynchronized);
    assert_eq!(pkt.stratum.class(), StratumClass::KissOfDeath);
    assert_eq!(pkt.mode, Mode::Private);
    assert_eq!(pkt.transmit_timestamp.to_bits(), u64::MAX);
    assert_eq!(pkt.reference_id.as_kiss_code(), KissCode::Unknown([0xFF; 4]));
}

/// E-1: an extension field whose length is 0 is `TooShort` and the walk terminates
/// (a zero length is the classic infinite loop; ntpd-rs minimum-size check).
#[test]
fn e1_zero_length_field() {
    let p = reply_with(&ef(0x0104, 0, 0, 32));
    assert_eq!(parse(&p), ef_err(0, ExtensionFieldError::TooShort { length: 0 }));
}

/// E-2: lengths 4, 8 and 12 are below the 16-byte minimum (RFC 5905 §7.5, RFC 7822 §3).
#[test]
fn e2_lengths_below_sixteen() {
    for length in [4u16, 8, 12] {
        let p = reply_with(&ef(0x0104, length, 0, 32));
        assert_eq!(parse(&p), ef_err(0, ExtensionFieldError::TooShort { length }));
    }
    // The second field is the short one: its index is reported.
    let mut tail = ef(0x0104, 28, 0, 28);
    tail.extend(ef(0x0204, 8, 0, 32));
    assert_eq!(parse(&reply_with(&tail)), ef_err(1, ExtensionFieldError::TooShort { length: 8 }));
}

/// E-3: a length of 17 is not 32-bit aligned (RFC 5905 §7.5; ntpd-rs V4 check).
#[test]
fn e3_misaligned_length() {
    for length in [17u16, 18, 19, 29] {
        let p = reply_with(&ef(0x0104, length, 0, 32));
        assert_eq!(parse(&p), ef_err(0, ExtensionFieldError::Misaligned { length }));
    }
}

/// E-4: lengths 0xFFFC and 0xFFFF run past the end: `Truncated`, with no overflow in
/// `offset + len` or in rounding (CVE-2014-9295 / CVE-2015-7691 class).
///
/// With exactly 20 bytes left the remainder is a MAC by RFC 7822 §7.5 and the hostile
/// length is never read as one; with 28 or more it is an extension field and truncated.
#[test]
fn e4_length_past_the_end() {
    for length in [0xFFFCu16, 0xFFFF] {
        for room in [28usize, 32, 1000] {
            let p = reply_with(&ef(0x0104, length, 0, room));
            assert_eq!(parse(&p), ef_err(0, ExtensionFieldError::Truncated { length, available: room }));
        }
        let p = reply_with(&ef(0x0104, length, 0, 20));
        let view = PacketView::new_checked(&p[..]).unwrap();
        assert_eq!(view.extension_fields().count(), 0);
        assert_eq!(view.mac().unwrap().digest.len(), 16);
    }
}

/// E-5: a last field of 16–24 bytes with no MAC after it. 16 bytes:
/// `LastTooShortWithoutMac`. 20 or 24 bytes: read as a MAC, the documented
/// interpretation of RFC 7822 §7.5 (what chrony does too).
#[test]
fn e5_short_last_field_without_mac() {
    let p = reply_with(&ef(0x0104, 16, 0, 16));
    assert_eq!(parse(&p), ef_err(0, ExtensionFieldError::LastTooShortWithoutMac { length: 16 }));
    let mut tail = ef(0x0104, 28, 0, 28);
    tail.extend(ef(0x0204, 16, 0, 16));
    assert_eq!(
        parse(&reply_with(&tail)),
        ef_err(1, ExtensionFieldError::LastTooShortWithoutMac { length: 16 })
    );
    for len in [20u16, 24] {
        let p = reply_with(&ef(0x0104, len, 0, usize::from(len)));
        let view = PacketView::new_checked(&p[..]).unwrap();
        assert_eq!(view.extension_fields().count(), 0);
        let mac = view.mac().unwrap();
        assert_eq!(mac.key_id, u32::from_be_bytes([0x01, 0x04, 0, len as u8]));
        assert_eq!(mac.digest.len(), usize::from(len) - 4);
    }
    // A 16-byte field is fine when a MAC follows.
    let mut tail = ef(0x0104, 16, 0, 16);
    tail.extend([0u8; 20]);
    assert_eq!(PacketView::new_checked(&reply_with(&tail)[..]).unwrap().extension_fields().count(), 1);
}

/// E-6: a chain of 85 × 16-byte fields (1,360 bytes) is over the length cap; a chain of
/// 60 that fits the cap stops with `TooMany` at field 16. Work and stack stay bounded.
#[test]
fn e6_too_many_fields() {
    let chain = |n: usize| (0..n).flat_map(|_| ef(0x0104, 16, 0, 16)).collect::<Vec<u8>>();
    assert_eq!(parse(&reply_with(&chain(85))), Err(ParseError::TooLong { len: 48 + 85 * 16 }));
    assert_eq!(parse(&reply_with(&chain(60))), ef_err(MAX_EXTENSION_FIELDS, ExtensionFieldError::TooMany));
    // Exactly the maximum, closed by a MAC, is accepted.
    let mut ok = chain(MAX_EXTENSION_FIELDS);
    ok.extend([0u8; 24]);
    let p = reply_with(&ok);
    assert_eq!(PacketView::new_checked(&p[..]).unwrap().extension_fields().count(), MAX_EXTENSION_FIELDS);
}

/// E-7: 8, 12 or 16 trailing bytes after the fields are no MAC: `BadMacLength`
/// (ntpsec "Any other length is illegal").
#[test]
fn e7_bad_mac_lengths() {
    for len in [8usize, 12, 16] {
        let mut tail = ef(0x0104, 28, 0, 28);
        tail.extend(vec![0xEE; len]);
        assert_eq!(parse(&reply_with(&tail)), Err(ParseError::BadMacLength { len }));
        // And directly after the header.
        assert_eq!(parse(&reply_with(&vec![0xEE; len])), Err(ParseError::BadMacLength { len }));
    }
    // Before NTPv4 nothing but a MAC may follow the header.
    let mut v3 = reply_with(&ef(0x0104, 28, 0, 28));
    v3[0] = 0x1C;
    assert_eq!(parse(&v3), Err(ParseError::BadMacLength { len: 28 }));
}

/// E-8: an unknown type (0xABCD) with valid framing is walked over and handed to the
/// caller untouched; it is not a MAC (RFC 7822: unknown fields SHOULD be ignored).
#[test]
fn e8_unknown_field_type_is_skippable() {
    let mut tail = ef(0xABCD, 32, 0x42, 32);
    tail.extend(ef(0x0104, 28, 0x43, 28));
    let p = reply_with(&tail);
    let view = PacketView::new_checked(&p[..]).unwrap();
    let types: Vec<u16> = view.extension_fields().map(|f| f.field_type).collect();
    assert_eq!(types, [0xABCD, 0x0104]);
    assert!(view.mac().is_none());
    assert_eq!(view.to_packet(), Packet::parse(&hex(CHRONY_REPLY)).unwrap());
}

/// Emitting into a short buffer fails with the size needed and writes nothing.
#[test]
fn emit_leaves_short_buffers_untouched() {
    let p = Packet::parse(&hex(CHRONY_REPLY)).unwrap();
    for len in 0..48 {
        let mut buf = vec![0xA5u8; len];
        assert_eq!(p.emit(&mut buf), Err(EmitError::BufferTooSmall { required: 48 }));
        assert!(buf.iter().all(|&b| b == 0xA5));
    }
}

/// Every error names its field and rule in its message.
#[test]
fn error_messages_name_field_and_rule() {
    let cases: [(ParseError, &str); 6] = [
        (ParseError::TooShort { len: 3 }, "packet length 3: an NTP header is 48 bytes (RFC 5905 §7.3)"),
        (ParseError::BadLength { len: 49 }, "packet length 49: not a multiple of 4 (RFC 7822 §3)"),
        (
            ParseError::TooLong { len: 2000 },
            "packet length 2000: above the 1096-byte limit (48 header + 1024 extension + 24 MAC)",
        ),
        (
            ParseError::BadMacLength { len: 8 },
            "8 trailing bytes: a MAC is 4, 20 or 24 bytes (RFC 5905 §7.3, RFC 7822 §7.5)",
        ),
        (
            ParseError::ExtensionField { index: 2, error: ExtensionFieldError::Misaligned { length: 17 } },
            "extension field #2: length 17 is not a multiple of 4 (RFC 7822 §3)",
        ),
        (
            ParseError::ExtensionField {
                index: 0,
                error: ExtensionFieldError::Truncated { length: 65532, available: 28 },
            },
            "extension field #0: length 65532 runs past the packet end (28 bytes left)",
        ),
    ];
    for (e, msg) in cases {
        assert_eq!(e.to_string(), msg);
    }
}

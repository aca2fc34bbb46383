//! Property and exhaustive tests of the wire format and the time arithmetic, each
//! against an independent reference (i128 arithmetic, hardware division, re-encoding).

#[path = "../../common/mod.rs"]
mod common;
use common::*;
use ntpkit::*;
use proptest::prelude::*;

fn arb_packet() -> impl Strategy<Value = Packet> {
    (
        (0..4u8, 1..=4u8, 0..8u8, any::<u8>(), any::<i8>(), any::<i8>()),
        (any::<u32>(), any::<u32>(), any::<[u8; 4]>()),
        (any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>()),
    )
        .prop_map(|((li, vn, mode, stratum, poll, prec), (rd, rdisp, refid), (t0, t1, t2, t3))| Packet {
            leap: LeapIndicator::from_bits(li),
            version: Version::new(vn).unwrap(),
            mode: Mode::from_bits(mode),
            stratum: Stratum(stratum),
            poll: Poll(poll),
            precision: Precision(prec),
            root_delay: NtpShort::from_bits(rd),
            root_dispersion: NtpShort::from_bits(rdisp),
            reference_id: ReferenceId(refid),
            reference_timestamp: NtpTimestamp::from_bits(t0),
            origin_timestamp: NtpTimestamp::from_bits(t1),
            receive_timestamp: NtpTimestamp::from_bits(t2),
            transmit_timestamp: NtpTimestamp::from_bits(t3),
        })
}

/// Rebuilds a parsed packet from its parts with the public writers.
fn rebuild(bytes: &[u8]) -> Vec<u8> {
    let view = PacketView::new_checked(bytes).unwrap();
    let mut buf = vec![0u8; MAX_PACKET_LEN];
    view.to_packet().emit(&mut buf).unwrap();
    let fields: Vec<_> = view.extension_fields().collect();
    let mut w = ExtensionWriter::new(&mut buf).unwrap();
    for f in &fields {
        w.push(f.field_type, f.value).unwrap();
    }
    let len = match view.mac() {
        Some(mac) => w.finish_with_mac(mac.key_id, mac.digest).unwrap(),
        None => w.finish().unwrap(),
    };
    buf.truncate(len);
    buf
}

/// Turns arbitrary bytes into a mostly well-framed packet so that the property tests
/// reach the extension-field walker, not just the length checks.
fn framed(mut tail: Vec<u8>) -> Vec<u8> {
    tail.truncate((tail.len() / 4) * 4);
    reply_with(&tail)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    /// INV-2a: parse(emit(p)) == p for every packet.
    #[test]
    fn parse_emit_is_identity(p in arb_packet()) {
        let mut buf = [0u8; 48];
        prop_assert_eq!(p.emit(&mut buf), Ok(48));
        prop_assert_eq!(Packet::parse(&buf), Ok(p));
        prop_assert_eq!(PacketView::new_checked(&buf[..]).unwrap().to_packet(), p);
    }

    /// INV-2b / F-6: emit(parse(b)) == b for every 48-byte buffer with VN 1–4.
    #[test]
    fn canonical_48_byte_round_trip(mut b in any::<[u8; 48]>(), vn in 1..=4u8) {
        b[0] = (b[0] & 0b1100_0111) | (vn << 3);
        let p = Packet::parse(&b).unwrap();
        prop_assert_eq!(p.to_bytes(), b);
    }

    /// INV-1 and INV-2c: any input parses or fails cleanly; a packet that parses is
    /// rebuilt byte for byte from its header, fields and MAC.
    #[test]
    fn arbitrary_datagrams(raw in proptest::collection::vec(any::<u8>(), 0..1600)) {
        let _ = Packet::parse(&raw);
        let b = framed(raw);
        if PacketView::new_checked(&b[..]).is_ok() {
            prop_assert_eq!(rebuild(&b), b);
        }
    }

    /// Extension chains built by the writer always parse back to the same fields.
    #[test]
    fn writer_output_parses_back(
        fields in proptest::collection::vec((any::<u16>(), proptest::collection::vec(any::<u8>(), 0..80)), 0..8),
        mac in proptest::option::of((any::<u32>(), prop_oneof![Just(0usize), Just(16), Just(20)])),
    ) {
        let mut buf = vec![0u8; MAX_PACKET_LEN];
        buf[..48].copy_from_slice(&hex(CHRONY_REPLY));
        let mut w = ExtensionWriter::new(&mut buf).unwrap();
        for (t, v) in &fields {
            w.push(*t, v).unwrap();
        }
        let len = match mac {
            Some((key, n)) => w.finish_with_mac(key, &vec![0xC3; n]).unwrap(),
            None => w.finish().unwrap(),
        };
        let view = PacketView::new_checked(&buf[..len]).unwrap();
        let got: Vec<_> = view.extension_fields().collect();
        prop_assert_eq!(got.len(), fields.len());
        for (g, (t, v)) in got.iter().zip(&fields) {
            prop_assert_eq!(g.field_type, *t);
            prop_assert_eq!(&g.value[..v.len()], &v[..]);
            prop_assert!(g.value[v.len()..].iter().all(|&x| x == 0), "padding is zero");
            prop_assert_eq!(g.wire_len() % 4, 0);
        }
        prop_assert_eq!(view.mac().map(|m| (m.key_id, m.digest.len())), mac);
    }

    /// Timestamp differences are the wrapping 64-bit difference read as signed, and
    /// adding the difference back is exact (RFC 5905 §6).
    #[test]
    fn timestamp_difference(a in any::<u64>(), b in any::<u64>()) {
        let (ta, tb) = (NtpTimestamp::from_bits(a), NtpTimestamp::from_bits(b));
        let d = ta - tb;
        let reference = (i128::from(a) - i128::from(b)).rem_euclid(1 << 64);
        let reference = if reference >= 1 << 63 { reference - (1 << 64) } else { reference };
        prop_assert_eq!(i128::from(d.to_bits()), reference);
        prop_assert_eq!(tb + d, ta);
        prop_assert_eq!(ta - d, tb);
    }

    /// Nanosecond conversions against an i128 reference: `from_nanos` rounds the
    /// magnitude up onto the 2^-32 s grid, `to_nanos` truncates, and the trip is exact.
    #[test]
    fn duration_nanos_against_i128(n in -(1i64 << 31) * 1_000_000_000..(1i64 << 31) * 1_000_000_000) {
        let d = NtpDuration::from_nanos(n).unwrap();
        let mag = i128::from(n).abs();
        let expect = (mag * (1i128 << 32) + 999_999_999) / 1_000_000_000;
        prop_assert_eq!(i128::from(d.to_bits()).abs(), expect);
        prop_assert_eq!(d.to_nanos(), n);
        let back = (i128::from(d.to_bits()).abs() * 1_000_000_000) >> 32;
        prop_assert_eq!(i128::from(d.to_nanos()).abs(), back);
    }

    /// `to_nanos` of any raw duration truncates toward zero, like the i128 reference.
    #[test]
    fn any_duration_to_nanos(bits in any::<i64>()) {
        let d = NtpDuration::from_bits(bits);
        let mag = (i128::from(bits).abs() * 1_000_000_000) >> 32;
        prop_assert_eq!(i128::from(d.to_nanos()), if bits < 0 { -mag } else { mag });
        let (neg, abs) = d.to_signed_std();
        prop_assert_eq!(neg, bits < 0);
        prop_assert_eq!(i128::try_from(abs.as_nanos()).unwrap(), mag);
    }

    /// core::time::Duration round trip.
    #[test]
    fn std_duration_round_trip(secs in 0u64..(1 << 31), nanos in 0u32..1_000_000_000) {
        let d = core::time::Duration::new(secs, nanos);
        prop_assert_eq!(NtpDuration::from_std(d).unwrap().to_signed_std(), (false, d));
    }

    /// Unix conversion with a pivot is the inverse of `from_unix` within ±68 years of the
    /// pivot, over the whole range of the 64-bit API.
    #[test]
    fn unix_round_trip_near_pivot(
        secs in -(1i64 << 40)..(1i64 << 40),
        nanos in 0u32..1_000_000_000,
        skew in -(1i64 << 31) + 1..(1i64 << 31),
    ) {
        let t = UnixTime::new(secs, nanos).unwrap();
        let ts = NtpTimestamp::from_unix(t);
        prop_assert_eq!(ts.to_unix_near(secs + skew), t);
    }

    /// RFC 5905 §8 offset and delay over all u64 timestamps, against i128 arithmetic on
    /// the same era-less differences (or `Ambiguous` exactly when i128 says so).
    #[test]
    fn offset_delay_against_i128(t1 in any::<u64>(), t2 in any::<u64>(), t3 in any::<u64>(), t4 in any::<u64>()) {
        let diff = |x: u64, y: u64| x.wrapping_sub(y) as i64;
        let (a, b, c, d) = (diff(t2, t1), diff(t3, t4), diff(t4, t1), diff(t3, t2));
        let delay = i128::from(c) - i128::from(d);
        let ambiguous = [a, b, c, d].contains(&i64::MIN)
            || i64::try_from(delay).is_err()
            || i128::from(a) - i128::from(b) != delay;
        let got = ntpkit::math::offset_delay(
            NtpTimestamp::from_bits(t1),
            NtpTimestamp::from_bits(t2),
            NtpTimestamp::from_bits(t3),
            NtpTimestamp::from_bits(t4),
        );
        match got {
            Ok(r) => {
                prop_assert!(!ambiguous);
                prop_assert_eq!(i128::from(r.offset.to_bits()), (i128::from(a) + i128::from(b)).div_euclid(2));
                prop_assert_eq!(i128::from(r.delay.to_bits()), delay);
            }
            Err(_) => prop_assert!(ambiguous),
        }
    }

    /// Calendar fields round-trip through seconds.
    #[test]
    fn civil_round_trip(secs in -(1i64 << 44)..(1i64 << 44), nanos in 0u32..1_000_000_000) {
        let t = UnixTime::new(secs, nanos).unwrap();
        let c = t.to_civil();
        let year = i32::try_from(c.year).unwrap();
        prop_assert_eq!(UnixTime::from_civil(year, c.month, c.day, c.hour, c.minute, c.second, c.nanos), Some(t));
    }
}

/// Every length 0..=1500 with several fillings: never a panic, and the verdict on the
/// length is exactly the documented one.
#[test]
fn every_length_up_to_1500() {
    let reply = hex(CHRONY_REPLY);
    for len in 0..=1500usize {
        let fillings: [Vec<u8>; 4] = [
            vec![0; len],
            vec![0xFF; len],
            reply.iter().copied().cycle().take(len).collect(),
            (0..len).map(|i| (i * 7 + 3) as u8).collect(),
        ];
        for b in fillings {
            let r = Packet::parse(&b);
            match len {
                0..=47 => assert_eq!(r, Err(ParseError::TooShort { len })),
                _ if len > MAX_PACKET_LEN => assert_eq!(r, Err(ParseError::TooLong { len })),
                _ if len % 4 != 0 => assert_eq!(r, Err(ParseError::BadLength { len })),
                _ => {
                    if let Ok(p) = r {
                        assert_eq!(p.to_bytes()[..], b[..48]);
                    }
                }
            }
        }
    }
}

/// The whole u32 seconds range, stepped: the RFC 4330 rule against an i128 reference,
/// and agreement with the pivot rule for a pivot in the middle of the window.
#[test]
fn rfc4330_era_rule_over_the_seconds_range() {
    let mid_window = 2_085_978_496 - (1i64 << 31) + (1i64 << 31); // 2036-02-07: centre of 1968..2104
    let mut s: u64 = 0;
    while s <= u64::from(u32::MAX) {
        let secs = s as u32;
        let ts = NtpTimestamp::from_parts(secs, 0x8000_0000);
        let era = if secs & 0x8000_0000 != 0 { 0i64 } else { 1 };
        let reference = i64::from(secs) + (era << 32) - 2_208_988_800;
        let unix = ts.to_unix_rfc4330();
        assert_eq!(unix.seconds(), reference, "seconds {secs:#x}");
        assert_eq!(unix.subsec_nanos(), 500_000_000);
        assert_eq!(NtpTimestamp::from_unix(unix), ts);
        if secs != 0x8000_0000 {
            assert_eq!(ts.to_unix_near(mid_window), unix, "seconds {secs:#x}");
        }
        s += 65_521; // prime step: ~65,500 samples across the range, ends included below
    }
    for secs in [0u32, 1, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, u32::MAX] {
        let unix = NtpTimestamp::from_parts(secs, 0).to_unix_rfc4330();
        assert_eq!(NtpTimestamp::from_unix(unix).seconds(), secs);
    }
}

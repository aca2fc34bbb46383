//! The extension-field walker and writer: arbitrary (type, value) lists and MACs written
//! with `ExtensionWriter` always parse back to the same fields, and any trailer of
//! arbitrary bytes after a valid header terminates with bounded work and never reads
//! past the buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit::{EmitError, ExtensionWriter, MAX_EXTENSION_FIELDS, MAX_PACKET_LEN, PacketView};

fuzz_target!(|data: &[u8]| {
    // Part 1: raw trailer after a valid NTPv4 header.
    let mut raw = [0u8; MAX_PACKET_LEN];
    raw[0] = 0x24;
    let n = data.len().min(MAX_PACKET_LEN - 48) & !3;
    raw[48..48 + n].copy_from_slice(&data[..n]);
    if let Ok(view) = PacketView::new_checked(&raw[..48 + n]) {
        let mut total = 48;
        for f in view.extension_fields() {
            assert!(f.wire_len() >= 16 && f.wire_len() % 4 == 0);
            total += f.wire_len();
        }
        assert!(view.extension_fields().count() <= MAX_EXTENSION_FIELDS);
        total += view.mac().map_or(0, |m| 4 + m.digest.len());
        assert_eq!(total, 48 + n, "fields and MAC cover the packet exactly");
    }

    // Part 2: interpret the input as a list of fields to write, then parse it back.
    let mut buf = [0u8; MAX_PACKET_LEN];
    buf[0] = 0x24;
    let mut w = ExtensionWriter::new(&mut buf).expect("header fits");
    let mut written: Vec<(u16, &[u8])> = Vec::new();
    let mut rest = data;
    while let [t0, t1, len, tail @ ..] = rest {
        let take = usize::from(*len).min(tail.len());
        let (value, next) = tail.split_at(take);
        match w.push(u16::from_be_bytes([*t0, *t1]), value) {
            Ok(()) => written.push((u16::from_be_bytes([*t0, *t1]), value)),
            Err(EmitError::PacketTooLong { .. } | EmitError::TooManyExtensionFields) => break,
            Err(e) => panic!("unexpected {e}"),
        }
        rest = next;
    }
    let mac_kind = data.first().map_or(0, |b| b % 4);
    let result = match mac_kind {
        0 => w.finish(),
        1 => w.finish_with_mac(7, &[]),
        2 => w.finish_with_mac(7, &[0xAA; 16]),
        _ => w.finish_with_mac(7, &[0xBB; 20]),
    };
    let Ok(len) = result else { return };
    let view = PacketView::new_checked(&buf[..len]).expect("writer output parses");
    let got: Vec<_> = view.extension_fields().collect();
    assert_eq!(got.len(), written.len());
    for (g, (t, v)) in got.iter().zip(&written) {
        assert_eq!(g.field_type, *t);
        assert_eq!(&g.value[..v.len()], *v);
    }
    assert_eq!(view.mac().is_some(), mac_kind != 0);
});

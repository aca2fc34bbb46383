//! INV-2a: any packet built from structured fields (and any extension fields and MAC)
//! emits to bytes that parse back to exactly the same header, fields and MAC.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use ntpkit::{
    ExtensionWriter, LeapIndicator, MAX_PACKET_LEN, Mode, NtpShort, NtpTimestamp, Packet, PacketView, Poll,
    Precision, ReferenceId, Stratum, Version,
};

#[derive(Arbitrary, Debug)]
struct Input {
    li: u8,
    vn: u8,
    mode: u8,
    stratum: u8,
    poll: i8,
    precision: i8,
    root_delay: u32,
    root_dispersion: u32,
    reference_id: [u8; 4],
    timestamps: [u64; 4],
    fields: Vec<(u16, Vec<u8>)>,
    mac: Option<(u32, u8)>,
}

fuzz_target!(|input: Input| {
    let packet = Packet {
        leap: LeapIndicator::from_bits(input.li),
        version: Version::new(input.vn % 4 + 1).unwrap(),
        mode: Mode::from_bits(input.mode),
        stratum: Stratum(input.stratum),
        poll: Poll(input.poll),
        precision: Precision(input.precision),
        root_delay: NtpShort::from_bits(input.root_delay),
        root_dispersion: NtpShort::from_bits(input.root_dispersion),
        reference_id: ReferenceId(input.reference_id),
        reference_timestamp: NtpTimestamp::from_bits(input.timestamps[0]),
        origin_timestamp: NtpTimestamp::from_bits(input.timestamps[1]),
        receive_timestamp: NtpTimestamp::from_bits(input.timestamps[2]),
        transmit_timestamp: NtpTimestamp::from_bits(input.timestamps[3]),
    };
    let mut buf = [0u8; MAX_PACKET_LEN];
    assert_eq!(packet.emit(&mut buf), Ok(48));
    // Extension fields exist only in NTPv4.
    let v4 = packet.version == Version::V4;
    let mut w = ExtensionWriter::new(&mut buf).unwrap();
    let mut written = Vec::new();
    for (t, v) in input.fields.iter().filter(|_| v4) {
        if w.push(*t, v).is_err() {
            break;
        }
        written.push((*t, v.as_slice()));
    }
    let digest = input.mac.map(|(key, kind)| (key, [0usize, 16, 20][usize::from(kind % 3)]));
    let len = match digest {
        Some((key, n)) => w.finish_with_mac(key, &[0x5A; 20][..n]),
        None => w.finish(),
    };
    let Ok(len) = len else { return };
    let view = PacketView::new_checked(&buf[..len]).expect("emitted packets parse");
    assert_eq!(view.to_packet(), packet);
    assert_eq!(Packet::parse(&buf[..len]), Ok(packet));
    let fields: Vec<_> = view.extension_fields().collect();
    assert_eq!(fields.len(), written.len());
    for (f, (t, v)) in fields.iter().zip(&written) {
        assert_eq!(f.field_type, *t);
        assert_eq!(&f.value[..v.len()], *v);
    }
    assert_eq!(view.mac().map(|m| (m.key_id, m.digest.len())), digest);
});

//! INV-1 and INV-2: any datagram parses or fails with a typed error, never a panic or
//! overflow; a packet that parses is rebuilt byte for byte from its header, extension
//! fields and MAC, and the view and the owned packet agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit::{ExtensionWriter, MAX_PACKET_LEN, Packet, PacketView, ParseError};

fuzz_target!(|data: &[u8]| {
    let owned = Packet::parse(data);
    let view = PacketView::new_checked(data);
    assert_eq!(owned, view.as_ref().map(|v| v.to_packet()).map_err(|e| *e));
    let Ok(view) = view else {
        if data.len() < 48 {
            assert_eq!(owned, Err(ParseError::TooShort { len: data.len() }));
        }
        return;
    };
    let packet = view.to_packet();
    assert_eq!(packet.to_bytes()[..], data[..48]);
    let mut buf = [0u8; MAX_PACKET_LEN];
    assert_eq!(packet.emit(&mut buf), Ok(48));
    let mut w = ExtensionWriter::new(&mut buf).expect("header fits");
    for f in view.extension_fields() {
        w.push(f.field_type, f.value).expect("a parsed field fits again");
    }
    let len = match view.mac() {
        Some(mac) => w.finish_with_mac(mac.key_id, mac.digest),
        None => w.finish(),
    }
    .expect("a parsed packet fits again");
    assert_eq!(&buf[..len], data, "rebuild must be byte-exact");
});

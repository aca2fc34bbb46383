//! NTS replies on arbitrary bytes (RFC 8915 §5.7): `PendingRequest::process_with` and an `NtsSession` never
//! panics; a rejection leaves the request and the session as they were; an accepted
//! reply carries the request's unique identifier and an authenticator, last, that an
//! independent AES-SIV decryption under the S2C key verifies, and the jar grows by
//! exactly the well-formed cookies inside. Half the inputs are genuine replies (built
//! with the fuzzer's encrypted fields) with one optional flipped bit, so the accepting
//! paths and every single-bit forgery are reached.
//!
//! Input: 1 byte flags, 2 bytes flip position, then the reply body or the plaintext.
#![no_main]

use core::net::SocketAddr;
use libfuzzer_sys::fuzz_target;
use ntpkit::exchange::{ClientRequest, ValidationConfig};
use ntpkit::nts::fields::{EncryptedFields, NTS_COOKIE, NtsFields, UNIQUE_IDENTIFIER, append_authenticator};
use ntpkit::nts::ke::MAX_COOKIE_LEN;
use ntpkit::nts::{AesSivCmac256, NtsAead, NtsSession};
use ntpkit::{
    MAX_PACKET_LEN, Mode, NtpShort, NtpTimestamp, Packet, PacketView, Precision, ReferenceId, Stratum,
};

const C2S: [u8; 32] = [0x11; 32];
const S2C: [u8; 32] = [0x22; 32];

fn snapshot(s: &NtsSession<AesSivCmac256>) -> String {
    format!("{s:?}")
}

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<3>() else { return };
    let (flags, flip) = (head[0], u16::from_be_bytes([head[1], head[2]]));
    let mut session = NtsSession::<AesSivCmac256>::new(
        AesSivCmac256::from_key(&C2S).unwrap(),
        AesSivCmac256::from_key(&S2C).unwrap(),
    );
    for n in 0..=(flags & 7) {
        session.add_cookie(&[n; 64]);
    }
    let server: SocketAddr = "127.0.0.1:123".parse().unwrap();
    let t1 = NtpTimestamp::from_parts(3_900_000_000, 0);
    let mut seed = u64::from(flip) | 1;
    let mut rng = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed
    };
    let mut request = [0u8; MAX_PACKET_LEN];
    let (len, mut pending) = ClientRequest::new().build(server, t1, &mut rng, &mut request).unwrap();
    let len = session.protect_request(&mut request, len, &mut rng).unwrap();
    let request_view = PacketView::new_checked(&request[..len]).unwrap();
    let uid = NtsFields::parse(&request_view).unwrap().unique_id.unwrap().to_vec();

    let genuine = flags & 0x80 != 0;
    let mut datagram = if genuine {
        let header = Packet {
            mode: Mode::Server,
            stratum: Stratum(2),
            precision: Precision(-20),
            reference_id: ReferenceId(*b"GPS\0"),
            root_delay: NtpShort::from_bits(0x10),
            root_dispersion: NtpShort::from_bits(0x10),
            reference_timestamp: t1,
            origin_timestamp: request_view.transmit_timestamp(),
            receive_timestamp: t1,
            transmit_timestamp: t1,
            ..Packet::default()
        };
        let mut buf = [0u8; MAX_PACKET_LEN];
        let mut n = header.emit(&mut buf).unwrap();
        n = ntpkit::ExtensionWriter::after(&mut buf, n)
            .and_then(|mut w| w.push(UNIQUE_IDENTIFIER, &uid).map(|()| w.len()))
            .unwrap();
        let plaintext = &body[..body.len().min(900) & !3];
        let Ok(n) = append_authenticator(
            &mut AesSivCmac256::from_key(&S2C).unwrap(),
            &mut buf,
            n,
            &[7; 16],
            plaintext,
        ) else {
            return;
        };
        buf[..n].to_vec()
    } else {
        body.to_vec()
    };
    let flipped = flags & 0x40 != 0 && !datagram.is_empty();
    if flipped {
        let at = usize::from(flip) % datagram.len();
        datagram[at] ^= 1 << (flags & 7);
    }

    let before = snapshot(&session);
    let cookies_before = session.cookies();
    let t4 = NtpTimestamp::from_parts(3_900_000_000, 1 << 20);
    let result = pending.process_with(server, &datagram, t4, &ValidationConfig::default(), &mut session);
    match result {
        Err(_) => {
            assert_eq!(snapshot(&session), before, "a rejection changed the session");
            assert!(!pending.is_answered());
            if genuine && !flipped {
                let view = PacketView::new_checked(&datagram[..]).unwrap();
                let auth = NtsFields::parse(&view).unwrap().authenticator.unwrap();
                let mut plain = auth.encrypted().to_vec();
                AesSivCmac256::from_key(&S2C)
                    .unwrap()
                    .open(auth.nonce, &datagram[..auth.offset], &mut plain, &auth.tag())
                    .unwrap();
                assert!(
                    EncryptedFields::check(&plain).is_err(),
                    "a genuine reply with well-formed fields was rejected: {result:?}"
                );
            }
        }
        Ok(_) => {
            assert!(pending.is_answered());
            let view = PacketView::new_checked(&datagram[..]).expect("accepted implies framed");
            let fields = NtsFields::parse(&view).expect("accepted implies well-formed NTS fields");
            assert_eq!(fields.unique_id, Some(&uid[..]), "accepted with another unique identifier");
            let auth = fields.authenticator.expect("accepted without an authenticator");
            let mut plain = auth.encrypted().to_vec();
            AesSivCmac256::from_key(&S2C)
                .unwrap()
                .open(auth.nonce, &datagram[..auth.offset], &mut plain, &auth.tag())
                .expect("accepted, but the S2C key does not verify it");
            let new = EncryptedFields::new(&plain)
                .filter(|(t, v)| *t == NTS_COOKIE && !v.is_empty() && v.len() <= MAX_COOKIE_LEN)
                .count();
            assert_eq!(session.cookies(), (cookies_before + new).min(8));
            assert!(session.has_authenticated() && !session.is_awaiting_reply());
        }
    }
});

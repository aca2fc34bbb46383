//! Symmetric-key MACs on arbitrary bytes: `auth::verify` never panics; when it accepts,
//! an independent recomputation agrees (key ID, digest length, digest of everything
//! before the MAC); a reply to a signed request is accepted only with a valid MAC, and a
//! rejection leaves the pending request unchanged. Half the inputs get a valid MAC
//! appended first, so the accepting paths are reached too.
//!
//! Input: 1 byte key selector and flags, 8 bytes nonce, then the datagram.
#![no_main]

use core::net::SocketAddr;
use libfuzzer_sys::fuzz_target;
use ntpkit::auth::{self, AesCmacKey, MAX_DIGEST_LEN, MacKey, Md5Key, Sha1Key};
use ntpkit::exchange::{ClientRequest, ValidationConfig};
use ntpkit::{NtpTimestamp, PacketView};

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<9>() else { return };
    let aes = AesCmacKey::new(1, *b"fuzz-aes-128-key").unwrap();
    let md5 = Md5Key::new(2, b"fuzz-md5").unwrap();
    let sha1 = Sha1Key::new(3, b"fuzz-sha1").unwrap();
    let key: &dyn MacKey = match head[0] % 3 {
        0 => &aes,
        1 => &md5,
        _ => &sha1,
    };
    let mut datagram = body.to_vec();
    if head[0] & 0x80 != 0 {
        let len = datagram.len() & !3;
        datagram.truncate(len);
        datagram.resize(len + 4 + key.digest_len(), 0);
        if auth::append_mac(&key, &mut datagram, len).is_err() {
            // Refused only below a header, or past the longest packet a reader takes.
            let too_long = len + 4 + key.digest_len() > ntpkit::MAX_PACKET_LEN;
            assert!(len < 48 || too_long, "append_mac refused a {len}-byte packet");
            return;
        }
    }

    if let Ok(view) = PacketView::new_checked(&datagram[..]) {
        if auth::verify(&view, &key).is_ok() {
            let mac = view.mac().expect("verified implies a MAC");
            assert_eq!(mac.key_id, key.key_id());
            assert_eq!(mac.digest.len(), key.digest_len());
            let message = &datagram[..datagram.len() - 4 - key.digest_len()];
            let mut expected = [0u8; MAX_DIGEST_LEN];
            key.digest(message, &mut expected);
            assert_eq!(&expected[..key.digest_len()], mac.digest);
        }
    }

    // The exchange path: a request signed with the key, the bytes as its reply.
    let server: SocketAddr = "127.0.0.1:123".parse().unwrap();
    let nonce = u64::from_be_bytes(head[1..9].try_into().unwrap());
    let mut request = [0u8; 72];
    let mut rng = || nonce;
    let t1 = NtpTimestamp::from_bits(nonce.rotate_left(7));
    let Ok((_, mut pending)) = ClientRequest::new().build_with(
        server,
        t1,
        &mut rng,
        &mut request,
        &mut ntpkit::exchange::MacAuth(&key),
    ) else {
        return;
    };
    let before = format!("{pending:?}");
    let r = pending.process_with(
        server,
        &datagram,
        t1,
        &ValidationConfig::default(),
        &mut ntpkit::exchange::MacAuth(&key),
    );
    match r {
        Err(_) => assert_eq!(before, format!("{pending:?}")),
        Ok(_) => {
            let view = PacketView::new_checked(&datagram[..]).expect("accepted implies framed");
            assert!(auth::verify(&view, &key).is_ok(), "accepted without a valid MAC");
        }
    }
});

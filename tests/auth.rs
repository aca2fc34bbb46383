//! Symmetric-key MACs (RFC 5905 §7.3, RFC 8573): reference vectors for every key type,
//! signed exchanges end to end, and the A rows of the hostile-input catalogue
//! (`src/catalogue.md`, published as `ntpkit::catalogue`). Every rejection leaves the pending request
//! as it was, and the genuine reply is accepted afterwards.
#![cfg(all(feature = "mac-aes-cmac", feature = "mac-md5", feature = "mac-sha1"))]

use core::net::SocketAddr;

use ntpkit::auth::{AesCmacKey, AuthError, MAX_DIGEST_LEN, MacKey, Md5Key, Sha1Key, append_mac};
use ntpkit::exchange::{ClientRequest, PendingRequest, Reject, Reply, ValidationConfig};
use ntpkit::server::{ServerError, ServerState, respond, respond_with_key};
use ntpkit::{LeapIndicator, NtpDuration, NtpTimestamp, PacketView, Stratum};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn digest_of(key: &impl MacKey, message: &[u8]) -> Vec<u8> {
    let mut out = [0u8; MAX_DIGEST_LEN];
    key.digest(message, &mut out);
    out[..key.digest_len()].to_vec()
}

/// RFC 4493 §4 examples 1 and 2 (AES-128 key 2b7e1516…, empty and 16-byte messages).
#[test]
fn aes_cmac_matches_rfc4493() {
    let key = AesCmacKey::new(1, hex("2b7e151628aed2a6abf7158809cf4f3c").try_into().unwrap()).unwrap();
    assert_eq!(key.digest_len(), 16);
    assert_eq!(digest_of(&key, b""), hex("bb1d6929e95937287fa37d129b756746"));
    assert_eq!(
        digest_of(&key, &hex("6bc1bee22e409f96e93d7e117393172a")),
        hex("070a16b46b4d4144f79bdd9dd04a287c")
    );
}

/// Keyed-prefix digests as ntpd and chrony compute them, checked against Python's
/// hashlib: md5(b"ntpkit-md5-key" + bytes(range(48))) and the same with SHA-1.
#[test]
fn legacy_digests_are_hash_of_key_then_message() {
    let message: Vec<u8> = (0..48).collect();
    let md5 = Md5Key::new(7, b"ntpkit-md5-key").unwrap();
    assert_eq!(digest_of(&md5, &message), hex("8b1e03e31e5b686f50569b4e796e3a5f"));
    let sha1 = Sha1Key::new(8, b"ntpkit-sha1-key").unwrap();
    assert_eq!(sha1.digest_len(), 20);
    assert_eq!(digest_of(&sha1, &message), hex("9e6c4daa436201ac42b1035e3c6070777e73893c"));
}

#[test]
fn keys_refuse_id_zero_and_bad_material() {
    assert!(AesCmacKey::new(0, [1; 16]).is_none());
    assert!(Md5Key::new(0, b"k").is_none());
    assert!(Md5Key::new(1, b"").is_none());
    assert!(Sha1Key::new(1, &[0; 65]).is_none());
    assert!(Sha1Key::new(1, &[0; 64]).is_some());
    // The key material never shows in logs.
    let shown = format!("{:?}", AesCmacKey::new(3, [0x5a; 16]).unwrap());
    assert_eq!(shown, "AesCmacKey { id: 3, .. }");
}

fn server() -> SocketAddr {
    ([192, 0, 2, 1], 123).into()
}

fn t(ms: i64) -> NtpTimestamp {
    NtpTimestamp::from_parts(0xeeac_e73b, 0) + NtpDuration::from_nanos(ms * 1_000_000).unwrap()
}

fn state() -> ServerState {
    ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(2),
        reference_timestamp: t(-16_000),
        ..ServerState::default()
    }
}

/// A request signed with `key` and the server's signed reply (server clock 250 ms
/// ahead, 10 ms each way).
struct Signed {
    pending: PendingRequest,
    reply: Vec<u8>,
}

fn exchange(key: &impl MacKey) -> Signed {
    let mut request = [0u8; 72];
    let mut nonce = || 0x0123_4567_89ab_cdefu64;
    let (len, pending) = ClientRequest::new()
        .build_with(server(), t(0), &mut nonce, &mut request, &mut ntpkit::exchange::MacAuth(key))
        .unwrap();
    assert_eq!(len, 48 + 4 + key.digest_len());
    assert!(pending.is_authenticated());
    let mut reply = [0u8; 72];
    let n = respond_with_key(&request[..len], &state(), t(260), t(261), key, &mut reply).unwrap();
    Signed { pending, reply: reply[..n].to_vec() }
}

fn process(s: &mut Signed, bytes: &[u8], key: &impl MacKey) -> Result<Reply, Reject> {
    s.pending.process_with(
        server(),
        bytes,
        t(21),
        &ValidationConfig::default(),
        &mut ntpkit::exchange::MacAuth(key),
    )
}

/// Asserts `bytes` is rejected with `want`, that the pending request did not change,
/// and that the genuine reply is still accepted afterwards.
fn rejects(key: &impl MacKey, bytes: &[u8], want: Reject) {
    let mut s = exchange(key);
    let before = format!("{:?}", s.pending);
    assert_eq!(process(&mut s, bytes, key), Err(want));
    assert_eq!(format!("{:?}", s.pending), before, "a rejected reply changed the request");
    let genuine = s.reply.clone();
    assert!(matches!(process(&mut s, &genuine, key), Ok(Reply::Sample(_))));
}

fn keys() -> (AesCmacKey, Md5Key, Sha1Key) {
    (
        AesCmacKey::new(1, *b"0123456789abcdef").unwrap(),
        Md5Key::new(2, b"legacy md5 secret").unwrap(),
        Sha1Key::new(3, b"legacy sha1 secret").unwrap(),
    )
}

#[test]
fn signed_exchanges_give_the_offset_with_every_key_type() {
    let (aes, md5, sha1) = keys();
    let keys: [&dyn MacKey; 3] = [&aes, &md5, &sha1];
    for key in keys {
        let mut s = exchange(&key);
        let reply = s.reply.clone();
        let view = PacketView::new_checked(&reply[..]).unwrap();
        assert_eq!(view.mac().map(|m| (m.key_id, m.digest.len())), Some((key.key_id(), key.digest_len())));
        let Ok(Reply::Sample(sample)) = process(&mut s, &reply, &key) else { panic!("key {}", key.key_id()) };
        assert_eq!(sample.offset_nanos(), 250_000_000);
        assert_eq!(sample.delay_nanos(), 20_000_000);
        assert!(s.pending.is_answered());
    }
}

/// one digest byte (every bit of every byte, in turn) flipped: `AuthFailed`,
/// nothing changes, the genuine reply is then accepted (chrony's unit tests corrupt the
/// MAC the same way; CVE-2016-1550 is a timing leak in the compare, which is constant
/// time here).
#[test]
fn a1_flipped_digest_bit_fails_authentication() {
    let (aes, _, sha1) = keys();
    let keys: [&dyn MacKey; 2] = [&aes, &sha1];
    for key in keys {
        let genuine = exchange(&key).reply;
        for i in genuine.len() - key.digest_len()..genuine.len() {
            for bit in 0..8 {
                let mut bad = genuine.clone();
                bad[i] ^= 1 << bit;
                rejects(&key, &bad, Reject::AuthFailed(AuthError::Mismatch));
            }
        }
        // A flipped bit in the authenticated header is caught the same way.
        let mut bad = genuine.clone();
        bad[47] ^= 1;
        rejects(&key, &bad, Reject::AuthFailed(AuthError::Mismatch));
    }
}

/// a MAC under another key ID (the ID + 1, and an unrelated key), and a digest of
/// the wrong length for the key: `AuthFailed`.
#[test]
fn a2_wrong_key_id_or_truncated_digest_fails() {
    let (aes, md5, sha1) = keys();
    let genuine = exchange(&aes).reply;
    let mut bumped = genuine.clone();
    bumped[48..52].copy_from_slice(&2u32.to_be_bytes());
    rejects(&aes, &bumped, Reject::AuthFailed(AuthError::WrongKeyId { received: 2 }));
    // Signed correctly, but with the MD5 key (ID 2) instead of the AES key (ID 1).
    let mut other = genuine[..48].to_vec();
    other.resize(68, 0);
    append_mac(&md5, &mut other, 48).unwrap();
    rejects(&aes, &other, Reject::AuthFailed(AuthError::WrongKeyId { received: 2 }));
    // A SHA-1 key, and a reply whose MAC is 16 bytes (truncated from 20).
    let genuine = exchange(&sha1).reply;
    let truncated = &genuine[..genuine.len() - 4];
    rejects(&sha1, truncated, Reject::AuthFailed(AuthError::WrongDigestLength { received: 16 }));
}

/// the request was signed, the reply carries no MAC (CVE-2015-1798), or the caller
/// checks it without a key: `Unauthenticated`.
#[test]
fn a3_signed_request_and_unsigned_reply_is_unauthenticated() {
    let (aes, _, _) = keys();
    let genuine = exchange(&aes).reply;
    rejects(&aes, &genuine[..48], Reject::Unauthenticated);
    let mut s = exchange(&aes);
    let before = format!("{:?}", s.pending);
    let reply = s.reply.clone();
    let r = s.pending.process(server(), &reply, t(21), &ValidationConfig::default());
    assert_eq!(r, Err(Reject::Unauthenticated));
    assert_eq!(format!("{:?}", s.pending), before);
}

/// a 4-byte crypto-NAK (key ID 0, and the configured key's ID with no digest)
/// never authenticates (CVE-2015-7871, CVE-2016-1547, CVE-2016-4955).
#[test]
fn a4_crypto_nak_is_never_authenticated() {
    let (aes, _, _) = keys();
    let genuine = exchange(&aes).reply;
    for id in [0u32, 1] {
        let mut nak = genuine[..48].to_vec();
        nak.extend_from_slice(&id.to_be_bytes());
        rejects(&aes, &nak, Reject::AuthFailed(AuthError::CryptoNak));
    }
}

/// Unsigned requests still work as before, and a MAC on a reply to an unsigned request
/// is ignored rather than trusted.
#[test]
fn unsigned_exchange_is_unchanged() {
    let mut request = [0u8; 48];
    let mut nonce = || 0x0123_4567_89ab_cdefu64;
    let (len, mut pending) = ClientRequest::new().build(server(), t(0), &mut nonce, &mut request).unwrap();
    assert!(!pending.is_authenticated());
    let mut reply = [0u8; 72];
    let n = respond(&request[..len], &state(), t(260), t(261), &mut reply).unwrap();
    let (aes, _, _) = keys();
    let n = append_mac(&aes, &mut reply, n).unwrap();
    let r = pending.process(server(), &reply[..n], t(21), &ValidationConfig::default());
    assert!(matches!(r, Ok(Reply::Sample(_))), "{r:?}");
}

/// The server side: an unsigned or wrongly signed request gets no reply and nothing is
/// written; a request that is too small a buffer for the MAC is refused before writing.
#[test]
fn server_answers_only_requests_signed_with_its_key() {
    let (aes, md5, _) = keys();
    let mut request = [0u8; 72];
    let mut nonce = || 42u64;
    let (len, _) = ClientRequest::new().build(server(), t(0), &mut nonce, &mut request).unwrap();
    let mut out = [0xeeu8; 72];
    let r = respond_with_key(&request[..len], &state(), t(1), t(1), &aes, &mut out);
    assert_eq!(r, Err(ServerError::Unauthenticated(AuthError::Missing)));
    let (len, _) = ClientRequest::new()
        .build_with(server(), t(0), &mut nonce, &mut request, &mut ntpkit::exchange::MacAuth(&md5))
        .unwrap();
    let r = respond_with_key(&request[..len], &state(), t(1), t(1), &aes, &mut out);
    assert_eq!(r, Err(ServerError::Unauthenticated(AuthError::WrongKeyId { received: 2 })));
    assert!(out.iter().all(|&b| b == 0xee), "nothing written on error");
    let (len, _) = ClientRequest::new()
        .build_with(server(), t(0), &mut nonce, &mut request, &mut ntpkit::exchange::MacAuth(&aes))
        .unwrap();
    let r = respond_with_key(&request[..len], &state(), t(1), t(1), &aes, &mut out[..60]);
    assert!(matches!(r, Err(ServerError::Emit(_))), "{r:?}");
    assert!(out.iter().all(|&b| b == 0xee), "nothing written on error");
}

/// The request builder refuses a buffer without room for the MAC and writes nothing.
#[test]
fn build_with_key_needs_room_for_the_mac() {
    let (_, _, sha1) = keys();
    let mut buf = [0xeeu8; 71];
    let mut nonce = || 42u64;
    let r = ClientRequest::new().build_with(
        server(),
        t(0),
        &mut nonce,
        &mut buf,
        &mut ntpkit::exchange::MacAuth(&sha1),
    );
    assert!(r.is_err());
    assert!(buf.iter().all(|&b| b == 0xee));
}

/// `append_mac` writes through the one extension-field writer, so it refuses what no
/// reader takes: a packet that would exceed `MAX_PACKET_LEN` (PacketTooLong), as it
/// refuses one shorter than a header, and writes nothing either way.
#[test]
fn append_mac_never_writes_a_packet_readers_refuse() {
    let (aes, _, sha1) = keys();
    let mut buf = vec![0u8; 2048];
    let len = ntpkit::MAX_PACKET_LEN - 20; // 1076: +4 +20 = 1100 is too long, +4 +16 fits
    assert_eq!(append_mac(&sha1, &mut buf, len), Err(ntpkit::EmitError::PacketTooLong { len: 1100 }));
    assert!(buf.iter().all(|&b| b == 0));
    assert_eq!(append_mac(&aes, &mut buf, len), Ok(ntpkit::MAX_PACKET_LEN));
    assert_eq!(append_mac(&aes, &mut buf, 44), Err(ntpkit::EmitError::BadPacketLength { len: 44 }));
}

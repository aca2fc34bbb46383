//! NTS extension fields and sessions (RFC 8915 §5): a request carries a fresh unique
//! identifier, one cookie, placeholders to refill the jar and an authenticator; a reply
//! is accepted only with the right identifier and an authenticator that verifies, and
//! only then are its cookies kept. The N rows of the hostile-input catalogue
//! (`src/catalogue.md`, published as `ntpkit::catalogue`) are here; every rejection leaves the pending
//! request and the session as they were, and the genuine reply is accepted afterwards.
//!
//! The server side is written here from the RFC with the crate's public pieces
//! (`ExtensionWriter`, [`append_authenticator`], [`NtsFields`]); chrony checks the same
//! code from the other side in `examples/nts/tests/interop_nts.rs`.
#![cfg(feature = "nts-aes-siv")]

use core::net::SocketAddr;
use core::time::Duration;

use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::exchange::{
    ClientRequest, MacAuth, PendingRequest, Reject, Reply, RequestError, ValidationConfig,
};
use ntpkit::nts::fields::{
    AUTHENTICATOR, COOKIE_PLACEHOLDER, EncryptedFields, NTS_COOKIE, NtsFields, UID_LEN, UNIQUE_IDENTIFIER,
    append_authenticator,
};
use ntpkit::nts::ke::{KeResponse, NtsKeys};
use ntpkit::nts::{AesSivCmac256, NtsAead, NtsError, NtsSession, TAG_LEN};
use ntpkit::time::Instant;
use ntpkit::{
    KissCode, LeapIndicator, MAX_PACKET_LEN, Mode, NtpShort, NtpTimestamp, Packet, PacketView, Precision,
    ReferenceId, Stratum,
};

const C2S: [u8; 32] = [0x11; 32];
const S2C: [u8; 32] = [0x22; 32];

fn aead(key: &[u8; 32]) -> AesSivCmac256 {
    AesSivCmac256::from_key(key).unwrap()
}

fn server() -> SocketAddr {
    "127.0.0.1:123".parse().unwrap()
}

fn cookie(n: u8) -> Vec<u8> {
    // chrony's cookies are about 100 bytes; a multiple of 4 like theirs.
    (0..100).map(|i| n ^ i).collect()
}

fn session(cookies: u8) -> NtsSession<AesSivCmac256> {
    let mut s = NtsSession::new(aead(&C2S), aead(&S2C));
    for n in 0..cookies {
        assert!(s.add_cookie(&cookie(n)));
    }
    s
}

fn counter() -> impl FnMut() -> u64 {
    let mut n = 0x0123_4567_89ab_cdefu64;
    move || {
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        n
    }
}

/// `ticks` × 10 ms after a fixed instant: T1 = t(0), T2 = T3 = t(1), T4 = t(2) make a
/// 20 ms round trip.
fn t(ticks: u32) -> NtpTimestamp {
    NtpTimestamp::from_parts(3_900_000_000, ticks * 42_949_673)
}

/// A request built and protected by the session, with its pending token.
fn request(s: &mut NtsSession<AesSivCmac256>) -> (Vec<u8>, PendingRequest) {
    let mut buf = [0u8; MAX_PACKET_LEN];
    let (len, pending) = ClientRequest::new().build(server(), t(0), &mut counter(), &mut buf).unwrap();
    // A process-wide stream, so that successive requests draw different identifiers.
    static STREAM: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let mut random = || STREAM.fetch_add(0x9e37_79b9_7f4a_7c15, std::sync::atomic::Ordering::Relaxed);
    let len = s.protect_request(&mut buf, len, &mut random).unwrap();
    (buf[..len].to_vec(), pending)
}

/// How the fake server shapes its reply.
#[derive(Clone, Copy)]
struct Shape {
    uid_override: Option<[u8; UID_LEN]>,
    extra_uid: bool,
    field_after_authenticator: bool,
    nak: bool,
    unauthenticated: bool,
    cookie_base: u8,
}

impl Default for Shape {
    fn default() -> Self {
        Self {
            uid_override: None,
            extra_uid: false,
            field_after_authenticator: false,
            nak: false,
            unauthenticated: false,
            cookie_base: 200,
        }
    }
}

/// An NTS server written from RFC 8915 §5.7: checks the request's authenticator under
/// C2S, answers with the unique identifier and, encrypted under S2C, one new cookie per
/// cookie and placeholder received.
fn serve(request: &[u8], shape: Shape) -> Vec<u8> {
    let view = PacketView::new_checked(request).unwrap();
    let fields = NtsFields::parse(&view).unwrap();
    let auth = fields.authenticator.expect("request has an authenticator");
    let mut plaintext = auth.encrypted().to_vec();
    aead(&C2S).open(auth.nonce, &request[..auth.offset], &mut plaintext, &auth.tag()).expect("C2S authentic");
    assert_eq!(fields.cookies, 1, "exactly one cookie per request");
    let uid = fields.unique_id.expect("request has a unique identifier");
    assert_eq!(uid.len(), UID_LEN);

    let mut header = reply_header(&view);
    if shape.nak {
        (header.stratum, header.reference_id) = (Stratum(0), ReferenceId(*b"NTSN"));
    }
    let mut buf = [0u8; MAX_PACKET_LEN];
    let mut len = header.emit(&mut buf).unwrap();
    let uid_sent = shape.uid_override.map(|u| u.to_vec()).unwrap_or_else(|| uid.to_vec());
    len = ntpkit::ExtensionWriter::after(&mut buf, len)
        .and_then(|mut w| w.push(UNIQUE_IDENTIFIER, &uid_sent).map(|()| w.len()))
        .unwrap();
    if shape.extra_uid {
        len = ntpkit::ExtensionWriter::after(&mut buf, len)
            .and_then(|mut w| w.push(UNIQUE_IDENTIFIER, &uid_sent).map(|()| w.len()))
            .unwrap();
    }
    if shape.nak || shape.unauthenticated {
        return buf[..len].to_vec();
    }
    let mut encrypted = Vec::new();
    for i in 0..1 + fields.placeholders {
        let c = cookie(shape.cookie_base.wrapping_add(i));
        encrypted.extend_from_slice(&NTS_COOKIE.to_be_bytes());
        encrypted.extend_from_slice(&u16::try_from(c.len() + 4).unwrap().to_be_bytes());
        encrypted.extend_from_slice(&c);
    }
    len = append_authenticator(&mut aead(&S2C), &mut buf, len, &[0x5a; 16], &encrypted).unwrap();
    if shape.field_after_authenticator {
        len = ntpkit::ExtensionWriter::after(&mut buf, len)
            .and_then(|mut w| w.push(0x7777, &[0; 28]).map(|()| w.len()))
            .unwrap();
    }
    buf[..len].to_vec()
}

/// What a rejection must leave alone.
fn snapshot(s: &NtsSession<AesSivCmac256>, p: &PendingRequest) -> (usize, bool, bool, bool) {
    (s.cookies(), s.is_awaiting_reply(), s.has_authenticated(), p.is_answered())
}

fn process(p: &mut PendingRequest, s: &mut NtsSession<AesSivCmac256>, reply: &[u8]) -> Result<Reply, Reject> {
    p.process_with(server(), reply, t(2), &ValidationConfig::default(), s)
}

/// The cookie the next request would carry (the jar's front), read off a request.
fn cookie_sent(request: &[u8]) -> Vec<u8> {
    let view = PacketView::new_checked(request).unwrap();
    NtsFields::parse(&view).unwrap().cookie.unwrap().to_vec()
}

#[test]
fn request_carries_uid_cookie_placeholders_and_authenticator() {
    let mut s = session(3);
    let (req, _) = request(&mut s);
    let view = PacketView::new_checked(&req[..]).unwrap();
    let types: Vec<u16> = view.extension_fields().map(|f| f.field_type).collect();
    // 8 - 3 = 5 placeholders refill the jar to 8 after the one cookie spent.
    let mut expected = vec![UNIQUE_IDENTIFIER, NTS_COOKIE];
    expected.extend([COOKIE_PLACEHOLDER; 5]);
    expected.push(AUTHENTICATOR);
    assert_eq!(types, expected);
    let fields = NtsFields::parse(&view).unwrap();
    assert_eq!(fields.cookie.unwrap(), &cookie(0)[..], "the oldest cookie goes first");
    for f in view.extension_fields().filter(|f| f.field_type == COOKIE_PLACEHOLDER) {
        assert_eq!(f.value, &[0u8; 100][..], "placeholders are as long as the cookie, zero-filled");
    }
    let auth = fields.authenticator.unwrap();
    assert_eq!((auth.nonce.len(), auth.ciphertext.len()), (16, TAG_LEN), "16-byte nonce, tag only");
    assert_eq!(s.cookies(), 2, "one cookie spent");
    assert!(s.is_awaiting_reply());
    // The data-minimized header is still data-minimized.
    assert_eq!(view.origin_timestamp(), NtpTimestamp::ZERO);
}

#[test]
fn exchange_authenticates_and_refills_the_jar() {
    let mut s = session(2);
    let (req, mut pending) = request(&mut s);
    let reply = serve(&req, Shape::default());
    let Reply::Sample(result) = process(&mut pending, &mut s, &reply).unwrap() else {
        panic!("not a sample")
    };
    assert_eq!(result.stratum(), Stratum(2));
    assert_eq!(s.cookies(), 8, "1 left + 7 new (1 cookie + 6 placeholders)");
    assert!(s.has_authenticated() && !s.is_awaiting_reply());
    // Cookies are used oldest first and never twice: the next request carries cookie 1,
    // then the new ones in the order the server sent them.
    let (req2, _) = request(&mut s);
    assert_eq!(cookie_sent(&req2), cookie(1));
    let (req3, _) = request(&mut s);
    assert_eq!(cookie_sent(&req3), cookie(200));
    // Each request draws a fresh unique identifier.
    let uid = |r: &[u8]| {
        NtsFields::parse(&PacketView::new_checked(r).unwrap()).unwrap().unique_id.unwrap().to_vec()
    };
    assert_ne!(uid(&req2), uid(&req3));
}

#[test]
fn full_jar_sends_no_placeholders_and_empty_jar_sends_nothing() {
    let mut s = session(8);
    let (req, _) = request(&mut s);
    let fields_view = PacketView::new_checked(&req[..]).unwrap();
    assert_eq!(NtsFields::parse(&fields_view).unwrap().placeholders, 0);
    let mut empty = session(0);
    assert!(empty.needs_key_exchange());
    let mut buf = [0u8; MAX_PACKET_LEN];
    let (len, _) = ClientRequest::new().build(server(), t(0), &mut counter(), &mut buf).unwrap();
    assert_eq!(empty.protect_request(&mut buf, len, &mut counter()), Err(NtsError::NoCookie));
    assert!(!empty.is_awaiting_reply());
}

#[test]
fn small_buffer_limits_placeholders_or_refuses_without_spending_a_cookie() {
    let mut s = session(1);
    let mut buf = [0u8; 48 + 36 + 104 + 40 + 104 * 2];
    let (len, _) = ClientRequest::new().build(server(), t(0), &mut counter(), &mut buf).unwrap();
    let len = s.protect_request(&mut buf, len, &mut counter()).unwrap();
    assert_eq!(len, buf.len(), "two placeholders fit, not seven");
    let mut s = session(1);
    let mut tiny = [0u8; 48 + 36 + 104 + 39];
    let (len, _) = ClientRequest::new().build(server(), t(0), &mut counter(), &mut tiny).unwrap();
    assert!(matches!(s.protect_request(&mut tiny, len, &mut counter()), Err(NtsError::Emit(_))));
    assert_eq!(s.cookies(), 1, "a failed protect spends no cookie");
}

/// N-1: a reply whose unique identifier is not the outstanding request's is discarded
/// and no cookie is harvested (RFC 8915 §5.7).
#[test]
fn n1_wrong_unique_identifier_is_discarded() {
    let mut s = session(4);
    let (req, mut pending) = request(&mut s);
    let before = snapshot(&s, &pending);
    let forged = serve(&req, Shape { uid_override: Some([0xee; UID_LEN]), ..Shape::default() });
    assert_eq!(process(&mut pending, &mut s, &forged), Err(Reject::Nts(NtsError::UniqueIdentifierMismatch)));
    assert_eq!(snapshot(&s, &pending), before, "no cookies harvested, nothing changed");
    assert!(matches!(process(&mut pending, &mut s, &serve(&req, Shape::default())), Ok(Reply::Sample(_))));
}

/// N-2: one flipped bit anywhere the authenticator covers (header, unique identifier,
/// nonce, tag, ciphertext) makes the reply fail authentication; nothing changes.
#[test]
fn n2_any_flipped_bit_fails_authentication() {
    let mut s = session(7);
    let (req, mut pending) = request(&mut s);
    let reply = serve(&req, Shape::default());
    let before = snapshot(&s, &pending);
    let view = PacketView::new_checked(&reply[..]).unwrap();
    let auth = NtsFields::parse(&view).unwrap().authenticator.unwrap();
    let auth_at = auth.offset;
    let mut failures = 0;
    for byte in 0..reply.len() {
        // Every byte counts, the header included: authentication runs before the origin,
        // mode or any other field is looked at. Only the field headers of the UID and
        // the authenticator and the authenticator's two length words are skipped:
        // changing them is a framing error (N-4), not a forgery.
        let in_lengths = (48..52).contains(&byte) || (auth_at..auth_at + 8).contains(&byte);
        if in_lengths {
            continue; // changing a field length is a framing error, covered by N-4
        }
        for bit in [0x01, 0x80] {
            let mut bad = reply.clone();
            bad[byte] ^= bit;
            let r = process(&mut pending, &mut s, &bad);
            assert!(r.is_err(), "byte {byte} bit {bit:#x} accepted");
            if r == Err(Reject::Nts(NtsError::AuthenticationFailed)) {
                failures += 1;
            }
            assert_eq!(snapshot(&s, &pending), before);
        }
    }
    // Every byte outside the UID value (whose change is a mismatch, N-1) and the
    // padding-free lengths is authenticated.
    assert!(failures >= 2 * (reply.len() - 8 - UID_LEN - 4), "only {failures} flips failed authentication");
    assert!(matches!(process(&mut pending, &mut s, &reply), Ok(Reply::Sample(_))));
}

/// N-3: after an authenticated exchange, a plain reply with a valid origin (the
/// stripping attack) is `Unauthenticated`; nothing changes.
#[test]
fn n3_plain_reply_after_authenticated_exchange_is_unauthenticated() {
    let mut s = session(8);
    let (req, mut pending) = request(&mut s);
    assert!(process(&mut pending, &mut s, &serve(&req, Shape::default())).is_ok());
    assert!(s.has_authenticated());
    let (req, mut pending) = request(&mut s);
    let before = snapshot(&s, &pending);
    // The plain header a stripping attacker sends: right origin, no NTS fields.
    let plain = serve(&req, Shape::default())[..48].to_vec();
    assert_eq!(PacketView::new_checked(&plain[..]).unwrap().origin_timestamp(), pending.nonce());
    assert_eq!(process(&mut pending, &mut s, &plain), Err(Reject::Unauthenticated));
    // The same with the unique identifier copied but no authenticator.
    let stripped = serve(&req, Shape { unauthenticated: true, ..Shape::default() });
    assert_eq!(process(&mut pending, &mut s, &stripped), Err(Reject::Unauthenticated));
    assert_eq!(snapshot(&s, &pending), before);
    assert!(process(&mut pending, &mut s, &serve(&req, Shape::default())).is_ok());
}

/// N-8: the reply to an NTS-protected request, even a genuine one, checked without the
/// session (`process`, the unauthenticated shorthand) is `Unauthenticated`: a protected
/// request never takes an unauthenticated answer, whichever entry point reads it. The
/// request stays pending and the session's answer is still accepted.
#[test]
fn n8_protected_request_never_takes_an_unauthenticated_reply() {
    let mut s = session(8);
    let mut buf = [0u8; MAX_PACKET_LEN];
    let mut random = counter();
    let (len, mut pending) =
        ClientRequest::new().build_with(server(), t(0), &mut random, &mut buf, &mut s).unwrap();
    let req = buf[..len].to_vec();
    assert!(pending.is_authenticated());
    let genuine = serve(&req, Shape::default());
    let plain = genuine[..48].to_vec();
    for reply in [&genuine, &plain] {
        let before = snapshot(&s, &pending);
        let r = pending.process(server(), reply, t(21), &ValidationConfig::default());
        assert_eq!(r, Err(Reject::Unauthenticated));
        assert_eq!(snapshot(&s, &pending), before);
    }
    assert!(process(&mut pending, &mut s, &genuine).is_ok());
}

/// Rewrites the authenticator's nonce length field.
fn with_nonce_len(reply: &[u8], nonce_len: u16) -> Vec<u8> {
    let view = PacketView::new_checked(reply).unwrap();
    let at = NtsFields::parse(&view).unwrap().authenticator.unwrap().offset;
    let mut bad = reply.to_vec();
    bad[at + 4..at + 6].copy_from_slice(&nonce_len.to_be_bytes());
    bad
}

/// N-4: an authenticator that is not last, two unique identifiers, and nonce lengths
/// past the field or below 16 are refused by name (RFC 8915 §5.6–5.7).
#[test]
fn n4_malformed_nts_structure_is_refused_by_name() {
    let mut s = session(8);
    let (req, mut pending) = request(&mut s);
    let before = snapshot(&s, &pending);
    let not_last = serve(&req, Shape { field_after_authenticator: true, ..Shape::default() });
    assert_eq!(process(&mut pending, &mut s, &not_last), Err(Reject::Nts(NtsError::AuthenticatorNotLast)));
    let two_uids = serve(&req, Shape { extra_uid: true, ..Shape::default() });
    assert_eq!(
        process(&mut pending, &mut s, &two_uids),
        Err(Reject::Nts(NtsError::DuplicateUniqueIdentifier))
    );
    let reply = serve(&req, Shape::default());
    assert_eq!(
        process(&mut pending, &mut s, &with_nonce_len(&reply, 2000)),
        Err(Reject::Nts(NtsError::MalformedNonce { len: 2000 }))
    );
    assert_eq!(
        process(&mut pending, &mut s, &with_nonce_len(&reply, 8)),
        Err(Reject::Nts(NtsError::MalformedNonce { len: 8 }))
    );
    // A MAC trailer after the authenticator is not allowed either.
    let mut with_mac = reply.clone();
    with_mac.extend_from_slice(&[0, 0, 0, 1]);
    assert_eq!(process(&mut pending, &mut s, &with_mac), Err(Reject::Nts(NtsError::AuthenticatorNotLast)));
    assert_eq!(snapshot(&s, &pending), before);
    assert!(process(&mut pending, &mut s, &reply).is_ok());
}

/// N-6: an unauthenticated NTSN kiss-o'-death with the right unique identifier is an
/// NTS NAK: reported, with the request still pending and the session kept; with another
/// identifier it is just unauthenticated. In a `Client`, the NAK is an event only.
#[test]
fn n6_ntsn_nak_is_reported_and_keeps_the_session() {
    let mut s = session(8);
    let (req, mut pending) = request(&mut s);
    let before = snapshot(&s, &pending);
    let nak = serve(&req, Shape { nak: true, ..Shape::default() });
    assert_eq!(process(&mut pending, &mut s, &nak), Err(Reject::NtsNak));
    let other = serve(&req, Shape { nak: true, uid_override: Some([1; UID_LEN]), ..Shape::default() });
    assert_eq!(process(&mut pending, &mut s, &other), Err(Reject::Unauthenticated));
    assert_eq!(snapshot(&s, &pending), before);
    assert!(
        process(&mut pending, &mut s, &serve(&req, Shape::default())).is_ok(),
        "genuine reply still accepted"
    );

    // The same through a Client: an event, the request stays outstanding.
    let mut client = Client::<1>::new(ClientConfig::default());
    let id =
        client.add_server(Instant::from_nanos(0), server(), PeerConfig::default(), &mut counter()).unwrap();
    let mut s = session(8);
    let now = Instant::from_nanos(10_000_000_000);
    let mut buf = [0u8; MAX_PACKET_LEN];
    let tx = client.poll_transmit_with(now, t(0), &mut counter(), &mut buf, &mut s).unwrap().unwrap();
    let req = buf[..tx.len].to_vec();
    let nak = serve(&req, Shape { nak: true, ..Shape::default() });
    assert_eq!(client.handle_response_with(now, server(), &nak, t(2), &mut s), Ok(()));
    assert_eq!(client.poll_event(), Some(Event::KissOfDeath { server: id, code: KissCode::Ntsn }));
    assert_eq!(client.poll_event(), None);
    assert_eq!(s.cookies(), 7);
    client.handle_response_with(now, server(), &serve(&req, Shape::default()), t(2), &mut s).unwrap();
    assert!(matches!(client.poll_event(), Some(Event::Sample { server, .. }) if server == id));
    assert_eq!(s.cookies(), 8);
}

/// A `Client` runs a server as NTS: twenty polls sustain themselves on the cookies the
/// replies bring; a tampered reply is rejected with no state change; an exhausted jar
/// stops requests with an event instead of falling back to plain NTP.
#[test]
fn client_runs_a_server_as_nts() {
    let mut client = Client::<1>::new(ClientConfig { min_sources: 1, ..ClientConfig::default() });
    let cfg = PeerConfig { min_poll: 4, max_poll: 4, iburst: false, ..PeerConfig::default() };
    let id = client.add_server(Instant::from_nanos(0), server(), cfg, &mut counter()).unwrap();
    let mut s = session(8);
    let mut rng = counter();
    let mut now = Instant::from_nanos(0);
    let mut samples = 0;
    for round in 0..20u8 {
        now = client.poll_timeout().unwrap().max(now);
        client.handle_timeout(now);
        let mut buf = [0u8; MAX_PACKET_LEN];
        let tx = client
            .poll_transmit_with(now, t(0), &mut rng, &mut buf, &mut s)
            .unwrap()
            .expect("a request is due");
        let req = buf[..tx.len].to_vec();
        let reply = serve(&req, Shape { cookie_base: round.wrapping_mul(8), ..Shape::default() });
        let mut bad = reply.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let fp = client.state_fingerprint();
        assert_eq!(
            client.handle_response_with(now, server(), &bad, t(2), &mut s),
            Err(Reject::Nts(NtsError::AuthenticationFailed))
        );
        assert_eq!(client.state_fingerprint(), fp);
        client.handle_response_with(now, server(), &reply, t(2), &mut s).unwrap();
        while let Some(e) = client.poll_event() {
            samples += usize::from(matches!(e, Event::Sample { server, .. } if server == id));
        }
        assert_eq!(s.cookies(), 8);
    }
    assert_eq!(samples, 20);

    // Out of cookies: no request goes out, an event says why, the next poll is later.
    let mut empty = session(0);
    now = client.poll_timeout().unwrap();
    let mut buf = [0u8; MAX_PACKET_LEN];
    assert_eq!(client.poll_transmit_with(now, t(0), &mut rng, &mut buf, &mut empty), Ok(None));
    assert_eq!(
        client.poll_event(),
        Some(Event::AuthUnavailable { server: id, error: RequestError::Nts(NtsError::NoCookie) })
    );
    assert!(client.poll_timeout().unwrap() > now);
}

/// Per-server authentication: slot 0 is NTS, slot 1 plain; a plain reply is fine for
/// server 1 and refused for server 0.
#[test]
fn per_server_auth_array() {
    let mut client = Client::<2>::new(ClientConfig { min_sources: 1, ..ClientConfig::default() });
    let cfg = PeerConfig { iburst: false, ..PeerConfig::default() };
    let plain_addr: SocketAddr = "127.0.0.1:124".parse().unwrap();
    client.add_server(Instant::from_nanos(0), server(), cfg, &mut || 1).unwrap();
    client.add_server(Instant::from_nanos(0), plain_addr, cfg, &mut || 1).unwrap();
    let mut auth = [Some(session(8)), None];
    let now = Instant::from_nanos(5_000_000_000);
    let mut rng = counter();
    let mut sent = Vec::new();
    let mut buf = [0u8; MAX_PACKET_LEN];
    while let Some(tx) = client.poll_transmit_with(now, t(0), &mut rng, &mut buf, &mut auth).unwrap() {
        sent.push((tx.addr, buf[..tx.len].to_vec()));
    }
    assert_eq!(sent.len(), 2);
    assert!(sent[0].1.len() > 48 && sent[1].1.len() == 48, "only server 0's request carries NTS fields");
    let plain_reply = |req: &[u8]| serve_plain(req);
    assert_eq!(
        client.handle_response_with(now, server(), &plain_reply(&sent[0].1), t(2), &mut auth),
        Err(Reject::Unauthenticated)
    );
    assert_eq!(
        client.handle_response_with(now, plain_addr, &plain_reply(&sent[1].1), t(2), &mut auth),
        Ok(())
    );
    assert_eq!(
        client.handle_response_with(now, server(), &serve(&sent[0].1, Shape::default()), t(2), &mut auth),
        Ok(())
    );
}

/// A plain (unauthenticated) reply to `request`.
fn serve_plain(request: &[u8]) -> Vec<u8> {
    reply_header(&PacketView::new_checked(request).unwrap()).to_bytes().to_vec()
}

/// A stratum-2 server's reply header to the request in `view`: T2 = T3 = t(1).
fn reply_header(view: &PacketView<&[u8]>) -> Packet {
    Packet {
        leap: LeapIndicator::NoWarning,
        mode: Mode::Server,
        stratum: Stratum(2),
        reference_id: ReferenceId(*b"GPS\0"),
        root_delay: NtpShort::from_bits(0x10),
        root_dispersion: NtpShort::from_bits(0x10),
        reference_timestamp: t(0),
        origin_timestamp: view.transmit_timestamp(),
        receive_timestamp: t(1),
        transmit_timestamp: t(1),
        precision: Precision(-20),
        ..Packet::default()
    }
}

/// The session made from an NTS-KE response takes its cookies and refuses keys for
/// another algorithm.
#[test]
fn session_from_ke_response() {
    let mut response = KeResponse { aead: 15, ..KeResponse::default() };
    for n in 0..3 {
        response.cookies.push(heapless::Vec::from_slice(&cookie(n)).unwrap()).unwrap();
    }
    let keys = NtsKeys { aead: 15, len: 32, c2s: [0x11; 64], s2c: [0x22; 64] };
    let s = NtsSession::<AesSivCmac256>::from_ke(&response, &keys).unwrap();
    assert_eq!(s.cookies(), 3);
    let wrong = NtsKeys { aead: 16, len: 48, ..keys.clone() };
    assert_eq!(NtsSession::<AesSivCmac256>::from_ke(&response, &wrong).unwrap_err(), NtsError::KeyMismatch);
    // Its keys are the exported ones: a request it protects verifies under C2S.
    let mut s = s;
    let (req, _) = request(&mut s);
    let _ = serve(&req, Shape::default());
    assert_eq!(
        format!("{s:?}"),
        "NtsSession { algorithm: 15, cookies: 2, outstanding: true, authenticated: false, .. }"
    );
}

/// Encrypted fields may be shorter than 16 bytes but must be multiples of 4; the walker
/// stops at the first bad one and `check` reports it.
#[test]
fn encrypted_field_walker() {
    let ok = [0x02, 0x04, 0, 8, 1, 2, 3, 4, 0x99, 0x99, 0, 4];
    let fields: Vec<(u16, &[u8])> = EncryptedFields::new(&ok).collect();
    assert_eq!(fields, vec![(NTS_COOKIE, &[1, 2, 3, 4][..]), (0x9999, &[][..])]);
    assert!(EncryptedFields::check(&ok).is_ok());
    for bad in [&[0x02, 0x04, 0, 6, 1, 2][..], &[0x02, 0x04, 0, 12, 1, 2, 3, 4], &[0, 0, 0, 0], &[1, 2]] {
        assert_eq!(EncryptedFields::check(bad), Err(NtsError::MalformedEncryptedField), "{bad:?}");
    }
}

/// Symmetric keys through the same trait: `MacAuth` signs the client's requests and
/// requires a valid MAC on replies.
#[cfg(feature = "mac-aes-cmac")]
#[test]
fn client_with_mac_auth() {
    use ntpkit::auth::AesCmacKey;
    use ntpkit::server::{ServerState, respond_with_key};
    let key = AesCmacKey::new(7, [0x42; 16]).unwrap();
    let mut auth = MacAuth(&key);
    let mut client = Client::<1>::new(ClientConfig { min_sources: 1, ..ClientConfig::default() });
    let cfg = PeerConfig { iburst: false, ..PeerConfig::default() };
    client.add_server(Instant::from_nanos(0), server(), cfg, &mut || 1).unwrap();
    let now = Instant::from_nanos(5_000_000_000);
    let mut buf = [0u8; 128];
    let tx = client.poll_transmit_with(now, t(0), &mut counter(), &mut buf, &mut auth).unwrap().unwrap();
    assert_eq!(tx.len, 48 + 20);
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(1),
        reference_id: ReferenceId(*b"GPS\0"),
        reference_timestamp: t(0),
        ..ServerState::default()
    };
    let mut out = [0u8; 128];
    let n = respond_with_key(&buf[..tx.len], &state, t(1), t(1), &key, &mut out).unwrap();
    let mut bad = out[..n].to_vec();
    bad[n - 1] ^= 1;
    assert!(matches!(
        client.handle_response_with(now, server(), &bad, t(2), &mut auth),
        Err(Reject::AuthFailed(_))
    ));
    assert_eq!(client.handle_response_with(now, server(), &out[..n], t(2), &mut auth), Ok(()));
    let _ = Duration::ZERO;
}

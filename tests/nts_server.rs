//! The NTS server (RFC 8915 §4–6): NTS-KE responses from `respond_ke`, cookies under
//! rotating master keys (`CookieKeys`) and the NTS responder (`respond_nts`), checked
//! against ntpkit's own NTS client for the three AEADs, and the server-side N rows of
//! the hostile-input catalogue (`src/catalogue.md`). chronyd checks the same server from
//! outside in `examples/nts/tests/interop_nts_server.rs`.
#![cfg(all(feature = "nts-aes-siv", feature = "nts-aes-siv-512", feature = "nts-aes-gcm-siv"))]

use core::net::SocketAddr;

use ntpkit::exchange::{ClientRequest, PendingRequest, Reject, Reply, ValidationConfig};
use ntpkit::nts::cookie::{CookieError, CookieKeys, cookie_len};
use ntpkit::nts::fields::NtsFields;
use ntpkit::nts::ke::{
    AEAD_AES_128_GCM_SIV, AEAD_AES_SIV_CMAC_256, AEAD_AES_SIV_CMAC_512, KeError, KeRequest, KeResponse,
    KeyExporter, export_keys,
};
use ntpkit::nts::ke_server::{
    KeOutcome, KeServerConfig, KeServerRequest, MAX_KE_REQUEST_LEN, error_code, respond_ke, respond_ke_error,
};
use ntpkit::nts::{AesSivCmac256, AnyAead, NtsAead, NtsSession, SUPPORTED_AEADS};
use ntpkit::server::ServerState;
use ntpkit::server::nts::{NakReason, NtsAnswer, NtsServeError, respond_nts};
use ntpkit::{LeapIndicator, MAX_PACKET_LEN, NtpTimestamp, PacketView, Stratum};

/// Stands in for one TLS session: both ends export the same keying material for the
/// same label and context (RFC 8446 §7.5), different for different sessions.
struct Tls(u64);

impl KeyExporter for Tls {
    type Error = ();
    fn export_keying_material(&mut self, label: &[u8], context: &[u8], out: &mut [u8]) -> Result<(), ()> {
        let mut h = self.0 ^ 0xcbf2_9ce4_8422_2325;
        for b in label.iter().chain(context) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
        for b in out.iter_mut() {
            h = h.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *b = (h >> 56) as u8;
        }
        Ok(())
    }
}

fn random() -> impl FnMut() -> u64 {
    static STREAM: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(7);
    || {
        STREAM
            .fetch_add(0x9e37_79b9_7f4a_7c15, std::sync::atomic::Ordering::Relaxed)
            .wrapping_mul(0xff51_afd7_ed55_8ccd)
    }
}

fn master(id: u32) -> CookieKeys<AnyAead, 3> {
    let mut keys = CookieKeys::new();
    keys.rotate(id, AnyAead::with_key(AEAD_AES_SIV_CMAC_256, &[id as u8; 32]).unwrap());
    keys
}

fn state() -> ServerState {
    ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() }
}

fn server_addr() -> SocketAddr {
    "127.0.0.1:123".parse().unwrap()
}

fn t(ms: u32) -> NtpTimestamp {
    NtpTimestamp::from_parts(3_900_000_000, ms * 4_294_967)
}

/// NTS-KE between ntpkit's client and server over one "TLS session": the client offers
/// `offered`, the server accepts `accepted`.
fn key_exchange(
    cookies: &mut CookieKeys<AnyAead, 3>,
    offered: &[u16],
    accepted: &[u16],
    tls: u64,
) -> Result<(KeOutcome, NtsSession<AnyAead>), KeError> {
    let mut wire = [0u8; 64];
    let n = KeRequest { aead_algorithms: offered, server: None, port: None }.encode(&mut wire).unwrap();
    let (request, used) = KeServerRequest::decode(&wire[..n]).unwrap();
    assert_eq!(used, n);
    let mut out = [0u8; 2048];
    let config = KeServerConfig { aeads: accepted, server: None, port: Some(11_123) };
    let (len, outcome) =
        respond_ke(&request, &config, &mut Tls(tls), cookies, &mut random(), &mut out).unwrap();
    let (response, used) = KeResponse::decode_for(&out[..len], offered)?;
    assert_eq!(used, len);
    assert_eq!(response.port, Some(11_123));
    let keys = export_keys(&mut Tls(tls), response.aead).unwrap().unwrap();
    Ok((outcome, NtsSession::from_ke(&response, &keys).unwrap()))
}

fn request(session: &mut NtsSession<AnyAead>) -> (Vec<u8>, PendingRequest) {
    let mut buf = [0u8; MAX_PACKET_LEN];
    let (len, pending) = ClientRequest::new().build(server_addr(), t(0), &mut random(), &mut buf).unwrap();
    let len = session.protect_request(&mut buf, len, &mut random()).unwrap();
    (buf[..len].to_vec(), pending)
}

fn serve(
    cookies: &mut CookieKeys<AnyAead, 3>,
    request: &[u8],
) -> Result<(NtsAnswer, Vec<u8>), NtsServeError> {
    let mut out = [0u8; MAX_PACKET_LEN];
    let answer = respond_nts(request, &state(), t(5), || t(6), cookies, &mut random(), &mut out)?;
    Ok((answer, out[..answer.len()].to_vec()))
}

fn process(p: &mut PendingRequest, s: &mut NtsSession<AnyAead>, reply: &[u8]) -> Result<Reply, Reject> {
    p.process_with(server_addr(), reply, t(11), &ValidationConfig::default(), s)
}

#[test]
fn every_aead_both_ways_through_ke_and_ntp() {
    for aead in [AEAD_AES_128_GCM_SIV, AEAD_AES_SIV_CMAC_512, AEAD_AES_SIV_CMAC_256] {
        let mut cookies = master(1);
        let (outcome, mut session) = key_exchange(&mut cookies, &[aead], SUPPORTED_AEADS, 42).unwrap();
        assert_eq!(outcome, KeOutcome::Session { aead, cookies: 8 });
        assert_eq!(session.cookies(), 8);
        for round in 0..12 {
            let (req, mut pending) = request(&mut session);
            let (answer, reply) = serve(&mut cookies, &req).unwrap();
            assert!(reply.len() <= req.len(), "no amplification: {} > {}", reply.len(), req.len());
            let NtsAnswer::Time { cookies: sent, .. } = answer else { panic!("{answer:?}") };
            assert_eq!(sent, 1, "AEAD {aead} round {round}: the jar was full but for the one spent");
            match process(&mut pending, &mut session, &reply).unwrap() {
                Reply::Sample(s) => {
                    assert_eq!(s.offset_nanos().abs(), 0, "t1 0, t2 5, t3 6, t4 11 ms");
                    assert!((s.delay_nanos() - 10_000_000).abs() < 1_000, "{}", s.delay_nanos());
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(session.cookies(), 8, "AEAD {aead}: the jar refilled");
        }
        // The nonce the reply carries is the AEAD's: 12 bytes for GCM-SIV, 16 for SIV.
        let (req, _) = request(&mut session);
        let (_, reply) = serve(&mut cookies, &req).unwrap();
        let view = PacketView::new_checked(&reply[..]).unwrap();
        let nonce = NtsFields::parse(&view).unwrap().authenticator.unwrap().nonce.len();
        assert_eq!(nonce, if aead == AEAD_AES_128_GCM_SIV { 12 } else { 16 });
    }
}

#[test]
fn client_order_decides_among_the_aeads_the_server_accepts() {
    let mut cookies = master(1);
    let (outcome, _) =
        key_exchange(&mut cookies, &[AEAD_AES_SIV_CMAC_512, 30, 15], SUPPORTED_AEADS, 1).unwrap();
    assert_eq!(outcome, KeOutcome::Session { aead: AEAD_AES_SIV_CMAC_512, cookies: 8 });
    let (outcome, _) = key_exchange(&mut cookies, &[99, 30, 15], &[15], 1).unwrap();
    assert_eq!(outcome, KeOutcome::Session { aead: AEAD_AES_SIV_CMAC_256, cookies: 8 });
}

#[test]
fn cookie_sizes_are_the_documented_ones() {
    let mut cookies = master(1);
    for (aead, siv_len) in [(30, 72), (17, 168), (15, 104)] {
        assert_eq!(cookie_len(aead, 16), Some(siv_len));
        let mut wire = [0u8; 64];
        let n = KeRequest { aead_algorithms: &[aead], server: None, port: None }.encode(&mut wire).unwrap();
        let (request, _) = KeServerRequest::decode(&wire[..n]).unwrap();
        let mut out = [0u8; 2048];
        let config = KeServerConfig { aeads: SUPPORTED_AEADS, ..KeServerConfig::default() };
        let (len, _) =
            respond_ke(&request, &config, &mut Tls(3), &mut cookies, &mut random(), &mut out).unwrap();
        let (response, _) = KeResponse::decode_for(&out[..len], &[aead]).unwrap();
        assert!(response.cookies.iter().all(|c| c.len() == siv_len), "AEAD {aead}");
    }
    // Under an AES-128-GCM-SIV master key the nonce is 12 bytes: 4 bytes shorter.
    let mut gcm: CookieKeys<AnyAead, 3> = CookieKeys::new();
    gcm.rotate(9, AnyAead::with_key(30, &[9; 16]).unwrap());
    let keys = export_keys(&mut Tls(3), 15).unwrap().unwrap();
    let mut out = [0u8; 200];
    assert_eq!(gcm.seal(&keys, &mut random(), &mut out), Ok(100));
    assert_eq!(gcm.open(&out[..100]).unwrap(), keys);
}

#[test]
fn n9_a_bad_cookie_gets_an_ntsn_nak_the_client_reports() {
    let mut cookies = master(1);
    let (_, mut session) = key_exchange(&mut cookies, &[30], SUPPORTED_AEADS, 5).unwrap();
    let (req, mut pending) = request(&mut session);
    let view = PacketView::new_checked(&req[..]).unwrap();
    let cookie = NtsFields::parse(&view).unwrap().cookie.unwrap();
    let at = cookie.as_ptr() as usize - req.as_ptr() as usize;
    for bit in [0usize, 4 * 8, 20 * 8, 40 * 8] {
        let mut bad = req.clone();
        bad[at + bit / 8] ^= 1 << (bit % 8);
        let (answer, reply) = serve(&mut cookies, &bad).unwrap();
        assert!(matches!(answer, NtsAnswer::Nak { reason: NakReason::Cookie(_), .. }), "{answer:?}");
        assert_eq!(process(&mut pending, &mut session, &reply), Err(Reject::NtsNak));
    }
    // The genuine request is still answered and accepted: nothing changed.
    let (_, reply) = serve(&mut cookies, &req).unwrap();
    assert!(matches!(process(&mut pending, &mut session, &reply), Ok(Reply::Sample(_))));
}

#[test]
fn n10_a_replayed_request_is_answered_statelessly_and_useless() {
    let mut cookies = master(1);
    let (_, mut session) = key_exchange(&mut cookies, &[15], SUPPORTED_AEADS, 6).unwrap();
    let (req, mut pending) = request(&mut session);
    let (_, first) = serve(&mut cookies, &req).unwrap();
    let (_, again) = serve(&mut cookies, &req).unwrap();
    assert_ne!(first, again, "fresh nonces and cookies every time");
    assert!(matches!(process(&mut pending, &mut session, &first), Ok(Reply::Sample(_))));
    let before = session.cookies();
    // The replay's reply finds no request outstanding: refused, nothing taken.
    assert!(process(&mut pending, &mut session, &again).is_err());
    assert_eq!(session.cookies(), before);
}

#[test]
fn n11_a_cookie_under_a_rotated_out_master_key_is_refused_a_held_one_opens() {
    let mut cookies = master(1);
    let (_, mut session) = key_exchange(&mut cookies, &[17], SUPPORTED_AEADS, 7).unwrap();
    let (req, mut pending) = request(&mut session);
    cookies.rotate(2, AnyAead::with_key(15, &[2; 32]).unwrap());
    cookies.rotate(3, AnyAead::with_key(30, &[3; 16]).unwrap());
    assert_eq!((cookies.held(), cookies.current_id()), (3, Some(3)));
    let (answer, reply) = serve(&mut cookies, &req).unwrap();
    assert!(matches!(answer, NtsAnswer::Time { .. }), "key 1 is still held: {answer:?}");
    assert!(matches!(process(&mut pending, &mut session, &reply), Ok(Reply::Sample(_))));
    // The new cookies are under key 3; the ones from NTS-KE under key 1.
    let (req_old, mut pending) = request(&mut session);
    cookies.rotate(4, AnyAead::with_key(15, &[4; 32]).unwrap());
    let (answer, reply) = serve(&mut cookies, &req_old).unwrap();
    assert_eq!(
        answer,
        NtsAnswer::Nak { len: reply.len(), reason: NakReason::Cookie(CookieError::UnknownKey(1)) }
    );
    assert_eq!(process(&mut pending, &mut session, &reply), Err(Reject::NtsNak));
}

#[test]
fn n12_wrong_aead_keys_or_seal_get_a_nak() {
    // A server whose key type does only AES-SIV-CMAC-256, sharing the master key of one
    // that issued AES-128-GCM-SIV cookies: it cannot use the keys inside.
    let mut issuing = master(1);
    let (_, mut session) = key_exchange(&mut issuing, &[30], SUPPORTED_AEADS, 8).unwrap();
    let mut narrow: CookieKeys<AesSivCmac256, 3> = CookieKeys::new();
    narrow.rotate(1, AesSivCmac256::from_key(&[1; 32]).unwrap());
    let (req, _) = request(&mut session);
    let mut out = [0u8; MAX_PACKET_LEN];
    let answer = respond_nts(&req, &state(), t(5), || t(6), &mut narrow, &mut random(), &mut out).unwrap();
    assert!(matches!(answer, NtsAnswer::Nak { reason: NakReason::Aead(30), .. }), "{answer:?}");
    // A request sealed under another session's C2S key (another TLS session's cookie
    // spliced in): the cookie opens, the authenticator does not verify.
    let (_, mut other) = key_exchange(&mut issuing, &[30], SUPPORTED_AEADS, 9).unwrap();
    let (req, mut pending) = request(&mut session);
    let (req_other, _) = request(&mut other);
    let cookie_of = |r: &[u8]| {
        let v = PacketView::new_checked(r).unwrap();
        let c = NtsFields::parse(&v).unwrap().cookie.unwrap();
        (c.as_ptr() as usize - r.as_ptr() as usize, c.len())
    };
    let (at, n) = cookie_of(&req);
    let (at_o, n_o) = cookie_of(&req_other);
    assert_eq!(n, n_o);
    let mut spliced = req.clone();
    spliced[at..at + n].copy_from_slice(&req_other[at_o..at_o + n]);
    let (answer, reply) = serve(&mut issuing, &spliced).unwrap();
    assert!(matches!(answer, NtsAnswer::Nak { reason: NakReason::Authenticator, .. }), "{answer:?}");
    assert_eq!(process(&mut pending, &mut session, &reply), Err(Reject::NtsNak));
}

#[test]
fn n13_a_truncated_authenticator_or_missing_fields_get_no_reply() {
    let mut cookies = master(1);
    let (_, mut session) = key_exchange(&mut cookies, &[15], SUPPORTED_AEADS, 10).unwrap();
    let (req, _) = request(&mut session);
    // The authenticator is last; cut its tag (and keep the packet 4-aligned).
    let mut cut = req.clone();
    cut.truncate(req.len() - 8);
    let end = cut.len();
    let view = PacketView::new_checked(&req[..]).unwrap();
    let auth_at = NtsFields::parse(&view).unwrap().authenticator.unwrap().offset;
    let field_len = (end - auth_at) as u16;
    cut[auth_at + 2..auth_at + 4].copy_from_slice(&field_len.to_be_bytes());
    let mut out = [0u8; MAX_PACKET_LEN];
    let mut try_it =
        |r: &[u8]| respond_nts(r, &state(), t(5), || t(6), &mut cookies, &mut random(), &mut out);
    assert!(
        matches!(try_it(&cut), Err(NtsServeError::Fields(_)) | Err(NtsServeError::Server(_))),
        "{:?}",
        try_it(&cut)
    );
    // No authenticator at all: the header and the first fields only.
    assert_eq!(try_it(&req[..auth_at]), Err(NtsServeError::NoAuthenticator));
    // A plain request (no NTS fields): not an NTS request.
    assert_eq!(try_it(&req[..48]), Err(NtsServeError::UniqueIdentifier));
}

#[test]
fn n14_a_ke_request_offering_nothing_we_support_gets_empty_records_and_no_cookie() {
    let mut cookies = master(1);
    assert_eq!(key_exchange(&mut cookies, &[16, 99], SUPPORTED_AEADS, 1).err(), Some(KeError::NoCommonAead));
    // No NTPv4 in Next Protocol: an empty Next Protocol record.
    let request = KeServerRequest { ntpv4: false, ..KeServerRequest::default() };
    let mut out = [0u8; 256];
    let config = KeServerConfig { aeads: SUPPORTED_AEADS, ..KeServerConfig::default() };
    let (len, outcome) =
        respond_ke(&request, &config, &mut Tls(1), &mut cookies, &mut random(), &mut out).unwrap();
    assert_eq!(outcome, KeOutcome::NoCommonProtocol);
    assert_eq!(&out[..len], &[0x80, 1, 0, 0, 0x80, 0, 0, 0]);
    assert_eq!(KeResponse::decode(&out[..len]).err(), Some(KeError::NoNtpv4));
}

#[test]
fn n15_a_ke_request_that_never_ends_is_refused_after_1024_bytes() {
    // Non-critical unknown records, forever: read in pieces as a TLS stream would come.
    let mut stream = vec![0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15];
    while stream.len() < 64 * 1024 {
        stream.extend_from_slice(&[0x40, 0x00, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
    let mut refused_at = None;
    for read in (0..=stream.len()).step_by(100) {
        match KeServerRequest::decode(&stream[..read]) {
            Err(KeError::Incomplete) => assert!(read <= MAX_KE_REQUEST_LEN + 100),
            Err(KeError::TooLong) => {
                refused_at = Some(read);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    let at = refused_at.expect("refused");
    assert!(at <= MAX_KE_REQUEST_LEN + 100, "{at}");
    // One record announcing 60,000 bytes is refused at once, not waited for.
    assert_eq!(KeServerRequest::decode(&[0x80, 1, 0, 2, 0, 0, 0x40, 0, 0xea, 0x60]), Err(KeError::TooLong));
    let code = error_code(&KeError::TooLong).unwrap();
    let mut out = [0u8; 16];
    let n = respond_ke_error(code, &mut out).unwrap();
    assert_eq!(KeResponse::decode(&out[..n]).err(), Some(KeError::ServerError(1)));
}

#[test]
fn n16_malformed_ke_requests_are_named_and_answered_with_their_error_code() {
    let cases: [(&[u8], KeError, u16); 5] = [
        // An unknown critical record.
        (
            &[0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0xc0, 0x01, 0, 0, 0x80, 0, 0, 0],
            KeError::UnknownCriticalRecord(0x4001),
            0,
        ),
        // A client sending a cookie or an error (the server's records).
        (
            &[0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0, 5, 0, 2, 1, 2, 0x80, 0, 0, 0],
            KeError::UnexpectedRecord(5),
            1,
        ),
        // Two Next Protocol records.
        (&[0x80, 1, 0, 2, 0, 0, 0x80, 1, 0, 2, 0, 0, 0x80, 0, 0, 0], KeError::DuplicateRecord(1), 1),
        // NTPv4 without an AEAD record.
        (&[0x80, 1, 0, 2, 0, 0, 0x80, 0, 0, 0], KeError::NoNtpv4, 1),
        // An odd-length AEAD record.
        (
            &[0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 3, 0, 15, 0, 0x80, 0, 0, 0],
            KeError::BadRecordLength { record_type: 4, len: 3 },
            1,
        ),
    ];
    for (bytes, error, code) in cases {
        let got = KeServerRequest::decode(bytes).unwrap_err();
        assert_eq!(got, error);
        assert_eq!(error_code(&got), Some(code));
    }
    assert_eq!(error_code(&KeError::Incomplete), None);
}

#[test]
fn n17_requests_without_an_identifier_or_with_two_cookies_get_no_reply() {
    let mut cookies = master(1);
    let (_, mut session) = key_exchange(&mut cookies, &[15], SUPPORTED_AEADS, 11).unwrap();
    // Two requests lost: the third asks for two cookies with placeholders.
    let _ = (request(&mut session), request(&mut session));
    let (req, _) = request(&mut session);
    let view = PacketView::new_checked(&req[..]).unwrap();
    let fields = NtsFields::parse(&view).unwrap();
    let uid_at = fields.unique_id.unwrap().as_ptr() as usize - req.as_ptr() as usize - 4;
    // The identifier's type changed to an unknown one: no identifier.
    let mut no_uid = req.clone();
    no_uid[uid_at..uid_at + 2].copy_from_slice(&0x7001u16.to_be_bytes());
    let mut out = [0u8; MAX_PACKET_LEN];
    assert_eq!(
        respond_nts(&no_uid, &state(), t(5), || t(6), &mut cookies, &mut random(), &mut out),
        Err(NtsServeError::UniqueIdentifier)
    );
    // A placeholder turned into a second cookie.
    let ph_at = req.windows(4).position(|w| w[..2] == [0x03, 0x04]).unwrap();
    let mut two = req.clone();
    two[ph_at..ph_at + 2].copy_from_slice(&[0x02, 0x04]);
    assert_eq!(
        respond_nts(&two, &state(), t(5), || t(6), &mut cookies, &mut random(), &mut out),
        Err(NtsServeError::CookieCount(2))
    );
    // No master key at all: every cookie is unknown, and the answer says so.
    let mut empty: CookieKeys<AnyAead, 3> = CookieKeys::new();
    let answer = respond_nts(&req, &state(), t(5), || t(6), &mut empty, &mut random(), &mut out).unwrap();
    assert!(matches!(answer, NtsAnswer::Nak { reason: NakReason::Cookie(CookieError::UnknownKey(1)), .. }));
}

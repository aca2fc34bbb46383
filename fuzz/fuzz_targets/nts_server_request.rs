//! The NTS responder (RFC 8915 §5.7) on arbitrary requests: `respond_nts` never panics,
//! never answers with more bytes than the request had, and answers with time only a
//! genuine request: one built by ntpkit's NTS client from a cookie the server issued.
//! Half the inputs are such requests (AEAD 15, 17 or 30, a few placeholders) with one
//! optional flipped bit: unflipped, the reply is time and the client accepts it with
//! every cookie asked for; flipped anywhere, never time (an NTSN NAK or nothing). Every
//! reply parses; a NAK is a stratum-0 NTSN kiss carrying the request's identifier.
//!
//! Input: 1 byte flags, 2 bytes flip position, then the request (arbitrary inputs) or
//! the session's key material (genuine ones).
#![no_main]

use core::net::SocketAddr;
use libfuzzer_sys::fuzz_target;
use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::nts::cookie::CookieKeys;
use ntpkit::nts::fields::NtsFields;
use ntpkit::nts::ke::{KeResponse, NtsKeys};
use ntpkit::nts::{AnyAead, NtsAead, NtsSession};
use ntpkit::server::ServerState;
use ntpkit::server::nts::{NtsAnswer, respond_nts};
use ntpkit::{KissCode, LeapIndicator, MAX_PACKET_LEN, NtpTimestamp, PacketView, Stratum};

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<3>() else { return };
    let (flags, flip) = (head[0], u16::from_be_bytes([head[1], head[2]]));
    let mut master: CookieKeys<AnyAead, 3> = CookieKeys::new();
    master.rotate(5, AnyAead::with_key(15, &[5; 32]).unwrap());
    let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
    let t = |ms: u32| NtpTimestamp::from_parts(3_900_000_000, ms * 4_294_967);
    let mut seed = u64::from(flip) << 8 | u64::from(flags) | 1;
    let mut rng = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed
    };
    let mut out = [0u8; MAX_PACKET_LEN];

    if flags & 0x80 == 0 {
        // Arbitrary bytes: never time (no cookie of ours can be forged).
        if let Ok(answer) = respond_nts(body, &state, t(5), || t(6), &mut master, &mut rng, &mut out) {
            assert!(matches!(answer, NtsAnswer::Nak { .. }), "{answer:?}");
            assert!(answer.len() <= body.len().max(48 + 36 + 28));
        }
        return;
    }

    // A genuine session: keys from the input, cookies the server sealed.
    let aead = [15u16, 17, 30, 15][usize::from(flags & 3)];
    let len = ntpkit::nts::ke::aead_key_len(aead).unwrap();
    let mut keys = NtsKeys { aead, len, c2s: [1; 64], s2c: [2; 64] };
    for (i, b) in body.iter().take(2 * len).enumerate() {
        if i < len { keys.c2s[i] = *b } else { keys.s2c[i - len] = *b }
    }
    let mut response = KeResponse { aead, ..KeResponse::default() };
    let mut cookie = [0u8; 200];
    for _ in 0..8 {
        let n = master.seal(&keys, &mut rng, &mut cookie).unwrap();
        response.cookies.push(heapless::Vec::from_slice(&cookie[..n]).unwrap()).unwrap();
    }
    let mut session = NtsSession::<AnyAead>::from_ke(&response, &keys).unwrap();
    // Lost requests before this one: it asks for that many more cookies.
    let lost = (flags >> 2) & 3;
    let server: SocketAddr = "127.0.0.1:123".parse().unwrap();
    let mut buf = [0u8; MAX_PACKET_LEN];
    for _ in 0..lost {
        let (n, _) = ClientRequest::new().build(server, t(0), &mut rng, &mut buf).unwrap();
        session.protect_request(&mut buf, n, &mut rng).unwrap();
    }
    let (n, mut pending) = ClientRequest::new().build(server, t(0), &mut rng, &mut buf).unwrap();
    let n = session.protect_request(&mut buf, n, &mut rng).unwrap();
    let mut request = buf[..n].to_vec();
    let flipped = flags & 0x40 != 0;
    if flipped {
        let at = usize::from(flip) % (8 * n);
        request[at / 8] ^= 1 << (at % 8);
    }
    let uid = {
        let view = PacketView::new_checked(&buf[..n]).unwrap();
        NtsFields::parse(&view).unwrap().unique_id.unwrap().to_vec()
    };
    let answer = respond_nts(&request, &state, t(5), || t(6), &mut master, &mut rng, &mut out);
    match answer {
        Ok(NtsAnswer::Time { len, cookies }) => {
            assert!(!flipped, "a flipped request was answered with time");
            assert!(len <= request.len());
            assert_eq!(cookies, usize::from(lost) + 1);
            let before = session.cookies();
            let reply =
                pending.process_with(server, &out[..len], t(11), &ValidationConfig::default(), &mut session);
            assert!(matches!(reply, Ok(Reply::Sample(_))), "{reply:?}");
            assert_eq!(session.cookies(), before + cookies);
        }
        Ok(NtsAnswer::Nak { len, .. }) => {
            assert!(flipped, "a genuine request got a NAK");
            let view = PacketView::new_checked(&out[..len]).unwrap();
            assert_eq!((view.stratum(), view.reference_id().as_kiss_code()), (Stratum(0), KissCode::Ntsn));
            let fields = NtsFields::parse(&view).unwrap();
            let echoed = fields.unique_id.unwrap();
            // The identifier echoed is the request's as received (possibly flipped).
            let view_req = PacketView::new_checked(&request[..]).unwrap();
            assert_eq!(Some(echoed), NtsFields::parse(&view_req).unwrap().unique_id);
            let _ = &uid;
        }
        Err(_) => assert!(flipped, "a genuine request was dropped"),
    }
});

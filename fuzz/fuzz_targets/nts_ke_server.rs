//! The NTS-KE server (RFC 8915 §4) on arbitrary request bytes: `KeServerRequest::decode`
//! and `respond_ke` never panic; a request still incomplete is never longer than
//! `MAX_KE_REQUEST_LEN`; every refusal has an error code whose response the client
//! reads back as that server error; an accepted request gets a response the client
//! decodes, with an AEAD it offered and the server accepts, and 8 cookies that each
//! open, under the server's master key, to exactly the keys the client exports.
//!
//! Input: 1 byte picks the AEADs the server accepts, the rest is the request stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit::nts::cookie::CookieKeys;
use ntpkit::nts::ke::{KeError, KeResponse, KeyExporter, export_keys};
use ntpkit::nts::ke_server::{
    KeOutcome, KeServerConfig, KeServerRequest, MAX_KE_REQUEST_LEN, error_code, respond_ke, respond_ke_error,
};
use ntpkit::nts::{AnyAead, NtsAead};

struct Tls;

impl KeyExporter for Tls {
    type Error = ();
    fn export_keying_material(&mut self, label: &[u8], context: &[u8], out: &mut [u8]) -> Result<(), ()> {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
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

fuzz_target!(|data: &[u8]| {
    let Some((&pick, stream)) = data.split_first() else { return };
    let all = [30u16, 17, 15];
    let accepted: Vec<u16> =
        all.iter().enumerate().filter(|(i, _)| pick & (1 << i) != 0).map(|(_, a)| *a).collect();
    let mut master: CookieKeys<AnyAead, 3> = CookieKeys::new();
    master.rotate(7, AnyAead::with_key(15, &[7; 32]).unwrap());
    let mut counter = 0u64;
    let mut random = move || {
        counter = counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
        counter
    };
    let request = match KeServerRequest::decode(stream) {
        Ok((request, used)) => {
            assert!(used <= stream.len() && used <= MAX_KE_REQUEST_LEN + 4 + usize::from(u16::MAX));
            request
        }
        Err(KeError::Incomplete) => {
            assert!(stream.len() <= MAX_KE_REQUEST_LEN, "incomplete after {} bytes", stream.len());
            return;
        }
        Err(e) => {
            let code = error_code(&e).expect("a refusal has a code");
            let mut out = [0u8; 16];
            let n = respond_ke_error(code, &mut out).unwrap();
            assert_eq!(KeResponse::decode(&out[..n]).err(), Some(KeError::ServerError(code)));
            return;
        }
    };
    let config = KeServerConfig { aeads: &accepted, server: None, port: Some(4123) };
    let mut out = [0u8; 2048];
    let (len, outcome) = respond_ke(&request, &config, &mut Tls, &mut master, &mut random, &mut out).unwrap();
    let decoded = KeResponse::decode_for(&out[..len], &request.aeads);
    match outcome {
        KeOutcome::Session { aead, cookies } => {
            assert!(request.ntpv4 && request.aeads.contains(&aead) && accepted.contains(&aead));
            let (response, used) = decoded.expect("the client reads the response");
            assert_eq!((used, response.aead, response.cookies.len(), cookies), (len, aead, 8, 8));
            let keys = export_keys(&mut Tls, aead).unwrap().unwrap();
            for cookie in &response.cookies {
                assert_eq!(master.open(cookie).unwrap(), keys);
            }
        }
        KeOutcome::NoCommonAead => {
            assert!(request.aeads.iter().all(|a| !accepted.contains(a)));
            assert_eq!(decoded.err(), Some(KeError::NoCommonAead));
        }
        KeOutcome::NoCommonProtocol => {
            assert!(!request.ntpv4);
            assert_eq!(decoded.err(), Some(KeError::NoNtpv4));
        }
        _ => unreachable!(),
    }
});

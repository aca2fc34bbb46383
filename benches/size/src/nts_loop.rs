//! The NTS client exchange the `ntpkit_nts*` binaries measure, generic over the AEAD:
//! the request carries a unique identifier, a cookie, placeholders and an authenticator
//! (`NtsSession::protect_request`), and the reply is accepted only if it authenticates
//! under the S2C key (`PendingRequest::process_with` and the session), refilling the
//! cookie jar. NTS-KE (TLS 1.3) is not included: a device would use its TLS stack.

use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::nts::{NtsAead, NtsSession};
use ntpkit::{NtpTimestamp, UnixTime};
use ntpkit_size::*;

fn now() -> NtpTimestamp {
    let (seconds, micros) = clock();
    UnixTime::new(seconds as i64, micros.wrapping_mul(1000))
        .map_or(NtpTimestamp::ZERO, NtpTimestamp::from_unix)
}

/// The NTS exchange loop with AEAD `A` (keys of `A::KEY_LEN` bytes from `make`).
pub fn run_with<A: NtsAead>(make: fn(&[u8]) -> Option<A>, key_len: usize) -> ! {
    let server = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 123));
    let config = ValidationConfig::default();
    let mut builder = ClientRequest::new();
    // A real device gets the keys and first cookies from NTS-KE.
    let material = entropy().to_be_bytes();
    let mut key = [0u8; 64];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&material);
    }
    let key = key.get(..key_len).unwrap_or_default();
    let (Some(c2s), Some(s2c)) = (make(key), make(key)) else { loop {} };
    let mut session = NtsSession::<A, 8>::new(c2s, s2c);
    let _ = session.add_cookie(&material);
    loop {
        let mut request = [0u8; NTS_LEN];
        let Ok((len, mut pending)) = builder.build(server, now(), &mut entropy, &mut request) else {
            publish(3, u64::MAX);
            continue;
        };
        let Ok(len) = session.protect_request(&mut request, len, &mut entropy) else {
            publish(3, u64::MAX - 2);
            continue;
        };
        send_nts(&request, len);
        let mut reply = [0u8; NTS_LEN];
        let len = receive_nts(&mut reply);
        let t4 = now();
        // Where the reply came from is the network's to say: opaque, as in a firmware.
        let source = core::hint::black_box(server);
        match pending.process_with(source, reply.get(..len).unwrap_or_default(), t4, &config, &mut session) {
            Ok(Reply::Sample(sample)) => {
                publish(0, sample.t3().to_bits());
                publish(1, sample.offset().to_bits() as u64);
                publish(2, sample.delay().to_bits() as u64);
                publish(3, u64::from(sample.stratum().0));
            }
            Ok(Reply::KissOfDeath { .. }) => publish(3, u64::MAX - 1),
            Err(_) => publish(3, u64::MAX),
        }
    }
}

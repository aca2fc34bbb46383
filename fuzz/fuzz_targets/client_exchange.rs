//! INV-4, INV-5, INV-6: validate arbitrary bytes, source and T4 against a pending
//! request. A rejection leaves the request unchanged; an accepted sample satisfies every
//! check, re-verified here independently of the library; at most one reply is accepted.
//!
//! Input: 8 bytes T1, 8 bytes nonce, 8 bytes T4, 1 byte source selector, then the
//! datagram.
#![no_main]

use core::net::SocketAddr;
use libfuzzer_sys::fuzz_target;
use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::{LeapIndicator, Mode, NtpTimestamp, Packet};

fuzz_target!(|data: &[u8]| {
    let Some((head, datagram)) = data.split_first_chunk::<25>() else { return };
    let word = |i: usize| u64::from_be_bytes(head[i..i + 8].try_into().unwrap());
    let (t1, nonce, t4) = (NtpTimestamp::from_bits(word(0)), word(8), NtpTimestamp::from_bits(word(16)));
    let server: SocketAddr = "127.0.0.1:123".parse().unwrap();
    let source: SocketAddr = if head[24] & 1 == 0 { server } else { "127.0.0.1:124".parse().unwrap() };
    let mut rng = || nonce;
    let mut buf = [0u8; 48];
    let Ok((_, mut pending)) = ClientRequest::new().build(server, t1, &mut rng, &mut buf) else {
        assert!(nonce == 0 || nonce == t1.to_bits());
        return;
    };
    let config = ValidationConfig::default();
    let before = (pending.nonce(), pending.t1(), pending.version(), pending.is_answered());
    match pending.process(source, datagram, t4, &config) {
        Err(_) => {
            assert_eq!(before, (pending.nonce(), pending.t1(), pending.version(), pending.is_answered()))
        }
        Ok(reply) => {
            // Oracle: re-check what acceptance implies, from the raw bytes.
            let p = Packet::parse(datagram).expect("accepted implies well-formed");
            assert_eq!(source, server);
            assert_eq!(p.origin_timestamp.to_bits(), nonce);
            assert_ne!(nonce, 0);
            assert_eq!(p.mode, Mode::Server);
            assert_eq!(p.version, pending.version());
            match reply {
                Reply::KissOfDeath { code, .. } => {
                    assert_eq!(p.stratum.0, 0);
                    assert_eq!(p.reference_id.as_kiss_code(), code);
                }
                Reply::Sample(s) => {
                    assert_ne!(p.leap, LeapIndicator::Unsynchronized);
                    assert!((1..=15).contains(&p.stratum.0));
                    assert!(!p.receive_timestamp.is_zero() && !p.transmit_timestamp.is_zero());
                    assert!(s.root_distance() < config.max_root_distance);
                    assert!(!s.delay().is_negative());
                    assert_eq!(
                        (s.t1(), s.t2(), s.t3(), s.t4()),
                        (t1, p.receive_timestamp, p.transmit_timestamp, t4)
                    );
                    let a = i128::from(p.receive_timestamp.to_bits().wrapping_sub(t1.to_bits()) as i64);
                    let b = i128::from(p.transmit_timestamp.to_bits().wrapping_sub(t4.to_bits()) as i64);
                    assert_eq!(i128::from(s.offset().to_bits()), (a + b).div_euclid(2));
                    // The two halves describe one exchange (no half-era straddle).
                    assert_eq!(
                        a - b,
                        i128::from(s.t4().to_bits().wrapping_sub(s.t1().to_bits()) as i64)
                            - i128::from(s.t3().to_bits().wrapping_sub(s.t2().to_bits()) as i64)
                    );
                }
            }
            assert!(pending.is_answered());
            // INV-6: nothing is accepted twice.
            assert!(pending.process(source, datagram, t4, &config).is_err());
        }
    }
});

//! `ntpkit_min` with symmetric-key authentication: the request carries an AES-128-CMAC
//! (RFC 8573) and the reply is accepted only with a valid MAC under the same key
//! (`build_with` and `process_with` with `MacAuth`). The difference to `ntpkit_min` is the cost of
//! authentication: AES, CMAC, the MAC trailer and the constant-time compare.
#![no_std]
#![no_main]

use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use ntpkit::auth::AesCmacKey;
use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::{NtpTimestamp, UnixTime};
use ntpkit_size::*;

fn now() -> NtpTimestamp {
    let (seconds, micros) = clock();
    UnixTime::new(seconds as i64, micros.wrapping_mul(1000))
        .map_or(NtpTimestamp::ZERO, NtpTimestamp::from_unix)
}

fn run() -> ! {
    let server = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 123));
    let config = ValidationConfig::default();
    let mut builder = ClientRequest::new();
    // A real device reads its key from protected storage.
    let material = entropy().to_be_bytes();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&material);
    bytes[8..].copy_from_slice(&material);
    let Some(key) = AesCmacKey::new(1, bytes) else { loop {} };
    loop {
        let mut request = [0u8; 68];
        let Ok((_, mut pending)) = builder.build_with(
            server,
            now(),
            &mut entropy,
            &mut request,
            &mut ntpkit::exchange::MacAuth(&key),
        ) else {
            publish(3, u64::MAX);
            continue;
        };
        send_signed(&request);
        let mut reply = [0u8; 68];
        let len = receive_signed(&mut reply);
        let t4 = now();
        // Where the reply came from is the network's to say: opaque, as in a firmware.
        let source = core::hint::black_box(server);
        match pending.process_with(
            source,
            reply.get(..len).unwrap_or_default(),
            t4,
            &config,
            &mut ntpkit::exchange::MacAuth(&key),
        ) {
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

entry!(run);

//! One data-minimized client exchange with ntpkit's public API: `ClientRequest::build`
//! (nonce in the transmit field, T1 kept private), `PendingRequest::process` (every
//! check of RFC 5905/RFC 4330 in order) and the exact offset and delay.
#![no_std]
#![no_main]

use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::{NtpTimestamp, UnixTime};
use ntpkit_size::*;

fn now() -> NtpTimestamp {
    let (seconds, micros) = clock();
    // An RTC gives micros below 10^6, so `new` succeeds; 0 stands for "no time".
    UnixTime::new(seconds as i64, micros.wrapping_mul(1000))
        .map_or(NtpTimestamp::ZERO, NtpTimestamp::from_unix)
}

fn run() -> ! {
    let server = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 123));
    let config = ValidationConfig::default();
    let mut builder = ClientRequest::new();
    loop {
        let mut request = [0u8; 48];
        let Ok((_, mut pending)) = builder.build(server, now(), &mut entropy, &mut request) else {
            publish(3, u64::MAX);
            continue;
        };
        send(&request);
        let mut reply = [0u8; 48];
        let len = receive(&mut reply);
        let t4 = now();
        // Where the reply came from is the network's to say: opaque, as in a firmware
        // (a constant here would let the compiler fold the source check away).
        let source = core::hint::black_box(server);
        match pending.process(source, reply.get(..len).unwrap_or_default(), t4, &config) {
            Ok(Reply::Sample(sample)) => {
                publish(0, sample.t3().to_bits());
                publish(1, sample.offset().to_bits() as u64);
                publish(2, sample.delay().to_bits() as u64);
                publish(3, u64::from(sample.stratum().0));
            }
            // A firmware would back off or drop the server; here only the outcome is kept.
            Ok(Reply::KissOfDeath { .. }) => publish(3, u64::MAX - 1),
            Err(_) => publish(3, u64::MAX),
        }
    }
}

entry!(run);

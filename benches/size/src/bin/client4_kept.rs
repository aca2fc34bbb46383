//! `client4` plus the clock discipline and a software clock over a 1 MHz counter: the
//! client's events drive a `Discipline`, whose corrections steer a `SoftClock`, which
//! gives T1 and T4. Its flash delta over `client4` is the cost of keeping time.
#![no_std]
#![no_main]

use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use ntpkit::NtpTimestamp;
use ntpkit::client::{Client, ClientConfig, PeerConfig};
use ntpkit::clock::{Counter, SoftClock};
use ntpkit::discipline::Discipline;
use ntpkit::time::Instant;
use ntpkit::traits::NtpClock;
use ntpkit_size::*;

/// The harness clock as a free-running 1 MHz, 32-bit counter.
struct Micros;
impl Counter for Micros {
    fn read(&mut self) -> u64 {
        let (seconds, micros) = clock();
        seconds.wrapping_mul(1_000_000).wrapping_add(u64::from(micros))
    }
}

fn run() -> ! {
    let mut client: Client<4> = Client::new(ClientConfig::default());
    let mut discipline = Discipline::new();
    let Ok(mut soft) = SoftClock::new(Micros, 1_000_000, 32, NtpTimestamp::from_parts(0xeeac_e73b, 0)) else {
        loop {
            publish(0, 0);
        }
    };
    let mut nonces = entropy;
    let start = Instant::from_nanos(0);
    for i in 1..=4 {
        let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, i), 123));
        let _ = client.add_server(start, addr, PeerConfig::default(), &mut nonces);
    }
    loop {
        let (seconds, micros) = clock();
        let now =
            Instant::from_nanos(seconds.wrapping_mul(1_000_000_000).wrapping_add(u64::from(micros) * 1000));
        client.handle_timeout(now);
        let mut request = [0u8; 48];
        while let Ok(Some(transmit)) = client.poll_transmit(now, soft.now(), &mut nonces, &mut request) {
            send(&request);
            publish(2, transmit.len as u64);
        }
        let mut reply = [0u8; 48];
        let len = receive(&mut reply);
        let source = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, reply[47] & 3), 123));
        let t4 = soft.now();
        let _ = client.handle_response(now, source, reply.get(..len).unwrap_or_default(), t4);
        while let Some(event) = client.poll_event() {
            if let Ok(Some(correction)) = discipline.handle_event(now, &event) {
                let _ = correction.apply(&mut soft);
                publish(1, correction.frequency_ppb as u64);
            }
        }
        publish(0, client.poll_timeout().map_or(0, Instant::as_nanos));
        publish(3, soft.now().to_bits());
    }
}

entry!(run);

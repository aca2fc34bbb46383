//! The full sans-IO client for four servers (`Client<4>`): timers, requests, replies,
//! the clock filter, selection, clustering, combining and the events, driven by the
//! same harness I/O as `baseline`. Its flash delta is the cost of the whole client.
#![no_std]
#![no_main]

use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use ntpkit::client::{Client, ClientConfig, Decision, Event, PeerConfig};
use ntpkit::time::Instant;
use ntpkit::{NtpTimestamp, UnixTime};
use ntpkit_size::*;

fn wall() -> NtpTimestamp {
    let (seconds, micros) = clock();
    UnixTime::new(seconds as i64, micros.wrapping_mul(1000))
        .map_or(NtpTimestamp::ZERO, NtpTimestamp::from_unix)
}

fn run() -> ! {
    let mut client: Client<4> = Client::new(ClientConfig::default());
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
        while let Ok(Some(transmit)) = client.poll_transmit(now, wall(), &mut nonces, &mut request) {
            send(&request);
            publish(2, transmit.len as u64);
        }
        let mut reply = [0u8; 48];
        let len = receive(&mut reply);
        let source = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, reply[47] & 3), 123));
        let _ = client.handle_response(now, source, reply.get(..len).unwrap_or_default(), wall());
        while let Some(event) = client.poll_event() {
            if let Event::Update(update) = event {
                publish(1, update.offset.to_bits() as u64);
                if let Decision::Step(step) = update.decision {
                    publish(3, step.to_bits() as u64);
                }
            }
        }
        publish(0, client.poll_timeout().map_or(0, Instant::as_nanos));
    }
}

entry!(run);

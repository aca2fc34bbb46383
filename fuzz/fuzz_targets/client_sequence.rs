//! INV-4, INV-6, INV-7, INV-11: arbitrary sequences of timer ticks, sends, genuine
//! replies, replays and garbage against `Client<3>`. Every rejected datagram leaves the
//! whole client state (its `state_fingerprint`) unchanged; a reply is never
//! accepted twice; handling a datagram never makes a request due; no panic or overflow.
#![no_main]

use core::net::SocketAddr;
use libfuzzer_sys::fuzz_target;
use ntpkit::client::{Client, ClientConfig, PeerConfig};
use ntpkit::server::{ServerState, respond, respond_kiss};
use ntpkit::time::Instant;
use ntpkit::{KissCode, LeapIndicator, NtpDuration, NtpTimestamp, Stratum};

fn addr(i: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1 + i % 3], 123))
}

fuzz_target!(|data: &[u8]| {
    let mut client: Client<3> = Client::new(ClientConfig::default());
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rng = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let config = PeerConfig { min_poll: 4, max_poll: 8, ..PeerConfig::default() };
    for i in 0..3 {
        let _ = client.add_server(Instant::from_nanos(0), addr(i), config, &mut rng);
    }
    let base = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let mut now = 0u64;
    let mut last_request: [Option<[u8; 48]>; 3] = [None; 3];
    let mut accepted: Vec<[u8; 48]> = Vec::new();
    let mut ops = data.iter();
    while let Some(&op) = ops.next() {
        let arg = ops.next().copied().unwrap_or(0);
        let wall = base + NtpDuration::from_nanos(now as i64).unwrap_or(NtpDuration::ZERO);
        let at = Instant::from_nanos(now);
        match op % 6 {
            0 => {
                now = now.saturating_add(u64::from(arg) * 500_000_000);
                client.handle_timeout(Instant::from_nanos(now));
            }
            1 => {
                let mut buf = [0u8; 48];
                while let Ok(Some(tx)) = client.poll_transmit(at, wall, &mut rng, &mut buf) {
                    last_request[usize::from(tx.server.0) % 3] = Some(buf);
                }
            }
            2 | 3 => {
                let i = arg % 3;
                let Some(req) = last_request[usize::from(i)] else { continue };
                let mut reply = [0u8; 48];
                let server_time =
                    wall + NtpDuration::from_nanos(i64::from(arg) * 1_000_000).unwrap_or(NtpDuration::ZERO);
                let state = ServerState {
                    leap: LeapIndicator::NoWarning,
                    stratum: Stratum(2),
                    reference_timestamp: server_time,
                    ..ServerState::default()
                };
                let n = if op % 6 == 2 {
                    respond(&req, &state, server_time, server_time, &mut reply)
                } else {
                    respond_kiss(
                        &req,
                        [KissCode::Rate, KissCode::Deny, KissCode::Init][usize::from(arg % 3)],
                        &mut reply,
                    )
                };
                let Ok(n) = n else { continue };
                deliver(&mut client, at, addr(i), &reply[..n], wall, &mut accepted);
            }
            4 => {
                // A replay of an accepted reply: never accepted again.
                if let Some(r) = accepted.get(usize::from(arg) % accepted.len().max(1)).copied() {
                    for i in 0..3 {
                        let before = client.state_fingerprint();
                        assert!(client.handle_response(at, addr(i), &r, wall).is_err(), "replay accepted");
                        assert_eq!(before, client.state_fingerprint());
                    }
                }
            }
            _ => {
                let len = usize::from(arg).min(ops.len());
                let bytes: Vec<u8> = ops.by_ref().take(len).copied().collect();
                deliver(&mut client, at, addr(arg), &bytes, wall, &mut accepted);
            }
        }
        while client.poll_event().is_some() {}
    }
});

fn deliver(
    client: &mut Client<3>,
    at: Instant,
    from: SocketAddr,
    bytes: &[u8],
    t4: NtpTimestamp,
    accepted: &mut Vec<[u8; 48]>,
) {
    let before = client.state_fingerprint();
    let due_before = client.poll_timeout();
    match client.handle_response(at, from, bytes, t4) {
        Err(_) => {
            assert_eq!(before, client.state_fingerprint(), "a rejected datagram changed the client");
            assert_eq!(due_before, client.poll_timeout());
        }
        Ok(()) => {
            if let Ok(reply) = <[u8; 48]>::try_from(bytes) {
                accepted.push(reply);
            }
        }
    }
}

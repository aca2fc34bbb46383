//! ntpkit's server glue, to put under the load generator:
//!
//!   server ADDR [--key ID:HEX]
//!
//! Plain: `std_impls::serve`. With `--key`: the same loop answering with
//! `server::respond_with_key` under one AES-128-CMAC key. With `--batched N`:
//! `std_impls::batch::serve_reuseport` on N threads. Runs until killed.

use std::net::UdpSocket;

use ntpkit::auth::AesCmacKey;
use ntpkit::server::{ServerState, respond_with_key};
use ntpkit::std_impls::SystemClock;
use ntpkit::traits::NtpClock;
use ntpkit::{LeapIndicator, Stratum};

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().expect("usage: server ADDR [--key ID:HEX | --batched THREADS]");
    let socket = UdpSocket::bind(&addr).expect("bind");
    assert!(socket.local_addr().expect("address").ip().is_loopback(), "loopback only");
    let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(1), ..ServerState::default() };
    match (args.next().as_deref(), args.next()) {
        (Some("--key"), Some(spec)) => {
            let (id, hex) = spec.split_once(':').expect("--key ID:HEX");
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            let key = AesCmacKey::new(id.parse().expect("id"), bytes.try_into().expect("16 bytes"))
                .expect("key id");
            let mut clock = SystemClock::new();
            let (mut buf, mut out) = ([0u8; 1100], [0u8; 68]);
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
                let t2 = clock.now();
                if let Ok(len) = respond_with_key(&buf[..n], &state, t2, clock.now(), &key, &mut out) {
                    let _ = socket.send_to(&out[..len], from);
                }
            }
        }
        (Some("--batched"), Some(threads)) => {
            drop(socket);
            let addr = addr.parse().expect("address");
            let _ =
                ntpkit::std_impls::batch::serve_reuseport(addr, threads.parse().expect("threads"), &state);
        }
        _ => {
            let _ = ntpkit::std_impls::serve(&socket, &state, None);
        }
    }
}

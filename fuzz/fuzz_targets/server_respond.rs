//! The server responder on arbitrary requests: never a panic; either a typed error with
//! the output untouched, or a 48-byte mode-4 reply that echoes version and poll and
//! carries the request's transmit bytes as origin.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit::server::{ServerState, respond};
use ntpkit::{LeapIndicator, Mode, NtpTimestamp, Packet, Stratum};

fuzz_target!(|data: &[u8]| {
    let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
    let t = NtpTimestamp::from_bits(0xeeac_e73b_0000_0000);
    let mut out = [0xA5u8; 64];
    match respond(data, &state, t, t, &mut out) {
        Err(_) => assert!(out.iter().all(|&b| b == 0xA5)),
        Ok(n) => {
            assert_eq!(n, 48);
            assert!(out[48..].iter().all(|&b| b == 0xA5));
            let req = Packet::parse(data).expect("answered implies well-formed");
            let reply = Packet::parse(&out[..n]).expect("replies parse");
            assert_eq!(req.mode, Mode::Client);
            assert_eq!(reply.mode, Mode::Server);
            assert_eq!((reply.version, reply.poll), (req.version, req.poll));
            assert_eq!(out[24..32], data[40..48]);
        }
    }
});

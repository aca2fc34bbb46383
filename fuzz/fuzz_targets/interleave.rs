//! `InterleaveTable` under arbitrary sequences of requests from a few or any sources,
//! with origins that are zero, random, or a receive timestamp the table wrote (to this
//! source or another), and arbitrary send times: never a panic; the table's invariants
//! hold after every exchange; a reply is interleaved only when its origin field echoes
//! the request's receive field and its transmit timestamp is the send time saved for
//! exactly this source and exactly the exchange the request names — never another
//! source's or another exchange's. Alongside, ntpkit's own interleaving client polls
//! the same table: every one of its replies is accepted, and is interleaved exactly
//! when the table says so.
#![no_main]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::server::ServerState;
use ntpkit::server::interleave::InterleaveTable;
use ntpkit::{LeapIndicator, NtpDuration, NtpTimestamp, Packet, Stratum};

#[derive(Arbitrary, Debug)]
enum Source {
    Few(u8),
    V4(u32),
    V6(u128),
    /// The well-behaved client.
    Client,
}

#[derive(Arbitrary, Debug)]
enum Origin {
    Zero,
    Random(u64),
    /// The n-th receive timestamp the table wrote, to whichever source.
    Written(u16),
}

#[derive(Arbitrary, Debug)]
struct Request {
    source: Source,
    origin: Origin,
    receive: u64,
    transmit: u64,
    /// Microseconds since the last request.
    step_us: u16,
    /// Nanoseconds between writing T3 and the send.
    late_ns: u16,
    /// Whether the send time is handed back.
    sent: bool,
}

#[derive(Arbitrary, Debug)]
struct Input {
    key: [u8; 16],
    requests: Vec<Request>,
}

fuzz_target!(|input: Input| {
    let mut table: InterleaveTable<8> = InterleaveTable::new(input.key);
    let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(1), ..ServerState::default() };
    let client_ip: IpAddr = "198.51.100.9".parse().unwrap();
    let server: SocketAddr = "192.0.2.1:123".parse().unwrap();
    let mut builder = ClientRequest::new().interleaved();
    let mut counter = 0x4000_0000_0000_0000u64;
    let mut nonces = move || {
        counter = counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
        counter
    };
    let mut now = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let mut written: Vec<NtpTimestamp> = Vec::new();
    // What was saved: (source, receive timestamp) -> send time, last per source.
    let mut saved: HashMap<IpAddr, (NtpTimestamp, NtpTimestamp)> = HashMap::new();
    for r in input.requests.iter().take(2048) {
        now = now + NtpDuration::from_nanos(i64::from(r.step_us) * 1000).unwrap();
        let t3 = now + NtpDuration::from_nanos(2_000).unwrap();
        let sent_at = t3 + NtpDuration::from_nanos(i64::from(r.late_ns)).unwrap();
        let (source, request, pending) = match r.source {
            Source::Client => {
                let mut buf = [0u8; 48];
                let (len, pending) = builder.build(server, now, &mut nonces, &mut buf).unwrap();
                (client_ip, buf[..len].to_vec(), Some(pending))
            }
            ref other => {
                let source = match other {
                    Source::Few(i) => IpAddr::from([192, 0, 2, i % 4]),
                    Source::V4(a) => IpAddr::from(a.to_be_bytes()),
                    Source::V6(a) => IpAddr::from(a.to_be_bytes()),
                    Source::Client => unreachable!(),
                };
                let origin = match r.origin {
                    Origin::Zero => 0,
                    Origin::Random(v) => v,
                    Origin::Written(i) => {
                        written.get(usize::from(i) % written.len().max(1)).map_or(0, |t| t.to_bits())
                    }
                };
                let p = Packet {
                    version: ntpkit::Version::V4,
                    mode: ntpkit::Mode::Client,
                    origin_timestamp: NtpTimestamp::from_bits(origin),
                    receive_timestamp: NtpTimestamp::from_bits(r.receive),
                    transmit_timestamp: NtpTimestamp::from_bits(r.transmit),
                    ..Packet::default()
                };
                let mut buf = [0u8; 48];
                p.emit(&mut buf).unwrap();
                (source, buf.to_vec(), None)
            }
        };
        let mut out = [0u8; 48];
        let answer = table.respond(source, &request, &state, now, t3, &mut out).unwrap();
        let req = Packet::parse(&request).unwrap();
        let reply = Packet::parse(&out[..answer.len]).unwrap();
        let canonical = source.to_canonical();
        if answer.interleaved {
            let (rx, tx) = saved.get(&canonical).copied().expect("interleaved with nothing saved");
            assert_eq!(req.origin_timestamp, rx, "interleaved for another exchange");
            assert_eq!(reply.transmit_timestamp.to_bits(), tx.to_bits() & !1, "another send time");
            assert_eq!(reply.origin_timestamp, req.receive_timestamp);
        } else {
            assert_eq!(reply.origin_timestamp, req.transmit_timestamp);
        }
        assert_eq!(reply.receive_timestamp.to_bits() & 1, 1);
        written.push(reply.receive_timestamp);
        if written.len() > 64 {
            written.remove(0);
        }
        if let Some(mut pending) = pending {
            let t4 = sent_at + NtpDuration::from_nanos(1_000).unwrap();
            match pending.process(server, &out[..answer.len], t4, &ValidationConfig::default()) {
                Ok(Reply::Sample(s)) => assert_eq!(s.interleaved(), answer.interleaved),
                other => panic!("own reply refused: {other:?}"),
            }
            builder.follow(&pending);
        }
        if let (true, Some(follow_up)) = (r.sent, answer.follow_up) {
            table.transmitted(follow_up, sent_at);
            saved.insert(canonical, (follow_up.receive_timestamp(), sent_at));
            assert!(table.invariants_hold(), "{table:?}");
        }
    }
});

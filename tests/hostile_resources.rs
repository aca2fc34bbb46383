//! The R rows of the hostile-input catalogue (`src/catalogue.md`, published as `ntpkit::catalogue`):
//! transport and clock failures, and a flood of random datagrams. A counting global
//! allocator proves validation allocates nothing.

use core::net::SocketAddr;
use core::time::Duration;
use std::io;

use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::server::{ServerState, respond};
use ntpkit::sntp::{QueryConfig, QueryError, query};
use ntpkit::time::Instant;
use ntpkit::traits::{MonotonicClock, NtpClock, NtpTransport};
use ntpkit::*;

#[path = "common/alloc_guard.rs"]
mod alloc_guard;

fn server() -> SocketAddr {
    "127.0.0.1:123".parse().unwrap()
}

const EPOCH: u64 = 0xeeac_e73b_0000_0000;

/// A clock whose wall time follows a script (to go backwards) and whose monotonic time
/// advances 1 ms per reading.
struct ScriptClock {
    walls: Vec<NtpTimestamp>,
    mono: Duration,
}

impl NtpClock for ScriptClock {
    fn now(&mut self) -> NtpTimestamp {
        if self.walls.len() > 1 { self.walls.remove(0) } else { self.walls[0] }
    }
}

impl MonotonicClock for ScriptClock {
    fn elapsed(&mut self) -> Duration {
        self.mono += Duration::from_millis(1);
        self.mono
    }
}

/// A transport whose send or receive fails with a given error kind, or that answers
/// genuinely.
struct FailingNet {
    send_error: Option<io::ErrorKind>,
    recv_error: Option<io::ErrorKind>,
    last: Option<[u8; 48]>,
    server_time: NtpTimestamp,
}

impl NtpTransport for FailingNet {
    type Error = io::Error;
    fn send_to(&mut self, datagram: &[u8], _: SocketAddr) -> io::Result<()> {
        if let Some(kind) = self.send_error {
            return Err(kind.into());
        }
        self.last = datagram.try_into().ok();
        Ok(())
    }
    fn recv_from(&mut self, buf: &mut [u8], _: Duration) -> io::Result<Option<(usize, SocketAddr)>> {
        if let Some(kind) = self.recv_error {
            return Err(kind.into());
        }
        let Some(req) = self.last.take() else { return Ok(None) };
        let state =
            ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
        let n = respond(&req, &state, self.server_time, self.server_time, buf).unwrap();
        Ok(Some((n, server())))
    }
}

fn counter() -> impl FnMut() -> u64 {
    let mut n = 77u64;
    move || {
        n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        n
    }
}

/// the transport fails on send (ConnectionRefused, a partial send) or on receive
/// (WouldBlock): the error is returned as `QueryError::Transport`, never a panic.
#[test]
fn r1_transport_errors_are_returned() {
    for (send, recv) in [
        (Some(io::ErrorKind::ConnectionRefused), None),
        (Some(io::ErrorKind::WriteZero), None), // what UdpTransport reports for a partial send
        (None, Some(io::ErrorKind::WouldBlock)),
    ] {
        let mut clock = ScriptClock { walls: vec![NtpTimestamp::from_bits(EPOCH)], mono: Duration::ZERO };
        let mut net = FailingNet {
            send_error: send,
            recv_error: recv,
            last: None,
            server_time: NtpTimestamp::from_bits(EPOCH),
        };
        let r = query(&mut clock, &mut net, &mut counter(), server(), &QueryConfig::default());
        let kind = send.or(recv).unwrap();
        assert!(matches!(&r, Err(QueryError::Transport(e)) if e.kind() == kind), "{r:?}");
    }
}

/// R-1 for the state machine: a request whose send failed (nothing delivered) times
/// out, a `Timeout` event says so, and the next poll is scheduled with backoff.
#[test]
fn r1_failed_send_is_retried_by_the_client() {
    let mut client: Client<1> = Client::new(ClientConfig::default());
    let mut rng = counter();
    let config = PeerConfig { min_poll: 4, max_poll: 8, iburst: false, ..PeerConfig::default() };
    client.add_server(Instant::from_nanos(0), server(), config, &mut rng).unwrap();
    let mut buf = [0u8; 48];
    let t = client.poll_timeout().unwrap();
    client.handle_timeout(t);
    let _lost = client.poll_transmit(t, NtpTimestamp::from_bits(EPOCH), &mut rng, &mut buf).unwrap().unwrap();
    let deadline = client.poll_timeout().unwrap();
    client.handle_timeout(deadline);
    assert!(matches!(client.poll_event(), Some(Event::Timeout { .. })));
    let next = client.poll_timeout().unwrap();
    assert!(next > deadline, "a retry is scheduled");
    client.handle_timeout(next);
    let retry = client.poll_transmit(next, NtpTimestamp::from_bits(EPOCH), &mut rng, &mut buf).unwrap();
    assert!(retry.is_some());
    let stats = client.peer_stats(retry.unwrap().server, next).unwrap();
    assert_eq!(stats.poll, 5, "backed off one step");
}

/// the wall clock goes backwards between T1 and T4. `NtpClock` cannot fail (a
/// clock read is infallible by design); the exchange still completes with the delay
/// floored at the clock precision (RFC 5905 §8), or is rejected, but never panics.
#[test]
fn r2_clock_going_backwards_between_t1_and_t4() {
    let t1 = NtpTimestamp::from_bits(EPOCH);
    let t4 = t1 - NtpDuration::from_seconds(2);
    let mut clock = ScriptClock { walls: vec![t1, t4], mono: Duration::ZERO };
    let mut net = FailingNet { send_error: None, recv_error: None, last: None, server_time: t1 };
    let s = query(&mut clock, &mut net, &mut counter(), server(), &QueryConfig::default()).unwrap();
    assert_eq!(s.delay(), ValidationConfig::default().local_precision.to_duration());
    assert_eq!(s.offset(), NtpDuration::ONE_SECOND, "((T2 − T1) + (T3 − T4)) / 2 = (0 + 2) / 2");
}

/// 10⁶ random datagrams while a request is outstanding: none accepted (an origin
/// match has probability 2⁻⁶⁴), nothing allocated, and the genuine reply afterwards is
/// accepted.
#[test]
fn r3_a_million_random_datagrams() {
    let t1 = NtpTimestamp::from_bits(EPOCH);
    let mut nonce = || 0x1234_5678_9abc_def0_u64;
    let mut request = [0u8; 48];
    let (_, mut pending) = ClientRequest::new().build(server(), t1, &mut nonce, &mut request).unwrap();
    let config = ValidationConfig::default();
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut datagram = [0u8; 48];
    let mut accepted = 0;
    let before = alloc_guard::allocations();
    for i in 0..1_000_000u32 {
        for chunk in datagram.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_be_bytes());
        }
        // Mostly well-framed server replies, so validation runs past the parser.
        datagram[0] = 0x24 | (datagram[0] & 0xC0);
        datagram[1] = (i % 16) as u8;
        if alloc_guard::guarded(|| pending.process(server(), &datagram, t1, &config)).is_ok() {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 0);
    assert_eq!(alloc_guard::allocations(), before, "validation allocated");
    assert!(!pending.is_answered());
    let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
    let mut reply = [0u8; 48];
    respond(&request, &state, t1, t1, &mut reply).unwrap();
    assert!(matches!(pending.process(server(), &reply, t1, &config), Ok(Reply::Sample(_))));
}

/// The server side of R-3: 10⁶ random requests (mostly well-framed mode-3 headers, half
/// of them asking for interleaved mode) into `respond` and an `InterleaveTable`, from
/// 4096 sources, each answer's send time handed back: no panic, no allocation, the
/// table's invariants hold, and every reply written is a parseable mode-4 packet.
#[test]
fn r3_a_million_random_requests_to_the_responders() {
    use ntpkit::server::interleave::InterleaveTable;
    let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
    let mut table: InterleaveTable<64> = InterleaveTable::new([5; 16]);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut datagram = [0u8; 48];
    let (mut out, mut answered) = ([0u8; 48], 0u32);
    let before = alloc_guard::allocations();
    for i in 0..1_000_000u32 {
        for chunk in datagram.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_be_bytes());
        }
        if i % 8 != 0 {
            datagram[0] = 0x23 | (datagram[0] & 0xC0);
        }
        let t = NtpTimestamp::from_bits(EPOCH.wrapping_add(u64::from(i) << 20));
        let source = core::net::IpAddr::from([10, 0, (i >> 8) as u8 & 15, i as u8]);
        let written = alloc_guard::guarded(|| {
            let plain = respond(&datagram, &state, t, t, &mut out).ok();
            let interleaved = table.respond(source, &datagram, &state, t, t, &mut out).ok();
            if let Some(follow_up) = interleaved.and_then(|a| a.follow_up) {
                table.transmitted(follow_up, t);
            }
            plain.zip(interleaved)
        });
        if let Some((n, answer)) = written {
            assert_eq!((n, answer.len), (48, 48));
            assert_eq!(Packet::parse(&out).map(|p| p.mode), Ok(Mode::Server));
            answered += 1;
        }
    }
    assert_eq!(alloc_guard::allocations(), before, "the responders allocated");
    assert!(table.invariants_hold());
    assert!(answered > 800_000, "{answered}");
}

/// The allocation guard used above does see allocations (so "0" means none happened).
#[test]
fn allocation_guard_counts() {
    let before = alloc_guard::allocations();
    let v = alloc_guard::guarded(|| std::hint::black_box(Vec::<u8>::with_capacity(64)));
    assert_eq!(alloc_guard::allocations(), before + 1);
    drop(v);
}

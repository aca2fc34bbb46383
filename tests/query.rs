//! The server responder and the one-shot `sntp::query` helpers, over a scripted fake
//! transport and a virtual clock (no sockets, no real time).

use core::net::SocketAddr;
use core::time::Duration;
use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;

use ntpkit::exchange::{ClientRequest, Reject};
use ntpkit::server::{ServerError, ServerState, respond, respond_kiss};
use ntpkit::sntp::{QueryConfig, QueryError, query, query_async};
use ntpkit::traits::{AsyncNtpTransport, MonotonicClock, NtpClock, NtpTransport};
use ntpkit::*;

const EPOCH: u64 = 0xeeac_e73b_0000_0000;

/// Virtual time in nanoseconds, shared by the clock and the transport.
#[derive(Clone, Default)]
struct Time(Rc<Cell<u64>>);

impl Time {
    fn advance(&self, d: Duration) {
        self.0.set(self.0.get() + d.as_nanos() as u64);
    }
    fn nanos(&self) -> u64 {
        self.0.get()
    }
}

/// Wall clock = EPOCH + virtual time; monotonic = virtual time.
struct FakeClock(Time);

impl NtpClock for FakeClock {
    fn now(&mut self) -> NtpTimestamp {
        let d = NtpDuration::from_nanos(self.0.nanos() as i64).unwrap();
        NtpTimestamp::from_bits(EPOCH) + d
    }
}

impl MonotonicClock for FakeClock {
    fn elapsed(&mut self) -> Duration {
        Duration::from_nanos(self.0.nanos())
    }
}

fn server() -> SocketAddr {
    "127.0.0.1:123".parse().unwrap()
}

fn state() -> ServerState {
    ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(3),
        reference_id: ReferenceId([10, 0, 0, 1]),
        reference_timestamp: NtpTimestamp::from_bits(EPOCH - (64 << 32)),
        ..ServerState::default()
    }
}

/// What the fake network does on the next receive.
enum Net {
    /// The server answers the latest request after `rtt`, its clock `ahead` of ours.
    Answer { rtt: Duration, ahead: Duration },
    /// Answers the request before the latest (a late reply).
    AnswerPrevious,
    /// A kiss-o'-death for the latest request.
    Kiss(KissCode),
    /// A datagram of raw bytes from `from`.
    Raw(Vec<u8>, SocketAddr),
    /// Nothing arrives: the whole timeout passes.
    Silence,
    /// The socket fails.
    Fail,
}

struct FakeNet {
    time: Time,
    script: VecDeque<Net>,
    sent: Vec<Vec<u8>>,
}

impl FakeNet {
    fn new(time: &Time, script: impl IntoIterator<Item = Net>) -> Self {
        Self { time: time.clone(), script: script.into_iter().collect(), sent: Vec::new() }
    }

    fn reply_to(&self, request: &[u8], ahead: Duration, buf: &mut [u8]) -> usize {
        let now = NtpTimestamp::from_bits(EPOCH) + NtpDuration::from_nanos(self.time.nanos() as i64).unwrap();
        let t = now + NtpDuration::from_std(ahead).unwrap();
        respond(request, &state(), t, t, buf).unwrap()
    }

    fn recv(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<(usize, SocketAddr)>, &'static str> {
        match self.script.pop_front().unwrap_or(Net::Silence) {
            Net::Answer { rtt, ahead } => {
                self.time.advance(rtt / 2);
                let n = self.reply_to(self.sent.last().unwrap(), ahead, buf);
                self.time.advance(rtt / 2);
                Ok(Some((n, server())))
            }
            Net::AnswerPrevious => {
                let n = self.reply_to(&self.sent[self.sent.len() - 2], Duration::ZERO, buf);
                Ok(Some((n, server())))
            }
            Net::Kiss(code) => {
                Ok(Some((respond_kiss(self.sent.last().unwrap(), code, buf).unwrap(), server())))
            }
            Net::Raw(bytes, from) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                Ok(Some((bytes.len(), from)))
            }
            Net::Silence => {
                self.time.advance(timeout);
                Ok(None)
            }
            Net::Fail => Err("network is down"),
        }
    }
}

impl NtpTransport for FakeNet {
    type Error = &'static str;
    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> Result<(), Self::Error> {
        assert_eq!(to, server());
        self.sent.push(datagram.to_vec());
        Ok(())
    }
    fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<(usize, SocketAddr)>, Self::Error> {
        self.recv(buf, timeout)
    }
}

impl AsyncNtpTransport for FakeNet {
    type Error = &'static str;
    async fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> Result<(), Self::Error> {
        NtpTransport::send_to(self, datagram, to)
    }
    async fn recv_from(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<(usize, SocketAddr)>, Self::Error> {
        self.recv(buf, timeout)
    }
}

fn counter() -> impl FnMut() -> u64 {
    let mut n = 0x1000_u64;
    move || {
        n += 0x9e37_79b9;
        n
    }
}

fn run(
    script: Vec<Net>,
    config: &QueryConfig,
) -> (Result<ntpkit::exchange::SyncResult, QueryError<&'static str>>, FakeNet, Time) {
    let time = Time::default();
    let mut net = FakeNet::new(&time, script);
    let r = query(&mut FakeClock(time.clone()), &mut net, &mut counter(), server(), config);
    (r, net, time)
}

fn quick() -> QueryConfig {
    QueryConfig { timeout: Duration::from_millis(500), attempts: 3, ..QueryConfig::default() }
}

#[test]
fn query_measures_offset_and_delay() {
    let (r, net, _) = run(
        vec![Net::Answer { rtt: Duration::from_millis(20), ahead: Duration::from_millis(250) }],
        &quick(),
    );
    let s = r.unwrap();
    assert_eq!(net.sent.len(), 1);
    assert_eq!(s.delay_nanos(), 20_000_000);
    assert_eq!(s.offset_nanos(), 250_000_000);
    assert_eq!(s.stratum(), Stratum(3));
}

#[test]
fn spoofed_replies_are_skipped_and_the_genuine_one_taken() {
    let spoof = Packet { mode: Mode::Server, stratum: Stratum(1), ..Packet::default() }.to_bytes().to_vec();
    let script = vec![
        Net::Raw(spoof.clone(), server()),
        Net::Raw(spoof, "127.0.0.9:123".parse().unwrap()),
        Net::Answer { rtt: Duration::from_millis(2), ahead: Duration::ZERO },
    ];
    let (r, net, _) = run(script, &quick());
    assert_eq!(r.unwrap().offset_nanos(), 0);
    assert_eq!(net.sent.len(), 1, "spoofed replies must not cause a retransmission");
}

#[test]
fn silence_times_out_after_every_attempt_on_the_monotonic_clock() {
    let (r, net, time) = run(vec![], &quick());
    assert_eq!(r.unwrap_err(), QueryError::Timeout);
    assert_eq!(net.sent.len(), 3);
    assert_eq!(time.nanos(), 1_500_000_000, "3 attempts × 500 ms");
    // Every attempt used a fresh nonce.
    let nonces: Vec<_> = net.sent.iter().map(|b| Packet::parse(b).unwrap().transmit_timestamp).collect();
    assert!(nonces[0] != nonces[1] && nonces[1] != nonces[2]);
}

#[test]
fn only_bad_replies_report_the_last_rejection() {
    let unsynced =
        |_: ()| Net::Raw(Packet { mode: Mode::Server, ..Packet::default() }.to_bytes().to_vec(), server());
    let (r, _, _) = run(vec![unsynced(()), Net::Silence, Net::Silence, Net::Silence], &quick());
    assert_eq!(r.unwrap_err(), QueryError::Rejected(Reject::ZeroOrigin));
    assert_eq!(QueryError::<&str>::Rejected(Reject::ZeroOrigin).name(), "ZeroOrigin");
}

#[test]
fn kiss_of_death_ends_the_query() {
    let (r, net, _) = run(vec![Net::Kiss(KissCode::Rate)], &quick());
    assert_eq!(r.unwrap_err(), QueryError::KissOfDeath(KissCode::Rate));
    assert_eq!(net.sent.len(), 1);
}

/// B-12: the reply to attempt 1 arrives after attempt 2 was sent: rejected as
/// `OriginMismatch`, and the genuine reply to attempt 2 is taken.
#[test]
fn b12_late_reply_to_an_earlier_attempt() {
    let script = vec![
        Net::Silence,
        Net::AnswerPrevious,
        Net::Answer { rtt: Duration::from_millis(4), ahead: Duration::ZERO },
    ];
    let (r, net, _) = run(script, &quick());
    assert_eq!(net.sent.len(), 2);
    assert_eq!(r.unwrap().delay_nanos(), 4_000_000);
    let (r, _, _) = run(vec![Net::Silence, Net::AnswerPrevious, Net::Silence, Net::Silence], &quick());
    assert_eq!(r.unwrap_err(), QueryError::Rejected(Reject::OriginMismatch));
}

#[test]
fn transport_errors_are_returned() {
    let (r, _, _) = run(vec![Net::Fail], &quick());
    assert_eq!(r.unwrap_err(), QueryError::Transport("network is down"));
}

/// F-5 through the helper: an oversized (truncated) datagram is rejected as too long.
#[test]
fn oversized_datagram_is_rejected_as_too_long() {
    let big = vec![0x24u8; 2000];
    let (r, _, _) = run(vec![Net::Raw(big, server()), Net::Silence, Net::Silence, Net::Silence], &quick());
    assert_eq!(
        r.unwrap_err(),
        QueryError::Rejected(Reject::Parse(ParseError::TooLong { len: MAX_PACKET_LEN + 1 }))
    );
}

#[test]
fn async_twin_behaves_the_same() {
    let time = Time::default();
    let mut net = FakeNet::new(
        &time,
        [
            Net::Raw(vec![1, 2, 3], server()),
            Net::Answer { rtt: Duration::from_millis(6), ahead: Duration::from_secs(2) },
        ],
    );
    let (mut clock, mut nonces, config) = (FakeClock(time.clone()), counter(), quick());
    let s = block_on(query_async(&mut clock, &mut net, &mut nonces, server(), &config)).unwrap();
    assert_eq!((s.offset_nanos(), s.delay_nanos()), (2_000_000_000, 6_000_000));
    let mut net = FakeNet::new(&time, []);
    let r = block_on(query_async(&mut clock, &mut net, &mut nonces, server(), &config));
    assert_eq!(r.unwrap_err(), QueryError::Timeout);
}

/// Polls a future that never actually waits (the fake transport is ready at once).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    for _ in 0..1000 {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("future did not complete");
}

fn request(version: Version, poll: i8) -> [u8; 48] {
    let mut rng = || 0x0102_0304_0506_0708_u64;
    let mut buf = [0u8; 48];
    ClientRequest::new()
        .version(version)
        .poll(Poll(poll))
        .build(server(), NtpTimestamp::from_bits(EPOCH), &mut rng, &mut buf)
        .unwrap();
    buf
}

#[test]
fn server_echoes_version_and_poll_and_copies_transmit_verbatim() {
    let t2 = NtpTimestamp::from_bits(EPOCH + 1);
    let t3 = NtpTimestamp::from_bits(EPOCH + 2);
    for v in [Version::V1, Version::V2, Version::V3, Version::V4] {
        for poll in [-128i8, 0, 6, 17, 127] {
            let req = request(v, poll);
            let mut out = [0u8; 48];
            assert_eq!(respond(&req, &state(), t2, t3, &mut out), Ok(48));
            let reply = Packet::parse(&out).unwrap();
            assert_eq!(reply.version, v);
            assert_eq!(reply.poll, Poll(poll));
            assert_eq!(reply.mode, Mode::Server);
            assert_eq!(out[24..32], req[40..48], "origin = request transmit, byte for byte");
            assert_eq!((reply.receive_timestamp, reply.transmit_timestamp), (t2, t3));
            assert_eq!(reply.stratum, Stratum(3));
            assert_eq!(reply.reference_id, ReferenceId([10, 0, 0, 1]));
        }
    }
}

#[test]
fn server_rejects_what_is_not_a_client_request() {
    let now = NtpTimestamp::from_bits(EPOCH);
    let mut out = [0x77u8; 48];
    let req = request(Version::V4, 6);
    for m in [0u8, 1, 2, 4, 5, 6, 7] {
        let mut r = req;
        r[0] = (r[0] & !7) | m;
        assert_eq!(
            respond(&r, &state(), now, now, &mut out),
            Err(ServerError::NotAClientRequest(Mode::from_bits(m)))
        );
    }
    assert_eq!(
        respond(&req[..47], &state(), now, now, &mut out),
        Err(ServerError::Parse(ParseError::TooShort { len: 47 }))
    );
    let mut v5 = req;
    v5[0] = 0x2B;
    assert_eq!(
        respond(&v5, &state(), now, now, &mut out),
        Err(ServerError::Parse(ParseError::UnsupportedVersion(5)))
    );
    assert!(out.iter().all(|&b| b == 0x77), "nothing written on error");
    let mut small = [0u8; 40];
    assert_eq!(
        respond(&req, &state(), now, now, &mut small),
        Err(ServerError::Emit(EmitError::BufferTooSmall { required: 48 }))
    );
}

#[test]
fn server_ignores_request_extension_fields() {
    let mut buf = [0u8; 128];
    buf[..48].copy_from_slice(&request(Version::V4, 6));
    let mut w = ExtensionWriter::new(&mut buf).unwrap();
    w.push(0xABCD, &[9; 40]).unwrap();
    let len = w.finish().unwrap();
    let mut out = [0u8; 48];
    let now = NtpTimestamp::from_bits(EPOCH);
    assert_eq!(respond(&buf[..len], &state(), now, now, &mut out), Ok(48));
}

#[test]
fn kiss_reply_carries_code_and_echoes_the_request_only() {
    let req = request(Version::V3, 4);
    let mut out = [0u8; 48];
    assert_eq!(respond_kiss(&req, KissCode::Deny, &mut out), Ok(48));
    let p = Packet::parse(&out).unwrap();
    assert_eq!(
        (p.stratum, p.reference_id.as_kiss_code(), p.version),
        (Stratum(0), KissCode::Deny, Version::V3)
    );
    // Origin, receive and transmit: the request's transmit, no time of the server's.
    for t in [p.origin_timestamp, p.receive_timestamp, p.transmit_timestamp] {
        assert_eq!(t.to_be_bytes(), req[40..48]);
    }
    assert!(p.reference_timestamp.is_zero());
}

/// A server in its default state tells clients it is unsynchronized, and the client
/// refuses it.
#[test]
fn default_server_state_is_refused_by_the_client() {
    let mut rng = || 0x55_u64;
    let mut req = [0u8; 48];
    let t = NtpTimestamp::from_bits(EPOCH);
    let (_, mut pending) = ClientRequest::new().build(server(), t, &mut rng, &mut req).unwrap();
    let mut out = [0u8; 48];
    respond(&req, &ServerState::default(), t, t, &mut out).unwrap();
    assert_eq!(pending.process(server(), &out, t, &Default::default()), Err(Reject::Unsynchronized));
}

/// P-1: a symmetric active (mode 1) request is refused, not answered in mode 2: the
/// responder keeps no peer associations (RFC 5905 §9.2 would create one; RFC 8633
/// advises against unauthenticated ephemeral peers). Nothing is written, for any
/// version, with or without a MAC-sized trailer, and the kiss-o'-death path refuses it
/// too; the same bytes with mode 3 are answered.
#[test]
fn p1_symmetric_active_is_refused() {
    let now = NtpTimestamp::from_bits(EPOCH);
    for version in [Version::V1, Version::V2, Version::V3, Version::V4] {
        let mut req = request(version, 6);
        req[0] = (req[0] & !7) | 1;
        let mut out = [0x77u8; 48];
        assert_eq!(
            respond(&req, &state(), now, now, &mut out),
            Err(ServerError::NotAClientRequest(Mode::SymmetricActive))
        );
        assert_eq!(
            respond_kiss(&req, KissCode::Rate, &mut out),
            Err(ServerError::NotAClientRequest(Mode::SymmetricActive))
        );
        assert_eq!(out, [0x77u8; 48], "nothing is written");
        let mut with_mac = req.to_vec();
        with_mac.extend_from_slice(&[0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
        assert_eq!(
            respond(&with_mac, &state(), now, now, &mut out),
            Err(ServerError::NotAClientRequest(Mode::SymmetricActive))
        );
        req[0] = (req[0] & !7) | 3;
        assert_eq!(respond(&req, &state(), now, now, &mut out), Ok(48));
    }
}

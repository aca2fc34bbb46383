//! The one-exchange rows of the hostile-input catalogue
//! (`src/catalogue.md`, published as `ntpkit::catalogue`): B (binding the reply to the request),
//! K (kiss-o'-death), H (header sanity), O (offset/delay/step), T (era) and Q (request
//! building). Every rejection asserts the exact `Reject`, that the pending request is
//! unchanged, and that the genuine reply is still accepted afterwards (CVE-2016-9042).
//!
//! Rows that belong to the polling state machine (B-5, K-3, Q-3…Q-5, and the
//! "first versus later exchange" half of O-4) come with the client state machine; here
//! their one-exchange parts are tested. Q-6 holds by construction: `process` returns no
//! bytes, so a received packet can never cause a transmit.

use core::net::SocketAddr;
use ntpkit::exchange::{
    ClientRequest, PendingRequest, Reject, Reply, RequestError, SyncResult, ValidationConfig,
};
use ntpkit::*;

const SERVER: &str = "127.0.0.1:123";
const NONCE: u64 = 0xDEAD_BEEF_CAFE_BABE;

fn server() -> SocketAddr {
    SERVER.parse().unwrap()
}

fn ms(n: i64) -> NtpDuration {
    NtpDuration::from_nanos(n * 1_000_000).unwrap()
}

fn t1() -> NtpTimestamp {
    NtpTimestamp::from_parts(0xeeac_e73b, 0x1000_0000)
}

struct Case {
    pending: PendingRequest,
    genuine: Packet,
    t4: NtpTimestamp,
}

/// A request sent at T1 and the genuine reply: server 250 ms ahead, 1 ms each way,
/// 10 µs inside the server.
fn case() -> Case {
    let mut rng = || NONCE;
    let mut buf = [0u8; 48];
    let (_, pending) = ClientRequest::new().build(server(), t1(), &mut rng, &mut buf).unwrap();
    let t2 = t1() + ms(251);
    let t3 = t2 + NtpDuration::from_nanos(10_000).unwrap();
    let genuine = Packet {
        leap: LeapIndicator::NoWarning,
        version: Version::V4,
        mode: Mode::Server,
        stratum: Stratum(2),
        poll: Poll(6),
        precision: Precision(-20),
        root_delay: NtpShort::from_bits(0x0000_0100),
        root_dispersion: NtpShort::from_bits(0x0000_0200),
        reference_id: ReferenceId([192, 0, 2, 1]),
        reference_timestamp: t2 - NtpDuration::from_seconds(16),
        origin_timestamp: NtpTimestamp::from_bits(NONCE),
        receive_timestamp: t2,
        transmit_timestamp: t3,
    };
    let t4 = t1() + ms(2) + NtpDuration::from_nanos(10_000).unwrap();
    Case { pending, genuine, t4 }
}

type Snapshot = (SocketAddr, NtpTimestamp, NtpTimestamp, Version, bool);

fn snapshot(p: &PendingRequest) -> Snapshot {
    (p.server(), p.nonce(), p.t1(), p.version(), p.is_answered())
}

impl Case {
    fn process(
        &mut self,
        bytes: &[u8],
        from: SocketAddr,
        t4: NtpTimestamp,
        cfg: &ValidationConfig,
    ) -> Result<Reply, Reject> {
        self.pending.process(from, bytes, t4, cfg)
    }

    /// Asserts the exact rejection and an unchanged pending request.
    fn rejects_with(&mut self, packet: Packet, expected: Reject) {
        self.rejects_bytes(&packet.to_bytes(), server(), expected, &ValidationConfig::default());
    }

    fn rejects_bytes(&mut self, bytes: &[u8], from: SocketAddr, expected: Reject, cfg: &ValidationConfig) {
        let before = snapshot(&self.pending);
        let t4 = self.t4;
        assert_eq!(self.process(bytes, from, t4, cfg), Err(expected));
        assert_eq!(snapshot(&self.pending), before, "a rejected reply changed the pending request");
    }

    /// The genuine reply is accepted with the expected figures.
    fn accepts_genuine(&mut self) -> SyncResult {
        let (bytes, t4) = (self.genuine.to_bytes(), self.t4);
        let Ok(Reply::Sample(s)) = self.process(&bytes, server(), t4, &ValidationConfig::default()) else {
            panic!("genuine reply not accepted");
        };
        assert_eq!(s.offset_nanos(), 250_000_000);
        assert_eq!(s.delay_nanos(), 2_000_000);
        assert!(self.pending.is_answered());
        s
    }

    fn with(&self, f: impl FnOnce(&mut Packet)) -> Packet {
        let mut p = self.genuine;
        f(&mut p);
        p
    }
}

#[test]
fn genuine_reply_gives_exact_figures() {
    let mut c = case();
    let s = c.accepts_genuine();
    assert_eq!(s.t1(), t1());
    assert_eq!(s.stratum(), Stratum(2));
    assert_eq!(s.reference_id(), ReferenceId([192, 0, 2, 1]));
    assert_eq!(s.leap(), LeapIndicator::NoWarning);
    // ε = 2^-20 (server) + 2^-20 (local) + 15 ppm × 2.01 ms; λ = δr/2 + εr + δ/2 + ε.
    let eps = s.dispersion().to_nanos();
    assert!((1_937..1_938).contains(&eps), "dispersion {eps}");
    let lambda = s.root_distance().to_nanos();
    let expect = (0x100 * 1_000_000_000 / 65_536) / 2 + 0x200 * 1_000_000_000 / 65_536 + 1_000_000 + eps;
    assert!((lambda - expect).abs() <= 2, "{lambda} vs {expect}");
    assert_eq!(s.corrected_time(c.t4), c.t4 + ms(250));
    assert_eq!(s.offset_std(), (false, core::time::Duration::from_millis(250)));
    assert_eq!(s.delay_std(), core::time::Duration::from_millis(2));
    assert_eq!((s.t2(), s.t3(), s.t4()), (c.genuine.receive_timestamp, c.genuine.transmit_timestamp, c.t4));
    assert_eq!(s.version(), Version::V4);
    assert_eq!(s.reference_timestamp(), c.genuine.reference_timestamp);
    assert_eq!((s.root_delay(), s.root_dispersion()), (c.genuine.root_delay, c.genuine.root_dispersion));
}

/// B-1: a valid reply from another IP, or from a port other than the request's:
/// `UnexpectedSource` (RFC 4330 §5; lwIP `SNTP_CHECK_RESPONSE=0`).
#[test]
fn b1_wrong_source_address_or_port() {
    let mut c = case();
    let bytes = c.genuine.to_bytes();
    for from in ["127.0.0.2:123", "127.0.0.1:124", "[::1]:123"] {
        c.rejects_bytes(
            &bytes,
            from.parse().unwrap(),
            Reject::UnexpectedSource,
            &ValidationConfig::default(),
        );
    }
    c.accepts_genuine();
}

/// B-2: origin 0 while a request is outstanding: `ZeroOrigin` (CVE-2015-8138).
#[test]
fn b2_zero_origin() {
    let mut c = case();
    c.rejects_with(c.with(|p| p.origin_timestamp = NtpTimestamp::ZERO), Reject::ZeroOrigin);
    c.accepts_genuine();
}

/// B-3: any reply, origin 0 included, once the request has been answered:
/// `NotAwaitingResponse` (TALOS-2016-0077).
#[test]
fn b3_no_request_outstanding() {
    let mut c = case();
    c.accepts_genuine();
    for p in
        [c.genuine, c.with(|p| p.origin_timestamp = NtpTimestamp::ZERO), c.with(|p| p.stratum = Stratum(0))]
    {
        c.rejects_with(p, Reject::NotAwaitingResponse);
    }
}

/// B-4: a zero-origin and a mismatched reply, then the genuine one: the first two are
/// rejected with state unchanged and the genuine one is accepted (CVE-2016-9042).
#[test]
fn b4_bogus_replies_do_not_block_the_genuine_one() {
    let mut c = case();
    c.rejects_with(c.with(|p| p.origin_timestamp = NtpTimestamp::ZERO), Reject::ZeroOrigin);
    c.rejects_with(
        c.with(|p| p.origin_timestamp = NtpTimestamp::from_bits(NONCE ^ 1)),
        Reject::OriginMismatch,
    );
    c.accepts_genuine();
}

/// B-6: the genuine reply twice: one sample, then `NotAwaitingResponse` (RFC 5905 §8
/// test 1).
#[test]
fn b6_duplicate_genuine_reply() {
    let mut c = case();
    c.accepts_genuine();
    c.rejects_with(c.genuine, Reject::NotAwaitingResponse);
}

/// B-7: the origin with each of its 64 bits flipped: `OriginMismatch` (RFC 5905 §8
/// test 2).
#[test]
fn b7_every_single_bit_origin_flip() {
    let mut c = case();
    for bit in 0..64 {
        c.rejects_with(
            c.with(|p| p.origin_timestamp = NtpTimestamp::from_bits(NONCE ^ (1 << bit))),
            Reject::OriginMismatch,
        );
    }
    c.accepts_genuine();
}

/// B-8: the reply to request #1 arriving after request #2 was sent: `OriginMismatch`
/// (RFC 5905 §8: only the latest request counts).
#[test]
fn b8_reply_to_an_older_request() {
    let mut builder = ClientRequest::new();
    let mut nonces = [NONCE, NONCE + 1].into_iter();
    let mut rng = || nonces.next().unwrap();
    let mut buf = [0u8; 48];
    let (_, first) = builder.build(server(), t1(), &mut rng, &mut buf).unwrap();
    let (_, second) = builder.build(server(), t1() + ms(1000), &mut rng, &mut buf).unwrap();
    assert_eq!(first.nonce().to_bits(), NONCE);
    let mut c = case();
    c.pending = second;
    c.rejects_with(c.genuine, Reject::OriginMismatch); // genuine carries NONCE: request #1's
    c.genuine.origin_timestamp = NtpTimestamp::from_bits(NONCE + 1);
    c.t4 = c.t4 + ms(1000);
    c.genuine.receive_timestamp = c.genuine.receive_timestamp + ms(1000);
    c.genuine.transmit_timestamp = c.genuine.transmit_timestamp + ms(1000);
    c.accepts_genuine();
}

/// B-9: origin equal to our previous T4 (the interleaved-mode trick): `OriginMismatch`,
/// and nothing switches mode (CVE-2016-1548).
#[test]
fn b9_origin_equal_to_previous_t4() {
    let mut c = case();
    let previous_t4 = c.t4 - NtpDuration::from_seconds(64);
    c.rejects_with(c.with(|p| p.origin_timestamp = previous_t4), Reject::OriginMismatch);
    c.accepts_genuine();
}

/// B-10: our own request reflected back. In the order of checks the origin comes before
/// the mode, so the plain reflection (origin 0) is `ZeroOrigin`; a reflection forged to
/// carry our nonce as origin is `WrongMode(Client)`. Either way it is rejected.
#[test]
fn b10_reflected_request() {
    let mut c = case();
    let mut rng = || NONCE;
    let mut buf = [0u8; 48];
    ClientRequest::new().build(server(), t1(), &mut rng, &mut buf).unwrap();
    c.rejects_bytes(&buf, server(), Reject::ZeroOrigin, &ValidationConfig::default());
    let mut forged = Packet::parse(&buf).unwrap();
    forged.origin_timestamp = NtpTimestamp::from_bits(NONCE);
    c.rejects_with(forged, Reject::WrongMode(Mode::Client));
    c.accepts_genuine();
}

/// B-11: modes 0, 1, 2, 5, 6, 7 with a valid origin: `WrongMode(m)` (RFC 4330 §5
/// check 4).
#[test]
fn b11_wrong_modes() {
    let mut c = case();
    for m in [0u8, 1, 2, 5, 6, 7] {
        c.rejects_with(c.with(|p| p.mode = Mode::from_bits(m)), Reject::WrongMode(Mode::from_bits(m)));
    }
    c.accepts_genuine();
}

/// K-1: stratum-0 RATE with a wrong origin: `OriginMismatch`, never a kiss
/// (CVE-2015-7704).
#[test]
fn k1_kiss_with_wrong_origin() {
    let mut c = case();
    let kiss = c.with(|p| {
        p.stratum = Stratum(0);
        p.reference_id = ReferenceId(*b"RATE");
        p.origin_timestamp = NtpTimestamp::from_bits(NONCE.rotate_left(7));
    });
    c.rejects_with(kiss, Reject::OriginMismatch);
    c.accepts_genuine();
}

/// K-2 and K-4: origin-valid RATE (with hostile ppoll 17, 127, −128), DENY and RSTR are
/// returned as `KissOfDeath { code, poll }` (the poll the server asks for), and they
/// answer the request.
#[test]
fn k2_k4_known_kiss_codes() {
    for (code, poll) in [
        (KissCode::Rate, 17),
        (KissCode::Rate, 127),
        (KissCode::Rate, -128),
        (KissCode::Deny, 6),
        (KissCode::Rstr, 6),
    ] {
        let mut c = case();
        let kiss = c.with(|p| {
            p.stratum = Stratum(0);
            p.poll = Poll(poll);
            p.reference_id = ReferenceId::from_kiss_code(code);
        });
        let t4 = c.t4;
        assert_eq!(
            c.process(&kiss.to_bytes(), server(), t4, &ValidationConfig::default()),
            Ok(Reply::KissOfDeath { code, poll: Poll(poll) })
        );
        assert!(c.pending.is_answered());
        c.rejects_with(c.genuine, Reject::NotAwaitingResponse);
    }
}

/// K-5: kiss codes "XABC", four zero bytes and four 0xFF bytes are ignored
/// (`KissUnknown`), and their timestamps are never used (RFC 5905 §7.4).
#[test]
fn k5_unknown_kiss_codes_are_ignored() {
    let mut c = case();
    for code in [*b"XABC", [0; 4], [0xFF; 4]] {
        c.rejects_with(
            c.with(|p| {
                p.stratum = Stratum(0);
                p.reference_id = ReferenceId(code);
            }),
            Reject::KissUnknown(code),
        );
    }
    c.accepts_genuine();
}

/// K-6: a kiss-o'-death whose T2/T3 look valid never yields a sample.
#[test]
fn k6_kiss_never_yields_a_sample() {
    for code in KissCode::KNOWN {
        let mut c = case();
        let kiss = c.with(|p| {
            p.stratum = Stratum(0);
            p.reference_id = ReferenceId::from_kiss_code(code);
        });
        let t4 = c.t4;
        let r = c.process(&kiss.to_bytes(), server(), t4, &ValidationConfig::default());
        assert_eq!(r, Ok(Reply::KissOfDeath { code, poll: Poll(6) }));
    }
}

/// H-1: LI = 3 with stratum 2: `Unsynchronized` (RFC 5905 `packet()`).
#[test]
fn h1_unsynchronized() {
    let mut c = case();
    c.rejects_with(c.with(|p| p.leap = LeapIndicator::Unsynchronized), Reject::Unsynchronized);
    c.accepts_genuine();
}

/// H-2: stratum 16, 17 and 255: `InvalidStratum` (MAXSTRAT).
#[test]
fn h2_invalid_stratum() {
    let mut c = case();
    for s in [16u8, 17, 255] {
        c.rejects_with(c.with(|p| p.stratum = Stratum(s)), Reject::InvalidStratum(s));
    }
    c.accepts_genuine();
}

/// H-3: T3 = 0 is `ZeroTransmit`; T2 = 0 is `ZeroReceive` (RFC 4330 check 4).
#[test]
fn h3_zero_server_timestamps() {
    let mut c = case();
    c.rejects_with(c.with(|p| p.transmit_timestamp = NtpTimestamp::ZERO), Reject::ZeroTransmit);
    c.rejects_with(c.with(|p| p.receive_timestamp = NtpTimestamp::ZERO), Reject::ZeroReceive);
    c.accepts_genuine();
}

/// H-4: root delay 0xFFFF_FFFF, or root dispersion 16 s: `RootDistanceTooLarge`
/// (RFC 5905 test 7).
#[test]
fn h4_root_distance() {
    let mut c = case();
    let huge_delay = c.with(|p| p.root_delay = NtpShort::from_bits(u32::MAX));
    let root_distance = NtpShort::from_bits(u32::MAX)
        .to_duration()
        .halve()
        .saturating_add(NtpShort::from_bits(0x200).to_duration());
    c.rejects_with(huge_delay, Reject::RootDistanceTooLarge { root_distance });
    let disp = c.with(|p| p.root_dispersion = NtpShort::from_bits(0x0010_0000));
    let root_distance =
        NtpShort::from_bits(0x100).to_duration().halve().saturating_add(NtpDuration::from_seconds(16));
    c.rejects_with(disp, Reject::RootDistanceTooLarge { root_distance });
    c.accepts_genuine();
}

/// H-5: reference timestamp after T3: `BadHeader` (RFC 5905 A.5.1.1).
#[test]
fn h5_reference_after_transmit() {
    let mut c = case();
    let t3 = c.genuine.transmit_timestamp;
    c.rejects_with(c.with(|p| p.reference_timestamp = t3 + NtpDuration::from_bits(1)), Reject::BadHeader);
    c.accepts_genuine();
}

/// H-6: LI = 1 (leap insert) from one unauthenticated reply: accepted, and the leap is
/// only reported (CVE-2016-4954: acting on it is the caller's policy).
#[test]
fn h6_leap_is_reported_not_acted_on() {
    let mut c = case();
    c.genuine.leap = LeapIndicator::InsertSecond;
    let s = c.accepts_genuine();
    assert_eq!(s.leap(), LeapIndicator::InsertSecond);
}

/// H-7: precision −128 and +127, poll −128 and +127: no shift overflow; values clamp.
/// A precision of 2¹²⁷ s saturates the dispersion, so the root distance is too large.
#[test]
fn h7_extreme_exponents() {
    for poll in [-128i8, 127] {
        let mut c = case();
        c.genuine.poll = Poll(poll);
        assert_eq!(c.accepts_genuine().poll(), Poll(poll));
    }
    let mut c = case();
    c.genuine.precision = Precision(-128);
    assert_eq!(c.accepts_genuine().precision(), Precision(-128));
    let mut c = case();
    let t4 = c.t4;
    let r = c.process(
        &c.with(|p| p.precision = Precision(127)).to_bytes(),
        server(),
        t4,
        &ValidationConfig::default(),
    );
    assert!(
        matches!(r, Err(Reject::RootDistanceTooLarge { root_distance }) if root_distance == NtpDuration::MAX),
        "{r:?}"
    );
    c.accepts_genuine();
}

/// H-8: a reply whose version differs from the request's: `VersionMismatch`.
#[test]
fn h8_version_mismatch() {
    let mut c = case();
    for v in [Version::V1, Version::V2, Version::V3] {
        c.rejects_with(c.with(|p| p.version = v), Reject::VersionMismatch { sent: Version::V4, received: v });
    }
    c.accepts_genuine();
}

/// O-2: server times exactly 2³¹ s from ours: `OffsetAmbiguous`.
#[test]
fn o2_half_era_offset_is_ambiguous() {
    let mut c = case();
    let half = NtpDuration::MIN; // -2^31 s; adding it wraps to +2^31 s
    let p = c.with(|p| {
        p.receive_timestamp = t1() + half;
        p.transmit_timestamp = t1() + half;
        p.reference_timestamp = NtpTimestamp::ZERO;
    });
    c.rejects_with(p, Reject::OffsetAmbiguous);
    c.accepts_genuine();
}

/// O-3: T4 < T1 (our clock went backwards) gives a delay clamped to the local
/// precision; T3 < T2 beyond the server's precision is `ServerTimesInconsistent`.
#[test]
fn o3_clock_going_backwards() {
    let mut c = case();
    let t4 = t1() - ms(5);
    let bytes = c.genuine.to_bytes();
    let Ok(Reply::Sample(s)) = c.process(&bytes, server(), t4, &ValidationConfig::default()) else {
        panic!()
    };
    assert_eq!(s.delay(), Precision(-20).to_duration());

    let mut c = case();
    let t2 = c.genuine.receive_timestamp;
    c.rejects_with(
        c.with(|p| p.transmit_timestamp = t2 - ms(1)),
        Reject::ServerTimesInconsistent { interval: ms(-1) },
    );
    c.accepts_genuine();
}

/// O-4 and O-5: an offset of 10⁶ s, or server times shifted by a year, pass without a
/// step limit (reported for the caller's step decision) and are `StepTooLarge` with one.
#[test]
fn o4_o5_step_limit() {
    for shift in [NtpDuration::from_seconds(1_000_000), NtpDuration::from_seconds(365 * 86_400)] {
        let shifted = |c: &Case| {
            c.with(|p| {
                p.receive_timestamp = p.receive_timestamp + shift;
                p.transmit_timestamp = p.transmit_timestamp + shift;
                p.reference_timestamp = p.reference_timestamp + shift;
            })
        };
        let mut c = case();
        let t4 = c.t4;
        let Ok(Reply::Sample(s)) =
            c.process(&shifted(&c).to_bytes(), server(), t4, &ValidationConfig::default())
        else {
            panic!()
        };
        assert_eq!(s.offset(), shift.saturating_add(ms(250)));

        let mut c = case();
        let limit = ValidationConfig {
            max_offset: Some(NtpDuration::from_seconds(1000)),
            ..ValidationConfig::default()
        };
        let p = shifted(&c);
        c.rejects_bytes(
            &p.to_bytes(),
            server(),
            Reject::StepTooLarge { offset: shift.saturating_add(ms(250)) },
            &limit,
        );
        c.accepts_genuine();
    }
}

/// O-6: T3 − T2 = 5 s: `ServerTimesInconsistent` (chrony `MAX_SERVER_INTERVAL` 4 s).
#[test]
fn o6_server_holds_the_request_too_long() {
    let mut c = case();
    let t2 = c.genuine.receive_timestamp;
    c.rejects_with(
        c.with(|p| p.transmit_timestamp = t2 + NtpDuration::from_seconds(5)),
        Reject::ServerTimesInconsistent { interval: NtpDuration::from_seconds(5) },
    );
    c.accepts_genuine();
}

/// O-7: a delay of 3 s with a 1 s bound: `DelayTooLarge` (RFC 7384 delay attack).
#[test]
fn o7_delay_bound() {
    let mut c = case();
    let bound = ValidationConfig { max_delay: Some(NtpDuration::ONE_SECOND), ..ValidationConfig::default() };
    let bytes = c.genuine.to_bytes();
    let before = snapshot(&c.pending);
    let late = c.t4 + NtpDuration::from_seconds(3) - ms(2);
    let r = c.pending.process(server(), &bytes, late, &bound);
    assert_eq!(r, Err(Reject::DelayTooLarge { delay: NtpDuration::from_seconds(3) }));
    assert_eq!(snapshot(&c.pending), before);
    c.accepts_genuine();
}

/// T-1: client at 0xFFFF_FFFA s (2036-02-07 06:28:10), server 8 s ahead in the next
/// era: offset +8 s, not −136 years.
#[test]
fn t1_exchange_across_the_2036_rollover() {
    let t1 = NtpTimestamp::from_parts(0xFFFF_FFFA, 0);
    let mut rng = || NONCE;
    let mut buf = [0u8; 48];
    let (_, mut pending) = ClientRequest::new().build(server(), t1, &mut rng, &mut buf).unwrap();
    let t2 = NtpTimestamp::from_parts(0x0000_0002, 0);
    let reply = Packet {
        leap: LeapIndicator::NoWarning,
        mode: Mode::Server,
        stratum: Stratum(1),
        precision: Precision(-20),
        origin_timestamp: NtpTimestamp::from_bits(NONCE),
        receive_timestamp: t2,
        transmit_timestamp: t2,
        reference_timestamp: NtpTimestamp::from_parts(0xFFFF_FFF0, 0),
        ..Packet::default()
    };
    let Ok(Reply::Sample(s)) = pending.process(server(), &reply.to_bytes(), t1, &ValidationConfig::default())
    else {
        panic!()
    };
    assert_eq!(s.offset(), NtpDuration::from_seconds(8));
    assert_eq!(s.corrected_time(t1), t2);
}

/// T-2: the RFC 4330 rule maps MSB-set seconds to 1968–2036 and MSB-clear to 2036–2104;
/// the all-zero value is "unset" (and 2036-02-07 06:28:16 as an instant).
#[test]
fn t2_rfc4330_era_rule() {
    let year = |s: u32| NtpTimestamp::from_parts(s, 0).to_unix_rfc4330().to_civil().year;
    assert_eq!(year(0x8000_0000), 1968);
    assert_eq!(year(0xFFFF_FFFF), 2036);
    assert_eq!(year(0x0000_0001), 2036);
    assert_eq!(year(0x7FFF_FFFF), 2104);
    assert!(NtpTimestamp::ZERO.is_zero());
    assert_eq!(NtpTimestamp::ZERO.to_unix_rfc4330().to_string(), "2036-02-07T06:28:16.000000000Z");
}

/// T-3: a 32-bit `time_t` after 2038 is `OutOfRange`; the default 64-bit API succeeds.
#[test]
fn t3_y2038() {
    let t = UnixTime::from_civil(2038, 1, 19, 3, 14, 8, 0).unwrap();
    assert_eq!(t.to_i32_seconds(), Err(OutOfRange));
    assert_eq!(t.seconds(), 2_147_483_648);
    assert_eq!(NtpTimestamp::from_unix(t).to_unix_rfc4330(), t);
}

/// 10⁶ requests from an RNG: the transmit field is never 0, never the previous
/// value, never the clock; every other field is the data-minimized form exactly.
#[test]
fn q1_a_million_requests() {
    let mut state = 0x853c_49e6_748f_ea9b_u64; // splitmix64, a stand-in for a CSPRNG
    let mut rng = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % 4 // tiny range: zeros and repeats are frequent
    };
    let mut builder = ClientRequest::new();
    let mut buf = [0u8; 48];
    let mut previous = 0;
    let mut clock = 2u64;
    let mut built = 0;
    for _ in 0..1_000_000 {
        clock = clock % 3 + 1;
        let t1 = NtpTimestamp::from_bits(clock);
        match builder.build(server(), t1, &mut rng, &mut buf) {
            Ok((48, pending)) => {
                let nonce = pending.nonce().to_bits();
                assert!(nonce != 0 && nonce != previous && nonce != t1.to_bits());
                assert_eq!(&buf[..4], &[0x23, 0, 0, 0x20]);
                assert!(buf[4..40].iter().all(|&b| b == 0));
                assert_eq!(u64::from_be_bytes(buf[40..48].try_into().unwrap()), nonce);
                previous = nonce;
                built += 1;
            }
            Ok(_) => panic!("wrong length"),
            Err(e) => assert_eq!(e, RequestError::Rng),
        }
    }
    // With 4 possible values, some draws exhaust their retries; most succeed.
    assert!((500_000..1_000_000).contains(&built), "{built}");
}

/// an RNG that yields 0 and then repeats the same value: redrawn within the bound,
/// otherwise `Err(Rng)` with nothing written; never a zero or repeated nonce.
#[test]
fn q2_broken_rng() {
    let mut builder = ClientRequest::new();
    let mut buf = [0xAAu8; 48];
    let mut zeros = || 0u64;
    assert_eq!(builder.build(server(), t1(), &mut zeros, &mut buf).err(), Some(RequestError::Rng));
    assert!(buf.iter().all(|&b| b == 0xAA), "nothing written on error");
    let mut seq = [0u64, 7, 7, 7, 7, 7, 7].into_iter();
    let mut rng = || seq.next().unwrap_or(7);
    let (_, first) = builder.build(server(), t1(), &mut rng, &mut buf).unwrap();
    assert_eq!(first.nonce().to_bits(), 7);
    assert_eq!(builder.build(server(), t1(), &mut rng, &mut buf).err(), Some(RequestError::Rng));
    let mut clock_rng = || t1().to_bits();
    assert_eq!(builder.build(server(), t1(), &mut clock_rng, &mut buf).err(), Some(RequestError::Rng));
}

/// Legacy requests carry the real T1 (never zero), and replies to them are matched on it.
#[test]
fn legacy_request_sends_t1() {
    let mut builder = ClientRequest::new().with_transmit_time().version(Version::V3);
    let mut unused = || -> u64 { panic!("no nonce needed") };
    let mut buf = [0u8; 48];
    let (_, p) = builder.build(server(), t1(), &mut unused, &mut buf).unwrap();
    assert_eq!(buf[0], 0x1B);
    assert_eq!(p.nonce(), t1());
    let (_, p) = builder.build(server(), NtpTimestamp::ZERO, &mut unused, &mut buf).unwrap();
    assert_eq!(p.nonce(), NtpTimestamp::from_bits(1));
    let mut small = [0u8; 47];
    assert_eq!(
        builder.build(server(), t1(), &mut unused, &mut small).err(),
        Some(RequestError::Emit(EmitError::BufferTooSmall { required: 48 }))
    );
}

/// Malformed datagrams are `Parse` errors with the parser's exact reason.
#[test]
fn framing_errors_pass_through() {
    let mut c = case();
    let cfg = ValidationConfig::default();
    let bytes = c.genuine.to_bytes();
    c.rejects_bytes(&bytes[..47], server(), Reject::Parse(ParseError::TooShort { len: 47 }), &cfg);
    let mut v5 = bytes;
    v5[0] = 0x2C;
    c.rejects_bytes(&v5, server(), Reject::Parse(ParseError::UnsupportedVersion(5)), &cfg);
    c.accepts_genuine();
}

/// B-13: a dual-stack socket reports an IPv4 server as `[::ffff:a.b.c.d]`: the same
/// server (RFC 4330 §5 compares addresses, and RFC 4291 §2.5.5.2 maps them), so the reply
/// is accepted. The mapped form of another address, or another port, is still
/// `UnexpectedSource`.
#[test]
fn b13_ipv4_mapped_source_is_the_same_server() {
    let mut c = case();
    let bytes = c.genuine.to_bytes();
    for from in ["[::ffff:127.0.0.2]:123", "[::ffff:127.0.0.1]:124", "[::127.0.0.1]:123"] {
        c.rejects_bytes(
            &bytes,
            from.parse().unwrap(),
            Reject::UnexpectedSource,
            &ValidationConfig::default(),
        );
    }
    let (t4, cfg) = (c.t4, ValidationConfig::default());
    let r = c.process(&bytes, "[::ffff:127.0.0.1]:123".parse().unwrap(), t4, &cfg);
    assert!(matches!(r, Ok(Reply::Sample(s)) if s.offset_nanos() == 250_000_000), "{r:?}");
}

/// Builds the genuine case for an IPv6 server.
fn case_at(server: SocketAddr) -> (PendingRequest, [u8; 48], NtpTimestamp) {
    let c = case();
    let mut rng = || NONCE;
    let mut buf = [0u8; 48];
    let (_, pending) = ClientRequest::new().build(server, t1(), &mut rng, &mut buf).unwrap();
    (pending, c.genuine.to_bytes(), c.t4)
}

/// B-14: the flow label is not part of an IPv6 address (RFC 6437): a reply whose source
/// carries one is from the same server.
#[test]
fn b14_ipv6_flow_label_is_ignored() {
    use core::net::SocketAddrV6;
    let ip = "2001:db8::123".parse().unwrap();
    let (mut pending, bytes, t4) = case_at(SocketAddr::V6(SocketAddrV6::new(ip, 123, 0, 0)));
    let cfg = ValidationConfig::default();
    let other = SocketAddr::V6(SocketAddrV6::new("2001:db8::124".parse().unwrap(), 123, 0x12345, 0));
    assert_eq!(pending.process(other, &bytes, t4, &cfg), Err(Reject::UnexpectedSource));
    assert!(!pending.is_answered());
    let labelled = SocketAddr::V6(SocketAddrV6::new(ip, 123, 0x12345, 0));
    assert!(matches!(pending.process(labelled, &bytes, t4, &cfg), Ok(Reply::Sample(_))));
}

/// B-15: for a link-local IPv6 address the scope ID is part of the address (RFC 4007
/// §6): `fe80::1%3` is not `fe80::1%2`, and a reply from the other zone is
/// `UnexpectedSource` with the request unchanged; the right zone is accepted.
#[test]
fn b15_link_local_scope_id_is_part_of_the_address() {
    use core::net::SocketAddrV6;
    let ip = "fe80::1".parse().unwrap();
    let at = |scope| SocketAddr::V6(SocketAddrV6::new(ip, 123, 0, scope));
    let (mut pending, bytes, t4) = case_at(at(2));
    let cfg = ValidationConfig::default();
    for wrong in [at(3), at(0)] {
        let before = snapshot(&pending);
        assert_eq!(pending.process(wrong, &bytes, t4, &cfg), Err(Reject::UnexpectedSource));
        assert_eq!(snapshot(&pending), before);
    }
    let flow = SocketAddr::V6(SocketAddrV6::new(ip, 123, 77, 2));
    assert!(matches!(pending.process(flow, &bytes, t4, &cfg), Ok(Reply::Sample(_))));
}

/// O-8: a true offset of 2³¹ s − 0.25 s with 0.4 s of delay each way. T2 − T1 wraps
/// past half the era while T3 − T4 does not (RFC 5905 §6), which a naive sum reports as
/// −0.25 s: `OffsetAmbiguous` instead, the request unchanged, the genuine reply still
/// accepted.
#[test]
fn o8_offset_straddling_half_an_era_is_ambiguous() {
    let mut c = case();
    let theta = NtpDuration::MAX.saturating_sub(ms(250)); // 2^31 s − 0.25 s (less one unit)
    let p = c.with(|p| {
        p.receive_timestamp = t1() + ms(400) + theta;
        p.transmit_timestamp = p.receive_timestamp;
        p.reference_timestamp = NtpTimestamp::ZERO;
    });
    let t4 = t1() + ms(800);
    let before = snapshot(&c.pending);
    let r = c.pending.process(server(), &p.to_bytes(), t4, &ValidationConfig::default());
    assert_eq!(r, Err(Reject::OffsetAmbiguous));
    assert_eq!(snapshot(&c.pending), before);
    c.accepts_genuine();
}

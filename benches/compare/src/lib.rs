//! One `#[inline(never)]` adapter per (operation, implementation), shared by the criterion
//! bench (`benches/compare.rs`) and the instruction counter (`src/bin/icount.rs`), so the
//! nanoseconds and the instruction counts describe the same machine code.
//!
//! Every adapter is named `op_<group>_<implementation>`: callgrind counts instructions
//! only inside functions matching `*op_*`, so input preparation (for ntpkit's process
//! row, a fresh single-use `PendingRequest`) is never counted, in either tool.
//!
//! Groups, per 48-byte NTPv4 packet:
//! - `parse`: a server reply into the implementation's packet type;
//! - `process`: parse + validate against the request + offset/delay (sntpc offers only
//!   this fused path);
//! - `serialize`: a prepared packet into 48 bytes;
//! - `build_serialize`: the implementation's own "make a client request" path, to bytes;
//! - `compute`: offset and delay from T1..T4.

use core::future::Future;
use core::pin::pin;
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll, Waker};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ntpkit::exchange::{ClientRequest, PendingRequest, Reject, Reply, ValidationConfig};
use ntpkit::{NtpTimestamp, Packet, PacketView};

// ------------------------------------------------------------------ test vector --

/// The test vector of `../shared/bench-peers` (kept identical so the figures compare):
/// T1 = 2026-05-28T20:26:40.25Z, offset +1.234567 s, delay 24.000 ms.
pub const T1: u64 = 0xedc3_2380_4000_0000;
/// Server receive time.
pub const T2: u64 = 0xedc3_2381_7f1f_03d1;
/// Server transmit time.
pub const T3: u64 = 0xedc3_2381_7f21_f6ca;
/// Client receive time.
pub const T4: u64 = 0xedc3_2380_4627_d028;
/// T1 as Unix seconds and microseconds (sntpc's clock interface).
pub const T1_UNIX: (u64, u32) = (1_780_000_000, 250_000);
/// T4's microseconds (same second as T1).
pub const T4_MICROS: u32 = 274_045;

/// The server's reply: LI 0, VN 4, mode 4, stratum 2, poll 6, precision −24, root delay
/// 0x0a3b, root dispersion 0x0c1f, refid 192.0.2.1, reference time T3 − 37 s, origin T1.
/// `self_check` rebuilds it field by field with ntpkit and compares the bytes.
pub const REPLY: [u8; 48] = [
    0x24, 0x02, 0x06, 0xe8, 0x00, 0x00, 0x0a, 0x3b, 0x00, 0x00, 0x0c, 0x1f, 0xc0, 0x00, 0x02, 0x01, //
    0xed, 0xc3, 0x23, 0x5c, 0x7f, 0x21, 0xf6, 0xca, 0xed, 0xc3, 0x23, 0x80, 0x40, 0x00, 0x00, 0x00, //
    0xed, 0xc3, 0x23, 0x81, 0x7f, 0x1f, 0x03, 0xd1, 0xed, 0xc3, 0x23, 0x81, 0x7f, 0x21, 0xf6, 0xca,
];

/// The server the request went to.
pub const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 123);

// ----------------------------------------------------------------------- floor --

/// The hand-written floor: the header fields as plain integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Raw {
    /// LI, VN and mode.
    pub first: u8,
    /// Stratum.
    pub stratum: u8,
    /// Poll exponent.
    pub poll: i8,
    /// Precision exponent.
    pub precision: i8,
    /// Root delay, 16.16.
    pub root_delay: u32,
    /// Root dispersion, 16.16.
    pub root_dispersion: u32,
    /// Reference ID.
    pub reference_id: u32,
    /// Reference, origin, receive and transmit timestamps.
    pub stamps: [u64; 4],
}

#[inline(always)]
fn be_u32(b: &[u8; 48], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[inline(always)]
fn be_u64(b: &[u8; 48], at: usize) -> u64 {
    (u64::from(be_u32(b, at)) << 32) | u64::from(be_u32(b, at + 4))
}

#[inline(always)]
fn raw_from(bytes: &[u8]) -> Option<Raw> {
    let b: &[u8; 48] = bytes.first_chunk()?;
    Some(Raw {
        first: b[0],
        stratum: b[1],
        poll: b[2] as i8,
        precision: b[3] as i8,
        root_delay: be_u32(b, 4),
        root_dispersion: be_u32(b, 8),
        reference_id: be_u32(b, 12),
        stamps: [be_u64(b, 16), be_u64(b, 24), be_u64(b, 32), be_u64(b, 40)],
    })
}

#[inline(always)]
fn raw_offset_delay(t1: u64, t2: u64, t3: u64, t4: u64) -> (i64, i64) {
    let offset = ((t2.wrapping_sub(t1) as i64) >> 1).wrapping_add((t3.wrapping_sub(t4) as i64) >> 1);
    let delay = (t4.wrapping_sub(t1) as i64).wrapping_sub(t3.wrapping_sub(t2) as i64);
    (offset, delay)
}

#[inline(always)]
fn raw_to(p: &Raw, out: &mut [u8; 48]) {
    out[0] = p.first;
    out[1] = p.stratum;
    out[2] = p.poll as u8;
    out[3] = p.precision as u8;
    out[4..8].copy_from_slice(&p.root_delay.to_be_bytes());
    out[8..12].copy_from_slice(&p.root_dispersion.to_be_bytes());
    out[12..16].copy_from_slice(&p.reference_id.to_be_bytes());
    for (i, s) in p.stamps.iter().enumerate() {
        out[16 + 8 * i..24 + 8 * i].copy_from_slice(&s.to_be_bytes());
    }
}

/// Floor: copy the 48 bytes, the least any parser does.
#[inline(never)]
pub fn op_parse_floor_copy(bytes: &[u8], out: &mut [u8; 48]) -> bool {
    bytes.first_chunk::<48>().map(|b| *out = *b).is_some()
}

/// Floor: big-endian fields into a struct.
#[inline(never)]
pub fn op_parse_floor(bytes: &[u8]) -> Option<Raw> {
    raw_from(bytes)
}

/// Floor: parse, the checks every client makes (origin, mode, version, leap, stratum,
/// transmit set, header root distance under 16 s, reference not after transmit), and
/// offset/delay.
#[inline(never)]
pub fn op_process_floor(bytes: &[u8], t1: u64, t4: u64) -> Option<(i64, i64)> {
    let p = raw_from(bytes)?;
    let [reference, origin, receive, transmit] = p.stamps;
    let version = (p.first >> 3) & 7;
    let bad = origin != t1
        || p.first & 7 != 4
        || !(1..=4).contains(&version)
        || p.first >> 6 == 3
        || !(1..=15).contains(&p.stratum)
        || transmit == 0
        || (p.root_delay / 2).saturating_add(p.root_dispersion) >= 16 << 16
        || (reference != 0 && (reference.wrapping_sub(transmit) as i64) > 0);
    if bad { None } else { Some(raw_offset_delay(t1, receive, transmit, t4)) }
}

/// Floor: a prepared struct to bytes.
#[inline(never)]
pub fn op_serialize_floor(p: &Raw, out: &mut [u8; 48]) {
    raw_to(p, out);
}

/// Floor: a client request (VN 4, mode 3, transmit time) to bytes.
#[inline(never)]
pub fn op_build_serialize_floor(t1: u64, out: &mut [u8; 48]) {
    raw_to(&Raw { first: 0x23, stamps: [0, 0, 0, t1], ..Raw::default() }, out);
}

/// The request the server rows answer: chrony's data-minimized request (VN 4, mode 3,
/// poll 6, precision 0x20, all zero but the transmit field), with T1 as its transmit field.
pub const REQUEST: [u8; 48] = {
    let mut r = [0u8; 48];
    r[0] = 0x23;
    r[2] = 6;
    r[3] = 0x20;
    let t1 = T1.to_be_bytes();
    let mut i = 0;
    while i < 8 {
        r[40 + i] = t1[i];
        i += 1;
    }
    r
};

/// Floor: a server's reply: check the request is 48+ bytes of mode 3, VN 1–4, then the
/// fixed header of [`REPLY`] with the request's version and poll, its transmit field as
/// origin, and T2, T3.
#[inline(never)]
pub fn op_respond_floor(request: &[u8], t2: u64, t3: u64, out: &mut [u8; 48]) -> Option<usize> {
    let q = raw_from(request)?;
    let version = (q.first >> 3) & 7;
    if q.first & 7 != 3 || !(1..=4).contains(&version) {
        return None;
    }
    let reply = Raw {
        first: version << 3 | 4,
        stratum: 2,
        poll: q.poll,
        precision: -24,
        root_delay: 0x0a3b,
        root_dispersion: 0x0c1f,
        reference_id: 0xc000_0201,
        stamps: [T3 - (37 << 32), q.stamps[3], t2, t3],
    };
    raw_to(&reply, out);
    Some(48)
}

/// Floor: offset and delay in i64 32.32.
#[inline(never)]
pub fn op_compute_floor(t: &[u64; 4]) -> (i64, i64) {
    raw_offset_delay(t[0], t[1], t[2], t[3])
}

// ---------------------------------------------------------------------- ntpkit --

/// ntpkit: `Packet::parse` (owned, every field decoded, extension fields and MAC
/// framing checked).
#[inline(never)]
pub fn op_parse_ntpkit(bytes: &[u8]) -> Result<Packet, ntpkit::ParseError> {
    Packet::parse(bytes)
}

/// ntpkit: `PacketView::new_checked` (zero-copy, same checks) and the four timestamps.
#[inline(never)]
pub fn op_parse_ntpkit_view(bytes: &[u8]) -> Option<[NtpTimestamp; 4]> {
    let v = PacketView::new_checked(bytes).ok()?;
    Some([v.reference_timestamp(), v.origin_timestamp(), v.receive_timestamp(), v.transmit_timestamp()])
}

/// A request for the vector, sent in the legacy form (T1 in the transmit field, which
/// the vector's origin echoes). Not measured: a pending request answers only once.
pub fn ntpkit_pending() -> PendingRequest {
    let mut buf = [0u8; 48];
    let mut nonces = || 1u64; // unused in legacy form
    match ClientRequest::new().with_transmit_time().build(
        SERVER,
        NtpTimestamp::from_bits(T1),
        &mut nonces,
        &mut buf,
    ) {
        Ok((_, pending)) => pending,
        Err(e) => panic!("ntpkit cannot build the request: {e}"),
    }
}

/// ntpkit: `PendingRequest::process`, every check of RFC 5905/RFC 4330 in order, then
/// offset, delay, dispersion and root distance.
#[inline(never)]
pub fn op_process_ntpkit(
    pending: &mut PendingRequest,
    bytes: &[u8],
    t4: NtpTimestamp,
    config: &ValidationConfig,
) -> Result<Reply, Reject> {
    pending.process(SERVER, bytes, t4, config)
}

/// ntpkit: `Packet::emit`.
#[inline(never)]
pub fn op_serialize_ntpkit(p: &Packet, out: &mut [u8; 48]) -> Result<usize, ntpkit::EmitError> {
    p.emit(out)
}

/// ntpkit: `ClientRequest::build` in its default, data-minimized form (a fresh nonce,
/// never zero, never the last one, checked), returning the bytes and the pending token.
#[inline(never)]
pub fn op_build_serialize_ntpkit(
    builder: &mut ClientRequest,
    nonce: &mut u64,
    out: &mut [u8; 48],
) -> Result<(usize, PendingRequest), ntpkit::exchange::RequestError> {
    let mut next = || {
        *nonce = nonce.wrapping_add(0x9e37_79b9_7f4a_7c15);
        *nonce
    };
    builder.build(SERVER, NtpTimestamp::from_bits(T1), &mut next, out)
}

/// The server state the respond rows answer with (that of [`REPLY`]).
pub fn server_state() -> ntpkit::server::ServerState {
    use ntpkit::{LeapIndicator, NtpShort, Precision, ReferenceId, Stratum};
    ntpkit::server::ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(2),
        precision: Precision(-24),
        root_delay: NtpShort::from_bits(0x0a3b),
        root_dispersion: NtpShort::from_bits(0x0c1f),
        reference_id: ReferenceId([192, 0, 2, 1]),
        reference_timestamp: NtpTimestamp::from_bits(T3 - (37 << 32)),
    }
}

/// ntpkit: `server::respond` (parse and check the request, write the reply).
#[inline(never)]
pub fn op_respond_ntpkit(
    request: &[u8],
    state: &ntpkit::server::ServerState,
    t2: NtpTimestamp,
    t3: NtpTimestamp,
    out: &mut [u8; 48],
) -> Result<usize, ntpkit::server::ServerError> {
    ntpkit::server::respond(request, state, t2, t3, out)
}

/// ntpkit: `InterleaveTable::respond` for a basic client (the interleaving server's
/// cost on the common request: hashing the source is skipped when it does not ask).
#[inline(never)]
pub fn op_respond_ntpkit_interleave(
    table: &ntpkit::server::interleave::InterleaveTable<64>,
    request: &[u8],
    state: &ntpkit::server::ServerState,
    t2: NtpTimestamp,
    t3: NtpTimestamp,
    out: &mut [u8; 48],
) -> Result<usize, ntpkit::server::ServerError> {
    table.respond(SERVER.ip(), request, state, t2, t3, out).map(|a| a.len)
}

/// ntpkit: `offset_delay` (exact, halving before adding, ambiguity reported).
#[inline(never)]
pub fn op_compute_ntpkit(t: &[NtpTimestamp; 4]) -> Option<ntpkit::math::OffsetDelay> {
    ntpkit::math::offset_delay(t[0], t[1], t[2], t[3]).ok()
}

// ----------------------------------------------------------------------- sntpc --

static MICROS: AtomicU32 = AtomicU32::new(T1_UNIX.1);

/// sntpc's clock: T1's second, with the microseconds the harness sets.
#[derive(Clone, Copy, Default)]
pub struct VectorClock;

impl sntpc::NtpTimestampGenerator for VectorClock {
    fn init(&mut self) {}
    fn timestamp_sec(&self) -> u64 {
        T1_UNIX.0
    }
    fn timestamp_subsec_micros(&self) -> u32 {
        MICROS.load(Ordering::Relaxed)
    }
}

/// Sets sntpc's clock to T1 (`false`) or T4 (`true`).
pub fn sntpc_clock_at_t4(at_t4: bool) {
    MICROS.store(if at_t4 { T4_MICROS } else { T1_UNIX.1 }, Ordering::Relaxed);
}

/// sntpc's socket, in memory: sends go to `black_box`, receives copy the vector.
pub struct VectorSocket;

impl sntpc::NtpUdpSocket for VectorSocket {
    async fn send_to(&self, buf: &[u8], _addr: SocketAddr) -> sntpc::Result<usize> {
        black_box(buf);
        Ok(buf.len())
    }
    async fn recv_from(&self, buf: &mut [u8]) -> sntpc::Result<(usize, SocketAddr)> {
        match buf.first_chunk_mut::<48>() {
            Some(dst) => *dst = REPLY,
            None => return Err(sntpc::Error::Network),
        }
        Ok((48, SERVER))
    }
}

/// Runs a future that never waits (the in-memory socket is always ready).
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            return v;
        }
    }
}

/// sntpc: `sntp_send_request` (build, serialize, send to the in-memory socket).
#[inline(never)]
pub fn op_build_serialize_sntpc() -> sntpc::Result<sntpc::SendRequestResult> {
    ready(sntpc::sntp_send_request(SERVER, &VectorSocket, sntpc::NtpContext::new(VectorClock)))
}

/// sntpc: `sntp_process_response` (receive from the in-memory socket, parse, validate,
/// offset and round trip).
#[inline(never)]
pub fn op_process_sntpc(request: sntpc::SendRequestResult) -> sntpc::Result<sntpc::NtpResult> {
    ready(sntpc::sntp_process_response(SERVER, &VectorSocket, sntpc::NtpContext::new(VectorClock), request))
}

// ------------------------------------------------------------------- ntp-proto --

/// ntp-proto: `NtpPacket::deserialize` (the type is public only behind
/// `__internal-api`).
#[inline(never)]
pub fn op_parse_ntpproto(bytes: &[u8]) -> bool {
    let r = ntp_proto::NtpPacket::deserialize(bytes, &ntp_proto::NoCipher);
    let ok = r.is_ok();
    black_box(&r);
    ok
}

/// The vector as ntp-proto's packet type (not measured).
pub fn ntpproto_packet() -> ntp_proto::NtpPacket<'static> {
    match ntp_proto::NtpPacket::deserialize(&REPLY, &ntp_proto::NoCipher) {
        Ok((p, _)) => p,
        Err(e) => panic!("ntp-proto rejects the vector: {e:?}"),
    }
}

/// ntp-proto: `NtpPacket::serialize` through a cursor.
#[inline(never)]
pub fn op_serialize_ntpproto(p: &ntp_proto::NtpPacket<'_>, out: &mut [u8; 48]) -> u64 {
    let mut cursor = std::io::Cursor::new(&mut out[..]);
    match p.serialize(&mut cursor, &ntp_proto::NoCipher, None) {
        Ok(()) => cursor.position(),
        Err(_) => 0,
    }
}

/// ntp-proto: `NtpPacket::poll_message` (draws its identifier from `thread_rng`) and
/// `serialize`.
#[inline(never)]
pub fn op_build_serialize_ntpproto(out: &mut [u8; 48]) -> u64 {
    let (p, id) = ntp_proto::NtpPacket::poll_message(ntp_proto::PollInterval::default());
    black_box(&id);
    let mut cursor = std::io::Cursor::new(&mut out[..]);
    match p.serialize(&mut cursor, &ntp_proto::NoCipher, None) {
        Ok(()) => cursor.position(),
        Err(_) => 0,
    }
}

/// An ntp-proto timestamp from 32.32 bits (its public constructor takes nanoseconds).
pub fn ntpproto_stamp(bits: u64) -> ntp_proto::NtpTimestamp {
    let nanos = ((bits & 0xffff_ffff) * 1_000_000_000 + (1 << 31)) >> 32;
    ntp_proto::NtpTimestamp::from_seconds_nanos_since_ntp_era((bits >> 32) as u32, nanos as u32)
}

/// ntp-proto: offset and delay with its public `NtpTimestamp`/`NtpDuration` arithmetic
/// (its own measurement code is private; this is the formula it uses).
#[inline(never)]
pub fn op_compute_ntpproto(
    t: &[ntp_proto::NtpTimestamp; 4],
) -> (ntp_proto::NtpDuration, ntp_proto::NtpDuration) {
    let delay = (t[3] - t[0]) - (t[2] - t[1]);
    let offset = ((t[1] - t[0]) + (t[2] - t[3])) / 2;
    (offset, delay)
}

// ------------------------------------------------------------ ntp-parser, ntp --

/// ntp-parser: `parse_ntp` (nom).
#[inline(never)]
pub fn op_parse_ntpparser(bytes: &[u8]) -> bool {
    let r = ntp_parser::parse_ntp(bytes);
    let ok = r.is_ok();
    black_box(&r);
    ok
}

/// ntp: `Packet::try_from`.
#[inline(never)]
pub fn op_parse_ntp(bytes: &[u8]) -> bool {
    let r = ntp::packet::Packet::try_from(bytes);
    let ok = r.is_ok();
    black_box(&r);
    ok
}

/// ntp: a client packet and `Vec<u8>::from` (its only serializer; allocates).
#[inline(never)]
pub fn op_build_serialize_ntp() -> Vec<u8> {
    use ntp::formats::{Mode, Version, timestamp::TimestampFormat};
    let p = ntp::packet::Packet {
        mode: Mode::Client,
        vn: Version::Ver4,
        transmit_time: TimestampFormat { sec: (T1 >> 32) as u32, frac: T1 as u32 },
        ..Default::default()
    };
    Vec::from(p)
}

// ------------------------------------------------------------------ self-check --

const fn ns_of(bits: i64) -> i64 {
    ((bits as i128 * 1_000_000_000) >> 32) as i64
}

/// Checks that every adapter accepts the vector and that every implementation that
/// computes offset and delay gets +1.234567 s and 24.000 ms. Panics otherwise.
pub fn self_check() {
    use ntpkit::{LeapIndicator, Mode, NtpShort, Poll, Precision, ReferenceId, Stratum, Version};
    let expected = Packet {
        leap: LeapIndicator::NoWarning,
        version: Version::V4,
        mode: Mode::Server,
        stratum: Stratum(2),
        poll: Poll(6),
        precision: Precision(-24),
        root_delay: NtpShort::from_bits(0x0a3b),
        root_dispersion: NtpShort::from_bits(0x0c1f),
        reference_id: ReferenceId([192, 0, 2, 1]),
        reference_timestamp: NtpTimestamp::from_bits(T3 - (37 << 32)),
        origin_timestamp: NtpTimestamp::from_bits(T1),
        receive_timestamp: NtpTimestamp::from_bits(T2),
        transmit_timestamp: NtpTimestamp::from_bits(T3),
    };
    assert_eq!(expected.to_bytes(), REPLY, "the vector is the packet it claims to be");
    let stamps = [T1, T2, T3, T4];
    let near = |ns: i64, want: i64| (ns - want).abs() <= 1;

    let mut out = [0u8; 48];
    assert!(op_parse_floor_copy(&REPLY, &mut out) && out == REPLY);
    let raw = op_parse_floor(&REPLY).expect("floor parse");
    op_serialize_floor(&raw, &mut out);
    assert_eq!(out, REPLY);
    let (o, d) = op_process_floor(&REPLY, T1, T4).expect("floor process");
    assert!(near(ns_of(o), 1_234_567_000) && near(ns_of(d), 24_000_000), "floor {o} {d}");
    assert_eq!(op_compute_floor(&stamps), (o, d));
    op_build_serialize_floor(T1, &mut out);
    assert_eq!((out[0], &out[40..]), (0x23, &T1.to_be_bytes()[..]));

    assert_eq!(op_respond_floor(&REQUEST, T2, T3, &mut out), Some(48));
    assert_eq!(out, REPLY, "floor respond");
    let (t2, t3) = (NtpTimestamp::from_bits(T2), NtpTimestamp::from_bits(T3));
    assert_eq!(op_respond_ntpkit(&REQUEST, &server_state(), t2, t3, &mut out), Ok(48));
    assert_eq!(out, REPLY, "ntpkit respond");
    let table = ntpkit::server::interleave::InterleaveTable::new([1; 16]);
    assert_eq!(op_respond_ntpkit_interleave(&table, &REQUEST, &server_state(), t2, t3, &mut out), Ok(48));
    // The interleaving server marks its timestamps' lowest bits (receive 1, transmit 0).
    assert_eq!((&out[..32], out[39] & 1, out[47] & 1), (&REPLY[..32], 1, 0), "ntpkit interleave respond");

    let packet = op_parse_ntpkit(&REPLY).expect("ntpkit parse");
    assert_eq!(packet, expected);
    assert_eq!(op_parse_ntpkit_view(&REPLY).map(|t| t[3].to_bits()), Some(T3));
    assert_eq!(op_serialize_ntpkit(&packet, &mut out), Ok(48));
    assert_eq!(out, REPLY);
    let config = ValidationConfig::default();
    let reply = op_process_ntpkit(&mut ntpkit_pending(), &REPLY, NtpTimestamp::from_bits(T4), &config);
    let Ok(Reply::Sample(sample)) = reply else { panic!("ntpkit process: {reply:?}") };
    assert!(near(sample.offset_nanos(), 1_234_567_000) && near(sample.delay_nanos(), 24_000_000));
    assert_eq!((sample.offset().to_bits(), sample.delay().to_bits()), (o, d), "ntpkit equals the floor");
    let t = stamps.map(NtpTimestamp::from_bits);
    let od = op_compute_ntpkit(&t).expect("ntpkit compute");
    assert_eq!((od.offset.to_bits(), od.delay.to_bits()), (o, d));
    let (mut builder, mut nonce) = (ClientRequest::new(), 0);
    let (_, pending) = op_build_serialize_ntpkit(&mut builder, &mut nonce, &mut out).expect("ntpkit build");
    assert_eq!((out[0], &out[40..]), (0x23, &pending.nonce().to_be_bytes()[..]));

    sntpc_clock_at_t4(false);
    let request = op_build_serialize_sntpc().expect("sntpc send");
    sntpc_clock_at_t4(true);
    let r = op_process_sntpc(request).expect("sntpc process");
    sntpc_clock_at_t4(false);
    assert!(r.offset().abs_diff(1_234_567) <= 1 && r.roundtrip().abs_diff(24_000) <= 1, "sntpc");

    assert!(op_parse_ntpproto(&REPLY));
    let p = ntpproto_packet();
    assert_eq!(op_serialize_ntpproto(&p, &mut out), 48);
    assert_eq!(out, REPLY);
    assert_eq!(op_build_serialize_ntpproto(&mut out), 48);
    let (o, d) = op_compute_ntpproto(&stamps.map(ntpproto_stamp));
    assert!((o.to_seconds() - 1.234_567).abs() < 1e-6 && (d.to_seconds() - 0.024).abs() < 1e-6);

    assert!(op_parse_ntpparser(&REPLY));
    assert!(op_parse_ntp(&REPLY));
    assert_eq!(op_build_serialize_ntp().len(), 48);
}

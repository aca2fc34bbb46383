//! Interleaved mode (RFC 9769 §3) without a network: ntpkit's interleaving client
//! against ntpkit's `InterleaveTable` server and against a basic server, on simulated
//! clocks, and the I rows of the hostile catalogue (`src/catalogue.md`). The chronyd
//! interop is in `interleaved_chrony.rs`.

use core::net::{IpAddr, SocketAddr};

use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::exchange::{ClientRequest, PendingRequest, Reject, Reply, SyncResult, ValidationConfig};
use ntpkit::server::interleave::InterleaveTable;
use ntpkit::server::{ServerState, respond};
use ntpkit::time::Instant;
use ntpkit::*;

const SERVER: &str = "192.0.2.7:123";

fn server() -> SocketAddr {
    SERVER.parse().unwrap()
}

fn client_ip() -> IpAddr {
    "198.51.100.1".parse().unwrap()
}

fn state() -> ServerState {
    ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(1), ..ServerState::default() }
}

fn ns(n: i64) -> NtpDuration {
    NtpDuration::from_nanos(n).unwrap()
}

/// A counter as nonce source: never zero, never repeats.
fn nonces() -> impl FnMut() -> u64 {
    let mut n = 0x1000_0000_0000_0000u64;
    move || {
        n += 0x0123_4567;
        n
    }
}

/// A simulated world: the server's clock is `offset` ns ahead of the client's, each way
/// takes `one_way` ns, the server writes T3 `hold` ns after T2 but the reply leaves
/// `late` ns after that (what a basic reply cannot show).
struct World {
    table: InterleaveTable<16>,
    now: NtpTimestamp,
    offset: i64,
    one_way: i64,
    hold: i64,
    late: i64,
}

impl World {
    fn new() -> Self {
        Self {
            table: InterleaveTable::new([3; 16]),
            now: NtpTimestamp::from_parts(0xeeac_e73b, 0),
            offset: 2_000_000,
            one_way: 100_000,
            hold: 10_000,
            late: 40_000,
        }
    }

    /// One exchange through the table: returns the reply datagram and the client's T4.
    fn exchange(&mut self, request: &[u8]) -> (Vec<u8>, NtpTimestamp) {
        let t2 = self.now + ns(self.offset + self.one_way);
        let t3 = t2 + ns(self.hold);
        let mut out = [0u8; 48];
        let answer = self.table.respond(client_ip(), request, &state(), t2, t3, &mut out).unwrap();
        let sent = t3 + ns(self.late);
        if let Some(follow_up) = answer.follow_up {
            self.table.transmitted(follow_up, sent);
        }
        let t4 = sent - ns(self.offset) + ns(self.one_way);
        (out[..answer.len].to_vec(), t4)
    }

    fn advance(&mut self, seconds: i32) {
        self.now = self.now + NtpDuration::from_seconds(seconds);
    }
}

/// Runs `n` exchanges of an interleaving builder against the world; returns the samples.
fn run(world: &mut World, builder: &mut ClientRequest, n: usize) -> Vec<SyncResult> {
    let mut rng = nonces();
    let mut samples = Vec::new();
    for _ in 0..n {
        let mut buf = [0u8; 48];
        let (len, mut pending) = builder.build(server(), world.now, &mut rng, &mut buf).unwrap();
        let (reply, t4) = world.exchange(&buf[..len]);
        match pending.process(server(), &reply, t4, &ValidationConfig::default()).unwrap() {
            Reply::Sample(s) => samples.push(s),
            other => panic!("{other:?}"),
        }
        builder.follow(&pending);
        world.advance(16);
    }
    samples
}

#[test]
fn interleaved_client_gets_the_precise_send_time_from_the_third_exchange_on() {
    let mut world = World::new();
    let mut builder = ClientRequest::new().interleaved();
    let samples = run(&mut world, &mut builder, 5);
    let modes: Vec<bool> = samples.iter().map(SyncResult::interleaved).collect();
    // First: basic. Second: asks, basic (the server saves it). Then interleaved.
    assert_eq!(modes, [false, false, true, true, true]);
    for s in &samples[..2] {
        // Basic: T3 was written `late` ns before the reply left, so the delay comes out
        // `late` too long and the offset `late/2` too small (the 2 ns are the marks and
        // the rounding of the 2^-32 s units).
        assert!((s.delay_nanos() - (200_000 + 40_000)).abs() <= 2, "{s:?}");
        assert!((s.offset_nanos() - (2_000_000 - 20_000)).abs() <= 2, "{s:?}");
    }
    for s in &samples[2..] {
        // Interleaved: the true send time; delay and offset exact.
        assert!((s.delay_nanos() - 200_000).abs() <= 2, "{s:?}");
        assert!((s.offset_nanos() - 2_000_000).abs() <= 2, "{s:?}");
    }
    // The interleaved sample is the previous exchange: its T1 is 16 s before the
    // request that brought it.
    assert_eq!(samples[3].t1(), samples[2].t1() + NtpDuration::from_seconds(16));
    assert_eq!(world.table.len(), 1);
}

#[test]
fn a_basic_server_answers_an_interleaving_client_in_basic_mode() {
    let mut builder = ClientRequest::new().interleaved();
    let mut rng = nonces();
    let mut now = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    for _ in 0..4 {
        let mut buf = [0u8; 48];
        let (len, mut pending) = builder.build(server(), now, &mut rng, &mut buf).unwrap();
        let mut out = [0u8; 48];
        let t2 = now + ns(1_000_000);
        let n = respond(&buf[..len], &state(), t2, t2, &mut out).unwrap();
        let sample = match pending.process(server(), &out[..n], t2, &ValidationConfig::default()) {
            Ok(Reply::Sample(s)) => s,
            other => panic!("{other:?}"),
        };
        assert!(!sample.interleaved());
        assert!((sample.offset_nanos() - 500_000).abs() <= 1);
        builder.follow(&pending);
        now = now + NtpDuration::from_seconds(16);
    }
}

/// The request an interleaving builder sends after one accepted exchange, its pending
/// request, and the basic first reply it follows.
fn second_request() -> (Vec<u8>, PendingRequest, Packet, World) {
    let mut world = World::new();
    let mut builder = ClientRequest::new().interleaved();
    run(&mut world, &mut builder, 2);
    let mut buf = [0u8; 48];
    let (len, pending) = builder.build(server(), world.now, &mut nonces(), &mut buf).unwrap();
    let request = Packet::parse(&buf[..len]).unwrap();
    (buf[..len].to_vec(), pending, request, world)
}

#[test]
fn i1_the_request_reveals_nothing_and_its_nonces_are_distinct() {
    let (bytes, pending, request, _) = second_request();
    assert!(pending.is_interleaved());
    // Origin = the server's own receive timestamp (marked), receive = a nonce, transmit
    // = another nonce; the client's clock is nowhere.
    assert_eq!(request.origin_timestamp.to_bits() & 1, 1);
    assert_ne!(request.receive_timestamp, request.transmit_timestamp);
    assert!(!request.receive_timestamp.is_zero());
    assert_eq!(request.reference_timestamp, NtpTimestamp::ZERO);
    assert_eq!(bytes.len(), 48);
    // A nonce source that repeats itself cannot give two distinct nonces: an error,
    // and nothing is built.
    let mut world = World::new();
    let mut builder = ClientRequest::new().interleaved();
    run(&mut world, &mut builder, 1);
    let before = builder.clone();
    let mut buf = [0u8; 48];
    let err = builder.build(server(), world.now, &mut || 0x7777_0000_0000_0001, &mut buf);
    assert!(err.is_err(), "{err:?}");
    assert_eq!(builder, before);
}

/// A genuine interleaved reply to [`second_request`], and its T4.
fn genuine(world: &mut World, request: &[u8]) -> (Vec<u8>, NtpTimestamp) {
    world.exchange(request)
}

#[test]
fn i2_a_reply_echoing_neither_nonce_or_the_wrong_one_is_refused_and_changes_nothing() {
    let (request, mut pending, sent, mut world) = second_request();
    let (reply, t4) = genuine(&mut world, &request);
    let before = format!("{pending:?}");
    // The origin set to the origin we sent (the server's own receive timestamp), to zero,
    // or to a nonce of an older request.
    for origin in [sent.origin_timestamp, NtpTimestamp::ZERO, NtpTimestamp::from_bits(0x2222_0000_0000_0002)]
    {
        let mut forged = reply.clone();
        forged[24..32].copy_from_slice(&origin.to_be_bytes());
        let r = pending.process(server(), &forged, t4, &ValidationConfig::default());
        assert!(matches!(r, Err(Reject::OriginMismatch | Reject::ZeroOrigin)), "{r:?}");
        assert_eq!(format!("{pending:?}"), before);
    }
    // The genuine reply is still accepted, interleaved.
    match pending.process(server(), &reply, t4, &ValidationConfig::default()) {
        Ok(Reply::Sample(s)) => assert!(s.interleaved()),
        other => panic!("{other:?}"),
    }
    // A basic request's reply that echoes some receive field is not interleaved: the
    // field was zero, so only the transmit nonce matches.
    let mut rng = nonces();
    let mut buf = [0u8; 48];
    let (len, mut basic) = ClientRequest::new().build(server(), world.now, &mut rng, &mut buf).unwrap();
    assert!(!basic.is_interleaved());
    let mut forged = Packet::parse(&reply).unwrap();
    forged.origin_timestamp = NtpTimestamp::ZERO;
    let mut out = [0u8; 48];
    forged.emit(&mut out).unwrap();
    let r = basic.process(server(), &out, t4, &ValidationConfig::default());
    assert_eq!(r, Err(Reject::ZeroOrigin));
    let _ = len;
}

#[test]
fn i3_an_interleaved_reply_with_zero_or_inconsistent_times_is_refused() {
    let (request, mut pending, _, mut world) = second_request();
    let (reply, t4) = genuine(&mut world, &request);
    let before = format!("{pending:?}");
    let cases: [(usize, [u8; 8], &str); 3] = [
        (32, [0; 8], "ZeroReceive"),
        (40, [0; 8], "ZeroTransmit"),
        // A "precise" send time an hour after the previous receive time.
        (
            40,
            (Packet::parse(&reply).unwrap().transmit_timestamp + NtpDuration::from_seconds(3600))
                .to_be_bytes(),
            "ServerTimesInconsistent",
        ),
    ];
    for (at, bytes, name) in cases {
        let mut forged = reply.clone();
        forged[at..at + 8].copy_from_slice(&bytes);
        let r = pending.process(server(), &forged, t4, &ValidationConfig::default());
        assert_eq!(r.map_err(|e| e.name()), Err(name));
        assert_eq!(format!("{pending:?}"), before);
    }
    assert!(matches!(
        pending.process(server(), &reply, t4, &ValidationConfig::default()),
        Ok(Reply::Sample(_))
    ));
}

#[test]
fn i4_a_lost_reply_or_request_never_pairs_the_wrong_times() {
    let mut world = World::new();
    let mut builder = ClientRequest::new().interleaved();
    run(&mut world, &mut builder, 3);
    let mut rng = nonces();
    // A request whose reply is lost: the server saved that exchange, the client did not.
    let mut buf = [0u8; 48];
    let (len, _lost) = builder.build(server(), world.now, &mut rng, &mut buf).unwrap();
    let _ = world.exchange(&buf[..len]);
    world.advance(16);
    // The next request names the exchange before it: the server no longer holds that
    // one, so it answers basic, and the sample is right.
    let (len, mut pending) = builder.build(server(), world.now, &mut rng, &mut buf).unwrap();
    let (reply, t4) = world.exchange(&buf[..len]);
    let Ok(Reply::Sample(s)) = pending.process(server(), &reply, t4, &ValidationConfig::default()) else {
        panic!()
    };
    assert!(!s.interleaved());
    builder.follow(&pending);
    world.advance(16);
    // A request lost on the way: the server still holds the last exchange, and the next
    // request's interleaved reply pairs it with the right client times.
    let (_, _lost) = builder.build(server(), world.now, &mut rng, &mut buf).unwrap();
    world.advance(16);
    let (len, mut pending) = builder.build(server(), world.now, &mut rng, &mut buf).unwrap();
    let (reply, t4) = world.exchange(&buf[..len]);
    let Ok(Reply::Sample(s)) = pending.process(server(), &reply, t4, &ValidationConfig::default()) else {
        panic!()
    };
    assert!(s.interleaved());
    assert!((s.delay_nanos() - 200_000).abs() <= 2 && (s.offset_nanos() - 2_000_000).abs() <= 2, "{s:?}");
}

#[test]
fn i5_the_server_keeps_no_state_for_basic_clients_and_a_spoofed_flood_makes_no_wrong_reply() {
    let mut table: InterleaveTable<16> = InterleaveTable::new([9; 16]);
    let t = NtpTimestamp::from_parts(0xeeac_e73b, 0x8000_0000);
    let mut out = [0u8; 48];
    // Basic requests: zero origin (data-minimized), or an origin with the low bit clear
    // (our transmit timestamp, as ntpd's basic client sends it).
    for origin in [0u64, 0xeeac_e73b_0000_0010] {
        let mut request = [0u8; 48];
        request[0] = 0x23;
        request[24..32].copy_from_slice(&origin.to_be_bytes());
        request[40..48].copy_from_slice(&[5; 8]);
        let answer = table.respond(client_ip(), &request, &state(), t, t, &mut out).unwrap();
        assert_eq!((answer.interleaved, answer.follow_up), (false, None));
    }
    assert!(table.is_empty());
    // A real client's exchange is saved...
    let mut request = [0u8; 48];
    request[0] = 0x23;
    request[24..32].copy_from_slice(&(t.to_bits() | 1).to_be_bytes());
    request[32..40].copy_from_slice(&[6; 8]);
    request[40..48].copy_from_slice(&[7; 8]);
    let answer = table.respond(client_ip(), &request, &state(), t, t, &mut out).unwrap();
    let saved_rx = Packet::parse(&out).unwrap().receive_timestamp;
    let precise = t + ns(12_345);
    table.transmitted(answer.follow_up.unwrap(), precise);
    // ...then 100,000 spoofed sources ask, each naming the client's saved receive
    // timestamp (as if they had seen it) and then saving their own exchanges.
    for i in 0..100_000u32 {
        let spoofed = IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        request[24..32].copy_from_slice(&saved_rx.to_be_bytes());
        let at = t + ns(1_000 * i64::from(i + 1));
        let a = table.respond(spoofed, &request, &state(), at, at, &mut out).unwrap();
        assert!(!a.interleaved, "a spoofed source got another client's send time");
        table.transmitted(a.follow_up.unwrap(), at);
        assert!(i % 1000 != 0 || table.invariants_hold());
    }
    assert!(table.invariants_hold());
    assert_eq!(table.len(), 16);
    assert!(table.stats().replaced >= 99_984 - 16, "{:?}", table.stats());
    // The client was pushed out: it gets a basic reply, never a wrong interleaved one,
    // and is saved again.
    request[24..32].copy_from_slice(&saved_rx.to_be_bytes());
    let a = table.respond(client_ip(), &request, &state(), t, t, &mut out).unwrap();
    assert!(!a.interleaved && a.follow_up.is_some());
}

/// A request that asks for interleaved mode (its origin's low bit set), with nonces 6…
/// as receive field and 7… as transmit field.
fn asking_request() -> [u8; 48] {
    let mut request = [0u8; 48];
    request[0] = 0x23;
    request[24..32].copy_from_slice(&1u64.to_be_bytes());
    request[32..40].copy_from_slice(&[6; 8]);
    request[40..48].copy_from_slice(&[7; 8]);
    request
}

#[test]
fn i6_a_v4_mapped_source_is_the_ipv4_client_and_an_ipv6_host_is_its_whole_address() {
    let mut table: InterleaveTable<8> = InterleaveTable::new([1; 16]);
    let t = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let mut out = [0u8; 48];
    let mut request = asking_request();
    let save = |table: &mut InterleaveTable<8>, ip: &str, request: &[u8], out: &mut [u8; 48]| {
        let a = table.respond(ip.parse().unwrap(), request, &state(), t, t, out).unwrap();
        table.transmitted(a.follow_up.unwrap(), t + ns(500));
        Packet::parse(&out[..]).unwrap().receive_timestamp
    };
    let rx = save(&mut table, "192.0.2.1", &request, &mut out);
    request[24..32].copy_from_slice(&rx.to_be_bytes());
    let a = table.respond("::ffff:192.0.2.1".parse().unwrap(), &request, &state(), t, t, &mut out).unwrap();
    assert!(a.interleaved);
    let rx6 = save(&mut table, "2001:db8::1", &request, &mut out);
    request[24..32].copy_from_slice(&rx6.to_be_bytes());
    let other = table.respond("2001:db8::2".parse().unwrap(), &request, &state(), t, t, &mut out).unwrap();
    assert!(!other.interleaved, "another host of the /64");
    let same = table.respond("2001:db8::1".parse().unwrap(), &request, &state(), t, t, &mut out).unwrap();
    assert!(same.interleaved);
    assert_eq!(table.len(), 2);
}

#[test]
fn i7_a_request_whose_receive_field_is_zero_or_its_transmit_gets_a_basic_reply() {
    let mut table: InterleaveTable<4> = InterleaveTable::new([2; 16]);
    let t = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let mut out = [0u8; 48];
    let mut request = asking_request();
    let a = table.respond(client_ip(), &request, &state(), t, t, &mut out).unwrap();
    table.transmitted(a.follow_up.unwrap(), t);
    let rx = Packet::parse(&out).unwrap().receive_timestamp;
    request[24..32].copy_from_slice(&rx.to_be_bytes());
    for receive in [[0u8; 8], [7; 8]] {
        let mut r = request;
        r[32..40].copy_from_slice(&receive);
        let a = table.respond(client_ip(), &r, &state(), t, t, &mut out).unwrap();
        assert!(!a.interleaved);
        // Basic: our transmit nonce comes back as origin.
        assert_eq!(&out[24..32], &[7; 8]);
    }
    // The same table, asked properly, does interleave.
    assert!(table.respond(client_ip(), &request, &state(), t, t, &mut out).unwrap().interleaved);
}

/// The multi-server client with `interleaved` set, against the table: after the burst,
/// samples are interleaved and exact.
#[test]
fn client_state_machine_interleaves_per_server() {
    let mut world = World::new();
    let mut client: Client<2> = Client::new(ClientConfig::default());
    let xl = PeerConfig { interleaved: true, min_poll: 4, max_poll: 4, ..PeerConfig::default() };
    let mut rng = nonces();
    let mut mono = Instant::from_nanos(0);
    let id = client.add_server(mono, server(), xl, &mut rng).unwrap();
    let mut flags = Vec::new();
    for _ in 0..200 {
        let mut buf = [0u8; 48];
        while let Some(tx) = client.poll_transmit(mono, world.now, &mut rng, &mut buf).unwrap() {
            assert_eq!(tx.server, id);
            let (reply, t4) = world.exchange(&buf[..tx.len]);
            client.handle_response(mono, server(), &reply, t4).unwrap();
        }
        while let Some(event) = client.poll_event() {
            if let Event::Sample { result, .. } = event {
                flags.push(result.interleaved());
                if result.interleaved() {
                    assert!((result.delay_nanos() - 200_000).abs() <= 2, "{result:?}");
                }
            }
        }
        mono = mono.saturating_add(core::time::Duration::from_secs(1));
        world.advance(1);
    }
    assert!(flags.len() >= 8, "{flags:?}");
    assert_eq!(&flags[..3], &[false, false, true]);
    assert!(flags[2..].iter().all(|f| *f), "{flags:?}");
}

//! ntpkit's own benchmarks (criterion), every group in packets (or calls) per second:
//! parse, zero-copy view, emit, extension-field walk; building a request, validating a
//! reply, offset/delay, the server responder, one wake-up of the client state machine;
//! and the timestamp/nanosecond conversions.
//!
//! `cd benches/wire && cargo bench --bench wire`. Quote medians against a baseline from the same run
//! (`floor_copy_48`); for ntpkit next to other crates see `benches/compare/`.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ntpkit::client::{Client, ClientConfig, PeerConfig};
use ntpkit::exchange::{ClientRequest, ValidationConfig};
use ntpkit::server::{ServerState, respond};
use ntpkit::time::Instant;
use ntpkit::{
    ExtensionWriter, LeapIndicator, NtpDuration, NtpTimestamp, Packet, PacketView, Precision, ReferenceId,
    Stratum,
};
use std::hint::black_box;
use std::net::SocketAddr;

/// Keeps a result alive, by reference (large results passed by value cost time).
fn keep<T>(r: T) {
    black_box(&r);
}

/// `n` milliseconds.
fn ms(n: i64) -> NtpDuration {
    NtpDuration::from_nanos(n * 1_000_000).expect("in range")
}

/// A stratum-1 server's state for the responder.
fn server_state(reference: NtpTimestamp) -> ServerState {
    ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(1),
        precision: Precision(-20),
        reference_id: ReferenceId(*b"GPS\0"),
        reference_timestamp: reference,
        ..ServerState::default()
    }
}

const CHRONY_REPLY: [u8; 48] = [
    0x24, 0x08, 0x00, 0xe6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f, 0x7f, 0x01, 0x01, 0xee,
    0xac, 0xe7, 0x39, 0xaf, 0x8a, 0x00, 0xec, 0x3c, 0x5d, 0x45, 0x08, 0x8d, 0x88, 0x4d, 0xff, 0xee, 0xac,
    0xe7, 0x3b, 0x35, 0xbe, 0x9a, 0x1b, 0xee, 0xac, 0xe7, 0x3b, 0x35, 0xc2, 0x88, 0x72,
];

fn wire(c: &mut Criterion) {
    let mut g = c.benchmark_group("wire");
    g.throughput(Throughput::Elements(1));
    // Baseline: copying the 48 bytes, the least any parser must do.
    g.bench_function("floor_copy_48", |b| b.iter(|| black_box(*black_box(&CHRONY_REPLY))));
    g.bench_function("packet_parse", |b| b.iter(|| Packet::parse(black_box(&CHRONY_REPLY))));
    g.bench_function("view_transmit", |b| {
        b.iter(|| PacketView::new_checked(black_box(&CHRONY_REPLY[..])).map(|v| v.transmit_timestamp()))
    });
    let packet = Packet::parse(&CHRONY_REPLY).unwrap_or_default();
    g.bench_function("packet_emit", |b| {
        let mut buf = [0u8; 48];
        b.iter(|| black_box(&packet).emit(black_box(&mut buf)))
    });
    let mut with_fields = [0u8; 256];
    with_fields[..48].copy_from_slice(&CHRONY_REPLY);
    let len = {
        let mut w = ExtensionWriter::new(&mut with_fields).expect("room for the header");
        for _ in 0..4 {
            w.push(0x0104, &[0x5a; 32]).expect("room for the fields");
        }
        w.finish_with_mac(1, &[0; 16]).expect("room for the MAC")
    };
    g.bench_function("parse_4_fields_and_mac", |b| {
        b.iter(|| {
            PacketView::new_checked(black_box(&with_fields[..len])).map(|v| v.extension_fields().count())
        })
    });
    g.finish();
}

fn time(c: &mut Criterion) {
    let mut g = c.benchmark_group("time");
    let (t2, t3) = (NtpTimestamp::from_bits(0xeeace73b35be9a1b), NtpTimestamp::from_bits(0xeeace73b35c28872));
    g.bench_function("timestamp_diff_to_nanos", |b| b.iter(|| (black_box(t3) - black_box(t2)).to_nanos()));
    g.bench_function("duration_from_nanos", |b| {
        b.iter(|| NtpDuration::from_nanos(black_box(-1_234_567_891)))
    });
    g.bench_function("to_unix_rfc4330", |b| b.iter(|| black_box(t3).to_unix_rfc4330()));
    g.finish();
}

fn exchange(c: &mut Criterion) {
    let mut g = c.benchmark_group("exchange");
    g.throughput(Throughput::Elements(1));
    let server: SocketAddr = ([192, 0, 2, 1], 123).into();
    let t1 = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let (t2, t3) = (t1 + ms(12), t1 + ms(13));
    let t4 = t1 + ms(25);
    let state = server_state(t1 - NtpDuration::from_seconds(16));

    let mut builder = ClientRequest::new();
    let mut nonce = 1u64;
    let mut request = [0u8; 48];
    g.bench_function("build_request", |b| {
        b.iter(|| {
            let mut next = || {
                nonce = nonce.wrapping_add(0x9e37_79b9_7f4a_7c15);
                nonce
            };
            keep(builder.build(server, black_box(t1), &mut next, &mut request))
        })
    });

    // One request and its genuine reply; validation consumes a fresh pending request
    // per call (a request accepts one reply), made outside the timing.
    let fresh = || {
        let mut buf = [0u8; 48];
        let mut fixed = || 0x0123_4567_89ab_cdef_u64;
        let (_, pending) = ClientRequest::new().build(server, t1, &mut fixed, &mut buf).expect("request");
        (pending, buf)
    };
    let (_, sent) = fresh();
    let mut reply = [0u8; 48];
    let n = respond(&sent, &state, t2, t3, &mut reply).expect("reply");
    let config = ValidationConfig::default();
    g.bench_function("validate_reply", |b| {
        b.iter_batched(
            || fresh().0,
            |mut pending| keep(pending.process(server, black_box(&reply[..n]), black_box(t4), &config)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("offset_delay", |b| {
        b.iter(|| {
            keep(ntpkit::math::offset_delay(black_box(t1), black_box(t2), black_box(t3), black_box(t4)))
        })
    });
    let mut out = [0u8; 48];
    g.bench_function("server_respond", |b| {
        b.iter(|| keep(respond(black_box(&sent), &state, black_box(t2), black_box(t3), &mut out)))
    });

    // One wake-up of a 4-server client: timers, every due request, the replies (from a
    // server on the same clock), filtering/selection/combining, and the events.
    let mut client: Client<4> = Client::new(ClientConfig::default());
    let mut nonces = 7u64;
    let mut next_nonce = move || {
        nonces ^= nonces << 13;
        nonces ^= nonces >> 7;
        nonces ^= nonces << 17;
        nonces
    };
    for i in 1..=4u8 {
        let addr: SocketAddr = ([192, 0, 2, i], 123).into();
        client.add_server(Instant::from_nanos(0), addr, PeerConfig::default(), &mut next_nonce).expect("add");
    }
    let wall = |now: Instant| t1 + NtpDuration::from_nanos(now.as_nanos() as i64).unwrap_or_default();
    let (mut tx, mut rx) = ([0u8; 48], [0u8; 48]);
    let mut exchanges = 0u64;
    let mut ran = false;
    g.bench_function("client_wakeup", |b| {
        ran = true;
        b.iter(|| {
            let now = client.poll_timeout().unwrap_or(Instant::from_nanos(0));
            client.handle_timeout(now);
            while let Ok(Some(t)) = client.poll_transmit(now, wall(now), &mut next_nonce, &mut tx) {
                let at = wall(now) + ms(1);
                if let Ok(len) = respond(&tx[..t.len], &state, at, at, &mut rx) {
                    let arrival = wall(now) + ms(2);
                    keep(client.handle_response(now, t.addr, &rx[..len], arrival));
                    exchanges += 1;
                }
            }
            while let Some(e) = client.poll_event() {
                keep(e);
            }
        })
    });
    // (Skipped when a filter leaves client_wakeup out.)
    assert!(!ran || exchanges > 0, "the client exchanged packets during the benchmark");
    g.finish();
}

criterion_group!(benches, wire, exchange, time, authenticated);
criterion_main!(benches);

/// Authenticated exchanges next to the unauthenticated one, in the same run: build and
/// validate with an AES-128-CMAC key, and with NTS (AEAD_AES_SIV_CMAC_256, a reply
/// bringing one new cookie). `cd benches/wire && cargo bench --bench wire --features mac-aes-cmac,nts-aes-siv`.
#[cfg(all(feature = "mac-aes-cmac", feature = "nts-aes-siv"))]
fn authenticated(c: &mut Criterion) {
    use ntpkit::auth::AesCmacKey;
    use ntpkit::nts::fields::{NTS_COOKIE, NtsFields, UNIQUE_IDENTIFIER, append_authenticator};
    use ntpkit::nts::{AesSivCmac256, NtsSession};
    use ntpkit::server::respond_with_key;
    use ntpkit::{MAX_PACKET_LEN, Mode};

    let mut g = c.benchmark_group("authenticated");
    g.throughput(Throughput::Elements(1));
    let server: SocketAddr = ([192, 0, 2, 1], 123).into();
    let t1 = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let (t2, t3, t4) = (t1 + ms(12), t1 + ms(13), t1 + ms(25));
    let state = server_state(t1 - NtpDuration::from_seconds(16));
    let config = ValidationConfig::default();
    let mut fixed = || 0x0123_4567_89ab_cdef_u64;

    // Plain, for the ratio.
    let plain = |fixed: &mut dyn FnMut() -> u64| {
        let mut buf = [0u8; 48];
        ClientRequest::new().build(server, t1, &mut || fixed(), &mut buf).expect("request")
    };
    let mut plain_reply = [0u8; 48];
    let mut sent = [0u8; 48];
    ClientRequest::new().build(server, t1, &mut fixed, &mut sent).expect("request");
    let n = respond(&sent, &state, t2, t3, &mut plain_reply).expect("reply");
    g.bench_function("plain_validate_reply", |b| {
        b.iter_batched(
            || plain(&mut fixed).1,
            |mut p| keep(p.process(server, black_box(&plain_reply[..n]), t4, &config)),
            BatchSize::SmallInput,
        )
    });

    let key = AesCmacKey::new(1, *b"bench-aes-cmac-k").expect("key");
    let mut signed = [0u8; 68];
    let mut builder = ClientRequest::new();
    let mut counter = 0u64;
    g.bench_function("mac_build_request", |b| {
        b.iter(|| {
            let mut next = || {
                counter = counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
                counter
            };
            let r = builder.build_with(
                server,
                black_box(t1),
                &mut next,
                &mut signed,
                &mut ntpkit::exchange::MacAuth(&key),
            );
            assert!(r.is_ok());
            keep(r)
        })
    });
    ClientRequest::new()
        .build_with(server, t1, &mut fixed, &mut signed, &mut ntpkit::exchange::MacAuth(&key))
        .expect("signed");
    let mut mac_reply = [0u8; 68];
    let m = respond_with_key(&signed, &state, t2, t3, &key, &mut mac_reply).expect("signed reply");
    g.bench_function("mac_validate_reply", |b| {
        b.iter_batched(
            || {
                let mut buf = [0u8; 68];
                ClientRequest::new()
                    .build_with(server, t1, &mut fixed, &mut buf, &mut ntpkit::exchange::MacAuth(&key))
                    .expect("request")
                    .1
            },
            |mut p| {
                keep(p.process_with(
                    server,
                    black_box(&mac_reply[..m]),
                    t4,
                    &config,
                    &mut ntpkit::exchange::MacAuth(&key),
                ))
            },
            BatchSize::SmallInput,
        )
    });

    let (c2s, s2c) = ([0x11u8; 32], [0x22u8; 32]);
    let session = || {
        let aead = |k: &[u8; 32]| AesSivCmac256::from_key(k).expect("key");
        let mut s = NtsSession::<AesSivCmac256>::new(aead(&c2s), aead(&s2c));
        for i in 0..8u8 {
            s.add_cookie(&[i; 100]);
        }
        s
    };
    let mut s = session();
    let mut request = [0u8; MAX_PACKET_LEN];
    g.bench_function("nts_protect_request", |b| {
        b.iter(|| {
            if s.cookies() == 0 {
                s = session();
            }
            let (len, p) = ClientRequest::new().build(server, t1, &mut fixed, &mut request).expect("request");
            keep(p);
            keep(s.protect_request(&mut request, len, &mut fixed))
        })
    });
    // A genuine NTS reply to each request, made outside the timing.
    let exchange = || {
        let mut s = session();
        let mut buf = [0u8; MAX_PACKET_LEN];
        let (len, p) = ClientRequest::new().build(server, t1, &mut || 5, &mut buf).expect("request");
        let len = s.protect_request(&mut buf, len, &mut || 9).expect("protect");
        let view = PacketView::new_checked(&buf[..len]).expect("request framed");
        let uid = NtsFields::parse(&view).expect("fields").unique_id.expect("uid").to_vec();
        let header = Packet {
            mode: Mode::Server,
            origin_timestamp: view.transmit_timestamp(),
            receive_timestamp: t2,
            transmit_timestamp: t3,
            reference_timestamp: state.reference_timestamp,
            stratum: state.stratum,
            precision: state.precision,
            reference_id: state.reference_id,
            leap: state.leap,
            ..Packet::default()
        };
        let mut reply = [0u8; MAX_PACKET_LEN];
        let mut n = header.emit(&mut reply).expect("header");
        n = ntpkit::ExtensionWriter::after(&mut reply, n)
            .and_then(|mut w| w.push(UNIQUE_IDENTIFIER, &uid).map(|()| w.len()))
            .expect("uid");
        let mut cookie = vec![0u8; 104];
        cookie[..2].copy_from_slice(&NTS_COOKIE.to_be_bytes());
        cookie[2..4].copy_from_slice(&104u16.to_be_bytes());
        let mut aead = AesSivCmac256::from_key(&s2c).expect("key");
        n = append_authenticator(&mut aead, &mut reply, n, &[3; 16], &cookie).expect("authenticator");
        (p, s, reply, n)
    };
    g.bench_function("nts_validate_reply", |b| {
        b.iter_batched(
            exchange,
            |(mut p, mut s, reply, n)| {
                let r = p.process_with(server, black_box(&reply[..n]), t4, &config, &mut s);
                assert!(r.is_ok());
                keep(r)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

#[cfg(not(all(feature = "mac-aes-cmac", feature = "nts-aes-siv")))]
fn authenticated(_: &mut Criterion) {}

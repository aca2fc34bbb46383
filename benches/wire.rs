//! Wire-format and time-arithmetic benchmarks (criterion): parse, zero-copy view,
//! emit, extension-field walk, and the timestamp/nanosecond conversions.
//!
//! `cargo bench --bench wire`. Quote medians against a baseline from the same run.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ntpkit::{ExtensionWriter, NtpDuration, NtpTimestamp, Packet, PacketView};
use std::hint::black_box;

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

criterion_group!(benches, wire, time);
criterion_main!(benches);

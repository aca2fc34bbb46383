//! Every row of the comparison in one criterion run: `cargo bench` here, or
//! `bash benches/compare/run.sh` from the project root for the table.
//!
//! Each group's ids are `<implementation>`; inputs go through `black_box` and results are
//! sunk by reference. The process group uses `iter_batched` for every implementation
//! alike, because ntpkit's pending request is single-use by design (CVE-2016-9042) and
//! must be made fresh, untimed, for each call.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ntpkit::NtpTimestamp;
use ntpkit::exchange::{ClientRequest, ValidationConfig};
use ntpkit_compare::*;
use std::hint::black_box;

/// Keeps a result alive, by reference (passing large results by value costs time).
fn keep<T>(r: T) {
    black_box(&r);
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    let bytes: &[u8] = &REPLY;
    let mut out = [0u8; 48];
    g.bench_function("floor_copy", |b| b.iter(|| keep(op_parse_floor_copy(black_box(bytes), &mut out))));
    g.bench_function("floor", |b| b.iter(|| keep(op_parse_floor(black_box(bytes)))));
    g.bench_function("ntpkit", |b| b.iter(|| keep(op_parse_ntpkit(black_box(bytes)))));
    g.bench_function("ntpkit_view", |b| b.iter(|| keep(op_parse_ntpkit_view(black_box(bytes)))));
    g.bench_function("ntp-proto", |b| b.iter(|| keep(op_parse_ntpproto(black_box(bytes)))));
    g.bench_function("ntp-parser", |b| b.iter(|| keep(op_parse_ntpparser(black_box(bytes)))));
    g.bench_function("ntp", |b| b.iter(|| keep(op_parse_ntp(black_box(bytes)))));
    g.finish();
}

fn process(c: &mut Criterion) {
    let mut g = c.benchmark_group("process");
    let bytes: &[u8] = &REPLY;
    g.bench_function("floor", |b| {
        b.iter_batched(
            || T1,
            |t1| keep(op_process_floor(black_box(bytes), t1, black_box(T4))),
            BatchSize::SmallInput,
        )
    });
    let config = ValidationConfig::default();
    let t4 = NtpTimestamp::from_bits(T4);
    g.bench_function("ntpkit", |b| {
        b.iter_batched(
            ntpkit_pending,
            |mut pending| keep(op_process_ntpkit(&mut pending, black_box(bytes), black_box(t4), &config)),
            BatchSize::SmallInput,
        )
    });
    sntpc_clock_at_t4(false);
    let request = op_build_serialize_sntpc().expect("sntpc request");
    sntpc_clock_at_t4(true);
    g.bench_function("sntpc", |b| {
        b.iter_batched(|| request, |r| keep(op_process_sntpc(black_box(r))), BatchSize::SmallInput)
    });
    sntpc_clock_at_t4(false);
    g.finish();
}

fn serialize(c: &mut Criterion) {
    let mut g = c.benchmark_group("serialize");
    let mut out = [0u8; 48];
    let raw = op_parse_floor(&REPLY).expect("floor parse");
    g.bench_function("floor", |b| b.iter(|| op_serialize_floor(black_box(&raw), &mut out)));
    let packet = op_parse_ntpkit(&REPLY).expect("ntpkit parse");
    g.bench_function("ntpkit", |b| b.iter(|| keep(op_serialize_ntpkit(black_box(&packet), &mut out))));
    let proto = ntpproto_packet();
    g.bench_function("ntp-proto", |b| b.iter(|| keep(op_serialize_ntpproto(black_box(&proto), &mut out))));
    g.finish();
}

fn build_serialize(c: &mut Criterion) {
    let mut g = c.benchmark_group("build_serialize");
    let mut out = [0u8; 48];
    g.bench_function("floor", |b| b.iter(|| op_build_serialize_floor(black_box(T1), &mut out)));
    let (mut builder, mut nonce) = (ClientRequest::new(), 1u64);
    g.bench_function("ntpkit", |b| {
        b.iter(|| keep(op_build_serialize_ntpkit(&mut builder, &mut nonce, &mut out)))
    });
    sntpc_clock_at_t4(false);
    g.bench_function("sntpc", |b| b.iter(|| keep(op_build_serialize_sntpc())));
    g.bench_function("ntp-proto", |b| b.iter(|| keep(op_build_serialize_ntpproto(&mut out))));
    g.bench_function("ntp", |b| b.iter(|| keep(op_build_serialize_ntp())));
    g.finish();
}

fn compute(c: &mut Criterion) {
    let mut g = c.benchmark_group("compute");
    let stamps = [T1, T2, T3, T4];
    g.bench_function("floor", |b| b.iter(|| keep(op_compute_floor(black_box(&stamps)))));
    let t = stamps.map(NtpTimestamp::from_bits);
    g.bench_function("ntpkit", |b| b.iter(|| keep(op_compute_ntpkit(black_box(&t)))));
    let p = stamps.map(ntpproto_stamp);
    g.bench_function("ntp-proto", |b| b.iter(|| keep(op_compute_ntpproto(black_box(&p)))));
    g.finish();
}

fn respond(c: &mut Criterion) {
    let mut g = c.benchmark_group("respond");
    let mut out = [0u8; 48];
    let request: &[u8] = &REQUEST;
    g.bench_function("floor", |b| b.iter(|| keep(op_respond_floor(black_box(request), T2, T3, &mut out))));
    let state = server_state();
    let (t2, t3) = (NtpTimestamp::from_bits(T2), NtpTimestamp::from_bits(T3));
    g.bench_function("ntpkit", |b| {
        b.iter(|| keep(op_respond_ntpkit(black_box(request), &state, black_box(t2), t3, &mut out)))
    });
    let table = ntpkit::server::interleave::InterleaveTable::new([1; 16]);
    g.bench_function("ntpkit_interleave", |b| {
        b.iter(|| {
            keep(op_respond_ntpkit_interleave(
                &table,
                black_box(request),
                &state,
                black_box(t2),
                t3,
                &mut out,
            ))
        })
    });
    g.finish();
}

fn check_first(_: &mut Criterion) {
    self_check();
}

criterion_group!(benches, check_first, parse, process, serialize, build_serialize, compute, respond);
criterion_main!(benches);

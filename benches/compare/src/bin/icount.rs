//! Instruction counts for callgrind: `icount <group>/<implementation> <n>` calls one
//! adapter `n` times inside `measured_loop`; run it under
//! `valgrind --tool=callgrind --toggle-collect='*measured_loop*'` and divide by `n`
//! (after subtracting `empty/loop`, the loop's own cost). Inputs are prepared before
//! the loop, so ntpkit's single-use pending requests are built outside the count.
//! `icount list` prints the cases; `icount check` runs the self-check.

use ntpkit::NtpTimestamp;
use ntpkit::exchange::{ClientRequest, ValidationConfig};
use ntpkit_compare::*;
use std::hint::black_box;

/// Keeps a result alive, by reference.
fn sink<T>(r: T) {
    black_box(&r);
}

/// The counted region.
#[inline(never)]
fn measured_loop(n: usize, mut call: impl FnMut(usize)) {
    for i in 0..n {
        call(black_box(i));
    }
}

const CASES: &[&str] = &[
    "empty/loop",
    "parse/floor_copy",
    "parse/floor",
    "parse/ntpkit",
    "parse/ntpkit_view",
    "parse/ntp-proto",
    "parse/ntp-parser",
    "parse/ntp",
    "process/floor",
    "process/ntpkit",
    "process/sntpc",
    "serialize/floor",
    "serialize/ntpkit",
    "serialize/ntp-proto",
    "build_serialize/floor",
    "build_serialize/ntpkit",
    "build_serialize/sntpc",
    "build_serialize/ntp-proto",
    "build_serialize/ntp",
    "compute/floor",
    "compute/ntpkit",
    "compute/ntp-proto",
    "respond/floor",
    "respond/ntpkit",
    "respond/ntpkit_interleave",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map_or("list", String::as_str);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let bytes: &[u8] = &REPLY;
    let mut out = [0u8; 48];
    match case {
        "list" => CASES.iter().for_each(|c| println!("{c}")),
        "check" => {
            self_check();
            println!(
                "self-check passed: every implementation decodes the vector; offset +1.234567 s, delay 24.000 ms"
            );
        }
        "empty/loop" => measured_loop(n, sink),
        "parse/floor_copy" => measured_loop(n, |_| sink(op_parse_floor_copy(black_box(bytes), &mut out))),
        "parse/floor" => measured_loop(n, |_| sink(op_parse_floor(black_box(bytes)))),
        "parse/ntpkit" => measured_loop(n, |_| sink(op_parse_ntpkit(black_box(bytes)))),
        "parse/ntpkit_view" => measured_loop(n, |_| sink(op_parse_ntpkit_view(black_box(bytes)))),
        "parse/ntp-proto" => measured_loop(n, |_| sink(op_parse_ntpproto(black_box(bytes)))),
        "parse/ntp-parser" => measured_loop(n, |_| sink(op_parse_ntpparser(black_box(bytes)))),
        "parse/ntp" => measured_loop(n, |_| sink(op_parse_ntp(black_box(bytes)))),
        "process/floor" => {
            measured_loop(n, |_| sink(op_process_floor(black_box(bytes), black_box(T1), black_box(T4))))
        }
        "process/ntpkit" => {
            let mut pending: Vec<_> = (0..n).map(|_| ntpkit_pending()).collect();
            let (t4, config) = (NtpTimestamp::from_bits(T4), ValidationConfig::default());
            let slots = pending.as_mut_slice();
            measured_loop(n, |i| {
                if let Some(p) = slots.get_mut(i) {
                    sink(op_process_ntpkit(p, black_box(bytes), black_box(t4), &config))
                }
            });
        }
        "process/sntpc" => {
            sntpc_clock_at_t4(false);
            let request = op_build_serialize_sntpc().expect("sntpc request");
            sntpc_clock_at_t4(true);
            measured_loop(n, |_| sink(op_process_sntpc(black_box(request))));
        }
        "serialize/floor" => {
            let raw = op_parse_floor(bytes).expect("floor parse");
            measured_loop(n, |_| op_serialize_floor(black_box(&raw), &mut out));
        }
        "serialize/ntpkit" => {
            let packet = op_parse_ntpkit(bytes).expect("ntpkit parse");
            measured_loop(n, |_| sink(op_serialize_ntpkit(black_box(&packet), &mut out)));
        }
        "serialize/ntp-proto" => {
            let p = ntpproto_packet();
            measured_loop(n, |_| sink(op_serialize_ntpproto(black_box(&p), &mut out)));
        }
        "build_serialize/floor" => measured_loop(n, |_| op_build_serialize_floor(black_box(T1), &mut out)),
        "build_serialize/ntpkit" => {
            let (mut builder, mut nonce) = (ClientRequest::new(), 1u64);
            measured_loop(n, |_| sink(op_build_serialize_ntpkit(&mut builder, &mut nonce, &mut out)));
        }
        "build_serialize/sntpc" => measured_loop(n, |_| sink(op_build_serialize_sntpc())),
        "build_serialize/ntp-proto" => measured_loop(n, |_| sink(op_build_serialize_ntpproto(&mut out))),
        "build_serialize/ntp" => measured_loop(n, |_| sink(op_build_serialize_ntp())),
        "compute/floor" => {
            let t = [T1, T2, T3, T4];
            measured_loop(n, |_| sink(op_compute_floor(black_box(&t))));
        }
        "compute/ntpkit" => {
            let t = [T1, T2, T3, T4].map(NtpTimestamp::from_bits);
            measured_loop(n, |_| sink(op_compute_ntpkit(black_box(&t))));
        }
        "compute/ntp-proto" => {
            let t = [T1, T2, T3, T4].map(ntpproto_stamp);
            measured_loop(n, |_| sink(op_compute_ntpproto(black_box(&t))));
        }
        "respond/floor" => {
            measured_loop(n, |_| sink(op_respond_floor(black_box(&REQUEST), T2, T3, &mut out)))
        }
        "respond/ntpkit" => {
            let state = server_state();
            let (t2, t3) = (NtpTimestamp::from_bits(T2), NtpTimestamp::from_bits(T3));
            measured_loop(n, |_| sink(op_respond_ntpkit(black_box(&REQUEST), &state, t2, t3, &mut out)))
        }
        "respond/ntpkit_interleave" => {
            let state = server_state();
            let table = ntpkit::server::interleave::InterleaveTable::new([1; 16]);
            let (t2, t3) = (NtpTimestamp::from_bits(T2), NtpTimestamp::from_bits(T3));
            measured_loop(n, |_| {
                sink(op_respond_ntpkit_interleave(&table, black_box(&REQUEST), &state, t2, t3, &mut out))
            })
        }
        other => {
            eprintln!("unknown case {other}; `icount list` shows them");
            std::process::exit(2);
        }
    }
    black_box(&out);
}

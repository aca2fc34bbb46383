//! A load generator for NTP servers on loopback: sends client requests from `SOCKETS`
//! source ports, `BATCH` per `sendmmsg` (replies read with `recvmmsg`), at a set rate for a bounded time, counts the valid replies (mode 4,
//! carrying one of this run's transmit fields as origin), and searches for the highest
//! rate answered with less than 1 % loss. Bounded in rate, steps and time; stops by
//! itself; refuses any address but 127.0.0.1 and ::1.
//!
//!   load ADDR [--key ID:HEX | --nts FILE] [--step-ms 1000] [--max-rate 1000000]
//!
//! With `--key`, requests carry an AES-128-CMAC MAC under key ID (the server must know
//! it); a reply counts when it is as long as a signed reply. With `--nts FILE` (keys and
//! cookies written by `nts_query --save-session`), requests are NTS-protected (unique
//! identifier, one of the session's cookies, an authenticator under C2S: what a client
//! sends with a full jar), built before each step; a reply counts when it is a mode-4,
//! non-kiss reply with NTS fields (an NTSN NAK does not count). Replies are not
//! decrypted: the generator measures the server's work, not its own.

use std::io::{IoSlice, IoSliceMut};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg};
use ntpkit::auth::{AesCmacKey, append_mac};
use ntpkit::nts::{AnyAead, NtsAead, NtsSession};

const SOCKETS: usize = 8;
/// Datagrams per sendmmsg/recvmmsg call.
const BATCH: usize = 16;
const MAX_STEPS: usize = 24;
/// NTS requests built per step, sent round-robin.
const NTS_POOL: usize = 1024;
/// Room for one request or reply.
const DATAGRAM: usize = 512;

/// An NTS session's keys and cookies, from `nts_query --save-session`.
struct NtsFile {
    aead: u16,
    c2s: Vec<u8>,
    s2c: Vec<u8>,
    cookies: Vec<Vec<u8>>,
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

fn read_nts(path: &str) -> NtsFile {
    let text = std::fs::read_to_string(path).expect("--nts FILE");
    let mut f = NtsFile { aead: 0, c2s: vec![], s2c: vec![], cookies: vec![] };
    for line in text.lines() {
        match line.split_once(' ') {
            Some(("aead", v)) => f.aead = v.parse().expect("aead"),
            Some(("c2s", v)) => f.c2s = unhex(v),
            Some(("s2c", v)) => f.s2c = unhex(v),
            Some(("cookie", v)) => f.cookies.push(unhex(v)),
            _ => {}
        }
    }
    assert!(!f.cookies.is_empty(), "{path}: no cookie");
    f
}

/// `NTS_POOL` protected requests for `run`, each with its own transmit field.
fn nts_requests(f: &NtsFile, run: u32) -> Vec<Vec<u8>> {
    let key = |k: &[u8]| AnyAead::with_key(f.aead, k).expect("AEAD and key length");
    let mut session: NtsSession<AnyAead> = NtsSession::new(key(&f.c2s), key(&f.s2c));
    let mut counter = u64::from(run) << 32;
    let mut random = move || {
        counter = counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
        counter
    };
    (0..NTS_POOL)
        .map(|i| {
            // A full jar: the request asks for no more cookies than it spends.
            let mut c = 0;
            while session.cookies() < 8 {
                session.add_cookie(&f.cookies[c % f.cookies.len()]);
                c += 1;
            }
            let mut buf = [0u8; DATAGRAM];
            buf[0] = 0x23;
            buf[40..44].copy_from_slice(&run.to_be_bytes());
            buf[44..48].copy_from_slice(&(i as u32).to_be_bytes());
            let len = session.protect_request(&mut buf, 48, &mut random).expect("protect");
            buf[..len].to_vec()
        })
        .collect()
}

struct Args {
    target: SocketAddr,
    key: Option<(u32, [u8; 16])>,
    nts: Option<NtsFile>,
    step: Duration,
    max_rate: u64,
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    let target: SocketAddr = it.next().and_then(|a| a.parse().ok()).expect("usage: load ADDR [--key ID:HEX]");
    assert!(target.ip().is_loopback(), "loopback only: {target}");
    let mut args =
        Args { target, key: None, nts: None, step: Duration::from_millis(1000), max_rate: 1_000_000 };
    while let Some(flag) = it.next() {
        let value = it.next().expect("a value after each flag");
        match flag.as_str() {
            "--key" => {
                let (id, hex) = value.split_once(':').expect("--key ID:HEX");
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                    .collect();
                args.key = Some((id.parse().expect("key id"), bytes.try_into().expect("16-byte key")));
            }
            "--nts" => args.nts = Some(read_nts(&value)),
            "--step-ms" => args.step = Duration::from_millis(value.parse().expect("ms")),
            "--max-rate" => args.max_rate = value.parse().expect("rate"),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// One step at `rate` requests/s: (sent, valid replies).
fn step(args: &Args, run: u32, rate: u64) -> (u64, u64) {
    let bind = if args.target.is_ipv4() { "127.0.0.1:0" } else { "[::1]:0" };
    let sockets: Vec<Arc<UdpSocket>> = (0..SOCKETS)
        .map(|_| {
            let s = UdpSocket::bind(bind).expect("bind");
            s.set_nonblocking(true).expect("nonblocking");
            // A deep receive queue, so that a reply lost is one the server did not send.
            let _ = nix::sys::socket::setsockopt(&s, nix::sys::socket::sockopt::RcvBuf, &(4 << 20));
            Arc::new(s)
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let received = Arc::new(AtomicU64::new(0));
    let reply_len = if args.key.is_some() { 48 + 4 + 16 } else { 48 };
    let nts = args.nts.is_some();
    let pool = args.nts.as_ref().map(|f| nts_requests(f, run)).unwrap_or_default();
    // One receiver thread polls every socket without blocking: no wake-up per reply.
    let receivers: Vec<_> = [0]
        .iter()
        .map(|_| {
            let (sockets, stop, received) = (sockets.clone(), Arc::clone(&stop), Arc::clone(&received));
            std::thread::spawn(move || {
                let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
                let mut bufs = [[0u8; DATAGRAM]; BATCH];
                while !stop.load(Ordering::Relaxed) {
                    let mut idle = true;
                    for s in &sockets {
                        loop {
                            let mut iovs = bufs.each_mut().map(|b| [IoSliceMut::new(b)]);
                            let Ok(results) = recvmmsg(
                                s.as_raw_fd(),
                                &mut headers,
                                iovs.iter_mut(),
                                MsgFlags::MSG_DONTWAIT,
                                None,
                            ) else {
                                break;
                            };
                            let lens: Vec<usize> = results.map(|m| m.bytes).collect();
                            idle = false;
                            for (buf, n) in bufs.iter().zip(&lens) {
                                let origin_run = u32::from_be_bytes([buf[24], buf[25], buf[26], buf[27]]);
                                let shape = if nts { *n > 48 && buf[1] != 0 } else { *n == reply_len };
                                if shape && buf[0] & 7 == 4 && origin_run == run {
                                    received.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    }
                    if idle {
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let key = args.key.map(|(id, k)| AesCmacKey::new(id, k).expect("key id"));
    let mut requests = [[0u8; DATAGRAM]; BATCH];
    let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let target = SockaddrStorage::from(args.target);
    let addrs = [Some(target); BATCH];
    let started = Instant::now();
    let mut sent = 0u64;
    let mut batch = 0usize;
    while started.elapsed() < args.step {
        let due = (started.elapsed().as_nanos() * u128::from(rate) / 1_000_000_000) as u64;
        if sent + BATCH as u64 > due {
            std::hint::spin_loop();
            continue;
        }
        let mut len = 48;
        if nts {
            let first = &pool[sent as usize % NTS_POOL];
            len = first.len();
            for (i, request) in requests.iter_mut().enumerate() {
                let r = &pool[(sent as usize + i) % NTS_POOL];
                request[..r.len()].copy_from_slice(r);
            }
        }
        for (i, request) in requests.iter_mut().enumerate().filter(|_| !nts) {
            request[0] = 0x23;
            request[40..44].copy_from_slice(&run.to_be_bytes());
            request[44..48].copy_from_slice(&((sent + i as u64) as u32).to_be_bytes());
            if let Some(k) = &key {
                len = append_mac(k, request, 48).expect("mac");
            }
        }
        let iovs: Vec<[IoSlice<'_>; 1]> = requests.iter().map(|r| [IoSlice::new(&r[..len])]).collect();
        let socket = &sockets[batch % SOCKETS];
        batch += 1;
        let n = sendmmsg(socket.as_raw_fd(), &mut headers, iovs.iter(), &addrs[..], [], MsgFlags::empty())
            .map(|r| r.count())
            .unwrap_or(0);
        sent += n as u64;
    }
    // Replies still in flight.
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    for r in receivers {
        let _ = r.join();
    }
    (sent, received.load(Ordering::Relaxed))
}

fn main() {
    let args = parse_args();
    let mut best = 0u64;
    let (mut low, mut high) = (0u64, None::<u64>);
    let mut rate = 20_000u64;
    for n in 0..MAX_STEPS {
        // A step that fails is run once more: one burst of noise on a shared machine
        // should not end the search.
        let mut tries = 0;
        let (achieved, got, loss, ok) = loop {
            let (sent, got) = step(&args, 0x6e74_0000 + (n * 2 + tries) as u32, rate);
            let achieved = sent as f64 / args.step.as_secs_f64();
            let loss = 1.0 - got as f64 / sent.max(1) as f64;
            let ok = loss < 0.01 && achieved >= rate as f64 * 0.98;
            tries += 1;
            if ok || tries == 2 {
                break (achieved, got, loss, ok);
            }
        };
        println!(
            "step {n:2}: asked {rate:8}/s sent {achieved:10.0}/s answered {got:9} loss {:6.2} % {}",
            loss * 100.0,
            if ok { "ok" } else { "-" }
        );
        if ok {
            best = best.max(rate);
            low = rate;
        } else {
            high = Some(rate);
        }
        rate = match high {
            None if rate * 2 <= args.max_rate => rate * 2,
            None => break,
            Some(h) if h - low <= low / 50 + 1000 => break,
            Some(h) => (low + h) / 2,
        };
    }
    println!("highest rate with < 1 % loss: {best} requests/s");
}

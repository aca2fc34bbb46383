//! Kernel timestamps in the std glue (feature `kernel-timestamps`, Linux), on loopback:
//! the kernel's receive and transmit times are used where it gives them and the clock
//! where it does not (G-8); ntpkit's server with kernel timestamps and interleaved mode
//! against ntpkit's client and chronyd's. The accuracy table is
//! `cargo run --release --example accuracy --features kernel-timestamps`.
#![cfg(all(feature = "kernel-timestamps", target_os = "linux"))]

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use ntpkit::exchange::{ClientRequest, Reply, SyncResult, ValidationConfig};
use ntpkit::server::ServerState;
use ntpkit::server::interleave::InterleaveTable;
use ntpkit::server::ratelimit::RateLimiter;
use ntpkit::std_impls::kernel_ts::{Stamp, TimestampedSocket};
use ntpkit::std_impls::{StdNonces, SystemClock, serve_timestamped};
use ntpkit::traits::NtpClock;
use ntpkit::{LeapIndicator, Stratum};

#[path = "common/chronyd.rs"]
mod chronyd;

fn pair(kernel: bool) -> (TimestampedSocket, UdpSocket, SocketAddr) {
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    a.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b_addr = b.local_addr().unwrap();
    (TimestampedSocket::new(a, kernel), b, b_addr)
}

#[test]
fn kernel_stamps_lie_between_the_clock_readings_around_each_call() {
    let (mut socket, peer, peer_addr) = pair(true);
    assert_eq!(socket.kernel(), (true, true), "loopback on Linux gives both");
    let mut clock = SystemClock::new();
    for _ in 0..20 {
        let before = clock.now();
        let sent = socket.send_to(&[1; 48], peer_addr).unwrap();
        let after = clock.now();
        let Stamp::Kernel(t) = sent else { panic!("no transmit timestamp: {sent:?}") };
        assert!(t.duration_since(before).to_nanos() >= 0 && after.duration_since(t).to_nanos() >= 0);
        let (_, from) = peer.recv_from(&mut [0u8; 64]).unwrap();
        let before = clock.now();
        peer.send_to(&[2; 48], socket.socket().local_addr().unwrap()).unwrap();
        let (n, source, got) = socket.recv_from(&mut [0u8; 64]).unwrap();
        let after = clock.now();
        assert_eq!((n, source), (48, peer_addr));
        let Stamp::Kernel(t) = got else { panic!("no receive timestamp: {got:?}") };
        assert!(t.duration_since(before).to_nanos() >= 0 && after.duration_since(t).to_nanos() >= 0);
        let _ = from;
    }
}

#[test]
fn g8_without_kernel_timestamps_every_stamp_is_the_clock() {
    let (mut socket, peer, peer_addr) = pair(false);
    assert_eq!(socket.kernel(), (false, false));
    assert!(matches!(socket.send_to(&[1; 48], peer_addr).unwrap(), Stamp::Clock(_)));
    peer.recv_from(&mut [0u8; 64]).unwrap();
    peer.send_to(&[2; 48], socket.socket().local_addr().unwrap()).unwrap();
    let (n, _, stamp) = socket.recv_from(&mut [0u8; 64]).unwrap();
    assert_eq!(n, 48);
    assert!(!stamp.is_kernel());
    // A receive that times out is the socket's error, as with std.
    let err = socket.recv_from(&mut [0u8; 64]).unwrap_err();
    assert!(matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{err:?}");
}

/// `n` exchanges of an interleaving client with kernel timestamps against `server`.
fn exchanges(server: SocketAddr, n: usize) -> Vec<SyncResult> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let mut socket = TimestampedSocket::new(socket, true);
    let (mut clock, mut nonces) = (SystemClock::new(), StdNonces::new());
    let mut builder = ClientRequest::new().interleaved();
    let mut samples = Vec::new();
    for _ in 0..n {
        let mut buf = [0u8; 48];
        let (len, mut pending) = builder.build(server, clock.now(), &mut nonces, &mut buf).unwrap();
        let sent = socket.send_to(&buf[..len], server).unwrap();
        assert!(sent.is_kernel());
        pending.set_t1(sent.time());
        let mut reply = [0u8; 1100];
        let (got, from, t4) = socket.recv_from(&mut reply).unwrap();
        assert!(t4.is_kernel());
        match pending.process(from, &reply[..got], t4.time(), &ValidationConfig::default()) {
            Ok(Reply::Sample(s)) => samples.push(s),
            other => panic!("{other:?}"),
        }
        builder.follow(&pending);
        std::thread::sleep(Duration::from_millis(5));
    }
    samples
}

#[test]
fn serve_timestamped_gives_interleaved_replies_with_the_kernel_transmit_time() {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let server = std::thread::spawn(move || {
        let mut socket = TimestampedSocket::new(socket, true);
        let mut table: InterleaveTable<8> = InterleaveTable::new([4; 16]);
        let state =
            ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(1), ..ServerState::default() };
        let _ = serve_timestamped(&mut socket, &state, Some(&mut table), None::<&mut RateLimiter<4>>, None);
        table.stats()
    });
    let samples = exchanges(addr, 30);
    let stats = server.join().unwrap();
    assert!(stats.saved >= 29, "{stats:?}");
    assert!(samples[2..].iter().all(SyncResult::interleaved));
    // Kernel times on both sides of one machine: the offset is within half the delay
    // (plus the timestamps' 2^-32 s marks), and the delay is the loopback's few µs.
    let mut delays: Vec<i64> = samples[2..].iter().map(|s| s.delay_nanos()).collect();
    delays.sort();
    for s in &samples[2..] {
        assert!(s.offset_nanos().abs() <= s.delay_nanos() / 2 + 10, "{s:?}");
    }
    assert!(delays[delays.len() / 2] < 200_000, "median delay {} ns", delays[delays.len() / 2]);
}

#[test]
fn kernel_timestamped_interleaving_client_against_chronyd() {
    let Some(binary) = chronyd::binary() else { return };
    let dir = chronyd::fresh_dir("ntpkit-kernel-ts-chrony");
    let _server = chronyd::Server::start(
        binary,
        &dir,
        "port 11242\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n",
    );
    std::thread::sleep(Duration::from_millis(500));
    let samples = exchanges("127.0.0.1:11242".parse().unwrap(), 20);
    assert!(samples[2..].iter().all(SyncResult::interleaved));
    for s in &samples {
        assert!(s.offset_nanos().abs() <= s.delay_nanos() / 2 + 1_000, "{s:?}");
        assert!(s.delay_nanos() < 1_000_000, "{s:?}");
    }
}

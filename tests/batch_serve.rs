//! The batched server glue (feature `linux-fast-serve`, Linux) on loopback: every valid
//! request of a burst from many source ports is answered once, to its own source, with
//! its own transmit field as origin and the kernel's receive time as T2 (P-2); garbage
//! and non-client packets in the same batches get nothing; several threads share one
//! port through `SO_REUSEPORT`.
#![cfg(all(feature = "linux-fast-serve", target_os = "linux"))]

use std::collections::HashSet;
use std::net::UdpSocket;
use std::time::Duration;

use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::server::ServerState;
use ntpkit::std_impls::batch::{serve_batched, serve_reuseport};
use ntpkit::std_impls::{StdNonces, SystemClock};
use ntpkit::traits::NtpClock;
use ntpkit::{LeapIndicator, NtpDuration, Stratum};

fn state() -> ServerState {
    ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(1), ..ServerState::default() }
}

#[test]
fn p2_a_burst_from_many_ports_is_answered_once_each_and_garbage_is_dropped() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    // 16 sockets × 40 valid requests, and 2 garbage datagrams per socket among them.
    let clients: Vec<UdpSocket> = (0..16)
        .map(|_| {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            s
        })
        .collect();
    let valid = clients.len() * 40;
    let thread = std::thread::spawn(move || serve_batched(&server, &state(), Some(valid as u64)).unwrap());
    // Let it set its receive buffer before the burst.
    std::thread::sleep(Duration::from_millis(100));
    let (mut clock, mut nonces) = (SystemClock::new(), StdNonces::new());
    let mut pending = Vec::new();
    for round in 0..40 {
        for (i, c) in clients.iter().enumerate() {
            let mut buf = [0u8; 48];
            let (len, p) = ClientRequest::new().build(addr, clock.now(), &mut nonces, &mut buf).unwrap();
            c.send_to(&buf[..len], addr).unwrap();
            pending.push((i, p));
            if round % 20 == 0 {
                c.send_to(&[0xff; 13], addr).unwrap(); // too short
                let mut server_mode = buf;
                server_mode[0] = 0x24; // mode 4: not a request
                c.send_to(&server_mode, addr).unwrap();
            }
        }
    }
    let mut accepted = 0;
    let mut seen = HashSet::new();
    for (i, c) in clients.iter().enumerate() {
        let mut buf = [0u8; 128];
        while let Ok((n, from)) = c.recv_from(&mut buf) {
            assert_eq!((n, from), (48, addr));
            let t4 = clock.now();
            let origin = u64::from_be_bytes(buf[24..32].try_into().unwrap());
            assert!(seen.insert(origin), "a request answered twice");
            let (_, p) = pending
                .iter_mut()
                .find(|(j, p)| *j == i && p.nonce().to_bits() == origin)
                .expect("a reply to a request of this socket");
            // Replies are read long after the burst (each socket waits out its timeout),
            // so the delay is long: the root-distance limit is not what is tested here.
            let config =
                ValidationConfig { max_root_distance: NtpDuration::from_seconds(16), ..Default::default() };
            match p.process(addr, &buf[..n], t4, &config) {
                Ok(Reply::Sample(s)) => {
                    // One clock: T1 ≤ T2 (the kernel's receive time) ≤ T3 ≤ T4.
                    assert!(s.t2().duration_since(s.t1()).to_nanos() >= 0, "{s:?}");
                    assert!(s.t3().duration_since(s.t2()).to_nanos() >= 0, "{s:?}");
                    assert!(s.t4().duration_since(s.t3()).to_nanos() >= 0, "{s:?}");
                    accepted += 1;
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(accepted, valid);
    assert_eq!(thread.join().unwrap(), valid as u64);
}

#[test]
fn serve_reuseport_runs_threads_on_one_port() {
    // A free port: bind, read it, close.
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    std::thread::spawn(move || serve_reuseport(addr, 2, &state()));
    std::thread::sleep(Duration::from_millis(200));
    // A second plain bind of the port fails: the threads hold it with SO_REUSEPORT.
    assert!(UdpSocket::bind(addr).is_err());
    let (mut clock, mut nonces) = (SystemClock::new(), StdNonces::new());
    for _ in 0..32 {
        let c = UdpSocket::bind("127.0.0.1:0").unwrap();
        c.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let mut buf = [0u8; 48];
        let (len, mut p) = ClientRequest::new().build(addr, clock.now(), &mut nonces, &mut buf).unwrap();
        c.send_to(&buf[..len], addr).unwrap();
        let (n, from) = c.recv_from(&mut buf).unwrap();
        assert!(matches!(
            p.process(from, &buf[..n], clock.now(), &ValidationConfig::default()),
            Ok(Reply::Sample(_))
        ));
    }
}

//! The one-line query (`ntpkit::query`): names and ports parsed or refused by name,
//! addresses tried in turn, and each way of failing told apart — over real sockets on
//! 127.0.0.1 and ::1 only, against ntpkit's own server loop and chronyd.

#![cfg(feature = "std")]

use std::net::{SocketAddr, UdpSocket};
use std::thread;
use std::time::Duration;

use ntpkit::exchange::Reject;
use ntpkit::server::{ServerState, respond_kiss};
use ntpkit::sntp::{QueryConfig, QueryError};
use ntpkit::std_impls::{
    Host, HostError, NTP_PORT, SystemClock, parse_host, query_addrs, query_with, resolve, serve,
};
use ntpkit::traits::NtpClock;
use ntpkit::{KissCode, LeapIndicator, ReferenceId, Stratum};

#[path = "common/chronyd.rs"]
mod chronyd;

fn fast() -> QueryConfig {
    QueryConfig { timeout: Duration::from_millis(200), attempts: 2, ..QueryConfig::default() }
}

/// An ntpkit server on `ip`, port chosen by the kernel, answering `replies` requests.
fn ntpkit_server(ip: &str, replies: u64) -> SocketAddr {
    let socket = UdpSocket::bind((ip, 0)).unwrap();
    let addr = socket.local_addr().unwrap();
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(2),
        reference_id: ReferenceId([127, 0, 0, 1]),
        reference_timestamp: SystemClock::new().now(),
        ..ServerState::default()
    };
    thread::spawn(move || serve(&socket, &state, Some(replies)));
    addr
}

#[test]
fn literals_names_and_ports() {
    let v4: SocketAddr = "127.0.0.1:123".parse().unwrap();
    assert_eq!(resolve("127.0.0.1", NTP_PORT).unwrap(), [v4]);
    assert_eq!(resolve("127.0.0.1:11123", NTP_PORT).unwrap(), ["127.0.0.1:11123".parse().unwrap()]);
    assert_eq!(resolve("::1", NTP_PORT).unwrap(), ["[::1]:123".parse().unwrap()]);
    assert_eq!(resolve("[::1]", NTP_PORT).unwrap(), ["[::1]:123".parse().unwrap()]);
    assert_eq!(resolve("[::1]:11123", NTP_PORT).unwrap(), ["[::1]:11123".parse().unwrap()]);
    // A name from /etc/hosts: resolved by the system, never leaving the machine.
    let local = resolve("localhost:11123", NTP_PORT).unwrap();
    assert!(
        !local.is_empty() && local.iter().all(|a| a.ip().is_loopback() && a.port() == 11123),
        "{local:?}"
    );
}

#[test]
fn g1_bad_ports_and_addresses_are_refused_by_name() {
    for bad in [
        "localhost:99999",
        "localhost:65536",
        "localhost:0",
        "[::1]:0",
        "127.0.0.1:0",
        "[::1]:99999",
        ":123",
        "a::b::c",
    ] {
        match resolve(bad, NTP_PORT) {
            Err(e @ HostError::BadAddress { .. }) => assert!(e.to_string().starts_with(bad), "{e}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert_eq!(
        resolve("localhost:99999", NTP_PORT).unwrap_err().to_string(),
        "localhost:99999: bad port \"99999\" (a port is 1 to 65535)"
    );
    assert!(matches!(parse_host("time.example:123", 1), Ok(Host::Name { name: "time.example", port: 123 })));
    assert!(matches!(parse_host("[time.example]", 7), Ok(Host::Name { name: "time.example", port: 7 })));
    assert!(matches!(parse_host("time.example", 0), Err(HostError::BadAddress { .. })));
}

#[test]
fn g2_a_name_that_does_not_resolve() {
    // A name the resolver refuses without asking anyone (a NUL byte in it).
    match resolve("time\0.example", NTP_PORT) {
        Err(e @ HostError::Resolve { .. }) => {
            assert_eq!(e.name(), "Resolve");
            assert!(e.to_string().starts_with("cannot resolve host time\0.example: "), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_line_query_over_ipv4_and_ipv6() {
    for ip in ["127.0.0.1", "::1"] {
        let addr = ntpkit_server(ip, 1);
        let host = addr.to_string(); // "[::1]:port" for IPv6
        let (from, sample) = query_with(&host, &fast()).unwrap();
        assert_eq!(from, addr);
        assert_eq!(sample.stratum(), Stratum(2));
        // Same machine, same clock: the offset is within the round trip.
        assert!(sample.offset_nanos().abs() <= sample.delay_nanos().max(1_000_000), "{sample:?}");
    }
    let addr = ntpkit_server("127.0.0.1", 1);
    let sample = ntpkit::query(&format!("localhost:{}", addr.port())).unwrap();
    assert_eq!(sample.stratum(), Stratum(2));
}

#[test]
fn g3_addresses_are_tried_until_one_answers() {
    // A closed port on ::1 and a silent socket on 127.0.0.1, then the server.
    let closed = UdpSocket::bind("[::1]:0").unwrap().local_addr().unwrap(); // dropped: closed
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let live = ntpkit_server("127.0.0.1", 1);
    let addrs = [closed, silent.local_addr().unwrap(), live];
    let (from, _) = query_addrs(&addrs, &fast()).unwrap();
    assert_eq!(from, live);
    // Nobody answers: NoReply, naming how many were tried.
    let none = query_addrs(&addrs[..2], &fast()).unwrap_err();
    assert!(matches!(none, HostError::NoReply { addresses: 2 }), "{none:?}");
    assert_eq!(none.to_string(), "no reply from any of 2 addresses");
}

#[test]
fn g4_every_reply_refused_names_the_last_refusal() {
    // One server answers every request with a RATE kiss, another with garbage.
    let kisser = UdpSocket::bind("127.0.0.1:0").unwrap();
    let garbler = UdpSocket::bind("[::1]:0").unwrap();
    let (kiss_addr, garble_addr) = (kisser.local_addr().unwrap(), garbler.local_addr().unwrap());
    thread::spawn(move || {
        let mut buf = [0u8; 1024];
        let mut out = [0u8; 48];
        while let Ok((n, from)) = kisser.recv_from(&mut buf) {
            if let Ok(len) = respond_kiss(&buf[..n], KissCode::Rate, &mut out) {
                let _ = kisser.send_to(&out[..len], from);
            }
        }
    });
    thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok((_, from)) = garbler.recv_from(&mut buf) {
            let _ = garbler.send_to(&[0x24; 47], from); // one byte short of a header
        }
    });
    match query_addrs(&[garble_addr, kiss_addr], &fast()) {
        Err(HostError::Rejected { server, last: QueryError::KissOfDeath(code) }) => {
            assert_eq!((server, code), (kiss_addr, KissCode::Rate));
        }
        other => panic!("{other:?}"),
    }
    let e = query_addrs(&[kiss_addr, garble_addr], &fast()).unwrap_err();
    match &e {
        HostError::Rejected { server, last: QueryError::Rejected(reject) } => {
            assert_eq!(*server, garble_addr);
            assert!(matches!(reject, Reject::Parse(_)), "{reject:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().starts_with(&format!("every reply refused (last, from {garble_addr}: ")), "{e}");
}

/// The one-line query against chronyd on loopback, by name and by address.
#[test]
fn one_line_query_against_chronyd() {
    let Some(binary) = chronyd::binary() else { return };
    let dir = chronyd::fresh_dir("ntpkit-query-host-chrony");
    let _server = chronyd::Server::start(
        binary,
        &dir,
        "port 11201\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n",
    );
    let dir6 = chronyd::fresh_dir("ntpkit-query-host-chrony6");
    let _server6 =
        chronyd::Server::start(binary, &dir6, "port 11202\nbindaddress ::1\nallow ::1\nlocal stratum 9\n");
    for (host, stratum) in [("localhost:11201", 8), ("127.0.0.1:11201", 8), ("[::1]:11202", 9)] {
        // chronyd needs a moment to bind: a few tries.
        let sample = (0..20)
            .find_map(|_| {
                ntpkit::query(host).ok().or_else(|| {
                    thread::sleep(Duration::from_millis(100));
                    None
                })
            })
            .unwrap_or_else(|| panic!("{host}: no sample: {:?}", ntpkit::query(host)));
        assert_eq!(sample.stratum(), Stratum(stratum), "{host}");
        assert!(sample.offset_nanos().abs() <= sample.delay_nanos().max(1_000_000), "{host}: {sample:?}");
    }
}

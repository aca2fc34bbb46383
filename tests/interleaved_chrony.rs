//! Interleaved mode (RFC 9769 §3) against chronyd 4.3 on 127.0.0.1 (chronyd runs with
//! `-x`: it never touches the clock).
//!
//! I-8: chronyd as a client with `xleave` polls ntpkit's `serve_interleaved` four times a
//! second; its measurement log marks each sample basic (`B`) or interleaved (`I`).
//! I-9: ntpkit's interleaving client against chronyd as a server, one exchange at a
//! time and through the multi-server client.
#![cfg(feature = "std")]

use std::net::UdpSocket;
use std::time::Duration;

use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::server::ServerState;
use ntpkit::server::interleave::InterleaveTable;
use ntpkit::server::ratelimit::RateLimiter;
use ntpkit::std_impls::{ClientDriver, StdNonces, SystemClock, serve_interleaved};
use ntpkit::traits::NtpClock;
use ntpkit::{LeapIndicator, ReferenceId, Stratum};

#[path = "common/chronyd.rs"]
mod chronyd;

#[test]
fn i8_chronyd_with_xleave_gets_interleaved_replies_from_ntpkit() {
    let Some(binary) = chronyd::binary() else { return };
    let socket = UdpSocket::bind("127.0.0.1:11231").unwrap();
    // The loop ends when no request has come for 3 s (chronyd has stopped).
    socket.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let server = std::thread::spawn(move || {
        let mut table: InterleaveTable<16> = InterleaveTable::new([0x3c; 16]);
        let state = ServerState {
            leap: LeapIndicator::NoWarning,
            stratum: Stratum(1),
            reference_id: ReferenceId(*b"GPS\0"),
            reference_timestamp: SystemClock::new().now(),
            ..ServerState::default()
        };
        let _ = serve_interleaved::<16, 4>(&socket, &state, &mut table, None::<&mut RateLimiter<4>>, None);
        table.stats()
    });
    let dir = chronyd::fresh_dir("ntpkit-interleaved-chrony-client");
    let client = chronyd::Server::start(
        binary,
        &dir,
        &format!(
            "server 127.0.0.1 port 11231 minpoll -2 maxpoll -2 xleave iburst\nport 0\nlogdir {}\nlog measurements\n",
            dir.display()
        ),
    );
    std::thread::sleep(Duration::from_secs(5));
    drop(client);
    let stats = server.join().unwrap();
    let log = std::fs::read_to_string(dir.join("measurements.log")).unwrap_or_default();
    // The mode column (MTxRx): `4B` basic, `4I` interleaved.
    let modes: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("127.0.0.1"))
        .filter_map(|l| l.split_whitespace().rev().nth(2))
        .collect();
    println!("{stats:?}\n{log}");
    assert!(modes.len() >= 8, "chronyd took too few samples: {modes:?}");
    // The first exchanges are basic (nothing saved yet); from the third on, all
    // interleaved.
    assert!(modes[..2].iter().all(|m| *m == "4B"), "{modes:?}");
    assert!(modes[2..].iter().all(|m| *m == "4I"), "{modes:?}");
    assert!(stats.saved >= modes.len() as u64 - 1, "{stats:?}");
}

fn chronyd_server(binary: &str, port: u16) -> chronyd::Server {
    let dir = chronyd::fresh_dir(&format!("ntpkit-interleaved-chrony-server-{port}"));
    let config = format!("port {port}\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n");
    let server = chronyd::Server::start(binary, &dir, &config);
    std::thread::sleep(Duration::from_millis(500));
    server
}

#[test]
fn i9_ntpkit_interleaving_client_gets_interleaved_samples_from_chronyd() {
    let Some(binary) = chronyd::binary() else { return };
    let _server = chronyd_server(binary, 11232);
    let addr = "127.0.0.1:11232".parse().unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let (mut clock, mut nonces) = (SystemClock::new(), StdNonces::new());
    let mut builder = ClientRequest::new().interleaved();
    let mut samples = Vec::new();
    for _ in 0..8 {
        let mut buf = [0u8; 48];
        let (len, mut pending) = builder.build(addr, clock.now(), &mut nonces, &mut buf).unwrap();
        socket.send_to(&buf[..len], addr).unwrap();
        let mut reply = [0u8; 1024];
        let (n, from) = socket.recv_from(&mut reply).unwrap();
        let t4 = clock.now();
        match pending.process(from, &reply[..n], t4, &ValidationConfig::default()) {
            Ok(Reply::Sample(s)) => samples.push(s),
            other => panic!("{other:?}"),
        }
        builder.follow(&pending);
        std::thread::sleep(Duration::from_millis(100));
    }
    let modes: Vec<bool> = samples.iter().map(|s| s.interleaved()).collect();
    println!("{modes:?}");
    for s in &samples {
        println!(
            "interleaved {} offset {} ns delay {} ns",
            s.interleaved(),
            s.offset_nanos(),
            s.delay_nanos()
        );
    }
    // chronyd saves an exchange once a request asks (the second), and interleaves
    // from the third on.
    assert_eq!(modes[..2], [false, false]);
    assert!(modes[2..].iter().all(|m| *m), "{modes:?}");
    // Same clock both sides: the offset is within the delay's reach.
    for s in &samples {
        assert!(s.offset_nanos().abs() <= s.delay_nanos() / 2 + 100_000, "{s:?}");
        assert!(s.delay_nanos() > 0 && s.delay_nanos() < 5_000_000, "{s:?}");
    }
}

#[test]
fn i9_multi_server_client_interleaves_with_chronyd() {
    let Some(binary) = chronyd::binary() else { return };
    let _server = chronyd_server(binary, 11233);
    let mut driver = ClientDriver::new(true).unwrap();
    let mut client: Client<1> = Client::new(ClientConfig::default());
    let peer = PeerConfig { interleaved: true, min_poll: 4, max_poll: 4, ..PeerConfig::default() };
    driver.add_server(&mut client, "127.0.0.1:11233".parse().unwrap(), peer).unwrap();
    let mut flags = Vec::new();
    driver
        .run(&mut client, Duration::from_secs(200), |_, event| {
            if let Event::Sample { result, .. } = event {
                flags.push(result.interleaved());
            }
        })
        .unwrap();
    println!("{flags:?}");
    assert!(flags.len() >= 8, "{flags:?}");
    assert!(!flags[0] && flags[2..].iter().all(|f| *f), "{flags:?}");
}

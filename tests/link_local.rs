//! B-16: `ClientDriver` with a link-local IPv6 server, over real sockets and a real
//! link. The test re-runs itself inside a network namespace of its own (`unshare
//! --net`, as root) with a veth pair whose ends carry `fe80::1234` and `fe80::5678`;
//! ntpkit's `serve` answers on `[fe80::5678%ntpk1]`, and a `ClientDriver` configured
//! with `[fe80::5678%<index of ntpk0>]:11123` must get samples. The scope ID is part of
//! a link-local address, so the driver must hand the reply's source to the client with
//! its scope ID intact. No traffic leaves the namespace. Without root or `unshare` the
//! test says why and skips (under CI it fails instead).
#![cfg(all(feature = "std", target_os = "linux"))]

use std::net::{SocketAddr, SocketAddrV6, UdpSocket};
use std::process::Command;
use std::time::Duration;

use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::server::ServerState;
use ntpkit::std_impls::ClientDriver;
use ntpkit::{LeapIndicator, NtpTimestamp, Stratum};

const CHILD: &str = "NTPKIT_LINK_LOCAL_NETNS";
const PORT: u16 = 11123;

fn ip(args: &[&str]) {
    let status = Command::new("ip").args(args).status().expect("run ip");
    assert!(status.success(), "ip {args:?} failed");
}

/// The interface index of `name`, from `ip -o link show` ("3: ntpk0@ntpk1: ...").
fn ifindex(name: &str) -> u32 {
    let out = Command::new("ip").args(["-o", "link", "show", "dev", name]).output().expect("run ip");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no index in {text:?}"))
}

/// Inside the namespace: the link, the server, the client.
fn in_namespace() {
    ip(&["link", "set", "lo", "up"]);
    ip(&["link", "add", "ntpk0", "type", "veth", "peer", "name", "ntpk1"]);
    ip(&["link", "set", "ntpk0", "up"]);
    ip(&["link", "set", "ntpk1", "up"]);
    ip(&["-6", "addr", "add", "fe80::1234/64", "dev", "ntpk0", "nodad"]);
    ip(&["-6", "addr", "add", "fe80::5678/64", "dev", "ntpk1", "nodad"]);
    let (client_side, server_side) = (ifindex("ntpk0"), ifindex("ntpk1"));
    assert_ne!(client_side, server_side);
    let server_ip = "fe80::5678".parse().unwrap();
    // The link needs a moment after coming up before it carries traffic.
    let socket = (0..50)
        .find_map(|_| {
            UdpSocket::bind(SocketAddrV6::new(server_ip, PORT, 0, server_side))
                .map_err(|_| std::thread::sleep(Duration::from_millis(100)))
                .ok()
        })
        .expect("bind the server on fe80::5678%ntpk1");
    std::thread::spawn(move || {
        let state = ServerState {
            leap: LeapIndicator::NoWarning,
            stratum: Stratum(2),
            reference_timestamp: NtpTimestamp::from_parts(0xeeac_e73b, 0),
            ..ServerState::default()
        };
        let _ = ntpkit::std_impls::serve(&socket, &state, Some(100));
    });

    let server = SocketAddr::V6(SocketAddrV6::new(server_ip, PORT, 0, client_side));
    let mut driver = ClientDriver::new(false).unwrap();
    let mut client: Client<1> = Client::new(ClientConfig { min_sources: 1, ..ClientConfig::default() });
    let config = PeerConfig { min_poll: 4, ..PeerConfig::default() };
    driver.add_server(&mut client, server, config).unwrap();
    let mut samples = Vec::new();
    for _ in 0..20 {
        driver
            .run(&mut client, Duration::from_millis(500), |c, event| {
                if let Event::Sample { server, result } = event {
                    samples.push((
                        c.peer_stats(server, ntpkit::time::Instant::from_nanos(0)).unwrap().addr,
                        result,
                    ));
                }
            })
            .unwrap();
        if samples.len() >= 2 {
            break;
        }
    }
    assert!(samples.len() >= 2, "no samples from {server} in 10 s (the scope ID was lost?)");
    for (addr, result) in &samples {
        assert_eq!(*addr, server);
        // Same machine, same clock: |offset| ≤ delay/2 (RFC 5905 §8) plus sub-precision bits.
        assert!(result.delay_nanos() > 0 && result.delay_nanos() < 100_000_000, "{result:?}");
        assert!(result.offset_nanos().abs() <= result.delay_nanos() / 2 + 50_000, "{result:?}");
    }
    println!("{} samples from {server}", samples.len());
}

#[test]
fn b16_client_driver_reaches_a_link_local_server() {
    if std::env::var_os(CHILD).is_some() {
        in_namespace();
        return;
    }
    let ci = std::env::var_os("CI").is_some();
    let exe = std::env::current_exe().unwrap();
    let run = Command::new("unshare")
        .args(["--net", "--"])
        .arg(exe)
        .args([
            "--exact",
            "b16_client_driver_reaches_a_link_local_server",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD, "1")
        .output();
    let out = match run {
        Ok(out) => out,
        Err(e) => {
            assert!(!ci, "CI must be able to run unshare: {e}");
            eprintln!("SKIP: cannot run unshare ({e}); the link-local test needs a network namespace");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("unshare failed") {
        assert!(!ci, "CI must be able to create a network namespace: {stderr}");
        eprintln!("SKIP: no network namespace here (needs root): {stderr}");
        return;
    }
    println!("{stdout}");
    assert!(out.status.success(), "in the namespace:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" samples from [fe80::5678%"), "{stdout}");
}

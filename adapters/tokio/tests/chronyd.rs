//! The tokio adapter against chronyd on loopback (127.0.0.1 and ::1 only; chronyd runs
//! with `-x` and never touches the clock): the one-line query, the transport's timeout,
//! and the whole client driven for a few fast-forwarded polls.

use std::collections::BTreeSet;
use std::time::Duration;

use ntpkit::Stratum;
use ntpkit::client::{Client, ClientConfig, Decision, Event, PeerConfig};
use ntpkit::sntp::QueryConfig;
use ntpkit::std_impls::HostError;
use ntpkit::traits::AsyncNtpTransport;
use ntpkit_tokio::TokioTransport;

#[path = "../../../tests/common/chronyd.rs"]
mod chronyd;

/// chronyd on 127.0.0.1:11211 (stratum 8) and [::1]:11212 (stratum 9).
fn two_servers(binary: &str) -> [chronyd::Server; 2] {
    [(11211u16, "127.0.0.1", 8), (11212, "::1", 9)].map(|(port, ip, stratum)| {
        let dir = chronyd::fresh_dir(&format!("ntpkit-tokio-chrony-{port}"));
        let config = format!("port {port}\nbindaddress {ip}\nallow {ip}\nlocal stratum {stratum}\n");
        chronyd::Server::start(binary, &dir, &config)
    })
}

/// Retries `query` while chronyd starts (it binds within a moment).
async fn query_soon(host: &str) -> ntpkit::exchange::SyncResult {
    let mut last = None;
    for _ in 0..30 {
        match ntpkit_tokio::query(host).await {
            Ok(sample) => return sample,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{host}: no sample: {last:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn query_and_client_against_chronyd() {
    let Some(binary) = chronyd::binary() else { return };
    let _servers = two_servers(binary);
    // The one-line query, by name and by address, over IPv4 and IPv6.
    for (host, stratum) in [("localhost:11211", 8), ("127.0.0.1:11211", 8), ("[::1]:11212", 9)] {
        let sample = query_soon(host).await;
        assert_eq!(sample.stratum(), Stratum(stratum), "{host}");
        assert!(sample.offset_nanos().abs() <= sample.delay_nanos().max(1_000_000), "{host}: {sample:?}");
    }

    // The whole client: both servers, ten minutes of polls fast-forwarded.
    let mut driver = ntpkit_tokio::driver().await.unwrap().fast_forward();
    let mut client: Client<2> = Client::new(ClientConfig::default());
    for addr in ["127.0.0.1:11211", "[::1]:11212"] {
        driver.add_server(&mut client, addr.parse().unwrap(), PeerConfig::default()).unwrap();
    }
    let (mut samples, mut updates, mut answered) = (0, Vec::new(), BTreeSet::new());
    driver
        .run(&mut client, Duration::from_secs(600), |_, event| match event {
            Event::Sample { server, result } => {
                samples += 1;
                answered.insert(server.0);
                assert!(result.offset_nanos().abs() <= result.delay_nanos().max(1_000_000), "{result:?}");
            }
            Event::Update(update) => updates.push(update),
            _ => {}
        })
        .await
        .unwrap();
    assert_eq!(answered, BTreeSet::from([0, 1]), "both servers answered");
    assert!(samples >= 8, "{samples} samples");
    let last = updates.last().expect("an update");
    assert!(matches!(last.decision, Decision::Slew(_)), "{last:?}");
    assert!(last.offset.to_nanos().abs() < 1_000_000, "{last:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn g6_fast_forward_refuses_a_server_off_this_machine() {
    let mut driver = ntpkit_tokio::driver().await.unwrap().fast_forward();
    let mut client: Client<2> = Client::new(ClientConfig::default());
    for addr in ["192.0.2.1:123", "[2001:db8::1]:123"] {
        let refused = driver.add_server(&mut client, addr.parse().unwrap(), PeerConfig::default());
        assert!(matches!(refused, Err(ntpkit::drive::DriveError::NotLoopback)), "{refused:?}");
    }
    assert!(client.peer_stats(ntpkit::client::PeerId(0), driver.now()).is_none(), "nothing added");
    driver.add_server(&mut client, "[::1]:11212".parse().unwrap(), PeerConfig::default()).unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_silent_server_times_out_and_a_closed_port_is_no_reply() {
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let mut transport = TokioTransport::bind().await.unwrap();
    transport.send_to(&[0u8; 48], addr).await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 64];
    assert!(transport.recv_from(&mut buf, Duration::from_millis(150)).await.unwrap().is_none());
    assert!(started.elapsed() >= Duration::from_millis(150));
    let config = QueryConfig { timeout: Duration::from_millis(100), attempts: 2, ..QueryConfig::default() };
    let e = ntpkit_tokio::query_with(&addr.to_string(), &config).await.unwrap_err();
    assert!(matches!(e, HostError::NoReply { addresses: 1 }), "{e:?}");
    drop(silent); // now closed: refused at once, still "no reply"
    let started = std::time::Instant::now();
    let e = ntpkit_tokio::query_with(&addr.to_string(), &config).await.unwrap_err();
    assert!(matches!(e, HostError::NoReply { addresses: 1 }), "{e:?}");
    assert!(started.elapsed() < Duration::from_millis(150), "{:?}", started.elapsed());
    let e = ntpkit_tokio::query("localhost:0").await.unwrap_err();
    assert!(matches!(e, HostError::BadAddress { .. }), "{e:?}");
}

/// `run_with`: the client authenticated with an AES-CMAC key (RFC 8573) against a keyed
/// chronyd; with the wrong key material every reply is refused and no sample comes.
#[tokio::test(flavor = "current_thread")]
async fn the_client_with_a_mac_key_against_keyed_chronyd() {
    use ntpkit::auth::AesCmacKey;
    use ntpkit::exchange::MacAuth;
    let Some(binary) = chronyd::binary() else { return };
    let dir = chronyd::fresh_dir("ntpkit-tokio-chrony-keyed");
    let key = [0x3c; 16];
    let keys = dir.join("keys");
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(&keys, format!("1 AES128 HEX:{hex}\n")).unwrap();
    let config = format!(
        "port 11213\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\nkeyfile {}\n",
        keys.display()
    );
    let _server = chronyd::Server::start(binary, &dir, &config);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (material, want_samples) in [(key, true), ([0x55; 16], false)] {
        let mut auth = MacAuth(AesCmacKey::new(1, material).unwrap());
        let mut driver = ntpkit_tokio::driver().await.unwrap().fast_forward();
        let mut client: Client<1> = Client::new(ClientConfig::default());
        driver.add_server(&mut client, "127.0.0.1:11213".parse().unwrap(), PeerConfig::default()).unwrap();
        let (mut samples, mut updates) = (0, 0);
        driver
            .run_with(&mut client, Duration::from_secs(300), &mut auth, |_, event| match event {
                Event::Sample { .. } => samples += 1,
                Event::Update(_) => updates += 1,
                _ => {}
            })
            .await
            .unwrap();
        if want_samples {
            assert!(samples >= 4 && updates >= 1, "{samples} samples, {updates} updates");
        } else {
            assert_eq!((samples, updates), (0, 0), "a wrong key must not give samples");
        }
    }
}

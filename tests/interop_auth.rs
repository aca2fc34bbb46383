//! Symmetric-key authentication against chronyd on 127.0.0.1 (RFC 8573): a chronyd
//! server with a keyfile holding an AES128 (CMAC) key and a SHA1 key answers ntpkit's
//! signed requests with signed replies; ntpkit accepts them, rejects a copy with one
//! flipped MAC bit, and gets nothing authenticated with the wrong key material.
//! chronyd runs with `-x` (never touches the clock) and only on loopback.
//!
//! Without chronyd the test prints `SKIP` and passes, except under `CI`, which installs
//! it (`peers.sh install`).
#![cfg(all(feature = "std", feature = "mac-aes-cmac", feature = "mac-sha1"))]

#[path = "common/chronyd.rs"]
mod chronyd;

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::time::{Duration, Instant};

use ntpkit::auth::{AesCmacKey, AuthError, MacKey, Sha1Key};
use ntpkit::exchange::{ClientRequest, Reject, Reply, SyncResult, ValidationConfig};
use ntpkit::std_impls::StdNonces;
use ntpkit::{NtpTimestamp, Stratum};

const AES_KEY: [u8; 16] = *b"ntpkit-aes-cmac!";
const SHA1_KEY: [u8; 20] = *b"ntpkit-sha1-key-0123";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A keyed chronyd server on 127.0.0.1:`port`: AES128 key 1 and SHA1 key 2.
fn keyed_chrony(binary: &str, port: u16) -> chronyd::Server {
    let dir = chronyd::fresh_dir(&format!("ntpkit-keyed-chrony-{port}"));
    let keys = dir.join("chrony.keys");
    std::fs::write(&keys, format!("1 AES128 HEX:{}\n2 SHA1 HEX:{}\n", hex(&AES_KEY), hex(&SHA1_KEY)))
        .unwrap();
    let config = format!(
        "port {port}\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\nkeyfile {}\n",
        keys.display()
    );
    chronyd::Server::start(binary, &dir, &config)
}

fn now() -> NtpTimestamp {
    NtpTimestamp::from_system_time(std::time::SystemTime::now()).unwrap()
}

/// Sends one request signed with `key` and returns the reply's bytes (or `None` on
/// timeout) together with what processing them gave.
fn signed_exchange(
    socket: &UdpSocket,
    server: SocketAddr,
    key: &impl MacKey,
    tamper: bool,
) -> Option<(Result<Reply, Reject>, Result<Reply, Reject>)> {
    let mut request = [0u8; 72];
    let (len, mut pending) = ClientRequest::new()
        .build_with(server, now(), &mut StdNonces::new(), &mut request, &mut ntpkit::exchange::MacAuth(key))
        .unwrap();
    socket.send_to(&request[..len], server).unwrap();
    let mut buf = [0u8; 512];
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
        let t4 = now();
        let config = ValidationConfig::default();
        let first = if tamper {
            let mut bad = buf[..n].to_vec();
            let last = bad.len() - 1;
            bad[last] ^= 0x01;
            pending.process_with(from, &bad, t4, &config, &mut ntpkit::exchange::MacAuth(key))
        } else {
            Err(Reject::NotAwaitingResponse)
        };
        let genuine = pending.process_with(from, &buf[..n], t4, &config, &mut ntpkit::exchange::MacAuth(key));
        return Some((first, genuine));
    }
    None
}

fn sample(r: Result<Reply, Reject>, what: &str) -> SyncResult {
    match r {
        Ok(Reply::Sample(s)) => s,
        other => panic!("{what}: {other:?}"),
    }
}

#[test]
fn chronyd_authenticates_with_aes_cmac_and_sha1_keys() {
    let Some(binary) = chronyd::binary() else { return };
    let port = 11181;
    let chrony = keyed_chrony(binary, port);
    let server: SocketAddr = ([127, 0, 0, 1], port).into();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let aes = AesCmacKey::new(1, AES_KEY).unwrap();
    let sha1 = Sha1Key::new(2, &SHA1_KEY).unwrap();

    // chronyd needs a moment to bind; bounded retries (5 s).
    let mut first = None;
    for _ in 0..10 {
        first = signed_exchange(&socket, server, &aes, true);
        if first.is_some() {
            break;
        }
    }
    let (tampered, genuine) =
        first.unwrap_or_else(|| panic!("no reply from keyed chronyd:\n{}", chrony.log()));
    assert_eq!(tampered, Err(Reject::AuthFailed(AuthError::Mismatch)), "one flipped MAC bit");
    let s = sample(genuine, "AES-CMAC");
    assert_eq!(s.stratum(), Stratum(8));
    assert!(
        s.delay_nanos() < 100_000_000 && s.offset_nanos().abs() <= s.delay_nanos() / 2 + 100_000,
        "{s:?}"
    );

    let (tampered, genuine) = signed_exchange(&socket, server, &sha1, true).expect("SHA1 reply");
    assert_eq!(tampered, Err(Reject::AuthFailed(AuthError::Mismatch)));
    sample(genuine, "SHA1");

    // Right key ID, wrong key material: chronyd cannot authenticate the request, and
    // whatever comes back (a crypto-NAK, or nothing) authenticates nothing.
    let forged = AesCmacKey::new(1, [0x55; 16]).unwrap();
    match signed_exchange(&socket, server, &forged, false) {
        None => eprintln!("wrong key material: no reply"),
        Some((_, r)) => {
            eprintln!("wrong key material: {r:?}");
            assert!(matches!(r, Err(Reject::AuthFailed(_) | Reject::Unauthenticated)), "{r:?}")
        }
    }
    // A key ID chronyd does not have.
    let unknown = AesCmacKey::new(9, AES_KEY).unwrap();
    match signed_exchange(&socket, server, &unknown, false) {
        None => eprintln!("unknown key ID: no reply"),
        Some((_, r)) => {
            eprintln!("unknown key ID: {r:?}");
            assert!(matches!(r, Err(Reject::AuthFailed(_) | Reject::Unauthenticated)), "{r:?}")
        }
    }
}

/// How the test server treats each request.
#[derive(Clone, Copy)]
enum Serve {
    /// Sign replies with the shared key.
    Genuine,
    /// Sign, then flip one bit of the MAC.
    FlipMac,
}

/// ntpkit's `respond_with_key` as a server on 127.0.0.1:`port` for `seconds`, signing
/// with the AES128 key 1.
fn signing_server(port: u16, seconds: u64, mode: Serve) -> std::thread::JoinHandle<usize> {
    use ntpkit::server::{ServerState, respond_with_key};
    let socket = UdpSocket::bind(("127.0.0.1", port)).unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    std::thread::spawn(move || {
        let key = AesCmacKey::new(1, AES_KEY).unwrap();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut answered = 0;
        let (mut buf, mut out) = ([0u8; 512], [0u8; 512]);
        while Instant::now() < deadline {
            let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
            let t2 = now();
            let state = ServerState {
                leap: ntpkit::LeapIndicator::NoWarning,
                stratum: Stratum(1),
                precision: ntpkit::Precision(-20),
                reference_id: ntpkit::ReferenceId(*b"GPS\0"),
                reference_timestamp: t2,
                ..ServerState::default()
            };
            // A request chronyd signed with other key material is not answered.
            let Ok(len) = respond_with_key(&buf[..n], &state, t2, now(), &key, &mut out) else { continue };
            if let Serve::FlipMac = mode {
                out[len - 1] ^= 0x01;
            }
            socket.send_to(&out[..len], from).unwrap();
            answered += 1;
        }
        answered
    })
}

/// chronyd -Q (measure once, never touch the clock) against `port` with key 1 from
/// `keyfile`; returns whether it accepted a sample, and its output.
fn chrony_query_keyed(binary: &str, port: u16, keyfile: &std::path::Path, timeout_s: u32) -> (bool, String) {
    let out = Command::new(binary)
        .args(["-u", "root", "-Q", "-t", &timeout_s.to_string()])
        .arg(format!("server 127.0.0.1 port {port} iburst minpoll -6 maxpoll -6 maxsamples 1 key 1"))
        .arg(format!("keyfile {}", keyfile.display()))
        .output()
        .expect("run chronyd -Q");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success() && text.contains("System clock wrong by"), text)
}

/// The other direction: chronyd as a client with the AES128 key checks the MACs that
/// `server::respond_with_key` writes. It accepts genuine replies; it refuses replies
/// whose MAC has one flipped bit (so the acceptance is not vacuous); and with other key
/// material it gets no reply, because the server cannot authenticate its request.
#[test]
fn chronyd_client_verifies_respond_with_key() {
    let Some(binary) = chronyd::binary() else { return };
    let dir = chronyd::fresh_dir("ntpkit-keyed-client-11182");
    let keys = dir.join("chrony.keys");
    std::fs::write(&keys, format!("1 AES128 HEX:{}\n", hex(&AES_KEY))).unwrap();
    let wrong_keys = dir.join("wrong.keys");
    std::fs::write(&wrong_keys, format!("1 AES128 HEX:{}\n", hex(&[0x55; 16]))).unwrap();

    let server = signing_server(11182, 6, Serve::Genuine);
    let (ok, text) = chrony_query_keyed(binary, 11182, &keys, 5);
    assert!(ok, "chronyd refused ntpkit's signed replies:\n{text}");
    let (ok, text) = chrony_query_keyed(binary, 11182, &wrong_keys, 2);
    assert!(!ok, "chronyd accepted a sample with the wrong key:\n{text}");
    assert!(server.join().unwrap() >= 1);

    let server = signing_server(11183, 3, Serve::FlipMac);
    let (ok, text) = chrony_query_keyed(binary, 11183, &keys, 2);
    assert!(!ok, "chronyd accepted a reply with a flipped MAC bit:\n{text}");
    assert!(server.join().unwrap() >= 1, "the server did answer (with bad MACs)");
}

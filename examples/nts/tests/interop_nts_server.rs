//! ntpkit's NTS server (`nts_serve`: `respond_ke` and `respond_nts` behind rustls)
//! with chronyd as its NTS client, and with ntpkit's own NTS client for every AEAD, on
//! 127.0.0.1 only. chronyd runs with `-x` (never touches the clock) and `port 0` (no
//! server of its own); it must take authenticated samples, and when the server restarts
//! with new master keys (every cookie chronyd holds is now unknown) it must get NTS
//! NAKs, run NTS-KE again and go on taking samples.
//!
//! Without chronyd or openssl the test prints `SKIP` and passes, except under `CI`,
//! which installs both.

#[path = "common/certs.rs"]
mod certs;
#[path = "../src/tls.rs"]
mod nts_tls;
#[path = "common/serve_log.rs"]
mod serve_log;

use serve_log::count;
#[path = "../../../tests/common/chronyd.rs"]
mod chronyd;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const KE_PORT: u16 = 11261;
const NTP_PORT: u16 = 11262;

/// `nts_serve` on the test ports for `seconds`, its output in `log`.
fn nts_serve(dir: &Path, log: &str, seconds: u32) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nts_serve"))
        .args(["--cert", &dir.join("server.pem").display().to_string()])
        .args(["--key", &dir.join("server.key").display().to_string()])
        .args(["--ke-port", &KE_PORT.to_string(), "--ntp-port", &NTP_PORT.to_string()])
        .args(["--seconds", &seconds.to_string()])
        .stdout(Stdio::from(std::fs::File::create(dir.join(log)).unwrap()))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start nts_serve")
}

fn finish(mut child: Child, dir: &Path, log: &str) -> String {
    let status = child.wait().unwrap();
    let out = std::fs::read_to_string(dir.join(log)).unwrap();
    assert!(status.success(), "nts_serve: {status}\n{out}");
    out
}

/// Authenticated samples in chronyd's measurements log: every test passed (the
/// authentication test is one of them).
fn good_samples(dir: &Path) -> usize {
    let log = std::fs::read_to_string(dir.join("measurements.log")).unwrap_or_default();
    log.lines().filter(|l| l.contains("127.0.0.1") && l.contains(" 111 111 1111 ")).count()
}

#[test]
fn chronyd_is_an_nts_client_of_ntpkits_server_through_a_master_key_loss() {
    let Some(binary) = chronyd::binary() else { return };
    if !certs::have_openssl() {
        return;
    }
    let dir = chronyd::fresh_dir("ntpkit-nts-server-chrony-client");
    certs::make_certificates(&dir);
    let first = nts_serve(&dir, "serve1.log", 8);
    std::thread::sleep(Duration::from_millis(300));
    let client = chronyd::Server::start(
        binary,
        &dir,
        &format!(
            "server 127.0.0.1 port {NTP_PORT} ntsport {KE_PORT} nts minpoll -2 maxpoll -2 iburst\n\
             ntstrustedcerts {}\nntsdumpdir {}\nport 0\nlogdir {}\nlog measurements\n",
            dir.join("ca.pem").display(),
            dir.display(),
            dir.display()
        ),
    );
    let out1 = finish(first, &dir, "serve1.log");
    let samples1 = good_samples(&dir);
    // A new server process: new master keys, so chronyd's cookies no longer open.
    let second = nts_serve(&dir, "serve2.log", 10);
    let out2 = finish(second, &dir, "serve2.log");
    drop(client);
    let samples2 = good_samples(&dir) - samples1;
    let chrony_log = std::fs::read_to_string(dir.join("chronyd.log")).unwrap_or_default();
    println!("{out1}\n{out2}\nchronyd:\n{chrony_log}\nauthenticated samples: {samples1} then {samples2}");
    assert!(out1.contains("NTS-KE 127.0.0.1:") && out1.contains("8 cookies"), "{out1}");
    assert!(count(&out1, "NTS replies ") >= 8, "{out1}");
    assert!(samples1 >= 6, "chronyd took {samples1} authenticated samples");
    assert_eq!(count(&out1, "dropped "), 0, "{out1}");
    // The restart: NAKs, a new NTS-KE, and samples again.
    assert!(count(&out2, "NAKs ") >= 1, "{out2}");
    assert!(out2.contains("8 cookies"), "chronyd ran NTS-KE again: {out2}");
    assert!(samples2 >= 4, "chronyd took {samples2} authenticated samples after the restart");
}

#[test]
fn ntpkits_client_with_every_aead_against_ntpkits_server() {
    if !certs::have_openssl() {
        return;
    }
    let dir = chronyd::fresh_dir("ntpkit-nts-server-ntpkit-client");
    certs::make_certificates(&dir);
    let server = Command::new(env!("CARGO_BIN_EXE_nts_serve"))
        .args(["--cert", &dir.join("server.pem").display().to_string()])
        .args(["--key", &dir.join("server.key").display().to_string()])
        .args(["--ke-port", "11263", "--ntp-port", "11264", "--seconds", "6"])
        .stdout(Stdio::from(std::fs::File::create(dir.join("serve.log")).unwrap()))
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    for aead in ["30", "17", "15"] {
        let out = Command::new(env!("CARGO_BIN_EXE_nts_query"))
            .args(["--ca-file", &dir.join("ca.pem").display().to_string()])
            .args(["--ke-port", "11263", "--count", "3", "--aead", aead, "localhost"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "AEAD {aead}: {text}{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains(&format!("AEAD {aead}, 8 cookies")), "{text}");
        assert_eq!(text.matches("authenticated (NTS)").count(), 3, "{text}");
    }
    let out = finish(server, &dir, "serve.log");
    assert_eq!(count(&out, "NTS replies "), 9, "{out}");
}

/// `nts_serve --ratelimit 4` (one request per 16 s on average, bursts of 8; one limited
/// request in four answered anyway): from one address, 20 plain requests at once get
/// the burst answered and a RATE kiss for the first limited one; 20 NTS requests right
/// after are all over the limit: only the leaked share is answered, every reply
/// authentic, and no kiss (an NTS client would not believe it). The summary counts
/// what was limited.
#[test]
fn nts_serve_rate_limits_a_burst_of_nts_and_plain_requests() {
    use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
    use ntpkit::nts::{AnyAead, NtsSession, SUPPORTED_AEADS};
    use ntpkit::std_impls::StdNonces;
    use ntpkit::{MAX_PACKET_LEN, NtpTimestamp};
    use std::net::UdpSocket;

    if !certs::have_openssl() {
        return;
    }
    let dir = chronyd::fresh_dir("ntpkit-nts-server-ratelimit");
    certs::make_certificates(&dir);
    let server = Command::new(env!("CARGO_BIN_EXE_nts_serve"))
        .args(["--cert", &dir.join("server.pem").display().to_string()])
        .args(["--key", &dir.join("server.key").display().to_string()])
        .args(["--ke-port", "11265", "--ntp-port", "11266", "--seconds", "5", "--ratelimit", "4"])
        .stdout(Stdio::from(std::fs::File::create(dir.join("serve.log")).unwrap()))
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let ke = nts_tls::key_exchange(
        "localhost",
        "127.0.0.1:11265".parse().unwrap(),
        Some(&dir.join("ca.pem")),
        SUPPORTED_AEADS,
        Duration::from_secs(2),
    )
    .unwrap();
    let now = || NtpTimestamp::from_system_time(std::time::SystemTime::now()).unwrap();
    let mut nonces = StdNonces::new();
    let config = ValidationConfig::default();

    // 20 plain requests at once, then 20 NTS requests (one session each: a jar holds 8).
    let plain_socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..20 {
        let mut buf = [0u8; 48];
        let (len, _) = ClientRequest::new().build(ke.ntp_addr, now(), &mut nonces, &mut buf).unwrap();
        plain_socket.send_to(&buf[..len], ke.ntp_addr).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    let mut pendings = Vec::new();
    let nts_socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..20 {
        let mut session = NtsSession::<AnyAead>::from_ke(&ke.response, &ke.keys).unwrap();
        let mut buf = [0u8; MAX_PACKET_LEN];
        let (len, pending) = ClientRequest::new().build(ke.ntp_addr, now(), &mut nonces, &mut buf).unwrap();
        let len = session.protect_request(&mut buf, len, &mut nonces).unwrap();
        nts_socket.send_to(&buf[..len], ke.ntp_addr).unwrap();
        pendings.push((pending, session));
    }
    let mut authentic = 0;
    nts_socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let mut reply = [0u8; 2048];
    while let Ok((n, from)) = nts_socket.recv_from(&mut reply) {
        let t4 = now();
        for (pending, session) in pendings.iter_mut().filter(|(p, _)| !p.is_answered()) {
            if let Ok(Reply::Sample(_)) = pending.process_with(from, &reply[..n], t4, &config, session) {
                authentic += 1;
                break;
            }
        }
    }
    let (mut plain, mut kisses) = (0, 0);
    plain_socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    while let Ok((n, _)) = plain_socket.recv_from(&mut reply) {
        if n >= 48 && reply[1] == 0 && &reply[12..16] == b"RATE" {
            kisses += 1;
        } else if n == 48 {
            plain += 1;
        }
    }
    let out = finish(server, &dir, "serve.log");
    println!("{out}\nNTS: {authentic} authentic of 20; plain: {plain} answered, {kisses} RATE kisses");
    // Plain: the burst of 8 and a leaked share of the other 12. NTS: only leaked ones.
    assert!((8..=12).contains(&plain), "{plain}");
    assert!(kisses >= 1, "{kisses}");
    assert!((1..=8).contains(&authentic), "{authentic}");
    assert_eq!(count(&out, "NTS replies "), authentic as u64, "{out}");
    assert!(count(&out, "rate-limited ") >= 24, "{out}");
}

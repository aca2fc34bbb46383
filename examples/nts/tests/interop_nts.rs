//! Network Time Security against chronyd on 127.0.0.1 (RFC 8915): chronyd serves NTS-KE
//! over TLS 1.3 with a certificate made here with openssl (a private CA and a server
//! certificate for `localhost`), and NTS-protected NTP. ntpkit runs NTS-KE through
//! `src/tls.rs` (rustls), then queries: every reply authenticates,
//! the cookie jar stays full, a reply with one flipped bit in the tag, the ciphertext
//! or the header is rejected, a cookie chronyd cannot decrypt draws an NTS NAK, and a
//! `Client` runs chronyd as an NTS server. chronyd runs with `-x` (never touches the
//! clock) and only on loopback.
//!
//! Without chronyd or openssl the test prints `SKIP` and passes, except under `CI`,
//! which installs both.

#[path = "common/certs.rs"]
mod certs;
#[path = "../../../tests/common/chronyd.rs"]
mod chronyd;
#[path = "../src/tls.rs"]
mod nts_tls;

use certs::{have_openssl, make_certificates};

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant as StdInstant};

use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::exchange::{ClientRequest, PendingRequest, Reject, Reply, ValidationConfig};
use ntpkit::nts::fields::NtsFields;
use ntpkit::nts::ke::KeResponse;
use ntpkit::nts::{AesSivCmac256, NtsError, NtsSession};
use ntpkit::std_impls::StdNonces;
use ntpkit::time::Instant;
use ntpkit::{MAX_PACKET_LEN, NtpTimestamp, PacketView, Stratum};

const NTP_PORT: u16 = 11185;
const KE_PORT: u16 = 11186;

/// chronyd serving NTS-KE on `KE_PORT` and NTP on `NTP_PORT`, stopped when dropped.
struct NtsChrony(chronyd::Server);

impl NtsChrony {
    fn start(binary: &str) -> Self {
        let dir = chronyd::fresh_dir(&format!("ntpkit-nts-chrony-{NTP_PORT}"));
        make_certificates(&dir);
        let config = format!(
            "port {NTP_PORT}\nntsport {KE_PORT}\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n\
             ntsservercert {}\nntsserverkey {}\nntsdumpdir {}\nntsprocesses 0\n",
            dir.join("server.pem").display(),
            dir.join("server.key").display(),
            dir.display(),
        );
        Self(chronyd::Server::start(binary, &dir, &config))
    }

    fn log(&self) -> String {
        self.0.log()
    }

    /// NTS-KE with retries while chronyd starts (at most 5 s).
    fn key_exchange(&self) -> nts_tls::KeyExchange {
        let ke: SocketAddr = ([127, 0, 0, 1], KE_PORT).into();
        let ca = self.0.dir().join("ca.pem");
        let mut last = String::new();
        for _ in 0..25 {
            match nts_tls::key_exchange("localhost", ke, Some(&ca), &[15], Duration::from_secs(2)) {
                Ok(x) => return x,
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("NTS-KE with chronyd failed: {last}\n{}", self.log());
    }
}

fn now() -> NtpTimestamp {
    NtpTimestamp::from_system_time(std::time::SystemTime::now()).unwrap()
}

/// Sends one protected request; returns the reply bytes and the pending token.
fn exchange(
    session: &mut NtsSession<AesSivCmac256>,
    socket: &UdpSocket,
    server: SocketAddr,
) -> Option<(Vec<u8>, PendingRequest, NtpTimestamp)> {
    let mut nonces = StdNonces::new();
    let mut buf = [0u8; MAX_PACKET_LEN];
    let (len, pending) = ClientRequest::new().build(server, now(), &mut nonces, &mut buf).unwrap();
    let len = session.protect_request(&mut buf, len, &mut nonces).unwrap();
    socket.send_to(&buf[..len], server).unwrap();
    let mut reply = [0u8; 2048];
    let deadline = StdInstant::now() + Duration::from_millis(1000);
    while StdInstant::now() < deadline {
        let Ok((n, from)) = socket.recv_from(&mut reply) else { continue };
        if from == server {
            return Some((reply[..n].to_vec(), pending, now()));
        }
    }
    None
}

fn flipped(reply: &[u8], at: usize) -> Vec<u8> {
    let mut bad = reply.to_vec();
    bad[at] ^= 0x01;
    bad
}

fn check_sample(r: Result<Reply, Reject>) {
    let Ok(Reply::Sample(s)) = r else { panic!("not an authenticated sample: {r:?}") };
    assert_eq!(s.stratum(), Stratum(8));
    // Loopback: |offset| is bounded by half the round trip (RFC 5905 §8), plus margin.
    assert!(
        s.delay_nanos() < 100_000_000 && s.offset_nanos().abs() <= s.delay_nanos() / 2 + 100_000,
        "{s:?}"
    );
}

#[test]
fn chronyd_nts_key_exchange_and_authenticated_time() {
    let Some(binary) = chronyd::binary() else { return };
    if !have_openssl() {
        return;
    }
    let chrony = NtsChrony::start(binary);
    let ke = chrony.key_exchange();
    assert_eq!(ke.response.aead, 15, "AEAD_AES_SIV_CMAC_256");
    assert_eq!(ke.response.cookies.len(), 8, "chronyd hands out eight cookies");
    assert_eq!(ke.ntp_addr, SocketAddr::from(([127, 0, 0, 1], NTP_PORT)), "port from the NTS-KE port record");
    let mut session = NtsSession::<AesSivCmac256>::from_ke(&ke.response, &ke.keys).unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();

    // One exchange with tampered copies first: tag, ciphertext and header bits.
    let (reply, mut pending, t4) =
        exchange(&mut session, &socket, ke.ntp_addr).expect("NTS reply from chronyd");
    let view = PacketView::new_checked(&reply[..]).unwrap();
    let auth = NtsFields::parse(&view).unwrap().authenticator.expect("chronyd's reply has an authenticator");
    let tag_at = auth.offset + 8 + auth.nonce.len().next_multiple_of(4);
    let config = ValidationConfig::default();
    for (what, at) in [("tag", tag_at), ("ciphertext", tag_at + auth.ciphertext.len() - 1), ("header", 40)] {
        let r = pending.process_with(ke.ntp_addr, &flipped(&reply, at), t4, &config, &mut session);
        assert_eq!(r, Err(Reject::Nts(NtsError::AuthenticationFailed)), "one flipped bit in the {what}");
    }
    assert_eq!(session.cookies(), 7, "rejections harvested nothing");
    check_sample(pending.process_with(ke.ntp_addr, &reply, t4, &config, &mut session));
    assert_eq!(session.cookies(), 8, "the reply refilled the jar");
    // Stripped of its NTS fields, the same reply is refused (the next request's).
    let (reply, mut pending, t4) = exchange(&mut session, &socket, ke.ntp_addr).unwrap();
    assert_eq!(
        pending.process_with(ke.ntp_addr, &reply[..48], t4, &config, &mut session),
        Err(Reject::Unauthenticated)
    );
    check_sample(pending.process_with(ke.ntp_addr, &reply, t4, &config, &mut session));

    // Twenty more: the jar never runs dry, every reply authenticates.
    for _ in 0..20 {
        let (reply, mut pending, t4) = exchange(&mut session, &socket, ke.ntp_addr).expect("reply");
        check_sample(pending.process_with(ke.ntp_addr, &reply, t4, &config, &mut session));
        assert_eq!(session.cookies(), 8);
    }

    // A cookie chronyd cannot decrypt: an NTS NAK with our unique identifier (N-6).
    let mut bogus = KeResponse { aead: 15, ..KeResponse::default() };
    bogus.cookies.push(ntpkit::nts::ke::Cookie::from_slice(&[0xAB; 100]).unwrap()).unwrap();
    let mut bad_session = NtsSession::<AesSivCmac256>::from_ke(&bogus, &ke.keys).unwrap();
    let (nak, mut pending, t4) = exchange(&mut bad_session, &socket, ke.ntp_addr).expect("NAK from chronyd");
    assert_eq!(pending.process_with(ke.ntp_addr, &nak, t4, &config, &mut bad_session), Err(Reject::NtsNak));
    assert!(!pending.is_answered() && bad_session.is_awaiting_reply(), "the NAK changes nothing");

    // A Client runs chronyd as an NTS server (virtual monotonic time, real packets).
    let mut client = Client::<1>::new(ClientConfig { min_sources: 1, ..ClientConfig::default() });
    let cfg = PeerConfig { min_poll: 4, max_poll: 4, iburst: true, ..PeerConfig::default() };
    let id = client.add_server(Instant::from_nanos(0), ke.ntp_addr, cfg, &mut StdNonces::new()).unwrap();
    let mut samples = 0;
    let mut mono = Instant::from_nanos(0);
    for _ in 0..4 {
        mono = client.poll_timeout().unwrap().max(mono);
        client.handle_timeout(mono);
        let mut buf = [0u8; MAX_PACKET_LEN];
        let tx = client
            .poll_transmit_with(mono, now(), &mut StdNonces::new(), &mut buf, &mut session)
            .unwrap()
            .unwrap();
        socket.send_to(&buf[..tx.len], tx.addr).unwrap();
        let mut reply = [0u8; 2048];
        let (n, from) = socket.recv_from(&mut reply).expect("reply to the Client's request");
        client.handle_response_with(mono, from, &reply[..n], now(), &mut session).unwrap();
        while let Some(e) = client.poll_event() {
            if let Event::Sample { server, result } = e {
                assert_eq!(server, id);
                check_sample(Ok(Reply::Sample(result)));
                samples += 1;
            }
        }
    }
    assert_eq!(samples, 4);
    assert_eq!(session.cookies(), 8);

    // The std glue: ClientDriver::run_with runs the same over its own socket, fast-
    // forwarded (loopback only): 10 minutes of polling in seconds, every sample NTS.
    let mut driver = ntpkit::std_impls::ClientDriver::new(true).unwrap();
    let mut client = Client::<1>::new(ClientConfig { min_sources: 1, ..ClientConfig::default() });
    driver.add_server(&mut client, ke.ntp_addr, cfg).unwrap();
    let (mut samples, mut updates) = (0, 0);
    driver
        .run_with(&mut client, Duration::from_secs(600), &mut session, |_, e| match e {
            Event::Sample { result, .. } => {
                check_sample(Ok(Reply::Sample(result)));
                samples += 1;
            }
            Event::Update(_) => updates += 1,
            Event::AuthUnavailable { error, .. } => panic!("jar ran dry: {error}"),
            _ => {}
        })
        .unwrap();
    assert!(samples >= 30, "{samples} NTS samples in 600 s at 16 s polls");
    assert!(updates >= 1);
    assert_eq!(session.cookies(), 8);
}

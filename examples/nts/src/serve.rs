//! An NTS server (RFC 8915) built on ntpkit's sans-IO server side: NTS-KE over TLS 1.3
//! (rustls) on a TCP port, then NTS-protected NTP (and plain NTP) on a UDP port.
//!
//! ```text
//! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
//!     -keyout key.pem -out cert.pem -days 30 -subj /CN=localhost \
//!     -addext subjectAltName=DNS:localhost,IP:127.0.0.1
//! cargo run -p ntpkit-nts-query --bin nts_serve -- --cert cert.pem --key key.pem \
//!     --ke-port 4460 --ntp-port 11123
//! cargo run -p ntpkit-nts-query --bin nts_query -- --ca-file cert.pem --ke-port 4460 localhost
//! ```
//!
//! The server keeps three cookie master keys (AES-SIV-CMAC-256, from the operating
//! system's RNG through ring) and rotates them every `--rotate` seconds (default 3600),
//! offers AES-128-GCM-SIV, AES-SIV-CMAC-512 and AES-SIV-CMAC-256 in the client's order,
//! and answers from this machine's clock as stratum `--stratum` (default 2). With
//! `--ratelimit N` each client (IPv4 address, IPv6 /64) may average one request per
//! 2^N seconds, bursts of 8 (`server::ratelimit`, chrony's defaults otherwise): NTS
//! requests over the limit get no answer, plain ones a RATE kiss. It never sets the
//! clock. `--seconds N` stops it after N seconds (default: runs until killed).
//! One line per NTS-KE session and a summary every minute go to standard output.

#[path = "../../common/cli.rs"]
mod cli;

use cli::{Args, CliError, any, within};

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ntpkit::nts::cookie::CookieKeys;
use ntpkit::nts::ke::{AEAD_AES_SIV_CMAC_256, KeError, KeyExporter};
use ntpkit::nts::ke_server::{
    ERROR_INTERNAL, KeOutcome, KeServerConfig, KeServerRequest, error_code, respond_ke, respond_ke_error,
};
use ntpkit::nts::{AnyAead, NtsAead, SUPPORTED_AEADS};
use ntpkit::server::nts::{NtsAnswer, NtsServeError, respond_nts};
use ntpkit::server::ratelimit::{RateLimit, RateLimiter, Verdict};
use ntpkit::server::{ServerState, respond, respond_kiss};
use ntpkit::traits::NonceSource;
use ntpkit::{KissCode, LeapIndicator, MAX_PACKET_LEN, NtpTimestamp, Precision, ReferenceId, Stratum};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const USAGE: &str = "--cert FILE --key FILE [--bind ADDR] [--ke-port N] [--ntp-port N] \
                     [--stratum N] [--rotate SECONDS] [--ratelimit LOG2_SECONDS] [--seconds N]";

/// ALPN protocol ID of NTS-KE (RFC 8915 §4).
const ALPN_NTSKE: &[u8] = b"ntske/1";
/// NTS-KE sessions served at once; more wait in the listen queue.
const MAX_KE_SESSIONS: usize = 32;
/// Master keys held: the current one and two earlier ones.
const MASTER_KEYS: usize = 3;

type Master = Arc<Mutex<CookieKeys<AnyAead, MASTER_KEYS>>>;

struct Options {
    cert: PathBuf,
    key: PathBuf,
    bind: IpAddr,
    ke_port: u16,
    ntp_port: u16,
    stratum: u8,
    rotate: u64,
    seconds: Option<u64>,
    ratelimit: Option<i8>,
}

fn parse(mut args: Args) -> Result<Options, CliError> {
    let (mut cert, mut key) = (None, None);
    let mut o = Options {
        cert: PathBuf::new(),
        key: PathBuf::new(),
        bind: IpAddr::from([127, 0, 0, 1]),
        ke_port: 4460,
        ntp_port: 123,
        stratum: 2,
        rotate: 3600,
        seconds: None,
        ratelimit: None,
    };
    while let Some(arg) = args.next() {
        match arg?.as_str() {
            "--cert" => cert = Some(args.value::<PathBuf>("--cert", "a PEM certificate chain", any)?),
            "--key" => key = Some(args.value::<PathBuf>("--key", "a PEM private key", any)?),
            "--bind" => o.bind = args.value("--bind", "an IP address", any)?,
            "--ke-port" => o.ke_port = args.value("--ke-port", "a port number", within(1, 65535))?,
            "--ntp-port" => o.ntp_port = args.value("--ntp-port", "a port number", within(1, 65535))?,
            "--stratum" => o.stratum = args.value("--stratum", "a stratum", within(1, 15))?,
            "--rotate" => o.rotate = args.value("--rotate", "seconds", within(1, 86_400))?,
            "--seconds" => o.seconds = Some(args.value("--seconds", "seconds", within(1, 1_000_000))?),
            "--ratelimit" => o.ratelimit = Some(args.value("--ratelimit", "log2 seconds", within(-4, 12))?),
            other => return Err(CliError::UnknownOption(other.to_owned())),
        }
    }
    o.cert = cert.ok_or_else(|| CliError::Other("--cert is required".into()))?;
    o.key = key.ok_or_else(|| CliError::Other("--key is required".into()))?;
    Ok(o)
}

/// The operating system's RNG (through ring) as ntpkit's nonce source: master keys,
/// cookie nonces and AEAD nonces must be unpredictable. Read 4 KiB at a time: one
/// system call per 512 nonces, not one per nonce (an NTS reply takes four).
struct SystemRandom {
    rng: ring::rand::SystemRandom,
    buf: Box<[u8; 4096]>,
    at: usize,
}

impl SystemRandom {
    fn new() -> Self {
        Self { rng: ring::rand::SystemRandom::new(), buf: Box::new([0; 4096]), at: 4096 }
    }
}

impl NonceSource for SystemRandom {
    fn next_nonce(&mut self) -> u64 {
        use ring::rand::SecureRandom;
        if self.at + 8 > self.buf.len() {
            // ring's SystemRandom reads getrandom(2); it does not fail on Linux once booted.
            self.rng.fill(&mut self.buf[..]).unwrap_or_else(|_| std::process::abort());
            self.at = 0;
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.buf[self.at..self.at + 8]);
        // Each byte is used once.
        self.buf[self.at..self.at + 8].fill(0);
        self.at += 8;
        u64::from_be_bytes(b)
    }
}

fn now() -> NtpTimestamp {
    NtpTimestamp::from_system_time(std::time::SystemTime::now()).unwrap_or(NtpTimestamp::ZERO)
}

/// Makes a fresh master key current, under the next ID.
fn rotate(master: &Master, id: u32, random: &mut SystemRandom) {
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&random.next_nonce().to_be_bytes());
    }
    if let (Some(key), Ok(mut keys)) = (AnyAead::with_key(AEAD_AES_SIV_CMAC_256, &key), master.lock()) {
        keys.rotate(id, key);
    }
}

fn tls_config(o: &Options) -> Result<Arc<rustls::ServerConfig>, String> {
    let certs = CertificateDer::pem_file_iter(&o.cert)
        .map_err(|e| format!("--cert {}: {e}", o.cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--cert {}: {e}", o.cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(&o.key).map_err(|e| format!("--key {}: {e}", o.key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // RFC 8915 §3: TLS 1.3 or later only; ALPN ntske/1.
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
    config.alpn_protocols = vec![ALPN_NTSKE.to_vec()];
    Ok(Arc::new(config))
}

/// rustls's exporter behind ntpkit's [`KeyExporter`].
struct Exporter<'a>(&'a rustls::ServerConnection);

impl KeyExporter for Exporter<'_> {
    type Error = rustls::Error;
    fn export_keying_material(
        &mut self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), rustls::Error> {
        self.0.export_keying_material(out, label, Some(context)).map(|_| ())
    }
}

/// One NTS-KE session: read the request (bounded in size and time), answer, close.
fn key_exchange(
    tcp: &mut TcpStream,
    config: Arc<rustls::ServerConfig>,
    master: &Master,
    ntp_port: u16,
) -> Result<String, String> {
    tcp.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    tcp.set_write_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
    let mut conn = rustls::ServerConnection::new(config).map_err(|e| e.to_string())?;
    let mut tls = rustls::Stream::new(&mut conn, tcp);
    let mut received = Vec::new();
    let mut out = [0u8; 2048];
    let request = loop {
        match KeServerRequest::decode(&received) {
            Ok((request, _)) => break Ok(request),
            Err(KeError::Incomplete) => {}
            Err(e) => break Err(e),
        }
        let mut chunk = [0u8; 1024];
        let n = tls.read(&mut chunk).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("closed before End of Message".into());
        }
        received.extend_from_slice(&chunk[..n]);
    };
    if tls.conn.alpn_protocol() != Some(ALPN_NTSKE) {
        return Err("client did not offer ALPN ntske/1".into());
    }
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            let n = respond_ke_error(error_code(&e).unwrap_or(1), &mut out).map_err(|e| e.to_string())?;
            tls.write_all(&out[..n]).map_err(|e| e.to_string())?;
            tls.conn.send_close_notify();
            let _ = tls.flush();
            return Err(format!("bad request: {e}"));
        }
    };
    let ke_config = KeServerConfig { aeads: SUPPORTED_AEADS, server: None, port: Some(ntp_port) };
    let mut random = SystemRandom::new();
    let answered = {
        let mut keys = master.lock().map_err(|_| "master keys poisoned")?;
        respond_ke(&request, &ke_config, &mut Exporter(tls.conn), &mut keys, &mut random, &mut out)
    };
    let (n, outcome) = match answered {
        Ok(x) => x,
        Err(e) => {
            let n = respond_ke_error(ERROR_INTERNAL, &mut out).map_err(|e| e.to_string())?;
            tls.write_all(&out[..n]).map_err(|e| e.to_string())?;
            return Err(format!("internal: {e:?}"));
        }
    };
    tls.write_all(&out[..n]).map_err(|e| format!("write: {e}"))?;
    tls.conn.send_close_notify();
    tls.flush().map_err(|e| format!("flush: {e}"))?;
    Ok(match outcome {
        KeOutcome::Session { aead, cookies } => format!("AEAD {aead}, {cookies} cookies"),
        KeOutcome::NoCommonAead => "no common AEAD".into(),
        KeOutcome::NoCommonProtocol => "no common protocol".into(),
        _ => "answered".into(),
    })
}

#[derive(Default)]
struct Counts {
    nts: AtomicU64,
    nak: AtomicU64,
    plain: AtomicU64,
    dropped: AtomicU64,
    limited: AtomicU64,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        write!(
            f,
            "NTS replies {}, NAKs {}, plain replies {}, dropped {}, rate-limited {}",
            n(&self.nts),
            n(&self.nak),
            n(&self.plain),
            n(&self.dropped),
            n(&self.limited)
        )
    }
}

/// The NTP port: NTS requests through `respond_nts`, plain ones through `respond`,
/// both behind `limiter` when there is one (chrony's `ratelimit` and `ntsratelimit`
/// in one): a limited plain request gets a RATE kiss when the limiter says so, a
/// limited NTS request nothing (an unauthenticated kiss is no use to an NTS client).
fn serve_ntp(
    socket: &UdpSocket,
    master: &Master,
    state: &ServerState,
    counts: &Counts,
    until: Option<Instant>,
    mut limiter: Option<RateLimiter<1024>>,
) {
    let started = Instant::now();
    let mut random = SystemRandom::new();
    let mut buf = [0u8; MAX_PACKET_LEN];
    let mut out = [0u8; MAX_PACKET_LEN];
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    while until.is_none_or(|u| Instant::now() < u) {
        let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
        let t2 = now();
        let request = &buf[..n];
        let verdict = match limiter.as_mut() {
            Some(l) => l.check(ntpkit::time::Instant::from_duration(started.elapsed()), from.ip()),
            None => Verdict::Answer,
        };
        if verdict != Verdict::Answer {
            counts.limited.fetch_add(1, Ordering::Relaxed);
            // A kiss only for a plain client: an NTS request has NTS fields after the header.
            if verdict == Verdict::Kiss && n == 48 {
                if let Ok(len) = respond_kiss(request, KissCode::Rate, &mut out) {
                    let _ = socket.send_to(&out[..len], from);
                }
            }
            continue;
        }
        let answered = match master.lock() {
            Ok(mut keys) => respond_nts(request, state, t2, now, &mut keys, &mut random, &mut out),
            Err(_) => return,
        };
        let len = match answered {
            Ok(answer @ NtsAnswer::Time { .. }) => {
                counts.nts.fetch_add(1, Ordering::Relaxed);
                answer.len()
            }
            Ok(answer) => {
                counts.nak.fetch_add(1, Ordering::Relaxed);
                answer.len()
            }
            // No NTS fields at all: a plain NTP client.
            Err(NtsServeError::UniqueIdentifier | NtsServeError::NoAuthenticator) => {
                match respond(request, state, t2, now(), &mut out) {
                    Ok(len) => {
                        counts.plain.fetch_add(1, Ordering::Relaxed);
                        len
                    }
                    Err(_) => {
                        counts.dropped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                }
            }
            Err(_) => {
                counts.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
        };
        let _ = socket.send_to(&out[..len], from);
    }
}

fn main() -> ExitCode {
    let o = match parse(Args::from_env()) {
        Ok(o) => o,
        Err(e) => return cli::exit("nts_serve", USAGE, &e),
    };
    let config = match tls_config(&o) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nts_serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ke_addr = SocketAddr::new(o.bind, o.ke_port);
    let ntp_addr = SocketAddr::new(o.bind, o.ntp_port);
    let (listener, socket) = match (TcpListener::bind(ke_addr), UdpSocket::bind(ntp_addr)) {
        (Ok(l), Ok(s)) => (l, s),
        (Err(e), _) => {
            eprintln!("nts_serve: NTS-KE port {ke_addr}: {e}");
            return ExitCode::FAILURE;
        }
        (_, Err(e)) => {
            eprintln!("nts_serve: NTP port {ntp_addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let master: Master = Arc::new(Mutex::new(CookieKeys::new()));
    let mut random = SystemRandom::new();
    rotate(&master, 1, &mut random);
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(o.stratum),
        precision: Precision(-20),
        reference_id: ReferenceId(*b"LOCL"),
        reference_timestamp: now(),
        ..ServerState::default()
    };
    let until = o.seconds.map(|s| Instant::now() + Duration::from_secs(s));
    println!(
        "nts_serve: NTS-KE on {ke_addr} (TLS 1.3, ntske/1), NTP on {ntp_addr}, AEADs {SUPPORTED_AEADS:?}"
    );

    let counts = Arc::new(Counts::default());
    {
        let (master, counts, socket) = (master.clone(), counts.clone(), socket.try_clone());
        let Ok(socket) = socket else { return ExitCode::FAILURE };
        let limiter = o.ratelimit.map(|interval| {
            let mut key = [0u8; 16];
            for chunk in key.chunks_exact_mut(8) {
                chunk.copy_from_slice(&random.next_nonce().to_be_bytes());
            }
            RateLimiter::new(RateLimit { interval, ..RateLimit::default() }, key)
        });
        std::thread::spawn(move || serve_ntp(&socket, &master, &state, &counts, until, limiter));
    }
    {
        // Master key rotation.
        let master = master.clone();
        let every = Duration::from_secs(o.rotate);
        std::thread::spawn(move || {
            let mut random = SystemRandom::new();
            for id in 2u32.. {
                std::thread::sleep(every);
                rotate(&master, id, &mut random);
                println!("nts_serve: master key {id} current");
            }
        });
    }
    {
        let counts = counts.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(60));
                println!("nts_serve: {counts}");
            }
        });
    }
    let _ = listener.set_nonblocking(true);
    let sessions = Arc::new(AtomicUsize::new(0));
    while until.is_none_or(|u| Instant::now() < u) {
        let (mut tcp, peer) = match listener.accept() {
            Ok(x) => x,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        if sessions.load(Ordering::Relaxed) >= MAX_KE_SESSIONS {
            continue; // dropped: the client retries
        }
        let _ = tcp.set_nonblocking(false);
        sessions.fetch_add(1, Ordering::Relaxed);
        let (config, master, sessions) = (config.clone(), master.clone(), sessions.clone());
        let ntp_port = o.ntp_port;
        std::thread::spawn(move || {
            match key_exchange(&mut tcp, config, &master, ntp_port) {
                Ok(what) => println!("nts_serve: NTS-KE {peer}: {what}"),
                Err(e) => println!("nts_serve: NTS-KE {peer}: {e}"),
            }
            sessions.fetch_sub(1, Ordering::Relaxed);
        });
    }
    println!("nts_serve: stopped; {counts}");
    ExitCode::SUCCESS
}

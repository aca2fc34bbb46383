//! Interop with real NTP implementations on loopback (127.0.0.1 and ::1 only), through
//! `../shared/interop/peers.sh`: chronyd as a server and as a strict client (`-Q`),
//! ntpsec's ntpd and ntpdig, and `toy_server.py` forcing every hostile reply field.
//! Nothing here sets or slews a clock.
//!
//! A test whose peer is not installed prints `SKIP` and passes, except under `CI`,
//! where `.ci/run` installs the peers (`peers.sh install`) and a missing one fails.

#![cfg(feature = "std")]

use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ntpkit::exchange::{Reject, SyncResult};
use ntpkit::server::ServerState;
use ntpkit::sntp::{QueryConfig, QueryError, query};
use ntpkit::std_impls::{StdNonces, SystemClock, UdpTransport, serve};
use ntpkit::*;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/interop");

fn available(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool} || test -x /usr/sbin/{tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "CI must have {tool}: run peers.sh install");
        eprintln!("SKIP: {tool} not installed (bash ../shared/interop/peers.sh install)");
    }
    found
}

fn peers(args: &[&str]) -> std::process::Output {
    Command::new("bash").arg(format!("{SHARED}/peers.sh")).args(args).output().expect("run peers.sh")
}

fn ntp_query(
    server: SocketAddr,
    timeout_ms: u64,
    attempts: u8,
) -> Result<SyncResult, QueryError<std::io::Error>> {
    let config =
        QueryConfig { timeout: Duration::from_millis(timeout_ms), attempts, ..QueryConfig::default() };
    let mut transport = UdpTransport::bind_for(server).map_err(QueryError::Transport)?;
    query(&mut SystemClock::new(), &mut transport, &mut StdNonces::new(), server, &config)
}

fn assert_close_to_local(s: &SyncResult, who: &str) {
    // The peer serves this machine's own clock, so T1 <= T2 <= T3 <= T4 and the offset is
    // bounded by half the delay (RFC 5905 §8); the margin covers the low bits a server
    // randomizes below its precision. A fixed bound would fail on a loaded machine.
    let (offset, delay) = (s.offset_nanos(), s.delay_nanos());
    assert!(delay > 0 && delay < 100_000_000, "{who}: delay {delay} ns");
    assert!(offset.abs() <= delay / 2 + 100_000, "{who}: offset {offset} ns, delay {delay} ns");
}

/// Stops a chronyd server when dropped.
struct Chrony(u16);

impl Chrony {
    fn start(port: u16) -> Self {
        let out = peers(&["start", &port.to_string()]);
        assert!(out.status.success(), "chronyd start: {}", String::from_utf8_lossy(&out.stderr));
        Self(port)
    }
}

impl Drop for Chrony {
    fn drop(&mut self) {
        let _ = peers(&["stop", &self.0.to_string()]);
    }
}

#[test]
fn ntpkit_client_against_chronyd_v4_and_v6() {
    if !available("chronyd") {
        return;
    }
    let _chrony = Chrony::start(11141);
    for addr in ["127.0.0.1:11141", "[::1]:11141"] {
        let s = ntp_query(addr.parse().unwrap(), 1000, 3).unwrap_or_else(|e| panic!("{addr}: {e}"));
        assert_close_to_local(&s, addr);
        assert_eq!(s.stratum(), Stratum(8), "{addr}");
        assert_eq!(s.reference_id(), ReferenceId([127, 127, 1, 1]));
        assert_eq!(s.leap(), LeapIndicator::NoWarning);
    }
}

#[test]
fn ntpkit_client_against_ntpsec_ntpd() {
    if !available("ntpdig") {
        return;
    }
    let out = peers(&["ntpd-start"]);
    assert!(out.status.success(), "ntpd start: {}", String::from_utf8_lossy(&out.stderr));
    // ntpd answers kiss code INIT until orphan mode makes it stratum 8 (1-2 s).
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut results = Vec::new();
    for addr in ["127.0.0.1:123", "[::1]:123"] {
        let server: SocketAddr = addr.parse().unwrap();
        let result = loop {
            match ntp_query(server, 500, 1) {
                Err(QueryError::KissOfDeath(KissCode::Init)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(300));
                }
                other => break other,
            }
        };
        results.push((addr, result));
    }
    let _ = peers(&["ntpd-stop"]);
    for (addr, result) in results {
        let s = result.unwrap_or_else(|e| panic!("{addr}: {e}"));
        assert_close_to_local(&s, addr);
        assert_eq!(s.stratum(), Stratum(8));
    }
}

/// Runs the ntpkit server on `addr` in a thread for at most `max` requests.
fn ntpkit_server(addr: &str, max: u64) -> SocketAddr {
    let socket = UdpSocket::bind(addr).unwrap();
    let local = socket.local_addr().unwrap();
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(5),
        precision: Precision(-24),
        reference_id: ReferenceId([192, 0, 2, 7]),
        reference_timestamp: ntpkit::traits::NtpClock::now(&mut SystemClock::new()),
        ..ServerState::default()
    };
    std::thread::spawn(move || serve(&socket, &state, Some(max)));
    local
}

fn chrony_offset(stdout: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(stdout);
    let line =
        text.lines().find_map(|l| l.strip_prefix("offset=")).unwrap_or_else(|| panic!("no offset in {text}"));
    line.trim().parse().unwrap()
}

#[test]
fn chronyd_strict_client_accepts_the_ntpkit_server() {
    if !available("chronyd") {
        return;
    }
    for (bind, host) in [("127.0.0.1:11142", "127.0.0.1"), ("[::1]:11143", "::1")] {
        let port = ntpkit_server(bind, 64).port().to_string();
        let out = peers(&["query", &port, host]);
        assert!(
            out.status.success(),
            "chronyd -Q refused the ntpkit server on {bind}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Same clock on both ends: |offset| <= delay/2 (RFC 5905 §8), plus a margin for
        // the low bits below the server's precision.
        let offset = chrony_offset(&out.stdout);
        let text = String::from_utf8_lossy(&out.stdout);
        let delay: f64 = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("delay="))
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no delay in {text}"));
        assert!(delay < 0.1, "{bind}: chrony measured delay {delay} s");
        assert!(
            offset.abs() <= delay / 2.0 + 100e-6,
            "{bind}: chrony measured offset {offset} s, delay {delay} s"
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("stratum=5"));
    }
}

#[test]
fn ntpdig_reads_the_ntpkit_server() {
    if !available("ntpdig") {
        return;
    }
    let port = ntpkit_server("127.0.0.1:11144", 16).port().to_string();
    let out = peers(&["ntpdig", &port]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "ntpdig: {text}{}", String::from_utf8_lossy(&out.stderr));
    // "2026-11-22 04:30:48.674768 (+0000) -0.000071 +/- 0.000195 127.0.0.1 s5 no-leap"
    // ntpdig is a lax Python client used here as a second parser: its offset must lie
    // within its own stated error bar plus 1 ms (the strict 1 ms check is chronyd's).
    let words: Vec<&str> = text.split_whitespace().collect();
    let offset: f64 = words[3].parse().unwrap();
    let error: f64 = words[5].parse().unwrap();
    assert!(offset.abs() < error + 0.001, "ntpdig offset {offset} ± {error}: {text}");
    assert!(text.contains(" s5 "), "{text}");
}

/// `toy_server.py` with forced fields; killed when dropped.
struct Toy(Child);

impl Toy {
    /// Starts the server and waits for its "toy server on …" line, printed once bound.
    /// (Its later lines, one per request, fit in the pipe buffer: at most 50 requests.)
    fn start(port: u16, args: &[&str]) -> (Self, SocketAddr) {
        use std::io::BufRead;
        let mut child = Command::new("python3")
            .arg(format!("{SHARED}/toy_server.py"))
            .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--lifetime", "20"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start toy_server.py");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("toy server on"), "toy_server.py {args:?} did not start: {line:?}");
        (Self(child), SocketAddr::from(([127, 0, 0, 1], port)))
    }
}

impl Drop for Toy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn toy(port: u16, args: &[&str]) -> Result<SyncResult, QueryError<std::io::Error>> {
    let (_toy, addr) = Toy::start(port, args);
    // One request and a generous window: a rejected reply cannot be a stale one.
    ntp_query(addr, 1500, 1)
}

fn rejected(r: Result<SyncResult, QueryError<std::io::Error>>) -> Reject {
    match r {
        Err(QueryError::Rejected(reject)) => reject,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn toy_server_hostile_replies_give_exact_outcomes() {
    if !available("python3") {
        return;
    }
    let cases: Vec<(&[&str], Reject)> = vec![
        (&["--li", "3"], Reject::Unsynchronized),
        (&["--stratum", "16"], Reject::InvalidStratum(16)),
        (&["--origin", "zero"], Reject::ZeroOrigin),
        (&["--origin", "garbage"], Reject::OriginMismatch),
        (&["--zero-rx"], Reject::ZeroReceive),
        (&["--zero-tx"], Reject::ZeroTransmit),
        (&["--mode", "2"], Reject::WrongMode(Mode::SymmetricPassive)),
        (&["--mode", "5"], Reject::WrongMode(Mode::Broadcast)),
        (&["--vn", "5"], Reject::Parse(ParseError::UnsupportedVersion(5))),
        (&["--length", "47"], Reject::Parse(ParseError::TooShort { len: 47 })),
    ];
    let handles: Vec<_> = cases
        .into_iter()
        .enumerate()
        .map(|(i, (args, want))| {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            std::thread::spawn(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let got = rejected(toy(11150 + i as u16, &args));
                assert_eq!(got, want, "toy_server {args:?}");
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn toy_server_root_delay_of_ten_seconds() {
    if !available("python3") {
        return;
    }
    match rejected(toy(11161, &["--rootdelay", "10"])) {
        Reject::RootDistanceTooLarge { root_distance } => {
            assert!((5_000_000_000..5_100_000_000).contains(&root_distance.to_nanos()), "{root_distance}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn toy_server_kiss_codes() {
    if !available("python3") {
        return;
    }
    for (i, (code, want)) in [("RATE", KissCode::Rate), ("DENY", KissCode::Deny)].into_iter().enumerate() {
        let r = toy(11162 + i as u16, &["--stratum", "0", "--refid", code]);
        assert!(matches!(r, Err(QueryError::KissOfDeath(k)) if k == want), "{code}: {r:?}");
    }
}

#[test]
fn toy_server_offsets_are_measured_within_half_the_delay() {
    if !available("python3") {
        return;
    }
    for (i, (offset, nanos)) in [("0.25", 250_000_000i64), ("-1.5", -1_500_000_000)].into_iter().enumerate() {
        let s = toy(11164 + i as u16, &["--offset", offset]).unwrap_or_else(|e| panic!("{offset}: {e}"));
        assert!(
            (s.offset_nanos() - nanos).abs() <= s.delay_nanos() / 2 + 1_000_000,
            "offset {offset}: measured {}, delay {}",
            s.offset_nanos(),
            s.delay_nanos()
        );
    }
}

#[test]
fn toy_server_that_never_answers_times_out_on_time() {
    if !available("python3") {
        return;
    }
    let (_toy, addr) = Toy::start(11166, &["--drop"]);
    let start = Instant::now();
    let r = ntp_query(addr, 300, 2);
    let took = start.elapsed();
    assert!(matches!(r, Err(QueryError::Timeout)), "{r:?}");
    assert!(took >= Duration::from_millis(600) && took < Duration::from_secs(5), "{took:?}");
}

/// The full client against three chronyd servers and a toy falseticker 1 s ahead, with
/// idle time fast-forwarded (loopback only): chrony's servers are selected, the liar is
/// excluded, and the system offset is within 10 ms.
#[test]
fn client_selects_chrony_and_excludes_a_falseticker() {
    use ntpkit::client::{Client, ClientConfig, Event, PeerConfig, PeerId};
    use ntpkit::std_impls::ClientDriver;
    if !available("chronyd") || !available("python3") {
        return;
    }
    let _chrony: Vec<Chrony> = [11171, 11172, 11173].into_iter().map(Chrony::start).collect();
    let (_liar, liar_addr) =
        Toy::start(11174, &["--offset", "1.0", "--max-requests", "500", "--lifetime", "60"]);
    let mut driver = ClientDriver::new(true).unwrap();
    let mut client: Client<4> = Client::new(ClientConfig::default());
    let config = PeerConfig { min_poll: 4, max_poll: 6, ..PeerConfig::default() };
    let mut ids = Vec::new();
    for addr in ["127.0.0.1:11171", "[::1]:11172", "127.0.0.1:11173"] {
        ids.push(driver.add_server(&mut client, addr.parse().unwrap(), config).unwrap());
    }
    let liar = driver.add_server(&mut client, liar_addr, config).unwrap();
    let mut updates = Vec::new();
    driver
        .run(&mut client, Duration::from_secs(400), |_, e| {
            if let Event::Update(u) = e {
                updates.push(u);
            }
        })
        .unwrap();
    assert!(updates.len() > 10, "{} updates", updates.len());
    assert!(updates.iter().all(|u| !u.selected.contains(&liar)), "falseticker selected");
    let last = updates.last().unwrap();
    let mut selected: Vec<PeerId> = last.selected.iter().copied().collect();
    selected.sort();
    assert_eq!(selected, ids);
    // Well inside the 1 s lie, with room for a loaded machine's loopback delays.
    assert!(last.offset.to_nanos().abs() < 10_000_000, "system offset {}", last.offset);
    let now = driver.now();
    let liar_stats = client.peer_stats(liar, now).unwrap();
    assert!(liar_stats.reach != 0 && !liar_stats.selected);
    let liar_offset = liar_stats.estimate.unwrap().offset.to_nanos();
    assert!((liar_offset - 1_000_000_000).abs() < 10_000_000, "liar measured at {liar_offset} ns");
}

/// A toy server answering RATE (asking for 2^10 s) makes the client back off to at least
/// that poll while it keeps polling the chronyd server normally.
#[test]
fn client_backs_off_from_a_rate_limiting_server() {
    use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
    use ntpkit::std_impls::ClientDriver;
    if !available("chronyd") || !available("python3") {
        return;
    }
    let _chrony = Chrony::start(11175);
    let (_rate, rate_addr) = Toy::start(11176, &["--stratum", "0", "--refid", "RATE", "--poll", "10"]);
    let mut driver = ClientDriver::new(true).unwrap();
    let mut client: Client<2> = Client::new(ClientConfig { min_sources: 1, ..ClientConfig::default() });
    let config = PeerConfig { min_poll: 4, max_poll: 12, ..PeerConfig::default() };
    let good = driver.add_server(&mut client, "127.0.0.1:11175".parse().unwrap(), config).unwrap();
    let limited = driver.add_server(&mut client, rate_addr, config).unwrap();
    let mut kisses = 0;
    driver
        .run(&mut client, Duration::from_secs(1800), |_, e| {
            if let Event::KissOfDeath { server, code: KissCode::Rate } = e {
                assert_eq!(server, limited);
                kisses += 1;
            }
        })
        .unwrap();
    let now = driver.now();
    // RATE sets max(poll + 1, asked): 10 at the first kiss, one more at each later one.
    let poll = client.peer_stats(limited, now).unwrap().poll;
    assert!((10..=12).contains(&poll), "poll 2^{poll}");
    assert!((1..=3).contains(&kisses), "{kisses} RATE kisses in 1800 s at poll 2^10");
    let good_stats = client.peer_stats(good, now).unwrap();
    assert!(good_stats.poll < 10 && good_stats.reach != 0);
}

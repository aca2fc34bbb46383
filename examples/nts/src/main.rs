//! Authenticated time with Network Time Security (RFC 8915): NTS-KE over TLS 1.3, then
//! NTS-protected NTP queries, printing each authenticated result.
//!
//! ```text
//! cargo run -p ntpkit-nts-query --bin nts_query -- [--ca-file FILE] [--ke-port N] [--count N] [--aead ID] HOST
//! ```
//! HOST is the name the server's certificate carries (`time.cloudflare.com`, or
//! `localhost` for a test server with `--ca-file` naming the private CA that signed its
//! certificate). Without `--ca-file` the system's trust store is used. It offers
//! AES-128-GCM-SIV (30), AES-SIV-CMAC-512 (17) and AES-SIV-CMAC-256 (15) in that
//! order, or only `--aead ID`. `--save-session FILE` writes the session's keys and
//! cookies (hex) for `benches/load`'s NTS requests. Output:
//!
//! ```text
//! NTS-KE localhost (127.0.0.1:4460): TLS 1.3, AEAD 15, 8 cookies, NTP server 127.0.0.1:11190
//! 127.0.0.1:11190 authenticated (NTS) stratum 8 offset +0.000012345 s delay 0.000101 s cookies 8
//! ```
//! Exit status 0 only if every query gave an authenticated sample. The example never
//! sets the clock.

#[path = "../../common/cli.rs"]
mod cli;
#[path = "tls.rs"]
mod nts_tls;

use cli::{Args, CliError, any, within};

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ntpkit::exchange::{ClientRequest, Reject, Reply, ValidationConfig};
use ntpkit::nts::{AnyAead, NtsSession, SUPPORTED_AEADS};
use ntpkit::std_impls::StdNonces;
use ntpkit::{MAX_PACKET_LEN, NtpTimestamp};

const USAGE: &str = "[--ca-file FILE] [--ke-port N] [--count N] [--aead 15|17|30] [--save-session FILE] HOST";

struct Options {
    ca_file: Option<PathBuf>,
    ke_port: u16,
    count: u32,
    aead: Option<u16>,
    save: Option<PathBuf>,
    host: String,
}

fn parse(mut args: Args) -> Result<Options, CliError> {
    let (mut ca_file, mut ke_port, mut count, mut host) = (None, 4460u16, 1u32, None::<String>);
    let (mut aead, mut save) = (None, None);
    while let Some(arg) = args.next() {
        let arg = arg?;
        match arg.as_str() {
            "--ca-file" => ca_file = Some(args.value::<PathBuf>("--ca-file", "a file name", any)?),
            "--ke-port" => ke_port = args.value("--ke-port", "a port number", within(1, 65535))?,
            "--count" => count = args.value("--count", "a number of queries", within(1, 1000))?,
            "--save-session" => save = Some(args.value::<PathBuf>("--save-session", "a file name", any)?),
            "--aead" => {
                aead = Some(args.value("--aead", "15, 17 or 30", |id: &u16| {
                    if SUPPORTED_AEADS.contains(id) {
                        Ok(())
                    } else {
                        Err("not an AEAD this build has".into())
                    }
                })?)
            }
            _ if arg.starts_with('-') => return Err(CliError::UnknownOption(arg)),
            _ if host.is_some() => return Err(CliError::Other(format!("one HOST only, not also {arg}"))),
            _ => host = Some(arg),
        }
    }
    let host = host.ok_or_else(|| CliError::Other("no HOST given".into()))?;
    Ok(Options { ca_file, ke_port, count, aead, save, host })
}

fn signed_seconds(nanos: i64) -> String {
    let sign = if nanos < 0 { '-' } else { '+' };
    let abs = nanos.unsigned_abs();
    format!("{sign}{}.{:09}", abs / 1_000_000_000, abs % 1_000_000_000)
}

fn now() -> NtpTimestamp {
    NtpTimestamp::from_system_time(std::time::SystemTime::now()).unwrap_or(NtpTimestamp::ZERO)
}

/// One NTS-protected exchange: the reply is accepted only if it authenticates.
fn query_once(
    session: &mut NtsSession<AnyAead>,
    socket: &UdpSocket,
    server: SocketAddr,
    timeout: Duration,
) -> Result<Reply, String> {
    let mut nonces = StdNonces::new();
    let mut buf = [0u8; MAX_PACKET_LEN];
    let (len, mut pending) =
        ClientRequest::new().build(server, now(), &mut nonces, &mut buf).map_err(|e| e.to_string())?;
    let len = session.protect_request(&mut buf, len, &mut nonces).map_err(|e| e.to_string())?;
    pending.set_t1(now());
    socket.send_to(&buf[..len], server).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    let mut reply = [0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("no authenticated reply before the timeout".into());
        }
        socket.set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
        let Ok((n, from)) = socket.recv_from(&mut reply) else { continue };
        let t4 = now();
        match pending.process_with(from, &reply[..n], t4, &ValidationConfig::default(), session) {
            Ok(reply) => return Ok(reply),
            // Someone else's datagram or a forgery: keep waiting for the real reply.
            Err(Reject::NtsNak) => {
                eprintln!("{from}: NTS NAK (cookie refused); waiting for an authentic reply")
            }
            Err(e) => eprintln!("{from}: ignored: {e}"),
        }
    }
}

fn main() -> ExitCode {
    let Options { ca_file, ke_port, count, aead, save, host } = match parse(Args::from_env()) {
        Ok(options) => options,
        Err(e) => return cli::exit("nts_query", USAGE, &e),
    };
    let Some(ke_addr) = (host.as_str(), ke_port).to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("{host}: does not resolve");
        return ExitCode::FAILURE;
    };
    let timeout = Duration::from_secs(3);
    let only = aead.map(|id| [id]);
    let offered = only.as_ref().map_or(SUPPORTED_AEADS, |one| &one[..]);
    let exchange = match nts_tls::key_exchange(&host, ke_addr, ca_file.as_deref(), offered, timeout) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("NTS-KE with {host} ({ke_addr}) failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut session = match NtsSession::<AnyAead>::from_ke(&exchange.response, &exchange.keys) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("NTS-KE result unusable: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "NTS-KE {host} ({ke_addr}): TLS 1.3, AEAD {}, {} cookies, NTP server {}",
        exchange.response.aead,
        exchange.response.cookies.len(),
        exchange.ntp_addr
    );
    if let Some(path) = save {
        // For benches/load: the keys and cookies of this session, to build NTS requests.
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let keys = &exchange.keys;
        let mut text = format!(
            "ntp {}\naead {}\nc2s {}\ns2c {}\n",
            exchange.ntp_addr,
            keys.aead,
            hex(&keys.c2s[..keys.len]),
            hex(&keys.s2c[..keys.len])
        );
        for cookie in &exchange.response.cookies {
            text.push_str(&format!("cookie {}\n", hex(cookie)));
        }
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("--save-session {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    let bind: SocketAddr = if exchange.ntp_addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }
        .parse()
        .unwrap_or_else(|_| unreachable!());
    let socket = match UdpSocket::bind(bind) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bind: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    for i in 0..count {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(200));
        }
        match query_once(&mut session, &socket, exchange.ntp_addr, timeout) {
            Ok(Reply::Sample(s)) => println!(
                "{} authenticated (NTS) stratum {} offset {} s delay {} s cookies {}",
                exchange.ntp_addr,
                s.stratum().0,
                signed_seconds(s.offset_nanos()),
                signed_seconds(s.delay_nanos()).trim_start_matches('+'),
                session.cookies()
            ),
            Ok(Reply::KissOfDeath { code, .. }) => {
                println!("{} authenticated kiss-o'-death {code}", exchange.ntp_addr);
                ok = false;
            }
            Err(e) => {
                eprintln!("{}: {e}", exchange.ntp_addr);
                ok = false;
            }
        }
    }
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

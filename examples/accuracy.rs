//! How exact the std glue's timestamps are, side by side, against one chronyd server on
//! 127.0.0.1 (started here with `-x`, so it never touches the clock): 100 exchanges
//! each of ntpkit's client with timestamps from the clock read after each call, with
//! kernel timestamps (`SO_TIMESTAMPNS` for T4, `SO_TIMESTAMPING` transmit timestamps
//! for T1), and with kernel timestamps in interleaved mode; then chronyd as a client of
//! the same server (it uses kernel timestamps too), 100 samples from its measurement
//! log. Prints the median delay and the offset's mean and standard deviation.
//!
//! Run: `cargo run --release --example accuracy --features kernel-timestamps`
//! (needs chronyd: `bash ../shared/interop/peers.sh install`). Loopback only.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
use ntpkit::std_impls::StdNonces;
use ntpkit::std_impls::kernel_ts::TimestampedSocket;

const PORT: u16 = 11241;
const EXCHANGES: usize = 100;

struct Chronyd(Child);

impl Drop for Chronyd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chronyd(dir: &Path, config: &str) -> Chronyd {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("temp dir");
    let conf = dir.join("chrony.conf");
    let text = format!(
        "{config}cmdport 0\nbindcmdaddress /\npidfile {0}/chronyd.pid\ndriftfile {0}/drift\nlogdir {0}\n",
        dir.display()
    );
    std::fs::write(&conf, text).expect("write chrony.conf");
    let child = Command::new("chronyd")
        .args(["-x", "-d", "-u", "root", "-f"])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chronyd (bash ../shared/interop/peers.sh install)");
    Chronyd(child)
}

/// (median delay, mean offset, offset standard deviation), in microseconds.
fn stats(samples: &[(f64, f64)]) -> (f64, f64, f64) {
    let mut delays: Vec<f64> = samples.iter().map(|s| s.1).collect();
    delays.sort_by(f64::total_cmp);
    let n = samples.len() as f64;
    let mean = samples.iter().map(|s| s.0).sum::<f64>() / n;
    let var = samples.iter().map(|s| (s.0 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (delays[delays.len() / 2], mean, var.sqrt())
}

/// 100 exchanges of ntpkit's client: (offset, delay) in µs, and how many stamps the
/// kernel took.
fn ntpkit(server: SocketAddr, kernel: bool, interleaved: bool) -> (Vec<(f64, f64)>, usize) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(Duration::from_secs(1))).expect("timeout");
    let mut socket = TimestampedSocket::new(socket, kernel);
    let mut nonces = StdNonces::new();
    let mut builder = ClientRequest::new();
    if interleaved {
        builder = builder.interleaved();
    }
    let (mut samples, mut kernel_stamps) = (Vec::new(), 0);
    // Two more than counted: interleaving starts with the third exchange.
    while samples.len() < EXCHANGES {
        let mut buf = [0u8; 48];
        // T1: the clock read before the send, replaced by the kernel's transmit
        // timestamp when there is one (the clock read after a loopback send is later
        // than the server's receive time: the datagram is delivered inside `send_to`).
        let t1 = ntpkit::traits::NtpClock::now(&mut ntpkit::std_impls::SystemClock::new());
        let (len, mut pending) = builder.build(server, t1, &mut nonces, &mut buf).expect("build");
        let sent = socket.send_to(&buf[..len], server).expect("send");
        if sent.is_kernel() {
            pending.set_t1(sent.time());
        }
        let mut reply = [0u8; 1100];
        let Ok((n, from, t4)) = socket.recv_from(&mut reply) else { continue };
        if let Ok(Reply::Sample(s)) =
            pending.process(from, &reply[..n], t4.time(), &ValidationConfig::default())
        {
            kernel_stamps += usize::from(sent.is_kernel()) + usize::from(t4.is_kernel());
            if s.interleaved() == interleaved {
                samples.push((s.offset_nanos() as f64 / 1e3, s.delay_nanos() as f64 / 1e3));
            }
        }
        builder.follow(&pending);
        std::thread::sleep(Duration::from_millis(10));
    }
    (samples, kernel_stamps)
}

/// chronyd as a client of the same server: (offset, delay) in µs from its measurement
/// log (`minpoll -6`, every 16 ms), the first `EXCHANGES` after its first four.
fn chrony_client(dir: &Path, option: &str) -> Vec<(f64, f64)> {
    let config =
        format!("server 127.0.0.1 port {PORT} minpoll -6 maxpoll -6{option}\nport 0\nlog measurements\n");
    let client = chronyd(dir, &config);
    let log = dir.join("measurements.log");
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        let lines = std::fs::read_to_string(&log).unwrap_or_default();
        if lines.lines().filter(|l| l.contains("127.0.0.1")).count() >= EXCHANGES + 4 {
            break;
        }
    }
    drop(client);
    std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("127.0.0.1"))
        .skip(4)
        .take(EXCHANGES)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // Date Time IP L St 123 567 ABCD LP RP Score Offset PeerDelay ...
            Some((f.get(11)?.parse::<f64>().ok()? * 1e6, f.get(12)?.parse::<f64>().ok()? * 1e6))
        })
        .collect()
}

fn main() {
    let base = std::env::temp_dir().join("ntpkit-accuracy");
    let server_dir: PathBuf = base.join("server");
    let _server = chronyd(
        &server_dir,
        &format!("port {PORT}\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n"),
    );
    std::thread::sleep(Duration::from_millis(500));
    let server: SocketAddr = format!("127.0.0.1:{PORT}").parse().expect("address");

    println!(
        "| client, against chronyd 4.3 on 127.0.0.1 | timestamps | samples | median delay | mean offset | offset std dev |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    let rows = [
        ("ntpkit", "clock (before the send, after the receive)", false, false),
        ("ntpkit", "kernel (`SO_TIMESTAMPNS`, `SO_TIMESTAMPING`)", true, false),
        ("ntpkit, interleaved", "kernel; server's kernel transmit time", true, true),
    ];
    for (name, how, kernel, interleaved) in rows {
        let (samples, kernel_stamps) = ntpkit(server, kernel, interleaved);
        let (delay, mean, sd) = stats(&samples);
        println!("| {name} | {how} | {} | {delay:.1} µs | {mean:+.1} µs | {sd:.1} µs |", samples.len());
        if kernel {
            assert!(kernel_stamps > 0, "the kernel gave no timestamps");
        }
    }
    for (name, option) in [("chronyd 4.3", ""), ("chronyd 4.3, `xleave`", " xleave")] {
        let chrony = chrony_client(&base.join("client"), option);
        if chrony.len() < 10 {
            println!("chronyd as a client logged only {} samples", chrony.len());
            std::process::exit(1);
        }
        let (delay, mean, sd) = stats(&chrony);
        println!(
            "| {name} | kernel (chrony's own) | {} | {delay:.1} µs | {mean:+.1} µs | {sd:.1} µs |",
            chrony.len()
        );
    }
}

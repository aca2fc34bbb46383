//! The examples' command lines, run as a person runs them: `--help` prints the usage
//! and exits 0; a bad value names the argument and why, exits 2 and prints nothing on
//! standard output; `host:99999` is a bad port, not an unresolvable name; a closed port
//! on this machine is refused at once; `serve` on a busy port says so in one line;
//! `decode` reports a request's random transmit field as a nonce.
#![cfg(all(feature = "std", target_os = "linux"))]

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// An example binary, next to this test's own (`target/<profile>/examples/NAME`).
fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join(name);
    path.exists().then_some(path)
}

fn run(name: &str, args: &[&str]) -> Option<Output> {
    let Some(path) = example(name) else {
        // `cargo test` builds the examples before the tests; the coverage run
        // (cargo-llvm-cov, which sets LLVM_PROFILE_FILE) does not, and skips this. In CI's
        // test steps a missing example is a failure.
        let coverage_run = std::env::var_os("LLVM_PROFILE_FILE").is_some();
        assert!(coverage_run || std::env::var_os("CI").is_none(), "example {name} not built");
        eprintln!("SKIP: example {name} not built");
        return None;
    };
    Some(Command::new(path).args(args).output().expect("run the example"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `name args`, expects exit 2 and a first stderr line equal to `first_line`.
fn refused(name: &str, args: &[&str], first_line: &str) {
    let Some(out) = run(name, args) else { return };
    assert_eq!(out.status.code(), Some(2), "{name} {args:?}: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().next(), Some(first_line), "{name} {args:?}");
    assert!(stderr.lines().nth(1).is_some_and(|l| l.starts_with(&format!("usage: {name} "))), "{stderr}");
    assert!(out.stdout.is_empty(), "{name} {args:?} wrote to stdout");
}

#[test]
fn help_prints_usage_and_exits_zero() {
    for name in ["query", "serve", "decode", "ntpq_like", "sync"] {
        for flag in ["--help", "-h"] {
            let Some(out) = run(name, &[flag]) else { return };
            assert_eq!(out.status.code(), Some(0), "{name} {flag}");
            assert!(
                text(&out.stdout).starts_with(&format!("usage: {name} ")),
                "{name}: {}",
                text(&out.stdout)
            );
            assert!(out.stderr.is_empty());
        }
    }
}

#[test]
fn bad_values_name_the_argument_and_the_reason() {
    refused(
        "query",
        &["--timeout-ms", "abc", "x"],
        r#"query: --timeout-ms "abc": not a number of milliseconds"#,
    );
    refused("query", &["--timeout-ms", "0", "x"], r#"query: --timeout-ms "0": must be between 1 and 60000"#);
    refused("query", &["--attempts", "0", "x"], r#"query: --attempts "0": must be between 1 and 100"#);
    refused("query", &["--version", "5", "x"], r#"query: --version "5": an NTP version is 1 to 4"#);
    refused("query", &["--frobnicate", "x"], "query: unknown option --frobnicate");
    refused("query", &["--timeout-ms"], "query: --timeout-ms needs a value");
    refused("query", &[], "query: no server given");
    refused("serve", &["--stratum", "99"], r#"serve: --stratum "99": must be between 1 and 15"#);
    refused(
        "serve",
        &["--listen", "nope"],
        r#"serve: --listen "nope": not an address and port like 127.0.0.1:11124"#,
    );
    refused(
        "serve",
        &["--refid", "GPS", "--stratum", "8"],
        "serve: --refid GPS names a reference clock, which only a stratum-1 server has; \
         with --stratum 8 give the upstream server's IPv4 address",
    );
    refused("ntpq_like", &["--min-poll", "3", "x"], r#"ntpq_like: --min-poll "3": must be between 4 and 17"#);
    refused("decode", &["--verbose"], "decode: unknown option --verbose");
    refused("sync", &["--min-poll", "18", "x"], r#"sync: --min-poll "18": must be between 4 and 17"#);
    refused("sync", &["--seconds", "0", "x"], r#"sync: --seconds "0": must be between 1 and 31536000"#);
    refused("sync", &[], "sync: no server given");
}

/// `sync`'s drift file is checked before anything is sent: garbage, or a frequency
/// beyond ±500 ppm, is refused by name (exit 2). (`--apply` is never run by a test: it
/// would steer this machine's clock.)
#[test]
fn sync_refuses_a_bad_drift_file() {
    let dir = std::env::temp_dir().join(format!("ntpkit-sync-drift-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (content, why) in [
        ("twelve\n", "not \"ppb uncertainty_ppb\""),
        ("600000 5\n", "saved frequency 600000 ppb beyond ±500000 ppb (RFC 5905 MAXFREQ)"),
        ("-1000 0\n", "saved uncertainty 0 ppb not within 1..=100000 ppb"),
    ] {
        let path = dir.join("drift");
        std::fs::write(&path, content).unwrap();
        let path = path.to_str().unwrap();
        let Some(out) = run("sync", &["--drift-file", path, "127.0.0.1:9"]) else { return };
        assert_eq!(out.status.code(), Some(2), "{content:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stderr).trim_end(), format!("sync: {path}: {why}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn addresses_ports_and_refusals_are_told_apart() {
    // A port nobody listens on: bind one, learn it, free it.
    let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let closed = format!("127.0.0.1:{port}");
    let start = Instant::now();
    let Some(out) = run("query", &["--json", "--timeout-ms", "3000", "localhost:99999", &closed]) else {
        return;
    };
    let elapsed = start.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(
        lines[0],
        r#"{"server":"localhost:99999","ok":false,"error":"localhost:99999: bad port \"99999\" (a port is 1 to 65535)","kind":"BadAddress"}"#
    );
    assert_eq!(
        lines[1],
        format!(
            r#"{{"server":"{closed}","ok":false,"error":"connection refused: no NTP server on that port","kind":"Refused"}}"#
        )
    );
    // Refused at once, not after the 3 s timeout.
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn serve_on_a_busy_port_says_so_in_one_line() {
    let busy = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let Some(out) = run("serve", &["--listen", &addr, "--max-requests", "1"]) else { return };
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), format!("serve: cannot listen on {addr}: the port is already in use\n"));
}

#[test]
fn decode_calls_a_request_nonce_a_nonce() {
    // A data-minimized request chronyd sent: the transmit field is random.
    let request =
        "230000200000000000000000000000000000000000000000000000000000000000000000000000003c5d45088d884dff";
    let Some(out) = run("decode", &[request]) else { return };
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("transmit time    3c5d4508.8d884dff  (a random nonce, not a time: the client does not reveal its clock)"),
        "{stdout}"
    );
    assert!(!stdout.contains("2068"), "{stdout}");
    // With no argument, the built-in chrony reply.
    let Some(out) = run("decode", &[]) else { return };
    assert!(text(&out.stdout).contains("transmit time    eeace73b.35c28872  2026-11-22T03:59:55.209999587Z"));
}

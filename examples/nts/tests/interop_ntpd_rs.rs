//! ntpd-rs 1.9 (the Rust NTP daemon, crate `ntpd`) against ntpkit, both ways, on
//! 127.0.0.1 only: ntpd-rs as an NTP and NTS server for ntpkit's client (AEADs 17 and
//! 15; it does not offer 30), and as an NTP and NTS client of ntpkit's server
//! (`nts_serve`, which also answers plain NTP).
//!
//! ntpd-rs never touches this machine's clock: it runs without CAP_SYS_TIME in its
//! bounding set (`setpriv`), with `minimum-agreeing-sources` above its number of
//! sources (so it never steers), and with `common/noclock.c` preloaded, which turns
//! every clock adjustment it asks for into a read (`modes = 0`) and refuses
//! `clock_settime`: as a client it insists on taking control of the clock at start,
//! and would exit without that. Its configuration is written here.
//!
//! Without `ntp-daemon` (on the PATH or in ~/.cargo/bin), setpriv, a C compiler or
//! openssl the test prints `SKIP` and passes, except under `CI`, which installs them.

#[path = "common/certs.rs"]
mod certs;
#[path = "../../../tests/common/chronyd.rs"]
mod chronyd;
#[path = "common/serve_log.rs"]
mod serve_log;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `name` on the PATH or in ~/.cargo/bin.
fn find(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Everything the test needs, or `None` (SKIP; a failure under CI).
fn tools() -> Option<(PathBuf, PathBuf)> {
    let missing: Vec<&str> =
        ["ntp-daemon", "ntp-ctl", "setpriv", "cc"].into_iter().filter(|t| find(t).is_none()).collect();
    if !missing.is_empty() {
        assert!(std::env::var_os("CI").is_none(), "CI must have {missing:?}");
        eprintln!("SKIP: {missing:?} not installed");
        return None;
    }
    if !certs::have_openssl() {
        return None;
    }
    Some((find("ntp-daemon")?, find("ntp-ctl")?))
}

/// The clock-control shim, compiled into `dir`.
fn shim(dir: &Path) -> PathBuf {
    let so = dir.join("noclock.so");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/noclock.c");
    let out = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(&so)
        .arg(&src)
        .arg("-ldl")
        .output()
        .unwrap();
    assert!(out.status.success(), "cc: {}", String::from_utf8_lossy(&out.stderr));
    so
}

/// ntp-daemon with `config`, no CAP_SYS_TIME, the shim preloaded; killed when dropped.
struct Daemon(Child, PathBuf);

impl Daemon {
    fn start(binary: &Path, dir: &Path, name: &str, config: &str) -> Self {
        let conf = dir.join(format!("{name}.toml"));
        std::fs::write(&conf, config).unwrap();
        let child = Command::new("setpriv")
            .args(["--bounding-set", "-sys_time", "--"])
            .arg(binary)
            .arg("-c")
            .arg(&conf)
            .env("LD_PRELOAD", shim(dir))
            .stdout(Stdio::from(std::fs::File::create(dir.join(format!("{name}.log"))).unwrap()))
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ntp-daemon");
        Self(child, conf)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nts_query(dir: &Path, ke_port: u16, aead: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nts_query"));
    cmd.args(["--ca-file", &dir.join("ca.pem").display().to_string()]);
    cmd.args(["--ke-port", &ke_port.to_string(), "--count", "3"]);
    if let Some(a) = aead {
        cmd.args(["--aead", a]);
    }
    let out = cmd.arg("localhost").output().unwrap();
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

#[test]
fn ntpd_rs_serves_ntp_and_nts_to_ntpkits_client() {
    let Some((daemon, _)) = tools() else { return };
    let dir = chronyd::fresh_dir("ntpkit-ntpd-rs-server");
    certs::make_certificates(&dir);
    let config = format!(
        "[observability]\nlog-level = \"info\"\n\n[[server]]\nlisten = \"127.0.0.1:11281\"\n\n\
         [synchronization]\nlocal-stratum = 1\nminimum-agreeing-sources = 3\n\n\
         [[nts-ke-server]]\nlisten = \"127.0.0.1:11282\"\ncertificate-chain-path = \"{}\"\n\
         private-key-path = \"{}\"\nntp-port = 11281\n",
        dir.join("server.pem").display(),
        dir.join("server.key").display()
    );
    let _server = Daemon::start(&daemon, &dir, "server", &config);
    std::thread::sleep(Duration::from_millis(800));

    // Plain NTP.
    let sample = ntpkit::std_impls::query("127.0.0.1:11281").expect("ntpd-rs answers plain NTP");
    assert_eq!(sample.stratum().0, 1);
    assert!(sample.offset_nanos().abs() < 1_000_000, "{sample:?}");

    // NTS: AEAD 17 (ntpd-rs's choice among those offered), 17 alone, 15 alone.
    for (aead, want) in [(None, "17"), (Some("17"), "17"), (Some("15"), "15")] {
        let (ok, out) = nts_query(&dir, 11282, aead);
        println!("{out}");
        assert!(ok, "{out}");
        assert!(
            out.contains(&format!("TLS 1.3, AEAD {want}, 8 cookies, NTP server 127.0.0.1:11281")),
            "{out}"
        );
        assert_eq!(out.matches("authenticated (NTS) stratum 1").count(), 3, "{out}");
    }
    // AES-128-GCM-SIV alone: ntpd-rs 1.9 does not do it and says so with an empty record.
    let (ok, out) = nts_query(&dir, 11282, Some("30"));
    assert!(!ok && out.contains("supports none of the AEAD algorithms offered"), "{out}");
}

#[test]
fn ntpd_rs_is_an_ntp_and_nts_client_of_ntpkits_server() {
    let Some((daemon, ctl)) = tools() else { return };
    let dir = chronyd::fresh_dir("ntpkit-ntpd-rs-client");
    certs::make_certificates(&dir);
    let mut server = Command::new(env!("CARGO_BIN_EXE_nts_serve"))
        .args(["--cert", &dir.join("server.pem").display().to_string()])
        .args(["--key", &dir.join("server.key").display().to_string()])
        .args(["--ke-port", "11283", "--ntp-port", "11284", "--seconds", "12"])
        .stdout(Stdio::from(std::fs::File::create(dir.join("serve.log")).unwrap()))
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let config = format!(
        "[observability]\nlog-level = \"info\"\nobservation-path = \"{}\"\n\n\
         [source-defaults]\npoll-interval-limits = {{ min = 0, max = 0 }}\ninitial-poll-interval = 0\n\n\
         [[source]]\nmode = \"nts\"\naddress = \"localhost:11283\"\ncertificate-authority = \"{}\"\n\n\
         [[source]]\nmode = \"server\"\naddress = \"127.0.0.1:11284\"\n\n\
         [synchronization]\nminimum-agreeing-sources = 3\n",
        dir.join("observe").display(),
        dir.join("ca.pem").display()
    );
    let client = Daemon::start(&daemon, &dir, "client", &config);
    std::thread::sleep(Duration::from_secs(8));
    let status = Command::new(&ctl).arg("status").arg("-c").arg(&client.1).output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    drop(client);
    let _ = server.wait();
    let served = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    let log = std::fs::read_to_string(dir.join("client.log")).unwrap_or_default();
    println!("{status}\n{served}\n{log}");
    assert!(log.contains("will not change system time"), "{log}");
    // Both sources measured: an offset within a millisecond, no missing polls; the NTS
    // one with a full jar.
    let section = |name: &str| status.split("\n\n").find(|s| s.contains(name)).unwrap_or_default().to_owned();
    let nts = section("[NTS]");
    let plain = section("127.0.0.1:11284 127.0.0.1:11284");
    for s in [&nts, &plain] {
        let offset: f64 = s
            .lines()
            .find_map(|l| l.trim().strip_prefix("Offset:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no offset in {s:?}"));
        assert!(offset.abs() < 0.001, "{s}");
    }
    assert!(nts.contains("127.0.0.1:11284") && nts.contains("NTS cookies:\t\t8/8 available"), "{nts}");
    assert!(served.contains("AEAD 17, 8 cookies"), "{served}");
    let count = |label| serve_log::count(&served, label);
    assert!(count("NTS replies ") >= 4 && count("plain replies ") >= 4, "{served}");
    assert_eq!(count("NAKs "), 0, "{served}");
}

//! ntpsec's ntpd (1.2, Debian's, unpacked by `../shared/interop/peers.sh install`) on
//! 127.0.0.1, both ways, one after the other (ntpsec always binds port 123):
//!
//! - as an NTS server for ntpkit's client: NTS-KE on its port 4460, NTP on 123. AEADs 17
//!   (ntpsec's choice among those offered) and 15 give authenticated samples; offered
//!   AES-128-GCM-SIV alone, ntpsec answers with an algorithm that was not offered, which
//!   ntpkit refuses by name;
//! - as an NTS client of `nts_serve` (NTS-KE on 11291, NTP on 11292 told through the
//!   Port record): its peerstats must show authenticated samples.
//!
//! ntpd runs with `disable kernel` and `disable ntp` and without CAP_SYS_TIME (as
//! peers.sh runs it): it cannot touch this machine's clock.
//!
//! Without the unpacked ntpd or openssl the test prints `SKIP` and passes, except under
//! `CI`, which installs both.

#[path = "common/certs.rs"]
mod certs;
#[path = "../../../tests/common/chronyd.rs"]
mod chronyd;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn ntpd() -> Option<PathBuf> {
    let peers = std::env::var_os("PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("ntpkit-peers"));
    let ntpd = peers.join("ntpsec-root/usr/sbin/ntpd");
    if ntpd.is_file() {
        return Some(ntpd);
    }
    assert!(std::env::var_os("CI").is_none(), "CI must have ntpsec unpacked at {}", ntpd.display());
    eprintln!("SKIP: ntpsec's ntpd not unpacked (bash ../shared/interop/peers.sh install)");
    None
}

struct Ntpd(Child);

impl Drop for Ntpd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nts_query(dir: &Path, aead: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nts_query"));
    cmd.args(["--ca-file", &dir.join("ca.pem").display().to_string(), "--ke-port", "4460", "--count", "3"]);
    if let Some(a) = aead {
        cmd.args(["--aead", a]);
    }
    let out = cmd.arg("localhost").output().unwrap();
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

fn start(ntpd: &Path, dir: &Path, conf: &Path) -> Ntpd {
    Ntpd(
        Command::new("setpriv")
            .args(["--bounding-set", "-sys_time", "--inh-caps", "-sys_time", "--"])
            .arg(ntpd)
            .arg("-n")
            .arg("-c")
            .arg(conf)
            .arg("-p")
            .arg(dir.join("ntpd.pid"))
            .arg("-l")
            .arg(dir.join("ntpd.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ntpsec ntpd"),
    )
}

#[test]
fn ntpsec_both_ways() {
    let Some(ntpd) = ntpd() else { return };
    if !certs::have_openssl() {
        return;
    }
    ntpsec_serves_nts_to_ntpkits_client(&ntpd);
    ntpsec_is_an_nts_client_of_ntpkits_server(&ntpd);
}

fn ntpsec_serves_nts_to_ntpkits_client(ntpd: &Path) {
    let dir = chronyd::fresh_dir("ntpkit-ntpsec-nts");
    certs::make_certificates(&dir);
    let conf = dir.join("ntp.conf");
    std::fs::write(
        &conf,
        format!(
            "interface ignore all\ninterface ignore wildcard\ninterface listen 127.0.0.1\n\
             tos orphan 8 orphanwait 0\ndisable kernel\ndisable ntp\n\
             restrict default kod limited nomodify noquery\nrestrict 127.0.0.1\n\
             nts enable\nnts cert {}\nnts key {}\nnts cookie {}\n",
            dir.join("server.pem").display(),
            dir.join("server.key").display(),
            dir.join("cookies").display()
        ),
    )
    .unwrap();
    let _ntpd = start(ntpd, &dir, &conf);
    // NTS-KE comes up at once; NTP answers INIT until orphan mode makes it stratum 8.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::new();
    while Instant::now() < deadline {
        let (ok, out) = nts_query(&dir, None);
        last = out;
        if ok {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let log = std::fs::read_to_string(dir.join("ntpd.log")).unwrap_or_default();
    println!("{last}\n{log}");
    assert!(last.contains("TLS 1.3, AEAD 17, 8 cookies, NTP server 127.0.0.1:123"), "{last}");
    assert_eq!(last.matches("authenticated (NTS) stratum 8").count(), 3, "{last}");
    let (ok, out) = nts_query(&dir, Some("15"));
    assert!(ok && out.contains("AEAD 15, 8 cookies"), "{out}");
    assert_eq!(out.matches("authenticated (NTS) stratum 8").count(), 3, "{out}");
    let (ok, out) = nts_query(&dir, Some("30"));
    assert!(!ok && out.contains("the server chose no AEAD algorithm the client offered"), "{out}");
}

fn ntpsec_is_an_nts_client_of_ntpkits_server(ntpd: &Path) {
    let dir = chronyd::fresh_dir("ntpkit-ntpsec-nts-client");
    certs::make_certificates(&dir);
    let mut server = Command::new(env!("CARGO_BIN_EXE_nts_serve"))
        .args(["--cert", &dir.join("server.pem").display().to_string()])
        .args(["--key", &dir.join("server.key").display().to_string()])
        .args(["--ke-port", "11291", "--ntp-port", "11292", "--seconds", "14"])
        .stdout(Stdio::from(std::fs::File::create(dir.join("serve.log")).unwrap()))
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let conf = dir.join("ntp.conf");
    std::fs::write(
        &conf,
        format!(
            "interface ignore all\ninterface ignore wildcard\ninterface listen 127.0.0.1\n\
             disable kernel\ndisable ntp\nrestrict default kod limited nomodify noquery\nrestrict 127.0.0.1\n\
             server localhost:11291 nts ca {} minpoll 0 maxpoll 0 iburst\n\
             statsdir {}/\nstatistics peerstats\nfilegen peerstats file peerstats type none enable\n",
            dir.join("ca.pem").display(),
            dir.display()
        ),
    )
    .unwrap();
    let ntpd = start(ntpd, &dir, &conf);
    let _ = server.wait();
    drop(ntpd);
    let served = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    let log = std::fs::read_to_string(dir.join("ntpd.log")).unwrap_or_default();
    let stats = std::fs::read_to_string(dir.join("peerstats")).unwrap_or_default();
    println!("{served}\n{log}\n{stats}");
    assert!(log.contains("NTSc: Got 8 cookies"), "{log}");
    assert!(served.contains("8 cookies"), "{served}");
    // peerstats: MJD, seconds, source, status word, offset, delay, dispersion, jitter.
    // Status 0xf...: configured, authentication enabled, authentic, reachable.
    let authentic: Vec<f64> = stats
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() >= 5 && f[2] == "127.0.0.1" && f[3].starts_with('f'))
        .filter_map(|f| f[4].parse().ok())
        .collect();
    assert!(authentic.len() >= 4, "{stats}");
    assert!(authentic.iter().all(|o: &f64| o.abs() < 0.005), "{stats}");
    let counts = served.lines().rev().find(|l| l.contains("stopped;")).unwrap_or_default().to_owned();
    assert!(counts.contains("NAKs 0") && !counts.contains("NTS replies 0,"), "{counts}");
}

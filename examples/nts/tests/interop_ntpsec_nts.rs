//! ntpsec's ntpd (1.2, Debian's, unpacked by `../shared/interop/peers.sh install`) as an
//! NTS server for ntpkit's client, on 127.0.0.1: NTS-KE on its port 4460, NTP on 123
//! (both fixed in ntpsec). AEADs 17 (ntpsec's choice among those offered) and 15 give
//! authenticated samples; offered AES-128-GCM-SIV alone, ntpsec answers with an
//! algorithm that was not offered, which ntpkit refuses by name. ntpd runs in orphan
//! mode, `disable kernel` and `disable ntp`, without CAP_SYS_TIME (as peers.sh runs it):
//! it cannot touch this machine's clock.
//!
//! Without the unpacked ntpd or openssl the test prints `SKIP` and passes, except under
//! `CI`, which installs both.

#[path = "common/certs.rs"]
mod certs;
#[path = "../../../tests/common/chronyd.rs"]
#[allow(dead_code)]
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

#[test]
fn ntpsec_serves_nts_to_ntpkits_client() {
    let Some(ntpd) = ntpd() else { return };
    if !certs::have_openssl() {
        return;
    }
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
    let _ntpd = Ntpd(
        Command::new("setpriv")
            .args(["--bounding-set", "-sys_time", "--inh-caps", "-sys_time", "--"])
            .arg(&ntpd)
            .arg("-n")
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(dir.join("ntpd.pid"))
            .arg("-l")
            .arg(dir.join("ntpd.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ntpsec ntpd"),
    );
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

//! A private CA and a `localhost` certificate signed by it, made with openssl, for the
//! NTS interop tests (rustls refuses a self-signed end-entity certificate).
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Whether openssl is installed (required under `CI`, which installs it).
pub fn have_openssl() -> bool {
    let found = ["/usr/bin/openssl", "/usr/local/bin/openssl"].iter().any(|p| Path::new(p).exists());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "CI must have openssl");
        eprintln!("SKIP: openssl not installed");
    }
    found
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").current_dir(dir).args(args).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A private CA and a `localhost` server certificate signed by it.
pub fn make_certificates(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ntpkit test CA"]);
    openssl(dir, &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
}

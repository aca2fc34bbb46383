//! chronyd on loopback for the interop tests: find the binary (required under `CI`),
//! and run a server from a few config lines, stopped when dropped. chronyd always runs
//! with `-x` (never touches the clock). Include with
//! `#[path = "common/chronyd.rs"] mod chronyd;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The chronyd binary, or `None` after printing `SKIP` (never under `CI`, which
/// installs it with `peers.sh install`).
pub fn binary() -> Option<&'static str> {
    let found = ["/usr/sbin/chronyd", "/usr/bin/chronyd"].into_iter().find(|p| Path::new(p).exists());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must have chronyd: run peers.sh install");
        eprintln!("SKIP: chronyd not installed (bash ../shared/interop/peers.sh install)");
    }
    found
}

/// A fresh, empty directory for one test's chronyd (keys, certificates, logs).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A chronyd server, stopped when dropped.
pub struct Server {
    child: Child,
    dir: PathBuf,
}

impl Server {
    /// Starts chronyd in the foreground with `config` (the server directives) plus no
    /// command port, and its pid and drift files and log in `dir`. `-u root`: no
    /// privilege drop, so the files in `dir` need no chown.
    pub fn start(binary: &str, dir: &Path, config: &str) -> Self {
        let conf = dir.join("chrony.conf");
        std::fs::write(
            &conf,
            format!(
                "{config}cmdport 0\nbindcmdaddress /\npidfile {}\ndriftfile {}\n",
                dir.join("chronyd.pid").display(),
                dir.join("chrony.drift").display()
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .args(["-x", "-d", "-u", "root", "-f"])
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.join("chronyd.log")).unwrap()))
            .spawn()
            .expect("start chronyd");
        Self { child, dir: dir.to_path_buf() }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("chronyd.log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

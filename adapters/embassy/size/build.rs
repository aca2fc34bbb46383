//! Puts a memory map on the linker search path for cortex-m-rt.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    let memory = "MEMORY { FLASH : ORIGIN = 0x08000000, LENGTH = 512K\n         RAM : ORIGIN = 0x20000000, LENGTH = 128K }\n";
    if let Err(e) = fs::write(out.join("memory.x"), memory) {
        panic!("cannot write memory.x: {e}");
    }
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=build.rs");
}

//! For the `qemu` binary only: the memory map of QEMU's mps2-an386 board (Cortex-M4,
//! 4 MiB of code RAM at 0, 4 MiB of data RAM at 0x2000_0000) and cortex-m-rt's linker
//! script. The `firmware` binary and the host tests are linked as before.
use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var_os("CARGO_FEATURE_QEMU").is_none() {
        return;
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    let memory = "MEMORY\n{\n  FLASH : ORIGIN = 0x00000000, LENGTH = 4M\n  RAM : ORIGIN = 0x20000000, LENGTH = 4M\n}\n";
    if let Err(e) = fs::write(out.join("memory.x"), memory) {
        panic!("cannot write memory.x: {e}");
    }
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bin=qemu=-Tlink.x");
}

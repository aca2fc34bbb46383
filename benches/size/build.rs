//! Puts the memory map of the target's runtime crate on the linker search path.
use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    let riscv = env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a == "riscv32");
    // cortex-m-rt wants FLASH and RAM; riscv-rt also wants its region aliases.
    let memory = if riscv {
        "MEMORY { FLASH : ORIGIN = 0x20000000, LENGTH = 512K\n         RAM : ORIGIN = 0x80000000, LENGTH = 64K }\n\
         REGION_ALIAS(\"REGION_TEXT\", FLASH);\nREGION_ALIAS(\"REGION_RODATA\", FLASH);\n\
         REGION_ALIAS(\"REGION_DATA\", RAM);\nREGION_ALIAS(\"REGION_BSS\", RAM);\n\
         REGION_ALIAS(\"REGION_HEAP\", RAM);\nREGION_ALIAS(\"REGION_STACK\", RAM);\n"
    } else {
        "MEMORY { FLASH : ORIGIN = 0x08000000, LENGTH = 512K\n         RAM : ORIGIN = 0x20000000, LENGTH = 128K }\n"
    };
    if let Err(e) = fs::write(out.join("memory.x"), memory) {
        panic!("cannot write memory.x: {e}");
    }
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=build.rs");
}

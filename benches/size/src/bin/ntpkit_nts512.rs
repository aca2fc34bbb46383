//! `ntpkit_nts` with AEAD_AES_SIV_CMAC_512 (17) instead: AES-256 in SIV mode.
#![no_std]
#![no_main]

#[path = "../nts_loop.rs"]
mod nts_loop;

use ntpkit::nts::AesSivCmac512;
use ntpkit_size::*;

fn run() -> ! {
    nts_loop::run_with(AesSivCmac512::from_key, 64)
}

entry!(run);

//! `ntpkit_min` with Network Time Security (RFC 8915), AEAD_AES_SIV_CMAC_256 (15): the
//! difference to `ntpkit_min` is the cost of NTS on the NTP side: AES-SIV, the NTS
//! fields and the jar (`src/nts_loop.rs`).
#![no_std]
#![no_main]

#[path = "../nts_loop.rs"]
mod nts_loop;

use ntpkit::nts::AesSivCmac256;
use ntpkit_size::*;

fn run() -> ! {
    nts_loop::run_with(AesSivCmac256::from_key, 32)
}

entry!(run);

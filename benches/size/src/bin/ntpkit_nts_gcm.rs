//! `ntpkit_nts` with AEAD_AES_128_GCM_SIV (30, RFC 8452) instead.
#![no_std]
#![no_main]

#[path = "../nts_loop.rs"]
mod nts_loop;

use ntpkit::nts::AesGcmSiv128;
use ntpkit_size::*;

fn run() -> ! {
    nts_loop::run_with(AesGcmSiv128::from_key, 16)
}

entry!(run);

//! Not a size measurement: carries `CLIENT4_RAM`, a static whose symbol size is
//! `size_of::<Client<4>>()` on the target, for `size.sh` to read with `nm`.
#![no_std]
#![no_main]

use ntpkit::client::Client;
use ntpkit_size::*;

/// As many bytes as one `Client<4>` occupies on this target.
#[used]
#[unsafe(no_mangle)]
static CLIENT4_RAM: [u8; core::mem::size_of::<Client<4>>()] = [0; core::mem::size_of::<Client<4>>()];

fn run() -> ! {
    loop {
        publish(0, CLIENT4_RAM.len() as u64);
    }
}

entry!(run);

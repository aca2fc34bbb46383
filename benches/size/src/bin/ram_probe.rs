//! Not a size measurement: carries `CLIENT4_RAM` and `NTS_SESSION_RAM`, statics whose
//! symbol sizes are `size_of::<Client<4>>()` and `size_of::<NtsSession<AesSivCmac256>>()`
//! (the 8-cookie jar and the two keys) on the target, for `size.sh` to read with `nm`.
#![no_std]
#![no_main]

use ntpkit::client::Client;
use ntpkit::nts::{AesSivCmac256, NtsSession};
use ntpkit_size::*;

/// As many bytes as one `Client<4>` occupies on this target.
#[used]
#[unsafe(no_mangle)]
static CLIENT4_RAM: [u8; core::mem::size_of::<Client<4>>()] = [0; core::mem::size_of::<Client<4>>()];

/// As many bytes as one NTS session with an 8-cookie jar occupies on this target.
#[used]
#[unsafe(no_mangle)]
static NTS_SESSION_RAM: [u8; core::mem::size_of::<NtsSession<AesSivCmac256>>()] =
    [0; core::mem::size_of::<NtsSession<AesSivCmac256>>()];

fn run() -> ! {
    loop {
        publish(0, CLIENT4_RAM.len() as u64);
        publish(1, NTS_SESSION_RAM.len() as u64);
    }
}

entry!(run);

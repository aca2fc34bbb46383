//! Links the event loop into a bare-metal image for `thumbv7em-none-eabihf` (no
//! runtime crate: `_start` is the entry; the result is kept alive for a debugger).
#![no_std]
#![no_main]

use core::panic::PanicInfo;

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Reset entry.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let outcome = ntpkit_firmware_example::run(600, -3_000_000_000);
    core::hint::black_box(outcome);
    // A real board would sleep (WFI) here.
    loop {
        core::hint::spin_loop();
    }
}

//! The firmware example on an emulated Cortex-M4 (QEMU `mps2-an386`), printing through
//! semihosting: one client exchange against a canned server, then the full `Client<3>`
//! event loop for 600 simulated seconds with an RTC that starts 3 s slow, then two hours
//! of keeping time with no RTC at all: a software clock over a 1 MHz timer whose
//! crystal is 40 ppm fast, disciplined from the client's events. Exits QEMU with status
//! 0 when every result is right, 1 otherwise.
//!
//! ```sh
//! cargo build --release --features qemu --bin qemu --target thumbv7em-none-eabihf
//! qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
//!     -semihosting-config enable=on,target=native \
//!     -kernel target/thumbv7em-none-eabihf/release/qemu
//! ```
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use ntpkit_firmware_example::{keep_time, run, single_exchange};

#[entry]
fn main() -> ! {
    hprintln!("ntpkit on Cortex-M4 (QEMU mps2-an386), no heap, no floats");
    let exchange = single_exchange(1_234_567_000);
    match exchange {
        Ok((offset, delay)) => {
            hprintln!("exchange: offset {} ns, delay {} ns (truth: 1234567000, 24000000)", offset, delay)
        }
        Err(e) => hprintln!("exchange: rejected: {}", e),
    }
    let out = run(600, -3_000_000_000);
    hprintln!(
        "client: 3 servers, 600 s, RTC 3 s slow: {} updates, {} step(s), final offset {} ns",
        out.updates,
        out.steps,
        out.offset_ns
    );
    let kept = keep_time(7_200, 40);
    hprintln!(
        "discipline: SoftClock on a 40 ppm crystal, 2 h: frequency {} ppb, offset {} ns, {} corrections, {} step(s)",
        kept.frequency_ppb,
        kept.offset_ns,
        kept.corrections,
        kept.steps
    );
    let good = matches!(exchange, Ok((o, d)) if (o - 1_234_567_000).abs() <= 1 && (d - 24_000_000).abs() <= 1)
        && out.steps == 1
        && out.offset_ns.abs() < 1_000
        && (kept.frequency_ppb + 39_998).abs() <= 20
        && kept.offset_ns.abs() < 100_000
        && kept.steps == 0;
    hprintln!("{}", if good { "result: ok" } else { "result: WRONG" });
    debug::exit(if good { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("panic: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        core::hint::spin_loop();
    }
}

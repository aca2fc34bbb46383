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

/// Calls every stack probe once, through `black_box`, so each stays a separate function
/// in the image for `-Z emit-stack-sizes`.
fn keep_stack_probes() {
    use core::hint::black_box;
    use ntpkit::client::{Client, ClientConfig, ClientRequest, Instant, ValidationConfig};
    use ntpkit::server::ServerState;
    use ntpkit::{NtpTimestamp, Stratum};
    use ntpkit_firmware_example::stack_probes::*;

    let addr = black_box(core::net::SocketAddr::from(([192, 0, 2, 1], 123)));
    let t = black_box(NtpTimestamp::from_parts(0xeeac_e73b, 0));
    let mut buf = [0u8; 48];
    let mut out = [0u8; 48];
    let _ = black_box(probe_parse(black_box(&buf)));
    let mut builder = ClientRequest::new();
    if let Ok((_, mut pending)) = probe_build(&mut builder, addr, t, black_box(7), &mut buf) {
        let state = ServerState { stratum: Stratum(1), ..ServerState::default() };
        let _ = black_box(probe_respond(&buf, &state, t, &mut out));
        let _ = black_box(probe_process(&mut pending, addr, &out, t, &ValidationConfig::default()));
    }
    let mut client: Client<3> = Client::new(ClientConfig::default());
    let now = black_box(Instant::from_nanos(0));
    probe_handle_timeout(&mut client, now);
    let _ = black_box(probe_poll_transmit(&mut client, now, t, black_box(9), &mut buf));
    let _ = black_box(probe_handle_response(&mut client, now, addr, &out, t));
    let _ = black_box(probe_poll_event(&mut client));
}

/// Reset entry.
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let outcome = ntpkit_firmware_example::run(600, -3_000_000_000);
    core::hint::black_box(outcome);
    keep_stack_probes();
    // A real board would sleep (WFI) here.
    loop {
        core::hint::spin_loop();
    }
}

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
    use ntpkit::client::{Client, ClientConfig};
    use ntpkit::exchange::{ClientRequest, ValidationConfig};
    use ntpkit::server::ServerState;
    use ntpkit::time::Instant;
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

    // Keeping time: the discipline and the software clock.
    let mut discipline = ntpkit::discipline::Discipline::new();
    if let Ok(mut soft) = ntpkit::clock::SoftClock::new(Timer(black_box(5)), 1_000_000, 32, t) {
        let _ = black_box(probe_soft_clock_now(&mut soft));
        while let Some(event) = probe_poll_event(&mut client) {
            if let Ok(Some(c)) = probe_discipline_event(&mut discipline, now, &event) {
                let _ = black_box(probe_correction_apply(&c, &mut soft));
            }
        }
    }

    // The authenticated entry points.
    use ntpkit::nts::{AesSivCmac256, NtsSession};
    let mut big = [0u8; ntpkit::MAX_PACKET_LEN];
    if let Some(key) = ntpkit::auth::AesCmacKey::new(1, black_box([7; 16]))
        && let Ok((_, mut pending)) = probe_build(&mut builder, addr, t, black_box(11), &mut buf)
    {
        let config = ValidationConfig::default();
        let _ = black_box(probe_process_with_mac(&mut pending, addr, &out, t, &config, &key));
    }
    let aead = || AesSivCmac256::from_key(black_box(&[5; 32]));
    if let (Some(c2s), Some(s2c)) = (aead(), aead()) {
        let mut session: NtsSession<AesSivCmac256> = NtsSession::new(c2s, s2c);
        let _ = session.add_cookie(black_box(&[1; 100]));
        if let Ok((len, mut pending)) = probe_build(&mut builder, addr, t, black_box(13), &mut big) {
            let _ = black_box(probe_protect_request(&mut session, &mut big, len, black_box(17)));
            let config = ValidationConfig::default();
            let reply = black_box(&big);
            let _ = black_box(probe_process_with_nts(&mut pending, addr, reply, t, &config, &mut session));
            // The NTS server side, on the same request.
            let mut master = ntpkit::nts::cookie::CookieKeys::new();
            if let Some(key) = aead() {
                master.rotate(1, key);
            }
            let state = ServerState { stratum: Stratum(1), ..ServerState::default() };
            let mut reply = [0u8; ntpkit::MAX_PACKET_LEN];
            let _ = black_box(probe_respond_nts(black_box(&big), &state, t, &mut master, 19, &mut reply));
        }
    }
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

//! The whole job without the internet: an ntpkit server on 127.0.0.1 (ephemeral port)
//! in a thread, and the ntpkit client asking it for the time a few times.
//!
//! ```text
//! cargo run --example demo
//! ```

use std::net::UdpSocket;
use std::time::Duration;

use ntpkit::server::ServerState;
use ntpkit::sntp::{QueryConfig, query};
use ntpkit::std_impls::{StdNonces, SystemClock, UdpTransport, serve};
use ntpkit::{LeapIndicator, NtpShort, Precision, ReferenceId, Stratum};

const QUERIES: u64 = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let server = socket.local_addr()?;
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(8),
        precision: Precision(-24),
        root_delay: NtpShort::ZERO,
        root_dispersion: NtpShort::from_bits(0x0000_0010),
        reference_id: ReferenceId(*b"LOCL"),
        reference_timestamp: ntpkit::traits::NtpClock::now(&mut SystemClock::new()),
    };
    let thread = std::thread::spawn(move || serve(&socket, &state, Some(QUERIES)));

    println!("ntpkit server on {server}; ntpkit client asking it {QUERIES} times\n");
    println!("{:<18} {:>7} {:>16} {:>12} {:>6}", "server", "stratum", "offset (s)", "delay (s)", "leap");
    let mut transport = UdpTransport::bind_for(server)?;
    let (mut clock, mut nonces) = (SystemClock::new(), StdNonces::new());
    let config = QueryConfig { timeout: Duration::from_secs(1), ..QueryConfig::default() };
    for _ in 0..QUERIES {
        let sample = query(&mut clock, &mut transport, &mut nonces, server, &config)?;
        let (behind, offset) = sample.offset_std();
        println!(
            "{:<18} {:>7} {:>16} {:>12} {:>6}",
            server.to_string(),
            sample.stratum().0,
            format!("{}{}.{:09}", if behind { "-" } else { "+" }, offset.as_secs(), offset.subsec_nanos()),
            format!("{}.{:09}", sample.delay_std().as_secs(), sample.delay_std().subsec_nanos()),
            sample.leap().to_string(),
        );
    }
    let served = thread.join().map_err(|_| "server thread panicked")??;
    println!("\nserver answered {served} requests");
    Ok(())
}

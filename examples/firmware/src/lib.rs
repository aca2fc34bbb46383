//! The ntpkit client's event loop as firmware would run it: `no_std`, no heap, a
//! monotonic tick counter and a wall clock from an RTC (both stubs here), and a radio or
//! Ethernet driver behind a tiny transport (here: three in-memory servers that answer
//! with canned replies through `ntpkit::server::respond`).
//!
//! Host-tested (`cargo test` in this folder); `src/main.rs` links it for
//! `thumbv7em-none-eabihf`.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

use core::net::{IpAddr, Ipv4Addr, SocketAddr};

use ntpkit::client::{Client, ClientConfig, Decision, Event, PeerConfig};
use ntpkit::server::{ServerState, respond};
use ntpkit::time::Instant;
use ntpkit::{LeapIndicator, NtpDuration, NtpTimestamp, Precision, ReferenceId, Stratum};

/// The RTC/tick stub: wall clock = `base + ticks + offset`, ticks in ns.
pub struct Board {
    ticks: u64,
    base: NtpTimestamp,
    /// How far the board's RTC is from true time, ns (negative: behind).
    rtc_error: i64,
}

impl Board {
    fn wall(&self, extra: i64) -> NtpTimestamp {
        let ns = (self.ticks as i64).saturating_add(self.rtc_error).saturating_add(extra);
        self.base + NtpDuration::from_nanos(ns).unwrap_or(NtpDuration::ZERO)
    }
}

/// A deterministic nonce source (a real board uses its TRNG).
struct Trng(u64);

impl ntpkit::traits::NonceSource for Trng {
    fn next_nonce(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// What the loop ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The last system offset, ns (how far true time is ahead of the RTC).
    pub offset_ns: i64,
    /// System updates seen.
    pub updates: u32,
    /// Steps applied to the RTC.
    pub steps: u32,
}

const SERVERS: [SocketAddr; 3] = [
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 123),
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), 123),
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)), 123),
];

/// The client of the three servers, polling every 16 s to 64 s.
fn three_server_client(trng: &mut Trng) -> Client<3> {
    let mut client: Client<3> = Client::new(ClientConfig::default());
    let fast = PeerConfig { min_poll: 4, max_poll: 6, ..PeerConfig::default() };
    for addr in SERVERS {
        let _ = client.add_server(Instant::from_nanos(0), addr, fast, trng);
    }
    client
}

/// A stratum-1 server's reply to `request`, which it receives and answers at `at`
/// (its true time), into `out`; its length, or `None` for a request it refuses.
fn serve(request: &[u8], at: NtpTimestamp, out: &mut [u8; 48]) -> Option<usize> {
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(1),
        precision: Precision(-20),
        reference_id: ReferenceId(*b"GPS\0"),
        reference_timestamp: at - NtpDuration::from_seconds(8),
        ..ServerState::default()
    };
    respond(request, &state, at, at, out).ok()
}

/// Runs the client for `seconds` of simulated time with the RTC `rtc_error_ns` off,
/// stepping the RTC when told to. One-way network delay: 4 ms.
pub fn run(seconds: u64, rtc_error_ns: i64) -> Outcome {
    let mut board =
        Board { ticks: 0, base: NtpTimestamp::from_parts(0xeeac_e73b, 0), rtc_error: rtc_error_ns };
    let mut trng = Trng(0x2545_f491_4f6c_dd1d);
    let mut client = three_server_client(&mut trng);
    let mut outcome = Outcome { offset_ns: 0, updates: 0, steps: 0 };
    let mut tx_buf = [0u8; 48];
    let mut rx_buf = [0u8; 48];
    let end = seconds.saturating_mul(1_000_000_000);
    while board.ticks < end {
        let now = Instant::from_nanos(board.ticks);
        client.handle_timeout(now);
        while let Ok(Some(tx)) = client.poll_transmit(now, board.wall(0), &mut trng, &mut tx_buf) {
            // The "network": 4 ms out, the server answers with true time, 4 ms back.
            let true_at_server = board.wall(4_000_000 - board.rtc_error);
            let Some(n) = serve(tx_buf.get(..tx.len).unwrap_or_default(), true_at_server, &mut rx_buf) else {
                continue;
            };
            let t4 = board.wall(8_000_000);
            let _ = client.handle_response(now, tx.addr, rx_buf.get(..n).unwrap_or_default(), t4);
        }
        while let Some(event) = client.poll_event() {
            if let Event::Update(update) = event {
                outcome.updates = outcome.updates.saturating_add(1);
                outcome.offset_ns = update.offset.to_nanos();
                if let Decision::Step(d) = update.decision {
                    board.rtc_error = board.rtc_error.saturating_add(d.to_nanos());
                    outcome.steps = outcome.steps.saturating_add(1);
                }
            }
        }
        // Sleep (WFI) until the next timer.
        board.ticks = client.poll_timeout().map_or(end, Instant::as_nanos).max(board.ticks.saturating_add(1));
    }
    outcome
}

/// One client exchange with canned numbers: the request is built at T1, a stratum-1
/// server whose clock is `true_offset_ns` ahead answers 12 ms later (one-way) after 45 µs
/// of processing, and the reply arrives at T4 = T1 + 24.045 ms. Returns the measured
/// offset and delay in ns, or the rejection's name.
pub fn single_exchange(true_offset_ns: i64) -> Result<(i64, i64), &'static str> {
    use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
    let at =
        |ns: i64| NtpTimestamp::from_parts(0xeeac_e73b, 0) + NtpDuration::from_nanos(ns).unwrap_or_default();
    let (t1, t4) = (at(0), at(24_045_000));
    let (t2, t3) = (at(12_000_000 + true_offset_ns), at(12_045_000 + true_offset_ns));
    let mut request = [0u8; 48];
    let (len, mut pending) = ClientRequest::new()
        .build(SERVERS[0], t1, &mut Trng(0x9e37_79b9), &mut request)
        .map_err(|_| "request")?;
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(1),
        precision: Precision(-20),
        reference_id: ReferenceId(*b"GPS\0"),
        reference_timestamp: t2 - NtpDuration::from_seconds(16),
        ..ServerState::default()
    };
    let mut reply = [0u8; 48];
    let n =
        respond(request.get(..len).unwrap_or_default(), &state, t2, t3, &mut reply).map_err(|_| "respond")?;
    match pending.process(SERVERS[0], reply.get(..n).unwrap_or_default(), t4, &ValidationConfig::default()) {
        Ok(Reply::Sample(s)) => Ok((s.offset_nanos(), s.delay_nanos())),
        Ok(Reply::KissOfDeath { .. }) => Err("kiss-o'-death"),
        Err(e) => Err(e.name()),
    }
}

/// What [`keep_time`] ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    /// The disciplined clock minus true time at the end, ns.
    pub offset_ns: i64,
    /// The frequency correction the discipline found, ppb.
    pub frequency_ppb: i64,
    /// Corrections applied.
    pub corrections: u32,
    /// Steps among them.
    pub steps: u32,
}

/// A 32-bit, 1 MHz timer on a crystal `ppm` fast: the board's only clock. The tick
/// count is kept here in full (the monotonic clock); the software clock sees 32 bits.
struct Crystal<'a>(&'a core::cell::Cell<u64>);

impl ntpkit::clock::Counter for Crystal<'_> {
    fn read(&mut self) -> u64 {
        self.0.get() & 0xffff_ffff
    }
}

/// Keeps time on a board with no RTC: a [`SoftClock`](ntpkit::clock::SoftClock) over a
/// 1 MHz timer whose crystal is `crystal_ppm` fast, disciplined by a
/// [`Discipline`](ntpkit::discipline::Discipline) from the client's events, for
/// `seconds` of simulated time against the three in-memory servers (4 ms each way).
/// The clock starts at the right time; everything after is the discipline's doing.
pub fn keep_time(seconds: u64, crystal_ppm: i64) -> Kept {
    use core::cell::Cell;
    use ntpkit::clock::SoftClock;
    use ntpkit::discipline::Discipline;
    use ntpkit::traits::NtpClock;

    let base = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let truth = |ns: u64| base + NtpDuration::from_nanos(ns as i64).unwrap_or_default();
    // Ticks of the fast crystal after `ns` of true time.
    let ticks_at = |ns: u64| {
        let us = ns / 1_000;
        us.saturating_add_signed((us as i64).saturating_mul(crystal_ppm) / 1_000_000)
    };
    let ticks = Cell::new(0u64);
    let Ok(mut clock) = SoftClock::new(Crystal(&ticks), 1_000_000, 32, base) else {
        return Kept { offset_ns: i64::MAX, frequency_ppb: 0, corrections: 0, steps: 0 };
    };
    let mut discipline = Discipline::new();
    let mut trng = Trng(0x2545_f491_4f6c_dd1d);
    let mut client = three_server_client(&mut trng);
    let mut kept = Kept { offset_ns: 0, frequency_ppb: 0, corrections: 0, steps: 0 };
    let (mut tx_buf, mut rx_buf) = ([0u8; 48], [0u8; 48]);
    let end = seconds.saturating_mul(1_000_000_000);
    // True time, ns; the board only knows the ticks.
    let mut t = 0u64;
    while t < end {
        ticks.set(ticks_at(t));
        // The monotonic clock is the crystal too: ticks in ns.
        let now = Instant::from_nanos(ticks.get().saturating_mul(1_000));
        client.handle_timeout(now);
        while let Ok(Some(tx)) = client.poll_transmit(now, clock.now(), &mut trng, &mut tx_buf) {
            let at_server = truth(t.saturating_add(4_000_000));
            let Some(n) = serve(tx_buf.get(..tx.len).unwrap_or_default(), at_server, &mut rx_buf) else {
                continue;
            };
            // The reply arrives 8 ms later (a counter never runs backwards: time moves on).
            t = t.saturating_add(8_000_000);
            ticks.set(ticks_at(t));
            let t4 = clock.now();
            let arrived = Instant::from_nanos(ticks.get().saturating_mul(1_000));
            let _ = client.handle_response(arrived, tx.addr, rx_buf.get(..n).unwrap_or_default(), t4);
        }
        let now = Instant::from_nanos(ticks.get().saturating_mul(1_000));
        while let Some(event) = client.poll_event() {
            if let Ok(Some(correction)) = discipline.handle_event(now, &event)
                && correction.apply(&mut clock).is_ok()
            {
                kept.corrections = kept.corrections.saturating_add(1);
                kept.steps =
                    kept.steps.saturating_add(u32::from(matches!(correction.phase, Decision::Step(_))));
            }
        }
        // Sleep until the next timer (the monotonic deadline, back in true time).
        let deadline = client.poll_timeout().map_or(u64::MAX, Instant::as_nanos);
        let ahead = deadline.saturating_sub(now.as_nanos());
        let step = ahead.saturating_sub(ahead.saturating_mul(crystal_ppm.max(0) as u64) / 1_000_000);
        t = t.saturating_add(step.max(1_000_000)).min(end);
    }
    ticks.set(ticks_at(end));
    kept.offset_ns = (clock.now() - truth(end)).to_nanos();
    kept.frequency_ppb = discipline.frequency_ppb();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_exchange_measures_the_canned_offset_to_the_nanosecond() {
        // Each timestamp is rounded onto the 2^-32 s grid, so a difference of two of them
        // can land a fraction of a nanosecond low and truncate to 1 ns less.
        for truth in [1_234_567_000, -3_000_000_000, 0, 999_999_999] {
            let (offset, delay) = single_exchange(truth).unwrap_or_else(|e| panic!("{truth}: {e}"));
            assert!((offset - truth).abs() <= 1, "{truth}: offset {offset}");
            assert!((delay - 24_000_000).abs() <= 1, "{truth}: delay {delay}");
        }
    }

    #[test]
    fn the_discipline_keeps_a_40_ppm_crystal_within_microseconds() {
        let kept = keep_time(7_200, 40);
        // The correction that cancels +40 ppm: 1/(1 + 40e-6) − 1 = −39.998 ppm.
        assert!((kept.frequency_ppb + 39_998).abs() <= 20, "{kept:?}");
        assert!(kept.offset_ns.abs() < 100_000, "{kept:?}");
        assert_eq!(kept.steps, 0);
        assert!(kept.corrections > 100, "{kept:?}");
    }

    #[test]
    fn the_loop_steps_a_wrong_rtc_then_holds_it() {
        let out = run(600, -3_000_000_000);
        assert_eq!(out.steps, 1);
        assert!(out.updates > 10, "{out:?}");
        // After the step the residual is the 0 ms path asymmetry: below a microsecond.
        assert!(out.offset_ns.abs() < 1_000, "{out:?}");
    }
}

/// One `#[inline(never)]` function per public entry point, so `-Z emit-stack-sizes`
/// reports the stack each call needs (library code inlines into the probe; state is
/// passed by reference and not counted). `.ci/run` prints the figures; README quotes them.
pub mod stack_probes {
    use core::net::SocketAddr;

    use ntpkit::client::Client;
    use ntpkit::exchange::{ClientRequest, PendingRequest, Reject, Reply, RequestError, ValidationConfig};
    use ntpkit::server::{ServerError, ServerState};
    use ntpkit::{NtpTimestamp, Packet, ParseError};

    /// `Packet::parse`.
    #[inline(never)]
    pub fn probe_parse(bytes: &[u8]) -> Result<Packet, ParseError> {
        Packet::parse(bytes)
    }

    /// `ClientRequest::build`.
    #[inline(never)]
    pub fn probe_build(
        builder: &mut ClientRequest,
        server: SocketAddr,
        t1: NtpTimestamp,
        nonce: u64,
        buf: &mut [u8],
    ) -> Result<(usize, PendingRequest), RequestError> {
        let mut n = || nonce;
        builder.build(server, t1, &mut n, buf)
    }

    /// `PendingRequest::process` (validation and the offset/delay computation).
    #[inline(never)]
    pub fn probe_process(
        pending: &mut PendingRequest,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
    ) -> Result<Reply, Reject> {
        pending.process(source, datagram, t4, config)
    }

    /// `server::respond`.
    #[inline(never)]
    pub fn probe_respond(
        request: &[u8],
        state: &ServerState,
        t: NtpTimestamp,
        out: &mut [u8],
    ) -> Result<usize, ServerError> {
        ntpkit::server::respond(request, state, t, t, out)
    }

    /// `Client::handle_response` (validation, filter, selection, clustering, combining).
    #[inline(never)]
    pub fn probe_handle_response(
        client: &mut Client<3>,
        now: ntpkit::time::Instant,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
    ) -> Result<(), Reject> {
        client.handle_response(now, source, datagram, t4)
    }

    /// `Client::poll_transmit`.
    #[inline(never)]
    pub fn probe_poll_transmit(
        client: &mut Client<3>,
        now: ntpkit::time::Instant,
        t1: NtpTimestamp,
        nonce: u64,
        buf: &mut [u8],
    ) -> Result<Option<ntpkit::client::Transmit>, RequestError> {
        let mut n = || nonce;
        client.poll_transmit(now, t1, &mut n, buf)
    }

    /// `Client::handle_timeout`.
    #[inline(never)]
    pub fn probe_handle_timeout(client: &mut Client<3>, now: ntpkit::time::Instant) {
        client.handle_timeout(now);
    }

    /// `Client::poll_event`.
    #[inline(never)]
    pub fn probe_poll_event(client: &mut Client<3>) -> Option<ntpkit::client::Event<3>> {
        client.poll_event()
    }

    /// `PendingRequest::process_with` and `MacAuth` with an AES-128-CMAC key.
    #[inline(never)]
    pub fn probe_process_with_mac(
        pending: &mut PendingRequest,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
        key: &ntpkit::auth::AesCmacKey,
    ) -> Result<Reply, Reject> {
        pending.process_with(source, datagram, t4, config, &mut ntpkit::exchange::MacAuth(key))
    }

    /// `server::nts::respond_nts`: open the cookie under the master key, verify the
    /// request under C2S, seal fresh cookies and the reply under S2C (a 1,098-byte
    /// buffer for the fields and one cookie on the stack).
    #[inline(never)]
    pub fn probe_respond_nts(
        request: &[u8],
        state: &ServerState,
        t: NtpTimestamp,
        master: &mut ntpkit::nts::cookie::CookieKeys<ntpkit::nts::AesSivCmac256, 3>,
        nonce: u64,
        out: &mut [u8],
    ) -> Result<ntpkit::server::nts::NtsAnswer, ntpkit::server::nts::NtsServeError> {
        let mut n = || nonce;
        ntpkit::server::nts::respond_nts(request, state, t, || t, master, &mut n, out)
    }

    /// `NtsSession::protect_request` (UID, cookie, placeholders, AES-SIV authenticator).
    #[inline(never)]
    pub fn probe_protect_request(
        session: &mut ntpkit::nts::NtsSession<ntpkit::nts::AesSivCmac256>,
        buf: &mut [u8],
        len: usize,
        nonce: u64,
    ) -> Result<usize, ntpkit::nts::NtsError> {
        let mut n = || nonce;
        session.protect_request(buf, len, &mut n)
    }

    /// `PendingRequest::process_with` and an `NtsSession` (NTS checks, AES-SIV open into a 1,096-byte
    /// scratch buffer, validation, cookie harvest).
    #[inline(never)]
    pub fn probe_process_with_nts(
        pending: &mut PendingRequest,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
        session: &mut ntpkit::nts::NtsSession<ntpkit::nts::AesSivCmac256>,
    ) -> Result<Reply, Reject> {
        pending.process_with(source, datagram, t4, config, session)
    }

    /// A 1 MHz, 32-bit timer for the clock probes.
    pub struct Timer(pub u64);

    impl ntpkit::clock::Counter for Timer {
        fn read(&mut self) -> u64 {
            core::hint::black_box(self.0)
        }
    }

    /// `Discipline::handle_event` (an update runs the line fit).
    #[inline(never)]
    pub fn probe_discipline_event(
        discipline: &mut ntpkit::discipline::Discipline,
        now: ntpkit::time::Instant,
        event: &ntpkit::client::Event<3>,
    ) -> Result<Option<ntpkit::discipline::Correction>, ntpkit::discipline::DisciplineError> {
        discipline.handle_event(now, event)
    }

    /// `Correction::apply` on a `SoftClock`.
    #[inline(never)]
    pub fn probe_correction_apply(
        correction: &ntpkit::discipline::Correction,
        clock: &mut ntpkit::clock::SoftClock<Timer>,
    ) -> Result<bool, ntpkit::clock::ClockError> {
        correction.apply(clock)
    }

    /// `SoftClock::now`.
    #[inline(never)]
    pub fn probe_soft_clock_now(clock: &mut ntpkit::clock::SoftClock<Timer>) -> NtpTimestamp {
        use ntpkit::traits::NtpClock;
        clock.now()
    }
}

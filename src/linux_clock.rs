//! With `linux-clock`, on Linux: [`KernelClock`], a
//! [`ClockControl`] over the system clock (`CLOCK_REALTIME`) through
//! `clock_adjtime(2)`, so that a [`Discipline`](crate::discipline::Discipline)'s
//! corrections steer the host: the frequency (`ADJ_FREQUENCY`), steps
//! (`ADJ_SETOFFSET`), and slews at 500 ppm.
//!
//! The kernel calls are those of the `clock-steering` crate (the one ntpd-rs uses),
//! which keeps the `unsafe` FFI out of ntpkit. Steering needs `CAP_SYS_TIME`; reading
//! the frequency ([`SteerableClock::frequency_ppb`], `clock_adjtime` with no modes)
//! does not, and is the only call ntpkit's tests make on the real clock.
//!
//! A slew is a frequency offset of ±500 ppm held for `|offset| / 500 ppm` on top of the
//! discipline's frequency, ended by a timer thread — the rate
//! [`ClockControl::slew`] promises and the discipline accounts for. (The kernel's
//! `ADJ_OFFSET_SINGLESHOT` would do the same, but no maintained safe wrapper offers
//! it.) This module is glue: it uses a thread, a mutex, and one floating-point
//! conversion to the crate's ppm argument.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::time::NtpDuration;
use crate::traits::ClockControl;

/// The frequency and step calls a [`KernelClock`] makes: [`LinuxClock`] for the
/// system clock, or a simulated clock in tests.
pub trait SteerableClock: Send + 'static {
    /// The clock's error.
    type Error: Send + 'static;
    /// The frequency correction in effect, ppb (positive: the clock runs faster).
    fn frequency_ppb(&self) -> Result<i64, Self::Error>;
    /// Sets the frequency correction, ppb.
    fn set_frequency_ppb(&self, ppb: i64) -> Result<(), Self::Error>;
    /// Moves the clock by `offset` at once.
    fn step(&self, offset: NtpDuration) -> Result<(), Self::Error>;
}

/// `CLOCK_REALTIME` through `clock_adjtime(2)`.
#[derive(Debug)]
pub struct LinuxClock(clock_steering::unix::UnixClock);

impl LinuxClock {
    /// The system's real-time clock.
    pub const fn realtime() -> Self {
        Self(clock_steering::unix::UnixClock::CLOCK_REALTIME)
    }

    /// Turns the kernel's own PLL off, so that it does not fight the discipline
    /// (needs `CAP_SYS_TIME`).
    pub fn disable_kernel_pll(&self) -> Result<(), clock_steering::unix::Error> {
        use clock_steering::Clock;
        self.0.disable_kernel_ntp_algorithm()
    }
}

impl SteerableClock for LinuxClock {
    type Error = clock_steering::unix::Error;

    fn frequency_ppb(&self) -> Result<i64, Self::Error> {
        use clock_steering::Clock;
        // The crate gives ppm (from the kernel's 2^-16 ppm): to ppb, rounded.
        self.0.get_frequency().map(|ppm| (ppm * 1000.0).round() as i64)
    }

    fn set_frequency_ppb(&self, ppb: i64) -> Result<(), Self::Error> {
        use clock_steering::Clock;
        self.0.set_frequency(ppb as f64 / 1000.0).map(|_| ())
    }

    fn step(&self, offset: NtpDuration) -> Result<(), Self::Error> {
        use clock_steering::Clock;
        // TimeOffset is floor(seconds) and a non-negative nanosecond part.
        let ns = offset.to_nanos();
        let (seconds, nanos) = (ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000));
        let offset = clock_steering::TimeOffset { seconds: seconds as _, nanos: nanos as u32 };
        self.0.step_clock(offset).map(|_| ())
    }
}

/// The slew rate: 500 ppm, in ppb.
const SLEW_PPB: i64 = 500_000;

#[derive(Debug)]
struct State<K> {
    clock: K,
    /// The frequency set through `set_frequency`.
    base_ppb: i64,
    /// ±500 ppm while a slew runs, else 0.
    bias_ppb: i64,
    /// Bumped by every slew and step, so a timer ends only its own slew.
    generation: u64,
}

/// A [`ClockControl`] over a [`SteerableClock`]: frequency and steps directly, slews as
/// a ±500 ppm frequency offset for `|offset| / 500 ppm`, ended by a timer thread.
#[derive(Debug, Clone)]
pub struct KernelClock<K> {
    state: Arc<Mutex<State<K>>>,
}

impl<K: SteerableClock> KernelClock<K> {
    /// Steers `clock`, starting from the frequency it has now.
    pub fn new(clock: K) -> Result<Self, K::Error> {
        let base_ppb = clock.frequency_ppb()?;
        Ok(Self { state: Arc::new(Mutex::new(State { clock, base_ppb, bias_ppb: 0, generation: 0 })) })
    }

    /// The frequency the clock runs at now (base plus any slew), ppb, as last set.
    pub fn frequency_ppb(&self) -> i64 {
        let state = self.lock();
        state.base_ppb.saturating_add(state.bias_ppb)
    }

    /// Whether a slew is running.
    pub fn slewing(&self) -> bool {
        self.lock().bias_ppb != 0
    }

    fn lock(&self) -> MutexGuard<'_, State<K>> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<K: SteerableClock> ClockControl for KernelClock<K> {
    type Error = K::Error;

    fn step(&mut self, offset: NtpDuration) -> Result<(), Self::Error> {
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        if state.bias_ppb != 0 {
            state.bias_ppb = 0;
            let base = state.base_ppb;
            state.clock.set_frequency_ppb(base)?;
        }
        state.clock.step(offset)
    }

    fn slew(&mut self, offset: NtpDuration) -> Result<(), Self::Error> {
        let ns = offset.to_nanos();
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        let generation = state.generation;
        state.bias_ppb = match ns {
            0 => 0,
            n if n > 0 => SLEW_PPB,
            _ => -SLEW_PPB,
        };
        let frequency = state.base_ppb.saturating_add(state.bias_ppb);
        state.clock.set_frequency_ppb(frequency)?;
        if ns != 0 {
            // |offset| / 500 ppm: 2,000 ns of time per ns slewed.
            let hold = Duration::from_nanos(ns.unsigned_abs().saturating_mul(2_000));
            let shared = Arc::clone(&self.state);
            std::thread::spawn(move || {
                std::thread::sleep(hold);
                let mut state = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if state.generation == generation && state.bias_ppb != 0 {
                    state.bias_ppb = 0;
                    let base = state.base_ppb;
                    // Nobody to report to: the next call sets the frequency again anyway.
                    let _ = state.clock.set_frequency_ppb(base);
                }
            });
        }
        Ok(())
    }

    fn set_frequency(&mut self, ppb: i64) -> Result<(), Self::Error> {
        let mut state = self.lock();
        state.base_ppb = ppb;
        let frequency = ppb.saturating_add(state.bias_ppb);
        state.clock.set_frequency_ppb(frequency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;
    use std::vec::Vec;

    type Log = Arc<Mutex<Vec<(Instant, &'static str, i64)>>>;

    /// A simulated kernel clock: records every frequency set and every step.
    #[derive(Clone, Default)]
    struct Simulated(Log);

    impl SteerableClock for Simulated {
        type Error = ();
        fn frequency_ppb(&self) -> Result<i64, ()> {
            Ok(self.0.lock().unwrap().iter().rev().find(|e| e.1 == "freq").map_or(1_234, |e| e.2))
        }
        fn set_frequency_ppb(&self, ppb: i64) -> Result<(), ()> {
            self.0.lock().unwrap().push((Instant::now(), "freq", ppb));
            Ok(())
        }
        fn step(&self, offset: NtpDuration) -> Result<(), ()> {
            self.0.lock().unwrap().push((Instant::now(), "step", offset.to_nanos()));
            Ok(())
        }
    }

    #[test]
    fn slews_at_500_ppm_for_the_right_time_then_returns_to_the_frequency() {
        let sim = Simulated::default();
        let mut clock = KernelClock::new(sim.clone()).unwrap();
        assert_eq!(clock.frequency_ppb(), 1_234, "starts from the kernel's frequency");
        clock.set_frequency(-20_000).unwrap();
        let start = Instant::now();
        clock.slew(NtpDuration::from_nanos(-40_000).unwrap()).unwrap(); // 80 ms at 500 ppm
        assert!(clock.slewing());
        assert_eq!(clock.frequency_ppb(), -520_000);
        // A new frequency during the slew keeps the slew on top.
        clock.set_frequency(-21_000).unwrap();
        assert_eq!(clock.frequency_ppb(), -521_000);
        std::thread::sleep(Duration::from_millis(300));
        assert!(!clock.slewing());
        let log = sim.0.lock().unwrap().clone();
        let (ended, _, last) = *log.last().unwrap();
        assert_eq!(last, -21_000, "back to the frequency: {log:?}");
        let held = ended.duration_since(start);
        assert!(held >= Duration::from_millis(80) && held < Duration::from_millis(250), "{held:?}");
    }

    #[test]
    fn a_new_slew_or_a_step_replaces_the_one_running() {
        let sim = Simulated::default();
        let mut clock = KernelClock::new(sim.clone()).unwrap();
        clock.slew(NtpDuration::from_nanos(50_000).unwrap()).unwrap(); // 100 ms
        clock.slew(NtpDuration::from_nanos(-500_000).unwrap()).unwrap(); // 1 s, other way
        std::thread::sleep(Duration::from_millis(200));
        // The first slew's timer found itself replaced and left the second running.
        assert_eq!(clock.frequency_ppb(), 1_234 - 500_000);
        clock.step(NtpDuration::from_seconds(2)).unwrap();
        assert!(!clock.slewing());
        assert_eq!(clock.frequency_ppb(), 1_234);
        let log = sim.0.lock().unwrap().clone();
        let kinds: Vec<_> = log.iter().map(|e| (e.1, e.2)).collect();
        assert_eq!(
            kinds,
            [("freq", 501_234), ("freq", 1_234 - 500_000), ("freq", 1_234), ("step", 2_000_000_000)]
        );
        clock.slew(NtpDuration::ZERO).unwrap();
        assert!(!clock.slewing());
    }

    /// The one call on the real clock: reading its frequency (`clock_adjtime` with no
    /// modes) needs no privilege and changes nothing.
    #[test]
    fn reads_the_system_clock_frequency_without_changing_it() {
        let clock = LinuxClock::realtime();
        let ppb = clock.frequency_ppb().expect("clock_adjtime(CLOCK_REALTIME, modes 0)");
        assert!(ppb.abs() <= 500_000, "{ppb} ppb");
        let steered = KernelClock::new(LinuxClock::realtime()).unwrap();
        assert_eq!(steered.frequency_ppb(), clock.frequency_ppb().unwrap());
    }
}

//! [`SoftClock`]: disciplined NTP time from a free-running counter, for
//! microcontrollers with no adjustable real-time clock — only a timer counting at a
//! known rate (a 1 MHz timer, 32.768 kHz RTC ticks, a cycle counter).
//!
//! The clock maps counter ticks to an [`NtpTimestamp`] and applies the corrections a
//! clock discipline asks for: a frequency adjustment (the oscillator's error, in ppb)
//! and a phase correction that is slewed in at a bounded rate, so the clock never runs
//! backwards except when told to step. It implements [`NtpClock`] (the reading) and
//! [`ClockControl`] (the steering), so a [`Decision`](crate::client::Decision) can be
//! applied to it directly.
//!
//! All arithmetic is in integers: 2⁻³² s units, the frequency as a 0.40 fixed-point
//! factor, and the remainders of every step carried to the next, so that reading the
//! clock often loses nothing. The only divisions (by the counter's rate, by 10⁹ for ppb)
//! happen when the clock is set up or the frequency changes, by binary long division.
//!
//! ```
//! use core::cell::Cell;
//! use ntpkit::clock::{Counter, SoftClock};
//! use ntpkit::traits::{ClockControl, NtpClock};
//! use ntpkit::{NtpDuration, NtpTimestamp};
//!
//! /// A 32-bit timer at 1 MHz (here: a cell the example advances).
//! struct Timer<'a>(&'a Cell<u64>);
//! impl Counter for Timer<'_> {
//!     fn read(&mut self) -> u64 { self.0.get() }
//! }
//! let ticks = Cell::new(0);
//! let start = NtpTimestamp::from_parts(0xeeac_e73b, 0);
//! let mut clock = SoftClock::new(Timer(&ticks), 1_000_000, 32, start)?;
//! clock.set_frequency_ppb(50_000)?; // the crystal runs 50 ppm slow: speed up
//! ticks.set(10_000_000); // 10 s of ticks
//! let ns = (clock.now() - start).to_nanos(); // 10 s and 500 µs, to the 2^-32 s unit
//! assert!((ns - 10_000_500_000).abs() <= 1);
//! // A +2 ms correction is slewed in at 500 ppm: a little over 4 s later it is done.
//! clock.slew(NtpDuration::from_nanos(2_000_000).unwrap()).unwrap();
//! ticks.set(14_010_000);
//! let later = clock.now();
//! assert_eq!(clock.slew_remaining(), NtpDuration::ZERO);
//! let ns = (later - start).to_nanos();
//! assert!((ns - (14_010_000_000 + 700_500 + 2_000_000)).abs() <= 1, "{ns}");
//! # Ok::<(), ntpkit::clock::ClockError>(())
//! ```

use core::fmt;

use crate::math::int::{div_rem_u64, div_u64};
use crate::time::{NtpDuration, NtpTimestamp};
use crate::traits::{ClockControl, NtpClock};

/// A free-running hardware counter: each reading returns the counter's current value;
/// only its low `bits` bits (given to [`SoftClock::new`]) are used, so a counter that
/// wraps at 2¹⁶ or 2³² is fine as long as it is read at least once per wrap.
pub trait Counter {
    /// The counter now.
    fn read(&mut self) -> u64;
}

/// The largest frequency correction a [`SoftClock`] accepts: ±500 ppm, the tolerance
/// of RFC 5905 §11.3 (`MAXFREQ`) and of the Linux kernel.
pub const MAX_FREQUENCY_PPB: i64 = 500_000;

/// The rate at which a [`SoftClock`] slews a phase correction: 500 ppm (0.5 ms per
/// second), as `adjtime` does.
pub const SLEW_RATE_PPM: u32 = 500;

/// Why a [`SoftClock`] refused a setting.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ClockError {
    /// The counter rate is zero, or above 2³¹ Hz.
    BadRate {
        /// The rate given.
        hz: u64,
    },
    /// The counter width is not 16 to 64 bits.
    BadWidth {
        /// The width given.
        bits: u32,
    },
    /// A frequency correction beyond ±[`MAX_FREQUENCY_PPB`].
    FrequencyOutOfRange {
        /// The correction asked for.
        ppb: i64,
    },
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRate { hz } => write!(f, "counter rate {hz} Hz is not 1 Hz to 2^31 Hz"),
            Self::BadWidth { bits } => write!(f, "counter width {bits} bits is not 16 to 64"),
            Self::FrequencyOutOfRange { ppb } => {
                write!(f, "frequency correction {ppb} ppb beyond ±{MAX_FREQUENCY_PPB} ppb (RFC 5905 MAXFREQ)")
            }
        }
    }
}

impl core::error::Error for ClockError {}

/// Disciplined NTP time from a free-running [`Counter`]; see the [module docs](self).
///
/// Read it at least once per counter wrap (a 16-bit counter at 32.768 kHz wraps every
/// 2 s; a 32-bit one at 1 MHz every 71 minutes): a longer gap loses whole wraps, which
/// no counter can tell. And read it at least every 9 hours: a reading integrates at
/// most that much, in 2-second steps, so that no reading takes unbounded time.
#[derive(Debug)]
pub struct SoftClock<C> {
    counter: C,
    /// Counter mask: the low `bits` bits.
    mask: u64,
    /// 2⁻³² s per tick, as 32.32 fixed point: 2⁶⁴ / hz.
    units_per_tick: u64,
    /// Ticks that make at most [`CHUNK_UNITS`] of time: the step of the integration.
    chunk_ticks: u64,
    /// The last raw reading (masked).
    last_raw: u64,
    /// The time at `last_raw`.
    time: NtpTimestamp,
    /// Sub-unit remainder of the tick conversion, 2⁻³² units.
    tick_carry: u64,
    /// Frequency correction as a 0.40 fixed-point rate, and as given.
    rate_q40: i64,
    frequency_ppb: i64,
    /// Remainder of the frequency correction, 2⁻⁴⁰ units.
    rate_carry: i64,
    /// Phase correction still to slew in, 2⁻³² s (positive: the clock moves ahead).
    slew_left: i64,
}

/// Integration steps per reading at most: 16,384 of 2 s, about 9 hours.
const MAX_CHUNKS: u64 = 1 << 14;

/// Time integrated in one step: 2³³ units (2 s), so that the frequency product (a rate
/// below 2²⁹ in 0.40 fixed point) stays below 2⁶³.
const CHUNK_UNITS: u64 = 1 << 33;

/// The slew rate as a 0.32 fixed-point factor: 500 · 10⁻⁶ · 2³² ≈ 2,147,484.
const SLEW_RATE_Q32: i64 = 2_147_484;

impl<C: Counter> SoftClock<C> {
    /// A clock over `counter`, which counts at `hz` ticks per second and is `bits` wide,
    /// reading `start` now.
    pub fn new(mut counter: C, hz: u64, bits: u32, start: NtpTimestamp) -> Result<Self, ClockError> {
        if hz == 0 || hz > 1 << 31 {
            return Err(ClockError::BadRate { hz });
        }
        if !(16..=64).contains(&bits) {
            return Err(ClockError::BadWidth { bits });
        }
        let mask = if bits == 64 { u64::MAX } else { (1u64 << bits).wrapping_sub(1) };
        // 2^64 / hz, exact: (2^64 − 1) / hz, plus one where hz divides 2^64. (A 1 Hz
        // counter saturates one 2^-64 s short per tick.)
        let (q, r) = div_rem_u64(u64::MAX, hz);
        let units_per_tick = if r.wrapping_add(1) == hz { q.saturating_add(1) } else { q };
        let whole = (units_per_tick >> 32).max(1);
        let chunk_ticks = div_u64(CHUNK_UNITS, whole).clamp(1, 1 << 31);
        let last_raw = counter.read() & mask;
        Ok(Self {
            counter,
            mask,
            units_per_tick,
            chunk_ticks,
            last_raw,
            time: start,
            tick_carry: 0,
            rate_q40: 0,
            frequency_ppb: 0,
            rate_carry: 0,
            slew_left: 0,
        })
    }

    /// Sets the frequency correction: positive makes the clock run faster (for an
    /// oscillator that runs slow). Within ±[`MAX_FREQUENCY_PPB`]; else refused and
    /// nothing changes. Time so far is accounted at the old frequency.
    pub fn set_frequency_ppb(&mut self, ppb: i64) -> Result<(), ClockError> {
        if ppb.unsigned_abs() > MAX_FREQUENCY_PPB.unsigned_abs() {
            return Err(ClockError::FrequencyOutOfRange { ppb });
        }
        self.advance();
        // ppb · 2^40 / 10^9, rounded; |ppb| ≤ 5·10^5 so the product is below 2^59.
        let scaled = ppb.unsigned_abs().wrapping_shl(40).wrapping_add(500_000_000);
        let magnitude = div_u64(scaled, 1_000_000_000) as i64;
        self.rate_q40 = if ppb < 0 { magnitude.wrapping_neg() } else { magnitude };
        self.frequency_ppb = ppb;
        Ok(())
    }

    /// The frequency correction in effect, in ppb.
    pub const fn frequency_ppb(&self) -> i64 {
        self.frequency_ppb
    }

    /// The phase correction not yet slewed in, as of the last reading.
    pub const fn slew_remaining(&self) -> NtpDuration {
        NtpDuration::from_bits(self.slew_left)
    }

    /// The counter, back.
    pub fn into_counter(self) -> C {
        self.counter
    }

    /// Brings the time up to the counter's present reading.
    fn advance(&mut self) {
        let raw = self.counter.read() & self.mask;
        // A gap beyond MAX_CHUNKS steps (9 hours) is counted as that: bounded work for
        // any reading, documented at the type.
        let mut ticks =
            (raw.wrapping_sub(self.last_raw) & self.mask).min(self.chunk_ticks.saturating_mul(MAX_CHUNKS));
        self.last_raw = raw;
        while ticks > 0 {
            let step = ticks.min(self.chunk_ticks);
            ticks = ticks.wrapping_sub(step);
            self.integrate(step);
        }
    }

    /// Adds `ticks` (at most `chunk_ticks` ≤ 2³¹) of corrected time.
    fn integrate(&mut self, ticks: u64) {
        // units_per_tick = whole·2^32 + frac; ticks ≤ 2^31, so frac·ticks < 2^63 and the
        // carry (< 2^32) fits beside it.
        let whole = (self.units_per_tick >> 32).wrapping_mul(ticks);
        let frac = (self.units_per_tick & 0xffff_ffff).wrapping_mul(ticks).wrapping_add(self.tick_carry);
        self.tick_carry = frac & 0xffff_ffff;
        // At most CHUNK_UNITS plus one tick's worth: below 2^34.
        let elapsed = whole.wrapping_add(frac >> 32).min(CHUNK_UNITS.wrapping_mul(2)) as i64;
        // Frequency: elapsed · rate in 2^-40 units, |rate| < 2^29 and elapsed < 2^34,
        // with the remainder carried.
        let product = elapsed.wrapping_mul(self.rate_q40).wrapping_add(self.rate_carry);
        let frequency = product >> 40;
        self.rate_carry = product.wrapping_sub(frequency.wrapping_shl(40));
        // Slew: at most elapsed · 500 ppm, towards zero.
        let room = elapsed.wrapping_mul(SLEW_RATE_Q32) >> 32;
        let slew = self.slew_left.clamp(room.wrapping_neg(), room);
        self.slew_left = self.slew_left.wrapping_sub(slew);
        // elapsed · (1 − 1000 ppm) > 0: the sum never goes backwards.
        let total = elapsed.wrapping_add(frequency).wrapping_add(slew).max(0);
        self.time = self.time.wrapping_add(NtpDuration::from_bits(total));
    }
}

impl<C: Counter> NtpClock for SoftClock<C> {
    /// The disciplined time now: never earlier than the last reading unless
    /// [`step`](ClockControl::step) moved it back.
    fn now(&mut self) -> NtpTimestamp {
        self.advance();
        self.time
    }
}

impl<C: Counter> ClockControl for SoftClock<C> {
    /// Only [`set_frequency`](ClockControl::set_frequency) fails: beyond
    /// ±[`MAX_FREQUENCY_PPB`] ([`ClockError::FrequencyOutOfRange`], nothing changes).
    type Error = ClockError;

    /// Moves the time by `offset` at once (the only way it goes backwards) and drops any
    /// slew in progress.
    fn step(&mut self, offset: NtpDuration) -> Result<(), Self::Error> {
        self.advance();
        self.time = self.time.wrapping_add(offset);
        self.slew_left = 0;
        Ok(())
    }

    /// Slews `offset` in at [`SLEW_RATE_PPM`], replacing any correction in progress.
    fn slew(&mut self, offset: NtpDuration) -> Result<(), Self::Error> {
        self.advance();
        self.slew_left = offset.to_bits();
        Ok(())
    }

    /// [`set_frequency_ppb`](SoftClock::set_frequency_ppb).
    fn set_frequency(&mut self, ppb: i64) -> Result<(), Self::Error> {
        self.set_frequency_ppb(ppb)
    }
}

#[cfg(feature = "defmt")]
impl<C> defmt::Format for SoftClock<C> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "SoftClock {{ time: {}, frequency_ppb: {=i64}, slew_left: {=i64} }}",
            self.time,
            self.frequency_ppb,
            self.slew_left
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    struct Ticks<'a>(&'a Cell<u64>);
    impl Counter for Ticks<'_> {
        fn read(&mut self) -> u64 {
            self.0.get()
        }
    }

    fn start() -> NtpTimestamp {
        NtpTimestamp::from_parts(0xeeac_e73b, 0)
    }

    fn ns(clock: &mut SoftClock<Ticks<'_>>) -> i64 {
        (clock.now() - start()).to_nanos()
    }

    #[test]
    fn counts_seconds_at_any_rate() {
        for hz in [1u64, 32_768, 1_000_000, 48_000_000, 1 << 31] {
            let t = Cell::new(7);
            let mut c = SoftClock::new(Ticks(&t), hz, 64, start()).unwrap();
            t.set(7 + hz * 10);
            let got = ns(&mut c);
            assert!((got - 10_000_000_000).abs() <= 1, "{hz} Hz: {got}");
        }
    }

    /// C-1: a 16-bit counter at 32.768 kHz wraps every 2 s; read every 1.5 s for an
    /// hour across 1,800 wraps, the time is right to the unit.
    #[test]
    fn c1_counter_wrap_is_followed() {
        let t = Cell::new(0xfff0);
        let mut c = SoftClock::new(Ticks(&t), 32_768, 16, start()).unwrap();
        let mut raw = 0xfff0u64;
        for _ in 0..2_400 {
            raw += 49_152; // 1.5 s
            t.set(raw & 0xffff); // the hardware shows only 16 bits
            let _ = c.now();
        }
        assert_eq!(ns(&mut c), 3_600_000_000_000);
    }

    /// C-2: the clock never runs backwards outside a step: at the largest negative
    /// frequency correction, slewing the largest negative offset, read at every tick of
    /// a fast counter and at uneven intervals of a slow one.
    #[test]
    #[cfg_attr(miri, ignore = "tens of thousands of reads: run natively in every test job")]
    fn c2_never_backwards_while_slewing_slow() {
        for (hz, stride) in [(48_000_000u64, 1u64), (32_768, 7), (1_000_000, 999_983)] {
            let t = Cell::new(0);
            let mut c = SoftClock::new(Ticks(&t), hz, 32, start()).unwrap();
            c.set_frequency_ppb(-MAX_FREQUENCY_PPB).unwrap();
            c.slew(NtpDuration::from_seconds(-1000)).unwrap();
            let mut last = c.now();
            for i in 1..20_000u64 {
                t.set((i * stride) & 0xffff_ffff);
                let now = c.now();
                assert!(!(now - last).is_negative(), "{hz} Hz, read {i}: {last} then {now}");
                last = now;
            }
            // A step is the one way back.
            c.step(NtpDuration::from_seconds(-5)).unwrap();
            assert!((c.now() - last).is_negative());
        }
    }

    /// C-3: absurd settings are refused by name and change nothing; absurd corrections
    /// (±68 years) are bounded: a step moves the time by exactly that, a slew proceeds
    /// at 500 ppm and never panics.
    #[test]
    fn c3_absurd_inputs_are_refused_or_bounded() {
        let t = Cell::new(0);
        assert_eq!(SoftClock::new(Ticks(&t), 0, 32, start()).err(), Some(ClockError::BadRate { hz: 0 }));
        assert_eq!(
            SoftClock::new(Ticks(&t), 1 << 32, 32, start()).err(),
            Some(ClockError::BadRate { hz: 1 << 32 })
        );
        assert_eq!(SoftClock::new(Ticks(&t), 1000, 8, start()).err(), Some(ClockError::BadWidth { bits: 8 }));
        assert_eq!(
            SoftClock::new(Ticks(&t), 1000, 65, start()).err(),
            Some(ClockError::BadWidth { bits: 65 })
        );
        let mut c = SoftClock::new(Ticks(&t), 1_000_000, 64, start()).unwrap();
        c.set_frequency_ppb(12_345).unwrap();
        for bad in [500_001, -500_001, i64::MAX, i64::MIN] {
            assert_eq!(c.set_frequency_ppb(bad), Err(ClockError::FrequencyOutOfRange { ppb: bad }));
            assert_eq!(c.frequency_ppb(), 12_345);
        }
        c.set_frequency_ppb(0).unwrap();
        let before = c.now();
        c.step(NtpDuration::MAX).unwrap();
        assert_eq!(c.now() - before, NtpDuration::MAX);
        c.slew(NtpDuration::MIN).unwrap();
        t.set(1_000_000 * 100); // 100 s: 50 ms of the slew, no more
        let _ = c.now();
        let done = NtpDuration::MIN.to_bits() - c.slew_remaining().to_bits();
        // 500 ppm of 100 s, to within the rate's rounding (2^-32 of it).
        assert!((NtpDuration::from_bits(done).to_nanos() + 50_000_000).abs() <= 20, "{done}");
        // A 64-bit counter read after 292,000 years of ticks: counted as 9 hours, in
        // bounded work.
        let before = c.now();
        t.set(u64::MAX / 2);
        let after = c.now();
        let counted = (after - before).to_nanos() / 1_000_000_000;
        assert!((9 * 3600..10 * 3600).contains(&counted), "{counted} s");
    }

    /// C-4: reading the clock often loses nothing: a million readings one tick apart
    /// give the same time, to the unit, as one reading at the end, with a frequency
    /// correction and a slew in progress.
    #[test]
    #[cfg_attr(miri, ignore = "tens of thousands of reads: run natively in every test job")]
    fn c4_frequent_reads_accumulate_no_rounding() {
        let (ta, tb) = (Cell::new(0), Cell::new(0));
        let mut a = SoftClock::new(Ticks(&ta), 3_000_017, 64, start()).unwrap();
        let mut b = SoftClock::new(Ticks(&tb), 3_000_017, 64, start()).unwrap();
        for c in [&mut a, &mut b] {
            c.set_frequency_ppb(-31_337).unwrap();
        }
        for i in 1..=1_000_000u64 {
            ta.set(i);
            let _ = a.now();
        }
        tb.set(1_000_000);
        assert_eq!(a.now(), b.now());
    }

    #[test]
    fn frequency_correction_in_ppb() {
        let t = Cell::new(0);
        let mut c = SoftClock::new(Ticks(&t), 1_000_000, 64, start()).unwrap();
        c.set_frequency_ppb(50_000).unwrap(); // +50 ppm
        t.set(1_000_000 * 1000); // 1000 s
        let got = ns(&mut c);
        assert!((got - 1_000_050_000_000).abs() <= 2, "{got}");
        assert_eq!(c.set_frequency_ppb(500_001), Err(ClockError::FrequencyOutOfRange { ppb: 500_001 }));
        assert_eq!(c.frequency_ppb(), 50_000);
    }
}

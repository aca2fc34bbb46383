//! [`Discipline`]: keeps time between updates by estimating the local oscillator's
//! frequency error and correcting it, so the clock stays right between polls and while
//! every server is gone — in integers, with no allocation.
//!
//! The client ([`Client`](crate::client::Client)) measures, selects and decides; the
//! discipline takes its events — each accepted sample, and each [`SystemUpdate`] — and
//! answers every update with a [`Correction`]: a frequency adjustment (in ppb) and a
//! phase correction (a [`Decision`]: slew, step or refuse), which
//! [`Correction::apply`] carries out through the caller's [`ClockControl`]. ntpkit
//! never steers by itself.
//!
//! # The algorithm, and why
//!
//! A weighted least-squares line through the *raw phase*: each fresh sample's offset
//! plus every correction the discipline has commanded since the window began (the
//! frequency correction integrated over time, the slews at the 500 ppm rate of
//! [`ClockControl::slew`], both accounted exactly). Without corrections that is the
//! offset the servers would see on the free-running oscillator: a straight line whose
//! slope is the oscillator's frequency error, whatever the discipline did in between.
//! The slope is the frequency correction; the line's value now, minus what has been
//! applied, is the phase to slew.
//!
//! Samples come from the servers the client selected in its latest update (so a
//! falseticker never enters), each weighted by its delay: a sample whose round trip
//! exceeds the server's recent minimum by `e` can be off by up to `e/2` (RFC 5905 §8),
//! so its weight falls with `(e/2)²` — the clock filter's idea (§10), kept per sample.
//! The client's own filtered offset is not used: it may come from a sample taken
//! several polls ago, before corrections the discipline has since made.
//!
//! Chosen over RFC 5905 §11.3's PLL/FLL by the figures in the README (`cargo test
//! --release --test discipline -- --nocapture`, which runs the RFC's Appendix A.5.5.6
//! discipline on the same clock beside this one): a loop filter trades frequency noise
//! against settling time through one time constant that grows with the poll, so with
//! polls reaching 1024 s the appendix's PLL/FLL was still 5 ppm off after 4 hours and
//! kept a p99 time error of 21 ms at 1 ms of jitter, where the regression reached
//! 0.04 ppm and 0.32 ms. A regression gets its noise from the hours of samples it
//! holds and settles as soon as it has them, and a step or a restart does not disturb
//! it. Over a Kalman filter (ntpd-rs) it wins on size and on needing no model of the
//! oscillator's noise: its one assumption is a frequency that wanders slowly over the
//! window. It costs flash: see `benches/size` (`client4_kept`).
//! The window holds [`BINS`] bins. Each bin averages the samples that arrive within its
//! span; the span starts at 1 s, so the start-up burst fills the window at once, and
//! doubles (merging bins pairwise) whenever the window is full, up to
//! [`MAX_BIN_SPAN`] — a window of 16 × 1024 s ≈ 4.5 hours, long enough to average
//! the jitter of long polls out and short enough to follow a crystal's slow wander
//! (in the simulation, 256 s and 512 s spans missed the frequency goal on some seeds;
//! 1024 s met it on all eight). Until the window spans
//! [`MIN_FIT_SPAN`] the frequency stays at its prior (zero, or a
//! [saved](SavedFrequency) value); after, the fit is blended with the prior by their
//! variances, so an early, noisy slope moves the frequency only as far as it deserves.
//!
//! # Steps, refusals and absurd input
//!
//! The client decides when to step (start-up, beyond the step threshold) and when to
//! refuse (beyond the panic threshold). On a step the discipline passes the step on,
//! keeps its frequency, and starts a new window (the raw phase jumped). On a
//! [`Decision::Panic`] it changes nothing. Time going backwards is refused with
//! [`DisciplineError::TimeWentBackwards`] and changes nothing; a gap beyond
//! [`MAX_GAP`] starts a new window; every quantity is clamped, so any sequence of
//! inputs gives bounded corrections in bounded time.
//!
//! ```
//! use core::cell::Cell;
//! use ntpkit::clock::{Counter, SoftClock};
//! use ntpkit::client::Decision;
//! use ntpkit::discipline::Discipline;
//! use ntpkit::time::Instant;
//! use ntpkit::traits::NtpClock;
//! use ntpkit::{NtpDuration, NtpTimestamp};
//!
//! /// A 1 MHz counter on a crystal 20 ppm fast (here a cell the example advances).
//! struct Timer<'a>(&'a Cell<u64>);
//! impl Counter for Timer<'_> {
//!     fn read(&mut self) -> u64 { self.0.get() }
//! }
//! let ticks = Cell::new(0);
//! let start = NtpTimestamp::from_parts(0xeeac_e73b, 0);
//! let mut clock = SoftClock::new(Timer(&ticks), 1_000_000, 64, start)?;
//! let mut discipline = Discipline::new();
//! // Every 64 s one server (source 0) says how far ahead it is, over a 10 ms round
//! // trip; the true time is `t` seconds after `start`.
//! let delay = NtpDuration::from_nanos(10_000_000).unwrap();
//! for poll in 1..=120u64 {
//!     let t = poll * 64;
//!     let now = Instant::from_nanos(t * 1_000_000_000);
//!     ticks.set(t * 1_000_020); // 20 ppm fast
//!     let offset = (start + NtpDuration::from_seconds(t as i32)) - clock.now();
//!     discipline.sample_with(now, 0, offset, delay)?;
//!     discipline.update_with(now, Decision::Slew(offset))?.apply(&mut clock)?;
//! }
//! // The frequency error is found to within a part per billion.
//! assert!((discipline.frequency_ppb() + 20_000).abs() <= 1, "{}", discipline.frequency_ppb());
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

mod saved;
#[cfg(test)]
mod tests;
mod window;

use crate::client::{Decision, Event, PeerId, SystemUpdate};
use crate::clock::MAX_FREQUENCY_PPB;
use crate::exchange::SyncResult;
use crate::math::int::{div_i64_by_positive, div_u64, isqrt};
use crate::time::{Instant, NtpDuration};
use crate::traits::ClockControl;

pub use saved::{DisciplineError, SavedFrequency};
use window::{FLOOR2, FULL_WEIGHT, FULL_WEIGHT_FLOOR2, MAX_VARIANCE, Window};

/// Bins in the regression window.
pub const BINS: usize = window::BINS;

/// The longest a bin grows: 1024 s, so the window spans about 4.5 hours of samples
/// (more when samples are further apart than that).
pub const MAX_BIN_SPAN: core::time::Duration = core::time::Duration::from_nanos(window::MAX_SPAN_NS as u64);

/// The window must span this much before its slope is used: 64 s. A slope over the
/// seconds of a start-up burst is mostly jitter.
pub const MIN_FIT_SPAN: core::time::Duration = core::time::Duration::from_secs(64);

/// A gap between inputs beyond this (2⁴⁷ ns, about 39 hours: more than the longest
/// poll) starts a new window: the slews and wander since are unknowable.
pub const MAX_GAP: core::time::Duration = core::time::Duration::from_nanos(MAX_GAP_NS);

/// The frequency uncertainty assumed with nothing known: 100 ppm, twice a typical
/// crystal's tolerance.
pub const INITIAL_UNCERTAINTY_PPB: u64 = 100_000;

const MIN_FIT_SPAN_NS: i64 = 64_000_000_000;
const DEFAULT_STEP_THRESHOLD_NS: i64 = 128_000_000;
const MAX_GAP_NS: u64 = 1 << 47;
/// The prior after a new window is never trusted below (0.01 ppm)².
const MIN_PRIOR_VARIANCE: u64 = 100;
/// 500 ppm, the rate [`ClockControl::slew`] corrects at: ns of time per ns slewed.
const SLEW_DIVISOR: i64 = 2_000;
/// A sample may be off the line by half its excess delay plus this (5 ms) before it
/// counts as a spike.
const SPIKE_MARGIN_NS: i64 = 5_000_000;
/// Spikes in a row that start a new window: four, one round of four servers.
const SPIKES_IN_A_ROW: u8 = 4;
/// Per-source minimum delays are kept for this many sources (a source's slot is its
/// index modulo this; sharing a slot only lowers the minimum, so weights err low).
const DELAY_SLOTS: usize = 8;
/// A minimum delay ages by 2⁻²⁰ (about 1 ppm) of the time since it was seen, so a
/// route that got longer is learnt in time.
const DELAY_AGING_SHIFT: u32 = 20;

/// What a [`Discipline`] asks of the clock: carry it out with [`apply`](Self::apply).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use]
pub struct Correction {
    /// The frequency correction, in parts per billion (positive: the clock runs
    /// faster), within ±[`MAX_FREQUENCY_PPB`]. It replaces the previous one.
    pub frequency_ppb: i64,
    /// The phase correction: slew the predicted offset now, step, or (on
    /// [`Decision::Panic`]) touch nothing.
    pub phase: Decision,
}

impl Correction {
    /// Carries the correction out through `clock`: the frequency, then the step or the
    /// slew. A panic touches nothing and returns `Ok(false)`; otherwise `Ok(true)`.
    pub fn apply<C: ClockControl>(&self, clock: &mut C) -> Result<bool, C::Error> {
        if let Decision::Panic(_) = self.phase {
            return Ok(false);
        }
        clock.set_frequency(self.frequency_ppb)?;
        self.phase.apply(clock)
    }
}

/// A clock discipline: a delay-weighted regression of raw phase that estimates the
/// oscillator's frequency error and the phase to correct; see the
/// [module docs](self).
///
/// 840 bytes (16 bins of 32), no allocation; an update costs three passes over the bins
/// and a few long divisions (no division helper is linked).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Discipline {
    window: Window,
    /// Monotonic ns of the window's origin, and of the last input.
    origin: u64,
    last: Option<u64>,
    /// Correction applied since the origin (frequency integrated, slews done), ns.
    applied: i64,
    /// Slew commanded and not yet done, ns.
    slew_left: i64,
    frequency_ppb: i64,
    variance: u64,
    prior_ppb: i64,
    prior_variance: u64,
    /// Servers selected in the latest update, one bit per PeerId.
    selected: [u32; 8],
    /// Per-source minimum delay (ns) and when it was seen (monotonic ns).
    min_delay: [Option<(i64, u64)>; DELAY_SLOTS],
    /// Samples off the line in a row.
    spikes: u8,
    step_threshold_ns: i64,
    steps: u32,
}

impl Default for Discipline {
    fn default() -> Self {
        Self::new()
    }
}

impl Discipline {
    /// A discipline that knows nothing: frequency 0 ± [`INITIAL_UNCERTAINTY_PPB`].
    pub const fn new() -> Self {
        Self::with_prior(0, INITIAL_UNCERTAINTY_PPB)
    }

    /// A discipline that starts from a saved estimate: apply
    /// [`frequency_ppb`](Self::frequency_ppb) to the clock at once; the first samples
    /// refine it rather than find it.
    pub const fn restore(saved: SavedFrequency) -> Self {
        Self::with_prior(saved.ppb(), saved.uncertainty_ppb())
    }

    const fn with_prior(ppb: i64, uncertainty_ppb: u64) -> Self {
        let variance = uncertainty_ppb.saturating_mul(uncertainty_ppb);
        Self {
            window: Window::new(),
            origin: 0,
            last: None,
            applied: 0,
            slew_left: 0,
            frequency_ppb: ppb,
            variance,
            prior_ppb: ppb,
            prior_variance: variance,
            selected: [0; 8],
            min_delay: [None; DELAY_SLOTS],
            spikes: 0,
            step_threshold_ns: DEFAULT_STEP_THRESHOLD_NS,
            steps: 0,
        }
    }

    /// The step threshold, default 128 ms as the client's
    /// ([`ClientConfig::step_threshold`](crate::client::ClientConfig::step_threshold)):
    /// give the discipline the same one. A phase estimate beyond it is not slewed: the
    /// clock holds its phase until the client decides the step.
    #[must_use]
    pub const fn with_step_threshold(mut self, threshold: NtpDuration) -> Self {
        self.step_threshold_ns = threshold.to_nanos();
        self
    }

    /// The frequency correction in effect, ppb (positive: the clock is made faster).
    pub const fn frequency_ppb(&self) -> i64 {
        self.frequency_ppb
    }

    /// The frequency estimate's uncertainty (one standard deviation), ppb.
    pub const fn uncertainty_ppb(&self) -> u64 {
        isqrt(self.variance)
    }

    /// Steps passed on since the start.
    pub const fn steps(&self) -> u32 {
        self.steps
    }

    /// The estimate to keep for the next start (the uncertainty clamped to
    /// 1 ..= [`INITIAL_UNCERTAINTY_PPB`]).
    pub fn save(&self) -> SavedFrequency {
        let uncertainty = self.uncertainty_ppb().clamp(1, INITIAL_UNCERTAINTY_PPB);
        let ppb = self.frequency_ppb.clamp(-MAX_FREQUENCY_PPB, MAX_FREQUENCY_PPB);
        SavedFrequency::new(ppb, uncertainty).unwrap_or(SavedFrequency::ZERO)
    }

    /// Takes a client [`Event`] at monotonic time `now` (the time the client was given
    /// with it): a [`Event::Sample`] is recorded, an [`Event::Update`] answered with the
    /// [`Correction`] to apply; other events are nothing to it.
    pub fn handle_event<const N: usize>(
        &mut self,
        now: Instant,
        event: &Event<N>,
    ) -> Result<Option<Correction>, DisciplineError> {
        match event {
            Event::Sample { server, result } => self.sample(now, *server, result).map(|()| None),
            Event::Update(update) => self.update(now, update).map(Some),
            _ => Ok(None),
        }
    }

    /// Records a client's sample from `server` taken at `now`, if the latest update
    /// selected that server; others are ignored.
    pub fn sample(
        &mut self,
        now: Instant,
        server: PeerId,
        result: &SyncResult,
    ) -> Result<(), DisciplineError> {
        self.check_time(now)?;
        if !self.is_selected(server) {
            return Ok(());
        }
        self.sample_with(now, server.0, result.offset(), result.delay())
    }

    /// Records a measurement taken at `now`: `offset` (positive when the server is
    /// ahead) over a round trip of `delay`, from the source numbered `source` (the
    /// delay is judged against that source's recent minimum). The caller vouches for
    /// the source; [`sample`](Self::sample) is the client's way in.
    pub fn sample_with(
        &mut self,
        now: Instant,
        source: u8,
        offset: NtpDuration,
        delay: NtpDuration,
    ) -> Result<(), DisciplineError> {
        self.check_time(now)?;
        let now_ns = now.as_nanos();
        self.account(now_ns);
        let (weight, excess) = self.weight(now_ns, source, delay.to_nanos().max(0));
        let mut x = clamp_to_i64(now_ns.saturating_sub(self.origin));
        let mut y = offset.to_nanos().saturating_add(self.applied);
        // A sample off the line by more than its delay can explain (plus a margin) is
        // a spike, or the servers' time jumped: left out, until SPIKES_IN_A_ROW say
        // the line itself is wrong and a new window starts from them.
        let allowed = (excess >> 1).saturating_add(SPIKE_MARGIN_NS);
        if let Some(line) = self.fit_at(x).map(|fit| fit.phase) {
            if y.saturating_sub(line).unsigned_abs() > allowed.unsigned_abs() {
                self.spikes = self.spikes.saturating_add(1);
                if self.spikes < SPIKES_IN_A_ROW {
                    return Ok(());
                }
                self.new_window(now_ns);
                x = 0;
                y = offset.to_nanos();
            }
        }
        self.spikes = 0;
        self.window.push(x, y, weight);
        Ok(())
    }

    /// The line through the window at `x`, once the window spans [`MIN_FIT_SPAN`].
    fn fit_at(&self, x: i64) -> Option<window::Fit> {
        let oldest = self.window.oldest()?;
        if x.saturating_sub(oldest) < MIN_FIT_SPAN_NS {
            return None;
        }
        self.window.fit(x, self.frequency_ppb)
    }

    /// Takes a client's [`SystemUpdate`] at monotonic time `now` and says what to do
    /// with the clock; it also learns which servers to take samples from.
    pub fn update<const N: usize>(
        &mut self,
        now: Instant,
        update: &SystemUpdate<N>,
    ) -> Result<Correction, DisciplineError> {
        self.check_time(now)?;
        if let Decision::Slew(_) = update.decision {
            self.selected = [0; 8];
            for id in &update.selected {
                let (word, bit) = (usize::from(id.0 >> 5), u32::from(id.0 & 31));
                if let Some(w) = self.selected.get_mut(word) {
                    *w |= 1u32.wrapping_shl(bit);
                }
            }
        }
        self.update_with(now, update.decision)
    }

    /// Takes a decision at monotonic time `now` (its offset is used only until the
    /// window can fit a line) and says what to do with the clock.
    pub fn update_with(&mut self, now: Instant, decision: Decision) -> Result<Correction, DisciplineError> {
        self.check_time(now)?;
        let now_ns = now.as_nanos();
        let offset = match decision {
            Decision::Panic(_) => {
                return Ok(Correction { frequency_ppb: self.frequency_ppb, phase: decision });
            }
            Decision::Step(_) => {
                self.new_window(now_ns);
                self.steps = self.steps.saturating_add(1);
                return Ok(Correction { frequency_ppb: self.frequency_ppb, phase: decision });
            }
            Decision::Slew(offset) => offset,
        };
        self.account(now_ns);
        let x = clamp_to_i64(now_ns.saturating_sub(self.origin));
        let phase_ns = match self.fit_at(x) {
            Some(fit) => {
                self.blend(fit.slope_ppb, fit.variance);
                fit.phase.saturating_sub(self.applied)
            }
            None => offset.to_nanos(),
        };
        // Beyond the step threshold the servers' time has jumped (or ours): that is the
        // client's to decide, by a step. Until it does, the clock holds its phase.
        let phase_ns =
            if phase_ns.unsigned_abs() > self.step_threshold_ns.unsigned_abs() { 0 } else { phase_ns };
        self.slew_left = phase_ns;
        let phase = NtpDuration::from_nanos(phase_ns).unwrap_or(offset);
        Ok(Correction { frequency_ppb: self.frequency_ppb, phase: Decision::Slew(phase) })
    }

    fn check_time(&self, now: Instant) -> Result<(), DisciplineError> {
        match self.last {
            Some(last_ns) if now.as_nanos() < last_ns => {
                Err(DisciplineError::TimeWentBackwards { last_ns, now_ns: now.as_nanos() })
            }
            _ => Ok(()),
        }
    }

    fn is_selected(&self, server: PeerId) -> bool {
        let (word, bit) = (usize::from(server.0 >> 5), u32::from(server.0 & 31));
        self.selected.get(word).is_some_and(|w| w & 1u32.wrapping_shl(bit) != 0)
    }

    /// A sample's weight: full for one whose delay is at the source's aged minimum,
    /// falling with the square of half the excess (the most the excess can bias the
    /// offset, RFC 5905 §8), down to 1.
    /// Returns the weight and the excess delay, ns.
    fn weight(&mut self, now_ns: u64, source: u8, delay_ns: i64) -> (u32, i64) {
        let Some(slot) = self.min_delay.get_mut(usize::from(source) % DELAY_SLOTS) else {
            return (FULL_WEIGHT, 0);
        };
        let aged = slot.map(|(min, at)| {
            let age = clamp_to_i64(now_ns.saturating_sub(at) >> DELAY_AGING_SHIFT);
            min.saturating_add(age)
        });
        let excess = match aged {
            Some(min) if min < delay_ns => delay_ns.saturating_sub(min),
            _ => {
                *slot = Some((delay_ns, now_ns));
                0
            }
        };
        // FULL_WEIGHT · floor² / ((excess/2)² + floor²): below 2^61 with the clamp.
        let half = (excess >> 1).clamp(0, 1 << 30).unsigned_abs();
        let variance = half.wrapping_mul(half).wrapping_add(FLOOR2);
        let weight = div_u64(FULL_WEIGHT_FLOOR2, variance).clamp(1, u64::from(FULL_WEIGHT)) as u32;
        (weight, excess)
    }

    /// Starts a new window at `now_ns`, keeping the frequency as the prior.
    fn new_window(&mut self, now_ns: u64) {
        self.window.clear();
        self.spikes = 0;
        self.origin = now_ns;
        self.last = Some(now_ns);
        self.applied = 0;
        self.slew_left = 0;
        self.prior_ppb = self.frequency_ppb;
        self.prior_variance = self.variance.max(MIN_PRIOR_VARIANCE);
    }

    /// Adds what the clock has done since the last input to `applied`: the slew at
    /// 500 ppm and the frequency correction, both over the time elapsed.
    fn account(&mut self, now_ns: u64) {
        let Some(last) = self.last else {
            self.new_window(now_ns);
            return;
        };
        let elapsed = now_ns.saturating_sub(last);
        if elapsed > MAX_GAP_NS {
            self.new_window(now_ns);
            return;
        }
        let elapsed = elapsed as i64; // < 2^47
        let room = div_i64_by_positive(elapsed, SLEW_DIVISOR);
        let slewed = self.slew_left.clamp(room.wrapping_neg(), room);
        self.slew_left = self.slew_left.saturating_sub(slewed);
        let drift = window::ppb_of(self.frequency_ppb, elapsed);
        self.applied = self.applied.saturating_add(slewed).saturating_add(drift);
        self.last = Some(now_ns);
    }

    /// The frequency: the fit and the prior, weighted by the inverse of their variances.
    fn blend(&mut self, slope_ppb: i64, variance: u64) {
        // Both variances below 2^62, so the sum fits; the fit's share vp / (vp + vf) in
        // 0.16 fixed point, from the top 47 bits of each.
        let (vp, vf) = (self.prior_variance.clamp(1, MAX_VARIANCE), variance.clamp(1, MAX_VARIANCE));
        let scale = 64u32.wrapping_sub(vp.wrapping_add(vf).leading_zeros()).saturating_sub(47);
        let (vp, vf) = ((vp >> scale).max(1), vf >> scale);
        let sum = vp.wrapping_add(vf);
        let share = div_u64(vp << 16, sum) as i64; // ≤ 2^16
        let toward = slope_ppb.clamp(-(1 << 40), 1 << 40).wrapping_sub(self.prior_ppb);
        let frequency = self.prior_ppb.wrapping_add(toward.wrapping_mul(share).wrapping_add(1 << 15) >> 16);
        self.frequency_ppb = frequency.clamp(-MAX_FREQUENCY_PPB, MAX_FREQUENCY_PPB);
        // vp·vf/(vp+vf) = vf · share, back at scale.
        self.variance = ((vf.wrapping_mul(share as u64) >> 16) << scale).clamp(1, MAX_VARIANCE);
    }
}

fn clamp_to_i64(v: u64) -> i64 {
    v.min(i64::MAX as u64) as i64
}

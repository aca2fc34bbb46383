//! The regression window: bins of weighted samples of raw phase, and the weighted
//! least-squares line through them — in 64-bit integers (128-bit arithmetic costs
//! kilobytes of flash on a Cortex-M). The line is fitted to the residuals from the
//! frequency in effect, so the sums stay small: every bound below is kept by a clamp.

use crate::math::int::{div_i64_by_positive, div_rem_u64, div_u64, swap_copy};

/// Bins in the window.
pub(super) const BINS: usize = 16;
/// A bin's first span: 1 s, so the samples of a start-up burst stay apart.
const FIRST_SPAN_NS: i64 = 1_000_000_000;
/// The longest span a bin grows to: 1024 s (the window then covers about 4.5 hours).
pub(super) const MAX_SPAN_NS: i64 = 1_024_000_000_000;
/// A bin closes at this total weight (1,024 samples at full weight), so a flood of
/// samples still moves the window on.
const MAX_BIN_WEIGHT: u32 = 1 << 22;
/// The weight of a sample as good as [`FLOOR_NS`]; worse ones weigh less, down to 1.
pub(super) const FULL_WEIGHT: u32 = 1 << 12;
/// The error assumed of the best sample: 10 µs.
pub(super) const FLOOR_NS: i64 = 10_000;
/// FLOOR², ns².
pub(super) const FLOOR2: u64 = (FLOOR_NS as u64) * (FLOOR_NS as u64);
/// FULL_WEIGHT · FLOOR²: the expected weighted square residual of one bin.
pub(super) const FULL_WEIGHT_FLOOR2: u64 = (FULL_WEIGHT as u64) * (FLOOR_NS as u64) * (FLOOR_NS as u64);
/// Times are fitted in units of 2²² ns (4.2 ms), |dx| ≤ 2²⁴ units (19.5 hours);
/// residual phase within ±2²⁶ ns (67 ms); weights scaled to at most 2⁶ for the fit.
const X_SHIFT: u32 = 22;
const MAX_DX: i64 = 1 << 24;
const MAX_R: i64 = 1 << 26;
const W_BITS: u32 = 6;
/// Slopes are computed in 2⁻¹³ ppb: ns per 2²² ns × 10⁹ · 2¹³ / 2²² = × 1,953,125.
const SLOPE_SCALE: i64 = 1_953_125;
/// ... and clamped to ±1,000 ppm.
const MAX_SLOPE_Q: i64 = 1_000_000 << 13;
/// Var(slope) in ppb² = FULL_WEIGHT · FLOOR² · 10¹⁸ / (Σ w·dx² · 2⁴⁴) = this / Σ w·dx².
const VARIANCE_NUMERATOR: i64 = 23_283_064_365_386_963;
/// Variances are clamped to [1, 2⁶²] ppb².
pub(super) const MAX_VARIANCE: u64 = 1 << 62;

/// One bin: the weighted mean time and raw phase of the samples in it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Bin {
    weight: u32,
    /// The first sample's time, ns since the window's origin.
    first: i64,
    /// Weighted mean time, ns since the origin.
    x: i64,
    /// Weighted mean raw phase, ns.
    y: i64,
}

impl Bin {
    fn merged(a: Bin, b: Bin) -> Bin {
        let weight = a.weight.saturating_add(b.weight).max(1);
        // b's share in 0.32 fixed point.
        let t = div_u64(u64::from(b.weight) << 32, u64::from(weight)) as i64;
        Bin { weight, first: a.first, x: toward(a.x, b.x, t), y: toward(a.y, b.y, t) }
    }
}

/// `p + (q − p) · t / 2³²` for `0 ≤ t ≤ 2³²`, with `|q − p|` clamped to 2⁴⁶, to
/// within 2 units and without overflow.
fn toward(p: i64, q: i64, t: i64) -> i64 {
    let d = q.saturating_sub(p).clamp(-(1 << 46), 1 << 46);
    // d = hi·2^16 + lo with 0 ≤ lo < 2^16: hi·t < 2^62 and lo·t < 2^48.
    let high = (d >> 16).wrapping_mul(t) >> 16;
    let low = (d & 0xffff).wrapping_mul(t) >> 32;
    p.saturating_add(high.wrapping_add(low))
}

/// `ppb · ns / 10⁹`, rounded, for |ppb| ≤ 2²⁰ and any `ns`: whole seconds and the
/// rest apart, so no product overflows (|ns| is clamped to 2⁶² first).
pub(super) fn ppb_of(ppb: i64, ns: i64) -> i64 {
    let magnitude = ns.unsigned_abs().min(1 << 62);
    let (seconds, nanos) = div_rem_u64(magnitude, 1_000_000_000);
    let ppb = ppb.clamp(-(1 << 20), 1 << 20);
    // |ppb·nanos| < 2^50; the half rounds away from zero.
    let part = ppb.wrapping_mul(nanos as i64).wrapping_add(if ppb < 0 { -500_000_000 } else { 500_000_000 });
    let result = ppb.saturating_mul(seconds as i64).saturating_add(div_i64_by_positive(part, 1_000_000_000));
    if ns < 0 { result.saturating_neg() } else { result }
}

/// The line through the window.
pub(super) struct Fit {
    /// Slope of raw phase against time: the frequency correction, ppb.
    pub slope_ppb: i64,
    /// Its variance, ppb².
    pub variance: u64,
    /// Raw phase on the line at the time asked for, ns.
    pub phase: i64,
}

/// Up to [`BINS`] bins, oldest first.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(super) struct Window {
    bins: [Bin; BINS],
    len: usize,
    span: i64,
}

impl Window {
    pub(super) const fn new() -> Self {
        Self { bins: [Bin { weight: 0, first: 0, x: 0, y: 0 }; BINS], len: 0, span: FIRST_SPAN_NS }
    }

    pub(super) fn clear(&mut self) {
        self.len = 0;
        self.span = FIRST_SPAN_NS;
    }

    /// Time of the oldest sample, ns since the origin.
    pub(super) fn oldest(&self) -> Option<i64> {
        self.bins.get(..self.len)?.first().map(|b| b.first)
    }

    /// Adds a sample to the newest bin, or opens a bin: when all are full, merging
    /// them pairwise (and doubling the span) until the span is [`MAX_SPAN_NS`], then
    /// dropping the oldest.
    pub(super) fn push(&mut self, x: i64, y: i64, weight: u32) {
        let sample = Bin { weight: weight.max(1), first: x, x, y };
        let span = self.span;
        let newest = self.len.checked_sub(1).and_then(|i| self.bins.get_mut(i));
        if let Some(bin) = newest.filter(|b| x.saturating_sub(b.first) < span && b.weight < MAX_BIN_WEIGHT) {
            *bin = Bin::merged(*bin, sample);
            return;
        }
        if self.len >= BINS {
            if self.span < MAX_SPAN_NS {
                // Bin i takes bins 2i and 2i+1: both are read before slot i is written.
                for i in 0..BINS / 2 {
                    let (a, b) = (i.wrapping_mul(2), i.wrapping_mul(2).wrapping_add(1));
                    if let (Some(&a), Some(&b)) = (self.bins.get(a), self.bins.get(b)) {
                        if let Some(slot) = self.bins.get_mut(i) {
                            *slot = Bin::merged(a, b);
                        }
                    }
                }
                self.len = BINS / 2;
                self.span = self.span.saturating_mul(2).min(MAX_SPAN_NS);
            } else {
                // Drop the oldest: adjacent swaps carry it to the end (no memmove).
                for i in 1..BINS {
                    swap_copy(&mut self.bins, i.wrapping_sub(1), i);
                }
                self.len = BINS.wrapping_sub(1);
            }
        }
        if let Some(slot) = self.bins.get_mut(self.len) {
            *slot = sample;
            self.len = self.len.saturating_add(1);
        }
    }

    /// The weighted least-squares line, evaluated at `x_now`, fitted to the residuals
    /// from a line of slope `frequency_ppb` (the correction in effect); `None` with
    /// fewer than two distinct times.
    pub(super) fn fit(&self, x_now: i64, frequency_ppb: i64) -> Option<Fit> {
        let bins = self.bins.get(..self.len)?;
        let heaviest = bins.iter().map(|b| b.weight).max()?;
        let shift = 32u32.wrapping_sub(heaviest.leading_zeros()).saturating_sub(W_BITS);
        let f = frequency_ppb.clamp(-1_000_000, 1_000_000);
        // The reference: the newest bin carried to x_now along the frequency in effect
        // (the phase that frequency explains over a time difference is exact, ppb_of).
        let newest = bins.last()?;
        let y_ref = newest.y.wrapping_sub(ppb_of(f, newest.x.saturating_sub(x_now)));
        // Each bin as (weight ≤ 2^6, dx in 2^22 ns ≤ 2^24, residual phase in ns ≤ 2^26),
        // and the weighted sums for the means.
        let mut points = [(0i32, 0i32, 0i32); BINS];
        let (mut sw, mut sx, mut sr) = (0i64, 0i64, 0i64);
        for (p, b) in points.iter_mut().zip(bins) {
            let dt = b.x.saturating_sub(x_now);
            let dx = (dt >> X_SHIFT).clamp(-MAX_DX, MAX_DX);
            let r = b.y.saturating_sub(y_ref).saturating_sub(ppb_of(f, dt)).clamp(-MAX_R, MAX_R);
            let w = (b.weight >> shift) as i32;
            *p = (w, dx as i32, r as i32);
            sw = sw.wrapping_add(i64::from(w));
            sx = sx.wrapping_add(i64::from(w).wrapping_mul(dx));
            sr = sr.wrapping_add(i64::from(w).wrapping_mul(r));
        }
        let points = points.get(..bins.len())?;
        let (mx, mr) = (div_i64_by_positive(sx, sw), div_i64_by_positive(sr, sw));
        let centred = |&(w, dx, r): &(i32, i32, i32)| {
            (i64::from(w), i64::from(dx).wrapping_sub(mx), i64::from(r).wrapping_sub(mr))
        };
        // w·cx² < 2^6·2^50 and |w·cx·cr| < 2^6·2^25·2^27, 16 bins.
        let (mut sxx, mut sxr) = (0i64, 0i64);
        for (w, cx, cr) in points.iter().map(centred) {
            sxx = sxx.wrapping_add(w.wrapping_mul(cx).wrapping_mul(cx));
            sxr = sxr.wrapping_add(w.wrapping_mul(cx).wrapping_mul(cr));
        }
        if sxx <= 0 {
            return None;
        }
        // The slope of the residuals in 2^-13 ppb: sxr / sxx × 1,953,125, with both
        // scaled down together until sxr·1,953,125 fits.
        let excess = 64u32.wrapping_sub(sxr.unsigned_abs().leading_zeros()).saturating_sub(41);
        let den = (sxx >> excess).max(1);
        let delta = div_i64_by_positive((sxr >> excess).wrapping_mul(SLOPE_SCALE), den)
            .clamp(-MAX_SLOPE_Q, MAX_SLOPE_Q);
        // The line's value at dx: its residual plus delta·dx / 1,953,125 ns (< 2^58).
        let along = |dx: i64| div_i64_by_positive(delta.wrapping_mul(dx), SLOPE_SCALE);
        let phase = y_ref.wrapping_add(mr).wrapping_sub(along(mx));
        // The variance the weights promise, scaled up by the scatter seen: weighted
        // squared residuals against (bins − 2) × FULL_WEIGHT × FLOOR², when above.
        let mut ssr = 0u64;
        for (w, cx, cr) in points.iter().map(centred) {
            let res = cr.wrapping_sub(along(cx)).clamp(-MAX_R, MAX_R);
            ssr = ssr.saturating_add(w.wrapping_mul(res).wrapping_mul(res).unsigned_abs());
        }
        let dof = (points.len() as u64).saturating_sub(2).max(1);
        let expected = dof.wrapping_mul(FULL_WEIGHT_FLOOR2 >> shift).max(1);
        let mut variance = div_u64((VARIANCE_NUMERATOR as u64) >> shift, sxx.unsigned_abs());
        if ssr > expected {
            variance = variance.saturating_mul(div_u64(ssr, expected));
        }
        let slope_q = f.wrapping_shl(13).wrapping_add(delta);
        Some(Fit {
            slope_ppb: slope_q.wrapping_add(1 << 12) >> 13,
            variance: variance.clamp(1, MAX_VARIANCE),
            phase,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ppb_line(ppb: i64, step_s: i64, n: i64) -> Window {
        let mut w = Window::new();
        for i in 0..n {
            let x = i * step_s * 1_000_000_000;
            w.push(x, 7_000 + ppb * i * step_s, FULL_WEIGHT);
        }
        w
    }

    #[test]
    fn a_line_is_found_exactly() {
        for ppb in [-500_000, -50_000, -1, 0, 3, 49_999, 500_000] {
            let w = ppb_line(ppb, 64, 200);
            let x_now = 199 * 64 * 1_000_000_000;
            // Whatever frequency is in effect, within a few ppm (the residuals over the
            // 3.5 hours stay inside their ±67 ms clamp), the same line.
            for f in [ppb, ppb + 1_000, ppb - 3_000] {
                let fit = w.fit(x_now, f).unwrap();
                assert!((fit.slope_ppb - ppb).abs() <= 1, "{ppb} from {f}: {}", fit.slope_ppb);
                let want = 7_000 + ppb * 199 * 64;
                if f == ppb {
                    assert!((fit.phase - want).abs() <= 50, "{ppb}: {} vs {want}", fit.phase);
                }
            }
        }
    }

    #[test]
    fn the_window_merges_then_slides() {
        let w = ppb_line(1_000, 200, 1_600); // 89 hours of samples every 200 s
        assert_eq!(w.len, BINS);
        assert_eq!(w.span, MAX_SPAN_NS);
        // Sliding: each bin holds the samples of one span (six, 1,200 s from one bin's
        // first to the next's), so the oldest sample is 15 to 16 bins old.
        let age = 1_599 * 200 * 1_000_000_000 - w.oldest().unwrap();
        let stride = 1_200 * 1_000_000_000;
        assert!((15 * stride..=16 * stride).contains(&age), "{age}");
    }

    #[test]
    fn one_time_is_no_line() {
        let mut w = Window::new();
        w.push(5, 1, FULL_WEIGHT);
        w.push(5, 9, FULL_WEIGHT);
        assert!(w.fit(5, 0).is_none());
        assert!(Window::new().fit(0, 0).is_none());
    }

    #[test]
    fn ppb_of_is_exact() {
        assert_eq!(ppb_of(50_000, 1_000_000_000), 50_000);
        assert_eq!(ppb_of(-50_000, 1_000_000_000), -50_000);
        assert_eq!(ppb_of(50_000, -3_600_000_000_000), -180_000_000);
        assert_eq!(ppb_of(1, 500_000_000), 1); // 0.5 rounds away from zero
        assert_eq!(ppb_of(-1, 499_999_999), 0);
        // 2^62 ns = 4,611,686,018 s + 427,387,904 ns: 500 ppm of it.
        assert_eq!(ppb_of(500_000, i64::MAX), 2_305_843_009_213_694);
        assert_eq!(ppb_of(i64::MAX, i64::MIN), ppb_of(1 << 20, -(1 << 62)));
    }

    #[test]
    fn toward_is_a_weighted_mean() {
        assert_eq!(toward(0, 1_000, 1 << 31), 500);
        assert_eq!(toward(-7, 7, 0), -7);
        assert_eq!(toward(-7, 7, 1 << 32), 7);
        assert_eq!(toward(i64::MIN, i64::MAX, 1 << 32), i64::MIN + (1 << 46));
        let m = toward(1_000_000_000_000, 1_000_000_300_000, 1 << 30);
        assert!((m - 1_000_000_075_000).abs() <= 2, "{m}");
    }
}

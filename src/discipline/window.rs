//! The regression window: bins of weighted samples of raw phase, and the weighted
//! least-squares line through them. Integers only; every sum is bounded below 2¹²⁷
//! by the clamps named here, and [`mul_div`] shifts rather than overflows if not.

use crate::math::int::{div_i128, swap_copy};

/// Bins in the window.
pub(super) const BINS: usize = 16;
/// A bin's first span: 1 s, so the samples of a start-up burst stay apart.
const FIRST_SPAN_NS: i64 = 1_000_000_000;
/// The longest span a bin grows to: 1024 s (the window then covers about 4.5 hours).
pub(super) const MAX_SPAN_NS: i64 = 1_024_000_000_000;
/// A bin closes at this total weight (1,024 samples at full weight), so the sums
/// stay in range and a flood of samples still moves the window on.
const MAX_BIN_WEIGHT: u32 = 1 << 22;
/// The weight of a sample as good as [`FLOOR_NS`]; worse ones weigh less, down to 1.
pub(super) const FULL_WEIGHT: u32 = 1 << 12;
/// The error assumed of the best sample: 10 µs.
pub(super) const FLOOR_NS: i64 = 10_000;
/// x is in units of 2¹⁰ ns; |dx| ≤ 2⁴¹ units (26 days), |dy| ≤ 2³⁶ ns (68 s).
const X_SHIFT: u32 = 10;
const MAX_DX: i64 = 1 << 41;
const MAX_DY_NS: i64 = 1 << 36;
/// The slope is computed in 2⁻⁵ ppb: ns per 2¹⁰ ns × 10⁹ · 2⁵ / 2¹⁰ = × 1,953,125 · 2⁴.
const SLOPE_SCALE: i128 = 1_953_125 << 4;
/// ... and clamped to ±1,000 ppm.
const MAX_SLOPE_Q: i128 = 32_000_000;
/// Var(slope) in ppb² = FULL_WEIGHT · FLOOR² · 10¹⁸ / (Sxx · 2²⁰) = this / Sxx.
const VARIANCE_NUMERATOR: i128 = 390_625_000_000_000_000_000_000;
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
        let mean = |p: i64, q: i64| {
            let sum = i128::from(p)
                .wrapping_mul(i128::from(a.weight))
                .wrapping_add(i128::from(q).wrapping_mul(i128::from(b.weight)));
            div_round(sum, i128::from(weight)) as i64
        };
        Bin { weight, first: a.first, x: mean(a.x, b.x), y: mean(a.y, b.y) }
    }
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
        *self = Self::new();
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

    /// The weighted least-squares line, evaluated at `x_now`; `None` with fewer than
    /// two distinct times.
    pub(super) fn fit(&self, x_now: i64) -> Option<Fit> {
        let bins = self.bins.get(..self.len)?;
        let y_ref = bins.last()?.y;
        let point = |b: &Bin| {
            let dx = (b.x.saturating_sub(x_now) >> X_SHIFT).clamp(-MAX_DX, MAX_DX);
            let dy = b.y.saturating_sub(y_ref).clamp(-MAX_DY_NS, MAX_DY_NS);
            (i128::from(b.weight), i128::from(dx), i128::from(dy))
        };
        // Weighted means (Σw ≤ 2^26, so Σw·dx < 2^68).
        let (mut sw, mut sx, mut sy) = (0i128, 0i128, 0i128);
        for (w, dx, dy) in bins.iter().map(point) {
            sw = sw.wrapping_add(w);
            sx = sx.wrapping_add(w.wrapping_mul(dx));
            sy = sy.wrapping_add(w.wrapping_mul(dy));
        }
        let (mx, my) = (div_round(sx, sw), div_round(sy, sw));
        // Centred sums: w·cx² < 2^22·2^84 and w·cx·cy < 2^22·2^42·2^37, 16 bins.
        let (mut sxx, mut sxy) = (0i128, 0i128);
        for (w, dx, dy) in bins.iter().map(point) {
            let (cx, cy) = (dx.wrapping_sub(mx), dy.wrapping_sub(my));
            sxx = sxx.wrapping_add(w.wrapping_mul(cx).wrapping_mul(cx));
            sxy = sxy.wrapping_add(w.wrapping_mul(cx).wrapping_mul(cy));
        }
        if sxx <= 0 {
            return None;
        }
        let slope_q = mul_div(sxy, SLOPE_SCALE, sxx).clamp(-MAX_SLOPE_Q, MAX_SLOPE_Q);
        // The variance the weights promise, scaled up by the scatter actually seen: the
        // weighted residuals against (bins − 2) × FULL_WEIGHT × FLOOR², when above 1.
        let mut ssr = 0i128;
        for (w, dx, dy) in bins.iter().map(point) {
            let (cx, cy) = (dx.wrapping_sub(mx), dy.wrapping_sub(my));
            // slope·cx in ns: slope_q·cx·2^10/(2^5·10^9) < 2^25·2^42·2^10 before dividing.
            let r = cy.wrapping_sub(mul_div(slope_q.wrapping_mul(cx), 1 << X_SHIFT, 32_000_000_000));
            let r = r.clamp(i128::from(MAX_DY_NS).wrapping_neg(), i128::from(MAX_DY_NS));
            ssr = ssr.saturating_add(w.wrapping_mul(r).wrapping_mul(r));
        }
        let dof = (bins.len() as i128).wrapping_sub(2).max(1);
        let expected =
            dof.wrapping_mul(i128::from(FULL_WEIGHT)).wrapping_mul(i128::from(FLOOR_NS * FLOOR_NS));
        let promised = div_round(VARIANCE_NUMERATOR, sxx);
        let variance = if ssr > expected { mul_div(promised, ssr, expected) } else { promised }
            .clamp(1, i128::from(MAX_VARIANCE)) as u64;
        // The line at dx = 0: my − slope·mx, with slope·mx = slope_q·mx·2^10 / (2^5·10^9).
        let along = mul_div(slope_q.wrapping_mul(mx), 1 << X_SHIFT, 32_000_000_000);
        let phase = i128::from(y_ref).wrapping_add(my).wrapping_sub(along);
        Some(Fit {
            slope_ppb: div_round(slope_q, 32) as i64,
            variance,
            phase: phase.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
        })
    }
}

/// `n / d` rounded to nearest (half away from zero) for `d > 0`; 0 when `d <= 0`.
pub(super) fn div_round(n: i128, d: i128) -> i128 {
    if d <= 0 {
        return 0;
    }
    let q = div_i128(n, d);
    // The remainder, exact; round away from zero when it is at least half of d.
    let r = n.wrapping_sub(q.wrapping_mul(d)).unsigned_abs();
    if r >= d.unsigned_abs().wrapping_sub(r) {
        if n < 0 { q.wrapping_sub(1) } else { q.wrapping_add(1) }
    } else {
        q
    }
}

/// `a · b / c` rounded, for `b, c > 0`: where `a · b` would overflow, `a` and `c` are
/// halved together (at most 127 times) — precision is lost only on absurd inputs.
pub(super) fn mul_div(mut a: i128, b: i128, mut c: i128) -> i128 {
    for _ in 0..128 {
        if c <= 0 {
            break;
        }
        if let Some(product) = a.checked_mul(b) {
            return div_round(product, c);
        }
        a >>= 1;
        c >>= 1;
    }
    0
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
            let fit = w.fit(x_now).unwrap();
            assert_eq!(fit.slope_ppb, ppb, "{ppb}");
            let want = 7_000 + ppb * 199 * 64;
            assert!((fit.phase - want).abs() <= 2, "{ppb}: {} vs {want}", fit.phase);
        }
    }

    #[test]
    fn the_window_merges_then_slides() {
        let w = ppb_line(1_000, 16, 2_000); // 8.9 hours of samples every 16 s
        assert_eq!(w.len, BINS);
        assert_eq!(w.span, MAX_SPAN_NS);
        // Sliding: the oldest sample is about 16 spans old.
        let age = 1_999 * 16 * 1_000_000_000 - w.oldest().unwrap();
        assert!((15 * MAX_SPAN_NS..=17 * MAX_SPAN_NS).contains(&age), "{age}");
    }

    #[test]
    fn one_time_is_no_line() {
        let mut w = Window::new();
        w.push(5, 1, FULL_WEIGHT);
        w.push(5, 9, FULL_WEIGHT);
        assert!(w.fit(5).is_none());
        assert!(Window::new().fit(0).is_none());
    }

    #[test]
    fn mul_div_shifts_rather_than_overflows() {
        assert_eq!(mul_div(10, 3, 4), 8); // 7.5 rounds away from zero
        assert_eq!(mul_div(-10, 3, 4), -8);
        assert_eq!(mul_div(i128::MAX, 4, i128::MAX), 4);
        assert_eq!(mul_div(5, 5, 0), 0);
        assert_eq!(div_round(7, 0), 0);
        assert_eq!(div_round(i128::MAX, 2), i128::MAX / 2 + 1);
        assert_eq!(div_round(i128::MIN + 1, 2), i128::MIN / 2);
        assert_eq!(div_round(-5, 10), -1);
        assert_eq!(div_round(4, 10), 0);
    }
}

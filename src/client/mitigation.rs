//! Clock filter, selection, clustering and combining (RFC 5905 §10–11), in integers.
//!
//! Offsets and distances are [`NtpDuration`]s. Jitters are root-mean-square values
//! computed in nanoseconds with an integer square root. These run once per accepted
//! sample, not per packet, and use a few small 64-bit divisions (averages and weights).

use crate::math::int::{div_i64_by_positive, div_u64, insertion_sort_by_key, isqrt, swap_copy};
use crate::math::phi_times;
use crate::time::NtpDuration;

/// Stages of the clock filter (RFC 5905 §10: `NSTAGE`).
pub const FILTER_STAGES: usize = 8;

/// Dispersion assumed for an empty filter stage (RFC 5905 `MAXDISP`, 16 s).
const MAX_DISPERSION: NtpDuration = NtpDuration::from_seconds(16);

/// Largest |difference| squared in jitter sums, in ns (2^30 ns ≈ 1.07 s), so eight
/// squares cannot overflow a u64. Jitter beyond a second is saturated, not wrong in kind.
const JITTER_CLAMP_NS: u64 = 1 << 30;

/// One clock-filter stage: a sample and its age.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Stage {
    pub offset: NtpDuration,
    pub delay: NtpDuration,
    pub dispersion: NtpDuration,
    /// Monotonic time of the sample, in ns.
    pub at: u64,
}

/// The eight-stage clock filter of one server (RFC 5905 §10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct ClockFilter {
    stages: [Option<Stage>; FILTER_STAGES],
}

/// What the filter says about a server.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PeerEstimate {
    /// θ of the minimum-delay stage.
    pub offset: NtpDuration,
    /// δ of the minimum-delay stage.
    pub delay: NtpDuration,
    /// ε: Σ εᵢ / 2^(i+1) over the stages sorted by delay, aged by Φ.
    pub dispersion: NtpDuration,
    /// ψ: RMS of the stages' offsets about the chosen one.
    pub jitter: NtpDuration,
}

impl ClockFilter {
    pub(crate) const fn new() -> Self {
        Self { stages: [None; FILTER_STAGES] }
    }

    pub(crate) fn clear(&mut self) {
        self.stages = [None; FILTER_STAGES];
    }

    /// Shifts a new sample in (the oldest falls out).
    pub(crate) fn push(&mut self, stage: Stage) {
        // Adjacent swaps, not `rotate_right`: the same result without linking `memmove`
        // (1.5 KB on a Cortex-M).
        for i in (1..FILTER_STAGES).rev() {
            swap_copy(&mut self.stages, i, i.wrapping_sub(1));
        }
        if let Some(first) = self.stages.first_mut() {
            *first = Some(stage);
        }
    }

    /// The estimate at monotonic time `now_ns` (RFC 5905 §10 `clock_filter`), with
    /// each stage's dispersion grown by Φ since it was taken. `floor` is the smallest
    /// jitter reported (the clock precision). `None` when empty.
    pub(crate) fn estimate(&self, now_ns: u64, floor: NtpDuration) -> Option<PeerEstimate> {
        let mut sorted: [Option<Stage>; FILTER_STAGES] = self.stages;
        for stage in sorted.iter_mut().flatten() {
            stage.dispersion =
                stage.dispersion.saturating_add(phi_times(ns_to_duration(now_ns.saturating_sub(stage.at))));
        }
        // Sort by delay, empty stages last (insertion sort on 8 items: bounded).
        insertion_sort_by_key(&mut sorted, |s| s.map_or((1, NtpDuration::MAX), |s| (0, s.delay)));
        let best = (*sorted.first()?)?;
        let mut dispersion = NtpDuration::ZERO;
        for (i, stage) in sorted.iter().enumerate() {
            let e = stage.map_or(MAX_DISPERSION, |s| s.dispersion);
            // i + 1 <= 8: the shift cannot overflow.
            dispersion = dispersion
                .saturating_add(NtpDuration::from_bits(e.to_bits() >> (i as u32).saturating_add(1)));
        }
        let offsets = sorted.iter().flatten().map(|s| s.offset);
        let jitter = rms_about(best.offset, offsets, 1).max(floor);
        Some(PeerEstimate { offset: best.offset, delay: best.delay, dispersion, jitter })
    }
}

/// Converts monotonic nanoseconds to an NtpDuration, saturating.
pub(crate) fn ns_to_duration(ns: u64) -> NtpDuration {
    NtpDuration::from_nanos(i64::try_from(ns).unwrap_or(i64::MAX)).unwrap_or(NtpDuration::MAX)
}

/// √(Σ (xᵢ − center)² / (n − skip)) for the n values, in ns then back to NtpDuration.
/// With `skip` = 1 the center itself is among the values (RFC 5905 uses n − 1).
pub(crate) fn rms_about(
    center: NtpDuration,
    values: impl Iterator<Item = NtpDuration>,
    skip: u64,
) -> NtpDuration {
    let mut sum = 0u64;
    let mut n = 0u64;
    for v in values {
        let diff = v.saturating_sub(center).to_nanos().unsigned_abs().min(JITTER_CLAMP_NS);
        sum = sum.saturating_add(diff.saturating_mul(diff));
        n = n.saturating_add(1);
    }
    let divisor = n.saturating_sub(skip);
    if divisor == 0 {
        return NtpDuration::ZERO;
    }
    let mean = div_u64(sum, divisor);
    ns_to_duration(isqrt(mean))
}

/// A server offered to selection.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Candidate {
    /// Index of the server in the client.
    pub index: usize,
    pub offset: NtpDuration,
    /// Root distance λ: half-width of the correctness interval.
    pub distance: NtpDuration,
    pub jitter: NtpDuration,
    pub stratum: u8,
    pub prefer: bool,
}

/// Smallest number of survivors clustering keeps (RFC 5905 `NMIN`).
const MIN_CLUSTER_SURVIVORS: usize = 3;

/// The intersection algorithm (RFC 5905 §11.2.1, Marzullo): the largest interval that
/// the correctness intervals `[θ − λ, θ + λ]` of a majority share, allowing `f`
/// falsetickers with 2f < n, and no more than `f` midpoints outside it. Returns
/// `(low, high)`, or `None` when no majority agrees.
///
/// The RFC sweeps the sorted endpoints; equivalently, `low` is the smallest lower edge
/// `x` with #{lower ≤ x} − #{upper < x} ≥ n − f, and `high` the largest upper edge `y`
/// with #{upper ≥ y} − #{lower > y} ≥ n − f. Counting instead of sorting needs no
/// buffer: O(n²) for the handful of servers a client has.
pub(crate) fn intersect(candidates: &[Candidate]) -> Option<(NtpDuration, NtpDuration)> {
    let lower = |c: &Candidate| c.offset.saturating_sub(c.distance);
    let upper = |c: &Candidate| c.offset.saturating_add(c.distance);
    let count = |pred: &dyn Fn(&Candidate) -> bool| candidates.iter().filter(|c| pred(c)).count();
    let n = candidates.len();
    let mut allow = 0usize;
    while allow.saturating_mul(2) < n {
        let need = n.saturating_sub(allow);
        let low = candidates
            .iter()
            .map(lower)
            .filter(|&x| count(&|c| lower(c) <= x).saturating_sub(count(&|c| upper(c) < x)) >= need)
            .min();
        let high = candidates
            .iter()
            .map(upper)
            .filter(|&y| count(&|c| upper(c) >= y).saturating_sub(count(&|c| lower(c) > y)) >= need)
            .max();
        if let (Some(low), Some(high)) = (low, high) {
            let outside = count(&|c| c.offset < low || c.offset > high);
            if outside <= allow && low <= high {
                return Some((low, high));
            }
        }
        allow = allow.saturating_add(1);
    }
    None
}

/// Clustering (RFC 5905 §11.2.2): repeatedly drops the survivor whose selection jitter
/// is largest, while that jitter exceeds the smallest peer jitter and more than
/// [`MIN_CLUSTER_SURVIVORS`] remain. `survivors` is compacted in place; returns the count.
pub(crate) fn cluster(survivors: &mut [Candidate], mut n: usize) -> usize {
    while n > MIN_CLUSTER_SURVIVORS {
        let live = survivors.get(..n).unwrap_or_default();
        let mut worst = (NtpDuration::ZERO, 0usize);
        let mut min_peer_jitter = NtpDuration::MAX;
        for (i, c) in live.iter().enumerate() {
            let others = live.iter().map(|o| o.offset);
            let select_jitter = rms_about(c.offset, others, 1);
            if select_jitter > worst.0 {
                worst = (select_jitter, i);
            }
            min_peer_jitter = min_peer_jitter.min(c.jitter);
        }
        if worst.0 <= min_peer_jitter {
            break;
        }
        // Move the dropped survivor past the live ones by adjacent swaps (no memmove).
        for i in worst.1.saturating_add(1)..n {
            swap_copy(survivors, i.wrapping_sub(1), i);
        }
        n = n.saturating_sub(1);
    }
    n
}

/// Combining (RFC 5905 §11.2.3): the offset average weighted by 1/λ, computed about the
/// first survivor so the sums stay small. Weights are λ_min/λᵢ in 16.16 fixed point.
pub(crate) fn combine(survivors: &[Candidate]) -> NtpDuration {
    let Some(first) = survivors.first() else { return NtpDuration::ZERO };
    let min_distance = survivors.iter().map(|c| c.distance).min().unwrap_or(first.distance).to_bits().max(1);
    // Offsets of survivors lie within one intersection (a few seconds at most); clamp
    // the differences to ±2^40 units (256 s) so weighted sums fit an i64.
    const CLAMP: i64 = 1 << 40;
    let mut weighted = 0i64;
    let mut weights = 0i64;
    for c in survivors {
        let distance = c.distance.to_bits().max(1);
        let w = div_i64_by_positive(min_distance.min(1 << 46) << 16, distance).clamp(1, 1 << 16);
        let d = c.offset.saturating_sub(first.offset).to_bits().clamp(-CLAMP, CLAMP);
        weighted = weighted.saturating_add(d.saturating_mul(w));
        weights = weights.saturating_add(w);
    }
    first.offset.saturating_add(NtpDuration::from_bits(div_i64_by_positive(weighted, weights)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: i64) -> NtpDuration {
        NtpDuration::from_nanos(n * 1_000_000).unwrap()
    }

    fn cand(index: usize, offset_ms: i64, distance_ms: i64) -> Candidate {
        Candidate {
            index,
            offset: ms(offset_ms),
            distance: ms(distance_ms),
            jitter: ms(1),
            stratum: 2,
            prefer: false,
        }
    }

    #[test]
    fn filter_picks_minimum_delay_and_ages_dispersion() {
        let mut f = ClockFilter::new();
        for (i, (off, del)) in [(10, 30), (5, 10), (20, 50)].into_iter().enumerate() {
            f.push(Stage {
                offset: ms(off),
                delay: ms(del),
                dispersion: ms(1),
                at: i as u64 * 1_000_000_000,
            });
        }
        let e = f.estimate(2_000_000_000, NtpDuration::ZERO).unwrap();
        assert_eq!((e.offset, e.delay), (ms(5), ms(10)));
        // ψ = sqrt(((10-5)² + (20-5)²) / 2) ms = sqrt(125) ≈ 11.18 ms
        assert!((11_180_000..11_181_000).contains(&e.jitter.to_nanos()), "{}", e.jitter);
        // 5 empty stages contribute 16 s / 2^(i+1) for i = 3..7.
        assert!(e.dispersion > ms(1900) && e.dispersion < ms(2100), "{}", e.dispersion);
        let later = f.estimate(1_000_000_000_000, NtpDuration::ZERO).unwrap();
        assert!(later.dispersion > e.dispersion, "dispersion grows with age");
    }

    /// Four servers, one 1 s off: the intersection excludes it.
    #[test]
    fn intersection_outvotes_a_falseticker() {
        let c = [cand(0, 0, 20), cand(1, 3, 20), cand(2, -2, 20), cand(3, 1000, 20)];
        let (low, high) = intersect(&c).unwrap();
        assert!(low >= ms(-20) && high <= ms(20), "{low} {high}");
        let survivors = c.iter().filter(|c| c.offset >= low && c.offset <= high).count();
        assert_eq!(survivors, 3);
    }

    #[test]
    fn no_majority_no_intersection() {
        assert_eq!(intersect(&[cand(0, 0, 1), cand(1, 1000, 1)]), None);
        assert_eq!(intersect(&[]), None);
        assert!(intersect(&[cand(0, 7, 1)]).is_some());
    }

    #[test]
    fn cluster_drops_the_outlier_and_combine_weights_by_distance() {
        let mut s = [cand(0, 0, 10), cand(1, 2, 10), cand(2, 1, 10), cand(3, 1, 10), cand(4, 40, 10)];
        let n = cluster(&mut s, 5);
        assert!(n >= 3 && s[..n].iter().all(|c| c.index != 4), "{:?}", &s[..n]);
        let equal = [cand(0, 0, 10), cand(1, 10, 10)];
        assert!((4_999_000..5_001_000).contains(&combine(&equal).to_nanos()), "{}", combine(&equal));
        let skewed = [cand(0, 0, 10), cand(1, 10, 30)];
        // weights 1 and 1/3: (0 + 10/3) / (4/3) = 2.5 ms
        assert!((2_499_000..2_501_000).contains(&combine(&skewed).to_nanos()), "{}", combine(&skewed));
    }
}

//! Offset and delay of one client/server exchange (RFC 5905 §8), in integers.

use crate::time::{NtpDuration, NtpShort, NtpTimestamp};

/// The raw result of the on-wire calculation: clock offset θ and round-trip delay δ.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OffsetDelay {
    /// θ = ((T2 − T1) + (T3 − T4)) / 2, rounded toward −∞ by at most 2⁻³³ s.
    pub offset: NtpDuration,
    /// δ = (T4 − T1) − (T3 − T2), exact and unclamped (negative when a clock misbehaved).
    pub delay: NtpDuration,
}

/// The four timestamps are too far apart to say which way the clocks differ: a
/// difference is exactly 2³¹ s (half the era, where the sign is undefined), the delay
/// does not fit ±2³¹ s, or T2 − T1 and T3 − T4 lie on opposite sides of the half era
/// (their era-less values differ by more than 2³¹ s, so one of them wrapped and the other
/// did not: an offset near ±2³¹ s, where RFC 5905 §6's era-less arithmetic cannot tell
/// the sign).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Ambiguous;

/// Offset and delay from T1 (client send), T2 (server receive), T3 (server send) and T4
/// (client receive), RFC 5905 §8:
///
/// ```text
/// θ = ((T2 − T1) + (T3 − T4)) / 2        δ = (T4 − T1) − (T3 − T2)
/// ```
///
/// Each difference is the era-less signed difference of [`NtpTimestamp`]s, so the result
/// is right across the 2036 rollover when the true differences are within ±2³¹ s. Near
/// that limit the two halves of θ can fall on opposite sides of it (T2 − T1 wraps while
/// T3 − T4 does not): their exact difference then is not δ, and the result is
/// [`Ambiguous`] rather than an offset wrong by 2³¹ s. θ is
/// computed by halving before adding, exactly: `floor((a + b) / 2)` with no
/// intermediate overflow. Both results equal an i128 evaluation of the same formulas
/// for every input (tested over the edge grid and by property tests), or the
/// computation reports [`Ambiguous`].
///
/// ```
/// use ntpkit::math::offset_delay;
/// use ntpkit::{NtpDuration, NtpTimestamp};
/// let t = |s: u32, f: u32| NtpTimestamp::from_parts(s, f);
/// // Server 8 s ahead across the 2036 rollover, 100 ms each way.
/// let r = offset_delay(t(0xFFFF_FFFA, 0), t(0x0000_0002, 0x1999_999A), t(0x0000_0002, 0x1999_999A), t(0xFFFF_FFFA, 0x3333_3334))
///     .unwrap();
/// assert_eq!(r.offset.to_nanos(), 8_000_000_000);
/// assert_eq!(r.delay.to_nanos(), 200_000_000);
/// ```
#[inline(always)]
pub const fn offset_delay(
    t1: NtpTimestamp,
    t2: NtpTimestamp,
    t3: NtpTimestamp,
    t4: NtpTimestamp,
) -> Result<OffsetDelay, Ambiguous> {
    let a = t2.to_bits().wrapping_sub(t1.to_bits()) as i64; // T2 − T1
    let b = t3.to_bits().wrapping_sub(t4.to_bits()) as i64; // T3 − T4
    let c = t4.to_bits().wrapping_sub(t1.to_bits()) as i64; // T4 − T1
    let d = t3.to_bits().wrapping_sub(t2.to_bits()) as i64; // T3 − T2
    // floor((a + b) / 2) = floor(a/2) + floor(b/2) + (carry of the two low bits); each
    // half is within ±2^62, so nothing overflows.
    let offset = (a >> 1).wrapping_add(b >> 1).wrapping_add(((a & 1).wrapping_add(b & 1)) >> 1);
    let (delay, overflow) = c.overflowing_sub(d);
    // a − b equals c − d modulo 2^64; it differs in exact arithmetic (a − b overflows)
    // exactly when a and b straddle the half era in opposite directions.
    let (_, straddle) = a.overflowing_sub(b);
    // Non-short-circuit `|`: one branch instead of six on the hot path.
    if (a == i64::MIN) | (b == i64::MIN) | (c == i64::MIN) | (d == i64::MIN) | overflow | straddle {
        return Err(Ambiguous);
    }
    Ok(OffsetDelay { offset: NtpDuration::from_bits(offset), delay: NtpDuration::from_bits(delay) })
}

/// Φ, the frequency tolerance of RFC 5905 §7.2 (15 ppm), as a 0.32 fixed-point factor:
/// 15·10⁻⁶ · 2³² ≈ 64 424.5, rounded up so dispersion is never understated.
const PHI_2_32: u64 = 64_425;

/// Φ · `interval` (RFC 5905 §8: the dispersion a clock accrues over the exchange), for a
/// non-negative interval; negative intervals count as zero. Multiply-and-shift, no
/// division; exact to within 2⁻¹⁶ · 2⁻³² s.
pub const fn phi_times(interval: NtpDuration) -> NtpDuration {
    let bits = interval.to_bits();
    if bits <= 0 {
        return NtpDuration::ZERO;
    }
    // bits < 2^63, so (bits >> 16) < 2^47 and the product is below 2^63.
    let scaled = ((bits as u64) >> 16).wrapping_mul(PHI_2_32) >> 16;
    NtpDuration::from_bits(scaled as i64)
}

/// Root distance λ = δ_root/2 + ε_root + δ/2 + ε (RFC 5905 §11.2.1), saturating at
/// [`NtpDuration::MAX`]: the one place ntpkit computes it, for a single sample
/// ([`SyncResult::root_distance`](crate::exchange::SyncResult::root_distance)) and, with
/// the dispersion grown since and the jitter added, for selection in the client.
///
/// Summed in `u64`, where it cannot overflow: `delay` and `dispersion` are non-negative
/// (negative values count as zero) so ε ≤ 2⁶³ − 1 and δ/2 ≤ 2⁶², and the two 16.16
/// header fields are below 2⁴⁸ in 32.32 units; the total stays below 2⁶⁴. One clamp at
/// the end replaces a chain of signed saturating additions (about 20 bytes each on a
/// 32-bit MCU).
pub const fn root_distance(
    root_delay: NtpShort,
    root_dispersion: NtpShort,
    delay: NtpDuration,
    dispersion: NtpDuration,
) -> NtpDuration {
    let header = ((root_delay.to_bits() as u64) << 15).wrapping_add((root_dispersion.to_bits() as u64) << 16);
    let own = (non_negative(delay) >> 1).wrapping_add(non_negative(dispersion));
    clamp_to_duration(header.wrapping_add(own))
}

/// The bits of a duration as `u64`, negative durations as 0.
pub(crate) const fn non_negative(d: NtpDuration) -> u64 {
    let bits = d.to_bits();
    if bits < 0 { 0 } else { bits as u64 }
}

/// A non-negative `u64` count of 2⁻³² s as a duration, saturating at
/// [`NtpDuration::MAX`].
pub(crate) const fn clamp_to_duration(bits: u64) -> NtpDuration {
    if bits > i64::MAX as u64 { NtpDuration::MAX } else { NtpDuration::from_bits(bits as i64) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(t: [u64; 4]) -> Option<(i128, i128)> {
        let diff = |x: u64, y: u64| x.wrapping_sub(y) as i64;
        let (a, b, c, d) = (diff(t[1], t[0]), diff(t[2], t[3]), diff(t[3], t[0]), diff(t[2], t[1]));
        if [a, b, c, d].contains(&i64::MIN) {
            return None;
        }
        let offset = (i128::from(a) + i128::from(b)).div_euclid(2);
        let delay = i128::from(c) - i128::from(d);
        if delay > i128::from(i64::MAX) || delay < i128::from(i64::MIN) {
            return None;
        }
        // θ's two halves must describe one exchange: (T2 − T1) − (T3 − T4) is δ.
        if i128::from(a) - i128::from(b) != delay {
            return None;
        }
        Some((offset, delay))
    }

    /// O-1: the 8⁴ = 4096 edge combinations plus ±1-fraction neighbours, against i128.
    /// (331,776 cases: run natively in every test job, too slow to interpret under Miri.)
    #[test]
    #[cfg_attr(miri, ignore)]
    fn o1_edge_grid_matches_i128_reference() {
        let base = [0u64, 1, (1 << 31) - 1, 1 << 31, (1 << 32) - 1, (1 << 63) - 1, 1 << 63, u64::MAX];
        let mut values = std::vec::Vec::new();
        for v in base {
            values.extend([v, v.wrapping_add(1), v.wrapping_sub(1)]);
        }
        let mut checked = 0;
        for &t1 in &values {
            for &t2 in &values {
                for &t3 in &values {
                    for &t4 in &values {
                        let got = offset_delay(
                            NtpTimestamp::from_bits(t1),
                            NtpTimestamp::from_bits(t2),
                            NtpTimestamp::from_bits(t3),
                            NtpTimestamp::from_bits(t4),
                        );
                        let want = reference([t1, t2, t3, t4]);
                        match (got, want) {
                            (Ok(r), Some((o, d))) => {
                                assert_eq!(i128::from(r.offset.to_bits()), o);
                                assert_eq!(i128::from(r.delay.to_bits()), d);
                            }
                            (Err(Ambiguous), None) => {}
                            other => panic!("{t1:#x} {t2:#x} {t3:#x} {t4:#x}: {other:?}"),
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 24usize.pow(4));
    }

    /// O-2: |offset| of exactly 2³¹ s is ambiguous; 2³¹ s − 1 unit either way is not.
    #[test]
    fn o2_half_era_edge() {
        let t = NtpTimestamp::from_bits;
        let half = 1u64 << 63;
        assert_eq!(offset_delay(t(0), t(half), t(half), t(0)), Err(Ambiguous));
        let r = offset_delay(t(0), t(half - 1), t(half - 1), t(0)).unwrap();
        assert_eq!(r.offset, NtpDuration::MAX);
        assert_eq!(r.delay, NtpDuration::ZERO);
        let r = offset_delay(t(half - 1), t(0), t(0), t(half - 1)).unwrap();
        assert_eq!(r.offset, NtpDuration::from_bits(-((half - 1) as i64)));
    }

    /// O-8: a true offset of 2³¹ s − 0.25 s with 0.4 s of delay each way: T2 − T1 wraps
    /// past the half era while T3 − T4 does not. Reported as ambiguous, not as −0.25 s;
    /// the same offset with no delay, or 0.25 s further from the edge, is exact.
    #[test]
    fn o8_offset_straddling_the_half_era_is_ambiguous() {
        let half = 1i128 << 63;
        let at = |ns: i128| NtpTimestamp::from_bits((ns * (1i128 << 32) / 1_000_000_000) as u64);
        let ns = |bits: i128| bits * 1_000_000_000 / (1i128 << 32);
        let cases = [
            (ns(half) - 250_000_000, 400_000_000, true),
            (-(ns(half) - 250_000_000), 400_000_000, true),
            (ns(half) - 250_000_000, 0, false),
            (ns(half) - 500_000_000, 200_000_000, false),
            (ns(half) - 100_000_000, 100_000_000, true),
        ];
        for (theta, each_way, ambiguous) in cases {
            let t1 = (0x1234_5678_9abc_def0_i128 * 1_000_000_000) >> 32;
            let (t2, t4) = (t1 + each_way + theta, t1 + 2 * each_way);
            let r = offset_delay(at(t1), at(t2), at(t2), at(t4));
            if ambiguous {
                assert_eq!(r, Err(Ambiguous), "θ = {theta} ns, {each_way} ns each way");
            } else {
                let r = r.unwrap();
                assert!((r.offset.to_nanos() as i128 - theta).abs() <= 1, "{r:?} vs {theta}");
            }
        }
    }

    /// O-8 on a grid: offsets within 1 s of ±2³¹ s × delays 0…2 s, every result either
    /// the i128 reference or ambiguous exactly when the reference says so.
    #[test]
    fn o8_half_era_straddle_grid_matches_i128_reference() {
        let half = 1u64 << 63;
        let s = 1u64 << 32;
        let (mut checked, mut ambiguous) = (0, 0);
        for t1 in [0u64, 0x8000_0000_0000_0000, 0xffff_ffff_0000_0000, 0x1234_5678_9abc_def0] {
            for theta in (0..=16).map(|k| half.wrapping_sub(s).wrapping_add(k * s / 8)) {
                for sign in [false, true] {
                    let theta = if sign { theta.wrapping_neg() } else { theta };
                    for out in (0..=8).map(|k| k * s / 8) {
                        for back in (0..=8).map(|k| k * s / 8) {
                            let t2 = t1.wrapping_add(out).wrapping_add(theta);
                            let t3 = t2.wrapping_add(s / 1000);
                            let t4 = t1.wrapping_add(out).wrapping_add(s / 1000).wrapping_add(back);
                            let t = [t1, t2, t3, t4];
                            let got = offset_delay(
                                NtpTimestamp::from_bits(t1),
                                NtpTimestamp::from_bits(t2),
                                NtpTimestamp::from_bits(t3),
                                NtpTimestamp::from_bits(t4),
                            );
                            match (got, reference(t)) {
                                (Ok(r), Some((o, d))) => {
                                    assert_eq!(i128::from(r.offset.to_bits()), o, "{t:x?}");
                                    assert_eq!(i128::from(r.delay.to_bits()), d, "{t:x?}");
                                }
                                (Err(Ambiguous), None) => ambiguous += 1,
                                other => panic!("{t:x?}: {other:?}"),
                            }
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 17 * 2 * 81);
        // Both outcomes occur, so the grid really crosses the edge.
        assert!(ambiguous > 1000 && ambiguous < checked - 1000, "{ambiguous} of {checked}");
    }

    /// O-3: T4 < T1 gives a negative raw delay; T3 < T2 a larger one. Both are exact here;
    /// the validator clamps and rejects.
    #[test]
    fn o3_negative_raw_delay() {
        let t = |s: u32| NtpTimestamp::from_parts(s, 0);
        let r = offset_delay(t(100), t(100), t(100), t(99)).unwrap();
        assert_eq!(r.delay, NtpDuration::from_seconds(-1));
        let r = offset_delay(t(100), t(101), t(100), t(101)).unwrap();
        assert_eq!(r.delay, NtpDuration::from_seconds(2));
    }

    /// T-1: client at 0xFFFF_FFFA s, server 8 s later in the next era: +8 s, not −136 years.
    #[test]
    fn t1_offset_across_the_2036_rollover() {
        let t = |s: u32| NtpTimestamp::from_parts(s, 0);
        let r = offset_delay(t(0xFFFF_FFFA), t(0x0000_0002), t(0x0000_0002), t(0xFFFF_FFFA)).unwrap();
        assert_eq!(r.offset, NtpDuration::from_seconds(8));
        assert_eq!(r.delay, NtpDuration::ZERO);
    }

    #[test]
    fn phi_is_fifteen_ppm() {
        assert_eq!(phi_times(NtpDuration::from_seconds(-5)), NtpDuration::ZERO);
        let one_hour = phi_times(NtpDuration::from_seconds(3600)).to_nanos();
        assert!((54_000_000..54_001_000).contains(&one_hour), "{one_hour}");
        assert!(phi_times(NtpDuration::MAX).to_nanos() > 32_000_000_000);
    }
}

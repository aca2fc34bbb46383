//! Exact conversions between binary fractions of a second and decimal nanoseconds,
//! without floating point and without 64-bit division.
//!
//! A 64-bit division costs about a kilobyte of flash on a Cortex-M (`__aeabi_uldivmod`),
//! so division by 10⁹ is done as a multiplication by a fixed-point reciprocal followed by
//! a correction step that makes the result exact.

/// Nanoseconds in one second.
pub(crate) const NANOS_PER_SEC: u32 = 1_000_000_000;

/// `floor(2^64 / 10^9)`: the reciprocal of 10⁹ in 0.64 fixed point, rounded down.
const RECIP_1E9: u64 = 18_446_744_073;

/// Splits `n` into `(n / 10^9, n % 10^9)` exactly, without a division instruction.
///
/// Proof of exactness: `q0 = floor(n * R / 2^64)` with `R = floor(2^64 / 10^9)`, so
/// `R > 2^64/10^9 - 1` and `q0 > n/10^9 - n/2^64 - 1 >= n/10^9 - 2`, and `q0 <= n/10^9`.
/// Hence the true quotient is `q0`, `q0 + 1` or `q0 + 2`, and the remainder
/// `n - q0 * 10^9` (which cannot underflow since `q0 * 10^9 <= n`) is below `3 * 10^9`;
/// two conditional subtractions make it exact. Checked against `/` and `%` by property
/// tests over all of `u64`.
#[inline]
pub(crate) const fn div_rem_1e9(n: u64) -> (u64, u32) {
    // The high half of a 64x64-bit product fits in 64 bits; q0 * 1e9 <= n.
    let q0 = ((n as u128).wrapping_mul(RECIP_1E9 as u128) >> 64) as u64;
    let mut q = q0;
    let mut r = n.wrapping_sub(q0.wrapping_mul(NANOS_PER_SEC as u64));
    if r >= NANOS_PER_SEC as u64 {
        q = q.wrapping_add(1);
        r = r.wrapping_sub(NANOS_PER_SEC as u64);
    }
    if r >= NANOS_PER_SEC as u64 {
        q = q.wrapping_add(1);
        r = r.wrapping_sub(NANOS_PER_SEC as u64);
    }
    // r < 1e9 < 2^32 here.
    (q, r as u32)
}

/// Nanoseconds (rounded down) in a 32-bit binary fraction of a second:
/// `floor(frac * 10^9 / 2^32)`. The product is below 2^62, so it cannot overflow.
#[inline]
pub(crate) const fn frac_to_nanos(frac: u32) -> u32 {
    ((frac as u64).wrapping_mul(NANOS_PER_SEC as u64) >> 32) as u32
}

/// The smallest 32-bit binary fraction that is at least `nanos` nanoseconds:
/// `ceil(nanos * 2^32 / 10^9)`, for `nanos < 10^9`. Values of 10⁹ and above saturate to
/// the largest fraction.
///
/// Because one step of the 2⁻³² s grid (≈ 0.233 ns) is finer than a nanosecond,
/// `frac_to_nanos(nanos_to_frac(n)) == n` for every `n < 10^9`: with
/// `f = ceil(n * 2^32 / 10^9)` we have `n * 2^32 / 10^9 <= f < n * 2^32 / 10^9 + 1`, so
/// `n <= f * 10^9 / 2^32 < n + 10^9 / 2^32 < n + 1`, whose floor is `n`. An exhaustive
/// test over all 10⁹ values runs in CI (`tests/exhaustive.rs`).
///
/// Computed with one 64-bit multiplication by `floor(2^62 / 10^9)`, which lands on
/// `floor(n * 2^32 / 10^9)` or one below it (the reciprocal's error is below 1 and
/// `n < 2^30`), then at most two exact checks `f * 10^9 < n * 2^32` step up to the
/// ceiling. No 128-bit product: on a Cortex-M that alone was about 100 bytes.
#[inline]
pub(crate) const fn nanos_to_frac(nanos: u32) -> u32 {
    const RECIP_1E9_62: u64 = (1 << 62) / NANOS_PER_SEC as u64;
    if nanos >= NANOS_PER_SEC {
        return u32::MAX;
    }
    let target = (nanos as u64) << 32;
    // nanos * RECIP < 2^30 * 2^33; f <= ceil(...) < 2^32, so f * 10^9 < 2^62.
    let mut f = (nanos as u64).wrapping_mul(RECIP_1E9_62) >> 30;
    if f.wrapping_mul(NANOS_PER_SEC as u64) < target {
        f = f.wrapping_add(1);
    }
    if f.wrapping_mul(NANOS_PER_SEC as u64) < target {
        f = f.wrapping_add(1);
    }
    f as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn div_rem_matches_hardware_division_on_edges() {
        let edges = [
            0u64,
            1,
            999_999_999,
            1_000_000_000,
            1_000_000_001,
            u32::MAX as u64,
            (1 << 32) * 1_000_000_000 - 1,
            u64::MAX / 2,
            u64::MAX - 1,
            u64::MAX,
        ];
        for n in edges {
            let (q, r) = div_rem_1e9(n);
            assert_eq!((q, r as u64), (n / 1_000_000_000, n % 1_000_000_000), "n = {n}");
        }
        // Every multiple of 1e9 near the top of the range, and its neighbours.
        let mut k = u64::MAX / 1_000_000_000;
        for _ in 0..1000 {
            for n in [k * 1_000_000_000, k * 1_000_000_000 - 1, k * 1_000_000_000 + 1] {
                let (q, r) = div_rem_1e9(n);
                assert_eq!((q, r as u64), (n / 1_000_000_000, n % 1_000_000_000));
            }
            k -= 7919;
        }
    }

    #[test]
    fn nanos_round_trip_sampled() {
        // Miri-friendly sample; the exhaustive run is below.
        let mut n = 0u32;
        while n < NANOS_PER_SEC {
            assert_eq!(frac_to_nanos(nanos_to_frac(n)), n);
            n += 99_991;
        }
        for n in [0, 1, 2, 3, 499_999_999, 500_000_000, 999_999_998, 999_999_999] {
            assert_eq!(frac_to_nanos(nanos_to_frac(n)), n);
        }
        assert_eq!(nanos_to_frac(500_000_000), 1 << 31);
        assert_eq!(nanos_to_frac(0), 0);
        assert_eq!(nanos_to_frac(NANOS_PER_SEC), u32::MAX);
        assert_eq!(frac_to_nanos(u32::MAX), 999_999_999);
    }
}

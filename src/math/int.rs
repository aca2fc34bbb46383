//! Integer helpers for small targets: binary long division, an integer square root,
//! and sorting and swapping that link neither `memmove` nor the general-purpose sort.
//! None of them divides with a 64-bit division instruction or helper.

/// Sorts a short slice by a key (stable insertion sort: at most n²/2 swaps). The
/// filter has 8 stages and the survivors at most N servers; `sort_unstable` would link
/// about 3.5 KB of general-purpose sorting into a firmware for that.
pub(crate) fn insertion_sort_by_key<T: Copy, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 {
            let prev = j.wrapping_sub(1);
            let out_of_order = match (items.get(prev), items.get(j)) {
                (Some(a), Some(b)) => key(a) > key(b),
                _ => false,
            };
            if !out_of_order {
                break;
            }
            swap_copy(items, prev, j);
            j = prev;
        }
    }
}

/// `n / d` (0 when `d` is 0) by restoring binary long division: 64 shift-and-subtract
/// steps, no division instruction and no `__aeabi_uldivmod` (about 1 KB on a Cortex-M).
/// Used once per system update, never per packet.
pub(crate) const fn div_u64(n: u64, d: u64) -> u64 {
    div_rem_u64(n, d).0
}

/// `(n / d, n % d)`, `(0, n)` when `d` is 0; see [`div_u64`]. Never inlined: one
/// copy of the loop serves every caller (each inlined copy costs about 100 bytes).
#[inline(never)]
pub(crate) const fn div_rem_u64(n: u64, d: u64) -> (u64, u64) {
    if d == 0 {
        return (0, n);
    }
    let (mut quotient, mut rem) = (0u64, 0u64);
    let mut i = 64u32;
    while i > 0 {
        i = i.wrapping_sub(1);
        // rem < d before the shift; the bit shifted out (`carry`) makes it >= d.
        let carry = rem >> 63;
        rem = (rem << 1) | ((n >> i) & 1);
        if carry != 0 || rem >= d {
            rem = rem.wrapping_sub(d);
            quotient |= 1 << i;
        }
    }
    (quotient, rem)
}

/// Swaps two elements by copying them: `slice::swap` on these 40–60-byte records
/// links `memmove` (1.5 KB on a Cortex-M). Out-of-range indices do nothing.
pub(crate) fn swap_copy<T: Copy>(items: &mut [T], i: usize, j: usize) {
    if i == j {
        return;
    }
    // Two disjoint halves, so the copies are provably non-overlapping (memcpy, or
    // inline moves) even though both come from the same slice.
    let (low, high) = (i.min(j), i.max(j));
    let (left, right) = items.split_at_mut(high.min(items.len()));
    if let (Some(a), Some(b)) = (left.get_mut(low), right.first_mut()) {
        core::mem::swap(a, b);
    }
}

/// `n / d` rounded toward zero for `d > 0` (0 when `d <= 0`), through [`div_u64`].
pub(crate) const fn div_i64_by_positive(n: i64, d: i64) -> i64 {
    if d <= 0 {
        return 0;
    }
    let q = div_u64(n.unsigned_abs(), d as u64) as i64; // |n| / d <= 2^63 / 1
    if n < 0 { q.wrapping_neg() } else { q }
}

/// Integer square root (floor), bit by bit: no division.
pub(crate) const fn isqrt(n: u64) -> u64 {
    let mut rem = n;
    let mut root = 0u64;
    let mut bit = 1u64 << 62;
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        let trial = root.wrapping_add(bit);
        if rem >= trial {
            rem = rem.wrapping_sub(trial);
            root = (root >> 1).wrapping_add(bit);
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_division_matches_the_hardware() {
        let edges = [0u64, 1, 2, 3, 7, 8, 1 << 31, (1 << 32) - 1, 1 << 32, 1 << 63, u64::MAX - 1, u64::MAX];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut values: std::vec::Vec<u64> = edges.to_vec();
        // Miri interprets every step; a smaller sample keeps its CI run short.
        let rounds = if cfg!(miri) { 10 } else { 300 };
        for _ in 0..rounds {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x);
            values.push(x >> (x % 64));
        }
        for &n in &values {
            for &d in &values {
                let want = n.checked_div(d).unwrap_or(0);
                assert_eq!(div_u64(n, d), want, "{n} / {d}");
            }
        }
        for (n, d) in [(17u64, 5u64), (u64::MAX, 10), (3, 0), (0, 7)] {
            let want = n.checked_div(d).zip(n.checked_rem(d)).unwrap_or((0, n));
            assert_eq!(div_rem_u64(n, d), want);
        }
        for (n, d, q) in [
            (-7i64, 2i64, -3i64),
            (7, 2, 3),
            (i64::MIN, 1, i64::MIN),
            (i64::MIN, 2, -(1 << 62)),
            (5, 0, 0),
            (5, -1, 0),
        ] {
            assert_eq!(div_i64_by_positive(n, d), q, "{n} / {d}");
        }
    }

    #[test]
    fn insertion_sort_sorts_and_is_stable() {
        let mut x = 12345u64;
        for len in 0..12 {
            let mut v: std::vec::Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ((x % 4) as u8, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|e| e.0); // stable
            insertion_sort_by_key(&mut v, |e| e.0);
            assert_eq!(v, want);
        }
    }

    #[test]
    fn isqrt_is_exact() {
        for n in [0u64, 1, 2, 3, 4, 15, 16, 17, 99, 100, 1 << 40, u64::MAX] {
            let r = isqrt(n);
            assert!(u128::from(r) * u128::from(r) <= u128::from(n));
            assert!(u128::from(r + 1) * u128::from(r + 1) > u128::from(n), "{n}");
        }
    }
}

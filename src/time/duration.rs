//! [`NtpDuration`]: a signed span of time in units of 2⁻³² s.

use core::fmt;
use core::time::Duration;

use super::nanos::{NANOS_PER_SEC, div_rem_1e9, frac_to_nanos, nanos_to_frac};

/// A signed span of time in 32.32 fixed point: an `i64` counting units of 2⁻³² s
/// (≈ 0.233 ns), covering ±2³¹ s (±68 years).
///
/// This is the type of the difference of two [`NtpTimestamp`](crate::NtpTimestamp)s
/// (RFC 5905 §6: "the 64-bit difference … is a signed value") and of offsets and delays.
/// Arithmetic is explicit: `checked_*` returns `None` and `saturating_*` clamps, so no
/// operation can panic or wrap silently.
///
/// Conversions to whole nanoseconds truncate toward zero; conversions from whole
/// nanoseconds round away from zero onto the 2⁻³² s grid. Since that grid is finer than a
/// nanosecond, `from_nanos(n)?.to_nanos() == n` for every `n` in range.
///
/// ```
/// use ntpkit::NtpDuration;
/// let d = NtpDuration::from_nanos(-1_500_000_001).unwrap();
/// assert_eq!(d.to_nanos(), -1_500_000_001);
/// assert_eq!(d.seconds(), -2); // floor
/// assert!(d.is_negative());
/// let (neg, abs) = d.to_signed_std();
/// assert!(neg);
/// assert_eq!(abs, core::time::Duration::new(1, 500_000_001));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NtpDuration(i64);

impl NtpDuration {
    /// Zero.
    pub const ZERO: Self = Self(0);
    /// The largest duration: 2³¹ s − 2⁻³² s.
    pub const MAX: Self = Self(i64::MAX);
    /// The most negative duration: −2³¹ s.
    pub const MIN: Self = Self(i64::MIN);
    /// One second.
    pub const ONE_SECOND: Self = Self(1 << 32);

    /// A duration of `bits` units of 2⁻³² s.
    #[inline]
    pub const fn from_bits(bits: i64) -> Self {
        Self(bits)
    }

    /// The raw count of 2⁻³² s units.
    #[inline]
    pub const fn to_bits(self) -> i64 {
        self.0
    }

    /// Whole seconds plus a 32-bit binary fraction: `seconds + fraction / 2^32` seconds.
    #[inline]
    pub const fn from_seconds_fraction(seconds: i32, fraction: u32) -> Self {
        Self(((seconds as i64) << 32) | fraction as i64)
    }

    /// A whole number of seconds.
    #[inline]
    pub const fn from_seconds(seconds: i32) -> Self {
        Self::from_seconds_fraction(seconds, 0)
    }

    /// The whole seconds, rounded toward negative infinity (the high 32 bits).
    #[inline]
    pub const fn seconds(self) -> i32 {
        (self.0 >> 32) as i32
    }

    /// The binary fraction of a second above [`seconds`](Self::seconds) (the low 32 bits).
    #[inline]
    pub const fn fraction(self) -> u32 {
        self.0 as u32
    }

    /// True when below zero.
    #[inline]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The duration exactly `nanos` nanoseconds long, or `None` outside ±2³¹ s.
    ///
    /// Sub-nanosecond rounding is away from zero, so that
    /// `NtpDuration::from_nanos(n).unwrap().to_nanos() == n` for every `n` in range.
    pub const fn from_nanos(nanos: i64) -> Option<Self> {
        let (secs, sub) = div_rem_1e9(nanos.unsigned_abs());
        // secs <= 2^31 is required; exactly 2^31 only fits as a negative value with no
        // sub-second part.
        if secs > (1 << 31) {
            return None;
        }
        let magnitude = (secs << 32) | nanos_to_frac(sub) as u64;
        if nanos < 0 {
            if magnitude > 1 << 63 { None } else { Some(Self((magnitude as i64).wrapping_neg())) }
        } else if magnitude > i64::MAX as u64 {
            None
        } else {
            Some(Self(magnitude as i64))
        }
    }

    /// Whole nanoseconds, truncated toward zero. Never overflows: ±2³¹ s is about
    /// ±2.1·10¹⁸ ns.
    pub const fn to_nanos(self) -> i64 {
        let magnitude = self.0.unsigned_abs();
        let secs = magnitude >> 32; // <= 2^31
        let nanos =
            secs.wrapping_mul(NANOS_PER_SEC as u64).wrapping_add(frac_to_nanos(magnitude as u32) as u64);
        // nanos <= 2^31 * 1e9 + 1e9 < 2^63.
        if self.0 < 0 { (nanos as i64).wrapping_neg() } else { nanos as i64 }
    }

    /// The exact [`Duration`], or `None` if it is longer than [`NtpDuration::MAX`].
    /// Sub-nanosecond rounding is up, so the round trip through
    /// [`to_signed_std`](Self::to_signed_std) is exact.
    pub const fn from_std(duration: Duration) -> Option<Self> {
        let secs = duration.as_secs();
        if secs >= 1 << 31 {
            return None;
        }
        Some(Self(((secs << 32) | nanos_to_frac(duration.subsec_nanos()) as u64) as i64))
    }

    /// The magnitude as a [`Duration`] (truncated to whole nanoseconds) together with
    /// the sign: `(is_negative, magnitude)`.
    pub const fn to_signed_std(self) -> (bool, Duration) {
        let magnitude = self.0.unsigned_abs();
        (self.0 < 0, Duration::new(magnitude >> 32, frac_to_nanos(magnitude as u32)))
    }

    /// The absolute value, saturating at [`NtpDuration::MAX`] for [`NtpDuration::MIN`].
    #[inline]
    pub const fn saturating_abs(self) -> Self {
        Self(self.0.saturating_abs())
    }

    /// `self + rhs`, or `None` on overflow.
    #[inline]
    pub const fn checked_add(self, rhs: Self) -> Option<Self> {
        match self.0.checked_add(rhs.0) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// `self - rhs`, or `None` on overflow.
    #[inline]
    pub const fn checked_sub(self, rhs: Self) -> Option<Self> {
        match self.0.checked_sub(rhs.0) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// `-self`, or `None` for [`NtpDuration::MIN`].
    #[inline]
    pub const fn checked_neg(self) -> Option<Self> {
        match self.0.checked_neg() {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// `self + rhs`, clamped to [`MIN`](Self::MIN)..=[`MAX`](Self::MAX).
    #[inline]
    pub const fn saturating_add(self, rhs: Self) -> Self {
        Self(self.0.saturating_add(rhs.0))
    }

    /// `self - rhs`, clamped to [`MIN`](Self::MIN)..=[`MAX`](Self::MAX).
    #[inline]
    pub const fn saturating_sub(self, rhs: Self) -> Self {
        Self(self.0.saturating_sub(rhs.0))
    }

    /// Half of `self`, rounded toward negative infinity (an arithmetic shift). RFC 5905
    /// §8 halves before adding so that offsets cannot overflow.
    #[inline]
    pub const fn halve(self) -> Self {
        Self(self.0 >> 1)
    }

    /// `2^exponent` seconds, clamped to the representable range: exponents below −32
    /// give zero, exponents of 31 and above give [`NtpDuration::MAX`]. Poll intervals
    /// and precisions are carried on the wire as such exponents (RFC 5905 §7.3); the
    /// clamp means no exponent, however hostile, can overflow a shift.
    pub const fn from_log2_seconds(exponent: i8) -> Self {
        let shift = (exponent as i32).wrapping_add(32); // -96..=159
        if shift < 0 {
            Self::ZERO
        } else if shift >= 63 {
            Self::MAX
        } else {
            Self(1i64 << shift)
        }
    }
}

impl fmt::Debug for NtpDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NtpDuration({self})")
    }
}

/// Signed seconds with nine decimals, truncated toward zero: `-1.500000001s`.
impl fmt::Display for NtpDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, abs) = self.to_signed_std();
        let sign = if negative { "-" } else { "" };
        write!(f, "{sign}{}.{:09}s", abs.as_secs(), abs.subsec_nanos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_round_trip_at_the_range_edges() {
        let max_ns = (1i64 << 31) * 1_000_000_000 - 1; // 2^31 s - 1 ns
        for n in [0, 1, -1, 999_999_999, -999_999_999, 1_000_000_000, max_ns, -max_ns] {
            let d = NtpDuration::from_nanos(n).unwrap();
            assert_eq!(d.to_nanos(), n, "n = {n}");
        }
        let min = NtpDuration::from_nanos(-(1i64 << 31) * 1_000_000_000).unwrap();
        assert_eq!(min, NtpDuration::MIN);
        assert_eq!(min.to_nanos(), -(1i64 << 31) * 1_000_000_000);
        assert_eq!(NtpDuration::from_nanos(max_ns + 1), None);
        assert_eq!(NtpDuration::from_nanos(-(1i64 << 31) * 1_000_000_000 - 1), None);
        assert_eq!(NtpDuration::from_nanos(i64::MAX), None);
        assert_eq!(NtpDuration::from_nanos(i64::MIN), None);
        assert_eq!(NtpDuration::MAX.to_nanos(), max_ns);
    }

    #[test]
    fn seconds_and_fraction_split_floors() {
        let d = NtpDuration::from_bits(-1); // -2^-32 s
        assert_eq!(d.seconds(), -1);
        assert_eq!(d.fraction(), u32::MAX);
        assert_eq!(d.to_nanos(), 0); // truncated toward zero
        assert_eq!(NtpDuration::from_seconds_fraction(-2, 1 << 31).to_nanos(), -1_500_000_000);
    }

    #[test]
    fn std_round_trip_and_limits() {
        let d = Duration::new(12, 345_678_901);
        let n = NtpDuration::from_std(d).unwrap();
        assert_eq!(n.to_signed_std(), (false, d));
        assert_eq!(n.to_nanos(), 12_345_678_901);
        assert_eq!(NtpDuration::from_std(Duration::from_secs(1 << 31)), None);
        assert_eq!(
            NtpDuration::from_std(Duration::new((1 << 31) - 1, 999_999_999)).map(|d| d.seconds()),
            Some(i32::MAX)
        );
        assert_eq!(NtpDuration::MIN.to_signed_std(), (true, Duration::from_secs(1 << 31)));
    }

    #[test]
    fn checked_and_saturating_arithmetic() {
        let one = NtpDuration::ONE_SECOND;
        assert_eq!(NtpDuration::MAX.checked_add(NtpDuration::from_bits(1)), None);
        assert_eq!(NtpDuration::MIN.checked_sub(NtpDuration::from_bits(1)), None);
        assert_eq!(NtpDuration::MIN.checked_neg(), None);
        assert_eq!(NtpDuration::MAX.saturating_add(one), NtpDuration::MAX);
        assert_eq!(NtpDuration::MIN.saturating_sub(one), NtpDuration::MIN);
        assert_eq!(NtpDuration::MIN.saturating_abs(), NtpDuration::MAX);
        assert_eq!(one.checked_add(one), Some(NtpDuration::from_seconds(2)));
        assert_eq!(one.checked_neg(), Some(NtpDuration::from_seconds(-1)));
        assert_eq!(NtpDuration::from_bits(-3).halve(), NtpDuration::from_bits(-2));
    }

    #[test]
    fn log2_seconds_never_overflow() {
        assert_eq!(NtpDuration::from_log2_seconds(0), NtpDuration::ONE_SECOND);
        assert_eq!(NtpDuration::from_log2_seconds(-1).to_nanos(), 500_000_000);
        assert_eq!(NtpDuration::from_log2_seconds(-32), NtpDuration::from_bits(1));
        assert_eq!(NtpDuration::from_log2_seconds(-33), NtpDuration::ZERO);
        assert_eq!(NtpDuration::from_log2_seconds(30), NtpDuration::from_seconds(1 << 30));
        for e in [31, 32, 63, 127] {
            assert_eq!(NtpDuration::from_log2_seconds(e), NtpDuration::MAX);
        }
        assert_eq!(NtpDuration::from_log2_seconds(-128), NtpDuration::ZERO);
    }

    #[test]
    fn display_is_signed_decimal_seconds() {
        let d = NtpDuration::from_nanos(-1_500_000_001).unwrap();
        assert_eq!(std::format!("{d}"), "-1.500000001s");
        assert_eq!(std::format!("{}", NtpDuration::ZERO), "0.000000000s");
    }
}

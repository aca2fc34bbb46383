//! NTP time formats (RFC 5905 §6): the 64-bit [`NtpTimestamp`] and the 32-bit
//! [`NtpShort`], and their conversion to Unix time with an explicit era.

use core::fmt;
use core::ops::{Add, Sub};

use super::NtpDuration;
use super::UnixTime;
use super::nanos::{frac_to_nanos, nanos_to_frac};

/// Seconds from the NTP prime epoch (1900-01-01 00:00:00 UTC, era 0) to the Unix epoch
/// (1970-01-01 00:00:00 UTC): 70 years including 17 leap days (RFC 5905 Figure 4).
pub const UNIX_EPOCH_NTP_SECONDS: u32 = 2_208_988_800;

/// One NTP era in seconds: 2³² s, about 136 years (RFC 5905 §6).
const ERA_SECONDS: i64 = 1 << 32;

/// A 64-bit NTP timestamp (RFC 5905 §6): 32 bits of seconds and 32 bits of binary
/// fraction (≈ 0.233 ns resolution), **without an era**.
///
/// The wire format does not say which 136-year era a timestamp is in. The first era
/// started 1900-01-01; the second starts 2036-02-07 06:28:16 UTC, when the seconds field
/// wraps to zero. This type therefore never guesses:
///
/// * Differences are era-less: `a - b` is the wrapping 64-bit difference read as a
///   signed [`NtpDuration`], correct whenever the two instants are less than 68 years
///   apart, across the 2036 rollover too (RFC 5905 §6).
/// * Adding an [`NtpDuration`] wraps modulo 2³² s, the same arithmetic.
/// * Conversion to calendar time takes an era pivot ([`to_unix_near`](Self::to_unix_near))
///   or uses the RFC 4330 §3 bit-0 rule ([`to_unix_rfc4330`](Self::to_unix_rfc4330)).
///
/// The all-zero value ([`NtpTimestamp::ZERO`]) means "unset" in NTP packets (RFC 5905 §7.3:
/// "a value of zero … indicates that the time is unknown"); as an instant it is also
/// 1900-01-01 or 2036-02-07 06:28:16 UTC, which the protocol simply cannot express.
///
/// ```
/// use ntpkit::{NtpTimestamp, NtpDuration};
/// let before = NtpTimestamp::from_parts(0xFFFF_FFFA, 0); // 2036-02-07 06:28:10 UTC
/// let after = NtpTimestamp::from_parts(0x0000_0002, 0);  // 8 s later, next era
/// assert_eq!(after - before, NtpDuration::from_seconds(8));
/// assert_eq!(before + NtpDuration::from_seconds(8), after);
/// assert_eq!(after.to_unix_rfc4330().seconds(), 2_085_978_498);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NtpTimestamp(u64);

impl NtpTimestamp {
    /// The all-zero timestamp, which NTP packets use for "unset".
    pub const ZERO: Self = Self(0);

    /// A timestamp from its 64-bit wire value (seconds in the high 32 bits).
    #[inline]
    pub const fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// The 64-bit wire value.
    #[inline]
    pub const fn to_bits(self) -> u64 {
        self.0
    }

    /// A timestamp from era seconds and a binary fraction of a second.
    #[inline]
    pub const fn from_parts(seconds: u32, fraction: u32) -> Self {
        Self(((seconds as u64) << 32) | fraction as u64)
    }

    /// The seconds field (seconds since the start of the era).
    #[inline]
    pub const fn seconds(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The fraction field, in units of 2⁻³² s.
    #[inline]
    pub const fn fraction(self) -> u32 {
        self.0 as u32
    }

    /// Whole nanoseconds in the fraction field, truncated (0..=999_999_999).
    #[inline]
    pub const fn subsec_nanos(self) -> u32 {
        frac_to_nanos(self.fraction())
    }

    /// True for the all-zero "unset" value.
    #[inline]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The 8 bytes as sent on the wire (big-endian).
    #[inline]
    pub const fn to_be_bytes(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }

    /// A timestamp from its 8 wire bytes (big-endian).
    #[inline]
    pub const fn from_be_bytes(bytes: [u8; 8]) -> Self {
        Self(u64::from_be_bytes(bytes))
    }

    /// `self - earlier`: the era-less signed difference (RFC 5905 §6), correct whenever
    /// the instants are within ±2³¹ s (68 years) of each other. Same as the `-` operator.
    #[inline]
    pub const fn duration_since(self, earlier: Self) -> NtpDuration {
        NtpDuration::from_bits(self.0.wrapping_sub(earlier.0) as i64)
    }

    /// `self + duration`, wrapping modulo 2³² s like the wire format. Same as `+`.
    #[inline]
    pub const fn wrapping_add(self, duration: NtpDuration) -> Self {
        Self(self.0.wrapping_add(duration.to_bits() as u64))
    }

    /// The timestamp of a Unix instant, dropping the era (the NTP seconds are taken
    /// modulo 2³²). Nanoseconds of 10⁹ or more saturate to the last fraction of the
    /// second. `from_unix(t).to_unix_near(t.seconds()) == t` for every whole nanosecond.
    pub const fn from_unix(time: UnixTime) -> Self {
        let seconds = time.secs.wrapping_add(UNIX_EPOCH_NTP_SECONDS as i64) as u32;
        Self::from_parts(seconds, nanos_to_frac(time.nanos))
    }

    /// The Unix time of this timestamp in the era that puts it nearest to
    /// `pivot_unix_seconds` (within ±2³¹ s, about ±68 years, of the pivot).
    ///
    /// A device with a build date or an RTC reading uses that as the pivot, which makes
    /// the conversion right for 68 years either side of it. Pivots beyond ±2⁶² s (far
    /// outside any era NTP can name) are clamped there, so no input can overflow.
    pub const fn to_unix_near(self, pivot_unix_seconds: i64) -> UnixTime {
        const PIVOT_LIMIT: i64 = 1 << 62;
        let pivot = if pivot_unix_seconds > PIVOT_LIMIT {
            PIVOT_LIMIT
        } else if pivot_unix_seconds < -PIVOT_LIMIT {
            -PIVOT_LIMIT
        } else {
            pivot_unix_seconds
        };
        // The pivot on the NTP time line (era 0 origin); |pivot_ntp| < 2^62 + 2^32.
        let pivot_ntp = pivot.wrapping_add(UNIX_EPOCH_NTP_SECONDS as i64);
        // Signed distance of our seconds from the pivot's, modulo 2^32: -2^31..2^31.
        let delta = self.seconds().wrapping_sub(pivot_ntp as u32) as i32;
        let ntp_seconds = pivot_ntp.wrapping_add(delta as i64);
        UnixTime { secs: ntp_seconds.wrapping_sub(UNIX_EPOCH_NTP_SECONDS as i64), nanos: self.subsec_nanos() }
    }

    /// The Unix time of this timestamp by the RFC 4330 §3 rule: if the most significant
    /// bit of the seconds is set the time is in 1968-01-20 03:14:08 ..= 2036-02-07
    /// 06:28:15 UTC (era 0), otherwise in 2036-02-07 06:28:16 .. 2104-02-26 09:42:24 UTC
    /// (era 1). Note that the unset value [`NtpTimestamp::ZERO`] maps to 2036-02-07
    /// 06:28:16 UTC under this rule; check [`is_zero`](Self::is_zero) first.
    pub const fn to_unix_rfc4330(self) -> UnixTime {
        let era = if self.seconds() & 0x8000_0000 != 0 { 0 } else { ERA_SECONDS };
        UnixTime {
            secs: (self.seconds() as i64).wrapping_add(era).wrapping_sub(UNIX_EPOCH_NTP_SECONDS as i64),
            nanos: self.subsec_nanos(),
        }
    }

    /// The era-resolved time as a [`std::time::SystemTime`], by the RFC 4330 rule
    /// (1968–2104), or `None` if the platform cannot represent it.
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn to_system_time(self) -> Option<std::time::SystemTime> {
        self.to_unix_rfc4330().to_system_time()
    }

    /// The timestamp of a [`std::time::SystemTime`] (era dropped), or `None` if it is
    /// more than 2⁶³ s from the Unix epoch.
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn from_system_time(time: std::time::SystemTime) -> Option<Self> {
        UnixTime::from_system_time(time).map(Self::from_unix)
    }
}

/// `a - b`: the era-less signed difference (RFC 5905 §6), correct whenever the instants
/// are within ±2³¹ s (68 years) of each other. Never panics.
impl Sub for NtpTimestamp {
    type Output = NtpDuration;
    #[inline]
    fn sub(self, rhs: Self) -> NtpDuration {
        self.duration_since(rhs)
    }
}

/// `t + d`, wrapping modulo 2³² s like the wire format. Never panics.
impl Add<NtpDuration> for NtpTimestamp {
    type Output = Self;
    #[inline]
    fn add(self, rhs: NtpDuration) -> Self {
        self.wrapping_add(rhs)
    }
}

/// `t - d`, wrapping modulo 2³² s like the wire format. Never panics.
impl Sub<NtpDuration> for NtpTimestamp {
    type Output = Self;
    #[inline]
    fn sub(self, rhs: NtpDuration) -> Self {
        Self(self.0.wrapping_sub(rhs.to_bits() as u64))
    }
}

impl fmt::Debug for NtpTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NtpTimestamp({:#010x}.{:08x})", self.seconds(), self.fraction())
    }
}

/// Era-less hexadecimal wire value, as `ntpq` prints it: `e1a7f8a0.1a2b3c4d`.
/// For calendar time use [`to_unix_rfc4330`](NtpTimestamp::to_unix_rfc4330) or
/// [`to_unix_near`](NtpTimestamp::to_unix_near) and display the [`UnixTime`].
impl fmt::Display for NtpTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}.{:08x}", self.seconds(), self.fraction())
    }
}

/// The 32-bit NTP short format (RFC 5905 §6): 16 bits of seconds and 16 bits of
/// fraction, unsigned. Root delay and root dispersion travel in it.
///
/// ```
/// use ntpkit::NtpShort;
/// let s = NtpShort::from_bits(0x0000_8000);
/// assert_eq!(s.to_nanos(), 500_000_000);
/// assert_eq!(s.to_duration().to_nanos(), 500_000_000);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NtpShort(u32);

impl NtpShort {
    /// Zero.
    pub const ZERO: Self = Self(0);

    /// A value from its 32-bit wire form.
    #[inline]
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The 32-bit wire form.
    #[inline]
    pub const fn to_bits(self) -> u32 {
        self.0
    }

    /// Whole seconds (the high 16 bits).
    #[inline]
    pub const fn seconds(self) -> u16 {
        (self.0 >> 16) as u16
    }

    /// Fraction of a second in units of 2⁻¹⁶ s (the low 16 bits).
    #[inline]
    pub const fn fraction(self) -> u16 {
        self.0 as u16
    }

    /// The exact value as an [`NtpDuration`] (always representable: at most 65536 s).
    #[inline]
    pub const fn to_duration(self) -> NtpDuration {
        NtpDuration::from_bits((self.0 as i64) << 16)
    }

    /// The nearest short value not above `duration`, clamped to `0..=0xFFFF.FFFF`:
    /// negative durations give zero, durations of 65536 s or more give the maximum.
    pub const fn from_duration_saturating(duration: NtpDuration) -> Self {
        let bits = duration.to_bits();
        if bits < 0 {
            Self(0)
        } else if bits >= 1 << 48 {
            Self(u32::MAX)
        } else {
            Self((bits >> 16) as u32)
        }
    }

    /// Whole nanoseconds, truncated.
    #[inline]
    pub const fn to_nanos(self) -> u64 {
        // At most 65_535 * 10^9 + 10^9: no overflow.
        (self.seconds() as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(frac_to_nanos((self.fraction() as u32) << 16) as u64)
    }
}

impl fmt::Debug for NtpShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NtpShort({self})")
    }
}

/// Decimal seconds with nine digits: `0.001251221s`.
impl fmt::Display for NtpShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_duration(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{CivilTime, OutOfRange};

    fn civil(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> UnixTime {
        UnixTime::from_civil(y, mo, d, h, mi, s, 0).unwrap()
    }

    #[test]
    fn difference_across_the_2036_rollover() {
        let a = NtpTimestamp::from_parts(0xFFFF_FFFF, 0x8000_0000);
        let b = NtpTimestamp::from_parts(0x0000_0001, 0x4000_0000);
        assert_eq!(b - a, NtpDuration::from_seconds_fraction(1, 0xC000_0000));
        assert_eq!(a - b, NtpDuration::from_seconds_fraction(-2, 0x4000_0000));
        assert_eq!((b - a).to_nanos(), 1_750_000_000);
        assert_eq!(a + (b - a), b);
        assert_eq!(b - (b - a), a);
    }

    #[test]
    fn the_2036_era_boundary_in_calendar_time() {
        // 06:28:15 is the last second of era 0, 06:28:16 the first of era 1.
        for (s, ntp_seconds) in [(15u8, 0xFFFF_FFFFu32), (16, 0), (17, 1)] {
            let unix = civil(2036, 2, 7, 6, 28, s);
            let ts = NtpTimestamp::from_unix(unix);
            assert_eq!(ts.seconds(), ntp_seconds, "06:28:{s}");
            assert_eq!(ts.to_unix_rfc4330(), unix);
            assert_eq!(ts.to_unix_near(civil(2026, 1, 1, 0, 0, 0).seconds()), unix);
            assert_eq!(unix.to_civil(), CivilTime::new(2036, 2, 7, 6, 28, s, 0));
        }
    }

    #[test]
    fn calendar_anchors() {
        // 1970: the Unix epoch is NTP seconds 2_208_988_800 in era 0.
        let epoch = NtpTimestamp::from_parts(UNIX_EPOCH_NTP_SECONDS, 0);
        assert_eq!(epoch.to_unix_rfc4330(), UnixTime::EPOCH);
        assert_eq!(civil(1970, 1, 1, 0, 0, 0), UnixTime::EPOCH);
        // 1968: the earliest instant of the RFC 4330 window (seconds = 0x8000_0000).
        let start = NtpTimestamp::from_parts(0x8000_0000, 0).to_unix_rfc4330();
        assert_eq!(start.to_civil(), CivilTime::new(1968, 1, 20, 3, 14, 8, 0));
        // 2104: the last second of the window (seconds = 0x7FFF_FFFF, era 1).
        let end = NtpTimestamp::from_parts(0x7FFF_FFFF, 0).to_unix_rfc4330();
        assert_eq!(end.to_civil(), CivilTime::new(2104, 2, 26, 9, 42, 23, 0));
        // 2026: today, both conversions agree.
        let now = civil(2026, 11, 22, 12, 0, 0);
        assert_eq!(now.seconds(), 1_795_348_800);
        let ts = NtpTimestamp::from_unix(now);
        assert_eq!(ts.seconds(), 4_004_337_600);
        assert_eq!(ts.to_unix_rfc4330(), now);
        assert_eq!(ts.to_unix_near(0), now);
    }

    #[test]
    fn unix_time_after_2038() {
        let t = civil(2040, 6, 1, 0, 0, 0);
        assert_eq!(t.seconds(), 2_222_121_600);
        assert!(t.to_i32_seconds().is_err());
        assert_eq!(t.to_u32_seconds(), Ok(2_222_121_600));
        let ts = NtpTimestamp::from_unix(t);
        assert_eq!(ts.to_unix_rfc4330(), t);
        let t2106 = civil(2106, 2, 7, 6, 28, 16);
        assert_eq!(t2106.to_u32_seconds(), Err(OutOfRange));
        assert_eq!(civil(2038, 1, 19, 3, 14, 7).to_i32_seconds(), Ok(i32::MAX));
    }

    #[test]
    fn era_pivot_selects_the_nearest_era() {
        let ts = NtpTimestamp::from_parts(100, 0); // 1900-01-01 00:01:40 or 2036-02-07 06:29:56
        assert_eq!(ts.to_unix_near(civil(1920, 1, 1, 0, 0, 0).seconds()).to_civil().year, 1900);
        assert_eq!(ts.to_unix_near(civil(2030, 1, 1, 0, 0, 0).seconds()).to_civil().year, 2036);
        assert_eq!(ts.to_unix_near(civil(2300, 1, 1, 0, 0, 0).seconds()).to_civil().year, 2308);
        // Extreme pivots clamp instead of overflowing.
        let _ = ts.to_unix_near(i64::MAX);
        let _ = ts.to_unix_near(i64::MIN);
    }

    #[test]
    fn unix_nanos_survive_the_trip() {
        let t = UnixTime::new(1_574_340_830, 482_891_153).unwrap();
        let ts = NtpTimestamp::from_unix(t);
        assert_eq!(ts.to_unix_near(t.seconds()), t);
        assert_eq!(UnixTime::new(0, 1_000_000_000), None);
        let before_epoch = UnixTime::new(-1, 999_999_999).unwrap();
        assert_eq!(NtpTimestamp::from_unix(before_epoch).to_unix_rfc4330(), before_epoch);
    }

    #[test]
    fn civil_validation() {
        assert!(UnixTime::from_civil(2023, 2, 29, 0, 0, 0, 0).is_none());
        assert!(UnixTime::from_civil(2024, 2, 29, 0, 0, 0, 0).is_some());
        assert!(UnixTime::from_civil(2100, 2, 29, 0, 0, 0, 0).is_none());
        assert!(UnixTime::from_civil(2000, 2, 29, 0, 0, 0, 0).is_some());
        assert!(UnixTime::from_civil(2000, 13, 1, 0, 0, 0, 0).is_none());
        assert!(UnixTime::from_civil(2000, 1, 1, 24, 0, 0, 0).is_none());
        assert!(UnixTime::from_civil(i32::MAX, 1, 1, 0, 0, 0, 0).is_none());
        assert_eq!(
            std::format!("{}", UnixTime::new(1_574_340_830, 482_891_153).unwrap()),
            "2019-11-21T12:53:50.482891153Z"
        );
    }

    #[test]
    fn short_format() {
        let s = NtpShort::from_bits(0x0001_4000);
        assert_eq!((s.seconds(), s.fraction()), (1, 0x4000));
        assert_eq!(s.to_nanos(), 1_250_000_000);
        assert_eq!(s.to_duration(), NtpDuration::from_seconds_fraction(1, 0x4000_0000));
        assert_eq!(NtpShort::from_duration_saturating(s.to_duration()), s);
        assert_eq!(NtpShort::from_duration_saturating(NtpDuration::from_seconds(-1)), NtpShort::ZERO);
        assert_eq!(NtpShort::from_duration_saturating(NtpDuration::MAX).to_bits(), u32::MAX);
        assert_eq!(NtpShort::from_bits(u32::MAX).to_nanos(), 65_535_999_984_741);
    }
}

//! NTP time formats (RFC 5905 §6): the 64-bit [`NtpTimestamp`] and the 32-bit
//! [`NtpShort`], and their conversion to Unix time with an explicit era.

use core::fmt;
use core::ops::{Add, Sub};

use crate::math::NtpDuration;
use crate::math::nanos::{frac_to_nanos, nanos_to_frac};

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
    pub fn to_system_time(self) -> Option<std::time::SystemTime> {
        self.to_unix_rfc4330().to_system_time()
    }

    /// The timestamp of a [`std::time::SystemTime`] (era dropped), or `None` if it is
    /// more than 2⁶³ s from the Unix epoch.
    #[cfg(feature = "std")]
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

/// An instant as signed seconds and nanoseconds since 1970-01-01 00:00:00 UTC, with no
/// year-2038 limit. Leap seconds are not counted, as in POSIX time and NTP.
///
/// ```
/// use ntpkit::{CivilTime, UnixTime};
/// let t = UnixTime::from_civil(2040, 6, 1, 0, 0, 0, 0).unwrap();
/// assert_eq!(t.seconds(), 2_222_121_600);
/// assert_eq!(t.to_civil(), CivilTime::new(2040, 6, 1, 0, 0, 0, 0));
/// assert_eq!(t.to_string(), "2040-06-01T00:00:00.000000000Z");
/// assert!(t.to_i32_seconds().is_err()); // past 2038: does not fit a signed 32-bit time_t
/// assert_eq!(t.to_u32_seconds(), Ok(2_222_121_600));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct UnixTime {
    secs: i64,
    nanos: u32,
}

/// The seconds of a [`UnixTime`] do not fit the narrower type asked for (the year-2038
/// problem of a signed or unsigned 32-bit `time_t`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OutOfRange;

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("time does not fit the requested 32-bit representation (year 2038/2106)")
    }
}

impl core::error::Error for OutOfRange {}

impl UnixTime {
    /// The Unix epoch, 1970-01-01 00:00:00 UTC.
    pub const EPOCH: Self = Self { secs: 0, nanos: 0 };

    /// An instant `secs` seconds plus `nanos` nanoseconds after the Unix epoch
    /// (`secs` may be negative; `nanos` is always added). `None` if `nanos >= 10^9`.
    pub const fn new(secs: i64, nanos: u32) -> Option<Self> {
        if nanos >= 1_000_000_000 { None } else { Some(Self { secs, nanos }) }
    }

    /// Whole seconds since the epoch, rounded toward negative infinity.
    #[inline]
    pub const fn seconds(self) -> i64 {
        self.secs
    }

    /// Nanoseconds after [`seconds`](Self::seconds) (0..=999_999_999).
    #[inline]
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// The seconds as an unsigned 32-bit `time_t` (1970..2106), or [`OutOfRange`]. The
    /// default 64-bit [`seconds`](Self::seconds) has no such limit.
    pub const fn to_u32_seconds(self) -> Result<u32, OutOfRange> {
        if self.secs >= 0 && self.secs <= u32::MAX as i64 { Ok(self.secs as u32) } else { Err(OutOfRange) }
    }

    /// The seconds as a signed 32-bit `time_t` (1901-12-13 ..= 2038-01-19 03:14:07 UTC),
    /// or [`OutOfRange`].
    pub const fn to_i32_seconds(self) -> Result<i32, OutOfRange> {
        if self.secs >= i32::MIN as i64 && self.secs <= i32::MAX as i64 {
            Ok(self.secs as i32)
        } else {
            Err(OutOfRange)
        }
    }

    /// The instant of a proleptic-Gregorian UTC calendar date and time, or `None` if a
    /// field is out of range (month 1–12, day valid for the month, hour < 24,
    /// minute < 60, second < 60, nanos < 10⁹; years −1,000,000..=1,000,000).
    ///
    /// Calendar arithmetic uses 32-bit division; it is not on the packet path.
    pub fn from_civil(
        year: i32,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        nanos: u32,
    ) -> Option<Self> {
        if !(-1_000_000..=1_000_000).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || nanos >= 1_000_000_000
        {
            return None;
        }
        let days = i64::from(days_from_civil(year, month, day));
        // |days| < 2^30 for the year range above and every field is checked, so none of
        // this can overflow an i64.
        #[allow(clippy::arithmetic_side_effects)]
        let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Some(Self { secs, nanos })
    }

    /// The proleptic-Gregorian UTC calendar date and time of this instant.
    ///
    /// Calendar arithmetic uses division; it is not on the packet path.
    pub fn to_civil(self) -> CivilTime {
        let days = self.secs.div_euclid(86_400);
        let secs_of_day = self.secs.rem_euclid(86_400); // 0..86_400
        let (year, month, day) = civil_from_days(days);
        let hour = (secs_of_day / 3600) as u8;
        let minute = (secs_of_day % 3600 / 60) as u8;
        let second = (secs_of_day % 60) as u8;
        CivilTime { year, month, day, hour, minute, second, nanos: self.nanos }
    }

    /// The [`std::time::SystemTime`] of this instant, or `None` if the platform cannot
    /// represent it.
    #[cfg(feature = "std")]
    pub fn to_system_time(self) -> Option<std::time::SystemTime> {
        use std::time::{Duration, UNIX_EPOCH};
        let nanos = Duration::from_nanos(u64::from(self.nanos));
        if self.secs >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(self.secs.unsigned_abs()))?.checked_add(nanos)
        } else {
            UNIX_EPOCH.checked_sub(Duration::from_secs(self.secs.unsigned_abs()))?.checked_add(nanos)
        }
    }

    /// The Unix time of a [`std::time::SystemTime`], or `None` beyond ±2⁶³ s.
    #[cfg(feature = "std")]
    pub fn from_system_time(time: std::time::SystemTime) -> Option<Self> {
        use std::time::UNIX_EPOCH;
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => {
                Some(Self { secs: i64::try_from(after.as_secs()).ok()?, nanos: after.subsec_nanos() })
            }
            Err(before) => {
                let before = before.duration();
                let whole = i64::try_from(before.as_secs()).ok()?;
                if before.subsec_nanos() == 0 {
                    Some(Self { secs: whole.checked_neg()?, nanos: 0 })
                } else {
                    Some(Self {
                        secs: whole.checked_neg()?.checked_sub(1)?,
                        nanos: 1_000_000_000u32.checked_sub(before.subsec_nanos())?,
                    })
                }
            }
        }
    }
}

/// ISO 8601 UTC with nanoseconds: `2019-11-21T12:53:50.482891153Z`.
impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_civil(), f)
    }
}

/// A UTC calendar date and time in the proleptic Gregorian calendar, as returned by
/// [`UnixTime::to_civil`]. Fields are public and unchecked; [`UnixTime::from_civil`]
/// validates them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CivilTime {
    /// Year (astronomical numbering: 0 is 1 BC).
    pub year: i64,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Second, 0–59 (NTP and POSIX time do not count leap seconds).
    pub second: u8,
    /// Nanoseconds, 0–999,999,999.
    pub nanos: u32,
}

impl CivilTime {
    /// The calendar fields, in the order they are written.
    pub const fn new(year: i64, month: u8, day: u8, hour: u8, minute: u8, second: u8, nanos: u32) -> Self {
        Self { year, month, day, hour, minute, second, nanos }
    }
}

/// ISO 8601 UTC with nanoseconds: `2019-11-21T12:53:50.482891153Z`.
impl fmt::Display for CivilTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { year, month, day, hour, minute, second, nanos } = *self;
        write!(f, "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{nanos:09}Z")
    }
}

const fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

const fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a valid proleptic-Gregorian date with |year| <= 10^6, by
/// counting whole 400-year cycles (146,097 days each) from 0000-03-01.
#[allow(clippy::arithmetic_side_effects)] // bounded inputs: every term is below 2^30
fn days_from_civil(year: i32, month: u8, day: u8) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400); // 0..=399
    let m = i32::from(month);
    let month_from_march = if m > 2 { m - 3 } else { m + 9 }; // 0..=11
    let day_of_year = (153 * month_from_march + 2) / 5 + i32::from(day) - 1; // 0..=365
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`] for any day count an `i64` of seconds can reach.
#[allow(clippy::arithmetic_side_effects)] // |days| < 2^47: no term can overflow an i64
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146_096
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u8;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u8;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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

//! Unix time and calendar time: [`UnixTime`] (signed 64-bit seconds and nanoseconds, no
//! Y2038 limit) and [`CivilTime`] (proleptic-Gregorian UTC fields).

use core::fmt;

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
    pub(super) secs: i64,
    pub(super) nanos: u32,
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
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
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
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
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

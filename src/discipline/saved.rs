//! What a [`Discipline`](super::Discipline) keeps across restarts, and its errors.

use core::fmt;

use super::INITIAL_UNCERTAINTY_PPB;
use crate::clock::MAX_FREQUENCY_PPB;

/// Why a [`Discipline`](super::Discipline) refused an input. Nothing changed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DisciplineError {
    /// `now` is earlier than the previous input's: the monotonic clock went backwards.
    TimeWentBackwards {
        /// The previous input's time, ns.
        last_ns: u64,
        /// The time given, ns.
        now_ns: u64,
    },
    /// A saved frequency beyond ±[`MAX_FREQUENCY_PPB`].
    FrequencyOutOfRange {
        /// The frequency given.
        ppb: i64,
    },
    /// A saved uncertainty of zero or beyond [`INITIAL_UNCERTAINTY_PPB`].
    UncertaintyOutOfRange {
        /// The uncertainty given.
        ppb: u64,
    },
}

impl fmt::Display for DisciplineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TimeWentBackwards { last_ns, now_ns } => {
                write!(f, "input time {now_ns} ns is before the previous input's {last_ns} ns")
            }
            Self::FrequencyOutOfRange { ppb } => {
                write!(f, "saved frequency {ppb} ppb beyond ±{MAX_FREQUENCY_PPB} ppb (RFC 5905 MAXFREQ)")
            }
            Self::UncertaintyOutOfRange { ppb } => {
                write!(f, "saved uncertainty {ppb} ppb not within 1..={INITIAL_UNCERTAINTY_PPB} ppb")
            }
        }
    }
}

impl core::error::Error for DisciplineError {}

/// A frequency estimate to keep across restarts (a drift file, or 8 bytes in a
/// backup register): [`Discipline::save`](super::Discipline::save) and
/// [`Discipline::restore`](super::Discipline::restore).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SavedFrequency {
    ppb: i32,
    uncertainty_ppb: u32,
}

impl SavedFrequency {
    /// No correction, with the largest uncertainty.
    pub const ZERO: Self = Self { ppb: 0, uncertainty_ppb: INITIAL_UNCERTAINTY_PPB as u32 };

    /// A saved estimate: `ppb` within ±[`MAX_FREQUENCY_PPB`], its uncertainty (one
    /// standard deviation) within 1 ..= [`INITIAL_UNCERTAINTY_PPB`].
    pub const fn new(ppb: i64, uncertainty_ppb: u64) -> Result<Self, DisciplineError> {
        if ppb < -MAX_FREQUENCY_PPB || ppb > MAX_FREQUENCY_PPB {
            return Err(DisciplineError::FrequencyOutOfRange { ppb });
        }
        if uncertainty_ppb == 0 || uncertainty_ppb > INITIAL_UNCERTAINTY_PPB {
            return Err(DisciplineError::UncertaintyOutOfRange { ppb: uncertainty_ppb });
        }
        // Both checked above: they fit.
        Ok(Self { ppb: ppb as i32, uncertainty_ppb: uncertainty_ppb as u32 })
    }

    /// The frequency correction, ppb.
    pub const fn ppb(&self) -> i64 {
        self.ppb as i64
    }

    /// Its uncertainty, ppb.
    pub const fn uncertainty_ppb(&self) -> u64 {
        self.uncertainty_ppb as u64
    }

    /// Eight bytes: the frequency (i32) and the uncertainty (u32), big-endian.
    pub fn to_bytes(&self) -> [u8; 8] {
        let [a, b, c, d] = self.ppb.to_be_bytes();
        let [e, f, g, h] = self.uncertainty_ppb.to_be_bytes();
        [a, b, c, d, e, f, g, h]
    }

    /// Reads [`to_bytes`](Self::to_bytes)'s form back, checked as [`new`](Self::new)
    /// checks (an erased register, all zeros or all ones, is refused).
    pub fn from_bytes(bytes: [u8; 8]) -> Result<Self, DisciplineError> {
        let [a, b, c, d, e, f, g, h] = bytes;
        let ppb = i32::from_be_bytes([a, b, c, d]);
        let uncertainty = u32::from_be_bytes([e, f, g, h]);
        Self::new(ppb as i64, uncertainty as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// D-5: a saved state out of range, or an erased register, is refused by name.
    #[test]
    fn d5_saved_state_is_checked() {
        let s = SavedFrequency::new(-49_876, 12).unwrap();
        assert_eq!(SavedFrequency::from_bytes(s.to_bytes()), Ok(s));
        assert_eq!(
            SavedFrequency::from_bytes([0; 8]),
            Err(DisciplineError::UncertaintyOutOfRange { ppb: 0 })
        );
        assert_eq!(
            SavedFrequency::from_bytes([0xff; 8]),
            Err(DisciplineError::UncertaintyOutOfRange { ppb: u64::from(u32::MAX) })
        );
        assert_eq!(
            SavedFrequency::new(500_001, 1),
            Err(DisciplineError::FrequencyOutOfRange { ppb: 500_001 })
        );
        assert_eq!(
            SavedFrequency::new(-500_001, 1),
            Err(DisciplineError::FrequencyOutOfRange { ppb: -500_001 })
        );
        assert!(SavedFrequency::new(500_000, INITIAL_UNCERTAINTY_PPB).is_ok());
        assert_eq!(
            SavedFrequency::new(0, INITIAL_UNCERTAINTY_PPB + 1),
            Err(DisciplineError::UncertaintyOutOfRange { ppb: INITIAL_UNCERTAINTY_PPB + 1 })
        );
    }
}

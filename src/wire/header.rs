//! The small fields of the NTP header (RFC 5905 §7.3, Figure 8): leap indicator,
//! version, mode, stratum, poll and precision. The reference ID and kiss codes are in
//! `refid.rs`.
//!
//! Every field decodes from every bit pattern: registries that are open (modes beyond
//! the ones defined, kiss codes, reference source names) keep the raw value instead of
//! failing, so decoding and encoding round-trip exactly.

use core::fmt;

use crate::time::NtpDuration;

/// Leap indicator (RFC 5905 §7.3, Figure 9): the 2-bit warning of an impending leap
/// second in the last minute of the current UTC day, or "clock unsynchronized".
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LeapIndicator {
    /// 0: no warning.
    #[default]
    NoWarning,
    /// 1: the last minute of the day has 61 seconds.
    InsertSecond,
    /// 2: the last minute of the day has 59 seconds.
    DeleteSecond,
    /// 3: unknown (clock unsynchronized). A client must not use such a server.
    Unsynchronized,
}

impl LeapIndicator {
    /// The indicator of the low two bits of `bits` (higher bits are ignored).
    #[inline]
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b11 {
            0 => Self::NoWarning,
            1 => Self::InsertSecond,
            2 => Self::DeleteSecond,
            _ => Self::Unsynchronized,
        }
    }

    /// The 2-bit wire value.
    #[inline]
    pub const fn to_bits(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for LeapIndicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoWarning => "none",
            Self::InsertSecond => "insert",
            Self::DeleteSecond => "delete",
            Self::Unsynchronized => "unsynchronized",
        })
    }
}

/// NTP version number (RFC 5905 §7.3): 1 to 4. Other values cannot be constructed, so a
/// [`Packet`](crate::Packet) always carries a version that RFC 5905 §9.2 accepts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Version(u8);

impl Version {
    /// NTPv1 (RFC 1059).
    pub const V1: Self = Self(1);
    /// NTPv2 (RFC 1119).
    pub const V2: Self = Self(2);
    /// NTPv3 (RFC 1305).
    pub const V3: Self = Self(3);
    /// NTPv4 (RFC 5905), the default.
    pub const V4: Self = Self(4);

    /// The version `n`, or `None` unless `1 <= n <= 4`.
    #[inline]
    pub const fn new(n: u8) -> Option<Self> {
        match n {
            1..=4 => Some(Self(n)),
            _ => None,
        }
    }

    /// The number, 1 to 4.
    #[inline]
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl Default for Version {
    fn default() -> Self {
        Self::V4
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Association mode (RFC 5905 §7.3, Figure 10). All eight 3-bit values have a variant,
/// so decoding is total.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Mode {
    /// 0: reserved.
    #[default]
    Reserved,
    /// 1: symmetric active.
    SymmetricActive,
    /// 2: symmetric passive.
    SymmetricPassive,
    /// 3: client (a request).
    Client,
    /// 4: server (a reply).
    Server,
    /// 5: broadcast.
    Broadcast,
    /// 6: NTP control message (RFC 9327).
    Control,
    /// 7: reserved for private use (ntpd's `ntpdc`).
    Private,
}

impl Mode {
    /// The mode of the low three bits of `bits` (higher bits are ignored).
    #[inline]
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0b111 {
            0 => Self::Reserved,
            1 => Self::SymmetricActive,
            2 => Self::SymmetricPassive,
            3 => Self::Client,
            4 => Self::Server,
            5 => Self::Broadcast,
            6 => Self::Control,
            _ => Self::Private,
        }
    }

    /// The 3-bit wire value.
    #[inline]
    pub const fn to_bits(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Reserved => "reserved",
            Self::SymmetricActive => "symmetric active",
            Self::SymmetricPassive => "symmetric passive",
            Self::Client => "client",
            Self::Server => "server",
            Self::Broadcast => "broadcast",
            Self::Control => "control",
            Self::Private => "private",
        })
    }
}

/// Stratum (RFC 5905 §7.3, Figure 11): the distance from a reference clock. The raw
/// byte is kept; [`class`](Self::class) interprets it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stratum(pub u8);

/// What a [`Stratum`] value means (RFC 5905 Figure 11).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StratumClass {
    /// 0: unspecified or invalid; in a server reply, a kiss-o'-death (RFC 5905 §7.4).
    KissOfDeath,
    /// 1: primary server, synchronized to a reference clock.
    Primary,
    /// 2–15: secondary server, synchronized over NTP.
    Secondary,
    /// 16: unsynchronized.
    Unsynchronized,
    /// 17–255: reserved.
    Reserved,
}

impl Stratum {
    /// The highest stratum a usable server may have (RFC 5905 `MAXSTRAT` − 1).
    pub const MAX_SYNCHRONIZED: Self = Self(15);
    /// Stratum 16: unsynchronized (RFC 5905 `MAXSTRAT`).
    pub const UNSYNCHRONIZED: Self = Self(16);

    /// The class of this stratum value.
    #[inline]
    pub const fn class(self) -> StratumClass {
        match self.0 {
            0 => StratumClass::KissOfDeath,
            1 => StratumClass::Primary,
            2..=15 => StratumClass::Secondary,
            16 => StratumClass::Unsynchronized,
            _ => StratumClass::Reserved,
        }
    }
}

impl fmt::Display for Stratum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Poll interval exponent (RFC 5905 §7.3): the maximum interval between messages is
/// 2^`log2` seconds. Any `i8` is kept as received; [`to_duration`](Self::to_duration)
/// clamps, so a hostile value cannot overflow a shift.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Poll(pub i8);

impl Poll {
    /// 2^`self` seconds, clamped to [`NtpDuration`]'s range
    /// (see [`NtpDuration::from_log2_seconds`]).
    #[inline]
    pub const fn to_duration(self) -> NtpDuration {
        NtpDuration::from_log2_seconds(self.0)
    }
}

/// Clock precision exponent (RFC 5905 §7.3): the precision of the system clock is
/// 2^`log2` seconds, e.g. −20 for about a microsecond. Kept as received;
/// [`to_duration`](Self::to_duration) clamps.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Precision(pub i8);

impl Precision {
    /// 2^`self` seconds, clamped to [`NtpDuration`]'s range
    /// (see [`NtpDuration::from_log2_seconds`]).
    #[inline]
    pub const fn to_duration(self) -> NtpDuration {
        NtpDuration::from_log2_seconds(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_fields_round_trip_over_every_pattern() {
        for bits in 0..4u8 {
            assert_eq!(LeapIndicator::from_bits(bits).to_bits(), bits);
        }
        for bits in 0..8u8 {
            assert_eq!(Mode::from_bits(bits).to_bits(), bits);
        }
        for n in 0..=255u8 {
            assert_eq!(Version::new(n).is_some(), (1..=4).contains(&n));
            assert_eq!(Version::new(n).map(Version::get).unwrap_or(n), n);
        }
    }

    #[test]
    fn stratum_classes() {
        let classes: std::vec::Vec<StratumClass> = (0..=255u8).map(|s| Stratum(s).class()).collect();
        assert_eq!(classes[0], StratumClass::KissOfDeath);
        assert_eq!(classes[1], StratumClass::Primary);
        assert!(classes[2..=15].iter().all(|c| *c == StratumClass::Secondary));
        assert_eq!(classes[16], StratumClass::Unsynchronized);
        assert!(classes[17..].iter().all(|c| *c == StratumClass::Reserved));
    }

    #[test]
    fn poll_and_precision_clamp() {
        assert_eq!(Poll(6).to_duration(), NtpDuration::from_seconds(64));
        assert_eq!(Precision(-20).to_duration().to_nanos(), 953);
        assert_eq!(Poll(127).to_duration(), NtpDuration::MAX);
        assert_eq!(Precision(-128).to_duration(), NtpDuration::ZERO);
    }
}

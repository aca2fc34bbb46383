//! The ground floor: time quantities and their exact integer arithmetic. Nothing here
//! imports from the rest of the crate, reads a clock or allocates; no floats, no 64-bit
//! division.
//!
//! | type | what |
//! |---|---|
//! | [`NtpTimestamp`] | the era-less 64-bit NTP timestamp (RFC 5905 §6) |
//! | [`NtpShort`] | the 32-bit NTP short format (root delay and dispersion) |
//! | [`NtpDuration`] | a signed 32.32 fixed-point duration, exact nanosecond conversions |
//! | [`UnixTime`], [`CivilTime`] | Unix seconds and nanoseconds, calendar fields; era resolution with a pivot |
//! | [`Instant`] | a point on the caller's monotonic clock, for timers |

mod duration;
mod instant;
pub(crate) mod nanos;
mod timestamp;
mod unix;

pub use duration::NtpDuration;
pub use instant::Instant;
pub use timestamp::{NtpShort, NtpTimestamp, UNIX_EPOCH_NTP_SECONDS};
pub use unix::{CivilTime, OutOfRange, UnixTime};

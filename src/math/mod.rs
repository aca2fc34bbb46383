//! Pure integer arithmetic on NTP quantities: [`NtpDuration`], exact nanosecond
//! conversions, and the on-wire offset/delay calculation. No floats, no 64-bit division.

mod duration;
mod exchange;
pub(crate) mod nanos;

pub use duration::NtpDuration;
pub use exchange::{Ambiguous, OffsetDelay, offset_delay, phi_times};

//! Pure integer arithmetic on NTP quantities: [`NtpDuration`] and exact nanosecond
//! conversions. No floats, no 64-bit division.

mod duration;
pub(crate) mod nanos;

pub use duration::NtpDuration;

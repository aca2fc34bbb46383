//! Integer arithmetic above the time types: the on-wire offset and delay calculation
//! (RFC 5905 §8), the dispersion and root-distance formulas, and integer helpers for
//! small targets. No floats, no 64-bit division; it imports only [`crate::time`].

mod exchange;
pub(crate) mod int;
mod siphash;

pub use exchange::{Ambiguous, OffsetDelay, offset_delay, phi_times, root_distance};
pub(crate) use exchange::{clamp_to_duration, non_negative};
pub(crate) use siphash::siphash24;

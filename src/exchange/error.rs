//! [`RequestError`]: why a request could not be built.

use core::fmt;

use crate::nts::NtsError;
use crate::wire::error::EmitError;

/// Why a request could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RequestError {
    /// The nonce source gave zero, the previous nonce or the clock reading
    /// [`ClientRequest::NONCE_ATTEMPTS`](super::ClientRequest::NONCE_ATTEMPTS) times in a row: it is broken, and sending a
    /// guessable nonce would make spoofing easy (draft-ietf-ntp-data-minimization).
    Rng,
    /// The output buffer is too small.
    Emit(EmitError),
    /// The NTS fields could not be added (for example [`NtsError::NoCookie`]: run
    /// NTS-KE again).
    Nts(NtsError),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rng => {
                f.write_str("nonce source returned zero, a repeat or the clock reading on every attempt")
            }
            Self::Emit(e) => write!(f, "request: {e}"),
            Self::Nts(e) => write!(f, "request: {e}"),
        }
    }
}

impl core::error::Error for RequestError {}

impl From<NtsError> for RequestError {
    fn from(e: NtsError) -> Self {
        Self::Nts(e)
    }
}

impl From<EmitError> for RequestError {
    fn from(e: EmitError) -> Self {
        Self::Emit(e)
    }
}

//! [`AnyAead`]: whichever of the compiled-in AEADs the key exchange chose.

use core::fmt;

use super::{AeadError, NtsAead, TAG_LEN};

/// The AEAD algorithm IDs this build implements, in the order a client offers them and
/// a server prefers them: AES-128-GCM-SIV (30: shortest cookies and packets), then
/// AES-SIV-CMAC-512 (17), then the mandatory AES-SIV-CMAC-256 (15). Each is there only
/// with its feature.
pub const SUPPORTED_AEADS: &[u16] = &[
    #[cfg(feature = "nts-aes-gcm-siv")]
    crate::nts::ke::AEAD_AES_128_GCM_SIV,
    #[cfg(feature = "nts-aes-siv-512")]
    crate::nts::ke::AEAD_AES_SIV_CMAC_512,
    #[cfg(feature = "nts-aes-siv")]
    crate::nts::ke::AEAD_AES_SIV_CMAC_256,
];

/// A key of whichever compiled-in algorithm the key exchange chose
/// ([`SUPPORTED_AEADS`]): `NtsSession<AnyAead>` for a client that offers several, and
/// the key type of a server that accepts several. Without any AEAD feature it has no
/// value and [`with_key`](NtsAead::with_key) always says `None`.
#[non_exhaustive]
// No heap to box the larger keys in: the enum is as large as AES-SIV-CMAC-512's
// expanded keys (the cost of offering it), which is what a session of it needs anyway.
#[allow(clippy::large_enum_variant)]
pub enum AnyAead {
    /// AEAD_AES_SIV_CMAC_256 (15).
    #[cfg(feature = "nts-aes-siv")]
    #[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv")))]
    SivCmac256(super::AesSivCmac256),
    /// AEAD_AES_SIV_CMAC_512 (17).
    #[cfg(feature = "nts-aes-siv-512")]
    #[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv-512")))]
    SivCmac512(super::AesSivCmac512),
    /// AEAD_AES_128_GCM_SIV (30).
    #[cfg(feature = "nts-aes-gcm-siv")]
    #[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-gcm-siv")))]
    GcmSiv128(super::AesGcmSiv128),
}

impl fmt::Debug for AnyAead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyAead({})", self.algorithm())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for AnyAead {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "AnyAead({=u16})", self.algorithm());
    }
}

/// Runs `$body` with `$k` bound to the key inside, whatever its algorithm.
macro_rules! each {
    ($self:expr, $k:pat => $body:expr) => {
        match $self {
            #[cfg(feature = "nts-aes-siv")]
            AnyAead::SivCmac256($k) => $body,
            #[cfg(feature = "nts-aes-siv-512")]
            AnyAead::SivCmac512($k) => $body,
            #[cfg(feature = "nts-aes-gcm-siv")]
            AnyAead::GcmSiv128($k) => $body,
        }
    };
}

// Without any AEAD feature the enum has no value and the arguments go unused.
#[cfg_attr(
    not(any(feature = "nts-aes-siv", feature = "nts-aes-siv-512", feature = "nts-aes-gcm-siv")),
    allow(unused_variables)
)]
impl NtsAead for AnyAead {
    fn algorithm(&self) -> u16 {
        each!(*self, ref k => k.algorithm())
    }

    fn nonce_len(&self) -> usize {
        each!(*self, ref k => k.nonce_len())
    }

    fn with_key(algorithm: u16, key: &[u8]) -> Option<Self> {
        #[cfg(feature = "nts-aes-siv")]
        if let Some(k) = super::AesSivCmac256::with_key(algorithm, key) {
            return Some(Self::SivCmac256(k));
        }
        #[cfg(feature = "nts-aes-siv-512")]
        if let Some(k) = super::AesSivCmac512::with_key(algorithm, key) {
            return Some(Self::SivCmac512(k));
        }
        #[cfg(feature = "nts-aes-gcm-siv")]
        if let Some(k) = super::AesGcmSiv128::with_key(algorithm, key) {
            return Some(Self::GcmSiv128(k));
        }
        None
    }

    fn seal(
        &mut self,
        nonce: &[u8],
        associated_data: &[u8],
        plaintext: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        each!(*self, ref mut k => k.seal(nonce, associated_data, plaintext))
    }

    fn open(
        &mut self,
        nonce: &[u8],
        associated_data: &[u8],
        ciphertext: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        each!(*self, ref mut k => k.open(nonce, associated_data, ciphertext, tag))
    }
}

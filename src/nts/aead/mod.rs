//! The AEADs behind NTS (RFC 8915 §5.6): a small trait the caller can implement with
//! any crypto library, and the three algorithms real servers choose, from RustCrypto,
//! each behind its own feature (no_std, no alloc):
//!
//! | IANA ID | algorithm | feature | key | nonce | why |
//! |---|---|---|---|---|---|
//! | 15 | AEAD_AES_SIV_CMAC_256 (RFC 5297) | `nts-aes-siv` | 32 B | 16 B | mandatory to implement (RFC 8915 §5.1) |
//! | 17 | AEAD_AES_SIV_CMAC_512 (RFC 5297) | `nts-aes-siv-512` | 64 B | 16 B | ntpd-rs's client prefers it; ntpsec offers it |
//! | 30 | AEAD_AES_128_GCM_SIV (RFC 8452) | `nts-aes-gcm-siv` | 16 B | 12 B | chrony's default since 4.4: shorter cookies |
//!
//! [`AnyAead`] is whichever of them the KE exchange chose, for code that offers several.

use core::fmt;

mod any;
#[cfg(feature = "nts-aes-gcm-siv")]
mod gcm_siv;
#[cfg(any(feature = "nts-aes-siv", feature = "nts-aes-siv-512"))]
mod siv;

pub use any::{AnyAead, SUPPORTED_AEADS};
#[cfg(feature = "nts-aes-gcm-siv")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-gcm-siv")))]
pub use gcm_siv::AesGcmSiv128;
#[cfg(feature = "nts-aes-siv")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv")))]
pub use siv::AesSivCmac256;
#[cfg(feature = "nts-aes-siv-512")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv-512")))]
pub use siv::AesSivCmac512;

/// Length of the authentication tag every NTS AEAD in the IANA registry produces (the
/// SIV family and AES-GCM-SIV: 16 bytes). The ciphertext field of an NTS
/// Authenticator is this tag followed by the encrypted bytes.
pub const TAG_LEN: usize = 16;

/// An AEAD operation failed: the tag did not match (the packet was altered, or the key
/// is not the server's), or the algorithm refused its inputs (a nonce of a length it
/// does not take).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AeadError;

impl fmt::Display for AeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AEAD authentication failed")
    }
}

impl core::error::Error for AeadError {}

/// One key of an NTS session (C2S or S2C) or of a server's cookie master keys, with its
/// algorithm, used by the library to seal and open. Tags are detached and [`TAG_LEN`]
/// bytes long; the nonce is given as its own input, after the associated data, as
/// RFC 5297 §3 prescribes for nonce-based use.
pub trait NtsAead {
    /// The IANA AEAD algorithm ID of this key (RFC 8915 §7.5).
    fn algorithm(&self) -> u16;

    /// The nonce length this key seals with, which is also the shortest it opens:
    /// 16 for the SIV family (RFC 8915 §5.6: N_REQ, so no Additional Padding is
    /// needed), 12 for AES-GCM-SIV (its one nonce length, RFC 8452 §4).
    fn nonce_len(&self) -> usize {
        16
    }

    /// A key for `algorithm` from `key` (bytes exported from the TLS session, or a
    /// master key), or `None` if this type does not do that algorithm or `key` has
    /// the wrong length for it.
    fn with_key(algorithm: u16, key: &[u8]) -> Option<Self>
    where
        Self: Sized;

    /// Encrypts `plaintext` in place and returns the tag.
    fn seal(
        &mut self,
        nonce: &[u8],
        associated_data: &[u8],
        plaintext: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError>;

    /// Checks `tag` and decrypts `ciphertext` in place. On error the contents of
    /// `ciphertext` are unspecified and must not be used.
    fn open(
        &mut self,
        nonce: &[u8],
        associated_data: &[u8],
        ciphertext: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError>;
}

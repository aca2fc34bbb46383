//! The AEAD behind NTS (RFC 8915 §5.6): a small trait the caller can implement with
//! any crypto library, and AEAD_AES_SIV_CMAC_256 (RFC 5297) from RustCrypto behind the
//! `nts-aes-siv` feature.

use core::fmt;

/// Length of the authentication tag every NTS AEAD in the IANA registry produces (the
/// SIV family and AES-GCM-SIV: 16 bytes). The ciphertext field of an NTS
/// Authenticator is this tag followed by the encrypted bytes.
pub const TAG_LEN: usize = 16;

/// An AEAD operation failed: the tag did not match (the packet was altered, or the key
/// is not the server's), or the algorithm refused its inputs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AeadError;

impl fmt::Display for AeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AEAD authentication failed")
    }
}

impl core::error::Error for AeadError {}

/// One direction's key of an NTS session (C2S or S2C) with its algorithm, used by the
/// library to seal requests and open replies. Tags are detached and [`TAG_LEN`] bytes
/// long; the nonce is given as its own input, after the associated data, as RFC 5297
/// §3 prescribes for nonce-based use.
pub trait NtsAead {
    /// The IANA AEAD algorithm ID (RFC 8915 §7.5; AEAD_AES_SIV_CMAC_256 is 15).
    const ALGORITHM: u16;
    /// Key length in bytes.
    const KEY_LEN: usize;

    /// A key from the bytes exported from the TLS session, or `None` if `key` has the
    /// wrong length.
    fn from_key(key: &[u8]) -> Option<Self>
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

/// AEAD_AES_SIV_CMAC_256 (RFC 5297; IANA AEAD 15), the algorithm every NTS
/// implementation supports, from the RustCrypto `aes-siv` crate (no_std, no alloc).
/// The key is 32 bytes: the CMAC half, then the CTR half.
#[cfg(feature = "nts-aes-siv")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv")))]
pub struct AesSivCmac256(aes_siv::siv::Aes128Siv);

#[cfg(feature = "nts-aes-siv")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv")))]
impl fmt::Debug for AesSivCmac256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesSivCmac256 { .. }")
    }
}

#[cfg(all(feature = "nts-aes-siv", feature = "defmt"))]
impl defmt::Format for AesSivCmac256 {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "AesSivCmac256 {{ .. }}");
    }
}

#[cfg(feature = "nts-aes-siv")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv")))]
impl NtsAead for AesSivCmac256 {
    const ALGORITHM: u16 = super::ke::AEAD_AES_SIV_CMAC_256;
    const KEY_LEN: usize = 32;

    fn from_key(key: &[u8]) -> Option<Self> {
        use aes_siv::KeyInit;
        let key: &[u8; 32] = key.try_into().ok()?;
        Some(Self(aes_siv::siv::Aes128Siv::new(&(*key).into())))
    }

    fn seal(
        &mut self,
        nonce: &[u8],
        associated_data: &[u8],
        plaintext: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let tag =
            self.0.encrypt_in_place_detached([associated_data, nonce], plaintext).map_err(|_| AeadError)?;
        Ok(tag.into())
    }

    fn open(
        &mut self,
        nonce: &[u8],
        associated_data: &[u8],
        ciphertext: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        self.0
            .decrypt_in_place_detached([associated_data, nonce], ciphertext, &(*tag).into())
            .map_err(|_| AeadError)
    }
}

//! AEAD_AES_128_GCM_SIV (RFC 8452; IANA AEAD 30) from RustCrypto's `aes-gcm-siv`.

use core::fmt;

use aes_gcm_siv::aead::AeadInPlace;

use super::{AeadError, NtsAead, TAG_LEN};

/// AEAD_AES_128_GCM_SIV (RFC 8452; IANA AEAD 30), chrony's first choice since 4.4
/// (`ntsaeads 30 15`): its keys are half as long as AES-SIV-CMAC-256's, so its cookies
/// are ~32 bytes shorter, for networks that drop long NTP packets. From RustCrypto's
/// `aes-gcm-siv` (no_std, no alloc). 16-byte keys; the nonce is exactly 12 bytes
/// (RFC 8452 §4), which RFC 8915 §5.6 allows without Additional Padding because 12 is
/// the algorithm's N_MAX.
pub struct AesGcmSiv128(aes_gcm_siv::Aes128GcmSiv);

impl AesGcmSiv128 {
    /// The IANA AEAD algorithm ID.
    pub const ALGORITHM: u16 = crate::nts::ke::AEAD_AES_128_GCM_SIV;
    /// Key length in bytes.
    pub const KEY_LEN: usize = 16;
    /// Nonce length in bytes: the only one AES-GCM-SIV takes.
    pub const NONCE_LEN: usize = 12;

    /// A key from its bytes, or `None` if `key` is not 16 bytes long.
    pub fn from_key(key: &[u8]) -> Option<Self> {
        use aes_gcm_siv::KeyInit;
        let key: &[u8; 16] = key.try_into().ok()?;
        Some(Self(aes_gcm_siv::Aes128GcmSiv::new(&(*key).into())))
    }
}

impl fmt::Debug for AesGcmSiv128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesGcmSiv128 { .. }")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for AesGcmSiv128 {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "AesGcmSiv128 {{ .. }}");
    }
}

impl NtsAead for AesGcmSiv128 {
    fn algorithm(&self) -> u16 {
        Self::ALGORITHM
    }

    fn nonce_len(&self) -> usize {
        Self::NONCE_LEN
    }

    fn with_key(algorithm: u16, key: &[u8]) -> Option<Self> {
        if algorithm == Self::ALGORITHM { Self::from_key(key) } else { None }
    }

    fn seal(
        &mut self,
        nonce: &[u8],
        associated_data: &[u8],
        plaintext: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadError> {
        let nonce: &[u8; 12] = nonce.try_into().map_err(|_| AeadError)?;
        let tag = self
            .0
            .encrypt_in_place_detached(&(*nonce).into(), associated_data, plaintext)
            .map_err(|_| AeadError)?;
        Ok(tag.into())
    }

    fn open(
        &mut self,
        nonce: &[u8],
        associated_data: &[u8],
        ciphertext: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadError> {
        let nonce: &[u8; 12] = nonce.try_into().map_err(|_| AeadError)?;
        self.0
            .decrypt_in_place_detached(&(*nonce).into(), associated_data, ciphertext, &(*tag).into())
            .map_err(|_| AeadError)
    }
}

//! The SIV family (RFC 5297) from RustCrypto's `aes-siv`: AEAD_AES_SIV_CMAC_256 (15)
//! and AEAD_AES_SIV_CMAC_512 (17). Any nonce length works; the library seals with 16.

use core::fmt;

use super::{AeadError, NtsAead, TAG_LEN};

macro_rules! siv_aead {
    ($feature:literal, $name:ident, $inner:ty, $id:expr, $key_len:literal, $doc:literal) => {
        #[doc = $doc]
        #[cfg(feature = $feature)]
        pub struct $name($inner);

        #[cfg(feature = $feature)]
        impl $name {
            /// The IANA AEAD algorithm ID.
            pub const ALGORITHM: u16 = $id;
            /// Key length in bytes: the CMAC half, then the CTR half.
            pub const KEY_LEN: usize = $key_len;

            /// A key from its bytes, or `None` if `key` is not [`Self::KEY_LEN`] long.
            pub fn from_key(key: &[u8]) -> Option<Self> {
                use aes_siv::KeyInit;
                let key: &[u8; $key_len] = key.try_into().ok()?;
                Some(Self(<$inner>::new(&(*key).into())))
            }
        }

        #[cfg(feature = $feature)]
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), " { .. }"))
            }
        }

        #[cfg(all(feature = $feature, feature = "defmt"))]
        impl defmt::Format for $name {
            fn format(&self, f: defmt::Formatter<'_>) {
                defmt::write!(f, "{=str} {{ .. }}", stringify!($name));
            }
        }

        #[cfg(feature = $feature)]
        impl NtsAead for $name {
            fn algorithm(&self) -> u16 {
                Self::ALGORITHM
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
                let tag = self
                    .0
                    .encrypt_in_place_detached([associated_data, nonce], plaintext)
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
                self.0
                    .decrypt_in_place_detached([associated_data, nonce], ciphertext, &(*tag).into())
                    .map_err(|_| AeadError)
            }
        }
    };
}

siv_aead!(
    "nts-aes-siv",
    AesSivCmac256,
    aes_siv::siv::Aes128Siv,
    crate::nts::ke::AEAD_AES_SIV_CMAC_256,
    32,
    "AEAD_AES_SIV_CMAC_256 (RFC 5297; IANA AEAD 15), the algorithm every NTS \
     implementation supports (RFC 8915 §5.1), from RustCrypto's `aes-siv` (no_std, no \
     alloc). 32-byte keys."
);

siv_aead!(
    "nts-aes-siv-512",
    AesSivCmac512,
    aes_siv::siv::Aes256Siv,
    crate::nts::ke::AEAD_AES_SIV_CMAC_512,
    64,
    "AEAD_AES_SIV_CMAC_512 (RFC 5297; IANA AEAD 17): AES-256 in SIV mode, the algorithm \
     ntpd-rs's client asks for first and ntpsec offers, from RustCrypto's `aes-siv` \
     (no_std, no alloc). 64-byte keys."
);

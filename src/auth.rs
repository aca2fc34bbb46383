//! Symmetric-key authentication: the MAC trailer of RFC 5905 §7.3 with the key types of
//! RFC 8573.
//!
//! A MAC is a 32-bit key identifier followed by a digest of everything before it (the
//! header and any extension fields). The library computes and checks MACs through the
//! [`MacKey`] trait, so a caller can bring a key from a secure element or another crypto
//! library; optional features provide software keys:
//!
//! | feature | key type | digest | use |
//! |---|---|---|---|
//! | `mac-aes-cmac` | `AesCmacKey` | AES-128-CMAC, 16 bytes (RFC 8573) | the one to use |
//! | `mac-sha1` | `Sha1Key` | SHA-1(key ‖ message), 20 bytes | old servers only: weak |
//! | `mac-md5` | `Md5Key` | MD5(key ‖ message), 16 bytes | old servers only: broken |
//!
//! RFC 8573 deprecates MD5 for NTP; SHA-1 in this keyed-prefix construction is no better
//! than a checksum against a capable attacker. Both exist only to talk to servers that
//! offer nothing else.
//!
//! A reply is checked before any of its fields is trusted ([`verify`]): the digest
//! comparison takes the same time wherever the first difference is, a 4-byte
//! crypto-NAK never authenticates anything, and a request sent with a key accepts no
//! reply without a valid MAC under that key. On the client side a key is an
//! authentication value, [`MacAuth`]`(key)`, given to [`ClientRequest::build_with`] and
//! [`PendingRequest::process_with`]; [`server::respond_with_key`] signs replies.
//!
//! [`MacAuth`]: crate::exchange::MacAuth
//! [`ClientRequest::build_with`]: crate::exchange::ClientRequest::build_with
//! [`PendingRequest::process_with`]: crate::exchange::PendingRequest::process_with
//! [`server::respond_with_key`]: crate::server::respond_with_key

use core::fmt;

use crate::wire::error::EmitError;
use crate::wire::{ExtensionWriter, PacketView};

/// The longest digest a [`MacKey`] may produce (SHA-1: 20 bytes).
pub const MAX_DIGEST_LEN: usize = 20;

/// A symmetric key shared with a server, able to compute NTP MACs.
///
/// `digest_len` must be 16 or 20 (the two digest sizes the NTP MAC trailer allows) and
/// must not change for a key.
pub trait MacKey {
    /// The key identifier carried in the MAC (never 0: that is the crypto-NAK's).
    fn key_id(&self) -> u32;
    /// The digest length in bytes: 16 or 20.
    fn digest_len(&self) -> usize;
    /// Writes the digest of `message` into the first [`MacKey::digest_len`] bytes of
    /// `out`.
    fn digest(&self, message: &[u8], out: &mut [u8; MAX_DIGEST_LEN]);
}

impl<K: MacKey + ?Sized> MacKey for &K {
    fn key_id(&self) -> u32 {
        (**self).key_id()
    }
    fn digest_len(&self) -> usize {
        (**self).digest_len()
    }
    fn digest(&self, message: &[u8], out: &mut [u8; MAX_DIGEST_LEN]) {
        (**self).digest(message, out);
    }
}

/// Why a MAC did not authenticate a packet.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AuthError {
    /// The packet carries no MAC (CVE-2015-1798: a keyed association must not accept
    /// one).
    Missing,
    /// A 4-byte crypto-NAK: a key ID and no digest, which authenticates nothing
    /// (CVE-2015-7871, CVE-2016-1547).
    CryptoNak,
    /// The MAC names another key.
    WrongKeyId {
        /// The key ID in the packet.
        received: u32,
    },
    /// The digest has another length than the key's (for example a 16-byte digest for a
    /// SHA-1 key).
    WrongDigestLength {
        /// Bytes of digest in the packet.
        received: usize,
    },
    /// The digest does not match: the packet was altered or the key differs.
    Mismatch,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("no MAC, but a key is configured for this server"),
            Self::CryptoNak => f.write_str("crypto-NAK (key ID and no digest) authenticates nothing"),
            Self::WrongKeyId { received } => write!(f, "MAC for key ID {received}, not the configured key"),
            Self::WrongDigestLength { received } => {
                write!(f, "{received}-byte digest does not fit the configured key")
            }
            Self::Mismatch => f.write_str("MAC digest does not match the packet"),
        }
    }
}

impl core::error::Error for AuthError {}

/// Equality of two byte strings in time that depends only on their lengths, not on
/// where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        // black_box keeps the optimizer from turning the fold into an early exit.
        diff = core::hint::black_box(diff | (x ^ y));
    }
    diff == 0
}

/// Checks the MAC of a framed packet against `key`: present, not a crypto-NAK, the
/// key's ID, the key's digest length, and a matching digest (constant-time compare).
pub fn verify<T: AsRef<[u8]>>(view: &PacketView<T>, key: &impl MacKey) -> Result<(), AuthError> {
    let Some(mac) = view.mac() else { return Err(AuthError::Missing) };
    if mac.is_crypto_nak() {
        return Err(AuthError::CryptoNak);
    }
    if mac.key_id != key.key_id() {
        return Err(AuthError::WrongKeyId { received: mac.key_id });
    }
    let len = key.digest_len();
    if mac.digest.len() != len {
        return Err(AuthError::WrongDigestLength { received: mac.digest.len() });
    }
    let bytes = view.as_bytes();
    // The MAC is the last 4 + len bytes; everything before it is authenticated.
    let message = bytes.get(..bytes.len().saturating_sub(len.saturating_add(4))).unwrap_or_default();
    let mut expected = [0u8; MAX_DIGEST_LEN];
    key.digest(message, &mut expected);
    if constant_time_eq(expected.get(..len).unwrap_or_default(), mac.digest) {
        Ok(())
    } else {
        Err(AuthError::Mismatch)
    }
}

/// Appends `key`'s MAC (key ID and digest of `buf[..len]`) after the packet in
/// `buf[..len]` and returns the new length. `len` must be at least 48 and a multiple of
/// 4; on error `buf` is untouched.
pub fn append_mac(key: &impl MacKey, buf: &mut [u8], len: usize) -> Result<usize, EmitError> {
    let digest_len = key.digest_len();
    if !matches!(digest_len, 16 | 20) {
        return Err(EmitError::BadMacLength { len: digest_len });
    }
    // Check the room first: no digest is computed for a packet that cannot take it.
    let writer = ExtensionWriter::after(buf, len)?;
    let end = len.saturating_add(4).saturating_add(digest_len);
    if writer.capacity() < end {
        return Err(EmitError::BufferTooSmall { required: end });
    }
    let mut digest = [0u8; MAX_DIGEST_LEN];
    key.digest(writer.packet(), &mut digest);
    writer.finish_with_mac(key.key_id(), digest.get(..digest_len).unwrap_or_default())
}

/// AES-128-CMAC keys (RFC 8573; CMAC as RFC 4493), the recommended NTP MAC.
#[cfg(feature = "mac-aes-cmac")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-aes-cmac")))]
pub struct AesCmacKey {
    id: u32,
    key: [u8; 16],
}

#[cfg(feature = "mac-aes-cmac")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-aes-cmac")))]
impl AesCmacKey {
    /// A key with identifier `id` (not 0) and 16 bytes of key material.
    pub const fn new(id: u32, key: [u8; 16]) -> Option<Self> {
        if id == 0 { None } else { Some(Self { id, key }) }
    }
}

#[cfg(feature = "mac-aes-cmac")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-aes-cmac")))]
impl fmt::Debug for AesCmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesCmacKey").field("id", &self.id).finish_non_exhaustive()
    }
}

#[cfg(all(feature = "mac-aes-cmac", feature = "defmt"))]
impl defmt::Format for AesCmacKey {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "AesCmacKey {{ id: {=u32}, .. }}", self.id);
    }
}

#[cfg(feature = "mac-aes-cmac")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-aes-cmac")))]
impl MacKey for AesCmacKey {
    fn key_id(&self) -> u32 {
        self.id
    }
    fn digest_len(&self) -> usize {
        16
    }
    fn digest(&self, message: &[u8], out: &mut [u8; MAX_DIGEST_LEN]) {
        use cmac::Mac as _;
        let mut mac = <cmac::Cmac<aes::Aes128> as cmac::digest::KeyInit>::new(&self.key.into());
        mac.update(message);
        let tag = mac.finalize().into_bytes();
        if let Some(dst) = out.get_mut(..16) {
            dst.copy_from_slice(&tag);
        }
    }
}

/// Key material of a legacy keyed-hash key (MD5 or SHA-1): up to 64 bytes.
#[cfg(any(feature = "mac-md5", feature = "mac-sha1"))]
#[derive(Clone, Copy)]
struct Secret {
    bytes: [u8; 64],
    len: usize,
}

#[cfg(any(feature = "mac-md5", feature = "mac-sha1"))]
impl Secret {
    fn new(key: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; 64];
        bytes.get_mut(..key.len())?.copy_from_slice(key);
        if key.is_empty() { None } else { Some(Self { bytes, len: key.len() }) }
    }
    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// Legacy MD5 keys: digest = MD5(key ‖ message) (RFC 5905 §7.3). Broken; only for
/// servers that offer nothing else.
#[cfg(feature = "mac-md5")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-md5")))]
pub struct Md5Key {
    id: u32,
    secret: Secret,
}

#[cfg(feature = "mac-md5")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-md5")))]
impl Md5Key {
    /// A key with identifier `id` (not 0) and 1 to 64 bytes of key material.
    pub fn new(id: u32, key: &[u8]) -> Option<Self> {
        if id == 0 {
            return None;
        }
        Some(Self { id, secret: Secret::new(key)? })
    }
}

#[cfg(feature = "mac-md5")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-md5")))]
impl fmt::Debug for Md5Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Md5Key").field("id", &self.id).finish_non_exhaustive()
    }
}

#[cfg(all(feature = "mac-md5", feature = "defmt"))]
impl defmt::Format for Md5Key {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Md5Key {{ id: {=u32}, .. }}", self.id);
    }
}

#[cfg(feature = "mac-md5")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-md5")))]
impl MacKey for Md5Key {
    fn key_id(&self) -> u32 {
        self.id
    }
    fn digest_len(&self) -> usize {
        16
    }
    fn digest(&self, message: &[u8], out: &mut [u8; MAX_DIGEST_LEN]) {
        use md5::Digest as _;
        let mut h = md5::Md5::new();
        h.update(self.secret.as_slice());
        h.update(message);
        if let Some(dst) = out.get_mut(..16) {
            dst.copy_from_slice(&h.finalize());
        }
    }
}

/// Legacy SHA-1 keys: digest = SHA-1(key ‖ message), as ntpd and chrony compute it.
/// Weak; only for servers that offer nothing better.
#[cfg(feature = "mac-sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-sha1")))]
pub struct Sha1Key {
    id: u32,
    secret: Secret,
}

#[cfg(feature = "mac-sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-sha1")))]
impl Sha1Key {
    /// A key with identifier `id` (not 0) and 1 to 64 bytes of key material.
    pub fn new(id: u32, key: &[u8]) -> Option<Self> {
        if id == 0 {
            return None;
        }
        Some(Self { id, secret: Secret::new(key)? })
    }
}

#[cfg(feature = "mac-sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-sha1")))]
impl fmt::Debug for Sha1Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sha1Key").field("id", &self.id).finish_non_exhaustive()
    }
}

#[cfg(all(feature = "mac-sha1", feature = "defmt"))]
impl defmt::Format for Sha1Key {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Sha1Key {{ id: {=u32}, .. }}", self.id);
    }
}

#[cfg(feature = "mac-sha1")]
#[cfg_attr(docsrs, doc(cfg(feature = "mac-sha1")))]
impl MacKey for Sha1Key {
    fn key_id(&self) -> u32 {
        self.id
    }
    fn digest_len(&self) -> usize {
        20
    }
    fn digest(&self, message: &[u8], out: &mut [u8; MAX_DIGEST_LEN]) {
        use sha1::Digest as _;
        let mut h = sha1::Sha1::new();
        h.update(self.secret.as_slice());
        h.update(message);
        out.copy_from_slice(&h.finalize());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abcd", b"abcd"));
        assert!(!constant_time_eq(b"abcd", b"abce"));
        assert!(!constant_time_eq(b"abcd", b"xbcd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}

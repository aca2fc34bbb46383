//! Server cookies (RFC 8915 §6): the session keys of a client, sealed under one of the
//! server's master keys, so that the server keeps no per-client state.
//!
//! # Format
//!
//! ntpkit's cookies are opaque to clients (RFC 8915 §6 leaves the format to the
//! server); this one is
//!
//! | bytes | what |
//! |---|---|
//! | 4 | master key ID, big-endian (the associated data of the seal) |
//! | N | nonce: the master key's [`nonce_len`](NtsAead::nonce_len), 16 (SIV) or 12 (GCM-SIV) |
//! | 16 | AEAD tag |
//! | 4 + 2k | sealed: the session's AEAD ID (2 B), two zero bytes, its C2S key and its S2C key (k bytes each) |
//!
//! so a cookie is `24 + N + 2k` bytes ([`cookie_len`]), always a multiple of 4 (an NTP
//! extension field pads its value to 4, and the padding must not become part of the
//! cookie): under an AES-SIV master key, 104 B for an AES-SIV-CMAC-256 session, 168 B
//! for AES-SIV-CMAC-512 and 72 B for AES-128-GCM-SIV; under an AES-GCM-SIV master key,
//! 4 bytes less.
//!
//! # Master keys
//!
//! [`CookieKeys`] holds the current master key and up to `K − 1` earlier ones, each
//! with an ID. New cookies are sealed under the current key; a cookie under an earlier
//! key still held opens, one under a key rotated out does not (the client gets an NTS
//! NAK and runs NTS-KE again). Rotate often enough that a stolen master key exposes
//! little (ntpd-rs rotates daily and keeps 7 earlier keys; chrony rotates weekly), and
//! keep enough earlier keys that a client polling at its slowest still holds a cookie
//! that opens. The caller draws master keys from a cryptographic RNG and, with several
//! servers behind one name, shares them.

use core::fmt;

use heapless::Deque;

use super::aead::{AeadError, NtsAead, TAG_LEN};
use super::fields::MAX_NONCE_LEN;
use super::ke::{NtsKeys, aead_key_len};
use crate::traits::NonceSource;

/// The longest sealed part of a cookie: AEAD ID, two zero bytes and two 64-byte keys.
const MAX_SEALED: usize = 4 + 2 * 64;

/// The longest cookie ntpkit seals: 4 + 16 + 16 + 132 = 168 bytes.
pub const MAX_SEALED_COOKIE_LEN: usize = 4 + MAX_NONCE_LEN + TAG_LEN + MAX_SEALED;

/// The length of a cookie for a session of AEAD `aead` under a master key whose nonce
/// is `master_nonce_len` bytes, or `None` for an AEAD of unknown key length.
pub const fn cookie_len(aead: u16, master_nonce_len: usize) -> Option<usize> {
    match aead_key_len(aead) {
        Some(k) => Some((8 + TAG_LEN).saturating_add(master_nonce_len).saturating_add(k.saturating_mul(2))),
        None => None,
    }
}

/// Why a cookie could not be sealed or opened.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CookieError {
    /// No master key yet: call [`CookieKeys::rotate`] first.
    NoMasterKey,
    /// The cookie names a master key this server does not hold (rotated out, or never
    /// ours).
    UnknownKey(u32),
    /// The cookie's length fits no session this server seals.
    Malformed {
        /// Its length.
        len: usize,
    },
    /// The master key's tag does not verify: altered, or forged.
    Forged,
    /// The sealed keys are for an AEAD this build does not do, or of the wrong length.
    UnsupportedAead(u16),
    /// The output buffer is too small; `required` bytes.
    BufferTooSmall {
        /// Bytes needed.
        required: usize,
    },
    /// The master key's AEAD refused to seal.
    Aead,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoMasterKey => f.write_str("no cookie master key"),
            Self::UnknownKey(id) => write!(f, "cookie under unknown master key {id:#010x} (rotated out?)"),
            Self::Malformed { len } => write!(f, "cookie of {len} bytes fits no session"),
            Self::Forged => f.write_str("cookie does not verify under its master key"),
            Self::UnsupportedAead(id) => write!(f, "cookie for unsupported AEAD {id}"),
            Self::BufferTooSmall { required } => {
                write!(f, "cookie buffer too small, {required} bytes required")
            }
            Self::Aead => f.write_str("master key's AEAD refused to seal"),
        }
    }
}

impl core::error::Error for CookieError {}

impl From<AeadError> for CookieError {
    fn from(_: AeadError) -> Self {
        Self::Forged
    }
}

/// A server's cookie master keys: the current one and up to `K − 1` earlier ones
/// (see the [module docs](self)). `M` is the master keys' AEAD (any [`NtsAead`]:
/// `AesSivCmac256`, or `AnyAead`).
pub struct CookieKeys<M: NtsAead, const K: usize = 3> {
    /// Oldest first; the current key is the last.
    keys: Deque<(u32, M), K>,
}

impl<M: NtsAead, const K: usize> fmt::Debug for CookieKeys<M, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieKeys")
            .field("held", &self.keys.len())
            .field("current", &self.current_id())
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl<M: NtsAead, const K: usize> defmt::Format for CookieKeys<M, K> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "CookieKeys {{ held: {=usize}, current: {=?} }}",
            self.keys.len(),
            self.current_id()
        );
    }
}

impl<M: NtsAead, const K: usize> Default for CookieKeys<M, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: NtsAead, const K: usize> CookieKeys<M, K> {
    /// No master key yet.
    pub const fn new() -> Self {
        Self { keys: Deque::new() }
    }

    /// Makes `key` the current master key under `id`; the oldest is forgotten when `K`
    /// are held. An `id` already held is replaced (cookies under the old key with
    /// that ID stop opening), so give each key a new ID (a counter, or random).
    pub fn rotate(&mut self, id: u32, key: M) {
        let held = self.keys.len();
        for _ in 0..held {
            if let Some(entry) = self.keys.pop_front() {
                if entry.0 != id {
                    let _ = self.keys.push_back(entry);
                }
            }
        }
        if self.keys.is_full() {
            let _ = self.keys.pop_front();
        }
        let _ = self.keys.push_back((id, key));
    }

    /// The current master key's ID.
    pub fn current_id(&self) -> Option<u32> {
        self.keys.back().map(|k| k.0)
    }

    /// How many master keys are held.
    pub fn held(&self) -> usize {
        self.keys.len()
    }

    /// Seals `keys` into a cookie under the current master key, with a nonce from
    /// `random` (a cryptographic RNG); returns its length ([`cookie_len`]).
    pub fn seal(
        &mut self,
        keys: &NtsKeys,
        random: &mut impl NonceSource,
        out: &mut [u8],
    ) -> Result<usize, CookieError> {
        let (id, master) = self.keys.back_mut().ok_or(CookieError::NoMasterKey)?;
        if aead_key_len(keys.aead) != Some(keys.len) {
            return Err(CookieError::UnsupportedAead(keys.aead));
        }
        let nonce_len = master.nonce_len().min(MAX_NONCE_LEN);
        let sealed_len = keys.len.saturating_mul(2).saturating_add(4);
        let total = 4usize.saturating_add(nonce_len).saturating_add(TAG_LEN).saturating_add(sealed_len);
        let cookie = out.get_mut(..total).ok_or(CookieError::BufferTooSmall { required: total })?;
        let (head, rest) = cookie.split_at_mut(4);
        head.copy_from_slice(&id.to_be_bytes());
        let (nonce, rest) = rest.split_at_mut(nonce_len);
        let mut fresh = [0u8; MAX_NONCE_LEN];
        for chunk in fresh.chunks_exact_mut(8) {
            chunk.copy_from_slice(&random.next_nonce().to_be_bytes());
        }
        nonce.copy_from_slice(fresh.get(..nonce_len).unwrap_or_default());
        let (tag, body) = rest.split_at_mut(TAG_LEN);
        let (aead, key_bytes) = body.split_at_mut(4);
        let [a, b] = keys.aead.to_be_bytes();
        aead.copy_from_slice(&[a, b, 0, 0]);
        let (c2s, s2c) = key_bytes.split_at_mut(keys.len);
        c2s.copy_from_slice(keys.c2s.get(..keys.len).unwrap_or_default());
        s2c.copy_from_slice(keys.s2c.get(..keys.len).unwrap_or_default());
        match master.seal(nonce, &id.to_be_bytes(), body) {
            Ok(t) => tag.copy_from_slice(&t),
            Err(_) => {
                cookie.fill(0);
                return Err(CookieError::Aead);
            }
        }
        Ok(total)
    }

    /// Opens a cookie: finds its master key by ID, checks the tag and returns the
    /// session keys sealed in it. Nothing changes on error.
    pub fn open(&mut self, cookie: &[u8]) -> Result<NtsKeys, CookieError> {
        let malformed = CookieError::Malformed { len: cookie.len() };
        let (id, rest) = cookie.split_first_chunk::<4>().ok_or(malformed)?;
        let id = u32::from_be_bytes(*id);
        let (_, master) =
            self.keys.iter_mut().rev().find(|(k, _)| *k == id).ok_or(CookieError::UnknownKey(id))?;
        let (nonce, rest) = rest.split_at_checked(master.nonce_len()).ok_or(malformed)?;
        let (tag, sealed) = rest.split_first_chunk::<TAG_LEN>().ok_or(malformed)?;
        // Only the lengths of a known AEAD's keys get as far as the AEAD.
        if ![36, 68, 100, 132].contains(&sealed.len()) {
            return Err(malformed);
        }
        let mut body = [0u8; MAX_SEALED];
        let body = body.get_mut(..sealed.len()).ok_or(malformed)?;
        body.copy_from_slice(sealed);
        master.open(nonce, &id.to_be_bytes(), body, tag)?;
        let (head, key_bytes) = body.split_first_chunk::<4>().ok_or(malformed)?;
        let [a, b, zero_a, zero_b] = *head;
        let aead = u16::from_be_bytes([a, b]);
        let len = key_bytes.len() / 2;
        if aead_key_len(aead) != Some(len) || (zero_a, zero_b) != (0, 0) {
            return Err(CookieError::UnsupportedAead(aead));
        }
        let mut keys = NtsKeys { aead, len, c2s: [0; 64], s2c: [0; 64] };
        let (c2s, s2c) = key_bytes.split_at(len);
        keys.c2s.get_mut(..len).unwrap_or_default().copy_from_slice(c2s);
        keys.s2c.get_mut(..len).unwrap_or_default().copy_from_slice(s2c);
        Ok(keys)
    }
}

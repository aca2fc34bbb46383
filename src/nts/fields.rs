//! The NTS extension fields of RFC 8915 §5.3–5.6 in an NTP packet: reading them out of
//! a framed packet ([`NtsFields::parse`]), writing them (with [`ExtensionWriter`](crate::wire::ExtensionWriter), and
//! [`append_authenticator`]) and walking the encrypted fields inside an authenticator
//! ([`EncryptedFields`]).

use core::fmt;

use byteorder::{BigEndian, ByteOrder};

use super::aead::{NtsAead, TAG_LEN};
use crate::wire::error::EmitError;
use crate::wire::{HEADER_LEN, MAX_EXTENSION_FIELDS, MAX_PACKET_LEN, PacketView};

/// Extension field type: Unique Identifier (RFC 8915 §5.3).
pub const UNIQUE_IDENTIFIER: u16 = 0x0104;
/// Extension field type: NTS Cookie (§5.4).
pub const NTS_COOKIE: u16 = 0x0204;
/// Extension field type: NTS Cookie Placeholder (§5.5).
pub const COOKIE_PLACEHOLDER: u16 = 0x0304;
/// Extension field type: NTS Authenticator and Encrypted Extension Fields (§5.6).
pub const AUTHENTICATOR: u16 = 0x0404;

/// Length of the unique identifiers this crate sends: 32 random bytes, the minimum
/// RFC 8915 §5.3 allows.
pub const UID_LEN: usize = 32;
/// Shortest AEAD nonce accepted or sent with the SIV family. RFC 8915 §5.6 sizes the
/// Additional Padding so that a server can always use at least 16 bytes (N_REQ); a
/// session refuses nonces shorter than its AEAD's [`nonce_len`](NtsAead::nonce_len)
/// (16 for SIV, catalogue N-4; 12 for AES-GCM-SIV, whose N_MAX is 12).
pub const MIN_NONCE_LEN: usize = 16;
/// Longest nonce the library seals with (16: the SIV family's; AES-GCM-SIV takes 12).
pub const MAX_NONCE_LEN: usize = 16;
/// Shortest nonce any AEAD of the registry takes: AES-GCM-SIV's 12 (RFC 8452 §4). The
/// structural check of an authenticator refuses shorter ones before any AEAD sees it.
pub const SHORTEST_NONCE_LEN: usize = 12;

/// Why the NTS part of a packet was refused or could not be written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum NtsError {
    /// No Unique Identifier field in an authenticated reply.
    MissingUniqueIdentifier,
    /// Two Unique Identifier fields (RFC 8915 §5.3: exactly one).
    DuplicateUniqueIdentifier,
    /// The Unique Identifier is not the outstanding request's (RFC 8915 §5.7: discard).
    UniqueIdentifierMismatch,
    /// An extension field or a MAC follows the NTS Authenticator, which must be last
    /// (RFC 8915 §5.6); or there are two authenticators.
    AuthenticatorNotLast,
    /// The authenticator's nonce is shorter than the AEAD's (16 bytes for SIV, 12 for
    /// AES-GCM-SIV) or runs past the field.
    MalformedNonce {
        /// The nonce length claimed.
        len: u16,
    },
    /// The authenticator's ciphertext is shorter than the tag or runs past the field.
    MalformedCiphertext {
        /// The ciphertext length claimed.
        len: u16,
    },
    /// The AEAD tag does not authenticate the packet under the S2C key: the packet was
    /// altered or is from someone without the key.
    AuthenticationFailed,
    /// The decrypted extension fields are not well formed (lengths not a multiple of
    /// 4, below 4, or past the end).
    MalformedEncryptedField,
    /// No cookie is left: run NTS-KE again (RFC 8915 §5.7).
    NoCookie,
    /// No request is outstanding in this session.
    NoRequestOutstanding,
    /// The session keys are for another AEAD algorithm, or have the wrong length.
    KeyMismatch,
    /// The request cannot be written.
    Emit(EmitError),
    /// The AEAD refused to seal.
    Aead,
    /// The reply carries no NTS Authenticator (RFC 8915 §5.7: an NTS request's reply
    /// must be authenticated).
    Unauthenticated,
    /// An unauthenticated NTSN kiss-o'-death carrying the outstanding request's Unique
    /// Identifier: the server did not accept the cookie (RFC 8915 §5.7). It may be
    /// forged, so nothing changes; run NTS-KE again if no authentic reply follows.
    Nak,
}

impl fmt::Display for NtsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingUniqueIdentifier => {
                f.write_str("NTS reply without a Unique Identifier (RFC 8915 §5.3)")
            }
            Self::DuplicateUniqueIdentifier => {
                f.write_str("two NTS Unique Identifier fields (RFC 8915 §5.3)")
            }
            Self::UniqueIdentifierMismatch => {
                f.write_str("NTS Unique Identifier is not the outstanding request's (RFC 8915 §5.7)")
            }
            Self::AuthenticatorNotLast => {
                f.write_str("NTS Authenticator is not the last field (RFC 8915 §5.6)")
            }
            Self::MalformedNonce { len } => write!(f, "NTS Authenticator nonce length {len} invalid"),
            Self::MalformedCiphertext { len } => {
                write!(f, "NTS Authenticator ciphertext length {len} invalid")
            }
            Self::AuthenticationFailed => f.write_str("NTS Authenticator does not verify under the S2C key"),
            Self::MalformedEncryptedField => f.write_str("malformed encrypted extension field"),
            Self::NoCookie => f.write_str("no NTS cookie left: run NTS-KE again"),
            Self::NoRequestOutstanding => f.write_str("no NTS request outstanding"),
            Self::KeyMismatch => f.write_str("NTS keys do not fit the AEAD algorithm"),
            Self::Emit(e) => write!(f, "NTS request: {e}"),
            Self::Aead => f.write_str("AEAD refused to seal"),
            Self::Unauthenticated => f.write_str("NTS reply without an NTS Authenticator"),
            Self::Nak => {
                f.write_str("unauthenticated NTS NAK (NTSN kiss-o'-death) for the outstanding request")
            }
        }
    }
}

impl core::error::Error for NtsError {}

impl From<EmitError> for NtsError {
    fn from(e: EmitError) -> Self {
        Self::Emit(e)
    }
}

/// The NTS Authenticator and Encrypted Extension Fields field of a packet.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Authenticator<'a> {
    /// Where the field starts: the associated data is the packet before this offset.
    pub offset: usize,
    /// The AEAD nonce.
    pub nonce: &'a [u8],
    /// The AEAD output: the [`TAG_LEN`]-byte tag, then the encrypted fields.
    pub ciphertext: &'a [u8],
}

impl Authenticator<'_> {
    /// The tag.
    pub fn tag(&self) -> [u8; TAG_LEN] {
        self.ciphertext.first_chunk::<TAG_LEN>().copied().unwrap_or([0; TAG_LEN])
    }

    /// The encrypted extension fields after the tag.
    pub fn encrypted(&self) -> &[u8] {
        self.ciphertext.get(TAG_LEN..).unwrap_or_default()
    }
}

/// The NTS fields found in a packet (RFC 8915 §5.3–5.6).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NtsFields<'a> {
    /// The Unique Identifier's value.
    pub unique_id: Option<&'a [u8]>,
    /// The first unencrypted NTS Cookie (in a request).
    pub cookie: Option<&'a [u8]>,
    /// How many unencrypted NTS Cookie fields there are.
    pub cookies: u8,
    /// How many Cookie Placeholder fields there are.
    pub placeholders: u8,
    /// The authenticator, which [`parse`](Self::parse) has checked is the last thing
    /// in the packet.
    pub authenticator: Option<Authenticator<'a>>,
}

/// `n` rounded up to a multiple of 4.
const fn pad4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

fn decode_authenticator(offset: usize, value: &[u8]) -> Result<Authenticator<'_>, NtsError> {
    let nonce_len = value.get(0..2).map_or(0, BigEndian::read_u16);
    let ct_len = value.get(2..4).map_or(0, BigEndian::read_u16);
    let (n, c) = (usize::from(nonce_len), usize::from(ct_len));
    let nonce_end = 4usize.saturating_add(pad4(n));
    if n < SHORTEST_NONCE_LEN || nonce_end > value.len() {
        return Err(NtsError::MalformedNonce { len: nonce_len });
    }
    if c < TAG_LEN || nonce_end.saturating_add(pad4(c)) > value.len() {
        return Err(NtsError::MalformedCiphertext { len: ct_len });
    }
    let nonce = value.get(4..4usize.saturating_add(n)).unwrap_or_default();
    let ciphertext = value.get(nonce_end..nonce_end.saturating_add(c)).unwrap_or_default();
    Ok(Authenticator { offset, nonce, ciphertext })
}

impl<'a> NtsFields<'a> {
    /// Reads the NTS fields of a framed packet, checking their structure (RFC 8915
    /// §5.3–5.6): at most one Unique Identifier, an authenticator that is the last field
    /// with no MAC after it, and a nonce and ciphertext that fit inside it. Nothing is
    /// decrypted here. Other extension fields are skipped (RFC 7822 §3).
    pub fn parse<T: AsRef<[u8]>>(view: &'a PacketView<T>) -> Result<Self, NtsError> {
        let mut fields = Self::default();
        let mut offset = HEADER_LEN;
        for field in view.extension_fields() {
            if fields.authenticator.is_some() {
                return Err(NtsError::AuthenticatorNotLast);
            }
            match field.field_type {
                UNIQUE_IDENTIFIER => {
                    if fields.unique_id.is_some() {
                        return Err(NtsError::DuplicateUniqueIdentifier);
                    }
                    fields.unique_id = Some(field.value);
                }
                NTS_COOKIE => {
                    fields.cookie = fields.cookie.or(Some(field.value));
                    fields.cookies = fields.cookies.saturating_add(1);
                }
                COOKIE_PLACEHOLDER => fields.placeholders = fields.placeholders.saturating_add(1),
                AUTHENTICATOR => fields.authenticator = Some(decode_authenticator(offset, field.value)?),
                _ => {}
            }
            offset = offset.saturating_add(field.wire_len());
        }
        if fields.authenticator.is_some() && view.mac().is_some() {
            return Err(NtsError::AuthenticatorNotLast);
        }
        Ok(fields)
    }
}

/// The wire length of a field carrying `value_len` bytes: padded to 4, at least 16.
pub const fn field_len(value_len: usize) -> usize {
    let n = pad4(value_len.saturating_add(4));
    if n < 16 { 16 } else { n }
}

/// The wire length of an authenticator with a `nonce_len`-byte nonce over
/// `plaintext_len` bytes of fields to encrypt.
pub const fn authenticator_len(nonce_len: usize, plaintext_len: usize) -> usize {
    4usize
        .saturating_add(4)
        .saturating_add(pad4(nonce_len))
        .saturating_add(pad4(plaintext_len.saturating_add(TAG_LEN)))
}

/// Appends an NTS Authenticator and Encrypted Extension Fields field (RFC 8915 §5.6)
/// after the packet in `buf[..len]`: `plaintext` (extension fields to encrypt, possibly
/// none) is sealed under `key` with `nonce`, the associated data being `buf[..len]`.
/// Returns the new length. The nonce must be at least the key's
/// [`nonce_len`](NtsAead::nonce_len) (16 for SIV, 12 for AES-GCM-SIV: min(16, N_MAX)),
/// so no Additional Padding is needed (RFC 8915 §5.6: N_REQ). On error the packet in
/// `buf[..len]` is untouched.
pub fn append_authenticator<A: NtsAead>(
    key: &mut A,
    buf: &mut [u8],
    len: usize,
    nonce: &[u8],
    plaintext: &[u8],
) -> Result<usize, NtsError> {
    let end = check_authenticator(key, buf, len, nonce, plaintext.len())?;
    let at = authenticator_plaintext_at(len, nonce.len());
    let dst = buf.get_mut(at..at.saturating_add(plaintext.len())).unwrap_or_default();
    dst.copy_from_slice(plaintext);
    seal_checked(key, buf, len, nonce, plaintext.len(), end)
}

/// Where [`seal_authenticator_in_place`] expects the plaintext of an authenticator
/// appended after `len` bytes with a `nonce_len`-byte nonce: after the field's header,
/// the lengths, the padded nonce and the tag.
pub const fn authenticator_plaintext_at(len: usize, nonce_len: usize) -> usize {
    len.saturating_add(8).saturating_add(pad4(nonce_len)).saturating_add(TAG_LEN)
}

/// [`append_authenticator`] for a plaintext already in place: the `plaintext_len`
/// bytes at [`authenticator_plaintext_at`]`(len, nonce.len())` are sealed where they
/// are, and the field's header, nonce, tag and padding written around them. Saves the
/// caller a packet-sized buffer (the NTS responder builds its cookies there). On error
/// the packet in `buf[..len]` is untouched and the field is zeroed.
pub fn seal_authenticator_in_place<A: NtsAead>(
    key: &mut A,
    buf: &mut [u8],
    len: usize,
    nonce: &[u8],
    plaintext_len: usize,
) -> Result<usize, NtsError> {
    let end = check_authenticator(key, buf, len, nonce, plaintext_len)?;
    seal_checked(key, buf, len, nonce, plaintext_len, end)
}

/// The checks shared by both: packet length, nonce, lengths, room. Returns the end.
fn check_authenticator<A: NtsAead>(
    key: &A,
    buf: &[u8],
    len: usize,
    nonce: &[u8],
    plaintext_len: usize,
) -> Result<usize, NtsError> {
    if len < HEADER_LEN || !len.is_multiple_of(4) {
        return Err(NtsError::Emit(EmitError::BadPacketLength { len }));
    }
    let nonce_len = u16::try_from(nonce.len()).map_err(|_| NtsError::MalformedNonce { len: u16::MAX })?;
    if nonce.len() < key.nonce_len() {
        return Err(NtsError::MalformedNonce { len: nonce_len });
    }
    if u16::try_from(plaintext_len.saturating_add(TAG_LEN)).is_err() {
        return Err(NtsError::MalformedCiphertext { len: u16::MAX });
    }
    let end = len.saturating_add(authenticator_len(nonce.len(), plaintext_len));
    if end > MAX_PACKET_LEN {
        return Err(NtsError::Emit(EmitError::PacketTooLong { len: end }));
    }
    if buf.len() < end {
        return Err(NtsError::Emit(EmitError::BufferTooSmall { required: end }));
    }
    Ok(end)
}

/// Writes the field around a plaintext in place and seals it; the checks have passed.
fn seal_checked<A: NtsAead>(
    key: &mut A,
    buf: &mut [u8],
    len: usize,
    nonce: &[u8],
    plaintext_len: usize,
    end: usize,
) -> Result<usize, NtsError> {
    let (packet, rest) = buf.split_at_mut(len);
    let field = rest.get_mut(..end.saturating_sub(len)).unwrap_or_default();
    // The value: nonce length, ciphertext length, the nonce, the ciphertext (tag first,
    // then the sealed fields), each padded to 4 (RFC 8915 §5.6).
    let wire_len = u16::try_from(field.len()).unwrap_or(u16::MAX);
    let nonce_len = u16::try_from(nonce.len()).unwrap_or(u16::MAX);
    let ct_len = u16::try_from(plaintext_len.saturating_add(TAG_LEN)).unwrap_or(u16::MAX);
    let tag_at = 8usize.saturating_add(pad4(nonce.len()));
    let body_at = tag_at.saturating_add(TAG_LEN);
    let (head, body_and_pad) = field.split_at_mut(body_at.min(field.len()));
    let (body, pad) = body_and_pad.split_at_mut(plaintext_len.min(body_and_pad.len()));
    pad.fill(0);
    head.fill(0);
    BigEndian::write_u16(head.get_mut(0..2).unwrap_or_default(), AUTHENTICATOR);
    BigEndian::write_u16(head.get_mut(2..4).unwrap_or_default(), wire_len);
    BigEndian::write_u16(head.get_mut(4..6).unwrap_or_default(), nonce_len);
    BigEndian::write_u16(head.get_mut(6..8).unwrap_or_default(), ct_len);
    if let Some(dst) = head.get_mut(8..8usize.saturating_add(nonce.len())) {
        dst.copy_from_slice(nonce);
    }
    match key.seal(nonce, packet, body) {
        Ok(tag) => {
            if let Some(dst) = head.get_mut(tag_at..body_at) {
                dst.copy_from_slice(&tag);
            }
            Ok(end)
        }
        Err(_) => {
            field.fill(0);
            Err(NtsError::Aead)
        }
    }
}

/// Iterator over encrypted extension fields (the plaintext inside an authenticator):
/// `(type, value)` pairs. RFC 8915 §5.6 lets these be shorter than 16 bytes but still
/// a multiple of 4. Stops at the first malformed field and after
/// [`MAX_EXTENSION_FIELDS`] fields; [`EncryptedFields::check`] tells whether the whole
/// plaintext is well formed.
#[derive(Clone, Debug)]
pub struct EncryptedFields<'a> {
    rest: &'a [u8],
    yielded: usize,
}

impl<'a> EncryptedFields<'a> {
    /// Walks `plaintext`.
    pub const fn new(plaintext: &'a [u8]) -> Self {
        Self { rest: plaintext, yielded: 0 }
    }

    /// Checks that `plaintext` is a sequence of well-formed fields, at most
    /// [`MAX_EXTENSION_FIELDS`] of them.
    pub fn check(plaintext: &[u8]) -> Result<(), NtsError> {
        let mut walker = EncryptedFields::new(plaintext);
        while walker.next().is_some() {}
        if walker.rest.is_empty() { Ok(()) } else { Err(NtsError::MalformedEncryptedField) }
    }
}

impl<'a> Iterator for EncryptedFields<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<(u16, &'a [u8])> {
        let field_type = self.rest.get(0..2).map(BigEndian::read_u16)?;
        let len = usize::from(self.rest.get(2..4).map(BigEndian::read_u16)?);
        if len < 4 || !len.is_multiple_of(4) || self.yielded >= MAX_EXTENSION_FIELDS {
            return None;
        }
        let (field, rest) = self.rest.split_at_checked(len)?;
        self.rest = rest;
        self.yielded = self.yielded.saturating_add(1);
        Some((field_type, field.get(4..).unwrap_or_default()))
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for EncryptedFields<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "EncryptedFields {{ remaining: {=usize} }}", self.rest.len());
    }
}

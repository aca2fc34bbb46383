//! RFC 7822 extension fields and the RFC 5905 MAC trailer: a validating walk, a
//! borrowing iterator, and a writer.
//!
//! After the 48-byte header an NTPv4 packet carries zero or more extension fields
//! (type: u16, length: u16, value and padding; length counts all four parts, is a
//! multiple of 4 and at least 16), then optionally a MAC (key ID: u32, digest). The two
//! are told apart as RFC 7822 §7.5 prescribes: a remainder of exactly 4, 20 or 24 bytes
//! is a MAC, and a last field with no MAC after it must be at least 28 bytes long.

use byteorder::{BigEndian, ByteOrder};

use super::error::{EmitError, ExtensionFieldError, ParseError};
use super::limits::{HEADER_LEN, MAX_EXTENSION_FIELDS, MAX_PACKET_LEN};

/// Smallest extension field (RFC 7822 §3).
pub const MIN_EXTENSION_FIELD_LEN: usize = 16;
/// Smallest last extension field when no MAC follows (RFC 7822 §7.5).
pub const MIN_LAST_EXTENSION_FIELD_LEN: usize = 28;

/// Shortest last field the writer puts before a 4-byte crypto-NAK: 16 + 4 and 20 + 4
/// bytes are MAC sizes, 24 + 4 is not.
const MIN_LAST_FIELD_BEFORE_NAK: usize = 24;

/// One extension field, borrowed from the packet.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ExtensionField<'a> {
    /// The field type (an IANA "NTP Extension Field Types" value; unknown types must be
    /// ignored, RFC 7822 §3).
    pub field_type: u16,
    /// The value, including any padding: its length is the field length minus 4.
    pub value: &'a [u8],
}

impl ExtensionField<'_> {
    /// The field's length on the wire (header + value + padding).
    #[inline]
    pub const fn wire_len(&self) -> usize {
        // value.len() <= u16::MAX - 4 for a parsed field.
        self.value.len().saturating_add(4)
    }
}

/// The MAC trailer (RFC 5905 §7.3 "key identifier" and "message digest").
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Mac<'a> {
    /// The key identifier.
    pub key_id: u32,
    /// The digest: 16 or 20 bytes, or empty for a crypto-NAK.
    pub digest: &'a [u8],
}

impl Mac<'_> {
    /// True for the 4-byte crypto-NAK (a key ID and no digest), which never
    /// authenticates anything (RFC 5905 §7.4; CVE-2015-7871, CVE-2016-1547).
    #[inline]
    pub const fn is_crypto_nak(&self) -> bool {
        self.digest.is_empty()
    }
}

/// True when `n` trailing bytes are exactly a MAC's size.
#[inline]
const fn is_mac_len(n: usize) -> bool {
    matches!(n, 4 | 20 | 24)
}

/// The 16-bit length field of the extension field at the start of `field`, if the
/// header is there.
#[inline]
fn length_field(field: &[u8]) -> Option<u16> {
    field.get(2..4).map(BigEndian::read_u16)
}

/// Validates everything after the header and returns how many bytes the extension
/// fields take (the MAC, if any, follows them). `trailer` is the packet after its 48-byte
/// header; `allow_extensions` is false before NTPv4, where only a MAC may follow.
///
/// Work is bounded: each step consumes at least 16 bytes and at most
/// [`MAX_EXTENSION_FIELDS`] fields are accepted.
pub(crate) fn validate_trailer(trailer: &[u8], allow_extensions: bool) -> Result<usize, ParseError> {
    let mut offset = 0usize;
    let mut index = 0usize;
    loop {
        let rest = trailer.get(offset..).unwrap_or_default();
        let field_error = |error| ParseError::ExtensionField { index, error };
        let remaining = rest.len();
        if remaining == 0 || is_mac_len(remaining) {
            return Ok(offset);
        }
        if !allow_extensions || remaining < MIN_EXTENSION_FIELD_LEN {
            return Err(ParseError::BadMacLength { len: remaining });
        }
        // remaining >= 16 here, so the length field is present.
        let length = length_field(rest).unwrap_or(0);
        let len = usize::from(length);
        if remaining < MIN_LAST_EXTENSION_FIELD_LEN {
            // Neither a MAC nor a legal last field: name the more likely mistake.
            return Err(if len == remaining {
                field_error(ExtensionFieldError::LastTooShortWithoutMac { length })
            } else {
                ParseError::BadMacLength { len: remaining }
            });
        }
        if len < MIN_EXTENSION_FIELD_LEN {
            return Err(field_error(ExtensionFieldError::TooShort { length }));
        }
        if len > remaining {
            return Err(field_error(ExtensionFieldError::Truncated { length, available: remaining }));
        }
        if len % 4 != 0 {
            return Err(field_error(ExtensionFieldError::Misaligned { length }));
        }
        if index >= MAX_EXTENSION_FIELDS {
            return Err(field_error(ExtensionFieldError::TooMany));
        }
        // len <= remaining = trailer.len() - offset, so neither addition can overflow.
        // A last field shorter than 28 bytes cannot end here: with 28 or more bytes
        // remaining, a field that ends the packet is at least 28 long; shorter
        // remainders were handled above.
        offset = offset.saturating_add(len);
        index = index.saturating_add(1);
    }
}

/// Reads a MAC trailer of 4, 20 or 24 bytes.
pub(crate) fn read_mac(trailer: &[u8]) -> Option<Mac<'_>> {
    if !is_mac_len(trailer.len()) {
        return None;
    }
    let (key_id, digest) = trailer.split_first_chunk::<4>()?;
    Some(Mac { key_id: u32::from_be_bytes(*key_id), digest })
}

/// Iterator over extension fields (returned by
/// [`PacketView::extension_fields`](crate::PacketView::extension_fields)).
///
/// It walks a region that [`PacketView::new_checked`](crate::PacketView::new_checked)
/// has validated; fed anything else it stops at the first malformed field rather than
/// panic or loop, and it never yields more than [`MAX_EXTENSION_FIELDS`] items.
#[derive(Clone, Debug)]
pub struct ExtensionFields<'a> {
    rest: &'a [u8],
    yielded: usize,
}

impl<'a> ExtensionFields<'a> {
    pub(crate) const fn new(region: &'a [u8]) -> Self {
        Self { rest: region, yielded: 0 }
    }
}

impl<'a> Iterator for ExtensionFields<'a> {
    type Item = ExtensionField<'a>;

    fn next(&mut self) -> Option<ExtensionField<'a>> {
        let field_type = self.rest.get(0..2).map(BigEndian::read_u16)?;
        let len = usize::from(length_field(self.rest)?);
        if len < MIN_EXTENSION_FIELD_LEN || self.yielded >= MAX_EXTENSION_FIELDS {
            self.rest = &[];
            return None;
        }
        let Some((field, rest)) = self.rest.split_at_checked(len) else {
            self.rest = &[];
            return None;
        };
        self.rest = rest;
        self.yielded = self.yielded.saturating_add(1);
        Some(ExtensionField { field_type, value: field.get(4..).unwrap_or_default() })
    }
}

/// Logs how many bytes are left to walk.
#[cfg(feature = "defmt")]
impl defmt::Format for ExtensionFields<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "ExtensionFields {{ remaining: {=usize} }}", self.rest.len());
    }
}

/// Appends extension fields and an optional MAC after a 48-byte header in a caller's
/// buffer, with the padding and minimum lengths of RFC 7822: the one writer of
/// extension fields and MAC trailers in ntpkit (the NTS fields and the MACs of
/// [`auth`](crate::auth) are written through it).
///
/// Each method checks everything before writing, so on error the buffer is untouched
/// and the writer is unchanged.
///
/// ```
/// use ntpkit::{ExtensionWriter, Packet, PacketView};
/// let mut buf = [0u8; 128];
/// Packet::default().emit(&mut buf)?;
/// let mut w = ExtensionWriter::new(&mut buf)?;
/// w.push(0x0104, &[0xAA; 32])?;        // e.g. an NTS Unique Identifier
/// let len = w.finish()?;
/// let view = PacketView::new_checked(&buf[..len])?;
/// let field = view.extension_fields().next().unwrap();
/// assert_eq!((field.field_type, field.value), (0x0104, &[0xAA; 32][..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ExtensionWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
    fields: usize,
    /// Offset and length of the last field written, so `finish` can pad it to 28.
    last: Option<(usize, usize)>,
}

/// Logs the length written and the number of fields.
#[cfg(feature = "defmt")]
impl defmt::Format for ExtensionWriter<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "ExtensionWriter {{ len: {=usize}, fields: {=usize} }}", self.len, self.fields);
    }
}

impl<'a> ExtensionWriter<'a> {
    /// A writer appending after the 48-byte header at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Result<Self, EmitError> {
        if buf.len() < HEADER_LEN {
            return Err(EmitError::BufferTooSmall { required: HEADER_LEN });
        }
        Ok(Self { buf, len: HEADER_LEN, fields: 0, last: None })
    }

    /// A writer appending after the packet in `buf[..len]` (a header, possibly with
    /// fields): `len` must be at least 48 and a multiple of 4. The fields already there
    /// count neither towards [`MAX_EXTENSION_FIELDS`] here (the reader caps the total)
    /// nor as the last field that [`finish`](Self::finish) pads.
    pub fn after(buf: &'a mut [u8], len: usize) -> Result<Self, EmitError> {
        if len < HEADER_LEN || !len.is_multiple_of(4) {
            return Err(EmitError::BadPacketLength { len });
        }
        if buf.len() < len {
            return Err(EmitError::BufferTooSmall { required: len });
        }
        Ok(Self { buf, len, fields: 0, last: None })
    }

    /// The packet written so far, header included.
    pub fn packet(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// The size of the buffer: the longest packet it can hold.
    pub const fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Bytes written so far, header included.
    #[inline]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Always false: the header is always there.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// Appends a field of type `field_type` holding `value`, zero-padded to a multiple of
    /// 4 and to at least 16 bytes in all.
    pub fn push(&mut self, field_type: u16, value: &[u8]) -> Result<(), EmitError> {
        self.push_with(field_type, value.len(), |_, dst| {
            if let Some(dst) = dst.get_mut(..value.len()) {
                dst.copy_from_slice(value);
            }
            Ok(())
        })
    }

    /// Appends a field of type `field_type` whose value, `value_len` bytes (padded like
    /// [`push`](Self::push)'s), is written by `fill`. `fill` gets the packet before the
    /// field (the associated data of an NTS Authenticator, say) and the zeroed value
    /// with its padding. If `fill` fails, the field is zeroed again, nothing is counted
    /// and its error is returned.
    pub fn push_with<E: From<EmitError>>(
        &mut self,
        field_type: u16,
        value_len: usize,
        fill: impl FnOnce(&[u8], &mut [u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.fields >= MAX_EXTENSION_FIELDS {
            return Err(EmitError::TooManyExtensionFields.into());
        }
        let field_len =
            value_len.checked_add(4 + 3).map(|n| n & !3).unwrap_or(usize::MAX).max(MIN_EXTENSION_FIELD_LEN);
        let end = self.reserve(field_len)?;
        // reserve() bounds the packet by MAX_PACKET_LEN, far below u16::MAX.
        let length = u16::try_from(field_len).unwrap_or(u16::MAX);
        let (packet, rest) = self.buf.split_at_mut(self.len);
        let field = rest.get_mut(..field_len).unwrap_or_default();
        field.fill(0);
        BigEndian::write_u16(field.get_mut(0..2).unwrap_or_default(), field_type);
        BigEndian::write_u16(field.get_mut(2..4).unwrap_or_default(), length);
        if let Err(e) = fill(packet, field.get_mut(4..).unwrap_or_default()) {
            field.fill(0);
            return Err(e);
        }
        self.last = Some((self.len, field_len));
        self.len = end;
        self.fields = self.fields.saturating_add(1);
        Ok(())
    }

    /// Ends the packet without a MAC and returns its length. A last field shorter than
    /// 28 bytes is padded to 28 (RFC 7822 §7.5) so it cannot be mistaken for a MAC.
    pub fn finish(mut self) -> Result<usize, EmitError> {
        let padding = self.last_field_padding(MIN_LAST_EXTENSION_FIELD_LEN);
        let end = self.reserve(padding)?;
        self.pad_last_field(padding);
        Ok(end)
    }

    /// Ends the packet with a MAC (key ID and digest) and returns its length. The digest
    /// must be empty (a crypto-NAK), 16 or 20 bytes.
    ///
    /// Before a crypto-NAK the last field is padded to 24 bytes: a 16- or 20-byte field
    /// plus the 4-byte NAK would be 20 or 24 bytes, which a receiver reads as a MAC.
    pub fn finish_with_mac(mut self, key_id: u32, digest: &[u8]) -> Result<usize, EmitError> {
        if !matches!(digest.len(), 0 | 16 | 20) {
            return Err(EmitError::BadMacLength { len: digest.len() });
        }
        let padding = if digest.is_empty() { self.last_field_padding(MIN_LAST_FIELD_BEFORE_NAK) } else { 0 };
        let mac_len = digest.len().saturating_add(4);
        let end = self.reserve(padding.saturating_add(mac_len))?;
        self.pad_last_field(padding);
        let mac = self.buf.get_mut(end.saturating_sub(mac_len)..end).unwrap_or_default();
        BigEndian::write_u32(mac.get_mut(0..4).unwrap_or_default(), key_id);
        if let Some(dst) = mac.get_mut(4..) {
            dst.copy_from_slice(digest);
        }
        Ok(end)
    }

    /// Bytes needed to bring the last field up to `min` bytes.
    fn last_field_padding(&self, min: usize) -> usize {
        match self.last {
            Some((_, len)) => min.saturating_sub(len),
            None => 0,
        }
    }

    /// Grows the last field by `padding` zero bytes; the caller has reserved the room.
    fn pad_last_field(&mut self, padding: usize) {
        let Some((start, len)) = self.last else { return };
        if padding == 0 {
            return;
        }
        let new_len = len.saturating_add(padding);
        let field = self.buf.get_mut(start..start.saturating_add(new_len)).unwrap_or_default();
        field.get_mut(len..).unwrap_or_default().fill(0);
        // new_len is 24 or 28 here.
        BigEndian::write_u16(field.get_mut(2..4).unwrap_or_default(), new_len as u16);
        self.len = self.len.saturating_add(padding);
        self.last = Some((start, new_len));
    }

    /// Checks that `extra` more bytes fit the packet limit and the buffer; returns the
    /// new end offset.
    fn reserve(&self, extra: usize) -> Result<usize, EmitError> {
        let end = self.len.saturating_add(extra);
        if end > MAX_PACKET_LEN {
            return Err(EmitError::PacketTooLong { len: end });
        }
        if end > self.buf.len() {
            return Err(EmitError::BufferTooSmall { required: end });
        }
        Ok(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(field_type: u16, length: u16, fill: u8, total: usize) -> std::vec::Vec<u8> {
        let mut f = std::vec![fill; total];
        f[0..2].copy_from_slice(&field_type.to_be_bytes());
        f[2..4].copy_from_slice(&length.to_be_bytes());
        f
    }

    #[test]
    fn mac_sizes_are_recognised_without_fields() {
        for n in [0usize, 4, 20, 24] {
            assert_eq!(validate_trailer(&std::vec![0; n], true), Ok(0), "{n}");
            assert_eq!(validate_trailer(&std::vec![0; n], false), Ok(0), "{n}");
        }
        let mac = read_mac(&[0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]).unwrap();
        assert_eq!(mac.key_id, 7);
        assert_eq!(mac.digest.len(), 16);
        assert!(!mac.is_crypto_nak());
        assert!(read_mac(&[0, 0, 0, 0]).unwrap().is_crypto_nak());
        assert!(read_mac(&[0; 8]).is_none());
    }

    #[test]
    fn before_v4_only_a_mac_may_follow() {
        let f = field(0x1234, 28, 0, 28);
        assert_eq!(validate_trailer(&f, false), Err(ParseError::BadMacLength { len: 28 }));
        assert_eq!(validate_trailer(&f, true), Ok(28));
    }

    #[test]
    fn iterator_stops_on_garbage_instead_of_looping() {
        // A zero length field would loop forever in a naive walker.
        let zero = field(1, 0, 0, 64);
        assert_eq!(ExtensionFields::new(&zero).count(), 0);
        let truncated = field(1, 0xFFFC, 0, 20);
        assert_eq!(ExtensionFields::new(&truncated).count(), 0);
        let many = std::vec![0, 1, 0, 16].repeat(4 * 100);
        assert_eq!(ExtensionFields::new(&many).count(), MAX_EXTENSION_FIELDS);
    }

    #[test]
    fn writer_pads_and_leaves_buffer_untouched_on_error() {
        let mut buf = [0x55u8; 48 + 16];
        let mut w = ExtensionWriter::new(&mut buf).unwrap();
        w.push(7, &[1]).unwrap(); // padded to 16
        assert_eq!(w.len(), 64);
        // 16 more bytes do not fit: error, nothing written, writer unchanged.
        assert_eq!(w.push(8, &[2]), Err(EmitError::BufferTooSmall { required: 80 }));
        assert_eq!(w.len(), 64);
        // Padding the last field to 28 does not fit either.
        assert_eq!(w.finish(), Err(EmitError::BufferTooSmall { required: 76 }));
        assert_eq!(&buf[48..52], &[0, 7, 0, 16]);
        assert_eq!(buf[52], 1);
        assert!(buf[53..64].iter().all(|&b| b == 0));
    }

    #[test]
    fn writer_limits() {
        let mut small = [0u8; 47];
        assert_eq!(
            ExtensionWriter::new(&mut small).map(|w| w.len()),
            Err(EmitError::BufferTooSmall { required: 48 })
        );
        let mut buf = [0u8; 2048];
        let mut w = ExtensionWriter::new(&mut buf).unwrap();
        assert_eq!(w.push(1, &[0; 1100]), Err(EmitError::PacketTooLong { len: 48 + 1104 }));
        for _ in 0..MAX_EXTENSION_FIELDS {
            w.push(1, &[]).unwrap();
        }
        assert_eq!(w.push(1, &[]), Err(EmitError::TooManyExtensionFields));
        assert_eq!(w.finish_with_mac(1, &[0; 8]), Err(EmitError::BadMacLength { len: 8 }));
    }

    /// A 16-byte field followed by a crypto-NAK would be 20 bytes, read back as a MAC;
    /// the writer pads the field so the packet parses as written.
    #[test]
    fn crypto_nak_after_a_short_field_stays_unambiguous() {
        let mut buf = [0u8; 128];
        let mut w = ExtensionWriter::new(&mut buf).unwrap();
        w.push(9, &[]).unwrap();
        let len = w.finish_with_mac(0, &[]).unwrap();
        assert_eq!(len, 48 + 24 + 4);
        assert_eq!(validate_trailer(&buf[48..len], true), Ok(24));
        assert!(read_mac(&buf[72..len]).unwrap().is_crypto_nak());
        // A 24-byte field before a NAK is already unambiguous and is left as it is
        // (found by the parse_bytes fuzzer: padding it changed a valid packet).
        let mut w = ExtensionWriter::new(&mut buf).unwrap();
        w.push(9, &[0xAB; 20]).unwrap();
        let len = w.finish_with_mac(0, &[]).unwrap();
        assert_eq!(len, 48 + 24 + 4);
        assert_eq!(&buf[48..52], &[0, 9, 0, 24]);
        // Not enough room for padding and NAK together: nothing is written.
        let mut small = [0x11u8; 48 + 16 + 4];
        let mut w = ExtensionWriter::new(&mut small).unwrap();
        w.push(9, &[]).unwrap();
        assert_eq!(w.finish_with_mac(0, &[]), Err(EmitError::BufferTooSmall { required: 76 }));
        assert_eq!(&small[48..52], &[0, 9, 0, 16]);
        assert!(small[64..].iter().all(|&b| b == 0x11));
    }
}

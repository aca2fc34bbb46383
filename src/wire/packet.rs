//! The NTP packet (RFC 5905 §7.3, Figure 8): a zero-copy [`PacketView`] over any byte
//! buffer and an owned, `Copy` [`Packet`] with `parse` and `emit`.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |   0
//! |                          Root Delay                           |   4
//! |                       Root Dispersion                         |   8
//! |                          Reference ID                         |  12
//! |                     Reference Timestamp (64)                  |  16
//! |                      Origin Timestamp (64)                    |  24
//! |                      Receive Timestamp (64)                   |  32
//! |                      Transmit Timestamp (64)                  |  40
//! |          Extension fields (RFC 7822), then MAC (optional)     |  48
//! ```

use byteorder::{BigEndian, ByteOrder};

use super::error::{EmitError, ParseError};
use super::extension::{self, ExtensionFields, Mac};
use super::header::{LeapIndicator, Mode, Poll, Precision, Stratum, Version};
use super::limits::{HEADER_LEN, MAX_PACKET_LEN};
use super::refid::ReferenceId;
use crate::time::{NtpShort, NtpTimestamp};

/// Byte offsets of the header fields (RFC 5905 Figure 8).
pub mod field {
    /// LI (2 bits), VN (3 bits), Mode (3 bits).
    pub const LI_VN_MODE: usize = 0;
    /// Stratum.
    pub const STRATUM: usize = 1;
    /// Poll exponent.
    pub const POLL: usize = 2;
    /// Precision exponent.
    pub const PRECISION: usize = 3;
    /// Root delay, NTP short format.
    pub const ROOT_DELAY: usize = 4;
    /// Root dispersion, NTP short format.
    pub const ROOT_DISPERSION: usize = 8;
    /// Reference ID.
    pub const REFERENCE_ID: usize = 12;
    /// Reference timestamp.
    pub const REFERENCE_TS: usize = 16;
    /// Origin timestamp (T1 as the server saw it: the request's transmit field).
    pub const ORIGIN_TS: usize = 24;
    /// Receive timestamp (T2).
    pub const RECEIVE_TS: usize = 32;
    /// Transmit timestamp (T3).
    pub const TRANSMIT_TS: usize = 40;
}

/// A zero-copy view over a validated NTP packet in any `AsRef<[u8]>` buffer.
///
/// [`new_checked`](Self::new_checked) validates length, version, extension fields and
/// MAC trailer; after it succeeds no accessor can panic. Setters (on
/// `T: AsMut<[u8]>`) write the header in place and keep it valid.
///
/// ```
/// use ntpkit::{Mode, PacketView, Stratum};
/// let mut bytes = [0u8; 48];
/// bytes[0] = 0x24; // LI 0, version 4, mode 4 (server)
/// bytes[1] = 2;
/// let mut view = PacketView::new_checked(&mut bytes[..])?;
/// assert_eq!(view.mode(), Mode::Server);
/// view.set_stratum(Stratum(3));
/// assert_eq!(bytes[1], 3);
/// # Ok::<(), ntpkit::ParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketView<T> {
    buffer: T,
    /// Offset where the extension fields end and the MAC (if any) begins.
    extensions_end: usize,
}

/// Stand-in header for the unreachable case of a buffer that shrank after validation
/// (only a pathological `AsRef` impl could do that); keeps accessors panic-free.
const EMPTY_HEADER: [u8; HEADER_LEN] = [0; HEADER_LEN];

impl<T: AsRef<[u8]>> PacketView<T> {
    /// Validates `buffer` as a complete NTP packet and wraps it.
    ///
    /// Checks, in order: at least 48 bytes ([`ParseError::TooShort`]), at most
    /// [`MAX_PACKET_LEN`] ([`ParseError::TooLong`]), a multiple of 4
    /// ([`ParseError::BadLength`]), version 1–4 ([`ParseError::UnsupportedVersion`]),
    /// then the extension fields ([`ParseError::ExtensionField`], NTPv4 only) and the
    /// MAC trailer ([`ParseError::BadMacLength`]). Work and stack are bounded; nothing is
    /// allocated.
    ///
    /// This is framing only: a packet that parses may still be one a client must reject
    /// (LI = 3, stratum 0, wrong mode, …); that is validation, done against a request.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        // Fast path: a bare 48-byte header, checked without a call (so the common case
        // pays no register spills for the extension-field walker).
        match bare_header(buffer.as_ref()) {
            Some(Ok(_)) => Ok(Self { buffer, extensions_end: HEADER_LEN }),
            Some(Err(e)) => Err(e),
            None => Self::new_checked_general(buffer),
        }
    }

    /// Every length: the framing rules in the order documented on `new_checked`.
    #[cold]
    #[inline(never)]
    fn new_checked_general(buffer: T) -> Result<Self, ParseError> {
        let bytes = buffer.as_ref();
        let len = bytes.len();
        let Some((header, trailer)) = bytes.split_first_chunk::<HEADER_LEN>() else {
            return Err(ParseError::TooShort { len });
        };
        if len > MAX_PACKET_LEN {
            return Err(ParseError::TooLong { len });
        }
        if len % 4 != 0 {
            return Err(ParseError::BadLength { len });
        }
        let version = (header[field::LI_VN_MODE] >> 3) & 0b111;
        if Version::new(version).is_none() {
            return Err(ParseError::UnsupportedVersion(version));
        }
        let extensions_len = extension::validate_trailer(trailer, version >= 4)?;
        Ok(Self { buffer, extensions_end: HEADER_LEN.saturating_add(extensions_len) })
    }

    /// The underlying buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole packet.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    #[inline]
    fn header(&self) -> &[u8; HEADER_LEN] {
        self.buffer.as_ref().first_chunk::<HEADER_LEN>().unwrap_or(&EMPTY_HEADER)
    }

    #[inline]
    fn read_u32(&self, offset: usize) -> u32 {
        self.header().get(offset..offset.saturating_add(4)).map_or(0, BigEndian::read_u32)
    }

    #[inline]
    fn read_timestamp(&self, offset: usize) -> NtpTimestamp {
        let bits = self.header().get(offset..offset.saturating_add(8)).map_or(0, BigEndian::read_u64);
        NtpTimestamp::from_bits(bits)
    }

    /// Leap indicator.
    #[inline]
    pub fn leap(&self) -> LeapIndicator {
        LeapIndicator::from_bits(self.header()[field::LI_VN_MODE] >> 6)
    }

    /// Version number (always 1–4 in a validated view).
    #[inline]
    pub fn version(&self) -> Version {
        Version::new((self.header()[field::LI_VN_MODE] >> 3) & 0b111).unwrap_or_default()
    }

    /// Association mode.
    #[inline]
    pub fn mode(&self) -> Mode {
        Mode::from_bits(self.header()[field::LI_VN_MODE])
    }

    /// Stratum.
    #[inline]
    pub fn stratum(&self) -> Stratum {
        Stratum(self.header()[field::STRATUM])
    }

    /// Poll exponent.
    #[inline]
    pub fn poll(&self) -> Poll {
        Poll(self.header()[field::POLL] as i8)
    }

    /// Precision exponent.
    #[inline]
    pub fn precision(&self) -> Precision {
        Precision(self.header()[field::PRECISION] as i8)
    }

    /// Root delay.
    #[inline]
    pub fn root_delay(&self) -> NtpShort {
        NtpShort::from_bits(self.read_u32(field::ROOT_DELAY))
    }

    /// Root dispersion.
    #[inline]
    pub fn root_dispersion(&self) -> NtpShort {
        NtpShort::from_bits(self.read_u32(field::ROOT_DISPERSION))
    }

    /// Reference ID.
    #[inline]
    pub fn reference_id(&self) -> ReferenceId {
        ReferenceId(self.read_u32(field::REFERENCE_ID).to_be_bytes())
    }

    /// Reference timestamp: when the server's clock was last set or corrected.
    #[inline]
    pub fn reference_timestamp(&self) -> NtpTimestamp {
        self.read_timestamp(field::REFERENCE_TS)
    }

    /// Origin timestamp.
    #[inline]
    pub fn origin_timestamp(&self) -> NtpTimestamp {
        self.read_timestamp(field::ORIGIN_TS)
    }

    /// Receive timestamp.
    #[inline]
    pub fn receive_timestamp(&self) -> NtpTimestamp {
        self.read_timestamp(field::RECEIVE_TS)
    }

    /// Transmit timestamp.
    #[inline]
    pub fn transmit_timestamp(&self) -> NtpTimestamp {
        self.read_timestamp(field::TRANSMIT_TS)
    }

    /// The extension fields, in order (validated by [`new_checked`](Self::new_checked)).
    #[inline]
    pub fn extension_fields(&self) -> ExtensionFields<'_> {
        let region = self.as_bytes().get(HEADER_LEN..self.extensions_end).unwrap_or_default();
        ExtensionFields::new(region)
    }

    /// The MAC trailer, if the packet has one.
    #[inline]
    pub fn mac(&self) -> Option<Mac<'_>> {
        extension::read_mac(self.as_bytes().get(self.extensions_end..)?)
    }

    /// The owned header.
    #[inline]
    pub fn to_packet(&self) -> Packet {
        Packet::from_header(self.header())
    }
}

/// Logs the decoded header and the packet length.
#[cfg(feature = "defmt")]
impl<T: AsRef<[u8]>> defmt::Format for PacketView<T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "PacketView {{ len: {=usize}, header: {} }}",
            self.as_bytes().len(),
            self.to_packet()
        );
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> PacketView<T> {
    #[inline]
    fn header_mut(&mut self) -> Option<&mut [u8; HEADER_LEN]> {
        self.buffer.as_mut().first_chunk_mut::<HEADER_LEN>()
    }

    #[inline]
    fn write_bytes<const N: usize>(&mut self, offset: usize, bytes: [u8; N]) {
        if let Some(dst) = self.header_mut().and_then(|h| h.get_mut(offset..offset.saturating_add(N))) {
            dst.copy_from_slice(&bytes);
        }
    }

    /// Replaces the first byte's field selected by `mask` with `value` (pre-shifted).
    #[inline]
    fn write_li_vn_mode(&mut self, mask: u8, value: u8) {
        if let Some(h) = self.header_mut() {
            h[field::LI_VN_MODE] = (h[field::LI_VN_MODE] & !mask) | (value & mask);
        }
    }

    /// Sets the leap indicator.
    pub fn set_leap(&mut self, leap: LeapIndicator) {
        self.write_li_vn_mode(0b1100_0000, leap.to_bits() << 6);
    }

    /// Sets the version number.
    pub fn set_version(&mut self, version: Version) {
        self.write_li_vn_mode(0b0011_1000, version.get() << 3);
    }

    /// Sets the mode.
    pub fn set_mode(&mut self, mode: Mode) {
        self.write_li_vn_mode(0b0000_0111, mode.to_bits());
    }

    /// Sets the stratum.
    pub fn set_stratum(&mut self, stratum: Stratum) {
        self.write_bytes(field::STRATUM, [stratum.0]);
    }

    /// Sets the poll exponent.
    pub fn set_poll(&mut self, poll: Poll) {
        self.write_bytes(field::POLL, poll.0.to_be_bytes());
    }

    /// Sets the precision exponent.
    pub fn set_precision(&mut self, precision: Precision) {
        self.write_bytes(field::PRECISION, precision.0.to_be_bytes());
    }

    /// Sets the root delay.
    pub fn set_root_delay(&mut self, value: NtpShort) {
        self.write_bytes(field::ROOT_DELAY, value.to_bits().to_be_bytes());
    }

    /// Sets the root dispersion.
    pub fn set_root_dispersion(&mut self, value: NtpShort) {
        self.write_bytes(field::ROOT_DISPERSION, value.to_bits().to_be_bytes());
    }

    /// Sets the reference ID.
    pub fn set_reference_id(&mut self, id: ReferenceId) {
        self.write_bytes(field::REFERENCE_ID, id.0);
    }

    /// Sets the reference timestamp.
    pub fn set_reference_timestamp(&mut self, t: NtpTimestamp) {
        self.write_bytes(field::REFERENCE_TS, t.to_be_bytes());
    }

    /// Sets the origin timestamp.
    pub fn set_origin_timestamp(&mut self, t: NtpTimestamp) {
        self.write_bytes(field::ORIGIN_TS, t.to_be_bytes());
    }

    /// Sets the receive timestamp.
    pub fn set_receive_timestamp(&mut self, t: NtpTimestamp) {
        self.write_bytes(field::RECEIVE_TS, t.to_be_bytes());
    }

    /// Sets the transmit timestamp.
    pub fn set_transmit_timestamp(&mut self, t: NtpTimestamp) {
        self.write_bytes(field::TRANSMIT_TS, t.to_be_bytes());
    }
}

/// The 48-byte NTP header as an owned value (RFC 5905 §7.3).
///
/// Every field holds any value the wire can carry, so `parse` and `emit` round-trip every
/// 48-byte packet with a version of 1–4 byte for byte. Extension fields and the MAC are
/// not part of it: read them from a [`PacketView`], write them with an
/// [`ExtensionWriter`](crate::ExtensionWriter).
///
/// ```
/// use ntpkit::{Mode, Packet, Poll, Version};
/// let request = Packet { version: Version::V4, mode: Mode::Client, poll: Poll(6), ..Packet::default() };
/// let mut buf = [0u8; 48];
/// assert_eq!(request.emit(&mut buf), Ok(48));
/// assert_eq!(buf[0], 0x23);
/// assert_eq!(Packet::parse(&buf), Ok(request));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Packet {
    /// Leap indicator.
    pub leap: LeapIndicator,
    /// Version number.
    pub version: Version,
    /// Association mode.
    pub mode: Mode,
    /// Stratum.
    pub stratum: Stratum,
    /// Poll exponent.
    pub poll: Poll,
    /// Precision exponent.
    pub precision: Precision,
    /// Total round-trip delay to the reference clock.
    pub root_delay: NtpShort,
    /// Total dispersion to the reference clock.
    pub root_dispersion: NtpShort,
    /// Reference ID (see [`ReferenceId::interpret`]).
    pub reference_id: ReferenceId,
    /// When the system clock was last set or corrected.
    pub reference_timestamp: NtpTimestamp,
    /// Origin timestamp: in a reply, the request's transmit timestamp.
    pub origin_timestamp: NtpTimestamp,
    /// Receive timestamp: when the request arrived at the server (T2).
    pub receive_timestamp: NtpTimestamp,
    /// Transmit timestamp: when the reply left the server (T3), or in a request the
    /// client's transmit time or nonce.
    pub transmit_timestamp: NtpTimestamp,
}

/// The framing verdict for a datagram of exactly 48 bytes (only the version can be
/// wrong), or `None` for any other length, which needs the full rules.
#[inline]
fn bare_header(bytes: &[u8]) -> Option<Result<&[u8; HEADER_LEN], ParseError>> {
    let header = bytes.first_chunk::<HEADER_LEN>().filter(|_| bytes.len() == HEADER_LEN)?;
    let version = (header[field::LI_VN_MODE] >> 3) & 0b111;
    Some(match Version::new(version) {
        Some(_) => Ok(header),
        None => Err(ParseError::UnsupportedVersion(version)),
    })
}

impl Packet {
    /// Validates a datagram (see [`PacketView::new_checked`]) and returns its header.
    #[inline]
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        match bare_header(bytes) {
            Some(Ok(header)) => Ok(Self::from_header(header)),
            Some(Err(e)) => Err(e),
            None => Self::parse_general(bytes),
        }
    }

    /// Any length other than 48: the full framing rules, then the header.
    #[cold]
    #[inline(never)]
    fn parse_general(bytes: &[u8]) -> Result<Self, ParseError> {
        PacketView::new_checked(bytes).map(|view| view.to_packet())
    }

    /// Decodes the 48 header bytes (destructured: no indexing, no bounds checks). An
    /// invalid version, which framing rejects first, reads as the default.
    #[inline]
    #[rustfmt::skip]
    fn from_header(h: &[u8; HEADER_LEN]) -> Self {
        let [
            first, stratum, poll, precision,
            d0, d1, d2, d3, e0, e1, e2, e3, r0, r1, r2, r3,
            f0, f1, f2, f3, f4, f5, f6, f7, o0, o1, o2, o3, o4, o5, o6, o7,
            v0, v1, v2, v3, v4, v5, v6, v7, x0, x1, x2, x3, x4, x5, x6, x7,
        ] = *h;
        let stamp = |b: [u8; 8]| NtpTimestamp::from_bits(u64::from_be_bytes(b));
        Packet {
            reference_timestamp: stamp([f0, f1, f2, f3, f4, f5, f6, f7]),
            origin_timestamp: stamp([o0, o1, o2, o3, o4, o5, o6, o7]),
            receive_timestamp: stamp([v0, v1, v2, v3, v4, v5, v6, v7]),
            transmit_timestamp: stamp([x0, x1, x2, x3, x4, x5, x6, x7]),
            root_delay: NtpShort::from_bits(u32::from_be_bytes([d0, d1, d2, d3])),
            root_dispersion: NtpShort::from_bits(u32::from_be_bytes([e0, e1, e2, e3])),
            reference_id: ReferenceId([r0, r1, r2, r3]),
            leap: LeapIndicator::from_bits(first >> 6),
            version: Version::new((first >> 3) & 0b111).unwrap_or_default(),
            mode: Mode::from_bits(first),
            stratum: Stratum(stratum),
            poll: Poll(poll as i8),
            precision: Precision(precision as i8),
        }
    }

    /// The 48 header bytes.
    #[inline]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        self.write_header(&mut h);
        h
    }

    /// Writes every header field into `h` (all 48 bytes are written, so `h` need not be
    /// zeroed first, and `emit` writes straight into the caller's buffer).
    #[inline]
    fn write_header(&self, h: &mut [u8; HEADER_LEN]) {
        h[field::LI_VN_MODE] = (self.leap.to_bits() << 6) | (self.version.get() << 3) | self.mode.to_bits();
        h[field::STRATUM] = self.stratum.0;
        h[field::POLL] = self.poll.0 as u8;
        h[field::PRECISION] = self.precision.0 as u8;
        BigEndian::write_u32(&mut h[4..8], self.root_delay.to_bits());
        BigEndian::write_u32(&mut h[8..12], self.root_dispersion.to_bits());
        h[12..16].copy_from_slice(&self.reference_id.0);
        BigEndian::write_u64(&mut h[16..24], self.reference_timestamp.to_bits());
        BigEndian::write_u64(&mut h[24..32], self.origin_timestamp.to_bits());
        BigEndian::write_u64(&mut h[32..40], self.receive_timestamp.to_bits());
        BigEndian::write_u64(&mut h[40..48], self.transmit_timestamp.to_bits());
    }

    /// Writes the 48-byte header at the start of `buf` and returns 48, or
    /// [`EmitError::BufferTooSmall`] with `buf` untouched.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        match buf.first_chunk_mut::<HEADER_LEN>() {
            Some(dst) => {
                self.write_header(dst);
                Ok(HEADER_LEN)
            }
            None => Err(EmitError::BufferTooSmall { required: HEADER_LEN }),
        }
    }
}

//! Error types. Each is a small `Copy` enum whose variants name the field at fault and
//! the rule it broke, carry the numbers a caller needs to act, and print a one-line
//! explanation citing the RFC.

use core::fmt;

use super::limits::{MAX_EXTENSION_FIELDS, MAX_PACKET_LEN};

/// Why a datagram is not a well-formed NTP packet (returned by
/// [`Packet::parse`](crate::Packet::parse) and
/// [`PacketView::new_checked`](crate::PacketView::new_checked)).
///
/// The checks run in this order, and the first failure is reported: length at least 48,
/// at most [`MAX_PACKET_LEN`], a multiple of 4; version 1–4; then the extension fields
/// and MAC trailer after the header.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer than the 48 bytes of an NTP header (RFC 5905 §7.3).
    TooShort {
        /// Length of the datagram.
        len: usize,
    },
    /// More than [`MAX_PACKET_LEN`] bytes: 48 header + 1024 extension + 24 MAC.
    TooLong {
        /// Length of the datagram.
        len: usize,
    },
    /// Length not a multiple of 4: extension fields and MACs are 32-bit aligned
    /// (RFC 7822 §3, RFC 5905 §7.5).
    BadLength {
        /// Length of the datagram.
        len: usize,
    },
    /// The version number is not 1–4 (RFC 5905 §9.2).
    UnsupportedVersion(u8),
    /// An extension field is malformed (RFC 7822).
    ExtensionField {
        /// Zero-based position of the field in the packet.
        index: usize,
        /// What is wrong with it.
        error: ExtensionFieldError,
    },
    /// The bytes after the header and extension fields cannot be a MAC: a MAC is 4
    /// (crypto-NAK), 20 (key ID + 128-bit digest) or 24 (key ID + 160-bit digest) bytes
    /// (RFC 5905 §7.3, RFC 7822 §7.5). Before NTPv4 nothing but a MAC may follow the
    /// header.
    BadMacLength {
        /// Number of trailing bytes.
        len: usize,
    },
}

/// What is wrong with one extension field (RFC 7822 §3, §7.5).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ExtensionFieldError {
    /// The length field is below the 16-byte minimum.
    TooShort {
        /// The length field's value.
        length: u16,
    },
    /// The length field is not a multiple of 4.
    Misaligned {
        /// The length field's value.
        length: u16,
    },
    /// The length field runs past the end of the packet.
    Truncated {
        /// The length field's value.
        length: u16,
        /// Bytes that remain from the field's start.
        available: usize,
    },
    /// The last field is shorter than 28 bytes and no MAC follows it; RFC 7822 §7.5
    /// requires 28 so that it cannot be mistaken for a MAC.
    LastTooShortWithoutMac {
        /// The length field's value.
        length: u16,
    },
    /// More than [`MAX_EXTENSION_FIELDS`] fields.
    TooMany,
}

/// Why a packet or extension field could not be written.
///
/// Every writer leaves the destination buffer untouched when it returns an error.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EmitError {
    /// The buffer is too small; `required` bytes would have been needed in all.
    BufferTooSmall {
        /// Total bytes needed.
        required: usize,
    },
    /// Adding the field would exceed [`MAX_EXTENSION_FIELDS`].
    TooManyExtensionFields,
    /// The packet would exceed [`MAX_PACKET_LEN`] bytes.
    PacketTooLong {
        /// The length the packet would have had.
        len: usize,
    },
    /// A MAC digest must be empty (crypto-NAK), 16 or 20 bytes.
    BadMacLength {
        /// The digest length given.
        len: usize,
    },
    /// A MAC follows a packet of at least 48 bytes whose length is a multiple of 4
    /// (RFC 7822 §3).
    BadPacketLength {
        /// The packet length given.
        len: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooShort { len } => {
                write!(f, "packet length {len}: an NTP header is 48 bytes (RFC 5905 §7.3)")
            }
            Self::TooLong { len } => write!(
                f,
                "packet length {len}: above the {MAX_PACKET_LEN}-byte limit \
                 (48 header + 1024 extension + 24 MAC)"
            ),
            Self::BadLength { len } => {
                write!(f, "packet length {len}: not a multiple of 4 (RFC 7822 §3)")
            }
            Self::UnsupportedVersion(v) => {
                write!(f, "version number {v}: only 1 to 4 are accepted (RFC 5905 §9.2)")
            }
            Self::ExtensionField { index, error } => {
                write!(f, "extension field #{index}: {error}")
            }
            Self::BadMacLength { len } => {
                write!(f, "{len} trailing bytes: a MAC is 4, 20 or 24 bytes (RFC 5905 §7.3, RFC 7822 §7.5)")
            }
        }
    }
}

impl fmt::Display for ExtensionFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooShort { length } => {
                write!(f, "length {length} is below the minimum of 16 (RFC 7822 §3)")
            }
            Self::Misaligned { length } => {
                write!(f, "length {length} is not a multiple of 4 (RFC 7822 §3)")
            }
            Self::Truncated { length, available } => {
                write!(f, "length {length} runs past the packet end ({available} bytes left)")
            }
            Self::LastTooShortWithoutMac { length } => write!(
                f,
                "length {length}: the last field needs 28 bytes when no MAC follows (RFC 7822 §7.5)"
            ),
            Self::TooMany => write!(f, "more than {MAX_EXTENSION_FIELDS} extension fields"),
        }
    }
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BufferTooSmall { required } => {
                write!(f, "buffer too small: {required} bytes required")
            }
            Self::TooManyExtensionFields => {
                write!(f, "more than {MAX_EXTENSION_FIELDS} extension fields")
            }
            Self::PacketTooLong { len } => {
                write!(f, "packet of {len} bytes exceeds the {MAX_PACKET_LEN}-byte limit")
            }
            Self::BadMacLength { len } => {
                write!(f, "MAC digest of {len} bytes: must be 0 (crypto-NAK), 16 or 20")
            }
            Self::BadPacketLength { len } => {
                write!(f, "packet of {len} bytes: a MAC follows at least 48 bytes in 4-byte words")
            }
        }
    }
}

impl core::error::Error for ParseError {}
impl core::error::Error for ExtensionFieldError {}
impl core::error::Error for EmitError {}

//! Bytes to types and back. Nothing here reads a clock or touches a socket.
//!
//! * [`timestamp`]: [`NtpTimestamp`], [`NtpShort`], [`UnixTime`] and era handling.
//! * [`header`]: the small header fields and registries (modes, kiss codes, …).
//! * [`packet`]: [`PacketView`] (zero-copy) and [`Packet`] (owned) with parse/emit.
//! * [`extension`]: RFC 7822 extension fields and the MAC trailer.

pub mod extension;
pub mod header;
pub mod packet;
pub mod timestamp;

pub use extension::{ExtensionField, ExtensionFields, ExtensionWriter, Mac};
pub use header::{
    KissCode, LeapIndicator, Mode, Poll, Precision, ReferenceId, ReferenceKind, SourceName, Stratum,
    StratumClass, Version,
};
pub use packet::{Packet, PacketView};
pub use timestamp::{CivilTime, NtpShort, NtpTimestamp, OutOfRange, UNIX_EPOCH_NTP_SECONDS, UnixTime};

/// Length of the NTP header (RFC 5905 §7.3).
pub const HEADER_LEN: usize = 48;

/// Longest packet accepted or written: the 48-byte header, up to 1024 bytes of extension
/// fields and a 24-byte MAC. Longer datagrams are rejected before any field is read
/// (the ntpd CVE-2016-9312 class of oversized-packet bugs).
pub const MAX_PACKET_LEN: usize = HEADER_LEN + 1024 + 24;

/// Most extension fields accepted in one packet or written by an
/// [`ExtensionWriter`]. An NTS request, the largest legitimate case, has at most ten
/// (unique identifier, cookie, seven placeholders, authenticator; RFC 8915 §5).
pub const MAX_EXTENSION_FIELDS: usize = 16;

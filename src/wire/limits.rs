//! The sizes every packet is held to.

/// Length of the NTP header (RFC 5905 §7.3).
pub const HEADER_LEN: usize = 48;

/// Longest packet accepted or written: the 48-byte header, up to 1024 bytes of extension
/// fields and a 24-byte MAC. Longer datagrams are rejected before any field is read
/// (the ntpd CVE-2016-9312 class of oversized-packet bugs).
pub const MAX_PACKET_LEN: usize = HEADER_LEN + 1024 + 24;

/// Most extension fields accepted in one packet or written by an
/// [`ExtensionWriter`](super::ExtensionWriter). An NTS request, the largest legitimate case, has at most ten
/// (unique identifier, cookie, seven placeholders, authenticator; RFC 8915 §5).
pub const MAX_EXTENSION_FIELDS: usize = 16;

//! Bytes to types and back. Nothing here reads a clock or touches a socket.
//!
//! Time quantities (timestamps, durations) come from [`crate::time`].
//! * [`header`]: the small header fields and registries (modes, kiss codes, …).
//! * [`packet`]: [`PacketView`] (zero-copy) and [`Packet`] (owned) with parse/emit.
//! * [`extension`]: RFC 7822 extension fields and the MAC trailer.

pub mod error;
pub mod extension;
pub mod header;
mod limits;
pub mod packet;
pub mod refid;

pub use error::{EmitError, ExtensionFieldError, ParseError};
pub use extension::{ExtensionField, ExtensionFields, ExtensionWriter, Mac};
pub use header::{LeapIndicator, Mode, Poll, Precision, Stratum, StratumClass, Version};
pub use limits::{HEADER_LEN, MAX_EXTENSION_FIELDS, MAX_PACKET_LEN};
pub use packet::{Packet, PacketView};
pub use refid::{KissCode, ReferenceId, ReferenceKind, SourceName};

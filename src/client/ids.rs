//! [`PeerId`]: which of a client's servers an event or a statistic is about.

#[cfg(feature = "defmt")]
use core::net::SocketAddr;

/// Index of a server's slot in a [`Client`](super::Client): `0..N`, and `N` is at most 256, so each
/// slot has its own ID.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PeerId(pub u8);

impl PeerId {
    /// The ID of slot `index`; a [`Client`](super::Client) has at most 256 slots
    /// (checked when it is built), so every index fits.
    pub(crate) fn of_index(index: usize) -> Self {
        Self(u8::try_from(index).unwrap_or(u8::MAX))
    }
}

/// Writes a socket address with defmt (core's `SocketAddr` has no `defmt::Format`).
#[cfg(feature = "defmt")]
pub(super) fn defmt_addr(f: defmt::Formatter<'_>, addr: &SocketAddr) {
    match addr {
        SocketAddr::V4(a) => defmt::write!(f, "{=[u8; 4]}:{=u16}", a.ip().octets(), a.port()),
        SocketAddr::V6(a) => defmt::write!(f, "[{=[u8; 16]}]:{=u16}", a.ip().octets(), a.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_index_has_its_own_id() {
        for i in 0..256usize {
            assert_eq!(usize::from(PeerId::of_index(i).0), i);
        }
    }
}

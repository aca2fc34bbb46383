//! Shared test vectors and helpers.
#![allow(dead_code)]

/// A request chronyd 4.3 (`chronyd -Q`) sent on loopback: LI 0, v4, mode 3, poll 0,
/// precision 32, all zero but a random transmit timestamp (data-minimized).
pub const CHRONY_REQUEST: &str =
    "230000200000000000000000000000000000000000000000000000000000000000000000000000003c5d45088d884dff";

/// chronyd 4.3's reply to [`CHRONY_REQUEST`] on loopback (stratum 8, refid 127.127.1.1).
pub const CHRONY_REPLY: &str =
    "240800e600000000000000007f7f0101eeace739af8a00ec3c5d45088d884dffeeace73b35be9a1beeace73b35c28872";

/// The ntpd request of a Wireshark dissection (transmit in era 1: Dec 13 2103).
pub const NTPD_REQUEST: &str =
    "230006200000000000000000000000000000000000000000000000000000000000000000000000007f9dbefc992ba33b";

/// The ntpd reply of the same dissection (stratum 2, refid 133.243.238.163).
pub const NTPD_REPLY: &str =
    "240206ec00000052000005a085f3eea3e181046a0030f9d17f9dbefc992ba33be181075e7b9ec12ee181075e7ba0b807";

pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An extension field header plus `len - 4` bytes of `fill` (no checks: tests build
/// malformed fields on purpose).
pub fn ef(field_type: u16, length: u16, fill: u8, total: usize) -> Vec<u8> {
    let mut f = vec![fill; total];
    f[0..2].copy_from_slice(&field_type.to_be_bytes());
    f[2..4].copy_from_slice(&length.to_be_bytes());
    f
}

/// The chrony reply followed by `tail`.
pub fn reply_with(tail: &[u8]) -> Vec<u8> {
    let mut p = hex(CHRONY_REPLY);
    p.extend_from_slice(tail);
    p
}

//! FNV-1a, 64-bit: a small, dependency-free hasher for
//! [`Client::state_fingerprint`](super::Client::state_fingerprint).

/// FNV-1a, 64-bit: a small, dependency-free hasher for `state_fingerprint`.
pub(super) struct Fnv1a(pub(super) u64);

impl core::hash::Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::Hasher;

    #[test]
    fn known_vectors() {
        let hash = |bytes: &[u8]| {
            let mut h = Fnv1a(0xcbf2_9ce4_8422_2325);
            h.write(bytes);
            h.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash(b"foobar"), 0x8594_4171_f739_67e8);
    }
}

//! SipHash-2-4 (Aumasson and Bernstein, 2012), the keyed hash the rate limiter files its
//! clients under: with a key the caller keeps secret, nobody outside can choose
//! addresses that land in the same place.

/// SipHash-2-4 of `data` under the 128-bit key `(k0, k1)`.
pub(crate) fn siphash24(k0: u64, k1: u64, data: &[u8]) -> u64 {
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        compress(&mut v, u64::from_le_bytes(word), 2);
    }
    // The last block: the remaining bytes, and the length's low byte on top.
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    if let Some(head) = last.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    let last = u64::from_le_bytes(last) | ((data.len() as u64 & 0xff) << 56);
    compress(&mut v, last, 2);
    v[2] ^= 0xff;
    for _ in 0..4 {
        round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

fn compress(v: &mut [u64; 4], m: u64, rounds: usize) {
    v[3] ^= m;
    for _ in 0..rounds {
        round(v);
    }
    v[0] ^= m;
}

fn round(v: &mut [u64; 4]) {
    let [mut v0, mut v1, mut v2, mut v3] = *v;
    v0 = v0.wrapping_add(v1);
    v1 = v1.rotate_left(13) ^ v0;
    v0 = v0.rotate_left(32);
    v2 = v2.wrapping_add(v3);
    v3 = v3.rotate_left(16) ^ v2;
    v0 = v0.wrapping_add(v3);
    v3 = v3.rotate_left(21) ^ v0;
    v2 = v2.wrapping_add(v1);
    v1 = v1.rotate_left(17) ^ v2;
    v2 = v2.rotate_left(32);
    *v = [v0, v1, v2, v3];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference vectors of the SipHash paper's implementation (vectors.h): key
    /// 00 01 … 0f, messages 00, 00 01, … of length 0 to 15.
    #[test]
    fn reference_vectors() {
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let message: [u8; 16] = core::array::from_fn(|i| i as u8);
        let expected: [u64; 16] = [
            0x726f_db47_dd0e_0e31,
            0x74f8_39c5_93dc_67fd,
            0x0d6c_8009_d9a9_4f5a,
            0x8567_6696_d7fb_7e2d,
            0xcf27_94e0_2771_87b7,
            0x1876_5564_cd99_a68d,
            0xcbc9_466e_58fe_e3ce,
            0xab02_00f5_8b01_d137,
            0x93f5_f579_9a93_2462,
            0x9e00_82df_0ba9_e4b0,
            0x7a5d_bbc5_94dd_b9f3,
            0xf4b3_2f46_226b_ada7,
            0x751e_8fbc_860e_e5fb,
            0x14ea_5627_c084_3d90,
            0xf723_ca90_8e7a_f2ee,
            0xa129_ca61_49be_45e5,
        ];
        for (len, want) in expected.iter().enumerate() {
            assert_eq!(siphash24(k0, k1, &message[..len]), *want, "length {len}");
        }
    }
}

//! Server cookies (RFC 8915 §6) on arbitrary bytes: `CookieKeys::open` never panics;
//! a cookie it sealed opens to exactly the keys sealed, under any of the master keys
//! still held; the same cookie with any one bit flipped, cut short, lengthened, or
//! under a master key rotated out does not open; arbitrary bytes do not open.
//!
//! Input: 1 byte flags (AEAD, master key type, rotations, mutation), 2 bytes bit
//! position, then key material / arbitrary cookie bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit::nts::cookie::{CookieError, CookieKeys, cookie_len};
use ntpkit::nts::ke::NtsKeys;
use ntpkit::nts::{AnyAead, NtsAead};

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<3>() else { return };
    let (flags, bit) = (head[0], usize::from(u16::from_be_bytes([head[1], head[2]])));
    let mut master: CookieKeys<AnyAead, 3> = CookieKeys::new();
    let master_gcm = flags & 0x08 != 0;
    let key = |id: u8| {
        if master_gcm { AnyAead::with_key(30, &[id; 16]) } else { AnyAead::with_key(15, &[id; 32]) }.unwrap()
    };
    master.rotate(1, key(1));
    // Arbitrary bytes never open.
    if flags & 0x80 != 0 {
        assert!(master.open(body).is_err());
        return;
    }
    let aead = [30u16, 17, 15, 15][usize::from(flags & 3)];
    let len = ntpkit::nts::ke::aead_key_len(aead).unwrap();
    let mut keys = NtsKeys { aead, len, c2s: [0; 64], s2c: [0; 64] };
    for (i, b) in body.iter().take(2 * len).enumerate() {
        if i < len { keys.c2s[i] = *b } else { keys.s2c[i - len] = *b }
    }
    let mut counter = u64::from(flags) << 32 | bit as u64;
    let mut random = move || {
        counter = counter.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        counter
    };
    let mut cookie = [0u8; 200];
    let n = master.seal(&keys, &mut random, &mut cookie).unwrap();
    assert_eq!(Some(n), cookie_len(aead, if master_gcm { 12 } else { 16 }));
    assert_eq!(n % 4, 0);
    let cookie = &cookie[..n];
    // Rotations: 0 to 3 new keys; the first key stays held for up to 2.
    let rotations = (flags >> 4) & 3;
    for id in 0..rotations {
        master.rotate(u32::from(id) + 2, key(id + 2));
    }
    let held = rotations < 3;
    match master.open(cookie) {
        Ok(opened) => assert!(held && opened == keys),
        Err(e) => assert!(!held && e == CookieError::UnknownKey(1), "{e:?}"),
    }
    if !held {
        return;
    }
    let mut flipped = cookie.to_vec();
    flipped[bit % n] ^= 1 << (bit % 8);
    assert!(master.open(&flipped).is_err());
    assert!(master.open(&cookie[..bit % n]).is_err());
    let mut longer = cookie.to_vec();
    longer.extend_from_slice(&[0; 4]);
    assert!(master.open(&longer).is_err());
});

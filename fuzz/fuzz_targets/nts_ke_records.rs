//! NTS-KE response records on arbitrary bytes (RFC 8915 §4): decoding never panics and
//! reads nothing past its End of Message; a decoded response survives the server-side
//! encoder unchanged; every proper prefix of what was used is `Incomplete`, so a TLS
//! stream read in pieces cannot be mistaken for a complete message.
//!
//! Input: 1 byte that selects the offered AEAD list, then the records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit::nts::ke::{KeError, KeResponse};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let offered: &[u16] = match selector % 3 {
        0 => &[15],
        1 => &[15, 16, 17],
        _ => &[17],
    };
    match KeResponse::decode_for(bytes, offered) {
        Ok((response, used)) => {
            assert!(used <= bytes.len());
            assert!(offered.contains(&response.aead));
            assert!(!response.cookies.is_empty());
            let mut buf = vec![0u8; 4096];
            let n = response.encode(&mut buf).expect("a decoded response fits 4 KiB");
            let (again, again_used) = KeResponse::decode_for(&buf[..n], offered).expect("re-decodes");
            assert_eq!((again, again_used), (response, n));
            for cut in [0, used / 2, used.saturating_sub(1)] {
                if cut < used {
                    let r = KeResponse::decode_for(&bytes[..cut], offered);
                    assert!(r.is_err(), "prefix {cut} of {used} decoded");
                }
            }
        }
        Err(KeError::Incomplete) => {}
        Err(_) => {}
    }
});

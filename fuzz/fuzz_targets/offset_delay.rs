//! INV-8: RFC 5905 §8 offset and delay from any four timestamps equal an i128 evaluation
//! of the same era-less differences, or are reported ambiguous exactly when it says so
//! (a difference of exactly half the era, a delay beyond ±2³¹ s, or T2 − T1 and T3 − T4
//! on opposite sides of the half era, so that their exact difference is not the delay).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit::NtpTimestamp;
use ntpkit::math::offset_delay;

fuzz_target!(|t: [u64; 4]| {
    let diff = |x: u64, y: u64| x.wrapping_sub(y) as i64;
    let (a, b, c, d) = (diff(t[1], t[0]), diff(t[2], t[3]), diff(t[3], t[0]), diff(t[2], t[1]));
    let delay = i128::from(c) - i128::from(d);
    let ambiguous = [a, b, c, d].contains(&i64::MIN)
        || i64::try_from(delay).is_err()
        || i128::from(a) - i128::from(b) != delay;
    let ts = t.map(NtpTimestamp::from_bits);
    match offset_delay(ts[0], ts[1], ts[2], ts[3]) {
        Ok(r) => {
            assert!(!ambiguous);
            assert_eq!(i128::from(r.offset.to_bits()), (i128::from(a) + i128::from(b)).div_euclid(2));
            assert_eq!(i128::from(r.delay.to_bits()), delay);
        }
        Err(_) => assert!(ambiguous),
    }
});

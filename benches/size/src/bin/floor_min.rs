//! The least code that can do the same job, written by hand for this comparison:
//! a data-minimized request (nonce in the transmit field), the reply's sanity checks
//! (origin, mode, version, leap, stratum, zero timestamps, root distance, reference
//! time) and offset/delay in i64 32.32 fixed point. No typed errors, no kiss codes.
#![no_std]
#![no_main]

use ntpkit_size::*;

const NTP_MINUS_UNIX: u64 = 2_208_988_800;

fn now() -> u64 {
    let (seconds, micros) = clock();
    // 2^48 / 10^6 rounded up, then >> 16: micros to 2^-32 s without a division.
    let fraction = (u64::from(micros) * 281_474_977) >> 16;
    (seconds.wrapping_add(NTP_MINUS_UNIX) << 32) | fraction
}

fn word(b: &[u8; 48], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_be_bytes(w)
}

fn stamp(b: &[u8; 48], at: usize) -> u64 {
    (u64::from(word(b, at)) << 32) | u64::from(word(b, at + 4))
}

fn run() -> ! {
    loop {
        let t1 = now();
        let nonce = entropy();
        let mut request = [0u8; 48];
        request[0] = 0x23;
        request[40..48].copy_from_slice(&nonce.to_be_bytes());
        send(&request);
        let mut reply = [0u8; 48];
        if receive(&mut reply) < 48 {
            publish(3, u64::MAX);
            continue;
        }
        let t4 = now();
        let (first, stratum) = (reply[0], reply[1]);
        let root = u64::from(word(&reply, 4) / 2) + u64::from(word(&reply, 8));
        let (reference, origin) = (stamp(&reply, 16), stamp(&reply, 24));
        let (t2, t3) = (stamp(&reply, 32), stamp(&reply, 40));
        let rejected = origin != nonce
            || first & 7 != 4
            || (first >> 3) & 7 != 4
            || first >> 6 == 3
            || stratum == 0
            || stratum > 15
            || t2 == 0
            || t3 == 0
            || root >= 1 << 16
            || (reference != 0 && (t3.wrapping_sub(reference) as i64) < 0);
        if rejected {
            publish(3, u64::MAX);
            continue;
        }
        let offset = ((t2.wrapping_sub(t1) as i64) >> 1).wrapping_add((t3.wrapping_sub(t4) as i64) >> 1);
        let delay = (t4.wrapping_sub(t1) as i64).wrapping_sub(t3.wrapping_sub(t2) as i64);
        publish(0, t3);
        publish(1, offset as u64);
        publish(2, delay as u64);
        publish(3, u64::from(stratum));
    }
}

entry!(run);

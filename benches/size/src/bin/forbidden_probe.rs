//! Deliberately links a 64-bit division and soft-float helpers, so that `size.sh` can
//! prove its symbol check catches them (a check that never fires proves nothing).
#![no_std]
#![no_main]

use ntpkit_size::*;

fn run() -> ! {
    loop {
        let (seconds, micros) = clock();
        let quotient = seconds / u64::from(micros | 1);
        let scaled = (seconds as f64) * 1.000_015 + f64::from(micros);
        publish(0, quotient);
        publish(1, scaled as u64);
    }
}

entry!(run);

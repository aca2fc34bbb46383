//! The harness I/O and nothing else: the zero that the other binaries are measured from.
#![no_std]
#![no_main]

use ntpkit_size::*;

fn run() -> ! {
    loop {
        let (seconds, micros) = clock();
        let mut request = [0u8; 48];
        request[40..48].copy_from_slice(&(seconds ^ u64::from(micros) ^ entropy()).to_be_bytes());
        send(&request);
        let mut reply = [0u8; 48];
        receive(&mut reply);
        let (seconds, micros) = clock();
        publish(0, seconds);
        publish(1, u64::from(micros));
        publish(2, u64::from(reply[0]));
        publish(3, u64::from(reply[47]));
    }
}

entry!(run);

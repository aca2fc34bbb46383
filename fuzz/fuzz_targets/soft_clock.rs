//! `SoftClock` under arbitrary sequences of counter advances, readings, frequency
//! settings, slews and steps, on arbitrary counter rates and widths: never a panic,
//! never a reading earlier than the one before unless a step came between, every
//! refused frequency leaves the clock's frequency as it was, and no reading takes
//! unbounded work (libFuzzer's -timeout catches that).
#![no_main]

use core::cell::Cell;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use ntpkit::clock::{ClockError, Counter, SoftClock};
use ntpkit::traits::{ClockControl, NtpClock};
use ntpkit::{NtpDuration, NtpTimestamp};

#[derive(Arbitrary, Debug)]
enum Op {
    Advance(u32),
    Jump(u64),
    Read,
    Frequency(i64),
    Slew(i64),
    Step(i64),
}

#[derive(Arbitrary, Debug)]
struct Input {
    hz: u64,
    bits: u8,
    start: u64,
    counter: u64,
    ops: Vec<Op>,
}

struct Ticks<'a>(&'a Cell<u64>);
impl Counter for Ticks<'_> {
    fn read(&mut self) -> u64 {
        self.0.get()
    }
}

fuzz_target!(|input: Input| {
    let ticks = Cell::new(input.counter);
    let clock =
        SoftClock::new(Ticks(&ticks), input.hz, u32::from(input.bits), NtpTimestamp::from_bits(input.start));
    let Ok(mut clock) = clock else { return };
    let mut last = clock.now();
    // At most 64 operations: each reading integrates at most 9 hours in 2 s steps, so
    // an input costs at most 64 × 16,384 steps.
    for op in input.ops.iter().take(64) {
        match *op {
            Op::Advance(n) => ticks.set(ticks.get().wrapping_add(u64::from(n))),
            Op::Jump(n) => ticks.set(n),
            Op::Read => {}
            Op::Frequency(ppb) => {
                let before = clock.frequency_ppb();
                match clock.set_frequency_ppb(ppb) {
                    Ok(()) => assert_eq!(clock.frequency_ppb(), ppb),
                    Err(e) => {
                        assert_eq!(e, ClockError::FrequencyOutOfRange { ppb });
                        assert_eq!(clock.frequency_ppb(), before);
                    }
                }
            }
            Op::Slew(bits) => {
                let _ = clock.slew(NtpDuration::from_bits(bits));
            }
            Op::Step(bits) => {
                let _ = clock.step(NtpDuration::from_bits(bits));
                last = clock.now();
                continue;
            }
        }
        let now = clock.now();
        // Era-less: "not earlier" is a non-negative difference (gaps stay far below 68 years).
        assert!(!(now - last).is_negative(), "{op:?}: {last} then {now}");
        last = now;
    }
});

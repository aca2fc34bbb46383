//! `Discipline` driving a `SoftClock` under arbitrary sequences of samples, updates,
//! time advances and clock readings: never a panic; an input dated before the last is
//! refused as `TimeWentBackwards` and changes nothing; every correction is within
//! ±500 ppm and the clock accepts it; and the clock never reads earlier than the
//! reading before unless a step was applied between.
#![no_main]

use core::cell::Cell;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use ntpkit::client::Decision;
use ntpkit::clock::{Counter, MAX_FREQUENCY_PPB, SoftClock};
use ntpkit::discipline::{Discipline, DisciplineError, SavedFrequency};
use ntpkit::time::Instant;
use ntpkit::traits::NtpClock;
use ntpkit::{NtpDuration, NtpTimestamp};

#[derive(Arbitrary, Debug)]
enum Op {
    /// Microseconds pass.
    Advance(u32),
    /// Hours pass.
    Leap(u8),
    Read,
    Sample {
        source: u8,
        offset: i64,
        delay: i64,
        back: bool,
    },
    Slew {
        offset: i64,
        back: bool,
    },
    Step {
        offset: i64,
    },
    Panic {
        offset: i64,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    saved: Option<(i64, u64)>,
    ops: Vec<Op>,
}

struct Ticks<'a>(&'a Cell<u64>);
impl Counter for Ticks<'_> {
    fn read(&mut self) -> u64 {
        self.0.get()
    }
}

fuzz_target!(|input: Input| {
    // A 1 MHz, 64-bit counter; the monotonic clock is the same counter in ns.
    let ticks = Cell::new(1_000_000);
    let start = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    let Ok(mut clock) = SoftClock::new(Ticks(&ticks), 1_000_000, 64, start) else { return };
    let mut discipline = match input.saved.map(|(ppb, u)| SavedFrequency::new(ppb, u)) {
        Some(Ok(saved)) => Discipline::restore(saved),
        _ => Discipline::new(),
    };
    let mono = |ticks: &Cell<u64>, back: bool| {
        Instant::from_nanos(ticks.get().saturating_mul(1_000).saturating_sub(if back { 1 } else { 0 }))
    };
    let mut last = clock.now();
    let mut last_input = 0u64;
    for op in input.ops.iter().take(256) {
        let before = discipline.clone();
        let (result, now) = match *op {
            Op::Advance(us) => {
                ticks.set(ticks.get().saturating_add(u64::from(us)));
                (None, None)
            }
            Op::Leap(h) => {
                ticks.set(ticks.get().saturating_add(u64::from(h) * 3_600_000_000));
                (None, None)
            }
            Op::Read => (None, None),
            Op::Sample { source, offset, delay, back } => {
                let now = mono(&ticks, back);
                let r = discipline.sample_with(
                    now,
                    source,
                    NtpDuration::from_bits(offset),
                    NtpDuration::from_bits(delay),
                );
                (Some(r.map(|()| None)), Some(now))
            }
            Op::Slew { offset, back } => {
                let now = mono(&ticks, back);
                (
                    Some(
                        discipline.update_with(now, Decision::Slew(NtpDuration::from_bits(offset))).map(Some),
                    ),
                    Some(now),
                )
            }
            Op::Step { offset } => {
                let now = mono(&ticks, false);
                (
                    Some(
                        discipline.update_with(now, Decision::Step(NtpDuration::from_bits(offset))).map(Some),
                    ),
                    Some(now),
                )
            }
            Op::Panic { offset } => {
                let now = mono(&ticks, false);
                let r = discipline.update_with(now, Decision::Panic(NtpDuration::from_bits(offset)));
                assert_eq!(discipline, before, "a panic changes nothing");
                (Some(r.map(Some)), Some(now))
            }
        };
        let mut stepped = false;
        match (result, now) {
            (Some(Err(e)), Some(now)) => {
                assert_eq!(
                    e,
                    DisciplineError::TimeWentBackwards { last_ns: last_input, now_ns: now.as_nanos() }
                );
                assert!(now.as_nanos() < last_input);
                assert_eq!(discipline, before, "a refused input changes nothing");
            }
            (Some(Ok(correction)), Some(now)) => {
                if !matches!(op, Op::Panic { .. }) {
                    last_input = now.as_nanos();
                }
                if let Some(c) = correction {
                    assert!(c.frequency_ppb.abs() <= MAX_FREQUENCY_PPB, "{c:?}");
                    stepped = matches!(c.phase, Decision::Step(_));
                    assert!(c.apply(&mut clock).is_ok(), "{c:?}");
                }
            }
            _ => {}
        }
        let reading = clock.now();
        if !stepped {
            // Era-less: "not earlier" is a non-negative difference.
            assert!(!(reading - last).is_negative(), "{op:?}: {last} then {reading}");
        }
        last = reading;
    }
});

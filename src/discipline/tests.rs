use super::*;
use crate::client::SystemUpdate;
use crate::wire::{LeapIndicator, ReferenceId, Stratum};

const S: u64 = 1_000_000_000;

fn at(s: u64) -> Instant {
    Instant::from_nanos(s.saturating_mul(S))
}

fn us(n: i64) -> NtpDuration {
    NtpDuration::from_nanos(n * 1_000).unwrap()
}

/// A discipline fed `polls` samples 16 s apart from a clock 20 ppm fast, each
/// correction carried out on the simulated clock.
fn trained(polls: u64) -> Discipline {
    let mut d = Discipline::new();
    // The clock minus the true time, ns.
    let mut ahead = 0i64;
    for i in 1..=polls {
        ahead += 16 * (20_000 + d.frequency_ppb());
        let offset = NtpDuration::from_nanos(-ahead).unwrap();
        d.sample_with(at(16 * i), 0, offset, us(100)).unwrap();
        if let Decision::Slew(phase) = d.update_with(at(16 * i), Decision::Slew(offset)).unwrap().phase {
            ahead += phase.to_nanos(); // done within the 16 s at 500 ppm
        }
    }
    d
}

fn update(decision: Decision, selected: &[u8]) -> SystemUpdate<4> {
    SystemUpdate {
        offset: NtpDuration::ZERO,
        uncertainty: NtpDuration::ZERO,
        jitter: NtpDuration::ZERO,
        selected: selected.iter().map(|&i| PeerId(i)).collect(),
        stratum: Stratum(2),
        leap: LeapIndicator::NoWarning,
        reference_id: ReferenceId([0; 4]),
        decision,
    }
}

/// D-1: a monotonic time earlier than the last input is refused by name, and nothing
/// changes — not the window, not the accounting.
#[test]
fn d1_time_going_backwards_is_refused() {
    let mut d = trained(20);
    let before = d.clone();
    let err = DisciplineError::TimeWentBackwards { last_ns: 320 * S, now_ns: 319 * S };
    assert_eq!(d.sample_with(at(319), 0, us(5), us(100)), Err(err));
    assert_eq!(d.update_with(at(319), Decision::Slew(us(5))), Err(err));
    assert_eq!(d.update(at(319), &update(Decision::Step(us(5)), &[0])), Err(err));
    assert_eq!(d, before);
    // The same instant again is fine.
    assert!(d.sample_with(at(320), 0, us(5), us(100)).is_ok());
}

/// D-2: a gap beyond MAX_GAP starts a new window; the frequency is kept as the prior.
#[test]
fn d2_a_long_gap_starts_a_new_window() {
    let mut d = trained(40);
    let f = d.frequency_ppb();
    assert!((f + 20_000).abs() <= 2, "{f}");
    let later = 40 * 16 + MAX_GAP.as_secs() + 1;
    d.sample_with(at(later), 0, us(3), us(100)).unwrap();
    assert_eq!(d.window.oldest(), Some(0), "the window restarted at the gap");
    let c = d.update_with(at(later), Decision::Slew(us(3))).unwrap();
    assert_eq!(c.frequency_ppb, f);
    assert_eq!(c.phase, Decision::Slew(us(3)), "no line yet: the offset as measured");
}

/// D-3: absurd inputs — offsets and delays of ±68 years, a million samples at one
/// instant, zero intervals — give bounded corrections, never a panic.
#[test]
fn d3_absurd_inputs_give_bounded_corrections() {
    let mut d = trained(10);
    let extremes = [NtpDuration::MAX, NtpDuration::MIN, NtpDuration::ZERO, us(-1)];
    let mut t = 200u64;
    for (i, &offset) in extremes.iter().cycle().take(if cfg!(miri) { 40 } else { 400 }).enumerate() {
        t += (i % 3) as u64 * 7; // zero, 7 s and 14 s apart
        let delay = extremes[(i / 4) % 4];
        d.sample_with(at(t), (i % 256) as u8, offset, delay).unwrap();
        for decision in [Decision::Slew(offset), Decision::Step(offset), Decision::Panic(offset)] {
            let c = d.update_with(at(t), decision).unwrap();
            assert!(c.frequency_ppb.abs() <= MAX_FREQUENCY_PPB, "{c:?}");
        }
    }
    for _ in 0..if cfg!(miri) { 1_000 } else { 1_000_000 } {
        d.sample_with(at(t), 0, us(1), us(1)).unwrap();
    }
    let c = d.update_with(at(t), Decision::Slew(us(1))).unwrap();
    assert!(c.frequency_ppb.abs() <= MAX_FREQUENCY_PPB);
    // The far end of monotonic time.
    let c = d.update_with(Instant::from_nanos(u64::MAX), Decision::Slew(us(1))).unwrap();
    assert!(c.frequency_ppb.abs() <= MAX_FREQUENCY_PPB);
}

/// D-4: a panic decision changes nothing, and applying it touches no clock.
#[test]
fn d4_panic_changes_nothing() {
    struct Refuses;
    impl ClockControl for Refuses {
        type Error = ();
        fn step(&mut self, _: NtpDuration) -> Result<(), ()> {
            Err(())
        }
        fn slew(&mut self, _: NtpDuration) -> Result<(), ()> {
            Err(())
        }
        fn set_frequency(&mut self, _: i64) -> Result<(), ()> {
            Err(())
        }
    }
    let mut d = trained(20);
    let before = d.clone();
    let panic = Decision::Panic(NtpDuration::from_seconds(5000));
    let c = d.update(at(400), &update(panic, &[])).unwrap();
    assert_eq!(c, Correction { frequency_ppb: before.frequency_ppb(), phase: panic });
    assert_eq!(d, before);
    assert_eq!(c.apply(&mut Refuses), Ok(false));
}

/// D-9: samples from servers the latest update did not select — a falseticker, or
/// anything before the first update — never enter the window.
#[test]
fn d9_unselected_servers_are_ignored() {
    let mut d = Discipline::new();
    let result = |offset_ms: i64| {
        use crate::exchange::{ClientRequest, Reply, ValidationConfig};
        use crate::server::{ServerState, respond};
        use crate::time::NtpTimestamp;
        let addr = core::net::SocketAddr::from(([127, 0, 0, 1], 123));
        let t1 = NtpTimestamp::from_parts(0xeeac_e73b, 0);
        let (mut req, mut reply) = ([0u8; 48], [0u8; 48]);
        let (_, mut pending) = ClientRequest::new().build(addr, t1, &mut || 7u64, &mut req).unwrap();
        let t2 = t1 + NtpDuration::from_nanos(offset_ms * 1_000_000 + 1_000).unwrap();
        let state = ServerState {
            leap: LeapIndicator::NoWarning,
            stratum: Stratum(1),
            reference_timestamp: t2,
            ..ServerState::default()
        };
        respond(&req, &state, t2, t2, &mut reply).unwrap();
        match pending.process(addr, &reply, t1 + us(2), &ValidationConfig::default()) {
            Ok(Reply::Sample(r)) => r,
            other => panic!("{other:?}"),
        }
    };
    d.sample(at(1), PeerId(0), &result(3)).unwrap();
    assert_eq!(d.window.oldest(), None, "nothing is selected before the first update");
    let _ = d.update(at(2), &update(Decision::Slew(us(0)), &[0, 2])).unwrap();
    d.sample(at(3), PeerId(1), &result(50)).unwrap();
    assert_eq!(d.window.oldest(), None, "server 1 is not selected");
    d.sample(at(4), PeerId(2), &result(3)).unwrap();
    assert!(d.window.oldest().is_some(), "server 2 is");
}

#[test]
fn correction_applies_frequency_then_phase() {
    #[derive(Default)]
    struct Log(heapless::Vec<(char, i64), 4>);
    impl ClockControl for Log {
        type Error = ();
        fn step(&mut self, o: NtpDuration) -> Result<(), ()> {
            self.0.push(('t', o.to_nanos())).map_err(|_| ())
        }
        fn slew(&mut self, o: NtpDuration) -> Result<(), ()> {
            self.0.push(('s', o.to_nanos())).map_err(|_| ())
        }
        fn set_frequency(&mut self, ppb: i64) -> Result<(), ()> {
            self.0.push(('f', ppb)).map_err(|_| ())
        }
    }
    let mut log = Log::default();
    let c = Correction { frequency_ppb: -12, phase: Decision::Slew(us(7)) };
    assert_eq!(c.apply(&mut log), Ok(true));
    let c = Correction { frequency_ppb: 3, phase: Decision::Step(us(-2)) };
    assert_eq!(c.apply(&mut log), Ok(true));
    assert_eq!(&log.0[..], &[('f', -12), ('s', 7_000), ('f', 3), ('t', -2_000)]);
}

#[test]
fn save_and_restore() {
    let d = trained(100);
    let saved = d.save();
    assert!((saved.ppb() + 20_000).abs() <= 2, "{saved:?}");
    assert!(saved.uncertainty_ppb() >= 1);
    let r = Discipline::restore(saved);
    assert_eq!(r.frequency_ppb(), saved.ppb());
    assert_eq!(r.uncertainty_ppb(), saved.uncertainty_ppb());
    assert_eq!(Discipline::default(), Discipline::new());
    assert_eq!(Discipline::new().save(), SavedFrequency::ZERO);
}

/// A phase estimate beyond the step threshold is not slewed: the clock holds.
#[test]
fn beyond_the_step_threshold_the_phase_holds() {
    let mut d = Discipline::new().with_step_threshold(us(50_000));
    let c = d.update_with(at(1), Decision::Slew(us(60_000))).unwrap();
    assert_eq!(c.phase, Decision::Slew(NtpDuration::ZERO));
    let c = d.update_with(at(2), Decision::Slew(us(40_000))).unwrap();
    assert_eq!(c.phase, Decision::Slew(us(40_000)));
}

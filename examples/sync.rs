//! Keep time with the full client and the clock discipline, the way a daemon would.
//!
//! ```text
//! cargo run --example sync -- [--seconds N] [--min-poll 4-17] [--drift-file PATH] HOST[:PORT]...
//! cargo run --example sync --features linux-clock -- --apply HOST[:PORT]...
//! ```
//!
//! By default a dry run: it disciplines a software clock that starts at the system
//! clock's time but runs on the monotonic clock, prints every correction it would make
//! to the system clock, and at the end how far the disciplined clock is from the system
//! clock and the frequency error it found. It never changes the system clock.
//!
//! With `--apply` (Linux, the `linux-clock` feature, and `CAP_SYS_TIME`) the same
//! corrections steer the system clock through `clock_adjtime`: frequency, 500 ppm slews
//! and steps. The kernel's own PLL is turned off first.
//!
//! `--drift-file PATH` keeps the frequency estimate across runs: read at start (if the
//! file exists), written at the end, as `ppb uncertainty_ppb`.

#[path = "common/cli.rs"]
mod cli;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cli::{Args, CliError, within};
use ntpkit::client::{Client, ClientConfig, Decision, Event, PeerConfig};
use ntpkit::clock::{Counter, SoftClock};
use ntpkit::discipline::{Correction, Discipline, SavedFrequency};
use ntpkit::std_impls::{ClientDriver, SystemClock};
use ntpkit::traits::{ClockControl, NtpClock};

const MAX_SERVERS: usize = 8;
const USAGE: &str =
    "[--apply] [--seconds N] [--min-poll 4-17] [--drift-file PATH] HOST[:PORT]... (at most 8 servers)";

struct Options {
    apply: bool,
    seconds: u64,
    min_poll: i8,
    drift_file: Option<String>,
    hosts: Vec<String>,
}

fn parse(mut args: Args) -> Result<Options, CliError> {
    let mut options =
        Options { apply: false, seconds: 600, min_poll: 6, drift_file: None, hosts: Vec::new() };
    while let Some(arg) = args.next() {
        let arg = arg?;
        match arg.as_str() {
            "--apply" => options.apply = true,
            "--seconds" => {
                options.seconds = args.value("--seconds", "a number of seconds", within(1, 31_536_000))?
            }
            "--min-poll" => options.min_poll = args.value("--min-poll", "a poll exponent", within(4, 17))?,
            "--drift-file" => options.drift_file = Some(args.value("--drift-file", "a path", cli::any)?),
            _ if arg.starts_with('-') => return Err(CliError::UnknownOption(arg)),
            _ => options.hosts.push(arg),
        }
    }
    cli::check_hosts(&options.hosts, MAX_SERVERS)?;
    Ok(options)
}

/// The monotonic clock as a 1 GHz counter: what the dry run's software clock runs on.
struct Monotonic(Instant);

impl Counter for Monotonic {
    fn read(&mut self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}

fn describe(c: &Correction) -> String {
    let phase = match c.phase {
        Decision::Slew(d) => format!("slew {:+.3} ms", d.to_nanos() as f64 / 1e6),
        Decision::Step(d) => format!("step {:+.6} s", d.to_nanos() as f64 / 1e9),
        Decision::Panic(d) => format!("refuse: offset {d} beyond the panic threshold"),
    };
    format!("frequency {:+.3} ppm, {phase}", c.frequency_ppb as f64 / 1e3)
}

fn read_drift(path: &str) -> Result<Option<SavedFrequency>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{path}: {e}")),
    };
    let mut words = text.split_whitespace().map(str::parse::<i64>);
    match (words.next(), words.next()) {
        (Some(Ok(ppb)), Some(Ok(u))) if u >= 0 => {
            SavedFrequency::new(ppb, u as u64).map(Some).map_err(|e| format!("{path}: {e}"))
        }
        _ => Err(format!("{path}: not \"ppb uncertainty_ppb\"")),
    }
}

fn main() -> ExitCode {
    let options = match parse(Args::from_env()) {
        Ok(o) => o,
        Err(e) => return cli::exit("sync", USAGE, &e),
    };
    let saved = match options.drift_file.as_deref().map(read_drift).transpose() {
        Ok(saved) => saved.flatten(),
        Err(e) => {
            eprintln!("sync: {e}");
            return ExitCode::from(2);
        }
    };
    let mut discipline = saved.map_or_else(Discipline::new, Discipline::restore);
    if let Some(s) = saved {
        println!(
            "drift file: starting from {:+.3} ppm ± {:.3}",
            s.ppb() as f64 / 1e3,
            s.uncertainty_ppb() as f64 / 1e3
        );
    }
    let code =
        if options.apply { apply(&options, &mut discipline) } else { dry_run(&options, &mut discipline) };
    if let Some(path) = &options.drift_file {
        let s = discipline.save();
        if let Err(e) = std::fs::write(path, format!("{} {}\n", s.ppb(), s.uncertainty_ppb())) {
            eprintln!("sync: {path}: {e}");
            return ExitCode::from(1);
        }
    }
    code
}

/// The discipline's side of the event loop: every event goes in; every correction is
/// applied to the clock given and printed, `verb` saying whether it was applied.
struct Steering<'a> {
    discipline: &'a mut Discipline,
    mono: Instant,
    verb: &'static str,
    corrections: usize,
    failed: Option<String>,
}

impl<'a> Steering<'a> {
    fn new(discipline: &'a mut Discipline, verb: &'static str) -> Self {
        Self { discipline, mono: Instant::now(), verb, corrections: 0, failed: None }
    }

    fn event<C: ClockControl>(&mut self, clock: &mut C, event: &Event<MAX_SERVERS>)
    where
        C::Error: std::fmt::Display,
    {
        let now = ntpkit::time::Instant::from_duration(self.mono.elapsed());
        match self.discipline.handle_event(now, event) {
            Ok(Some(c)) => {
                self.corrections += 1;
                println!("{:>8.1} s  {}: {}", self.mono.elapsed().as_secs_f64(), self.verb, describe(&c));
                if let Err(e) = c.apply(clock) {
                    self.failed = Some(e.to_string());
                }
            }
            Ok(None) => {}
            Err(e) => self.failed = Some(e.to_string()),
        }
    }

    /// The loop's error or the first correction that failed, said; `Err` then.
    fn finish(self, result: std::io::Result<()>) -> Result<usize, ExitCode> {
        match result.err().map(|e| e.to_string()).or(self.failed) {
            Some(e) => {
                eprintln!("sync: {e}");
                Err(ExitCode::from(1))
            }
            None => Ok(self.corrections),
        }
    }
}

/// Adds the servers; `None` after saying why.
fn add_servers<C: NtpClock>(
    driver: &mut ClientDriver<C>,
    client: &mut Client<MAX_SERVERS>,
    o: &Options,
) -> Option<()> {
    let config = PeerConfig { min_poll: o.min_poll, max_poll: o.min_poll.max(10), ..PeerConfig::default() };
    for host in &o.hosts {
        let addr = match ntpkit::std_impls::resolve(host, ntpkit::std_impls::NTP_PORT) {
            Ok(addrs) => addrs[0],
            Err(e) => {
                eprintln!("sync: {e}");
                return None;
            }
        };
        if let Err(e) = driver.add_server(client, addr, config) {
            eprintln!("sync: cannot add {addr}: {e}");
            return None;
        }
    }
    Some(())
}

/// Disciplines a software clock and prints what it would do to the system clock.
fn dry_run(o: &Options, discipline: &mut Discipline) -> ExitCode {
    let start = SystemClock::new().now();
    let soft = match SoftClock::new(Monotonic(Instant::now()), 1_000_000_000, 64, start) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sync: {e}");
            return ExitCode::from(1);
        }
    };
    let mut driver = match ClientDriver::with_clock(false, soft) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("sync: cannot open a socket: {e}");
            return ExitCode::from(1);
        }
    };
    // A restored frequency applies from the start (zero otherwise).
    if let Err(e) = ClockControl::set_frequency(driver.wall_mut(), discipline.frequency_ppb()) {
        eprintln!("sync: {e}");
        return ExitCode::from(1);
    }
    let mut client: Client<MAX_SERVERS> = Client::new(ClientConfig::default());
    if add_servers(&mut driver, &mut client, o).is_none() {
        return ExitCode::from(2);
    }
    println!("dry run for {} s: disciplining a software clock; the system clock is not touched", o.seconds);
    let mut steering = Steering::new(discipline, "would apply");
    let mono = steering.mono;
    let system_at_start = std::time::SystemTime::now();
    let result = driver.run_steering(
        &mut client,
        Duration::from_secs(o.seconds),
        &mut ntpkit::exchange::NoAuth,
        |clock, _, event| {
            steering.event(clock, &event);
            if let Event::Timeout { server } = event {
                println!("{:>8.1} s  no answer from server {}", mono.elapsed().as_secs_f64(), server.0);
            }
        },
    );
    let corrections = match steering.finish(result) {
        Ok(n) => n,
        Err(code) => return code,
    };
    let behind = (driver.wall_mut().now() - SystemClock::new().now()).to_nanos();
    println!(
        "after {} s: {corrections} corrections; disciplined clock − system clock {:+.3} ms; \
         frequency {:+.3} ppm ± {:.3} (the system clock's error against the servers, seen through the \
         monotonic clock); steps {}",
        o.seconds,
        behind as f64 / 1e6,
        discipline.frequency_ppb() as f64 / 1e3,
        discipline.uncertainty_ppb() as f64 / 1e3,
        discipline.steps()
    );
    if corrections == 0 {
        println!("no correction: no system update (do the servers answer?)");
        return ExitCode::from(1);
    }
    // The system clock and the monotonic clock only part by a step: someone else (an
    // NTP daemon, a hypervisor resuming a snapshot) stepped the system clock meanwhile.
    let system_elapsed = std::time::SystemTime::now().duration_since(system_at_start).unwrap_or_default();
    let stepped = system_elapsed.as_nanos() as i128 - mono.elapsed().as_nanos() as i128;
    if stepped.abs() > 1_000_000 {
        println!(
            "the system clock was stepped {:+.3} ms from outside during the run: the comparison above includes it",
            stepped as f64 / 1e6
        );
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}

#[cfg(all(feature = "linux-clock", target_os = "linux"))]
fn apply(o: &Options, discipline: &mut Discipline) -> ExitCode {
    use ntpkit::linux_clock::{KernelClock, LinuxClock};
    let system = LinuxClock::realtime();
    if let Err(e) = system.disable_kernel_pll() {
        eprintln!("sync: cannot steer the system clock (CAP_SYS_TIME?): {e}");
        return ExitCode::from(1);
    }
    let mut kernel = match KernelClock::new(system) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("sync: cannot read the system clock's frequency: {e}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = kernel.set_frequency(discipline.frequency_ppb()) {
        eprintln!("sync: cannot set the frequency: {e}");
        return ExitCode::from(1);
    }
    let mut driver = match ClientDriver::new(false) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("sync: cannot open a socket: {e}");
            return ExitCode::from(1);
        }
    };
    let mut client: Client<MAX_SERVERS> = Client::new(ClientConfig::default());
    if add_servers(&mut driver, &mut client, o).is_none() {
        return ExitCode::from(2);
    }
    println!("steering the system clock for {} s", o.seconds);
    let mut steering = Steering::new(discipline, "applied");
    let result = driver.run(&mut client, Duration::from_secs(o.seconds), |_, event| {
        steering.event(&mut kernel, &event);
    });
    if let Err(code) = steering.finish(result) {
        return code;
    }
    println!("frequency {:+.3} ppm, steps {}", discipline.frequency_ppb() as f64 / 1e3, discipline.steps());
    ExitCode::SUCCESS
}

#[cfg(not(all(feature = "linux-clock", target_os = "linux")))]
fn apply(_: &Options, _: &mut Discipline) -> ExitCode {
    eprintln!(
        "sync: --apply needs Linux and the linux-clock feature (cargo run --example sync --features linux-clock)"
    );
    ExitCode::from(2)
}

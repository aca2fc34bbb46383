//! Poll several servers with the full client and print a live peers table in the
//! `ntpq -p` layout, with the system offset and the clock decision. Only reads the
//! clock; never sets it.
//!
//! ```text
//! cargo run --example ntpq_like -- [--fast] [--seconds N] [--min-poll N] HOST[:PORT]...
//! ```
//! `--fast` compresses idle time between polls (loopback servers only), so a few
//! minutes of polling take seconds: for demos against local servers. Without it, each
//! sample and timeout is printed as it happens, and the table once a minute.
//!
//! Tally codes: `*` system peer, `+` selected, `x` rejected by the last selection;
//! blank while no selection has run yet (the clock filter needs a few samples from a
//! majority of the servers first).

#[path = "common/cli.rs"]
mod cli;

use std::process::ExitCode;
use std::time::Duration;

use cli::{Args, CliError, within};
use ntpkit::client::{Client, ClientConfig, Decision, Event, PeerConfig, PeerId, PeerState, SystemUpdate};
use ntpkit::std_impls::ClientDriver;

const MAX_SERVERS: usize = 8;
const USAGE: &str = "[--fast] [--seconds N] [--min-poll 4-17] HOST[:PORT]... (at most 8 servers)";

struct Options {
    fast: bool,
    seconds: Option<u64>,
    min_poll: i8,
    hosts: Vec<String>,
}

fn parse(mut args: Args) -> Result<Options, CliError> {
    let mut options = Options { fast: false, seconds: None, min_poll: 6, hosts: Vec::new() };
    while let Some(arg) = args.next() {
        let arg = arg?;
        match arg.as_str() {
            "--fast" => options.fast = true,
            "--seconds" => {
                options.seconds = Some(args.value("--seconds", "a number of seconds", within(1, 86_400))?)
            }
            "--min-poll" => options.min_poll = args.value("--min-poll", "a poll exponent", within(4, 17))?,
            _ if arg.starts_with('-') => return Err(CliError::UnknownOption(arg)),
            _ => options.hosts.push(arg),
        }
    }
    cli::check_hosts(&options.hosts, MAX_SERVERS)?;
    Ok(options)
}

fn ms(nanos: i64) -> String {
    format!("{:.3}", nanos as f64 / 1e6)
}

fn print_table(client: &Client<MAX_SERVERS>, now: ntpkit::time::Instant, selection_ran: bool) {
    println!("     remote              refid      st t when poll reach   delay   offset  jitter");
    println!("==================================================================================");
    for id in client.servers() {
        let Some(s) = client.peer_stats(id, now) else { continue };
        let tally = match (s.system_peer, s.selected, s.estimate.is_some(), s.state) {
            (_, _, _, PeerState::Denied { .. }) => ' ',
            (true, _, _, _) => '*',
            (false, true, _, _) => '+',
            (false, false, true, _) if s.reach != 0 && selection_ran => 'x',
            _ => ' ',
        };
        let when =
            s.last_sample.map_or("-".to_string(), |t| now.saturating_duration_since(t).as_secs().to_string());
        let refid = s.reference_id.interpret(s.stratum).to_string();
        let (delay, offset, jitter) = s.estimate.map_or(("-".into(), "-".into(), "-".into()), |e| {
            (ms(e.delay.to_nanos()), ms(e.offset.to_nanos()), ms(e.jitter.to_nanos()))
        });
        println!(
            "{tally}{:<21} {:<15} {:>2} u {:>4} {:>4} {:>5o} {:>7} {:>8} {:>7}",
            s.addr.to_string(),
            refid,
            s.stratum.0,
            when,
            1u64 << s.poll,
            s.reach,
            delay,
            offset,
            jitter
        );
    }
}

fn main() -> ExitCode {
    let Options { fast, seconds, min_poll, hosts } = match parse(Args::from_env()) {
        Ok(options) => options,
        Err(e) => return cli::exit("ntpq_like", USAGE, &e),
    };
    let mut driver = match ClientDriver::new(fast) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("ntpq_like: cannot open a socket: {e}");
            return ExitCode::from(1);
        }
    };
    let mut client: Client<MAX_SERVERS> = Client::new(ClientConfig::default());
    let config = PeerConfig { min_poll, max_poll: min_poll.max(10), ..PeerConfig::default() };
    for host in &hosts {
        let addr = match ntpkit::std_impls::resolve(host, ntpkit::std_impls::NTP_PORT) {
            Ok(addrs) => addrs[0],
            Err(e) => {
                eprintln!("ntpq_like: {e}");
                return ExitCode::from(2);
            }
        };
        if let Err(e) = driver.add_server(&mut client, addr, config) {
            let why = if fast && !addr.ip().is_loopback() {
                "--fast polls only servers on this machine"
            } else {
                ""
            };
            eprintln!("ntpq_like: cannot add {addr}: {e} {why}");
            return ExitCode::from(2);
        }
    }
    let run_for = Duration::from_secs(seconds.unwrap_or(if fast { 600 } else { 90 }));
    if !fast {
        println!(
            "polling {} server(s) for {} s; samples as they come, the table once a minute",
            hosts.len(),
            run_for.as_secs()
        );
    }
    let mut last_print: Option<ntpkit::time::Instant> = None;
    let mut last_decision = None;
    let mut samples = 0usize;
    let result = driver.run(&mut client, run_for, |client, event| {
        let now = client.poll_timeout().unwrap_or_default();
        let name =
            |id: PeerId| client.peer_stats(id, now).map_or_else(|| "?".to_string(), |s| s.addr.to_string());
        match &event {
            Event::Sample { server, result } if !fast => {
                samples += 1;
                println!(
                    "sample  {:<22} offset {} ms delay {} ms",
                    name(*server),
                    ms(result.offset_nanos()),
                    ms(result.delay_nanos())
                );
            }
            Event::Sample { .. } => samples += 1,
            Event::Timeout { server } if !fast => println!("timeout {}", name(*server)),
            Event::KissOfDeath { server, code } => println!("kiss    {} {code}", name(*server)),
            _ => {}
        }
        if let Event::Update(u) = event {
            if last_print.is_none_or(|p| now.saturating_duration_since(p) >= Duration::from_secs(60)) {
                last_print = Some(now);
                print_table(client, now, true);
                print_system(client, &u);
            }
            last_decision = Some(u);
        }
    });
    if let Err(e) = result {
        eprintln!("ntpq_like: {e}");
        return ExitCode::from(1);
    }
    let now = driver.now();
    println!("\nfinal:");
    print_table(&client, now, last_decision.is_some());
    match last_decision {
        Some(u) => {
            print_system(&client, &u);
            ExitCode::SUCCESS
        }
        None => {
            let answering = client
                .servers()
                .filter(|&id| client.peer_stats(id, now).is_some_and(|s| s.reach != 0))
                .count();
            if answering == 0 {
                println!("no system update: no server answered");
            } else {
                println!(
                    "no system update yet: {answering} of {} server(s) answered, {samples} sample(s) in {} s; the \
                     clock filter needs a few samples from a majority of the servers (run longer with \
                     --seconds, or use --fast for servers on this machine)",
                    hosts.len(),
                    run_for.as_secs()
                );
            }
            ExitCode::from(1)
        }
    }
}

fn print_system<const N: usize>(client: &Client<N>, u: &SystemUpdate<N>) {
    let decision = match u.decision {
        Decision::Slew(d) => format!("slew {d}"),
        Decision::Step(d) => format!("step {d}"),
        Decision::Panic(d) => format!("panic {d} (not applied)"),
    };
    let now = client.poll_timeout().unwrap_or_default();
    let selected: Vec<String> = u
        .selected
        .iter()
        .map(|&id| client.peer_stats(id, now).map_or_else(|| "?".into(), |s| s.addr.to_string()))
        .collect();
    println!(
        "system offset {} uncertainty {} jitter {} stratum {} leap {} selected [{}] -> {decision}\n",
        u.offset,
        u.uncertainty,
        u.jitter,
        u.stratum,
        u.leap,
        selected.join(", ")
    );
}

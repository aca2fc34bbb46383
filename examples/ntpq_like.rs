//! Poll several servers with the full client and print a live peers table in the
//! `ntpq -p` layout, with the system offset and the clock decision. Only reads the
//! clock; never sets it.
//!
//! ```text
//! cargo run --example ntpq_like -- [--fast] [--seconds N] [--min-poll N] HOST[:PORT]...
//! ```
//! `--fast` compresses idle time between polls (loopback servers only), so a few
//! minutes of polling take seconds: for demos against local servers.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use ntpkit::client::{Client, ClientConfig, Decision, Event, PeerConfig, PeerId, PeerState};
use ntpkit::std_impls::ClientDriver;

const MAX_SERVERS: usize = 8;

fn usage() -> ExitCode {
    eprintln!("usage: ntpq_like [--fast] [--seconds N] [--min-poll 4-17] HOST[:PORT]...");
    ExitCode::from(2)
}

fn resolve(host: &str) -> Option<SocketAddr> {
    if let Ok(addr) = host.parse::<SocketAddr>() {
        return Some(addr);
    }
    let with_port = if host.contains(':') { host.to_string() } else { format!("{host}:123") };
    with_port.to_socket_addrs().ok()?.next()
}

fn ms(nanos: i64) -> String {
    format!("{:.3}", nanos as f64 / 1e6)
}

fn print_table(client: &Client<MAX_SERVERS>, now: ntpkit::time::Instant) {
    println!("     remote              refid      st t when poll reach   delay   offset  jitter");
    println!("==================================================================================");
    for id in client.servers() {
        let Some(s) = client.peer_stats(id, now) else { continue };
        let tally = match (s.system_peer, s.selected, s.estimate.is_some(), s.state) {
            (_, _, _, PeerState::Denied { .. }) => ' ',
            (true, _, _, _) => '*',
            (false, true, _, _) => '+',
            (false, false, true, _) if s.reach != 0 => 'x',
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
    let mut fast = false;
    let mut seconds = None;
    let mut min_poll = 6i8;
    let mut hosts = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--fast" => fast = true,
            "--seconds" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) => seconds = Some(n),
                None => return usage(),
            },
            "--min-poll" => match args.next().and_then(|v| v.parse().ok()) {
                Some(n) => min_poll = n,
                None => return usage(),
            },
            _ if arg.starts_with("--") => return usage(),
            _ => hosts.push(arg),
        }
    }
    if hosts.is_empty() || hosts.len() > MAX_SERVERS {
        return usage();
    }
    let mut driver = match ClientDriver::new(fast) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot open sockets: {e}");
            return ExitCode::from(1);
        }
    };
    let mut client: Client<MAX_SERVERS> = Client::new(ClientConfig::default());
    let config = PeerConfig { min_poll, max_poll: min_poll.max(10), ..PeerConfig::default() };
    for host in &hosts {
        let added = resolve(host).ok_or("cannot resolve").and_then(|a| {
            driver.add_server(&mut client, a, config).map_err(|_| "cannot add (non-loopback with --fast?)")
        });
        if let Err(e) = added {
            eprintln!("{host}: {e}");
            return ExitCode::from(2);
        }
    }
    let run_for = Duration::from_secs(seconds.unwrap_or(if fast { 600 } else { 90 }));
    let mut last_print: Option<ntpkit::time::Instant> = None;
    let mut last_decision = None;
    let result = driver.run(&mut client, run_for, |client, event| {
        if let Event::Update(u) = event {
            last_decision = Some(u.clone());
            let t = client.poll_timeout().unwrap_or_default();
            if last_print.is_none_or(|p| t.saturating_duration_since(p) >= Duration::from_secs(60)) {
                last_print = Some(t);
                print_table(client, t);
                print_system(&u);
            }
        }
    });
    if let Err(e) = result {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let now = driver.now();
    println!("\nfinal:");
    print_table(&client, now);
    match last_decision {
        Some(u) => {
            print_system(&u);
            ExitCode::SUCCESS
        }
        None => {
            println!("no system update: not enough servers agreed");
            ExitCode::from(1)
        }
    }
}

fn print_system<const N: usize>(u: &ntpkit::client::SystemUpdate<N>) {
    let decision = match u.decision {
        Decision::Slew(d) => format!("slew {d}"),
        Decision::Step(d) => format!("step {d}"),
        Decision::Panic(d) => format!("panic {d} (not applied)"),
    };
    let selected: Vec<String> = u.selected.iter().map(|PeerId(i)| i.to_string()).collect();
    println!(
        "system offset {} uncertainty {} jitter {} stratum {} leap {} selected [{}] -> {decision}\n",
        u.offset,
        u.uncertainty,
        u.jitter,
        u.stratum,
        u.leap,
        selected.join(",")
    );
}

//! ntpkit on tokio: the one-line query, then the multi-server client.
//!
//! ```text
//! cargo run -p ntpkit-tokio --example tokio_client -- [--fast] [--seconds N] HOST[:PORT]...
//! ```
//! Asks the first host once (`query`), then runs `Client<4>` on every host for
//! `--seconds` (default 300) and prints each update. `--fast` skips the idle time
//! between polls (servers on this machine only). Exit status 0 when an update came.

use std::process::ExitCode;
use std::time::Duration;

use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};

const USAGE: &str = "usage: tokio_client [--fast] [--seconds N] HOST[:PORT]...";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (mut fast, mut seconds, mut hosts) = (false, 300u64, Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--fast" => fast = true,
            "--seconds" => match args.next().and_then(|s| s.parse().ok()) {
                Some(n) => seconds = n,
                None => return usage("--seconds needs a number of seconds"),
            },
            "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if hosts.len() == 4 => return usage("at most 4 hosts"),
            host => hosts.push(host.to_string()),
        }
    }
    let Some(first) = hosts.first() else { return usage("no host given") };

    // One line: resolve, try the addresses, validate.
    match ntpkit_tokio::query(first).await {
        Ok(sample) => println!("query {first}: offset {} delay {}", sample.offset(), sample.delay()),
        Err(e) => println!("query {first}: {e}"),
    }

    // The whole client.
    let mut driver = match ntpkit_tokio::driver().await {
        Ok(d) if fast => d.fast_forward(),
        Ok(d) => d,
        Err(e) => return usage(&format!("cannot open a socket: {e}")),
    };
    let mut client: Client<4> = Client::new(ClientConfig::default());
    for host in &hosts {
        let added = match ntpkit_tokio::resolve(host).await {
            Ok(addrs) => {
                driver.add_server(&mut client, addrs[0], PeerConfig::default()).map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = added {
            return usage(&format!("{host}: {e}"));
        }
    }
    let mut updates = 0;
    let ran = driver
        .run(&mut client, Duration::from_secs(seconds), |_, event| {
            if let Event::Update(update) = event {
                updates += 1;
                println!(
                    "update: offset {} jitter {} {} selected, {:?}",
                    update.offset,
                    update.jitter,
                    update.selected.len(),
                    update.decision
                );
            }
        })
        .await;
    if let Err(e) = ran {
        eprintln!("tokio_client: {e}");
        return ExitCode::from(1);
    }
    println!("after {seconds} s: {updates} updates");
    if updates > 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn usage(why: &str) -> ExitCode {
    eprintln!("tokio_client: {why}\n{USAGE}");
    ExitCode::from(2)
}

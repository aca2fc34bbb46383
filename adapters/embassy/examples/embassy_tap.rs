//! ntpkit on embassy-net: the network stack and executor a firmware runs, here on the
//! host over a Linux TAP device (`embassy-net-tuntap`), talking to a real NTP server on
//! the other side of the link. The code between the markers is what a firmware writes;
//! only the device (`TunTapDevice`) and the nonce source differ on a board.
//!
//! ```text
//! # as root; adapters/tap-chronyd.sh makes a network namespace with tap0 and chronyd
//! # on 192.168.69.100 (nothing leaves it):
//! cargo build -p ntpkit-embassy --example embassy_tap
//! bash adapters/tap-chronyd.sh target/debug/examples/embassy_tap 192.168.69.100:123 15
//! ```
//! Prints each sample and update and a tally; exit status 0 when an update came.

use std::net::SocketAddr;
use std::time::SystemTime;

use embassy_executor::Executor;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use embassy_net::{Config, Ipv4Address, Ipv4Cidr, Runner, Stack, StackResources, StaticConfigV4};
use embassy_net_tuntap::TunTapDevice;
use ntpkit::NtpTimestamp;
use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::exchange::NoAuth;
use ntpkit::std_impls::StdNonces;
use ntpkit_embassy::EmbassyClock;

/// What the client task is asked to do, and told about each event.
pub struct Job {
    /// The NTP server.
    pub server: SocketAddr,
    /// How long to run.
    pub seconds: u64,
    /// Called with each event (after it is printed); returns false to fail the run.
    pub check: fn(&Event<1>) -> bool,
}

#[allow(dead_code)] // the test includes this file as a module and runs `run` itself
fn main() {
    let mut args = std::env::args().skip(1);
    let server = args.next().and_then(|s| s.parse().ok());
    let seconds = args.next().map_or(Some(15), |s| s.parse().ok());
    let (Some(server), Some(seconds)) = (server, seconds) else {
        eprintln!("usage: embassy_tap SERVER:PORT [SECONDS]");
        std::process::exit(2);
    };
    run(Job { server, seconds, check: |_| true })
}

/// Runs the stack on `tap0` (192.168.69.1/24) and the client until the job is done;
/// exits the process (status 0 when every event passed the check and an update came).
pub fn run(job: Job) -> ! {
    let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    let job: &'static Job = Box::leak(Box::new(job));
    executor.run(|spawner| {
        let device = TunTapDevice::new("tap0").expect("open tap0 (root, and the device must exist)");
        // --- firmware: the stack, as on a board ---
        let config = Config::ipv4_static(StaticConfigV4 {
            address: Ipv4Cidr::new(Ipv4Address::new(192, 168, 69, 1), 24),
            gateway: None,
            dns_servers: Default::default(),
        });
        let resources: &'static mut StackResources<2> = Box::leak(Box::new(StackResources::new()));
        let (stack, runner) = embassy_net::new(device, config, resources, 0x5eed);
        spawner.spawn(net_task(runner).unwrap());
        spawner.spawn(ntp_task(stack, job).unwrap());
    })
}

#[embassy_executor::task]
async fn net_task(mut runner: Runner<'static, TunTapDevice>) -> ! {
    runner.run().await
}

#[embassy_executor::task]
async fn ntp_task(stack: Stack<'static>, job: &'static Job) {
    stack.wait_config_up().await;
    let rx_meta: &'static mut [PacketMetadata; 4] = Box::leak(Box::new([PacketMetadata::EMPTY; 4]));
    let tx_meta: &'static mut [PacketMetadata; 4] = Box::leak(Box::new([PacketMetadata::EMPTY; 4]));
    let rx: &'static mut [u8; 2048] = Box::leak(Box::new([0; 2048]));
    let tx: &'static mut [u8; 2048] = Box::leak(Box::new([0; 2048]));
    // --- firmware: the NTP client ---
    let mut socket = UdpSocket::new(stack, rx_meta, rx, tx_meta, tx);
    socket.bind(49_123).unwrap();
    // The time believed at start (a board's RTC or build date; here the system time,
    // so chronyd, serving this machine's clock, finds it within the round trip).
    let clock = EmbassyClock::new(NtpTimestamp::from_system_time(SystemTime::now()).unwrap()).unwrap();
    let mut driver = ntpkit_embassy::driver(socket, clock, StdNonces::new()); // a board: its RNG
    let mut client: Client<1> = Client::new(ClientConfig::default());
    driver.add_server(&mut client, job.server, PeerConfig::default()).unwrap();
    let (mut samples, mut updates, mut failed) = (0u32, 0u32, 0u32);
    let duration = core::time::Duration::from_secs(job.seconds);
    let ran = driver
        .run_steering(&mut client, duration, &mut NoAuth, |clock, _, event| {
            match &event {
                Event::Sample { server, result } => {
                    samples += 1;
                    println!(
                        "sample from server {}: offset {} delay {}",
                        server.0,
                        result.offset(),
                        result.delay()
                    );
                }
                Event::Update(update) => {
                    updates += 1;
                    println!("update: offset {} {:?}", update.offset, update.decision);
                    let _ = update.decision.apply(clock); // steer the embassy clock
                }
                other => println!("{other:?}"),
            }
            if !(job.check)(&event) {
                failed += 1;
            }
        })
        .await;
    // --- end of the firmware part ---
    let oversized = driver.transport_mut().oversized();
    println!(
        "embassy-net: {samples} samples, {updates} updates, {failed} failed checks, {oversized} oversized dropped, run {ran:?}"
    );
    std::process::exit(if ran.is_ok() && updates > 0 && failed == 0 { 0 } else { 1 });
}

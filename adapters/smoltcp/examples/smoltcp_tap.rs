//! ntpkit's client on smoltcp over a Linux TAP device: the network stack a firmware
//! would run, here on the host, talking to a real NTP server on the other side of the
//! TAP link.
//!
//! ```text
//! # as root, in a network namespace of its own (nothing leaves it):
//! unshare --net bash -c '
//!   ip link set lo up; ip tuntap add tap0 mode tap; ip link set tap0 up
//!   ip addr add 192.168.69.100/24 dev tap0          # the server side
//!   chronyd -x ... "bindaddress 192.168.69.100" "allow 192.168.69.0/24" &
//!   cargo run -p ntpkit-smoltcp --example smoltcp_tap -- --seconds 20 192.168.69.100:123'
//! ```
//! smoltcp takes 192.168.69.1/24 on `tap0` (`--tap`, `--ip` to change). Prints each
//! sample and update; exit status 0 when an update came.

use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::time::Instant as StdInstant;

use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::std_impls::{StdNonces, SystemClock};
use ntpkit_smoltcp::{instant, poll_client};
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::phy::{Medium, TunTapInterface, wait};
use smoltcp::socket::udp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, IpCidr};

const USAGE: &str = "usage: smoltcp_tap [--tap NAME] [--ip A.B.C.D/N] [--seconds N] SERVER:PORT...";

fn main() -> ExitCode {
    let (mut tap, mut ip, mut seconds, mut servers) =
        ("tap0".to_string(), "192.168.69.1/24".to_string(), 20u64, vec![]);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let parsed = match arg.as_str() {
            "--tap" => value("--tap").map(|v| tap = v),
            "--ip" => value("--ip").map(|v| ip = v),
            "--seconds" => value("--seconds")
                .and_then(|v| v.parse().map_err(|_| format!("--seconds {v}: not a number")))
                .map(|n| seconds = n),
            "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            server => match server.parse() {
                Ok(addr) if servers.len() < 4 => {
                    servers.push(addr);
                    Ok(())
                }
                _ => Err(format!("{server}: not an address:port (at most 4)")),
            },
        };
        if let Err(why) = parsed {
            return usage(&why);
        }
    }
    let Ok(cidr) = ip.parse::<IpCidr>() else { return usage(&format!("{ip}: not an address/prefix")) };
    if servers.is_empty() {
        return usage("no server given");
    }

    // The stack: a TAP device, an Ethernet interface, one UDP socket.
    let mut device = match TunTapInterface::new(&tap, Medium::Ethernet) {
        Ok(d) => d,
        Err(e) => return usage(&format!("cannot open {tap}: {e} (root, and the device must exist)")),
    };
    let origin = StdInstant::now();
    let now = || Instant::from_micros(origin.elapsed().as_micros() as i64);
    let config = Config::new(EthernetAddress([0x02, 0, 0, 0, 0, 0x01]).into());
    let mut iface = Interface::new(config, &mut device, now());
    iface.update_ip_addrs(|addrs| addrs.push(cidr).unwrap());
    let buffer = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 8], vec![0; 8 * 1024]);
    let mut socket = udp::Socket::new(buffer(), buffer());
    socket.bind(49_123).unwrap();
    let mut sockets = SocketSet::new(vec![]);
    let handle = sockets.add(socket);

    // The client, on the system clock (a firmware would use its SoftClock).
    let (mut wall, mut nonces) = (SystemClock::new(), StdNonces::new());
    let mut client: Client<4> = Client::new(ClientConfig::default());
    for &server in &servers {
        client.add_server(instant(now()), server, PeerConfig::default(), &mut nonces).unwrap();
    }
    let end = now() + Duration::from_secs(seconds);
    let (mut samples, mut updates) = (0, 0);
    while now() < end {
        iface.poll(now(), &mut device, &mut sockets);
        let socket = sockets.get_mut::<udp::Socket>(handle);
        let next = match poll_client(&mut client, socket, now(), &mut wall, &mut nonces) {
            Ok(next) => next,
            Err(e) => {
                eprintln!("smoltcp_tap: {e}");
                return ExitCode::from(1);
            }
        };
        while let Some(event) = client.poll_event() {
            match event {
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
                    println!(
                        "update: offset {} {} selected, {:?}",
                        update.offset,
                        update.selected.len(),
                        update.decision
                    );
                }
                other => println!("{other:?}"),
            }
        }
        // Sleep until the client's next timer, the stack's, or a datagram.
        iface.poll(now(), &mut device, &mut sockets);
        let t = now();
        let stack = iface.poll_delay(t, &sockets);
        let client_wait = next.map(|at| if at > t { at - t } else { Duration::ZERO });
        let delay = [stack, client_wait, Some(end - t)].into_iter().flatten().min();
        let _ = wait(device.as_raw_fd(), delay);
    }
    println!("after {seconds} s: {samples} samples, {updates} updates");
    if updates > 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn usage(why: &str) -> ExitCode {
    eprintln!("smoltcp_tap: {why}\n{USAGE}");
    ExitCode::from(2)
}

//! An ntpkit client and an ntpkit server, each on its own smoltcp UDP socket of one
//! interface over smoltcp's loopback device, on a virtual clock: the client polls,
//! the server answers through the stack, and the client reaches an update that finds
//! the server's +50 ms exactly. Then the same with IPv6 (feature `ipv6`).

use ntpkit::client::{Client, ClientConfig, Decision, Event, PeerConfig};
use ntpkit::server::ServerState;
use ntpkit::traits::NtpClock;
use ntpkit::{LeapIndicator, NtpDuration, NtpTimestamp, Stratum};
use ntpkit_smoltcp::{PollError, instant, poll_client, poll_server};
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::phy::{Loopback, Medium};
use smoltcp::socket::udp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr};

#[path = "../../../tests/common/rng.rs"]
mod rng;

/// A wall clock at `base` + the virtual time + `ahead`.
struct Wall<'a> {
    time: &'a std::cell::Cell<Instant>,
    ahead_ns: i64,
}

impl NtpClock for Wall<'_> {
    fn now(&mut self) -> NtpTimestamp {
        let ns = self.time.get().total_micros() * 1000 + self.ahead_ns;
        NtpTimestamp::from_parts(0xeeac_e73b, 0) + NtpDuration::from_nanos(ns).unwrap()
    }
}

fn socket(port: u16) -> udp::Socket<'static> {
    let buffer = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 8], vec![0; 4096]);
    let mut s = udp::Socket::new(buffer(), buffer());
    s.bind(port).unwrap();
    s
}

/// Runs client and server over the loopback interface whose address is `own`, with
/// the server at `server` (an address of the interface), until the first update.
fn first_update(own: IpCidr, server: &str) -> (ntpkit::client::SystemUpdate<1>, usize) {
    let time = std::cell::Cell::new(Instant::from_secs(1));
    let mut device = Loopback::new(Medium::Ethernet);
    let config = Config::new(EthernetAddress([0x02, 0, 0, 0, 0, 0x01]).into());
    let mut iface = Interface::new(config, &mut device, time.get());
    iface.update_ip_addrs(|addrs| addrs.push(own).unwrap());
    let mut sockets = SocketSet::new(vec![]);
    let (client_handle, server_handle) = (sockets.add(socket(49_123)), sockets.add(socket(123)));

    let mut client_wall = Wall { time: &time, ahead_ns: 0 };
    let mut server_wall = Wall { time: &time, ahead_ns: 50_000_000 };
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(1),
        reference_id: ntpkit::ReferenceId(*b"GPS\0"),
        reference_timestamp: server_wall.now(),
        ..ServerState::default()
    };
    let mut nonces = rng::Rng(0x9e37_79b9_7f4a_7c15);
    let mut client: Client<1> = Client::new(ClientConfig::default());
    client
        .add_server(instant(time.get()), server.parse().unwrap(), PeerConfig::default(), &mut nonces)
        .unwrap();
    let mut answered = 0;
    for _ in 0..10_000 {
        // A few rounds at each instant: the loopback device hands a packet over on the
        // poll after the one that sent it, so request, reply and its delivery each take
        // one (a real device would wake the loop with an interrupt).
        let mut next = None;
        for _ in 0..8 {
            iface.poll(time.get(), &mut device, &mut sockets);
            answered += poll_server(sockets.get_mut::<udp::Socket>(server_handle), &state, &mut server_wall);
            let socket = sockets.get_mut::<udp::Socket>(client_handle);
            next = poll_client(&mut client, socket, time.get(), &mut client_wall, &mut nonces).unwrap();
        }
        while let Some(event) = client.poll_event() {
            if let Event::Update(update) = event {
                return (update, answered);
            }
        }
        // On to the next timer (the stack's or the client's), at least 1 ms.
        let stack = iface.poll_delay(time.get(), &sockets);
        let client_wait = next.map(|at| at - time.get());
        let step = [stack, client_wait].into_iter().flatten().min().unwrap_or(Duration::from_millis(1));
        time.set(time.get() + step.max(Duration::from_millis(1)));
    }
    panic!("no update; {answered} replies sent");
}

#[test]
fn client_and_server_on_smoltcp_loopback_reach_an_update() {
    let mut cases = vec![(IpCidr::new(IpAddress::v4(127, 0, 0, 1), 8), "127.0.0.1:123")];
    if cfg!(feature = "ipv6") {
        cases.push((IpCidr::new(IpAddress::v6(0xfd00, 0, 0, 0, 0, 0, 0, 1), 64), "[fd00::1]:123"));
    }
    for (own, server) in cases {
        let (update, answered) = first_update(own, server);
        assert!(answered >= 1, "{server}: the server answered nothing");
        // No time passes in the stack, so the offset is the server's +50 ms exactly
        // (to the 2^-32 s unit of the wire format).
        let Decision::Slew(offset) = update.decision else { panic!("{server}: {update:?}") };
        assert!((offset.to_nanos() - 50_000_000).abs() <= 1, "{server}: {offset}");
        assert_eq!(update.stratum, Stratum(2), "{server}");
    }
}

#[test]
fn g7_an_ipv6_server_without_the_feature_is_named() {
    // The test build enables smoltcp's proto-ipv6 but the crate's `ipv6` feature only
    // when asked; without it an IPv6 server is refused by name, not dropped silently.
    if cfg!(feature = "ipv6") {
        return;
    }
    let mut client: Client<1> = Client::new(ClientConfig::default());
    let mut nonces = || 7u64;
    let server = "[fd00::1]:123".parse().unwrap();
    client.add_server(instant(Instant::from_secs(1)), server, PeerConfig::default(), &mut nonces).unwrap();
    let mut s = socket(49_124);
    let mut wall = || NtpTimestamp::from_parts(0xeeac_e73b, 0);
    struct F<'a>(&'a mut dyn FnMut() -> NtpTimestamp);
    impl NtpClock for F<'_> {
        fn now(&mut self) -> NtpTimestamp {
            (self.0)()
        }
    }
    let got = poll_client(&mut client, &mut s, Instant::from_secs(2), &mut F(&mut wall), &mut nonces);
    assert_eq!(got, Err(PollError::Unaddressable(server)));
}

//! The baseline's stack with ntpkit's `Client<4>` on it through `ntpkit-embassy`: the
//! async driver, the transport, and an `EmbassyClock` stepped by the client's decisions.
#![no_std]
#![no_main]

use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use core::ptr::{addr_of, read_volatile};

use embassy_futures::join::join;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use ntpkit::NtpTimestamp;
use ntpkit::client::{Client, ClientConfig, Event, PeerConfig};
use ntpkit::exchange::NoAuth;
use ntpkit_embassy::EmbassyClock;
use ntpkit_embassy_size::{Frames, Resources, config};

static mut ENTROPY: u64 = 0;

#[cortex_m_rt::entry]
fn main() -> ! {
    let mut resources = Resources::new();
    let (stack, mut runner) = embassy_net::new(Frames, config(), &mut resources, 1);
    let (mut rx_meta, mut tx_meta) = ([PacketMetadata::EMPTY; 4], [PacketMetadata::EMPTY; 4]);
    let (mut rx, mut tx) = ([0u8; 1200], [0u8; 1200]);
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx, &mut tx_meta, &mut tx);
    let _ = socket.bind(49_123);
    let app = async {
        let Ok(clock) = EmbassyClock::new(NtpTimestamp::from_parts(0xeeac_e73b, 0)) else { return };
        // SAFETY: plain read of a static; single-threaded harness.
        let nonces = || unsafe { read_volatile(addr_of!(ENTROPY)) };
        let mut driver = ntpkit_embassy::driver(socket, clock, nonces);
        let mut client: Client<4> = Client::new(ClientConfig::default());
        for i in 1..=4 {
            let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(192, 168, 69, 99 + i), 123));
            let _ = driver.add_server(&mut client, addr, PeerConfig::default());
        }
        let _ = driver
            .run_steering(&mut client, core::time::Duration::MAX, &mut NoAuth, |clock, _, event| {
                if let Event::Update(update) = event {
                    let _ = update.decision.apply(clock);
                }
            })
            .await;
    };
    embassy_futures::block_on(join(runner.run(), app));
    loop {}
}

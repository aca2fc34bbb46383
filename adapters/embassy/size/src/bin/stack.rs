//! The baseline: embassy-net with one UDP socket that sends a datagram and waits for
//! one with a timeout — what any firmware on embassy-net pays before NTP.
#![no_std]
#![no_main]

use embassy_futures::join::join;
use embassy_net::udp::{PacketMetadata, UdpSocket};
use ntpkit_embassy_size::{Frames, Resources, config};

#[cortex_m_rt::entry]
fn main() -> ! {
    let mut resources = Resources::new();
    let (stack, mut runner) = embassy_net::new(Frames, config(), &mut resources, 1);
    let (mut rx_meta, mut tx_meta) = ([PacketMetadata::EMPTY; 4], [PacketMetadata::EMPTY; 4]);
    let (mut rx, mut tx) = ([0u8; 1200], [0u8; 1200]);
    let mut socket = UdpSocket::new(stack, &mut rx_meta, &mut rx, &mut tx_meta, &mut tx);
    let _ = socket.bind(49_123);
    let app = async {
        let mut buf = [0u8; 1097];
        loop {
            let _ = socket.send_to(&buf[..48], (Ipv4(192, 168, 69, 100), 123)).await;
            let got = embassy_time::with_timeout(embassy_time::Duration::from_secs(1), socket.recv_from(&mut buf)).await;
            if let Ok(Ok((n, _))) = got {
                buf[0] = n as u8;
            }
        }
    };
    embassy_futures::block_on(join(runner.run(), app));
    loop {}
}

#[allow(non_snake_case)]
fn Ipv4(a: u8, b: u8, c: u8, d: u8) -> embassy_net::IpAddress {
    embassy_net::IpAddress::Ipv4(embassy_net::Ipv4Address::new(a, b, c, d))
}

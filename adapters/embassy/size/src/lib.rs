//! What both size binaries share: an embassy-net stack over a network driver whose
//! frames come from and go to `static` cells (volatile, so nothing is folded away), a
//! time driver over a volatile counter, and a panic handler. The flash delta of
//! `stack_client4` over `stack` is ntpkit's: `Client<4>`, the async driver, the
//! embassy transport and clock.
#![no_std]

use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};
use core::task::{Context, Waker};

use embassy_net::{Config, Ipv4Address, Ipv4Cidr, StackResources, StaticConfigV4};
use embassy_net_driver::{Capabilities, HardwareAddress, LinkState};

static mut FRAME_IN: [u8; 1514] = [0; 1514];
static mut FRAME_IN_LEN: usize = 0;
static mut FRAME_OUT: [u8; 1514] = [0; 1514];
static mut TICKS: u64 = 0;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// The time driver: a counter a debugger (or an interrupt) would advance.
struct Ticks;

impl embassy_time_driver::Driver for Ticks {
    fn now(&self) -> u64 {
        // SAFETY: plain read of a static; single-threaded harness.
        unsafe { read_volatile(addr_of!(TICKS)) }
    }
    fn schedule_wake(&self, _at: u64, waker: &Waker) {
        waker.wake_by_ref();
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: Ticks = Ticks);

/// A network driver over the static frame cells.
pub struct Frames;

/// Hands one received frame over.
pub struct Rx;
/// Takes one frame to send.
pub struct Tx;

impl embassy_net_driver::RxToken for Rx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, f: F) -> R {
        // SAFETY: single-threaded harness; the cell is only touched here.
        let frame = unsafe { &mut *addr_of_mut!(FRAME_IN) };
        let len = unsafe { read_volatile(addr_of!(FRAME_IN_LEN)) }.min(frame.len());
        f(&mut frame[..len])
    }
}

impl embassy_net_driver::TxToken for Tx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        // SAFETY: single-threaded harness; the cell is only touched here.
        let frame = unsafe { &mut *addr_of_mut!(FRAME_OUT) };
        let r = f(&mut frame[..len.min(1514)]);
        unsafe { write_volatile(addr_of_mut!(FRAME_OUT).cast::<u8>(), frame[0]) };
        r
    }
}

impl embassy_net_driver::Driver for Frames {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx;
    fn receive(&mut self, _: &mut Context) -> Option<(Rx, Tx)> {
        // SAFETY: plain read of a static; single-threaded harness.
        (unsafe { read_volatile(addr_of!(FRAME_IN_LEN)) } > 0).then_some((Rx, Tx))
    }
    fn transmit(&mut self, _: &mut Context) -> Option<Tx> {
        Some(Tx)
    }
    fn link_state(&mut self, _: &mut Context) -> LinkState {
        LinkState::Up
    }
    fn capabilities(&self) -> Capabilities {
        let mut c = Capabilities::default();
        c.max_transmission_unit = 1514;
        c
    }
    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ethernet([2, 0, 0, 0, 0, 1])
    }
}

/// The stack's configuration: 192.168.69.1/24.
pub fn config() -> Config {
    Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(192, 168, 69, 1), 24),
        gateway: None,
        dns_servers: Default::default(),
    })
}

/// Stack resources for two sockets.
pub type Resources = StackResources<2>;

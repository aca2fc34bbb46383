//! The I/O every size binary performs, baseline included, so that the flash delta of a
//! binary over `baseline` is the NTP code alone.
//!
//! Inputs come from `static` cells read with `read_volatile` (a debugger could write
//! them) and results go out with `write_volatile`, so the optimizer can neither
//! constant-fold the exchange nor drop it.
#![no_std]

use core::ptr::{addr_of, addr_of_mut, read_volatile, write_volatile};

static mut RX: [u8; 48] = [0; 48];
static mut TX: [u8; 48] = [0; 48];
static mut CLOCK_SECONDS: u64 = 0;
static mut CLOCK_MICROS: u32 = 0;
static mut ENTROPY: u64 = 0;
static mut RESULTS: [u64; 4] = [0; 4];

/// Copies the "received" datagram into `buf`; returns its length (48).
#[inline(never)]
pub fn receive(buf: &mut [u8; 48]) -> usize {
    for (i, b) in buf.iter_mut().enumerate() {
        // SAFETY: i < 48, the size of RX; single-threaded harness.
        *b = unsafe { read_volatile(addr_of!(RX).cast::<u8>().add(i)) };
    }
    buf.len()
}

/// "Sends" a datagram.
#[inline(never)]
pub fn send(buf: &[u8; 48]) {
    for (i, b) in buf.iter().enumerate() {
        // SAFETY: i < 48, the size of TX; single-threaded harness.
        unsafe { write_volatile(addr_of_mut!(TX).cast::<u8>().add(i), *b) };
    }
}

static mut RX_MAC: [u8; 68] = [0; 68];
static mut TX_MAC: [u8; 68] = [0; 68];

/// [`receive`] for a datagram with a 20-byte MAC trailer (68 bytes).
#[inline(never)]
pub fn receive_signed(buf: &mut [u8; 68]) -> usize {
    for (i, b) in buf.iter_mut().enumerate() {
        // SAFETY: i < 68, the size of RX_MAC; single-threaded harness.
        *b = unsafe { read_volatile(addr_of!(RX_MAC).cast::<u8>().add(i)) };
    }
    buf.len()
}

/// [`send`] for a datagram with a 20-byte MAC trailer (68 bytes).
#[inline(never)]
pub fn send_signed(buf: &[u8; 68]) {
    for (i, b) in buf.iter().enumerate() {
        // SAFETY: i < 68, the size of TX_MAC; single-threaded harness.
        unsafe { write_volatile(addr_of_mut!(TX_MAC).cast::<u8>().add(i), *b) };
    }
}

/// The largest NTP packet ntpkit handles (48 + 1024 + 24 bytes).
pub const NTS_LEN: usize = 1096;
static mut RX_NTS: [u8; NTS_LEN] = [0; NTS_LEN];
static mut TX_NTS: [u8; NTS_LEN] = [0; NTS_LEN];
static mut RX_NTS_LEN: usize = 0;

/// [`receive`] for an NTS datagram of up to [`NTS_LEN`] bytes; returns its length.
#[inline(never)]
pub fn receive_nts(buf: &mut [u8; NTS_LEN]) -> usize {
    for (i, b) in buf.iter_mut().enumerate() {
        // SAFETY: i < NTS_LEN, the size of RX_NTS; single-threaded harness.
        *b = unsafe { read_volatile(addr_of!(RX_NTS).cast::<u8>().add(i)) };
    }
    // SAFETY: plain read of a static; single-threaded harness.
    unsafe { read_volatile(addr_of!(RX_NTS_LEN)) }.min(NTS_LEN)
}

/// [`send`] for an NTS datagram of `len` bytes.
#[inline(never)]
pub fn send_nts(buf: &[u8; NTS_LEN], len: usize) {
    for (i, b) in buf.iter().enumerate().take(len) {
        // SAFETY: i < NTS_LEN, the size of TX_NTS; single-threaded harness.
        unsafe { write_volatile(addr_of_mut!(TX_NTS).cast::<u8>().add(i), *b) };
    }
}

/// The wall clock as Unix seconds and microseconds, as a typical RTC driver gives it.
pub fn clock() -> (u64, u32) {
    // SAFETY: plain reads of statics; single-threaded harness.
    unsafe { (read_volatile(addr_of!(CLOCK_SECONDS)), read_volatile(addr_of!(CLOCK_MICROS))) }
}

/// 64 bits from the "hardware random number generator".
pub fn entropy() -> u64 {
    // SAFETY: plain read of a static; single-threaded harness.
    unsafe { read_volatile(addr_of!(ENTROPY)) }
}

/// Publishes result `i` (0..4).
pub fn publish(i: usize, value: u64) {
    // SAFETY: the index is masked into 0..4, the length of RESULTS.
    unsafe { write_volatile(addr_of_mut!(RESULTS).cast::<u64>().add(i & 3), value) };
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Declares the reset entry for whichever runtime crate the target uses.
#[macro_export]
macro_rules! entry {
    ($main:ident) => {
        #[cfg(target_arch = "arm")]
        #[cortex_m_rt::entry]
        fn reset() -> ! {
            $main()
        }
        #[cfg(target_arch = "riscv32")]
        #[riscv_rt::entry]
        fn reset() -> ! {
            $main()
        }
    };
}

//! # ntpkit
//!
//! A sans-IO, `#![no_std]`, allocation-free implementation of the Network Time Protocol
//! (NTPv4, RFC 5905; SNTP, RFC 4330): exact time types and the packet wire format.
//! The crate never opens a socket and never reads or sets a clock: you hand it bytes and
//! timestamps, it hands back values and bytes.
//!
//! ```
//! use ntpkit::{LeapIndicator, Mode, NtpTimestamp, Packet, PacketView, Stratum, UnixTime};
//!
//! // A reply captured from chronyd 4.3 on loopback (48 bytes, NTPv4, mode 4, stratum 8).
//! let reply: [u8; 48] = [
//!     0x24, 0x08, 0x00, 0xe6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
//!     0x7f, 0x7f, 0x01, 0x01, 0xee, 0xac, 0xe7, 0x39, 0xaf, 0x8a, 0x00, 0xec,
//!     0x3c, 0x5d, 0x45, 0x08, 0x8d, 0x88, 0x4d, 0xff, 0xee, 0xac, 0xe7, 0x3b,
//!     0x35, 0xbe, 0x9a, 0x1b, 0xee, 0xac, 0xe7, 0x3b, 0x35, 0xc2, 0x88, 0x72,
//! ];
//! let packet = Packet::parse(&reply)?;
//! assert_eq!(packet.mode, Mode::Server);
//! assert_eq!(packet.stratum, Stratum(8));
//! assert_eq!(packet.leap, LeapIndicator::NoWarning);
//! assert_eq!(packet.origin_timestamp, NtpTimestamp::from_bits(0x3c5d_4508_8d88_4dff));
//!
//! // Era-less arithmetic: the server held the request for T3 - T2.
//! let held = packet.transmit_timestamp - packet.receive_timestamp;
//! assert_eq!(held.to_nanos(), 59_982);
//!
//! // Calendar time needs an era; RFC 4330's rule covers 1968-2104.
//! let t3: UnixTime = packet.transmit_timestamp.to_unix_rfc4330();
//! assert_eq!(t3.to_string(), "2026-11-22T03:59:55.209999587Z");
//!
//! // Emitting reproduces the bytes exactly; the zero-copy view reads the same fields.
//! let mut out = [0u8; 48];
//! packet.emit(&mut out)?;
//! assert_eq!(out, reply);
//! assert_eq!(PacketView::new_checked(&reply[..])?.to_packet(), packet);
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! ## Architecture
//!
//! Layers depend one way, and nothing below the glue reads time or touches the network:
//!
//! | module | what it holds |
//! |---|---|
//! | [`wire`] | bytes ⇄ types: [`NtpTimestamp`], [`NtpShort`], [`UnixTime`], header fields, [`PacketView`], [`Packet`], RFC 7822 extension fields and MAC trailer |
//! | [`math`] | integer arithmetic: [`NtpDuration`] (signed 32.32), exact nanosecond conversions |
//! | [`error`] | [`ParseError`], [`ExtensionFieldError`], [`EmitError`] |
//!
//! In an exchange (RFC 5905 §8) the client's wall clock gives T1 (request sent) and T4
//! (reply received); the server's gives T2 (request received) and T3 (reply sent):
//!
//! ```text
//!  client                              server
//!  T1 ──── request (transmit = nonce) ──▶ T2
//!  T4 ◀─── reply (origin = nonce, T2, T3) ─ T3
//!  offset θ = ((T2 − T1) + (T3 − T4)) / 2     delay δ = (T4 − T1) − (T3 − T2)
//! ```
//!
//! ## Guarantees
//!
//! * `#![forbid(unsafe_code)]`; no allocation; no floating point.
//! * Parsing is total: any byte slice gives `Ok` or a typed error naming the field and
//!   the rule, in bounded time and stack. Library code is linted against `unwrap`,
//!   `expect`, `panic!`, unchecked indexing and unchecked arithmetic.
//! * Writers return [`EmitError::BufferTooSmall`] and leave the buffer untouched.
//! * No 64-bit division on packet and time-conversion paths (it costs about 1 KB of
//!   flash on Cortex-M); division by 10⁹ is a multiply-and-shift made exact.
//!
//! ## Features
//!
//! * `std` (default): [`std::time::SystemTime`] conversions. Firmware uses
//!   `default-features = false`.
//! * `defmt`: [`defmt::Format`](https://docs.rs/defmt) for every public type.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
    )
)]

#[cfg(any(feature = "std", test))]
extern crate std;

pub mod client;
pub mod error;
pub mod math;
pub mod server;
pub mod sntp;
#[cfg(feature = "std")]
pub mod std_impls;
pub mod traits;
pub mod wire;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use error::{EmitError, ExtensionFieldError, ParseError};
pub use math::NtpDuration;
pub use wire::{
    CivilTime, ExtensionField, ExtensionFields, ExtensionWriter, HEADER_LEN, KissCode, LeapIndicator,
    MAX_EXTENSION_FIELDS, MAX_PACKET_LEN, Mac, Mode, NtpShort, NtpTimestamp, OutOfRange, Packet, PacketView,
    Poll, Precision, ReferenceId, ReferenceKind, SourceName, Stratum, StratumClass, UnixTime, Version,
};

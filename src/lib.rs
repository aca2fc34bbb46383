//! # ntpkit
//!
//! A sans-IO, `#![no_std]`, allocation-free implementation of the Network Time Protocol
//! (NTPv4, RFC 5905; SNTP, RFC 4330). The crate never opens a socket and never reads or
//! sets a clock: you hand it bytes and timestamps, it hands back bytes to send, results
//! and precise reasons for refusal.
//!
//! Ask a server for the time (with `std`: the name resolved, its addresses tried in
//! turn, the reply validated):
//!
//! ```no_run
//! # #[cfg(feature = "std")] fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sample = ntpkit::query("pool.ntp.org")?;
//! println!("the server is {} ns ahead of us", sample.offset_nanos());
//! # Ok(()) }
//! # #[cfg(not(feature = "std"))] fn main() {}
//! ```
//!
//! The same over your own clock and transport is [`sntp::query`].
//!
//! The same exchange without sockets or clocks, driven by hand with a fake clock (the
//! steps [`sntp::query`] runs over real sockets, and what a firmware does with its own
//! network stack):
//!
//! ```
//! use core::net::SocketAddr;
//! use ntpkit::exchange::{ClientRequest, Reply, ValidationConfig};
//! use ntpkit::server::{ServerState, respond};
//! use ntpkit::traits::NtpClock;
//! use ntpkit::{LeapIndicator, NtpDuration, NtpTimestamp, Stratum};
//!
//! /// A clock that only moves when told to.
//! struct FakeClock(NtpTimestamp);
//! impl NtpClock for FakeClock {
//!     fn now(&mut self) -> NtpTimestamp { self.0 }
//! }
//! let ms = |n: i64| NtpDuration::from_nanos(n * 1_000_000).unwrap();
//! let mut client_clock = FakeClock(NtpTimestamp::from_parts(0xeeac_e73b, 0));
//! let mut server_clock = FakeClock(client_clock.0 + ms(250)); // server 250 ms ahead
//! let server: SocketAddr = "192.0.2.1:123".parse().unwrap();
//!
//! // 1. Build the request. T1 stays private; the wire carries a random nonce.
//! let mut nonces = || 0x5eed_cafe_f00d_d00d_u64; // use a CSPRNG
//! let mut request = [0u8; 48];
//! let t1 = client_clock.now();
//! let (len, mut pending) = ClientRequest::new().build(server, t1, &mut nonces, &mut request)?;
//!
//! // 2. The request travels 1 ms; the server answers at once (T2 = T3).
//! server_clock.0 = server_clock.0 + ms(1);
//! let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
//! let (t2, t3) = (server_clock.now(), server_clock.now());
//! let mut reply = [0u8; 48];
//! let n = respond(&request[..len], &state, t2, t3, &mut reply)?;
//!
//! // 3. The reply travels 1 ms; validate it against the pending request at T4.
//! client_clock.0 = client_clock.0 + ms(2);
//! let t4 = client_clock.now();
//! let config = ValidationConfig::default();
//! let Reply::Sample(sample) = pending.process(server, &reply[..n], t4, &config)? else {
//!     panic!("kiss-o'-death");
//! };
//! assert_eq!(sample.offset_nanos(), 250_000_000); // θ = ((T2 − T1) + (T3 − T4)) / 2
//! assert_eq!(sample.delay_nanos(), 2_000_000);    // δ = (T4 − T1) − (T3 − T2)
//! // The server's time when ours reads T4, to the nanosecond:
//! assert_eq!((sample.corrected_time(t4) - (t3 + ms(1))).to_nanos(), 0);
//!
//! // 4. One reply per request: a replay is refused, and so is anything spoofed.
//! assert!(pending.process(server, &reply[..n], t4, &config).is_err());
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```
//!
//! The wire layer on its own parses and emits packets exactly:
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
//! Floors that import only from below; nothing but the glue (`std_impls`,
//! `linux_clock`) reads or steers a clock or touches the network:
//!
//! | floor | module | what it holds |
//! |---|---|---|
//! | 1 | [`time`] | time quantities and exact integer arithmetic: [`NtpTimestamp`], [`NtpShort`], [`NtpDuration`], [`UnixTime`], [`CivilTime`], [`Instant`] |
//! | 1 | [`math`] | the on-wire calculation ([`offset_delay`](math::offset_delay)), dispersion and [`root_distance`](math::root_distance) (RFC 5905 §8, §11.2.1), integer helpers for small targets |
//! | 2 | [`wire`] | bytes ⇄ types: header fields, [`PacketView`], [`Packet`], RFC 7822 extension fields and MAC trailer, and their errors ([`ParseError`], [`ExtensionFieldError`], [`EmitError`]) |
//! | 2 | [`traits`] | what callers implement: wall and monotonic clocks, nonce source, clock control, blocking and async transports |
//! | 3 | [`auth`] | symmetric-key MACs (RFC 8573): the [`MacKey`](auth::MacKey) trait, [`verify`](auth::verify), [`append_mac`](auth::append_mac); key types behind the `mac-*` features |
//! | 3 | `linux_clock` | with `linux-clock`, on Linux: `KernelClock`, the system clock as a `ClockControl` (glue) |
//! | 3 | [`clock`] | [`SoftClock`](clock::SoftClock): disciplined NTP time from a free-running counter (frequency correction, bounded-rate slew, never backwards but when stepped) |
//! | 3 | [`nts`] | Network Time Security (RFC 8915): NTS-KE records and key export, the NTS extension fields, the [`NtsAead`](nts::NtsAead) trait, [`NtsSession`](nts::NtsSession) (keys, cookie jar, request protection, reply checks) |
//! | 4 | [`exchange`] | one exchange: [`ClientRequest`](exchange::ClientRequest), [`PendingRequest::process_with`](exchange::PendingRequest::process_with) (validation in the documented order), [`SyncResult`](exchange::SyncResult), the [`Authentication`](exchange::Authentication) every authenticated call takes as a value |
//! | 4 | [`server`] | the responder: [`respond`](server::respond), [`respond_kiss`](server::respond_kiss), [`respond_with_key`](server::respond_with_key); [`ratelimit`](server::ratelimit): per-client leaky buckets with RATE kisses; [`interleave`](server::interleave): interleaved mode (RFC 9769) |
//! | 5 | [`client`] | the multi-server [`Client`](client::Client): polling, filter, selection, clustering, combining, step/slew decisions |
//! | 6 | [`discipline`] | [`Discipline`](discipline::Discipline): keeps time between updates — a regression of raw phase that estimates the oscillator's frequency error and the phase to slew, as a [`Correction`](discipline::Correction) applied through [`ClockControl`](traits::ClockControl); [`SavedFrequency`](discipline::SavedFrequency) for restarts |
//! | 6 | [`drive`] | [`AsyncDriver`](drive::AsyncDriver): the event loop that runs a `Client` over any async transport, shared by the tokio and embassy-net adapters |
//! | 6 | [`sntp`] | one-shot helpers over the traits: [`query`](sntp::query), [`query_async`](sntp::query_async) |
//! | 6 | `std_impls` | with `std`: the one-line `query` by host name, `SystemClock`, `UdpTransport`, `StdNonces`, blocking server loops (`serve`, `serve_limited`, `serve_interleaved`; `serve_timestamped` and `kernel_ts` with kernel timestamps) and `ClientDriver` |
//! | – | [`catalogue`] | documentation only: every hostile input ntpkit is tested against, what it does, and why |
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
//! * `#![forbid(unsafe_code)]`; no allocation; no floating point (outside the `std`
//!   glue: `linux_clock` converts to the ppm its kernel wrapper takes as `f64`).
//! * Parsing is total: any byte slice gives `Ok` or a typed error naming the field and
//!   the rule, in bounded time and stack. Library code is linted against `unwrap`,
//!   `expect`, `panic!`, unchecked indexing and unchecked arithmetic.
//! * Writers return [`EmitError::BufferTooSmall`] and leave the buffer untouched.
//! * No 64-bit division on packet and time-conversion paths (it costs about 1 KB of
//!   flash on Cortex-M); division by 10⁹ is a multiply-and-shift made exact.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `std` | yes | `std::time::SystemTime` conversions and the `std_impls` glue: system clock, UDP transport, nonces, a server loop, the `ClientDriver` event loop. Firmware uses `default-features = false`. |
//! | `defmt` | no | `defmt::Format` for every public type, for firmware logging; on bare-metal targets (`target_os = "none"`) the client's events logged through defmt |
//! | `log` | no | the client's events (samples, refused replies with their reason, kiss codes, timeouts, updates and their decisions) logged through the `log` crate, target `ntpkit::client`, in the same words as defmt; nothing is logged without this feature or `defmt` |
//! | `mac-aes-cmac` | no | `auth::AesCmacKey`: AES-128-CMAC keys (RFC 8573), the MAC to use |
//! | `mac-md5` | no | `auth::Md5Key`: legacy MD5 keys for old servers (weak) |
//! | `mac-sha1` | no | `auth::Sha1Key`: legacy SHA-1 keys for old servers (weak) |
//! | `nts-aes-siv` | no | `nts::AesSivCmac256`: AEAD_AES_SIV_CMAC_256 (15) for NTS (RFC 8915), the mandatory one |
//! | `nts-aes-siv-512` | no | `nts::AesSivCmac512`: AEAD_AES_SIV_CMAC_512 (17) for NTS, ntpd-rs's and ntpsec's choice |
//! | `nts-aes-gcm-siv` | no | `nts::AesGcmSiv128`: AEAD_AES_128_GCM_SIV (30, RFC 8452) for NTS, chrony's default: shorter cookies |
//! | `linux-clock` | no | Linux only: `linux_clock::KernelClock`, a `ClockControl` that steers the system clock through `clock_adjtime` (frequency, steps, 500 ppm slews); implies `std` |
//! | `linux-fast-serve` | no | Linux only: `std_impls::batch`, a server loop for load: `recvmmsg`/`sendmmsg` batches with kernel receive timestamps, and threads on one port (`SO_REUSEPORT`), through `nix`; implies `std` |
//! | `kernel-timestamps` | no | Linux only: `std_impls::kernel_ts::TimestampedSocket`, kernel receive (`SO_TIMESTAMPNS`) and software transmit (`SO_TIMESTAMPING`) timestamps for the std glue's client and server (`std_impls::serve_timestamped`), through `nix`; implies `std` |
//!
//! Items behind a feature say so in these docs. The cryptography comes from RustCrypto,
//! `no_std` and without allocation; without these features the only dependencies are
//! `byteorder` and `heapless`.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
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

pub mod auth;
#[doc = include_str!("catalogue.md")]
pub mod catalogue {}
pub mod client;
pub mod clock;
pub mod discipline;
pub mod drive;
pub mod exchange;
#[cfg(all(feature = "linux-clock", target_os = "linux"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "linux-clock", target_os = "linux"))))]
pub mod linux_clock;
pub mod math;
pub mod nts;
pub mod server;
pub mod sntp;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod std_impls;
pub mod time;
pub mod traits;
pub mod wire;

/// The README's examples, compiled and run as doctests (they use the `std` glue).
#[cfg(all(doctest, feature = "std"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Asks a host for the time in one line: [`std_impls::query`].
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use std_impls::query;
pub use time::{CivilTime, Instant, NtpDuration, NtpShort, NtpTimestamp, OutOfRange, UnixTime};
pub use wire::{
    EmitError, ExtensionField, ExtensionFieldError, ExtensionFields, ExtensionWriter, HEADER_LEN, KissCode,
    LeapIndicator, MAX_EXTENSION_FIELDS, MAX_PACKET_LEN, Mac, Mode, Packet, PacketView, ParseError, Poll,
    Precision, ReferenceId, ReferenceKind, SourceName, Stratum, StratumClass, Version,
};

//! Sans-IO client logic for one exchange: build a request, check the reply, compute the
//! result. Nothing here reads a clock or touches a socket: T1 and T4 and the datagrams
//! are arguments.
//!
//! ```
//! use ntpkit::client::{ClientRequest, Reply, ValidationConfig};
//! use ntpkit::server::{ServerState, respond};
//! use ntpkit::{LeapIndicator, NtpDuration, NtpTimestamp, Stratum};
//! use core::net::SocketAddr;
//!
//! let server: SocketAddr = "127.0.0.1:123".parse().unwrap();
//! let t1 = NtpTimestamp::from_parts(0xeeac_e73b, 0);           // client clock at send
//! let mut nonces = || 0x5eed_u64.wrapping_mul(0x9e37_79b9_7f4a_7c15); // use a CSPRNG
//! let mut request = [0u8; 48];
//! let (len, mut pending) = ClientRequest::new().build(server, t1, &mut nonces, &mut request)?;
//!
//! // The server's clock is 250 ms ahead; each leg takes 1 ms.
//! let leg = NtpDuration::from_nanos(1_000_000).unwrap();
//! let ahead = NtpDuration::from_nanos(250_000_000).unwrap();
//! let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
//! let mut reply = [0u8; 48];
//! let t2 = t1 + ahead + leg;
//! let n = respond(&request[..len], &state, t2, t2, &mut reply)?;
//!
//! let t4 = t1 + leg + leg;                                     // client clock at receive
//! match pending.process(server, &reply[..n], t4, &ValidationConfig::default())? {
//!     Reply::Sample(sample) => {
//!         assert_eq!(sample.offset_nanos(), 250_000_000);
//!         assert_eq!(sample.delay_nanos(), 2_000_000);
//!     }
//!     Reply::KissOfDeath(code) => panic!("server said {code}"),
//! }
//! // One reply per request: the same datagram again is refused.
//! assert!(pending.process(server, &reply[..n], t4, &ValidationConfig::default()).is_err());
//! # Ok::<(), Box<dyn core::error::Error>>(())
//! ```

mod reply;
mod request;

pub use reply::{Reject, Reply, SyncResult, ValidationConfig};
pub use request::{ClientRequest, NonceSource, PendingRequest, RequestError};

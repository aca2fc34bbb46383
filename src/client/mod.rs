//! The sans-IO NTP client for up to `N` servers: [`Client`] polls each server with
//! backoff, checks every reply through [`exchange`](crate::exchange), keeps the RFC
//! 5905 clock filter per server, selects, clusters and combines (RFC 5905 §11), and
//! decides to step, slew or panic. Nothing here reads a clock, touches a socket or
//! allocates: time and datagrams are arguments.
//!
//! | file | what it holds |
//! |---|---|
//! | `machine.rs` | [`Client`] and its call contract: timers, transmits, replies, events |
//! | `config.rs` | [`PeerConfig`], [`ClientConfig`] and the protocol constants |
//! | `events.rs` | [`Event`], [`SystemUpdate`], [`Decision`], [`Transmit`], [`ClientError`] |
//! | `peer.rs` | one server's state; [`PeerStats`], [`PeerState`] |
//! | `mitigation.rs` | the clock filter and the intersection, cluster and combine algorithms |
//! | `select.rs` | selection over all servers, from filters to one [`SystemUpdate`] |
//! | `peer_auth.rs` | [`PeerAuth`]: an authentication per server |
//! | `ids.rs`, `fingerprint.rs` | [`PeerId`]; the hash behind [`Client::state_fingerprint`] |

mod config;
mod events;
mod fingerprint;
mod ids;
#[cfg(any(feature = "log", all(feature = "defmt", target_os = "none")))]
mod logging;
mod machine;
mod mitigation;
mod peer;
mod peer_auth;
mod select;

pub use config::{
    BURST_LEN, BURST_SPACING, ClientConfig, EVENT_CAPACITY, MAX_POLL, MIN_POLL, PeerConfig, UNREACHABLE_AFTER,
};
pub use events::{ClientError, Decision, Event, SystemUpdate, Transmit};
pub use ids::PeerId;
pub use machine::Client;
pub use mitigation::{FILTER_STAGES, PeerEstimate};
pub use peer::{PeerState, PeerStats};
pub use peer_auth::PeerAuth;

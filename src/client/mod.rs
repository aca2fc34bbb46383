//! Sans-IO client logic for one exchange: build a request, check the reply, compute the
//! result. Nothing here reads a clock or touches a socket: T1 and T4 and the datagrams
//! are arguments.
//!
//! The crate documentation walks through a complete exchange; in short:
//! [`ClientRequest::build`] → send → [`PendingRequest::process`] with T4 →
//! [`Reply::Sample`] carrying a [`SyncResult`], or a [`Reject`] naming the check that
//! failed.

mod addr;
mod machine;
mod mitigation;
mod reply;
mod request;
mod server_auth;

pub use addr::same_server;
pub use machine::{
    BURST_LEN, BURST_SPACING, Client, ClientConfig, ClientError, Decision, EVENT_CAPACITY, Event, Instant,
    MAX_POLL, MIN_POLL, PeerState, ServerConfig, ServerId, ServerStats, SystemUpdate, Transmit,
    UNREACHABLE_AFTER,
};
pub use mitigation::{FILTER_STAGES, PeerEstimate};
pub use reply::{Reject, Reply, SyncResult, ValidationConfig};
pub use request::{ClientRequest, NonceSource, PendingRequest, RequestError};
pub use server_auth::{MacAuth, NoAuth, ServerAuth};

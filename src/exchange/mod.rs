//! One client/server exchange, sans-IO: build a request, check the reply, compute the
//! result. Nothing here reads a clock or touches a socket: T1 and T4 and the datagrams
//! are arguments.
//!
//! [`ClientRequest::build`] → send → [`PendingRequest::process`] with T4 →
//! [`Reply::Sample`] carrying a [`SyncResult`], or a [`Reject`] naming the check that
//! failed. Authenticated exchanges use the same two calls with the authentication as a
//! value: [`ClientRequest::build_with`] and [`PendingRequest::process_with`], given
//! [`NoAuth`], a [`MacAuth`] key, or an [`NtsSession`](crate::nts::NtsSession).
//! A reply belongs to the server the request went to when [`same_server`] says so.

mod addr;
mod auth;
mod error;
mod pending;
mod reply;
mod request;
mod sample;

pub use addr::same_server;
pub use auth::{Authentication, MacAuth, NoAuth};
pub use error::RequestError;
pub use pending::PendingRequest;
pub use reply::{Reject, Reply, ValidationConfig};
pub use request::ClientRequest;
pub use sample::SyncResult;

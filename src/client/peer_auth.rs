//! How a [`Client`](crate::client::Client) authenticates each of its servers: the
//! [`PeerAuth`] trait. Any single [`Authentication`] (no authentication, a MAC key, an
//! NTS session) serves every server alike; `[Option<T>; M]` gives server `i` the
//! authentication in slot `i`.

use crate::client::ids::PeerId;
use crate::exchange::{Authentication, Reject, RequestError};
use crate::traits::NonceSource;
use crate::wire::PacketView;

/// Authentication of the requests to and replies from a client's servers: an
/// [`Authentication`] chosen per server.
///
/// The [`Client`](crate::client::Client) calls [`protect`](Self::protect) on every
/// request it writes, [`verify`](Self::verify) on every reply to an outstanding request
/// right after the source check and before any field is trusted, and
/// [`accepted`](Self::accepted) once the reply passed every check; see
/// [`Authentication`] for the contract.
///
/// Implementations: every [`Authentication`] (the same for every server), and
/// `[Option<T>; M]`, which gives server `i` the authentication in slot `i` and none
/// where the slot is `None`.
pub trait PeerAuth {
    /// What `verify` hands to `accepted` for one reply (`()` when nothing).
    type Scratch: Default;

    /// Adds authentication to the request for `server` in `buf[..len]`; returns the new
    /// length.
    fn protect<R: NonceSource>(
        &mut self,
        server: PeerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError>;

    /// Checks the authentication of a reply from `server`.
    fn verify(
        &mut self,
        server: PeerId,
        view: &PacketView<&[u8]>,
        scratch: &mut Self::Scratch,
    ) -> Result<(), Reject>;

    /// Called after a reply from `server` that [`verify`](Self::verify) passed was
    /// accepted, with the scratch `verify` filled.
    fn accepted(&mut self, server: PeerId, scratch: &Self::Scratch);

    /// True if requests to `server` go out unauthenticated.
    fn is_none(&self, server: PeerId) -> bool;
}

impl<T: Authentication + ?Sized> PeerAuth for T {
    type Scratch = T::Scratch;
    fn protect<R: NonceSource>(
        &mut self,
        _: PeerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        Authentication::protect(self, buf, len, random)
    }
    fn verify(
        &mut self,
        _: PeerId,
        view: &PacketView<&[u8]>,
        scratch: &mut T::Scratch,
    ) -> Result<(), Reject> {
        Authentication::verify(self, view, scratch)
    }
    fn accepted(&mut self, _: PeerId, scratch: &T::Scratch) {
        Authentication::accepted(self, scratch);
    }
    fn is_none(&self, _: PeerId) -> bool {
        Authentication::is_none(self)
    }
}

/// Per-server authentication: server `i` uses slot `i`; an empty slot (or a server
/// beyond the array) is not authenticated.
impl<T: Authentication, const M: usize> PeerAuth for [Option<T>; M] {
    type Scratch = T::Scratch;
    fn protect<R: NonceSource>(
        &mut self,
        server: PeerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        match self.get_mut(usize::from(server.0)).and_then(Option::as_mut) {
            Some(auth) => auth.protect(buf, len, random),
            None => Ok(len),
        }
    }
    fn verify(
        &mut self,
        server: PeerId,
        view: &PacketView<&[u8]>,
        scratch: &mut T::Scratch,
    ) -> Result<(), Reject> {
        match self.get_mut(usize::from(server.0)).and_then(Option::as_mut) {
            Some(auth) => auth.verify(view, scratch),
            None => Ok(()),
        }
    }
    fn accepted(&mut self, server: PeerId, scratch: &T::Scratch) {
        if let Some(auth) = self.get_mut(usize::from(server.0)).and_then(Option::as_mut) {
            auth.accepted(scratch);
        }
    }
    fn is_none(&self, server: PeerId) -> bool {
        self.get(usize::from(server.0)).and_then(Option::as_ref).is_none_or(Authentication::is_none)
    }
}

/// One server's view of a [`PeerAuth`], as the [`Authentication`] that
/// [`ClientRequest::build_with`](crate::exchange::ClientRequest::build_with) and
/// [`PendingRequest::process_with`](crate::exchange::PendingRequest::process_with) take.
pub(crate) struct ForServer<'a, A: ?Sized>(pub(crate) &'a mut A, pub(crate) PeerId);

impl<A: PeerAuth + ?Sized> Authentication for ForServer<'_, A> {
    type Scratch = A::Scratch;
    fn protect<R: NonceSource>(
        &mut self,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        self.0.protect(self.1, buf, len, random)
    }
    fn verify(&mut self, view: &PacketView<&[u8]>, scratch: &mut A::Scratch) -> Result<(), Reject> {
        self.0.verify(self.1, view, scratch)
    }
    fn accepted(&mut self, scratch: &A::Scratch) {
        self.0.accepted(self.1, scratch);
    }
    fn is_none(&self) -> bool {
        self.0.is_none(self.1)
    }
}

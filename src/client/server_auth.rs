//! How a [`Client`](crate::client::Client) authenticates each server: the
//! [`ServerAuth`] trait, called when a request is written and when a reply arrives,
//! with implementations for no authentication, a symmetric key and NTS.

use crate::auth::{MacKey, append_mac};
use crate::client::machine::ServerId;
use crate::client::reply::mac_check;
use crate::client::{NonceSource, Reject, RequestError};
use crate::nts::{NtsAead, NtsSession, Plaintext};
use crate::wire::PacketView;

/// Authentication of the requests to and replies from a client's servers.
///
/// The [`Client`](crate::client::Client) calls [`protect`](Self::protect) on every
/// request it writes, [`verify`](Self::verify) on every reply to an outstanding request
/// right after the source check and before any field is trusted, and
/// [`accepted`](Self::accepted) once the reply passed every check. `verify` must not
/// change anything that matters (a rejected reply changes no state); what it learns
/// for `accepted` (NTS: the decrypted cookies) goes into its [`Scratch`](Self::Scratch),
/// which the client keeps on the stack for one reply, so nothing is decrypted twice and
/// authentication without one costs no stack.
///
/// Implementations: [`NoAuth`]; [`MacAuth`] (one symmetric key for every server);
/// [`NtsSession`] (one NTS server); and `[Option<T>; M]`, which gives server `i` the
/// authentication in slot `i` and none where the slot is `None`.
pub trait ServerAuth {
    /// What `verify` hands to `accepted` for one reply (`()` when nothing).
    type Scratch: Default;

    /// Adds authentication to the request for `server` in `buf[..len]`; returns the new
    /// length.
    fn protect<R: NonceSource>(
        &mut self,
        server: ServerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError>;

    /// Checks the authentication of a reply from `server`.
    fn verify(
        &mut self,
        server: ServerId,
        view: &PacketView<&[u8]>,
        scratch: &mut Self::Scratch,
    ) -> Result<(), Reject>;

    /// Called after a reply from `server` that [`verify`](Self::verify) passed was
    /// accepted, with the scratch `verify` filled.
    fn accepted(&mut self, server: ServerId, scratch: &Self::Scratch);
}

impl<T: ServerAuth + ?Sized> ServerAuth for &mut T {
    type Scratch = T::Scratch;
    fn protect<R: NonceSource>(
        &mut self,
        server: ServerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        (**self).protect(server, buf, len, random)
    }
    fn verify(
        &mut self,
        server: ServerId,
        view: &PacketView<&[u8]>,
        scratch: &mut T::Scratch,
    ) -> Result<(), Reject> {
        (**self).verify(server, view, scratch)
    }
    fn accepted(&mut self, server: ServerId, scratch: &T::Scratch) {
        (**self).accepted(server, scratch);
    }
}

/// No authentication (what [`Client::poll_transmit`](crate::client::Client::poll_transmit)
/// and [`Client::handle_response`](crate::client::Client::handle_response) use).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NoAuth;

impl ServerAuth for NoAuth {
    type Scratch = ();
    fn protect<R: NonceSource>(
        &mut self,
        _: ServerId,
        _: &mut [u8],
        len: usize,
        _: &mut R,
    ) -> Result<usize, RequestError> {
        Ok(len)
    }
    fn verify(&mut self, _: ServerId, _: &PacketView<&[u8]>, _: &mut ()) -> Result<(), Reject> {
        Ok(())
    }
    fn accepted(&mut self, _: ServerId, _: &()) {}
}

/// A symmetric key (RFC 5905 §7.3, RFC 8573) for a server: requests carry its MAC,
/// replies must carry a valid one ([`crate::auth::verify`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MacAuth<K>(pub K);

impl<K: MacKey> ServerAuth for MacAuth<K> {
    type Scratch = ();
    fn protect<R: NonceSource>(
        &mut self,
        _: ServerId,
        buf: &mut [u8],
        len: usize,
        _: &mut R,
    ) -> Result<usize, RequestError> {
        append_mac(&self.0, buf, len).map_err(RequestError::Emit)
    }
    fn verify(&mut self, _: ServerId, view: &PacketView<&[u8]>, _: &mut ()) -> Result<(), Reject> {
        mac_check(view, &self.0)
    }
    fn accepted(&mut self, _: ServerId, _: &()) {}
}

/// NTS for a server (RFC 8915 §5.7): [`NtsSession::protect_request`] on the way out,
/// [`NtsSession::open_reply`] on the way in (decrypting into the scratch), and the new
/// cookies from it once the reply is accepted.
impl<A: NtsAead, const C: usize> ServerAuth for NtsSession<A, C> {
    type Scratch = Plaintext;
    fn protect<R: NonceSource>(
        &mut self,
        _: ServerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        self.protect_request(buf, len, random).map_err(RequestError::Nts)
    }
    fn verify(
        &mut self,
        _: ServerId,
        view: &PacketView<&[u8]>,
        scratch: &mut Plaintext,
    ) -> Result<(), Reject> {
        self.open_reply(view, scratch)
    }
    fn accepted(&mut self, _: ServerId, scratch: &Plaintext) {
        self.accept(scratch);
    }
}

/// Per-server authentication: server `i` uses slot `i`; an empty slot (or a server
/// beyond the array) is not authenticated.
impl<T: ServerAuth, const M: usize> ServerAuth for [Option<T>; M] {
    type Scratch = T::Scratch;
    fn protect<R: NonceSource>(
        &mut self,
        server: ServerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        match self.get_mut(usize::from(server.0)).and_then(Option::as_mut) {
            Some(auth) => auth.protect(server, buf, len, random),
            None => Ok(len),
        }
    }
    fn verify(
        &mut self,
        server: ServerId,
        view: &PacketView<&[u8]>,
        scratch: &mut T::Scratch,
    ) -> Result<(), Reject> {
        match self.get_mut(usize::from(server.0)).and_then(Option::as_mut) {
            Some(auth) => auth.verify(server, view, scratch),
            None => Ok(()),
        }
    }
    fn accepted(&mut self, server: ServerId, scratch: &T::Scratch) {
        if let Some(auth) = self.get_mut(usize::from(server.0)).and_then(Option::as_mut) {
            auth.accepted(server, scratch);
        }
    }
}

//! How a [`Client`](crate::client::Client) authenticates each server: the
//! [`ServerAuth`] trait, called when a request is written and when a reply arrives,
//! with implementations for no authentication, a symmetric key and NTS.

use crate::auth::{MacKey, append_mac};
use crate::client::machine::ServerId;
use crate::client::reply::mac_check;
use crate::client::{NonceSource, Reject, RequestError};
use crate::nts::{NtsAead, NtsSession};
use crate::wire::{MAX_PACKET_LEN, PacketView};

/// Authentication of the requests to and replies from a client's servers.
///
/// The [`Client`](crate::client::Client) calls [`protect`](Self::protect) on every
/// request it writes, [`verify`](Self::verify) on every reply to an outstanding request
/// right after the source check and before any field is trusted, and
/// [`accepted`](Self::accepted) once the reply passed every check. `verify` must not
/// change anything that matters (a rejected reply changes no state).
///
/// Implementations: [`NoAuth`]; [`MacAuth`] (one symmetric key for every server);
/// [`NtsSession`] (one NTS server); and `[Option<T>; M]`, which gives server `i` the
/// authentication in slot `i` and none where the slot is `None`.
pub trait ServerAuth {
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
    fn verify(&mut self, server: ServerId, view: &PacketView<&[u8]>) -> Result<(), Reject>;

    /// Called after a reply from `server` that [`verify`](Self::verify) passed was
    /// accepted.
    fn accepted(&mut self, server: ServerId, view: &PacketView<&[u8]>);
}

impl<T: ServerAuth + ?Sized> ServerAuth for &mut T {
    fn protect<R: NonceSource>(
        &mut self,
        server: ServerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        (**self).protect(server, buf, len, random)
    }
    fn verify(&mut self, server: ServerId, view: &PacketView<&[u8]>) -> Result<(), Reject> {
        (**self).verify(server, view)
    }
    fn accepted(&mut self, server: ServerId, view: &PacketView<&[u8]>) {
        (**self).accepted(server, view);
    }
}

/// No authentication (what [`Client::poll_transmit`](crate::client::Client::poll_transmit)
/// and [`Client::handle_response`](crate::client::Client::handle_response) use).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NoAuth;

impl ServerAuth for NoAuth {
    fn protect<R: NonceSource>(
        &mut self,
        _: ServerId,
        _: &mut [u8],
        len: usize,
        _: &mut R,
    ) -> Result<usize, RequestError> {
        Ok(len)
    }
    fn verify(&mut self, _: ServerId, _: &PacketView<&[u8]>) -> Result<(), Reject> {
        Ok(())
    }
    fn accepted(&mut self, _: ServerId, _: &PacketView<&[u8]>) {}
}

/// A symmetric key (RFC 5905 §7.3, RFC 8573) for a server: requests carry its MAC,
/// replies must carry a valid one ([`crate::auth::verify`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MacAuth<K>(pub K);

impl<K: MacKey> ServerAuth for MacAuth<K> {
    fn protect<R: NonceSource>(
        &mut self,
        _: ServerId,
        buf: &mut [u8],
        len: usize,
        _: &mut R,
    ) -> Result<usize, RequestError> {
        append_mac(&self.0, buf, len).map_err(RequestError::Emit)
    }
    fn verify(&mut self, _: ServerId, view: &PacketView<&[u8]>) -> Result<(), Reject> {
        mac_check(view, &self.0)
    }
    fn accepted(&mut self, _: ServerId, _: &PacketView<&[u8]>) {}
}

/// NTS for a server (RFC 8915 §5.7): [`NtsSession::protect_request`] on the way out,
/// [`NtsSession::open_reply`] on the way in, and the new cookies once the reply is
/// accepted. Each of `verify` and `accepted` decrypts the reply (about 1.1 KiB of
/// stack), so that a rejected reply leaves the session exactly as it was.
impl<A: NtsAead, const C: usize> ServerAuth for NtsSession<A, C> {
    fn protect<R: NonceSource>(
        &mut self,
        _: ServerId,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        self.protect_request(buf, len, random).map_err(RequestError::Nts)
    }
    fn verify(&mut self, _: ServerId, view: &PacketView<&[u8]>) -> Result<(), Reject> {
        let mut scratch = [0u8; MAX_PACKET_LEN];
        self.open_reply(view, &mut scratch).map(|_| ())
    }
    fn accepted(&mut self, _: ServerId, view: &PacketView<&[u8]>) {
        let mut scratch = [0u8; MAX_PACKET_LEN];
        if let Ok(opened) = self.open_reply(view, &mut scratch) {
            self.accept(scratch.get(..opened.plaintext_len).unwrap_or_default());
        }
    }
}

/// Per-server authentication: server `i` uses slot `i`; an empty slot (or a server
/// beyond the array) is not authenticated.
impl<T: ServerAuth, const M: usize> ServerAuth for [Option<T>; M] {
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
    fn verify(&mut self, server: ServerId, view: &PacketView<&[u8]>) -> Result<(), Reject> {
        match self.get_mut(usize::from(server.0)).and_then(Option::as_mut) {
            Some(auth) => auth.verify(server, view),
            None => Ok(()),
        }
    }
    fn accepted(&mut self, server: ServerId, view: &PacketView<&[u8]>) {
        if let Some(auth) = self.get_mut(usize::from(server.0)).and_then(Option::as_mut) {
            auth.accepted(server, view);
        }
    }
}

//! How one exchange is authenticated: the [`Authentication`] trait that
//! [`ClientRequest::build_with`](super::ClientRequest::build_with) and
//! [`PendingRequest::process_with`](super::PendingRequest::process_with) take, and its
//! implementations: [`NoAuth`], [`MacAuth`] (a symmetric key, RFC 8573) and
//! [`NtsSession`] (RFC 8915).

use super::error::RequestError;
use super::reply::Reject;
use crate::auth::{self, AuthError, MacKey, append_mac};
use crate::nts::{NtsAead, NtsError, NtsSession, Plaintext};
use crate::traits::NonceSource;
use crate::wire::PacketView;

/// The authentication of one request and its reply, given as a value to
/// [`ClientRequest::build_with`](super::ClientRequest::build_with) and
/// [`PendingRequest::process_with`](super::PendingRequest::process_with).
///
/// [`protect`](Self::protect) runs when the request is written;
/// [`verify`](Self::verify) runs on a reply right after the source check, before any
/// field is trusted, and must change nothing that matters (a rejected reply changes no
/// state); what it learns for [`accepted`](Self::accepted) (NTS: the decrypted cookies)
/// goes into its [`Scratch`](Self::Scratch), which lives on the stack for one reply,
/// so nothing is decrypted twice and no authentication costs no stack.
pub trait Authentication {
    /// What `verify` hands to `accepted` for one reply (`()` when nothing).
    type Scratch: Default;

    /// Adds authentication to the request in `buf[..len]`; returns the new length.
    /// On error `buf[..len]` is untouched and nothing changes.
    fn protect<R: NonceSource>(
        &mut self,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError>;

    /// Checks the authentication of a reply.
    fn verify(&mut self, view: &PacketView<&[u8]>, scratch: &mut Self::Scratch) -> Result<(), Reject>;

    /// Called once the reply [`verify`](Self::verify) passed was accepted, with the
    /// scratch `verify` filled.
    fn accepted(&mut self, scratch: &Self::Scratch);

    /// True only for [`NoAuth`]: a reply to an authenticated request is never accepted
    /// through it.
    fn is_none(&self) -> bool {
        false
    }
}

impl<T: Authentication + ?Sized> Authentication for &mut T {
    type Scratch = T::Scratch;
    fn protect<R: NonceSource>(
        &mut self,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        (**self).protect(buf, len, random)
    }
    fn verify(&mut self, view: &PacketView<&[u8]>, scratch: &mut T::Scratch) -> Result<(), Reject> {
        (**self).verify(view, scratch)
    }
    fn accepted(&mut self, scratch: &T::Scratch) {
        (**self).accepted(scratch);
    }
    fn is_none(&self) -> bool {
        (**self).is_none()
    }
}

/// No authentication: what [`ClientRequest::build`](super::ClientRequest::build),
/// [`PendingRequest::process`](super::PendingRequest::process) and the client's
/// shorthands use.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NoAuth;

impl Authentication for NoAuth {
    type Scratch = ();
    #[inline]
    fn protect<R: NonceSource>(
        &mut self,
        _: &mut [u8],
        len: usize,
        _: &mut R,
    ) -> Result<usize, RequestError> {
        Ok(len)
    }
    #[inline]
    fn verify(&mut self, _: &PacketView<&[u8]>, _: &mut ()) -> Result<(), Reject> {
        Ok(())
    }
    #[inline]
    fn accepted(&mut self, _: &()) {}
    #[inline]
    fn is_none(&self) -> bool {
        true
    }
}

/// A symmetric key (RFC 5905 §7.3, RFC 8573): the request carries its MAC, and the
/// reply must carry a valid one — present, not a crypto-NAK, the key's ID and length,
/// matching in a constant-time compare ([`crate::auth::verify`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MacAuth<K>(pub K);

impl<K: MacKey> Authentication for MacAuth<K> {
    type Scratch = ();
    fn protect<R: NonceSource>(
        &mut self,
        buf: &mut [u8],
        len: usize,
        _: &mut R,
    ) -> Result<usize, RequestError> {
        append_mac(&self.0, buf, len).map_err(RequestError::Emit)
    }
    fn verify(&mut self, view: &PacketView<&[u8]>, _: &mut ()) -> Result<(), Reject> {
        auth::verify(view, &self.0).map_err(|e| match e {
            AuthError::Missing => Reject::Unauthenticated,
            other => Reject::AuthFailed(other),
        })
    }
    fn accepted(&mut self, _: &()) {}
}

/// NTS (RFC 8915 §5.7): [`NtsSession::protect_request`] on the way out,
/// [`NtsSession::open_reply`] on the way in (decrypting into the scratch), and the new
/// cookies from it once the reply is accepted. An unauthenticated NTSN kiss-o'-death
/// for the outstanding request is [`Reject::NtsNak`]; a reply without an Authenticator
/// is [`Reject::Unauthenticated`].
impl<A: NtsAead, const C: usize> Authentication for NtsSession<A, C> {
    type Scratch = Plaintext;
    fn protect<R: NonceSource>(
        &mut self,
        buf: &mut [u8],
        len: usize,
        random: &mut R,
    ) -> Result<usize, RequestError> {
        self.protect_request(buf, len, random).map_err(RequestError::Nts)
    }
    fn verify(&mut self, view: &PacketView<&[u8]>, scratch: &mut Plaintext) -> Result<(), Reject> {
        self.open_reply(view, scratch).map_err(|e| match e {
            NtsError::Nak => Reject::NtsNak,
            NtsError::Unauthenticated => Reject::Unauthenticated,
            other => Reject::Nts(other),
        })
    }
    fn accepted(&mut self, scratch: &Plaintext) {
        self.accept(scratch);
    }
}

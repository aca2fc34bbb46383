//! The NTS-protected NTP service of a server (RFC 8915 §5.7): a request carries a
//! cookie and is sealed under the client's C2S key; the reply echoes its Unique
//! Identifier and carries, sealed under the S2C key, a fresh cookie for every cookie
//! and placeholder received. Stateless: the keys come out of the cookie
//! ([`CookieKeys`]); no allocation, and no packet-sized buffer on the stack (the
//! request's fields are opened, and the reply's cookies sealed, in the output buffer).

use core::fmt;

use super::{ServerError, ServerState, parse_request, reply_to, respond_kiss};
use crate::nts::aead::NtsAead;
use crate::nts::cookie::{CookieError, CookieKeys};
use crate::nts::fields::{
    EncryptedFields, MAX_NONCE_LEN, NTS_COOKIE, NtsError, NtsFields, UID_LEN, UNIQUE_IDENTIFIER,
    authenticator_len, authenticator_plaintext_at, field_len, seal_authenticator_in_place,
};
use crate::time::NtpTimestamp;
use crate::traits::NonceSource;
use crate::wire::error::EmitError;
use crate::wire::{ExtensionWriter, HEADER_LEN, KissCode, MAX_EXTENSION_FIELDS, MAX_PACKET_LEN, PacketView};

/// Why an NTS request got no reply at all (dropped silently, as RFC 8915 §5.7 leaves
/// the server nothing to answer or no identifier to answer to).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum NtsServeError {
    /// Not a client request, malformed, or the output buffer is too small.
    Server(ServerError),
    /// The NTS fields are malformed (two identifiers, an authenticator not last, a
    /// nonce or ciphertext running past its field).
    Fields(NtsError),
    /// No Unique Identifier, or one shorter than 32 bytes (RFC 8915 §5.3).
    UniqueIdentifier,
    /// Not exactly one NTS Cookie field (RFC 8915 §5.7).
    CookieCount(u8),
    /// No NTS Authenticator: not an NTS request.
    NoAuthenticator,
}

impl fmt::Display for NtsServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Server(e) => write!(f, "{e}"),
            Self::Fields(e) => write!(f, "NTS request: {e}"),
            Self::UniqueIdentifier => {
                f.write_str("NTS request without a Unique Identifier of at least 32 bytes (RFC 8915 §5.3)")
            }
            Self::CookieCount(n) => write!(f, "NTS request with {n} cookies, not one (RFC 8915 §5.7)"),
            Self::NoAuthenticator => f.write_str("NTS request without an NTS Authenticator"),
        }
    }
}

impl core::error::Error for NtsServeError {}

/// Why a request was answered with an NTS NAK.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum NakReason {
    /// The cookie does not open: unknown or rotated-out master key, altered, forged.
    Cookie(CookieError),
    /// The cookie opens but holds keys for an AEAD this server's key type cannot use.
    Aead(u16),
    /// The request's authenticator does not verify under the cookie's C2S key, or its
    /// nonce is shorter than the AEAD's.
    Authenticator,
}

/// What [`respond_nts`] wrote into `out`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum NtsAnswer {
    /// An authenticated reply of `len` bytes with `cookies` new cookies.
    Time {
        /// Reply length.
        len: usize,
        /// Cookies in it.
        cookies: usize,
    },
    /// An NTSN kiss-o'-death (unauthenticated, with the request's Unique Identifier
    /// so the client can match it) of `len` bytes: run NTS-KE again (RFC 8915 §5.7).
    Nak {
        /// Reply length.
        len: usize,
        /// Why.
        reason: NakReason,
    },
}

impl NtsAnswer {
    /// The number of bytes to send.
    pub const fn len(&self) -> usize {
        match self {
            Self::Time { len, .. } | Self::Nak { len, .. } => *len,
        }
    }

    /// Always false: a reply has a header.
    pub const fn is_empty(&self) -> bool {
        false
    }
}

/// Answers an NTS-protected request (RFC 8915 §5.7) as [`respond`](super::respond)
/// answers a plain one (T2 `t2`, `state`), and:
///
/// - refuses (no reply: [`NtsServeError`]) a request that is not an NTS request: no
///   Unique Identifier of ≥ 32 bytes, not exactly one cookie, no Authenticator last;
/// - answers an NTSN kiss-o'-death ([`NtsAnswer::Nak`]) when the cookie does not open
///   under a master key held in `cookies`, or the request does not verify under the
///   C2S key in it;
/// - otherwise replies with the Unique Identifier echoed and, sealed under the S2C key
///   with a fresh nonce from `random` (a cryptographic RNG), one new cookie per cookie
///   and placeholder received — fewer if the reply would be longer than the request
///   (no amplification, §5.7) or exceed [`MAX_PACKET_LEN`].
///
/// `t3` reads the transmit time: it is called once, after the cookies are sealed and
/// just before the reply is written and sealed, so that the crypto work before it does
/// not count as network delay (pass `|| t3` for a time read earlier).
///
/// Session keys are opened with `M` (the master keys' type: `AnyAead` accepts every
/// compiled-in AEAD). Nothing is kept between requests; a replayed request gets a reply
/// only its original sender can read. `out` must hold the request (its encrypted fields
/// are opened there first): [`MAX_PACKET_LEN`] bytes always do. On error `out` holds
/// nothing to send.
pub fn respond_nts<M: NtsAead, const K: usize>(
    request: &[u8],
    state: &ServerState,
    t2: NtpTimestamp,
    t3: impl FnOnce() -> NtpTimestamp,
    cookies: &mut CookieKeys<M, K>,
    random: &mut impl NonceSource,
    out: &mut [u8],
) -> Result<NtsAnswer, NtsServeError> {
    let req = parse_request(request, out).map_err(NtsServeError::Server)?;
    let view = PacketView::new_checked(request).map_err(|e| NtsServeError::Server(ServerError::Parse(e)))?;
    let fields = NtsFields::parse(&view).map_err(NtsServeError::Fields)?;
    let uid = fields.unique_id.filter(|u| u.len() >= UID_LEN).ok_or(NtsServeError::UniqueIdentifier)?;
    let (Some(cookie), 1) = (fields.cookie, fields.cookies) else {
        return Err(NtsServeError::CookieCount(fields.cookies));
    };
    let authenticator = fields.authenticator.ok_or(NtsServeError::NoAuthenticator)?;

    let nak = |reason, out: &mut [u8]| nak(request, uid, reason, out);
    let keys = match cookies.open(cookie) {
        Ok(keys) => keys,
        Err(e) => return nak(NakReason::Cookie(e), out),
    };
    let key = |bytes: &[u8; 64]| bytes.get(..keys.len).and_then(|k| M::with_key(keys.aead, k));
    // The request's encrypted fields are opened in `out` (checked, then overwritten by
    // the reply): no packet-sized buffer on the stack.
    let encrypted = authenticator.encrypted();
    let Some(fields_in) = out.get_mut(..encrypted.len()) else {
        let required = encrypted.len();
        return Err(NtsServeError::Server(ServerError::Emit(EmitError::BufferTooSmall { required })));
    };
    fields_in.copy_from_slice(encrypted);
    {
        let Some(mut c2s) = key(&keys.c2s) else { return nak(NakReason::Aead(keys.aead), out) };
        let associated = request.get(..authenticator.offset).unwrap_or_default();
        if authenticator.nonce.len() < c2s.nonce_len()
            || c2s.open(authenticator.nonce, associated, fields_in, &authenticator.tag()).is_err()
        {
            return nak(NakReason::Authenticator, out);
        }
    }
    EncryptedFields::check(fields_in).map_err(NtsServeError::Fields)?;
    let Some(mut s2c) = key(&keys.s2c) else { return nak(NakReason::Aead(keys.aead), out) };

    // How many cookies fit: one per cookie and placeholder, within the request's size.
    let nonce_len = s2c.nonce_len().min(MAX_NONCE_LEN);
    let cookie_field = field_len(cookie.len());
    let head = HEADER_LEN.saturating_add(field_len(uid.len()));
    let limit = request.len().min(MAX_PACKET_LEN).min(out.len());
    let mut wanted =
        usize::from(fields.placeholders).saturating_add(1).min(MAX_EXTENSION_FIELDS.saturating_sub(2));
    while wanted > 0
        && head.saturating_add(authenticator_len(nonce_len, wanted.saturating_mul(cookie_field))) > limit
    {
        wanted = wanted.saturating_sub(1);
    }

    // The cookies go straight where the authenticator's plaintext will be sealed.
    let plain_at = authenticator_plaintext_at(head, nonce_len);
    let room = out.get_mut(plain_at..limit).unwrap_or_default();
    let mut plain_len = 0usize;
    let mut sealed = 0usize;
    for _ in 0..wanted {
        let Some(field) = room.get_mut(plain_len..) else { break };
        let Some((type_len, value)) = field.split_first_chunk_mut::<4>() else { break };
        let Ok(n) = cookies.seal(&keys, random, value) else { break };
        let len = field_len(n);
        let [t0, t1] = NTS_COOKIE.to_be_bytes();
        let [l0, l1] = u16::try_from(len).unwrap_or(0).to_be_bytes();
        *type_len = [t0, t1, l0, l1];
        if let Some(padding) = value.get_mut(n..len.saturating_sub(4)) {
            padding.fill(0);
        }
        plain_len = plain_len.saturating_add(len);
        sealed = sealed.saturating_add(1);
    }

    let emit = |e| NtsServeError::Server(ServerError::Emit(e));
    let reply = reply_to(&req, state, req.transmit_timestamp, t2, t3());
    let len = reply.emit(out).map_err(emit)?;
    let mut writer = ExtensionWriter::after(out, len).map_err(emit)?;
    writer.push(UNIQUE_IDENTIFIER, uid).map_err(emit)?;
    let len = writer.len();
    let mut nonce = [0u8; MAX_NONCE_LEN];
    for chunk in nonce.chunks_exact_mut(8) {
        chunk.copy_from_slice(&random.next_nonce().to_be_bytes());
    }
    let nonce = nonce.get(..nonce_len).unwrap_or_default();
    let len =
        seal_authenticator_in_place(&mut s2c, out, len, nonce, plain_len).map_err(NtsServeError::Fields)?;
    Ok(NtsAnswer::Time { len, cookies: sealed })
}

/// An NTSN kiss-o'-death echoing the Unique Identifier.
fn nak(request: &[u8], uid: &[u8], reason: NakReason, out: &mut [u8]) -> Result<NtsAnswer, NtsServeError> {
    let len = respond_kiss(request, KissCode::Ntsn, out).map_err(NtsServeError::Server)?;
    let emit = |e| NtsServeError::Server(ServerError::Emit(e));
    let mut writer = ExtensionWriter::after(out, len).map_err(emit)?;
    writer.push(UNIQUE_IDENTIFIER, uid).map_err(emit)?;
    let len = writer.finish().map_err(emit)?;
    Ok(NtsAnswer::Nak { len, reason })
}

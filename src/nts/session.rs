//! An NTS session with one server (RFC 8915 §5.7): the two keys, a fixed-capacity
//! cookie jar, and the unique identifier of the request outstanding.

use core::fmt;

use heapless::Deque;

use super::aead::NtsAead;
use super::fields::{
    COOKIE_PLACEHOLDER, EncryptedFields, MAX_NONCE_LEN, NTS_COOKIE, NtsError, NtsFields, UID_LEN,
    UNIQUE_IDENTIFIER, append_authenticator, authenticator_len, field_len,
};
use super::ke::{Cookie, KeResponse, MAX_COOKIE_LEN, NtsKeys};
use crate::traits::NonceSource;
use crate::wire::error::EmitError;
use crate::wire::{
    ExtensionWriter, HEADER_LEN, KissCode, MAX_EXTENSION_FIELDS, MAX_PACKET_LEN, PacketView, Stratum,
};

/// Cookies a session keeps by default: RFC 8915 §4.1.6 suggests servers hand out
/// eight.
pub const DEFAULT_COOKIES: usize = 8;

/// Zero bytes for Cookie Placeholder bodies.
static ZEROS: [u8; MAX_COOKIE_LEN] = [0; MAX_COOKIE_LEN];

/// An NTS session with one NTP server: the C2S and S2C keys exported from the NTS-KE
/// TLS session, up to `C` cookies, and the unique identifier of the request in flight.
///
/// Each request spends one cookie and asks, with Cookie Placeholders, for as many new
/// ones as it takes to fill the jar again; the reply brings them encrypted. When the jar
/// is empty ([`needs_key_exchange`](Self::needs_key_exchange)) the caller runs NTS-KE
/// again and replaces the session. Cookies are never reused (RFC 8915 §5.7, so that
/// requests cannot be linked).
///
/// The session never sends or receives: [`protect_request`](Self::protect_request) adds
/// the NTS fields to a request, and [`open_reply`](Self::open_reply) and
/// [`accept`](Self::accept) check a reply and take its cookies. Given as the
/// authentication of an exchange (`ClientRequest::build_with`,
/// `PendingRequest::process_with`) or of a `Client`'s servers, the session does both at
/// the right points of the checks.
pub struct NtsSession<A: NtsAead, const C: usize = DEFAULT_COOKIES> {
    c2s: A,
    s2c: A,
    cookies: Deque<Cookie, C>,
    outstanding: Option<[u8; UID_LEN]>,
    authenticated: bool,
}

impl<A: NtsAead, const C: usize> fmt::Debug for NtsSession<A, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtsSession")
            .field("algorithm", &self.c2s.algorithm())
            .field("cookies", &self.cookies.len())
            .field("outstanding", &self.outstanding.is_some())
            .field("authenticated", &self.authenticated)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
impl<A: NtsAead, const C: usize> defmt::Format for NtsSession<A, C> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "NtsSession {{ algorithm: {=u16}, cookies: {=usize}, outstanding: {=bool}, authenticated: {=bool} }}",
            self.c2s.algorithm(),
            self.cookies.len(),
            self.outstanding.is_some(),
            self.authenticated
        );
    }
}

/// Room for the decrypted extension fields of one reply: [`NtsSession::open_reply`]
/// fills it, [`NtsSession::accept`] takes the cookies from it. 1,098 bytes; keep it on
/// the stack for the one reply being checked.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Plaintext {
    buf: [u8; MAX_PACKET_LEN],
    len: usize,
}

impl Default for Plaintext {
    fn default() -> Self {
        Self { buf: [0; MAX_PACKET_LEN], len: 0 }
    }
}

impl Plaintext {
    /// The decrypted extension fields (empty until a reply was opened).
    pub fn fields(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Plaintext {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Plaintext {{ len: {=usize} }}", self.len);
    }
}

impl<A: NtsAead, const C: usize> NtsSession<A, C> {
    /// A session from the two keys, with no cookies yet (add them with
    /// [`add_cookie`](Self::add_cookie)).
    pub fn new(c2s: A, s2c: A) -> Self {
        Self { c2s, s2c, cookies: Deque::new(), outstanding: None, authenticated: false }
    }

    /// A session from a decoded NTS-KE response and the keys exported for it
    /// ([`export_keys`](super::ke::export_keys)). Fails with
    /// [`NtsError::KeyMismatch`] if the response, the keys and `A` disagree on the
    /// algorithm or the key length.
    pub fn from_ke(response: &KeResponse, keys: &NtsKeys) -> Result<Self, NtsError> {
        if response.aead != keys.aead {
            return Err(NtsError::KeyMismatch);
        }
        let key = |bytes: &[u8; 64]| bytes.get(..keys.len).and_then(|k| A::with_key(keys.aead, k));
        let (Some(c2s), Some(s2c)) = (key(&keys.c2s), key(&keys.s2c)) else {
            return Err(NtsError::KeyMismatch);
        };
        let mut session = Self::new(c2s, s2c);
        for cookie in &response.cookies {
            session.add_cookie(cookie);
        }
        Ok(session)
    }

    /// Adds a cookie; when the jar is full the oldest is dropped. Returns false (and
    /// keeps nothing) for an empty cookie or one longer than [`MAX_COOKIE_LEN`].
    pub fn add_cookie(&mut self, cookie: &[u8]) -> bool {
        let Ok(cookie) = Cookie::from_slice(cookie) else { return false };
        if cookie.is_empty() || C == 0 {
            return false;
        }
        if self.cookies.is_full() {
            let _ = self.cookies.pop_front();
        }
        self.cookies.push_back(cookie).is_ok()
    }

    /// Cookies in the jar.
    pub fn cookies(&self) -> usize {
        self.cookies.len()
    }

    /// True when no cookie is left: no request can be protected until NTS-KE runs
    /// again.
    pub fn needs_key_exchange(&self) -> bool {
        self.cookies.is_empty()
    }

    /// True once a reply has been authenticated in this session.
    pub const fn has_authenticated(&self) -> bool {
        self.authenticated
    }

    /// True while a protected request awaits its reply.
    pub const fn is_awaiting_reply(&self) -> bool {
        self.outstanding.is_some()
    }

    /// Adds the NTS fields to the request in `buf[..len]` (a header from
    /// [`ClientRequest::build`](crate::exchange::ClientRequest::build), possibly with
    /// other fields after it): a fresh 32-byte Unique Identifier, one cookie, as many
    /// Cookie Placeholders as it takes to refill the jar (fewer if the packet would
    /// exceed [`MAX_PACKET_LEN`] or `buf`), and the Authenticator, sealed with the C2S
    /// key over the whole packet (RFC 8915 §5.7). The identifier and the 16-byte AEAD
    /// nonce are drawn from `random`, which must be a cryptographic RNG.
    ///
    /// Returns the new length. The session then expects the reply to this request
    /// only (an earlier request's reply is refused). On error the session is
    /// unchanged and `buf[..len]` is untouched.
    pub fn protect_request(
        &mut self,
        buf: &mut [u8],
        len: usize,
        random: &mut impl NonceSource,
    ) -> Result<usize, NtsError> {
        if len < HEADER_LEN || !len.is_multiple_of(4) {
            return Err(NtsError::Emit(EmitError::BadPacketLength { len }));
        }
        let Some(cookie) = self.cookies.front() else { return Err(NtsError::NoCookie) };
        let cookie_field = field_len(cookie.len());
        let uid_field = field_len(UID_LEN);
        let nonce_len = self.c2s.nonce_len().min(MAX_NONCE_LEN);
        let auth_field = authenticator_len(nonce_len, 0);
        let fixed = len.saturating_add(uid_field).saturating_add(cookie_field).saturating_add(auth_field);
        let limit = buf.len().min(MAX_PACKET_LEN);
        if fixed > limit {
            return Err(NtsError::Emit(if fixed > MAX_PACKET_LEN {
                EmitError::PacketTooLong { len: fixed }
            } else {
                EmitError::BufferTooSmall { required: fixed }
            }));
        }
        // Fill the jar again: the reply returns one cookie per cookie or placeholder.
        let wanted = C.saturating_sub(self.cookies.len());
        let by_room = (limit.saturating_sub(fixed)).checked_div(cookie_field).unwrap_or(0);
        let by_count = MAX_EXTENSION_FIELDS.saturating_sub(3);
        let placeholders = wanted.min(by_room).min(by_count);

        let mut uid = [0u8; UID_LEN];
        for chunk in uid.chunks_exact_mut(8) {
            chunk.copy_from_slice(&random.next_nonce().to_be_bytes());
        }
        let mut nonce = [0u8; MAX_NONCE_LEN];
        for chunk in nonce.chunks_exact_mut(8) {
            chunk.copy_from_slice(&random.next_nonce().to_be_bytes());
        }
        let nonce = nonce.get(..nonce_len).unwrap_or_default();
        let mut writer = ExtensionWriter::after(buf, len)?;
        writer.push(UNIQUE_IDENTIFIER, &uid)?;
        writer.push(NTS_COOKIE, cookie)?;
        let zeros = ZEROS.get(..cookie.len()).unwrap_or_default();
        for _ in 0..placeholders {
            writer.push(COOKIE_PLACEHOLDER, zeros)?;
        }
        // No `finish`: the Authenticator follows, and it is longer than 28 bytes.
        let end = writer.len();
        let end = match append_authenticator(&mut self.c2s, buf, end, nonce, &[]) {
            Ok(end) => end,
            Err(e) => {
                if let Some(tail) = buf.get_mut(len..fixed) {
                    tail.fill(0);
                }
                return Err(e);
            }
        };
        let _ = self.cookies.pop_front();
        self.outstanding = Some(uid);
        Ok(end)
    }

    /// Checks the NTS part of `view`, a reply from this session's server, without
    /// changing the session: the Unique Identifier is the outstanding request's, the
    /// Authenticator is last, well formed and verifies under the S2C key over the
    /// packet before it (RFC 8915 §5.7). The decrypted fields land in `plaintext`.
    ///
    /// An unauthenticated NTSN kiss-o'-death with the right identifier gives
    /// [`NtsError::Nak`]; any other reply without an Authenticator gives
    /// [`NtsError::Unauthenticated`].
    pub fn open_reply<T: AsRef<[u8]>>(
        &mut self,
        view: &PacketView<T>,
        plaintext: &mut Plaintext,
    ) -> Result<(), NtsError> {
        let fields = NtsFields::parse(view)?;
        let Some(expected) = self.outstanding.as_ref() else {
            return Err(NtsError::NoRequestOutstanding);
        };
        let Some(authenticator) = fields.authenticator else {
            let matched = fields.unique_id == Some(&expected[..]);
            let nak = view.stratum() == Stratum(0) && view.reference_id().as_kiss_code() == KissCode::Ntsn;
            return Err(if matched && nak { NtsError::Nak } else { NtsError::Unauthenticated });
        };
        match fields.unique_id {
            None => return Err(NtsError::MissingUniqueIdentifier),
            Some(uid) if uid != &expected[..] => return Err(NtsError::UniqueIdentifierMismatch),
            Some(_) => {}
        }
        if authenticator.nonce.len() < self.s2c.nonce_len() {
            let len = u16::try_from(authenticator.nonce.len()).unwrap_or(u16::MAX);
            return Err(NtsError::MalformedNonce { len });
        }
        let encrypted = authenticator.encrypted();
        plaintext.len = 0;
        let fields = plaintext.buf.get_mut(..encrypted.len()).ok_or(NtsError::MalformedEncryptedField)?;
        fields.copy_from_slice(encrypted);
        let associated = view.as_bytes().get(..authenticator.offset).unwrap_or_default();
        self.s2c
            .open(authenticator.nonce, associated, fields, &authenticator.tag())
            .map_err(|_| NtsError::AuthenticationFailed)?;
        EncryptedFields::check(fields)?;
        plaintext.len = encrypted.len();
        Ok(())
    }

    /// Completes an exchange whose reply [`open_reply`](Self::open_reply) verified and
    /// the caller accepted: keeps the new cookies from `plaintext`, forgets the
    /// outstanding identifier and remembers that this server has authenticated.
    pub fn accept(&mut self, plaintext: &Plaintext) {
        for (field_type, value) in EncryptedFields::new(plaintext.fields()) {
            if field_type == NTS_COOKIE {
                let _ = self.add_cookie(value);
            }
        }
        self.outstanding = None;
        self.authenticated = true;
    }
}

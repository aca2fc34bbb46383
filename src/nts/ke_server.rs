//! The server side of NTS-KE (RFC 8915 §4): read a client's request, choose the
//! protocol and the AEAD, export the session keys from the caller's TLS session and
//! answer with fresh cookies. Sans-IO: the caller runs TLS 1.3 with ALPN `ntske/1`,
//! feeds the bytes it reads to [`KeServerRequest::decode`] until it stops saying
//! [`KeError::Incomplete`], and writes what [`respond_ke`] returns.

use heapless::Vec;

use super::aead::NtsAead;
use super::cookie::{CookieError, CookieKeys, MAX_SEALED_COOKIE_LEN};
use super::ke::{
    AEAD_ALGORITHM, CRITICAL, END_OF_MESSAGE, ERROR, KeError, KeyExporter, NEW_COOKIE, NEXT_PROTOCOL, PORT,
    PROTOCOL_NTPV4, Record, SERVER, WARNING, aead_key_len, be16, export_keys, put, record_at,
};
use crate::traits::NonceSource;

/// Longest request [`KeServerRequest::decode`] reads: a client's request is a few
/// dozen bytes; one still without End of Message after this many is refused
/// ([`KeError::TooLong`]) rather than read forever (catalogue row "a KE request that
/// never ends").
pub const MAX_KE_REQUEST_LEN: usize = 1024;

/// AEAD algorithms of a request kept (the first 16 offered; more are ignored).
pub const MAX_AEADS_OFFERED: usize = 16;

/// Error code: Unrecognized Critical Record (RFC 8915 §4.1.3).
pub const ERROR_UNRECOGNIZED_CRITICAL_RECORD: u16 = 0;
/// Error code: Bad Request.
pub const ERROR_BAD_REQUEST: u16 = 1;
/// Error code: Internal Server Error.
pub const ERROR_INTERNAL: u16 = 2;

/// Cookies a KE response carries (RFC 8915 §4.1.6 suggests 8).
pub const KE_COOKIES: usize = 8;

/// A client's NTS-KE request as the server reads it (RFC 8915 §4.1).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct KeServerRequest {
    /// NTPv4 (protocol 0) was among the protocols offered.
    pub ntpv4: bool,
    /// The AEAD algorithms offered, in the client's order of preference.
    pub aeads: Vec<u16, MAX_AEADS_OFFERED>,
}

impl KeServerRequest {
    /// Decodes a request up to and including its End of Message record; returns it and
    /// the bytes used. [`KeError::Incomplete`]: read more and decode again (at most
    /// [`MAX_KE_REQUEST_LEN`] bytes: past that, [`KeError::TooLong`]). Other errors
    /// are answered with [`respond_ke_error`]: [`KeError::UnknownCriticalRecord`] with
    /// code 0, the rest with code 1 (Bad Request), see [`error_code`].
    ///
    /// Checks (RFC 8915 §4.1): exactly one Next Protocol record, with an even body;
    /// at most one AEAD Algorithm Negotiation record, with an even body, required when
    /// NTPv4 is offered; no Error, Warning or New Cookie record (those are the
    /// server's); Server and Port records are read and ignored (this server names its
    /// NTP server itself); unknown records skipped unless critical.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), KeError> {
        let mut request = Self::default();
        let (mut protocol_seen, mut aead_seen) = (false, false);
        let mut at = 0usize;
        loop {
            let Record { raw_type, record_type, len, body, end } =
                match record_at(bytes, at, MAX_KE_REQUEST_LEN) {
                    // A header that cannot arrive within the limit is as refused as a body.
                    Err(KeError::Incomplete) if bytes.len() > MAX_KE_REQUEST_LEN => {
                        return Err(KeError::TooLong);
                    }
                    other => other?,
                };
            at = end;
            let bad_len = KeError::BadRecordLength { record_type, len };
            match record_type {
                END_OF_MESSAGE => {
                    if len != 0 {
                        return Err(bad_len);
                    }
                    break;
                }
                NEXT_PROTOCOL => {
                    if protocol_seen {
                        return Err(KeError::DuplicateRecord(record_type));
                    }
                    if len % 2 != 0 {
                        return Err(bad_len);
                    }
                    protocol_seen = true;
                    request.ntpv4 = body.chunks_exact(2).any(|p| be16(p) == Some(PROTOCOL_NTPV4));
                }
                AEAD_ALGORITHM => {
                    if aead_seen {
                        return Err(KeError::DuplicateRecord(record_type));
                    }
                    if len % 2 != 0 {
                        return Err(bad_len);
                    }
                    aead_seen = true;
                    for id in body.chunks_exact(2).filter_map(be16) {
                        let _ = request.aeads.push(id);
                    }
                }
                // The server's records: a client must not send them (§4.1.3, 4.1.4, 4.1.6).
                ERROR | WARNING | NEW_COOKIE => return Err(KeError::UnexpectedRecord(record_type)),
                SERVER | PORT => {}
                other if raw_type & CRITICAL != 0 => return Err(KeError::UnknownCriticalRecord(other)),
                _ => {}
            }
        }
        if !protocol_seen || (request.ntpv4 && !aead_seen) {
            return Err(KeError::NoNtpv4);
        }
        Ok((request, at))
    }
}

/// The error code to answer a request that [`KeServerRequest::decode`] refused with
/// `error` (RFC 8915 §4.1.3): 0 for an unrecognized critical record, 1 (Bad Request)
/// otherwise. `None` for [`KeError::Incomplete`]: read more first.
pub const fn error_code(error: &KeError) -> Option<u16> {
    match error {
        KeError::Incomplete => None,
        KeError::UnknownCriticalRecord(_) => Some(ERROR_UNRECOGNIZED_CRITICAL_RECORD),
        _ => Some(ERROR_BAD_REQUEST),
    }
}

/// Writes an error response (RFC 8915 §4.1.3): an Error record with `code`, then End
/// of Message. Returns its length (12). The server closes the connection after it.
pub fn respond_ke_error(code: u16, out: &mut [u8]) -> Result<usize, KeError> {
    let at = put(out, 0, CRITICAL | ERROR, &code.to_be_bytes())?;
    put(out, at, CRITICAL | END_OF_MESSAGE, &[])
}

/// What this server tells NTS clients besides cookies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct KeServerConfig<'a> {
    /// The AEADs this server accepts, any order (`SUPPORTED_AEADS` for all compiled
    /// in). The client's order decides among them.
    pub aeads: &'a [u16],
    /// NTP server name or address to send (Server Negotiation, §4.1.7), when NTP is
    /// not at the KE server's own address.
    pub server: Option<&'a str>,
    /// NTP port to send (Port Negotiation, §4.1.8), when it is not 123.
    pub port: Option<u16>,
}

/// What [`respond_ke`] answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum KeOutcome {
    /// A session: the AEAD chosen and the cookies sent.
    Session {
        /// The AEAD chosen.
        aead: u16,
        /// Cookies in the response.
        cookies: usize,
    },
    /// The client offered no protocol this server speaks: an empty Next Protocol
    /// record, no cookies (§4.1.2).
    NoCommonProtocol,
    /// The client offered no AEAD this server accepts: an empty AEAD record, no
    /// cookies (§4.1.5).
    NoCommonAead,
}

/// Why [`respond_ke`] wrote nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum KeServeError<E> {
    /// The output buffer is too small or a name too long.
    Encode(KeError),
    /// The TLS session's exporter failed: answer [`ERROR_INTERNAL`].
    Export(E),
    /// A cookie could not be sealed (no master key): answer [`ERROR_INTERNAL`].
    Cookie(CookieError),
}

/// Answers a decoded request (RFC 8915 §4): NTPv4 as next protocol if offered, the
/// first AEAD of the client's list that `config.aeads` holds (list only AEADs `M` can
/// key: the NTS responder opens the session with `M`), the keys
/// exported from the TLS session (`exporter`, §5.1), and [`KE_COOKIES`] cookies sealed
/// under the current master key. Without a common protocol or AEAD the matching record
/// is empty and no cookie is sent. Returns the length written and what was answered.
/// An 8-cookie response is at most 8 × 170 + 28 bytes, about 1.4 KiB.
pub fn respond_ke<M: NtsAead, const K: usize, E: KeyExporter>(
    request: &KeServerRequest,
    config: &KeServerConfig<'_>,
    exporter: &mut E,
    cookies: &mut CookieKeys<M, K>,
    random: &mut impl NonceSource,
    out: &mut [u8],
) -> Result<(usize, KeOutcome), KeServeError<E::Error>> {
    let enc = KeServeError::Encode;
    if !request.ntpv4 {
        let at = put(out, 0, CRITICAL | NEXT_PROTOCOL, &[]).map_err(enc)?;
        let at = put(out, at, CRITICAL | END_OF_MESSAGE, &[]).map_err(enc)?;
        return Ok((at, KeOutcome::NoCommonProtocol));
    }
    let at = put(out, 0, CRITICAL | NEXT_PROTOCOL, &PROTOCOL_NTPV4.to_be_bytes()).map_err(enc)?;
    let chosen =
        request.aeads.iter().copied().find(|id| config.aeads.contains(id) && aead_key_len(*id).is_some());
    let Some(aead) = chosen else {
        let at = put(out, at, CRITICAL | AEAD_ALGORITHM, &[]).map_err(enc)?;
        let at = put(out, at, CRITICAL | END_OF_MESSAGE, &[]).map_err(enc)?;
        return Ok((at, KeOutcome::NoCommonAead));
    };
    let keys = match export_keys(exporter, aead) {
        Some(Ok(keys)) => keys,
        Some(Err(e)) => return Err(KeServeError::Export(e)),
        None => return Err(KeServeError::Cookie(CookieError::UnsupportedAead(aead))),
    };
    let mut at = put(out, at, CRITICAL | AEAD_ALGORITHM, &aead.to_be_bytes()).map_err(enc)?;
    let mut cookie = [0u8; MAX_SEALED_COOKIE_LEN];
    for _ in 0..KE_COOKIES {
        let len = cookies.seal(&keys, random, &mut cookie).map_err(KeServeError::Cookie)?;
        at = put(out, at, NEW_COOKIE, cookie.get(..len).unwrap_or_default()).map_err(enc)?;
    }
    if let Some(name) = config.server {
        at = put(out, at, CRITICAL | SERVER, name.as_bytes()).map_err(enc)?;
    }
    if let Some(port) = config.port {
        at = put(out, at, CRITICAL | PORT, &port.to_be_bytes()).map_err(enc)?;
    }
    let at = put(out, at, CRITICAL | END_OF_MESSAGE, &[]).map_err(enc)?;
    Ok((at, KeOutcome::Session { aead, cookies: KE_COOKIES }))
}

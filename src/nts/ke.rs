//! NTS Key Establishment records (RFC 8915 §4), sans-IO: the client's request is
//! encoded into a caller's buffer and the server's response decoded from the bytes the
//! caller read off its TLS 1.3 session, with fixed capacities and no allocation. The
//! TLS session and its key exporter belong to the caller ([`KeyExporter`]).
//!
//! A record is a critical bit, a 15-bit type, a 16-bit body length and the body.
//!
//! ```
//! use ntpkit::nts::ke::{AEAD_AES_SIV_CMAC_256, KeRequest, KeResponse};
//! let mut buf = [0u8; 64];
//! let n = KeRequest { aead_algorithms: &[AEAD_AES_SIV_CMAC_256], server: None, port: None }.encode(&mut buf)?;
//! assert_eq!(&buf[..n], &[0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0x80, 0, 0, 0]);
//! // What a server answers: NTPv4, AES-SIV-CMAC-256, one cookie, end of message.
//! let reply = [0x80, 1, 0, 2, 0, 0, 0x80, 4, 0, 2, 0, 15, 0, 5, 0, 4, 1, 2, 3, 4, 0x80, 0, 0, 0];
//! let (response, used) = KeResponse::decode(&reply)?;
//! assert_eq!((response.aead, response.cookies.len(), used), (15, 1, reply.len()));
//! # Ok::<(), ntpkit::nts::ke::KeError>(())
//! ```

use core::fmt;

use heapless::{String, Vec};

/// Record type: End of Message (always critical).
pub const END_OF_MESSAGE: u16 = 0;
/// Record type: NTS Next Protocol Negotiation.
pub const NEXT_PROTOCOL: u16 = 1;
/// Record type: Error.
pub const ERROR: u16 = 2;
/// Record type: Warning.
pub const WARNING: u16 = 3;
/// Record type: AEAD Algorithm Negotiation.
pub const AEAD_ALGORITHM: u16 = 4;
/// Record type: New Cookie for NTPv4.
pub const NEW_COOKIE: u16 = 5;
/// Record type: NTPv4 Server Negotiation.
pub const SERVER: u16 = 6;
/// Record type: NTPv4 Port Negotiation.
pub const PORT: u16 = 7;
/// The critical bit of the record type field.
pub const CRITICAL: u16 = 0x8000;

/// Next-protocol ID of NTPv4 (RFC 8915 §7.7).
pub const PROTOCOL_NTPV4: u16 = 0;
/// AEAD_AES_SIV_CMAC_256 (RFC 5297), the algorithm every NTS implementation supports.
pub const AEAD_AES_SIV_CMAC_256: u16 = 15;
/// AEAD_AES_SIV_CMAC_512 (RFC 5297; IANA AEAD 17).
pub const AEAD_AES_SIV_CMAC_512: u16 = 17;
/// AEAD_AES_128_GCM_SIV (RFC 8452; IANA AEAD 30).
pub const AEAD_AES_128_GCM_SIV: u16 = 30;

/// The largest cookie kept: 176 bytes, each slot of a session's jar. Real servers send
/// 64–100 B (chrony, by AEAD), 104–168 B (ntpd-rs, ntpsec; AES-SIV-CMAC-512's two
/// 64-byte keys make the longest) and 72–168 B (ntpkit's own server); 176 leaves 8
/// bytes of room. It was 256: an 8-cookie jar is 640 B smaller now (2,936 → 2,296 B on
/// thumbv7em, `benches/size`). A longer cookie from NTS-KE is refused by name
/// (`KeError::CookieTooLarge`), never cut.
pub const MAX_COOKIE_LEN: usize = 176;
/// Cookies kept from one response (RFC 8915 suggests servers send eight).
pub const MAX_COOKIES: usize = 8;
/// Warnings kept from one response.
pub const MAX_WARNINGS: usize = 4;
/// The longest server name kept.
pub const MAX_SERVER_NAME: usize = 255;

/// One cookie: opaque bytes for the server.
pub type Cookie = Vec<u8, MAX_COOKIE_LEN>;

/// Why a key-establishment message could not be encoded or decoded.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum KeError {
    /// No End of Message record yet: read more bytes from the TLS session and decode
    /// again.
    Incomplete,
    /// The buffer is too small for the request; `required` bytes in all.
    BufferTooSmall {
        /// Bytes needed.
        required: usize,
    },
    /// A server name longer than [`MAX_SERVER_NAME`] or empty, or a body over 65,535
    /// bytes.
    TooLong,
    /// The server answered with an Error record (RFC 8915 §4.1.3: 0 unrecognized
    /// critical record, 1 bad request, 2 internal server error).
    ServerError(u16),
    /// A record type this client does not know, with the critical bit set.
    UnknownCriticalRecord(u16),
    /// A record whose body length does not fit its type.
    BadRecordLength {
        /// The record type.
        record_type: u16,
        /// Its body length.
        len: u16,
    },
    /// A record that may appear once appeared twice.
    DuplicateRecord(u16),
    /// No Next Protocol record, or one without NTPv4 as its single protocol.
    NoNtpv4,
    /// No AEAD record, or one naming an algorithm the client did not offer.
    UnsupportedAead,
    /// An AEAD record with an empty body: the server supports none of the algorithms
    /// the client offered (RFC 8915 §4.1.5). Offer others, or use another server.
    NoCommonAead,
    /// No cookie in the response.
    NoCookies,
    /// A cookie longer than [`MAX_COOKIE_LEN`] (catalogue N-5).
    CookieTooLarge {
        /// Its length.
        len: u16,
    },
    /// A server name that is not printable ASCII.
    BadServerName,
    /// A record only the other side may send: Error, Warning or New Cookie in a
    /// client's request (RFC 8915 §4.1.3, §4.1.4, §4.1.6).
    UnexpectedRecord(u16),
}

impl fmt::Display for KeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Incomplete => f.write_str("NTS-KE message incomplete: no End of Message record yet"),
            Self::BufferTooSmall { required } => {
                write!(f, "NTS-KE request: buffer too small, {required} bytes required")
            }
            Self::TooLong => f.write_str("NTS-KE field too long"),
            Self::ServerError(code) => write!(f, "NTS-KE server error {code} (RFC 8915 §4.1.3)"),
            Self::UnknownCriticalRecord(t) => write!(f, "unknown critical NTS-KE record type {t}"),
            Self::BadRecordLength { record_type, len } => {
                write!(f, "NTS-KE record type {record_type} with a {len}-byte body")
            }
            Self::DuplicateRecord(t) => write!(f, "NTS-KE record type {t} appears twice"),
            Self::NoNtpv4 => f.write_str("the server did not agree on NTPv4 as the next protocol"),
            Self::UnsupportedAead => f.write_str("the server chose no AEAD algorithm the client offered"),
            Self::NoCommonAead => {
                f.write_str("the server supports none of the AEAD algorithms offered (empty AEAD record)")
            }
            Self::NoCookies => f.write_str("the NTS-KE response carries no cookie"),
            Self::CookieTooLarge { len } => write!(f, "NTS cookie of {len} bytes exceeds {MAX_COOKIE_LEN}"),
            Self::BadServerName => f.write_str("NTS-KE server name is not printable ASCII"),
            Self::UnexpectedRecord(t) => {
                write!(f, "NTS-KE record type {t} is the server's, not the client's")
            }
        }
    }
}

impl core::error::Error for KeError {}

/// Writes one record; returns the new end.
pub(super) fn put(buf: &mut [u8], at: usize, record_type: u16, body: &[u8]) -> Result<usize, KeError> {
    let len = u16::try_from(body.len()).map_err(|_| KeError::TooLong)?;
    let end = at.saturating_add(4).saturating_add(body.len());
    let dst = buf.get_mut(at..end).ok_or(KeError::BufferTooSmall { required: end })?;
    let (head, tail) = dst.split_at_mut(4);
    head.copy_from_slice(&[(record_type >> 8) as u8, record_type as u8, (len >> 8) as u8, len as u8]);
    tail.copy_from_slice(body);
    Ok(end)
}

/// The client's request (RFC 8915 §4.1): NTPv4 as next protocol, the AEAD algorithms
/// offered in order of preference, optionally a server name and port to ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct KeRequest<'a> {
    /// AEAD algorithm IDs, preferred first (at most 16).
    pub aead_algorithms: &'a [u16],
    /// An NTP server name or address to ask for (NTPv4 Server Negotiation).
    pub server: Option<&'a str>,
    /// An NTP port to ask for (NTPv4 Port Negotiation).
    pub port: Option<u16>,
}

impl KeRequest<'_> {
    /// The encoded length.
    pub fn encoded_len(&self) -> usize {
        let server = self.server.map_or(0, |s| s.len().saturating_add(4));
        let port = if self.port.is_some() { 6 } else { 0 };
        // Next protocol 6, AEAD 4 + 2 per algorithm, End of Message 4.
        self.aead_algorithms
            .len()
            .saturating_mul(2)
            .saturating_add(14)
            .saturating_add(server)
            .saturating_add(port)
    }

    /// Encodes the request into `buf` and returns its length. On error nothing is
    /// written.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, KeError> {
        let n = self.aead_algorithms.len();
        if n == 0 || n > 16 {
            return Err(KeError::UnsupportedAead);
        }
        if self.server.is_some_and(|name| name.is_empty() || name.len() > MAX_SERVER_NAME) {
            return Err(KeError::TooLong);
        }
        let required = self.encoded_len();
        if buf.len() < required {
            return Err(KeError::BufferTooSmall { required });
        }
        let mut at = put(buf, 0, CRITICAL | NEXT_PROTOCOL, &PROTOCOL_NTPV4.to_be_bytes())?;
        let mut algs = [0u8; 32];
        for (chunk, id) in algs.chunks_exact_mut(2).zip(self.aead_algorithms) {
            chunk.copy_from_slice(&id.to_be_bytes());
        }
        at = put(buf, at, CRITICAL | AEAD_ALGORITHM, algs.get(..n.saturating_mul(2)).unwrap_or_default())?;
        if let Some(name) = self.server {
            at = put(buf, at, SERVER, name.as_bytes())?;
        }
        if let Some(port) = self.port {
            at = put(buf, at, PORT, &port.to_be_bytes())?;
        }
        put(buf, at, CRITICAL | END_OF_MESSAGE, &[])
    }
}

/// A decoded server response (RFC 8915 §4.1).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct KeResponse {
    /// The AEAD algorithm chosen.
    pub aead: u16,
    /// The cookies, in order (up to [`MAX_COOKIES`]; further ones are dropped).
    pub cookies: Vec<Cookie, MAX_COOKIES>,
    /// The NTP server to use instead of the KE server's host, if the server named one.
    pub server: Option<String<MAX_SERVER_NAME>>,
    /// The NTP port to use instead of 123, if the server named one.
    pub port: Option<u16>,
    /// Warning codes (up to [`MAX_WARNINGS`]).
    pub warnings: Vec<u16, MAX_WARNINGS>,
}

/// One record of an NTS-KE message (RFC 8915 §4): its type as sent and without the
/// critical bit, its body, and where the next record starts.
pub(super) struct Record<'a> {
    pub(super) raw_type: u16,
    pub(super) record_type: u16,
    pub(super) len: u16,
    pub(super) body: &'a [u8],
    pub(super) end: usize,
}

/// The record at `at` in `bytes`: [`KeError::Incomplete`] until its header and body
/// have arrived, [`KeError::TooLong`] if it would end past `limit`.
pub(super) fn record_at(bytes: &[u8], at: usize, limit: usize) -> Result<Record<'_>, KeError> {
    let head = bytes.get(at..).and_then(|b| b.first_chunk::<4>()).ok_or(KeError::Incomplete)?;
    let raw_type = u16::from_be_bytes([head[0], head[1]]);
    let len = u16::from_be_bytes([head[2], head[3]]);
    let start = at.saturating_add(4);
    let end = start.saturating_add(usize::from(len));
    if end > limit {
        return Err(KeError::TooLong);
    }
    let body = bytes.get(start..end).ok_or(KeError::Incomplete)?;
    Ok(Record { raw_type, record_type: raw_type & !CRITICAL, len, body, end })
}

/// Reads a 2-byte body.
pub(super) fn be16(body: &[u8]) -> Option<u16> {
    body.first_chunk::<2>().map(|b| u16::from_be_bytes(*b))
}

impl KeResponse {
    /// Decodes a response that offered `aead_offered`, up to and including its End of
    /// Message record; returns it and the number of bytes used. Bytes after End of
    /// Message are not read. [`KeError::Incomplete`] means more bytes are needed.
    pub fn decode_for(bytes: &[u8], aead_offered: &[u16]) -> Result<(Self, usize), KeError> {
        let mut response = Self::default();
        let (mut protocol, mut aead) = (None, None);
        let mut error = None;
        let mut at = 0usize;
        loop {
            let Record { raw_type, record_type, len, body, end } = record_at(bytes, at, usize::MAX)?;
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
                    if protocol.is_some() {
                        return Err(KeError::DuplicateRecord(record_type));
                    }
                    if len % 2 != 0 {
                        return Err(bad_len);
                    }
                    protocol = Some(if len == 2 { be16(body) } else { None });
                }
                ERROR => error = Some(be16(body).filter(|_| len == 2).ok_or(bad_len)?),
                WARNING => {
                    let code = be16(body).filter(|_| len == 2).ok_or(bad_len)?;
                    let _ = response.warnings.push(code);
                }
                AEAD_ALGORITHM => {
                    if aead.is_some() {
                        return Err(KeError::DuplicateRecord(record_type));
                    }
                    // Empty: the server supports none of those offered (§4.1.5).
                    aead = Some(if len == 0 {
                        None
                    } else {
                        Some(be16(body).filter(|_| len == 2).ok_or(bad_len)?)
                    });
                }
                NEW_COOKIE => {
                    if usize::from(len) > MAX_COOKIE_LEN {
                        return Err(KeError::CookieTooLarge { len });
                    }
                    if len == 0 {
                        return Err(bad_len);
                    }
                    let cookie = Cookie::from_slice(body).map_err(|_| KeError::CookieTooLarge { len })?;
                    let _ = response.cookies.push(cookie);
                }
                SERVER => {
                    if response.server.is_some() {
                        return Err(KeError::DuplicateRecord(record_type));
                    }
                    if len == 0 || usize::from(len) > MAX_SERVER_NAME {
                        return Err(bad_len);
                    }
                    if !body.iter().all(|b| b.is_ascii_graphic()) {
                        return Err(KeError::BadServerName);
                    }
                    let name = core::str::from_utf8(body).map_err(|_| KeError::BadServerName)?;
                    response.server = Some(String::try_from(name).map_err(|_| KeError::TooLong)?);
                }
                PORT => {
                    if response.port.is_some() {
                        return Err(KeError::DuplicateRecord(record_type));
                    }
                    response.port = Some(be16(body).filter(|_| len == 2).ok_or(bad_len)?);
                }
                other if raw_type & CRITICAL != 0 => return Err(KeError::UnknownCriticalRecord(other)),
                _ => {}
            }
        }
        if let Some(code) = error {
            return Err(KeError::ServerError(code));
        }
        if protocol != Some(Some(PROTOCOL_NTPV4)) {
            return Err(KeError::NoNtpv4);
        }
        match aead {
            Some(Some(id)) if aead_offered.contains(&id) => response.aead = id,
            Some(None) => return Err(KeError::NoCommonAead),
            _ => return Err(KeError::UnsupportedAead),
        }
        if response.cookies.is_empty() {
            return Err(KeError::NoCookies);
        }
        Ok((response, at))
    }

    /// [`decode_for`](Self::decode_for) a request that offered AEAD_AES_SIV_CMAC_256
    /// only.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), KeError> {
        Self::decode_for(bytes, &[AEAD_AES_SIV_CMAC_256])
    }

    /// Encodes this response as a server would send it (used by tests and fuzzing; a
    /// server implementation can use it too). Returns the length.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, KeError> {
        let mut at = put(buf, 0, CRITICAL | NEXT_PROTOCOL, &PROTOCOL_NTPV4.to_be_bytes())?;
        at = put(buf, at, CRITICAL | AEAD_ALGORITHM, &self.aead.to_be_bytes())?;
        for code in &self.warnings {
            at = put(buf, at, CRITICAL | WARNING, &code.to_be_bytes())?;
        }
        for cookie in &self.cookies {
            at = put(buf, at, NEW_COOKIE, cookie)?;
        }
        if let Some(name) = &self.server {
            at = put(buf, at, CRITICAL | SERVER, name.as_bytes())?;
        }
        if let Some(port) = self.port {
            at = put(buf, at, CRITICAL | PORT, &port.to_be_bytes())?;
        }
        put(buf, at, CRITICAL | END_OF_MESSAGE, &[])
    }
}

/// The TLS 1.3 session's keying-material exporter (RFC 8446 §7.5), which the caller's
/// TLS library provides (rustls: `ConnectionCommon::export_keying_material`).
pub trait KeyExporter {
    /// The TLS library's error.
    type Error;
    /// Fills `out` with keying material for `label` and `context`.
    fn export_keying_material(
        &mut self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), Self::Error>;
}

/// The exporter label of RFC 8915 §5.1.
pub const EXPORTER_LABEL: &[u8] = b"EXPORTER-network-time-security";

/// The client-to-server and server-to-client keys of an NTS session.
#[derive(Clone, PartialEq, Eq)]
pub struct NtsKeys {
    /// The AEAD algorithm they are for.
    pub aead: u16,
    /// Key length in bytes (32 for AEAD_AES_SIV_CMAC_256).
    pub len: usize,
    /// C2S key (first `len` bytes).
    pub c2s: [u8; 64],
    /// S2C key (first `len` bytes).
    pub s2c: [u8; 64],
}

impl fmt::Debug for NtsKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtsKeys").field("aead", &self.aead).field("len", &self.len).finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for NtsKeys {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "NtsKeys {{ aead: {=u16}, len: {=usize}, .. }}", self.aead, self.len);
    }
}

/// The key length of an AEAD algorithm: 32, 48 or 64 bytes for the SIV family
/// (RFC 5297: 15, 16, 17), 16 for AES-128-GCM-SIV (RFC 8452: 30).
pub const fn aead_key_len(aead: u16) -> Option<usize> {
    match aead {
        15 => Some(32),
        16 => Some(48),
        17 => Some(64),
        30 => Some(16),
        _ => None,
    }
}

/// Exports the session keys (RFC 8915 §5.1): label [`EXPORTER_LABEL`], context = next
/// protocol (NTPv4: 0x0000) ‖ AEAD ID ‖ 0x00 for C2S, 0x01 for S2C. `None` for an AEAD
/// whose key length is not known.
pub fn export_keys<E: KeyExporter>(exporter: &mut E, aead: u16) -> Option<Result<NtsKeys, E::Error>> {
    let len = aead_key_len(aead)?;
    let [a, b] = aead.to_be_bytes();
    let mut keys = NtsKeys { aead, len, c2s: [0; 64], s2c: [0; 64] };
    for (direction, out) in [(0u8, &mut keys.c2s), (1u8, &mut keys.s2c)] {
        let context = [0, 0, a, b, direction];
        let dst = out.get_mut(..len).unwrap_or_default();
        if let Err(e) = exporter.export_keying_material(EXPORTER_LABEL, &context, dst) {
            return Some(Err(e));
        }
    }
    Some(Ok(keys))
}

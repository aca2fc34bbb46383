//! Building a client request: [`ClientRequest`], the [`NonceSource`] it draws from, and
//! the [`PendingRequest`] token that remembers what was sent.

use core::fmt;
use core::net::SocketAddr;

use crate::auth::{MacKey, append_mac};
use crate::error::EmitError;
use crate::nts::NtsError;
use crate::wire::{HEADER_LEN, Mode, NtpTimestamp, Packet, Poll, Precision, Version};

/// Where request nonces come from: an unpredictable 64-bit value per request.
///
/// The transmit field of a request is echoed back as the reply's origin; a value an
/// off-path attacker cannot guess is what makes spoofed replies fail (RFC 5905 §15,
/// CVE-2015-8138). Use a cryptographic RNG. Any `FnMut() -> u64` is a source.
pub trait NonceSource {
    /// The next nonce.
    fn next_nonce(&mut self) -> u64;
}

impl<F: FnMut() -> u64> NonceSource for F {
    fn next_nonce(&mut self) -> u64 {
        self()
    }
}

/// Why a request could not be built.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum RequestError {
    /// The nonce source gave zero, the previous nonce or the clock reading
    /// [`ClientRequest::NONCE_ATTEMPTS`] times in a row: it is broken, and sending a
    /// guessable nonce would make spoofing easy (draft-ietf-ntp-data-minimization).
    Rng,
    /// The output buffer is too small.
    Emit(EmitError),
    /// The NTS fields could not be added (for example [`NtsError::NoCookie`]: run
    /// NTS-KE again).
    Nts(NtsError),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rng => {
                f.write_str("nonce source returned zero, a repeat or the clock reading on every attempt")
            }
            Self::Emit(e) => write!(f, "request: {e}"),
            Self::Nts(e) => write!(f, "request: {e}"),
        }
    }
}

impl core::error::Error for RequestError {}

impl From<NtsError> for RequestError {
    fn from(e: NtsError) -> Self {
        Self::Nts(e)
    }
}

impl From<EmitError> for RequestError {
    fn from(e: EmitError) -> Self {
        Self::Emit(e)
    }
}

/// What goes in a request's transmit field.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum TransmitField {
    /// A random nonce; the real T1 stays private (data minimization, the default).
    Nonce,
    /// The client's real T1, for old servers that need it.
    ClockTime,
}

/// Builds client (mode 3) requests.
///
/// The default is the data-minimized request of draft-ietf-ntp-data-minimization, as
/// chrony sends it: every field zero except the version, mode 3, precision 0x20, and a
/// transmit timestamp that is a random nonce, never zero and never the previous one. The
/// caller's real T1 is kept in the [`PendingRequest`], not sent.
///
/// ```
/// use ntpkit::client::ClientRequest;
/// use ntpkit::{NtpTimestamp, Packet, Version};
/// let mut builder = ClientRequest::new().version(Version::V4);
/// let mut rng = || 0x1234_5678_9abc_def0_u64; // use a real CSPRNG
/// let t1 = NtpTimestamp::from_parts(0xeeac_e73b, 0);
/// let mut buf = [0u8; 48];
/// let (len, pending) = builder.build("127.0.0.1:123".parse().unwrap(), t1, &mut rng, &mut buf)?;
/// assert_eq!(&buf[..4], &[0x23, 0, 0, 0x20]);
/// assert_eq!(Packet::parse(&buf[..len])?.transmit_timestamp, pending.nonce());
/// assert_eq!(pending.t1(), t1); // kept privately
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClientRequest {
    version: Version,
    poll: Poll,
    transmit: TransmitField,
    last_nonce: u64,
}

impl Default for ClientRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientRequest {
    /// How many nonces are drawn before [`RequestError::Rng`].
    pub const NONCE_ATTEMPTS: usize = 4;

    /// Precision sent in a data-minimized request (0x20, as chrony sends it).
    pub const MINIMIZED_PRECISION: Precision = Precision(0x20);

    /// A data-minimized NTPv4 request builder with poll 0.
    pub const fn new() -> Self {
        Self { version: Version::V4, poll: Poll(0), transmit: TransmitField::Nonce, last_nonce: 0 }
    }

    /// Sets the version (1–4; replies must carry the same one).
    pub const fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// Sets the poll exponent sent to the server.
    pub const fn poll(mut self, poll: Poll) -> Self {
        self.poll = poll;
        self
    }

    /// Sends the real T1 in the transmit field instead of a nonce, for servers that
    /// need it (some NTPv3 and SNTP servers). This leaks the client's clock and makes
    /// the origin check weaker: a clock reading is easier to guess than a nonce.
    pub const fn with_transmit_time(mut self) -> Self {
        self.transmit = TransmitField::ClockTime;
        self
    }

    /// The version requests are built with.
    pub const fn get_version(&self) -> Version {
        self.version
    }

    /// Writes a request into `buf` and returns its length with the token to validate the
    /// reply. `t1` is the client's clock when the request is sent; if a more exact send
    /// time is known afterwards, give it to [`PendingRequest::set_t1`].
    ///
    /// The nonce is redrawn if it is zero, equal to the previous one or equal to the
    /// clock, at most [`NONCE_ATTEMPTS`](Self::NONCE_ATTEMPTS) times. On error nothing is
    /// written and the builder is unchanged.
    pub fn build(
        &mut self,
        server: SocketAddr,
        t1: NtpTimestamp,
        nonces: &mut impl NonceSource,
        buf: &mut [u8],
    ) -> Result<(usize, PendingRequest), RequestError> {
        if buf.len() < HEADER_LEN {
            return Err(RequestError::Emit(EmitError::BufferTooSmall { required: HEADER_LEN }));
        }
        let transmit = match self.transmit {
            TransmitField::Nonce => self.draw_nonce(t1, nonces)?,
            // A zero transmit field means "unset"; nudge it by one unit (2^-32 s).
            TransmitField::ClockTime if t1.is_zero() => NtpTimestamp::from_bits(1),
            TransmitField::ClockTime => t1,
        };
        let packet = match self.transmit {
            TransmitField::Nonce => Packet {
                version: self.version,
                mode: Mode::Client,
                poll: self.poll,
                precision: Self::MINIMIZED_PRECISION,
                transmit_timestamp: transmit,
                ..Packet::default()
            },
            TransmitField::ClockTime => Packet {
                version: self.version,
                mode: Mode::Client,
                poll: self.poll,
                transmit_timestamp: transmit,
                ..Packet::default()
            },
        };
        let len = packet.emit(buf)?;
        self.last_nonce = transmit.to_bits();
        Ok((
            len,
            PendingRequest {
                server,
                nonce: transmit,
                t1,
                version: self.version,
                answered: false,
                key_id: None,
            },
        ))
    }

    /// [`build`](Self::build), then `key`'s MAC after the header (RFC 5905 §7.3,
    /// RFC 8573). The pending request then accepts only a reply carrying a valid MAC under
    /// the same key, checked by
    /// [`PendingRequest::process_with_key`](crate::client::PendingRequest::process_with_key)
    /// before any field of the reply is trusted. Returns `48 + 4 + digest` bytes. On
    /// error nothing is written and the builder is unchanged.
    pub fn build_with_key(
        &mut self,
        server: SocketAddr,
        t1: NtpTimestamp,
        nonces: &mut impl NonceSource,
        key: &impl MacKey,
        buf: &mut [u8],
    ) -> Result<(usize, PendingRequest), RequestError> {
        let digest_len = key.digest_len();
        if !matches!(digest_len, 16 | 20) {
            return Err(RequestError::Emit(EmitError::BadMacLength { len: digest_len }));
        }
        let required = HEADER_LEN.saturating_add(4).saturating_add(digest_len);
        if buf.len() < required {
            return Err(RequestError::Emit(EmitError::BufferTooSmall { required }));
        }
        let (len, mut pending) = self.build(server, t1, nonces, buf)?;
        // Cannot fail: the length, the digest size and the room were checked above.
        let len = append_mac(key, buf, len).map_err(RequestError::Emit)?;
        pending.key_id = Some(key.key_id());
        Ok((len, pending))
    }

    fn draw_nonce(
        &self,
        t1: NtpTimestamp,
        nonces: &mut impl NonceSource,
    ) -> Result<NtpTimestamp, RequestError> {
        for _ in 0..Self::NONCE_ATTEMPTS {
            let n = nonces.next_nonce();
            if n != 0 && n != self.last_nonce && n != t1.to_bits() {
                return Ok(NtpTimestamp::from_bits(n));
            }
        }
        Err(RequestError::Rng)
    }
}

/// What a sent request needs to check its reply: server, nonce, T1 and version. One
/// per request; deliberately neither `Clone` nor `Copy`, so a reply can be accepted
/// only once (see [`PendingRequest::process`](crate::client::PendingRequest::process)).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PendingRequest {
    pub(crate) server: SocketAddr,
    pub(crate) nonce: NtpTimestamp,
    pub(crate) t1: NtpTimestamp,
    pub(crate) version: Version,
    pub(crate) answered: bool,
    /// The key the request was signed with: its reply must carry a valid MAC under it.
    pub(crate) key_id: Option<u32>,
}

/// Logs nonce, T1, version and state (the server address has no defmt form).
#[cfg(feature = "defmt")]
impl defmt::Format for PendingRequest {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "PendingRequest {{ nonce: {}, t1: {}, version: {}, answered: {=bool} }}",
            self.nonce,
            self.t1,
            self.version,
            self.answered
        );
    }
}

impl PendingRequest {
    /// The server the request went to; replies must come from exactly this address and
    /// port.
    pub const fn server(&self) -> SocketAddr {
        self.server
    }

    /// The transmit field sent, which a genuine reply carries as its origin.
    pub const fn nonce(&self) -> NtpTimestamp {
        self.nonce
    }

    /// The client's send time T1.
    pub const fn t1(&self) -> NtpTimestamp {
        self.t1
    }

    /// The version sent.
    pub const fn version(&self) -> Version {
        self.version
    }

    /// True once a reply has been accepted; every later reply is rejected.
    pub const fn is_answered(&self) -> bool {
        self.answered
    }

    /// The ID of the key the request was signed with, if any: its reply must then carry
    /// a valid MAC under that key.
    pub const fn key_id(&self) -> Option<u32> {
        self.key_id
    }

    /// Replaces T1 with a more exact send time (a kernel or hardware transmit
    /// timestamp taken after the send).
    pub fn set_t1(&mut self, t1: NtpTimestamp) {
        self.t1 = t1;
    }
}

//! Building a client request: [`ClientRequest`] writes it and hands back the
//! [`PendingRequest`] that remembers what was sent.

use core::net::SocketAddr;

use super::auth::{Authentication, NoAuth};
use super::error::RequestError;
use super::pending::{Basis, PendingRequest};
use crate::time::NtpTimestamp;
use crate::traits::NonceSource;
use crate::wire::error::EmitError;
use crate::wire::{HEADER_LEN, Mode, Packet, Poll, Precision, Version};

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
/// use ntpkit::exchange::ClientRequest;
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
    interleaved: bool,
    /// The last accepted exchange, which the next interleaved request builds on.
    basis: Basis,
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
        Self {
            version: Version::V4,
            poll: Poll(0),
            transmit: TransmitField::Nonce,
            last_nonce: 0,
            interleaved: false,
            basis: Basis::NONE,
        }
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

    /// Asks for interleaved replies (RFC 9769 §3), in which the server sends the precise
    /// transmit time of its previous reply, known only after that reply left.
    ///
    /// The first request is basic. After each accepted reply, give its
    /// [`PendingRequest`] to [`follow`](Self::follow); the next request then carries the
    /// server's receive timestamp from that reply as its origin and a second nonce as
    /// its receive field. A server that supports the mode answers with that nonce as
    /// origin ([`SyncResult::interleaved`](super::SyncResult::interleaved)); one that does
    /// not answers a basic reply, which is accepted as usual. Nothing is revealed: both
    /// fields are the server's own timestamp and a random value.
    pub const fn interleaved(mut self) -> Self {
        self.interleaved = true;
        self
    }

    /// Whether requests ask for interleaved replies.
    pub const fn is_interleaved(&self) -> bool {
        self.interleaved
    }

    /// Takes from a request whose reply was accepted (a sample) what the next
    /// interleaved request builds on. Does nothing for a basic builder or a request
    /// with no accepted sample, so a lost or refused reply keeps the previous basis (the
    /// server then answers the next request in basic mode).
    pub fn follow(&mut self, answered: &PendingRequest) {
        if self.interleaved && answered.answered {
            if let Some(basis) = answered.basis.get() {
                self.basis = basis;
            }
        }
    }

    /// The version requests are built with.
    pub const fn get_version(&self) -> Version {
        self.version
    }

    /// Writes an unauthenticated request into `buf` and returns its length with the
    /// token to validate the reply: [`build_with`](Self::build_with) and [`NoAuth`].
    #[inline]
    pub fn build(
        &mut self,
        server: SocketAddr,
        t1: NtpTimestamp,
        nonces: &mut impl NonceSource,
        buf: &mut [u8],
    ) -> Result<(usize, PendingRequest), RequestError> {
        self.build_with(server, t1, nonces, buf, &mut NoAuth)
    }

    /// Writes a request into `buf`, authenticated by `auth` ([`NoAuth`], a
    /// [`MacAuth`](super::MacAuth) key, or an [`NtsSession`](crate::nts::NtsSession)),
    /// and returns its length with the token to validate the reply. `t1` is the
    /// client's clock when the request is sent; if a more exact send time is known
    /// afterwards, give it to [`PendingRequest::set_t1`].
    ///
    /// The nonce is redrawn if it is zero, equal to the previous one or equal to the
    /// clock, at most [`NONCE_ATTEMPTS`](Self::NONCE_ATTEMPTS) times. An authenticated
    /// request's reply is accepted only with the same authentication
    /// ([`PendingRequest::process_with`]). With a MAC key the request is
    /// `48 + 4 + digest` bytes (RFC 5905 §7.3, RFC 8573). On error nothing is written:
    /// the builder, `auth` and `buf` are unchanged.
    #[inline]
    pub fn build_with<A: Authentication + ?Sized>(
        &mut self,
        server: SocketAddr,
        t1: NtpTimestamp,
        nonces: &mut impl NonceSource,
        buf: &mut [u8],
        auth: &mut A,
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
        // Interleaved (RFC 9769 §3): origin = the server's receive timestamp of the last
        // exchange, receive = a second nonce, which an interleaved reply echoes.
        let (basis, rx_nonce) = self.interleave_fields(transmit, nonces)?;
        let origin = basis.server_rx;
        let packet = match self.transmit {
            TransmitField::Nonce => Packet {
                version: self.version,
                mode: Mode::Client,
                poll: self.poll,
                precision: Self::MINIMIZED_PRECISION,
                origin_timestamp: origin,
                receive_timestamp: rx_nonce,
                transmit_timestamp: transmit,
                ..Packet::default()
            },
            TransmitField::ClockTime => Packet {
                version: self.version,
                mode: Mode::Client,
                poll: self.poll,
                origin_timestamp: origin,
                receive_timestamp: rx_nonce,
                transmit_timestamp: transmit,
                ..Packet::default()
            },
        };
        // What the header overwrites, put back if `auth` fails, so that on error `buf`
        // is as it was. (With `NoAuth` this cannot fail and the copy compiles away.)
        let mut saved = [0u8; HEADER_LEN];
        if let Some(head) = buf.get(..HEADER_LEN) {
            saved.copy_from_slice(head);
        }
        let header = packet.emit(buf)?;
        let len = match auth.protect(buf, header, nonces) {
            Ok(len) => len,
            Err(e) => {
                if let Some(head) = buf.get_mut(..HEADER_LEN) {
                    head.copy_from_slice(&saved);
                }
                return Err(e);
            }
        };
        self.last_nonce = transmit.to_bits();
        Ok((
            len,
            PendingRequest {
                server,
                nonce: transmit,
                t1,
                version: self.version,
                answered: false,
                authenticated: len != header,
                rx_nonce,
                basis,
            },
        ))
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

    /// The basis an interleaved request builds on and its receive-field nonce: never
    /// zero, the transmit field or the origin sent, so a reply's origin says
    /// unambiguously which it echoes. [`Basis::NONE`] and zero for a basic request.
    #[inline]
    fn interleave_fields(
        &self,
        transmit: NtpTimestamp,
        nonces: &mut impl NonceSource,
    ) -> Result<(Basis, NtpTimestamp), RequestError> {
        let basis = match self.basis.get() {
            Some(basis) if self.interleaved => basis,
            _ => return Ok((Basis::NONE, NtpTimestamp::ZERO)),
        };
        for _ in 0..Self::NONCE_ATTEMPTS {
            let n = nonces.next_nonce();
            if n != 0 && n != transmit.to_bits() && n != basis.server_rx.to_bits() {
                return Ok((basis, NtpTimestamp::from_bits(n)));
            }
        }
        Err(RequestError::Rng)
    }
}

//! Sans-IO server responder: from a client's request bytes, the server's state and its
//! receive/transmit times, write the mode-4 reply (RFC 5905 §9.2, RFC 4330 §6).
//!
//! Stateless and allocation-free: the caller receives the datagram, takes T2 as close
//! to arrival as it can, calls [`respond`] with T3 read just before sending, and sends
//! the bytes back to the request's source.

use core::fmt;

pub mod interleave;
pub mod nts;
pub mod ratelimit;

use crate::auth::{self, AuthError, MacKey, append_mac};
use crate::time::{NtpShort, NtpTimestamp};
use crate::wire::error::{EmitError, ParseError};
use crate::wire::{
    HEADER_LEN, KissCode, LeapIndicator, Mode, Packet, PacketView, Precision, ReferenceId, Stratum,
};

/// What the server says about its own clock in every reply.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ServerState {
    /// Leap indicator; [`LeapIndicator::Unsynchronized`] tells clients not to use us.
    pub leap: LeapIndicator,
    /// Our stratum (1 for a reference clock, upstream + 1 otherwise).
    pub stratum: Stratum,
    /// Our clock's precision.
    pub precision: Precision,
    /// Round-trip delay to the reference clock.
    pub root_delay: NtpShort,
    /// Dispersion to the reference clock.
    pub root_dispersion: NtpShort,
    /// Reference clock name (stratum 1) or upstream server address (stratum 2–15).
    pub reference_id: ReferenceId,
    /// When our clock was last set or corrected.
    pub reference_timestamp: NtpTimestamp,
}

impl Default for ServerState {
    /// An unsynchronized server (LI 3, stratum 16): safe until the caller fills in
    /// real values.
    fn default() -> Self {
        Self {
            leap: LeapIndicator::Unsynchronized,
            stratum: Stratum::UNSYNCHRONIZED,
            precision: Precision(-20),
            root_delay: NtpShort::ZERO,
            root_dispersion: NtpShort::ZERO,
            reference_id: ReferenceId([0; 4]),
            reference_timestamp: NtpTimestamp::ZERO,
        }
    }
}

/// Why no reply was written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ServerError {
    /// The datagram is not a well-formed NTP packet (too short, bad version, …).
    Parse(ParseError),
    /// Only client (mode 3) requests are answered; others are dropped silently.
    /// RFC 5905 §9.2 answers no mode 4–7 packet. A symmetric active (mode 1) packet
    /// from an unknown peer would, by RFC 5905 §9.2, create a passive association:
    /// per-peer state this stateless responder does not keep, and the kind of
    /// unauthenticated ephemeral association that RFC 8633 (NTP best current practice)
    /// advises against and that ntpd's `nopeer` restriction refuses. RFC 4330 §6 allows a
    /// mode-2 answer, but a symmetric peer that needs one can poll us in client mode.
    NotAClientRequest(Mode),
    /// The output buffer is too small.
    Emit(EmitError),
    /// [`respond_with_key`]: the request is not authenticated by the server's key.
    Unauthenticated(AuthError),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(e) => write!(f, "malformed request: {e}"),
            Self::NotAClientRequest(m) => write!(f, "mode {} ({m}) is not a client request", m.to_bits()),
            Self::Emit(e) => write!(f, "reply: {e}"),
            Self::Unauthenticated(e) => write!(f, "request not authenticated: {e}"),
        }
    }
}

impl core::error::Error for ServerError {}

/// Checks a request and returns its header.
fn parse_request(request: &[u8], out: &[u8]) -> Result<Packet, ServerError> {
    let packet = PacketView::new_checked(request).map_err(ServerError::Parse)?.to_packet();
    if packet.mode != Mode::Client {
        return Err(ServerError::NotAClientRequest(packet.mode));
    }
    if out.len() < HEADER_LEN {
        return Err(ServerError::Emit(EmitError::BufferTooSmall { required: HEADER_LEN }));
    }
    Ok(packet)
}

/// Writes the reply to `request` into `out` and returns its length (48).
///
/// The reply echoes the request's version (1–4) and poll, copies its transmit field
/// verbatim into the origin field (the client's nonce), carries `t2` and `t3` as the
/// receive and transmit timestamps, and fills the rest from `state`. Extension fields
/// in the request are ignored (RFC 7822: unknown fields SHOULD be ignored). On error
/// nothing is written. Only mode-3 (client) requests are answered: symmetric active
/// (mode 1) and every other mode are [`ServerError::NotAClientRequest`] (why: see
/// that variant).
///
/// ```
/// use ntpkit::server::{ServerState, respond};
/// use ntpkit::{LeapIndicator, Mode, NtpTimestamp, Packet, Stratum};
/// let request = [0x23, 0, 6, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
///                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
/// let state = ServerState { leap: LeapIndicator::NoWarning, stratum: Stratum(2), ..ServerState::default() };
/// let now = NtpTimestamp::from_parts(0xeeac_e73b, 0);
/// let mut out = [0u8; 48];
/// let len = respond(&request, &state, now, now, &mut out)?;
/// let reply = Packet::parse(&out[..len])?;
/// assert_eq!(reply.mode, Mode::Server);
/// assert_eq!(reply.origin_timestamp.to_be_bytes(), [1, 2, 3, 4, 5, 6, 7, 8]);
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub fn respond(
    request: &[u8],
    state: &ServerState,
    t2: NtpTimestamp,
    t3: NtpTimestamp,
    out: &mut [u8],
) -> Result<usize, ServerError> {
    let req = parse_request(request, out)?;
    reply_to(&req, state, req.transmit_timestamp, t2, t3).emit(out).map_err(ServerError::Emit)
}

/// The reply to `req`: our state, the request's version and poll, and the three
/// timestamps given.
#[inline]
fn reply_to(
    req: &Packet,
    state: &ServerState,
    origin: NtpTimestamp,
    receive: NtpTimestamp,
    transmit: NtpTimestamp,
) -> Packet {
    Packet {
        leap: state.leap,
        version: req.version,
        mode: Mode::Server,
        stratum: state.stratum,
        poll: req.poll,
        precision: state.precision,
        root_delay: state.root_delay,
        root_dispersion: state.root_dispersion,
        reference_id: state.reference_id,
        reference_timestamp: state.reference_timestamp,
        origin_timestamp: origin,
        receive_timestamp: receive,
        transmit_timestamp: transmit,
    }
}

/// [`respond`] for a client that shares `key` with this server (RFC 5905 §7.3,
/// RFC 8573): the request's MAC must verify under `key` (present, not a crypto-NAK, the
/// key's ID and length, matching digest), and the reply carries `key`'s MAC. Returns
/// `48 + 4 + digest` bytes; on error nothing is written. A server with several keys
/// picks the one named by the request's key ID ([`PacketView::mac`]).
///
/// [`PacketView::mac`]: crate::PacketView::mac
pub fn respond_with_key(
    request: &[u8],
    state: &ServerState,
    t2: NtpTimestamp,
    t3: NtpTimestamp,
    key: &impl MacKey,
    out: &mut [u8],
) -> Result<usize, ServerError> {
    let view = PacketView::new_checked(request).map_err(ServerError::Parse)?;
    auth::verify(&view, key).map_err(ServerError::Unauthenticated)?;
    let required = HEADER_LEN.saturating_add(4).saturating_add(key.digest_len());
    if out.len() < required {
        return Err(ServerError::Emit(EmitError::BufferTooSmall { required }));
    }
    let len = respond(request, state, t2, t3, out)?;
    append_mac(key, out, len).map_err(ServerError::Emit)
}

/// Writes a kiss-o'-death reply (RFC 5905 §7.4) to `request`: stratum 0, the kiss code
/// as reference ID, LI 3, and the request's own transmit timestamp as origin (so the
/// client can match it), receive and transmit (so no client can take time from it: it
/// is the client's own value). Not zero: chronyd discards a kiss whose receive or
/// transmit timestamp is zero as a bogus packet, and then never backs off.
/// Use [`KissCode::Rate`] to ask a client to slow down, [`KissCode::Deny`] to stop it.
pub fn respond_kiss(request: &[u8], code: KissCode, out: &mut [u8]) -> Result<usize, ServerError> {
    let req = parse_request(request, out)?;
    let reply = Packet {
        leap: LeapIndicator::Unsynchronized,
        version: req.version,
        mode: Mode::Server,
        stratum: Stratum(0),
        poll: req.poll,
        precision: Precision(0),
        reference_id: ReferenceId::from_kiss_code(code),
        origin_timestamp: req.transmit_timestamp,
        receive_timestamp: req.transmit_timestamp,
        transmit_timestamp: req.transmit_timestamp,
        ..Packet::default()
    };
    reply.emit(out).map_err(ServerError::Emit)
}

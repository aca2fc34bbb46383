//! [`PendingRequest`]: what a sent request remembers, and the checks a reply must pass
//! to be accepted as its answer.

use core::net::SocketAddr;

use super::addr::same_server;
use super::auth::{Authentication, NoAuth};
use super::reply::{Reject, Reply, ValidationConfig};
use super::sample::SyncResult;
use crate::math::{clamp_to_duration, non_negative, offset_delay, phi_times, root_distance};
use crate::time::{NtpDuration, NtpTimestamp};
use crate::wire::{KissCode, LeapIndicator, Mode, PacketView, Stratum, Version};

/// What a sent request needs to check its reply: server, nonce, T1 and version. One
/// per request; deliberately neither `Clone` nor `Copy`, so a reply can be accepted
/// only once (see [`process`](Self::process)).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PendingRequest {
    pub(crate) server: SocketAddr,
    pub(crate) nonce: NtpTimestamp,
    pub(crate) t1: NtpTimestamp,
    pub(crate) version: Version,
    pub(crate) answered: bool,
    /// The request carries authentication (a MAC or NTS fields): its reply must too.
    pub(crate) authenticated: bool,
    /// An interleaved request's receive field (a second nonce), which an interleaved
    /// reply carries as its origin; zero for a basic request.
    pub(crate) rx_nonce: NtpTimestamp,
    /// Until a reply is accepted: the previous exchange an interleaved request builds
    /// on. After a sample is accepted: this exchange, for the next interleaved request.
    /// [`Basis::NONE`] otherwise (no `Option`: 8 bytes less per server in RAM).
    pub(crate) basis: Basis,
}

/// One accepted exchange as an interleaved request needs it (RFC 9769 §3): the client's
/// send and receive times and the server's receive timestamp, which the next request
/// carries as its origin. The server's precise transmit time of that exchange comes in
/// the interleaved reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Basis {
    pub(crate) t1: NtpTimestamp,
    /// Never zero in an accepted reply (`ZeroReceive`), so zero means "none".
    pub(crate) server_rx: NtpTimestamp,
    pub(crate) t4: NtpTimestamp,
}

impl Basis {
    /// No exchange.
    pub(crate) const NONE: Self =
        Self { t1: NtpTimestamp::ZERO, server_rx: NtpTimestamp::ZERO, t4: NtpTimestamp::ZERO };

    /// An accepted exchange: T1, the reply's receive timestamp, T4.
    #[inline]
    fn of(t1: NtpTimestamp, reply: &[u8], t4: NtpTimestamp) -> Self {
        // An accepted reply has at least a header, so bytes 32..40 are there.
        let rx = reply.get(32..40).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(NtpTimestamp::from_be_bytes);
        rx.map_or(Self::NONE, |server_rx| Self { t1, server_rx, t4 })
    }

    pub(crate) const fn get(self) -> Option<Self> {
        if self.server_rx.is_zero() { None } else { Some(self) }
    }
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

    /// Whether the request asked for an interleaved reply (RFC 9769 §3): built by an
    /// [`interleaved`](super::ClientRequest::interleaved) builder after an accepted
    /// exchange with the same server.
    pub const fn is_interleaved(&self) -> bool {
        !self.rx_nonce.is_zero()
    }

    /// Whether the request was authenticated (a MAC or NTS fields were added): its
    /// reply is then accepted only through [`process_with`](Self::process_with) with
    /// the same authentication.
    pub const fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Checks a datagram from `source`, received at `t4`, as the reply to this
    /// unauthenticated request: [`process_with`](Self::process_with) and [`NoAuth`].
    /// A request that was authenticated gets [`Reject::Unauthenticated`] here.
    #[inline]
    pub fn process(
        &mut self,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
    ) -> Result<Reply, Reject> {
        self.process_with(source, datagram, t4, config, &mut NoAuth)
    }

    /// Checks a datagram from `source`, received at `t4`, as the reply to this request,
    /// authenticated by `auth`: [`NoAuth`], a [`MacAuth`](super::MacAuth) key, or an
    /// [`NtsSession`](crate::nts::NtsSession).
    ///
    /// The checks run in the [catalogue's order](crate::catalogue#order-of-checks-on-a-reply):
    /// framing → already answered → source address and port ([`same_server`]) →
    /// authentication (`auth`, before any field is trusted; a MAC must be present and
    /// match in constant time, an NTS reply must carry this request's Unique Identifier
    /// and an Authenticator that verifies) → origin == nonce (never zero) → mode 4 →
    /// version → kiss-o'-death (stratum 0) → LI ≠ 3, stratum ≤ 15 → T2, T3 ≠ 0 → header
    /// root distance → reference time ≤ T3 → T3 − T2 sane → offset and delay → delay
    /// bound → full root distance → step bound.
    ///
    /// A rejection changes nothing, neither here nor in `auth`. An accepted reply (a
    /// sample or a known kiss code) marks the request answered, and only then does
    /// `auth` take what the reply brought (NTS: its new cookies); later replies get
    /// [`Reject::NotAwaitingResponse`]. An unauthenticated NTSN kiss-o'-death with the
    /// right identifier is [`Reject::NtsNak`]. With NTS this uses about 1.1 KiB of stack
    /// for the decrypted fields.
    #[inline]
    pub fn process_with<A: Authentication + ?Sized>(
        &mut self,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
        auth: &mut A,
    ) -> Result<Reply, Reject> {
        let mut scratch = A::Scratch::default();
        let authenticated = self.authenticated;
        // Returned as built (no re-wrapping), so the ~120-byte sample is written once,
        // straight into the caller's slot.
        let result = self.check(source, datagram, t4, config, |view| {
            // An authenticated request's reply is never accepted without authentication.
            if authenticated && auth.is_none() {
                return Err(Reject::Unauthenticated);
            }
            auth.verify(view, &mut scratch)
        });
        if let Ok(reply) = &result {
            self.answered = true;
            auth.accepted(&scratch);
            // What the next interleaved request builds on: this exchange's T1 and T4 and
            // the server's receive timestamp, read from the accepted reply.
            self.basis = match reply {
                Reply::Sample(_) => Basis::of(self.t1, datagram, t4),
                Reply::KissOfDeath { .. } => Basis::NONE,
            };
        }
        result
    }

    /// Replaces T1 with a more exact send time (a kernel or hardware transmit
    /// timestamp taken after the send).
    pub fn set_t1(&mut self, t1: NtpTimestamp) {
        self.t1 = t1;
    }

    #[inline]
    fn check(
        &self,
        source: SocketAddr,
        datagram: &[u8],
        t4: NtpTimestamp,
        config: &ValidationConfig,
        verify: impl FnOnce(&PacketView<&[u8]>) -> Result<(), Reject>,
    ) -> Result<Reply, Reject> {
        let view = PacketView::new_checked(datagram).map_err(Reject::Parse)?;
        if self.answered {
            return Err(Reject::NotAwaitingResponse);
        }
        if !same_server(source, self.server) {
            return Err(Reject::UnexpectedSource);
        }
        verify(&view)?;
        let origin = view.origin_timestamp();
        if origin.is_zero() {
            return Err(Reject::ZeroOrigin);
        }
        // Basic: the origin is our transmit nonce. Interleaved (RFC 9769 §3): it is the
        // receive field we sent, and the reply's transmit timestamp is the server's
        // precise send time of the previous exchange, whose other three times we kept.
        let previous = match self.basis.get() {
            _ if origin == self.nonce => None,
            Some(basis) if origin == self.rx_nonce => Some(basis),
            _ => return Err(Reject::OriginMismatch),
        };
        let mode = view.mode();
        if mode != Mode::Server {
            return Err(Reject::WrongMode(mode));
        }
        let version = view.version();
        if version != self.version {
            return Err(Reject::VersionMismatch { sent: self.version, received: version });
        }
        let stratum = view.stratum();
        if stratum.0 == 0 {
            return match view.reference_id().as_kiss_code() {
                KissCode::Unknown(code) => Err(Reject::KissUnknown(code)),
                code => Ok(Reply::KissOfDeath { code, poll: view.poll() }),
            };
        }
        let leap = view.leap();
        if leap == LeapIndicator::Unsynchronized {
            return Err(Reject::Unsynchronized);
        }
        if stratum > Stratum::MAX_SYNCHRONIZED {
            return Err(Reject::InvalidStratum(stratum.0));
        }
        let (rx, t3) = (view.receive_timestamp(), view.transmit_timestamp());
        if rx.is_zero() {
            return Err(Reject::ZeroReceive);
        }
        if t3.is_zero() {
            return Err(Reject::ZeroTransmit);
        }
        let (t1, t2, t4_used) = match previous {
            None => (self.t1, rx, t4),
            Some(b) => (b.t1, b.server_rx, b.t4),
        };
        let (root_delay, root_dispersion) = (view.root_delay(), view.root_dispersion());
        let header_distance =
            root_distance(root_delay, root_dispersion, NtpDuration::ZERO, NtpDuration::ZERO);
        if header_distance >= config.max_root_distance {
            return Err(Reject::RootDistanceTooLarge { root_distance: header_distance });
        }
        let reference = view.reference_timestamp();
        if !reference.is_zero() && t3.duration_since(reference).is_negative() {
            return Err(Reject::BadHeader);
        }
        let precision = view.precision();
        // ρ as 2^precision s, at most NtpDuration::MAX, so non-negative and negatable.
        let server_rho = precision.to_duration().to_bits();
        let interval = t3.duration_since(t2);
        // T3 − T2 may undershoot zero by the server's precision, no more.
        if interval.to_bits() < server_rho.wrapping_neg() || interval > config.max_server_interval {
            return Err(Reject::ServerTimesInconsistent { interval });
        }
        let Ok(raw) = offset_delay(t1, t2, t3, t4_used) else {
            return Err(Reject::OffsetAmbiguous);
        };
        let local_precision = config.local_precision.to_duration();
        let delay = if raw.delay > local_precision { raw.delay } else { local_precision };
        if let Some(max) = config.max_delay {
            if delay > max {
                return Err(Reject::DelayTooLarge { delay });
            }
        }
        // ε = ρ_server + ρ_local + Φ·(T4 − T1) (RFC 5905 §8), with T4 now: an interleaved
        // sample (of the previous exchange) ages from its own T1. The two ρ are
        // non-negative and at most 2^63 − 1 each, so their u64 sum cannot overflow.
        let dispersion = clamp_to_duration(
            (server_rho as u64)
                .wrapping_add(non_negative(local_precision))
                .saturating_add(non_negative(phi_times(t4.duration_since(t1)))),
        );
        let distance = root_distance(root_delay, root_dispersion, delay, dispersion);
        if distance >= config.max_root_distance {
            return Err(Reject::RootDistanceTooLarge { root_distance: distance });
        }
        if let Some(max) = config.max_offset {
            if raw.offset.saturating_abs() > max {
                return Err(Reject::StepTooLarge { offset: raw.offset });
            }
        }
        Ok(Reply::Sample(SyncResult {
            offset: raw.offset,
            delay,
            dispersion,
            timestamps: [t1, t2, t3, t4_used],
            interleaved: previous.is_some(),
            leap,
            version,
            stratum,
            poll: view.poll(),
            precision,
            root_delay,
            root_dispersion,
            reference_id: view.reference_id(),
            reference_timestamp: reference,
        }))
    }
}

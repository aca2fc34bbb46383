//! One SNTP exchange over the [`traits`](crate::traits), for callers who do not want to
//! drive the sans-IO API themselves: [`query`] (blocking) and [`query_async`].
//!
//! Each attempt sends a fresh request and waits up to [`QueryConfig::timeout`] on the
//! monotonic clock. Replies that fail validation are ignored, not fatal, because an
//! attacker can send them (CVE-2016-9042): the attempt keeps waiting for the genuine
//! reply. If every attempt ends without an acceptable reply, the error is the last
//! rejection, or [`QueryError::Timeout`] if nothing arrived at all.

use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;

use crate::exchange::{
    ClientRequest, PendingRequest, Reject, Reply, RequestError, SyncResult, ValidationConfig,
};
use crate::traits::NonceSource;
use crate::traits::{AsyncNtpTransport, MonotonicClock, NtpClock, NtpTransport};
use crate::wire::{KissCode, MAX_PACKET_LEN};

/// How a query is run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryConfig {
    /// The request builder (version, poll, data minimization).
    pub request: ClientRequest,
    /// Limits the reply must meet.
    pub validation: ValidationConfig,
    /// How long each attempt waits for a reply: default 1 s.
    pub timeout: Duration,
    /// How many requests are sent at most: default 3.
    pub attempts: u8,
}

impl Default for QueryConfig {
    fn default() -> Self {
        Self {
            request: ClientRequest::new(),
            validation: ValidationConfig::default(),
            timeout: Duration::from_secs(1),
            attempts: 3,
        }
    }
}

/// Logs the timeout in milliseconds and the attempt count.
#[cfg(feature = "defmt")]
impl defmt::Format for QueryConfig {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "QueryConfig {{ request: {}, validation: {}, timeout_ms: {=u128}, attempts: {=u8} }}",
            self.request,
            self.validation,
            self.timeout.as_millis(),
            self.attempts
        );
    }
}

/// Why a query gave no sample.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum QueryError<E> {
    /// No request could be built (broken nonce source).
    Request(RequestError),
    /// The transport failed.
    Transport(E),
    /// The server answered with a kiss-o'-death.
    KissOfDeath(KissCode),
    /// Replies came, but none was acceptable; this is why the last one was rejected.
    Rejected(Reject),
    /// Nothing arrived within the timeout on any attempt.
    Timeout,
}

impl<E> QueryError<E> {
    /// The variant's name, or for [`QueryError::Rejected`] the rejection's, for
    /// machine-readable output.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Request(_) => "Request",
            Self::Transport(_) => "Transport",
            Self::KissOfDeath(_) => "KissOfDeath",
            Self::Rejected(r) => r.name(),
            Self::Timeout => "Timeout",
        }
    }
}

impl<E: fmt::Display> fmt::Display for QueryError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request(e) => write!(f, "{e}"),
            Self::Transport(e) => write!(f, "transport: {e}"),
            Self::KissOfDeath(code) => write!(f, "kiss-o'-death {code} from the server"),
            Self::Rejected(r) => write!(f, "no acceptable reply; last one rejected: {r}"),
            Self::Timeout => f.write_str("no reply before the timeout"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> core::error::Error for QueryError<E> {}

/// Receive buffer: one byte more than the largest valid packet, so an oversized
/// datagram is seen as too long rather than silently truncated to a valid length.
const RECV_LEN: usize = MAX_PACKET_LEN + 1;

/// The sans-IO state of one query, shared by the blocking and async loops.
struct Query<'a> {
    server: SocketAddr,
    config: &'a QueryConfig,
    request: ClientRequest,
    last_reject: Option<Reject>,
}

/// What to do after a datagram.
enum Step {
    Wait,
    Done(Result<SyncResult, KissCode>),
}

impl<'a> Query<'a> {
    fn new(server: SocketAddr, config: &'a QueryConfig) -> Self {
        Self { server, config, request: config.request.clone(), last_reject: None }
    }

    fn start(
        &mut self,
        clock: &mut impl NtpClock,
        nonces: &mut impl NonceSource,
        buf: &mut [u8],
    ) -> Result<(usize, PendingRequest), RequestError> {
        let t1 = clock.now();
        self.request.build(self.server, t1, nonces, buf)
    }

    fn deadline(&self, clock: &mut impl MonotonicClock) -> Duration {
        clock.elapsed().saturating_add(self.config.timeout)
    }

    fn on_datagram(
        &mut self,
        pending: &mut PendingRequest,
        source: SocketAddr,
        datagram: &[u8],
        clock: &mut impl NtpClock,
    ) -> Step {
        let t4 = clock.now();
        match pending.process(source, datagram, t4, &self.config.validation) {
            Ok(Reply::Sample(sample)) => Step::Done(Ok(sample)),
            Ok(Reply::KissOfDeath { code, .. }) => Step::Done(Err(code)),
            Err(reject) => {
                self.last_reject = Some(reject);
                Step::Wait
            }
        }
    }

    fn finish<E>(self) -> QueryError<E> {
        self.last_reject.map_or(QueryError::Timeout, QueryError::Rejected)
    }
}

/// The datagram part of a receive buffer: all of it when the transport reports a
/// longer datagram than fits (truncated), so that parsing rejects it as too long.
fn received(buf: &[u8], len: usize) -> &[u8] {
    buf.get(..len).unwrap_or(buf)
}

/// Runs one exchange with `server`: up to `config.attempts` requests, each waiting up
/// to `config.timeout` on the monotonic clock. Returns the first accepted sample.
///
/// ```no_run
/// # #[cfg(feature = "std")] {
/// use ntpkit::sntp::{QueryConfig, query};
/// use ntpkit::std_impls::{SystemClock, UdpTransport};
/// let server = "127.0.0.1:123".parse().unwrap();
/// let mut transport = UdpTransport::bind_for(server).unwrap();
/// let mut nonces = || 0x0123_4567_89ab_cdef_u64; // use a CSPRNG
/// let sample = query(&mut SystemClock::new(), &mut transport, &mut nonces, server, &QueryConfig::default());
/// # }
/// ```
pub fn query<C, T, N>(
    clock: &mut C,
    transport: &mut T,
    nonces: &mut N,
    server: SocketAddr,
    config: &QueryConfig,
) -> Result<SyncResult, QueryError<T::Error>>
where
    C: NtpClock + MonotonicClock,
    T: NtpTransport,
    N: NonceSource,
{
    let mut query = Query::new(server, config);
    let mut buf = [0u8; RECV_LEN];
    for _ in 0..config.attempts {
        let (len, mut pending) = query.start(clock, nonces, &mut buf).map_err(QueryError::Request)?;
        transport.send_to(buf.get(..len).unwrap_or_default(), server).map_err(QueryError::Transport)?;
        let deadline = query.deadline(clock);
        loop {
            let remaining = deadline.saturating_sub(clock.elapsed());
            if remaining.is_zero() {
                break;
            }
            let Some((n, source)) =
                transport.recv_from(&mut buf, remaining).map_err(QueryError::Transport)?
            else {
                break;
            };
            if let Step::Done(done) = query.on_datagram(&mut pending, source, received(&buf, n), clock) {
                return done.map_err(QueryError::KissOfDeath);
            }
        }
    }
    Err(query.finish())
}

/// The async twin of [`query`], over an [`AsyncNtpTransport`].
pub async fn query_async<C, T, N>(
    clock: &mut C,
    transport: &mut T,
    nonces: &mut N,
    server: SocketAddr,
    config: &QueryConfig,
) -> Result<SyncResult, QueryError<T::Error>>
where
    C: NtpClock + MonotonicClock,
    T: AsyncNtpTransport,
    N: NonceSource,
{
    let mut query = Query::new(server, config);
    let mut buf = [0u8; RECV_LEN];
    for _ in 0..config.attempts {
        let (len, mut pending) = query.start(clock, nonces, &mut buf).map_err(QueryError::Request)?;
        transport.send_to(buf.get(..len).unwrap_or_default(), server).await.map_err(QueryError::Transport)?;
        let deadline = query.deadline(clock);
        loop {
            let remaining = deadline.saturating_sub(clock.elapsed());
            if remaining.is_zero() {
                break;
            }
            let Some((n, source)) =
                transport.recv_from(&mut buf, remaining).await.map_err(QueryError::Transport)?
            else {
                break;
            };
            if let Step::Done(done) = query.on_datagram(&mut pending, source, received(&buf, n), clock) {
                return done.map_err(QueryError::KissOfDeath);
            }
        }
    }
    Err(query.finish())
}

//! The one-line start: [`query`] takes a host name, resolves it, and asks its addresses
//! in turn until one gives a valid sample.

use core::net::{IpAddr, SocketAddr};
use std::fmt;
use std::io;
use std::net::ToSocketAddrs;
use std::string::{String, ToString};
use std::vec::Vec;

use super::{StdNonces, SystemClock, UdpTransport};
use crate::exchange::SyncResult;
use crate::sntp::{self, QueryConfig, QueryError};

/// The NTP port, used when a host names none.
pub const NTP_PORT: u16 = 123;

/// Why [`query`] (or [`resolve`]) gave no sample.
#[derive(Debug)]
#[non_exhaustive]
pub enum HostError {
    /// Not a host name or address, or a bad port (`time.example:99999`, `[::1]:0`).
    BadAddress {
        /// The host as given.
        host: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The name does not resolve, or resolves to no address.
    Resolve {
        /// The name looked up.
        name: String,
        /// The resolver's error (`NotFound` when it returned no address).
        error: io::Error,
    },
    /// No address answered: every attempt to every address timed out (or the port was
    /// closed).
    NoReply {
        /// The addresses tried.
        addresses: usize,
    },
    /// Replies came, but every one was refused: this is the last refusal
    /// ([`QueryError::Rejected`] or [`QueryError::KissOfDeath`]) and who sent it.
    Rejected {
        /// The address whose reply was refused last.
        server: SocketAddr,
        /// Why.
        last: QueryError<io::Error>,
    },
    /// A local socket could not be opened or used.
    Io {
        /// The address being asked.
        server: SocketAddr,
        /// The error.
        error: io::Error,
    },
}

impl HostError {
    /// The variant's name, for machine-readable output.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::BadAddress { .. } => "BadAddress",
            Self::Resolve { .. } => "Resolve",
            Self::NoReply { .. } => "NoReply",
            Self::Rejected { .. } => "Rejected",
            Self::Io { .. } => "Io",
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadAddress { host, reason } => write!(f, "{host}: {reason}"),
            Self::Resolve { name, error } => write!(f, "cannot resolve host {name}: {error}"),
            Self::NoReply { addresses: 1 } => f.write_str("no reply from the server"),
            Self::NoReply { addresses } => write!(f, "no reply from any of {addresses} addresses"),
            Self::Rejected { server, last } => write!(f, "every reply refused (last, from {server}: {last})"),
            Self::Io { server, error } => write!(f, "socket for {server}: {error}"),
        }
    }
}

impl std::error::Error for HostError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Resolve { error, .. } | Self::Io { error, .. } => Some(error),
            Self::Rejected { last, .. } => Some(last),
            Self::BadAddress { .. } | Self::NoReply { .. } => None,
        }
    }
}

/// A host as written: an address, or a name to resolve, with its port.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Host<'a> {
    /// An IP address literal (`192.0.2.1`, `::1`, `[::1]:11123`): no resolver needed.
    Addr(SocketAddr),
    /// A name (`time.example`), without brackets or port.
    Name {
        /// The name.
        name: &'a str,
        /// The port, from the host or the default.
        port: u16,
    },
}

/// Reads `host`: an IP address (`192.0.2.1`, `::1`, `[::1]`) or a name, with an
/// optional port (`time.example:123`, `[::1]:11123`; default `default_port`). Refuses a
/// port of 0 or beyond 65535 and what is neither an address nor a name, with
/// [`HostError::BadAddress`]. Touches nothing: [`resolve`] looks names up.
pub fn parse_host(host: &str, default_port: u16) -> Result<Host<'_>, HostError> {
    let bad = |reason: String| HostError::BadAddress { host: host.to_string(), reason };
    if let Ok(addr) = host.parse::<SocketAddr>() {
        return if addr.port() == 0 { Err(bad(port_reason("0"))) } else { Ok(Host::Addr(addr)) };
    }
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        return if default_port == 0 {
            Err(bad(port_reason("0")))
        } else {
            Ok(Host::Addr(SocketAddr::new(ip, default_port)))
        };
    }
    // name[:port]; an IPv6 literal with a bad port ends up here too ("[::1]:99999").
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !name.is_empty() && !name.ends_with(':') => match port.parse::<u16>() {
            Ok(p) if p != 0 => (name, p),
            _ => return Err(bad(port_reason(port))),
        },
        _ if default_port == 0 => return Err(bad(port_reason("0"))),
        _ => (host, default_port),
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if name.is_empty() || name.contains(['[', ']', ':']) {
        return Err(bad("not a host name or address".to_string()));
    }
    Ok(Host::Name { name, port })
}

/// The addresses of `host` ([`parse_host`]): address literals never touch the
/// resolver; names go through the system's (`getaddrinfo`), in its order of preference.
pub fn resolve(host: &str, default_port: u16) -> Result<Vec<SocketAddr>, HostError> {
    let (name, port) = match parse_host(host, default_port)? {
        Host::Addr(addr) => return Ok(std::vec![addr]),
        Host::Name { name, port } => (name, port),
    };
    let resolve_error = |error| HostError::Resolve { name: name.to_string(), error };
    let addrs: Vec<SocketAddr> = (name, port).to_socket_addrs().map_err(resolve_error)?.collect();
    if addrs.is_empty() {
        return Err(resolve_error(io::Error::new(io::ErrorKind::NotFound, "no addresses")));
    }
    Ok(addrs)
}

fn port_reason(port: &str) -> String {
    std::format!("bad port {port:?} (a port is 1 to 65535)")
}

/// Asks `host` for the time with the default settings ([`QueryConfig::default`]: three
/// attempts of one second per address) over the system clock: resolves it (port 123
/// unless it names one), tries its addresses, IPv6 and IPv4, in the resolver's order until
/// one gives a valid sample, and returns that sample.
///
/// ```no_run
/// let sample = ntpkit::query("pool.ntp.org")?;
/// println!("{} ns off, {} ns round trip", sample.offset_nanos(), sample.delay_nanos());
/// # Ok::<(), ntpkit::std_impls::HostError>(())
/// ```
pub fn query(host: &str) -> Result<SyncResult, HostError> {
    query_with(host, &QueryConfig::default()).map(|(_, sample)| sample)
}

/// [`query`] with the settings given; returns the address that answered beside its
/// sample.
pub fn query_with(host: &str, config: &QueryConfig) -> Result<(SocketAddr, SyncResult), HostError> {
    query_addrs(&resolve(host, NTP_PORT)?, config)
}

/// Asks `addrs` in turn, until one gives a valid sample, with the settings given; for
/// callers who resolve names themselves. An address that cannot be reached from here
/// (no route) or whose port is closed fails at once, and the next is tried.
pub fn query_addrs(
    addrs: &[SocketAddr],
    config: &QueryConfig,
) -> Result<(SocketAddr, SyncResult), HostError> {
    let mut clock = SystemClock::new();
    let mut nonces = StdNonces::new();
    let mut attempts = Attempts::new();
    for &server in addrs {
        // A connected socket: a closed port fails at once instead of after the timeout.
        let result = UdpTransport::connect(server)
            .map_err(QueryError::Transport)
            .and_then(|mut udp| sntp::query(&mut clock, &mut udp, &mut nonces, server, config));
        if let Some(sample) = attempts.record(server, result) {
            return Ok((server, sample));
        }
    }
    Err(attempts.finish())
}

/// The rule [`query_addrs`] follows over a host's addresses, for loops over other
/// transports (the async adapters): [`record`](Self::record) each address's result until
/// one is a sample, then [`finish`](Self::finish) says why none was.
///
/// A refusal says most (something answered and was not believed); then silence
/// (timeouts, closed ports: [`HostError::NoReply`]); a local socket error only when it is
/// all there was.
#[derive(Debug, Default)]
pub struct Attempts {
    refused: Option<HostError>,
    failed: Option<HostError>,
    silent: usize,
    tried: usize,
}

impl Attempts {
    /// Nothing tried yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records what asking `server` gave; returns the sample when there is one.
    pub fn record(
        &mut self,
        server: SocketAddr,
        result: Result<SyncResult, QueryError<io::Error>>,
    ) -> Option<SyncResult> {
        self.tried = self.tried.saturating_add(1);
        match result {
            Ok(sample) => return Some(sample),
            Err(QueryError::Timeout) => self.silent = self.silent.saturating_add(1),
            Err(QueryError::Transport(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
                self.silent = self.silent.saturating_add(1);
            }
            Err(QueryError::Transport(error)) => self.failed = Some(HostError::Io { server, error }),
            Err(last) => self.refused = Some(HostError::Rejected { server, last }),
        }
        None
    }

    /// Why no address gave a sample.
    pub fn finish(self) -> HostError {
        let failed = if self.silent > 0 { None } else { self.failed };
        self.refused.or(failed).unwrap_or(HostError::NoReply { addresses: self.tried })
    }
}

/// Logs the address, or the name and port.
#[cfg(feature = "defmt")]
impl defmt::Format for Host<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Self::Addr(addr) => defmt::write!(f, "Host::Addr({=str})", addr.to_string().as_str()),
            Self::Name { name, port } => defmt::write!(f, "Host::Name({=str}:{=u16})", name, port),
        }
    }
}

/// Logs the error's text.
#[cfg(feature = "defmt")]
impl defmt::Format for HostError {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "HostError::{=str}({=str})", self.name(), self.to_string().as_str());
    }
}

/// Logs the counts.
#[cfg(feature = "defmt")]
impl defmt::Format for Attempts {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Attempts {{ tried: {=usize}, silent: {=usize} }}", self.tried, self.silent);
    }
}

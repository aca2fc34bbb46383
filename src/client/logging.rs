//! What the client tells a logger: one call per event and per refused reply, in the
//! same words through either backend — the `log` crate (feature `log`) or `defmt`
//! (feature `defmt`, on bare-metal targets, where a firmware has its defmt logger; a
//! hosted program logs through `log`). Without either feature nothing is logged and
//! nothing here is compiled.
//!
//! Levels: a sample or a timeout is `debug`; an update that slews and a refused reply
//! `info`; a kiss-o'-death, a step and a request left unsent `warn`; an offset beyond
//! the panic threshold `error`.

use super::{Decision, Event};
use crate::exchange::Reject;

/// The same format string and arguments to each enabled backend. Arguments are numbers
/// or types with both `Display` and `defmt::Format`.
macro_rules! emit {
    ($level:ident, $($arg:tt)+) => {{
        #[cfg(all(feature = "defmt", target_os = "none"))]
        ::defmt::$level!($($arg)+);
        #[cfg(feature = "log")]
        ::log::$level!(target: "ntpkit::client", $($arg)+);
    }};
}

/// Logs an event as it is queued.
pub(super) fn event<const N: usize>(event: &Event<N>) {
    match event {
        Event::Sample { server, result } => emit!(
            debug,
            "server {}: sample offset {} delay {} stratum {}",
            server.0,
            result.offset(),
            result.delay(),
            result.stratum().0
        ),
        Event::KissOfDeath { server, code } => emit!(warn, "server {}: kiss-o'-death {}", server.0, code),
        Event::Timeout { server } => emit!(debug, "server {}: no reply", server.0),
        Event::AuthUnavailable { server, error } => {
            emit!(warn, "server {}: no request sent: {}", server.0, error);
        }
        Event::Update(update) => {
            let peer = update.selected.first().map_or(u8::MAX, |id| id.0);
            let count = update.selected.len();
            match update.decision {
                Decision::Slew(offset) => emit!(
                    info,
                    "update: slew {} (system peer {}, {} selected, uncertainty {}, jitter {})",
                    offset,
                    peer,
                    count,
                    update.uncertainty,
                    update.jitter
                ),
                Decision::Step(offset) => emit!(
                    warn,
                    "update: step {} (system peer {}, {} selected, uncertainty {})",
                    offset,
                    peer,
                    count,
                    update.uncertainty
                ),
                Decision::Panic(offset) => emit!(
                    error,
                    "update: offset {} beyond the panic threshold: the clock is left alone (system peer {})",
                    offset,
                    peer
                ),
            }
        }
    }
}

/// Logs a refused reply and why.
pub(super) fn rejected(reject: &Reject) {
    emit!(info, "reply refused: {}", reject);
}

//! Selection, clustering and combining (RFC 5905 §11.2) over a client's servers: from
//! every server's clock filter to one [`SystemUpdate`] and the decision it carries.

use core::net::SocketAddr;

use heapless::Vec;

use super::config::ClientConfig;
use super::events::{Decision, SystemUpdate};
use super::ids::PeerId;
use super::mitigation::{Candidate, cluster, combine, intersect, ns_to_duration, rms_about};
use super::peer::{Peer, PeerState};
use crate::math::int::{insertion_sort_by_key, isqrt, swap_copy};
use crate::math::{phi_times, root_distance};
use crate::time::{Instant, NtpDuration};
use crate::wire::{LeapIndicator, ReferenceId, Stratum};

/// Runs selection over `peers` at `now`: the update, and the index of the system peer,
/// or `None` when too few servers agree (see [`ClientConfig::min_sources`]). Marks the
/// survivors `selected`; changes nothing else.
pub(super) fn select<const N: usize>(
    peers: &mut [Option<Peer>; N],
    config: &ClientConfig,
    synchronized: bool,
    now: Instant,
) -> Option<(SystemUpdate<N>, usize)> {
    let precision = config.validation.local_precision.to_duration();
    let mut candidates: Vec<Candidate, N> = Vec::new();
    for (index, slot) in peers.iter_mut().enumerate() {
        let Some(peer) = slot else { continue };
        let (Some(estimate), Some(last)) = (peer.filter.estimate(now.as_nanos(), precision), peer.last)
        else {
            continue;
        };
        if peer.reach == 0 || peer.state != PeerState::Active {
            continue;
        }
        // λ = δr/2 + εr + δ/2 + (ε + Φ·age) + ψ (RFC 5905 §11.2.1): the sample's root
        // distance with the dispersion grown since, plus the peer jitter.
        let age = ns_to_duration(now.as_nanos().saturating_sub(last.at.as_nanos()));
        let dispersion = estimate.dispersion.saturating_add(phi_times(age));
        let distance = root_distance(last.root_delay, last.root_dispersion, estimate.delay, dispersion)
            .saturating_add(estimate.jitter);
        // RFC 5905 drops candidates beyond MAXDIST; allow half again the per-sample
        // limit for the growth of dispersion and jitter since.
        let limit = config.validation.max_root_distance;
        if distance >= limit.saturating_add(limit.halve()) {
            continue;
        }
        let _ = candidates.push(Candidate {
            index,
            offset: estimate.offset,
            distance,
            jitter: estimate.jitter,
            stratum: last.stratum.0,
            prefer: peer.config.prefer,
        });
    }
    let needed = match config.min_sources {
        0 => (peers.iter().flatten().filter(|p| p.counts()).count() >> 1).saturating_add(1),
        n => usize::from(n).min(peers.iter().flatten().count()),
    };
    if candidates.is_empty() || candidates.len() < needed {
        return None;
    }
    let (low, high) = intersect(&candidates)?;
    // Keep the truechimers, compacted in place (swaps, not copies between two
    // vectors: those linked memmove on a Cortex-M).
    let mut survivors = candidates;
    let mut kept = 0usize;
    for i in 0..survivors.len() {
        if survivors.get(i).is_some_and(|c| c.offset >= low && c.offset <= high) {
            swap_copy(&mut survivors, kept, i);
            kept = kept.saturating_add(1);
        }
    }
    survivors.truncate(kept);
    // Order by stratum, then distance (RFC 5905 §11.2.2 metric).
    insertion_sort_by_key(&mut survivors, |c| (c.stratum, c.distance));
    let n = survivors.len();
    let n = cluster(&mut survivors, n);
    survivors.truncate(n);
    if let Some(pos) = survivors.iter().position(|c| c.prefer) {
        swap_copy(&mut survivors, 0, pos);
    }
    let system = survivors.first().copied()?;
    let offset = combine(&survivors);
    let select_jitter = rms_about(system.offset, survivors.iter().map(|c| c.offset), 1);
    let jitter = ns_to_duration(isqrt(square_ns(select_jitter).saturating_add(square_ns(system.jitter))));
    let mut selected: Vec<PeerId, N> = Vec::new();
    let mut leaps = [0usize; 4];
    for peer in peers.iter_mut().flatten() {
        peer.selected = false;
    }
    for c in &survivors {
        if let Some(peer) = peers.get_mut(c.index).and_then(Option::as_mut) {
            peer.selected = true;
            if let Some(last) = peer.last {
                if let Some(count) = leaps.get_mut(usize::from(last.leap.to_bits())) {
                    *count = count.saturating_add(1);
                }
            }
        }
        let _ = selected.push(PeerId::of_index(c.index));
    }
    let majority = survivors.len() >> 1;
    let leap = [LeapIndicator::InsertSecond, LeapIndicator::DeleteSecond]
        .into_iter()
        .find(|l| leaps.get(usize::from(l.to_bits())).is_some_and(|&c| c > majority))
        .unwrap_or(LeapIndicator::NoWarning);
    let system_addr = peers.get(system.index).and_then(Option::as_ref).map(|p| p.addr);
    let magnitude = offset.saturating_abs();
    let decision = if magnitude > config.panic_threshold && (synchronized || !config.allow_startup_step) {
        Decision::Panic(offset)
    } else if magnitude > config.step_threshold {
        Decision::Step(offset)
    } else {
        Decision::Slew(offset)
    };
    let update = SystemUpdate {
        offset,
        uncertainty: system.distance,
        jitter,
        selected,
        stratum: Stratum(system.stratum.saturating_add(1)),
        leap,
        reference_id: system_addr.map_or(ReferenceId([0; 4]), reference_id_of),
        decision,
    };
    Some((update, system.index))
}

/// Squares a non-negative duration in ns, clamped to 2^30 ns first.
fn square_ns(d: NtpDuration) -> u64 {
    let ns = d.to_nanos().unsigned_abs().min(1 << 30);
    ns.saturating_mul(ns)
}

/// The reference ID a client of ours would see (RFC 5905 §7.3): the IPv4 address, or the
/// first four bytes of an IPv6 address (the RFC's MD5 hash needs a digest we do not carry).
fn reference_id_of(addr: SocketAddr) -> ReferenceId {
    match addr {
        SocketAddr::V4(v4) => ReferenceId::from_ipv4(*v4.ip()),
        SocketAddr::V6(v6) => {
            let o = v6.ip().octets();
            ReferenceId([o[0], o[1], o[2], o[3]])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_ids_name_the_server() {
        let v4: SocketAddr = "192.0.2.7:123".parse().unwrap();
        assert_eq!(reference_id_of(v4), ReferenceId([192, 0, 2, 7]));
        let v6: SocketAddr = "[2001:db8::1]:123".parse().unwrap();
        assert_eq!(reference_id_of(v6), ReferenceId([0x20, 0x01, 0x0d, 0xb8]));
    }

    #[test]
    fn squares_are_clamped() {
        assert_eq!(square_ns(NtpDuration::from_nanos(3).unwrap()), 9);
        assert_eq!(square_ns(NtpDuration::from_nanos(-3).unwrap()), 9);
        assert_eq!(square_ns(NtpDuration::MAX), 1 << 60);
    }
}

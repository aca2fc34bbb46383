//! [`SyncResult`]: what one accepted exchange measured.

use core::time::Duration;

use crate::math::root_distance;
use crate::time::{NtpDuration, NtpShort, NtpTimestamp, UnixTime};
use crate::wire::{LeapIndicator, Poll, Precision, ReferenceId, Stratum, Version};

/// The result of one exchange (RFC 5905 §8): offset θ, delay δ, dispersion ε, root
/// distance λ, the server's header fields and the four timestamps.
///
/// Offset is positive when the server's clock is ahead of ours.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SyncResult {
    pub(super) offset: NtpDuration,
    pub(super) delay: NtpDuration,
    pub(super) dispersion: NtpDuration,
    /// T1..T4.
    pub(super) timestamps: [NtpTimestamp; 4],
    pub(super) leap: LeapIndicator,
    pub(super) version: Version,
    pub(super) stratum: Stratum,
    pub(super) poll: Poll,
    pub(super) precision: Precision,
    pub(super) root_delay: NtpShort,
    pub(super) root_dispersion: NtpShort,
    pub(super) reference_id: ReferenceId,
    pub(super) reference_timestamp: NtpTimestamp,
    pub(super) interleaved: bool,
}

impl SyncResult {
    /// Clock offset θ = ((T2 − T1) + (T3 − T4)) / 2 (RFC 5905 §8): how far the server's
    /// clock is ahead of ours.
    ///
    /// # When it aliases
    ///
    /// Timestamps carry no era (RFC 5905 §6), so θ is exact only while the true offset
    /// is within ±2³¹ s (about ±68 years); beyond that it is off by a multiple of 2³² s
    /// (about 136 years). A clock that boots at NTP 0 (1900) while the time is 2026
    /// measures about −9.9 years, not +126. Adding θ to an [`NtpTimestamp`] is still
    /// right (it wraps the same way), but adding it to Unix seconds or a calendar is
    /// not. To *set* a clock, take the absolute time instead:
    /// [`corrected_unix`](Self::corrected_unix) (or
    /// [`SystemUpdate::corrected_unix`](crate::client::SystemUpdate::corrected_unix)
    /// from a [`Client`](crate::client::Client)), which places it in the era nearest a
    /// pivot such as the firmware's build date.
    pub const fn offset(&self) -> NtpDuration {
        self.offset
    }

    /// Round-trip delay δ = (T4 − T1) − (T3 − T2) (RFC 5905 §8), floored at the local
    /// clock's precision as RFC 5905 A.5.1.1 does (so it is never negative).
    pub const fn delay(&self) -> NtpDuration {
        self.delay
    }

    /// Dispersion ε = ρ_server + ρ_local + Φ·(T4 − T1) (RFC 5905 §8), with Φ = 15 ppm.
    pub const fn dispersion(&self) -> NtpDuration {
        self.dispersion
    }

    /// Root distance λ = δ_root/2 + ε_root + δ/2 + ε (RFC 5905 §11.2.1, for one sample):
    /// the maximum error of the server's time as seen here.
    pub const fn root_distance(&self) -> NtpDuration {
        root_distance(self.root_delay, self.root_dispersion, self.delay, self.dispersion)
    }

    /// Offset in whole nanoseconds (truncated toward zero).
    pub const fn offset_nanos(&self) -> i64 {
        self.offset.to_nanos()
    }

    /// Delay in whole nanoseconds (truncated).
    pub const fn delay_nanos(&self) -> i64 {
        self.delay.to_nanos()
    }

    /// The offset as `(server_is_behind, magnitude)`: `true` when the local clock must
    /// be moved back by `magnitude`.
    pub const fn offset_std(&self) -> (bool, Duration) {
        self.offset.to_signed_std()
    }

    /// The delay as a [`Duration`].
    pub const fn delay_std(&self) -> Duration {
        self.delay.to_signed_std().1
    }

    /// `now` corrected by the offset: the server's idea of the time when the local clock
    /// reads `now`. Right for any offset, even one that [aliases](Self::offset), since
    /// both wrap modulo the era.
    pub fn corrected_time(&self, now: NtpTimestamp) -> NtpTimestamp {
        now.wrapping_add(self.offset)
    }

    /// [`corrected_time`](Self::corrected_time) as Unix time, in the era nearest
    /// `pivot_unix_seconds` (within ±68 years of it; see [`NtpTimestamp::to_unix_near`]).
    /// This is how a device whose clock means nothing at boot (1970, 2000, NTP 0) sets
    /// it from the first sample: pass its clock's reading as `now` and, as the pivot, a
    /// time it knows is within 68 years of the truth, such as its build date.
    ///
    /// ```
    /// # use ntpkit::NtpTimestamp;
    /// # fn sample() -> ntpkit::exchange::SyncResult { todo!() }
    /// # fn rtc_now() -> NtpTimestamp { todo!() }
    /// # if false {
    /// const BUILD_DATE: i64 = 1_764_547_200; // 2025-12-01, Unix seconds
    /// let now = sample().corrected_unix(rtc_now(), BUILD_DATE);
    /// # }
    /// ```
    pub fn corrected_unix(&self, now: NtpTimestamp, pivot_unix_seconds: i64) -> UnixTime {
        self.corrected_time(now).to_unix_near(pivot_unix_seconds)
    }

    /// Whether the reply was interleaved (RFC 9769 §3): then T1, T2 and T4 are those of
    /// the previous exchange with this server, and T3 is the server's precise send time
    /// of its reply to it, which only an interleaved reply can carry.
    pub const fn interleaved(&self) -> bool {
        self.interleaved
    }

    /// Client send time T1.
    pub const fn t1(&self) -> NtpTimestamp {
        self.timestamps[0]
    }
    /// Server receive time T2.
    pub const fn t2(&self) -> NtpTimestamp {
        self.timestamps[1]
    }
    /// Server send time T3.
    pub const fn t3(&self) -> NtpTimestamp {
        self.timestamps[2]
    }
    /// Client receive time T4.
    pub const fn t4(&self) -> NtpTimestamp {
        self.timestamps[3]
    }
    /// Leap indicator from the server. A single unauthenticated reply is not enough to
    /// schedule a leap second (CVE-2016-4954): confirm it over several servers.
    pub const fn leap(&self) -> LeapIndicator {
        self.leap
    }
    /// Version of the reply.
    pub const fn version(&self) -> Version {
        self.version
    }
    /// Server stratum (1–15).
    pub const fn stratum(&self) -> Stratum {
        self.stratum
    }
    /// Poll exponent from the reply.
    pub const fn poll(&self) -> Poll {
        self.poll
    }
    /// Server clock precision.
    pub const fn precision(&self) -> Precision {
        self.precision
    }
    /// Server root delay.
    pub const fn root_delay(&self) -> NtpShort {
        self.root_delay
    }
    /// Server root dispersion.
    pub const fn root_dispersion(&self) -> NtpShort {
        self.root_dispersion
    }
    /// Server reference ID.
    pub const fn reference_id(&self) -> ReferenceId {
        self.reference_id
    }
    /// Server reference timestamp.
    pub const fn reference_timestamp(&self) -> NtpTimestamp {
        self.reference_timestamp
    }
}

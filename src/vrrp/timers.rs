//! Skew_Time and Master_Down_Interval, RFC 3768 §6.1 (v2) and RFC 5798/9568 §6.1 (v3), and
//! the machine's own timing constants, each with the rule it serves and what it rests on.

use std::time::Duration;

use crate::wire::Version;

const NANOS_PER_CS: u64 = 10_000_000;

// The machine's own timing, beyond the RFC's: each constant with the rule it serves and the
// measurement behind it.

/// A master answers lower-priority adverts with at most one advert per this (a tenth of the
/// shortest interval, 10 ms): enough to break a cascade among many masters at once, short
/// enough that a contested takeover still ends within a millisecond, also at 1 s adverts.
/// Measured: 16 nodes at 10 ms on a loaded host never settled when every lower advert was
/// answered; they settle with the gap (bench/SCALE.md).
pub const ANSWER_GAP: Duration = Duration::from_millis(1);

/// How long a master that yielded keeps the VIP (never announcing; over IPv6 answering no
/// NS, cmd/run/node/actions.rs `drain_quietly`): a fixed drain that nothing extends. Rule:
/// a client a loser's announcements moved still reaches the VIP until the winner's answer
/// moves it back. Measured: the winner's loop answered
/// 8 ms late on a loaded host, and a loser that let go 5 ms after the winner's first frame
/// lost a 10 ms probe in 1 of 4 lab runs; 50 ms covers that with room.
pub const LINGER_MIN: Duration = Duration::from_millis(50);

/// A master answers a claim this long after it (the last of a burst), and a releasing master
/// lets the VIP go this long after its successor's announcement: probes already on their
/// way still find it. Rule: the holder's frame is the last one clients hear; one answer per
/// burst (a burst of 5 frames leaves within a millisecond).
pub const CLAIM_SETTLE: Duration = Duration::from_millis(5);

/// A master announces once more this long after it took over, and after the last sign of a
/// contest's loser (its claim or advert): past the loser's `LINGER_MIN` drain. A client that
/// resolved the VIP while another node still answered for it has that node's MAC (an ARP
/// reply is not an announcement: nobody sees it but the client); a gratuitous ARP or
/// unsolicited NA overrides its entry whatever the entry's age. Seen in `vipflip demo` in
/// CI: a client that resolved during a tied takeover stayed on the loser until the second
/// burst 5 s later. The group simulator's clients check it (tests/sim).
pub const AFTER_LINGER: Duration = Duration::from_millis(60);

/// How many answers (to claims of our VIP by another MAC, one per burst, and to
/// lower-priority adverts) a master sends per second. A contested takeover brings one burst
/// per loser (5 frames per VIP from keepalived or vipflip); more answers than this, with a
/// contest visible, is many masters at once (a stalled master on a loaded host): worth a
/// note, not a storm. Claims with no contest visible are not answered at all
/// (`answer_claim`).
pub const MAX_ANSWERS: u32 = 20;

/// v2: `(256 - priority) / 256` s. v3: `((256 - priority) * Master_Adver_Interval) / 256`.
pub fn skew_time(version: Version, priority: u8, master_interval_cs: u16) -> Duration {
    let weight = 256 - u64::from(priority);
    let nanos = match version {
        Version::V2 => weight * 1_000_000_000 / 256,
        Version::V3 => weight * u64::from(master_interval_cs) * NANOS_PER_CS / 256,
    };
    Duration::from_nanos(nanos)
}

/// `3 * interval + Skew_Time`, the silence after which a backup takes over.
pub fn master_down_interval(version: Version, priority: u8, master_interval_cs: u16) -> Duration {
    interval(master_interval_cs) * 3 + skew_time(version, priority, master_interval_cs)
}

/// keepalived's VRRP_TIMER_SKEW_MIN (vrrp.h: `VRRP_TIMER_SKEW_CALC(svr, 1)`, where the
/// formula's factor is `256 - priority`): the smallest Skew_Time, that of priority 255.
pub fn skew_min(version: Version, master_interval_cs: u16) -> Duration {
    skew_time(version, 255, master_interval_cs)
}

/// How long a stepping-down master keeps its VIP waiting for a successor: the longest
/// Skew_Time a backup can have (priority 1), plus one interval for scheduling.
pub fn handover_wait(version: Version, interval_cs: u16) -> Duration {
    skew_time(version, 1, interval_cs) + interval(interval_cs)
}

/// An advert interval in centiseconds as a duration.
pub fn interval(cs: u16) -> Duration {
    Duration::from_nanos(u64::from(cs) * NANOS_PER_CS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }

    /// vrrp.h VRRP_TIMER_SKEW_MIN: 1/256 s in v2, 1/256 of the interval in v3.
    #[test]
    fn keepalived_skew_min_is_the_skew_of_priority_255() {
        assert_eq!(
            skew_min(Version::V2, 100),
            Duration::from_nanos(1_000_000_000 / 256)
        );
        assert_eq!(
            skew_min(Version::V3, 100),
            Duration::from_nanos(1_000_000_000 / 256)
        );
        assert_eq!(
            skew_min(Version::V3, 10),
            Duration::from_nanos(100_000_000 / 256)
        );
    }

    /// The worked examples of ../shared/VRRP-NOTES.md §1.4.
    #[test]
    fn worked_rfc_examples() {
        assert_eq!(
            ms(master_down_interval(Version::V2, 100, 100)).round(),
            3609.0
        );
        assert_eq!(
            ms(master_down_interval(Version::V2, 200, 100)).round(),
            3219.0
        );
        assert_eq!(
            ms(master_down_interval(Version::V3, 200, 100)).round(),
            3219.0
        );
        assert_eq!(
            ms(master_down_interval(Version::V3, 200, 10)).round(),
            322.0
        );
        assert_eq!(ms(skew_time(Version::V2, 200, 100)).round(), 219.0);
        assert_eq!(ms(skew_time(Version::V3, 200, 100)).round(), 219.0);
    }

    #[test]
    fn exact_values() {
        assert_eq!(
            skew_time(Version::V2, 200, 100),
            Duration::from_nanos(218_750_000)
        );
        assert_eq!(
            skew_time(Version::V3, 200, 10),
            Duration::from_nanos(21_875_000)
        );
        assert_eq!(
            skew_time(Version::V3, 255, 100),
            Duration::from_nanos(3_906_250)
        );
        // v2 skew does not scale with the interval.
        assert_eq!(
            skew_time(Version::V2, 200, 300),
            skew_time(Version::V2, 200, 100)
        );
        assert_eq!(
            master_down_interval(Version::V2, 200, 300),
            Duration::from_secs(9) + skew_time(Version::V2, 200, 100)
        );
    }

    #[test]
    fn higher_priority_always_times_out_first() {
        for v in [Version::V2, Version::V3] {
            for p in 1..255u8 {
                assert!(master_down_interval(v, p + 1, 10) < master_down_interval(v, p, 10));
            }
        }
    }
}

//! ping-watch's bookkeeping, pure: probes sent and answered, outages and MAC changes, driven
//! by explicit instants. An outage runs from the send time of the first lost probe to the send
//! time of the first answered one after it, so it is within one interval of the real one.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::wire::announce::MacAddr;

/// One outage, reported when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub start: Instant,
    pub length: Duration,
    pub lost: u64,
    pub mac_before: Option<MacAddr>,
    pub mac_after: Option<MacAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    OutageEnded(Outage),
    /// The answering MAC is new: `from` is `None` for the first answer.
    MacChanged {
        from: Option<MacAddr>,
        to: MacAddr,
    },
}

#[derive(Debug, Clone, Copy)]
struct Open {
    start: Instant,
    lost: u64,
    mac_before: Option<MacAddr>,
}

#[derive(Debug, Clone)]
pub struct Tracker {
    /// A probe unanswered for this long is lost even if no later one is answered.
    timeout: Duration,
    pending: BTreeMap<u64, Instant>,
    open: Option<Open>,
    pub sent: u64,
    pub received: u64,
    pub lost: u64,
    pub outages: Vec<Outage>,
    pub mac_changes: u64,
    pub mac: Option<MacAddr>,
    pub last_rtt: Option<Duration>,
}

impl Tracker {
    pub fn new(timeout: Duration) -> Tracker {
        Tracker {
            timeout,
            pending: BTreeMap::new(),
            open: None,
            sent: 0,
            received: 0,
            lost: 0,
            outages: Vec::new(),
            mac_changes: 0,
            mac: None,
            last_rtt: None,
        }
    }

    /// Records probe `seq` sent at `at`.
    pub fn sent(&mut self, seq: u64, at: Instant) {
        self.sent += 1;
        self.pending.insert(seq, at);
    }

    /// The full sequence number of a pending probe whose low 16 bits are `seq16`.
    pub fn pending_seq(&self, seq16: u16) -> Option<u64> {
        self.pending
            .keys()
            .rev()
            .copied()
            .find(|s| (*s & 0xffff) as u16 == seq16)
    }

    /// Probe `seq` was answered at `at`, by `mac` if known. Replies arrive in order, so every
    /// earlier probe still pending is lost.
    pub fn answered(&mut self, seq: u64, at: Instant, mac: Option<MacAddr>) -> Vec<Event> {
        let Some(sent_at) = self.pending.remove(&seq) else {
            return Vec::new();
        };
        let earlier: Vec<(u64, Instant)> =
            self.pending.range(..seq).map(|(s, t)| (*s, *t)).collect();
        for (s, t) in earlier {
            self.pending.remove(&s);
            self.lose(t);
        }
        self.received += 1;
        self.last_rtt = Some(at.saturating_duration_since(sent_at));
        let mut events = Vec::new();
        if let Some(to) = mac.filter(|m| Some(*m) != self.mac) {
            if self.mac.is_some() {
                self.mac_changes += 1;
            }
            events.push(Event::MacChanged { from: self.mac, to });
            self.mac = Some(to);
        }
        if let Some(open) = self.open.take() {
            let outage = Outage {
                start: open.start,
                length: sent_at.saturating_duration_since(open.start),
                lost: open.lost,
                mac_before: open.mac_before,
                mac_after: self.mac,
            };
            self.outages.push(outage.clone());
            events.insert(0, Event::OutageEnded(outage));
        }
        events
    }

    /// Probe `seq` failed outright (TCP: refused or timed out).
    pub fn failed(&mut self, seq: u64) {
        if let Some(at) = self.pending.remove(&seq) {
            self.lose(at);
        }
    }

    /// Declares lost every probe unanswered for longer than the timeout.
    pub fn expire(&mut self, now: Instant) {
        let timeout = self.timeout;
        let overdue: Vec<(u64, Instant)> = self
            .pending
            .iter()
            .filter(|(_, t)| now.saturating_duration_since(**t) >= timeout)
            .map(|(s, t)| (*s, *t))
            .collect();
        for (s, t) in overdue {
            self.pending.remove(&s);
            self.lose(t);
        }
    }

    fn lose(&mut self, sent_at: Instant) {
        self.lost += 1;
        match &mut self.open {
            Some(open) => open.lost += 1,
            None => {
                self.open = Some(Open {
                    start: sent_at,
                    lost: 1,
                    mac_before: self.mac,
                })
            }
        }
    }

    pub fn longest(&self) -> Option<Duration> {
        self.outages.iter().map(|o| o.length).max()
    }

    /// The outage still going at `now`, if any, as long as it has lasted so far.
    pub fn ongoing(&self, now: Instant) -> Option<Outage> {
        self.open.map(|open| Outage {
            start: open.start,
            length: now.saturating_duration_since(open.start),
            lost: open.lost,
            mac_before: open.mac_before,
            mac_after: None,
        })
    }

    /// True while probes are being lost (an outage that has not ended yet).
    pub fn in_outage(&self) -> bool {
        self.open.is_some()
    }

    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    const A: MacAddr = MacAddr(2, 0, 0, 0, 0, 0xa);
    const B: MacAddr = MacAddr(2, 0, 0, 0, 0, 0xb);

    /// Probes every 10 ms; 0..=9 answered by A, 10..=44 lost, 45.. answered by B. The first
    /// answer is news too (ping-watch says who answers).
    #[test]
    fn an_outage_spans_first_lost_to_first_answered_send_time() {
        let t0 = Instant::now();
        let mut t = Tracker::new(ms(1000));
        let mut events = Vec::new();
        for seq in 0..60u64 {
            let at = t0 + ms(10 * seq);
            t.sent(seq, at);
            match seq {
                0..=9 => events.extend(t.answered(seq, at + ms(1), Some(A))),
                45.. => events.extend(t.answered(seq, at + ms(1), Some(B))),
                _ => {}
            }
        }
        let outage = Outage {
            start: t0 + ms(100),
            length: ms(350),
            lost: 35,
            mac_before: Some(A),
            mac_after: Some(B),
        };
        assert_eq!(
            events,
            vec![
                Event::MacChanged { from: None, to: A },
                Event::OutageEnded(outage.clone()),
                Event::MacChanged {
                    from: Some(A),
                    to: B
                }
            ]
        );
        assert_eq!((t.sent, t.received, t.lost, t.mac_changes), (60, 25, 35, 1));
        assert_eq!(t.longest(), Some(ms(350)));
        assert_eq!(t.last_rtt, Some(ms(1)));
    }

    #[test]
    fn timeouts_open_an_outage_before_any_reply_returns() {
        let t0 = Instant::now();
        let mut t = Tracker::new(ms(500));
        t.sent(0, t0);
        t.answered(0, t0 + ms(1), Some(A));
        t.sent(1, t0 + ms(100));
        t.expire(t0 + ms(599));
        assert!(!t.in_outage());
        t.expire(t0 + ms(600));
        assert!(t.in_outage());
        assert_eq!(t.lost, 1);
        t.sent(2, t0 + ms(700));
        let ev = t.answered(2, t0 + ms(701), Some(A));
        assert!(
            matches!(&ev[..], [Event::OutageEnded(o)] if o.length == ms(600) && o.mac_after == Some(A))
        );
        assert_eq!(t.mac_changes, 0);
    }

    #[test]
    fn late_or_unknown_replies_change_nothing() {
        let t0 = Instant::now();
        let mut t = Tracker::new(ms(500));
        assert!(t.answered(99, t0, Some(A)).is_empty());
        assert_eq!(t.received, 0);
        t.sent(70000, t0);
        assert_eq!(t.pending_seq((70000u64 & 0xffff) as u16), Some(70000));
        t.failed(70000);
        assert!(t.in_outage());
    }
}

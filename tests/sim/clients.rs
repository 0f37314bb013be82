//! The simulator's clients: hosts that ask who has the VIP (a broadcast ARP request, or a
//! neighbour solicitation) and keep the answer in a neighbour entry that ages as Linux's does.
//!
//! What is modelled, and where it comes from (Linux 6.x, default sysctls):
//! - Resolving: with no entry, a packet for the VIP starts a broadcast request, repeated every
//!   retrans_time (1 s) up to mcast_solicit (3) times; then the entry fails and the next packet
//!   starts over (net/core/neighbour.c neigh_timer_handler; arp_tbl in net/ipv4/arp.c).
//! - IPv4 replies: the first reply wins for locktime (1 s): "If several different ARP replies
//!   follows back-to-back, use the FIRST one" (net/ipv4/arp.c arp_process).
//! - IPv6 replies: a solicited NA with the Override flag (Linux sets it for its own addresses)
//!   replaces the entry, so the last reply wins (net/ipv6/ndisc.c ndisc_recv_na).
//! - Announcements: a gratuitous ARP (`is_garp` overrides the locktime) or an unsolicited NA
//!   with Override replaces an existing entry, whatever its age, as STALE; with no entry it
//!   creates none (arp_accept=0, accept_untracked_na=0).
//! - A request from the VIP addressed to the client (the holder's kernel resolving the
//!   client before it answers a ping) replaces or creates the entry
//!   (arp_process -> neigh_event_ns; ndisc_recv_ns).
//! - Ageing: REACHABLE for reachable_time, a random 15-45 s (base_reachable_time 30 s times
//!   0.5-1.5); a ping confirms nothing, so the entry turns STALE; the next packet starts DELAY
//!   (delay_first_probe_time 5 s), then PROBE: a unicast request to the cached MAC every 1 s,
//!   ucast_solicit (3) times, and the entry fails when none is answered.
//! - A client that appears, or whose entry is flushed (`ip neigh flush`, the garbage
//!   collector), starts with no entry: flushes are drawn at random so that resolutions fall
//!   anywhere, in a contested takeover too.

use std::time::Duration;

const RETRANS: Duration = Duration::from_secs(1);
const SOLICIT_TRIES: u32 = 3;
const LOCKTIME: Duration = Duration::from_secs(1);
const DELAY_FIRST_PROBE: Duration = Duration::from_secs(5);

/// What the client puts on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sends {
    /// Who has the VIP? To every node.
    Broadcast,
    /// Who has the VIP? To the cached node only (PROBE).
    Unicast(usize),
    /// A ping to the VIP, to the node the entry names.
    Ping(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    None,
    Incomplete {
        tries: u32,
        next: Duration,
    },
    Valid {
        node: usize,
        updated: Duration,
        reachable_until: Duration,
        /// DELAY or PROBE: when the next unicast request goes, and how many went.
        probe: Option<(Duration, u32)>,
    },
}

#[derive(Debug, Clone)]
pub struct Client {
    pub every: Duration,
    reachable: Duration,
    /// IPv6 neighbour discovery: the last reply wins.
    ndp: bool,
    entry: Entry,
    next_ping: Duration,
}

impl Client {
    pub fn new(every: Duration, start: Duration, reachable: Duration, ndp: bool) -> Client {
        Client {
            every,
            reachable,
            ndp,
            entry: Entry::None,
            next_ping: start,
        }
    }

    /// The node its entry names, if it has a usable one.
    pub fn on(&self) -> Option<usize> {
        match self.entry {
            Entry::Valid { node, .. } => Some(node),
            _ => None,
        }
    }

    /// When it next has something to do.
    pub fn due(&self) -> Duration {
        let timer = match self.entry {
            Entry::Incomplete { next, .. } => Some(next),
            Entry::Valid {
                probe: Some((at, _)),
                ..
            } => Some(at),
            _ => None,
        };
        timer.map_or(self.next_ping, |t| t.min(self.next_ping))
    }

    pub fn tick(&mut self, now: Duration, out: &mut Vec<Sends>) {
        self.timers(now, out);
        if now < self.next_ping {
            return;
        }
        self.next_ping = now + self.every;
        match &mut self.entry {
            Entry::None => {
                self.entry = Entry::Incomplete {
                    tries: 1,
                    next: now + RETRANS,
                };
                out.push(Sends::Broadcast);
            }
            Entry::Incomplete { .. } => {}
            Entry::Valid {
                node,
                reachable_until,
                probe,
                ..
            } => {
                out.push(Sends::Ping(*node));
                if now >= *reachable_until && probe.is_none() {
                    *probe = Some((now + DELAY_FIRST_PROBE, 0));
                }
            }
        }
    }

    fn timers(&mut self, now: Duration, out: &mut Vec<Sends>) {
        match &mut self.entry {
            Entry::Incomplete { tries, next } if now >= *next => {
                if *tries >= SOLICIT_TRIES {
                    self.entry = Entry::None;
                } else {
                    *tries += 1;
                    *next = now + RETRANS;
                    out.push(Sends::Broadcast);
                }
            }
            Entry::Valid {
                node,
                probe: Some((at, tries)),
                ..
            } if now >= *at => {
                if *tries >= SOLICIT_TRIES {
                    self.entry = Entry::None;
                } else {
                    *tries += 1;
                    *at = now + RETRANS;
                    out.push(Sends::Unicast(*node));
                }
            }
            _ => {}
        }
    }

    fn set(&mut self, now: Duration, node: usize, reachable: bool) {
        self.entry = Entry::Valid {
            node,
            updated: now,
            reachable_until: if reachable { now + self.reachable } else { now },
            probe: None,
        };
    }

    /// A node's reply to its request.
    pub fn reply(&mut self, now: Duration, node: usize) {
        match self.entry {
            Entry::None => {}
            Entry::Incomplete { .. } => self.set(now, node, true),
            Entry::Valid {
                node: had, updated, ..
            } => {
                if had == node || self.ndp || now > updated + LOCKTIME {
                    self.set(now, node, true)
                }
            }
        }
    }

    /// A gratuitous ARP or unsolicited NA from `node`.
    pub fn announced(&mut self, now: Duration, node: usize) {
        match self.entry {
            Entry::None => {}
            Entry::Valid { node: had, .. } if had == node => {}
            _ => self.set(now, node, false),
        }
    }

    /// `node`'s kernel asked for this client from the VIP.
    pub fn asked_from_vip(&mut self, now: Duration, node: usize) {
        if self.on() != Some(node) {
            self.set(now, node, false);
        }
    }

    pub fn flush(&mut self) {
        self.entry = Entry::None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn ipv4_keeps_the_first_reply_and_ipv6_the_last() {
        for (ndp, want) in [(false, 1), (true, 2)] {
            let mut c = Client::new(ms(10), ms(0), ms(30_000), ndp);
            let mut out = Vec::new();
            c.tick(ms(0), &mut out);
            assert_eq!(out, vec![Sends::Broadcast]);
            c.reply(ms(1), 1);
            c.reply(ms(2), 2);
            assert_eq!(c.on(), Some(want), "ndp {ndp}");
        }
    }

    #[test]
    fn an_announcement_moves_an_entry_but_creates_none() {
        let mut c = Client::new(ms(10), ms(0), ms(30_000), false);
        c.announced(ms(0), 1);
        assert_eq!(c.on(), None);
        c.tick(ms(0), &mut Vec::new());
        c.reply(ms(1), 1);
        c.announced(ms(2), 2);
        assert_eq!(c.on(), Some(2), "within the locktime too");
    }

    #[test]
    fn an_unanswered_entry_fails_after_delay_and_three_probes() {
        let mut c = Client::new(ms(100), ms(0), ms(15_000), false);
        let mut out = Vec::new();
        c.tick(ms(0), &mut out);
        c.reply(ms(1), 3);
        let mut unicast = 0;
        let mut t = ms(100);
        while c.on().is_some() && t < ms(60_000) {
            let mut out = Vec::new();
            c.tick(t, &mut out);
            unicast += out.iter().filter(|s| **s == Sends::Unicast(3)).count();
            t += ms(100);
        }
        assert_eq!(unicast, 3);
        // 15 s reachable, 5 s delay, 3 probes 1 s apart
        assert!(t >= ms(23_000) && t <= ms(23_200), "failed at {t:?}");
    }
}

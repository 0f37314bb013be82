//! The machine's actions carried out: adverts sent, VIPs added, removed and announced,
//! systemd told, hooks queued, and what `vipflip status` shows copied.

use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use super::super::hooks;
use super::super::io::{NodeIo, VipLink};
use super::super::notes::NodeNote;
use super::super::status_view::Live;
use super::Node;
use crate::config::Vip;
use crate::error::Error;
use crate::vrrp::{Action, State};
use crate::wire::announce::{gratuitous_arp, unsolicited_na};

/// How long an announcement waits for the local routes of IPv6 VIPs just added (seen: up to
/// 9 ms on a loaded host); past it, it goes all the same.
const LOCAL_ROUTE_WAIT: Duration = Duration::from_millis(100);

/// How often the loop looks at the routes again while an announcement waits.
const ROUTE_POLL: Duration = Duration::from_micros(500);

/// An announcement waiting for the local routes of IPv6 VIPs just added. It waits on the
/// loop's deadline, not in a sleep: the loop goes on advertising meanwhile, for this
/// instance and for the other family's (issue 20 d: the wait blocked both, up to 100 ms per
/// VIP, so a new master's first adverts at 10-30 ms intervals came late).
#[derive(Debug, Clone, Copy)]
pub(in crate::cmd::run) struct HeldBack {
    rounds: u32,
    until: Instant,
}

impl<I: NodeIo> Node<I> {
    /// Where `addr` goes: its own device (keepalived's `dev X`), else the VIPs' interface.
    pub(super) fn link_for(&self, addr: IpAddr) -> VipLink {
        self.io.other_link(addr).unwrap_or(self.vip_link)
    }

    /// Every address held while master: the VIPs, and keepalived's excluded ones.
    pub(super) fn held(&self) -> Vec<Vip> {
        self.cfg
            .vips
            .iter()
            .chain(&self.cfg.excluded)
            .copied()
            .collect()
    }

    /// Removes the VIPs this process added; what failed, to be said.
    pub(super) fn remove_vips(&mut self) -> Vec<Error> {
        let mut errors = Vec::new();
        for (index, vip) in std::mem::take(&mut self.ledger.added) {
            if let Err(e) = self.io.remove_vip(index, &vip) {
                errors.push(e);
            }
        }
        for (index, vip) in std::mem::take(&mut self.ledger.routed) {
            if let Err(e) = self.io.remove_local_route(index, vip.addr) {
                errors.push(e);
            }
        }
        errors
    }

    /// Issue 20's quiet drain: a node that yields keeps accepting its VIPs' traffic for
    /// LINGER_MIN (packets already on their way still land) but answers no request for them
    /// meanwhile, so a client that asks now hears only the winner; so does a releasing one
    /// for its CLAIM_SETTLE once its successor has announced the VIPs. Each IPv6 VIP's address
    /// gives way to a local route: the kernel still delivers its traffic here, and neighbour
    /// discovery answers, and asks from, configured addresses only (ndisc_recv_ns,
    /// ndisc_solicit). An IPv4 VIP does the same where the interface has arp_ignore 1 or
    /// more and arp_announce 2: otherwise arp_process answers for any local route and
    /// arp_solicit asks from any local source, so it keeps its address. Only on the
    /// interface itself: with --vmac every node answers with the same MAC anyway, and the
    /// macvlan may have no other address, whose removal takes its routes with it.
    pub(super) fn drain_quietly(&mut self) {
        let iface = self.iface.index;
        if self.vip_link.index != iface {
            return;
        }
        let arp_quiet = self.io.arp_quiet(&self.iface.name);
        let added = std::mem::take(&mut self.ledger.added);
        let (quiet, keep): (Vec<_>, Vec<_>) = added
            .into_iter()
            .partition(|(index, v)| *index == iface && (v.addr.is_ipv6() || arp_quiet));
        self.ledger.added = keep;
        for (index, vip) in quiet {
            if let Err(e) = self.io.add_local_route(index, vip.addr) {
                // Without the route the address stays: traffic still lands, NS answered.
                self.ledger.added.push((index, vip));
                let error = e.to_string();
                self.tell(&NodeNote::VipAddFailed { error });
                continue;
            }
            if !self.ledger.routed.contains(&(index, vip)) {
                self.ledger.routed.push((index, vip));
            }
            if let Err(e) = self.io.remove_vip(index, &vip) {
                let error = e.to_string();
                self.tell(&NodeNote::VipRemoveFailed { error });
            }
        }
    }

    /// Carries out the machine's actions, emptying `actions`; `true` when one said to exit.
    pub(super) fn execute(&mut self, actions: &mut Vec<Action>, now: Instant) -> bool {
        for action in actions.drain(..) {
            match action {
                Action::SendAdvert { priority } => self.send_advert(priority),
                Action::AddVips => self.add_vips(now),
                Action::RemoveVips => {
                    // Never an announcement for a VIP this node no longer holds.
                    self.held_back = None;
                    for e in self.remove_vips() {
                        let error = e.to_string();
                        self.tell(&NodeNote::VipRemoveFailed { error });
                    }
                }
                Action::Announce => self.announce_when_routed(self.cfg.garp_repeat, now),
                Action::Answer => self.announce_when_routed(1, now),
                Action::Refresh => self.announce_when_routed(self.cfg.garp_refresh_repeat, now),
                Action::Transition { from, to, reason } => {
                    if from == State::Master && to == State::Backup {
                        self.drain_quietly();
                    }
                    if !matches!(to, State::Master | State::Releasing) {
                        // A node that left master never announces again.
                        self.held_back = None;
                    }
                    self.state_since = SystemTime::now();
                    self.ui
                        .transition(self.cfg.vrid, from, to, &reason.to_string());
                    self.tell_systemd(from, to, &reason.to_string());
                    for job in hooks::jobs(&self.cfg, from, to, self.machine.priority()) {
                        self.io.run_hook(job);
                    }
                }
                Action::Note(note) => self.ui.machine_note(self.cfg.vrid, &note),
                Action::Exit => return true,
            }
        }
        false
    }

    /// READY=1 once the node listens (its first state after init), a STATUS line on every
    /// change, STOPPING=1 when it stops: what `systemctl status` and Type=notify use.
    pub(super) fn tell_systemd(&self, from: State, to: State, reason: &str) {
        let state = to.name().to_uppercase();
        let status = format!(
            "STATUS={state} vrid {} on {}: {reason}",
            self.cfg.vrid, self.iface.name
        );
        let message = match (from, to) {
            (State::Init, _) => format!("READY=1\n{status}"),
            (_, State::Releasing | State::Stopped) => format!("STOPPING=1\n{status}"),
            _ => status,
        };
        self.io.notify_systemd(&message);
    }

    /// Copies what `vipflip status` shows; the status thread makes the line when asked.
    pub(super) fn publish(&self) {
        let live = Live::of(
            &self.machine,
            self.state_since,
            self.sent,
            self.counters.total(),
        );
        if let Ok(mut view) = self.status.lock() {
            view.live = live;
            view.family = self.family;
            view.named = self.named;
        }
    }

    pub(super) fn send_advert(&mut self, priority: u8) {
        let p = self.machine.params();
        let advert = self.advert.get_or_insert_with(|| p.advert(priority));
        advert.priority = priority;
        match self.io.send_advert(advert, p.primary, self.cfg.v3_checksum) {
            Ok(()) => self.sent += 1,
            Err(e) if self.limit.allow("send", Instant::now()) => {
                let iface = self.iface.name.clone();
                let error = e.to_string();
                self.tell(&NodeNote::SendFailed {
                    iface: &iface,
                    error,
                });
            }
            Err(_) => {}
        }
    }

    pub(super) fn add_vips(&mut self, now: Instant) {
        for vip in self.held() {
            let index = self.link_for(vip.addr).index;
            let entry = (index, vip);
            match self.io.add_vip(index, &vip) {
                Ok(true) => {
                    if vip.addr.is_ipv6() {
                        self.routes_due = Some(now + LOCAL_ROUTE_WAIT);
                    }
                    if !self.ledger.added.contains(&entry) {
                        self.ledger.added.push(entry);
                    }
                }
                Ok(false) if self.ledger.added.contains(&entry) || self.cfg.is_owner() => {}
                Ok(false) => {
                    let iface = self.iface.name.clone();
                    self.tell(&NodeNote::VipNotOurs { vip, iface: &iface });
                }
                Err(e) => self.tell(&NodeNote::VipAddFailed {
                    error: e.to_string(),
                }),
            }
        }
    }

    /// Announces now, or once the IPv6 VIPs just added are routed here (a client's first
    /// packet after the announcement would be dropped before that).
    fn announce_when_routed(&mut self, rounds: u32, now: Instant) {
        if let Some(until) = self.routes_due.filter(|&until| now < until) {
            if !self.routes_ready() {
                let rounds = self.held_back.map_or(rounds, |h| h.rounds.max(rounds));
                self.held_back = Some(HeldBack { rounds, until });
                return;
            }
        }
        self.routes_due = None;
        self.announce(rounds);
    }

    fn routes_ready(&self) -> bool {
        self.held().iter().all(|vip| match vip.addr {
            IpAddr::V6(addr) => self.io.local_route_ready(addr),
            IpAddr::V4(_) => true,
        })
    }

    /// When the loop should look at a waiting announcement again.
    pub(in crate::cmd::run) fn io_deadline(&self, now: Instant) -> Option<Instant> {
        self.held_back.map(|h| (now + ROUTE_POLL).min(h.until))
    }

    /// Sends the waiting announcement once the routes are there or the wait is over.
    pub(in crate::cmd::run) fn release_held_back(&mut self, now: Instant) {
        let Some(held) = self.held_back else {
            return;
        };
        if now >= held.until || self.routes_ready() {
            self.held_back = None;
            self.routes_due = None;
            self.announce(held.rounds);
        }
    }

    /// `rounds` rounds, each announcing every VIP once (keepalived's order).
    pub(super) fn announce(&mut self, rounds: u32) {
        let router = !self.cfg.family().is_v4() && self.io.forwards_ipv6(&self.iface.name);
        let frames: Vec<(VipLink, Vec<u8>)> = self
            .held()
            .iter()
            .map(|vip| {
                let link = self.link_for(vip.addr);
                let frame = match vip.addr {
                    IpAddr::V4(v4) => gratuitous_arp(link.mac, v4),
                    IpAddr::V6(v6) => unsolicited_na(link.mac, v6, router),
                };
                (link, frame)
            })
            .collect();
        for _ in 0..rounds {
            for (link, frame) in &frames {
                let sent = if *link == self.vip_link {
                    self.io.send_frame(frame)
                } else {
                    self.io.send_frame_on(link.index, frame)
                };
                if let Err(e) = sent {
                    if self.limit.allow("announce", Instant::now()) {
                        let iface = self.iface.name.clone();
                        let error = e.to_string();
                        self.tell(&NodeNote::AnnounceFailed {
                            iface: &iface,
                            error,
                        });
                    }
                }
            }
        }
    }
}

//! How an edge event becomes the machine's input: a packet judged by the RFCs' receive
//! checks, a check's result through keepalived's rise/fall, a tracked or the own interface
//! going down, gone or back (reopening the sockets), a VIP removed from outside.

use std::net::IpAddr;
use std::time::Instant;

use super::super::edges::{InstanceEvent, LinkEvent};
use super::super::io::NodeIo;
use super::super::notes::NodeNote;
use super::{primary_address, Node};
use crate::error::Result;
use crate::net::netlink::NetEvent;
use crate::net::vrrp_socket::Routine;
use crate::vrrp::checks::{check, checksum_disagreement, vips_match, Verdict};
use crate::vrrp::track::{self, Tracked};
use crate::vrrp::{Input, State};
use crate::wire::vrrp::ChecksumForm;
use crate::wire::Received;

/// What an event of the node's interface asks of the loop.
pub(in crate::cmd::run) enum Reaction {
    None,
    /// The machine's input.
    Input(Input),
    /// The interface is back under a new index: reopen the node's sockets, then the machine
    /// hears that the link is up (Node::reattach).
    Reattach,
    /// The node's current socket cannot receive: the node stops, and the run with an error.
    Failed(String),
}

impl From<Option<Input>> for Reaction {
    fn from(input: Option<Input>) -> Reaction {
        input.map_or(Reaction::None, Reaction::Input)
    }
}

impl<I: NodeIo> Node<I> {
    /// The machine's input for one of the instance's checks or tracked interfaces; `None`
    /// when its verdict did not change.
    pub(in crate::cmd::run) fn instance_input(&mut self, event: InstanceEvent) -> Option<Input> {
        match event {
            InstanceEvent::Check { index, ok, why } => {
                let verdict = self.verdicts.get_mut(index);
                let first = verdict.as_ref().is_some_and(|c| c.healthy().is_none());
                let flipped = verdict.and_then(|c| c.record(ok));
                flipped.and_then(|healthy| self.check_input(index, healthy, first, &why))
            }
            InstanceEvent::TrackedLink { index, up } => self.tracked_link_input(index, up),
        }
    }

    /// What the loop does for an event of the node's interface: the loop carries out a
    /// reattach or a failure (group.rs link_input); nothing here opens or closes anything.
    pub(in crate::cmd::run) fn link_reaction(&mut self, event: LinkEvent) -> Reaction {
        match event {
            LinkEvent::Packet { packet, at, .. } => self.judge(&packet, at).into(),
            LinkEvent::NotVrrp => {
                self.counters.count("not-vrrp");
                Reaction::None
            }
            LinkEvent::Net(net) => self.net_input(net),
            LinkEvent::Claim { vip, by, .. } => Reaction::Input(Input::Claimed { vip, by }),
            LinkEvent::ReceiveFailed { generation, .. }
                if generation != self.generation || self.detached =>
            {
                Reaction::None
            }
            LinkEvent::ReceiveFailed { cause, .. } => Reaction::Failed(cause),
        }
    }

    /// A check's verdict changed (`first`: its first result decided it).
    pub(super) fn check_input(
        &mut self,
        index: usize,
        healthy: bool,
        first: bool,
        why: &str,
    ) -> Option<Input> {
        let name = self.cfg.track.checks.get(index)?.check.name();
        self.tell(&NodeNote::Check {
            name: &name,
            healthy,
            first,
            why,
        });
        Some(self.health())
    }

    /// A tracked interface changed: said when it goes down or comes back.
    pub(super) fn tracked_link_input(&mut self, index: usize, up: bool) -> Option<Input> {
        let tracked = self.cfg.track_ifaces.get(index)?.clone();
        let name = &tracked.name;
        let slot = self.ifaces_up.get_mut(index)?;
        let was = slot.replace(up);
        if was == Some(up) {
            return None;
        }
        let faults = tracked.weight == 0 && !tracked.reverse;
        // Said when it goes down, and when it comes back; not its first report of up.
        if !up || was == Some(false) {
            self.tell(&NodeNote::TrackIface { name, up, faults });
        }
        Some(self.health())
    }

    pub(in crate::cmd::run) fn health(&self) -> Input {
        Input::Health(self.health_with(self.partner_down.as_deref()))
    }

    /// What the checks and tracked interfaces (and the partner's fault, when given) mean.
    pub(super) fn health_with(&self, partner_down: Option<&str>) -> crate::vrrp::Health {
        let checks = self.cfg.track.checks.iter().zip(&self.verdicts);
        let ifaces = self.cfg.track_ifaces.iter().zip(&self.ifaces_up);
        let tracked: Vec<Tracked> = checks
            .map(|(c, v)| Tracked {
                name: c.check.name(),
                iface: false,
                weight: c.weight,
                reverse: c.reverse,
                ok: v.healthy(),
            })
            .chain(ifaces.map(|(t, up)| Tracked {
                name: t.name.clone(),
                iface: true,
                weight: t.weight,
                reverse: t.reverse,
                // Until its first report, as at the last look (setup found it): up.
                ok: Some(up.unwrap_or(true)),
            }))
            .collect();
        track::health(&tracked, partner_down)
    }

    /// A check that sends the node to fault (weight 0) has not answered yet.
    pub(in crate::cmd::run) fn awaiting_first_results(&self) -> bool {
        self.cfg
            .track
            .checks
            .iter()
            .zip(&self.verdicts)
            .any(|(c, v)| c.weight == 0 && v.healthy().is_none())
    }

    /// The instance's name (keepalived.conf's, or vrid<N>).
    pub(in crate::cmd::run) fn name(&self) -> &str {
        &self.cfg.name
    }

    /// In fault for a reason of its own (not its partner's): the link is down or gone, a
    /// tracked interface is down, or a failing check sends it to fault.
    pub(in crate::cmd::run) fn own_fault(&self) -> bool {
        !self.link_up || self.detached || self.health_with(None).fault.is_some()
    }

    /// The other family's instance is in fault (`Some(why)`) or not: in a run of both
    /// families, both give up the VIP together. The machine's input when that changed.
    pub(in crate::cmd::run) fn partner_fault(&mut self, why: Option<String>) -> Option<Input> {
        if self.partner_down == why {
            return None;
        }
        self.partner_down = why;
        Some(self.health())
    }
    pub(super) fn judge(&mut self, packet: &Received, at: Instant) -> Option<Input> {
        match check(self.machine.params(), packet) {
            Verdict::Accept(parsed) => {
                self.last_head = Routine::of(packet);
                self.warn_checksum_form(packet.src, parsed.checksum);
                if !vips_match(self.machine.params(), &parsed.advert)
                    && self.limit.allow("vip-list", Instant::now())
                {
                    let theirs: Vec<String> =
                        parsed.advert.addrs.iter().map(|a| a.to_string()).collect();
                    let ours = self.cfg.vips.iter().map(|v| v.addr.to_string()).collect();
                    let from = packet.src;
                    self.tell(&NodeNote::VipMismatch { from, theirs, ours });
                }
                Some(Input::Advert {
                    src: packet.src,
                    advert: parsed.advert,
                    received: Some(at),
                })
            }
            Verdict::OtherVrid(_) => {
                self.counters.count("other-vrid");
                None
            }
            Verdict::Discard(why) => {
                self.counters.count(why.kind());
                if self.limit.allow(why.kind(), Instant::now()) {
                    let count = self.counters.by_kind.get(why.kind()).copied().unwrap_or(0);
                    self.ui
                        .discard(self.vrid(), packet.src, why.kind(), &why.to_string(), count);
                }
                None
            }
        }
    }

    /// Once per peer: it uses the other VRRPv3/IPv4 checksum form.
    pub(super) fn warn_checksum_form(&mut self, src: IpAddr, form: ChecksumForm) {
        if let Some(text) = checksum_disagreement(self.cfg.v3_checksum, form) {
            if self.checksum_warned.insert(src) {
                self.tell(&NodeNote::ChecksumForm {
                    from: src,
                    text: &text,
                });
            }
        }
    }

    /// The interface is back under a new index: new sockets, and on with the machine. While it
    /// has no usable address yet, stay in fault and try again on its next change.
    pub(in crate::cmd::run) fn reattach(&mut self) -> Option<Input> {
        match self.open_again() {
            Ok(()) => {
                self.detached = false;
                self.link_up = true;
                let (iface, index) = (self.iface.name.clone(), self.iface.index);
                self.tell(&NodeNote::IfaceBack {
                    iface: &iface,
                    index,
                });
                Some(Input::LinkUp)
            }
            Err(e) => {
                let iface = self.iface.name.clone();
                self.tell(&NodeNote::IfaceNotUsable {
                    iface: &iface,
                    cause: &e.cause,
                });
                None
            }
        }
    }

    pub(super) fn open_again(&mut self) -> Result<()> {
        let iface = self.io.lookup(&self.cfg.iface)?;
        let primary = primary_address(&self.cfg, &iface)?;
        if primary != self.machine.params().primary {
            self.tell(&NodeNote::PrimaryChanged {
                iface: &iface.name,
                primary,
            });
        }
        let generation = self.generation + 1;
        let (link, said) = self
            .io
            .reopen(&iface, self.machine.params().primary, generation)?;
        self.generation = generation;
        // New sockets, no filter on them: everything comes to the one the loop waits on.
        self.routine = None;
        self.last_head = None;
        // The VIPs went with the old interface; those on other devices stay.
        let old = self.ledger.index;
        self.ledger.added.retain(|(index, _)| *index != old);
        self.ledger.index = link.index;
        self.vip_link = link;
        self.iface = iface;
        self.tell_vmac(said);
        Ok(())
    }
    pub(super) fn net_input(&mut self, event: NetEvent) -> Reaction {
        match event {
            NetEvent::Link(true) if self.detached => Reaction::Reattach,
            // keepalived's dont_track_primary: the interface is tracked with
            // VRRP_NOT_TRACK_IF (vrrp.c vrrp_complete_instance, add_vrrp_to_interface), so
            // its link going down is no fault.
            NetEvent::Link(_) if !self.cfg.track_primary => Reaction::None,
            NetEvent::Link(up) if up != self.link_up => {
                self.link_up = up;
                Reaction::Input(if up { Input::LinkUp } else { Input::LinkDown })
            }
            NetEvent::Link(_) => Reaction::None,
            NetEvent::LinkGone => {
                let iface = self.iface.name.clone();
                self.tell(&NodeNote::IfaceDeleted { iface: &iface });
                self.link_up = false;
                self.detached = true;
                Reaction::Input(Input::LinkDown)
            }
            NetEvent::LinkAppeared { index, up } => {
                self.iface.index = index;
                if self.detached && up {
                    Reaction::Reattach
                } else {
                    Reaction::None
                }
            }
            NetEvent::AddressRemoved { index, addr } => {
                let ours = self
                    .ledger
                    .added
                    .iter()
                    .any(|(i, v)| *i == index && v.addr == addr);
                let master = self.machine.state() == State::Master;
                (ours && master && !self.on_interface(addr))
                    .then_some(Input::VipsMissing)
                    .into()
            }
        }
    }

    /// Whether `addr` is on the interface now: the removal just reported may be our own
    /// from before a quick backup-master round trip, with the VIP added again since.
    pub(super) fn on_interface(&self, addr: IpAddr) -> bool {
        self.io.has_addr(self.link_for(addr).index, addr)
    }
}

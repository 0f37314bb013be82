//! One instance of one address family: its state machine, what it has added (the VIP
//! ledger), and the step that turns an input into the machine's actions carried out through
//! `NodeIo`; how edge events become inputs, and the actions themselves.

use std::net::IpAddr;
use std::time::{Instant, SystemTime};

use super::edges::Event;
use super::hooks;
use super::io::{NodeIo, VipLink};
use super::status_view::{Live, Shared, StatusView};
use crate::config::{RunConfig, Vip};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::net::exec::Outcome;
use crate::net::iface::Interface;
use crate::net::netlink::NetEvent;
use crate::net::vmac::VmacChange;
use crate::ui::{Level, StartInfo, Ui};
use crate::vrrp::checks::{check, checksum_disagreement, vips_match, Counters, RateLimit, Verdict};
use crate::vrrp::track::{self, RiseFall, Tracked};
use crate::vrrp::{Action, Input, Machine, State};
use crate::wire::announce::{gratuitous_arp, unsolicited_na};
use crate::wire::vrrp::ChecksumForm;
use crate::wire::{Advert, Family, Received};
/// Priority 255 says "I own the VIP": worth a word when the interface does not have it.
pub(super) fn ownership_warnings(cfg: &RunConfig, iface: &Interface) -> Vec<(IpAddr, String)> {
    if !cfg.is_owner() {
        return Vec::new();
    }
    cfg.vips
        .iter()
        .filter(|vip| !iface.addrs.contains(&vip.addr))
        .map(|vip| {
            let text = format!(
                "priority 255 claims ownership of {} but {} does not have it; use 254 or lower unless this node owns the address",
                vip.addr, iface.name
            );
            (vip.addr, text)
        })
        .collect()
}

/// The facts of the start line.
pub(super) fn start_info<'a>(
    machine: &Machine,
    iface: &'a Interface,
    cfg: &RunConfig,
) -> StartInfo<'a> {
    let p = machine.params();
    StartInfo {
        vrid: p.vrid,
        iface: &iface.name,
        primary: p.primary,
        primary6: None,
        mac: iface.mac.to_string(),
        version: p.version.number(),
        priority: p.priority,
        interval: crate::vrrp::timers::interval(p.interval_cs),
        skew: machine.skew_time(),
        master_down: machine.master_down_interval(),
        vips: cfg.vips.iter().map(|v| v.to_string()).collect(),
        preempt: p.preempt,
        checksum: match cfg.v3_checksum {
            crate::wire::V3Checksum::Keepalived => "keepalived",
            crate::wire::V3Checksum::Rfc9568 => "rfc9568",
        },
    }
}

/// The advert source: --unicast-src (which must be on the interface), else the primary address.
pub(super) fn primary_address(cfg: &RunConfig, iface: &Interface) -> Result<IpAddr> {
    if let Some(src) = cfg.unicast_src {
        if !iface.addrs.contains(&src) {
            return Err(Error::new(
                format!("--unicast-src {src} is not an address of {}", iface.name),
                "adverts must come from it",
            )
            .hint(format!(
                "use one of: {}",
                iface
                    .addrs
                    .iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
        return Ok(src);
    }
    let vips: Vec<IpAddr> = cfg.vips.iter().map(|v| v.addr).collect();
    iface.primary(cfg.family(), &vips).ok_or_else(|| {
        let (family, example) = if cfg.family().is_v4() {
            (
                "IPv4 address",
                format!("ip addr add 192.0.2.201/24 dev {}", iface.name),
            )
        } else {
            (
                "IPv6 link-local address",
                format!(
                    "ip link set {} up (the kernel adds fe80::/64 itself)",
                    iface.name
                ),
            )
        };
        Error::new(
            format!("interface {} has no {family}", iface.name),
            "VRRP adverts are sent from it",
        )
        .hint(format!("give the interface one first, e.g. {example}"))
    })
}

/// The VIPs this process added: only these are ever removed, also on error and panic.
#[derive(Default)]
pub(super) struct VipLedger {
    /// The interface the VIPs go to (the interface itself, or its virtual MAC interface).
    pub(super) index: u32,
    /// What this process added, with the interface each went to (another device for
    /// keepalived's `dev X`).
    pub(super) added: Vec<(u32, Vip)>,
}

pub(super) struct Node<I: NodeIo> {
    pub(super) machine: Machine,
    pub(super) cfg: RunConfig,
    pub(super) iface: Interface,
    /// Where the VIPs go: the interface, or its virtual MAC interface.
    pub(super) vip_link: VipLink,
    pub(super) io: I,
    pub(super) ledger: VipLedger,
    ui: Ui,
    counters: Counters,
    limit: RateLimit,
    sent: u64,
    link_up: bool,
    /// Per health check: keepalived's verdict on its results.
    verdicts: Vec<RiseFall>,
    /// Per tracked interface: up, down, or not known yet.
    ifaces_up: Vec<Option<bool>>,
    /// The interface was deleted; waiting for one of the same name.
    detached: bool,
    /// Which receive thread is current.
    pub(super) generation: u32,
    /// Peers already warned about their checksum form.
    checksum_warned: std::collections::HashSet<IpAddr>,
    /// What `vipflip status` reads (status_view.rs), and when the state last changed.
    pub(super) status: Shared,
    state_since: SystemTime,
    /// The machine's actions of a step: one buffer for the life of the node.
    actions: Vec<Action>,
    /// The advert sent, built once (only the priority changes).
    advert: Option<Advert>,
    /// In a run of both families: this instance's ("IPv4", "IPv6").
    pub(super) family: Option<Family>,
    /// In a run of both families or a sync group: why a partner is in fault, while it is.
    partner_down: Option<String>,
    /// Which instance of the run (its place in the plan): families of one share it.
    pub(super) unit: usize,
    /// A run of several instances: the snapshot and lines name this one.
    pub(super) named: bool,
    /// The node whose socket receives for this one (and for every group sharing it).
    pub(super) share: Option<usize>,
}

impl<I: NodeIo> Drop for Node<I> {
    /// Error, panic unwind or a normal end: the VIPs this process added go.
    fn drop(&mut self) {
        for e in self.remove_vips() {
            eprintln!("{e}");
        }
    }
}

impl<I: NodeIo> Node<I> {
    pub(super) fn new(
        cfg: RunConfig,
        iface: Interface,
        primary: IpAddr,
        vip_link: VipLink,
        io: I,
        ui: Ui,
    ) -> Node<I> {
        let verdicts = cfg
            .track
            .checks
            .iter()
            .map(|c| RiseFall::new(c.rise, c.fall, c.init_fail))
            .collect();
        let ifaces = cfg.track_ifaces.len();
        let machine = Machine::new(cfg.params(primary));
        let since = SystemTime::now();
        let vips = cfg.vips.iter().map(|v| v.to_string()).collect();
        let status = StatusView::shared(
            &iface.name,
            vips,
            &cfg.name,
            Live::of(&machine, since, 0, 0),
        );
        Node {
            machine,
            ledger: VipLedger {
                index: vip_link.index,
                added: Vec::new(),
            },
            vip_link,
            link_up: iface.up,
            cfg,
            iface,
            io,
            ui,
            counters: Counters::default(),
            limit: RateLimit::default(),
            sent: 0,
            verdicts,
            ifaces_up: vec![None; ifaces],
            detached: false,
            generation: 0,
            checksum_warned: Default::default(),
            status,
            state_since: since,
            actions: Vec::new(),
            advert: None,
            family: None,
            partner_down: None,
            unit: 0,
            named: false,
            share: None,
        }
    }

    fn vrid(&self) -> u8 {
        self.cfg.vrid
    }

    /// Before the machine starts: clean up a stale VIP left by a killed run, say who we are.
    pub(super) fn prepare(&mut self) -> Result<()> {
        if self.cfg.is_owner() {
            for (vip, warning) in ownership_warnings(&self.cfg, &self.iface) {
                let fields = Json::default()
                    .str("vip", vip)
                    .str("iface", &self.iface.name);
                let vrid = self.vrid();
                self.ui
                    .tell(Level::Warn, "owner-without-address", vrid, &warning, fields);
            }
        } else {
            for vip in self.held() {
                let index = self
                    .io
                    .other_link(vip.addr)
                    .map_or(self.iface.index, |l| l.index);
                if self.io.remove_vip(index, &vip)? {
                    let msg = format!(
                        "removed stale {vip} from {} (left by an earlier run?)",
                        self.iface.name
                    );
                    let fields = Json::default()
                        .str("vip", vip)
                        .str("iface", &self.iface.name);
                    let vrid = self.vrid();
                    self.ui
                        .tell(Level::Warn, "stale-vip-removed", vrid, &msg, fields);
                }
            }
        }
        Ok(())
    }

    /// The start line, once per run: `cfg` has every VIP, `primary6` is the IPv6 instance's
    /// source in a run of both families.
    pub(super) fn say_start(&mut self, cfg: &RunConfig, primary6: Option<IpAddr>) {
        let mut info = start_info(&self.machine, &self.iface, cfg);
        info.primary6 = primary6;
        self.ui.start(&info);
    }

    /// At exit, after the hooks: undo what --vmac set up, and the summary line.
    pub(super) fn finish(&mut self) {
        let undone = self.io.close();
        self.tell_vmac(undone);
        self.ui
            .summary(self.cfg.vrid, self.sent, &self.counters.by_kind);
    }

    /// The machine takes `input` at `now`, its actions are carried out; `true` when it said
    /// to exit.
    pub(super) fn step(&mut self, now: Instant, input: Input) -> bool {
        let mut actions = std::mem::take(&mut self.actions);
        self.machine.handle_into(now, input, &mut actions);
        let done = self.execute(&mut actions);
        self.actions = actions;
        self.publish();
        done
    }

    /// Turns an edge event into a machine input; `None` when the machine need not hear it.
    pub(super) fn input_of(&mut self, event: Event) -> Result<Option<Input>> {
        Ok(match event {
            Event::Packet { packet, at, .. } => self.judge(&packet, at),
            Event::NotVrrp => {
                self.counters.count("not-vrrp");
                None
            }
            Event::Net(net) => self.net_input(net),
            Event::Shutdown => Some(Input::Shutdown),
            Event::Claim { vip, by, .. } => Some(Input::Claimed { vip, by }),
            Event::Check { index, ok, why } => {
                let verdict = self.verdicts.get_mut(index);
                let first = verdict.as_ref().is_some_and(|c| c.healthy().is_none());
                let flipped = verdict.and_then(|c| c.record(ok));
                flipped.and_then(|healthy| self.check_input(index, healthy, first, &why))
            }
            Event::TrackedLink { index, up } => self.tracked_link_input(index, up),
            Event::Hook {
                name,
                argv,
                outcome,
            } => {
                self.say_hook(&name, &argv, &outcome);
                None
            }
            Event::ReceiveFailed { generation, .. }
                if generation != self.generation || self.detached =>
            {
                None
            }
            Event::ReceiveFailed { cause, .. } => {
                self.step(Instant::now(), Input::Shutdown);
                return Err(Error::new("receiving VRRP packets failed", cause));
            }
        })
    }

    /// A check's verdict changed (`first`: its first result decided it).
    fn check_input(
        &mut self,
        index: usize,
        healthy: bool,
        first: bool,
        why: &str,
    ) -> Option<Input> {
        let name = self.cfg.track.checks.get(index)?.check.name();
        let (level, msg) = if healthy {
            let again = if first { "" } else { " again" };
            (Level::Info, format!("health check {name} passes{again}"))
        } else {
            (Level::Warn, format!("health check {name} failed: {why}"))
        };
        let fields = Json::default().str("check", &name).raw("healthy", healthy);
        let vrid = self.vrid();
        self.ui.tell(level, "check", vrid, &msg, fields);
        Some(self.health())
    }

    /// A tracked interface changed: said when it goes down or comes back.
    fn tracked_link_input(&mut self, index: usize, up: bool) -> Option<Input> {
        let tracked = self.cfg.track_ifaces.get(index)?.clone();
        let name = &tracked.name;
        let slot = self.ifaces_up.get_mut(index)?;
        let was = slot.replace(up);
        if was == Some(up) {
            return None;
        }
        let faults = tracked.weight == 0 && !tracked.reverse;
        let (level, msg) = match (was, up) {
            (_, false) if faults => (
                Level::Warn,
                format!("tracked interface {name} is down: fault until it is up"),
            ),
            (_, false) => (Level::Warn, format!("tracked interface {name} is down")),
            (Some(false), true) => (Level::Info, format!("tracked interface {name} is up again")),
            (_, true) => return Some(self.health()),
        };
        let fields = Json::default().str("iface", name).raw("up", up);
        let vrid = self.vrid();
        self.ui.tell(level, "track-iface", vrid, &msg, fields);
        Some(self.health())
    }

    pub(super) fn health(&self) -> Input {
        Input::Health(self.health_with(self.partner_down.as_deref()))
    }

    /// What the checks and tracked interfaces (and the partner's fault, when given) mean.
    fn health_with(&self, partner_down: Option<&str>) -> crate::vrrp::Health {
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
    pub(super) fn awaiting_first_results(&self) -> bool {
        self.cfg
            .track
            .checks
            .iter()
            .zip(&self.verdicts)
            .any(|(c, v)| c.weight == 0 && v.healthy().is_none())
    }

    /// The instance's name (keepalived.conf's, or vrid<N>).
    pub(super) fn name(&self) -> &str {
        &self.cfg.name
    }

    /// In fault for a reason of its own (not its partner's): the link is down or gone, a
    /// tracked interface is down, or a failing check sends it to fault.
    pub(super) fn own_fault(&self) -> bool {
        !self.link_up || self.detached || self.health_with(None).fault.is_some()
    }

    /// The other family's instance is in fault (`Some(why)`) or not: in a run of both
    /// families, both give up the VIP together. The machine's input when that changed.
    pub(super) fn partner_fault(&mut self, why: Option<String>) -> Option<Input> {
        if self.partner_down == why {
            return None;
        }
        self.partner_down = why;
        Some(self.health())
    }

    pub(super) fn say_hook(&mut self, name: &str, argv: &[String], outcome: &Outcome) {
        let level = if outcome.ok() {
            Level::Info
        } else {
            Level::Warn
        };
        let program = argv.first().map(String::as_str).unwrap_or("");
        let msg = format!("hook {name} ({program}) {}", outcome.describe());
        let fields = Json::default()
            .str("hook", name)
            .str("program", program)
            .raw("ok", outcome.ok());
        let vrid = self.vrid();
        self.ui.tell(level, "hook", vrid, &msg, fields);
    }

    fn judge(&mut self, packet: &Received, at: Instant) -> Option<Input> {
        match check(self.machine.params(), packet) {
            Verdict::Accept(parsed) => {
                self.warn_checksum_form(packet.src, parsed.checksum);
                if !vips_match(self.machine.params(), &parsed.advert)
                    && self.limit.allow("vip-list", Instant::now())
                {
                    let theirs: Vec<String> =
                        parsed.advert.addrs.iter().map(|a| a.to_string()).collect();
                    let msg = format!(
                        "{} advertises VIPs {}, we have {}: check --vip on every node",
                        packet.src,
                        theirs.join(" "),
                        self.vip_list()
                    );
                    let ours = self.cfg.vips.iter().map(|v| v.addr.to_string());
                    let fields = Json::default()
                        .str("from", packet.src)
                        .list("theirs", theirs)
                        .list("ours", ours);
                    let vrid = self.vrid();
                    self.ui
                        .tell(Level::Warn, "vip-mismatch", vrid, &msg, fields);
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
    fn warn_checksum_form(&mut self, src: IpAddr, form: ChecksumForm) {
        if let Some(text) = checksum_disagreement(self.cfg.v3_checksum, form) {
            if self.checksum_warned.insert(src) {
                let msg = format!("{src} {text}");
                let fields = Json::default().str("from", src);
                let vrid = self.vrid();
                self.ui
                    .tell(Level::Warn, "checksum-form", vrid, &msg, fields);
            }
        }
    }

    /// The interface is back under a new index: new sockets, and on with the machine. While it
    /// has no usable address yet, stay in fault and try again on its next change.
    fn reattach(&mut self) -> Option<Input> {
        match self.open_again() {
            Ok(()) => {
                self.detached = false;
                self.link_up = true;
                let msg = format!(
                    "interface {} is back (index {})",
                    self.iface.name, self.iface.index
                );
                let fields = Json::default()
                    .str("iface", &self.iface.name)
                    .raw("index", self.iface.index);
                let vrid = self.vrid();
                self.ui.tell(Level::Info, "iface-back", vrid, &msg, fields);
                Some(Input::LinkUp)
            }
            Err(e) => {
                let msg = format!(
                    "interface {} is back but not usable yet: {}",
                    self.iface.name, e.cause
                );
                let fields = Json::default().str("iface", &self.iface.name);
                let vrid = self.vrid();
                self.ui
                    .tell(Level::Warn, "iface-not-usable", vrid, &msg, fields);
                None
            }
        }
    }

    fn open_again(&mut self) -> Result<()> {
        let iface = self.io.lookup(&self.cfg.iface)?;
        let primary = primary_address(&self.cfg, &iface)?;
        if primary != self.machine.params().primary {
            let msg = format!(
                "{} now has {primary}; adverts keep the address vipflip started with",
                iface.name
            );
            let fields = Json::default()
                .str("iface", &iface.name)
                .str("primary", primary);
            let vrid = self.vrid();
            self.ui
                .tell(Level::Warn, "primary-changed", vrid, &msg, fields);
        }
        let generation = self.generation + 1;
        let (link, said) = self
            .io
            .reopen(&iface, self.machine.params().primary, generation)?;
        self.generation = generation;
        // The VIPs went with the old interface; those on other devices stay.
        let old = self.ledger.index;
        self.ledger.added.retain(|(index, _)| *index != old);
        self.ledger.index = link.index;
        self.vip_link = link;
        self.iface = iface;
        self.tell_vmac(said);
        Ok(())
    }

    /// What --vmac set up or undid, one line each.
    pub(super) fn tell_vmac(&mut self, changes: Vec<VmacChange>) {
        let vrid = self.vrid();
        for change in changes {
            let (kind, iface, extra) = match &change {
                VmacChange::RemovedStale { name } => ("removed-stale", name, Json::default()),
                VmacChange::Created { name, mac, .. } => {
                    ("created", name, Json::default().str("mac", mac))
                }
                VmacChange::Set {
                    iface, knob, to, ..
                } => (
                    "set",
                    iface,
                    Json::default().str("knob", knob).raw("value", to),
                ),
                VmacChange::Removed { name } => ("removed", name, Json::default()),
                VmacChange::NotRemoved { name, .. } => ("not-removed", name, Json::default()),
                VmacChange::Restored { iface, knob, to } => (
                    "restored",
                    iface,
                    Json::default().str("knob", knob).raw("value", to),
                ),
                VmacChange::Kept {
                    iface, knob, value, ..
                } => (
                    "kept",
                    iface,
                    Json::default().str("knob", knob).raw("value", value),
                ),
            };
            let level = match change {
                VmacChange::Kept { .. }
                | VmacChange::RemovedStale { .. }
                | VmacChange::NotRemoved { .. } => Level::Warn,
                _ => Level::Info,
            };
            let fields = Json::default()
                .str("change", kind)
                .str("iface", iface)
                .fields_of(&extra.finish());
            self.ui
                .tell(level, "vmac", vrid, &change.describe(), fields);
        }
    }

    fn vip_list(&self) -> String {
        self.cfg
            .vips
            .iter()
            .map(|v| v.addr.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn net_input(&mut self, event: NetEvent) -> Option<Input> {
        match event {
            NetEvent::Link(true) if self.detached => self.reattach(),
            // keepalived's dont_track_primary: the interface is tracked with
            // VRRP_NOT_TRACK_IF (vrrp.c vrrp_complete_instance, add_vrrp_to_interface), so
            // its link going down is no fault.
            NetEvent::Link(_) if !self.cfg.track_primary => None,
            NetEvent::Link(up) if up != self.link_up => {
                self.link_up = up;
                Some(if up { Input::LinkUp } else { Input::LinkDown })
            }
            NetEvent::Link(_) => None,
            NetEvent::LinkGone => {
                let msg = format!(
                    "interface {} was deleted: fault until it is back",
                    self.iface.name
                );
                let fields = Json::default().str("iface", &self.iface.name);
                let vrid = self.vrid();
                self.ui
                    .tell(Level::Warn, "iface-deleted", vrid, &msg, fields);
                self.link_up = false;
                self.detached = true;
                Some(Input::LinkDown)
            }
            NetEvent::LinkAppeared { index, up } => {
                self.iface.index = index;
                (self.detached && up).then(|| self.reattach()).flatten()
            }
            NetEvent::AddressRemoved { index, addr } => {
                let ours = self
                    .ledger
                    .added
                    .iter()
                    .any(|(i, v)| *i == index && v.addr == addr);
                let master = self.machine.state() == State::Master;
                (ours && master && !self.on_interface(addr)).then_some(Input::VipsMissing)
            }
        }
    }

    /// Whether `addr` is on the interface now: the removal just reported may be our own
    /// from before a quick backup-master round trip, with the VIP added again since.
    fn on_interface(&self, addr: IpAddr) -> bool {
        self.io.has_addr(self.link_for(addr).index, addr)
    }

    /// Where `addr` goes: its own device (keepalived's `dev X`), else the VIPs' interface.
    fn link_for(&self, addr: IpAddr) -> VipLink {
        self.io.other_link(addr).unwrap_or(self.vip_link)
    }

    /// Every address held while master: the VIPs, and keepalived's excluded ones.
    fn held(&self) -> Vec<Vip> {
        self.cfg
            .vips
            .iter()
            .chain(&self.cfg.excluded)
            .copied()
            .collect()
    }

    /// Removes the VIPs this process added; what failed, to be said.
    fn remove_vips(&mut self) -> Vec<Error> {
        let mut errors = Vec::new();
        for (index, vip) in std::mem::take(&mut self.ledger.added) {
            if let Err(e) = self.io.remove_vip(index, &vip) {
                errors.push(e);
            }
        }
        errors
    }

    /// Carries out the machine's actions, emptying `actions`; `true` when one said to exit.
    fn execute(&mut self, actions: &mut Vec<Action>) -> bool {
        for action in actions.drain(..) {
            match action {
                Action::SendAdvert { priority } => self.send_advert(priority),
                Action::AddVips => self.add_vips(),
                Action::RemoveVips => {
                    for e in self.remove_vips() {
                        self.ui.say(
                            Level::Warn,
                            "vip-remove-failed",
                            self.vrid(),
                            &e.to_string(),
                        );
                    }
                }
                Action::Announce => self.announce(self.cfg.garp_repeat),
                Action::Answer => self.announce(1),
                Action::Refresh => self.announce(self.cfg.garp_refresh_repeat),
                Action::Transition { from, to, reason } => {
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
    fn tell_systemd(&self, from: State, to: State, reason: &str) {
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
    fn publish(&self) {
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

    fn send_advert(&mut self, priority: u8) {
        let p = self.machine.params();
        let advert = self.advert.get_or_insert_with(|| p.advert(priority));
        advert.priority = priority;
        match self.io.send_advert(advert, p.primary, self.cfg.v3_checksum) {
            Ok(()) => self.sent += 1,
            Err(e) if self.limit.allow("send", Instant::now()) => {
                let msg = format!("cannot send advert on {}: {e}", self.iface.name);
                let fields = Json::default().str("iface", &self.iface.name);
                self.ui
                    .tell(Level::Warn, "send-failed", self.cfg.vrid, &msg, fields);
            }
            Err(_) => {}
        }
    }

    fn add_vips(&mut self) {
        for vip in self.held() {
            let index = self.link_for(vip.addr).index;
            let entry = (index, vip);
            match self.io.add_vip(index, &vip) {
                Ok(true) => {
                    if !self.ledger.added.contains(&entry) {
                        self.ledger.added.push(entry);
                    }
                }
                Ok(false) if self.ledger.added.contains(&entry) || self.cfg.is_owner() => {}
                Ok(false) => {
                    let msg = format!(
                        "{vip} was already on {} but not added by vipflip: it will not be removed",
                        self.iface.name
                    );
                    let fields = Json::default()
                        .str("vip", vip)
                        .str("iface", &self.iface.name);
                    self.ui
                        .tell(Level::Warn, "vip-not-ours", self.cfg.vrid, &msg, fields);
                }
                Err(e) => self
                    .ui
                    .say(Level::Warn, "vip-add-failed", self.cfg.vrid, &e.to_string()),
            }
        }
    }

    /// `rounds` rounds, each announcing every VIP once (keepalived's order).
    fn announce(&mut self, rounds: u32) {
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
                        let msg =
                            format!("cannot send gratuitous ARP/NA on {}: {e}", self.iface.name);
                        let fields = Json::default().str("iface", &self.iface.name);
                        self.ui
                            .tell(Level::Warn, "announce-failed", self.cfg.vrid, &msg, fields);
                    }
                }
            }
        }
    }
}

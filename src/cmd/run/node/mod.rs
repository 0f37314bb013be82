//! One instance of one address family: its state machine, what it has added (the VIP
//! ledger), and the step that turns an input into the machine's actions carried out through
//! `NodeIo`; how edge events become inputs, and the actions themselves.

use std::net::IpAddr;
use std::time::{Instant, SystemTime};

use super::io::{NodeIo, VipLink};
use super::notes::NodeNote;
use super::status_view::{Live, Shared, StatusView};
use crate::config::{RunConfig, Vip};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::net::exec::Outcome;
use crate::net::iface::Interface;
use crate::net::vmac::VmacChange;
use crate::net::vrrp_socket::Routine;
use crate::ui::{Level, StartInfo, Ui};
use crate::vrrp::checks::{Counters, RateLimit};
use crate::vrrp::track::RiseFall;
use crate::vrrp::{Action, Input, Machine};
use crate::wire::{Advert, Family};

mod actions;
mod inputs;
mod routine;

pub(super) use inputs::Reaction;
#[cfg(test)]
pub(super) use routine::clocks_together;
pub use routine::ROUTINE_UP_TO_CS;
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
    /// The drain's local routes this process added for VIPs whose address it took away
    /// (actions.rs, `drain_quietly`): removed with the VIPs.
    pub(super) routed: Vec<(u32, Vip)>,
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
    /// IPv6 VIPs were just added: until then an announcement waits for their local routes.
    routes_due: Option<Instant>,
    /// An announcement waiting for those routes (actions.rs).
    held_back: Option<actions::HeldBack>,
    /// The routine adverts the kernel keeps aside now (routine.rs), and the source and
    /// header of the last advert accepted, the next routine's candidate.
    routine: Option<Routine>,
    last_head: Option<Routine>,
    /// The queue may hold adverts of a routine just ended.
    routine_stragglers: bool,
    /// Setting a filter failed: one socket for everything from then on.
    routine_off: bool,
    /// When the machine last took an input: a late advert is never older.
    last_step: Option<Instant>,
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
                routed: Vec::new(),
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
            routes_due: None,
            held_back: None,
            routine: None,
            last_head: None,
            routine_stragglers: false,
            routine_off: false,
            last_step: None,
        }
    }

    fn vrid(&self) -> u8 {
        self.cfg.vrid
    }

    /// Before the machine starts: clean up a stale VIP left by a killed run, say who we are.
    pub(super) fn prepare(&mut self) -> Result<()> {
        if self.cfg.is_owner() {
            for (vip, warning) in ownership_warnings(&self.cfg, &self.iface) {
                let iface = self.iface.name.clone();
                self.tell(&NodeNote::OwnerWithoutAddress {
                    vip,
                    iface: &iface,
                    warning: &warning,
                });
            }
        } else {
            for vip in self.held() {
                let index = self
                    .io
                    .other_link(vip.addr)
                    .map_or(self.iface.index, |l| l.index);
                // A drain's route too, left by a run killed in its drain.
                let route = self.io.remove_local_route(index, vip.addr)?;
                if self.io.remove_vip(index, &vip)? || route {
                    let iface = self.iface.name.clone();
                    self.tell(&NodeNote::StaleVipRemoved { vip, iface: &iface });
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
        if self.take_routine(now) || self.step_now(now, input) {
            return true;
        }
        self.route_routine();
        false
    }

    /// `step` without the routine adverts first.
    fn step_now(&mut self, now: Instant, input: Input) -> bool {
        self.last_step = Some(match &input {
            Input::Advert {
                received: Some(at), ..
            } => (*at).min(now),
            _ => now,
        });
        let mut actions = std::mem::take(&mut self.actions);
        let announced = self.machine.releasing_announced();
        self.machine.handle_into(now, input, &mut actions);
        let done = self.execute(&mut actions, now);
        self.actions = actions;
        // Once, as a releasing master sees its successor's announcement.
        if !done && !announced && self.machine.releasing_announced() {
            self.drain_quietly();
        }
        self.publish();
        done
    }

    pub(super) fn say_hook(&mut self, name: &str, argv: &[String], outcome: &Outcome) {
        let program = argv.first().map(String::as_str).unwrap_or("");
        self.tell(&NodeNote::Hook {
            name,
            program,
            ok: outcome.ok(),
            outcome: outcome.describe(),
        });
    }

    /// One of the node's notes, as its group's line.
    fn tell(&mut self, note: &NodeNote) {
        let vrid = self.vrid();
        note.tell(&mut self.ui, vrid);
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
}

//! `vipflip run`: one process running the instances of its plan (plan.rs: the flags' one,
//! or every vrrp_instance of a keepalived.conf), one `Node` per instance and address family.
//!
//! ```text
//!  flags / keepalived.conf --plan.rs--> RunConfig per instance --mod.rs--> Node per family
//!
//!  edge threads (edges.rs): netlink, signals,
//!  claims, checks, hooks ---Event---> channel + wake pipe --+
//!                                                            +--> Node::link_reaction (node/inputs.rs)
//!  VRRP socket(s) ---- polled by the loop (group.rs) -------+       -> Machine (vrrp/)
//!  a backup's routine adverts --- queue, read before the node's next input (node/routine.rs)
//!                                                                    -> Actions
//!  sockets, netlink, hooks, systemd <-- NodeIo (io.rs) <-- Node::execute (node/actions.rs)
//!  `vipflip status` <-- status_view.rs (copied per step, made into JSON when asked)
//! ```
//!
//! node/ is one instance: mod.rs its state and step, inputs.rs how events become inputs,
//! actions.rs how actions reach the world, routine.rs the adverts read late. check.rs is
//! `--check`: everything up to the first packet. The edge threads serve release too.
//! tests.rs runs nodes against a recording fake `NodeIo`.

mod check;
pub(super) mod edges;
mod group;
mod hooks;
mod io;
mod node;
mod notes;
pub(crate) mod plan;
mod status_view;
#[cfg(test)]
mod tests;

use std::sync::mpsc;
use std::sync::Arc;

use self::check::{check_only, PlanNote};
use self::edges::{
    start_checks, start_claim_watch, start_edges, start_hooks, start_signals, start_tracked_ifaces,
    EventTx,
};
use self::group::{run_group, Inbox};
use self::io::{RealIo, VipSide};
use self::node::{primary_address, Node};
use self::plan::{plan, sync_sets};
use self::status_view::StatusView;
use crate::cli::RunArgs;
use crate::config::{RunConfig, Vip};
use crate::error::{Error, Result};
use crate::net::caps::require_net_admin_and_raw;
use crate::net::iface::Interface;
use crate::net::netlink::Netlink;
use crate::net::notify::Notifier;
use crate::net::status;
use crate::net::vmac::VmacChange;
use crate::net::vrrp_socket::VrrpSocket;
use crate::net::wake::Wake;
use crate::ui::Ui;
use crate::wire::Family;

/// The group simulator reads routine adverts late at the same intervals.
pub use self::node::ROUTINE_UP_TO_CS;
pub fn run(args: &RunArgs) -> Result<i32> {
    let plan = plan(args)?;
    let mut ui = super::stdout_ui(&args.output);
    for note in &plan.notes {
        PlanNote::Config(note).tell(&mut ui, 0);
    }
    for cfg in &plan.cfgs {
        for warning in &cfg.warnings {
            PlanNote::ConfigWarning(warning).tell(&mut ui, 0);
        }
        for note in &cfg.notes {
            PlanNote::Config(note).tell(&mut ui, 0);
        }
    }
    if args.check {
        let several = plan.cfgs.len() > 1;
        for cfg in &plan.cfgs {
            let ui = if several {
                super::stdout_ui(&args.output).with_instance(&cfg.name)
            } else {
                super::stdout_ui(&args.output)
            };
            check_only(cfg, ui)?;
        }
        return Ok(0);
    }
    require_net_admin_and_raw()?;
    crate::net::memory::one_heap();
    let (tx, rx) = mpsc::channel();
    let wake = Wake::new().map_err(|e| Error::new("cannot open the loop's wake-up pipe", e))?;
    let bell = wake.bell();
    let to = |node: usize| EventTx::new(tx.clone(), node).ringing(&bell);
    let several = plan.cfgs.len() > 1;
    let mut ui = Some(ui);
    let mut nodes = Vec::new();
    let mut vmac_said = Vec::new();
    let mut units = Vec::new();
    let mut receivers: Vec<(u32, Family, usize)> = Vec::new();
    for (unit, cfg) in plan.cfgs.iter().enumerate() {
        let iface = Interface::lookup(&cfg.iface)?;
        let families = cfg.families();
        let dual = families.len() > 1;
        let first = nodes.len();
        for family in families {
            // keepalived's shape: one receiving socket per interface and family serves every
            // multicast group of the run; the others only send.
            let key = (iface.index, family.family());
            let shared = several && family.unicast_peers.is_empty() && family.vmac.is_none();
            let receiver = receivers.iter().find(|(ix, v4, _)| (*ix, *v4) == key);
            let receives = !shared || receiver.is_none();
            let mut node_ui = match ui.take() {
                Some(ui) if !dual && !several => ui,
                _ => super::stdout_ui(&args.output),
            };
            if dual {
                node_ui = node_ui.with_family(family.family());
            }
            if several {
                node_ui = node_ui.with_instance(&cfg.name);
            }
            let share = if shared {
                Some(receiver.map_or(nodes.len(), |r| r.2))
            } else {
                None
            };
            if shared && receives {
                receivers.push((key.0, key.1, nodes.len()));
            }
            let tx = to(nodes.len());
            let (mut node, said) = open_node(family, &iface, tx, node_ui, receives, shared)?;
            node.share = share;
            if dual {
                node.family = Some(node.cfg.family());
            }
            node.unit = unit;
            node.named = several;
            nodes.push(node);
            vmac_said.push(said);
        }
        units.push(first);
        let unit_tx = to(first);
        start_checks(cfg, &unit_tx)?;
        start_tracked_ifaces(cfg, &unit_tx)?;
    }
    // One claim watch per shared socket, for every VIP of the groups it serves.
    for (index, _, receiver) in &receivers {
        let vips: Vec<Vip> = nodes
            .iter()
            .filter(|n| n.share == Some(*receiver))
            .flat_map(|n| n.cfg.vips.clone())
            .collect();
        let iface = nodes[*receiver].iface.clone();
        debug_assert_eq!(iface.index, *index);
        start_claim_watch(&vips, &iface, &to(*receiver))?;
    }
    start_signals(&to(0))?;
    drop(tx);
    let snapshots = nodes
        .iter()
        .map(|n| StatusView::snapshot(&n.status))
        .collect();
    status::serve(&plan.cfgs[0].iface, plan.cfgs[0].vrid, snapshots)?;
    for node in &mut nodes {
        node.prepare()?;
    }
    for (unit, cfg) in plan.cfgs.iter().enumerate() {
        let first = units[unit];
        let primary6 = nodes
            .get(first + 1)
            .filter(|n| n.unit == unit)
            .map(|n| n.machine.params().primary);
        nodes[first].say_start(cfg, primary6);
    }
    for (node, said) in nodes.iter_mut().zip(vmac_said) {
        node.tell_vmac(said);
    }
    let sets = sync_sets(&nodes, &plan);
    run_group(&mut nodes, &Inbox { rx, wake }, &sets)
}

/// One instance, its sockets open and its edge threads started (those of this family: VRRP
/// receive, netlink monitor, claims, hooks).
fn open_node(
    cfg: RunConfig,
    iface: &Interface,
    tx: EventTx,
    ui: Ui,
    receives: bool,
    shared: bool,
) -> Result<(Node<RealIo>, Vec<VmacChange>)> {
    let primary = primary_address(&cfg, iface)?;
    let socket = Arc::new(VrrpSocket::open(
        &iface.name,
        iface.index,
        primary,
        &cfg.unicast_peers,
    )?);
    let netlink = Netlink::open()?;
    let (side, said) = VipSide::open(&cfg, iface, primary)?;
    start_edges(&socket, iface, &tx, receives)?;
    if !shared {
        start_claim_watch(&cfg.vips, &side.claim_iface(iface), &tx)?;
    }
    let hooks = start_hooks(&cfg, &tx)?;
    let link = side.link;
    let reads_late = receives && !shared && cfg.interval_cs <= node::ROUTINE_UP_TO_CS;
    let queue = if reads_late {
        let peers = &cfg.unicast_peers;
        Some(VrrpSocket::open_queue(
            &iface.name,
            iface.index,
            primary,
            peers,
        )?)
    } else {
        None
    };
    let io = RealIo {
        socket,
        side,
        netlink,
        hooks,
        systemd: Notifier::from_env(),
        tx,
        cfg: cfg.clone(),
        receives,
        queue,
    };
    let node = Node::new(cfg, iface.clone(), primary, link, io, ui);
    Ok((node, said))
}

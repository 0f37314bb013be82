//! The edge threads of `vipflip run` and `vipflip release`: each watches one source
//! (netlink, signals, claims on the segment, health checks, tracked interfaces, hooks, and
//! for release the VRRP socket; run's loop polls its VRRP sockets itself) and turns what it
//! sees into an `Event` on the loop's channel. No thread here touches the state machine.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crate::config::RunConfig;
use crate::error::{Error, Result};
use crate::net::exec::Outcome;
use crate::net::frames::{spawn_reader, FrameSocket};
use crate::net::health;
use crate::net::hooks::HookRunner;
use crate::net::iface::Interface;
use crate::net::netlink::{spawn_monitor, NetEvent};
use crate::net::signals::on_stop;
use crate::net::vrrp_socket::VrrpSocket;
use crate::net::wake::Bell;
use crate::vip::Vip;
use crate::wire::announce::{claim, MacAddr};
use crate::wire::{Family, Received};

/// Where an edge thread's events go: the loop's one channel, tagged with the node that
/// started the thread; the event's own scope (`Event`) says which nodes hear it. With a
/// bell, each event also wakes the loop's poll (net/wake.rs).
#[derive(Clone)]
pub(in crate::cmd) struct EventTx {
    tx: Sender<(usize, Event)>,
    node: usize,
    bell: Option<Bell>,
}

impl EventTx {
    pub(in crate::cmd) fn new(tx: Sender<(usize, Event)>, node: usize) -> EventTx {
        EventTx {
            tx,
            node,
            bell: None,
        }
    }

    pub(in crate::cmd) fn ringing(self, bell: &Bell) -> EventTx {
        EventTx {
            bell: Some(bell.clone()),
            ..self
        }
    }

    /// `Err` when the loop is gone.
    pub(in crate::cmd) fn send(&self, event: Event) -> std::result::Result<(), ()> {
        self.tx.send((self.node, event)).map_err(|_| ())?;
        if let Some(bell) = &self.bell {
            bell.ring();
        }
        Ok(())
    }
}

/// What the edge threads report, by whom it concerns. The tag on the channel names the
/// node that asked for the source: for `Instance`, any node of the instance; for `Link`, the
/// node whose socket, monitor or claim watch it is (shared by several groups in a run of a
/// keepalived.conf, then routed by VRID, VIP or interface).
pub(in crate::cmd) enum Event {
    /// SIGINT, SIGTERM, SIGHUP: every node of the run stops.
    Shutdown,
    /// For every family of one instance: its checks and tracked interfaces.
    Instance(InstanceEvent),
    /// From one interface's VRRP socket, netlink monitor or claim watch.
    Link(LinkEvent),
    /// A hook the node queued ended: said in its lines, no input.
    Hook {
        name: String,
        argv: Vec<String>,
        outcome: Outcome,
    },
}

/// What an instance's own edge threads report.
#[derive(Clone)]
pub(in crate::cmd) enum InstanceEvent {
    /// A --track-iface interface went up or down.
    TrackedLink { index: usize, up: bool },
    /// A health check ran: passed, or failed and why (rise/fall is counted in the loop).
    Check { index: usize, ok: bool, why: String },
}

/// What an interface's socket, monitor or claim watch report.
pub(in crate::cmd) enum LinkEvent {
    Packet {
        packet: Received,
        /// When it was read: the machine handles it as of this instant.
        at: Instant,
        /// Its place in the channel, when a receive thread queued it (release).
        _slot: Option<Slot>,
    },
    /// Something arrived on the VRRP socket that is not an IP packet carrying VRRP.
    NotVrrp,
    /// Socket `generation` failed to receive (a re-created interface has a new one).
    ReceiveFailed {
        generation: u32,
        cause: String,
    },
    Net(NetEvent),
    /// Another MAC announced one of our VIPs (a frame seen on the segment).
    Claim {
        vip: IpAddr,
        by: MacAddr,
        _slot: Slot,
    },
}

/// The node's netlink monitor (the loop reads its socket itself), unless another node's
/// socket and monitor serve it (a run of several groups on one interface), and this socket
/// is muted.
pub(in crate::cmd) fn start_edges(
    socket: &Arc<VrrpSocket>,
    iface: &Interface,
    tx: &EventTx,
    receives: bool,
) -> Result<()> {
    let (name, index) = (iface.name.as_str(), iface.index);
    if !receives {
        // The receiving node's monitor reports this interface to every node on it.
        return socket.mute();
    }
    let net_tx = tx.clone();
    spawn_monitor(name, index, move |event| {
        net_tx.send(Event::Link(LinkEvent::Net(event))).is_ok()
    })
}

/// SIGINT, SIGTERM, SIGHUP: `Shutdown`, once for the whole run.
pub(in crate::cmd) fn start_signals(tx: &EventTx) -> Result<()> {
    let signal_tx = tx.clone();
    on_stop(move || {
        let _ = signal_tx.send(Event::Shutdown);
    })
}

/// One producer's share of the channel: at most `limit` of its events wait at a time, the
/// rest are dropped and counted. On a loaded host a storm of adverts or announcements must
/// not pile up behind the loop (measured before this: 865 MB per process, and every advert
/// handled seconds late, which made more takeovers). A claim waits alone: the answer to the
/// ones dropped behind it is the same.
#[derive(Clone)]
pub(super) struct Quota {
    waiting: Arc<AtomicUsize>,
    limit: usize,
}

/// A place in the channel, given back when the loop drops the event that holds it.
pub(in crate::cmd) struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Quota {
    fn new(limit: usize) -> Quota {
        Quota {
            waiting: Arc::default(),
            limit,
        }
    }

    fn take(&self) -> Option<Slot> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) < self.limit {
            return Some(Slot(Arc::clone(&self.waiting)));
        }
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        None
    }
}

/// Received packets that may wait for release's loop (run's loop reads its socket itself,
/// and the socket's buffer bounds what waits): a 16-node group at 10 ms brings ~100
/// a second, so this is seconds of a normal load, and a fraction of a second of a storm.
const PACKET_QUOTA: usize = 256;

/// Watches the segment for another MAC announcing our VIPs (a node that lost a contested
/// takeover, the other side of a healed partition), so a master can answer.
pub(in crate::cmd) fn start_claim_watch(
    vips: &[Vip],
    iface: &Interface,
    tx: &EventTx,
) -> Result<()> {
    let vips: Vec<IpAddr> = vips.iter().map(|v| v.addr).collect();
    let (tx, quota) = (tx.clone(), Quota::new(1));
    watch_claims(iface, vips, move |vip, by| match quota.take() {
        Some(_slot) => tx
            .send(Event::Link(LinkEvent::Claim { vip, by, _slot }))
            .is_ok(),
        None => true,
    })
}

pub(in crate::cmd) fn start_checks(cfg: &RunConfig, tx: &EventTx) -> Result<()> {
    for (index, c) in cfg.track.checks.iter().enumerate() {
        let tx = tx.clone();
        let report = move |ok, why| {
            let check = InstanceEvent::Check { index, ok, why };
            tx.send(Event::Instance(check)).is_ok()
        };
        health::spawn(c.check.clone(), c.interval, c.timeout, report)?;
    }
    Ok(())
}

/// A --track-iface interface, or the usual error naming the flag.
pub(in crate::cmd) fn tracked_iface(name: &str) -> Result<Interface> {
    Interface::lookup(name).map_err(|e| Error {
        what: format!("--track-iface: {}", e.what),
        ..e
    })
}

/// Watches each --track-iface; its state now is the first report.
pub(in crate::cmd) fn start_tracked_ifaces(cfg: &RunConfig, tx: &EventTx) -> Result<()> {
    for (index, tracked) in cfg.track_ifaces.iter().enumerate() {
        let name = &tracked.name;
        let iface = tracked_iface(name)?;
        let _ = tx.send(Event::Instance(InstanceEvent::TrackedLink {
            index,
            up: iface.up,
        }));
        let tx = tx.clone();
        spawn_monitor(name, iface.index, move |event| {
            let up = match event {
                NetEvent::Link(up) | NetEvent::LinkAppeared { up, .. } => up,
                NetEvent::LinkGone => false,
                NetEvent::AddressRemoved { .. } => return true,
            };
            let link = InstanceEvent::TrackedLink { index, up };
            tx.send(Event::Instance(link)).is_ok()
        })?;
    }
    Ok(())
}

pub(in crate::cmd) fn start_hooks(cfg: &RunConfig, tx: &EventTx) -> Result<Option<HookRunner>> {
    let h = &cfg.hooks;
    if [
        &h.on_master,
        &h.on_backup,
        &h.on_fault,
        &h.on_stop,
        &h.on_change,
    ]
    .iter()
    .all(|x| x.is_none())
        && !cfg.group_hooks.any()
    {
        return Ok(None);
    }
    let tx = std::sync::Mutex::new(tx.clone());
    let report = move |job: &crate::net::hooks::Job, outcome| {
        if let Ok(tx) = tx.lock() {
            let _ = tx.send(Event::Hook {
                name: job.name.clone(),
                argv: job.argv.clone(),
                outcome,
            });
        }
    };
    HookRunner::spawn(h.timeout, report)
        .map(Some)
        .map_err(|e| Error::new("cannot start the hook thread", e))
}

/// release's receive thread (run's loop reads its sockets itself).
pub(in crate::cmd) fn start_receiver(socket: &Arc<VrrpSocket>, tx: &EventTx) -> Result<()> {
    let (rx_socket, rx_tx, quota) = (Arc::clone(socket), tx.clone(), Quota::new(PACKET_QUOTA));
    thread::Builder::new()
        .name("vrrp-receive".into())
        .spawn(move || receive_loop(&rx_socket, &rx_tx, &quota))
        .map(|_| ())
        .map_err(|e| Error::new("cannot start the receive thread", e))
}

fn receive_loop(socket: &VrrpSocket, tx: &EventTx, quota: &Quota) {
    loop {
        // Whatever arrived, VRRP or not, waits only within the quota (a flood of malformed
        // packets must not pile up either).
        let event = match socket.recv() {
            Ok(received) => match (received, quota.take()) {
                (_, None) => continue,
                (Some(packet), Some(slot)) => LinkEvent::Packet {
                    packet,
                    at: Instant::now(),
                    _slot: Some(slot),
                },
                (None, Some(_)) => LinkEvent::NotVrrp,
            },
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => LinkEvent::ReceiveFailed {
                generation: 0,
                cause: e.to_string(),
            },
        };
        let failed = matches!(event, LinkEvent::ReceiveFailed { .. });
        if tx.send(Event::Link(event)).is_err() || failed {
            return;
        }
    }
}

/// Watches `iface` for another MAC announcing one of `vips` (a node that lost a contested
/// takeover, the successor of a stepping-down master) and calls `on_claim(vip, by)` for each
/// announcement, on its own thread, until it returns false. Shared by run and release.
fn watch_claims(
    iface: &Interface,
    vips: Vec<IpAddr>,
    mut on_claim: impl FnMut(IpAddr, MacAddr) -> bool + Send + 'static,
) -> Result<()> {
    let family = vips.first().map_or(Family::V4, |a| Family::of(*a));
    let socket = Arc::new(FrameSocket::open_claims(iface.index, family)?);
    let own = iface.mac;
    let on_frame = move |frame: Vec<u8>, _| match claim(&frame, own) {
        Some((vip, by)) if vips.contains(&vip) => on_claim(vip, by),
        _ => true,
    };
    // A help, not a need: when it fails (interface deleted), the caller goes on.
    spawn_reader(socket, "claim-watch", on_frame, |_| {})
}

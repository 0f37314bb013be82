//! The loop of `vipflip run` over its instances: one, the two families of one (IPv4 and
//! IPv6 VIPs of one VRID), or every instance of a keepalived.conf. Each is its own pure
//! machine; what binds them lives here: signals reach all, an instance's health checks and
//! tracked interfaces reach its families, and within a set that moves together (the
//! families of one instance, the members of a vrrp_sync_group) while one is in fault for a
//! reason of its own the others are held in fault too, so that all give up their VIPs
//! together. A planned stop hands all over; the run ends when all have.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Instant;

use super::edges::{Event, LinkEvent};
use super::io::NodeIo;
use super::node::{Node, Reaction};
use crate::error::{Error, Result};
use crate::net::vrrp_socket::RECEIVE_BUFFER;
use crate::net::wake::{first_readable, Wake};
use crate::vrrp::{Input, State};

/// Nodes that move together, with the sync group's name (`None`: the families of one
/// instance).
pub(super) type Sets = [(Option<String>, Vec<usize>)];

/// What the loop waits on besides its sockets: the edge threads' events, tagged with their
/// node, and the pipe they ring.
pub(super) struct Inbox {
    pub(super) rx: Receiver<(usize, Event)>,
    pub(super) wake: Wake,
}

/// Runs `nodes` until every one has stopped.
pub(super) fn run_group<I: NodeIo>(
    nodes: &mut [Node<I>],
    inbox: &Inbox,
    sets: &Sets,
) -> Result<i32> {
    let rx = &inbox.rx;
    // Per node, the generation of a socket whose receive failed: not polled again until
    // the node reopens (a deleted interface's socket stays readable with its error).
    let mut failed: Vec<Option<u32>> = vec![None; nodes.len()];
    let mut pending: Vec<Option<Input>> = nodes.iter().map(|_| None).collect();
    let mut done = vec![false; nodes.len()];
    let mut started = vec![false; nodes.len()];
    let mut was: Vec<State> = nodes.iter().map(|n| n.machine.state()).collect();
    let mut groups: Vec<Option<State>> = vec![None; sets.len()];
    let mut buffer = vec![0u8; RECEIVE_BUFFER];
    // A timer's wake-up reads the clock to see which nodes are due; the round it starts
    // steps them at that reading (a master's per-advert round reads the clock once less).
    let mut woke_at = None;
    loop {
        let now = woke_at.take().unwrap_or_else(Instant::now);
        for (i, node) in nodes.iter_mut().enumerate() {
            if !done[i] {
                node.release_held_back(now);
            }
            if let Some(input) = pending[i].take() {
                if !done[i] && node.step(now, input) {
                    done[i] = true;
                }
            }
            if !started[i] && !done[i] && !node.awaiting_first_results() {
                started[i] = true;
                done[i] = start(node, now);
            }
        }
        couple(nodes, sets, &done, &mut pending);
        sync_groups(nodes, sets, &done, &mut was, &mut pending);
        group_notifies(nodes, sets, &done, &mut groups);
        if pending.iter().any(Option::is_some) {
            continue;
        }
        if done.iter().all(|d| *d) {
            for k in 0..sets.len() {
                notify_group(nodes, sets, k, Some(State::Stopped), &mut groups);
            }
            finish(nodes, rx);
            return Ok(0);
        }
        let deadline = nodes
            .iter()
            .zip(&done)
            .filter(|(_, d)| !**d)
            .filter_map(|(n, _)| {
                // `now` is this round's start: a held announcement is looked at a little
                // early rather than the clock read once more per wait.
                [n.machine.deadline(), n.io_deadline(now)]
                    .into_iter()
                    .flatten()
                    .min()
            })
            .min();
        match next_event(nodes, inbox, deadline, &mut failed, &mut buffer) {
            Ok((i, event)) => route(nodes, &done, i, event, &mut pending)?,
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                for (i, node) in nodes.iter().enumerate() {
                    if node.machine.deadline().is_some_and(|at| at <= now) {
                        pending[i] = Some(Input::Tick);
                    }
                }
                woke_at = Some(now);
            }
            Err(RecvTimeoutError::Disconnected) => pending.fill(Some(Input::Shutdown)),
        }
    }
}

/// The next event: one an edge thread queued, or a packet the loop reads from a receiving
/// node's socket (an advert reaches its machine without crossing a thread); `Timeout` at
/// `deadline`.
fn next_event<I: NodeIo>(
    nodes: &[Node<I>],
    inbox: &Inbox,
    deadline: Option<Instant>,
    failed: &mut [Option<u32>],
    buffer: &mut [u8],
) -> std::result::Result<(usize, Event), RecvTimeoutError> {
    loop {
        match inbox.rx.try_recv() {
            Ok(event) => return Ok(event),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) => {}
        }
        let fds = std::iter::once(inbox.wake.fd()).chain(sockets(nodes, failed).map(|(_, fd)| fd));
        let timeout = deadline.map(|at| at.saturating_duration_since(Instant::now()));
        match first_readable(fds, timeout) {
            Ok(None) if timeout.is_some() => return Err(RecvTimeoutError::Timeout),
            Ok(None) | Err(_) => {}
            Ok(Some(0)) => inbox.wake.drain(),
            Ok(Some(k)) => {
                let Some((i, _)) = sockets(nodes, failed).nth(k - 1) else {
                    continue;
                };
                if let Some(event) = receive(&nodes[i], i, failed, buffer) {
                    return Ok((i, event));
                }
            }
        }
    }
}

/// The sockets the loop reads, with their node: those of receiving nodes, but not one whose
/// receive failed (until its node reopens).
fn sockets<'a, I: NodeIo>(
    nodes: &'a [Node<I>],
    failed: &'a [Option<u32>],
) -> impl Iterator<Item = (usize, BorrowedFd<'a>)> + 'a {
    nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| failed[*i] != Some(n.generation))
        .filter_map(|(i, n)| n.io.receive_fd().map(|fd| (i, fd)))
}

/// What node `i`'s socket has: a packet, something that is not VRRP, or its failure.
fn receive<I: NodeIo>(
    node: &Node<I>,
    i: usize,
    failed: &mut [Option<u32>],
    buffer: &mut [u8],
) -> Option<Event> {
    match node.io.receive(buffer) {
        Ok(Some(packet)) => Some(Event::Link(LinkEvent::Packet {
            packet,
            at: Instant::now(),
            _slot: None,
        })),
        Ok(None) => Some(Event::Link(LinkEvent::NotVrrp)),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) =>
        {
            None
        }
        Err(e) => {
            failed[i] = Some(node.generation);
            Some(Event::Link(LinkEvent::ReceiveFailed {
                generation: node.generation,
                cause: e.to_string(),
            }))
        }
    }
}

/// The node a packet is for: a socket shared by several groups (one interface and family)
/// hands each packet to the group of its VRID; anything else stays with the receiver, which
/// counts it.
fn addressee<I: NodeIo>(nodes: &[Node<I>], from: usize, packet: &crate::wire::Received) -> usize {
    let Some(share) = nodes.get(from).and_then(|n| n.share) else {
        return from;
    };
    let vrid = crate::wire::vrrp::peek_vrid(&packet.payload);
    nodes
        .iter()
        .position(|n| n.share == Some(share) && Some(n.machine.params().vrid) == vrid)
        .unwrap_or(from)
}

/// keepalived holds an instance in init until each of its weight-0 scripts has answered
/// once (vrrp_scheduler.c vrrp_init_state, num_script_init); then it starts knowing what
/// the tracking says. `true` when the node is done.
fn start<I: NodeIo>(node: &mut Node<I>, now: Instant) -> bool {
    let health = node.health();
    let link_up = node.iface.up || !node.cfg.track_primary;
    node.step(now, health) || node.step(now, Input::Start { link_up })
}

/// Hands `event` (from node `from`'s edge threads) to every node (signals), to the families
/// of its instance (checks, tracked interfaces), or to the node of its interface it is for.
fn route<I: NodeIo>(
    nodes: &mut [Node<I>],
    done: &[bool],
    from: usize,
    event: Event,
    pending: &mut [Option<Input>],
) -> Result<()> {
    let live = |i: usize| !done.get(i).copied().unwrap_or(true);
    match event {
        Event::Shutdown => {
            for (i, slot) in pending.iter_mut().enumerate() {
                if live(i) {
                    *slot = Some(Input::Shutdown);
                }
            }
        }
        Event::Instance(event) => {
            let unit = nodes.get(from).map(|n| n.unit);
            for (i, node) in nodes.iter_mut().enumerate() {
                if live(i) && Some(node.unit) == unit {
                    pending[i] = node.instance_input(event.clone());
                }
            }
        }
        Event::Hook {
            name,
            argv,
            outcome,
        } => {
            if let Some(node) = nodes.get_mut(from) {
                node.say_hook(&name, &argv, &outcome);
            }
        }
        Event::Link(event) => route_link(nodes, &live, from, event, pending)?,
    }
    Ok(())
}

/// An interface's event: a shared monitor's news is every sharing node's, a shared claim
/// watch's the node's whose VIP it is, a shared socket's packet the group's of its VRID.
fn route_link<I: NodeIo>(
    nodes: &mut [Node<I>],
    live: &impl Fn(usize) -> bool,
    from: usize,
    event: LinkEvent,
    pending: &mut [Option<Input>],
) -> Result<()> {
    let share = nodes.get(from).and_then(|n| n.share);
    match event {
        LinkEvent::Net(net) if share.is_some() => {
            for i in 0..nodes.len() {
                if live(i) && nodes[i].share == share {
                    pending[i] = link_input(&mut nodes[i], LinkEvent::Net(net.clone()))?;
                }
            }
        }
        LinkEvent::Claim { vip, by, _slot } => {
            let to = nodes
                .iter()
                .position(|n| {
                    share.is_some() && n.share == share && n.cfg.vips.iter().any(|v| v.addr == vip)
                })
                .unwrap_or(from);
            if live(to) {
                let claim = LinkEvent::Claim { vip, by, _slot };
                pending[to] = link_input(&mut nodes[to], claim)?;
            }
        }
        LinkEvent::Packet { packet, at, _slot } => {
            let to = addressee(nodes, from, &packet);
            if live(to) {
                let event = LinkEvent::Packet { packet, at, _slot };
                pending[to] = link_input(&mut nodes[to], event)?;
            }
        }
        event if live(from) => pending[from] = link_input(&mut nodes[from], event)?,
        _ => {}
    }
    Ok(())
}

/// The machine's input for an event of the node's interface, after what the node asked
/// of the loop: reopening its sockets on a re-created interface, or stopping when its
/// socket failed.
pub(super) fn link_input<I: NodeIo>(node: &mut Node<I>, event: LinkEvent) -> Result<Option<Input>> {
    match node.link_reaction(event) {
        Reaction::None => Ok(None),
        Reaction::Input(input) => Ok(Some(input)),
        Reaction::Reattach => Ok(node.reattach()),
        Reaction::Failed(cause) => {
            node.step(Instant::now(), Input::Shutdown);
            Err(Error::new("receiving VRRP packets failed", cause))
        }
    }
}

/// Holds a node in fault while another of a set it belongs to is in fault for a reason of
/// its own.
pub(super) fn couple<I: NodeIo>(
    nodes: &mut [Node<I>],
    sets: &Sets,
    done: &[bool],
    pending: &mut [Option<Input>],
) {
    for i in 0..nodes.len() {
        if done[i] || !sets.iter().any(|(_, s)| s.contains(&i)) {
            continue;
        }
        let why = sets
            .iter()
            .filter(|(_, set)| set.contains(&i))
            .flat_map(|(group, set)| set.iter().map(move |j| (group, *j)))
            .find(|(_, j)| *j != i && !done[*j] && nodes[*j].own_fault())
            .map(|(group, j)| partner_words(&nodes[j], group.as_deref(), nodes[i].unit));
        if let Some(input) = nodes[i].partner_fault(why) {
            pending[i] = Some(input);
        }
    }
}

/// keepalived's sync group states (vrrp_sync.c): the members go master together once every
/// one wants to (its own timer ran out, or it is master), and a master member that yields
/// takes the other masters to backup with it. `was` is each node's state at the last look.
pub(super) fn sync_groups<I: NodeIo>(
    nodes: &[Node<I>],
    sets: &Sets,
    done: &[bool],
    was: &mut [State],
    pending: &mut [Option<Input>],
) {
    if sets.iter().all(|(group, _)| group.is_none()) {
        return;
    }
    let now: Vec<State> = nodes.iter().map(|n| n.machine.state()).collect();
    for (_, members) in sets.iter().filter(|(group, _)| group.is_some()) {
        let live = |j: &&usize| !done[**j];
        let yielded = members
            .iter()
            .filter(live)
            .any(|&j| was[j] == State::Master && now[j] == State::Backup);
        let all_ready = members
            .iter()
            .filter(live)
            .all(|&j| now[j] == State::Master || nodes[j].machine.wants_master());
        let someone_waits = members
            .iter()
            .filter(live)
            .any(|&j| nodes[j].machine.wants_master());
        let input = if yielded {
            (State::Master, Input::GroupBackup)
        } else if all_ready && someone_waits {
            (State::Backup, Input::GroupMaster)
        } else {
            continue;
        };
        for &j in members.iter().filter(live) {
            if now[j] == input.0 && pending[j].is_none() {
                pending[j] = Some(input.1.clone());
            }
        }
    }
    was.copy_from_slice(&now);
}

/// A sync group's state as keepalived's group notifies see it: fault while a member is,
/// master while all are, else backup; `None` before its members have started.
fn group_state<I: NodeIo>(nodes: &[Node<I>], members: &[usize], done: &[bool]) -> Option<State> {
    let states: Vec<State> = members
        .iter()
        .filter(|j| !done[**j])
        .map(|j| nodes[*j].machine.state())
        .collect();
    if states.is_empty() || states.iter().all(|s| *s == State::Init) {
        return None;
    }
    Some(if states.contains(&State::Fault) {
        State::Fault
    } else if states
        .iter()
        .all(|s| matches!(s, State::Master | State::Releasing))
    {
        State::Master
    } else {
        State::Backup
    })
}

/// Runs each sync group's notify scripts when its state changes (vrrp_notify.c
/// send_group_notifies), on its first member's hook runner.
fn group_notifies<I: NodeIo>(
    nodes: &mut [Node<I>],
    sets: &Sets,
    done: &[bool],
    groups: &mut [Option<State>],
) {
    for k in 0..sets.len() {
        if sets[k].0.is_some() {
            let state = group_state(nodes, &sets[k].1, done);
            notify_group(nodes, sets, k, state, groups);
        }
    }
}

fn notify_group<I: NodeIo>(
    nodes: &mut [Node<I>],
    sets: &Sets,
    k: usize,
    state: Option<State>,
    groups: &mut [Option<State>],
) {
    let (Some(name), Some(state)) = (&sets[k].0, state) else {
        return;
    };
    if groups[k] == Some(state) {
        return;
    }
    groups[k] = Some(state);
    let Some(&first) = sets[k].1.first() else {
        return;
    };
    for job in super::hooks::group_jobs(&nodes[first].cfg.group_hooks, name, state) {
        nodes[first].io.run_hook(job);
    }
}

/// How a partner in fault is named: the other family of this instance, or a member of
/// the sync group.
fn partner_words<I: NodeIo>(other: &Node<I>, group: Option<&str>, unit: usize) -> String {
    match group {
        Some(group) if other.unit != unit => {
            format!("sync group {group}: instance {} in fault", other.name())
        }
        _ => format!(
            "{} instance in fault",
            other.family.map_or("other", |f| f.name())
        ),
    }
}

/// Waits for the hooks still queued (the stop hooks among them), says how they ended, then
/// each instance's last lines.
fn finish<I: NodeIo>(nodes: &mut [Node<I>], rx: &Receiver<(usize, Event)>) {
    for node in nodes.iter_mut() {
        node.io.finish_hooks();
    }
    while let Ok((i, event)) = rx.try_recv() {
        if let (
            Some(node),
            Event::Hook {
                name,
                argv,
                outcome,
            },
        ) = (nodes.get_mut(i), event)
        {
            node.say_hook(&name, &argv, &outcome);
        }
    }
    for node in nodes.iter_mut() {
        node.finish();
    }
}

//! The loop of `vipflip run` over its instances: one, or two in step (IPv4 and IPv6 VIPs of
//! one VRID, keepalived's vrrp_sync_group of two). Each instance is its own pure machine;
//! the pairing lives here: signals, health checks and tracked interfaces reach both, and
//! while one is in fault for a reason of its own the other is held in fault too, so that
//! both give up their VIPs together. A planned stop hands both over; the run ends when both
//! have.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Instant;

use super::run::Node;
use super::run_edges::Event;
use super::run_io::NodeIo;
use crate::error::Result;
use crate::vrrp::Input;

/// Runs `nodes` until every one has stopped; events come tagged with their instance.
pub(super) fn run_group<I: NodeIo>(
    nodes: &mut [Node<I>],
    rx: &Receiver<(usize, Event)>,
) -> Result<i32> {
    let mut pending: Vec<Option<Input>> = nodes
        .iter()
        .map(|n| {
            Some(Input::Start {
                link_up: n.iface.up,
            })
        })
        .collect();
    let mut done = vec![false; nodes.len()];
    // What the tracking says before any result (keepalived: a weight-0 script holds its
    // instance in fault until it first answers), so the start already knows it.
    let now = Instant::now();
    for node in nodes.iter_mut() {
        let health = node.health();
        node.step(now, health);
    }
    loop {
        let now = Instant::now();
        for (i, node) in nodes.iter_mut().enumerate() {
            if let Some(input) = pending[i].take() {
                if !done[i] && node.step(now, input) {
                    done[i] = true;
                }
            }
        }
        couple(nodes, &done, &mut pending);
        if pending.iter().any(Option::is_some) {
            continue;
        }
        if done.iter().all(|d| *d) {
            finish(nodes, rx);
            return Ok(0);
        }
        let deadline = nodes
            .iter()
            .zip(&done)
            .filter(|(_, d)| !**d)
            .filter_map(|(n, _)| n.machine.deadline())
            .min();
        let event = match deadline {
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match event {
            Ok((i, event)) => route(nodes, &done, i, event, &mut pending)?,
            Err(RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                for (i, node) in nodes.iter().enumerate() {
                    if node.machine.deadline().is_some_and(|at| at <= now) {
                        pending[i] = Some(Input::Tick);
                    }
                }
            }
            Err(RecvTimeoutError::Disconnected) => pending.fill(Some(Input::Shutdown)),
        }
    }
}

/// Hands `event` (from instance `from`'s edge threads) to the instance it is for, or to
/// every one when it concerns the whole run.
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
        Event::Check { index, ok, why } => {
            for (i, node) in nodes.iter_mut().enumerate().filter(|(i, _)| live(*i)) {
                let why = why.clone();
                pending[i] = node.input_of(Event::Check { index, ok, why })?;
            }
        }
        Event::TrackedLink { index, up } => {
            for (i, node) in nodes.iter_mut().enumerate().filter(|(i, _)| live(*i)) {
                pending[i] = node.input_of(Event::TrackedLink { index, up })?;
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
        event if live(from) => pending[from] = nodes[from].input_of(event)?,
        _ => {}
    }
    Ok(())
}

/// Holds an instance in fault while its partner is in fault for a reason of its own.
pub(super) fn couple<I: NodeIo>(
    nodes: &mut [Node<I>],
    done: &[bool],
    pending: &mut [Option<Input>],
) {
    if nodes.len() != 2 {
        return;
    }
    for i in 0..2 {
        let other = 1 - i;
        let why = (!done[other] && nodes[other].own_fault()).then(|| {
            let family = nodes[other].family.unwrap_or("other");
            format!("{family} instance in fault")
        });
        if done[i] {
            continue;
        }
        if let Some(input) = nodes[i].partner_fault(why) {
            pending[i] = Some(input);
        }
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

//! `vipflip release`: remove VIPs left behind, and optionally tell the backups to take over now.

use std::net::IpAddr;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::run::edges::{start_claim_watch, start_receiver, Event, EventTx, LinkEvent};
use crate::cli::ReleaseArgs;
use crate::config::{release_config, StepDown, Vip};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::net::caps::require_net_admin_and_raw;
use crate::net::iface::Interface;
use crate::net::netlink::Netlink;
use crate::net::vrrp_socket::VrrpSocket;
use crate::ui::{Level, Ui};
use crate::vrrp::checks::{check, Verdict};
use crate::vrrp::{Action, Input, Machine, Params, State};
use crate::wire::{Family, Received};

pub fn release(args: &ReleaseArgs) -> Result<i32> {
    let cfg = release_config(args)?;
    let mut ui = super::stdout_ui(&args.output);
    for warning in &cfg.warnings {
        ui.say(Level::Warn, "config-warning", 0, warning);
    }
    require_net_admin_and_raw()?;
    let iface = Interface::lookup(&cfg.iface)?;
    let netlink = Netlink::open()?;
    for vip in &cfg.vips {
        refuse_primary(vip, &iface)?;
    }
    let vip_addrs: Vec<IpAddr> = cfg.vips.iter().map(|v| v.addr).collect();
    let primary = iface.primary(Family::of(vip_addrs[0]), &vip_addrs);
    if let Some(step) = &cfg.advert {
        let Some(primary) = primary else {
            return Err(Error::new(
                format!(
                    "interface {} has no address to send the advert from",
                    iface.name
                ),
                "no primary address",
            )
            .hint("run release without --vrid to only remove the VIP"));
        };
        let msg = step_down(step, &iface, primary, &cfg.vips)?;
        ui.say(Level::Plain, "released", step.vrid, &msg);
    }
    for vip in &cfg.vips {
        remove_one(&netlink, &iface, vip, &mut ui)?;
    }
    Ok(0)
}

/// The interface's own address is never a VIP: removing it would cut the node off.
fn refuse_primary(vip: &Vip, iface: &Interface) -> Result<()> {
    if iface.is_primary(vip.addr) {
        return Err(Error::new(
            format!("refusing to remove {vip}"),
            format!("it is the primary address of {}, not a VIP", iface.name),
        )
        .hint(format!(
            "a VIP is a secondary address; check with: ip addr show {}",
            iface.name
        )));
    }
    Ok(())
}

/// Like a stopping master (one rule, the machine's): priority 0 first, and the VIP stays
/// until the successor has advertised (an advert that passes the checks `run` applies) and
/// announced it, plus a settle for probes on their way. Returns what happened, in words.
fn step_down(step: &StepDown, iface: &Interface, primary: IpAddr, vips: &[Vip]) -> Result<String> {
    let socket = Arc::new(VrrpSocket::open(&iface.name, iface.index, primary, &[])?);
    let (tx, rx) = mpsc::channel();
    listen(&socket, iface, vips, &EventTx::new(tx, 0))?;
    let start = Instant::now();
    let (mut machine, mut actions) = Machine::stepping_down(step.params(primary, vips), start);
    loop {
        for action in std::mem::take(&mut actions) {
            match action {
                Action::SendAdvert { priority } => socket
                    .send_advert(
                        &machine.params().advert(priority),
                        primary,
                        step.v3_checksum,
                    )
                    .map_err(|e| {
                        Error::new(
                            format!("cannot send the priority-0 advert on {}", iface.name),
                            e,
                        )
                    })?,
                Action::Transition { reason, .. } if machine.state() == State::Stopped => {
                    return Ok(format!(
                        "sent priority 0 for vrid {} from {primary}; after {:.3}s: {reason}",
                        step.vrid,
                        start.elapsed().as_secs_f64()
                    ));
                }
                _ => {}
            }
        }
        let left = machine.deadline().map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(Instant::now())
        });
        let input = match rx.recv_timeout(left) {
            Ok((_, Event::Link(LinkEvent::Packet { packet, at, .. }))) => {
                match advert_of(machine.params(), &packet, at) {
                    Some(input) => input,
                    None => continue,
                }
            }
            Ok((_, Event::Link(LinkEvent::Claim { vip, by, .. }))) => Input::Claimed { vip, by },
            // Deaf now (the receive thread failed): the machine's own timeout ends the wait.
            Ok(_) => continue,
            Err(_) => Input::Tick,
        };
        actions = machine.handle(Instant::now(), input);
    }
}

/// An advert that passes `run`'s checks (TTL, version, VRID, auth, interval) as machine input.
fn advert_of(params: &Params, packet: &Received, at: Instant) -> Option<Input> {
    match check(params, packet) {
        Verdict::Accept(parsed) => Some(Input::Advert {
            src: packet.src,
            advert: parsed.advert,
            received: Some(at),
        }),
        _ => None,
    }
}

/// Adverts and claims of `vips` by other MACs, heard on `run`'s own edge threads; they end
/// with the process (release is short-lived).
fn listen(socket: &Arc<VrrpSocket>, iface: &Interface, vips: &[Vip], tx: &EventTx) -> Result<()> {
    start_receiver(socket, tx)?;
    start_claim_watch(vips, iface, tx)
}

fn remove_one(netlink: &Netlink, iface: &Interface, vip: &Vip, ui: &mut Ui) -> Result<()> {
    let fields = Json::default().str("vip", vip).str("iface", &iface.name);
    // A run killed inside its drain leaves the VIP as a local route (run's quiet drain).
    let route = netlink.remove_local_route(iface.index, vip.addr)?;
    if netlink.remove(iface.index, vip)? || route {
        let text = format!("removed {vip} from {}", iface.name);
        ui.tell(Level::Plain, "removed", 0, &text, fields);
    } else {
        let text = format!("{vip} was not on {}: nothing to remove", iface.name);
        ui.tell(Level::Plain, "absent", 0, &text, fields);
    }
    Ok(())
}

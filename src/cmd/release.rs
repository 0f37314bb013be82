//! `vipflip release`: remove VIPs left behind, and optionally tell the backups to take over now.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::cli::ReleaseArgs;
use crate::config::{release_config, Vip};
use crate::error::{Error, Result};
use crate::net::caps::require_net_admin_and_raw;
use crate::net::frames::FrameSocket;
use crate::net::iface::Interface;
use crate::net::netlink::{IfAddr, Netlink};
use crate::net::vrrp_socket::VrrpSocket;
use crate::ui::{Level, Ui};
use crate::vrrp::checks::{successor, Received};
use crate::vrrp::timers::handover_wait;
use crate::wire::announce::{claim, MacAddr};

pub fn release(args: &ReleaseArgs) -> Result<i32> {
    let cfg = release_config(args)?;
    let mut ui = super::stdout_ui(&args.output);
    for warning in &cfg.warnings {
        ui.say(Level::Warn, "warning", 0, warning);
    }
    require_net_admin_and_raw()?;
    let iface = Interface::lookup(&cfg.iface)?;
    let netlink = Netlink::open()?;
    let present = netlink.addrs(iface.index)?;
    for vip in &cfg.vips {
        refuse_primary(vip, &iface, &present)?;
    }
    let vip_addrs: Vec<IpAddr> = cfg.vips.iter().map(|v| v.addr).collect();
    let primary = iface.primary(vip_addrs[0].is_ipv4(), &vip_addrs);
    let socket = match (&cfg.advert, primary) {
        (Some(_), Some(primary)) => Some((
            VrrpSocket::open(&iface.name, iface.index, primary, &[])?,
            primary,
        )),
        (Some(_), None) => {
            return Err(Error::new(
                format!(
                    "interface {} has no address to send the advert from",
                    iface.name
                ),
                "no primary address",
            )
            .hint("run release without --vrid to only remove the VIP"))
        }
        (None, _) => None,
    };
    // Like a stopping master: priority 0 first, the VIP stays until the successor advertised
    // and announced it (its advert comes first; clients follow the announcement).
    if let (Some(step), Some((socket, primary))) = (&cfg.advert, socket) {
        let claims = FrameSocket::open_claims(iface.index, primary.is_ipv4())?;
        let params = step.params(primary, &cfg.vips);
        socket
            .send_advert(&params.advert(0), primary, step.v3_checksum)
            .map_err(|e| {
                Error::new(
                    format!("cannot send the priority-0 advert on {}", iface.name),
                    e,
                )
            })?;
        let wait = handover_wait(step.version, step.interval_cs);
        let msg = match await_successor(&socket, step.vrid, primary, wait) {
            Some((to, after)) => {
                let grace = crate::vrrp::timers::interval(step.interval_cs);
                let seen = match await_claim(&claims, &vip_addrs, iface.mac, grace) {
                    Some(first) => {
                        // Probes the clients sent just before still arrive here: the VIP
                        // goes once announcements have been quiet (as a stopping `run`).
                        let settle = crate::vrrp::machine::CLAIM_SETTLE;
                        let last = (0..MAX_SETTLE_ROUNDS)
                            .map_while(|_| await_claim(&claims, &vip_addrs, iface.mac, settle))
                            .last()
                            .unwrap_or(first);
                        format!("announced from {last}")
                    }
                    None => "its announcement unseen".to_string(),
                };
                format!(
                    "sent priority 0 for vrid {} from {primary}: {to} took over after {:.3}s ({seen})",
                    step.vrid,
                    after.as_secs_f64()
                )
            }
            None => format!(
                "sent priority 0 for vrid {} from {primary}: no backup took over within {:.2}s",
                step.vrid,
                wait.as_secs_f64()
            ),
        };
        ui.say(Level::Plain, "released", step.vrid, &msg);
    }
    for vip in &cfg.vips {
        remove_one(&netlink, &iface, vip, &mut ui)?;
    }
    Ok(0)
}

/// The interface's primary address (the first IPv4 that is not secondary, or a link-local
/// IPv6) is never a VIP: removing it would cut the node off.
fn refuse_primary(vip: &Vip, iface: &Interface, present: &[IfAddr]) -> Result<()> {
    let first_v4 = present
        .iter()
        .find(|a| a.addr.is_ipv4() && !a.secondary)
        .map(|a| a.addr);
    let primary = match vip.addr {
        IpAddr::V4(_) => first_v4 == Some(vip.addr),
        // The last link-local is the interface's own; a second one (a link-local VIP) can go.
        IpAddr::V6(v6) => v6.is_unicast_link_local() && iface.primary(false, &[vip.addr]).is_none(),
    };
    if primary {
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

/// The first node to advertise as master of `vrid` after our priority 0, and when, within `wait`.
fn await_successor(
    socket: &VrrpSocket,
    vrid: u8,
    ours: IpAddr,
    wait: Duration,
) -> Option<(IpAddr, Duration)> {
    let start = Instant::now();
    while let Some(left) = wait.checked_sub(start.elapsed()) {
        let Ok(Some(packet)) = socket.recv_timeout(left) else {
            continue;
        };
        let rx = Received {
            ttl: packet.ttl,
            src: packet.src,
            dst: packet.dst,
            payload: &packet.payload,
        };
        if let Some(src) = successor(&rx, vrid, ours) {
            return Some((src, start.elapsed()));
        }
    }
    None
}

/// Announcements that keep coming (a host with the address) do not hold `release` forever.
const MAX_SETTLE_ROUNDS: usize = 100;

/// The first announcement of one of `vips` from a MAC other than `own`, within `wait`.
fn await_claim(
    claims: &FrameSocket,
    vips: &[IpAddr],
    own: MacAddr,
    wait: Duration,
) -> Option<MacAddr> {
    let start = Instant::now();
    while let Some(left) = wait.checked_sub(start.elapsed()) {
        match claims.recv_timeout(left) {
            Ok(Some(frame)) => match claim(&frame, own) {
                Some((vip, by)) if vips.contains(&vip) => return Some(by),
                _ => {}
            },
            Ok(None) => {}
            Err(_) => return None,
        }
    }
    None
}

fn remove_one(netlink: &Netlink, iface: &Interface, vip: &Vip, ui: &mut Ui) -> Result<()> {
    if netlink.remove(iface.index, vip)? {
        ui.say(
            Level::Plain,
            "removed",
            0,
            &format!("removed {vip} from {}", iface.name),
        );
    } else {
        ui.say(
            Level::Plain,
            "absent",
            0,
            &format!("{vip} was not on {}: nothing to remove", iface.name),
        );
    }
    Ok(())
}

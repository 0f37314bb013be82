//! One `vrrp_instance` block: its keywords (vrrp_parser.c, keepalived 2.2.7) and the
//! completion keepalived applies after reading it (vrrp.c vrrp_complete_instance).

use std::net::IpAddr;

use super::lexer::{script_command, Item, Loc};
use super::script::{self, weight};
use super::{number, one_arg, seconds, unsupported, Globals, Instance, TrackedIface};
use crate::vip::Vip;

/// Instance keywords vipflip reads, for "did you mean".
const INSTANCE_KEYWORDS: &[&str] = &[
    "state",
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "version",
    "nopreempt",
    "preempt",
    "preempt_delay",
    "garp_master_repeat",
    "garp_master_delay",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "authentication",
    "unicast_src_ip",
    "mcast_src_ip",
    "unicast_peer",
    "track_script",
    "track_interface",
    "track_process",
    "dont_track_primary",
    "use_vmac",
    "vmac_xmit_base",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "smtp_alert",
    "accept",
    "no_accept",
    "skip_check_adv_addr",
    "promote_secondaries",
    "debug",
];

/// Keywords keepalived reads that change nothing vipflip does on the wire or to the VIP:
/// said once in a note, with what they do in keepalived.
const NOTED: &[(&str, &str)] = &[
    ("smtp_alert", "vipflip sends no mail (the notify scripts still run)"),
    ("vmac_xmit_base", "vipflip sends adverts from the virtual MAC interface, and from the base interface in unicast mode"),
    ("accept", "vipflip never filters traffic to the VIP (keepalived's default outside strict mode)"),
    ("no_accept", "vipflip never filters traffic to the VIP; keepalived would drop it while backup in strict mode only"),
    ("skip_check_adv_addr", "vipflip checks the advertised addresses as keepalived does without it, and only logs a mismatch"),
    ("promote_secondaries", "vipflip removes only the VIPs it added"),
    ("debug", "vipflip's output is its log"),
];

/// The instance as keepalived completes it, with the problems of its lines.
pub fn read(
    item: &Item,
    scripts: &[&Item],
    processes: &[&Item],
    globals: &Globals,
) -> (Instance, Vec<(Loc, String)>) {
    let mut out = Instance {
        name: item.args.first().cloned().unwrap_or_default(),
        ..Instance::default()
    };
    let mut problems = Vec::new();
    for line in item.block.iter().flatten() {
        let applied = match line.key.as_str() {
            "track_script" => script::track(line, scripts).map(|mut s| out.scripts.append(&mut s)),
            "track_process" => {
                script::track(line, processes).map(|mut p| out.processes.append(&mut p))
            }
            _ => apply(&mut out, line),
        };
        if let Err(msg) = applied {
            problems.push((
                line.loc.clone(),
                format!("vrrp_instance {}: {msg}", out.name),
            ));
        }
    }
    complete(&mut out, globals);
    (out, problems)
}

/// vrrp.c vrrp_complete_instance, the parts that change what runs.
fn complete(out: &mut Instance, globals: &Globals) {
    let name = out.name.clone();
    let mut note = |text: String| out.notes.push(format!("keepalived.conf: {name}: {text}"));
    // "If no priority has been set, derive it from the initial state" (vrrp.c:2905).
    if out.priority.is_none() {
        out.priority = Some(if out.state_master { 255 } else { 100 });
        if out.state_master {
            note(
                "no priority with state MASTER: 255, the address owner, as keepalived derives it"
                    .into(),
            );
        }
    }
    let owner = out.priority == Some(255);
    if out.no_preempt && (owner || out.state_master) {
        // vrrp.c:3100 (owner) and vrrp.c:3110 ("nopreempt will not work with initial state MASTER - clearing").
        note("nopreempt cleared, as keepalived does with state MASTER or priority 255".into());
        out.no_preempt = false;
    }
    if out.preempt_delay.is_some() && (out.state_master || out.no_preempt) {
        // vrrp.c:3117 and vrrp.c:3130.
        note("preempt_delay cleared, as keepalived does with state MASTER or nopreempt".into());
        out.preempt_delay = None;
    }
    if owner {
        // vrrp.c:3829: the address owner ignores weighted scripts, processes and interfaces.
        let weighted: Vec<String> = out
            .scripts
            .iter()
            .filter(|s| s.weight != 0)
            .map(|s| format!("script {}", s.name))
            .chain(
                out.processes
                    .iter()
                    .filter(|p| p.weight != 0)
                    .map(|p| format!("process {}", p.name)),
            )
            .chain(
                out.track_ifaces
                    .iter()
                    .filter(|t| t.weight != 0)
                    .map(|t| format!("interface {}", t.name)),
            )
            .collect();
        out.scripts.retain(|s| s.weight == 0);
        out.processes.retain(|p| p.weight == 0);
        out.track_ifaces.retain(|t| t.weight == 0);
        if !weighted.is_empty() {
            let text = format!(
                "priority 255: weighted {} ignored, as keepalived does for the address owner",
                weighted.join(", ")
            );
            out.notes
                .push(format!("keepalived.conf: {}: {text}", out.name));
        }
    }
    if let Some(iface) = out.iface.clone() {
        out.vip_devs.retain(|(_, dev)| *dev != iface);
    }
    if out.version.is_none() {
        out.version = globals.version;
    }
    if out.garp_refresh.is_none() {
        out.garp_refresh = globals.garp_refresh;
    }
    if out.garp_refresh_repeat.is_none() {
        out.garp_refresh_repeat = globals.garp_refresh_repeat;
    }
    if out.version == Some(3) && out.auth_pass.take().is_some() {
        // vrrp.c:2931 "VRRP version 3 does not support authentication. Ignoring."
        out.notes.push(format!(
            "keepalived.conf: {}: authentication ignored with version 3, as keepalived does",
            out.name
        ));
    }
    let scripts_notes: Vec<String> = out
        .scripts
        .iter()
        .flat_map(|s| s.notes.clone())
        .chain(out.processes.iter().flat_map(|p| p.notes.clone()))
        .collect();
    for n in scripts_notes {
        if !out.notes.contains(&n) {
            out.notes.push(n);
        }
    }
}

fn apply(out: &mut Instance, item: &Item) -> Result<(), String> {
    if let Some((key, what)) = NOTED.iter().find(|(k, _)| *k == item.key) {
        out.notes.push(format!(
            "keepalived.conf: {}: '{key}' accepted; {what}",
            out.name
        ));
        return Ok(());
    }
    match item.key.as_str() {
        // vrrp_parser.c vrrp_state_handler: BACKUP after MASTER is ignored.
        "state" => match one_arg(item)? {
            "MASTER" => out.state_master = true,
            "BACKUP" => {}
            other => return Err(format!("'state {other}' is not MASTER or BACKUP")),
        },
        "interface" => out.iface = Some(one_arg(item)?.to_string()),
        "virtual_router_id" => out.vrid = Some(number(item)?),
        "priority" => match number::<u8>(item)? {
            0 => return Err("'priority 0' is not in 1..255".into()),
            p => out.priority = Some(p),
        },
        "advert_int" => out.advert_int = Some(seconds(item)?),
        "version" => out.version = Some(vrrp_version(item)?),
        "nopreempt" => out.no_preempt = true,
        "preempt" => out.no_preempt = false,
        "preempt_delay" => out.preempt_delay = Some(seconds(item)?),
        "garp_master_repeat" => out.garp_repeat = Some(number(item)?),
        "garp_master_delay" => out.garp_delay = Some(seconds(item)?),
        // vrrp_parser.c vrrp_garp_refresh_handler / vrrp_garp_refresh_rep_handler.
        "garp_master_refresh" => match item.args.first().and_then(|a| a.parse::<u64>().ok()) {
            Some(n) => out.garp_refresh = Some(std::time::Duration::from_secs(n)),
            None => out.notes.push(format!(
                "keepalived.conf: {}: 'garp_master_refresh' needs whole seconds: keepalived ignores the line, so does vipflip",
                out.name
            )),
        },
        "garp_master_refresh_repeat" => out.garp_refresh_repeat = Some(number(item)?),
        "virtual_ipaddress" => virtual_ipaddress(out, item, false)?,
        "virtual_ipaddress_excluded" => virtual_ipaddress(out, item, true)?,
        "authentication" => authentication(out, item)?,
        // vrrp_parser.c: unicast_src_ip and mcast_src_ip share vrrp_srcip_handler.
        "unicast_src_ip" | "mcast_src_ip" => out.src_ip = Some(address(out, item, one_arg(item)?)?),
        "unicast_peer" => unicast_peers(out, item)?,
        "notify_master" => out.on_master = Some(notify(out, item)?),
        "notify_backup" => out.on_backup = Some(notify(out, item)?),
        "notify_fault" => out.on_fault = Some(notify(out, item)?),
        "notify_stop" => out.on_stop = Some(notify(out, item)?),
        "notify" => out.on_change = Some(notify(out, item)?),
        "use_vmac" => match item.args.as_slice() {
            [] => out.vmac = Some(String::new()),
            [name] => out.vmac = Some(name.clone()),
            _ => return Err("'use_vmac' takes at most one interface name".into()),
        },
        "track_interface" => track_interface(out, item)?,
        "dont_track_primary" => out.dont_track_primary = true,
        other => return Err(unsupported(other, INSTANCE_KEYWORDS)),
    }
    Ok(())
}

fn vrrp_version(item: &Item) -> Result<u8, String> {
    match number(item)? {
        v @ (2 | 3) => Ok(v),
        v => Err(format!("'version {v}' is not a VRRP version: use 2 or 3")),
    }
}

/// A notify script as keepalived runs it: `"CMD ARGS" [user [group]]`; vipflip runs it as
/// itself, which a note says (notify.c notify_script_init).
fn notify(out: &mut Instance, item: &Item) -> Result<Vec<String>, String> {
    let (argv, user) = script_command(&item.raw)?;
    if argv.is_empty() {
        return Err(format!("'{}' needs a script", item.key));
    }
    if !user.is_empty() {
        out.notes.push(format!(
            "keepalived.conf: {}: {} runs '{}' (keepalived reads '{}' as its user and group); vipflip runs it as itself",
            out.name,
            item.key,
            argv.join(" "),
            user.join(" ")
        ));
    }
    Ok(argv)
}

/// An address keepalived reads with inet_stosockaddr: a `/mask` is dropped.
fn address(out: &mut Instance, item: &Item, text: &str) -> Result<IpAddr, String> {
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (text, None),
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("'{}' has a bad address '{text}'", item.key))?;
    if mask.is_some() {
        out.notes.push(format!(
            "keepalived.conf: {}: {} '{text}' read as {ip}: the /mask is dropped, as keepalived does",
            out.name, item.key
        ));
    }
    Ok(ip)
}

/// `ADDR[/LEN] [dev IFACE] [brd X] [scope S] [label NAME]` lines (vrrp_ipaddress.c
/// parse_ipaddress); `excluded`: virtual_ipaddress_excluded, added with the VIPs but not
/// advertised (vrrp.c: the `evip` list).
fn virtual_ipaddress(out: &mut Instance, item: &Item, excluded: bool) -> Result<(), String> {
    for line in item.block.iter().flatten() {
        let vip: Vip = line
            .key
            .parse()
            .map_err(|e| format!("virtual_ipaddress on {}: {e}", line.loc))?;
        let mut rest = line.args.as_slice();
        while let [option, value, tail @ ..] = rest {
            let said = match option.as_str() {
                "dev" => {
                    out.vip_devs.retain(|(a, _)| *a != vip.addr);
                    out.vip_devs.push((vip.addr, value.clone()));
                    None
                }
                "label" => Some("'label' accepted; vipflip adds the address without it"),
                "brd" | "broadcast" => Some("'brd' accepted; vipflip adds the address without a broadcast address"),
                "scope" => Some("'scope' accepted; vipflip adds the address with global scope"),
                _ => return Err(format!("virtual_ipaddress on {}: '{option}' is not supported (only dev, brd, scope, label)", line.loc)),
            };
            if let Some(text) = said {
                let note = format!("keepalived.conf: {}: {text}", out.name);
                if !out.notes.contains(&note) {
                    out.notes.push(note);
                }
            }
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(format!(
                "virtual_ipaddress on {}: '{}' needs a value",
                line.loc,
                rest.join(" ")
            ));
        }
        if excluded {
            out.excluded_vips.push(vip);
        } else {
            out.vips.push(vip);
        }
    }
    Ok(())
}

/// One address per line; per-peer options (min_ttl, max_ttl) are not supported.
fn unicast_peers(out: &mut Instance, item: &Item) -> Result<(), String> {
    for line in item.block.iter().flatten() {
        if !line.args.is_empty() {
            return Err(format!(
                "unicast_peer on {}: only an address per line is supported",
                line.loc
            ));
        }
        let peer = address(out, line, &line.key).map_err(|_| {
            format!(
                "unicast_peer on {}: '{}' is not an address",
                line.loc, line.key
            )
        })?;
        out.unicast_peers.push(peer);
    }
    Ok(())
}

/// `track_interface { NAME [weight W [reverse]] }` (vrrp_track.c alloc_track_if).
fn track_interface(out: &mut Instance, item: &Item) -> Result<(), String> {
    for line in item.block.iter().flatten() {
        let (weight, reverse) = match line.args.split_first() {
            None => (0, false),
            Some((w, rest)) if w == "weight" => weight(rest, "weight")
                .map_err(|e| format!("track_interface on {}: {e}", line.loc))?,
            Some((other, _)) => {
                return Err(format!(
                    "track_interface on {}: '{other}' is not 'weight'",
                    line.loc
                ))
            }
        };
        if out.track_ifaces.iter().any(|t| t.name == line.key) {
            continue; // keepalived: "duplicate track_interface - ignoring"
        }
        out.track_ifaces.push(TrackedIface {
            name: line.key.clone(),
            weight,
            reverse,
        });
    }
    Ok(())
}

/// `auth_type PASS` and `auth_pass`: keepalived keeps the first 8 characters of a longer
/// password (vrrp_parser.c vrrp_auth_pass_handler: "Truncating auth_pass").
fn authentication(out: &mut Instance, item: &Item) -> Result<(), String> {
    let mut kind = None;
    for line in item.block.iter().flatten() {
        match (line.key.as_str(), line.args.as_slice()) {
            ("auth_type", [t]) => kind = Some(t.clone()),
            ("auth_pass", [p]) => {
                let kept: String = p.chars().take(8).collect();
                if kept.len() < p.len() {
                    out.notes.push(format!("keepalived.conf: {}: auth_pass '{p}' is longer than 8 characters: keepalived and vipflip use its first 8, '{kept}'", out.name));
                }
                out.auth_pass = Some(kept);
            }
            (key, _) => {
                return Err(format!(
                    "authentication '{key}' is not supported by vipflip"
                ))
            }
        }
    }
    match kind.as_deref() {
        Some("PASS") | None => Ok(()),
        Some("AH") => Err("auth_type AH is not supported by vipflip (only PASS)".into()),
        // vrrp_parser.c vrrp_auth_type_handler: anything else is "unknown authentication
        // type" and keepalived runs without authentication, which vipflip will not guess.
        Some(other) => Err(format!(
            "auth_type '{other}' is neither PASS nor AH: keepalived would log an error and run without authentication; write PASS (without a ';'), or remove the authentication block"
        )),
    }
}

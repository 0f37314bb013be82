//! Reads keepalived.conf as keepalived 2.2.7 does (its lexer in lexer.rs, its keywords
//! here, each citing the keepalived source it follows) and says what vipflip runs: every
//! `vrrp_instance` with its `vrrp_script`s, tracked interfaces and notify scripts, the
//! `vrrp_sync_group`s, and the `global_defs` that change something. What keepalived does
//! and vipflip deliberately does differently is a note `--check` prints; what vipflip
//! cannot do is a problem, all of them named at once with their lines. Pure: takes the text
//! and, for `include`, a `Files`.

mod instance;
pub mod lexer;
mod process;
mod script;

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use lexer::Item;
pub use lexer::{Files, Loc, NoFiles};
pub use process::TrackedProcess;
pub use script::Script;

use crate::vip::Vip;

/// A whole keepalived.conf: its instances (file order), sync groups, and notes that
/// concern the file as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conf {
    pub instances: Vec<Instance>,
    pub sync_groups: Vec<SyncGroup>,
    pub notes: Vec<String>,
}

/// `vrrp_sync_group NAME { group { A B } notify_* ... }`: members move together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncGroup {
    pub name: String,
    pub members: Vec<String>,
    /// sync_group_tracking_weight: members keep their weighted tracking.
    pub tracking_weight: bool,
    /// The group's notify scripts, run on the group's state (vrrp_notify.c
    /// send_group_notifies): notify_master/backup/fault/stop as written, notify with
    /// `GROUP NAME STATE 0`.
    pub hooks: GroupHooks,
}

/// A sync group's notify scripts, as argv.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupHooks {
    pub on_master: Option<Vec<String>>,
    pub on_backup: Option<Vec<String>>,
    pub on_fault: Option<Vec<String>>,
    pub on_stop: Option<Vec<String>>,
    pub on_change: Option<Vec<String>>,
}

impl GroupHooks {
    pub fn any(&self) -> bool {
        [
            &self.on_master,
            &self.on_backup,
            &self.on_fault,
            &self.on_stop,
            &self.on_change,
        ]
        .iter()
        .any(|h| h.is_some())
    }
}

/// What a `vrrp_instance` says, as keepalived completes it (vrrp.c vrrp_complete_instance).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    pub iface: Option<String>,
    pub vrid: Option<u8>,
    /// The priority keepalived runs with: the `priority` line, or derived from `state`.
    pub priority: Option<u8>,
    /// `state MASTER`: keepalived's shorter first wait, and no nopreempt.
    pub state_master: bool,
    pub advert_int: Option<Duration>,
    pub vips: Vec<Vip>,
    /// virtual_ipaddress_excluded: added and removed with the VIPs, not in adverts.
    pub excluded_vips: Vec<Vip>,
    /// `dev X` on an address: the device it goes on when it is not the interface.
    pub vip_devs: Vec<(IpAddr, String)>,
    pub auth_pass: Option<String>,
    pub no_preempt: bool,
    pub preempt_delay: Option<Duration>,
    pub version: Option<u8>,
    pub garp_repeat: Option<u32>,
    pub garp_delay: Option<Duration>,
    /// garp_master_refresh (or global_defs vrrp_garp_master_refresh): 0 is never.
    pub garp_refresh: Option<Duration>,
    pub garp_refresh_repeat: Option<u32>,
    pub unicast_peers: Vec<IpAddr>,
    /// unicast_src_ip or mcast_src_ip: the address adverts come from.
    pub src_ip: Option<IpAddr>,
    /// The tracked `vrrp_script`s, each with its own settings and weight.
    pub scripts: Vec<Script>,
    /// The tracked `vrrp_track_process`es.
    pub processes: Vec<TrackedProcess>,
    /// notify_master / notify_backup / notify_fault / notify_stop: argv, run as written.
    pub on_master: Option<Vec<String>>,
    pub on_backup: Option<Vec<String>>,
    pub on_fault: Option<Vec<String>>,
    pub on_stop: Option<Vec<String>>,
    /// notify: argv, run with `INSTANCE NAME STATE PRIORITY` appended.
    pub on_change: Option<Vec<String>>,
    /// track_interface: fault while one is down (weight 0), or a priority change.
    pub track_ifaces: Vec<TrackedIface>,
    /// use_vmac: the virtual MAC interface's name, empty for the default.
    pub vmac: Option<String>,
    /// The sync group this instance is a member of, and that group's notify scripts.
    pub sync_group: Option<String>,
    pub group_hooks: GroupHooks,
    /// dont_track_primary: no fault while the interface is down.
    pub dont_track_primary: bool,
    /// Keywords accepted that change nothing vipflip does, or that vipflip does
    /// differently from keepalived, each named once.
    pub notes: Vec<String>,
    /// Its own lines read without a problem.
    pub clean: bool,
}

/// One `track_interface` line: `NAME [weight W [reverse]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedIface {
    pub name: String,
    pub weight: i32,
    pub reverse: bool,
}

/// Problems in the file, each with where it was written; `line` 0 means the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfError {
    pub problems: Vec<(Loc, String)>,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .problems
            .iter()
            .map(|(loc, msg)| {
                if loc.line == 0 {
                    msg.clone()
                } else {
                    format!("{loc}: {msg}")
                }
            })
            .collect();
        write!(f, "{}", parts.join("; "))
    }
}

fn problem(msg: impl Into<String>) -> ConfError {
    ConfError {
        problems: vec![(Loc::default(), msg.into())],
    }
}

/// The whole file: every instance, every sync group; all problems at once.
pub fn parse(text: &str, path: Option<&Path>, files: &dyn Files) -> Result<Conf, ConfError> {
    let (conf, problems) = read(text, path, files)?;
    if problems.is_empty() {
        Ok(conf)
    } else {
        Err(ConfError { problems })
    }
}

/// The file as far as it reads, and its problems: a caller can go on with the instances
/// that read cleanly (`Instance::clean`) to name their problems too, all at once.
pub fn read(
    text: &str,
    path: Option<&Path>,
    files: &dyn Files,
) -> Result<(Conf, Vec<(Loc, String)>), ConfError> {
    let items = lexer::parse(text, path, files).map_err(|problems| ConfError { problems })?;
    let mut problems = Vec::new();
    let mut conf = Conf::default();
    let mut globals = Globals::default();
    let scripts: Vec<&Item> = items.iter().filter(|i| i.key == "vrrp_script").collect();
    let processes: Vec<&Item> = items
        .iter()
        .filter(|i| i.key == "vrrp_track_process")
        .collect();
    for item in &items {
        if item.key == "global_defs" {
            global_defs(item, &mut globals, &mut conf.notes, &mut problems);
        }
    }
    let mut lvs = Vec::new();
    for item in &items {
        match item.key.as_str() {
            "global_defs" | "vrrp_script" | "vrrp_track_process" => {}
            "vrrp_instance" => {
                let (mut inst, found) = instance::read(item, &scripts, &processes, &globals);
                inst.clean = found.is_empty();
                problems.extend(found);
                conf.instances.push(inst);
            }
            "vrrp_sync_group" => match sync_group(item) {
                Ok(group) => conf.sync_groups.push(group),
                Err(found) => problems.extend(found),
            },
            key if LVS.contains(&key) => lvs.push(item.loc.clone()),
            other => problems.push((item.loc.clone(), unsupported(other, TOP_KEYWORDS))),
        }
    }
    for loc in lvs {
        problems.push((loc, "LVS ('virtual_server', 'virtual_server_group', 'local_address_group', 'lvs_*') is not supported by vipflip: vipflip moves VIPs and does no load balancing; run keepalived (or ipvsadm) for the LVS part and vipflip for the VRRP part, or keep keepalived".into()));
    }
    for script in &scripts {
        if let Err(e) = script::read(script) {
            problems.push(e);
        }
    }
    for block in &processes {
        if let Err(e) = process::read(block) {
            problems.push(e);
        }
    }
    join_sync_groups(&mut conf, &mut problems);
    if conf.instances.is_empty() && problems.is_empty() {
        problems.push((Loc::default(), "no vrrp_instance in the file".into()));
    }
    Ok((conf, problems))
}

/// The `vrrp_instance` named `name`, or the only one, of a file given as text.
pub fn instance(text: &str, name: Option<&str>) -> Result<Instance, ConfError> {
    choose(parse(text, None, &NoFiles)?, name)
}

/// The instance `name`, or the only one; its file-wide notes come with it.
pub fn choose(conf: Conf, name: Option<&str>) -> Result<Instance, ConfError> {
    let names: Vec<String> = conf.instances.iter().map(|i| i.name.clone()).collect();
    let count = conf.instances.len();
    let mut chosen = match name {
        Some(want) => conf
            .instances
            .into_iter()
            .find(|i| i.name == want)
            .ok_or_else(|| {
                problem(format!(
                    "no vrrp_instance named '{want}' (found: {})",
                    names.join(", ")
                ))
            })?,
        None if count == 1 => conf.instances.into_iter().next().unwrap_or_default(),
        None => {
            return Err(problem(format!(
                "{count} vrrp_instance blocks ({}): choose one with --instance",
                names.join(", ")
            )))
        }
    };
    let mut notes = conf.notes;
    notes.append(&mut chosen.notes);
    chosen.notes = notes;
    Ok(chosen)
}

/// What global_defs changes for the instances.
#[derive(Debug, Clone, Default)]
struct Globals {
    /// vrrp_version: the default of every instance's `version`.
    version: Option<u8>,
    /// vrrp_garp_master_refresh and _repeat: the instances' defaults (global_parser.c).
    garp_refresh: Option<Duration>,
    garp_refresh_repeat: Option<u32>,
}

/// global_defs keywords that change nothing on the wire: names in logs, mail, who runs
/// scripts (vipflip runs them as itself), keepalived's own GARP pacing and its process
/// scheduling.
const HARMLESS_GLOBALS: &[&str] = &[
    "router_id",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_connect_timeout",
    "smtp_helo_name",
    "enable_script_security",
    "script_user",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_skip_check_adv_addr",
    "vrrp_strict",
    "max_auto_priority",
    "vrrp_no_swap",
    "checker_no_swap",
    "vrrp_priority",
    "checker_priority",
    "vrrp_rt_priority",
    "checker_rt_priority",
    "lvs_id",
    "dynamic_interfaces",
    "vrrp_iptables",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
];

/// Top-level keywords, for "did you mean".
const TOP_KEYWORDS: &[&str] = &[
    "global_defs",
    "vrrp_instance",
    "vrrp_script",
    "vrrp_sync_group",
    "include",
];

/// keepalived's LVS sections: refused together with one explanation.
const LVS: &[&str] = &[
    "virtual_server",
    "virtual_server_group",
    "local_address_group",
    "lvs_sync_daemon",
];

/// Harmless global_defs keywords go into one note; vrrp_version sets the default
/// version (global_parser.c vrrp_version_handler); the others are problems.
fn global_defs(
    item: &Item,
    globals: &mut Globals,
    notes: &mut Vec<String>,
    problems: &mut Vec<(Loc, String)>,
) {
    let mut accepted: Vec<String> = Vec::new();
    for i in item.block.iter().flatten() {
        match i.key.as_str() {
            "vrrp_version" => match i.args.first().map(String::as_str) {
                Some("2") => globals.version = Some(2),
                Some("3") => globals.version = Some(3),
                _ => problems.push((
                    i.loc.clone(),
                    "global_defs 'vrrp_version' must be 2 or 3".into(),
                )),
            },
            // global_parser.c vrrp_garp_refresh_handler: whole seconds; anything else is
            // "Invalid ... - ignoring" and no refresh.
            "vrrp_garp_master_refresh" => match i.args.first().and_then(|a| a.parse::<u64>().ok()) {
                Some(n) => globals.garp_refresh = Some(Duration::from_secs(n)),
                None => notes.push(format!(
                    "keepalived.conf: global_defs 'vrrp_garp_master_refresh{}' is not whole seconds: keepalived ignores it (no refresh), so does vipflip",
                    i.args.first().map(|a| format!(" {a}")).unwrap_or_default()
                )),
            },
            "vrrp_garp_master_refresh_repeat" => match number(i) {
                Ok(n) => globals.garp_refresh_repeat = Some(n),
                Err(e) => problems.push((i.loc.clone(), format!("global_defs {e}"))),
            },
            "vrrp_mcast_group4" | "vrrp_mcast_group6" => problems.push((
                i.loc.clone(),
                format!("global_defs '{}' is not supported by vipflip: adverts go to the RFC's group (224.0.0.18, ff02::12)", i.key),
            )),
            key if HARMLESS_GLOBALS.contains(&key) || key.starts_with("lvs_") => {
                if !accepted.contains(&i.key) {
                    accepted.push(i.key.clone());
                }
            }
            key => {
                let why = unsupported(key, HARMLESS_GLOBALS);
                problems.push((i.loc.clone(), format!("global_defs {why}")));
            }
        }
    }
    if !accepted.is_empty() {
        notes.push(format!(
            "keepalived.conf: global_defs {} accepted; they change nothing vipflip does",
            accepted.join(", ")
        ));
    }
}

/// `vrrp_sync_group NAME { group { MEMBER ... } ... }` (vrrp_parser.c vrrp_sync_group_handler).
fn sync_group(item: &Item) -> Result<SyncGroup, Vec<(Loc, String)>> {
    let mut group = SyncGroup {
        name: item.args.first().cloned().unwrap_or_default(),
        ..SyncGroup::default()
    };
    let mut problems = Vec::new();
    for line in item.block.iter().flatten() {
        match line.key.as_str() {
            "group" => {
                for member in line.block.iter().flatten() {
                    group.members.push(member.key.clone());
                    group.members.extend(member.args.iter().cloned());
                }
            }
            "notify_master" | "notify_backup" | "notify_fault" | "notify_stop" | "notify" => {
                match lexer::script_command(&line.raw) {
                    Ok((argv, _)) if !argv.is_empty() => {
                        let slot = match line.key.as_str() {
                            "notify_master" => &mut group.hooks.on_master,
                            "notify_backup" => &mut group.hooks.on_backup,
                            "notify_fault" => &mut group.hooks.on_fault,
                            "notify_stop" => &mut group.hooks.on_stop,
                            _ => &mut group.hooks.on_change,
                        };
                        *slot = Some(argv);
                    }
                    Ok(_) => problems.push((line.loc.clone(), format!("vrrp_sync_group {}: '{}' needs a script", group.name, line.key))),
                    Err(e) => problems.push((line.loc.clone(), format!("vrrp_sync_group {}: {e}", group.name))),
                }
            }
            // vrrp_parser.c vrrp_gglobal_tracking_handler / vrrp_sg_tracking_weight_handler.
            "sync_group_tracking_weight" | "global_tracking" => group.tracking_weight = true,
            "smtp_alert" => {}
            other if line.args.is_empty() && line.block.is_none() => problems.push((
                line.loc.clone(),
                format!("vrrp_sync_group {}: '{other}' is not a keyword; members go in 'group {{ ... }}' (keepalived ignores this line and the group has no such member)", group.name),
            )),
            other => problems.push((
                line.loc.clone(),
                format!(
                    "vrrp_sync_group {}: {}",
                    group.name,
                    unsupported(other, &["group"])
                ),
            )),
        }
    }
    if problems.is_empty() {
        Ok(group)
    } else {
        Err(problems)
    }
}

/// Marks each member with its group. keepalived ignores weighted tracking in a sync group
/// (vrrp.c vrrp_complete_instance: "ignoring tracked script ... with weights due to SYNC
/// group", tracked interfaces' weights set to 0) unless sync_group_tracking_weight is set.
fn join_sync_groups(conf: &mut Conf, problems: &mut Vec<(Loc, String)>) {
    for group in &conf.sync_groups {
        for member in &group.members {
            let Some(inst) = conf.instances.iter_mut().find(|i| &i.name == member) else {
                problems.push((
                    Loc::default(),
                    format!(
                        "vrrp_sync_group {}: there is no vrrp_instance '{member}'",
                        group.name
                    ),
                ));
                continue;
            };
            inst.sync_group = Some(group.name.clone());
            inst.group_hooks = group.hooks.clone();
            if group.tracking_weight {
                continue;
            }
            let weighted: Vec<String> = inst
                .scripts
                .iter()
                .filter(|s| s.weight != 0)
                .map(|s| s.name.clone())
                .collect();
            inst.scripts.retain(|s| s.weight == 0);
            inst.processes.retain(|p| p.weight == 0);
            if !weighted.is_empty() {
                inst.notes.push(format!("keepalived.conf: {}: tracked script(s) {} with weights ignored, as keepalived does in a vrrp_sync_group (vrrp.c vrrp_complete_instance)", inst.name, weighted.join(", ")));
            }
            for t in &mut inst.track_ifaces {
                t.weight = 0;
            }
        }
    }
}

/// Keywords keepalived knows and vipflip does not run, with what to do instead.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("virtual_routes", "add them in an --on-master hook"),
    ("virtual_rules", "add them in an --on-master hook"),
    ("track_file", "use a vrrp_script 'test -e FILE'"),
    ("track_bfd", "use a vrrp_script that asks your BFD daemon"),
    ("static_ipaddress", "add them with ip(8) at boot"),
    ("static_routes", "add them with ip(8) at boot"),
    ("static_rules", "add them with ip(8) at boot"),
];

/// "'KEY' is not supported by vipflip", with what to use instead or the keyword meant.
fn unsupported(key: &str, known: &[&str]) -> String {
    if let Some((_, instead)) = UNSUPPORTED.iter().find(|(k, _)| *k == key) {
        return format!("'{key}' is not supported by vipflip: {instead}");
    }
    match did_you_mean(key, known) {
        Some(meant) => format!("'{key}' is not a keyword vipflip knows; did you mean '{meant}'?"),
        None => format!("'{key}' is not supported by vipflip"),
    }
}

/// The known keyword at most two edits from `key` (one for short words), if there is one.
fn did_you_mean<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let most = if key.len() <= 5 { 1 } else { 2 };
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= most)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j] + 1).min(row[j + 1] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn one_arg(item: &Item) -> Result<&str, String> {
    match item.args.as_slice() {
        [value] => Ok(value),
        _ => Err(format!("'{}' takes one value", item.key)),
    }
}

fn number<T: std::str::FromStr>(item: &Item) -> Result<T, String> {
    let value = one_arg(item)?;
    value
        .parse()
        .map_err(|_| format!("'{}' has a bad value '{value}'", item.key))
}

/// keepalived writes times as seconds, possibly fractional ("0.1").
fn seconds(item: &Item) -> Result<Duration, String> {
    let value: f64 = number(item)?;
    if !(0.0..=65535.0).contains(&value) {
        return Err(format!("'{}' is out of range", item.key));
    }
    Ok(Duration::from_micros((value * 1_000_000.0).round() as u64))
}

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;

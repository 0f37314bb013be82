//! Reads the part of keepalived.conf that vipflip can run: one `vrrp_instance` with the
//! keywords of the usual VIP setup, the `vrrp_script`s it tracks, its notify scripts, and
//! the `global_defs` that change nothing on the wire (each named once in a note). Anything
//! else is named, with its line number (and a "did you mean" for a misspelt keyword), in
//! one error: a setting silently ignored is a surprise on the bad day. Pure: takes the text.

use std::fmt;
use std::time::Duration;

use crate::vip::Vip;

/// A keyword with its arguments and, if it opens one, its block.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    line: usize,
    key: String,
    args: Vec<String>,
    block: Option<Vec<Item>>,
}

/// What a `vrrp_instance` says, as vipflip's flags would.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    pub iface: Option<String>,
    pub vrid: Option<u8>,
    pub priority: Option<u8>,
    pub advert_int: Option<Duration>,
    pub vips: Vec<Vip>,
    pub auth_pass: Option<String>,
    pub no_preempt: bool,
    pub preempt_delay: Option<Duration>,
    pub version: Option<u8>,
    pub garp_repeat: Option<u32>,
    pub garp_delay: Option<Duration>,
    pub unicast_peers: Vec<std::net::IpAddr>,
    pub unicast_src: Option<std::net::IpAddr>,
    /// The tracked `vrrp_script`s, as --track-cmd and its settings.
    pub track: ScriptTrack,
    /// notify_master / notify_backup / notify_fault / notify_stop / notify.
    pub on_master: Option<String>,
    pub on_backup: Option<String>,
    pub on_fault: Option<String>,
    pub on_stop: Option<String>,
    pub on_change: Option<String>,
    /// track_interface: fault while one of these is down.
    pub track_ifaces: Vec<String>,
    /// use_vmac: the virtual MAC interface's name, empty for the default.
    pub vmac: Option<String>,
    /// Keywords accepted that change nothing vipflip does, each named once.
    pub notes: Vec<String>,
}

/// What `track_script` brings: the scripts' commands and the settings they share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptTrack {
    pub cmds: Vec<String>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub rise: Option<u32>,
    pub fall: Option<u32>,
    /// keepalived's weight: below 0 lowers the priority while failing, above 0 raises it
    /// while passing, 0 (the default) sends the instance to fault.
    pub weight: Option<i32>,
}

/// A problem in the file; `line` 0 means the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfError {
    pub problems: Vec<(usize, String)>,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .problems
            .iter()
            .map(|(line, msg)| {
                if *line == 0 {
                    msg.clone()
                } else {
                    format!("line {line}: {msg}")
                }
            })
            .collect();
        write!(f, "{}", parts.join("; "))
    }
}

fn problem(line: usize, msg: impl Into<String>) -> ConfError {
    ConfError {
        problems: vec![(line, msg.into())],
    }
}

/// Words of one line, with `{` and `}` split off and comments (`#`, `!`) dropped.
fn words(line: &str) -> Vec<String> {
    let code = line.split(['#', '!']).next().unwrap_or("");
    let spaced = code.replace('{', " { ").replace('}', " } ");
    spaced
        .split_whitespace()
        .map(|w| w.trim_matches('"').to_string())
        .collect()
}

/// The items of the whole file, nested by braces.
fn parse_items(text: &str) -> Result<Vec<Item>, ConfError> {
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let mut rest = words(line);
        while !rest.is_empty() {
            if rest[0] == "}" {
                rest.remove(0);
                let block = stack
                    .pop()
                    .filter(|_| !stack.is_empty())
                    .ok_or_else(|| problem(line_no, "'}' without a matching '{'"))?;
                let parent = stack.last_mut().and_then(|items| items.last_mut());
                match parent {
                    Some(item) => item.block = Some(block),
                    None => return Err(problem(line_no, "'}' without a matching '{'")),
                }
                continue;
            }
            let open = rest.iter().position(|w| w == "{" || w == "}");
            let (head, tail) = match open {
                Some(i) => (rest[..i].to_vec(), rest[i..].to_vec()),
                None => (rest.clone(), Vec::new()),
            };
            if let Some((key, args)) = head.split_first() {
                if let Some(items) = stack.last_mut() {
                    items.push(Item {
                        line: line_no,
                        key: key.clone(),
                        args: args.to_vec(),
                        block: None,
                    });
                }
            }
            rest = tail;
            if rest.first().map(String::as_str) == Some("{") {
                rest.remove(0);
                stack.push(Vec::new());
            }
        }
    }
    if stack.len() != 1 {
        return Err(problem(0, "a '{' is never closed"));
    }
    Ok(stack.pop().unwrap_or_default())
}

/// The `vrrp_instance` named `name`, or the only one.
pub fn instance(text: &str, name: Option<&str>) -> Result<Instance, ConfError> {
    let items = parse_items(text)?;
    let mut problems = Vec::new();
    let mut instances = Vec::new();
    let mut scripts = Vec::new();
    let mut notes = Vec::new();
    for item in &items {
        match item.key.as_str() {
            "vrrp_instance" => instances.push(item),
            "vrrp_script" => scripts.push(item),
            "global_defs" => problems.extend(global_defs(item, &mut notes)),
            other => problems.push((item.line, unsupported(other, TOP_KEYWORDS))),
        }
    }
    let chosen = choose(&instances, name)?;
    let mut out = Instance {
        name: chosen.args.first().cloned().unwrap_or_default(),
        notes,
        ..Instance::default()
    };
    for item in chosen.block.iter().flatten() {
        let applied = match item.key.as_str() {
            "track_script" => track_script(&mut out, item, &scripts),
            _ => apply(&mut out, item),
        };
        if let Err(msg) = applied {
            problems.push((item.line, msg));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ConfError { problems })
    }
}

/// global_defs keywords that change nothing on the wire: names in logs, mail, who runs
/// scripts (vipflip runs them as itself), keepalived's own GARP pacing.
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
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_skip_check_adv_addr",
    "vrrp_strict",
];

/// Top-level keywords, for "did you mean".
const TOP_KEYWORDS: &[&str] = &["global_defs", "vrrp_instance", "vrrp_script"];

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
    "virtual_ipaddress",
    "authentication",
    "unicast_src_ip",
    "unicast_peer",
    "track_script",
    "track_interface",
    "use_vmac",
    "vmac_xmit_base",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "smtp_alert",
];

/// Keywords keepalived knows and vipflip does not run, with what to do instead.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("virtual_routes", "add them in an --on-master hook"),
    ("virtual_rules", "add them in an --on-master hook"),
    (
        "virtual_ipaddress_excluded",
        "add them in an --on-master hook",
    ),
    ("track_file", "use --track-cmd 'test -e FILE' or a script"),
    ("track_process", "use --track-cmd 'pidof NAME'"),
    ("vrrp_sync_group", "run one vipflip per instance"),
    ("virtual_server", "vipflip does no load balancing (LVS)"),
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

/// Harmless global_defs keywords go into one note; the others are problems.
fn global_defs(item: &Item, notes: &mut Vec<String>) -> Vec<(usize, String)> {
    let mut accepted = Vec::new();
    let mut problems = Vec::new();
    for i in item.block.iter().flatten() {
        if HARMLESS_GLOBALS.contains(&i.key.as_str()) {
            if !accepted.contains(&i.key) {
                accepted.push(i.key.clone());
            }
        } else {
            let why = unsupported(&i.key, HARMLESS_GLOBALS);
            problems.push((i.line, format!("global_defs {why}")));
        }
    }
    if !accepted.is_empty() {
        notes.push(format!(
            "keepalived.conf: global_defs {} accepted; they change nothing vipflip does",
            accepted.join(", ")
        ));
    }
    problems
}

/// `track_script { NAME [weight N] ... }`: each named `vrrp_script` becomes a --track-cmd.
fn track_script(out: &mut Instance, item: &Item, scripts: &[&Item]) -> Result<(), String> {
    for line in item.block.iter().flatten() {
        let script = scripts
            .iter()
            .find(|s| s.args.first() == Some(&line.key))
            .ok_or_else(|| {
                format!(
                    "track_script '{}': there is no vrrp_script of that name",
                    line.key
                )
            })?;
        let mut weight = None;
        match line.args.as_slice() {
            [] => {}
            [w, n] if w == "weight" => {
                weight =
                    Some(n.parse::<i32>().map_err(|_| {
                        format!("track_script on line {}: bad weight '{n}'", line.line)
                    })?)
            }
            _ => {
                return Err(format!(
                    "track_script on line {}: only 'NAME [weight N]' is supported",
                    line.line
                ))
            }
        }
        vrrp_script(out, script, weight)?;
    }
    Ok(())
}

/// One `vrrp_script` block into `out.track`; its settings must agree with the others',
/// since vipflip runs every check with one interval, timeout, rise, fall and weight.
fn vrrp_script(
    out: &mut Instance,
    script: &Item,
    weight_override: Option<i32>,
) -> Result<(), String> {
    let name = script.args.first().cloned().unwrap_or_default();
    let mut cmd = None;
    let mut found = ScriptTrack::default();
    for line in script.block.iter().flatten() {
        match line.key.as_str() {
            "script" if !line.args.is_empty() => cmd = Some(line.args.join(" ")),
            "interval" => found.interval = Some(seconds(line)?),
            "timeout" => found.timeout = Some(seconds(line)?),
            "rise" => found.rise = Some(number(line)?),
            "fall" => found.fall = Some(number(line)?),
            "weight" => found.weight = Some(number(line)?),
            "user" => out.notes.push(format!(
                "keepalived.conf: vrrp_script {name} 'user' accepted; vipflip runs it as itself"
            )),
            other => {
                return Err(format!(
                    "vrrp_script {name} on line {}: {}",
                    line.line,
                    unsupported(
                        other,
                        &["script", "interval", "timeout", "rise", "fall", "weight", "user"]
                    )
                ))
            }
        }
    }
    let cmd =
        cmd.ok_or_else(|| format!("vrrp_script {name} (line {}) has no script", script.line))?;
    found.weight = weight_override.or(found.weight);
    let track = &mut out.track;
    merge(
        &mut track.interval,
        found.interval,
        &name,
        "interval",
        "--track-interval",
    )?;
    merge(
        &mut track.timeout,
        found.timeout,
        &name,
        "timeout",
        "--track-timeout",
    )?;
    merge(&mut track.rise, found.rise, &name, "rise", "--track-rise")?;
    merge(&mut track.fall, found.fall, &name, "fall", "--track-fall")?;
    merge(
        &mut track.weight,
        Some(found.weight.unwrap_or(0)),
        &name,
        "weight",
        "--track-weight",
    )?;
    track.cmds.push(cmd);
    Ok(())
}

/// Takes `value` for a setting all tracked scripts share, or says they differ.
fn merge<T: PartialEq + fmt::Debug + Copy>(
    have: &mut Option<T>,
    value: Option<T>,
    script: &str,
    key: &str,
    flag: &str,
) -> Result<(), String> {
    match (*have, value) {
        (Some(a), Some(b)) if a != b => Err(format!(
            "vrrp_script {script}: {key} differs from another tracked script's; vipflip runs every check with one {flag}"
        )),
        (None, v) => {
            *have = v;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn choose<'a>(instances: &[&'a Item], name: Option<&str>) -> Result<&'a Item, ConfError> {
    let names: Vec<String> = instances
        .iter()
        .map(|i| i.args.first().cloned().unwrap_or_default())
        .collect();
    match name {
        Some(want) => instances
            .iter()
            .find(|i| i.args.first().map(String::as_str) == Some(want))
            .copied()
            .ok_or_else(|| {
                problem(
                    0,
                    format!(
                        "no vrrp_instance named '{want}' (found: {})",
                        names.join(", ")
                    ),
                )
            }),
        None => match instances {
            [only] => Ok(only),
            [] => Err(problem(0, "no vrrp_instance in the file")),
            _ => Err(problem(
                0,
                format!(
                    "{} vrrp_instance blocks ({}): choose one with --instance",
                    instances.len(),
                    names.join(", ")
                ),
            )),
        },
    }
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

fn vrrp_version(item: &Item) -> Result<u8, String> {
    match number(item)? {
        v @ (2 | 3) => Ok(v),
        v => Err(format!("'version {v}' is not a VRRP version: use 2 or 3")),
    }
}

fn apply(out: &mut Instance, item: &Item) -> Result<(), String> {
    match item.key.as_str() {
        // keepalived also starts every node as backup; `state` only names the intent.
        "state" => match one_arg(item)? {
            "MASTER" | "BACKUP" => {}
            other => return Err(format!("'state {other}' is not MASTER or BACKUP")),
        },
        "interface" => out.iface = Some(one_arg(item)?.to_string()),
        "virtual_router_id" => out.vrid = Some(number(item)?),
        "priority" => out.priority = Some(number(item)?),
        "advert_int" => out.advert_int = Some(seconds(item)?),
        "version" => out.version = Some(vrrp_version(item)?),
        "nopreempt" => out.no_preempt = true,
        "preempt" => out.no_preempt = false,
        "preempt_delay" => out.preempt_delay = Some(seconds(item)?),
        "garp_master_repeat" => out.garp_repeat = Some(number(item)?),
        "garp_master_delay" => out.garp_delay = Some(seconds(item)?),
        "virtual_ipaddress" => virtual_ipaddress(out, item)?,
        "authentication" => authentication(out, item)?,
        "unicast_src_ip" => {
            let value = one_arg(item)?;
            out.unicast_src = Some(
                value
                    .parse()
                    .map_err(|_| format!("'unicast_src_ip' has a bad address '{value}'"))?,
            );
        }
        "unicast_peer" => unicast_peers(out, item)?,
        "notify_master" => out.on_master = Some(script_arg(item)?),
        "notify_backup" => out.on_backup = Some(script_arg(item)?),
        "notify_fault" => out.on_fault = Some(script_arg(item)?),
        "notify_stop" => out.on_stop = Some(script_arg(item)?),
        "notify" => out.on_change = Some(script_arg(item)?),
        "smtp_alert" => out.notes.push(
            "keepalived.conf: smtp_alert accepted; vipflip sends no mail (use an --on-change hook)"
                .into(),
        ),
        "use_vmac" => match item.args.as_slice() {
            [] => out.vmac = Some(String::new()),
            [name] => out.vmac = Some(name.clone()),
            _ => return Err("'use_vmac' takes at most one interface name".into()),
        },
        "vmac_xmit_base" => out.notes.push(
            "keepalived.conf: vmac_xmit_base accepted; vipflip sends adverts from the virtual MAC interface, and from the base interface in unicast mode".into(),
        ),
        "track_interface" => {
            for line in item.block.iter().flatten() {
                if !line.args.is_empty() {
                    return Err(format!("track_interface on line {}: a weight is not supported (the node goes to fault while the interface is down)", line.line));
                }
                out.track_ifaces.push(line.key.clone());
            }
        }
        other => return Err(unsupported(other, INSTANCE_KEYWORDS)),
    }
    Ok(())
}

/// A notify script: the command, as keepalived runs it (quotes already dropped).
fn script_arg(item: &Item) -> Result<String, String> {
    if item.args.is_empty() {
        return Err(format!("'{}' needs a script", item.key));
    }
    Ok(item.args.join(" "))
}

/// `ADDR[/LEN] [dev IFACE] [label NAME]` lines; other options (scope, brd...) are not
/// supported. A label names the address in `ip addr` only: accepted, noted.
fn virtual_ipaddress(out: &mut Instance, item: &Item) -> Result<(), String> {
    for line in item.block.iter().flatten() {
        let vip: Vip = line
            .key
            .parse()
            .map_err(|e| format!("virtual_ipaddress on line {}: {e}", line.line))?;
        let mut rest = line.args.as_slice();
        while let [option, value, tail @ ..] = rest {
            match option.as_str() {
                "dev" if out.iface.as_deref().is_none_or(|i| i == value) => {}
                "label" => {
                    let note = "keepalived.conf: 'label' on a virtual_ipaddress accepted; vipflip adds the address without it".to_string();
                    if !out.notes.contains(&note) {
                        out.notes.push(note);
                    }
                }
                _ => break,
            }
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(format!("virtual_ipaddress on line {}: only 'ADDR/LEN' with 'dev' (the instance's interface) and 'label' is supported", line.line));
        }
        out.vips.push(vip);
    }
    Ok(())
}

/// One address per line; per-peer options (min_ttl, max_ttl) are not supported.
fn unicast_peers(out: &mut Instance, item: &Item) -> Result<(), String> {
    for line in item.block.iter().flatten() {
        let peer = line.key.parse().map_err(|_| {
            format!(
                "unicast_peer on line {}: '{}' is not an address",
                line.line, line.key
            )
        })?;
        if !line.args.is_empty() {
            return Err(format!(
                "unicast_peer on line {}: only an address per line is supported",
                line.line
            ));
        }
        out.unicast_peers.push(peer);
    }
    Ok(())
}

fn authentication(out: &mut Instance, item: &Item) -> Result<(), String> {
    let mut kind = None;
    for line in item.block.iter().flatten() {
        match (line.key.as_str(), line.args.as_slice()) {
            ("auth_type", [t]) => kind = Some(t.clone()),
            ("auth_pass", [p]) => out.auth_pass = Some(p.clone()),
            (key, _) => {
                return Err(format!(
                    "authentication '{key}' is not supported by vipflip"
                ))
            }
        }
    }
    match kind.as_deref() {
        Some("PASS") | None => Ok(()),
        Some(other) => Err(format!(
            "auth_type {other} is not supported by vipflip (only PASS)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The master node's file from the article (../shared/article/), verbatim.
    const ARTICLE: &str = "vrrp_instance VRRP1 {
    state MASTER
    interface ens33   
    virtual_router_id 41
    priority 200
    advert_int 1
    virtual_ipaddress {
        192.168.31.250/24
    }
}
";

    #[test]
    fn the_articles_file_works_unchanged() {
        let i = instance(ARTICLE, None).unwrap();
        assert_eq!(i.name, "VRRP1");
        assert_eq!(
            (i.iface.as_deref(), i.vrid, i.priority),
            (Some("ens33"), Some(41), Some(200))
        );
        assert_eq!(i.advert_int, Some(Duration::from_secs(1)));
        assert_eq!(i.vips, vec!["192.168.31.250/24".parse::<Vip>().unwrap()]);
        assert!(!i.no_preempt);
    }

    #[test]
    fn every_supported_keyword() {
        let text = "! comment\nglobal_defs {\n  router_id n1\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 7\n  priority 150\n  advert_int 0.1 # fast\n  version 3\n  nopreempt\n  garp_master_repeat 3\n  garp_master_delay 2\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n    192.0.2.250/24 dev eth0\n    192.0.2.251\n  }\n  unicast_src_ip 192.0.2.1\n  unicast_peer {\n    192.0.2.2\n    192.0.2.3\n  }\n}\n";
        let i = instance(text, None).unwrap();
        assert_eq!(i.advert_int, Some(Duration::from_millis(100)));
        assert_eq!(
            (i.version, i.no_preempt, i.garp_repeat),
            (Some(3), true, Some(3))
        );
        assert_eq!(i.garp_delay, Some(Duration::from_secs(2)));
        assert_eq!(i.auth_pass.as_deref(), Some("s3cret"));
        assert_eq!(i.vips.len(), 2);
        assert_eq!(i.vips[1].prefix, 32);
        assert_eq!(i.unicast_src, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(i.unicast_peers.len(), 2);
    }

    #[test]
    fn unsupported_keywords_are_all_named_with_their_lines() {
        let text = "vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_routes\n  virtual_routr_id 41\n  lvs_sync_daemon_interface eth0\n}\n";
        let err = instance(text, None).unwrap_err().to_string();
        assert_eq!(
            err,
            "line 1: 'vrrp_sync_group' is not supported by vipflip: run one vipflip per instance; \
             line 8: 'virtual_routes' is not supported by vipflip: add them in an --on-master hook; \
             line 9: 'virtual_routr_id' is not a keyword vipflip knows; did you mean 'virtual_router_id'?; \
             line 10: 'lvs_sync_daemon_interface' is not supported by vipflip"
        );
    }

    /// A keepalived.conf as people write it for a NodePort VIP: global_defs, a check script
    /// with a weight, notify scripts, a labelled address, a tracked interface.
    const EVERYDAY: &str = r#"! Configuration File for keepalived
global_defs {
   notification_email {
     ops@example.com
   }
   notification_email_from keepalived@example.com
   smtp_server 127.0.0.1
   smtp_connect_timeout 30
   router_id LVS_DEVEL
   vrrp_garp_master_delay 1
   enable_script_security
   script_user root
}
vrrp_script chk_nodeport {
    script "/usr/bin/curl -fsS http://127.0.0.1:32463/healthz"
    interval 2
    timeout 1
    weight -20
    rise 2
    fall 3
    user root
}
vrrp_instance VRRP1 {
    state MASTER
    interface ens33
    virtual_router_id 41
    priority 200
    advert_int 1
    track_interface {
        ens34
    }
    track_script {
        chk_nodeport
    }
    notify_master "/etc/keepalived/notify.sh master"
    notify_backup /etc/keepalived/notify.sh
    notify /etc/keepalived/any.sh
    smtp_alert
    virtual_ipaddress {
        192.168.31.250/24 dev ens33 label ens33:vip
    }
}
"#;

    #[test]
    fn an_everyday_file_translates_to_flags() {
        let i = instance(EVERYDAY, None).unwrap();
        assert_eq!(
            i.track,
            ScriptTrack {
                cmds: vec!["/usr/bin/curl -fsS http://127.0.0.1:32463/healthz".into()],
                interval: Some(Duration::from_secs(2)),
                timeout: Some(Duration::from_secs(1)),
                rise: Some(2),
                fall: Some(3),
                weight: Some(-20),
            }
        );
        assert_eq!(
            i.on_master.as_deref(),
            Some("/etc/keepalived/notify.sh master")
        );
        assert_eq!(i.on_backup.as_deref(), Some("/etc/keepalived/notify.sh"));
        assert_eq!(i.on_change.as_deref(), Some("/etc/keepalived/any.sh"));
        assert_eq!(i.track_ifaces, vec!["ens34".to_string()]);
        assert_eq!(i.vips.len(), 1);
        assert_eq!(
            i.notes[0],
            "keepalived.conf: global_defs notification_email, notification_email_from, smtp_server, \
             smtp_connect_timeout, router_id, vrrp_garp_master_delay, enable_script_security, \
             script_user accepted; they change nothing vipflip does"
        );
        assert_eq!(i.notes.len(), 4, "{:?}", i.notes);
    }

    #[test]
    fn tracked_scripts_must_agree_on_what_vipflip_shares() {
        let two = |second: &str| {
            format!(
                "vrrp_script a {{\n  script /bin/true\n  interval 1\n}}\nvrrp_script b {{\n  script /bin/false\n{second}\n}}\nvrrp_instance V {{\n  track_script {{\n    a\n    b\n  }}\n}}\n"
            )
        };
        let same = instance(&two("  interval 1"), None).unwrap();
        assert_eq!(same.track.cmds, vec!["/bin/true", "/bin/false"]);
        assert_eq!(
            same.track.weight,
            Some(0),
            "no weight: fault, as keepalived"
        );
        let err = instance(&two("  interval 5"), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("vrrp_script b: interval differs from another tracked script's; vipflip runs every check with one --track-interval"),
            "{err}"
        );
        let missing = "vrrp_instance V {\n  track_script {\n    nope\n  }\n}\n";
        assert!(instance(missing, None)
            .unwrap_err()
            .to_string()
            .contains("line 2: track_script 'nope': there is no vrrp_script of that name"));
        let overridden = "vrrp_script a {\n  script /bin/true\n}\nvrrp_instance V {\n  track_script {\n    a weight 10\n  }\n}\n";
        assert_eq!(instance(overridden, None).unwrap().track.weight, Some(10));
    }

    #[test]
    fn did_you_mean_takes_the_closest_known_keyword_only() {
        assert_eq!(did_you_mean("priorty", INSTANCE_KEYWORDS), Some("priority"));
        assert_eq!(did_you_mean("advert_interval", INSTANCE_KEYWORDS), None);
        assert_eq!(did_you_mean("stat", INSTANCE_KEYWORDS), Some("state"));
        assert_eq!(did_you_mean("xyz", INSTANCE_KEYWORDS), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn choosing_an_instance() {
        let two = "vrrp_instance A {\n  priority 1\n}\nvrrp_instance B {\n  priority 2\n}\n";
        assert!(instance(two, None)
            .unwrap_err()
            .to_string()
            .contains("2 vrrp_instance blocks (A, B): choose one with --instance"));
        assert_eq!(instance(two, Some("B")).unwrap().priority, Some(2));
        assert!(instance(two, Some("C"))
            .unwrap_err()
            .to_string()
            .contains("no vrrp_instance named 'C' (found: A, B)"));
        assert!(instance("", None)
            .unwrap_err()
            .to_string()
            .contains("no vrrp_instance"));
    }

    #[test]
    fn broken_files() {
        assert!(instance("vrrp_instance A {\n", None)
            .unwrap_err()
            .to_string()
            .contains("never closed"));
        assert!(instance("}\n", None)
            .unwrap_err()
            .to_string()
            .contains("line 1: '}' without a matching '{'"));
        let bad = instance(
            "vrrp_instance A {\n  priority high\n  auth_type AH\n}\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad.contains("line 2: 'priority' has a bad value 'high'"),
            "{bad}"
        );
        let ah = "vrrp_instance A {\n  authentication {\n    auth_type AH\n  }\n}\n";
        assert!(instance(ah, None)
            .unwrap_err()
            .to_string()
            .contains("line 2: auth_type AH is not supported"));
        let scope =
            "vrrp_instance A {\n  virtual_ipaddress {\n    192.0.2.250/24 scope host\n  }\n}\n";
        assert!(instance(scope, None)
            .unwrap_err()
            .to_string()
            .contains("virtual_ipaddress on line 3"));
    }

    #[test]
    fn only_vrrp_versions_2_and_3() {
        for (v, want) in [("2", Some(2)), ("3", Some(3))] {
            let text = format!("vrrp_instance A {{\n  version {v}\n}}\n");
            assert_eq!(instance(&text, None).unwrap().version, want);
        }
        for v in ["1", "4", "0"] {
            let text = format!("vrrp_instance A {{\n  version {v}\n}}\n");
            let err = instance(&text, None).unwrap_err().to_string();
            assert!(
                err.contains(&format!(
                    "line 2: 'version {v}' is not a VRRP version: use 2 or 3"
                )),
                "{err}"
            );
        }
    }
}

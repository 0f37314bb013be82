//! Reads the part of keepalived.conf that vipflip can run: one `vrrp_instance` with the
//! keywords of the usual VIP setup. Anything else is named, with its line number, in one
//! error: a setting silently ignored is a surprise on the bad day. Pure: takes the text.

use std::fmt;
use std::time::Duration;

use crate::config::Vip;

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
    for item in &items {
        match item.key.as_str() {
            "vrrp_instance" => instances.push(item),
            "global_defs" => problems.extend(global_defs(item)),
            other => problems.push((item.line, format!("'{other}' is not supported by vipflip"))),
        }
    }
    let chosen = choose(&instances, name)?;
    let mut out = Instance {
        name: chosen.args.first().cloned().unwrap_or_default(),
        ..Instance::default()
    };
    for item in chosen.block.iter().flatten() {
        if let Err(msg) = apply(&mut out, item) {
            problems.push((item.line, msg));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ConfError { problems })
    }
}

/// router_id only names the node in keepalived's logs and mails: harmless to skip.
fn global_defs(item: &Item) -> Vec<(usize, String)> {
    item.block
        .iter()
        .flatten()
        .filter(|i| i.key != "router_id")
        .map(|i| {
            (
                i.line,
                format!("global_defs '{}' is not supported by vipflip", i.key),
            )
        })
        .collect()
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
        other => return Err(format!("'{other}' is not supported by vipflip")),
    }
    Ok(())
}

/// `ADDR[/LEN] [dev IFACE]` lines; other options (label, scope, brd...) are not supported.
fn virtual_ipaddress(out: &mut Instance, item: &Item) -> Result<(), String> {
    for line in item.block.iter().flatten() {
        let vip: Vip = line
            .key
            .parse()
            .map_err(|e| format!("virtual_ipaddress on line {}: {e}", line.line))?;
        match line.args.as_slice() {
            [] => {}
            [dev, iface] if dev == "dev" && out.iface.as_deref().is_none_or(|i| i == iface) => {}
            _ => return Err(format!("virtual_ipaddress on line {}: only 'ADDR/LEN' (and 'dev' of the instance's interface) is supported", line.line)),
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
        let text = "vrrp_script chk {\n  script \"/bin/true\"\n}\nvrrp_instance VI_1 {\n  interface eth0\n  track_script {\n    chk\n  }\n  track_interface {\n    eth1\n  }\n  virtual_router_id 41\n}\n";
        let err = instance(text, None).unwrap_err().to_string();
        assert_eq!(
            err,
            "line 1: 'vrrp_script' is not supported by vipflip; line 6: 'track_script' is not supported by vipflip; line 9: 'track_interface' is not supported by vipflip"
        );
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
        let label =
            "vrrp_instance A {\n  virtual_ipaddress {\n    192.0.2.250/24 label eth0:1\n  }\n}\n";
        assert!(instance(label, None)
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

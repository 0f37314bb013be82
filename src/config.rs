//! Command-line arguments to a validated configuration: cross-flag rules, defaults, derived
//! values. Pure: the interface is looked at later, in `cmd`.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::cli::{ChecksumArg, DemoArgs, PingWatchArgs, ProbeArgs, ReleaseArgs, RunArgs};
use crate::error::{Error, Result};
use crate::health_checks::{self, Check};
pub use crate::keepalived_conf::TrackedIface;
use crate::keepalived_conf::{Instance, Script};
pub use crate::vip::Vip;
use crate::vrrp::Params;
use crate::wire::{Auth, Family, V3Checksum, Version};

/// Everything `run` needs, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    pub iface: String,
    pub vips: Vec<Vip>,
    /// keepalived's virtual_ipaddress_excluded: added and removed with the VIPs, announced,
    /// never advertised.
    pub excluded: Vec<Vip>,
    /// VIPs (or excluded addresses) that go on another device than --iface (`dev lo`).
    pub vip_devs: Vec<(IpAddr, String)>,
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    pub interval_cs: u16,
    pub preempt: bool,
    pub preempt_delay: Duration,
    pub v3_checksum: V3Checksum,
    pub auth: Auth,
    pub garp_repeat: u32,
    pub garp_delay: Option<Duration>,
    /// keepalived's garp_master_refresh: announce again this often while master.
    pub garp_refresh: Option<Duration>,
    /// keepalived's garp_master_refresh_repeat: rounds per refresh (default 1).
    pub garp_refresh_repeat: u32,
    /// --vmac: the virtual MAC interface's name.
    pub vmac: Option<String>,
    /// Unicast mode when not empty.
    pub unicast_peers: Vec<IpAddr>,
    pub unicast_src: Option<IpAddr>,
    pub track: Track,
    /// Tracked interfaces: fault while one is down (weight 0), or a priority change.
    pub track_ifaces: Vec<TrackedIface>,
    /// keepalived's `state MASTER`: the first wait is one interval and keepalived's VRRP_TIMER_SKEW_MIN.
    pub state_master: bool,
    /// Fault while the interface is down (keepalived's default; dont_track_primary: not).
    pub track_primary: bool,
    /// The keepalived vrrp_sync_group this instance moves with.
    pub sync_group: Option<String>,
    /// That group's notify scripts (run once for the group, by its first member here).
    pub group_hooks: crate::keepalived_conf::GroupHooks,
    pub hooks: Hooks,
    /// The name hooks get: the keepalived instance's, or vrid<N>.
    pub name: String,
    /// Things worth saying that do not stop the run.
    pub warnings: Vec<String>,
    /// What was accepted and changes nothing (keepalived.conf keywords), said once.
    pub notes: Vec<String>,
}

/// Health checks, each with its own settings (keepalived keeps them per vrrp_script).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Track {
    pub checks: Vec<TrackedCheck>,
}

/// One health check and how it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedCheck {
    pub check: Check,
    pub interval: Duration,
    pub timeout: Duration,
    pub rise: u32,
    pub fall: u32,
    /// keepalived's weight: 0 is fault while failing, below 0 lowers the priority while
    /// failing, above 0 raises it while passing (--track-weight N is -N).
    pub weight: i32,
    pub reverse: bool,
    /// Failed until it first passes (keepalived's init_fail), instead of undecided.
    pub init_fail: bool,
}

/// State-change hooks, as argv, by the state they follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hooks {
    pub on_master: Option<Vec<String>>,
    pub on_backup: Option<Vec<String>>,
    pub on_fault: Option<Vec<String>>,
    pub on_stop: Option<Vec<String>>,
    pub on_change: Option<Vec<String>>,
    pub timeout: Duration,
    /// The hooks (by flag name) that run without keepalived's notify arguments: the
    /// notify_master/backup/fault/stop scripts of a keepalived.conf.
    pub bare: Vec<&'static str>,
}

impl RunConfig {
    /// Priority 255: this node owns the VIPs (the machine's rule, `vrrp::is_owner`).
    pub fn is_owner(&self) -> bool {
        crate::vrrp::is_owner(self.priority)
    }

    /// The VIPs' family (IPv4, the first of a run of both); without VIPs, the advert
    /// source's or peers' family, else IPv4 (the version check keeps it v2).
    pub fn family(&self) -> Family {
        let v4 = if self.vips.is_empty() {
            family_without_vips(self.unicast_src, &self.unicast_peers, &[])
        } else {
            self.vips.iter().any(|v| v.addr.is_ipv4())
        };
        if v4 {
            Family::V4
        } else {
            Family::V6
        }
    }

    /// IPv4 and IPv6 VIPs: two instances in step.
    pub fn dual(&self) -> bool {
        self.family().is_v4() && self.vips.iter().any(|v| v.addr.is_ipv6())
    }

    /// One configuration per address family, IPv4 first: a run with IPv4 and IPv6 VIPs is
    /// two VRRPv3 instances of the same VRID (keepalived's vrrp_sync_group of two).
    pub fn families(&self) -> Vec<RunConfig> {
        if !self.dual() {
            return vec![self.clone()];
        }
        [Family::V4, Family::V6]
            .into_iter()
            .map(|family| {
                let mut c = self.clone();
                c.vips.retain(|v| Family::of(v.addr) == family);
                c.excluded.retain(|v| Family::of(v.addr) == family);
                c.vmac = self
                    .vmac
                    .as_ref()
                    .map(|_| default_vmac_name(self.vrid, family));
                c
            })
            .collect()
    }

    /// The state machine's parameters, once the interface's primary address is known.
    pub fn params(&self, primary: IpAddr) -> Params {
        Params {
            version: self.version,
            vrid: self.vrid,
            priority: self.priority,
            interval_cs: self.interval_cs,
            preempt: self.preempt,
            preempt_delay: self.preempt_delay,
            primary,
            vips: self.vips.iter().map(|v| v.addr).collect(),
            auth: self.auth,
            second_announce: self.garp_delay,
            unicast_peers: self.unicast_peers.clone(),
            state_master: self.state_master,
            refresh: self.garp_refresh,
            sync: self.sync_group.is_some(),
            shared_mac: self.vmac.is_some(),
        }
    }
}

impl RunConfig {
    /// The `vipflip run` arguments that give this configuration (what `--check` prints, e.g.
    /// for a keepalived.conf): every VRRP setting explicit, the rest only when not default;
    /// or what the flags cannot say.
    pub fn command_line(&self) -> std::result::Result<Vec<String>, String> {
        let mut args: Vec<String> = vec!["run".into()];
        let mut flag = |name: &str, value: String| {
            args.push(format!("--{name}"));
            if !value.is_empty() {
                args.push(value);
            }
        };
        let time = |d: Duration| humantime::format_duration(d).to_string();
        if let Some(group) = &self.sync_group {
            return Err(format!("a member of vrrp_sync_group {group}"));
        }
        if !self.excluded.is_empty() || !self.vip_devs.is_empty() {
            return Err("virtual_ipaddress_excluded or a VIP on another device".into());
        }
        for vip in &self.vips {
            flag("vip", vip.to_string());
        }
        if self.vips.is_empty() {
            flag("no-vip", String::new());
        }
        flag("iface", self.iface.clone());
        flag("vrid", self.vrid.to_string());
        flag("priority", self.priority.to_string());
        flag("vrrp-version", self.version.number().to_string());
        flag(
            "advert-int",
            time(Duration::from_millis(u64::from(self.interval_cs) * 10)),
        );
        if !self.preempt {
            flag("no-preempt", String::new());
        }
        if !self.preempt_delay.is_zero() {
            flag("preempt-delay", time(self.preempt_delay));
        }
        if self.v3_checksum == V3Checksum::Rfc9568 {
            flag("v3-checksum", "rfc9568".into());
        }
        if let Auth::Pass(bytes) = self.auth {
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
            flag(
                "auth-pass",
                String::from_utf8_lossy(&bytes[..end]).into_owned(),
            );
        }
        if self.state_master {
            flag("state", "master".into());
        }
        if !self.track_primary {
            flag("dont-track-primary", String::new());
        }
        if self.garp_repeat != 5 {
            flag("garp-repeat", self.garp_repeat.to_string());
        }
        match self.garp_delay {
            Some(d) if d == Duration::from_secs(5) => {}
            Some(d) => flag("garp-delay", time(d)),
            None => flag("garp-delay", "0s".into()),
        }
        if let Some(every) = self.garp_refresh {
            flag("garp-refresh", time(every));
        }
        if self.garp_refresh_repeat != 1 {
            flag("garp-refresh-repeat", self.garp_refresh_repeat.to_string());
        }
        if let Some(name) = &self.vmac {
            if *name == default_vmac_name(self.vrid, self.family()) {
                flag("vmac", String::new());
            } else {
                flag(&format!("vmac={name}"), String::new());
            }
        }
        for peer in &self.unicast_peers {
            flag("unicast-peer", peer.to_string());
        }
        if let Some(src) = self.unicast_src {
            flag("unicast-src", src.to_string());
        }
        self.track.push_flags(&mut flag, &time)?;
        for iface in &self.track_ifaces {
            if iface.weight != 0 || iface.reverse {
                return Err(format!("track_interface {} has a weight", iface.name));
            }
            flag("track-iface", iface.name.clone());
        }
        self.hooks.push_flags(&mut flag, &time)?;
        Ok(args)
    }
}

impl Track {
    /// The --track-* flags, when flags can say it: one interval, timeout, rise, fall and
    /// weight for all checks, a weight of 0 or below, no reverse or init_fail, commands
    /// without spaces inside their words.
    fn push_flags(
        &self,
        flag: &mut impl FnMut(&str, String),
        time: &impl Fn(Duration) -> String,
    ) -> std::result::Result<(), String> {
        let Some(first) = self.checks.first() else {
            return Ok(());
        };
        let shared = |c: &TrackedCheck| {
            (c.interval, c.timeout, c.rise, c.fall, c.weight)
                == (
                    first.interval,
                    first.timeout,
                    first.rise,
                    first.fall,
                    first.weight,
                )
        };
        if !self.checks.iter().all(shared) {
            return Err("the checks have different interval, timeout, rise, fall or weight".into());
        }
        if let Some(c) = self
            .checks
            .iter()
            .find(|c| c.weight > 0 || c.reverse || c.init_fail)
        {
            return Err(format!(
                "{} has a positive weight, reverse or init_fail",
                c.check.name()
            ));
        }
        for c in &self.checks {
            match &c.check {
                Check::Process(_) => return Err(format!("{} has no flag", c.check.name())),
                Check::Cmd(argv) if argv.iter().any(|a| a.contains(char::is_whitespace)) => {
                    return Err(format!("{} has a word with spaces", c.check.name()))
                }
                Check::Cmd(argv) => flag("track-cmd", argv.join(" ")),
                Check::Tcp { host, port } if host.contains(':') => {
                    flag("track-tcp", format!("[{host}]:{port}"))
                }
                Check::Tcp { host, port } => flag("track-tcp", format!("{host}:{port}")),
                Check::Http { .. } => flag("track-http", c.check.name()),
            }
        }
        if first.interval != Duration::from_secs(1) {
            flag("track-interval", time(first.interval));
        }
        if first.timeout != first.interval {
            flag("track-timeout", time(first.timeout));
        }
        if first.rise != 1 {
            flag("track-rise", first.rise.to_string());
        }
        if first.fall != 1 {
            flag("track-fall", first.fall.to_string());
        }
        if first.weight < 0 {
            flag("track-weight", first.weight.unsigned_abs().to_string());
        }
        Ok(())
    }
}

impl Hooks {
    /// The --on-* flags, when flags can say it: every hook gets the notify arguments and
    /// has no word with spaces.
    fn push_flags(
        &self,
        flag: &mut impl FnMut(&str, String),
        time: &impl Fn(Duration) -> String,
    ) -> std::result::Result<(), String> {
        if let Some(name) = self.bare.first() {
            return Err(format!(
                "{name} runs without notify arguments (keepalived's notify_*)"
            ));
        }
        if let Some((name, _)) = self
            .all()
            .into_iter()
            .find(|(_, argv)| argv.iter().any(|a| a.contains(char::is_whitespace)))
        {
            return Err(format!("{name} has a word with spaces"));
        }
        let hooks = [
            ("on-master", &self.on_master),
            ("on-backup", &self.on_backup),
            ("on-fault", &self.on_fault),
            ("on-stop", &self.on_stop),
            ("on-change", &self.on_change),
        ];
        let mut any = false;
        for (name, argv) in hooks {
            if let Some(argv) = argv {
                flag(name, argv.join(" "));
                any = true;
            }
        }
        if any && self.timeout != Duration::from_secs(10) {
            flag("hook-timeout", time(self.timeout));
        }
        Ok(())
    }

    /// Every hook's argv, with its flag's name.
    pub fn all(&self) -> Vec<(&'static str, &[String])> {
        [
            ("--on-master", &self.on_master),
            ("--on-backup", &self.on_backup),
            ("--on-fault", &self.on_fault),
            ("--on-stop", &self.on_stop),
            ("--on-change", &self.on_change),
        ]
        .into_iter()
        .filter_map(|(name, argv)| argv.as_deref().map(|a| (name, a)))
        .collect()
    }
}

/// `args` as one shell line: a word with anything but letters, digits and `_./:@%+=,-` is
/// single-quoted.
pub fn shell_line(args: &[String]) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_./:@%+=,-".contains(c);
    args.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(safe) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn bad_flag(flag: &str, cause: impl fmt::Display, hint: impl Into<String>) -> Error {
    Error::new(format!("invalid {flag}"), cause).hint(hint)
}

fn missing(flag: &str, example: &str) -> Error {
    Error::new("invalid arguments", format!("{flag} is required")).hint(format!(
        "give {flag} {example}, or a --keepalived-conf FILE that sets it"
    ))
}

/// Validates `run`'s flags, taking what they leave out from `conf` (a keepalived.conf
/// vrrp_instance), then defaults.
pub fn run_config(args: &RunArgs, conf: Option<&Instance>) -> Result<RunConfig> {
    let none = Instance::default();
    let conf = conf.unwrap_or(&none);
    let vips = if args.vips.is_empty() {
        conf.vips.clone()
    } else {
        args.vips.clone()
    };
    // keepalived runs an instance without virtual_ipaddress (vrrp.c vrrp_complete_instance:
    // "No VIP specified; at least one is sensible"); from flags it takes --no-vip.
    let from_file = !conf.name.is_empty();
    if vips.is_empty() && !(args.no_vip || from_file) {
        return Err(missing(
            "--vip",
            "ADDR/LEN, e.g. --vip 192.0.2.250/24 (or --no-vip)",
        ));
    }
    let vips = if vips.is_empty() {
        Vec::new()
    } else {
        check_vips(&vips)?
    };
    let iface = args
        .iface
        .clone()
        .or_else(|| conf.iface.clone())
        .ok_or_else(|| missing("--iface", "NAME, e.g. --iface eth0"))?;
    let vrid = args
        .vrid
        .or(conf.vrid)
        .ok_or_else(|| missing("--vrid", "1-255, the same on every node"))?;
    if vrid == 0 {
        return Err(bad_flag(
            "virtual_router_id",
            "0 is not in 1..=255",
            "use 1-255, the same on every node",
        ));
    }
    let notes = conf.notes.clone();
    let mut track = check_track(args, &conf.scripts)?;
    // keepalived's vrrp_track_process: decided from /proc at once (vipflip looks every
    // second), weighted like a script.
    if args.track_cmds.is_empty() && args.track_tcp.is_empty() && args.track_http.is_empty() {
        track
            .checks
            .extend(conf.processes.iter().map(|p| TrackedCheck {
                check: Check::Process(p.process.clone()),
                interval: Duration::from_secs(1),
                timeout: Duration::from_secs(1),
                rise: 1,
                fall: 1,
                weight: p.weight,
                reverse: p.reverse,
                init_fail: false,
            }));
    }
    let state_master = match args.state {
        Some(s) => s == crate::cli::StateArg::Master,
        None => conf.state_master,
    };
    let priority = args.priority.or(conf.priority).unwrap_or(100);
    if priority == 0 {
        return Err(bad_flag(
            "priority",
            "0 is not in 1..=255 (0 is reserved for a master stepping down)",
            "use 1-255",
        ));
    }
    let (has4, has6) = if vips.is_empty() {
        let v4 = family_without_vips(
            args.unicast_src.or(conf.src_ip),
            &conf.unicast_peers,
            &args.unicast_peers,
        );
        (v4, !v4)
    } else {
        (
            vips.iter().any(|v| v.addr.is_ipv4()),
            vips.iter().any(|v| v.addr.is_ipv6()),
        )
    };
    let ipv4 = has4;
    let version = check_version(args.vrrp_version.or(conf.version), has4, has6)?;
    if vips.is_empty() && version == Version::V3 {
        return Err(bad_flag(
            "virtual_ipaddress",
            "a VRRPv3 advert carries at least one address (RFC 5798 5.2.5; keepalived: 'No VIP specified; at least one is required')",
            "add a VIP, or use VRRPv2 (version 2, IPv4) for an instance without one",
        ));
    }
    let interval_cs = check_interval(
        args.advert_int
            .or(conf.advert_int)
            .unwrap_or(Duration::from_secs(1)),
        version,
    )?;
    let mut warnings = Vec::new();
    let auth = check_auth(
        args.auth_pass.as_deref().or(conf.auth_pass.as_deref()),
        version,
        &mut warnings,
    )?;
    let v3_checksum = check_checksum(args.v3_checksum, version, ipv4)?;
    let preempt = !(args.no_preempt || conf.no_preempt);
    let preempt_delay = args.preempt_delay.or(conf.preempt_delay);
    check_preempt(preempt, preempt_delay, priority)?;
    if state_master && (!preempt || preempt_delay.is_some()) {
        return Err(bad_flag(
            "--state master",
            "keepalived clears nopreempt and preempt_delay under state MASTER",
            "drop --no-preempt and --preempt-delay, or --state master",
        ));
    }
    let garp_repeat = args.garp_repeat.or(conf.garp_repeat).unwrap_or(5);
    if !(1..=100).contains(&garp_repeat) {
        return Err(bad_flag(
            "garp_master_repeat",
            format!("{garp_repeat} is not in 1..=100"),
            "use 1-100",
        ));
    }
    let garp_delay = args
        .garp_delay
        .or(conf.garp_delay)
        .unwrap_or(Duration::from_secs(5));
    let garp_refresh = args
        .garp_refresh
        .or(conf.garp_refresh)
        .filter(|d| !d.is_zero());
    let garp_refresh_repeat = args
        .garp_refresh_repeat
        .or(conf.garp_refresh_repeat)
        .unwrap_or(1);
    if !(1..=100).contains(&garp_refresh_repeat) {
        return Err(bad_flag(
            "garp_master_refresh_repeat",
            format!("{garp_refresh_repeat} is not in 1..=100"),
            "use 1-100",
        ));
    }
    let unicast_peers = if args.unicast_peers.is_empty() {
        conf.unicast_peers.clone()
    } else {
        args.unicast_peers.clone()
    };
    let unicast_src = args.unicast_src.or(conf.src_ip);
    if has4 && has6 && !unicast_peers.is_empty() {
        return Err(bad_flag(
            "--unicast-peer",
            "unicast with IPv4 and IPv6 VIPs (each family's adverts go to peers of that family)",
            "run one vipflip per family for unicast",
        ));
    }
    check_unicast(&unicast_peers, unicast_src, ipv4)?;
    let hooks = check_hooks(args, conf)?;
    let vmac_name = args.vmac.as_ref().or(conf.vmac.as_ref());
    if has4 && has6 && vmac_name.is_some_and(|n| !n.is_empty()) {
        return Err(bad_flag(
            "--vmac",
            "one name for two virtual MAC interfaces (IPv4 and IPv6)",
            "use --vmac alone: vrrp.VRID for IPv4 and vrrp6.VRID for IPv6",
        ));
    }
    let family = if ipv4 { Family::V4 } else { Family::V6 };
    let vmac = check_vmac(vmac_name, &iface, vrid, family)?;
    let track_ifaces = if args.track_ifaces.is_empty() {
        conf.track_ifaces.clone()
    } else {
        args.track_ifaces
            .iter()
            .map(|name| TrackedIface {
                name: name.clone(),
                weight: 0,
                reverse: false,
            })
            .collect()
    };
    let name = if conf.name.is_empty() {
        format!("vrid{vrid}")
    } else {
        conf.name.clone()
    };
    let excluded = if args.vips.is_empty() {
        conf.excluded_vips.clone()
    } else {
        Vec::new()
    };
    let vip_devs = conf.vip_devs.clone();
    Ok(RunConfig {
        iface,
        vips,
        excluded,
        vip_devs,
        version,
        vrid,
        priority,
        interval_cs,
        preempt,
        preempt_delay: preempt_delay.unwrap_or(Duration::ZERO),
        v3_checksum,
        auth,
        garp_repeat,
        garp_delay: Some(garp_delay).filter(|d| !d.is_zero()),
        garp_refresh,
        garp_refresh_repeat,
        vmac,
        unicast_peers,
        unicast_src,
        track,
        track_ifaces,
        state_master,
        track_primary: !(args.dont_track_primary || conf.dont_track_primary),
        sync_group: conf.sync_group.clone(),
        group_hooks: conf.group_hooks.clone(),
        hooks,
        name,
        warnings,
        notes,
    })
}

/// The family of an instance without VIPs: its advert source's or first peer's, else IPv4
/// (keepalived's default family).
fn family_without_vips(src: Option<IpAddr>, file_peers: &[IpAddr], flag_peers: &[IpAddr]) -> bool {
    src.or(flag_peers.first().copied())
        .or(file_peers.first().copied())
        .is_none_or(|a| a.is_ipv4())
}

/// keepalived's name for the virtual MAC interface, `vrrp.VRID`; IPv6 gets `vrrp6.VRID` so
/// that an IPv4 and an IPv6 group of one VRID can both have one.
pub fn default_vmac_name(vrid: u8, family: Family) -> String {
    match family {
        Family::V4 => format!("vrrp.{vrid}"),
        Family::V6 => format!("vrrp6.{vrid}"),
    }
}

/// --vmac / use_vmac: an interface name the kernel takes, not --iface itself.
fn check_vmac(
    name: Option<&String>,
    iface: &str,
    vrid: u8,
    family: Family,
) -> Result<Option<String>> {
    let Some(name) = name else {
        return Ok(None);
    };
    if name.is_empty() {
        return Ok(Some(default_vmac_name(vrid, family)));
    }
    let bad = |why: &str| {
        Err(bad_flag(
            "--vmac",
            format!("'{name}' {why}"),
            "give an interface name of 1-15 characters without '/', ':' or spaces, or --vmac alone for vrrp.VRID",
        ))
    };
    if name.len() > 15 {
        return bad("is longer than 15 characters");
    }
    if name
        .chars()
        .any(|c| c == '/' || c == ':' || c.is_whitespace())
        || name == "."
        || name == ".."
    {
        return bad("is not an interface name");
    }
    if name == iface {
        return bad("is --iface itself; the virtual MAC interface is a new one on it");
    }
    Ok(Some(name.clone()))
}

/// What `release` does: which VIPs to remove, and the priority-0 advert to send, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseConfig {
    pub iface: String,
    pub vips: Vec<Vip>,
    pub advert: Option<StepDown>,
    pub warnings: Vec<String>,
}

/// The group a priority-0 advert is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDown {
    pub version: Version,
    pub vrid: u8,
    pub interval_cs: u16,
    pub auth: Auth,
    pub v3_checksum: V3Checksum,
}

impl StepDown {
    pub fn params(&self, primary: IpAddr, vips: &[Vip]) -> Params {
        Params {
            version: self.version,
            vrid: self.vrid,
            priority: 0,
            interval_cs: self.interval_cs,
            preempt: true,
            preempt_delay: Duration::ZERO,
            primary,
            vips: vips.iter().map(|v| v.addr).collect(),
            auth: self.auth,
            second_announce: None,
            unicast_peers: Vec::new(),
            state_master: false,
            refresh: None,
            sync: false,
            shared_mac: false,
        }
    }
}

pub fn release_config(args: &ReleaseArgs) -> Result<ReleaseConfig> {
    let vips = check_vips(&args.vips)?;
    let (has4, has6) = (
        vips.iter().any(|v| v.addr.is_ipv4()),
        vips.iter().any(|v| v.addr.is_ipv6()),
    );
    let ipv4 = has4;
    let mut warnings = Vec::new();
    let advert = match args.vrid {
        None => None,
        Some(_) if has4 && has6 => {
            return Err(bad_flag(
                "--vip",
                "IPv4 and IPv6 VIPs with --vrid (a priority-0 advert speaks for one family)",
                "run release --vrid once per family, or drop --vrid to only remove the VIPs",
            ))
        }
        Some(vrid) => {
            let version = check_version(args.vrrp_version, has4, has6)?;
            Some(StepDown {
                version,
                vrid,
                interval_cs: check_interval(args.advert_int, version)?,
                auth: check_auth(args.auth_pass.as_deref(), version, &mut warnings)?,
                v3_checksum: check_checksum(args.v3_checksum, version, ipv4)?,
            })
        }
    };
    Ok(ReleaseConfig {
        iface: args.iface.clone(),
        vips,
        advert,
        warnings,
    })
}

fn check_vips(vips: &[Vip]) -> Result<Vec<Vip>> {
    if vips.is_empty() {
        return Err(bad_flag(
            "--vip",
            "no virtual IP given",
            "add --vip ADDR/LEN, e.g. --vip 192.0.2.250/24",
        ));
    }
    let per_family = |v4: bool| vips.iter().filter(|v| v.addr.is_ipv4() == v4).count();
    if per_family(true) > 255 || per_family(false) > 255 {
        return Err(bad_flag(
            "--vip",
            format!("{} VIPs, at most 255 fit in an advert", vips.len()),
            "use fewer --vip",
        ));
    }
    let mut unique = vips.to_vec();
    unique.sort();
    unique.dedup_by_key(|v| v.addr);
    // RFC 5798 §5.2.9: an IPv6 group's link-local address comes first in the advert.
    unique.sort_by_key(|v| !matches!(v.addr, IpAddr::V6(a) if a.is_unicast_link_local()));
    Ok(unique)
}

/// What `vipflip probe` listens for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeConfig {
    pub iface: String,
    pub vrid: Option<u8>,
    pub vips: Vec<IpAddr>,
    pub duration: Duration,
    pub watch: bool,
}

pub fn probe_config(args: &ProbeArgs) -> Result<ProbeConfig> {
    if args.duration.is_zero() {
        return Err(
            Error::new("invalid --duration", "0s hears nothing").hint("use e.g. --duration 3s")
        );
    }
    Ok(ProbeConfig {
        iface: args.iface.clone(),
        vrid: args.vrid,
        vips: args.vips.clone(),
        duration: args.duration,
        watch: args.watch,
    })
}

/// What `vipflip ping-watch` probes and when it stops, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingWatchConfig {
    pub addr: IpAddr,
    pub interval: Duration,
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    /// TCP connects to this port instead of ICMP echo.
    pub tcp: Option<u16>,
    pub max_outage: Option<Duration>,
}

pub fn ping_watch_config(args: &PingWatchArgs) -> Result<PingWatchConfig> {
    if args.interval < Duration::from_millis(10) {
        return Err(Error::new(
            "invalid --interval",
            format!(
                "{} is below 10ms",
                humantime::format_duration(args.interval)
            ),
        )
        .hint("use 10ms or more, e.g. --interval 10ms"));
    }
    if args.duration.is_some_and(|d| d.is_zero()) {
        return Err(
            Error::new("invalid --duration", "0s watches nothing").hint("use e.g. --duration 30s")
        );
    }
    if args.addr.is_unspecified() || args.addr.is_multicast() {
        return Err(Error::new(
            format!("invalid address {}", args.addr),
            "not a unicast address",
        )
        .hint("give the VIP, e.g. 192.0.2.250"));
    }
    Ok(PingWatchConfig {
        addr: args.addr,
        interval: args.interval,
        count: args.count,
        duration: args.duration,
        tcp: args.tcp,
        max_outage: args.max_outage,
    })
}

/// `vipflip demo`: the group it builds and how each node runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Node i (from 1) has priority `200 - (i - 1)`: the article's 200/199/198 for three.
    pub priorities: Vec<u8>,
    pub version: Version,
    pub interval_cs: u16,
    pub keep: bool,
}

/// The demo's VIP and VRID, the article's VRID on a documentation address.
pub const DEMO_VIP: &str = "192.0.2.250/24";
pub const DEMO_VRID: u8 = 41;

pub fn demo_config(args: &DemoArgs) -> Result<DemoConfig> {
    let version = check_version(Some(args.vrrp_version), true, false)?;
    let default = match version {
        Version::V2 => Duration::from_secs(1),
        Version::V3 => Duration::from_millis(100),
    };
    let interval_cs = check_interval(args.advert_int.unwrap_or(default), version)?;
    Ok(DemoConfig {
        priorities: (0..args.nodes).map(|i| 200 - i).collect(),
        version,
        interval_cs,
        keep: args.keep,
    })
}

impl DemoConfig {
    pub fn interval(&self) -> Duration {
        crate::vrrp::timers::interval(self.interval_cs)
    }

    /// The `vipflip run` arguments of node `i` (from 1): JSON events for the demo to read.
    pub fn run_args(&self, i: usize) -> Vec<String> {
        let version = match self.version {
            Version::V2 => "2",
            Version::V3 => "3",
        };
        let interval = humantime::format_duration(self.interval()).to_string();
        let args = [
            "run",
            "--vip",
            DEMO_VIP,
            "--iface",
            "eth0",
            "--vrid",
            &DEMO_VRID.to_string(),
            "--priority",
            &self.priorities[i - 1].to_string(),
            "--vrrp-version",
            version,
            "--advert-int",
            &interval,
            "--json",
        ];
        args.iter().map(|a| a.to_string()).collect()
    }
}

/// Default 2 for IPv4 (keepalived's), 3 for IPv6 and for a run of both families.
fn check_version(asked: Option<u8>, has4: bool, has6: bool) -> Result<Version> {
    match (asked, has4, has6) {
        (Some(2), true, true) => Err(bad_flag(
            "--vrrp-version",
            "VRRPv2 has no IPv6 (RFC 3768 is IPv4 only), and IPv4 and IPv6 VIPs run as two VRRPv3 instances",
            "drop --vrrp-version 2, or run the IPv4 VIPs in a vipflip of their own",
        )),
        (Some(2), false, _) => Err(bad_flag(
            "--vrrp-version",
            "VRRPv2 has no IPv6 (RFC 3768 is IPv4 only)",
            "drop --vrrp-version or use --vrrp-version 3 with IPv6 VIPs",
        )),
        (Some(2), true, false) | (None, true, false) => Ok(Version::V2),
        _ => Ok(Version::V3),
    }
}

fn check_interval(interval: Duration, version: Version) -> Result<u16> {
    let nanos = interval.as_nanos();
    let shown = humantime::format_duration(interval);
    match version {
        Version::V2 => {
            if nanos % 1_000_000_000 != 0 || interval.is_zero() {
                return Err(bad_flag(
                    "--advert-int",
                    format!("{shown} with VRRPv2, which counts whole seconds"),
                    "use whole seconds (1s-255s), or --vrrp-version 3 for sub-second intervals",
                ));
            }
            let secs = interval.as_secs();
            if secs > 255 {
                return Err(bad_flag(
                    "--advert-int",
                    format!("{shown} is above VRRPv2's 255s"),
                    "use 1s-255s",
                ));
            }
            Ok(secs as u16 * 100)
        }
        Version::V3 => {
            if nanos % 10_000_000 != 0 || interval.is_zero() {
                return Err(bad_flag(
                    "--advert-int",
                    format!("{shown} is not a multiple of 10ms (VRRPv3 counts centiseconds)"),
                    "use 10ms steps from 10ms to 40.95s, e.g. 100ms",
                ));
            }
            let cs = nanos / 10_000_000;
            if cs > 4095 {
                return Err(bad_flag(
                    "--advert-int",
                    format!("{shown} is above VRRPv3's 40.95s"),
                    "use 10ms-40.95s",
                ));
            }
            Ok(cs as u16)
        }
    }
}

fn check_auth(pass: Option<&str>, version: Version, warnings: &mut Vec<String>) -> Result<Auth> {
    let Some(pass) = pass else {
        return Ok(Auth::None);
    };
    if version != Version::V2 {
        return Err(bad_flag(
            "--auth-pass",
            "VRRPv3 has no authentication",
            "drop --auth-pass or use --vrrp-version 2",
        ));
    }
    if pass.is_empty() || pass.len() > 8 {
        return Err(bad_flag(
            "--auth-pass",
            format!("{} bytes; keepalived's auth_pass uses 1 to 8", pass.len()),
            "use the same password of at most 8 characters as the keepalived nodes",
        ));
    }
    warnings.push(
        "--auth-pass is not security: the password travels in clear text in every advert".into(),
    );
    let mut bytes = [0u8; 8];
    bytes[..pass.len()].copy_from_slice(pass.as_bytes());
    Ok(Auth::Pass(bytes))
}

fn check_checksum(asked: Option<ChecksumArg>, version: Version, ipv4: bool) -> Result<V3Checksum> {
    match asked {
        None => Ok(V3Checksum::Keepalived),
        Some(_) if version != Version::V3 || !ipv4 => Err(bad_flag(
            "--v3-checksum",
            "it applies only to VRRPv3 over IPv4",
            "drop --v3-checksum, or add --vrrp-version 3 with IPv4 VIPs",
        )),
        Some(ChecksumArg::Keepalived) => Ok(V3Checksum::Keepalived),
        Some(ChecksumArg::Rfc9568) => Ok(V3Checksum::Rfc9568),
    }
}

/// The checks from the flags (one set of settings for all), else keepalived.conf's tracked
/// scripts, each with its own; a --track-* setting given as a flag applies to every one.
fn check_track(args: &RunArgs, scripts: &[Script]) -> Result<Track> {
    let interval = args.track_interval.unwrap_or(Duration::from_secs(1));
    if interval < Duration::from_millis(10) {
        return Err(bad_flag(
            "--track-interval",
            "below 10ms",
            "use e.g. --track-interval 1s",
        ));
    }
    if args.track_timeout.is_some_and(|t| t.is_zero()) {
        return Err(bad_flag(
            "--track-timeout",
            "0s fails every check",
            "use e.g. --track-timeout 1s",
        ));
    }
    let flag_checks = flag_checks(args)?;
    if flag_checks.is_empty() && args.track_weight.is_some() && scripts.is_empty() {
        return Err(bad_flag(
            "--track-weight",
            "there is no check to weigh",
            "add --track-cmd, --track-tcp or --track-http",
        ));
    }
    let count = |n: Option<u32>, or: u32| n.unwrap_or(or).clamp(1, 100);
    let weight = |or: i32| args.track_weight.map(|w| -i32::from(w)).unwrap_or(or);
    let checks = if flag_checks.is_empty() {
        scripts
            .iter()
            .map(|s| TrackedCheck {
                check: Check::Cmd(s.argv.clone()),
                interval: args.track_interval.unwrap_or(s.interval),
                timeout: args.track_timeout.unwrap_or(s.timeout),
                rise: count(args.track_rise, s.rise),
                fall: count(args.track_fall, s.fall),
                weight: weight(s.weight),
                reverse: s.reverse,
                init_fail: s.init_fail,
            })
            .collect()
    } else {
        flag_checks
            .into_iter()
            .map(|check| TrackedCheck {
                check,
                interval,
                timeout: args.track_timeout.unwrap_or(interval),
                rise: count(args.track_rise, 1),
                fall: count(args.track_fall, 1),
                weight: weight(0),
                reverse: false,
                init_fail: false,
            })
            .collect()
    };
    Ok(Track { checks })
}

/// --track-cmd, --track-tcp and --track-http, parsed.
fn flag_checks(args: &RunArgs) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    for cmd in &args.track_cmds {
        let argv = health_checks::argv(cmd);
        if argv.is_empty() {
            return Err(bad_flag(
                "--track-cmd",
                "an empty command",
                "give the command to run, e.g. --track-cmd 'systemctl is-active nginx'",
            ));
        }
        checks.push(Check::Cmd(argv));
    }
    for target in &args.track_tcp {
        checks
            .push(health_checks::parse_tcp(target).map_err(|e| {
                bad_flag("--track-tcp", e, "write HOST:PORT, e.g. 127.0.0.1:32463")
            })?);
    }
    for url in &args.track_http {
        checks.push(health_checks::parse_http(url).map_err(|e| {
            bad_flag(
                "--track-http",
                e,
                "write e.g. http://127.0.0.1:32463/healthz",
            )
        })?);
    }
    Ok(checks)
}

/// Hooks from the flags (split at spaces, keepalived's notify arguments appended), else
/// from keepalived.conf (split as keepalived splits them; notify_master, notify_backup,
/// notify_fault and notify_stop get no arguments, `notify` gets them: keepalived's
/// vrrp_parser.c set_vrrp_notify_script(strvec, 0) and (strvec, 4)).
fn check_hooks(args: &RunArgs, conf: &Instance) -> Result<Hooks> {
    if args.hook_timeout.is_zero() {
        return Err(bad_flag(
            "--hook-timeout",
            "0s kills every hook at once",
            "use e.g. --hook-timeout 10s",
        ));
    }
    let mut bare = Vec::new();
    let mut hook = |flag: &'static str,
                    given: &Option<String>,
                    file: &Option<Vec<String>>,
                    file_args: bool| {
        match (given, file) {
            (Some(text), _) if health_checks::argv(text).is_empty() => Err(bad_flag(
                flag,
                "an empty command",
                "give the program to run, e.g. /usr/local/bin/vip-changed",
            )),
            (Some(text), _) => Ok(Some(health_checks::argv(text))),
            (None, Some(argv)) => {
                if !file_args {
                    bare.push(flag);
                }
                Ok(Some(argv.clone()))
            }
            (None, None) => Ok(None),
        }
    };
    Ok(Hooks {
        on_master: hook("--on-master", &args.on_master, &conf.on_master, false)?,
        on_backup: hook("--on-backup", &args.on_backup, &conf.on_backup, false)?,
        on_fault: hook("--on-fault", &args.on_fault, &conf.on_fault, false)?,
        on_stop: hook("--on-stop", &args.on_stop, &conf.on_stop, false)?,
        on_change: hook("--on-change", &args.on_change, &conf.on_change, true)?,
        timeout: args.hook_timeout,
        bare,
    })
}

fn check_unicast(peers: &[IpAddr], src: Option<IpAddr>, ipv4: bool) -> Result<()> {
    let family = if ipv4 { "IPv4" } else { "IPv6" };
    if let Some(bad) = peers.iter().chain(src.iter()).find(|a| a.is_ipv4() != ipv4) {
        return Err(bad_flag(
            "--unicast-peer",
            format!("{bad} is not {family}, like the VIPs"),
            "use peers and source of the VIPs' family",
        ));
    }
    if let Some(bad) = peers
        .iter()
        .find(|a| a.is_multicast() || a.is_unspecified())
    {
        return Err(bad_flag(
            "--unicast-peer",
            format!("{bad} is not a unicast address"),
            "give each other node's address",
        ));
    }
    if let Some(src) = src.filter(|s| peers.contains(s)) {
        return Err(bad_flag(
            "--unicast-peer",
            format!("{src} is our own --unicast-src"),
            "list only the other nodes",
        ));
    }
    Ok(())
}

fn check_preempt(preempt: bool, delay: Option<Duration>, priority: u8) -> Result<()> {
    if !preempt && delay.is_some() {
        return Err(bad_flag(
            "--preempt-delay",
            "it conflicts with --no-preempt (a node that never preempts has nothing to delay)",
            "drop one of the two",
        ));
    }
    if !preempt && crate::vrrp::is_owner(priority) {
        return Err(bad_flag(
            "--no-preempt",
            "the address owner (priority 255) always takes over",
            "use a priority below 255 with --no-preempt",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn demo(extra: &[&str]) -> Result<DemoConfig> {
        let mut argv = vec!["vipflip", "demo"];
        argv.extend_from_slice(extra);
        match Cli::try_parse_from(argv)
            .map_err(|e| Error::new("clap", e))?
            .command
        {
            Command::Demo(args) => demo_config(&args),
            _ => unreachable!(),
        }
    }

    #[test]
    fn demo_runs_the_article_priorities_with_flags_run_accepts() {
        let c = demo(&[]).unwrap();
        assert_eq!(c.priorities, vec![200, 199, 198]);
        assert_eq!((c.version, c.interval_cs), (Version::V3, 10));
        // Every node's arguments pass run's own validation.
        let argv: Vec<String> = ["vipflip".to_string()]
            .into_iter()
            .chain(c.run_args(3))
            .collect();
        let Command::Run(args) = Cli::try_parse_from(&argv).unwrap().command else {
            panic!("{argv:?}")
        };
        let run = run_config(&args, None).unwrap();
        assert_eq!(
            (run.priority, run.interval_cs, run.vrid),
            (198, 10, DEMO_VRID)
        );
        let v2 = demo(&["--vrrp-version", "2", "--nodes", "8"]).unwrap();
        assert_eq!((v2.version, v2.interval_cs), (Version::V2, 100));
        assert_eq!(v2.priorities.last(), Some(&193));
        let err = demo(&["--vrrp-version", "2", "--advert-int", "100ms"]).unwrap_err();
        assert!(err.to_string().contains("whole seconds"), "{err}");
        assert!(demo(&["--nodes", "9"]).is_err());
        assert!(demo(&["--nodes", "1"]).is_err());
    }

    fn config(extra: &[&str]) -> Result<RunConfig> {
        let mut argv = vec!["vipflip", "run", "--iface", "eth0", "--vrid", "41"];
        if !extra.contains(&"--vip") {
            argv.extend(["--vip", "192.0.2.250/24"]);
        }
        argv.extend(extra);
        match Cli::try_parse_from(argv)
            .map_err(|e| Error::new("argv", e))?
            .command
        {
            Command::Run(args) => run_config(&args, None),
            other => panic!("not run: {other:?}"),
        }
    }

    fn error(extra: &[&str]) -> String {
        config(extra).unwrap_err().to_string()
    }

    #[test]
    fn a_link_local_vip_comes_first_in_the_advert() {
        let c = config(&["--vip", "2001:db8::250/64", "--vip", "fe80::250/64"]).unwrap();
        let order: Vec<String> = c.vips.iter().map(|v| v.addr.to_string()).collect();
        assert_eq!(order, ["fe80::250", "2001:db8::250"], "RFC 5798 §5.2.9");
    }

    #[test]
    fn defaults_follow_keepalived() {
        let c = config(&[]).unwrap();
        assert_eq!(
            (c.version, c.priority, c.interval_cs, c.preempt),
            (Version::V2, 100, 100, true)
        );
        assert_eq!(
            (c.garp_repeat, c.garp_delay),
            (5, Some(Duration::from_secs(5)))
        );
        assert_eq!(c.v3_checksum, V3Checksum::Keepalived);
        let v6 = config(&["--vip", "2001:db8::250/64"]).unwrap();
        assert_eq!(v6.version, Version::V3);
    }

    #[test]
    fn intervals() {
        assert_eq!(
            config(&["--vrrp-version", "3", "--advert-int", "100ms"])
                .unwrap()
                .interval_cs,
            10
        );
        assert_eq!(
            config(&["--vrrp-version", "3", "--advert-int", "40s 950ms"])
                .unwrap()
                .interval_cs,
            4095
        );
        assert_eq!(config(&["--advert-int", "3s"]).unwrap().interval_cs, 300);
        assert!(error(&["--advert-int", "100ms"]).contains("VRRPv2, which counts whole seconds"));
        assert!(error(&["--vrrp-version", "3", "--advert-int", "15ms"])
            .contains("not a multiple of 10ms"));
        assert!(error(&["--vrrp-version", "3", "--advert-int", "41s"])
            .contains("above VRRPv3's 40.95s"));
        assert!(error(&["--advert-int", "256s"]).contains("255s"));
    }

    #[test]
    fn vmac_names_the_interface_by_vrid_and_family() {
        assert_eq!(config(&[]).unwrap().vmac, None);
        assert_eq!(
            config(&["--vmac"]).unwrap().vmac.as_deref(),
            Some("vrrp.41")
        );
        let v6 = config(&["--vip", "2001:db8::250/64", "--vmac"]).unwrap();
        assert_eq!(
            v6.vmac.as_deref(),
            Some("vrrp6.41"),
            "IPv6 next to IPv4, same VRID"
        );
        assert_eq!(
            config(&["--vmac=vip0"]).unwrap().vmac.as_deref(),
            Some("vip0")
        );
        assert!(error(&["--vmac=averyveryverylongname"]).contains("longer than 15"));
        assert!(error(&["--vmac=a/b"]).contains("not an interface name"));
        assert!(error(&["--vmac=eth0"]).contains("--iface itself"));
        for extra in [&["--vmac"][..], &["--vmac=vip0"][..]] {
            round_trip(&config(extra).unwrap());
        }
        let conf = from_conf(
            "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 41\n use_vmac\n virtual_ipaddress {\n  192.0.2.250/24\n }\n}\n",
        );
        assert_eq!(conf.vmac.as_deref(), Some("vrrp.41"));
        let named = from_conf(
            "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 41\n use_vmac vip0\n vmac_xmit_base\n virtual_ipaddress {\n  192.0.2.250/24\n }\n}\n",
        );
        assert_eq!(named.vmac.as_deref(), Some("vip0"));
        assert!(
            named.notes.iter().any(|n| n.contains("vmac_xmit_base")),
            "{:?}",
            named.notes
        );
    }

    #[test]
    fn cross_flag_rules() {
        let both = ["--vip", "192.0.2.250/24", "--vip", "2001:db8::250/64"];
        let dual = config(&both).unwrap();
        assert_eq!(dual.version, Version::V3, "both families run VRRPv3");
        let families = dual.families();
        assert_eq!(families.len(), 2);
        assert!(families[0].vips.iter().all(|v| v.addr.is_ipv4()));
        assert!(families[1].vips.iter().all(|v| v.addr.is_ipv6()));
        let v2 = error(&[&both[..], &["--vrrp-version", "2"]].concat());
        assert!(v2.contains("two VRRPv3 instances"), "{v2}");
        assert!(v2.contains("\nhint: "));
        let unicast = error(&[&both[..], &["--unicast-peer", "192.0.2.202"]].concat());
        assert!(unicast.contains("run one vipflip per family"), "{unicast}");
        let named = error(&[&both[..], &["--vmac=vip0"]].concat());
        assert!(named.contains("use --vmac alone"), "{named}");
        let vmacs: Vec<Option<String>> = config(&[&both[..], &["--vmac"]].concat())
            .unwrap()
            .families()
            .into_iter()
            .map(|c| c.vmac)
            .collect();
        assert_eq!(vmacs, [Some("vrrp.41".into()), Some("vrrp6.41".into())]);
        round_trip(&dual);
        assert!(error(&["--vip", "2001:db8::1/64", "--vrrp-version", "2"])
            .contains("VRRPv2 has no IPv6"));
        assert!(error(&["--no-preempt", "--preempt-delay", "2s"])
            .contains("conflicts with --no-preempt"));
        assert!(error(&["--no-preempt", "--priority", "255"]).contains("address owner"));
        assert!(error(&["--auth-pass", "s3cret", "--vrrp-version", "3"])
            .contains("VRRPv3 has no authentication"));
        assert!(error(&["--auth-pass", "123456789"]).contains("9 bytes"));
        assert!(error(&["--v3-checksum", "rfc9568"]).contains("only to VRRPv3 over IPv4"));
    }

    #[test]
    fn auth_and_checksum_forms() {
        let c = config(&["--auth-pass", "s3cret"]).unwrap();
        assert_eq!(c.auth, Auth::Pass(*b"s3cret\0\0"));
        assert!(c.warnings[0].contains("not security"));
        let c = config(&["--vrrp-version", "3", "--v3-checksum", "rfc9568"]).unwrap();
        assert_eq!(c.v3_checksum, V3Checksum::Rfc9568);
    }

    #[test]
    fn vip_text() {
        assert_eq!("192.0.2.250".parse::<Vip>().unwrap().prefix, 32);
        assert_eq!("2001:db8::1".parse::<Vip>().unwrap().prefix, 128);
        assert!("192.0.2.250/33"
            .parse::<Vip>()
            .unwrap_err()
            .contains("not 0-32"));
        assert!("nope/24"
            .parse::<Vip>()
            .unwrap_err()
            .contains("not an IPv4 or IPv6 address"));
        assert!("224.0.0.18/32".parse::<Vip>().is_err());
        let c = config(&[
            "--vip",
            "192.0.2.251/24",
            "--vip",
            "192.0.2.250/24",
            "--vip",
            "192.0.2.251/24",
        ])
        .unwrap();
        assert_eq!(c.vips.len(), 2, "duplicates collapse");
    }

    #[test]
    fn release_builds_a_step_down_advert_only_with_vrid() {
        let parse = |extra: &[&str]| {
            let mut argv = vec![
                "vipflip",
                "release",
                "--iface",
                "eth0",
                "--vip",
                "192.0.2.250/24",
            ];
            argv.extend(extra);
            match Cli::try_parse_from(argv)
                .map_err(|e| Error::new("argv", e))?
                .command
            {
                Command::Release(args) => release_config(&args),
                other => panic!("not release: {other:?}"),
            }
        };
        assert_eq!(parse(&[]).unwrap().advert, None);
        let step = parse(&["--vrid", "41"]).unwrap().advert.unwrap();
        assert_eq!(
            (step.version, step.vrid, step.interval_cs),
            (Version::V2, 41, 100)
        );
        let primary: IpAddr = "192.0.2.201".parse().unwrap();
        assert_eq!(step.params(primary, &[]).advert(0).priority, 0);
        assert!(
            parse(&["--vrrp-version", "3"]).is_err(),
            "--vrrp-version needs --vrid"
        );
        let err = parse(&["--vrid", "41", "--advert-int", "100ms"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("whole seconds"), "{err}");
    }

    /// `vipflip run --keepalived-conf` with a file of `text` and no flags.
    fn from_conf(text: &str) -> RunConfig {
        let conf = crate::keepalived_conf::instance(text, None).unwrap();
        let Command::Run(args) = Cli::try_parse_from(["vipflip", "run"]).unwrap().command else {
            unreachable!()
        };
        run_config(&args, Some(&conf)).unwrap()
    }

    /// `--check`'s one-line command gives back the same configuration.
    fn round_trip(c: &RunConfig) {
        let line = c.command_line().unwrap();
        let mut argv = vec!["vipflip".to_string()];
        argv.extend(line.iter().cloned());
        let Command::Run(args) = Cli::try_parse_from(&argv).unwrap().command else {
            panic!("{argv:?}")
        };
        let again = run_config(&args, None).unwrap();
        let same = |c: &RunConfig| RunConfig {
            name: String::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            ..c.clone()
        };
        assert_eq!(same(&again), same(c), "{}", shell_line(&line));
    }

    #[test]
    fn the_equivalent_command_line_gives_the_same_configuration() {
        for extra in [
            &[][..],
            &[
                "--priority",
                "200",
                "--vrrp-version",
                "3",
                "--advert-int",
                "100ms",
            ],
            &[
                "--vip",
                "2001:db8::250/64",
                "--vip",
                "2001:db8::251/64",
                "--no-preempt",
                "--garp-delay",
                "0s",
                "--garp-repeat",
                "2",
                "--garp-refresh",
                "30s",
                "--garp-refresh-repeat",
                "2",
            ],
            &[
                "--auth-pass",
                "s3cret",
                "--preempt-delay",
                "5s",
                "--unicast-peer",
                "192.0.2.202",
                "--unicast-src",
                "192.0.2.201",
            ],
            &[
                "--vrrp-version",
                "3",
                "--v3-checksum",
                "rfc9568",
                "--track-cmd",
                "systemctl is-active nginx",
                "--track-tcp",
                "[::1]:8080",
                "--track-http",
                "http://127.0.0.1:32463/healthz",
                "--track-interval",
                "2s",
                "--track-timeout",
                "500ms",
                "--track-rise",
                "2",
                "--track-fall",
                "3",
                "--track-weight",
                "20",
                "--on-master",
                "/usr/local/bin/notify master",
                "--on-stop",
                "logger stopped",
                "--hook-timeout",
                "3s",
            ],
        ] {
            round_trip(&config(extra).unwrap());
        }
        let text = "vrrp_instance VI_1 {\n  interface ens33\n  virtual_router_id 41\n  priority 200\n  advert_int 1\n  nopreempt\n  authentication {\n    auth_type PASS\n    auth_pass 1111\n  }\n  virtual_ipaddress {\n    192.0.2.250/24\n  }\n}\n";
        let c = from_conf(text);
        assert_eq!(
            shell_line(&c.command_line().unwrap()),
            "run --vip 192.0.2.250/24 --iface ens33 --vrid 41 --priority 200 --vrrp-version 2 --advert-int 1s --no-preempt --auth-pass 1111"
        );
        round_trip(&c);
        assert_eq!(
            shell_line(&[
                "--track-cmd".into(),
                "test ! -e /tmp/it's".into(),
                "[::1]:80".into()
            ]),
            "--track-cmd 'test ! -e /tmp/it'\\''s' '[::1]:80'"
        );
    }

    #[test]
    fn tracked_scripts_and_notify_become_flags_when_flags_can_say_it() {
        let text = "vrrp_script chk {\n  script \"/usr/bin/curl -fsS http://127.0.0.1:32463/\"\n  interval 2\n  weight -10\n  fall 3\n}\nvrrp_instance VI_1 {\n  interface ens33\n  virtual_router_id 41\n  priority 190\n  track_script {\n    chk\n  }\n  track_interface {\n    ens34\n  }\n  notify \"/etc/keepalived/notify.sh\"\n  virtual_ipaddress {\n    192.0.2.250/24\n  }\n}\n";
        let conf = crate::keepalived_conf::instance(text, None).unwrap();
        let c = from_conf(text);
        assert_eq!(
            shell_line(&c.command_line().unwrap()),
            "run --vip 192.0.2.250/24 --iface ens33 --vrid 41 --priority 190 --vrrp-version 2 \
             --advert-int 1s --track-cmd /usr/bin/curl -fsS http://127.0.0.1:32463/ \
             --track-interval 2s --track-fall 3 --track-weight 10 --track-iface ens34 \
             --on-change /etc/keepalived/notify.sh"
                .replace(
                    "--track-cmd /usr/bin/curl -fsS http://127.0.0.1:32463/",
                    "--track-cmd '/usr/bin/curl -fsS http://127.0.0.1:32463/'"
                )
        );
        round_trip(&c);
        // Flags still win over the file.
        let Command::Run(args) = Cli::try_parse_from([
            "vipflip",
            "run",
            "--track-cmd",
            "/bin/true",
            "--track-weight",
            "5",
        ])
        .unwrap()
        .command
        else {
            unreachable!()
        };
        let c = run_config(&args, Some(&conf)).unwrap();
        let t = &c.track.checks[0];
        assert_eq!(
            (c.priority, t.weight, t.interval, t.fall),
            (190, -5, Duration::from_secs(1), 1),
            "the file's script settings go with the file's scripts"
        );
    }

    /// What flags cannot say is said, not approximated: a positive weight (keepalived adds
    /// it while passing, vrrp_track.c), per-script settings, keepalived's notify_master
    /// (run without arguments, vrrp_parser.c set_vrrp_notify_script(strvec, 0)).
    #[test]
    fn what_flags_cannot_say_is_named() {
        let text = "vrrp_script a {\n  script /bin/true\n  weight 2\n}\nvrrp_script b {\n  script /bin/true\n  weight 2\n  interval 3\n}\nvrrp_instance V {\n  interface eth0\n  virtual_router_id 9\n  priority 101\n  track_script {\n    a\n    b\n  }\n  notify_master \"/etc/k/n.sh master\"\n  virtual_ipaddress {\n    192.0.2.9/24\n  }\n}\n";
        let c = from_conf(text);
        assert_eq!(
            c.priority, 101,
            "the weights are added at run time, not here"
        );
        assert_eq!(c.track.checks.len(), 2);
        assert_eq!(c.track.checks[1].interval, Duration::from_secs(3));
        assert!(c.command_line().unwrap_err().contains("different interval"));
        assert_eq!(c.hooks.bare, vec!["--on-master"]);
        assert_eq!(
            c.hooks.on_master,
            Some(vec!["/etc/k/n.sh".to_string(), "master".to_string()])
        );
    }

    #[test]
    fn keepalived_conf_fills_in_and_flags_override() {
        let text = "vrrp_instance VRRP1 {\n  state MASTER\n  interface ens33\n  virtual_router_id 41\n  priority 200\n  advert_int 1\n  nopreempt\n  virtual_ipaddress {\n    192.0.2.250/24\n  }\n}\n";
        let conf = crate::keepalived_conf::instance(text, None).unwrap();
        let parse = |argv: &[&str]| match Cli::try_parse_from(argv).unwrap().command {
            Command::Run(args) => run_config(&args, Some(&conf)),
            other => panic!("not run: {other:?}"),
        };
        let c = parse(&["vipflip", "run"]).unwrap();
        assert_eq!(
            (
                c.iface.as_str(),
                c.vrid,
                c.priority,
                c.interval_cs,
                c.preempt,
                c.state_master
            ),
            ("ens33", 41, 200, 100, true, true),
            "keepalived clears nopreempt under state MASTER (vrrp.c vrrp_complete_instance)"
        );
        assert!(
            c.notes.iter().any(|n| n.contains("nopreempt cleared")),
            "{:?}",
            c.notes
        );
        let c = parse(&[
            "vipflip",
            "run",
            "--priority",
            "199",
            "--iface",
            "eth1",
            "--vip",
            "192.0.2.9/24",
        ])
        .unwrap();
        assert_eq!((c.iface.as_str(), c.priority), ("eth1", 199));
        assert_eq!(c.vips, vec!["192.0.2.9/24".parse::<Vip>().unwrap()]);
        let err = parse(&["vipflip", "run", "--advert-int", "100ms"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("whole seconds"), "{err}");
    }

    /// keepalived runs an instance without virtual_ipaddress in VRRPv2 and refuses it in v3
    /// (vrrp.c vrrp_complete_instance); vipflip takes --no-vip for the same.
    #[test]
    fn no_vip_is_vrrp_v2_state_and_hooks_only() {
        let argv = |extra: &[&str]| {
            let mut a = vec![
                "vipflip", "run", "--iface", "eth0", "--vrid", "41", "--no-vip",
            ];
            a.extend_from_slice(extra);
            match Cli::try_parse_from(a).unwrap().command {
                Command::Run(args) => run_config(&args, None),
                other => panic!("{other:?}"),
            }
        };
        let c = argv(&["--on-master", "/usr/local/bin/take-floating-ip"]).unwrap();
        assert!(c.vips.is_empty() && c.family().is_v4());
        assert_eq!(c.version, Version::V2);
        round_trip(&c);
        let v3 = argv(&["--vrrp-version", "3"]).unwrap_err().to_string();
        assert!(v3.contains("at least one address"), "{v3}");
        let v6 = argv(&[
            "--unicast-src",
            "2001:db8::1",
            "--unicast-peer",
            "2001:db8::2",
        ])
        .unwrap_err()
        .to_string();
        assert!(
            v6.contains("at least one address"),
            "IPv6 is always v3: {v6}"
        );
        let Command::Run(bare) =
            Cli::try_parse_from(["vipflip", "run", "--iface", "eth0", "--vrid", "7"])
                .unwrap()
                .command
        else {
            unreachable!()
        };
        let err = run_config(&bare, None).unwrap_err();
        assert!(err.cause.contains("--vip is required"), "{err}");
    }

    #[test]
    fn checks_and_hooks() {
        let c = config(&[
            "--track-tcp",
            "127.0.0.1:8080",
            "--track-http",
            "http://127.0.0.1:8080/ok",
            "--track-cmd",
            "true",
            "--track-weight",
            "60",
            "--on-master",
            "/bin/echo hi",
        ])
        .unwrap();
        assert_eq!(c.track.checks.len(), 3);
        assert!(c
            .track
            .checks
            .iter()
            .all(|t| (t.weight, t.timeout) == (-60, Duration::from_secs(1))));
        assert_eq!(
            c.hooks.on_master,
            Some(vec!["/bin/echo".to_string(), "hi".to_string()])
        );
        assert_eq!(c.name, "vrid41");
        assert!(error(&["--track-weight", "10"]).contains("there is no check to weigh"));
        assert!(error(&["--track-tcp", "nohost"]).contains("not HOST:PORT"));
        assert!(error(&["--track-http", "https://x/"]).contains("https is not supported"));
        assert!(error(&["--on-fault", " "]).contains("invalid --on-fault: an empty command"));
    }

    #[test]
    fn clap_rejects_out_of_range() {
        assert!(config(&["--priority", "0"]).is_err());
        let argv = [
            "vipflip",
            "run",
            "--iface",
            "e",
            "--vrid",
            "256",
            "--vip",
            "192.0.2.1",
        ];
        assert!(Cli::try_parse_from(argv).is_err());
        assert!(crate::cli::parse_duration("soon")
            .unwrap_err()
            .contains("'soon' is not a duration"));
    }
}

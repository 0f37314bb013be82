//! `vipflip run --check`: the flags or the file, the interface and its addresses, every
//! program a check or hook names; said as the start line and one `vipflip run` command line,
//! then exit 0. Nothing is added and nothing sent.

use std::net::IpAddr;

use super::edges::tracked_iface;
use super::node::{ownership_warnings, primary_address, start_info};
use crate::config::RunConfig;
use crate::error::{Error, Result};
use crate::json::Json;
use crate::net::caps::require_net_admin_and_raw;
use crate::net::iface::Interface;
use crate::ui::{Level, Ui};
use crate::vrrp::Machine;
/// `run --check`: everything up to the first packet, said, then exit 0.
pub(super) fn check_only(cfg: &RunConfig, mut ui: Ui) -> Result<i32> {
    let iface = Interface::lookup(&cfg.iface)?;
    let families = cfg.families();
    let primaries = families
        .iter()
        .map(|family| primary_address(family, &iface))
        .collect::<Result<Vec<IpAddr>>>()?;
    check_programs(cfg)?;
    let machine = Machine::new(families[0].params(primaries[0]));
    let mut info = start_info(&machine, &iface, cfg);
    info.primary6 = primaries.get(1).copied();
    ui.start(&info);
    let vrid = cfg.vrid;
    for (vip, warning) in ownership_warnings(cfg, &iface) {
        let iface = iface.name.as_str();
        PlanNote::OwnerWithoutAddress {
            vip,
            iface,
            warning,
        }
        .tell(&mut ui, vrid);
    }
    for c in &cfg.track.checks {
        PlanNote::Check(c).tell(&mut ui, vrid);
    }
    for (flag, argv) in cfg.hooks.all() {
        PlanNote::Hook { flag, argv }.tell(&mut ui, vrid);
    }
    for t in &cfg.track_ifaces {
        let up = tracked_iface(&t.name)?.up;
        PlanNote::TrackedIface { track: t, up }.tell(&mut ui, vrid);
    }
    if let Err(e) = require_net_admin_and_raw() {
        let text = format!("{e}").replace('\n', "; ");
        PlanNote::Privileges { text }.tell(&mut ui, vrid);
    }
    PlanNote::Command(cfg.command_line()).tell(&mut ui, vrid);
    PlanNote::Checked.tell(&mut ui, vrid);
    Ok(0)
}

/// Every program of --track-cmd and --on-* exists and is executable, or the error names it.
fn check_programs(cfg: &RunConfig) -> Result<()> {
    let checks = cfg.track.checks.iter().filter_map(|c| match &c.check {
        crate::health_checks::Check::Cmd(argv) => Some(("--track-cmd", argv.as_slice())),
        _ => None,
    });
    for (flag, argv) in checks.chain(cfg.hooks.all()) {
        let program = argv.first().map(String::as_str).unwrap_or_default();
        if let Err(why) = crate::net::exec::find_program(program) {
            return Err(
                Error::new(format!("invalid {flag} '{}'", argv.join(" ")), why)
                    .hint("give the program's full path, or install it; it runs without a shell"),
            );
        }
    }
    Ok(())
}

/// What the plan says before anything starts (what a keepalived.conf means here), and what
/// `--check` says after the start line: one variant per kind of line, each with its facts;
/// its text, level, event name and JSON fields come from `tell` (man vipflip-json).
pub(super) enum PlanNote<'a> {
    /// How a keyword of the file is read, or a flag's consequence.
    Config(&'a str),
    /// What in the file differs from keepalived here, or is ignored.
    ConfigWarning(&'a str),
    /// Priority 255 on a VIP the interface does not have.
    OwnerWithoutAddress {
        vip: IpAddr,
        iface: &'a str,
        warning: String,
    },
    Check(&'a crate::config::TrackedCheck),
    Hook {
        flag: &'a str,
        argv: &'a [String],
    },
    TrackedIface {
        track: &'a crate::config::TrackedIface,
        up: bool,
    },
    /// What running for real would miss.
    Privileges {
        text: String,
    },
    /// The one `vipflip run` line that says the same, or why there is none.
    Command(std::result::Result<Vec<String>, String>),
    Checked,
}

impl PlanNote<'_> {
    pub(super) fn tell(self, ui: &mut Ui, vrid: u8) {
        match self {
            PlanNote::Config(text) => ui.say(Level::Info, "config-note", vrid, text),
            PlanNote::ConfigWarning(text) => ui.say(Level::Warn, "config-warning", vrid, text),
            PlanNote::OwnerWithoutAddress {
                vip,
                iface,
                warning,
            } => {
                let fields = Json::default().str("vip", vip).str("iface", iface);
                ui.tell(Level::Warn, "owner-without-address", vrid, &warning, fields);
            }
            PlanNote::Check(c) => {
                let start = if c.init_fail {
                    "failed until it first passes"
                } else {
                    "decided by its first result"
                };
                let text = format!(
                    "health check {} every {}, timeout {}, rise {}, fall {}, {start}: {}",
                    c.check.name(),
                    humantime::format_duration(c.interval),
                    humantime::format_duration(c.timeout),
                    c.rise,
                    c.fall,
                    effect(c.weight, c.reverse, "a failure", "passing")
                );
                let fields = Json::default()
                    .str("check", c.check.name())
                    .raw("weight", c.weight);
                ui.tell(Level::Plain, "check-plan", vrid, &text, fields);
            }
            PlanNote::Hook { flag, argv } => {
                let program = argv.first().cloned().unwrap_or_default();
                let fields = Json::default().str("hook", flag).str("program", program);
                let text = format!("{flag}: {}", argv.join(" "));
                ui.tell(Level::Plain, "hook-plan", vrid, &text, fields);
            }
            PlanNote::TrackedIface { track, up } => {
                let name = &track.name;
                let now = if up { "up" } else { "down" };
                let what = effect(track.weight, track.reverse, "down", "up");
                let text = format!("interface {name} (now {now}): {what}");
                let fields = Json::default().str("iface", name).raw("up", up);
                ui.tell(Level::Plain, "track-iface-plan", vrid, &text, fields);
            }
            PlanNote::Privileges { text } => ui.say(
                Level::Warn,
                "privileges",
                vrid,
                &format!("to run for real: {text}"),
            ),
            PlanNote::Command(Ok(argv)) => {
                let line = crate::config::shell_line(&argv);
                let text = format!("same as: vipflip {line}");
                let fields = Json::default().list("argv", argv);
                ui.tell(Level::Plain, "command", vrid, &text, fields);
            }
            PlanNote::Command(Err(why)) => {
                let text = format!("no flags say the same ({why}): run it with --keepalived-conf");
                ui.say(Level::Plain, "command", vrid, &text);
            }
            PlanNote::Checked => ui.say(
                Level::Plain,
                "checked",
                vrid,
                "configuration OK (checked only: no address added, nothing sent)",
            ),
        }
    }
}

/// What a tracked thing's weight does, in words: `bad` and `good` name its two states.
fn effect(weight: i32, reverse: bool, bad: &str, good: &str) -> String {
    let (bad, good) = if reverse { (good, bad) } else { (bad, good) };
    match weight {
        0 => format!("{bad} hands the VIP over (fault)"),
        w if w < 0 => format!("{bad} lowers the priority by {}", -w),
        w => format!("{good} raises the priority by {w}"),
    }
}

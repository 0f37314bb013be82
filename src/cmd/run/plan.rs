//! What a `vipflip run` starts: one instance from the flags, or the instances of a
//! keepalived.conf (all, or the one --instance names) with their sync groups, every
//! problem of the file and of its instances named at once; and the sets of nodes that
//! move together.

use super::io::NodeIo;
use super::node::Node;
use crate::cli::RunArgs;
use crate::config::{run_config, RunConfig};
use crate::error::{Error, Result};
use crate::wire::Family;

/// What a run starts: one instance from the flags, or the instances of a keepalived.conf
/// (all of them, or the one --instance names), with the sync groups among them.
pub(super) struct Plan {
    pub(super) cfgs: Vec<RunConfig>,
    /// keepalived's vrrp_sync_group: the names, each with its members' indexes in `cfgs`.
    pub(super) sync_groups: Vec<(String, Vec<usize>)>,
    /// Notes on the file as a whole (global_defs).
    pub(super) notes: Vec<String>,
}

pub(super) fn plan(args: &RunArgs) -> Result<Plan> {
    let Some(path) = &args.keepalived_conf else {
        return Ok(Plan {
            cfgs: vec![run_config(args, None)?],
            sync_groups: Vec::new(),
            notes: Vec::new(),
        });
    };
    let (conf, mut problems) = read_keepalived_conf(path, args)?;
    let notes = conf.notes.clone();
    let chosen = match args.instance.as_deref() {
        Some(name) => vec![crate::keepalived_conf::choose(conf.clone(), Some(name))
            .map_err(|e| conf_error(path, e))?],
        None => conf.instances.clone(),
    };
    if chosen.len() > 1 {
        if let Some(flag) = instance_flag(args) {
            return Err(Error::new(
                "invalid arguments",
                format!(
                    "{flag} would apply to all {} instances of the file",
                    chosen.len()
                ),
            )
            .hint("add --instance NAME to set it for one instance, or set it in the file"));
        }
    }
    // Every problem at once: the file's, then each instance's that read cleanly.
    let mut cfgs = Vec::new();
    for inst in chosen.iter().filter(|i| i.clean) {
        match run_config(args, Some(inst)) {
            Ok(cfg) => cfgs.push(cfg),
            Err(e) if chosen.len() == 1 && problems.is_empty() => return Err(e),
            Err(e) => problems.push((
                crate::keepalived_conf::Loc::default(),
                format!("vrrp_instance {}: {}: {}", inst.name, e.what, e.cause),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(conf_error(
            path,
            crate::keepalived_conf::ConfError { problems },
        ));
    }
    check_distinct(&cfgs)?;
    // A sync group with one member here runs as an instance of its own (keepalived: "Sync
    // group has only 1 virtual router(s)"), so it never waits for partners it lacks.
    for i in 0..cfgs.len() {
        let group = cfgs[i].sync_group.clone();
        let members = cfgs.iter().filter(|c| c.sync_group == group).count();
        if members < 2 {
            cfgs[i].sync_group = None;
            cfgs[i].group_hooks = Default::default();
        }
    }
    let sync_groups = conf
        .sync_groups
        .iter()
        .map(|g| {
            let members = g
                .members
                .iter()
                .filter_map(|m| cfgs.iter().position(|c| &c.name == m))
                .collect();
            (g.name.clone(), members)
        })
        .collect();
    let notes = if args.instance.is_some() {
        Vec::new()
    } else {
        notes
    };
    Ok(Plan {
        cfgs,
        sync_groups,
        notes,
    })
}

/// A flag that sets one instance's settings, given for a file of several.
fn instance_flag(args: &RunArgs) -> Option<&'static str> {
    [
        (!args.vips.is_empty(), "--vip"),
        (args.iface.is_some(), "--iface"),
        (args.vrid.is_some(), "--vrid"),
        (args.priority.is_some(), "--priority"),
        (args.advert_int.is_some(), "--advert-int"),
        (args.vrrp_version.is_some(), "--vrrp-version"),
        (args.state.is_some(), "--state"),
        (args.auth_pass.is_some(), "--auth-pass"),
        (!args.unicast_peers.is_empty(), "--unicast-peer"),
        (args.unicast_src.is_some(), "--unicast-src"),
        (args.vmac.is_some(), "--vmac"),
        (!args.track_cmds.is_empty(), "--track-cmd"),
        (
            args.on_master.is_some() || args.on_backup.is_some(),
            "--on-*",
        ),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

/// Two instances of one VRID on one interface and family would be one VRRP group twice.
fn check_distinct(cfgs: &[RunConfig]) -> Result<()> {
    let mut seen: Vec<(String, u8, Family, &str)> = Vec::new();
    for c in cfgs {
        for family in c.families() {
            let key = (c.iface.clone(), c.vrid, family.family());
            if let Some((.., other)) = seen
                .iter()
                .find(|(i, v, f, _)| (i, v, f) == (&key.0, &key.1, &key.2))
            {
                return Err(Error::new(
                    "invalid keepalived.conf",
                    format!(
                        "vrrp_instance {} and {other} are both VRID {} on {}",
                        c.name, c.vrid, c.iface
                    ),
                )
                .hint("give each instance on an interface its own virtual_router_id"));
            }
            seen.push((key.0, key.1, key.2, &c.name));
        }
    }
    Ok(())
}

/// The node sets that move together: the families of one instance, and every family of
/// every member of a sync group; each with the group's name (`None`: one instance).
pub(super) fn sync_sets<I: NodeIo>(
    nodes: &[Node<I>],
    plan: &Plan,
) -> Vec<(Option<String>, Vec<usize>)> {
    let of_unit = |unit: usize| -> Vec<usize> {
        nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.unit == unit)
            .map(|(i, _)| i)
            .collect()
    };
    let mut sets: Vec<(Option<String>, Vec<usize>)> = (0..plan.cfgs.len())
        .map(of_unit)
        .filter(|s| s.len() > 1)
        .map(|s| (None, s))
        .collect();
    for (name, members) in &plan.sync_groups {
        let all: Vec<usize> = members.iter().flat_map(|u| of_unit(*u)).collect();
        if all.len() > 1 {
            sets.push((Some(name.clone()), all));
        }
    }
    sets
}

type ConfRead = (
    crate::keepalived_conf::Conf,
    Vec<(crate::keepalived_conf::Loc, String)>,
);

/// The file as far as it reads, and its problems (see keepalived_conf::read).
fn read_keepalived_conf(path: &std::path::Path, args: &RunArgs) -> Result<ConfRead> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(format!("cannot read {shown}"), e)
            .hint("give the path of a readable keepalived.conf")
    })?;
    let files = ConfFiles {
        config_id: args.config_id.clone().or_else(host_name),
    };
    crate::keepalived_conf::read(&text, Some(path), &files).map_err(|e| conf_error(path, e))
}

fn conf_error(path: &std::path::Path, e: crate::keepalived_conf::ConfError) -> Error {
    Error::new(format!("cannot use {}", path.display()), e).hint(
        "remove what vipflip does not support (see docs/keepalived-conf.md, in /usr/share/doc/vipflip/ with the .deb), or give the settings as flags",
    )
}

/// keepalived's default config id: the host name up to its first dot (main.c).
fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let short = name.trim().split('.').next()?.to_string();
    Some(short).filter(|n| !n.is_empty())
}

/// keepalived.conf's `include` (glob(3) patterns on the file system, sorted) and the
/// config id of its `@ID` lines.
pub(crate) struct ConfFiles {
    pub(crate) config_id: Option<String>,
}

impl crate::keepalived_conf::Files for ConfFiles {
    fn glob(
        &self,
        pattern: &std::path::Path,
    ) -> std::result::Result<Vec<std::path::PathBuf>, String> {
        let text = pattern.to_string_lossy();
        let paths = glob::glob(&text).map_err(|e| format!("{text}: {e}"))?;
        let mut found: Vec<_> = paths
            .filter_map(|p| p.ok())
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        Ok(found)
    }

    fn read(&self, path: &std::path::Path) -> std::result::Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    }

    fn config_id(&self) -> Option<String> {
        self.config_id.clone()
    }
}

//! Which hooks a transition runs, with keepalived's notify arguments and vipflip's variables.

use crate::config::RunConfig;
use crate::net::hooks::Job;
use crate::vrrp::State;

/// keepalived's word for a state in notify arguments; `None` for states that run no hook.
fn notify_word(state: State) -> Option<&'static str> {
    match state {
        State::Master => Some("MASTER"),
        State::Backup => Some("BACKUP"),
        State::Fault => Some("FAULT"),
        State::Stopped => Some("STOP"),
        State::Init | State::Releasing => None,
    }
}

/// The jobs for a transition `from` -> `to` at `priority`: the state's own hook, then
/// --on-change. Each gets `INSTANCE <name> <STATE> <priority>` appended, like keepalived's
/// generic notify script, unless it is one of keepalived's notify_master/backup/fault/stop
/// (`hooks.bare`, which keepalived runs as written), and VIPFLIP_* variables.
pub(super) fn jobs(cfg: &RunConfig, from: State, to: State, priority: u8) -> Vec<Job> {
    let Some(word) = notify_word(to) else {
        return Vec::new();
    };
    let own = match to {
        State::Master => ("on-master", &cfg.hooks.on_master),
        State::Backup => ("on-backup", &cfg.hooks.on_backup),
        State::Fault => ("on-fault", &cfg.hooks.on_fault),
        _ => ("on-stop", &cfg.hooks.on_stop),
    };
    let bare = |name: &str| {
        cfg.hooks
            .bare
            .iter()
            .any(|b| b.trim_start_matches('-') == name)
    };
    let vips: Vec<String> = cfg.vips.iter().map(|v| v.to_string()).collect();
    let env = vec![
        ("VIPFLIP_STATE".to_string(), word.to_lowercase()),
        ("VIPFLIP_PREV_STATE".to_string(), from.name().to_string()),
        ("VIPFLIP_VIP".to_string(), vips.join(" ")),
        ("VIPFLIP_IFACE".to_string(), cfg.iface.clone()),
        ("VIPFLIP_VRID".to_string(), cfg.vrid.to_string()),
        ("VIPFLIP_PRIORITY".to_string(), priority.to_string()),
        ("VIPFLIP_INSTANCE".to_string(), cfg.name.clone()),
    ];
    [own, ("on-change", &cfg.hooks.on_change)]
        .into_iter()
        .filter_map(|(name, argv)| argv.as_ref().map(|argv| (name, argv)))
        .map(|(name, argv)| {
            let mut argv = argv.clone();
            if bare(name) {
                return Job {
                    name: name.to_string(),
                    argv,
                    env: env.clone(),
                };
            }
            argv.extend([
                "INSTANCE".to_string(),
                cfg.name.clone(),
                word.to_string(),
                priority.to_string(),
            ]);
            Job {
                name: name.to_string(),
                argv,
                env: env.clone(),
            }
        })
        .collect()
}

/// A sync group's notify scripts for its new `state` (vrrp_notify.c send_group_notifies):
/// the state's own script as written, then `notify` with `GROUP NAME STATE 0`.
pub(super) fn group_jobs(
    hooks: &crate::keepalived_conf::GroupHooks,
    group: &str,
    state: State,
) -> Vec<Job> {
    let Some(word) = notify_word(state) else {
        return Vec::new();
    };
    let own = match state {
        State::Master => &hooks.on_master,
        State::Backup => &hooks.on_backup,
        State::Fault => &hooks.on_fault,
        _ => &hooks.on_stop,
    };
    let env = vec![
        ("VIPFLIP_GROUP".to_string(), group.to_string()),
        ("VIPFLIP_STATE".to_string(), word.to_lowercase()),
    ];
    let mut jobs: Vec<Job> = own
        .iter()
        .map(|argv| Job {
            name: format!("group {group} notify_{}", word.to_lowercase()),
            argv: argv.clone(),
            env: env.clone(),
        })
        .collect();
    if let Some(argv) = &hooks.on_change {
        let mut argv = argv.clone();
        argv.extend(["GROUP".into(), group.into(), word.into(), "0".into()]);
        jobs.push(Job {
            name: format!("group {group} notify"),
            argv,
            env,
        });
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn cfg(extra: &[&str]) -> RunConfig {
        let mut argv = vec![
            "vipflip",
            "run",
            "--iface",
            "eth0",
            "--vrid",
            "41",
            "--vip",
            "192.0.2.250/24",
        ];
        argv.extend(extra);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Run(args) => crate::config::run_config(&args, None).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keepalived_arguments_and_vipflip_variables() {
        let c = cfg(&[
            "--on-master",
            "/usr/local/bin/notify master",
            "--on-change",
            "/usr/local/bin/log",
        ]);
        let jobs = jobs(&c, State::Backup, State::Master, 200);
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].name, "on-master");
        assert_eq!(
            jobs[0].argv,
            [
                "/usr/local/bin/notify",
                "master",
                "INSTANCE",
                "vrid41",
                "MASTER",
                "200"
            ]
        );
        assert_eq!(
            jobs[1].argv,
            ["/usr/local/bin/log", "INSTANCE", "vrid41", "MASTER", "200"]
        );
        let env: std::collections::HashMap<_, _> = jobs[0].env.iter().cloned().collect();
        assert_eq!(env["VIPFLIP_STATE"], "master");
        assert_eq!(env["VIPFLIP_PREV_STATE"], "backup");
        assert_eq!(env["VIPFLIP_VIP"], "192.0.2.250/24");
        assert_eq!(
            (env["VIPFLIP_IFACE"].as_str(), env["VIPFLIP_VRID"].as_str()),
            ("eth0", "41")
        );
        assert_eq!(
            super::jobs(&c, State::Master, State::Stopped, 200)[0].argv[3],
            "STOP"
        );
        assert_eq!(env["VIPFLIP_INSTANCE"], "vrid41");
        assert!(super::jobs(&c, State::Master, State::Releasing, 200).is_empty());
        assert!(super::jobs(&cfg(&[]), State::Backup, State::Master, 100).is_empty());
    }

    /// vrrp_notify.c send_group_notifies: the state's script as written, then the generic
    /// one with `GROUP NAME STATE 0` (notify_script_exec(gscript, "GROUP", ..., 0)).
    #[test]
    fn a_sync_groups_notify_scripts_get_keepalived_arguments() {
        let hooks = crate::keepalived_conf::GroupHooks {
            on_master: Some(vec!["/k/g.sh".into(), "up".into()]),
            on_change: Some(vec!["/k/any.sh".into()]),
            ..Default::default()
        };
        let jobs = group_jobs(&hooks, "G", State::Master);
        assert_eq!(jobs[0].argv, ["/k/g.sh", "up"]);
        assert_eq!(jobs[1].argv, ["/k/any.sh", "GROUP", "G", "MASTER", "0"]);
        let backup = group_jobs(&hooks, "G", State::Backup);
        assert_eq!(backup.len(), 1, "no notify_backup, only the generic one");
        assert_eq!(backup[0].argv[3], "BACKUP");
    }

    /// keepalived's notify_master etc. run as written (set_vrrp_notify_script(strvec, 0)),
    /// its `notify` with `INSTANCE NAME STATE PRIORITY` (set_vrrp_notify_script(strvec, 4)).
    #[test]
    fn keepalived_conf_notify_scripts_get_keepalived_arguments() {
        let text = "vrrp_instance VI_7 {\n  interface eth0\n  virtual_router_id 7\n  virtual_ipaddress {\n    192.0.2.7/24\n  }\n  notify_master \"/k/m.sh up\"\n  notify \"/k/any.sh\"\n}\n";
        let inst = crate::keepalived_conf::instance(text, None).unwrap();
        let Command::Run(args) = Cli::try_parse_from(["vipflip", "run"]).unwrap().command else {
            unreachable!()
        };
        let c = crate::config::run_config(&args, Some(&inst)).unwrap();
        let jobs = jobs(&c, State::Backup, State::Master, 100);
        assert_eq!(jobs[0].argv, ["/k/m.sh", "up"]);
        assert_eq!(
            jobs[1].argv,
            ["/k/any.sh", "INSTANCE", "VI_7", "MASTER", "100"]
        );
        let env: std::collections::HashMap<_, _> = jobs[0].env.iter().cloned().collect();
        assert_eq!(env["VIPFLIP_INSTANCE"], "VI_7");
    }
}

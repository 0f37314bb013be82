//! The README and the shipped systemd unit cannot rot: every vipflip command line they show
//! must be accepted by the current command-line definition.

use clap::Parser;
use vipflip::cli::Cli;

mod readme;

fn root(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn every_command_line_in_the_readme_parses() {
    let commands = readme::commands(&readme::readme());
    assert!(commands.len() >= 8, "found only {commands:?}");
    for sub in ["run", "probe", "ping-watch", "release", "demo"] {
        assert!(
            commands
                .iter()
                .any(|c| c.get(1).map(String::as_str) == Some(sub)),
            "README shows no 'vipflip {sub}'"
        );
    }
    for argv in commands {
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("README command {argv:?} no longer parses:\n{e}");
        }
    }
}

#[test]
fn the_systemd_unit_runs_the_example_flags_with_least_privilege() {
    let unit = root("contrib/vipflip@.service");
    let env = root("contrib/vipflip.env.example");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    let mut checked = 0;
    for args in env
        .lines()
        .filter_map(|l| l.trim_start_matches("# ").strip_prefix("VIPFLIP_ARGS="))
    {
        let line = exec.replace("$VIPFLIP_ARGS", args);
        let mut argv: Vec<&str> = line.split_whitespace().collect();
        argv[0] = "vipflip";
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("the unit's command {argv:?} does not parse:\n{e}");
        }
        checked += 1;
    }
    assert_eq!(checked, 2, "both example argument lines are checked");
    for needed in [
        "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW",
        "KillSignal=SIGTERM",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.contains(needed), "the unit lacks {needed}");
    }
}

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
    let example = root("contrib/vipflip.args.example");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    assert_eq!(exec, "vipflip run --args-file /etc/vipflip/%i.args");
    // The example as shipped, and its commented alternative, each give a command that parses;
    // a --track-cmd with arguments stays one value.
    let shipped = vipflip::cli::args_from_file(&example).expect("the example reads");
    let i = shipped
        .iter()
        .position(|a| a == "--track-cmd")
        .expect("a --track-cmd");
    assert_eq!(shipped[i + 1], "systemctl is-active nginx");
    let alternative: String = example
        .lines()
        .filter_map(|l| l.strip_prefix("# --"))
        .map(|l| format!("--{l}\n"))
        .collect();
    for args in [
        shipped,
        vipflip::cli::args_from_file(&alternative).expect("reads"),
    ] {
        let mut argv = vec!["vipflip".to_string(), "run".to_string()];
        argv.extend(args);
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("the unit's command {argv:?} does not parse:\n{e}");
        }
    }
    for needed in [
        "Type=notify",
        "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW",
        "KillSignal=SIGTERM",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.contains(needed), "the unit lacks {needed}");
    }
    let override_conf = root("contrib/vipflip@.service.d/hooks-as-root.conf");
    assert!(override_conf.contains("[Service]") && override_conf.contains("User=root"));
}

#[test]
fn an_args_file_names_the_line_it_cannot_read() {
    let err = vipflip::cli::args_from_file("--vrid 41\nvip 192.0.2.250/24\n").unwrap_err();
    assert!(
        err.starts_with("line 2: 'vip' is not a flag of run"),
        "{err}"
    );
    assert_eq!(
        vipflip::cli::args_from_file("# c\n\n  --no-preempt  \n--on-master a b  c\n").unwrap(),
        vec!["--no-preempt", "--on-master", "a b  c"]
    );
}

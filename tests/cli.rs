//! The built binary: help, errors and exit codes, as a user meets them.

use std::process::{Command, Output};

fn vipflip<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vipflip"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run vipflip")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An error: exit 2, exactly two lines `vipflip: ...` and `hint: ...`, no Rust internals.
fn assert_error<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], needle: &str) -> String {
    let out = vipflip(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "{args:?}: one error line and one hint line:\n{err}"
    );
    assert!(lines[0].starts_with("vipflip: "), "{err}");
    assert!(lines[1].starts_with("hint: "), "{err}");
    assert!(
        err.contains(needle),
        "{args:?}: expected {needle:?} in\n{err}"
    );
    for internal in ["panicked", "RUST_BACKTRACE", "Error {", "Os {", "unwrap"] {
        assert!(!err.contains(internal), "{err}");
    }
    err
}

/// `run --iface lo --vip 192.0.2.250/24 --vrid 41` with `extra` flags added or replacing those.
fn run_with(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["run", "--iface", "lo"].map(String::from).to_vec();
    for (flag, default) in [("--vrid", "41"), ("--vip", "192.0.2.250/24")] {
        if !extra.contains(&flag) {
            args.extend([flag.to_string(), default.to_string()]);
        }
    }
    args.extend(extra.iter().map(|e| e.to_string()));
    args
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let out = vipflip(&["run", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Examples:")
            && text.contains("vipflip run --vip 192.168.31.250/24 --iface ens33 --vrid 41")
    );
    for flag in [
        "--vip",
        "--iface",
        "--vrid",
        "--priority",
        "--advert-int",
        "--vrrp-version",
        "--no-preempt",
        "--preempt-delay",
        "--v3-checksum",
        "--auth-pass",
        "--garp-repeat",
        "--garp-delay",
        "--color",
        "--json",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
    let top = vipflip(&["--help"]);
    assert!(String::from_utf8_lossy(&top.stdout)
        .contains("Exit status: 0 success, 1 a negative answer, 2 error"));
    assert_eq!(vipflip(&["--version"]).status.code(), Some(0));
}

#[test]
fn bad_flags_get_one_line_and_a_hint() {
    assert_error(&run_with(&["--vrid", "0"]), "must be 1 to 255, got 0");
    assert_error(
        &[
            "run",
            "--iface",
            "lo",
            "--vrid",
            "256",
            "--vip",
            "192.0.2.250/24",
        ],
        "must be 1 to 255, got 256",
    );
    assert_error(&run_with(&["--priority", "0"]), "must be 1 to 255, got 0");
    assert_error(
        &run_with(&["--priority", "300"]),
        "must be 1 to 255, got 300",
    );
    assert_error(
        &run_with(&["--advert-int", "soon"]),
        "'soon' is not a duration",
    );
    assert_error(
        &run_with(&["--advert-int", "100ms"]),
        "VRRPv2, which counts whole seconds",
    );
    assert_error(
        &run_with(&["--vrrp-version", "3", "--advert-int", "5ms"]),
        "not a multiple of 10ms",
    );
    assert_error(&run_with(&["--vrrp-version", "4"]), "must be 2 to 3, got 4");
    assert_error(
        &run_with(&[
            "--vip",
            "192.0.2.250/24",
            "--vip",
            "2001:db8::250/64",
            "--vrrp-version",
            "2",
        ]),
        "run as two VRRPv3 instances",
    );
    assert_error(
        &run_with(&["--vip", "192.0.2.250/40"]),
        "prefix length '40' is not 0-32",
    );
    assert_error(
        &run_with(&["--vip", "vip"]),
        "'vip' is not an IPv4 or IPv6 address",
    );
    assert_error(
        &run_with(&["--garp-delay", "later"]),
        "'later' is not a duration",
    );
    assert_error(
        &run_with(&["--garp-repeat", "0"]),
        "must be 1 to 100, got 0",
    );
    assert_error(
        &run_with(&["--no-preempt", "--preempt-delay", "1s"]),
        "conflicts with --no-preempt",
    );
    assert_error(
        &run_with(&["--v3-checksum", "cisco"]),
        "invalid value 'cisco'",
    );
    assert_error(
        &run_with(&["--color", "sometimes"]),
        "invalid value 'sometimes'",
    );
    assert_error(
        &["run", "--iface", "lo", "--vrid", "41"],
        "--vip is required",
    );
    assert_error(
        &["run", "--vip", "192.0.2.250/24", "--vrid", "41"],
        "--iface is required",
    );
    assert_error(
        &["run", "--vip", "192.0.2.250/24", "--iface", "lo"],
        "--vrid is required",
    );
    assert_error(
        &run_with(&["--instance", "VI_1"]),
        "--keepalived-conf <FILE>",
    );
    let tip = assert_error(
        &run_with(&["--prority", "5"]),
        "unexpected argument '--prority'",
    );
    assert!(
        tip.contains("a similar argument exists: '--priority'"),
        "{tip}"
    );
    assert_error(&["frobnicate"], "unrecognized subcommand 'frobnicate'");
    assert_error(
        &run_with(&["--hook-timeout", "0s"]),
        "0s kills every hook at once",
    );
    assert_error(
        &run_with(&["--track-timeout", "0s", "--track-cmd", "true"]),
        "0s fails every check",
    );
    assert_error(&run_with(&["--track-tcp", "nohost"]), "not HOST:PORT");
    assert_error(
        &run_with(&["--unicast-peer", "2001:db8::1"]),
        "is not IPv4, like the VIPs",
    );
    assert_error(&run_with(&["--unicast-src", "192.0.2.1"]), "--unicast-peer");
}

/// Whether `test` can run here (root, and setpriv when asked); a visible SKIP when not, and
/// a failure under VIPFLIP_REQUIRE_NETNS=1 (CI), where nothing may be skipped.
fn privileged(test: &str, needs_setpriv: bool) -> bool {
    let missing = if !nix::unistd::geteuid().is_root() {
        Some("needs root (capabilities are checked first)")
    } else if needs_setpriv && Command::new("setpriv").arg("--version").output().is_err() {
        Some("needs setpriv (util-linux) to drop capabilities")
    } else {
        None
    };
    let Some(why) = missing else {
        return true;
    };
    if std::env::var("VIPFLIP_REQUIRE_NETNS").is_ok_and(|v| v == "1") {
        panic!("{test}: VIPFLIP_REQUIRE_NETNS=1 but it {why}");
    }
    eprintln!("SKIP {test}: {why}; run as root (CI sets VIPFLIP_REQUIRE_NETNS=1)");
    false
}

#[test]
fn missing_capabilities_are_named_with_the_setcap_fix() {
    if !privileged("missing_capabilities_are_named_with_the_setcap_fix", true) {
        return;
    }
    let out = Command::new("setpriv")
        .args([
            "--bounding-set=-net_admin,-net_raw",
            env!("CARGO_BIN_EXE_vipflip"),
        ])
        .args(run_with(&[]))
        .output()
        .expect("setpriv");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("CAP_NET_ADMIN and CAP_NET_RAW not granted"),
        "{err}"
    );
    assert!(err.contains("setcap cap_net_admin,cap_net_raw+ep"), "{err}");
}

#[test]
fn unknown_interface() {
    if !privileged("unknown_interface", false) {
        return;
    }
    assert_error(
        &[
            "run",
            "--iface",
            "vfnosuch0",
            "--vrid",
            "41",
            "--vip",
            "192.0.2.250/24",
        ],
        "unknown interface 'vfnosuch0'",
    );
}

#[test]
fn keepalived_conf_problems_name_the_file_and_line() {
    let dir = std::env::temp_dir().join(format!("vipflip-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let conf = dir.join("keepalived.conf");
    let text = "vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 41\n  virtual_routes\n  virtual_ipaddress {\n    192.0.2.250/24\n  }\n}\n";
    std::fs::write(&conf, text).expect("write conf");
    let path = conf.display().to_string();
    let err = assert_error(
        &["run", "--keepalived-conf", &path],
        "line 4: vrrp_instance VI_1: 'virtual_routes' is not supported by vipflip: add them in an --on-master hook",
    );
    assert!(err.contains(&format!("cannot use {path}")), "{err}");
    assert_error(
        &["run", "--keepalived-conf", "/nonexistent/keepalived.conf"],
        "cannot read /nonexistent/keepalived.conf",
    );
    // A file of several instances runs them all; each must be complete, and is named.
    std::fs::write(&conf, "vrrp_instance A {\n}\nvrrp_instance B {\n}\n").expect("write conf");
    let err = assert_error(
        &["run", "--keepalived-conf", &path],
        "vrrp_instance A: invalid arguments: --iface is required; vrrp_instance B: invalid arguments: --iface is required",
    );
    assert!(err.contains(&format!("cannot use {path}")), "{err}");
    // A keyword problem in one instance and a missing setting in another: both at once.
    std::fs::write(
        &conf,
        "vrrp_instance A {\n  priorty 5\n}\nvrrp_instance B {\n}\n",
    )
    .expect("write conf");
    assert_error(
        &["run", "--keepalived-conf", &path],
        "line 2: vrrp_instance A: 'priorty' is not a keyword vipflip knows; did you mean 'priority'?; vrrp_instance B: invalid arguments: --iface is required",
    );
    assert_error(
        &["run", "--keepalived-conf", &path, "--priority", "100"],
        "--priority would apply to all 2 instances of the file",
    );
    let same = "vrrp_instance A {\n  interface lo\n  virtual_router_id 7\n  virtual_ipaddress {\n    192.0.2.7/24\n  }\n}\nvrrp_instance B {\n  interface lo\n  virtual_router_id 7\n  virtual_ipaddress {\n    192.0.2.8/24\n  }\n}\n";
    std::fs::write(&conf, same).expect("write conf");
    assert_error(
        &["run", "--keepalived-conf", &path, "--check"],
        "vrrp_instance B and A are both VRID 7 on lo",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn companion_commands_reject_bad_values() {
    assert_error(&["probe"], "--iface <NAME>");
    assert_error(
        &["probe", "--iface", "lo", "--duration", "0s"],
        "0s hears nothing",
    );
    assert_error(
        &["probe", "--iface", "lo", "--vrid", "0"],
        "must be 1 to 255, got 0",
    );
    assert_error(
        &["probe", "--iface", "lo", "--vip", "nope"],
        "--vip must be an IPv4 or IPv6 address (a /LEN is allowed), got 'nope'",
    );
    assert_error(&["ping-watch"], "<ADDR>");
    assert_error(
        &["ping-watch", "not-an-ip"],
        "ADDR must be an IPv4 or IPv6 address (a /LEN is allowed), got 'not-an-ip'",
    );
    assert_error(
        &["ping-watch", "192.0.2.250", "--interval", "5ms"],
        "5ms is below 10ms",
    );
    assert_error(
        &[
            "ping-watch",
            "192.0.2.250",
            "--count",
            "3",
            "--duration",
            "1s",
        ],
        "cannot be used with",
    );
    assert_error(
        &["ping-watch", "192.0.2.250", "--tcp", "0"],
        "must be 1 to 65535, got 0",
    );
    assert_error(
        &["ping-watch", "192.0.2.250", "--max-outage", "soonish"],
        "'soonish' is not a duration",
    );
    assert_error(&["ping-watch", "224.0.0.18"], "not a unicast address");
    assert_error(&["release", "--iface", "lo"], "--vip <ADDR/LEN>");
    assert_error(
        &[
            "release",
            "--iface",
            "lo",
            "--vip",
            "192.0.2.250/24",
            "--vrrp-version",
            "3",
        ],
        "--vrid",
    );
    assert_error(
        &[
            "release",
            "--iface",
            "lo",
            "--vip",
            "192.0.2.250/24",
            "--vrid",
            "41",
            "--advert-int",
            "100ms",
        ],
        "whole seconds",
    );
}

/// humantime takes durations (centuries) that overflow the clock: every duration flag has a
/// range and says so, before anything starts.
#[test]
fn no_duration_flag_can_overflow_the_clock() {
    let huge = "400000000years";
    for flag in [
        "--advert-int",
        "--preempt-delay",
        "--garp-delay",
        "--track-interval",
        "--track-timeout",
        "--hook-timeout",
    ] {
        let err = assert_error(&run_with(&[flag, huge]), "out of range");
        assert!(err.contains(flag), "{err}");
    }
    for (args, flag) in [
        (
            vec!["probe", "--iface", "lo", "--duration", huge],
            "--duration",
        ),
        (
            vec!["ping-watch", "192.0.2.250", "--interval", huge],
            "--interval",
        ),
        (
            vec!["ping-watch", "192.0.2.250", "--duration", huge],
            "--duration",
        ),
        (
            vec!["ping-watch", "192.0.2.250", "--max-outage", huge],
            "--max-outage",
        ),
        (
            vec![
                "release",
                "--iface",
                "lo",
                "--vip",
                "192.0.2.250/24",
                "--vrid",
                "41",
                "--advert-int",
                huge,
            ],
            "--advert-int",
        ),
    ] {
        let err = assert_error(&args, "out of range");
        assert!(err.contains(flag), "{err}");
    }
    assert_error(&run_with(&["--preempt-delay", "2h"]), "use 0s to 1h");
}

#[test]
fn help_fits_80_columns_and_shows_what_run_needs() {
    for sub in ["run", "release", "probe", "ping-watch", "status", "demo"] {
        let out = Command::new(env!("CARGO_BIN_EXE_vipflip"))
            .args([sub, "--help"])
            .env("COLUMNS", "80")
            .output()
            .expect("run vipflip");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{sub}");
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{sub} --help: {line:?}");
        }
        if sub == "run" {
            assert!(
                text.contains(
                    "Usage: vipflip run --vip <ADDR/LEN> --iface <NAME> --vrid <VRID> [OPTIONS]"
                ) && text.contains("vipflip run --keepalived-conf <FILE> [OPTIONS]"),
                "{text}"
            );
        }
        assert!(
            !text.contains("[default:"),
            "one style for defaults, '(default X)': {sub}"
        );
        // `vipflip run --help | head` shows how to call it first, the prose after.
        assert!(
            text.starts_with(&format!("Usage: vipflip {sub}")),
            "{sub} --help starts with: {:?}",
            text.lines().next()
        );
    }
}

#[test]
fn range_errors_speak_plainly_and_habits_of_other_tools_work() {
    assert_error(
        &[
            "run",
            "--vip",
            "192.0.2.250/24",
            "--iface",
            "lo",
            "--vrid",
            "0",
        ],
        "vipflip: invalid arguments: --vrid must be 1 to 255, got 0",
    );
    assert_error(
        &["run", "--vrid", "abc"],
        "--vrid must be a whole number from 1 to 255, got 'abc'",
    );
    assert_error(&["demo", "--nodes", "9"], "--nodes must be 2 to 8, got 9");
    assert_error(
        &["ping-watch", "192.0.2.250", "-c", "0"],
        "--count must be at least 1, got 0",
    );
    assert_error(
        &["probe", "--interface", "lo", "--vip", "192.0.2"],
        "--vip must be an IPv4 or IPv6 address (a /LEN is allowed), got '192.0.2'",
    );
    use clap::Parser;
    use vipflip::cli::{Cli, Command as Sub};
    let parsed = Cli::try_parse_from([
        "vipflip",
        "ping-watch",
        "192.0.2.250/24",
        "-i",
        "0.2",
        "-c",
        "5",
    ])
    .expect("ping's -i and -c, and ADDR/LEN");
    let Sub::PingWatch(p) = parsed.command else {
        panic!()
    };
    assert_eq!(p.addr.to_string(), "192.0.2.250");
    assert_eq!(p.interval, std::time::Duration::from_millis(200));
    assert_eq!(p.count, Some(5));
    let parsed =
        Cli::try_parse_from(["vipflip", "run", "--interface", "eth0"]).expect("--interface");
    let Sub::Run(r) = parsed.command else {
        panic!()
    };
    assert_eq!(
        r.iface.as_deref(),
        Some("eth0"),
        "keepalived's and ucarp's word"
    );
}

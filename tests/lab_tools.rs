//! Lab tests of the companion subcommands: release, probe, ping-watch.

mod lab;

use std::time::{Duration, Instant};

use lab::{available, Lab, MARGIN, VIP4};
use nix::sys::signal::Signal;
use vipflip::vrrp::timers::skew_time;
use vipflip::wire::Version;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn release_with_vrid_hands_a_killed_masters_vip_over_within_skew_time() {
    if !available(
        "release_with_vrid_hands_a_killed_masters_vip_over_within_skew_time",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (mut n1, n2) = lab.fast_pair();
    std::thread::sleep(Duration::from_millis(200));
    n1.signal(Signal::SIGKILL);
    let _ = n1.wait_exit(Duration::from_secs(1));
    let t = Instant::now();
    let release = [
        "release",
        "--vip",
        "192.0.2.250/24",
        "--iface",
        "eth0",
        "--vrid",
        "41",
        "--vrrp-version",
        "3",
        "--advert-int",
        "100ms",
    ];
    let out = lab.vipflip_output(1, &release);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.contains("removed 192.0.2.250/24 from eth0"), "{text}");
    assert!(
        text.contains("sent priority 0 for vrid 41 from 192.0.2.201; after ")
            && text.contains(
                "handed over to 192.0.2.202, VIP removed once 02:00:c0:00:02:ca announced it"
            ),
        "{text}"
    );
    let line = n2
        .wait_line("MASTER", t, Duration::from_secs(2))
        .expect("n2 takes over");
    assert!(
        line.text.contains("stepped down (priority 0)"),
        "{}",
        line.text
    );
    let bound = skew_time(Version::V3, 150, 10) + MARGIN;
    assert!(
        line.at - t <= bound,
        "took {:?}, bound {bound:?}",
        line.at - t
    );
    assert!(lab.wait_sole_holder(2, VIP4, Duration::from_secs(1)));
}

#[test]
fn release_removes_a_leftover_says_when_nothing_is_there_and_refuses_the_primary() {
    if !available(
        "release_removes_a_leftover_says_when_nothing_is_there_and_refuses_the_primary",
        false,
    ) {
        return;
    }
    let lab = Lab::new(1);
    lab.exec(1, &["ip", "addr", "add", "192.0.2.250/24", "dev", "eth0"]);
    let args = ["release", "--vip", "192.0.2.250/24", "--iface", "eth0"];
    let out = lab.vipflip_output(1, &args);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("removed 192.0.2.250/24 from eth0"),
        "{}",
        stdout(&out)
    );
    assert!(!lab.holds(1, VIP4));
    let out = lab.vipflip_output(1, &args);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("192.0.2.250/24 was not on eth0: nothing to remove"),
        "{}",
        stdout(&out)
    );

    // What a run killed inside its quiet drain leaves: the VIP as a local route only.
    let drain_route = [
        "ip", "route", "add", "local", VIP4, "dev", "eth0", "table", "local", "metric", "1024",
        "proto", "static",
    ];
    lab.exec(1, &drain_route);
    let out = lab.vipflip_output(1, &args);
    assert!(
        stdout(&out).contains("removed 192.0.2.250/24 from eth0"),
        "{}",
        stdout(&out)
    );
    let routes = lab.exec(1, &["ip", "route", "show", "table", "local"]);
    assert!(!routes.contains(VIP4), "{routes}");

    let out = lab.vipflip_output(
        1,
        &["release", "--vip", "192.0.2.201/24", "--iface", "eth0"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("refusing to remove 192.0.2.201/24: it is the primary address of eth0"),
        "{err}"
    );
    assert!(lab.holds(1, "192.0.2.201"), "the primary address stays");
}

/// A JSON field's raw value from one line of --json output.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &line[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    Some(rest[..end].trim_matches('"'))
}

#[test]
fn ping_watch_measures_a_crash_failover_within_one_interval() {
    if !available(
        "ping_watch_measures_a_crash_failover_within_one_interval",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (n1, n2) = lab.fast_pair();
    let interval = Duration::from_millis(10);
    let args = [
        "ping-watch",
        "192.0.2.250",
        "--interval",
        "10ms",
        "--duration",
        "3s",
        "--max-outage",
        "100ms",
        "--json",
    ];
    let mut watch = lab.spawn(0, env!("CARGO_BIN_EXE_vipflip"), &args);
    std::thread::sleep(Duration::from_millis(700));
    let t_fault = Instant::now();
    n1.signal(Signal::SIGKILL);
    lab.set_port(1, false);
    let moved = n2
        .wait_line("MASTER", t_fault, Duration::from_secs(2))
        .expect("n2 takes over")
        .at;
    let real = moved - t_fault;
    let outage = watch
        .wait_line("\"event\":\"outage\"", t_fault, Duration::from_secs(3))
        .expect("an outage line")
        .text;
    let reported: f64 = field(&outage, "length_ms")
        .and_then(|v| v.parse().ok())
        .expect("length_ms");
    let reported = Duration::from_secs_f64(reported / 1000.0);
    let diff = reported.abs_diff(real);
    assert!(
        diff <= interval + Duration::from_millis(40),
        "reported {reported:?}, real {real:?}\n{outage}"
    );
    assert_eq!(
        field(&outage, "mac_before"),
        Some(lab.host(1).mac.as_str()),
        "{outage}"
    );
    assert_eq!(
        field(&outage, "mac_after"),
        Some(lab.host(2).mac.as_str()),
        "{outage}"
    );
    assert_eq!(
        watch.wait_exit(Duration::from_secs(5)),
        Some(1),
        "the outage exceeded --max-outage 100ms"
    );
    let summary = watch
        .output()
        .lines()
        .find(|l| l.contains("\"event\":\"summary\""))
        .unwrap_or_default()
        .to_string();
    assert_eq!(field(&summary, "outages"), Some("1"), "{summary}");
    assert_eq!(field(&summary, "mac_changes"), Some("1"), "{summary}");
    eprintln!("ping-watch reported {reported:?} for a real outage of {real:?}");
}

#[test]
fn ping_watch_over_tcp_sees_no_outage_beyond_budget_on_a_planned_handover() {
    if !available(
        "ping_watch_over_tcp_sees_no_outage_beyond_budget_on_a_planned_handover",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let _web1 = lab.spawn(
        1,
        "python3",
        &["-m", "http.server", "8080", "--bind", "0.0.0.0"],
    );
    let _web2 = lab.spawn(
        2,
        "python3",
        &["-m", "http.server", "8080", "--bind", "0.0.0.0"],
    );
    let (n1, _n2) = lab.fast_pair();
    let args = [
        "ping-watch",
        "192.0.2.250",
        "--tcp",
        "8080",
        "--interval",
        "20ms",
        "--duration",
        "2s",
        "--max-outage",
        "1s",
    ];
    let mut watch = lab.spawn(0, env!("CARGO_BIN_EXE_vipflip"), &args);
    std::thread::sleep(Duration::from_millis(600));
    n1.signal(Signal::SIGTERM);
    assert_eq!(
        watch.wait_exit(Duration::from_secs(6)),
        Some(0),
        "{}",
        watch.output()
    );
    let out = watch.output();
    assert!(
        out.contains("watching 192.0.2.250 with TCP connects to port 8080"),
        "{out}"
    );
    let summary = out
        .lines()
        .find(|l| l.contains("sent "))
        .unwrap_or_default();
    assert!(
        summary.contains("received") && !summary.contains("received 0,"),
        "{out}"
    );
    assert!(lab.wait_sole_holder(2, VIP4, Duration::from_secs(1)));
}

#[test]
fn probe_reports_a_keepalived_master_and_a_vipflip_master() {
    if !available(
        "probe_reports_a_keepalived_master_and_a_vipflip_master",
        true,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let _ka = lab.keepalived(1, "  state BACKUP\n  virtual_router_id 41\n  priority 200\n  advert_int 1\n  virtual_ipaddress {\n    192.0.2.250/24\n  }");
    let _vf = lab.vipflip(
        2,
        &[
            "run",
            "--vip",
            "192.0.2.251/24",
            "--iface",
            "eth0",
            "--vrid",
            "42",
            "--priority",
            "120",
            "--vrrp-version",
            "3",
            "--advert-int",
            "100ms",
        ],
    );
    assert!(
        lab.wait_sole_holder(1, VIP4, Duration::from_secs(6)),
        "keepalived master"
    );
    assert!(
        lab.wait_sole_holder(2, "192.0.2.251", Duration::from_secs(2)),
        "vipflip master"
    );
    let out = lab.vipflip_output(
        0,
        &["probe", "--iface", "eth0", "--duration", "2500ms", "--json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let group = |vrid: &str| {
        text.lines()
            .find(|l| l.contains("\"event\":\"group\"") && l.contains(&format!("\"vrid\":{vrid},")))
            .unwrap_or_default()
            .to_string()
    };
    let ka = group("41");
    for want in [
        "\"src\":\"192.0.2.201\"",
        "\"mac\":\"02:00:c0:00:02:c9\"",
        "\"priority\":200",
        "\"version\":2",
        "\"advert_int_ms\":1000",
        "\"auth\":\"none\"",
        "\"vips\":[\"192.0.2.250\"]",
    ] {
        assert!(ka.contains(want), "keepalived group lacks {want}:\n{text}");
    }
    let vf = group("42");
    for want in [
        "\"src\":\"192.0.2.202\"",
        "\"mac\":\"02:00:c0:00:02:ca\"",
        "\"priority\":120",
        "\"version\":3",
        "\"advert_int_ms\":100",
        "pseudo-header",
        "\"vips\":[\"192.0.2.251\"]",
    ] {
        assert!(vf.contains(want), "vipflip group lacks {want}:\n{text}");
    }
    assert!(
        text.contains("\"vip\":\"192.0.2.250\",\"macs\":[\"02:00:c0:00:02:c9\"]"),
        "{text}"
    );
    assert!(
        text.contains("\"vip\":\"192.0.2.251\",\"macs\":[\"02:00:c0:00:02:ca\"]"),
        "{text}"
    );
    assert!(
        !text.contains("duplicate-holder") && !text.contains("split brain"),
        "{text}"
    );

    let none = lab.vipflip_output(
        0,
        &[
            "probe",
            "--iface",
            "eth0",
            "--duration",
            "300ms",
            "--vrid",
            "99",
        ],
    );
    assert_eq!(none.status.code(), Some(1), "nothing heard for vrid 99");
    assert!(
        stdout(&none).contains("no adverts for vrid 99 heard on eth0"),
        "{}",
        stdout(&none)
    );
}

#[test]
fn probe_shows_the_duplicate_holder_left_by_a_killed_master() {
    if !available(
        "probe_shows_the_duplicate_holder_left_by_a_killed_master",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (mut n1, n2) = lab.fast_pair();
    let t = Instant::now();
    n1.signal(Signal::SIGKILL);
    let _ = n1.wait_exit(Duration::from_secs(1));
    assert!(n2.wait_line("MASTER", t, Duration::from_secs(2)).is_some());
    assert_eq!(lab.holders(VIP4), vec![1, 2], "SIGKILL left the VIP on n1");
    let out = lab.vipflip_output(0, &["probe", "--iface", "eth0", "--duration", "500ms"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("MASTER 192.0.2.202 (02:00:c0:00:02:ca) priority 150"),
        "{text}"
    );
    assert!(
        text.contains("VIP 192.0.2.250 is answered by 2 MACs"),
        "{text}"
    );
    assert!(
        text.contains("02:00:c0:00:02:c9") && text.contains("duplicate holder"),
        "{text}"
    );
}

#[test]
fn probe_watch_prints_a_new_master_as_it_happens() {
    if !available("probe_watch_prints_a_new_master_as_it_happens", false) {
        return;
    }
    let lab = Lab::new(2);
    let (n1, _n2) = lab.fast_pair();
    let mut watch = lab.spawn(
        0,
        env!("CARGO_BIN_EXE_vipflip"),
        &["probe", "--iface", "eth0", "--duration", "500ms", "--watch"],
    );
    let t = Instant::now();
    watch.expect_line("watching eth0 for changes", t, Duration::from_secs(3));
    let t = Instant::now();
    n1.signal(Signal::SIGTERM);
    watch.expect_line("192.0.2.201 priority 200 -> 0", t, Duration::from_secs(2));
    watch.expect_line(
        "new master 192.0.2.202 priority 150 (was 192.0.2.201)",
        t,
        Duration::from_secs(2),
    );
    watch.expect_line("192.0.2.201 went silent", t, Duration::from_secs(3));
    watch.signal(Signal::SIGINT);
    assert_eq!(watch.wait_exit(Duration::from_secs(2)), Some(0));
}

/// `vipflip status` in host `i`, as nobody with no capabilities (status needs no root).
fn status_unprivileged(lab: &Lab, i: usize, extra: &[&str]) -> std::process::Output {
    let ns = if i == 0 {
        lab.client_ns()
    } else {
        lab.host(i).ns.clone()
    };
    std::process::Command::new("ip")
        .args([
            "netns",
            "exec",
            &ns,
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
        ])
        .args(["--clear-groups", "--inh-caps=-all"])
        .args([env!("CARGO_BIN_EXE_vipflip"), "status"])
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("setpriv vipflip status")
}

#[test]
fn status_answers_per_namespace_without_root_and_forgets_a_killed_instance() {
    if !available(
        "status_answers_per_namespace_without_root_and_forgets_a_killed_instance",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (mut n1, _n2) = lab.fast_pair();
    let master = status_unprivileged(&lab, 1, &[]);
    let text = stdout(&master);
    assert_eq!(master.status.code(), Some(0), "{text}");
    assert_eq!(
        text.lines().count(),
        1,
        "only its own namespace's instance: {text}"
    );
    assert!(
        text.contains(&format!(
            "vrid 41 on eth0 (pid {}): MASTER since ",
            n1.pid()
        )) && text
            .contains("priority 200, VRRPv3 every 100ms, master this node, VIPs 192.0.2.250/24"),
        "{text}"
    );
    let backup = status_unprivileged(&lab, 2, &["--json"]);
    let line = stdout(&backup);
    assert_eq!(backup.status.code(), Some(1), "a backup answers 1: {line}");
    let field = |k| vipflip::json_field(&line, k).unwrap_or_default();
    assert_eq!(
        (
            field("event"),
            field("state"),
            field("priority"),
            field("master")
        ),
        (
            "instance".into(),
            "backup".into(),
            "150".into(),
            "192.0.2.201".into()
        ),
        "{line}"
    );
    // Filters: another VRID is "none here", exit 1.
    let other = status_unprivileged(&lab, 1, &["--vrid", "42"]);
    assert_eq!(other.status.code(), Some(1));
    assert!(stdout(&other).contains("no vipflip run for vrid 42 in this network namespace"));
    let client = status_unprivileged(&lab, 0, &[]);
    assert_eq!(client.status.code(), Some(1), "{}", stdout(&client));
    // kill -9 leaves no instance behind to report.
    n1.signal(Signal::SIGKILL);
    assert!(n1.wait_exit(Duration::from_secs(1)).is_some());
    let gone = status_unprivileged(&lab, 1, &[]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        stdout(&gone).contains("no vipflip run in this network namespace"),
        "{}",
        stdout(&gone)
    );
}

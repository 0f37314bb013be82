//! Lab tests of `vipflip run`: real processes in network namespaces (see tests/lab).
//! Bounds derive from the configured timers with a margin for a loaded CI machine.

mod lab;

use std::time::{Duration, Instant};

use lab::{available, fast, mdi, wait_until, Lab, MARGIN, VIP4};
use nix::sys::signal::Signal;
use vipflip::vrrp::timers::{master_down_interval, skew_time};
use vipflip::wire::Version;

/// n1 (priority 200) and n2 (150) started together: n1 holds the VIP, the client reaches it.
fn elected(lab: &Lab) -> (lab::Proc, lab::Proc) {
    let n1 = lab.vipflip(1, &fast("200"));
    let n2 = lab.vipflip(2, &fast("150"));
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)),
        "n1 should hold the VIP alone; holders {:?}\nn1:\n{}\nn2:\n{}",
        lab.holders(VIP4),
        n1.output(),
        n2.output()
    );
    assert!(n2
        .wait_line(
            "BACKUP",
            Instant::now() - Duration::from_secs(60),
            Duration::from_secs(1)
        )
        .is_some());
    // It stays that way for longer than a master-down interval: no flapping.
    std::thread::sleep(mdi(150) + MARGIN);
    assert_eq!(lab.holders(VIP4), vec![1], "n2:\n{}", n2.output());
    assert!(
        !n2.output().contains("MASTER"),
        "n2 must never have been master:\n{}",
        n2.output()
    );
    assert!(lab.client_ping(VIP4));
    assert_eq!(
        lab.client_neigh(VIP4).as_deref(),
        Some(lab.host(1).mac.as_str())
    );
    (n1, n2)
}

#[test]
fn higher_priority_wins_and_sigterm_hands_over_within_skew_time() {
    if !available(
        "higher_priority_wins_and_sigterm_hands_over_within_skew_time",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (mut n1, n2) = elected(&lab);

    let t = Instant::now();
    n1.signal(Signal::SIGTERM);
    let line = n2
        .wait_line("MASTER", t, Duration::from_secs(3))
        .expect("n2 takes over");
    let took = line.at - t;
    let bound = skew_time(Version::V3, 150, 10) + MARGIN;
    assert!(
        took <= bound,
        "took {took:?}, bound {bound:?}\n{}",
        n2.output()
    );
    assert!(
        line.text
            .contains("master 192.0.2.201 stepped down (priority 0)"),
        "{}",
        line.text
    );

    assert_eq!(
        n1.wait_exit(Duration::from_secs(3)),
        Some(0),
        "SIGTERM exits 0"
    );
    assert!(n1.output().contains("STOPPED"), "{}", n1.output());
    assert!(
        lab.wait_sole_holder(2, VIP4, Duration::from_secs(1)),
        "holders {:?}",
        lab.holders(VIP4)
    );
    assert!(wait_until(Duration::from_secs(2), || lab
        .client_neigh(VIP4)
        .as_deref()
        == Some(lab.host(2).mac.as_str())));
    assert!(lab.client_ping(VIP4));
    eprintln!(
        "SIGTERM failover: {took:?} (Skew_Time {:?})",
        skew_time(Version::V3, 150, 10)
    );
}

#[test]
fn crash_fails_over_within_master_down_interval_and_old_master_preempts_on_return() {
    if !available(
        "crash_fails_over_within_master_down_interval_and_old_master_preempts_on_return",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (mut n1, n2) = elected(&lab);

    n1.signal(Signal::SIGKILL);
    lab.set_port(1, false);
    let t = Instant::now();
    let line = n2
        .wait_line("MASTER", t, Duration::from_secs(3))
        .expect("n2 takes over");
    let took = line.at - t;
    assert!(
        took <= mdi(150) + MARGIN,
        "took {took:?}, Master_Down_Interval {:?}",
        mdi(150)
    );
    assert!(
        line.text.contains("no advert from 192.0.2.201"),
        "{}",
        line.text
    );
    assert!(wait_until(Duration::from_secs(2), || lab
        .client_neigh(VIP4)
        .as_deref()
        == Some(lab.host(2).mac.as_str())));
    assert!(lab.client_ping(VIP4));
    assert!(
        lab.holds(1, VIP4),
        "SIGKILL leaves the VIP behind: nothing could run"
    );
    let _ = n1.wait_exit(Duration::from_secs(1));

    // The old master comes back: the new run removes the stale VIP, then preempts.
    lab.set_port(1, true);
    let t = Instant::now();
    let n1 = lab.vipflip(1, &fast("200"));
    n1.expect_line("removed stale 192.0.2.250/24", t, Duration::from_secs(2));
    let line = n1
        .wait_line("MASTER", t, mdi(200) + Duration::from_secs(2))
        .expect("n1 preempts");
    assert!(
        line.text
            .contains("preempting lower priority 150 from 192.0.2.202"),
        "{}",
        line.text
    );
    n2.expect_line(
        "higher priority 200 from 192.0.2.201",
        t,
        Duration::from_secs(2),
    );
    assert!(
        lab.wait_sole_holder(1, VIP4, Duration::from_secs(1)),
        "holders {:?}",
        lab.holders(VIP4)
    );
    assert!(wait_until(Duration::from_secs(2), || lab
        .client_neigh(VIP4)
        .as_deref()
        == Some(lab.host(1).mac.as_str())));
    assert!(lab.client_ping(VIP4));
    eprintln!(
        "crash failover: {took:?} (Master_Down_Interval {:?})",
        mdi(150)
    );
}

/// `fast` at 10 ms adverts.
fn at_10ms(priority: &str) -> Vec<&str> {
    let mut args = fast(priority);
    let last = args.len() - 1;
    args[last] = "10ms";
    args
}

/// How often the loop thread (the main thread) has gone to sleep and woken.
fn wakeups(p: &lab::Proc) -> u64 {
    let path = format!("/proc/{0}/task/{0}/status", p.pid());
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_backup_at_10ms_wakes_for_news_not_for_every_advert_and_still_fails_over_in_time() {
    if !available(
        "a_backup_at_10ms_wakes_for_news_not_for_every_advert_and_still_fails_over_in_time",
        false,
    ) {
        return;
    }
    // The article's adjacent priorities, at the shortest interval people run.
    let lab = Lab::new(2);
    let n1 = lab.vipflip(1, &at_10ms("200"));
    std::thread::sleep(Duration::from_millis(300));
    let n2 = lab.vipflip(2, &at_10ms("199"));
    assert!(
        lab.wait_sole_holder(1, VIP4, Duration::from_secs(2)),
        "holders {:?}\nn1:\n{}\nn2:\n{}",
        lab.holders(VIP4),
        n1.output(),
        n2.output()
    );
    std::thread::sleep(Duration::from_millis(500));
    // 200 adverts in 2 s: the routine ones wait in the kernel's queue (node/routine.rs) and
    // are read when the master-down timer is due, about every third one.
    let window = Duration::from_secs(2);
    let before = wakeups(&n2);
    std::thread::sleep(window);
    let woke = wakeups(&n2) - before;
    let adverts = window.as_millis() as u64 / 10;
    assert!(
        woke * 10 < adverts * 6,
        "the backup woke {woke} times for {adverts} adverts"
    );
    assert!(!n2.output().contains("MASTER"), "n2:\n{}", n2.output());
    // Read late, the adverts still restart the timer at their arrival: a crash is noticed
    // within Master_Down_Interval, no later.
    n1.signal(Signal::SIGKILL);
    lab.set_port(1, false);
    let t = Instant::now();
    let line = n2
        .wait_line("MASTER", t, Duration::from_secs(3))
        .expect("n2 takes over");
    let bound = master_down_interval(Version::V3, 199, 1);
    let took = line.at - t;
    assert!(
        took <= bound + MARGIN,
        "took {took:?}, Master_Down_Interval {bound:?}"
    );
    assert!(
        line.text.contains("no advert from 192.0.2.201"),
        "{}",
        line.text
    );
    eprintln!("10 ms backup: {woke} wake-ups for {adverts} adverts; crash failover {took:?}");
}

#[test]
fn stopping_a_backup_leaves_the_master_alone_and_json_reports_it() {
    if !available(
        "stopping_a_backup_leaves_the_master_alone_and_json_reports_it",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let _n1 = lab.vipflip(1, &fast("200"));
    let mut args = fast("150");
    args.push("--json");
    let mut n2 = lab.vipflip(2, &args);
    assert!(lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)));
    n2.signal(Signal::SIGINT);
    assert_eq!(n2.wait_exit(Duration::from_secs(3)), Some(0));
    let out = n2.output();
    assert!(
        out.lines().all(|l| l.starts_with('{') && l.ends_with('}')),
        "one JSON object per line:\n{out}"
    );
    assert!(
        out.contains("\"event\":\"start\"") && out.contains("\"master_down_ms\":341.406"),
        "{out}"
    );
    assert!(
        out.contains("\"to\":\"backup\"") && out.contains("\"to\":\"stopped\""),
        "{out}"
    );
    assert!(out.contains("\"event\":\"exit\""), "{out}");
    std::thread::sleep(mdi(200));
    assert_eq!(lab.holders(VIP4), vec![1], "the master is unaffected");
}

#[test]
fn interface_without_an_ipv4_address_is_an_error_that_changes_nothing() {
    if !available(
        "interface_without_an_ipv4_address_is_an_error_that_changes_nothing",
        false,
    ) {
        return;
    }
    let lab = Lab::new(1);
    lab.exec(1, &["ip", "addr", "del", "192.0.2.201/24", "dev", "eth0"]);
    let before = lab.addrs(1);
    let out = lab.vipflip_output(1, &fast("200"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("vipflip: interface eth0 has no IPv4 address"),
        "{err}"
    );
    assert!(err.contains("hint: give the interface one first"), "{err}");
    assert_eq!(lab.addrs(1), before, "nothing changed");
}

#[test]
fn priority_255_is_master_at_once_and_warns_when_it_does_not_own_the_address() {
    if !available(
        "priority_255_is_master_at_once_and_warns_when_it_does_not_own_the_address",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let t = Instant::now();
    let n1 = lab.vipflip(1, &fast("255"));
    let line = n1
        .wait_line("MASTER", t, Duration::from_secs(2))
        .expect("master at once");
    assert!(line.text.contains("address owner"), "{}", line.text);
    assert!(
        n1.output()
            .contains("priority 255 claims ownership of 192.0.2.250"),
        "{}",
        n1.output()
    );
    assert!(lab.wait_sole_holder(1, VIP4, Duration::from_secs(1)));
    // What people type for "this node always wins", beside a node at 100: it does win
    // (keepalived obeys 255 from anyone too), and there is one holder.
    let n2 = lab.vipflip(2, &fast("100"));
    std::thread::sleep(mdi(100) * 2 + MARGIN);
    assert_eq!(lab.holders(VIP4), vec![1], "{}", n2.output());
    assert!(!n2.output().contains("MASTER"), "{}", n2.output());
}

#[test]
fn link_down_is_fault_a_backup_takes_over_and_the_old_master_preempts_when_it_returns() {
    if !available(
        "link_down_is_fault_a_backup_takes_over_and_the_old_master_preempts_when_it_returns",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (n1, n2) = elected(&lab);
    let t = Instant::now();
    lab.set_port(1, false);
    let fault = n1
        .wait_line("FAULT", t, Duration::from_secs(2))
        .expect("n1 sees its link go");
    assert!(fault.text.contains("interface down"), "{}", fault.text);
    assert!(!lab.holds(1, VIP4), "a node in fault holds no VIP");
    let line = n2
        .wait_line("MASTER", t, mdi(150) + Duration::from_secs(1))
        .expect("n2 takes over");
    assert!(line.at - t <= mdi(150) + MARGIN, "took {:?}", line.at - t);
    assert!(lab.client_ping(VIP4));

    let t = Instant::now();
    lab.set_port(1, true);
    let back = n1
        .wait_line("BACKUP", t, Duration::from_secs(2))
        .expect("n1 back as backup");
    assert!(back.text.contains("interface up"), "{}", back.text);
    n1.expect_line("MASTER", t, mdi(200) + Duration::from_secs(1));
    assert!(
        lab.wait_sole_holder(1, VIP4, Duration::from_secs(1)),
        "holders {:?}",
        lab.holders(VIP4)
    );
    assert!(lab.client_ping(VIP4));
}

#[test]
fn a_vip_deleted_by_hand_on_the_master_comes_back() {
    if !available("a_vip_deleted_by_hand_on_the_master_comes_back", false) {
        return;
    }
    let lab = Lab::new(1);
    let n1 = lab.vipflip(1, &fast("200"));
    assert!(lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(1)));
    let t = Instant::now();
    lab.exec(1, &["ip", "addr", "del", "192.0.2.250/24", "dev", "eth0"]);
    n1.expect_line("re-added and announced", t, Duration::from_millis(500));
    assert!(lab.wait_sole_holder(1, VIP4, Duration::from_millis(500)));
}

/// The article's keepalived.conf for the master and for a backup (../shared/article/), with
/// the lab's interface and a documentation address in place of ens33 and 192.168.31.250.
fn article_conf(state: &str, priority: u8) -> String {
    format!(
        "vrrp_instance VRRP1 {{\n    state {state}\n    interface eth0   \n    virtual_router_id 41\n    priority {priority}\n    advert_int 1\n    virtual_ipaddress {{\n        192.0.2.250/24\n    }}\n}}\n"
    )
}

#[test]
fn the_articles_keepalived_conf_runs_as_is_beside_keepalived() {
    if !available(
        "the_articles_keepalived_conf_runs_as_is_beside_keepalived",
        true,
    ) {
        return;
    }
    let lab = Lab::new(3);
    let master = lab.write_file("master.conf", &article_conf("MASTER", 200));
    let backup = lab.write_file("backup.conf", &article_conf("BACKUP", 199));
    let (master, backup) = (master.display().to_string(), backup.display().to_string());
    let mut n1 = lab.vipflip(1, &["run", "--keepalived-conf", &master]);
    let ka2 = lab.keepalived_with(2, &article_conf("BACKUP", 199));
    let n3 = lab.vipflip(
        3,
        &["run", "--keepalived-conf", &backup, "--priority", "198"],
    );
    let v2 = |p| master_down_interval(Version::V2, p, 100);
    assert!(
        lab.wait_sole_holder(1, VIP4, v2(200) + Duration::from_secs(2)),
        "holders {:?}\n{}",
        lab.holders(VIP4),
        n1.output()
    );
    assert!(
        n3.output().contains("priority 198"),
        "the flag overrides the file:\n{}",
        n3.output()
    );
    std::thread::sleep(v2(198));
    assert_eq!(
        lab.holders(VIP4),
        vec![1],
        "keepalived:\n{}\nn3:\n{}",
        ka2.output(),
        n3.output()
    );
    n1.signal(Signal::SIGTERM);
    assert_eq!(n1.wait_exit(Duration::from_secs(3)), Some(0));
    assert!(
        lab.wait_sole_holder(2, VIP4, Duration::from_secs(3)),
        "keepalived (199) takes over; holders {:?}",
        lab.holders(VIP4)
    );
    std::thread::sleep(v2(198));
    assert_eq!(
        lab.holders(VIP4),
        vec![2],
        "n3 (198) stays backup:\n{}",
        n3.output()
    );
    assert!(lab.client_ping(VIP4));
}

#[test]
fn ipv6_unicast_group_ignores_a_sender_outside_its_peer_list() {
    if !available(
        "ipv6_unicast_group_ignores_a_sender_outside_its_peer_list",
        false,
    ) {
        return;
    }
    let lab = Lab::new(3);
    let args = |prio: &'static str, src: &'static str, peer: &'static str| {
        vec![
            "run",
            "--vip",
            "2001:db8::250/64",
            "--iface",
            "eth0",
            "--vrid",
            "41",
            "--priority",
            prio,
            "--advert-int",
            "100ms",
            "--unicast-src",
            src,
            "--unicast-peer",
            peer,
        ]
    };
    let mut n1 = lab.vipflip(1, &args("200", "2001:db8::201", "2001:db8::202"));
    let n2 = lab.vipflip(2, &args("150", "2001:db8::202", "2001:db8::201"));
    assert!(
        lab.wait_sole_holder(1, lab::VIP6, mdi(200) + Duration::from_secs(2)),
        "{}",
        n1.output()
    );
    // A stranger with a higher priority, sending unicast to n1: n1 must not yield to it.
    let _n3 = lab.vipflip(3, &args("250", "2001:db8::203", "2001:db8::201"));
    std::thread::sleep(mdi(150) * 3);
    assert!(
        lab.holds(1, lab::VIP6) && !lab.holds(2, lab::VIP6),
        "{}",
        n1.output()
    );
    assert!(
        !n1.output().contains("BACKUP higher priority"),
        "{}",
        n1.output()
    );
    let t = Instant::now();
    n1.signal(Signal::SIGTERM);
    n2.expect_line("MASTER", t, Duration::from_secs(2));
    assert_eq!(n1.wait_exit(Duration::from_secs(3)), Some(0));
    let out = n1.output();
    assert!(
        out.contains("sender 2001:db8::203 is not a --unicast-peer"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("exit:") && l.contains("not-a-peer")),
        "{out}"
    );
}

#[test]
fn check_says_what_would_run_and_touches_nothing() {
    if !available("check_says_what_would_run_and_touches_nothing", false) {
        return;
    }
    let lab = Lab::new(2);
    // What a run sends: adverts and gratuitous ARP (not the lab's own IPv6 chatter).
    let (mut dump, _) = lab.capture(2, "check.pcap", "ip proto 112 or arp");
    dump.expect_line(
        "listening on",
        Instant::now() - Duration::from_secs(60),
        Duration::from_secs(5),
    );
    let mut args = fast("200");
    args.extend([
        "--track-cmd",
        "test -d /",
        "--on-master",
        "logger vip here",
        "--check",
    ]);
    let out = lab.vipflip_output(1, &args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("vrid 41 on eth0 from 192.0.2.201: VRRPv3, priority 200, advert every 100ms"),
        "the start line: {text}"
    );
    assert!(
        text.contains(
            "same as: vipflip run --vip 192.0.2.250/24 --iface eth0 --vrid 41 --priority 200 \
             --vrrp-version 3 --advert-int 100ms --track-cmd 'test -d /' --on-master 'logger vip here'"
        ),
        "{text}"
    );
    assert!(text.contains("configuration OK"), "{text}");
    std::thread::sleep(Duration::from_millis(300));
    dump.signal(Signal::SIGINT);
    assert!(dump.wait_exit(Duration::from_secs(3)).is_some());
    let captured = dump.expect_line(
        " captured",
        Instant::now() - Duration::from_secs(60),
        Duration::from_secs(1),
    );
    assert!(
        captured.text.starts_with("0 packets captured"),
        "--check sent something: {}",
        captured.text
    );
    assert!(lab.holders(VIP4).is_empty(), "--check added the VIP");

    // A missing program is the usual error, exit 2.
    let mut bad = fast("200");
    bad.extend([
        "--on-backup",
        "/usr/local/bin/no-such-notify backup",
        "--check",
    ]);
    let out = lab.vipflip_output(1, &bad);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("vipflip: invalid --on-backup '/usr/local/bin/no-such-notify backup'")
            && err.lines().count() == 2,
        "{err}"
    );
}

#[test]
fn an_args_file_and_systemd_notify_as_the_unit_runs_it() {
    if !available("an_args_file_and_systemd_notify_as_the_unit_runs_it", false) {
        return;
    }
    let lab = Lab::new(1);
    let args = lab.write_file(
        "vip41.args",
        "# as /etc/vipflip/vip41.args\n--vip 192.0.2.250/24\n--iface eth0\n--vrid 41\n\
         --priority 200\n--vrrp-version 3\n--advert-int 100ms\n--track-cmd test -d /\n",
    );
    let sock_path = lab.dir().join("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).expect("bind");
    sock.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("timeout");
    let mut node = lab.spawn(
        1,
        "env",
        &[
            &format!("NOTIFY_SOCKET={}", sock_path.display()),
            env!("CARGO_BIN_EXE_vipflip"),
            "run",
            "--args-file",
            &args.display().to_string(),
        ],
    );
    let next = || {
        let mut buf = [0u8; 512];
        let n = sock.recv(&mut buf).expect("a notify message");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let ready = next();
    assert!(
        ready.starts_with("READY=1\nSTATUS=BACKUP vrid 41 on eth0: started, listening"),
        "{ready}\n{}",
        node.output()
    );
    let master = next();
    assert!(
        master.starts_with("STATUS=MASTER vrid 41 on eth0"),
        "{master}"
    );
    assert!(lab.holds(1, VIP4));
    // The --track-cmd value kept its spaces: one check, `test -d /`, passing from its
    // first result (the node starts once it has answered, as keepalived's instances do).
    let out = node.output();
    assert!(out.contains("health check cmd 'test -d /' passes"), "{out}");
    assert!(!out.contains("failed"), "{out}");
    node.signal(Signal::SIGTERM);
    let stopping = next();
    assert!(
        stopping.starts_with("STOPPING=1\nSTATUS=RELEASING"),
        "{stopping}"
    );
    assert!(node.wait_exit(Duration::from_secs(3)).is_some());
}

/// The shipped args example, after the edit its own comment asks for (this node's
/// interface), passes `--check` as the README's service recipe runs it before enabling.
#[test]
fn the_shipped_args_example_passes_check_after_the_documented_edit() {
    if !available(
        "the_shipped_args_example_passes_check_after_the_documented_edit",
        false,
    ) {
        return;
    }
    let lab = Lab::new(1);
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/vipflip.args.example"
    ))
    .expect("the example");
    assert!(example.contains("--iface ens33"), "{example}");
    let edited = example.replace("--iface ens33", "--iface eth0");
    let file = lab.write_file("vip41.args", &edited);
    let out = lab.vipflip_output(
        1,
        &["run", "--args-file", &file.display().to_string(), "--check"],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("configuration OK"), "{text}");
    // Unedited, it names the interface to change.
    let raw = lab.write_file("raw.args", &example);
    let out = lab.vipflip_output(
        1,
        &["run", "--args-file", &raw.display().to_string(), "--check"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ens33"));
}

//! Lab tests of health tracking and state hooks.

mod lab;

use std::time::{Duration, Instant};

use lab::{available, fast, mdi, Lab, MARGIN, VIP4};
use nix::sys::signal::Signal;

/// `fast` with `extra` flags.
fn node<'a>(priority: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = fast(priority);
    args.extend_from_slice(extra);
    args
}

fn web(lab: &Lab, i: usize) -> lab::Proc {
    let server = lab.spawn(
        i,
        "python3",
        &["-m", "http.server", "8080", "--bind", "127.0.0.1"],
    );
    let up = lab::wait_until(Duration::from_secs(5), || {
        std::process::Command::new("ip")
            .args([
                "netns",
                "exec",
                &lab.host(i).ns,
                "python3",
                "-c",
                "import socket; socket.create_connection(('127.0.0.1', 8080), 1)",
            ])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    assert!(up, "the web server in host {i} did not come up");
    server
}

#[test]
fn a_master_whose_http_service_fails_hands_over_without_loss_and_returns() {
    if !available(
        "a_master_whose_http_service_fails_hands_over_without_loss_and_returns",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let web1 = web(&lab, 1);
    let _web2 = web(&lab, 2);
    let track = [
        "--track-http",
        "http://127.0.0.1:8080/",
        "--track-interval",
        "100ms",
        "--track-timeout",
        "300ms",
    ];
    let n1 = lab.vipflip(1, &node("200", &track));
    let n2 = lab.vipflip(2, &node("150", &track));
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)),
        "{}",
        n1.output()
    );
    let watch = lab.spawn(
        0,
        env!("CARGO_BIN_EXE_vipflip"),
        &["ping-watch", "192.0.2.250", "--interval", "10ms", "--json"],
    );
    std::thread::sleep(Duration::from_millis(500));

    let t = Instant::now();
    web1.signal(Signal::SIGKILL);
    let failed = n1.wait_line(
        "health check http://127.0.0.1:8080/ failed",
        t,
        Duration::from_secs(2),
    );
    assert!(failed.is_some(), "{}", n1.output());
    n1.expect_line(
        "RELEASING health check failed: http://127.0.0.1:8080/",
        t,
        Duration::from_secs(1),
    );
    n2.expect_line("MASTER", t, Duration::from_secs(2));
    n1.expect_line("FAULT", t, Duration::from_secs(2));
    assert!(lab.wait_sole_holder(2, VIP4, Duration::from_secs(1)));
    std::thread::sleep(Duration::from_millis(300));
    let mut watch = watch;
    watch.signal(Signal::SIGINT);
    let _ = watch.wait_exit(Duration::from_secs(3));
    let outages: Vec<String> = watch
        .lines()
        .into_iter()
        .map(|l| l.text)
        .filter(|l| l.contains("\"event\":\"outage\""))
        .collect();
    assert!(outages.is_empty(), "the handover lost probes: {outages:?}");

    // The service comes back: n1 returns as backup, then preempts.
    let t = Instant::now();
    let _web1 = web(&lab, 1);
    n1.expect_line("passes again", t, Duration::from_secs(3));
    n1.expect_line("BACKUP health checks pass again", t, Duration::from_secs(1));
    n1.expect_line(
        "MASTER preempting lower priority 150",
        t,
        mdi(200) + Duration::from_secs(2),
    );
    assert!(lab.wait_sole_holder(1, VIP4, Duration::from_secs(1)));
}

#[test]
fn a_weighted_tcp_check_lowers_priority_so_a_backup_preempts() {
    if !available(
        "a_weighted_tcp_check_lowers_priority_so_a_backup_preempts",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let web1 = web(&lab, 1);
    let track = [
        "--track-tcp",
        "127.0.0.1:8080",
        "--track-interval",
        "100ms",
        "--track-fall",
        "2",
        "--track-weight",
        "60",
    ];
    let n1 = lab.vipflip(1, &node("200", &track));
    let n2 = lab.vipflip(2, &node("150", &[]));
    assert!(lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)));
    let t = Instant::now();
    web1.signal(Signal::SIGKILL);
    n1.expect_line("advertised priority 200 -> 140", t, Duration::from_secs(2));
    let line = n2
        .wait_line("MASTER", t, mdi(150) + Duration::from_secs(2))
        .expect("n2 preempts");
    assert!(
        line.text
            .contains("preempting lower priority 140 from 192.0.2.201"),
        "{}",
        line.text
    );
    n1.expect_line(
        "BACKUP higher priority 150 from 192.0.2.202",
        t,
        Duration::from_secs(2),
    );
    assert!(lab.wait_sole_holder(2, VIP4, Duration::from_secs(1)));
}

#[test]
fn hooks_run_in_order_with_keepalived_arguments_and_a_hanging_hook_blocks_nothing() {
    if !available(
        "hooks_run_in_order_with_keepalived_arguments_and_a_hanging_hook_blocks_nothing",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let log = |i: usize| lab.dir().join(format!("hooks-{i}.log"));
    let script = |i: usize| {
        let text = format!(
            "#!/bin/sh\necho \"$VIPFLIP_PREV_STATE>$VIPFLIP_STATE $* vip=$VIPFLIP_VIP iface=$VIPFLIP_IFACE vrid=$VIPFLIP_VRID prio=$VIPFLIP_PRIORITY\" >> {}\n",
            log(i).display()
        );
        let path = lab.write_file(&format!("hook-{i}.sh"), &text);
        std::process::Command::new("chmod")
            .args(["+x", &path.display().to_string()])
            .status()
            .expect("chmod");
        path.display().to_string()
    };
    let (s1, s2) = (script(1), script(2));
    let hang = lab
        .write_file("hang.sh", "#!/bin/sh\nsleep 30\n")
        .display()
        .to_string();
    std::process::Command::new("chmod")
        .args(["+x", &hang])
        .status()
        .expect("chmod");
    let mut n1 = lab.vipflip(1, &node("200", &["--on-change", &s1]));
    let n2 = lab.vipflip(
        2,
        &node(
            "150",
            &[
                "--on-change",
                &s2,
                "--on-backup",
                &hang,
                "--hook-timeout",
                "300ms",
            ],
        ),
    );
    assert!(lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)));
    std::thread::sleep(mdi(150) + MARGIN);
    assert_eq!(
        lab.holders(VIP4),
        vec![1],
        "the hanging hook must not stop n2 from following the master"
    );

    let t = Instant::now();
    n1.signal(Signal::SIGTERM);
    assert!(n2.wait_line("MASTER", t, Duration::from_secs(2)).is_some());
    assert_eq!(n1.wait_exit(Duration::from_secs(3)), Some(0));
    let t = Instant::now();
    let _n1 = lab.vipflip(1, &node("200", &["--on-change", &s1]));
    n2.expect_line(
        "BACKUP higher priority 200",
        t,
        mdi(200) + Duration::from_secs(2),
    );
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        n2.output()
            .contains(&format!("hook on-backup ({hang}) killed after its timeout")),
        "{}",
        n2.output()
    );
    assert!(n2.output().contains("exited 0"), "{}", n2.output());

    let read = |i: usize| std::fs::read_to_string(log(i)).unwrap_or_default();
    let tail = "vip=192.0.2.250/24 iface=eth0 vrid=41";
    let n2_lines: Vec<String> = read(2).lines().map(String::from).collect();
    assert_eq!(
        n2_lines,
        vec![
            format!("init>backup INSTANCE vrid41 BACKUP 150 {tail} prio=150"),
            format!("backup>master INSTANCE vrid41 MASTER 150 {tail} prio=150"),
            format!("master>backup INSTANCE vrid41 BACKUP 150 {tail} prio=150"),
        ]
    );
    let n1_lines: Vec<String> = read(1).lines().map(String::from).collect();
    assert_eq!(
        &n1_lines[..3],
        &[
            format!("init>backup INSTANCE vrid41 BACKUP 200 {tail} prio=200"),
            format!("backup>master INSTANCE vrid41 MASTER 200 {tail} prio=200"),
            format!("releasing>stop INSTANCE vrid41 STOP 200 {tail} prio=200"),
        ]
    );
}

#[test]
fn a_keepalived_conf_with_scripts_notify_and_track_interface_runs_as_keepalived_would() {
    if !available(
        "a_keepalived_conf_with_scripts_notify_and_track_interface_runs_as_keepalived_would",
        true,
    ) {
        return;
    }
    let lab = Lab::new(2);
    lab.side_link(1);
    let notified = lab.dir().join("notified");
    let notify = lab.write_file(
        "notify.sh",
        &format!("#!/bin/sh\necho \"$@\" >> {}\n", notified.display()),
    );
    let _ = std::process::Command::new("chmod")
        .args(["755", &notify.display().to_string()])
        .status();
    let conf = lab.write_file(
        "keepalived.conf",
        &format!(
            "global_defs {{\n  router_id n1\n  notification_email {{\n    ops@example.com\n  }}\n}}\n\
             vrrp_script chk {{\n  script \"/bin/true\"\n  interval 1\n}}\n\
             vrrp_instance VI_1 {{\n  state MASTER\n  interface eth0\n  virtual_router_id 41\n  \
             priority 200\n  advert_int 0.1\n  version 3\n  track_interface {{\n    eth1\n  }}\n  \
             track_script {{\n    chk\n  }}\n  notify {}\n  virtual_ipaddress {{\n    \
             192.0.2.250/24 dev eth0 label eth0:vip\n  }}\n}}\n",
            notify.display()
        ),
    );
    let conf = conf.display().to_string();
    let check = lab.vipflip_output(1, &["run", "--keepalived-conf", &conf, "--check"]);
    let text = String::from_utf8_lossy(&check.stdout).into_owned();
    assert_eq!(check.status.code(), Some(0), "{text}");
    assert!(
        text.contains("note  keepalived.conf: global_defs router_id, notification_email accepted"),
        "{text}"
    );
    let same = format!(
        "same as: vipflip run --vip 192.0.2.250/24 --iface eth0 --vrid 41 --priority 200 \
         --vrrp-version 3 --advert-int 100ms --state master --track-cmd /bin/true \
         --track-iface eth1 --on-change {}",
        notify.display()
    );
    assert!(text.contains(&same), "{text}");
    assert!(
        text.contains("interface eth1 (now up): down hands the VIP over (fault)"),
        "{text}"
    );

    // Beside a real keepalived node of the same group.
    let n1 = lab.vipflip(1, &["run", "--keepalived-conf", &conf]);
    let _ka = lab.keepalived(
        2,
        "  state BACKUP\n  virtual_router_id 41\n  priority 150\n  version 3\n  advert_int 0.1\n  \
         virtual_ipaddress {\n    192.0.2.250/24\n  }",
    );
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)),
        "{}",
        n1.output()
    );
    assert!(lab::wait_until(Duration::from_secs(2), || {
        std::fs::read_to_string(&notified).is_ok_and(|t| t.contains("INSTANCE VI_1 MASTER 200"))
    }));
    // The tracked interface goes down: fault, and the backup takes the VIP.
    let t = Instant::now();
    lab.exec(1, &["ip", "link", "set", "eth1", "down"]);
    n1.expect_line(
        "tracked interface eth1 is down: fault until it is up",
        t,
        Duration::from_secs(2),
    );
    n1.expect_line("FAULT", t, Duration::from_secs(2));
    assert!(lab.wait_sole_holder(2, VIP4, mdi(150) + MARGIN + Duration::from_secs(1)));
    // Back up: out of fault, and the higher priority preempts.
    let t = Instant::now();
    lab.exec(1, &["ip", "link", "set", "eth1", "up"]);
    n1.expect_line(
        "tracked interface eth1 is up again",
        t,
        Duration::from_secs(2),
    );
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)),
        "{}",
        n1.output()
    );
    n1.signal(Signal::SIGTERM);
}

//! A whole keepalived.conf in one `vipflip run`: every vrrp_instance of the file runs in one
//! process beside keepalived running the same kind of file, each instance named in the
//! output, in `vipflip status` and in JSON; and a vrrp_sync_group's members give up their
//! VIPs together when one of them is in fault.

mod lab;

use std::time::{Duration, Instant};

use lab::{available, mdi, Lab, MARGIN};
use nix::sys::signal::Signal;

const VIP_A: &str = "192.0.2.250";
const VIP_B: &str = "192.0.2.251";

/// Two instances, active-active as people run them (keepalived's doc/samples/
/// keepalived.conf.vrrp shape): this node is master of one and backup of the other.
fn two_instances(prio_a: u8, prio_b: u8, sync: bool, track: &str) -> String {
    grouped(prio_a, prio_b, if sync { Some("") } else { None }, track)
}

/// The same, with `group` the sync group's extra lines (its notify scripts) when grouped.
fn grouped(prio_a: u8, prio_b: u8, group: Option<&str>, track: &str) -> String {
    let group = match group {
        Some(extra) => {
            format!("vrrp_sync_group G {{\n  group {{\n    VI_A\n    VI_B\n  }}\n{extra}}}\n")
        }
        None => String::new(),
    };
    format!(
        "{group}vrrp_instance VI_A {{\n  interface eth0\n  virtual_router_id 51\n  priority {prio_a}\n  \
         version 3\n  advert_int 0.1\n{track}  virtual_ipaddress {{\n    {VIP_A}/24\n  }}\n}}\n\
         vrrp_instance VI_B {{\n  interface eth0\n  virtual_router_id 52\n  priority {prio_b}\n  \
         version 3\n  advert_int 0.1\n  virtual_ipaddress {{\n    {VIP_B}/24\n  }}\n}}\n"
    )
}

#[test]
fn every_instance_of_a_file_runs_in_one_process_beside_keepalived() {
    if !available(
        "every_instance_of_a_file_runs_in_one_process_beside_keepalived",
        true,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let conf = lab.write_file("two.conf", &two_instances(200, 199, false, ""));
    let conf = conf.display().to_string();
    let n1 = lab.vipflip(1, &["run", "--keepalived-conf", &conf]);
    let _ka = lab.keepalived_with(2, &two_instances(199, 200, false, ""));
    let wait = mdi(199) + MARGIN + Duration::from_secs(2);
    assert!(lab.wait_sole_holder(1, VIP_A, wait), "{}", n1.output());
    assert!(lab.wait_sole_holder(2, VIP_B, wait), "{}", n1.output());
    let t0 = Instant::now() - Duration::from_secs(10);
    n1.expect_line("VI_A vrid 51 MASTER", t0, Duration::from_secs(1));
    n1.expect_line("VI_B vrid 52 BACKUP", t0, Duration::from_secs(1));
    // `vipflip status` shows both instances of the one process, by name.
    let status = lab.vipflip_output(1, &["status", "--json"]);
    let text = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        text.contains("\"instance\":\"VI_A\"") && text.contains("\"instance\":\"VI_B\""),
        "{text}"
    );
    assert_eq!(
        text.matches(&format!("\"pid\":{}", n1.pid())).count(),
        2,
        "{text}"
    );
    let plain = lab.vipflip_output(1, &["status"]);
    let plain = String::from_utf8_lossy(&plain.stdout).into_owned();
    assert!(
        plain.contains("VI_A vrid 51 on eth0") && plain.contains("VI_B vrid 52 on eth0"),
        "{plain}"
    );
    // A planned stop hands VI_A to keepalived; both instances end.
    let t = Instant::now();
    n1.signal(Signal::SIGTERM);
    assert!(lab.wait_sole_holder(2, VIP_A, Duration::from_secs(2)));
    n1.expect_line("VI_A vrid 51 STOPPED", t, Duration::from_secs(3));
    n1.expect_line("VI_B vrid 52 STOPPED", t, Duration::from_secs(3));
}

#[test]
fn a_sync_group_gives_up_its_vips_together_when_one_member_is_in_fault() {
    if !available(
        "a_sync_group_gives_up_its_vips_together_when_one_member_is_in_fault",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    lab.side_link(1);
    let track = "  track_interface {\n    eth1\n  }\n";
    // The group's own notify scripts, as keepalived runs them (vrrp_notify.c).
    let log = lab.dir().join("group.log").display().to_string();
    let notify = format!(
        "  notify_master \"/bin/sh -c 'echo master >> {log}'\"\n  notify_fault \"/bin/sh -c 'echo fault >> {log}'\"\n  notify \"/bin/sh -c 'echo \\\"$@\\\" >> {log}' x\"\n"
    );
    let conf = lab.write_file("sync.conf", &grouped(200, 200, Some(&notify), track));
    let conf = conf.display().to_string();
    let n1 = lab.vipflip(1, &["run", "--keepalived-conf", &conf, "--json"]);
    let other = lab.write_file("other.conf", &two_instances(150, 150, false, ""));
    let other = other.display().to_string();
    let n2 = lab.vipflip(2, &["run", "--keepalived-conf", &other]);
    let wait = mdi(200) + MARGIN + Duration::from_secs(2);
    assert!(lab.wait_sole_holder(1, VIP_A, wait), "{}", n1.output());
    assert!(lab.wait_sole_holder(1, VIP_B, wait), "{}", n1.output());
    // VI_A's tracked interface goes down: VI_A is in fault, and VI_B, its sync group's
    // other member, gives up its VIP too.
    let t = Instant::now();
    lab.exec(1, &["ip", "link", "set", "eth1", "down"]);
    assert!(
        lab.wait_sole_holder(2, VIP_A, Duration::from_secs(2)),
        "{}",
        n1.output()
    );
    assert!(
        lab.wait_sole_holder(2, VIP_B, Duration::from_secs(2)),
        "{}",
        n1.output()
    );
    n1.expect_line(
        "sync group G: instance VI_A in fault",
        t,
        Duration::from_secs(1),
    );
    let line = n1.expect_line("\"instance\":\"VI_B\"", t, Duration::from_secs(1));
    assert!(line.text.contains("\"vrid\":52"), "{}", line.text);
    // Back up: both return and take their VIPs back (preemption, 200 over 150).
    lab.exec(1, &["ip", "link", "set", "eth1", "up"]);
    assert!(lab.wait_sole_holder(1, VIP_A, wait), "{}", n1.output());
    assert!(lab.wait_sole_holder(1, VIP_B, wait), "{}", n1.output());
    let mut n1 = n1;
    n1.signal(Signal::SIGTERM);
    let _ = n1.wait_exit(Duration::from_secs(5));
    n2.signal(Signal::SIGTERM);
    let lines = std::fs::read_to_string(&log).unwrap_or_default();
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(
        lines,
        [
            "GROUP G BACKUP 0",
            "master",
            "GROUP G MASTER 0",
            "fault",
            "GROUP G FAULT 0",
            "GROUP G BACKUP 0",
            "master",
            "GROUP G MASTER 0",
            "GROUP G STOP 0"
        ],
        "{}",
        n1.output()
    );
}

/// The semantics that show on the wire, keepalived against vipflip: one file of six
/// instances, each a case where vipflip used to differ, run by keepalived alone and then
/// by vipflip alone on the same host; the priorities each advertises, first and last, read
/// from a capture with tshark. Each instance cites the keepalived code it follows.
const DIFFERENTIAL: &str = "\
! vrrp_track.c process_script_update_priority: each passing script adds its weight: 101 + 2 + 2
vrrp_script up_a {\n  script /bin/true\n  interval 1\n  weight 2\n}\n\
vrrp_script up_b {\n  script \"/bin/sh -c 'exit 0'\"\n  interval 1\n  weight 2\n}\n\
! vrrp_scheduler.c vrrp_script_child_thread + vrrp_init_script: the first result decides, fall 10 or not
vrrp_script down {\n  script /bin/false\n  interval 1\n  weight -20\n  fall 10\n  rise 2\n}\n\
vrrp_instance SUM {\n  interface eth0\n  virtual_router_id 61\n  priority 101\n  version 3\n  advert_int 0.1\n  \
track_script {\n    up_a\n    up_b\n  }\n  virtual_ipaddress {\n    192.0.2.61/24\n  }\n}\n\
vrrp_instance HALF {\n  interface eth0\n  virtual_router_id 62\n  priority 101\n  version 3\n  advert_int 0.1\n  \
track_script {\n    up_a\n    down weight 2\n  }\n  virtual_ipaddress {\n    192.0.2.62/24\n  }\n}\n\
vrrp_instance FAILING_AT_START {\n  interface eth0\n  virtual_router_id 63\n  priority 200\n  version 3\n  advert_int 0.1\n  \
track_script {\n    down\n  }\n  virtual_ipaddress {\n    192.0.2.63/24\n  }\n}\n\
! vrrp.c vrrp_complete_instance: the address owner ignores weighted scripts
vrrp_instance OWNER {\n  interface eth0\n  virtual_router_id 64\n  priority 255\n  version 3\n  advert_int 0.1\n  \
track_script {\n    down\n    up_a\n  }\n  virtual_ipaddress {\n    192.0.2.64/24\n  }\n}\n\
! vrrp.c vrrp_complete_instance: no priority with state MASTER is 255
vrrp_instance MASTER_NO_PRIORITY {\n  state MASTER\n  interface eth0\n  virtual_router_id 65\n  version 3\n  advert_int 0.1\n  \
virtual_ipaddress {\n    192.0.2.65/24\n  }\n}\n\
! vrrp_track.c vrrp_set_effective_priority: never above 254
vrrp_instance CAPPED {\n  interface eth0\n  virtual_router_id 66\n  priority 253\n  version 3\n  advert_int 0.1\n  \
track_script {\n    up_a\n    up_b\n  }\n  virtual_ipaddress {\n    192.0.2.66/24\n  }\n}\n";

/// Per VRID, the first and the last priority advertised in `pcap`, leaving out the
/// priority-0 adverts of the stop at the end.
fn advertised(pcap: &str) -> std::collections::BTreeMap<u8, (u8, u8)> {
    let out = std::process::Command::new("tshark")
        .args([
            "-r",
            pcap,
            "-T",
            "fields",
            "-e",
            "vrrp.virt_rtr_id",
            "-e",
            "vrrp.prio",
        ])
        .output()
        .expect("tshark");
    let mut seen = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut f = line.split('\t').map(|v| v.trim().parse::<u8>());
        if let (Some(Ok(vrid)), Some(Ok(prio @ 1..))) = (f.next(), f.next()) {
            seen.entry(vrid)
                .and_modify(|e: &mut (u8, u8)| e.1 = prio)
                .or_insert((prio, prio));
        }
    }
    seen
}

/// One tool on host 1 with the file, captured from before its start for `how_long`.
fn run_captured(lab: &Lab, tool: &str, file: &str, how_long: Duration) -> String {
    let (mut dump, pcap) = lab.capture(1, &format!("{tool}.pcap"), "ip proto 112");
    std::thread::sleep(Duration::from_millis(300));
    let mut node = match tool {
        "keepalived" => lab.keepalived_with(1, DIFFERENTIAL),
        _ => lab.vipflip(1, &["run", "--keepalived-conf", file]),
    };
    std::thread::sleep(how_long);
    node.signal(Signal::SIGTERM);
    let _ = node.wait_exit(Duration::from_secs(5));
    dump.signal(Signal::SIGINT);
    let _ = dump.wait_exit(Duration::from_secs(3));
    pcap
}

#[test]
fn the_same_file_advertises_the_same_priorities_as_keepalived() {
    if !available(
        "the_same_file_advertises_the_same_priorities_as_keepalived",
        true,
    ) {
        return;
    }
    let lab = Lab::new(1);
    let file = lab.write_file("differential.conf", DIFFERENTIAL);
    let file = file.display().to_string();
    let settle = Duration::from_millis(2500);
    let theirs = advertised(&run_captured(&lab, "keepalived", &file, settle));
    let ours = advertised(&run_captured(&lab, "vipflip", &file, settle));
    // What keepalived's code says, and what both must show.
    let want: std::collections::BTreeMap<u8, (u8, u8)> = [
        (61, (105, 105)),
        (62, (103, 103)),
        (63, (180, 180)),
        (64, (255, 255)),
        (65, (255, 255)),
        (66, (254, 254)),
    ]
    .into_iter()
    .collect();
    assert_eq!(theirs, want, "keepalived's first and last adverts");
    assert_eq!(
        ours, theirs,
        "vipflip's first and last adverts against keepalived's"
    );
}

/// keepalived's instance without virtual_ipaddress (the cloud floating-IP pattern: the
/// notify scripts move the address): VRRPv2 adverts without addresses, which vipflip and
/// keepalived both take, one master between them, and the hooks run as keepalived runs them.
#[test]
fn an_instance_without_a_vip_elects_with_keepalived_and_runs_its_notify_scripts() {
    if !available(
        "an_instance_without_a_vip_elects_with_keepalived_and_runs_its_notify_scripts",
        true,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let marker = |i: usize| lab.dir().join(format!("floating-{i}"));
    let conf = |i: usize, prio: u8| {
        let m = marker(i).display().to_string();
        format!(
            "vrrp_instance FLOAT {{\n  interface eth0\n  virtual_router_id 71\n  priority {prio}\n  \
             advert_int 1\n  notify_master \"/bin/sh -c 'echo master >> {m}'\"\n  \
             notify_backup \"/bin/sh -c 'echo backup >> {m}'\"\n}}\n"
        )
    };
    let read = |i: usize| std::fs::read_to_string(marker(i)).unwrap_or_default();
    let file = lab.write_file("float.conf", &conf(1, 200));
    let file = file.display().to_string();
    let mut n1 = lab.vipflip(1, &["run", "--keepalived-conf", &file]);
    let ka = lab.keepalived_with(2, &conf(2, 100));
    // VRRPv2 at 1 s: Master_Down_Interval of priority 200 is 3.22 s.
    let mdi_v2 = vipflip::vrrp::timers::master_down_interval(vipflip::wire::Version::V2, 200, 100);
    let wait = mdi_v2 + Duration::from_secs(2);
    assert!(
        lab::wait_until(wait, || read(1).lines().last() == Some("master")),
        "vipflip: {:?}\n{}\nkeepalived:\n{}",
        read(1),
        n1.output(),
        ka.output()
    );
    assert!(
        lab::wait_until(Duration::from_secs(2), || read(2).contains("backup")),
        "keepalived: {:?}",
        read(2)
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !read(2).contains("master"),
        "keepalived took over: {:?}",
        read(2)
    );
    assert!(!n1.output().contains("discarded packet"), "{}", n1.output());
    // A planned stop: keepalived hears priority 0 and takes over.
    n1.signal(Signal::SIGTERM);
    let _ = n1.wait_exit(Duration::from_secs(5));
    assert!(
        lab::wait_until(Duration::from_secs(3), || read(2).contains("master")),
        "keepalived: {:?}",
        read(2)
    );
    // Back with a lower priority: keepalived's adverts carry no address, and vipflip takes
    // them (it would have discarded them as malformed before), so it stays backup.
    let _ = std::fs::remove_file(marker(1));
    let low = lab.write_file("float-low.conf", &conf(1, 50));
    let low = low.display().to_string();
    let n1 = lab.vipflip(1, &["run", "--keepalived-conf", &low]);
    std::thread::sleep(mdi_v2 + Duration::from_secs(1));
    assert_eq!(read(1), "backup\n", "{}", n1.output());
    assert!(!n1.output().contains("discarded packet"), "{}", n1.output());
    n1.signal(Signal::SIGTERM);
}

/// keepalived's `dev X` on an address and virtual_ipaddress_excluded: while master the
/// addresses are on their own devices, the excluded one is never advertised, and at the
/// stop every one is gone again.
#[test]
fn addresses_on_other_devices_and_excluded_ones_come_and_go_with_the_master() {
    if !available(
        "addresses_on_other_devices_and_excluded_ones_come_and_go_with_the_master",
        false,
    ) {
        return;
    }
    let lab = Lab::new(1);
    lab.side_link(1);
    let text = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 200\n  \
                version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    192.0.2.250/24\n    \
                198.51.100.50/24 dev eth1\n  }\n  virtual_ipaddress_excluded {\n    \
                203.0.113.7/32 dev lo\n  }\n}\n";
    let file = lab.write_file("devs.conf", text);
    let file = file.display().to_string();
    let (mut dump, pcap) = lab.capture(1, "devs.pcap", "ip proto 112");
    std::thread::sleep(Duration::from_millis(300));
    let mut n1 = lab.vipflip(1, &["run", "--keepalived-conf", &file]);
    let on = |dev: &str, addr: &str| {
        lab.addrs(1)
            .lines()
            .any(|l| l.starts_with(dev) && l.contains(&format!("{addr}/")))
    };
    let all_on =
        || on("eth0", "192.0.2.250") && on("eth1", "198.51.100.50") && on("lo", "203.0.113.7");
    assert!(
        lab::wait_until(mdi(200) + Duration::from_secs(2), all_on),
        "{}\n{}",
        lab.addrs(1),
        n1.output()
    );
    std::thread::sleep(Duration::from_millis(300));
    n1.signal(Signal::SIGTERM);
    let _ = n1.wait_exit(Duration::from_secs(5));
    dump.signal(Signal::SIGINT);
    let _ = dump.wait_exit(Duration::from_secs(3));
    assert!(
        !on("eth0", "192.0.2.250") && !on("eth1", "198.51.100.50") && !on("lo", "203.0.113.7"),
        "{}",
        lab.addrs(1)
    );
    let out = std::process::Command::new("tshark")
        .args(["-r", &pcap, "-T", "fields", "-e", "vrrp.ip_addr"])
        .output()
        .expect("tshark");
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!listed.trim().is_empty(), "no adverts captured");
    for line in listed.lines() {
        assert_eq!(
            line.trim(),
            "192.0.2.250,198.51.100.50",
            "adverts: {listed}"
        );
    }
}

/// keepalived's vrrp_track_process: a weighted process (weight -50, quorum 1) lowers the
/// master's priority while it is not running, and the other node preempts; started again,
/// the priority comes back and the first node preempts in turn.
#[test]
fn a_tracked_process_weighs_on_the_priority_as_in_keepalived() {
    if !available(
        "a_tracked_process_weighs_on_the_priority_as_in_keepalived",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    // A process name of this test's own: a copy of sleep(1) (its comm is the file's name).
    let name = format!("vfsl{}", std::process::id() % 100_000);
    let exe = lab.dir().join(&name);
    std::fs::copy("/bin/sleep", &exe).expect("copy sleep");
    let text = format!(
        "vrrp_track_process app {{\n  process {name}\n  weight -50\n}}\n\
         vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 41\n  priority 200\n  \
         version 3\n  advert_int 0.1\n  track_process {{\n    app\n  }}\n  \
         virtual_ipaddress {{\n    192.0.2.250/24\n  }}\n}}\n"
    );
    let file = lab.write_file("process.conf", &text);
    let file = file.display().to_string();
    let mut app = lab.spawn(1, &exe.display().to_string(), &["600"]);
    let n1 = lab.vipflip(1, &["run", "--keepalived-conf", &file]);
    let n2 = lab.vipflip(2, &lab::fast("180"));
    let wait = mdi(180) + MARGIN + Duration::from_secs(2);
    assert!(lab.wait_sole_holder(1, lab::VIP4, wait), "{}", n1.output());
    // The process ends: 200 - 50 = 150 < 180, the other node preempts.
    let t = Instant::now();
    app.signal(Signal::SIGKILL);
    let _ = app.wait_exit(Duration::from_secs(2));
    n1.expect_line("priority 200 -> 150", t, Duration::from_secs(3));
    assert!(lab.wait_sole_holder(2, lab::VIP4, wait), "{}", n2.output());
    // Started again: 200 > 180, and this node preempts back.
    let t = Instant::now();
    let _app = lab.spawn(1, &exe.display().to_string(), &["600"]);
    n1.expect_line("priority 150 -> 200", t, Duration::from_secs(3));
    assert!(lab.wait_sole_holder(1, lab::VIP4, wait), "{}", n1.output());
}

/// keepalived's garp_master_refresh: a master announces its VIP again every N seconds.
#[test]
fn a_master_refreshes_its_gratuitous_arp_every_garp_master_refresh() {
    if !available(
        "a_master_refreshes_its_gratuitous_arp_every_garp_master_refresh",
        false,
    ) {
        return;
    }
    let lab = Lab::new(1);
    let text = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 41\n  priority 200\n  \
                version 3\n  advert_int 0.1\n  garp_master_delay 0\n  garp_master_refresh 1\n  \
                virtual_ipaddress {\n    192.0.2.250/24\n  }\n}\n";
    let file = lab.write_file("refresh.conf", text);
    let file = file.display().to_string();
    let (mut dump, pcap) = lab.capture(1, "refresh.pcap", "arp");
    std::thread::sleep(Duration::from_millis(300));
    let mut n1 = lab.vipflip(1, &["run", "--keepalived-conf", &file]);
    assert!(lab.wait_sole_holder(1, lab::VIP4, mdi(200) + Duration::from_secs(2)));
    std::thread::sleep(Duration::from_millis(3500));
    n1.signal(Signal::SIGTERM);
    let _ = n1.wait_exit(Duration::from_secs(5));
    dump.signal(Signal::SIGINT);
    let _ = dump.wait_exit(Duration::from_secs(3));
    let out = std::process::Command::new("tshark")
        .args([
            "-r",
            &pcap,
            "-T",
            "fields",
            "-e",
            "frame.time_relative",
            "-e",
            "arp.src.proto_ipv4",
        ])
        .output()
        .expect("tshark");
    let times: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.ends_with(lab::VIP4))
        .filter_map(|l| l.split('\t').next()?.trim().parse().ok())
        .collect();
    // The takeover's burst (5 frames within a moment), then one a second.
    let first = times.first().copied().unwrap_or_default();
    let later: Vec<f64> = times
        .iter()
        .map(|t| t - first)
        .filter(|d| *d > 0.5)
        .collect();
    assert!(
        later.len() >= 3,
        "announcements after the burst at {later:?} (all: {times:?})"
    );
    for pair in later.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            (0.8..1.3).contains(&gap),
            "refreshes {gap:.2} s apart: {later:?}"
        );
    }
}

/// keepalived's sync group is master whole or not at all (vrrp_sync.c): when one member
/// yields to a higher priority elsewhere, the other members leave master too, and none of
/// them takes over again while one member cannot. Run by keepalived, then by vipflip, with
/// the same file; a plain vipflip node outranks one member.
#[test]
fn a_sync_group_is_master_whole_or_not_at_all_as_in_keepalived() {
    if !available(
        "a_sync_group_is_master_whole_or_not_at_all_as_in_keepalived",
        true,
    ) {
        return;
    }
    let group = two_instances(200, 200, true, "");
    for tool in ["keepalived", "vipflip"] {
        let lab = Lab::new(2);
        let file = lab.write_file("group.conf", &group);
        let file = file.display().to_string();
        let mut n1 = match tool {
            "keepalived" => lab.keepalived_with(1, &group),
            _ => lab.vipflip(1, &["run", "--keepalived-conf", &file]),
        };
        let wait = mdi(200) + MARGIN + Duration::from_secs(2);
        assert!(
            lab.wait_sole_holder(1, VIP_A, wait),
            "{tool}: {}",
            n1.output()
        );
        assert!(
            lab.wait_sole_holder(1, VIP_B, wait),
            "{tool}: {}",
            n1.output()
        );
        // Another node takes VI_B with priority 250: the whole group leaves master.
        let args = [
            "run",
            "--vip",
            "192.0.2.251/24",
            "--iface",
            "eth0",
            "--vrid",
            "52",
            "--priority",
            "250",
            "--vrrp-version",
            "3",
            "--advert-int",
            "100ms",
        ];
        let n2 = lab.vipflip(2, &args);
        assert!(
            lab.wait_sole_holder(2, VIP_B, wait),
            "{tool}: {}",
            n2.output()
        );
        assert!(
            lab::wait_until(Duration::from_secs(2), || lab.holders(VIP_A).is_empty()),
            "{tool}: VI_A still held by {:?}\n{}",
            lab.holders(VIP_A),
            n1.output()
        );
        // And it stays so: VI_A cannot go master while VI_B cannot.
        std::thread::sleep(Duration::from_secs(2));
        assert!(lab.holders(VIP_A).is_empty(), "{tool}: {}", n1.output());
        n1.signal(Signal::SIGTERM);
        let _ = n1.wait_exit(Duration::from_secs(5));
    }
}

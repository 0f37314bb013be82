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
    let group = if sync {
        "vrrp_sync_group G {\n  group {\n    VI_A\n    VI_B\n  }\n}\n"
    } else {
        ""
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
    let conf = lab.write_file("sync.conf", &two_instances(200, 200, true, track));
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
    n1.signal(Signal::SIGTERM);
    n2.signal(Signal::SIGTERM);
}

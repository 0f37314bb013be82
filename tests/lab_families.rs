//! One run for both families: `--vip 192.0.2.250/24 --vip 2001:db8::250/64` is a VRRPv3 IPv4
//! and a VRRPv3 IPv6 instance of one VRID in one process, in step: one start line, events
//! that name the family, both VIPs handed over by a planned stop and given up on a fault.

mod lab;

use std::time::{Duration, Instant};

use lab::{available, mdi, Lab, Proc, MARGIN, VIP4, VIP6};
use nix::sys::signal::Signal;

fn both(priority: &str) -> Vec<&str> {
    vec![
        "run",
        "--vip",
        "192.0.2.250/24",
        "--vip",
        "2001:db8::250/64",
        "--iface",
        "eth0",
        "--vrid",
        "41",
        "--priority",
        priority,
        "--advert-int",
        "100ms",
    ]
}

fn sole_holder_of_both(lab: &Lab, i: usize, timeout: Duration, nodes: &[Proc]) {
    for vip in [VIP4, VIP6] {
        let outputs: Vec<String> = nodes.iter().map(|n| n.output()).collect();
        assert!(
            lab.wait_sole_holder(i, vip, timeout),
            "host {i} should hold {vip}: holders {:?}\n{}",
            lab.holders(vip),
            outputs.join("\n---\n")
        );
        assert!(
            lab::wait_until(Duration::from_secs(2), || lab.client_ping(vip)),
            "the client reaches {vip}"
        );
    }
}

#[test]
fn both_families_in_one_run_move_together() {
    if !available("both_families_in_one_run_move_together", false) {
        return;
    }
    let lab = Lab::new(3);
    let mut nodes: Vec<Proc> = Vec::new();
    for (i, priority) in [(1, "200"), (2, "199"), (3, "198")] {
        nodes.push(lab.vipflip(i, &both(priority)));
        std::thread::sleep(Duration::from_millis(100));
    }
    sole_holder_of_both(&lab, 1, mdi(200) + Duration::from_secs(2), &nodes);
    let n1 = nodes[0].output();
    assert_eq!(
        n1.matches("vipflip 0.1.0 vrid 41").count(),
        1,
        "one start line:\n{n1}"
    );
    assert!(
        n1.contains("from 192.0.2.201 and fe80::")
            && n1.contains("VIP 192.0.2.250/24 2001:db8::250/64"),
        "{n1}"
    );
    for family in ["IPv4", "IPv6"] {
        assert!(n1.contains(&format!("vrid 41 {family} MASTER")), "{n1}");
    }
    let status = lab.vipflip_output(1, &["status"]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert_eq!(status.status.code(), Some(0), "{text}");
    for family in ["IPv4", "IPv6"] {
        assert!(
            text.contains(&format!("vrid 41 {family} on eth0")),
            "{text}"
        );
    }

    // Planned stop: both VIPs go to the 199 node, the process exits once both are handed over.
    nodes[0].signal(Signal::SIGTERM);
    assert_eq!(
        nodes[0].wait_exit(Duration::from_secs(5)),
        Some(0),
        "{}",
        nodes[0].output()
    );
    assert_eq!(
        nodes[0].output().matches("STOPPED handed over").count(),
        2,
        "{}",
        nodes[0].output()
    );
    sole_holder_of_both(&lab, 2, Duration::from_secs(2), &nodes);

    // The 199 node's link goes down: both instances fault, both VIPs go to the 198 node.
    let t = Instant::now();
    lab.set_port(2, false);
    sole_holder_of_both(&lab, 3, mdi(198) + MARGIN * 4, &nodes);
    for family in ["IPv4", "IPv6"] {
        nodes[1].expect_line(
            &format!("vrid 41 {family} FAULT"),
            t,
            Duration::from_secs(2),
        );
    }
    lab.set_port(2, true);
}

#[test]
fn json_lines_of_a_two_family_run_name_the_family() {
    if !available("json_lines_of_a_two_family_run_name_the_family", false) {
        return;
    }
    let lab = Lab::new(1);
    let mut args = both("200");
    args.push("--json");
    let mut n1 = lab.vipflip(1, &args);
    sole_holder_of_both(
        &lab,
        1,
        mdi(200) + Duration::from_secs(2),
        std::slice::from_ref(&n1),
    );
    n1.signal(Signal::SIGTERM);
    assert_eq!(n1.wait_exit(Duration::from_secs(5)), Some(0));
    let lines = n1.output();
    let mut masters: Vec<String> = lines
        .lines()
        .filter(|l| vipflip::json_field(l, "to").as_deref() == Some("master"))
        .filter_map(|l| vipflip::json_field(l, "family"))
        .collect();
    masters.sort();
    assert_eq!(masters, ["ipv4", "ipv6"], "{lines}");
    let start: Vec<&str> = lines
        .lines()
        .filter(|l| vipflip::json_field(l, "event").as_deref() == Some("start"))
        .collect();
    assert_eq!(start.len(), 1, "{lines}");
    assert!(
        vipflip::json_field(start[0], "primary_ipv6").is_some(),
        "{}",
        start[0]
    );
}

#[test]
fn both_families_with_vmac_put_the_parents_settings_back() {
    if !available(
        "both_families_with_vmac_put_the_parents_settings_back",
        false,
    ) {
        return;
    }
    let lab = Lab::new(1);
    let mut args = both("200");
    args.push("--vmac");
    let mut n1 = lab.vipflip(1, &args);
    sole_holder_of_both(
        &lab,
        1,
        mdi(200) + Duration::from_secs(2),
        std::slice::from_ref(&n1),
    );
    assert!(
        lab.has_link(1, "vrrp.41") && lab.has_link(1, "vrrp6.41"),
        "{}",
        lab.addrs(1)
    );
    assert_eq!(lab.sysctl4(1, "eth0", "arp_ignore"), "1");
    n1.signal(Signal::SIGTERM);
    assert_eq!(
        n1.wait_exit(Duration::from_secs(5)),
        Some(0),
        "{}",
        n1.output()
    );
    assert!(
        !lab.has_link(1, "vrrp.41") && !lab.has_link(1, "vrrp6.41"),
        "{}",
        n1.output()
    );
    // The IPv6 virtual MAC interface needs none of the parent's ARP settings: it must not
    // keep the IPv4 one from putting them back.
    assert_eq!(lab.sysctl4(1, "eth0", "arp_ignore"), "0", "{}", n1.output());
    assert_eq!(
        lab.sysctl4(1, "eth0", "arp_announce"),
        "0",
        "{}",
        n1.output()
    );
}

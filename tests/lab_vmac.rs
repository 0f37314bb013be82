//! --vmac in the lab: the client's neighbour entry stays on the RFC's virtual MAC through
//! every failover (crash, planned stop, preemption), with vipflip nodes alone and in one
//! group with keepalived's use_vmac; what --vmac changed is undone at exit.

mod lab;

use std::time::{Duration, Instant};

use lab::{available, fast, mdi, Lab, Proc, MARGIN, VIP4, VIP6};
use nix::sys::signal::Signal;

const VMAC4: &str = "00:00:5e:00:01:29";
const VMAC6: &str = "00:00:5e:00:02:29";

fn ipv4(priority: &str) -> Vec<&str> {
    let mut args = fast(priority);
    args.push("--vmac");
    args
}

fn ipv6(priority: &str) -> Vec<&str> {
    vec![
        "run",
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
        "--vmac",
    ]
}

/// Waits until host `i` holds `vip` (a crashed node may still hold its stale copy).
fn wait_holds(lab: &Lab, i: usize, vip: &str, timeout: Duration) -> bool {
    lab::wait_until(timeout, || lab.holds(i, vip))
}

/// The client reaches the VIP, and its neighbour entry is the virtual MAC.
fn client_on(lab: &Lab, vip: &str, vmac: &str, when: &str, nodes: &[&Proc]) {
    let answered = lab::wait_until(Duration::from_secs(2), || lab.client_ping(vip));
    let outputs: Vec<String> = nodes.iter().map(|n| n.output()).collect();
    assert!(
        answered,
        "{when}: no answer from {vip}\n{}",
        outputs.join("\n---\n")
    );
    assert_eq!(
        lab.client_neigh(vip).as_deref(),
        Some(vmac),
        "{when}: the client's neighbour entry\n{}",
        outputs.join("\n---\n")
    );
}

#[test]
fn vipflip_nodes_keep_the_client_on_the_virtual_mac_ipv4() {
    if !available(
        "vipflip_nodes_keep_the_client_on_the_virtual_mac_ipv4",
        false,
    ) {
        return;
    }
    let lab = Lab::new(3);
    let mut nodes: Vec<Proc> = Vec::new();
    for (i, priority) in [(1, "200"), (2, "199"), (3, "198")] {
        nodes.push(lab.vipflip(i, &ipv4(priority)));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)),
        "holders {:?}\n{}",
        lab.holders(VIP4),
        nodes[0].output()
    );
    assert!(
        nodes[0]
            .output()
            .contains("virtual MAC 00:00:5e:00:01:29 on vrrp.41"),
        "{}",
        nodes[0].output()
    );
    assert!(
        lab.has_link(2, "vrrp.41") && !lab.holds(2, VIP4),
        "a backup has the interface, without the VIP:\n{}",
        lab.addrs(2)
    );
    assert_eq!(lab.sysctl4(1, "eth0", "arp_ignore"), "1");
    assert_eq!(lab.sysctl4(1, "eth0", "arp_announce"), "2");
    let all: Vec<&Proc> = nodes.iter().collect();
    client_on(&lab, VIP4, VMAC4, "first master", &all);
    // The master asks for the client's MAC again: with the VIP as sender and eth0's MAC
    // (arp_announce 0) that would move the client off the virtual MAC.
    lab.exec(1, &["ip", "neigh", "flush", "all"]);
    client_on(
        &lab,
        VIP4,
        VMAC4,
        "after the master asked for the client's MAC",
        &all,
    );

    let probe = lab.vipflip_output(0, &["probe", "--iface", "eth0", "--duration", "1s"]);
    let report = String::from_utf8_lossy(&probe.stdout);
    assert!(
        report.contains("MASTER 192.0.2.201 (00:00:5e:00:01:29)"),
        "probe names the virtual MAC as the master's:\n{report}"
    );

    // Crash: kill -9 and the cable pulled. The stale copy stays on the dead node.
    let t = Instant::now();
    nodes[0].signal(Signal::SIGKILL);
    lab.set_port(1, false);
    assert!(
        wait_holds(&lab, 2, VIP4, mdi(199) + MARGIN * 4),
        "the 199 node takes over\n{}",
        nodes[1].output()
    );
    eprintln!("crash: 199 holds the VIP after {:?}", t.elapsed());
    client_on(&lab, VIP4, VMAC4, "after the crash", &all);

    // The node comes back: its stale interface goes, and it preempts.
    lab.set_port(1, true);
    let _ = nodes[0].wait_exit(Duration::from_secs(2));
    nodes[0] = lab.vipflip(1, &ipv4("200"));
    nodes[0].expect_line(
        "removed stale virtual MAC interface vrrp.41",
        t,
        Duration::from_secs(3),
    );
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)),
        "holders {:?}\n{}",
        lab.holders(VIP4),
        nodes[0].output()
    );
    let all: Vec<&Proc> = nodes.iter().collect();
    client_on(&lab, VIP4, VMAC4, "after preemption", &all);

    // Planned stop: handed over, and everything --vmac did is undone.
    nodes[0].signal(Signal::SIGTERM);
    assert_eq!(nodes[0].wait_exit(Duration::from_secs(3)), Some(0));
    assert!(lab.wait_sole_holder(2, VIP4, Duration::from_secs(2)));
    let all: Vec<&Proc> = nodes.iter().collect();
    client_on(&lab, VIP4, VMAC4, "after the planned stop", &all);
    assert!(!lab.has_link(1, "vrrp.41"), "{}", nodes[0].output());
    // The successor announces the same MAC: still heard as its announcement.
    assert!(
        nodes[0]
            .output()
            .contains("VIP removed once 00:00:5e:00:01:29 announced it"),
        "{}",
        nodes[0].output()
    );
    // The kill -9 left eth0's settings raised; the next run found them so and leaves them.
    assert_eq!(lab.sysctl4(1, "eth0", "arp_ignore"), "1");
    // A node that was never killed puts back what it changed.
    nodes[2].signal(Signal::SIGTERM);
    assert_eq!(nodes[2].wait_exit(Duration::from_secs(3)), Some(0));
    assert!(!lab.has_link(3, "vrrp.41"), "{}", nodes[2].output());
    assert_eq!(lab.sysctl4(3, "eth0", "arp_ignore"), "0");
    assert_eq!(lab.sysctl4(3, "eth0", "arp_announce"), "0");
    for knob in ["arp_ignore back to 0", "arp_announce back to 0"] {
        assert!(
            nodes[2].output().contains(&format!("put eth0 {knob}")),
            "{}",
            nodes[2].output()
        );
    }
}

#[test]
fn vipflip_nodes_keep_the_client_on_the_virtual_mac_ipv6() {
    if !available(
        "vipflip_nodes_keep_the_client_on_the_virtual_mac_ipv6",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let mut n1 = lab.vipflip(1, &ipv6("200"));
    std::thread::sleep(Duration::from_millis(100));
    let n2 = lab.vipflip(2, &ipv6("199"));
    assert!(
        lab.wait_sole_holder(1, VIP6, mdi(200) + Duration::from_secs(2)),
        "holders {:?}\n{}",
        lab.holders(VIP6),
        n1.output()
    );
    assert!(lab.has_link(1, "vrrp6.41"), "{}", lab.addrs(1));
    client_on(&lab, VIP6, VMAC6, "first master", &[&n1, &n2]);
    n1.signal(Signal::SIGTERM);
    assert_eq!(n1.wait_exit(Duration::from_secs(3)), Some(0));
    assert!(lab.wait_sole_holder(2, VIP6, Duration::from_secs(2)));
    client_on(&lab, VIP6, VMAC6, "after the planned stop", &[&n1, &n2]);
    assert!(!lab.has_link(1, "vrrp6.41"), "{}", n1.output());
}

struct Mixed {
    vip: &'static str,
    vmac: &'static str,
    mdi_200: Duration,
    /// vipflip's flags after run --iface eth0 --vrid 41 --priority N --vmac.
    vipflip: &'static [&'static str],
    /// keepalived's lines inside vrrp_instance besides the common ones.
    keepalived: &'static str,
}

/// vipflip --vmac (200) and keepalived use_vmac (199) in one group: vipflip hands over to
/// keepalived on SIGTERM, and takes the VIP back from it when started again; the client
/// stays on the virtual MAC throughout.
fn mixed_group(m: &Mixed) {
    let lab = Lab::new(2);
    let vf_args = |priority: &'static str| {
        let mut args = vec![
            "run",
            "--iface",
            "eth0",
            "--vrid",
            "41",
            "--priority",
            priority,
            "--vmac",
        ];
        args.extend(m.vipflip);
        args
    };
    let mut vf = lab.vipflip(1, &vf_args("200"));
    // keepalived 2.2.7's use_vmac raises arp_ignore and arp_filter on eth0 but not
    // arp_announce: as master its kernel asks for the client's MAC with the VIP as sender
    // from eth0, and the client moves to eth0's MAC (measured here). Its users set this.
    lab.exec(2, &["sysctl", "-qw", "net.ipv4.conf.eth0.arp_announce=2"]);
    let ka = lab.keepalived(
        2,
        &format!(
            "  state BACKUP\n  virtual_router_id 41\n  priority 199\n  use_vmac\n{}",
            m.keepalived
        ),
    );
    assert!(
        lab.wait_sole_holder(1, m.vip, m.mdi_200 * 2 + Duration::from_secs(3)),
        "vipflip should be master; holders {:?}\n{}\n{}",
        lab.holders(m.vip),
        vf.output(),
        ka.output()
    );
    client_on(&lab, m.vip, m.vmac, "vipflip master", &[&vf, &ka]);

    let mut watch = lab.spawn(
        0,
        env!("CARGO_BIN_EXE_vipflip"),
        &["ping-watch", m.vip, "--interval", "10ms"],
    );
    std::thread::sleep(Duration::from_millis(300));
    vf.signal(Signal::SIGTERM);
    assert_eq!(
        vf.wait_exit(Duration::from_secs(3)),
        Some(0),
        "{}",
        vf.output()
    );
    assert!(
        lab.wait_sole_holder(2, m.vip, Duration::from_secs(3)),
        "keepalived takes over; holders {:?}\n{}",
        lab.holders(m.vip),
        ka.output()
    );
    client_on(&lab, m.vip, m.vmac, "keepalived master", &[&vf, &ka]);
    std::thread::sleep(Duration::from_millis(300));
    watch.signal(Signal::SIGINT);
    let _ = watch.wait_exit(Duration::from_secs(3));
    let summary = watch.output();
    assert!(
        summary.contains(&format!("{}: sent ", m.vip)) && summary.contains("outage(s)"),
        "ping-watch shows the handover:\n{summary}"
    );
    eprintln!(
        "vipflip -> keepalived, ping-watch: {}",
        summary.lines().last().unwrap_or("")
    );
    let probe = lab.vipflip_output(0, &["probe", "--iface", "eth0", "--duration", "1s"]);
    let report = String::from_utf8_lossy(&probe.stdout);
    assert!(
        report.contains(&format!("({}) priority 199", m.vmac)),
        "probe names keepalived's virtual MAC as the master's:\n{report}"
    );

    let vf = lab.vipflip(1, &vf_args("200"));
    assert!(
        lab.wait_sole_holder(1, m.vip, m.mdi_200 * 2 + Duration::from_secs(3)),
        "vipflip preempts keepalived; holders {:?}\n{}\n{}",
        lab.holders(m.vip),
        vf.output(),
        ka.output()
    );
    client_on(&lab, m.vip, m.vmac, "vipflip master again", &[&vf, &ka]);
}

#[test]
fn keepalived_use_vmac_vrrp_v2() {
    if !available("keepalived_use_vmac_vrrp_v2", true) {
        return;
    }
    mixed_group(&Mixed {
        vip: VIP4,
        vmac: VMAC4,
        mdi_200: vipflip::vrrp::timers::master_down_interval(vipflip::wire::Version::V2, 200, 100),
        vipflip: &["--vip", "192.0.2.250/24"],
        keepalived: "  advert_int 1\n  virtual_ipaddress {\n    192.0.2.250/24\n  }",
    });
}

#[test]
fn keepalived_use_vmac_vrrp_v3_ipv4() {
    if !available("keepalived_use_vmac_vrrp_v3_ipv4", true) {
        return;
    }
    mixed_group(&Mixed {
        vip: VIP4,
        vmac: VMAC4,
        mdi_200: mdi(200),
        vipflip: &[
            "--vip",
            "192.0.2.250/24",
            "--vrrp-version",
            "3",
            "--advert-int",
            "100ms",
        ],
        keepalived: "  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    192.0.2.250/24\n  }",
    });
}

#[test]
fn keepalived_use_vmac_vrrp_v3_ipv6() {
    if !available("keepalived_use_vmac_vrrp_v3_ipv6", true) {
        return;
    }
    mixed_group(&Mixed {
        vip: VIP6,
        vmac: VMAC6,
        mdi_200: mdi(200),
        vipflip: &["--vip", "2001:db8::250/64", "--advert-int", "100ms"],
        keepalived:
            "  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    2001:db8::250/64\n  }",
    });
}

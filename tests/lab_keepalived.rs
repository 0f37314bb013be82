//! Interop with keepalived (Debian's package): one group, one master, failover either way,
//! for VRRPv2, VRRPv3 over IPv4 (keepalived's pseudo-header checksum), VRRPv3 over IPv6,
//! and the RFC 9568 checksum form (which Debian 12's keepalived 2.2.7 cannot read).

mod lab;

use std::time::{Duration, Instant};

use lab::{available, Lab, MARGIN, VIP4, VIP6};
use nix::sys::signal::Signal;
use vipflip::vrrp::timers::{master_down_interval, skew_time};
use vipflip::wire::Version;

/// keepalived's own scheduling is coarser than ours.
const KEEPALIVED_MARGIN: Duration = Duration::from_millis(600);

struct Group {
    vip: &'static str,
    version: Version,
    interval_cs: u16,
    /// vipflip flags after `run --iface eth0 --vrid 41 --priority N`.
    vipflip: Vec<&'static str>,
    /// keepalived lines inside vrrp_instance besides interface/priority.
    keepalived: &'static str,
}

impl Group {
    fn mdi(&self, priority: u8) -> Duration {
        master_down_interval(self.version, priority, self.interval_cs)
    }

    fn keepalived_instance(&self, priority: u8) -> String {
        format!(
            "  state BACKUP\n  virtual_router_id 41\n  priority {priority}\n{}",
            self.keepalived
        )
    }

    fn vipflip_args(&self, priority: &'static str) -> Vec<&'static str> {
        let mut args = vec![
            "run",
            "--iface",
            "eth0",
            "--vrid",
            "41",
            "--priority",
            priority,
        ];
        args.extend(self.vipflip.iter().copied());
        args
    }
}

/// keepalived master with a vipflip backup, keepalived stops, vipflip takes over within
/// Skew_Time; then a keepalived backup joins vipflip's group, vipflip stops, keepalived
/// takes over.
fn one_group_both_ways(g: &Group) {
    let lab = Lab::new(3);
    let mut ka1 = lab.keepalived(1, &g.keepalived_instance(200));
    let mut vf2 = lab.vipflip(2, &g.vipflip_args("150"));
    assert!(
        lab.wait_sole_holder(1, g.vip, g.mdi(200) * 2 + Duration::from_secs(3)),
        "keepalived should be master; holders {:?}\nkeepalived:\n{}\nvipflip:\n{}",
        lab.holders(g.vip),
        ka1.output(),
        vf2.output()
    );
    std::thread::sleep(g.mdi(150) + MARGIN);
    assert_eq!(
        lab.holders(g.vip),
        vec![1],
        "vipflip must follow keepalived's adverts:\n{}",
        vf2.output()
    );
    assert!(!vf2.output().contains("discarded"), "{}", vf2.output());
    assert!(lab.client_ping(g.vip));

    let t = Instant::now();
    ka1.signal(Signal::SIGTERM);
    let line = vf2
        .wait_line("MASTER", t, Duration::from_secs(5))
        .expect("vipflip takes over");
    assert!(
        line.text.contains("stepped down (priority 0)"),
        "{}",
        line.text
    );
    let took = line.at - t;
    let bound = skew_time(g.version, 150, g.interval_cs) + KEEPALIVED_MARGIN;
    assert!(took <= bound, "took {took:?}, bound {bound:?}");
    let _ = ka1.wait_exit(Duration::from_secs(5));
    assert!(
        lab.wait_sole_holder(2, g.vip, Duration::from_secs(2)),
        "holders {:?}",
        lab.holders(g.vip)
    );
    assert!(lab.client_ping(g.vip));

    let ka3 = lab.keepalived(3, &g.keepalived_instance(100));
    std::thread::sleep(g.mdi(100) * 2 + Duration::from_millis(500));
    assert_eq!(
        lab.holders(g.vip),
        vec![2],
        "keepalived must follow vipflip's adverts:\n{}",
        ka3.output()
    );
    let t = Instant::now();
    vf2.signal(Signal::SIGTERM);
    assert!(
        lab.wait_sole_holder(
            3,
            g.vip,
            skew_time(g.version, 100, g.interval_cs) + Duration::from_secs(2)
        ),
        "keepalived takes over; holders {:?}\n{}",
        lab.holders(g.vip),
        ka3.output()
    );
    eprintln!(
        "vipflip -> keepalived handover seen after {:?}",
        t.elapsed()
    );
    assert_eq!(vf2.wait_exit(Duration::from_secs(2)), Some(0));
    assert!(lab.client_ping(g.vip));
}

#[test]
fn keepalived_vrrp_v2() {
    if !available("keepalived_vrrp_v2", true) {
        return;
    }
    one_group_both_ways(&Group {
        vip: VIP4,
        version: Version::V2,
        interval_cs: 100,
        vipflip: vec!["--vip", "192.0.2.250/24"],
        keepalived: "  advert_int 1\n  virtual_ipaddress {\n    192.0.2.250/24\n  }",
    });
}

#[test]
fn keepalived_vrrp_v2_auth_pass() {
    if !available("keepalived_vrrp_v2_auth_pass", true) {
        return;
    }
    one_group_both_ways(&Group {
        vip: VIP4,
        version: Version::V2,
        interval_cs: 100,
        vipflip: vec!["--vip", "192.0.2.250/24", "--auth-pass", "s3cret"],
        keepalived: "  advert_int 1\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n  virtual_ipaddress {\n    192.0.2.250/24\n  }",
    });
}

#[test]
fn keepalived_vrrp_v3_ipv4() {
    if !available("keepalived_vrrp_v3_ipv4", true) {
        return;
    }
    one_group_both_ways(&Group {
        vip: VIP4,
        version: Version::V3,
        interval_cs: 10,
        vipflip: vec![
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
fn keepalived_vrrp_v3_ipv6() {
    if !available("keepalived_vrrp_v3_ipv6", true) {
        return;
    }
    one_group_both_ways(&Group {
        vip: VIP6,
        version: Version::V3,
        interval_cs: 10,
        vipflip: vec!["--vip", "2001:db8::250/64", "--advert-int", "100ms"],
        keepalived:
            "  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    2001:db8::250/64\n  }",
    });
}

/// RFC 9568's message-only checksum: vipflip nodes form a group with it, tshark validates it,
/// and a vipflip node sending it still reads keepalived's form. keepalived 2.2.7 rejects it
/// ("Invalid VRRPv3 checksum"), which this test also pins, so the day Debian's keepalived
/// learns v3_checksum_as_v2 the test says so.
#[test]
fn rfc9568_checksum_form() {
    if !available("rfc9568_checksum_form", true) {
        return;
    }
    let lab = Lab::new(3);
    let args = |prio: &'static str| {
        vec![
            "run",
            "--iface",
            "eth0",
            "--vrid",
            "41",
            "--priority",
            prio,
            "--vip",
            "192.0.2.250/24",
            "--vrrp-version",
            "3",
            "--advert-int",
            "100ms",
            "--v3-checksum",
            "rfc9568",
        ]
    };
    let (mut dump, pcap) = lab.capture(3, "rfc9568.pcap", "ip proto 112");
    let mut vf1 = lab.vipflip(1, &args("200"));
    let vf2 = lab.vipflip(2, &args("150"));
    assert!(lab.wait_sole_holder(
        1,
        VIP4,
        master_down_interval(Version::V3, 200, 10) + Duration::from_secs(2)
    ));
    std::thread::sleep(master_down_interval(Version::V3, 150, 10) + MARGIN);
    assert_eq!(lab.holders(VIP4), vec![1], "{}", vf2.output());
    let t = Instant::now();
    vf1.signal(Signal::SIGTERM);
    let line = vf2
        .wait_line("MASTER", t, Duration::from_secs(2))
        .expect("takeover");
    assert!(line.at - t <= skew_time(Version::V3, 150, 10) + MARGIN);
    let _ = vf1.wait_exit(Duration::from_secs(2));
    dump.signal(Signal::SIGINT);
    let _ = dump.wait_exit(Duration::from_secs(3));

    let decoded = lab.exec(
        3,
        &[
            "tshark",
            "-o",
            "vrrp.v3_checksum_as_in_v2:TRUE",
            "-r",
            &pcap,
            "-V",
        ],
    );
    let good =
        decoded.matches("[correct]").count() + decoded.matches("[Checksum Status: Good]").count();
    assert!(
        good >= 5,
        "tshark must validate the message-only checksum:\n{decoded}"
    );
    assert!(!decoded.contains("incorrect"), "{decoded}");
    let strict = lab.exec(3, &["tshark", "-r", &pcap, "-V"]);
    assert!(
        strict.contains("incorrect") || strict.contains("Bad"),
        "without the option tshark expects the pseudo-header form"
    );
    drop(vf2);

    // vipflip sending RFC 9568 form still accepts keepalived's pseudo-header form.
    let instance = |prio: u8| {
        format!("  state BACKUP\n  virtual_router_id 42\n  priority {prio}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {{\n    192.0.2.251/24\n  }}")
    };
    let mut ka = lab.keepalived(1, &instance(200));
    let vf = lab.vipflip(
        2,
        &[
            "run",
            "--iface",
            "eth0",
            "--vrid",
            "42",
            "--priority",
            "150",
            "--vip",
            "192.0.2.251/24",
            "--vrrp-version",
            "3",
            "--advert-int",
            "100ms",
            "--v3-checksum",
            "rfc9568",
        ],
    );
    assert!(
        lab.wait_sole_holder(1, "192.0.2.251", Duration::from_secs(4)),
        "holders {:?}\n{}",
        lab.holders("192.0.2.251"),
        vf.output()
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        lab.holders("192.0.2.251"),
        vec![1],
        "vipflip follows keepalived:\n{}",
        vf.output()
    );
    // ... and says, once, that keepalived will not follow it, naming the flag.
    let warned = vf.output().matches("--v3-checksum keepalived").count();
    assert_eq!(warned, 1, "one warning naming the flag:\n{}", vf.output());

    // The other way keepalived 2.2.7 cannot follow: it rejects the message-only checksum.
    ka.signal(Signal::SIGTERM);
    let _ = ka.wait_exit(Duration::from_secs(5));
    assert!(lab.wait_sole_holder(2, "192.0.2.251", Duration::from_secs(2)));
    let ka3 = lab.keepalived(3, &instance(100));
    assert!(
        ka3.wait_line(
            "checksum",
            Instant::now() - Duration::from_secs(60),
            Duration::from_secs(3)
        )
        .is_some(),
        "keepalived 2.2.7 reports the RFC 9568 checksum as invalid:\n{}",
        ka3.output()
    );
}

/// Drops VRRP multicast in and out of host `i` (an nftables table in its namespace).
fn block_multicast(lab: &Lab, i: usize) {
    let rules = "table inet vfblock {\n chain in { type filter hook input priority 0; ip daddr 224.0.0.18 drop; ip6 daddr ff02::12 drop; }\n chain out { type filter hook output priority 0; ip daddr 224.0.0.18 drop; ip6 daddr ff02::12 drop; }\n}\n";
    let file = lab.write_file(&format!("block-{i}.nft"), rules);
    lab.exec(i, &["nft", "-f", &file.display().to_string()]);
}

#[test]
fn keepalived_unicast_group_fails_over_both_ways_with_multicast_blocked() {
    if !available(
        "keepalived_unicast_group_fails_over_both_ways_with_multicast_blocked",
        true,
    ) {
        return;
    }
    let lab = Lab::new(2);
    block_multicast(&lab, 1);
    block_multicast(&lab, 2);
    let instance = |prio: u8| {
        format!("  state BACKUP\n  virtual_router_id 41\n  priority {prio}\n  version 3\n  advert_int 0.1\n  unicast_src_ip 192.0.2.201\n  unicast_peer {{\n    192.0.2.202\n  }}\n  virtual_ipaddress {{\n    192.0.2.250/24\n  }}")
    };
    let mut ka = lab.keepalived(1, &instance(200));
    let args = [
        "run",
        "--vip",
        "192.0.2.250/24",
        "--iface",
        "eth0",
        "--vrid",
        "41",
        "--priority",
        "150",
        "--vrrp-version",
        "3",
        "--advert-int",
        "100ms",
        "--unicast-src",
        "192.0.2.202",
        "--unicast-peer",
        "192.0.2.201",
    ];
    let mut vf = lab.vipflip(2, &args);
    let mdi = |p| master_down_interval(Version::V3, p, 10);
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) * 2 + Duration::from_secs(3)),
        "holders {:?}\n{}",
        lab.holders(VIP4),
        vf.output()
    );
    std::thread::sleep(mdi(150) + MARGIN);
    assert_eq!(
        lab.holders(VIP4),
        vec![1],
        "vipflip follows keepalived over unicast:\n{}",
        vf.output()
    );
    assert!(!vf.output().contains("discarded"), "{}", vf.output());

    let t = Instant::now();
    ka.signal(Signal::SIGTERM);
    let line = vf
        .wait_line("MASTER", t, Duration::from_secs(3))
        .expect("vipflip takes over");
    assert!(
        line.text.contains("stepped down (priority 0)"),
        "{}",
        line.text
    );
    let _ = ka.wait_exit(Duration::from_secs(5));
    assert!(lab.wait_sole_holder(2, VIP4, Duration::from_secs(2)));

    let ka = lab.keepalived(1, &instance(100));
    std::thread::sleep(mdi(100) * 3 + Duration::from_millis(500));
    assert_eq!(
        lab.holders(VIP4),
        vec![2],
        "keepalived follows vipflip over unicast:\n{}",
        ka.output()
    );
    vf.signal(Signal::SIGTERM);
    assert!(
        lab.wait_sole_holder(1, VIP4, Duration::from_secs(3)),
        "keepalived takes over; holders {:?}\n{}",
        lab.holders(VIP4),
        ka.output()
    );
    assert_eq!(
        vf.wait_exit(Duration::from_secs(3)),
        Some(0),
        "{}",
        vf.output()
    );
    assert!(
        vf.output().contains("handed over to 192.0.2.201"),
        "{}",
        vf.output()
    );
}

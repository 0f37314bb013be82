//! FRR's vrrpd as the second real peer (Debian's frr: zebra + vrrpd in a host's namespace,
//! driven with vtysh): one group of FRR and vipflip, with and without --vmac, elects the
//! higher priority, fails over both ways (vipflip's planned stop, FRR's crash) and preempts
//! back, for VRRPv2, VRRPv3 over IPv4 and VRRPv3 over IPv6. The client reaches the VIP after
//! every change.

mod lab;

use std::time::{Duration, Instant};

use lab::{available_frr, Frr, Lab, Proc, MARGIN};
use nix::sys::signal::Signal;
use vipflip::vrrp::timers::{master_down_interval, skew_time};
use vipflip::wire::Version;

struct Case {
    vip: &'static str,
    len: &'static str,
    /// vrrpd's name for the family in `show vrrp`.
    family: &'static str,
    version: Version,
    interval_cs: u16,
    /// vipflip's flags for the version and interval.
    vipflip: &'static [&'static str],
    vmac: &'static str,
}

const V2: Case = Case {
    vip: "192.0.2.250",
    len: "/24",
    family: "v4",
    version: Version::V2,
    interval_cs: 100,
    vipflip: &[],
    vmac: "00:00:5e:00:01:29",
};

const V3_IPV4: Case = Case {
    vip: "192.0.2.250",
    len: "/24",
    family: "v4",
    version: Version::V3,
    interval_cs: 10,
    vipflip: &["--vrrp-version", "3", "--advert-int", "100ms"],
    vmac: "00:00:5e:00:01:29",
};

const V3_IPV6: Case = Case {
    vip: "2001:db8::250",
    len: "/64",
    family: "v6",
    version: Version::V3,
    interval_cs: 10,
    vipflip: &["--advert-int", "100ms"],
    vmac: "00:00:5e:00:02:29",
};

impl Case {
    fn mdi(&self, priority: u8) -> Duration {
        master_down_interval(self.version, priority, self.interval_cs)
    }

    fn frr_lines(&self) -> Vec<String> {
        let ip = if self.family == "v4" { "ip" } else { "ipv6" };
        vec![
            format!(" vrrp 41 version {}", self.version.number()),
            " vrrp 41 priority 199".into(),
            format!(
                " vrrp 41 advertisement-interval {}",
                u32::from(self.interval_cs) * 10
            ),
            format!(" vrrp 41 {ip} {}", self.vip),
        ]
    }

    fn vipflip_args(&self, vmac: bool) -> Vec<String> {
        let mut args: Vec<String> = [
            "run",
            "--vip",
            &format!("{}{}", self.vip, self.len),
            "--iface",
            "eth0",
            "--vrid",
            "41",
            "--priority",
            "200",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(self.vipflip.iter().map(|s| s.to_string()));
        if vmac {
            args.push("--vmac".into());
        }
        args
    }
}

fn start_vipflip(lab: &Lab, c: &Case, vmac: bool) -> Proc {
    let args = c.vipflip_args(vmac);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    lab.vipflip(1, &refs)
}

/// The client reaches the VIP, at `mac`.
fn client_at(lab: &Lab, c: &Case, mac: &str, when: &str, vf: &Proc, frr: &Frr) {
    let answered = lab::wait_until(Duration::from_secs(3), || lab.client_ping(c.vip));
    assert!(
        answered,
        "{when}: no answer\n{}\n{}",
        vf.output(),
        frr.report()
    );
    assert_eq!(
        lab.client_neigh(c.vip).as_deref(),
        Some(mac),
        "{when}: the client's neighbour entry\n{}\n{}",
        vf.output(),
        frr.report()
    );
}

/// vipflip at 200 preempts FRR at 199, hands over to it on SIGTERM, preempts it again.
fn group(c: &Case, vmac: bool) {
    let lab = Lab::new(2);
    // What an FRR node needs so that clients never learn its eth0's MAC for the VIP: while
    // backup, vrrpd keeps the VIP on its macvlan (taken down with protodown), and with the
    // kernel's defaults eth0 answers ARP for it (measured: the client went to the FRR node's
    // eth0 MAC while vipflip was master).
    for knob in ["arp_ignore=1", "arp_announce=2"] {
        lab.exec(2, &["sysctl", "-qw", &format!("net.ipv4.conf.eth0.{knob}")]);
    }
    let frr = lab.frr(2, 41, &format!("{}{}", c.vip, c.len), &c.frr_lines());
    assert!(
        frr.wait_advertising_master(c.family, c.mdi(199) * 2 + Duration::from_secs(5)),
        "FRR alone becomes master\n{}",
        frr.report()
    );
    let vipflip_mac = if vmac { c.vmac } else { &lab.host(1).mac };

    for round in ["first start", "restart"] {
        let t = Instant::now();
        let mut vf = start_vipflip(&lab, c, vmac);
        vf.expect_line(
            "MASTER preempting lower priority 199",
            t,
            c.mdi(200) + Duration::from_secs(3),
        );
        assert!(
            frr.wait_status(c.family, "Backup", Duration::from_secs(2)),
            "{round}: FRR follows vipflip's adverts\n{}",
            frr.report()
        );
        assert!(lab.holds(1, c.vip), "{}", lab.addrs(1));
        client_at(&lab, c, vipflip_mac, round, &vf, &frr);

        let t = Instant::now();
        vf.signal(Signal::SIGTERM);
        assert_eq!(
            vf.wait_exit(Duration::from_secs(5)),
            Some(0),
            "{}",
            vf.output()
        );
        assert!(
            frr.wait_status(
                c.family,
                "Master",
                skew_time(c.version, 199, c.interval_cs) + MARGIN * 4
            ),
            "{round}: FRR takes over after vipflip's priority 0\n{}",
            frr.report()
        );
        let stopped = vf.lines().into_iter().find(|l| l.text.contains("STOPPED"));
        eprintln!(
            "{round}: FRR master {:?} after SIGTERM; vipflip: {}",
            t.elapsed(),
            stopped.map(|l| l.text).unwrap_or_default()
        );
        assert!(
            vf.output().contains("discarded no packets"),
            "every FRR advert passed the checks:\n{}",
            vf.output()
        );
        client_at(&lab, c, c.vmac, "FRR master", &vf, &frr);
    }

    // The other way: FRR outranks vipflip and preempts it, then crashes (vrrpd killed, its
    // cable pulled) and vipflip, now backup, takes over after Master_Down_Interval.
    let t = Instant::now();
    let vf = start_vipflip(&lab, c, vmac);
    vf.expect_line("MASTER", t, c.mdi(200) + Duration::from_secs(3));
    frr.configure(" vrrp 41 priority 254");
    let t = Instant::now();
    // FRR preempts once its Master_Down_Interval passes without a higher advert.
    vf.expect_line(
        "BACKUP higher priority 254",
        t,
        c.mdi(254) + Duration::from_secs(2),
    );
    assert!(
        frr.wait_status(c.family, "Master", Duration::from_secs(2)),
        "{}",
        frr.report()
    );
    // Taking over an IPv6 group FRR sends its NA one interval before its first advert;
    // vipflip, still master and hearing no advert from FRR yet, leaves it unanswered (it
    // answered it once, which left the client on vipflip's MAC after it yielded: issue 20 a).
    client_at(&lab, c, c.vmac, "FRR preempted vipflip", &vf, &frr);
    let t = Instant::now();
    frr.vrrpd.signal(Signal::SIGKILL);
    lab.set_port(2, false);
    let took = vf.expect_line("MASTER", t, c.mdi(200) + MARGIN * 4);
    eprintln!("FRR crash: vipflip master after {:?}", took.at - t);
    client_at(&lab, c, vipflip_mac, "FRR crashed", &vf, &frr);
}

#[test]
fn frr_vrrp_v2() {
    if available_frr("frr_vrrp_v2") {
        group(&V2, false);
    }
}

#[test]
fn frr_vrrp_v2_vmac() {
    if available_frr("frr_vrrp_v2_vmac") {
        group(&V2, true);
    }
}

#[test]
fn frr_vrrp_v3_ipv4() {
    if available_frr("frr_vrrp_v3_ipv4") {
        group(&V3_IPV4, false);
    }
}

#[test]
fn frr_vrrp_v3_ipv4_vmac() {
    if available_frr("frr_vrrp_v3_ipv4_vmac") {
        group(&V3_IPV4, true);
    }
}

#[test]
fn frr_vrrp_v3_ipv6() {
    if available_frr("frr_vrrp_v3_ipv6") {
        group(&V3_IPV6, false);
    }
}

#[test]
fn frr_vrrp_v3_ipv6_vmac() {
    if available_frr("frr_vrrp_v3_ipv6_vmac") {
        group(&V3_IPV6, true);
    }
}

/// FRR's VRRPv3-over-IPv4 checksum, as tshark reads it: with the IPv4 pseudo-header (tshark's
/// default; keepalived's form), not RFC 9568's message-only form.
#[test]
fn frr_v3_ipv4_checksum_has_the_pseudo_header() {
    if !available_frr("frr_v3_ipv4_checksum") {
        return;
    }
    let lab = Lab::new(2);
    let c = &V3_IPV4;
    let frr = lab.frr(2, 41, "192.0.2.250/24", &c.frr_lines());
    assert!(
        frr.wait_advertising_master("v4", c.mdi(199) * 2 + Duration::from_secs(5)),
        "{}",
        frr.report()
    );
    let (mut dump, pcap) = lab.capture(1, "frr-v3.pcap", "ip proto 112");
    std::thread::sleep(Duration::from_millis(600));
    dump.signal(Signal::SIGINT);
    let _ = dump.wait_exit(Duration::from_secs(3));
    let tshark = |as_v2: &str| {
        let out = std::process::Command::new("tshark")
            .args([
                "-r",
                &pcap,
                "-o",
                &format!("vrrp.v3_checksum_as_in_v2:{as_v2}"),
            ])
            .args(["-T", "fields", "-e", "vrrp.checksum.status"])
            .output()
            .expect("tshark");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let pseudo = tshark("FALSE");
    let message_only = tshark("TRUE");
    // vrrp.checksum.status: 1 = good, 0 = bad.
    assert!(
        !pseudo.trim().is_empty() && pseudo.lines().all(|l| l.trim() == "1"),
        "pseudo-header form: {pseudo:?}"
    );
    assert!(
        message_only.lines().all(|l| l.trim() == "0"),
        "message-only form: {message_only:?}"
    );
    // And vipflip's probe names the form.
    let probe = lab.vipflip_output(0, &["probe", "--iface", "eth0", "--duration", "1s"]);
    let report = String::from_utf8_lossy(&probe.stdout);
    assert!(report.contains("checksum pseudo-header"), "{report}");
}

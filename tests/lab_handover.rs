//! The article's priorities (200/199/198: backups one apart) in the lab: a planned handover
//! (SIGTERM, `release --vrid`, a failed health check) loses no 10 ms probe, and a crash costs
//! at most the winner's Master_Down_Interval, at 1 s, 100 ms and 10 ms adverts, IPv4 and IPv6.
//! Adjacent priorities make the two backups' timers end within a fraction of a millisecond,
//! so both take over for a moment (a contested takeover); the client must end on the winner.

mod lab;

use std::time::{Duration, Instant};

use lab::{available, Lab, MARGIN, VIP4, VIP6};
use nix::sys::signal::Signal;
use vipflip::vrrp::timers::master_down_interval;
use vipflip::wire::Version;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handover {
    Sigterm,
    Release,
    CheckFails,
    Crash,
}

#[derive(Clone, Copy, Debug)]
struct Setting {
    ipv6: bool,
    version: Version,
    interval: &'static str,
    interval_cs: u16,
}

impl Setting {
    fn vip(&self) -> &'static str {
        if self.ipv6 {
            VIP6
        } else {
            VIP4
        }
    }

    fn vip_len(&self) -> String {
        if self.ipv6 {
            format!("{VIP6}/64")
        } else {
            format!("{VIP4}/24")
        }
    }

    fn common(&self) -> Vec<String> {
        let v = match self.version {
            Version::V2 => "2",
            Version::V3 => "3",
        };
        [
            "--vip",
            &self.vip_len(),
            "--iface",
            "eth0",
            "--vrid",
            "41",
            "--vrrp-version",
            v,
            "--advert-int",
            self.interval,
        ]
        .map(String::from)
        .to_vec()
    }

    fn mdi(&self, priority: u8) -> Duration {
        master_down_interval(self.version, priority, self.interval_cs)
    }
}

fn node(lab: &Lab, i: usize, s: Setting, priority: &str, extra: &[String]) -> lab::Proc {
    let mut args: Vec<String> = vec!["run".into(), "--priority".into(), priority.into()];
    args.extend(s.common());
    args.extend_from_slice(extra);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    lab.vipflip(i, &refs)
}

/// JSON lines of kind `event` that `p` printed.
fn events(p: &lab::Proc, event: &str) -> Vec<String> {
    let tag = format!("\"event\":\"{event}\"");
    p.lines()
        .into_iter()
        .map(|l| l.text)
        .filter(|t| t.contains(&tag))
        .collect()
}

fn field_ms(line: &str, key: &str) -> Option<f64> {
    let rest = line.split(&format!("\"{key}\":")).nth(1)?;
    rest.split([',', '}']).next()?.parse().ok()
}

/// Three nodes at 200/199/198 started together, a client pinging the VIP every 10 ms, one
/// handover of the master; the outages the client saw, in ms, and what everyone printed.
fn trial(s: Setting, how: Handover) -> (Vec<f64>, String) {
    trial_with(s, how, [200, 199, 198])
}

/// `trial` with other priorities for hosts 1-3 (host 1 the master). The winner is the higher
/// backup. On a tie either may win (RFC 5798 §6.4.2: a backup accepts an advert of equal
/// priority, so the first to time out wins; the higher address wins only when both time out
/// together), but one of them alone, and the client must end on it.
fn trial_with(s: Setting, how: Handover, prios: [u8; 3]) -> (Vec<f64>, String) {
    let candidates = match prios[1].cmp(&prios[2]) {
        std::cmp::Ordering::Greater => vec![2],
        std::cmp::Ordering::Less => vec![3],
        std::cmp::Ordering::Equal => vec![2, 3],
    };
    let lab = Lab::new(3);
    let fail_flag = lab.dir().join("fail");
    let _ = std::fs::remove_file(&fail_flag);
    let check = [
        "--track-cmd".to_string(),
        format!("test ! -e {}", fail_flag.display()),
        "--track-interval".to_string(),
        "20ms".to_string(),
    ];
    let extra: &[String] = match how {
        Handover::CheckFails => &check,
        _ => &[],
    };
    let prio = prios.map(|p| p.to_string());
    let mut n1 = node(&lab, 1, s, &prio[0], extra);
    let n2 = node(&lab, 2, s, &prio[1], &[]);
    let n3 = node(&lab, 3, s, &prio[2], &[]);
    let elected = lab.wait_sole_holder(1, s.vip(), s.mdi(prios[0]) + Duration::from_secs(3));
    assert!(
        elected,
        "{s:?}: host 1 should hold the VIP: {:?}\n{}\n{}\n{}",
        lab.holders(s.vip()),
        n1.output(),
        n2.output(),
        n3.output()
    );
    let mut watch = lab.spawn(
        0,
        env!("CARGO_BIN_EXE_vipflip"),
        &["ping-watch", s.vip(), "--interval", "10ms", "--json"],
    );
    // The client learns the VIP's MAC and the watch settles before the handover.
    std::thread::sleep(Duration::from_millis(600));
    match how {
        Handover::Sigterm => n1.signal(Signal::SIGTERM),
        Handover::CheckFails => {
            std::fs::write(&fail_flag, "").expect("create the fail flag");
        }
        Handover::Crash => {
            n1.signal(Signal::SIGKILL);
            lab.set_port(1, false);
        }
        Handover::Release => {
            n1.signal(Signal::SIGKILL);
            let _ = n1.wait_exit(Duration::from_secs(1));
            let mut args = vec!["release".to_string()];
            args.extend(s.common());
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = lab.vipflip_output(1, &refs);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    // A SIGKILL leaves a stale copy on host 1, whose link is down.
    let live_holders = || {
        let mut h = lab.holders(s.vip());
        if how == Handover::Crash {
            h.retain(|&i| i != 1);
        }
        h
    };
    let winner_mdi = s.mdi(prios[candidates[0] - 1]);
    let moved = lab::wait_until(winner_mdi + Duration::from_secs(2), || {
        let h = live_holders();
        h.len() == 1 && candidates.contains(&h[0])
    });
    let winner = live_holders().first().copied().unwrap_or(0);
    assert!(
        moved && candidates.contains(&winner),
        "{s:?} {how:?}: one of hosts {candidates:?} should hold the VIP alone: {:?}\n{}\n{}",
        lab.holders(s.vip()),
        n2.output(),
        n3.output()
    );
    // Past the moment a stray announcement would have been answered.
    std::thread::sleep(Duration::from_millis(400).max(winner_mdi / 3));
    let winner_mac = lab.host(winner).mac.clone();
    let neigh = lab.client_neigh(s.vip());
    watch.signal(Signal::SIGINT);
    let _ = watch.wait_exit(Duration::from_secs(3));
    assert_eq!(
        neigh.as_deref(),
        Some(winner_mac.as_str()),
        "{s:?} {how:?}: the client must end on the winner's MAC\nn2: {}\nn3: {}",
        n2.output(),
        n3.output()
    );
    assert!(
        !events(&watch, "summary").is_empty(),
        "ping-watch printed no summary: {}",
        watch.output()
    );
    let outages = events(&watch, "outage")
        .iter()
        .filter_map(|l| field_ms(l, "length_ms"))
        .collect();
    let printed = [&n1, &n2, &n3, &watch]
        .iter()
        .map(|p| format!("--- {}\n{}", p.name, p.output()))
        .collect::<Vec<_>>()
        .join("\n");
    (outages, printed)
}

fn planned(s: Setting) {
    planned_with(s, [200, 199, 198]);
}

/// Ties (the winner is the higher address) and a master at 255 that does not own the VIP
/// (what people type for "this node always wins").
fn planned_with(s: Setting, prios: [u8; 3]) {
    for how in [Handover::Sigterm, Handover::Release, Handover::CheckFails] {
        let (outages, printed) = trial_with(s, how, prios);
        assert!(
            outages.is_empty(),
            "{s:?} {how:?}: a planned handover lost probes: outages {outages:?} ms\n{printed}"
        );
    }
}

/// A crash: the client waits out the winner's Master_Down_Interval (from the last advert it
/// sent, up to one interval before the kill) and never one interval more.
fn crash(s: Setting) {
    let (outages, printed) = trial(s, Handover::Crash);
    let bound = s.mdi(199) + Duration::from_millis(10) + MARGIN;
    assert!(
        outages.len() <= 1,
        "{s:?}: one outage, not {outages:?}\n{printed}"
    );
    for o in outages {
        assert!(
            o <= bound.as_secs_f64() * 1000.0,
            "{s:?}: crash outage {o} ms, bound {bound:?}\n{printed}"
        );
    }
}

const V4_1S: Setting = Setting {
    ipv6: false,
    version: Version::V2,
    interval: "1s",
    interval_cs: 100,
};
const V4_100MS: Setting = Setting {
    ipv6: false,
    version: Version::V3,
    interval: "100ms",
    interval_cs: 10,
};
const V4_10MS: Setting = Setting {
    ipv6: false,
    version: Version::V3,
    interval: "10ms",
    interval_cs: 1,
};
const V6_1S: Setting = Setting {
    ipv6: true,
    version: Version::V3,
    interval: "1s",
    interval_cs: 100,
};
const V6_100MS: Setting = Setting {
    ipv6: true,
    ..V4_100MS
};
const V6_10MS: Setting = Setting {
    ipv6: true,
    ..V4_10MS
};

macro_rules! lab_test {
    ($name:ident, $body:expr) => {
        #[test]
        fn $name() {
            if available(stringify!($name), false) {
                $body;
            }
        }
    };
}

lab_test!(planned_handover_loses_nothing_ipv4_1s, planned(V4_1S));
lab_test!(planned_handover_loses_nothing_ipv4_100ms, planned(V4_100MS));
lab_test!(planned_handover_loses_nothing_ipv4_10ms, planned(V4_10MS));
lab_test!(planned_handover_loses_nothing_ipv6_1s, planned(V6_1S));
lab_test!(planned_handover_loses_nothing_ipv6_100ms, planned(V6_100MS));
lab_test!(planned_handover_loses_nothing_ipv6_10ms, planned(V6_10MS));
lab_test!(
    crash_costs_one_master_down_interval_ipv4_100ms,
    crash(V4_100MS)
);
lab_test!(
    crash_costs_one_master_down_interval_ipv4_10ms,
    crash(V4_10MS)
);
lab_test!(
    crash_costs_one_master_down_interval_ipv6_100ms,
    crash(V6_100MS)
);
lab_test!(
    planned_handover_to_tied_backups_loses_nothing_ipv4_100ms,
    planned_with(V4_100MS, [200, 199, 199])
);
lab_test!(
    planned_handover_from_priority_255_loses_nothing_ipv4_100ms,
    planned_with(V4_100MS, [255, 199, 198])
);

/// A VIP that is the clients' IPv6 gateway: on forwarding nodes the kernel's own answers carry
/// the Router flag, so vipflip's unsolicited NA must too, or a failover drops the gateway from
/// the clients' router list (IsRouter follows the latest advertisement).
#[test]
fn an_ipv6_gateway_vip_stays_a_router_through_a_failover() {
    if !available(
        "an_ipv6_gateway_vip_stays_a_router_through_a_failover",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    for i in 1..=2 {
        lab.exec(i, &["sysctl", "-qw", "net.ipv6.conf.eth0.forwarding=1"]);
    }
    let n1 = node(&lab, 1, V6_100MS, "200", &[]);
    let n2 = node(&lab, 2, V6_100MS, "199", &[]);
    assert!(
        lab.wait_sole_holder(1, VIP6, V6_100MS.mdi(200) + Duration::from_secs(3)),
        "{}\n{}",
        n1.output(),
        n2.output()
    );
    assert!(lab.client_ping(VIP6));
    let neigh = |lab: &Lab| lab.exec(0, &["ip", "-6", "neigh", "show", VIP6]);
    assert!(neigh(&lab).contains("router"), "{}", neigh(&lab));
    n1.signal(Signal::SIGTERM);
    assert!(lab.wait_sole_holder(2, VIP6, Duration::from_secs(3)));
    std::thread::sleep(Duration::from_millis(300));
    let entry = neigh(&lab);
    assert!(entry.contains(&lab.host(2).mac), "{entry}");
    assert!(
        entry.contains("router"),
        "the gateway lost its router flag: {entry}"
    );
}

/// RFC 5798 §5.2.9 puts a link-local VIP first: `--vip fe80::250/64 --vip 2001:db8::250/64`.
/// Adverts must come from the node's own link-local (the checksum and the tie-break use it),
/// never from the VIP, also after a kill -9 left stale copies that the restart removes.
#[test]
fn link_local_vips_elect_one_master_also_after_a_kill_and_restart() {
    if !available(
        "link_local_vips_elect_one_master_also_after_a_kill_and_restart",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    // The link-local VIP given second on purpose: vipflip puts it first in the advert.
    let link_local = ["--vip".to_string(), "fe80::250/64".to_string()];
    let mut n1 = node(&lab, 1, V6_100MS, "200", &link_local);
    let n2 = node(&lab, 2, V6_100MS, "199", &link_local);
    let settle = V6_100MS.mdi(199) * 3;
    let one_holder = |who: usize| {
        lab.wait_sole_holder(who, VIP6, V6_100MS.mdi(200) + Duration::from_secs(3)) && {
            std::thread::sleep(settle);
            lab.holders(VIP6) == vec![who] && lab.holds(who, "fe80::250")
        }
    };
    assert!(
        one_holder(1),
        "holders {:?}\n{}\n{}",
        lab.holders(VIP6),
        n1.output(),
        n2.output()
    );
    assert!(!lab.holds(2, "fe80::250"), "{}", lab.addrs(2));
    assert!(
        !n2.output().contains("discard"),
        "the backup rejected the master's adverts:\n{}",
        n2.output()
    );
    // kill -9: the stale copies stay on host 1; n2 takes over; n1 comes back and preempts.
    n1.signal(Signal::SIGKILL);
    let _ = n1.wait_exit(Duration::from_secs(1));
    assert!(lab::wait_until(Duration::from_secs(3), || lab.holds(2, VIP6)));
    assert!(
        lab.holds(1, "fe80::250"),
        "a stale copy stays: {}",
        lab.addrs(1)
    );
    let n1 = node(&lab, 1, V6_100MS, "200", &link_local);
    n1.expect_line(
        "removed stale",
        Instant::now() - Duration::from_secs(60),
        Duration::from_secs(2),
    );
    assert!(
        one_holder(1),
        "holders {:?}\n{}\n{}",
        lab.holders(VIP6),
        n1.output(),
        n2.output()
    );
    assert!(!lab.holds(2, "fe80::250"), "{}", lab.addrs(2));
    assert!(!n1.output().contains("discard"), "{}", n1.output());
}

/// Issue 20 a: a master that yields stops answering requests for the VIP at once; only the
/// winner does (the loser's drain keeps accepting traffic through a local route). A client
/// asking for the VIP every few ms through a preemption must get no answer from the loser
/// after the winner's first frame for the VIP: before the quiet drain the loser answered for
/// its 50 ms drain, and a client that asked then kept the loser's MAC. IPv6 always; IPv4 on
/// an interface with arp_ignore 1 and arp_announce 2 (else the kernel answers ARP for a
/// local route, and the drain keeps the address).
#[test]
fn a_yielding_master_answers_no_solicitation_for_the_vip() {
    if !available(
        "a_yielding_master_answers_no_solicitation_for_the_vip",
        false,
    ) {
        return;
    }
    quiet_drain(V6_100MS);
}

/// The same at the default 1 s and at 10 ms adverts (the loser's swap must stay within the
/// slack also when adverts come a hundred times a second).
#[test]
fn a_yielding_master_answers_no_solicitation_at_1s_and_10ms_adverts() {
    if !available(
        "a_yielding_master_answers_no_solicitation_at_1s_and_10ms_adverts",
        false,
    ) {
        return;
    }
    quiet_drain(V6_1S);
    quiet_drain(V6_10MS);
}

#[test]
fn a_yielding_master_answers_no_arp_request_where_arp_ignore_allows() {
    if !available(
        "a_yielding_master_answers_no_arp_request_where_arp_ignore_allows",
        false,
    ) {
        return;
    }
    quiet_drain(V4_100MS);
}

fn quiet_drain(s: Setting) {
    let lab = Lab::new(2);
    if !s.ipv6 {
        for i in 1..=2 {
            lab.exec(i, &["sysctl", "-qw", "net.ipv4.conf.eth0.arp_ignore=1"]);
            lab.exec(i, &["sysctl", "-qw", "net.ipv4.conf.eth0.arp_announce=2"]);
        }
    }
    let vip = s.vip();
    let n1 = node(&lab, 1, s, "199", &[]);
    assert!(lab.wait_sole_holder(1, vip, s.mdi(199) + Duration::from_secs(3)));
    let (filter, answers, takes) = if s.ipv6 {
        (
            "icmp6 and ip6[40] == 136",
            format!("icmpv6.nd.na.target_address == {vip}"),
            format!("icmpv6.nd.na.target_address == {vip}"),
        )
    } else {
        (
            "arp",
            format!("arp.src.proto_ipv4 == {vip} and arp.opcode == 2"),
            format!("arp.src.proto_ipv4 == {vip}"),
        )
    };
    let (capture, pcap) = lab.capture(0, "answers.pcap", filter);
    // Each round: the entry flushed, one ping: one request from the client.
    let family = if s.ipv6 { "-6" } else { "-4" };
    let ask = format!(
        "while true; do ip {family} neigh flush dev eth0; ping {family} -c 1 -W 0.005 {vip} > /dev/null; done"
    );
    let asker = lab.spawn(0, "sh", &["-c", &ask]);
    std::thread::sleep(Duration::from_millis(300));
    let n2 = node(&lab, 2, s, "200", &[]);
    let took = lab.wait_sole_holder(2, vip, s.mdi(200) + Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    asker.signal_tree(Signal::SIGKILL);
    capture.signal(Signal::SIGINT);
    std::thread::sleep(Duration::from_millis(300));
    assert!(took, "{}\n{}", n1.output(), n2.output());
    let frames = |display: &str| -> Vec<(f64, String)> {
        let out = std::process::Command::new("tshark")
            .args(["-r", &pcap, "-T", "fields", "-e", "frame.time_relative"])
            .args(["-e", "eth.src", "-Y", display])
            .output()
            .expect("tshark");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?.parse().ok()?, f.next()?.to_string()))
            })
            .collect()
    };
    let (m1, m2) = (&lab.host(1).mac, &lab.host(2).mac);
    let answered = frames(&answers);
    let Some(first_winner) = frames(&takes)
        .iter()
        .find(|(_, mac)| mac == m2)
        .map(|(t, _)| *t)
    else {
        panic!(
            "no frame from the winner: {answered:?}\n{}\n{}",
            n1.output(),
            n2.output()
        );
    };
    assert!(
        answered
            .iter()
            .any(|(t, mac)| mac == m1 && *t < first_winner),
        "the loser answered before the takeover (the client did ask): {answered:?}"
    );
    // The loser yields on the winner's advert, which leaves just before the winner's frames
    // (advert, address, announcement); its loop may still be swapping the address for the
    // route when they go out: a few ms, where the old drain answered for 50 ms.
    let slack = 0.005;
    let late: Vec<&(f64, String)> = answered
        .iter()
        .filter(|(t, mac)| mac == m1 && *t > first_winner + slack)
        .collect();
    assert!(
        late.is_empty(),
        "the loser answered after the winner's first frame (at {first_winner}): {late:?}\n{}",
        n1.output()
    );
    let table = if s.ipv6 { "-6" } else { "-4" };
    let routes = lab.exec(1, &["ip", table, "route", "show", "table", "local"]);
    assert!(!routes.contains(vip), "the drain's route stayed: {routes}");
}

//! The bad day, in the lab: flapping links, partitions, packet loss, a deleted interface, and
//! least privilege. Loss and partitions are nftables rules inside a namespace (no netem here).

mod lab;

use std::time::{Duration, Instant};

use lab::{available, fast, mdi, wait_until, Lab, Proc, MARGIN, VIP4};
use nix::sys::signal::Signal;

fn nft(lab: &Lab, i: usize, name: &str, rules: &str) {
    let file = lab.write_file(&format!("{name}-{i}.nft"), rules);
    lab.exec(i, &["nft", "-f", &file.display().to_string()]);
}

fn transitions_since(p: &Proc, since: Instant) -> usize {
    p.lines()
        .iter()
        .filter(|l| l.at >= since && (l.text.contains(" MASTER ") || l.text.contains(" BACKUP ")))
        .count()
}

#[test]
fn a_flapping_link_settles_with_exactly_one_holder() {
    if !available("a_flapping_link_settles_with_exactly_one_holder", false) {
        return;
    }
    let lab = Lab::new(2);
    let (n1, n2) = lab.fast_pair();
    for _ in 0..10 {
        lab.set_port(1, false);
        std::thread::sleep(Duration::from_millis(100));
        lab.set_port(1, true);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) * 2 + Duration::from_secs(1)),
        "holders {:?}\nn1:\n{}\nn2:\n{}",
        lab.holders(VIP4),
        n1.output(),
        n2.output()
    );
    std::thread::sleep(mdi(150) + MARGIN);
    assert_eq!(lab.holders(VIP4), vec![1], "stays settled");
    assert!(lab.client_ping(VIP4));
    assert!(wait_until(Duration::from_secs(2), || lab
        .client_neigh(VIP4)
        .as_deref()
        == Some(lab.host(1).mac.as_str())));
}

#[test]
fn a_partition_makes_two_masters_and_healing_leaves_one() {
    if !available(
        "a_partition_makes_two_masters_and_healing_leaves_one",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (n1, n2) = lab.fast_pair();
    assert!(
        lab.client_ping(VIP4),
        "the client knows the VIP's MAC before the partition"
    );
    // A real partition, cut at the bridge: n1 neither hears nor is heard (nftables in n1's
    // own namespace would not stop the packet sockets that announce and watch the VIP).
    lab.isolate(1, true);
    n2.expect_line(
        "MASTER",
        Instant::now() - Duration::from_millis(50),
        mdi(150) + Duration::from_secs(1),
    );
    assert_eq!(
        lab.holders(VIP4),
        vec![1, 2],
        "each side of a partition is master, as VRRP must be"
    );
    let moved = wait_until(Duration::from_secs(2), || {
        lab.client_neigh(VIP4).as_deref() == Some(lab.host(2).mac.as_str())
    });
    assert!(
        moved,
        "n2's announcement moved the client: {:?}",
        lab.client_neigh(VIP4)
    );

    let healed = Instant::now();
    lab.isolate(1, false);
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(150) + MARGIN),
        "one holder within one Master_Down_Interval: {:?}\n{}",
        lab.holders(VIP4),
        n2.output()
    );
    n2.expect_line("BACKUP higher priority 200", healed, Duration::from_secs(1));
    // n1 answers n2's last advert with an advert and an announcement at once.
    let follows = wait_until(Duration::from_millis(500), || {
        lab.client_neigh(VIP4).as_deref() == Some(lab.host(1).mac.as_str())
    });
    assert!(
        follows,
        "client neighbour {:?}\nn1:\n{}\nn2:\n{}",
        lab.client_neigh(VIP4),
        n1.output(),
        n2.output()
    );
    eprintln!(
        "partition healed: client back on the winner {:?} after the heal",
        healed.elapsed()
    );
    assert!(lab.client_ping(VIP4));
    assert!(
        n1.output().contains(
            "lower priority 150 from 192.0.2.202: answered with an advert and an announcement"
        ),
        "{}",
        n1.output()
    );
}

#[test]
fn a_deleted_interface_is_fault_and_vipflip_comes_back_with_it() {
    if !available(
        "a_deleted_interface_is_fault_and_vipflip_comes_back_with_it",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let (mut n1, n2) = lab.fast_pair();
    let t = Instant::now();
    lab.exec(1, &["ip", "link", "del", "eth0"]);
    n1.expect_line(
        "interface eth0 was deleted: fault until it is back",
        t,
        Duration::from_secs(2),
    );
    assert!(n1.wait_line("FAULT", t, Duration::from_secs(1)).is_some());
    assert!(n2
        .wait_line("MASTER", t, mdi(150) + Duration::from_secs(1))
        .is_some());

    let t = Instant::now();
    lab.recreate_link(1);
    n1.expect_line("interface eth0 is back", t, Duration::from_secs(3));
    n1.expect_line(
        "MASTER preempting lower priority 150",
        t,
        mdi(200) + Duration::from_secs(2),
    );
    assert!(
        lab.wait_sole_holder(1, VIP4, Duration::from_secs(1)),
        "holders {:?}",
        lab.holders(VIP4)
    );
    assert!(lab.client_ping(VIP4));
    n1.signal(Signal::SIGTERM);
    assert_eq!(
        n1.wait_exit(Duration::from_secs(3)),
        Some(0),
        "no crash:\n{}",
        n1.output()
    );
}

/// 30% of VRRP packets dropped on every node's input: run `start` on each host for `run_for`,
/// return the transitions counted after the first election.
fn lossy(
    lab: &Lab,
    nodes: &[usize],
    start: impl Fn(usize) -> Proc,
    settle: Duration,
    run_for: Duration,
) -> (usize, Vec<Proc>) {
    let procs: Vec<Proc> = nodes.iter().map(|&i| start(i)).collect();
    assert!(
        lab.wait_sole_holder(1, VIP4, settle),
        "holders {:?}",
        lab.holders(VIP4)
    );
    std::thread::sleep(Duration::from_millis(500));
    let loss = "table inet vfloss {\n chain in { type filter hook input priority 0; ip protocol 112 numgen random mod 100 < 30 drop; }\n}\n";
    for &i in nodes {
        nft(lab, i, "loss", loss);
    }
    let t = Instant::now();
    std::thread::sleep(run_for);
    for &i in nodes {
        lab.exec(i, &["nft", "delete", "table", "inet", "vfloss"]);
    }
    let counted = procs
        .iter()
        .map(|p| {
            transitions_since(p, t)
                + p.lines()
                    .iter()
                    .filter(|l| l.at >= t && l.text.contains("Entering"))
                    .count()
        })
        .sum();
    assert!(
        lab.wait_sole_holder(1, VIP4, settle),
        "after the loss ends, one holder again: {:?}",
        lab.holders(VIP4)
    );
    (counted, procs)
}

#[test]
fn thirty_percent_vrrp_loss_vipflip_beside_keepalived() {
    if !available("thirty_percent_vrrp_loss_vipflip_beside_keepalived", true) {
        return;
    }
    let report = |label: &str, vf: usize, ka: usize| {
        eprintln!("30% VRRP loss, {label}: transitions vipflip {vf}, keepalived {ka}");
    };
    let default_timers = std::thread::scope(|s| {
        let vf = s.spawn(|| {
            let lab = Lab::new(2);
            let (n, procs) = lossy(
                &lab,
                &[1, 2],
                |i| {
                    lab.vipflip(
                        i,
                        &[
                            "run",
                            "--vip",
                            "192.0.2.250/24",
                            "--iface",
                            "eth0",
                            "--vrid",
                            "41",
                            "--priority",
                            if i == 1 { "200" } else { "150" },
                        ],
                    )
                },
                Duration::from_secs(6),
                Duration::from_secs(60),
            );
            for p in procs {
                p.signal(Signal::SIGTERM);
            }
            n
        });
        let ka = s.spawn(|| {
            let lab = Lab::new(2);
            let conf = |i: usize| format!("  state BACKUP\n  virtual_router_id 41\n  priority {}\n  advert_int 1\n  virtual_ipaddress {{\n    192.0.2.250/24\n  }}", if i == 1 { 200 } else { 150 });
            lossy(&lab, &[1, 2], |i| lab.keepalived(i, &conf(i)), Duration::from_secs(8), Duration::from_secs(60)).0
        });
        (
            vf.join().unwrap_or(usize::MAX),
            ka.join().unwrap_or(usize::MAX),
        )
    });
    report(
        "default timers (1s), 2 nodes, 60s",
        default_timers.0,
        default_timers.1,
    );
    let fast_timers = std::thread::scope(|s| {
        let vf = s.spawn(|| {
            let lab = Lab::new(3);
            let prio = |i: usize| ["200", "150", "100"][i - 1];
            lossy(
                &lab,
                &[1, 2, 3],
                |i| lab.vipflip(i, &fast(prio(i))),
                Duration::from_secs(3),
                Duration::from_secs(20),
            )
            .0
        });
        let ka = s.spawn(|| {
            let lab = Lab::new(3);
            let conf = |i: usize| format!("  state BACKUP\n  virtual_router_id 41\n  priority {}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {{\n    192.0.2.250/24\n  }}", [200, 150, 100][i - 1]);
            lossy(&lab, &[1, 2, 3], |i| lab.keepalived(i, &conf(i)), Duration::from_secs(4), Duration::from_secs(20)).0
        });
        (
            vf.join().unwrap_or(usize::MAX),
            ka.join().unwrap_or(usize::MAX),
        )
    });
    report("100ms adverts, 3 nodes, 20s", fast_timers.0, fast_timers.1);
    // A backup takes over when three adverts in a row are lost (0.3^3 = 2.7% of intervals)
    // and goes back at the next one: two transitions. vipflip may flap at most three times
    // as often as that, plus six (measured here: vipflip 2 and 16, then 2 and 8; keepalived
    // 4 and 52, then 4 and 12).
    for (label, vf, adverts, backups) in [
        ("default timers", default_timers.0, 60.0, 1.0),
        ("100ms adverts", fast_timers.0, 200.0, 2.0),
    ] {
        let expected: f64 = 2.0 * adverts * backups * 0.3f64.powi(3);
        assert!(
            (vf as f64) <= 3.0 * expected + 6.0,
            "{label}: vipflip made {vf} transitions under 30% loss, expected about {expected:.1}"
        );
    }
}

#[test]
fn least_privilege_file_capabilities_and_untouched_addresses() {
    if !available(
        "least_privilege_file_capabilities_and_untouched_addresses",
        false,
    ) {
        return;
    }
    // A copy of the binary on a file system that honours file capabilities (not /tmp).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("caps-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let with_caps = dir.join("vipflip-caps");
    let without = dir.join("vipflip-plain");
    for copy in [&with_caps, &without] {
        std::fs::copy(env!("CARGO_BIN_EXE_vipflip"), copy).expect("copy the binary");
    }
    let status = std::process::Command::new("setcap")
        .args([
            "cap_net_admin,cap_net_raw+ep",
            &with_caps.display().to_string(),
        ])
        .status()
        .expect("setcap");
    assert!(status.success(), "setcap failed");
    let lab = Lab::new(2);
    lab.exec(1, &["ip", "addr", "add", "192.0.2.77/24", "dev", "eth0"]);
    let as_nobody = |bin: &std::path::Path, prio: &str| {
        let bin = bin.display().to_string();
        let mut args = vec![
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            bin.as_str(),
        ];
        let run = fast(prio);
        args.extend(run.iter().copied());
        lab.spawn(1, "setpriv", &args)
    };
    let mut plain = as_nobody(&without, "200");
    assert_eq!(
        plain.wait_exit(Duration::from_secs(3)),
        Some(2),
        "{}",
        plain.output()
    );
    assert!(
        plain
            .output()
            .contains("CAP_NET_ADMIN and CAP_NET_RAW not granted"),
        "{}",
        plain.output()
    );

    let mut n1 = as_nobody(&with_caps, "200");
    let n2 = lab.vipflip(2, &fast("150"));
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)),
        "as nobody with file capabilities:\n{}",
        n1.output()
    );
    let t = Instant::now();
    n1.signal(Signal::SIGTERM);
    assert!(n2.wait_line("MASTER", t, Duration::from_secs(2)).is_some());
    assert_eq!(
        n1.wait_exit(Duration::from_secs(3)),
        Some(0),
        "{}",
        n1.output()
    );
    assert!(
        !lab.holds(1, VIP4),
        "the VIP was removed by the unprivileged process"
    );
    assert!(
        lab.holds(1, "192.0.2.77"),
        "an address vipflip did not add is never removed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

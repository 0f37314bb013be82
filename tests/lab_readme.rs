//! The README's scenario, run as written: its commands in the lab, with documentation
//! addresses for 192.168.31.0/24 and eth0 for ens33 (see tests/readme).

mod lab;
mod readme;

use std::time::{Duration, Instant};

use lab::{available, Lab, VIP4};
use nix::sys::signal::Signal;
use vipflip::vrrp::timers::master_down_interval;
use vipflip::wire::Version;

fn sub(argv: &[String]) -> Option<&str> {
    argv.get(1).map(String::as_str)
}

/// The lab host of a README node: .201, .202, .203 are hosts 1, 2, 3.
fn host_of_priority(argv: &[String]) -> usize {
    let priority = argv
        .iter()
        .position(|a| a == "--priority")
        .and_then(|i| argv.get(i + 1))
        .map(String::as_str);
    match priority {
        Some("200") => 3,
        Some("199") => 1,
        Some("198") => 2,
        other => panic!("README scenario: unexpected priority {other:?}"),
    }
}

fn strs(argv: &[String]) -> Vec<&str> {
    argv[1..].iter().map(String::as_str).collect()
}

#[test]
fn readme_scenario() {
    if !available("readme_scenario", false) {
        return;
    }
    let text = readme::readme();
    let commands: Vec<Vec<String>> = readme::commands(readme::section(&text, "## The scenario"))
        .iter()
        .map(|c| readme::in_lab(c))
        .collect();
    let find = |name: &str| {
        commands
            .iter()
            .filter(|c| sub(c) == Some(name))
            .cloned()
            .collect::<Vec<_>>()
    };
    let runs: Vec<Vec<String>> = find("run")
        .into_iter()
        .filter(|c| c.contains(&"--vip".to_string()))
        .collect();
    assert_eq!(runs.len(), 3, "three nodes: {runs:?}");

    // 1. Start vipflip on each node.
    let lab = Lab::new(3);
    let start = Instant::now();
    // One after another, in the README's order, as a person starts them: with priorities one
    // apart (Skew_Times 4 ms apart) nodes started together race on their start-up time.
    let mut nodes: Vec<(usize, lab::Proc)> = runs
        .iter()
        .map(|c| {
            let node = (
                host_of_priority(c),
                lab.vipflip(host_of_priority(c), &strs(c)),
            );
            std::thread::sleep(Duration::from_millis(100));
            node
        })
        .collect();
    nodes.sort_by_key(|(h, _)| *h);
    let wait = master_down_interval(Version::V2, 200, 100) + Duration::from_secs(2);
    assert!(
        lab.wait_sole_holder(3, VIP4, wait),
        "holders {:?}",
        lab.holders(VIP4)
    );
    // The VIP is added before the line is written: wait for the line, not only the VIP.
    let shown = "MASTER no advert heard for 3.22s";
    let said = nodes[2].1.wait_line(shown, start, Duration::from_secs(1));
    assert!(
        text.contains(shown) && said.is_some(),
        "{}",
        nodes[2].1.output()
    );
    std::thread::sleep(master_down_interval(Version::V2, 198, 100) - Duration::from_secs(2));
    assert_eq!(lab.holders(VIP4), vec![3]);

    // 2. See who is master.
    let probe = &find("probe")[0];
    let out = lab.vipflip_output(0, &strs(probe));
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains(
            "vrid 41 IPv4: MASTER 192.0.2.203 (02:00:c0:00:02:cb) priority 200, VRRPv2 every 1s"
        ),
        "{report}"
    );
    assert!(
        report.contains("VIP 192.0.2.250: answered by 02:00:c0:00:02:cb (192.0.2.203)"),
        "{report}"
    );

    // 3. Watch the VIP while the master stops.
    let watch_cmd = find("ping-watch")
        .into_iter()
        .find(|c| c.len() == 3)
        .expect("plain ping-watch");
    let mut watch = lab.spawn(0, env!("CARGO_BIN_EXE_vipflip"), &strs(&watch_cmd));
    std::thread::sleep(Duration::from_millis(600));
    let t = Instant::now();
    nodes[2].1.signal(Signal::SIGTERM);
    let took = nodes[0].1.wait_line(
        "MASTER master 192.0.2.203 stepped down (priority 0)",
        t,
        Duration::from_secs(2),
    );
    assert!(took.is_some(), "{}", nodes[0].1.output());
    assert_eq!(nodes[2].1.wait_exit(Duration::from_secs(2)), Some(0));
    assert!(nodes[2]
        .1
        .output()
        .contains("STOPPED handed over to 192.0.2.201, VIP removed"));
    std::thread::sleep(Duration::from_millis(800));
    watch.signal(Signal::SIGINT);
    assert_eq!(
        watch.wait_exit(Duration::from_secs(3)),
        Some(0),
        "{}",
        watch.output()
    );
    let watched = watch.output();
    assert!(
        watched.contains("watching 192.0.2.250 with ICMP echo every 100ms"),
        "{watched}"
    );
    assert!(
        watched.contains("192.0.2.250 now answered by 02:00:c0:00:02:c9 (was 02:00:c0:00:02:cb)"),
        "{watched}"
    );
    assert!(watched.contains("1 MAC change(s)"), "{watched}");
    assert!(
        watched.contains("loss 0.0%, 0 outage(s)"),
        "a planned handover loses nothing:\n{watched}"
    );
    assert!(lab.wait_sole_holder(1, VIP4, Duration::from_secs(1)));

    // 4. release on the old master: nothing left there; its priority-0 advert disturbs nobody.
    for release in find("release") {
        let out = lab.vipflip_output(3, &strs(&release));
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{said}");
        assert!(
            said.contains("192.0.2.250/24 was not on eth0: nothing to remove"),
            "{said}"
        );
    }
    std::thread::sleep(master_down_interval(Version::V2, 198, 100));
    assert_eq!(
        lab.holders(VIP4),
        vec![1],
        "the new master keeps the VIP:\n{}",
        nodes[1].1.output()
    );
}

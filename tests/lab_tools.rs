//! Lab tests of the companion subcommands: release, probe, ping-watch.

mod lab;

use std::time::{Duration, Instant};

use lab::{available, Lab, VIP4};
use nix::sys::signal::Signal;
use vipflip::vrrp::timers::{master_down_interval, skew_time};
use vipflip::wire::Version;

const MARGIN: Duration = Duration::from_millis(150);

fn fast(priority: &str) -> Vec<&str> {
    vec![
        "run",
        "--vip",
        "192.0.2.250/24",
        "--iface",
        "eth0",
        "--vrid",
        "41",
        "--priority",
        priority,
        "--vrrp-version",
        "3",
        "--advert-int",
        "100ms",
    ]
}

fn mdi(priority: u8) -> Duration {
    master_down_interval(Version::V3, priority, 10)
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn release_with_vrid_hands_a_killed_masters_vip_over_within_skew_time() {
    if !available(
        "release_with_vrid_hands_a_killed_masters_vip_over_within_skew_time",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let mut n1 = lab.vipflip(1, &fast("200"));
    let n2 = lab.vipflip(2, &fast("150"));
    assert!(lab.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2)));
    std::thread::sleep(Duration::from_millis(200));
    n1.signal(Signal::SIGKILL);
    let _ = n1.wait_exit(Duration::from_secs(1));
    let t = Instant::now();
    let release = [
        "release",
        "--vip",
        "192.0.2.250/24",
        "--iface",
        "eth0",
        "--vrid",
        "41",
        "--vrrp-version",
        "3",
        "--advert-int",
        "100ms",
    ];
    let out = lab.vipflip_output(1, &release);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(text.contains("removed 192.0.2.250/24 from eth0"), "{text}");
    assert!(
        text.contains("sent priority 0 for vrid 41 from 192.0.2.201"),
        "{text}"
    );
    let line = n2
        .wait_line("MASTER", t, Duration::from_secs(2))
        .expect("n2 takes over");
    assert!(
        line.text.contains("stepped down (priority 0)"),
        "{}",
        line.text
    );
    let bound = skew_time(Version::V3, 150, 10) + MARGIN;
    assert!(
        line.at - t <= bound,
        "took {:?}, bound {bound:?}",
        line.at - t
    );
    assert!(lab.wait_sole_holder(2, VIP4, Duration::from_secs(1)));
}

#[test]
fn release_removes_a_leftover_says_when_nothing_is_there_and_refuses_the_primary() {
    if !available(
        "release_removes_a_leftover_says_when_nothing_is_there_and_refuses_the_primary",
        false,
    ) {
        return;
    }
    let lab = Lab::new(1);
    lab.exec(1, &["ip", "addr", "add", "192.0.2.250/24", "dev", "eth0"]);
    let args = ["release", "--vip", "192.0.2.250/24", "--iface", "eth0"];
    let out = lab.vipflip_output(1, &args);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("removed 192.0.2.250/24 from eth0"),
        "{}",
        stdout(&out)
    );
    assert!(!lab.holds(1, VIP4));
    let out = lab.vipflip_output(1, &args);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("192.0.2.250/24 was not on eth0: nothing to remove"),
        "{}",
        stdout(&out)
    );

    let out = lab.vipflip_output(
        1,
        &["release", "--vip", "192.0.2.201/24", "--iface", "eth0"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("refusing to remove 192.0.2.201/24: it is the primary address of eth0"),
        "{err}"
    );
    assert!(lab.holds(1, "192.0.2.201"), "the primary address stays");
}

//! The virtual MAC beside keepalived's use_vmac, on one lab in one run: the client-visible
//! outage of a crash and of a planned handover, with and without a virtual MAC, and a
//! master's start while the client's neighbour entry is stale. Prints the table for
//! BENCHMARKS.md.
//!
//!     sudo env "PATH=$PATH" cargo bench --bench vmac                 # 10 trials per cell
//!     sudo env "PATH=$PATH" cargo bench --bench vmac -- --trials 3
//!
//! Group: three nodes at 200/199/198, VRRPv3 IPv4 every 100 ms, a client on the same bridge.
//! Outage: the longest one `vipflip ping-watch --interval 10ms` saw from the client;
//! neighbour entry moved: in how many trials the client's neighbour entry for the VIP
//! (`ip neigh`) pointed at another MAC afterwards (not the source MAC of the replies: with a
//! virtual MAC the master still replies from its own interface). keepalived nodes get
//! arp_announce=2 on eth0 (its use_vmac does not set it; without it clients move to eth0's
//! MAC, see README).

#[path = "../tests/lab/mod.rs"]
mod lab;

use std::time::{Duration, Instant};

use lab::{wait_until, Lab, Proc};
use nix::sys::signal::Signal;

const VIP: &str = "192.0.2.250";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Vipflip,
    VipflipVmac,
    Keepalived,
    KeepalivedVmac,
}

impl Tool {
    const ALL: [Tool; 4] = [
        Tool::Vipflip,
        Tool::VipflipVmac,
        Tool::Keepalived,
        Tool::KeepalivedVmac,
    ];

    fn name(self) -> &'static str {
        match self {
            Tool::Vipflip => "vipflip",
            Tool::VipflipVmac => "vipflip --vmac",
            Tool::Keepalived => "keepalived",
            Tool::KeepalivedVmac => "keepalived use_vmac",
        }
    }

    fn vmac(self) -> bool {
        matches!(self, Tool::VipflipVmac | Tool::KeepalivedVmac)
    }

    fn start(self, lab: &Lab, host: usize, priority: &str) -> Proc {
        match self {
            Tool::Vipflip | Tool::VipflipVmac => {
                let mut args = lab::fast(priority);
                if self.vmac() {
                    args.push("--vmac");
                }
                lab.vipflip(host, &args)
            }
            Tool::Keepalived | Tool::KeepalivedVmac => {
                lab.exec(
                    host,
                    &["sysctl", "-qw", "net.ipv4.conf.eth0.arp_announce=2"],
                );
                let vmac = if self.vmac() { "  use_vmac\n" } else { "" };
                let instance = format!(
                    "  state BACKUP\n  virtual_router_id 41\n  priority {priority}\n  version 3\n  advert_int 0.1\n{vmac}  virtual_ipaddress {{\n    192.0.2.250/24\n  }}"
                );
                lab.keepalived(host, &instance)
            }
        }
    }

    /// The line a node prints when it becomes master.
    fn master_line(self) -> &'static str {
        match self {
            Tool::Vipflip | Tool::VipflipVmac => "MASTER",
            _ => "Entering MASTER STATE",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Crash,
    Planned,
    StaleStart,
}

impl Scenario {
    const ALL: [Scenario; 3] = [Scenario::Planned, Scenario::Crash, Scenario::StaleStart];

    fn name(self) -> &'static str {
        match self {
            Scenario::Crash => "crash of the master (kill -9, cable pulled)",
            Scenario::Planned => "planned handover (SIGTERM)",
            Scenario::StaleStart => "start, client's entry stale (first answer after MASTER)",
        }
    }
}

/// One trial's numbers: milliseconds, and whether the client's neighbour entry moved.
struct Trial {
    ms: f64,
    moved: bool,
}

fn watch(lab: &Lab) -> Proc {
    lab.spawn(
        0,
        env!("CARGO_BIN_EXE_vipflip"),
        &["ping-watch", VIP, "--interval", "10ms", "--json"],
    )
}

fn stop_watch(mut watch: Proc) -> Vec<String> {
    watch.signal(Signal::SIGINT);
    let _ = watch.wait_exit(Duration::from_secs(3));
    watch.lines().into_iter().map(|l| l.text).collect()
}

fn event<'a>(lines: &'a [String], name: &str) -> impl Iterator<Item = &'a String> {
    let tag = format!("\"event\":\"{name}\"");
    lines.iter().filter(move |l| l.contains(&tag))
}

fn longest_outage(lines: &[String]) -> f64 {
    event(lines, "outage")
        .filter_map(|l| vipflip::json_field(l, "length_ms")?.parse::<f64>().ok())
        .fold(0.0, f64::max)
}

/// Three nodes, host 1 master, the client watching; then `fault` on host 1.
fn failover(tool: Tool, scenario: Scenario) -> Option<Trial> {
    let lab = Lab::new(3);
    let mut nodes: Vec<Proc> = Vec::new();
    for (host, priority) in [(1, "200"), (2, "199"), (3, "198")] {
        nodes.push(tool.start(&lab, host, priority));
        std::thread::sleep(Duration::from_millis(100));
    }
    if !lab.wait_sole_holder(1, VIP, Duration::from_secs(8)) {
        eprintln!("{}: host 1 never held the VIP alone", tool.name());
        return None;
    }
    let watcher = watch(&lab);
    std::thread::sleep(Duration::from_millis(700));
    let before = lab.client_neigh(VIP);
    match scenario {
        Scenario::Planned => nodes[0].signal_tree(Signal::SIGTERM),
        _ => {
            nodes[0].signal_tree(Signal::SIGKILL);
            lab.set_port(1, false);
        }
    }
    wait_until(Duration::from_secs(5), || {
        lab.holds(2, VIP) || lab.holds(3, VIP)
    });
    std::thread::sleep(Duration::from_millis(1500));
    let lines = stop_watch(watcher);
    Some(Trial {
        ms: longest_outage(&lines),
        moved: lab.client_neigh(VIP) != before,
    })
}

/// The client's entry for the VIP points at a MAC that is gone (a former master's; with a
/// virtual MAC, the virtual MAC, as a former master left it); then one node starts. From its
/// MASTER line to the client's first answer.
fn stale_start(tool: Tool) -> Option<Trial> {
    let lab = Lab::new(3);
    let stale = if tool.vmac() {
        "00:00:5e:00:01:29".to_string()
    } else {
        lab.host(3).mac.clone()
    };
    lab.exec(
        0,
        &[
            "ip", "neigh", "replace", VIP, "lladdr", &stale, "dev", "eth0", "nud", "stale",
        ],
    );
    let watcher = watch(&lab);
    std::thread::sleep(Duration::from_millis(300));
    let since = Instant::now();
    let node = tool.start(&lab, 1, "200");
    let master = node.wait_line(tool.master_line(), since, Duration::from_secs(8))?;
    let answered = watcher.wait_line("\"event\":\"answered\"", since, Duration::from_secs(10));
    stop_watch(watcher);
    let Some(answered) = answered else {
        eprintln!("{}: the client got no answer in 10 s", tool.name());
        return None;
    };
    Some(Trial {
        ms: answered
            .at
            .saturating_duration_since(master.at)
            .as_secs_f64()
            * 1000.0,
        moved: lab.client_neigh(VIP).as_deref() != Some(stale.as_str()),
    })
}

fn trials_arg() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--trials")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    if !lab::available("bench vmac", true) {
        return;
    }
    let trials = trials_arg();
    println!("| scenario | tool | outage median ms | max ms | client's entry moved | trials |");
    println!("|---|---|---|---|---|---|");
    for scenario in Scenario::ALL {
        for tool in Tool::ALL {
            let results: Vec<Trial> = (0..trials)
                .filter_map(|_| match scenario {
                    Scenario::StaleStart => stale_start(tool),
                    _ => failover(tool, scenario),
                })
                .collect();
            let ms: Vec<f64> = results.iter().map(|t| t.ms).collect();
            let max = ms.iter().copied().fold(0.0, f64::max);
            let moved = results.iter().filter(|t| t.moved).count();
            println!(
                "| {} | {} | {:.0} | {:.0} | {moved} of {} | {}/{} |",
                scenario.name(),
                tool.name(),
                median(ms.clone()),
                max,
                results.len(),
                results.len(),
                trials
            );
        }
    }
}

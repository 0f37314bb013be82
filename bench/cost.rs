//! What an advert costs, vipflip beside keepalived in one run (issue 21), a table on stdout
//! for BENCHMARKS.md:
//!
//!     sudo env "PATH=$PATH" cargo bench --bench cost             # about 10 minutes
//!     sudo env "PATH=$PATH" cargo bench --bench cost -- --only vipflip
//!     sudo env "PATH=$PATH" cargo bench --bench cost -- --before /tmp/old/vipflip
//!     sudo env "PATH=$PATH" cargo bench --bench cost -- --nodes 2 --rounds 5
//!     sudo env "PATH=$PATH" cargo bench --bench cost -- --nodes 2 --rounds 5 --together
//!
//! For each tool, one after the other so neither loads the other: a group of 2 nodes, then
//! one of 16 (priorities 200 down, one apart; VRRPv3 at 10 ms, one VIP, multicast), in
//! network namespaces on one bridge; the master is started first, the backups once it
//! holds the VIP. After the group settled (3 s), the CPU ticks (user and
//! system, /proc/PID/stat, every thread and child of the node) over a 30 s window: of the
//! master, which only sends, and of each backup, which only receives. An advert sent costs
//! the master's CPU over the adverts of the window (window / 10 ms); an advert received
//! costs a backup's CPU over the same count. Run times are /proc/PID/schedstat's (ns); the
//! ticks are the kernel's sampled user/system split. This VM's speed drifts by 15% from one
//! minute to the next, so each tool runs `--rounds` times (3), the order turned each round,
//! and the table shows the median run with the range; the last line gives vipflip over
//! keepalived round by round, each pair measured minutes apart at most. With `--together`
//! the tools' groups (each on a bridge of its own) are settled first and then measured over
//! the same 30 s, so a round's ratio has no drift in it; the groups then share the 2 CPUs,
//! each at about 1% load. Then memory: 2 nodes at the default 1 s adverts, RSS and PSS of
//! each node's processes once settled.

#[path = "../tests/lab/mod.rs"]
mod lab;
#[path = "procfs.rs"]
mod procfs;

use std::time::Duration;

use lab::{wait_until, Lab, Proc};
use nix::sys::signal::Signal;
use procfs::{cpu_ns, cpu_ticks, memory_kb};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    Vipflip,
    /// Another vipflip binary (`--before PATH`): an earlier build, measured in the same run.
    Before(&'static str),
    Keepalived,
}

impl std::fmt::Display for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tool::Vipflip => write!(f, "vipflip"),
            Tool::Before(_) => write!(f, "vipflip before"),
            Tool::Keepalived => write!(f, "keepalived"),
        }
    }
}

const VIP: &str = "192.0.2.250";
const INTERVAL_MS: u64 = 10;
const WINDOW: Duration = Duration::from_secs(30);

/// A node's processes: vipflip's, or keepalived's parent and VRRP child.
fn pids(p: &Proc) -> Vec<i32> {
    std::iter::once(p.pid()).chain(p.child_pid()).collect()
}

fn start(lab: &Lab, tool: Tool, i: usize, prio: u8, interval_ms: u64) -> Proc {
    match tool {
        Tool::Vipflip | Tool::Before(_) => {
            let (interval, prio) = (format!("{interval_ms}ms"), prio.to_string());
            // lab::fast's flags, with this interval for its 100ms.
            let mut args = lab::fast(&prio);
            if let Some(last) = args.last_mut() {
                *last = &interval;
            }
            match tool {
                Tool::Before(bin) => lab.spawn(i, bin, &args),
                _ => lab.vipflip(i, &args),
            }
        }
        Tool::Keepalived => lab.keepalived(
            i,
            &format!(
                "  state BACKUP\n  virtual_router_id 41\n  priority {prio}\n  version 3\n  advert_int {}\n  virtual_ipaddress {{\n    192.0.2.250/24\n  }}",
                interval_ms as f64 / 1000.0
            ),
        ),
    }
}

/// A node's CPU so far, summed over its processes: (user ticks, system ticks, run ns).
fn node_cpu(p: &Proc) -> (u64, u64, u64) {
    pids(p)
        .into_iter()
        .map(|pid| {
            let (user, system) = cpu_ticks(pid);
            (user, system, cpu_ns(pid))
        })
        .fold((0, 0, 0), |(u, s, n), (a, b, c)| (u + a, s + b, n + c))
}

/// One group's CPU over the window, per node: (user ticks, system ticks, run ns).
struct Cpu {
    nodes: usize,
    master: (u64, u64, u64),
    backups: Vec<(u64, u64, u64)>,
}

impl Cpu {
    fn adverts(&self) -> f64 {
        WINDOW.as_millis() as f64 / INTERVAL_MS as f64
    }

    /// µs of run time per advert.
    fn per_advert(&self, ns: f64) -> f64 {
        ns / 1000.0 / self.adverts()
    }

    /// The backups' mean (user ticks, system ticks, run ns).
    fn backup_mean(&self) -> (f64, f64, f64) {
        let n = self.backups.len().max(1) as f64;
        let mean =
            |f: fn(&(u64, u64, u64)) -> u64| self.backups.iter().map(f).sum::<u64>() as f64 / n;
        (mean(|b| b.0), mean(|b| b.1), mean(|b| b.2))
    }

    /// Seconds of run time per node over the window, master and backups together.
    fn per_node(&self) -> f64 {
        let all = self.master.2 + self.backups.iter().map(|b| b.2).sum::<u64>();
        all as f64 / 1e9 / self.nodes as f64
    }
}

/// A group of one tool, settled: the master (host 1) the sole holder, the backups started.
struct Group {
    tool: Tool,
    lab: Lab,
    procs: Vec<Proc>,
}

fn settle(tool: Tool, nodes: usize) -> Option<Group> {
    let lab = Lab::new(nodes);
    // The master first, then the backups once it holds the VIP: this measures the steady
    // state, not a start of all at once (where keepalived 2.2.7's 16 nodes at 10 ms were
    // still 7 holders re-electing each other after 30 s; bench/scale.rs measures starts).
    let mut procs = vec![start(&lab, tool, 1, 200, INTERVAL_MS)];
    wait_until(Duration::from_secs(10), || lab.holders(VIP) == vec![1]);
    procs.extend((2..=nodes).map(|i| start(&lab, tool, i, 201 - i as u8, INTERVAL_MS)));
    let settled = wait_until(Duration::from_secs(30), || lab.holders(VIP) == vec![1]);
    if !settled {
        eprintln!(
            "{tool}, {nodes} nodes: host 1 is not the sole holder after 30 s (holders: {:?})",
            lab.holders(VIP)
        );
        if std::env::var_os("COST_DEBUG").is_some() {
            eprintln!("{}", procs[1].output());
        }
        for p in &mut procs {
            p.signal_tree(Signal::SIGKILL);
        }
        return None;
    }
    Some(Group { tool, lab, procs })
}

/// The groups' CPU over one window they all share (3 s after the last settled), per group;
/// `None` for a group whose master changed meanwhile. Every group's nodes are killed.
fn measure(groups: &mut [Group]) -> Vec<Option<Cpu>> {
    std::thread::sleep(Duration::from_secs(3));
    let read = |g: &Group| g.procs.iter().map(node_cpu).collect::<Vec<_>>();
    let before: Vec<_> = groups.iter().map(read).collect();
    std::thread::sleep(WINDOW);
    let after: Vec<_> = groups.iter().map(read).collect();
    let mut out = Vec::new();
    for ((g, before), after) in groups.iter_mut().zip(before).zip(after) {
        let still = g.lab.holders(VIP) == vec![1];
        for p in &mut g.procs {
            p.signal_tree(Signal::SIGKILL);
        }
        if !still {
            eprintln!(
                "{}, {} nodes: the master changed during the window",
                g.tool,
                g.procs.len()
            );
            out.push(None);
            continue;
        }
        let used: Vec<(u64, u64, u64)> = before
            .iter()
            .zip(&after)
            .map(|(b, a)| (a.0 - b.0, a.1 - b.1, a.2.saturating_sub(b.2)))
            .collect();
        out.push(Some(Cpu {
            nodes: used.len(),
            master: used[0],
            backups: used[1..].to_vec(),
        }));
    }
    out
}

/// One round: each tool alone, one after the other in `order`, or (`together`) all groups
/// settled first and measured over the same window, so that the VM's drift from one minute
/// to the next falls on every tool alike. Results in `tools` order.
fn round(tools: &[Tool], order: &[usize], nodes: usize, together: bool) -> Vec<Option<Cpu>> {
    let mut out: Vec<Option<Cpu>> = tools.iter().map(|_| None).collect();
    if together {
        let mut groups = Vec::new();
        let mut slots = Vec::new();
        for &t in order {
            if let Some(g) = settle(tools[t], nodes) {
                groups.push(g);
                slots.push(t);
            }
        }
        for (t, cpu) in slots.into_iter().zip(measure(&mut groups)) {
            out[t] = cpu;
        }
        return out;
    }
    for &t in order {
        out[t] = settle(tools[t], nodes).and_then(|g| measure(&mut [g]).pop().flatten());
    }
    out
}

/// (RSS, PSS) kB of the master node and of the backup, 2 nodes at 1 s adverts, settled.
fn memory_run(tool: Tool) -> [(u64, u64); 2] {
    let lab = Lab::new(2);
    let mut procs: Vec<Proc> = (1..=2)
        .map(|i| start(&lab, tool, i, 201 - i as u8, 1000))
        .collect();
    wait_until(Duration::from_secs(10), || lab.holders(VIP) == vec![1]);
    std::thread::sleep(Duration::from_secs(3));
    let mem = |p: &Proc| {
        pids(p)
            .into_iter()
            .map(memory_kb)
            .fold((0, 0), |(r, s), (a, b)| (r + a, s + b))
    };
    let out = [mem(&procs[0]), mem(&procs[1])];
    for p in &mut procs {
        p.signal_tree(Signal::SIGKILL);
    }
    out
}

/// The median run's row: by CPU per node, with the range over the runs.
fn print_cpu(tool: Tool, nodes: usize, runs: &[Option<Cpu>]) {
    let mut ok: Vec<&Cpu> = runs.iter().flatten().collect();
    ok.sort_by(|a, b| a.per_node().total_cmp(&b.per_node()));
    let Some(c) = ok.get(ok.len() / 2) else {
        return;
    };
    let (lo, hi) = (ok[0].per_node(), ok[ok.len() - 1].per_node());
    let (bu, bs, bns) = c.backup_mean();
    println!(
        "| {tool} | {nodes} | {} of {} | {} / {} | {bu:.1} / {bs:.1} | {:.3} ({lo:.3}-{hi:.3}) | {:.0} | {:.0} |",
        ok.len(),
        runs.len(),
        c.master.0,
        c.master.1,
        c.per_node(),
        c.per_advert(c.master.2 as f64),
        c.per_advert(bns),
    );
}

/// vipflip's CPU per node over keepalived's, run next to it in each round, and their median.
fn ratio_per_round(tools: &[Tool], runs: &[Vec<Option<Cpu>>]) -> Option<String> {
    let of = |want: Tool| tools.iter().position(|t| *t == want);
    let (v, k) = (of(Tool::Vipflip)?, of(Tool::Keepalived)?);
    let mut ratios: Vec<f64> = runs[v]
        .iter()
        .zip(&runs[k])
        .filter_map(|(a, b)| Some(a.as_ref()?.per_node() / b.as_ref()?.per_node()))
        .collect();
    let listed: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    ratios.sort_by(f64::total_cmp);
    let median = ratios.get(ratios.len() / 2)?;
    Some(format!("{} (median {median:.2})", listed.join(", ")))
}

fn main() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("vipflip: the benchmark needs root: it creates network namespaces\nhint: sudo env \"PATH=$PATH\" cargo bench --bench cost");
        std::process::exit(2);
    }
    let args: Vec<String> = std::env::args().collect();
    let before = args
        .iter()
        .position(|a| a == "--before")
        .and_then(|i| args.get(i + 1))
        .map(|path| Tool::Before(String::leak(path.clone())));
    let mut tools: Vec<Tool> = match args.iter().position(|a| a == "--only") {
        Some(i) => match args.get(i + 1).map(String::as_str) {
            Some("vipflip") => vec![Tool::Vipflip],
            Some("keepalived") => vec![Tool::Keepalived],
            _ => {
                eprintln!("vipflip: --only takes vipflip or keepalived\nhint: cargo bench --bench cost -- --only vipflip");
                std::process::exit(2);
            }
        },
        None => vec![Tool::Vipflip, Tool::Keepalived],
    };
    tools.splice(0..0, before);
    // `--nodes N`: that group size alone.
    let sizes: Vec<usize> = match args.iter().position(|a| a == "--nodes") {
        Some(i) => args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .into_iter()
            .collect(),
        None => vec![2, 16],
    };
    // `--rounds N`: each tool measured N times, the order turned each round, so that a slow
    // minute of the VM falls on every tool alike; the table gives the median run.
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
        .max(1);
    // `--together`: the tools' groups side by side in one window per round (each on a bridge
    // of its own), instead of one after the other.
    let together = args.iter().any(|a| a == "--together");
    println!(
        "| tool | nodes | runs | master user/sys ticks | backup user/sys ticks (mean) | CPU per node (s / {} s): median (min-max) | µs per sent advert | µs per received advert |",
        WINDOW.as_secs()
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for &nodes in &sizes {
        let mut runs: Vec<Vec<Option<Cpu>>> = tools.iter().map(|_| Vec::new()).collect();
        for r in 0..rounds {
            let order: Vec<usize> = (0..tools.len()).map(|k| (k + r) % tools.len()).collect();
            for (t, cpu) in round(&tools, &order, nodes, together)
                .into_iter()
                .enumerate()
            {
                runs[t].push(cpu);
            }
        }
        for (tool, runs) in tools.iter().zip(&runs) {
            print_cpu(*tool, nodes, runs);
        }
        ratios.push((nodes, ratio_per_round(&tools, &runs)));
    }
    for (nodes, r) in ratios {
        if let Some(line) = r {
            println!("\n{nodes} nodes, vipflip / keepalived CPU per node, per round: {line}");
        }
    }
    println!();
    println!("| tool | master RSS kB | master PSS kB | backup RSS kB | backup PSS kB |");
    println!("|---|---|---|---|---|");
    for &tool in &tools {
        let [(mr, mp), (br, bp)] = memory_run(tool);
        println!("| {tool} | {mr} | {mp} | {br} | {bp} |");
    }
}

//! The demo's throw-away lab: named network namespaces (one holding a bridge, one per node,
//! one for the client) joined by veth pairs, and processes started inside them.
//!
//! Built with iproute2's `ip`, not rtnetlink: a named namespace is a bind mount under
//! /run/netns that `ip netns add` sets up with the right mount propagation, and it is the
//! form users enter with `ip netns exec` (what `--keep` tells them to do). Doing that here
//! would mean a mount-namespace dance and an unsafe `pre_exec` per child for no gain.
//! Every veth is created inside the bridge's namespace with its peer moved straight into
//! the node's: nothing ever appears in the namespace the demo runs in.

use std::net::Ipv4Addr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::error::{Error, Result};

/// Every demo namespace starts with this, then the demo's PID: `vfdemo1234-n1`.
pub const PREFIX: &str = "vfdemo";
const NETNS_DIR: &str = "/run/netns";

/// One namespace of the lab with its link to the bridge.
#[derive(Debug, Clone)]
pub struct LabHost {
    /// `n1`..`n8` or `client`: also the bridge port's name.
    pub name: String,
    pub ns: String,
    pub mac: String,
    pub ip4: Ipv4Addr,
}

/// The namespaces of one demo; removed (with whatever still runs in them) on drop.
pub struct Lab {
    prefix: String,
    created: Vec<String>,
    pub nodes: Vec<LabHost>,
    pub client: LabHost,
}

/// What an earlier demo (killed before it could clean up) left behind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Leftovers {
    pub pids: Vec<u32>,
    pub namespaces: usize,
    pub processes: usize,
}

/// Fails with an install hint when iproute2's `ip` cannot run.
pub fn require_ip() -> Result<()> {
    match Command::new("ip").arg("-V").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(Error::new(
            "cannot run `ip`",
            "the demo builds its network namespaces with iproute2",
        )
        .hint("install it: sudo apt install iproute2")),
    }
}

fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| Error::new("cannot run `ip`", e).hint("install iproute2"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(Error::new(
        format!("lab set-up failed: ip {}", args.join(" ")),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    )
    .hint("run the demo as root (sudo), on a kernel with veth and bridge support"))
}

/// Node `i` (from 1) is `n<i>` at 192.0.2.<10+i> with MAC 02:00:c0:00:02:<i>; the client is
/// 192.0.2.100. Locally administered MACs, documentation addresses only.
fn lab_host(prefix: &str, i: u8) -> LabHost {
    let name = if i == 0 {
        "client".to_string()
    } else {
        format!("n{i}")
    };
    let (last, mac_last) = if i == 0 { (100, 0x64) } else { (10 + i, i) };
    LabHost {
        ns: format!("{prefix}-{name}"),
        name,
        mac: format!("02:00:c0:00:02:{mac_last:02x}"),
        ip4: Ipv4Addr::new(192, 0, 2, last),
    }
}

impl Lab {
    /// The bridge, `nodes` nodes and the client, all up. On an error, what was made so far
    /// is removed again (by the drop of the half-built lab).
    pub fn create(nodes: u8) -> Result<Lab> {
        let prefix = format!("{PREFIX}{}", std::process::id());
        let mut lab = Lab {
            prefix: prefix.clone(),
            created: Vec::new(),
            nodes: (1..=nodes).map(|i| lab_host(&prefix, i)).collect(),
            client: lab_host(&prefix, 0),
        };
        let bridge = lab.bridge_ns();
        lab.add_ns(&bridge)?;
        ip(&["-n", &bridge, "link", "add", "br0", "type", "bridge"])?;
        ip(&["-n", &bridge, "link", "set", "br0", "up"])?;
        let hosts: Vec<LabHost> = lab.nodes.iter().chain([&lab.client]).cloned().collect();
        for host in &hosts {
            lab.add_ns(&host.ns)?;
            lab.add_link(host)?;
        }
        Ok(lab)
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn bridge_ns(&self) -> String {
        format!("{}-br", self.prefix)
    }

    fn add_ns(&mut self, ns: &str) -> Result<()> {
        ip(&["netns", "add", ns])?;
        self.created.push(ns.to_string());
        Ok(())
    }

    fn add_link(&self, h: &LabHost) -> Result<()> {
        let br = self.bridge_ns();
        let port = h.name.as_str();
        ip(&[
            "-n", &br, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", &h.ns,
        ])?;
        ip(&["-n", &br, "link", "set", port, "master", "br0", "up"])?;
        ip(&["-n", &h.ns, "link", "set", "lo", "up"])?;
        ip(&["-n", &h.ns, "link", "set", "eth0", "address", &h.mac])?;
        let addr = format!("{}/24", h.ip4);
        ip(&["-n", &h.ns, "addr", "add", &addr, "dev", "eth0"])?;
        ip(&["-n", &h.ns, "link", "set", "eth0", "up"])
    }

    /// Cuts (or restores) a host's cable: its port on the bridge goes down.
    pub fn set_port(&self, host: &LabHost, up: bool) -> Result<()> {
        let state = if up { "up" } else { "down" };
        ip(&["-n", &self.bridge_ns(), "link", "set", &host.name, state])
    }

    /// Starts `program args` inside `host`'s namespace, in a process group of its own (a
    /// Ctrl-C at the terminal reaches the demo, which then stops its children itself), with
    /// stdout and stderr piped.
    pub fn spawn(&self, host: &LabHost, program: &Path, args: &[String]) -> Result<Child> {
        Command::new("ip")
            .args(["netns", "exec", &host.ns])
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| Error::new(format!("cannot start a process in {}", host.ns), e))
    }

    /// Removes every namespace, after killing what still runs in them. Returns how many
    /// processes had to be killed, and the namespaces that could not be removed.
    pub fn remove(&mut self) -> (usize, Vec<String>) {
        let killed = self.created.iter().map(|ns| kill_all_in(ns)).sum();
        let left = std::mem::take(&mut self.created)
            .into_iter()
            .rev()
            .filter(|ns| !delete_ns(ns))
            .collect();
        (killed, left)
    }

    /// How many namespaces this lab has made (and not yet removed).
    pub fn namespaces(&self) -> usize {
        self.created.len()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.remove();
    }
}

/// `ip netns del`, tried a few times: with several labs made and removed at once (the test
/// suite), a delete was seen to fail once while another `ip netns` ran.
fn delete_ns(ns: &str) -> bool {
    for attempt in 0..5 {
        if ip(&["netns", "del", ns]).is_ok() || !Path::new(NETNS_DIR).join(ns).exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20 << attempt));
    }
    false
}

/// Sends `signal` to a child of ours (a demo node), without waiting.
pub fn signal_child(child: &Child, signal: Signal) {
    let _ = kill(Pid::from_raw(child.id() as i32), signal);
}

/// Stops one child: SIGTERM, then SIGKILL after `grace`. Reaps it either way.
pub fn stop_child(child: &mut Child, signal: Signal, grace: Duration) {
    if child.try_wait().ok().flatten().is_some() {
        return;
    }
    let pid = Pid::from_raw(child.id() as i32);
    let _ = kill(pid, signal);
    let end = Instant::now() + grace;
    while Instant::now() < end {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = kill(pid, Signal::SIGKILL);
    let _ = child.wait();
}

/// The PIDs of the processes inside namespace `ns`.
fn pids_in(ns: &str) -> Vec<i32> {
    let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// SIGKILLs every process in `ns` (all of them started by a demo) and waits until they are
/// gone, so that deleting the name also frees the namespace.
fn kill_all_in(ns: &str) -> usize {
    let pids = pids_in(ns);
    for &pid in &pids {
        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
    let end = Instant::now() + Duration::from_secs(2);
    while !pids_in(ns).is_empty() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    pids.len()
}

/// The demo PID in a namespace name of ours (`vfdemo1234-n1` → 1234).
pub fn demo_pid(ns: &str) -> Option<u32> {
    let rest = ns.strip_prefix(PREFIX)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok()
}

/// A demo still running under `pid`: a live process whose name is vipflip.
fn demo_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "vipflip")
}

/// Removes the namespaces (and their processes) of demos that are no longer running.
pub fn remove_leftovers() -> Leftovers {
    let mut found = Leftovers::default();
    let Ok(entries) = std::fs::read_dir(NETNS_DIR) else {
        return found;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = demo_pid(&name) else {
            continue;
        };
        if pid == own || demo_alive(pid) {
            continue;
        }
        found.processes += kill_all_in(&name);
        if delete_ns(&name) {
            found.namespaces += 1;
        }
        if !found.pids.contains(&pid) {
            found.pids.push(pid);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_stay_in_the_documentation_range() {
        let n3 = lab_host("vfdemo42", 3);
        assert_eq!(
            (n3.name.as_str(), n3.ns.as_str(), n3.mac.as_str()),
            ("n3", "vfdemo42-n3", "02:00:c0:00:02:03")
        );
        assert_eq!(n3.ip4, Ipv4Addr::new(192, 0, 2, 13));
        let client = lab_host("vfdemo42", 0);
        assert_eq!(client.ns, "vfdemo42-client");
        assert_eq!(client.ip4, Ipv4Addr::new(192, 0, 2, 100));
    }

    #[test]
    fn only_demo_namespaces_name_a_pid() {
        assert_eq!(demo_pid("vfdemo1234-n1"), Some(1234));
        assert_eq!(demo_pid("vfdemo1234-br"), Some(1234));
        assert_eq!(demo_pid("vfdemo-n1"), None);
        assert_eq!(demo_pid("vf1234a1"), None);
        assert_eq!(demo_pid("other"), None);
    }
}

//! The lab: network namespaces joined by a bridge (one veth pair per host), real vipflip and
//! keepalived processes, a client namespace. Everything a `Lab` creates is removed in `Drop`,
//! also when a test panics. Only documentation addresses are used (192.0.2.0/24, 2001:db8::/32).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

static NEXT_LAB: AtomicUsize = AtomicUsize::new(0);
/// Each keepalived start gets its own pid files, so a dying one never clobbers the next.
static NEXT_RUN: AtomicUsize = AtomicUsize::new(0);

pub const VIP4: &str = "192.0.2.250";
pub const VIP6: &str = "2001:db8::250";

/// Scheduling slack allowed on top of a VRRP timer on a loaded CI machine.
pub const MARGIN: Duration = Duration::from_millis(150);

/// `vipflip run` for VIP4, VRID 41, VRRPv3 at 100 ms: failovers in about a third of a second.
pub fn fast(priority: &str) -> Vec<&str> {
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

/// Master_Down_Interval of `fast` at `priority`.
pub fn mdi(priority: u8) -> Duration {
    vipflip::vrrp::timers::master_down_interval(vipflip::wire::Version::V3, priority, 10)
}

/// `None` (with a visible SKIP line) when the lab cannot run here; a panic instead when
/// VIPFLIP_REQUIRE_NETNS=1, so that CI can never skip.
pub fn available(test: &str, needs_keepalived: bool) -> bool {
    available_with(test, needs_keepalived, false)
}

/// `available`, also needing FRR's zebra, vrrpd and vtysh.
pub fn available_frr(test: &str) -> bool {
    available_with(test, false, true)
}

fn available_with(test: &str, needs_keepalived: bool, needs_frr: bool) -> bool {
    let required = std::env::var("VIPFLIP_REQUIRE_NETNS").is_ok_and(|v| v == "1");
    let root = nix::unistd::geteuid().is_root();
    let have = |prog: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {prog}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing = if !root {
        Some("needs root (network namespaces)".to_string())
    } else if !have("ip") {
        Some("needs iproute2".to_string())
    } else if needs_keepalived && !have("keepalived") {
        Some("needs keepalived".to_string())
    } else if needs_frr && !(have(FRR_VRRPD) && have("vtysh")) {
        Some("needs FRR (apt install frr)".to_string())
    } else {
        None
    };
    match missing {
        None => true,
        Some(why) if required => panic!("{test}: VIPFLIP_REQUIRE_NETNS=1 but the lab {why}"),
        Some(why) => {
            eprintln!("SKIP {test}: lab test {why}; run as root (CI sets VIPFLIP_REQUIRE_NETNS=1)");
            false
        }
    }
}

const FRR_ZEBRA: &str = "/usr/lib/frr/zebra";
const FRR_VRRPD: &str = "/usr/lib/frr/vrrpd";

/// FRR's zebra and vrrpd in one host of the lab, and the directory of their sockets.
pub struct Frr {
    pub zebra: Proc,
    pub vrrpd: Proc,
    vty: String,
}

impl Frr {
    /// `show vrrp`, through vtysh.
    pub fn show(&self) -> String {
        let out = Command::new("vtysh")
            .args(["--vty_socket", &self.vty, "-c", "show vrrp"])
            .output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// The last word of `show vrrp`'s line `label`.
    fn shown(&self, label: &str) -> Option<String> {
        self.show()
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().last().map(str::to_string))
    }

    /// The state vrrpd shows for `family` ("v4" or "v6"): Initialize, Backup or Master.
    pub fn status(&self, family: &str) -> Option<String> {
        self.shown(&format!("Status ({family})"))
    }

    /// Waits until vrrpd is master of `family` and its adverts go out: a fresh IPv6
    /// link-local is unusable (tentative) for a while after vrrpd already says Master.
    pub fn wait_advertising_master(&self, family: &str, timeout: Duration) -> bool {
        let sent = || -> u64 {
            self.shown(&format!("Advertisements Tx ({family})"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        let deadline = Instant::now() + timeout;
        if !self.wait_status(family, "Master", timeout) {
            return false;
        }
        let before = sent();
        wait_until(deadline.saturating_duration_since(Instant::now()), || {
            sent() >= before + 3
        })
    }

    pub fn wait_status(&self, family: &str, want: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.status(family).as_deref() == Some(want))
    }

    /// Changes vrrpd's configuration of eth0 at run time (vtysh's configure mode).
    pub fn configure(&self, line: &str) {
        let out = Command::new("vtysh")
            .args(["--vty_socket", &self.vty, "-c", "configure terminal"])
            .args(["-c", "interface eth0", "-c", line])
            .output()
            .expect("vtysh");
        assert!(out.status.success(), "vtysh {line}: {out:?}");
    }

    /// What vrrpd logged and showed, for a failure message.
    pub fn report(&self) -> String {
        format!("{}\n{}", self.vrrpd.output(), self.show())
    }
}

fn sh(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sh_quiet(args: &[&str]) -> bool {
    Command::new(args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// SIGKILLs whatever still runs in namespace `ns` (`ip netns pids`): a keepalived VRRP child
/// whose parent was killed before it wrote its pid file was seen to outlive its lab.
fn kill_left_in(ns: &str) {
    let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() else {
        return;
    };
    for pid in String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse::<i32>().ok())
    {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Polls `cond` every 5 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// A line a process printed, and when the test saw it.
#[derive(Clone, Debug)]
pub struct Line {
    pub at: Instant,
    pub text: String,
}

/// A process started in a namespace; its stdout+stderr lines are collected as they come.
pub struct Proc {
    pub name: String,
    child: Child,
    lines: Arc<Mutex<Vec<Line>>>,
    /// Readers (stdout, stderr) that reached the end of their pipe.
    readers_done: Arc<AtomicUsize>,
    /// keepalived forks its VRRP child; its pid file, to end that one too.
    extra_pid_file: Option<PathBuf>,
}

impl Proc {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// keepalived's VRRP child, from its pid file.
    pub fn child_pid(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.extra_pid_file.as_ref()?).ok()?;
        text.trim().parse().ok()
    }

    pub fn lines(&self) -> Vec<Line> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn output(&self) -> String {
        self.lines()
            .iter()
            .map(|l| l.text.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The first line after `since` containing `needle`, waiting up to `timeout`.
    pub fn wait_line(&self, needle: &str, since: Instant, timeout: Duration) -> Option<Line> {
        let mut found = None;
        wait_until(timeout, || {
            found = self
                .lines()
                .into_iter()
                .find(|l| l.at >= since && l.text.contains(needle));
            found.is_some()
        });
        found
    }

    /// Signals keepalived's VRRP child too (child first): a SIGKILL of the whole tree,
    /// as a crash would do it. keepalived's child alone survives its parent's SIGKILL and
    /// then steps down gracefully.
    pub fn signal_tree(&self, signal: nix::sys::signal::Signal) {
        if let Some(child) = self.child_pid() {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child), signal);
        }
        self.signal(signal);
    }

    /// Like `wait_line`, but a missing line fails the test, showing everything printed.
    #[track_caller]
    pub fn expect_line(&self, needle: &str, since: Instant, timeout: Duration) -> Line {
        match self.wait_line(needle, since, timeout) {
            Some(line) => line,
            None => panic!(
                "{}: no line with {needle:?} within {timeout:?}:\n{}",
                self.name,
                self.output()
            ),
        }
    }

    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), signal);
    }

    /// Waits for the process to exit; its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let mut code = None;
        wait_until(timeout, || {
            code = self
                .child
                .try_wait()
                .ok()
                .flatten()
                .map(|s| s.code().unwrap_or(-1));
            code.is_some()
        });
        // The last lines may still be in the pipes: read them before anyone looks (a child
        // that keeps the pipes, like keepalived's, is not waited for long).
        if code.is_some() {
            wait_until(Duration::from_secs(1), || {
                self.readers_done.load(Ordering::SeqCst) == 2
            });
        }
        code
    }

    fn end(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.signal(nix::sys::signal::Signal::SIGTERM);
            if self.wait_exit(Duration::from_secs(3)).is_none() {
                self.signal(nix::sys::signal::Signal::SIGKILL);
                let _ = self.child.wait();
            }
        }
        if let Some(pid) = self.child_pid() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            wait_until(Duration::from_secs(2), || {
                !std::path::Path::new(&format!("/proc/{pid}")).exists()
            });
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.end();
    }
}

/// One host of the lab: its namespace, its bridge port, its addresses.
#[derive(Clone, Debug)]
pub struct Host {
    pub ns: String,
    pub port: String,
    pub mac: String,
    pub ip4: String,
    pub ll6: String,
}

pub struct Lab {
    prefix: String,
    /// VIPFLIP_LAB_CAPTURE=DIR: tcpdump on the bridge into DIR/<prefix>.pcap, kept after the
    /// lab (for a failure that only shows in full runs).
    capture: Option<Child>,
    /// Namespaces added after the start (side links), removed with the rest.
    extra: std::sync::Mutex<Vec<String>>,
    pub hosts: Vec<Host>,
    pub client: Host,
    dir: PathBuf,
}

impl Lab {
    /// `nodes` hosts and a client on one bridge. Host i (from 1) is 192.0.2.20i, MAC
    /// 02:00:c0:00:02:0i (the client is .100).
    pub fn new(nodes: usize) -> Lab {
        // Two letters for the lab's number (aa..zz): a benchmark makes hundreds of labs, and
        // one letter ran past 'z' into names the kernel refuses.
        let n = NEXT_LAB.fetch_add(1, Ordering::SeqCst) % (26 * 26);
        let letter = |k: usize| char::from(b'a' + (k % 26) as u8);
        let prefix = format!(
            "vf{}{}{}",
            std::process::id() % 100_000,
            letter(n / 26),
            letter(n)
        );
        let dir = std::env::temp_dir().join(format!("{prefix}-lab"));
        let _ = std::fs::create_dir_all(&dir);
        let mut lab = Lab {
            prefix: prefix.clone(),
            capture: None,
            extra: std::sync::Mutex::new(Vec::new()),
            hosts: Vec::new(),
            client: host(&prefix, 0, "c"),
            dir,
        };
        sh(&["ip", "netns", "add", &lab.bridge_ns()]);
        let br = lab.bridge_ns();
        sh(&["ip", "-n", &br, "link", "add", "br0", "type", "bridge"]);
        sh(&["ip", "-n", &br, "link", "set", "br0", "up"]);
        if let Ok(dir) = std::env::var("VIPFLIP_LAB_CAPTURE") {
            let pcap = format!("{dir}/{prefix}.pcap");
            lab.capture = Command::new("ip")
                .args(["netns", "exec", &br, "tcpdump", "-Z", "root", "-i", "br0"])
                .args(["--immediate-mode", "-U", "-s", "256", "-w", &pcap])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok();
        }
        for i in 1..=nodes {
            let h = host(&prefix, i, &i.to_string());
            // Listed before it is made: a failure half-way still removes it (Drop).
            lab.hosts.push(h.clone());
            lab.add_host(&h);
        }
        let client = lab.client.clone();
        lab.add_host(&client);
        lab
    }

    fn bridge_ns(&self) -> String {
        format!("{}br", self.prefix)
    }

    fn add_host(&self, h: &Host) {
        sh(&["ip", "netns", "add", &h.ns]);
        self.add_link(h);
    }

    /// The veth pair of host `h` into the bridge, with its MAC and addresses. Created inside
    /// the bridge's namespace with its peer in the host's: nothing appears in the namespace
    /// the tests run in, not even for a moment.
    fn add_link(&self, h: &Host) {
        let br = self.bridge_ns();
        sh(&[
            "ip", "-n", &br, "link", "add", &h.port, "type", "veth", "peer", "name", "eth0",
            "netns", &h.ns,
        ]);
        sh(&[
            "ip", "-n", &br, "link", "set", &h.port, "master", "br0", "up",
        ]);
        sh(&[
            "ip",
            "netns",
            "exec",
            &h.ns,
            "sysctl",
            "-qw",
            "net.ipv6.conf.eth0.accept_dad=0",
        ]);
        sh(&["ip", "-n", &h.ns, "link", "set", "lo", "up"]);
        sh(&["ip", "-n", &h.ns, "link", "set", "eth0", "address", &h.mac]);
        sh(&[
            "ip",
            "-n",
            &h.ns,
            "addr",
            "add",
            &format!("{}/24", h.ip4),
            "dev",
            "eth0",
        ]);
        sh(&[
            "ip",
            "-n",
            &h.ns,
            "addr",
            "add",
            &format!("{}/64", h.ip6()),
            "dev",
            "eth0",
            "nodad",
        ]);
        sh(&["ip", "-n", &h.ns, "link", "set", "eth0", "up"]);
    }

    pub fn host(&self, i: usize) -> &Host {
        &self.hosts[i - 1]
    }

    /// Host `i`, or the client for 0.
    fn host_or_client(&self, i: usize) -> &Host {
        if i == 0 {
            &self.client
        } else {
            self.host(i)
        }
    }

    /// Starts `program args` inside host `i`'s namespace (0 = client).
    pub fn spawn(&self, i: usize, program: &str, args: &[&str]) -> Proc {
        let h = self.host_or_client(i);
        spawn_in(&h.ns, program, args, None)
    }

    /// tcpdump on host `i`'s eth0 into `file` in the lab's directory, `filter` applied; its
    /// path. Stop it with SIGINT: its last line says how many packets it captured.
    pub fn capture(&self, i: usize, file: &str, filter: &str) -> (Proc, String) {
        let pcap = self.dir.join(file).display().to_string();
        let args = [
            "-Z",
            "root",
            "--immediate-mode",
            "-i",
            "eth0",
            "-U",
            "-w",
            &pcap,
            filter,
        ];
        (self.spawn(i, "tcpdump", &args), pcap)
    }

    /// `vipflip args` on host `i`.
    pub fn vipflip(&self, i: usize, args: &[&str]) -> Proc {
        self.spawn(i, env!("CARGO_BIN_EXE_vipflip"), args)
    }

    /// keepalived on host `i` with `instance` as the body of `vrrp_instance VI_1 { ... }`.
    pub fn keepalived(&self, i: usize, instance: &str) -> Proc {
        let text = format!("vrrp_instance VI_1 {{\n  interface eth0\n{instance}\n}}\n");
        self.keepalived_with(i, &text)
    }

    /// keepalived on host `i` with `text` as its whole keepalived.conf.
    pub fn keepalived_with(&self, i: usize, text: &str) -> Proc {
        let h = self.host(i);
        let conf = self.write_file(&format!("keepalived-{i}.conf"), text);
        let run = NEXT_RUN.fetch_add(1, Ordering::SeqCst);
        let pid = self.dir.join(format!("keepalived-{i}-{run}.pid"));
        let vrrp_pid = self.dir.join(format!("keepalived-{i}-{run}-vrrp.pid"));
        let (conf, pid, vrrp) = (
            conf.display().to_string(),
            pid.display().to_string(),
            vrrp_pid.display().to_string(),
        );
        let args = ["-n", "-l", "-D", "-P", "-f", &conf, "-p", &pid, "-r", &vrrp];
        spawn_in(&h.ns, "keepalived", &args, Some(vrrp_pid))
    }

    /// FRR's vrrpd on host `i` for `vrid` with `vip` (ADDR/LEN), as FRR's documentation sets
    /// it up: the VIP always on a macvlan `vrrpX-i-VRID` with the virtual MAC (vrrpd takes it
    /// down with protodown while backup), IPv6 with a random link-local of its own.
    pub fn frr(&self, i: usize, vrid: u8, vip: &str, lines: &[String]) -> Frr {
        let ns = self.host(i).ns.clone();
        let v6 = vip.contains(':');
        let (family, kind) = if v6 { (6, 2) } else { (4, 1) };
        let name = format!("vrrp{family}-{i}-{vrid}");
        let mac = format!("00:00:5e:00:{kind:02x}:{vrid:02x}");
        let ip = |args: &[&str]| {
            let mut full = vec!["ip", "-n", &ns];
            full.extend_from_slice(args);
            sh(&full);
        };
        ip(&[
            "link", "add", &name, "link", "eth0", "type", "macvlan", "mode", "bridge",
        ]);
        if v6 {
            ip(&["link", "set", &name, "addrgenmode", "random"]);
        }
        ip(&["link", "set", "dev", &name, "address", &mac]);
        let mut add = vec!["addr", "add", vip, "dev", &name];
        if v6 {
            add.push("nodad");
        }
        ip(&add);
        ip(&["link", "set", "dev", &name, "up"]);
        let dir = self.dir.join(format!("frr-{i}"));
        let _ = std::fs::create_dir_all(&dir);
        let path = |f: &str| dir.join(f).display().to_string();
        std::fs::write(path("zebra.conf"), "").expect("zebra.conf");
        let conf = format!("interface eth0\n{}\n", lines.join("\n"));
        std::fs::write(path("vrrpd.conf"), conf).expect("vrrpd.conf");
        let (vty, zserv) = (dir.display().to_string(), path("zserv.api"));
        let daemon = |program: &str, name: &str| {
            let (pid, conf) = (path(&format!("{name}.pid")), path(&format!("{name}.conf")));
            let args = [
                "-z",
                &zserv,
                "--vty_socket",
                &vty,
                "-i",
                &pid,
                "-u",
                "root",
                "-g",
                "root",
                "-f",
                &conf,
                "--log",
                "stdout",
            ];
            spawn_in(&ns, program, &args, None)
        };
        let zebra = daemon(FRR_ZEBRA, "zebra");
        assert!(
            wait_until(Duration::from_secs(5), || std::path::Path::new(&zserv)
                .exists()),
            "zebra did not start:\n{}",
            zebra.output()
        );
        let vrrpd = daemon(FRR_VRRPD, "vrrpd");
        Frr { zebra, vrrpd, vty }
    }

    /// Creates host `i`'s link again after `ip link del eth0` removed it (the veth pair goes
    /// with it), with the same MAC and addresses.
    pub fn recreate_link(&self, i: usize) {
        let h = self.host(i).clone();
        let _ = self.exec_quiet(i, &["ip", "link", "del", "eth0"]);
        self.add_link(&h);
    }

    fn exec_quiet(&self, i: usize, args: &[&str]) -> bool {
        let mut full = vec!["ip", "netns", "exec", &self.host_or_client(i).ns];
        full.extend_from_slice(args);
        sh_quiet(&full)
    }

    /// A namespace joined to host `i` by its own veth pair, off the bridge: the host gets
    /// `eth1` with 198.51.100.1/24, the new namespace `eth0` with 198.51.100.2/24. Its name.
    pub fn side_link(&self, i: usize) -> String {
        let ns = format!("{}x{i}", self.prefix);
        sh(&["ip", "netns", "add", &ns]);
        if let Ok(mut extra) = self.extra.lock() {
            extra.push(ns.clone());
        }
        let host = &self.host(i).ns;
        sh(&[
            "ip", "-n", host, "link", "add", "eth1", "type", "veth", "peer", "name", "eth0",
            "netns", &ns,
        ]);
        sh(&[
            "ip",
            "-n",
            host,
            "addr",
            "add",
            "198.51.100.1/24",
            "dev",
            "eth1",
        ]);
        sh(&[
            "ip",
            "-n",
            &ns,
            "addr",
            "add",
            "198.51.100.2/24",
            "dev",
            "eth0",
        ]);
        sh(&["ip", "-n", host, "link", "set", "eth1", "up"]);
        sh(&["ip", "-n", &ns, "link", "set", "eth0", "up"]);
        ns
    }

    /// Runs `f` on a thread inside namespace `ns` (sockets it opens live there).
    pub fn in_ns<T: Send>(&self, ns: &str, f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let file = std::fs::File::open(format!("/run/netns/{ns}"))
                        .expect("open the namespace");
                    nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
                    f()
                })
                .join()
                .expect("the namespace thread")
        })
    }

    /// The client's namespace name.
    pub fn client_ns(&self) -> String {
        self.client.ns.clone()
    }

    /// Writes a file into the lab's directory; its path.
    pub fn write_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write a lab file");
        path
    }

    /// `ip -br addr` in host `i`: every interface (with --vmac the VIP is on vrrp.VRID).
    pub fn addrs(&self, i: usize) -> String {
        sh(&["ip", "-n", &self.host(i).ns, "-br", "addr"])
    }

    /// An IPv4 setting of interface `iface` in host `i` (/proc/sys/net/ipv4/conf).
    pub fn sysctl4(&self, i: usize, iface: &str, knob: &str) -> String {
        let path = format!("/proc/sys/net/ipv4/conf/{iface}/{knob}");
        self.exec(i, &["cat", &path]).trim().to_string()
    }

    /// Whether host `i` has an interface `name`.
    pub fn has_link(&self, i: usize, name: &str) -> bool {
        sh_quiet(&["ip", "-n", &self.host(i).ns, "link", "show", name])
    }

    pub fn holds(&self, i: usize, vip: &str) -> bool {
        self.addrs(i)
            .split_whitespace()
            .any(|a| a.split('/').next() == Some(vip))
    }

    /// The hosts (numbered from 1) that hold `vip` now.
    pub fn holders(&self, vip: &str) -> Vec<usize> {
        (1..=self.hosts.len())
            .filter(|&i| self.holds(i, vip))
            .collect()
    }

    /// Waits until exactly host `i` holds `vip`.
    pub fn wait_sole_holder(&self, i: usize, vip: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.holders(vip) == vec![i])
    }

    /// One ping from the client; true if answered.
    pub fn client_ping(&self, vip: &str) -> bool {
        sh_quiet(&[
            "ip",
            "netns",
            "exec",
            &self.client.ns,
            "ping",
            "-c",
            "1",
            "-W",
            "1",
            vip,
        ])
    }

    /// The MAC the client's neighbour entry for `vip` points at.
    pub fn client_neigh(&self, vip: &str) -> Option<String> {
        let out = sh(&["ip", "-n", &self.client.ns, "neigh", "show", vip]);
        let words: Vec<&str> = out.split_whitespace().collect();
        words
            .iter()
            .position(|w| *w == "lladdr")
            .and_then(|p| words.get(p + 1))
            .map(|s| s.to_string())
    }

    /// Takes host `i`'s bridge port down (the host sees its carrier go) or up.
    pub fn set_port(&self, i: usize, up: bool) {
        let state = if up { "up" } else { "down" };
        sh(&[
            "ip",
            "-n",
            &self.bridge_ns(),
            "link",
            "set",
            &self.host(i).port,
            state,
        ]);
    }

    /// Cuts host `i` off the segment at the bridge (its link stays up), or joins it again: a
    /// partition that no socket in the host can bypass (packet sockets skip the host's own
    /// netfilter hooks).
    pub fn isolate(&self, i: usize, cut: bool) {
        let br = self.bridge_ns();
        let table = format!("vfcut{i}");
        if cut {
            let port = &self.host(i).port;
            let rules = format!(
                "table bridge {table} {{\n chain cut {{ type filter hook forward priority 0; iifname \"{port}\" drop; oifname \"{port}\" drop; }}\n}}\n"
            );
            let file = self.write_file(&format!("{table}.nft"), &rules);
            sh(&[
                "ip",
                "netns",
                "exec",
                &br,
                "nft",
                "-f",
                &file.display().to_string(),
            ]);
        } else {
            sh(&[
                "ip", "netns", "exec", &br, "nft", "delete", "table", "bridge", &table,
            ]);
        }
    }

    /// Runs a command in host `i` and returns its stdout.
    pub fn exec(&self, i: usize, args: &[&str]) -> String {
        let h = self.host_or_client(i);
        let mut full = vec!["ip", "netns", "exec", &h.ns];
        full.extend_from_slice(args);
        sh(&full)
    }

    /// `fast` vipflip on host 1 (priority 200) and host 2 (150), once host 1 holds the VIP.
    pub fn fast_pair(&self) -> (Proc, Proc) {
        let n1 = self.vipflip(1, &fast("200"));
        let n2 = self.vipflip(2, &fast("150"));
        let elected = self.wait_sole_holder(1, VIP4, mdi(200) + Duration::from_secs(2));
        assert!(
            elected,
            "host 1 should hold the VIP: {:?}\n{}\n{}",
            self.holders(VIP4),
            n1.output(),
            n2.output()
        );
        (n1, n2)
    }

    /// Runs vipflip in host `i` (0 = the client) to completion.
    pub fn vipflip_output(&self, i: usize, args: &[&str]) -> std::process::Output {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.host_or_client(i).ns,
                env!("CARGO_BIN_EXE_vipflip"),
            ])
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run vipflip")
    }

    pub fn dir(&self) -> &PathBuf {
        &self.dir
    }
}

fn host(prefix: &str, i: usize, tag: &str) -> Host {
    let octet = if i == 0 { 100 } else { 200 + i };
    Host {
        ns: format!("{prefix}{tag}"),
        port: format!("{prefix}p{tag}"),
        mac: format!("02:00:c0:00:02:{octet:02x}"),
        ip4: format!("192.0.2.{octet}"),
        ll6: String::new(),
    }
}

impl Host {
    /// A global IPv6 address (the link-local one comes from the MAC).
    pub fn ip6(&self) -> String {
        let last = self.ip4.rsplit('.').next().unwrap_or("0");
        format!("2001:db8::{last}")
    }
}

fn spawn_in(ns: &str, program: &str, args: &[&str], extra_pid_file: Option<PathBuf>) -> Proc {
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, program])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {program}: {e}"));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let readers_done = Arc::new(AtomicUsize::new(0));
    let readers: Vec<Box<dyn std::io::Read + Send>> = vec![
        Box::new(child.stdout.take().expect("piped stdout")),
        Box::new(child.stderr.take().expect("piped stderr")),
    ];
    for reader in readers {
        let (lines, done) = (Arc::clone(&lines), Arc::clone(&readers_done));
        thread::spawn(move || {
            for text in BufReader::new(reader).lines().map_while(Result::ok) {
                if let Ok(mut l) = lines.lock() {
                    l.push(Line {
                        at: Instant::now(),
                        text,
                    });
                }
            }
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    Proc {
        name: format!("{program} in {ns}"),
        child,
        lines,
        readers_done,
        extra_pid_file,
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut dump) = self.capture.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(dump.id() as i32),
                nix::sys::signal::Signal::SIGINT,
            );
            let _ = dump.wait();
        }
        let mut names = vec![self.client.ns.clone(), self.bridge_ns()];
        names.extend(self.extra.lock().map(|e| e.clone()).unwrap_or_default());
        names.extend(self.hosts.iter().map(|h| h.ns.clone()));
        for ns in names {
            kill_left_in(&ns);
            sh_quiet(&["ip", "netns", "del", &ns]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! The command line, clap definitions only: the help text is these doc comments.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::vip::Vip;

const RUN_EXAMPLES: &str = "\
Examples:
  # on each node, with a different priority; the highest holds the VIP
  vipflip run --vip 192.168.31.250/24 --iface ens33 --vrid 41 --priority 200
  # fast failover (VRRPv3, 100 ms adverts: takeover in about 0.32 s)
  vipflip run --vip 192.0.2.250/24 --iface eth0 --vrid 41 --vrrp-version 3 --advert-int 100ms
  # IPv6 (always VRRPv3)
  vipflip run --vip 2001:db8::250/64 --iface eth0 --vrid 41
  # join a keepalived group that uses auth_type PASS
  vipflip run --vip 192.0.2.250/24 --iface eth0 --vrid 41 --auth-pass s3cret
  # the article's keepalived.conf, unchanged, with a lower priority on this node
  vipflip run --keepalived-conf /etc/keepalived/keepalived.conf --priority 199";

/// `--help` starts with the usage (what `vipflip run --help | head` should show); the prose
/// follows it.
const USAGE_FIRST: &str = "{usage-heading} {usage}\n\n{about-with-newline}\n{all-args}{after-help}";

/// Move a virtual IP between machines with VRRP, the way keepalived's vrrp_instance does.
#[derive(Debug, Parser)]
#[command(name = "vipflip", version, propagate_version = true, help_template = USAGE_FIRST)]
#[command(
    after_help = "Exit status: 0 success, 1 a negative answer, 2 error.\nRun 'vipflip run --help' to start."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Join a VRRP group on an interface and hold the VIP while master.
    ///
    /// Starts as backup (priority 255: master at once). When no advert is heard for
    /// Master_Down_Interval (3 advert intervals plus Skew_Time) the highest priority backup
    /// adds the VIP and announces it with gratuitous ARP (unsolicited NA for IPv6). On
    /// SIGINT, SIGTERM or SIGHUP a master sends priority 0, so a backup takes over after its
    /// Skew_Time, and keeps the VIP until that backup has announced it (its gratuitous ARP
    /// or NA seen on the wire): clients lose nothing. A master also answers announcements of
    /// its VIP by another MAC with its own while it hears the other's adverts, and announces
    /// once more 60 ms after taking over, so clients end on the master after two backups took
    /// over at once (priorities one apart); with no advert heard (a split brain) it leaves
    /// them unanswered. A second signal stops at once. Health checks (--track-*) can lower the priority or hand
    /// the VIP over; hooks (--on-*) run on each change; --unicast-peer replaces multicast.
    /// Speaks VRRP exactly, so keepalived nodes with the same VRID are members of the same
    /// group.
    #[command(
        help_template = USAGE_FIRST,
        after_help = RUN_EXAMPLES,
        override_usage = "vipflip run --vip <ADDR/LEN> --iface <NAME> --vrid <VRID> [OPTIONS]\n       vipflip run --keepalived-conf <FILE> [OPTIONS]"
    )]
    Run(Box<RunArgs>),

    /// Remove a VIP left behind (after a killed vipflip or keepalived), and optionally hand over at once.
    ///
    /// Removes each --vip from the interface if it is there and says what it removed, or that
    /// nothing was there (exit 0 either way). With --vrid it first sends one priority-0 advert
    /// for that group, so a backup takes over after Skew_Time instead of the full
    /// Master_Down_Interval, and removes the VIP only once that backup has advertised and
    /// announced it (or after the longest Skew_Time plus an interval), so clients lose nothing. The --advert-int, --vrrp-version and --auth-pass of that advert
    /// must match the group's (VRRPv2 backups discard a different interval). Refuses to remove
    /// the interface's primary address, which is never a VIP.
    #[command(help_template = USAGE_FIRST, after_help = RELEASE_EXAMPLES)]
    Release(ReleaseArgs),

    /// Watch an address (a VIP) and report every outage: when, how long, probes lost, and the MAC that answered before and after.
    ///
    /// Sends an ICMP echo (IPv4 or IPv6) every --interval, or with --tcp a TCP connect, and
    /// prints each outage when it ends. The reported length runs from the first lost probe to
    /// the first answered one, so it is within one interval of the real outage. On a terminal
    /// a status line shows probes sent and lost, the answering MAC and the last round trip.
    /// Stops after --count probes, after --duration, or on Ctrl-C, with a summary. The MAC is
    /// the one on the last hop: behind a router it is the router's.
    #[command(help_template = USAGE_FIRST, after_help = PING_WATCH_EXAMPLES)]
    PingWatch(PingWatchArgs),

    /// Listen on an interface: who is master of each VRRP group, who else speaks, and which MACs answer for each VIP.
    ///
    /// Listens passively to VRRP v2 and v3, IPv4 and IPv6 (vipflip, keepalived, routers) for
    /// --duration, then prints per VRID the master (address, MAC, priority, version, interval,
    /// checksum form, VIPs, auth, adverts seen) and every other speaker. For each advertised
    /// VIP (or --vip) it asks who has it (ARP, or neighbour solicitation) and lists every MAC
    /// that answers: two MACs for one VIP is a duplicate holder, typically left by a killed
    /// daemon. Warns about split brain, members that disagree on version, interval, VIPs or
    /// auth, and CARP (ucarp) on the same numbers. Exit 0 when something was heard for what was
    /// asked (anything, when nothing was), 1 when nothing was.
    #[command(help_template = USAGE_FIRST, after_help = PROBE_EXAMPLES)]
    Probe(ProbeArgs),

    /// Show a failover on this one machine: three nodes and a client in network namespaces of their own.
    ///
    /// Builds a throw-away lab in network namespaces named vfdemo<PID>-* (a bridge, --nodes
    /// nodes with priorities 200, 199, 198, ..., a client; addresses from 192.0.2.0/24 only),
    /// runs one `vipflip run` per node and `vipflip ping-watch` on the client as child
    /// processes, and narrates four numbered steps: who becomes master, a planned stop of the
    /// master, its return (preemption) and a crash (kill -9 and link down), each with the
    /// outage the client measured (at the election too), and a summary table. Nothing outside those namespaces is touched, and
    /// everything is removed on exit (also after Ctrl-C or an error; leftovers of a demo that
    /// was killed are removed by the next one). Needs root (CAP_SYS_ADMIN for namespaces) and
    /// iproute2's `ip`. Exit 0 when every step happened, 1 when one did not happen in time.
    #[command(help_template = USAGE_FIRST, after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),

    /// What the vipflip instances on this node are doing now: state and since when, priority, master, VIPs.
    ///
    /// Asks every `vipflip run` of this network namespace (each serves its state on an
    /// abstract Unix socket, which vanishes with the process, also after kill -9), so it
    /// needs no root, and inside a network namespace it sees only that namespace's instances.
    /// Exit 0 when a matching instance is master, 1 when none is (or none runs), 2 on error:
    /// `if vipflip status --vrid 41; then ...` runs on the master only.
    #[command(help_template = USAGE_FIRST, after_help = STATUS_EXAMPLES)]
    Status(StatusArgs),
}

const STATUS_EXAMPLES: &str = "\
Examples:
  # every instance on this node
  vipflip status
  # in a script: is this node master of VRID 41?
  if vipflip status --vrid 41 >/dev/null; then echo master; fi
  # for monitoring
  vipflip status --json";

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only instances on this interface.
    #[arg(long, visible_alias = "interface", value_name = "NAME")]
    pub iface: Option<String>,

    /// Only this VRID.
    #[arg(long, value_parser = number_in::<u8>(1, 255))]
    pub vrid: Option<u8>,

    #[command(flatten)]
    pub output: OutputArgs,
}

const DEMO_EXAMPLES: &str = "\
Examples:
  # the whole story in about 6 seconds
  sudo vipflip demo
  # the article's timing: adverts every second, takeover after about 3.2 s
  sudo vipflip demo --advert-int 1s
  # keep the lab afterwards and kill nodes yourself; Ctrl-C removes it
  sudo vipflip demo --keep";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Nodes in the group, 2 to 8 (default 3), priorities 200, 199, 198, ...
    #[arg(long, value_name = "N", default_value_t = 3, hide_default_value = true, value_parser = number_in::<u8>(2, 8))]
    pub nodes: u8,

    /// Advert interval of every node (VRRPv3: 10ms to 40s; VRRPv2: whole seconds). Default 100ms, 1s with --vrrp-version 2.
    #[arg(long, value_name = "DURATION", value_parser = duration_in(ZERO, HOUR))]
    pub advert_int: Option<Duration>,

    /// VRRP version the nodes speak (default 3).
    #[arg(long, value_name = "2|3", default_value_t = 3, hide_default_value = true, value_parser = number_in::<u8>(2, 3))]
    pub vrrp_version: u8,

    /// After the story, leave the lab running and say how to look inside, until Ctrl-C.
    #[arg(long)]
    pub keep: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

const PROBE_EXAMPLES: &str = "\
Examples:
  # who is master on this segment, and who holds the VIP
  vipflip probe --iface ens33
  # one group only, and keep printing changes until Ctrl-C
  vipflip probe --iface ens33 --vrid 41 --watch
  # is anybody answering for this address? (exit 1 if not)
  vipflip probe --iface ens33 --vip 192.168.31.250 --duration 1s";

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Interface to listen on.
    #[arg(long, visible_alias = "interface", value_name = "NAME")]
    pub iface: String,

    /// Report only this VRID.
    #[arg(long, value_parser = number_in::<u8>(1, 255))]
    pub vrid: Option<u8>,

    /// Also ask who holds this address (repeatable), advertised or not; a /LEN is ignored.
    #[arg(long = "vip", value_name = "ADDR", value_parser = addr_maybe_len)]
    pub vips: Vec<std::net::IpAddr>,

    /// How long to listen before reporting (default 3s: three advert intervals catch every master; up to 1 day).
    #[arg(long, value_name = "DURATION", default_value = "3s", hide_default_value = true, value_parser = duration_in(ZERO, DAY))]
    pub duration: Duration,

    /// After the report, keep listening and print each change until interrupted.
    #[arg(long)]
    pub watch: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

const PING_WATCH_EXAMPLES: &str = "\
Examples:
  # watch the VIP while you stop the master; Ctrl-C for the summary
  vipflip ping-watch 192.168.31.250
  # the NodePort service behind the VIP, as the article checks it with curl
  vipflip ping-watch 192.168.31.250 --tcp 32463
  # assert a failover budget in a script: exit 1 if any outage exceeded 500ms
  vipflip ping-watch 192.0.2.250 --interval 10ms --duration 30s --max-outage 500ms";

#[derive(Debug, Args)]
pub struct PingWatchArgs {
    /// Address to watch, IPv4 or IPv6 (a /LEN is ignored).
    #[arg(value_name = "ADDR", value_parser = addr_maybe_len)]
    pub addr: std::net::IpAddr,

    /// Time between probes, 10ms to 1h (default 100ms); a bare number is seconds, as ping's -i.
    #[arg(short = 'i', long, value_name = "DURATION", default_value = "100ms", hide_default_value = true, value_parser = seconds_or_duration)]
    pub interval: Duration,

    /// Stop after this many probes (as ping's -c).
    #[arg(short = 'c', long, value_name = "N", conflicts_with = "duration", value_parser = at_least::<u64>(1))]
    pub count: Option<u64>,

    /// Stop after this long (up to 1 week).
    #[arg(long, value_name = "DURATION", value_parser = duration_in(ZERO, WEEK))]
    pub duration: Option<Duration>,

    /// Probe with TCP connects to this port instead of ICMP echo.
    #[arg(long, value_name = "PORT", value_parser = number_in::<u16>(1, u16::MAX))]
    pub tcp: Option<u16>,

    /// Exit 1 if any outage lasted longer than this (up to 1h).
    #[arg(long, value_name = "DURATION", value_parser = duration_in(ZERO, HOUR))]
    pub max_outage: Option<Duration>,

    #[command(flatten)]
    pub output: OutputArgs,
}

const RELEASE_EXAMPLES: &str = "\
Examples:
  # vipflip was killed with SIGKILL and left its VIP behind
  vipflip release --vip 192.168.31.250/24 --iface ens33
  # the same, and tell the backups to take over now (after Skew_Time)
  vipflip release --vip 192.168.31.250/24 --iface ens33 --vrid 41";

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// VIP to remove, with prefix length (repeatable).
    #[arg(long = "vip", value_name = "ADDR/LEN", required = true)]
    pub vips: Vec<Vip>,

    /// Interface the VIP is on.
    #[arg(long, visible_alias = "interface", value_name = "NAME")]
    pub iface: String,

    /// Also send one priority-0 advert for this VRID so a backup takes over after Skew_Time.
    #[arg(long, value_parser = number_in::<u8>(1, 255))]
    pub vrid: Option<u8>,

    /// VRRP version of that advert. Default 2 for IPv4, 3 for IPv6.
    #[arg(long, value_name = "2|3", value_parser = number_in::<u8>(2, 3), requires = "vrid")]
    pub vrrp_version: Option<u8>,

    /// The group's advert interval, carried in that advert (default 1s).
    #[arg(long, value_name = "DURATION", default_value = "1s", hide_default_value = true, value_parser = duration_in(ZERO, HOUR))]
    pub advert_int: Duration,

    /// The group's VRRPv2 password, if it uses keepalived's auth_type PASS.
    #[arg(long, value_name = "SECRET", requires = "vrid")]
    pub auth_pass: Option<String>,

    /// Checksum form of that advert for VRRPv3 over IPv4.
    #[arg(long, value_enum, value_name = "FORM", requires = "vrid")]
    pub v3_checksum: Option<ChecksumArg>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Virtual IP to hold while master, with prefix length (repeatable). IPv4 and IPv6 VIPs together run as two VRRPv3 instances of the VRID that move together. Required unless --keepalived-conf gives it.
    #[arg(long = "vip", value_name = "ADDR/LEN")]
    pub vips: Vec<Vip>,

    /// Run without a VIP: state, adverts and hooks only, as keepalived runs an instance without virtual_ipaddress (the cloud floating-IP pattern: an --on-master hook moves the address). VRRPv2 only, as in keepalived.
    #[arg(long, conflicts_with = "vips")]
    pub no_vip: bool,

    /// Interface to run VRRP on and to add the VIP to (keepalived: interface).
    #[arg(long, visible_alias = "interface", value_name = "NAME")]
    pub iface: Option<String>,

    /// Virtual router ID shared by all nodes of the group, 1-255 (keepalived: virtual_router_id).
    #[arg(long, value_parser = number_in::<u8>(1, 255))]
    pub vrid: Option<u8>,

    /// Priority 1-254 (default 100); the highest live node is master. 255 = address owner, master at once.
    #[arg(long, value_parser = number_in::<u8>(1, 255))]
    pub priority: Option<u8>,

    /// Advert interval (default 1s), e.g. 1s, 100ms. Below 1s needs --vrrp-version 3 (10 ms steps, up to 40.95s).
    #[arg(long, value_name = "DURATION", value_parser = duration_in(ZERO, HOUR))]
    pub advert_int: Option<Duration>,

    /// VRRP version: 2 (RFC 3768) or 3 (RFC 5798/9568). Default 2 for IPv4 (as keepalived), 3 for IPv6 and for IPv4 and IPv6 together.
    #[arg(long, value_name = "2|3", value_parser = number_in::<u8>(2, 3))]
    pub vrrp_version: Option<u8>,

    /// Do not take over from a live lower-priority master (keepalived: nopreempt).
    #[arg(long)]
    pub no_preempt: bool,

    /// keepalived's initial state: master listens one advert interval (plus the smallest Skew_Time, that of priority 255: keepalived's VRRP_TIMER_SKEW_MIN) at start instead of Master_Down_Interval, and cannot be combined with --no-preempt or --preempt-delay (keepalived: state MASTER).
    #[arg(long, value_name = "STATE")]
    pub state: Option<StateArg>,

    /// Do not go to fault while --iface is down (keepalived: dont_track_primary).
    #[arg(long)]
    pub dont_track_primary: bool,

    /// Wait this long before preempting a lower-priority master, up to 1h (keepalived: preempt_delay).
    #[arg(long, value_name = "DURATION", value_parser = duration_in(ZERO, HOUR))]
    pub preempt_delay: Option<Duration>,

    /// Checksum form of VRRPv3 over IPv4 to send: keepalived (with pseudo-header) or rfc9568 (message only). Both are accepted on receive.
    #[arg(long, value_enum, value_name = "FORM")]
    pub v3_checksum: Option<ChecksumArg>,

    /// VRRPv2 simple password, only to join keepalived groups with auth_type PASS. Not security: it is sent in clear text.
    #[arg(long, value_name = "SECRET")]
    pub auth_pass: Option<String>,

    /// Gratuitous ARPs / unsolicited NAs per VIP on becoming master (default 5).
    #[arg(long, value_name = "N", value_parser = number_in::<u32>(1, 100))]
    pub garp_repeat: Option<u32>,

    /// Repeat the announcement burst this long after becoming master (default 5s; 0 = never; up to 1h).
    #[arg(long, value_name = "DURATION", value_parser = duration_in(ZERO, HOUR))]
    pub garp_delay: Option<Duration>,

    /// While master, announce the VIPs again this often (keepalived: garp_master_refresh; default never).
    #[arg(long, value_name = "DURATION", value_parser = duration_in(Duration::from_secs(1), HOUR))]
    pub garp_refresh: Option<Duration>,

    /// Gratuitous ARP / NA rounds per refresh (keepalived: garp_master_refresh_repeat).
    #[arg(long, value_name = "N", value_parser = number_in::<u32>(1, 100))]
    pub garp_refresh_repeat: Option<u32>,

    /// Hold the VIP on the RFC's virtual MAC (00:00:5e:00:01:VRID; IPv6 00:00:5e:00:02:VRID), on a macvlan of --iface named NAME (default vrrp.VRID; IPv6 vrrp6.VRID), so clients keep one neighbour entry through every failover (keepalived: use_vmac). Sets arp_ignore=1 and arp_announce=2 on --iface for IPv4, restored at exit.
    #[arg(long, value_name = "NAME", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub vmac: Option<String>,

    /// Send adverts to this peer instead of the multicast group (repeatable; for networks that drop multicast). Adverts from other addresses are dropped (keepalived: unicast_peer).
    #[arg(long = "unicast-peer", value_name = "ADDR")]
    pub unicast_peers: Vec<std::net::IpAddr>,

    /// Address of --iface to send unicast adverts from (default: its primary address; keepalived: unicast_src_ip).
    #[arg(long, value_name = "ADDR", requires = "unicast_peers")]
    pub unicast_src: Option<std::net::IpAddr>,

    /// Health check: a command, healthy when it exits 0 (repeatable; split at spaces, run without a shell).
    #[arg(long = "track-cmd", value_name = "CMD", help_heading = "Health checks")]
    pub track_cmds: Vec<String>,

    /// Health check: a TCP connect to HOST:PORT (repeatable).
    #[arg(
        long = "track-tcp",
        value_name = "HOST:PORT",
        help_heading = "Health checks"
    )]
    pub track_tcp: Vec<String>,

    /// Health check: an HTTP GET, healthy on a 2xx or 3xx status (repeatable; http:// only).
    #[arg(
        long = "track-http",
        value_name = "URL",
        help_heading = "Health checks"
    )]
    pub track_http: Vec<String>,

    /// How often each check runs (10ms to 1h; default 1s).
    #[arg(long, value_name = "DURATION", value_parser = duration_in(ZERO, HOUR), help_heading = "Health checks")]
    pub track_interval: Option<Duration>,

    /// A check taking longer fails (a command is killed). Default: the --track-interval; up to 1h.
    #[arg(long, value_name = "DURATION", value_parser = duration_in(ZERO, HOUR), help_heading = "Health checks")]
    pub track_timeout: Option<Duration>,

    /// Successes in a row before a failed check counts as healthy again (default 1).
    #[arg(long, value_name = "N", value_parser = number_in::<u32>(1, 100), help_heading = "Health checks")]
    pub track_rise: Option<u32>,

    /// Failures in a row before a check counts as failed (default 1). A check's first result decides at once, as in keepalived.
    #[arg(long, value_name = "N", value_parser = number_in::<u32>(1, 100), help_heading = "Health checks")]
    pub track_fall: Option<u32>,

    /// Go to fault while this interface is down (repeatable; keepalived's track_interface).
    #[arg(
        long = "track-iface",
        value_name = "NAME",
        help_heading = "Health checks"
    )]
    pub track_ifaces: Vec<String>,

    /// A failing check lowers the advertised priority by N (keepalived's weight). Without it a failing check sends the node to fault, handing the VIP over.
    #[arg(long, value_name = "N", value_parser = number_in::<u8>(1, 254), help_heading = "Health checks")]
    pub track_weight: Option<u8>,

    /// Run CMD on becoming master, with the arguments INSTANCE NAME MASTER PRIORITY and VIPFLIP_* variables (no shell).
    #[arg(long, value_name = "CMD", help_heading = "Hooks")]
    pub on_master: Option<String>,

    /// Run CMD on becoming backup.
    #[arg(long, value_name = "CMD", help_heading = "Hooks")]
    pub on_backup: Option<String>,

    /// Run CMD on entering fault (interface down or a failed check).
    #[arg(long, value_name = "CMD", help_heading = "Hooks")]
    pub on_fault: Option<String>,

    /// Run CMD when vipflip stops.
    #[arg(long, value_name = "CMD", help_heading = "Hooks")]
    pub on_stop: Option<String>,

    /// Run CMD on every change above (keepalived's notify).
    #[arg(long, value_name = "CMD", help_heading = "Hooks")]
    pub on_change: Option<String>,

    /// A hook running longer is killed (default 10s, up to 1h).
    #[arg(long, value_name = "DURATION", default_value = "10s", hide_default_value = true, value_parser = duration_in(ZERO, HOUR), help_heading = "Hooks")]
    pub hook_timeout: Duration,

    /// Check everything up to the first packet, then stop: the flags or keepalived.conf, the
    /// interface and its addresses, the programs of --track-cmd and --on-*. Prints the
    /// effective settings and the equivalent `vipflip run` command; adds no address and sends
    /// nothing (no root needed). Exit 0, or 2 with the error (as keepalived -t).
    #[arg(long)]
    pub check: bool,

    /// Read more flags from FILE, one per line with its value as the rest of the line
    /// (`--track-cmd systemctl is-active nginx`: no quoting, spaces stay in the value; `#`
    /// starts a comment line). For systemd units, where $VAR splits at every space.
    #[arg(long, value_name = "FILE")]
    pub args_file: Option<std::path::PathBuf>,

    /// Run a keepalived.conf: every vrrp_instance in one process (or --instance's), read as keepalived reads it; flags given here override it.
    #[arg(long, value_name = "FILE")]
    pub keepalived_conf: Option<std::path::PathBuf>,

    /// Run only this vrrp_instance of --keepalived-conf (needed to override its settings with flags when the file has several).
    #[arg(long, value_name = "NAME", requires = "keepalived_conf")]
    pub instance: Option<String>,

    /// Which `@ID` lines of --keepalived-conf count (keepalived -i); default: the host name up to its first dot, as keepalived.
    #[arg(long, value_name = "ID", requires = "keepalived_conf")]
    pub config_id: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// When to color the output (default auto: on a terminal, never with NO_COLOR set).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, hide_default_value = true)]
    pub color: ColorWhen,

    /// One JSON object per line instead of text, for scripts.
    #[arg(long)]
    pub json: bool,
}

/// keepalived's `state`: the node's intent at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    Master,
    Backup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChecksumArg {
    Keepalived,
    Rfc9568,
}

const ZERO: Duration = Duration::ZERO;
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

/// A whole-number flag with its range, said plainly ("must be 1 to 255, got 0"); clap's
/// own words ("invalid digit found in string") are Rust's, not the user's.
fn number_in<T>(
    min: T,
    max: T,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: TryFrom<i128> + Into<i128> + std::fmt::Display + Copy + Send + Sync + 'static,
{
    move |text| {
        let value: i128 = text
            .trim()
            .parse()
            .map_err(|_| format!("must be a whole number from {min} to {max}, got '{text}'"))?;
        if !(min.into()..=max.into()).contains(&value) {
            return Err(format!("must be {min} to {max}, got {value}"));
        }
        T::try_from(value).map_err(|_| format!("must be {min} to {max}, got {value}"))
    }
}

/// A whole-number flag with only a lower bound ("must be at least 1, got 0").
fn at_least<T>(min: T) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: TryFrom<i128> + Into<i128> + std::fmt::Display + Copy + Send + Sync + 'static,
{
    move |text| {
        let value: i128 = text
            .trim()
            .parse()
            .map_err(|_| format!("must be a whole number, at least {min}, got '{text}'"))?;
        if value < min.into() {
            return Err(format!("must be at least {min}, got {value}"));
        }
        T::try_from(value).map_err(|_| format!("{value} is too large"))
    }
}

/// An address, with a prefix length allowed and ignored ("192.0.2.250/24" as `--vip` takes
/// it), so that a VIP can be pasted from any vipflip command line.
fn addr_maybe_len(text: &str) -> Result<std::net::IpAddr, String> {
    let addr = text.trim().split('/').next().unwrap_or_default();
    addr.parse()
        .map_err(|_| format!("must be an IPv4 or IPv6 address (a /LEN is allowed), got '{text}'"))
}

/// ping's habit: a bare number is seconds (`-i 0.2`); otherwise a duration as everywhere.
fn seconds_or_duration(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if (0.0..=3600.0).contains(&secs) => Ok(Duration::from_secs_f64(secs)),
        Ok(_) => Err(format!("must be 0 to 3600 seconds, got {text}")),
        Err(_) => duration_in(ZERO, HOUR)(text),
    }
}

/// A duration flag with its range: humantime also takes values (centuries) that would
/// overflow the clock, and a flag's range says what makes sense.
fn duration_in(
    min: Duration,
    max: Duration,
) -> impl Fn(&str) -> Result<Duration, String> + Clone + Send + Sync + 'static {
    move |text| {
        let value = parse_duration(text)?;
        if (min..=max).contains(&value) {
            return Ok(value);
        }
        let show = |d| humantime::format_duration(d).to_string();
        Err(format!(
            "{} is out of range: use {} to {}",
            text.trim(),
            show(min),
            show(max)
        ))
    }
}

/// humantime durations ("1s", "100ms", "1.5s" is not humantime: "1s 500ms").
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("'{text}' is not a duration ({e}); write e.g. 1s, 100ms, 2s 500ms"))
}

/// The flags of an --args-file: one per line, `--flag value with spaces` or `--flag`;
/// blank lines and `#` comments skipped. `Err` names the line.
pub fn args_from_file(text: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (flag, value) = match line.split_once(char::is_whitespace) {
            Some((flag, value)) => (flag, Some(value.trim())),
            None => (line, None),
        };
        if !flag.starts_with("--") || flag == "--args-file" {
            return Err(format!(
                "line {}: '{flag}' is not a flag of run; write one per line, e.g. --track-cmd systemctl is-active nginx",
                n + 1
            ));
        }
        args.push(flag.to_string());
        args.extend(value.map(str::to_string));
    }
    Ok(args)
}

pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

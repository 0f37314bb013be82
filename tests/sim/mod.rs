//! A deterministic group simulator on the pure machine and wire code: N nodes on one segment
//! with per-link delay, jitter, loss, reordering, partitions and VRRP-only blocks, clients that
//! ask who has the VIP and age their answer as Linux does (sim/clients.rs), the nodes' kernels
//! answering those requests for as long as they hold the VIP and asking for the clients from
//! it, and a script of faults. Invariants are checked after every step, each with its bound
//! (`check_invariants`, each bound a function named for it); a violation returns the seed's
//! readable timeline.
#![allow(dead_code)]

pub mod clients;
pub mod peers;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use vipflip::vrrp::checks::{check, Verdict};
use vipflip::vrrp::timers::{handover_wait, interval, master_down_interval};
use vipflip::vrrp::timers::{AFTER_LINGER, CLAIM_SETTLE, LINGER_MIN};
use vipflip::vrrp::{Action, Health, Input, Machine, Params, State};

use clients::{Client, Sends};
use peers::Peer;
use vipflip::cmd::run::ROUTINE_UP_TO_CS;
use vipflip::wire::announce::MacAddr;
use vipflip::wire::vrrp::{emit, routine_head, GROUP_V4};
use vipflip::wire::{Auth, Received, V3Checksum, Version};

/// splitmix64: small, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() as usize % items.len()]
    }
}

const VIP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 250));

fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// One fault or operator action in the script.
#[derive(Clone, Debug)]
pub enum Fault {
    Start(usize),
    /// SIGTERM: a planned handover.
    Stop(usize),
    /// kill -9 plus link down: the node and its stale VIP are gone from the segment.
    Crash(usize),
    LinkDown(usize),
    LinkUp(usize),
    /// A health check without weight fails (planned handover to fault) or passes again.
    CheckFails(usize),
    CheckPasses(usize),
    /// A weighted check lowers the advertised priority by this much (0: passes again).
    Penalty(usize, u8),
    /// Nodes in `side` only hear each other (the client stays with the rest).
    Partition(Vec<usize>),
    Heal,
    /// Every delivery is lost with this chance, in percent (0 ends it).
    Loss(u64),
    /// VRRP between the nodes is filtered (an nftables rule, v2 and v3 nodes on one VRID),
    /// ARP and neighbour discovery are not: a lasting split brain (`false` ends it).
    VrrpBlocked(bool),
}

impl Fault {
    /// The node it happens to, if one.
    fn node(&self) -> Option<usize> {
        match self {
            Fault::Start(i)
            | Fault::Stop(i)
            | Fault::Crash(i)
            | Fault::LinkDown(i)
            | Fault::LinkUp(i)
            | Fault::CheckFails(i)
            | Fault::CheckPasses(i)
            | Fault::Penalty(i, _) => Some(*i),
            _ => None,
        }
    }

    /// A handover the operator planned: the client must never point at a non-holder.
    fn planned(&self) -> bool {
        matches!(
            self,
            Fault::Stop(_) | Fault::CheckFails(_) | Fault::Penalty(_, _)
        )
    }
}

/// The group and the network: what a seed draws.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub version: Version,
    pub priorities: Vec<u8>,
    pub interval_cs: Vec<u16>,
    pub preempt: bool,
    /// One-way delay of every link and the jitter on top (reordering when jitter > gap).
    pub delay: Duration,
    pub jitter: Duration,
    /// How late the loop may get to an input (the machine is told the arrival time).
    pub lateness: Duration,
    pub script: Vec<(Duration, Fault)>,
    pub end: Duration,
    /// keepalived's `state MASTER` per node (the short first wait).
    pub state_master: Vec<bool>,
    /// keepalived's garp_master_refresh for every node.
    pub refresh: Option<Duration>,
    /// The clients: how often each pings the VIP, when it appears, when its entry is flushed.
    pub clients: Vec<ClientPlan>,
    /// IPv6 neighbour discovery (the last reply wins) rather than ARP (the first does).
    pub ndp: bool,
    /// Frames per VIP in a full announcement (--garp-repeat, garp_master_repeat).
    pub garp_repeat: u32,
    /// --garp-delay (garp_master_delay): the second burst after a takeover.
    pub second_announce: Option<Duration>,
    pub preempt_delay: Duration,
    /// What runs on each node: vipflip, or a keepalived-like or FRR-like peer (sim/peers.rs).
    pub peers: Vec<Peer>,
    /// The quiet drain over IPv4 too: a node that left master keeps accepting the VIP's
    /// traffic for its drain but neither answers a request for it nor asks for a client
    /// from it. vipflip always does it over IPv6 (the address swapped for a local route:
    /// ndisc answers only configured addresses, and asks from one), over IPv4 where the
    /// interface has arp_ignore 1 (arp_process answers any local route otherwise) and
    /// arp_announce 2 (arp_solicit asks from any local source otherwise); this flag is that
    /// interface. VIPFLIP_SIM_QUIET_DRAIN=1 for `tally` and `one_seed`.
    pub quiet_drain: bool,
}

/// One client host.
#[derive(Clone, Debug)]
pub struct ClientPlan {
    pub every: Duration,
    pub start: Duration,
    pub reachable: Duration,
    pub flushes: Vec<Duration>,
}

impl Scenario {
    /// A random group: 2 to 6 nodes, priorities with ties, adjacent values and 255 (one
    /// owner at most: two owners is a configuration error the RFC does not resolve), v2 at
    /// 1-2 s or v3 at 10 ms to 1 s (sometimes mixed intervals, which v3 allows), a script.
    pub fn draw(seed: u64) -> Scenario {
        let mut r = Rng::new(seed);
        let n = r.range(2, 6) as usize;
        let version = if r.chance(30) {
            Version::V2
        } else {
            Version::V3
        };
        let base: u16 = match version {
            Version::V2 => *r.pick(&[100, 100, 200]),
            Version::V3 => *r.pick(&[1, 2, 3, 5, 10, 10, 10, 100]),
        };
        let mixed = version == Version::V3 && r.chance(15);
        let interval_cs = (0..n)
            .map(|_| {
                if mixed {
                    *r.pick(&[base, base * 2, base.max(2) / 2])
                } else {
                    base
                }
            })
            .collect();
        let top = r.range(100, 254) as u8;
        let mut priorities: Vec<u8> = (0..n)
            .map(|i| match r.range(0, 9) {
                0..=4 => top.saturating_sub(i as u8).max(1), // adjacent: 200/199/198
                5 | 6 => top,                                // ties
                7 => r.range(1, 254) as u8,
                _ => top.saturating_sub(50 * i as u8).max(1),
            })
            .collect();
        if r.chance(15) {
            priorities[r.range(0, n as u64 - 1) as usize] = 255;
        }
        let advert = interval(base);
        let delay = us(r.range(20, 300));
        let jitter = if r.chance(30) {
            us(r.range(0, 2000)).min(advert / 4)
        } else {
            us(r.range(0, 100))
        };
        let lateness = if r.chance(30) {
            us(r.range(0, 2000))
        } else {
            Duration::ZERO
        };
        let preempt = !r.chance(15);
        let mdi = master_down_interval(version, 1, base * 2) + handover_wait(version, base);
        let mut script = Vec::new();
        let staggered = r.chance(40);
        for i in 0..n {
            let at = if staggered {
                Duration::from_millis(r.range(0, 3000))
            } else {
                us(r.range(0, 500))
            };
            script.push((at, Fault::Start(i)));
        }
        let mut t = Duration::from_millis(3000) + mdi * 2;
        let events = r.range(2, 8);
        let mut down: Vec<bool> = vec![false; n];
        let mut gone: Vec<bool> = vec![false; n];
        let mut partitioned = false;
        let mut loss = false;
        for _ in 0..events {
            t += mdi.mul_f64(r.range(20, 300) as f64 / 100.0);
            let i = r.range(0, n as u64 - 1) as usize;
            let fault = match r.range(0, 9) {
                0 if !gone[i] => {
                    gone[i] = true;
                    Fault::Stop(i)
                }
                1 if !gone[i] => {
                    gone[i] = true;
                    Fault::Crash(i)
                }
                0 | 1 => {
                    gone[i] = false;
                    down[i] = false;
                    Fault::Start(i)
                }
                2 if !down[i] => {
                    down[i] = true;
                    Fault::LinkDown(i)
                }
                2 => {
                    down[i] = false;
                    Fault::LinkUp(i)
                }
                3 => Fault::CheckFails(i),
                4 => Fault::CheckPasses(i),
                5 => Fault::Penalty(i, *r.pick(&[0, 1, 2, 10, 60])),
                6 if !partitioned => {
                    partitioned = true;
                    let side: Vec<usize> = (0..n).filter(|_| r.chance(40)).collect();
                    Fault::Partition(side)
                }
                6 => {
                    partitioned = false;
                    Fault::Heal
                }
                7 if !loss => {
                    loss = true;
                    Fault::Loss(r.range(5, 40))
                }
                7 => {
                    loss = false;
                    Fault::Loss(0)
                }
                _ => Fault::Penalty(i, 0),
            };
            script.push((t, fault));
        }
        // Quiet at the end: links up, partition healed, loss gone, so the group must settle.
        t += mdi;
        for (i, d) in down.iter().enumerate() {
            if *d {
                script.push((t, Fault::LinkUp(i)));
            }
        }
        script.push((t, Fault::Heal));
        script.push((t, Fault::Loss(0)));
        script.sort_by_key(|(at, _)| *at);
        // keepalived's settings, from a draw of their own so that the seeds kept as
        // regressions draw the group and script they always did.
        let mut k = Rng::new(seed ^ 0x6b65_6570_616c_6976);
        let state_master = (0..n).map(|_| k.chance(25)).collect();
        let refresh = k.chance(30).then(|| interval(base) * k.range(1, 20) as u32);
        // Clients, announcement settings and VRRP-only blocks: a third draw, for the same
        // reason.
        let mut c = Rng::new(seed ^ 0x636c_6965_6e74_7321);
        let end = t + mdi * 3;
        let clients = (0..c.range(1, 3))
            .map(|_| ClientPlan {
                every: Duration::from_millis(*c.pick(&[10, 10, 100, 1000])),
                start: Duration::from_millis(c.range(0, 4000)),
                reachable: Duration::from_millis(c.range(15_000, 45_000)),
                flushes: (0..c.range(0, 6))
                    .map(|_| us(c.range(0, end.as_micros() as u64)))
                    .collect(),
            })
            .collect();
        let ndp = c.chance(30);
        let garp_repeat = *c.pick(&[5, 5, 5, 1, 2, 3]) as u32;
        let second_announce = *c.pick(&[
            Some(Duration::from_secs(5)),
            Some(Duration::from_secs(5)),
            None,
            Some(Duration::from_secs(1)),
            Some(Duration::from_millis(200)),
        ]);
        let preempt_delay = if c.chance(20) {
            *c.pick(&[
                Duration::from_millis(100),
                Duration::from_secs(1),
                Duration::from_secs(3),
            ])
        } else {
            Duration::ZERO
        };
        if c.chance(10) {
            let from = Duration::from_millis(3000) + mdi * 2;
            let on = from + us(c.range(0, (t - from).as_micros() as u64));
            let off = on + us(c.range(0, (t - on).as_micros() as u64));
            script.push((on, Fault::VrrpBlocked(true)));
            script.push((off, Fault::VrrpBlocked(false)));
            script.sort_by_key(|(at, _)| *at);
        }
        Scenario {
            version,
            priorities,
            interval_cs,
            preempt,
            delay,
            jitter,
            lateness,
            script,
            end,
            state_master,
            refresh,
            clients,
            ndp,
            garp_repeat,
            second_announce,
            preempt_delay,
            peers: vec![Peer::Vipflip; n],
            quiet_drain: false,
        }
    }

    /// The group of `draw(seed)` with one or two of its nodes keepalived or FRR (never all of
    /// them), from a draw of its own.
    pub fn draw_mixed(seed: u64) -> Scenario {
        let mut s = Scenario::draw(seed);
        let mut p = Rng::new(seed ^ 0x7065_6572_7321_2121);
        let n = s.peers.len();
        let others = p.range(1, (n as u64 - 1).min(2));
        for _ in 0..others {
            let i = p.range(0, n as u64 - 1) as usize;
            s.peers[i] = *p.pick(&[Peer::Keepalived, Peer::Frr]);
        }
        if s.peers.iter().all(|&k| k != Peer::Vipflip) {
            s.peers[0] = Peer::Vipflip;
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum End {
    Node(usize),
    Client(usize),
}

#[derive(Clone, Debug)]
enum Payload {
    Advert(Vec<u8>),
    /// A gratuitous ARP / unsolicited NA for the VIP (one frame of a burst), and whether it
    /// answers another node (a claim, a lower advert) rather than being a scheduled one.
    Announce {
        answer: bool,
    },
    /// A client's request for the VIP (broadcast, or a unicast PROBE).
    Solicit,
    /// A node kernel's reply to a client's request, and whether the node was master then.
    Reply {
        by_master: bool,
    },
    /// A client's ping to the VIP.
    Ping,
    /// A node kernel's ARP request from the VIP, asking for a client before it answers its
    /// ping: the client takes the sender for the VIP, the other nodes see a claim (IPv4; an
    /// NS is not an announcement, and goes to the client's solicited-node group).
    AskFromVip {
        client: usize,
    },
}

#[derive(Clone, Debug)]
struct Delivery {
    from: End,
    to: End,
    payload: Payload,
}

struct Node {
    machine: Machine,
    alive: bool,
    link: bool,
    holds: bool,
    failing: bool,
    penalty: u8,
    /// When this node's loop finished its last step.
    busy_until: Duration,
    /// The kernel's neighbour entries for the clients (flushed when the link goes down).
    knows: Vec<bool>,
    /// Since when it holds the VIP while neither master nor releasing.
    lingering_since: Option<Duration>,
    /// When it last let the VIP go (removed, crashed, link down).
    released_at: Duration,
    /// When it began releasing (sent priority 0).
    releasing_since: Option<Duration>,
    /// Its routine adverts read late.
    late: Late,
}

/// A vipflip backup's routine adverts, read late as the product reads them
/// (src/cmd/run/node/routine.rs): while its machine follows a higher master
/// (`Machine::routine_master`), adverts that repeat the last one it accepted (the source
/// and the first six bytes, what its socket filter compares) wait in a queue. It reads them,
/// with their arrival times, before its next input of any kind, its timer's among them.
#[derive(Default)]
struct Late {
    /// The source and first six bytes of the last advert it accepted.
    last_head: Option<(IpAddr, [u8; 6])>,
    /// What the filter sends to the queue now.
    routine: Option<(IpAddr, [u8; 6])>,
    /// Waiting: arrival, sender, bytes.
    queue: Vec<(Duration, usize, Vec<u8>)>,
}

/// What a failed run reports: the rule, the seed, the group, the timeline.
#[derive(Debug)]
pub struct Violation {
    pub seed: u64,
    pub rule: String,
    pub report: String,
}

struct Sim {
    seed: u64,
    s: Scenario,
    rng: Rng,
    t0: Instant,
    nodes: Vec<Node>,
    clients: Vec<Client>,
    /// Per client: the flushes still to come, the earliest first.
    flushes: Vec<Vec<Duration>>,
    queue: BinaryHeap<Reverse<(Duration, u64, usize)>>,
    deliveries: Vec<Delivery>,
    seq: u64,
    /// The last delivery time per (sender, receiver).
    link_last: std::collections::HashMap<(End, End), Duration>,
    /// Posting a frame now for a later send (FRR's advert an interval after its NA): it
    /// keeps no place in its links' order, or it held back everything the node sent
    /// meanwhile (its NA reached a releasing vipflip an interval late: mixed seed 7356).
    posting_ahead: bool,
    side: Vec<usize>,
    loss: u64,
    /// When loss, a partition or a VRRP block last ended (the bounds count from there).
    disturbed_until: Duration,
    vrrp_blocked: Option<Duration>,
    /// Per client: how many times another node's answer moved its entry, and that count
    /// when the VRRP block had settled.
    moved_by_answers: Vec<u32>,
    changes_at_settle: Option<Vec<u32>>,
    /// When the last disruptive fault happened, and whether it was a planned handover.
    last_fault: Duration,
    planned_since: Option<Duration>,
    /// Per client: since when it points at a node that does not hold the VIP (planned
    /// handover), and since when at one that is not a master keeping it.
    stray_since: Vec<Option<Duration>>,
    off_keeper_since: Vec<Option<Duration>>,
    /// Per client: while it was off the keeper, the keeper's answers for the second were
    /// spent (a storm of false takeovers under heavy loss): it waits for the loser's last
    /// word at its drain's end and the re-announcement AFTER_LINGER after it.
    keeper_spent: Vec<bool>,
    /// Per client: its entry came from the reply of a node that had left master (lingering
    /// or releasing): over IPv4 without arp_ignore/arp_announce it falls to the client bound
    /// (check_planned).
    resolved_from_loser: Vec<bool>,
    /// Per client: it was left on a node that had left master (moved by its late
    /// announcement, by its kernel's ARP request from the VIP during its drain, or there when
    /// it yielded) while a keepalived or FRR node is master: neither answers claims (FRR
    /// not even lower adverts), so only the client's neighbour entry expiring moves it
    /// (sim/peers.rs; docs/clients.md says what a mixed group should do).
    left_by_peer: Vec<bool>,
    /// Since when each pair of nodes on the clients' side both answer for the VIP.
    both_answer_since: std::collections::HashMap<(usize, usize), Duration>,
    /// When a node last changed state or added or removed the VIP.
    last_transition: Duration,
    /// When a node last became master: a new contest may begin there.
    last_takeover: Duration,
    log: Vec<String>,
    /// VIPFLIP_SIM_DEBUG: the timeline also has every advert sent and heard and every VIP
    /// removal.
    debug: bool,
    /// Adverts a node read late from its queue.
    late_reads: usize,
}

fn mac(i: usize) -> MacAddr {
    MacAddr(2, 0, 0xc0, 0, 2, 0xc9 + i as u8)
}

fn primary(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 201 + i as u8))
}

impl Sim {
    fn params(&self, i: usize) -> Params {
        // FRR has neither a preempt delay nor keepalived's `state MASTER`.
        let frr = self.s.peers[i] == Peer::Frr;
        Params {
            version: self.s.version,
            vrid: 41,
            priority: self.s.priorities[i],
            interval_cs: self.s.interval_cs[i],
            preempt: self.s.preempt,
            preempt_delay: if frr {
                Duration::ZERO
            } else {
                self.s.preempt_delay
            },
            primary: primary(i),
            vips: vec![VIP],
            auth: Auth::None,
            second_announce: self.s.second_announce,
            unicast_peers: Vec::new(),
            state_master: self.s.state_master[i] && !frr,
            refresh: self.s.refresh,
            sync: false,
            shared_mac: false,
        }
    }

    fn note(&mut self, at: Duration, text: String) {
        self.log.push(format!("{:>10.4}s {text}", at.as_secs_f64()));
    }

    fn node_up(&self, i: usize) -> bool {
        self.nodes[i].alive && self.nodes[i].link
    }

    /// Whether a frame `from` sent reaches `to` now: both on one side of the partition (clients
    /// stay on the side that is not `side`), and the receiver up. The sender need not be up
    /// any more: a frame it sent before it exited or crashed is already on the wire (a
    /// release's last priority 0 goes out just before the process ends).
    fn reaches(&self, from: End, to: End) -> bool {
        let side_of = |e: End| match e {
            End::Node(i) => self.side.contains(&i),
            End::Client(_) => false,
        };
        let receiver_up = match to {
            End::Node(i) => self.node_up(i),
            End::Client(_) => true,
        };
        receiver_up && side_of(from) == side_of(to)
    }

    fn post(&mut self, at: Duration, from: End, to: End, payload: Payload) {
        if self.loss > 0 && self.rng.chance(self.loss) {
            return;
        }
        let jitter = us(self.rng.range(0, self.s.jitter.as_micros() as u64));
        // Frames from one sender to one receiver stay in order (one path, one queue);
        // frames of different senders reorder freely.
        let link = (from, to);
        let last = self.link_last.get(&link).copied().unwrap_or_default();
        let when = (at + self.s.delay + jitter).max(last + us(1));
        if !self.posting_ahead {
            self.link_last.insert(link, when);
        }
        self.deliveries.push(Delivery { from, to, payload });
        self.seq += 1;
        self.queue
            .push(Reverse((when, self.seq, self.deliveries.len() - 1)));
    }

    /// From node `from` to every other node and, unless it is an advert, every client.
    fn broadcast(&mut self, at: Duration, from: usize, payload: Payload) {
        for j in (0..self.nodes.len()).filter(|&j| j != from) {
            self.post(at, End::Node(from), End::Node(j), payload.clone());
        }
        if !matches!(payload, Payload::Advert(_)) {
            for c in 0..self.clients.len() {
                self.post(at, End::Node(from), End::Client(c), payload.clone());
            }
        }
    }

    /// Nodes on the segment with the VIP, a releasing master among them (it still answers).
    fn answering(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.node_up(i) && self.nodes[i].holds)
            .collect()
    }

    /// Nodes that hold the VIP as master (a releasing one is on its way out).
    fn holders(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| {
                self.node_up(i)
                    && self.nodes[i].holds
                    && self.nodes[i].machine.state() != State::Releasing
            })
            .collect()
    }

    /// Whether no master will answer what loser `i` announced: a keepalived or FRR master
    /// answers no claim; and an FRR loser's NA that went out before its advert (`na_first`)
    /// no winner can tell from FRR's preemption, which it must not answer.
    fn nobody_answers_for(&self, i: usize) -> bool {
        self.peer_master() || (self.s.peers[i] == Peer::Frr && self.s.ndp)
    }

    /// A draining node that accepts the VIP's traffic but whose kernel answers no request for
    /// it: vipflip over IPv6 (its VIP a local route for the drain), over IPv4 only under
    /// `Scenario::quiet_drain`.
    fn quiet(&self, i: usize) -> bool {
        let n = &self.nodes[i];
        let draining = n.lingering_since.is_some() || n.machine.releasing_announced();
        (self.s.ndp || self.s.quiet_drain) && draining && self.s.peers[i] == Peer::Vipflip
    }

    /// Whether a keepalived or FRR node is master and holds the VIP.
    fn peer_master(&self) -> bool {
        (0..self.nodes.len()).any(|k| {
            self.s.peers[k] != Peer::Vipflip
                && self.node_up(k)
                && self.nodes[k].holds
                && self.nodes[k].machine.state() == State::Master
        })
    }

    /// A master holding the VIP that the clients can reach: where a client should be.
    fn keeper(&self, i: usize) -> bool {
        self.node_up(i)
            && self.nodes[i].holds
            && self.nodes[i].machine.state() == State::Master
            && !self.side.contains(&i)
    }

    fn handle(&mut self, at: Duration, i: usize, input: Input) -> Result<(), String> {
        if !self.nodes[i].alive {
            return Ok(());
        }
        // The queue first, oldest first; never older than the node's last step.
        let floor = self.nodes[i].busy_until;
        for (arrival, from, bytes) in std::mem::take(&mut self.nodes[i].late.queue) {
            self.late_reads += 1;
            self.judge_advert(at, arrival.max(floor), from, i, bytes)?;
        }
        let late = if self.s.lateness.is_zero() {
            Duration::ZERO
        } else {
            us(self.rng.range(0, self.s.lateness.as_micros() as u64))
        };
        // One loop per node: it gets to inputs in order, never before its previous step.
        let when = (at + late).max(self.nodes[i].busy_until);
        self.nodes[i].busy_until = when;
        let was = self.nodes[i].machine.state();
        let actions = self.nodes[i].machine.handle(self.t0 + when, input.clone());
        let now = self.nodes[i].machine.state();
        let actions = self.s.peers[i].filter(was, now, &input, actions);
        let mut when = when;
        // FRR preempting over IPv6: its NA reached the lab's vipflip an interval before its
        // first advert (tests/lab_frr.rs); its own source sends both at once.
        let na_first = self.s.peers[i] == Peer::Frr
            && self.s.ndp
            && actions.iter().any(|a| {
                matches!(
                    a,
                    Action::Transition {
                        to: State::Master,
                        ..
                    }
                )
            });
        for action in actions {
            // Adding an address goes through netlink: what follows (the announcement) leaves
            // a little later than the advert before it.
            if matches!(action, Action::AddVips) {
                when += us(self.rng.range(100, 800));
                self.nodes[i].busy_until = when;
            }
            if na_first && matches!(action, Action::SendAdvert { .. }) {
                let later = when + interval(self.s.interval_cs[i]);
                self.posting_ahead = true;
                let sent = self.apply(later, i, action);
                self.posting_ahead = false;
                sent?;
                continue;
            }
            self.apply(when, i, action)?;
        }
        let reads_late =
            self.s.peers[i] == Peer::Vipflip && self.s.interval_cs[i] <= ROUTINE_UP_TO_CS;
        let n = &mut self.nodes[i];
        n.late.routine = n
            .late
            .last_head
            .filter(|(src, _)| reads_late && n.machine.routine_master() == Some(*src));
        let lingering =
            n.alive && n.holds && !matches!(n.machine.state(), State::Master | State::Releasing);
        n.lingering_since = match (lingering, n.lingering_since) {
            (true, None) => Some(when),
            (true, since) => since,
            (false, _) => None,
        };
        Ok(())
    }

    fn apply(&mut self, at: Duration, i: usize, action: Action) -> Result<(), String> {
        match action {
            Action::SendAdvert { priority } => {
                if self.debug {
                    self.note(at, format!("n{i} sends priority {priority}"));
                }
                let p = self.nodes[i].machine.params().advert(priority);
                let bytes = emit(&p, primary(i), IpAddr::V4(GROUP_V4), V3Checksum::Keepalived)
                    .map_err(|e| format!("n{i} cannot emit its advert: {e}"))?;
                if self.nodes[i].link {
                    self.broadcast(at, i, Payload::Advert(bytes));
                }
            }
            Action::AddVips => {
                self.nodes[i].holds = true;
                self.last_transition = at;
            }
            Action::RemoveVips => {
                if self.debug {
                    self.note(at, format!("n{i} removes the VIP"));
                }
                self.nodes[i].holds = false;
                self.nodes[i].released_at = at;
                self.last_transition = at;
            }
            Action::Announce | Action::Answer | Action::Refresh => {
                let n = &self.nodes[i];
                // Only what reaches the wire counts: a link-down event the loop got to after a
                // timer may follow an announcement that the dead link never carried.
                // A releasing master still holds the VIP: an announcement due just before a
                // failed check started the release is its last word as master.
                let holder_state = matches!(n.machine.state(), State::Master | State::Releasing);
                if n.link && (!n.holds || !holder_state) {
                    return Err(format!(
                        "node {i} announced the VIP in state {:?} holding={}",
                        n.machine.state(),
                        n.holds
                    ));
                }
                let link = n.link;
                let frames = if action == Action::Announce {
                    self.s.garp_repeat
                } else {
                    1
                };
                self.note(at, format!("n{i} announces ({frames} frames)"));
                // A burst leaves back to back: a few microseconds between frames.
                let mut when = at;
                for _ in 0..frames {
                    if link {
                        let answer = action == Action::Answer;
                        self.broadcast(when, i, Payload::Announce { answer });
                    }
                    when += us(self.rng.range(1, 30));
                }
            }
            Action::Transition { from, to, reason } => {
                // keepalived and FRR yield without a last advert (keepalived vrrp.c
                // vrrp_state_leave_master: only a move to fault sends priority 0), so a winner
                // that never heard this master (it took over in a split brain) cannot know
                // the clients it took.
                let silent_yield = to == State::Backup && self.s.peers[i] != Peer::Vipflip;
                if from == State::Master && (self.nobody_answers_for(i) || silent_yield) {
                    for c in 0..self.clients.len() {
                        if self.clients[c].on() == Some(i) {
                            self.left_by_peer[c] = true;
                        }
                    }
                }
                self.nodes[i].releasing_since = (to == State::Releasing).then_some(at);
                self.last_transition = at;
                if to == State::Master {
                    self.last_takeover = at;
                }
                let text = format!("n{i} {from:?} -> {to:?}: {reason}");
                self.note(at, text);
            }
            Action::Note(note) => self.note(at, format!("n{i} note: {note}")),
            Action::Exit => {
                if self.nodes[i].holds {
                    return Err(format!("node {i} exited still holding the VIP"));
                }
                self.nodes[i].alive = false;
            }
        }
        Ok(())
    }

    fn deliver(&mut self, at: Duration, d: Delivery) -> Result<(), String> {
        if !self.reaches(d.from, d.to) {
            return Ok(());
        }
        let claim_from = |from: usize| Input::Claimed {
            vip: VIP,
            by: mac(from),
        };
        match (d.from, d.to, d.payload) {
            (End::Node(from), End::Client(c), Payload::Announce { answer }) => {
                let how = if answer { "answer" } else { "announcement" };
                let moved = self.move_client(at, c, from, how, |client| client.announced(at, from));
                // An announcement that arrives after its sender yielded to a peer.
                if moved
                    && self.nodes[from].machine.state() != State::Master
                    && self.nobody_answers_for(from)
                {
                    self.left_by_peer[c] = true;
                }
                if moved && answer {
                    self.moved_by_answers[c] += 1;
                }
            }
            (End::Node(from), End::Node(j), Payload::Announce { .. })
                if self.s.peers[j].hears_claims() =>
            {
                self.handle(at, j, claim_from(from))?
            }
            (End::Node(from), End::Node(j), Payload::Advert(bytes))
                if self.vrrp_blocked.is_none() =>
            {
                self.advert(at, from, j, bytes)?
            }
            (End::Client(c), End::Node(j), Payload::Solicit)
                if self.nodes[j].holds && !self.quiet(j) =>
            {
                self.nodes[j].knows[c] = true;
                let by_master = self.nodes[j].machine.state() == State::Master;
                self.post(
                    at,
                    End::Node(j),
                    End::Client(c),
                    Payload::Reply { by_master },
                );
            }
            (End::Node(j), End::Client(c), Payload::Reply { by_master }) => {
                let how = if by_master {
                    "reply"
                } else {
                    "reply, not master"
                };
                if self.move_client(at, c, j, how, |client| client.reply(at, j)) {
                    self.resolved_from_loser[c] = !by_master;
                }
            }
            (End::Client(c), End::Node(j), Payload::Ping)
                if self.nodes[j].holds && !self.nodes[j].knows[c] =>
            {
                self.nodes[j].knows[c] = true;
                if self.quiet(j) {
                    // Its NS comes from its link-local address, its ARP request from its
                    // own (arp_announce 2): no claim for the VIP.
                    return Ok(());
                }
                self.note(
                    at,
                    format!("n{j}'s kernel asks for client {c} from the VIP"),
                );
                let ask = Payload::AskFromVip { client: c };
                if self.s.ndp {
                    self.post(at, End::Node(j), End::Client(c), ask);
                } else {
                    self.broadcast(at, j, ask);
                }
            }
            (End::Node(j), End::Client(c), Payload::AskFromVip { client }) if client == c => {
                let moved = self.move_client(at, c, j, "asked from the VIP", |client| {
                    client.asked_from_vip(at, j)
                });
                if moved
                    && self.nodes[j].machine.state() != State::Master
                    && self.nobody_answers_for(j)
                {
                    self.left_by_peer[c] = true;
                }
            }
            (End::Node(from), End::Node(j), Payload::AskFromVip { .. })
                if self.s.peers[j].hears_claims() =>
            {
                self.handle(at, j, claim_from(from))?
            }
            _ => {}
        }
        Ok(())
    }

    /// Applies `update` to client `c`; `true` (and a line in the timeline) when its entry
    /// now names `node` and did not before.
    fn move_client(
        &mut self,
        at: Duration,
        c: usize,
        node: usize,
        how: &str,
        update: impl FnOnce(&mut Client),
    ) -> bool {
        let before = self.clients[c].on();
        update(&mut self.clients[c]);
        let moved = self.clients[c].on() != before && self.clients[c].on() == Some(node);
        if moved {
            self.resolved_from_loser[c] = false;
            self.left_by_peer[c] = false;
            self.note(at, format!("client {c} -> n{node} ({how})"));
        }
        moved
    }

    /// An advert reaches node `j`: its queue takes it when it repeats the routine, else the
    /// node judges it now.
    fn advert(
        &mut self,
        at: Duration,
        from: usize,
        j: usize,
        bytes: Vec<u8>,
    ) -> Result<(), String> {
        let routine = self.nodes[j].late.routine;
        if routine.is_some() && head_of(from, &bytes) == routine {
            if self.debug {
                self.note(at, format!("n{j} queues n{from}'s advert"));
            }
            self.nodes[j].late.queue.push((at, from, bytes));
            return Ok(());
        }
        self.judge_advert(at, at, from, j, bytes)
    }

    /// Node `j` judges an advert at `at` that arrived at `arrival`, and its machine takes it.
    fn judge_advert(
        &mut self,
        at: Duration,
        arrival: Duration,
        from: usize,
        j: usize,
        bytes: Vec<u8>,
    ) -> Result<(), String> {
        let head = head_of(from, &bytes);
        let params = self.nodes[j].machine.params().clone();
        let rx = Received {
            ttl: 255,
            src: primary(from),
            dst: IpAddr::V4(GROUP_V4),
            payload: bytes,
        };
        let verdict = check(&params, &rx);
        if let Verdict::Accept(parsed) = &verdict {
            self.nodes[j].late.last_head = head;
            if self.debug {
                self.note(
                    at,
                    format!("n{j} hears n{from} priority {}", parsed.advert.priority),
                );
            }
            if parsed.advert.priority == 0 {
                self.note(at, format!("n{j} hears priority 0 from n{from}"));
            }
        } else {
            self.note(at, format!("n{j} drops n{from}'s advert: {verdict:?}"));
        }
        if let Verdict::Accept(parsed) = verdict {
            let m = &self.nodes[j].machine;
            let (own, state) = (m.priority(), m.state());
            let heard = parsed.advert.priority;
            let peer = self.s.peers[j];
            if peer.discards(
                own,
                params.primary,
                heard,
                primary(from),
                params.preempt,
                state,
            ) {
                return Ok(());
            }
            let input = Input::Advert {
                src: primary(from),
                advert: parsed.advert,
                received: Some(self.t0 + arrival),
            };
            self.handle(at, j, input)?;
        }
        Ok(())
    }

    fn client_step(&mut self, at: Duration, c: usize) {
        if self.flushes[c].first().is_some_and(|f| *f <= at) {
            self.flushes[c].remove(0);
            self.clients[c].flush();
            self.note(at, format!("client {c}: entry flushed"));
        }
        let mut out = Vec::new();
        self.clients[c].tick(at, &mut out);
        for send in out {
            match send {
                Sends::Broadcast => {
                    for j in 0..self.nodes.len() {
                        self.post(at, End::Client(c), End::Node(j), Payload::Solicit);
                    }
                }
                Sends::Unicast(j) => self.post(at, End::Client(c), End::Node(j), Payload::Solicit),
                Sends::Ping(j) => self.post(at, End::Client(c), End::Node(j), Payload::Ping),
            }
        }
    }

    fn fault(&mut self, at: Duration, f: Fault) -> Result<(), String> {
        self.note(at, format!("FAULT {f:?}"));
        // A planned handover promises no loss only from a settled group: one holder, the
        // clients on it, the network whole.
        let holders = self.holders();
        let settled = at.saturating_sub(self.last_fault) > self.bound()
            && self.loss == 0
            && self.side.is_empty()
            && self.vrrp_blocked.is_none()
            && holders.len() == 1
            && self
                .clients
                .iter()
                .all(|c| c.on().is_none_or(|n| holders == vec![n]));
        // Every fault (a start too) may leave the group without a master, or with two, for
        // up to `bound()`.
        self.last_fault = at;
        self.planned_since = None;
        // keepalived and FRR let the VIP go at once: their planned handovers lose what the
        // successor's takeover takes (what vipflip's handover wait is for).
        let by_vipflip = f.node().is_none_or(|i| self.s.peers[i] == Peer::Vipflip);
        if f.planned() && settled && by_vipflip {
            self.planned_since = Some(at);
            self.stray_since.iter_mut().for_each(|s| *s = None);
        }
        match f {
            Fault::Start(i) => {
                let link = self.nodes[i].link;
                let knows = std::mem::take(&mut self.nodes[i].knows);
                self.nodes[i] = Node {
                    machine: Machine::new(self.params(i)),
                    alive: true,
                    link,
                    // `run` removes a stale copy before it starts.
                    holds: false,
                    failing: false,
                    penalty: 0,
                    busy_until: at,
                    knows,
                    lingering_since: None,
                    released_at: self.nodes[i].released_at,
                    releasing_since: None,
                    late: Late::default(),
                };
                self.handle(at, i, Input::Start { link_up: link })?;
            }
            Fault::Stop(i) if self.s.peers[i] != Peer::Vipflip => self.peer_stops(at, i)?,
            Fault::Stop(i) => self.handle(at, i, Input::Shutdown)?,
            Fault::Crash(i) => {
                // The clients' entries for it end when it stops answering: only when it had
                // the VIP to lose (a node that crashes again later moved nobody).
                if self.node_up(i) && self.nodes[i].holds {
                    self.nodes[i].released_at = at;
                }
                self.nodes[i].alive = false;
                self.nodes[i].holds = false;
                self.nodes[i].lingering_since = None;
                self.nodes[i].knows.iter_mut().for_each(|k| *k = false);
            }
            Fault::LinkDown(i) => {
                if self.node_up(i) && self.nodes[i].holds {
                    self.nodes[i].released_at = at;
                }
                self.nodes[i].link = false;
                self.nodes[i].knows.iter_mut().for_each(|k| *k = false);
                self.handle(at, i, Input::LinkDown)?;
            }
            Fault::LinkUp(i) => {
                self.nodes[i].link = true;
                self.handle(at, i, Input::LinkUp)?;
            }
            Fault::CheckFails(i) | Fault::CheckPasses(i) => {
                self.nodes[i].failing = matches!(f, Fault::CheckFails(_));
                self.health(at, i)?;
            }
            Fault::Penalty(i, p) => {
                self.nodes[i].penalty = p;
                self.health(at, i)?;
            }
            Fault::Partition(side) => self.side = side,
            Fault::Heal => {
                if !self.side.is_empty() {
                    self.disturbed_until = at;
                }
                self.side.clear();
            }
            Fault::Loss(p) => {
                if self.loss > 0 && p == 0 {
                    self.disturbed_until = at;
                }
                self.loss = p;
            }
            Fault::VrrpBlocked(true) => {
                self.vrrp_blocked = Some(at);
                self.changes_at_settle = None;
            }
            Fault::VrrpBlocked(false) => {
                if self.vrrp_blocked.take().is_some() {
                    self.disturbed_until = at;
                }
            }
        }
        Ok(())
    }

    /// keepalived's and FRR's stop: a master sends priority 0 and removes the VIP, then the
    /// process is gone (no handover wait).
    fn peer_stops(&mut self, at: Duration, i: usize) -> Result<(), String> {
        if !self.nodes[i].alive {
            return Ok(());
        }
        if self.nodes[i].machine.state() == State::Master && self.nodes[i].link {
            self.apply(at, i, Action::SendAdvert { priority: 0 })?;
        }
        self.note(at, format!("n{i} ({:?}) stops", self.s.peers[i]));
        let n = &mut self.nodes[i];
        if n.holds {
            n.holds = false;
            n.released_at = at;
            self.last_transition = at;
        }
        n.alive = false;
        n.lingering_since = None;
        Ok(())
    }

    fn health(&mut self, at: Duration, i: usize) -> Result<(), String> {
        let n = &self.nodes[i];
        let health = Health {
            adjust: -i32::from(n.penalty),
            fault: n.failing.then(|| "check".to_string()),
        };
        self.handle(at, i, Input::Health(health))
    }

    /// The bound within which one holder must be back after the last fault: the slowest
    /// Master_Down_Interval (lowest priority, longest interval) after a handover wait, with
    /// the network's delay and the loop's lateness, plus the preemption that may follow.
    fn bound(&self) -> Duration {
        let longest = self.s.interval_cs.iter().max().copied().unwrap_or(100);
        let mdi = master_down_interval(self.s.version, 1, longest);
        let slack = (self.s.delay + self.s.jitter + self.s.lateness) * 4;
        let preempting = if self.s.preempt_delay.is_zero() {
            Duration::ZERO
        } else {
            // The delay starts at the first lower advert a backup hears; its down timer runs
            // out after it.
            self.s.preempt_delay + mdi
        };
        // A lingering loser counts as a holder until its drain ends.
        mdi * 2 + handover_wait(self.s.version, longest) + slack + preempting + LINGER_MIN
    }

    /// One trip on the segment and a step of a loop: the slack every bound below carries.
    fn trip(&self) -> Duration {
        self.s.delay + self.s.jitter + self.s.lateness + us(50)
    }

    /// How long a node that is neither master nor releasing may hold the VIP: its drain,
    /// which nothing stretches (it was up to an interval, and each claim added 5 ms).
    fn linger_bound(&self, _i: usize) -> Duration {
        LINGER_MIN + self.trip()
    }

    /// How long two nodes may answer a client's request for the VIP at once: until the
    /// slower of their adverts shows them to each other (an interval: a healed partition, two
    /// nodes whose timers ran out together), then the loser's drain. (A releasing master
    /// whose priority 0 went out while the network was split keeps the VIP its whole handover
    /// wait: no one heard it; `check_answerers` leaves such a pair out.)
    fn answer_bound(&self) -> Duration {
        let longest = self.s.interval_cs.iter().max().copied().unwrap_or(100);
        let slowest = (0..self.nodes.len())
            .map(|i| self.linger_bound(i))
            .max()
            .unwrap_or_default();
        interval(longest) + slowest + self.trip() * 4
    }

    /// A releasing vipflip node beside a keepalived or FRR master: they answer its priority 0
    /// with an advert and no announcement (keepalived vrrp.c vrrp_state_master_rx:
    /// `vrrp_send_adv` and return; FRR the same, sim/peers.rs), so the release waits its
    /// interval for an announcement that does not come, answering for the VIP meanwhile.
    fn unannounced_release(&self, (a, b): (usize, usize)) -> Duration {
        let releasing_beside_peer = |r: usize, m: usize| {
            self.nodes[r].releasing_since.is_some()
                && self.s.peers[r] == Peer::Vipflip
                && self.s.peers[m] != Peer::Vipflip
                && self.nodes[m].machine.state() == State::Master
        };
        if releasing_beside_peer(a, b) || releasing_beside_peer(b, a) {
            interval(self.s.interval_cs[a].max(self.s.interval_cs[b]))
        } else {
            Duration::ZERO
        }
    }

    /// How long a client may point at a node that is not a master keeping the VIP while
    /// one is there: the winner re-announces `AFTER_LINGER` after the last sign of a loser,
    /// past the loser's settle.
    fn client_bound(&self) -> Duration {
        AFTER_LINGER + CLAIM_SETTLE + self.trip() * 4
    }

    /// `client_bound` when the keeper's answers for the second are spent (a storm of false
    /// takeovers under heavy loss): the loser yields within an interval, says so once more
    /// at its drain's end, and the keeper's re-announcement, one frame whatever the budget,
    /// comes AFTER_LINGER after that.
    fn spent_client_bound(&self) -> Duration {
        let longest = self.s.interval_cs.iter().max().copied().unwrap_or(100);
        interval(longest) + LINGER_MIN + self.client_bound()
    }

    /// When the masters of a split brain have heard each other again: the disturbance's end
    /// (a partition healed, VRRP unblocked, the loss over) tells no node anything; each
    /// master's next advert does, at most one interval later. The clients' bound counts from
    /// then: a client left on a side's master that stops or fails before that waits for the
    /// keeper to learn of it.
    fn heard_again(&self) -> Duration {
        if self.disturbed_until.is_zero() {
            return Duration::ZERO;
        }
        let longest = self.s.interval_cs.iter().max().copied().unwrap_or(100);
        self.disturbed_until + interval(longest)
    }

    fn check_invariants(&mut self, at: Duration) -> Result<(), String> {
        let holders = self.holders();
        let eligible = (0..self.nodes.len()).any(|i| {
            let n = &self.nodes[i];
            n.alive && n.link && !matches!(n.machine.state(), State::Fault | State::Stopped)
        });
        let whole = self.side.is_empty() && self.loss == 0 && self.vrrp_blocked.is_none();
        let quiet = at.saturating_sub(self.last_fault) > self.bound();
        if quiet && whole {
            if holders.len() > 1 {
                return Err(format!("two holders {holders:?} long after the last fault"));
            }
            if eligible && holders.is_empty() {
                return Err("no holder long after the last fault".into());
            }
        }
        self.check_planned(at)?;
        self.check_linger(at)?;
        // Loss, partitions and VRRP blocks have their own rules; the bounds below count from
        // when the network was whole again.
        if whole {
            let from = self.disturbed_until;
            self.check_clients(at, self.heard_again())?;
            self.check_answerers(at, from)?;
        } else {
            self.off_keeper_since.iter_mut().for_each(|s| *s = None);
            self.both_answer_since.clear();
        }
        self.check_split_brain(at)
    }

    fn check_planned(&mut self, at: Duration) -> Result<(), String> {
        let Some(since) = self.planned_since else {
            return Ok(());
        };
        let answering = self.answering();
        // With no node left that could take over (the others crashed or in fault), there is
        // nowhere to hand over to.
        let successor_possible = (0..self.nodes.len()).any(|i| {
            self.node_up(i)
                && matches!(self.nodes[i].machine.state(), State::Backup | State::Master)
        });
        for c in 0..self.clients.len() {
            // Over IPv4 without arp_ignore/arp_announce the kernel answers ARP for a drain
            // (vipflip does not change those sysctls): a client that asked then may keep the
            // loser's MAC until the winner's re-announcement, `client_bound` (check_clients).
            let arp_answering_drain = !self.s.ndp && !self.s.quiet_drain;
            let known_hole =
                (self.resolved_from_loser[c] && arp_answering_drain) || self.left_by_peer[c];
            let stray = successor_possible
                && !known_hole
                && self.clients[c]
                    .on()
                    .is_some_and(|n| !answering.contains(&n));
            match (stray, self.stray_since[c]) {
                (true, None) => self.stray_since[c] = Some(at),
                (true, Some(from)) => {
                    // A loser's announcement reaches the client and the winner at once; the
                    // winner's answer needs one more delivery and a step of its loop. So the
                    // client may point at a non-holder for one claim round trip, no longer.
                    let mut allowed = (self.s.delay + self.s.jitter) * 2 + self.s.lateness + us(50);
                    // A keepalived or FRR loser has no drain: the VIP leaves it at once, and
                    // the winner answers its late announcement CLAIM_SETTLE after it.
                    if self.clients[c]
                        .on()
                        .is_some_and(|n| self.s.peers[n] != Peer::Vipflip)
                    {
                        allowed += CLAIM_SETTLE + self.trip();
                    }
                    if at.saturating_sub(from) > allowed && at > since {
                        return Err(format!(
                            "after a planned handover client {c} points at n{:?}, not a holder {:?}, for {:?}",
                            self.clients[c].on(),
                            self.holders(),
                            at.saturating_sub(from)
                        ));
                    }
                }
                (false, _) => self.stray_since[c] = None,
            }
        }
        Ok(())
    }

    fn check_linger(&mut self, at: Duration) -> Result<(), String> {
        for i in 0..self.nodes.len() {
            if let Some(since) = self.nodes[i].lingering_since {
                let bound = self.linger_bound(i);
                if self.nodes[i].holds && at.saturating_sub(since) > bound {
                    return Err(format!(
                        "n{i} holds the VIP in state {:?} for {:?}, past {bound:?}",
                        self.nodes[i].machine.state(),
                        at.saturating_sub(since)
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_clients(&mut self, at: Duration, whole_since: Duration) -> Result<(), String> {
        // A vipflip master's promise: keepalived and FRR masters neither answer claims nor
        // re-announce after a loser's drain (sim/peers.rs), so a client a loser kept waits
        // for their own announcements or its entry's end (docs/clients.md, "Mixed groups").
        let any_keeper =
            (0..self.nodes.len()).any(|i| self.keeper(i) && self.s.peers[i] == Peer::Vipflip);
        for c in 0..self.clients.len() {
            // A client the keeper never had a chance to move (its node let the VIP go while
            // the network was split, or nothing changed since) waits for its entry to fail.
            let moved_since = self.last_transition >= whole_since;
            let unseen_loss = |n: usize| {
                !(self.node_up(n) && self.nodes[n].holds) && self.nodes[n].released_at < whole_since
            };
            // A release whose priority 0 went out while the network was split holds the VIP
            // its whole handover wait (nobody heard it; `check_answerers` leaves it out too):
            // its clients count from its end, when its priority 0 again makes the master
            // announce.
            let unheard_release = |n: usize| {
                self.nodes[n].holds
                    && self.nodes[n]
                        .releasing_since
                        .is_some_and(|at| at < whole_since)
            };
            let off = any_keeper
                && moved_since
                && !self.left_by_peer[c]
                && self.clients[c]
                    .on()
                    .is_some_and(|n| !self.keeper(n) && !unseen_loss(n) && !unheard_release(n));
            let spent = (0..self.nodes.len())
                .any(|k| self.keeper(k) && self.nodes[k].machine.answers_spent(self.t0 + at));
            match (off, self.off_keeper_since[c]) {
                (true, None) => {
                    self.off_keeper_since[c] = Some(at.max(whole_since));
                    self.keeper_spent[c] = spent;
                }
                (true, Some(from)) => {
                    self.keeper_spent[c] |= spent;
                    let bound = if self.keeper_spent[c] {
                        self.spent_client_bound()
                    } else {
                        self.client_bound()
                    };
                    if at.saturating_sub(from) > bound {
                        return Err(format!(
                            "client {c} points at n{:?}, not a master keeping the VIP (n{:?} is), for {:?}, past {bound:?}",
                            self.clients[c].on(),
                            (0..self.nodes.len()).find(|&i| self.keeper(i)),
                            at.saturating_sub(from)
                        ));
                    }
                }
                (false, _) => self.off_keeper_since[c] = None,
            }
        }
        Ok(())
    }

    fn check_answerers(&mut self, at: Duration, whole_since: Duration) -> Result<(), String> {
        // A quiet node (a drain, a release whose successor announced) accepts the VIP's
        // traffic but answers no request: it is not one of two answering.
        let answering: Vec<usize> = self
            .answering()
            .into_iter()
            .filter(|&i| !self.side.contains(&i) && !self.quiet(i))
            .collect();
        // A release that began while the network was split: its priority 0 went unheard, so
        // it holds the VIP its whole handover wait (nothing to hand over to).
        let unheard_release = |i: usize| {
            self.nodes[i]
                .releasing_since
                .is_some_and(|at| at < whole_since)
        };
        let answering: Vec<usize> = answering
            .into_iter()
            .filter(|&i| !unheard_release(i))
            .collect();
        let pairs: Vec<(usize, usize)> = answering
            .iter()
            .flat_map(|&a| {
                answering
                    .iter()
                    .filter(move |&&b| b > a)
                    .map(move |&b| (a, b))
            })
            .collect();
        self.both_answer_since
            .retain(|pair, _| pairs.contains(pair));
        for pair in pairs {
            // A takeover may start a new contest between the same two nodes.
            let since = *self
                .both_answer_since
                .entry(pair)
                .or_insert(at.max(whole_since));
            let from = since.max(self.last_takeover);
            let bound = self.answer_bound() + self.unannounced_release(pair);
            if at.saturating_sub(from) > bound {
                return Err(format!(
                    "n{} and n{} both answer for the VIP for {:?}, past {bound:?}",
                    pair.0,
                    pair.1,
                    at.saturating_sub(from)
                ));
            }
        }
        Ok(())
    }

    /// A VRRP-only block is a lasting split brain: every node is a master of its own. Once
    /// it has settled (`bound()`), no master's answer moves a client.
    /// Scheduled announcements (the second burst, garp_master_refresh) still move clients
    /// between the masters at the rate they are configured, as keepalived's do.
    fn check_split_brain(&mut self, at: Duration) -> Result<(), String> {
        let Some(since) = self.vrrp_blocked else {
            return Ok(());
        };
        if at.saturating_sub(since) < self.bound() {
            return Ok(());
        }
        if at.saturating_sub(self.last_fault) < self.bound() {
            self.changes_at_settle = None;
            return Ok(());
        }
        let now = self.moved_by_answers.clone();
        let settled = self.changes_at_settle.get_or_insert_with(|| now.clone());
        if let Some(c) = (0..now.len()).find(|&c| now[c] > settled[c]) {
            return Err(format!(
                "split brain: masters answer each other, client {c} moved {} times since they settled",
                now[c] - settled[c]
            ));
        }
        Ok(())
    }

    fn next_deadline(&self) -> Option<(Duration, usize)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.alive)
            .filter_map(|(i, n)| n.machine.deadline().map(|d| (d - self.t0, i)))
            .min()
    }

    fn next_client(&self) -> Option<(Duration, usize)> {
        self.clients
            .iter()
            .enumerate()
            .map(|(c, client)| {
                let flush = self.flushes[c].first().copied();
                (flush.map_or(client.due(), |f| f.min(client.due())), c)
            })
            .min()
    }

    fn run(&mut self) -> Result<(), String> {
        let mut script = std::mem::take(&mut self.s.script).into_iter().peekable();
        let mut steps = 0u64;
        loop {
            steps += 1;
            if steps > 20_000_000 {
                return Err("no progress: too many steps".into());
            }
            let next_packet = self.queue.peek().map(|Reverse((at, _, _))| *at);
            let next_fault = script.peek().map(|(at, _)| *at);
            let next_timer = self.next_deadline();
            let next_client = self.next_client();
            let at = [
                next_packet,
                next_fault,
                next_timer.map(|(at, _)| at),
                next_client.map(|(at, _)| at),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(at) = at.filter(|at| *at <= self.s.end) else {
                return Ok(());
            };
            if next_fault == Some(at) {
                if let Some((_, f)) = script.next() {
                    self.fault(at, f)?;
                }
            } else if next_packet == Some(at) {
                if let Some(Reverse((_, _, index))) = self.queue.pop() {
                    let d = self.deliveries[index].clone();
                    self.deliver(at, d)?;
                }
            } else if next_timer.is_some_and(|(t, _)| t == at) {
                if let Some((_, i)) = next_timer {
                    self.handle(at, i, Input::Tick)?;
                }
            } else if let Some((_, c)) = next_client {
                self.client_step(at, c);
            }
            self.check_invariants(at)?;
        }
    }
}

/// What a vipflip node's routine filter compares: the source and the first six bytes.
fn head_of(from: usize, bytes: &[u8]) -> Option<(IpAddr, [u8; 6])> {
    Some((primary(from), routine_head(bytes)?))
}

/// Runs seed `seed`; a violation carries the seed, the group and the timeline.
pub fn run_seed(seed: u64) -> Result<(), Violation> {
    run_scenario(seed, Scenario::draw(seed))
}

/// Runs `scenario` with the network randomness of `seed`.
pub fn run_scenario(seed: u64, scenario: Scenario) -> Result<(), Violation> {
    run_counting(seed, scenario).0
}

/// How many adverts the vipflip nodes of a seed's group read late (`Late`), whatever the
/// outcome: that the simulator exercises the mechanism at all.
pub fn late_reads(seed: u64, scenario: Scenario) -> usize {
    run_counting(seed, scenario).1
}

fn run_counting(seed: u64, scenario: Scenario) -> (Result<(), Violation>, usize) {
    let n = scenario.priorities.len();
    let clients: Vec<Client> = scenario
        .clients
        .iter()
        .map(|p| Client::new(p.every, p.start, p.reachable, scenario.ndp))
        .collect();
    let flushes = scenario
        .clients
        .iter()
        .map(|p| {
            let mut f = p.flushes.clone();
            f.sort();
            f
        })
        .collect();
    let mut sim = Sim {
        seed,
        rng: Rng::new(seed.wrapping_mul(31)),
        t0: Instant::now(),
        nodes: Vec::new(),
        stray_since: vec![None; clients.len()],
        off_keeper_since: vec![None; clients.len()],
        keeper_spent: vec![false; clients.len()],
        resolved_from_loser: vec![false; clients.len()],
        left_by_peer: vec![false; clients.len()],
        clients,
        flushes,
        queue: BinaryHeap::new(),
        deliveries: Vec::new(),
        seq: 0,
        link_last: Default::default(),
        posting_ahead: false,
        side: Vec::new(),
        loss: 0,
        disturbed_until: Duration::ZERO,
        vrrp_blocked: None,
        moved_by_answers: vec![0; scenario.clients.len()],
        changes_at_settle: None,
        last_fault: Duration::ZERO,
        planned_since: None,
        both_answer_since: Default::default(),
        last_transition: Duration::ZERO,
        last_takeover: Duration::ZERO,
        log: Vec::new(),
        debug: std::env::var_os("VIPFLIP_SIM_DEBUG").is_some(),
        late_reads: 0,
        s: scenario.clone(),
    };
    for i in 0..n {
        let machine = Machine::new(sim.params(i));
        sim.nodes.push(Node {
            machine,
            alive: false,
            link: true,
            holds: false,
            failing: false,
            penalty: 0,
            busy_until: Duration::ZERO,
            knows: vec![false; sim.clients.len()],
            lingering_since: None,
            released_at: Duration::ZERO,
            releasing_since: None,
            late: Late::default(),
        });
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sim.run()));
    let reads = sim.late_reads;
    let rule = match outcome {
        Ok(Ok(())) => return (Ok(()), reads),
        Ok(Err(rule)) => rule,
        Err(panic) => format!(
            "panic: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        ),
    };
    let tail: Vec<&String> = sim
        .log
        .iter()
        .rev()
        .take(
            std::env::var("VIPFLIP_SIM_LINES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(80),
        )
        .collect();
    let report = format!(
        "seed {seed}: {rule}\ngroup: {:?} peers {:?} priorities {:?} intervals {:?}cs preempt {} (delay {:?}) delay {:?} jitter {:?} lateness {:?}\nclients: {:?} ndp {} garp_repeat {} second announce {:?}\nscript: {:?}\nlast {} lines of the timeline:\n{}",
        scenario.version,
        scenario.peers,
        scenario.priorities,
        scenario.interval_cs,
        scenario.preempt,
        scenario.preempt_delay,
        scenario.delay,
        scenario.jitter,
        scenario.lateness,
        scenario.clients,
        scenario.ndp,
        scenario.garp_repeat,
        scenario.second_announce,
        scenario.script,
        tail.len(),
        tail.into_iter().rev().cloned().collect::<Vec<_>>().join("\n")
    );
    (Err(Violation { seed, rule, report }), reads)
}

/// A violation's rule without its numbers, to count a campaign's failures by kind.
pub fn rule_kind(rule: &str) -> String {
    let words: Vec<&str> = rule
        .split_whitespace()
        .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
        .collect();
    words.join(" ")
}

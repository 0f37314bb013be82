//! A deterministic group simulator on the pure machine and wire code: N nodes on one segment
//! with per-link delay, jitter, loss, reordering and partitions, a client whose neighbour entry
//! follows the announcements it hears, and a script of faults. Invariants are checked after
//! every step; a violation returns the seed's readable timeline.
//!
//! The client model follows what Linux was measured to do (README "On a bad day", issue 10):
//! a gratuitous ARP request (or unsolicited NA with Override) updates an existing entry even
//! inside the 1 s locktime, so the last announcement heard wins.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use vipflip::vrrp::checks::{check, Verdict};
use vipflip::vrrp::timers::{handover_wait, interval, master_down_interval};
use vipflip::vrrp::{Action, Health, Input, Machine, Params, State};
use vipflip::wire::announce::MacAddr;
use vipflip::wire::vrrp::{emit, GROUP_V4};
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
}

impl Fault {
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
        Scenario {
            version,
            priorities,
            interval_cs,
            preempt,
            delay,
            jitter,
            lateness,
            script,
            end: t + mdi * 3,
            state_master,
            refresh,
        }
    }
}

#[derive(Clone, Debug)]
enum Payload {
    Advert(Vec<u8>),
    Announce,
}

#[derive(Clone, Debug)]
struct Delivery {
    from: usize,
    /// `None`: the client.
    to: Option<usize>,
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
    queue: BinaryHeap<Reverse<(Duration, u64, usize)>>,
    deliveries: Vec<Delivery>,
    seq: u64,
    /// The last delivery time per (sender, receiver).
    link_last: std::collections::HashMap<(usize, Option<usize>), Duration>,
    side: Vec<usize>,
    loss: u64,
    client: Option<usize>,
    /// When the last disruptive fault happened, and whether it was a planned handover.
    last_fault: Duration,
    planned_since: Option<Duration>,
    /// Since when the client points at a node that does not hold the VIP.
    stray_since: Option<Duration>,
    log: Vec<String>,
}

fn mac(i: usize) -> MacAddr {
    MacAddr(2, 0, 0xc0, 0, 2, 0xc9 + i as u8)
}

fn primary(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 201 + i as u8))
}

impl Sim {
    fn params(&self, i: usize) -> Params {
        Params {
            version: self.s.version,
            vrid: 41,
            priority: self.s.priorities[i],
            interval_cs: self.s.interval_cs[i],
            preempt: self.s.preempt,
            preempt_delay: Duration::ZERO,
            primary: primary(i),
            vips: vec![VIP],
            auth: Auth::None,
            second_announce: Some(Duration::from_secs(5)),
            unicast_peers: Vec::new(),
            state_master: self.s.state_master[i],
            refresh: self.s.refresh,
            sync: false,
        }
    }

    fn note(&mut self, at: Duration, text: String) {
        self.log.push(format!("{:>10.4}s {text}", at.as_secs_f64()));
    }

    fn connected(&self, a: usize, b: Option<usize>) -> bool {
        let in_side = |i: usize| self.side.contains(&i);
        let a_ok = self.nodes[a].alive && self.nodes[a].link;
        match b {
            Some(b) => {
                a_ok && self.nodes[b].alive && self.nodes[b].link && in_side(a) == in_side(b)
            }
            None => a_ok && !in_side(a),
        }
    }

    fn send(&mut self, at: Duration, from: usize, payload: Payload) {
        let targets: Vec<Option<usize>> = (0..self.nodes.len())
            .filter(|&j| j != from)
            .map(Some)
            .chain(std::iter::once(None))
            .collect();
        for to in targets {
            if matches!(payload, Payload::Advert(_)) && to.is_none() {
                continue;
            }
            if self.loss > 0 && self.rng.chance(self.loss) {
                continue;
            }
            let jitter = us(self.rng.range(0, self.s.jitter.as_micros() as u64));
            // Frames from one sender to one receiver stay in order (one path, one queue);
            // frames of different senders reorder freely.
            let link = (from, to);
            let last = self.link_last.get(&link).copied().unwrap_or_default();
            let when = (at + self.s.delay + jitter).max(last + us(1));
            self.link_last.insert(link, when);
            self.deliveries.push(Delivery {
                from,
                to,
                payload: payload.clone(),
            });
            self.seq += 1;
            self.queue
                .push(Reverse((when, self.seq, self.deliveries.len() - 1)));
        }
    }

    /// Nodes on the segment with the VIP, a releasing master among them (it still answers).
    fn answering(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].alive && self.nodes[i].link && self.nodes[i].holds)
            .collect()
    }

    /// Nodes that hold the VIP as master (a releasing one is on its way out).
    fn holders(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| {
                let n = &self.nodes[i];
                n.alive && n.link && n.holds && n.machine.state() != State::Releasing
            })
            .collect()
    }

    fn handle(&mut self, at: Duration, i: usize, input: Input) -> Result<(), String> {
        if !self.nodes[i].alive {
            return Ok(());
        }
        let late = if self.s.lateness.is_zero() {
            Duration::ZERO
        } else {
            us(self.rng.range(0, self.s.lateness.as_micros() as u64))
        };
        // One loop per node: it gets to inputs in order, never before its previous step.
        let when = (at + late).max(self.nodes[i].busy_until);
        self.nodes[i].busy_until = when;
        let actions = self.nodes[i].machine.handle(self.t0 + when, input);
        let mut when = when;
        for action in actions {
            // Adding an address goes through netlink: what follows (the announcement) leaves
            // a little later than the advert before it.
            if matches!(action, Action::AddVips) {
                when += us(self.rng.range(100, 800));
                self.nodes[i].busy_until = when;
            }
            self.apply(when, i, action)?;
        }
        Ok(())
    }

    fn apply(&mut self, at: Duration, i: usize, action: Action) -> Result<(), String> {
        match action {
            Action::SendAdvert { priority } => {
                let p = self.nodes[i].machine.params().advert(priority);
                let bytes = emit(&p, primary(i), IpAddr::V4(GROUP_V4), V3Checksum::Keepalived)
                    .map_err(|e| format!("n{i} cannot emit its advert: {e}"))?;
                if self.nodes[i].link {
                    self.send(at, i, Payload::Advert(bytes));
                }
            }
            Action::AddVips => self.nodes[i].holds = true,
            Action::RemoveVips => self.nodes[i].holds = false,
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
                self.note(at, format!("n{i} announces"));
                if link {
                    self.send(at, i, Payload::Announce);
                }
            }
            Action::Transition { from, to, reason } => {
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
        if !self.connected(d.from, d.to) {
            return Ok(());
        }
        match (d.to, d.payload) {
            (None, Payload::Announce) => {
                if self.client != Some(d.from) {
                    self.note(at, format!("client -> n{}", d.from));
                }
                self.client = Some(d.from);
            }
            (Some(j), Payload::Announce) => self.handle(
                at,
                j,
                Input::Claimed {
                    vip: VIP,
                    by: mac(d.from),
                },
            )?,
            (Some(j), Payload::Advert(bytes)) => {
                let params = self.nodes[j].machine.params().clone();
                let rx = Received {
                    ttl: 255,
                    src: primary(d.from),
                    dst: IpAddr::V4(GROUP_V4),
                    payload: bytes,
                };
                let verdict = check(&params, &rx);
                if let Verdict::Accept(parsed) = &verdict {
                    if parsed.advert.priority == 0 {
                        self.note(at, format!("n{j} hears priority 0 from n{}", d.from));
                    }
                } else {
                    self.note(at, format!("n{j} drops n{}'s advert: {verdict:?}", d.from));
                }
                if let Verdict::Accept(parsed) = verdict {
                    let input = Input::Advert {
                        src: primary(d.from),
                        advert: parsed.advert,
                        received: Some(self.t0 + at),
                    };
                    self.handle(at, j, input)?;
                }
            }
            (None, Payload::Advert(_)) => {}
        }
        Ok(())
    }

    fn fault(&mut self, at: Duration, f: Fault) -> Result<(), String> {
        self.note(at, format!("FAULT {f:?}"));
        // A planned handover promises no loss only from a settled group: one holder, the
        // client on it, the network whole.
        let settled = at.saturating_sub(self.last_fault) > self.bound()
            && self.loss == 0
            && self.side.is_empty()
            && self.client.is_some_and(|c| self.holders() == vec![c]);
        // Every fault (a start too) may leave the group without a master, or with two, for
        // up to `bound()`.
        self.last_fault = at;
        self.planned_since = None;
        if f.planned() && settled {
            self.planned_since = Some(at);
            self.stray_since = None;
        }
        match f {
            Fault::Start(i) => {
                let link = self.nodes[i].link;
                self.nodes[i] = Node {
                    machine: Machine::new(self.params(i)),
                    alive: true,
                    link,
                    // `run` removes a stale copy before it starts.
                    holds: false,
                    failing: false,
                    penalty: 0,
                    busy_until: at,
                };
                self.handle(at, i, Input::Start { link_up: link })?;
            }
            Fault::Stop(i) => self.handle(at, i, Input::Shutdown)?,
            Fault::Crash(i) => {
                self.nodes[i].alive = false;
                self.nodes[i].holds = false;
            }
            Fault::LinkDown(i) => {
                self.nodes[i].link = false;
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
            Fault::Heal => self.side.clear(),
            Fault::Loss(p) => self.loss = p,
        }
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
        mdi * 2 + handover_wait(self.s.version, longest) + slack
    }

    fn check_invariants(&mut self, at: Duration) -> Result<(), String> {
        let holders = self.holders();
        let eligible = (0..self.nodes.len()).any(|i| {
            let n = &self.nodes[i];
            n.alive && n.link && !matches!(n.machine.state(), State::Fault | State::Stopped)
        });
        let quiet = at.saturating_sub(self.last_fault) > self.bound();
        if quiet && self.side.is_empty() && self.loss == 0 {
            if holders.len() > 1 {
                return Err(format!("two holders {holders:?} long after the last fault"));
            }
            if eligible && holders.is_empty() {
                return Err("no holder long after the last fault".into());
            }
        }
        if let Some(since) = self.planned_since {
            let answering = self.answering();
            let stray = !self.client.is_some_and(|c| answering.contains(&c));
            let had_holder_before = self.client.is_some();
            match (stray && had_holder_before, self.stray_since) {
                (true, None) => self.stray_since = Some(at),
                (true, Some(from)) => {
                    // A loser's announcement reaches the client and the winner at once; the
                    // winner's answer needs one more delivery and a step of its loop. So the
                    // client may point at a non-holder for one claim round trip, no longer.
                    let allowed = (self.s.delay + self.s.jitter) * 2 + self.s.lateness + us(50);
                    if at - from > allowed && at > since {
                        return Err(format!(
                            "after a planned handover the client points at n{:?}, not a holder {holders:?}, for {:?}",
                            self.client,
                            at - from
                        ));
                    }
                }
                (false, _) => self.stray_since = None,
            }
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

    fn run(&mut self) -> Result<(), String> {
        let mut script = std::mem::take(&mut self.s.script).into_iter().peekable();
        let mut steps = 0u64;
        loop {
            steps += 1;
            if steps > 5_000_000 {
                return Err("no progress: too many steps".into());
            }
            let next_packet = self.queue.peek().map(|Reverse((at, _, _))| *at);
            let next_fault = script.peek().map(|(at, _)| *at);
            let next_timer = self.next_deadline();
            let at = [next_packet, next_fault, next_timer.map(|(at, _)| at)]
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
            } else if let Some((_, i)) = next_timer {
                self.handle(at, i, Input::Tick)?;
            }
            self.check_invariants(at)?;
        }
    }
}

/// Runs seed `seed`; a violation carries the seed, the group and the timeline.
pub fn run_seed(seed: u64) -> Result<(), Violation> {
    run_scenario(seed, Scenario::draw(seed))
}

/// Runs `scenario` with the network randomness of `seed`.
pub fn run_scenario(seed: u64, scenario: Scenario) -> Result<(), Violation> {
    let n = scenario.priorities.len();
    let mut sim = Sim {
        seed,
        rng: Rng::new(seed.wrapping_mul(31)),
        t0: Instant::now(),
        nodes: Vec::new(),
        queue: BinaryHeap::new(),
        deliveries: Vec::new(),
        seq: 0,
        link_last: Default::default(),
        side: Vec::new(),
        loss: 0,
        client: None,
        last_fault: Duration::ZERO,
        planned_since: None,
        stray_since: None,
        log: Vec::new(),
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
        });
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sim.run()));
    let rule = match outcome {
        Ok(Ok(())) => return Ok(()),
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
    let tail: Vec<&String> = sim.log.iter().rev().take(80).collect();
    let report = format!(
        "seed {seed}: {rule}\ngroup: {:?} priorities {:?} intervals {:?}cs preempt {} delay {:?} jitter {:?} lateness {:?}\nscript: {:?}\nlast {} lines of the timeline:\n{}",
        scenario.version,
        scenario.priorities,
        scenario.interval_cs,
        scenario.preempt,
        scenario.delay,
        scenario.jitter,
        scenario.lateness,
        scenario.script,
        tail.len(),
        tail.into_iter().rev().cloned().collect::<Vec<_>>().join("\n")
    );
    Err(Violation { seed, rule, report })
}

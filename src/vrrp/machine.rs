//! The VRRP state machine (RFC 3768 §6.4, RFC 5798/9568 §6.4), with keepalived's words:
//! backup, master, fault. `handle(now, input)` returns what the I/O layer must do;
//! `deadline()` says when to call again with `Input::Tick`. Its inputs and actions are in
//! api.rs, their words in prose.rs, its constants in timers.rs.
//!
//! The chart: six states, the phases within them on the right, each with the deadline it
//! waits for. `Phase` holds them: each state's variant carries only its own deadlines
//! (`Listening`, `Mastering`, `Handover`), so leaving a state drops its timers with it and
//! none can fire late. docs/design.md has the same chart.
//!
//! ```text
//!             Start, link down                 Start, priority 255
//!   Init ─────────────────────▶ Fault    Init ────────────────────▶ Master
//!    │ Start, link up                ▲ │ LinkUp, checks pass (→ Backup)
//!    ▼                               │ │
//!   Backup ◀─────────────────────────┼─┘      listening: down timer = Master_Down_Interval,
//!    │  ▲  LinkDown, check fails ────┘          Skew_Time after a priority 0; a lower
//!    │  │                                       master heard meanwhile never brings it
//!    │  │                                       closer (follows the highest)
//!    │  │                                     preempting: a lower master heard, timer runs on
//!    │  │                                       (after --preempt-delay)
//!    │  │                                     draining: was master, keeps the VIP LINGER_MIN
//!    │  │ higher advert, GroupBackup            (never announces; IPv6: answers no NS); no
//!    │  │                                       announcement seen by then: its advert again
//!    │  │                                     sync: timer ran out, waits for its group
//!    │  │
//!    │ down timer, GroupMaster
//!    ▼  │
//!   Master                                    steady: adverts, garp_delay's burst, refresh;
//!    │                                          re-announces AFTER_LINGER after taking over
//!    │                                        contest (an advert from another node within
//!    │                                          Master_Down_Interval): answers lower adverts at
//!    │                                          once and claims CLAIM_SETTLE later, 20 answers
//!    │                                          a second
//!    │ Shutdown, check fails                  no contest: claims unanswered, said once
//!    ▼
//!   Releasing (priority 0 sent, the VIP kept)  awaiting a successor's advert: handover_wait
//!    │                                         awaiting its announcement: an interval
//!    │                                         settling: CLAIM_SETTLE after it (IPv6:
//!    │                                           answers no NS once any MAC announced);
//!    │                                           none seen: priority 0 again at the end
//!    ▼
//!   Stopped (exit), or Fault when a check failed (then Backup once it passes)
//! ```

use std::net::IpAddr;
use std::time::{Duration, Instant};

pub use super::api::{
    is_owner, Action, Health, Input, Note, Params, Reason, State, OWNER_PRIORITY,
};
use super::timers::{handover_wait, interval, master_down_interval, skew_min, skew_time};
pub use super::timers::{AFTER_LINGER, ANSWER_GAP, CLAIM_SETTLE, LINGER_MIN, MAX_ANSWERS};
use crate::wire::announce::MacAddr;
use crate::wire::{Advert, Version};

/// What the backup's master-down timer means when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DownCause {
    Silence,
    Released(IpAddr),
    Preempt(IpAddr, u8),
}

/// Until when a releasing master keeps the VIP: each announcement by another MAC pushes that
/// to `CLAIM_SETTLE` later (several nodes may have taken over at once, and the winner answers
/// every claim, so its answer is the last), never past `cap`.
#[derive(Debug, Clone, Copy)]
struct Settle {
    at: Instant,
    cap: Instant,
}

impl Settle {
    fn until(cap: Instant) -> Settle {
        Settle { at: cap, cap }
    }

    fn claim(&mut self, now: Instant) {
        self.at = self.cap.min(now + CLAIM_SETTLE);
    }

    fn shorten(&mut self, cap: Instant) {
        self.cap = self.cap.min(cap);
        self.at = self.at.min(cap);
    }
}

/// The state with what it waits for: each variant carries only its own deadlines, so a
/// timer of a state left behind cannot fire (the shape of smoltcp's tcp `Timer`).
#[derive(Debug, Clone)]
enum Phase {
    Init,
    Backup(Listening),
    Master(Mastering),
    Releasing(Handover),
    Fault,
    Stopped,
}

/// Backup: listening for a master, and draining the VIP it held as master.
#[derive(Debug, Clone)]
struct Listening {
    /// The master-down timer, and what it means when it fires.
    down_at: Instant,
    cause: DownCause,
    /// When it started listening (for "no advert heard for ...").
    since: Instant,
    /// --preempt-delay: a lower master is still obeyed until then.
    preempt_until: Option<Instant>,
    /// A sync group member whose timer ran out: it waits for its group.
    wants_master: bool,
    /// It yielded as master: it keeps the VIP until then, never announcing (the I/O side
    /// keeps an IPv6 VIP as a local route: traffic lands, no NS is answered).
    drain_until: Option<Instant>,
    /// Another MAC announced the VIP during the drain: the winner answered (or, in a tie,
    /// another loser's burst came first; the winner's own answer follows it).
    drain_answered: bool,
    /// The master it follows: its address, priority and last advert. A lower master heard
    /// meanwhile (a contest, a loser's last advert) never brings the takeover closer.
    following: Option<(IpAddr, u8, Instant)>,
    /// That a lower master at another interval was not followed has been said (once per
    /// master followed).
    lower_said: bool,
}

/// Master: adverts, announcements, answers.
#[derive(Debug, Clone)]
struct Mastering {
    adver_at: Instant,
    /// When it last sent an advert (answers to lower adverts keep ANSWER_GAP from it).
    advertised_at: Instant,
    /// garp_master_delay's second burst.
    second_burst_at: Option<Instant>,
    /// garp_master_refresh.
    refresh_at: Option<Instant>,
    /// Single answers due: CLAIM_SETTLE after a claim, an interval after a lower advert.
    answer_at: Vec<Instant>,
    /// The re-announcement past a loser's drain.
    after_drain_at: Option<Instant>,
    /// When it last accepted an advert from another node: a contest it can see.
    contest_seen: Option<Instant>,
    /// A claim went unanswered (no contest visible) and was said.
    unanswered_said: bool,
}

/// Releasing: priority 0 sent, the VIP kept until a successor has announced it.
#[derive(Debug, Clone)]
struct Handover {
    settle: Settle,
    /// The best node whose advert says it took over, and the MAC its announcement came from.
    successor: Option<(IpAddr, u8)>,
    successor_mac: Option<MacAddr>,
    /// No successor yet: the last claim heard and when. Adverts and claims come on two
    /// paths, so the successor's announcement can overtake its advert.
    early_claim: Option<(Instant, MacAddr)>,
    /// A failed check began it: it ends in fault, not stopped.
    to_fault: bool,
}

impl Handover {
    /// Another MAC announced the VIP during the release: the successor's announcement, or
    /// one before its advert (FRR over IPv6 sends its NA an interval first).
    fn announced(&self) -> bool {
        self.successor_mac.is_some() || self.early_claim.is_some()
    }
}

impl Phase {
    fn state(&self) -> State {
        match self {
            Phase::Init => State::Init,
            Phase::Backup(_) => State::Backup,
            Phase::Master(_) => State::Master,
            Phase::Releasing(_) => State::Releasing,
            Phase::Fault => State::Fault,
            Phase::Stopped => State::Stopped,
        }
    }

    fn deadline(&self) -> Option<Instant> {
        match self {
            Phase::Backup(b) => Some(b.drain_until.map_or(b.down_at, |d| d.min(b.down_at))),
            Phase::Master(m) => [
                Some(m.adver_at),
                m.second_burst_at,
                m.refresh_at,
                m.answer_at.iter().min().copied(),
                m.after_drain_at,
            ]
            .into_iter()
            .flatten()
            .min(),
            Phase::Releasing(h) => Some(h.settle.at),
            Phase::Init | Phase::Fault | Phase::Stopped => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Machine {
    p: Params,
    phase: Phase,
    /// v3: the interval the current master advertises (RFC 5798 Master_Adver_Interval).
    master_interval_cs: u16,
    /// Sync group member: the group is master (members may go master on their own).
    group_master: bool,
    /// The master we last accepted an advert from, and when.
    last_master: Option<(IpAddr, Instant)>,
    link_up: bool,
    /// The failing check that holds this node in fault.
    fault_check: Option<String>,
    /// Added to the configured priority by the tracking's weights (negative lowers it).
    adjust: i32,
    /// Answers sent in the current second, and when that second began.
    answers: AnswerBudget,
    /// When an answered claim was last said: at most one line a second.
    claim_said_at: Option<Instant>,
}

impl Machine {
    pub fn new(p: Params) -> Self {
        let master_interval_cs = p.interval_cs;
        Machine {
            p,
            phase: Phase::Init,
            master_interval_cs,
            group_master: false,
            last_master: None,
            link_up: true,
            fault_check: None,
            adjust: 0,
            answers: AnswerBudget::default(),
            claim_said_at: None,
        }
    }

    /// A sync group member in backup whose own timer ran out: it would be master.
    pub fn wants_master(&self) -> bool {
        matches!(&self.phase, Phase::Backup(b) if b.wants_master)
    }

    pub fn state(&self) -> State {
        self.phase.state()
    }

    pub fn params(&self) -> &Params {
        &self.p
    }

    /// The priority advertised and compared: the configured one plus the tracking's
    /// change, within 1..=254; the owner's 255 never changes (keepalived's
    /// vrrp_track.c vrrp_set_effective_priority).
    pub fn priority(&self) -> u8 {
        if self.p.is_owner() {
            255
        } else {
            (i32::from(self.p.priority) + self.adjust).clamp(1, 254) as u8
        }
    }

    /// The master last heard (address, when); `None` before any advert was accepted.
    pub fn last_master(&self) -> Option<(IpAddr, Instant)> {
        self.last_master
    }

    pub fn skew_time(&self) -> Duration {
        skew_time(self.p.version, self.priority(), self.master_interval_cs)
    }

    pub fn master_down_interval(&self) -> Duration {
        master_down_interval(self.p.version, self.priority(), self.master_interval_cs)
    }

    /// Releasing, and another MAC announced the VIP: its successor's announcement, or one
    /// that came before the successor's advert (FRR over IPv6 sends its NA an interval
    /// before its advert). The VIPs only wait for probes already on their way, and need
    /// answer no request meanwhile (the I/O side's quiet drain, as after a yield): answering
    /// gave a client that asked then this MAC, after FRR's (simulator, mixed seed 7356).
    pub fn releasing_announced(&self) -> bool {
        matches!(&self.phase, Phase::Releasing(h) if h.announced())
    }

    /// The master whose adverts, while they repeat, only restart the master-down timer: a
    /// backup that follows a master of higher priority, not draining, not waiting for its
    /// sync group. The I/O side may hand such adverts over late, with their arrival times
    /// (`Input::Advert`'s `received`), as long as it does before the timer is due: the
    /// machine ends where it would have.
    pub fn routine_master(&self) -> Option<IpAddr> {
        let Phase::Backup(b) = &self.phase else {
            return None;
        };
        let (src, priority, _) = b.following?;
        let quiet = b.drain_until.is_none() && !b.wants_master && b.cause == DownCause::Silence;
        (quiet && priority > self.priority()).then_some(src)
    }

    /// This second's `MAX_ANSWERS` are spent: a lower advert or a claim now gets no
    /// announcement until the next second, only the re-announcement past a drain. For the
    /// group simulator's bounds.
    pub fn answers_spent(&self, now: Instant) -> bool {
        self.answers.current(now) && self.answers.count >= MAX_ANSWERS
    }

    /// The next instant at which `Input::Tick` has something to do.
    pub fn deadline(&self) -> Option<Instant> {
        self.phase.deadline()
    }

    pub fn handle(&mut self, now: Instant, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        self.handle_into(now, input, &mut out);
        out
    }

    /// `handle`, appending to `out`: a loop that runs per advert reuses one buffer.
    pub fn handle_into(&mut self, now: Instant, input: Input, out: &mut Vec<Action>) {
        let (at, is_advert) = match &input {
            Input::Advert { received, .. } => (received.unwrap_or(now).min(now), true),
            _ => (now, false),
        };
        // A timer due at the very instant an advert arrived loses to the advert.
        let timers_until = if is_advert {
            at.checked_sub(Duration::from_nanos(1)).unwrap_or(at)
        } else {
            at
        };
        self.expire(timers_until, out);
        self.apply(at, input, out);
        if at < now {
            self.expire(now, out);
        }
    }

    fn apply(&mut self, now: Instant, input: Input, out: &mut Vec<Action>) {
        match input {
            Input::Start { link_up } => self.start(now, link_up, out),
            Input::Tick => {}
            Input::Advert { src, advert, .. } => match self.state() {
                State::Backup => self.backup_rx(now, src, &advert, out),
                State::Master => self.master_rx(now, src, &advert, out),
                State::Releasing if advert.priority > 0 && src != self.p.primary => {
                    self.successor_advertised(now, src, advert.priority)
                }
                _ => {}
            },
            Input::LinkDown => self.link_down(now, out),
            Input::LinkUp => {
                self.link_up = true;
                if self.state() == State::Fault && self.fault_check.is_none() {
                    self.enter_running(now, out, |wait| Reason::LinkUp { wait });
                }
            }
            Input::Health(health) => self.health(now, health, out),
            Input::GroupMaster => {
                self.group_master = true;
                if self.state() == State::Backup {
                    self.become_master(now, Reason::GroupMaster, out);
                }
            }
            Input::GroupBackup => {
                self.group_master = false;
                if self.state() == State::Master {
                    self.become_backup(now, Reason::GroupBackup, out);
                }
            }
            Input::VipsMissing if self.state() == State::Master => {
                out.extend([
                    Action::AddVips,
                    Action::Announce,
                    Action::Note(Note::VipsRestored),
                ]);
            }
            Input::VipsMissing => {}
            Input::Claimed { vip, by } if self.state() == State::Master => {
                self.answer_claim(now, vip, by, out)
            }
            Input::Claimed { by, .. } => match &mut self.phase {
                Phase::Releasing(h) if h.successor.is_some() => {
                    Self::successor_announced(h, now, by)
                }
                Phase::Releasing(h) => h.early_claim = Some((now, by)),
                Phase::Backup(b) if b.drain_until.is_some() => b.drain_answered = true,
                _ => {}
            },
            Input::Shutdown => self.shutdown(now, out),
        }
    }

    /// `vipflip release --vrid`: steps down for a master that cannot (it was killed):
    /// priority 0 now, then the same wait for a successor's advert and announcement as a
    /// stopping master, ending in `Stopped` with `HandedOver` or `NoSuccessor`.
    pub fn stepping_down(p: Params, now: Instant) -> (Machine, Vec<Action>) {
        let mut m = Machine::new(p);
        m.phase = Phase::Master(m.mastering(now));
        let mut out = Vec::new();
        m.shutdown(now, &mut out);
        (m, out)
    }

    /// How long a stopping master keeps the VIP waiting for a successor.
    pub fn handover_wait(&self) -> Duration {
        handover_wait(self.p.version, self.p.interval_cs)
    }

    fn expire(&mut self, now: Instant, out: &mut Vec<Action>) {
        let priority = self.priority();
        match &mut self.phase {
            Phase::Backup(b) => {
                if b.drain_until.is_some_and(|at| at <= now) {
                    b.drain_until = None;
                    if !b.drain_answered && !self.p.shared_mac {
                        Self::remind_winner(b, priority, out);
                    }
                    out.push(Action::RemoveVips);
                }
                if b.down_at <= now {
                    self.master_down(now, out);
                }
            }
            Phase::Master(_) => self.master_timers(now, out),
            Phase::Releasing(h) if h.settle.at <= now => {
                // As at a drain's end (`remind_winner`): no announcement seen, so a master
                // that never heard our priority 0 (sent while the network was split) may
                // hold clients' entries on this MAC; priority 0 again makes it announce.
                if !h.announced() && !self.p.shared_mac {
                    out.push(Action::SendAdvert { priority: 0 });
                }
                let reason = match h.successor {
                    Some((to, _)) => Reason::HandedOver {
                        to,
                        by: h.successor_mac,
                    },
                    None => Reason::NoSuccessor {
                        waited: self.handover_wait(),
                    },
                };
                self.finish_release(now, reason, out);
            }
            _ => {}
        }
    }

    /// A drain ended with no announcement of the VIP from another MAC: the winner never saw a
    /// contest (our last advert was lost, or it leaves unexplained claims unanswered: the
    /// split-brain rule), so clients our takeover moved stay on this MAC, where the VIP is
    /// about to go, until their neighbour entry fails (tens of seconds). Our advert once
    /// more, the last moment we can send it: the winner answers a lower advert with its
    /// announcement. Found by the simulator (seed 5132: 31% loss hid a false takeover).
    fn remind_winner(b: &Listening, priority: u8, out: &mut Vec<Action>) {
        out.push(Action::SendAdvert { priority });
        out.push(Action::Note(Note::DrainUnanswered {
            winner: b.following.map(|(src, _, _)| src),
        }));
    }

    /// The backup's timer ran out: master, or (a sync group member) ready and waiting.
    fn master_down(&mut self, now: Instant, out: &mut Vec<Action>) {
        let mdi = self.master_down_interval();
        if self.p.sync && !self.group_master {
            // vrrp_sync_can_goto_master: not before every member wants to; listen on.
            if let Phase::Backup(b) = &mut self.phase {
                b.wants_master = true;
                b.down_at = now + mdi;
            }
            return;
        }
        let reason = self.down_reason(now);
        self.become_master(now, reason, out);
    }

    fn master_timers(&mut self, now: Instant, out: &mut Vec<Action>) {
        let every = interval(self.p.interval_cs);
        let refresh_every = self.p.refresh;
        let priority = self.priority();
        let Phase::Master(m) = &mut self.phase else {
            return;
        };
        let full = m.second_burst_at.is_some_and(|at| at <= now);
        // A scheduled answer is one of MAX_ANSWERS when it goes out.
        let mut answer = take_due(&mut m.answer_at, now) && take_answer(&mut self.answers, now);
        if full {
            m.second_burst_at = None;
        }
        if m.after_drain_at.is_some_and(|at| at <= now) {
            m.after_drain_at = None;
            answer = true;
        }
        let refresh = m.refresh_at.is_some_and(|at| at <= now);
        if refresh {
            m.refresh_at = refresh_every.map(|e| now + e);
        }
        if full {
            out.push(Action::Announce);
        } else if refresh {
            out.push(Action::Refresh);
        } else if answer {
            out.push(Action::Answer);
        }
        if m.adver_at <= now {
            m.adver_at = now + every;
            m.advertised_at = now;
            out.push(Action::SendAdvert { priority });
        }
    }

    fn down_reason(&self, now: Instant) -> Reason {
        let Phase::Backup(b) = &self.phase else {
            return Reason::MasterDown {
                last: None,
                silent: Duration::ZERO,
            };
        };
        match b.cause {
            DownCause::Released(from) => Reason::MasterReleased { from },
            DownCause::Preempt(from, priority) => Reason::Preempt { from, priority },
            DownCause::Silence => match self.last_master {
                Some((ip, at)) => Reason::MasterDown {
                    last: Some(ip),
                    silent: now - at,
                },
                None => Reason::MasterDown {
                    last: None,
                    silent: now - b.since,
                },
            },
        }
    }

    fn start(&mut self, now: Instant, link_up: bool, out: &mut Vec<Action>) {
        if self.state() != State::Init {
            return;
        }
        self.link_up = link_up;
        if let Some(check) = self.fault_check.clone().filter(|_| link_up) {
            self.transition(Phase::Fault, Reason::CheckFailed { check }, out);
        } else if link_up && self.p.state_master && !self.p.is_owner() {
            let wait = interval(self.p.interval_cs) + skew_min(self.p.version, self.p.interval_cs);
            self.master_interval_cs = self.p.interval_cs;
            self.become_backup(now, Reason::Startup { wait }, out);
            if let Phase::Backup(b) = &mut self.phase {
                b.down_at = now + wait;
            }
        } else if link_up {
            self.enter_running(now, out, |wait| Reason::Startup { wait });
        } else {
            self.transition(Phase::Fault, Reason::LinkDown, out);
        }
    }

    /// From init or fault: the owner becomes master at once, everyone else listens first, by
    /// its own interval until it hears a master (RFC 5798 §6.4.1).
    fn enter_running(&mut self, now: Instant, out: &mut Vec<Action>, why: fn(Duration) -> Reason) {
        self.master_interval_cs = self.p.interval_cs;
        if self.p.is_owner() {
            self.become_master(now, Reason::AddressOwner, out);
            return;
        }
        let wait = master_down_interval(self.p.version, self.priority(), self.p.interval_cs);
        self.become_backup(now, why(wait), out);
    }

    fn health(&mut self, now: Instant, health: Health, out: &mut Vec<Action>) {
        let before = self.priority();
        self.adjust = health.adjust;
        self.fault_check = health.fault;
        if self.priority() != before {
            out.push(Action::Note(Note::PriorityChanged {
                from: before,
                to: self.priority(),
            }));
        }
        match (self.fault_check.clone(), self.state()) {
            (Some(check), State::Master) => {
                self.begin_release(now, Reason::CheckFailed { check }, true, out)
            }
            (Some(check), State::Backup) => {
                self.transition(Phase::Fault, Reason::CheckFailed { check }, out);
            }
            (None, State::Fault) if self.link_up => {
                self.enter_running(now, out, |wait| Reason::ChecksPassing { wait });
            }
            _ => {}
        }
    }

    fn mastering(&self, now: Instant) -> Mastering {
        Mastering {
            adver_at: now + interval(self.p.interval_cs),
            advertised_at: now,
            second_burst_at: self.p.second_announce.map(|d| now + d),
            refresh_at: self.p.refresh.map(|every| now + every),
            answer_at: Vec::new(),
            // Once more after any loser's drain, whatever this node heard: a client that
            // asked for the VIP while a loser or a releasing master still answered has that
            // node's MAC, and only a gratuitous ARP or unsolicited NA moves it (issue 20 a).
            after_drain_at: Some(now + AFTER_LINGER),
            contest_seen: None,
            unanswered_said: false,
        }
    }

    /// keepalived's order: advert first, then the addresses, then the announcement.
    fn become_master(&mut self, now: Instant, reason: Reason, out: &mut Vec<Action>) {
        self.master_interval_cs = self.p.interval_cs;
        out.extend([
            Action::SendAdvert {
                priority: self.priority(),
            },
            Action::AddVips,
            Action::Announce,
        ]);
        let mastering = self.mastering(now);
        self.transition(Phase::Master(mastering), reason, out);
    }

    /// Leaving master cancels every pending announcement: a node that is no longer master
    /// must never send another gratuitous ARP (see the race capture). But it keeps the VIP
    /// for a fixed drain: removing it at once would leave clients on this MAC with no address
    /// behind it until the winner's announcement arrives.
    fn become_backup(&mut self, now: Instant, reason: Reason, out: &mut Vec<Action>) {
        let was_master = self.state() == State::Master;
        let listening = Listening {
            down_at: now + self.master_down_interval(),
            cause: DownCause::Silence,
            since: now,
            preempt_until: None,
            wants_master: false,
            // The winner answers our last advert at once (and announces, answering our
            // announcements too) as its loop gets to them: on a loaded host that took 8 ms,
            // and a loser that dropped the VIP 5 ms after the winner's first frame left a
            // client on its MAC (one 10 ms probe lost in 1 of 4 runs). A fixed drain that no
            // claim and no interval stretches bounds how long two nodes answer for the VIP
            // (issue 20 b: it lasted up to an interval, 41 s at VRRPv3's longest, and every
            // claim, the winner's kernel ARP from the VIP too, added 5 ms).
            drain_until: was_master.then(|| now + LINGER_MIN),
            drain_answered: false,
            following: None,
            lower_said: false,
        };
        self.transition(Phase::Backup(listening), reason, out);
    }

    /// Enters `next`. A drain still running ends with the VIP removed, unless the node goes
    /// back to master (which keeps it).
    fn transition(&mut self, next: Phase, reason: Reason, out: &mut Vec<Action>) {
        if matches!(next, Phase::Fault) {
            self.group_master = false;
        }
        let draining = matches!(&self.phase, Phase::Backup(b) if b.drain_until.is_some());
        if draining && !matches!(next, Phase::Master(_)) {
            out.push(Action::RemoveVips);
        }
        out.push(Action::Transition {
            from: self.state(),
            to: next.state(),
            reason,
        });
        self.phase = next;
    }

    fn backup_rx(&mut self, now: Instant, src: IpAddr, advert: &Advert, out: &mut Vec<Action>) {
        let skew = self.skew_time();
        let Phase::Backup(b) = &mut self.phase else {
            return;
        };
        if advert.priority == 0 {
            b.down_at = now + skew;
            b.cause = DownCause::Released(src);
            return;
        }
        if b.cause == DownCause::Released(src) {
            // Sent before its priority 0 and reordered on the way: that master has left.
            return;
        }
        let lower = advert.priority < self.priority();
        if !self.p.preempt || !lower || self.preempt_delay_holds(now, src, advert.priority, out) {
            if self.below_followed(now, src, advert, out) {
                return;
            }
            self.adopt_interval(src, advert, out);
            let mdi = self.master_down_interval();
            if let Phase::Backup(b) = &mut self.phase {
                if !lower {
                    b.preempt_until = None;
                }
                b.down_at = now + mdi;
                b.cause = DownCause::Silence;
                b.wants_master = false;
                if b.following.map(|f| f.0) != Some(src) {
                    b.lower_said = false;
                }
                b.following = Some((src, advert.priority, now));
            }
            self.last_master = Some((src, now));
        } else if let Phase::Backup(b) = &mut self.phase {
            // Preempt: ignore it; our master-down timer runs out and we take over.
            b.cause = DownCause::Preempt(src, advert.priority);
        }
    }

    /// An advert from a master of lower priority than the one this backup follows, while
    /// that one is alive (heard within its Master_Down_Interval): two masters in a contest,
    /// or a loser's last advert as it yields. RFC 5798 would follow it and take its
    /// interval; a loser that advertises faster than the winner then made every backup time
    /// out before the winner's next advert, take over and yield with a last advert of its
    /// own, for ever, when the winner answers no lower advert (FRR; the simulator's mixed
    /// seed 13826). So it only keeps the takeover from coming sooner than its own silence
    /// would allow; the followed master's timer and interval stand.
    fn below_followed(
        &mut self,
        now: Instant,
        src: IpAddr,
        advert: &Advert,
        out: &mut Vec<Action>,
    ) -> bool {
        let own = self.priority();
        let adopted = self.master_interval_cs;
        let followed_mdi = self.master_down_interval();
        let its_mdi = master_down_interval(self.p.version, own, advert.interval_cs);
        let Phase::Backup(b) = &mut self.phase else {
            return false;
        };
        // Below by the election's own order: priority, then the higher address (a tie's
        // loser: mixed seed 47361).
        let below = b.following.is_some_and(|(at_src, priority, heard)| {
            let lower = advert.priority < priority
                || (advert.priority == priority && address_greater(at_src, src));
            at_src != src && lower && now < heard + followed_mdi
        });
        if below {
            b.down_at = b.down_at.max(now + its_mdi);
            // Where it differs from RFC 5798 and keepalived, said: another interval.
            if advert.interval_cs != adopted && !std::mem::replace(&mut b.lower_said, true) {
                let following = b.following.map_or(src, |f| f.0);
                out.push(Action::Note(Note::LowerMasterNotFollowed {
                    from: src,
                    interval_cs: advert.interval_cs,
                    following,
                }));
            }
        }
        below
    }

    fn preempt_delay_holds(
        &mut self,
        now: Instant,
        src: IpAddr,
        priority: u8,
        out: &mut Vec<Action>,
    ) -> bool {
        let delay = self.p.preempt_delay;
        let Phase::Backup(b) = &mut self.phase else {
            return false;
        };
        if delay.is_zero() {
            return false;
        }
        match b.preempt_until {
            Some(until) => now < until,
            None => {
                b.preempt_until = Some(now + delay);
                out.push(Action::Note(Note::PreemptDelayStarted {
                    from: src,
                    priority,
                    delay,
                }));
                true
            }
        }
    }

    /// v3 backups follow the master's interval (RFC 5798 §6.4.2); v2 checks discard a mismatch.
    fn adopt_interval(&mut self, src: IpAddr, advert: &Advert, out: &mut Vec<Action>) {
        if self.p.version == Version::V3 && advert.interval_cs != self.master_interval_cs {
            self.master_interval_cs = advert.interval_cs;
            out.push(Action::Note(Note::IntervalAdopted {
                from: src,
                interval_cs: advert.interval_cs,
            }));
        }
    }

    fn master_rx(&mut self, now: Instant, src: IpAddr, advert: &Advert, out: &mut Vec<Action>) {
        let ours = self.priority();
        if let Phase::Master(m) = &mut self.phase {
            if src != self.p.primary {
                m.contest_seen = Some(now);
            }
        }
        if advert.priority == 0 {
            // Another master steps down (a split brain ending, two masters of one VRID): our
            // advert at once (RFC 3768/5798 §6.4.3), and our announcement, like any lower
            // advert's: clients it held come here, and it lets the VIP go once it sees that
            // announcement rather than an interval later.
            self.answer_lower(now, src, 0, out);
        } else if advert.priority > ours {
            self.yield_to(
                now,
                src,
                advert,
                Reason::HigherPriority {
                    from: src,
                    priority: advert.priority,
                },
                out,
            );
        } else if advert.priority == ours && address_greater(src, self.p.primary) {
            let reason = Reason::EqualPriorityHigherAddress {
                from: src,
                priority: advert.priority,
            };
            self.yield_to(now, src, advert, reason, out);
        } else if advert.priority == ours && src == self.p.primary {
            out.push(Action::Note(Note::SameAddress { from: src }));
        } else {
            self.answer_lower(now, src, advert.priority, out);
        }
    }

    fn yield_to(
        &mut self,
        now: Instant,
        src: IpAddr,
        advert: &Advert,
        reason: Reason,
        out: &mut Vec<Action>,
    ) {
        if self.p.version == Version::V3 {
            self.master_interval_cs = advert.interval_cs;
        }
        // One last advert before yielding (keepalived's higher_prio_send_advert): the winner
        // hears a lower priority and announces the VIP again, which moves clients that our
        // own announcements sent here (after a partition heals, or a start-up race).
        out.push(Action::SendAdvert {
            priority: self.priority(),
        });
        self.become_backup(now, reason, out);
        if let Phase::Backup(b) = &mut self.phase {
            b.following = Some((src, advert.priority, now));
        }
        self.last_master = Some((src, now));
    }

    /// Another node thinks it is master: answer at once so it yields (RFC 9568), and
    /// announce the VIP at once: clients its announcements moved (a contested takeover, a
    /// healed partition) come back now. A gratuitous ARP overrides Linux's neighbour locktime
    /// (measured: the last one wins, even 1 ms apart), so no later repeat is needed for that;
    /// one more after an interval covers a lost frame. The announcement shares the
    /// `MAX_ANSWERS` budget with claims.
    ///
    /// At most one advert per `ANSWER_GAP`, though: when many nodes took over at once
    /// (a master stalled on a loaded host), one multicast advert answers them all. Answering
    /// every one of their adverts made a cascade: each master answered every lower one,
    /// doubling the adverts with each master in the group, and a loaded host fell further
    /// behind with each round (measured: 16 nodes at 10 ms that never settled).
    fn answer_lower(&mut self, now: Instant, src: IpAddr, priority: u8, out: &mut Vec<Action>) {
        let within_budget = take_answer(&mut self.answers, now);
        let every = interval(self.p.interval_cs);
        let priority_now = self.priority();
        let Phase::Master(m) = &mut self.phase else {
            return;
        };
        if now < m.advertised_at + ANSWER_GAP {
            // An advert went out moments ago: the next one comes a gap after it.
            m.adver_at = m.adver_at.min(m.advertised_at + ANSWER_GAP);
        } else {
            m.adver_at = now + every;
            m.advertised_at = now;
            out.push(Action::SendAdvert {
                priority: priority_now,
            });
        }
        // The re-announcement after the loser's drain is one frame whatever the budget: it is
        // what moves a client that asked the loser meanwhile.
        m.after_drain_at = Some(now + AFTER_LINGER);
        if within_budget {
            out.push(Action::Answer);
            let soon = now + every;
            if !m.answer_at.iter().any(|&at| at <= soon) {
                m.answer_at.push(soon);
            }
            out.push(Action::Note(Note::AnsweredLowerPriority {
                from: src,
                priority,
            }));
        }
    }

    /// Another MAC announced our VIP: ours again `CLAIM_SETTLE` later, so the last word
    /// clients hear is the holder's (one answer for a burst, within `MAX_ANSWERS` answers a
    /// second), and once more after a contest loser's drain (`AFTER_LINGER`).
    ///
    /// Only while a contest is visible, though: an advert from another node accepted within
    /// Master_Down_Interval. A claim with no advert behind it is a node we cannot hear (VRRP
    /// filtered and ARP not, v2 and v3 nodes on one VRID: a lasting split brain), or one whose
    /// advert is still to come (FRR announces an interval before its first advert when it
    /// preempts), or a host configured with our address. Answering moves clients back here
    /// only for the other to move them again: in a split brain they flapped between the two
    /// MACs up to 20 times a second (issue 20 c), and after FRR's preemption they stayed on
    /// this node, which yielded a moment later (issue 20 a). Unanswered, each client stays
    /// with the last announcement it heard, and the note says why.
    ///
    /// Not at once, also in a contest: adverts and claims reach the machine on two paths, so
    /// a new master's advert can arrive just after the announcement that went with it.
    /// Yielding cancels the pending answer.
    fn answer_claim(&mut self, now: Instant, vip: IpAddr, by: MacAddr, out: &mut Vec<Action>) {
        let mdi = self.master_down_interval();
        let Phase::Master(m) = &mut self.phase else {
            return;
        };
        let visible = m
            .contest_seen
            .is_some_and(|at| now.saturating_duration_since(at) <= mdi);
        if !visible {
            if !std::mem::replace(&mut m.unanswered_said, true) {
                out.push(Action::Note(Note::ClaimUnanswered { vip, by }));
            }
            return;
        }
        m.after_drain_at = Some(now + AFTER_LINGER);
        // One answer per burst: none when one is due within CLAIM_SETTLE already (the
        // interval-later answer to a lower advert is not). The budget counts answers, not
        // claim frames: three racing losers' 5-frame bursts spent it in 4 ms, and a lower
        // advert 0.8 s later went unanswered (simulator seed 13462).
        let due = now + CLAIM_SETTLE;
        if m.answer_at.iter().any(|&at| at <= due) {
            return;
        }
        if !budget_left(&mut self.answers, now) {
            if !std::mem::replace(&mut self.answers.ignored_said, true) {
                out.push(Action::Note(Note::ClaimsIgnored { vip, by }));
            }
            return;
        }
        m.answer_at.push(due);
        let said_lately = self
            .claim_said_at
            .is_some_and(|at| now.saturating_duration_since(at) < Duration::from_secs(1));
        if !said_lately {
            self.claim_said_at = Some(now);
            out.push(Action::Note(Note::ClaimAnswered { vip, by }));
        }
    }

    fn link_down(&mut self, now: Instant, out: &mut Vec<Action>) {
        self.link_up = false;
        match self.state() {
            State::Releasing => self.finish_release(now, Reason::LinkDown, out),
            State::Fault | State::Stopped | State::Init => {}
            State::Master => {
                out.extend([Action::SendAdvert { priority: 0 }, Action::RemoveVips]);
                self.transition(Phase::Fault, Reason::LinkDown, out);
            }
            State::Backup => self.transition(Phase::Fault, Reason::LinkDown, out),
        }
    }

    /// A master hands over without a gap: priority 0 makes the best backup take over after
    /// its Skew_Time, and the VIP stays here, answering clients, until that backup's first
    /// advert arrives (bounded by `handover_wait`). Then it goes, and the successor's
    /// gratuitous ARP moves the clients. A second signal stops at once.
    fn shutdown(&mut self, now: Instant, out: &mut Vec<Action>) {
        match &mut self.phase {
            Phase::Master(_) => {
                let reason = Reason::HandingOver {
                    wait: self.handover_wait(),
                };
                self.begin_release(now, reason, false, out);
            }
            Phase::Releasing(h) => {
                h.to_fault = false;
                self.finish_release(now, Reason::Shutdown, out);
            }
            Phase::Stopped => out.push(Action::Exit),
            _ => {
                self.transition(Phase::Stopped, Reason::Shutdown, out);
                out.push(Action::Exit);
            }
        }
    }

    fn begin_release(
        &mut self,
        now: Instant,
        reason: Reason,
        to_fault: bool,
        out: &mut Vec<Action>,
    ) {
        out.push(Action::SendAdvert { priority: 0 });
        let handover = Handover {
            settle: Settle::until(now + self.handover_wait()),
            successor: None,
            successor_mac: None,
            early_claim: None,
            to_fault,
        };
        self.transition(Phase::Releasing(handover), reason, out);
    }

    /// The successor's advert comes before its announcement (advert, address, gratuitous ARP:
    /// keepalived's order and ours). Clients follow the announcement, so the VIP stays here
    /// until it is seen on the wire, or an interval has passed.
    /// Two backups one priority apart can both take over; the lower one's advert may come
    /// first, so a better one that follows replaces it (the wait is not extended).
    fn successor_advertised(&mut self, now: Instant, src: IpAddr, priority: u8) {
        let grace = now + interval(self.p.interval_cs);
        let Phase::Releasing(h) = &mut self.phase else {
            return;
        };
        if let Some((_, best)) = h.successor {
            if priority > best {
                h.successor = Some((src, priority));
            }
            return;
        }
        h.successor = Some((src, priority));
        h.settle.shorten(grace);
        // Only a claim just before counts: an older one is not this successor's. It stays
        // all the same: another MAC announced the VIP, so the node answers no request (FRR
        // over IPv6 sends its NA an interval before its first advert).
        if let Some((at, by)) = h.early_claim {
            if now.saturating_duration_since(at) <= CLAIM_SETTLE {
                Self::successor_announced(h, now, by);
            }
        }
    }

    /// The successor's announcement is on the wire: clients move now, but a probe they sent
    /// just before is still on its way here. The VIP goes once announcements have been quiet
    /// for `CLAIM_SETTLE` (a tied loser's may come first; the winner answers it).
    fn successor_announced(h: &mut Handover, now: Instant, by: MacAddr) {
        h.successor_mac = Some(by);
        h.settle.claim(now);
    }

    /// Ends a release: stopped and exit, or fault when a check failed.
    fn finish_release(&mut self, now: Instant, reason: Reason, out: &mut Vec<Action>) {
        out.push(Action::RemoveVips);
        let to_fault = matches!(&self.phase, Phase::Releasing(h) if h.to_fault);
        if to_fault {
            self.transition(Phase::Fault, reason, out);
            if self.fault_check.is_none() && self.link_up {
                self.enter_running(now, out, |wait| Reason::ChecksPassing { wait });
            }
            return;
        }
        self.transition(Phase::Stopped, reason, out);
        out.push(Action::Exit);
    }
}

/// Answers sent in the current second (`MAX_ANSWERS`).
#[derive(Debug, Clone, Default)]
struct AnswerBudget {
    count: u32,
    since: Option<Instant>,
    /// Claims were left unanswered for the budget this second, and that was said.
    ignored_said: bool,
}

/// Whether another answer fits in the current second (a new second starts a new budget).
impl AnswerBudget {
    /// The second it counts is still running at `now`.
    fn current(&self, now: Instant) -> bool {
        self.since
            .is_some_and(|at| now.saturating_duration_since(at) < Duration::from_secs(1))
    }
}

fn budget_left(b: &mut AnswerBudget, now: Instant) -> bool {
    if !b.current(now) {
        *b = AnswerBudget {
            since: Some(now),
            ..AnswerBudget::default()
        };
    }
    b.count < MAX_ANSWERS
}

/// Spends one answer of the budget if one is left.
fn take_answer(b: &mut AnswerBudget, now: Instant) -> bool {
    let left = budget_left(b, now);
    if left {
        b.count += 1;
    }
    left
}

/// Removes the instants in `due` that have come; `true` when there were any.
fn take_due(due: &mut Vec<Instant>, now: Instant) -> bool {
    let before = due.len();
    due.retain(|&at| at > now);
    due.len() < before
}

/// The RFC tie-break: the higher primary address wins, compared unsigned in network order.
pub fn address_greater(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => u32::from(a) > u32::from(b),
        (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(a) > u128::from(b),
        _ => false,
    }
}

#[cfg(test)]
pub mod tests;

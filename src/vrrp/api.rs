//! What goes into the VRRP machine and what comes out of it: the node's parameters, the
//! states, the inputs, the actions, and the reasons and notes an operator reads (their
//! words: prose.rs). Data only; the machine is machine.rs.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::wire::announce::MacAddr;
use crate::wire::{Advert, Auth, Version};

/// What the machine needs to know about this node's group membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub version: Version,
    pub vrid: u8,
    /// 1..=255; 255 is the address owner.
    pub priority: u8,
    /// Our own advert interval, centiseconds.
    pub interval_cs: u16,
    pub preempt: bool,
    pub preempt_delay: Duration,
    /// The interface's primary address: advert source and tie-breaker.
    pub primary: IpAddr,
    pub vips: Vec<IpAddr>,
    pub auth: Auth,
    /// When to repeat the announcement burst after taking over (`None`: once only).
    pub second_announce: Option<Duration>,
    /// Unicast mode (draft-abinabraham-vrrp-unicast) when not empty: adverts go to these
    /// peers, and only theirs are accepted.
    pub unicast_peers: Vec<IpAddr>,
    /// keepalived's `state MASTER` (vrrp_scheduler.c vrrp_init_state): at start a node that
    /// is not the owner listens one interval plus keepalived's VRRP_TIMER_SKEW_MIN (the
    /// Skew_Time of priority 255), not Master_Down_Interval.
    pub state_master: bool,
    /// keepalived's garp_master_refresh: while master, the VIPs are announced again this
    /// often, so switches and clients that aged the entry out learn it anew.
    pub refresh: Option<Duration>,
    /// A member of a keepalived vrrp_sync_group: it becomes master only with its group
    /// (vrrp_sync.c vrrp_sync_can_goto_master); until then a backup whose timer ran out is
    /// ready and waits (`wants_master`), and the group's loop says when all go.
    pub sync: bool,
    /// Every node announces from one virtual MAC (--vmac, use_vmac): a loser never sees the
    /// winner's announcement (its own MAC), and clients need none to find the winner.
    pub shared_mac: bool,
}

/// The priority of the address owner (RFC 5798): master at once, never lowered, never preempted.
pub const OWNER_PRIORITY: u8 = 255;

/// Whether `priority` claims ownership of the VIPs: the one address-owner rule.
pub fn is_owner(priority: u8) -> bool {
    priority == OWNER_PRIORITY
}

impl Params {
    /// This node owns the VIPs (priority 255).
    pub fn is_owner(&self) -> bool {
        is_owner(self.priority)
    }

    /// The advert this node sends with `priority` (0 when stepping down).
    pub fn advert(&self, priority: u8) -> Advert {
        Advert {
            version: self.version,
            vrid: self.vrid,
            priority,
            interval_cs: self.interval_cs,
            auth: self.auth,
            addrs: self.vips.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Init,
    Backup,
    Master,
    Fault,
    /// Stopping: priority 0 sent, VIP still held until a backup has taken over.
    Releasing,
    Stopped,
}

impl State {
    /// Every state, in the chart's order.
    pub const ALL: [State; 6] = [
        State::Init,
        State::Backup,
        State::Master,
        State::Fault,
        State::Releasing,
        State::Stopped,
    ];

    /// The state `name` gives back (as printed in events); `None` for any other word.
    pub fn from_name(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            State::Init => "init",
            State::Backup => "backup",
            State::Master => "master",
            State::Fault => "fault",
            State::Releasing => "releasing",
            State::Stopped => "stopped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Start {
        link_up: bool,
    },
    /// Time has passed; fire what is due.
    Tick,
    /// An advert that passed `checks::check`.
    Advert {
        src: IpAddr,
        advert: Advert,
        /// When the socket received it (`None`: now). An advert that arrived before a timer
        /// ran out is handled before that timer, however late the loop gets to it.
        received: Option<Instant>,
    },
    LinkDown,
    LinkUp,
    /// Our VIP vanished from the interface while we are master (deleted by hand).
    VipsMissing,
    /// Another MAC announced (or answered for) one of our VIPs on the segment.
    Claimed {
        vip: IpAddr,
        by: MacAddr,
    },
    /// The tracked checks changed (see `Health`).
    Health(Health),
    /// This node's sync group went master: every member becomes master now
    /// (vrrp_sync.c vrrp_sync_master), and may go on its own while the group stays master.
    GroupMaster,
    /// A master member of this node's sync group yielded: every member leaves master
    /// (vrrp_sync.c vrrp_sync_backup).
    GroupBackup,
    Shutdown,
}

/// What the tracked checks and interfaces say: the priority change (the sum of
/// keepalived's weights), and what holds the node in fault, if anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    pub adjust: i32,
    pub fault: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    SendAdvert {
        priority: u8,
    },
    AddVips,
    RemoveVips,
    /// Gratuitous ARP / unsolicited NA burst for every VIP (`--garp-repeat` rounds).
    Announce,
    /// keepalived's garp_master_refresh: the periodic announcement of a master
    /// (`garp_master_refresh_repeat` rounds).
    Refresh,
    /// One gratuitous ARP / unsolicited NA per VIP: the answer to another node's claim or
    /// lower-priority advert. One frame is the last word as well as five, and a burst
    /// answered with bursts is what turns many masters at once into a storm.
    Answer,
    Transition {
        from: State,
        to: State,
        reason: Reason,
    },
    Note(Note),
    Exit,
}

/// Why a transition happened, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Startup {
        wait: Duration,
    },
    AddressOwner,
    MasterDown {
        last: Option<IpAddr>,
        silent: Duration,
    },
    MasterReleased {
        from: IpAddr,
    },
    Preempt {
        from: IpAddr,
        priority: u8,
    },
    HigherPriority {
        from: IpAddr,
        priority: u8,
    },
    EqualPriorityHigherAddress {
        from: IpAddr,
        priority: u8,
    },
    LinkDown,
    LinkUp {
        wait: Duration,
    },
    Shutdown,
    HandingOver {
        wait: Duration,
    },
    /// The successor advertised and (`by`) announced the VIP from its MAC; `None`: its
    /// announcement was not seen within an interval of its advert.
    HandedOver {
        to: IpAddr,
        by: Option<MacAddr>,
    },
    NoSuccessor {
        waited: Duration,
    },
    CheckFailed {
        check: String,
    },
    ChecksPassing {
        wait: Duration,
    },
    /// keepalived's vrrp_sync_master: the whole sync group takes over.
    GroupMaster,
    /// keepalived's vrrp_sync_backup: a member yielded, so all do.
    GroupBackup,
}

/// Events worth a log line that are not transitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// RFC 9568: a master answers a lower-priority advert with its own (and announces).
    AnsweredLowerPriority {
        from: IpAddr,
        priority: u8,
    },
    IntervalAdopted {
        from: IpAddr,
        interval_cs: u16,
    },
    PreemptDelayStarted {
        from: IpAddr,
        priority: u8,
        delay: Duration,
    },
    SameAddress {
        from: IpAddr,
    },
    VipsRestored,
    /// Another node's announcement of our VIP was answered with ours.
    ClaimAnswered {
        vip: IpAddr,
        by: MacAddr,
    },
    /// Claims keep coming faster than `MAX_ANSWERS` a second: a host with our address?
    ClaimsIgnored {
        vip: IpAddr,
        by: MacAddr,
    },
    /// As backup, a lower master's advert at another interval than the followed master's:
    /// neither its interval nor a sooner takeover taken (RFC 5798 and keepalived would).
    LowerMasterNotFollowed {
        from: IpAddr,
        interval_cs: u16,
        following: IpAddr,
    },
    /// A drain ended with no announcement of the VIP from the winner: our advert once more,
    /// so that it announces.
    DrainUnanswered {
        winner: Option<IpAddr>,
    },
    /// Another MAC announced our VIP with no advert heard from another node: not answered.
    ClaimUnanswered {
        vip: IpAddr,
        by: MacAddr,
    },
    PriorityChanged {
        from: u8,
        to: u8,
    },
}

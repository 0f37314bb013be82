//! The operator's words for the machine's reasons and notes: what `vipflip run` prints on
//! each transition and note, kept apart from the machine so that its logic reads at once.

use std::fmt;
use std::time::Duration;

use super::api::{Note, Reason};
use super::timers::{interval, MAX_ANSWERS};

fn secs(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Startup { wait } => {
                write!(f, "started, listening {} for a master", secs(*wait))
            }
            Reason::AddressOwner => write!(f, "priority 255: address owner takes over at once"),
            Reason::MasterDown {
                last: Some(ip),
                silent,
            } => {
                write!(f, "no advert from {ip} for {}", secs(*silent))
            }
            Reason::MasterDown { last: None, silent } => {
                write!(f, "no advert heard for {}", secs(*silent))
            }
            Reason::MasterReleased { from } => write!(f, "master {from} stepped down (priority 0)"),
            Reason::Preempt { from, priority } => {
                write!(f, "preempting lower priority {priority} from {from}")
            }
            Reason::HigherPriority { from, priority } => {
                write!(f, "higher priority {priority} from {from}")
            }
            Reason::EqualPriorityHigherAddress { from, priority } => {
                write!(f, "equal priority {priority} from higher address {from}")
            }
            Reason::LinkDown => write!(f, "interface down"),
            Reason::LinkUp { wait } => {
                write!(f, "interface up, listening {} for a master", secs(*wait))
            }
            Reason::Shutdown => write!(f, "shutting down"),
            Reason::HandingOver { wait } => write!(
                f,
                "sent priority 0; holding the VIP until a backup takes over (at most {})",
                secs(*wait)
            ),
            Reason::HandedOver { to, by: Some(mac) } => {
                write!(
                    f,
                    "handed over to {to}, VIP removed once {mac} announced it"
                )
            }
            Reason::HandedOver { to, by: None } => {
                write!(
                    f,
                    "handed over to {to}, VIP removed (its announcement unseen)"
                )
            }
            Reason::CheckFailed { check } => write!(f, "{check}"),
            Reason::ChecksPassing { wait } => {
                write!(
                    f,
                    "health checks pass again, listening {} for a master",
                    secs(*wait)
                )
            }
            Reason::GroupMaster => write!(f, "its sync group takes over together"),
            Reason::GroupBackup => write!(f, "a member of its sync group yielded"),
            Reason::NoSuccessor { waited } => {
                write!(
                    f,
                    "no backup took over within {}, VIP removed",
                    secs(*waited)
                )
            }
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::AnsweredLowerPriority { from, priority } => {
                write!(
                    f,
                    "lower priority {priority} from {from}: answered with an advert and an announcement"
                )
            }
            Note::IntervalAdopted { from, interval_cs } => {
                write!(
                    f,
                    "adopted advert interval {} of master {from}",
                    secs(interval(*interval_cs))
                )
            }
            Note::PreemptDelayStarted {
                from,
                priority,
                delay,
            } => write!(
                f,
                "lower priority {priority} from {from}: preempting in {} (--preempt-delay)",
                secs(*delay)
            ),
            Note::SameAddress { from } => {
                write!(
                    f,
                    "advert with our priority and our own address from {from}: duplicate address?"
                )
            }
            Note::PriorityChanged { from, to } => {
                write!(f, "advertised priority {from} -> {to} (tracking weights)")
            }
            Note::ClaimAnswered { vip, by } => write!(
                f,
                "{by} announced {vip}: announced it again from here"
            ),
            Note::DrainUnanswered { winner } => write!(
                f,
                "no announcement of the VIP from {} while it drained: advertised once more, so that clients this node's takeover moved are sent back",
                winner.map_or("the new master".to_string(), |w| w.to_string())
            ),
            Note::ClaimUnanswered { vip, by } => write!(
                f,
                "{by} announced {vip}, but no other VRRP node is heard: not answered (a split brain, or another host with this address?)"
            ),
            Note::LowerMasterNotFollowed {
                from,
                interval_cs,
                following,
            } => write!(
                f,
                "lower master {from} advertises every {}: not followed, still listening to {following} (RFC 5798 and keepalived would take its interval)",
                secs(interval(*interval_cs))
            ),
            Note::ClaimsIgnored { vip, by } => write!(
                f,
                "{by} keeps announcing {vip}: another host with this address? (answering at most {MAX_ANSWERS} a second)"
            ),
            Note::VipsRestored => write!(
                f,
                "VIP was removed from the interface: re-added and announced"
            ),
        }
    }
}

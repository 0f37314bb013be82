//! Nodes that are not vipflip: keepalived 2.2.7 and FRR's vrrpd 8.4 (Debian bookworm's, the
//! lab's peers), modelled as vipflip's machine with each of their differences applied to
//! what it does. The differences, from their source:
//!
//! keepalived (keepalived/vrrp/vrrp.c, v2.2.7):
//! - no claim watch: it never hears another node's gratuitous ARP or NA;
//! - a master that hears a lower advert answers it with an advert and
//!   garp_lower_prio_repeat frames, every time (vrrp_state_master_rx); that setting defaults
//!   to garp_master_repeat (vrrp_complete_init: `vrrp_garp_lower_prio_rep = vrrp_garp_rep`);
//!   a priority 0 gets the advert only;
//! - it yields to a higher advert without an advert of its own (higher_prio_send_advert is
//!   off by default);
//! - leaving master removes the VIPs at once (vrrp_state_leave_master), and a stop or a
//!   failed check sends priority 0 and removes them at once: no drain, no handover wait;
//! - none of vipflip's repeated answers or its re-announcement after a loser's drain; its
//!   second burst (garp_master_delay) and refresh (garp_master_refresh) it has.
//!
//! FRR (vrrpd/vrrp.c: vrrp_recv_advertisement, vrrp_master_down_timer_expire, vrrp_shutdown):
//! - no claim watch;
//! - a master discards a lower advert (no answer at all) and answers priority 0 with an
//!   advert;
//! - an address owner discards every advert, in both versions (`r->is_owner`);
//! - a takeover sends the advert, then the gratuitous ARP / unsolicited NA, at once; no
//!   second burst, no refresh. Over IPv6 the simulator sends its advert an interval after
//!   the NA instead: what tests/lab_frr.rs saw of FRR 8.4 preempting a vipflip master (the
//!   machine's `answer_claim` says why that NA goes unanswered);
//! - leaving master puts its macvlan in protodown: the VIP stops answering at once; a
//!   shutdown sends priority 0 and goes to Initialize.
//!
//! Not modelled: FRR's virtual MAC (each node keeps its own; the simulator tells nodes
//! apart by MAC), keepalived's answer to every lower advert where vipflip's machine spaces
//! its adverts by ANSWER_GAP.

use std::net::IpAddr;

use vipflip::vrrp::machine::address_greater;
use vipflip::vrrp::{Action, Input, State};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Vipflip,
    Keepalived,
    Frr,
}

impl Peer {
    /// Whether it hears another node's gratuitous ARP / NA (vipflip's claim watch).
    pub fn hears_claims(self) -> bool {
        self == Peer::Vipflip
    }

    /// Whether it discards an advert of `heard` priority from `src` outright, its own
    /// priority `own` and address `primary`: an FRR address owner discards every advert, and
    /// FRR discards a lower one in master and in a preempting backup, leaving its timers
    /// alone (vrrp_recv_advertisement); vipflip's machine would answer it and move its next
    /// advert, so the machine must not see it.
    pub fn discards(
        self,
        own: u8,
        primary: IpAddr,
        heard: u8,
        src: IpAddr,
        preempt: bool,
        state: State,
    ) -> bool {
        if self != Peer::Frr {
            return false;
        }
        let lower = heard < own || (heard == own && !address_greater(src, primary));
        own == 255
            || (heard != 0
                && lower
                && (state == State::Master || (state == State::Backup && preempt)))
    }

    /// What this peer does where vipflip's machine did `actions` on `input` in state `was`
    /// (the machine's state before the step, `now` after it).
    pub fn filter(
        self,
        was: State,
        now: State,
        input: &Input,
        actions: Vec<Action>,
    ) -> Vec<Action> {
        if self == Peer::Vipflip {
            return actions;
        }
        let takeover = actions.iter().any(|a| {
            matches!(
                a,
                Action::Transition {
                    to: State::Master,
                    ..
                }
            )
        });
        if takeover {
            return actions
                .into_iter()
                .filter(|a| {
                    self == Peer::Keepalived || !matches!(a, Action::Answer | Action::Refresh)
                })
                .collect();
        }
        let heard = match input {
            Input::Advert { advert, .. } => Some(advert.priority),
            _ => None,
        };
        let mut out = Vec::new();
        for action in actions {
            match action {
                // Its last word leaving master is a priority 0 (a stop, a failed check), then
                // the VIPs go at once; an advert yielding to a higher one it does not send.
                Action::SendAdvert { priority } if was == State::Master && now != State::Master => {
                    if priority == 0 {
                        out.push(action);
                    }
                }
                Action::Transition {
                    from: State::Master,
                    ..
                } => {
                    out.push(action);
                    out.push(Action::RemoveVips);
                }
                Action::SendAdvert { .. } if was != State::Master => {
                    if was != State::Releasing {
                        out.push(action);
                    }
                }
                // A master's advert, on time or on hearing one: keepalived answers any lower
                // advert, FRR only a priority 0 (`discards` keeps its lower ones from the
                // machine).
                Action::SendAdvert { .. } => out.push(action),
                // keepalived's garp_lower_prio_repeat: a full burst on a lower advert.
                Action::Answer => {
                    if self == Peer::Keepalived
                        && now == State::Master
                        && heard.is_some_and(|p| p != 0)
                    {
                        out.push(Action::Announce);
                    }
                }
                Action::Announce | Action::Refresh => {
                    if self == Peer::Keepalived && now == State::Master {
                        out.push(action);
                    }
                }
                other => out.push(other),
            }
        }
        out
    }
}

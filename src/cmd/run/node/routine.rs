//! A backup's routine adverts, read late: while it follows a higher master, the adverts that
//! repeat the last one it accepted go to a queue of their own (vrrp_socket::Routine, a
//! socket filter in the kernel), which the loop does not wait on. They are read, with their
//! arrival times, before the node's next input of any kind, its master-down timer's among
//! them, so the machine sees every advert in order and ends where it would have. The loop
//! wakes for news (another master, a priority change, priority 0, a different interval), not
//! for every advert.

use std::time::{Instant, SystemTime};

use super::Node;
use crate::cmd::run::io::NodeIo;
use crate::net::vrrp_socket::{Routine, RECEIVE_BUFFER};

/// Adverts at this interval or shorter are read late (centiseconds): at 10 ms they are 100 a
/// second, each a wake-up; at 1 s the wake-ups cost nothing, and `vipflip status` would
/// show a master last heard up to three intervals ago.
pub const ROUTINE_UP_TO_CS: u16 = 10;

impl<I: NodeIo> Node<I> {
    /// Hands the queue's adverts to the machine, oldest first; `true` when one said to exit.
    pub(super) fn take_routine(&mut self, now: Instant) -> bool {
        if self.routine.is_none() && !self.routine_stragglers {
            return false;
        }
        self.routine_stragglers = false;
        let mut buf = [0u8; RECEIVE_BUFFER];
        loop {
            match self.io.receive_routine(&mut buf) {
                Ok(Some((packet, stamp))) => {
                    let at = self.arrival(stamp, now);
                    if let Some(input) = self.judge(&packet, at) {
                        if self.step_now(now, input) {
                            return true;
                        }
                    }
                }
                Ok(None) => self.counters.count("not-vrrp"),
                Err(_) => return false,
            }
        }
    }

    /// After a step: routine adverts to the queue while the machine follows the master of
    /// the last advert accepted, else all to the socket the loop waits on.
    pub(super) fn route_routine(&mut self) {
        let wanted = self.wanted_routine();
        if wanted == self.routine {
            return;
        }
        if self.io.set_routine(wanted.as_ref()).is_err() {
            // Back to one socket for everything; the queue is not read again.
            let _ = self.io.set_routine(None);
            self.routine = None;
            self.routine_off = true;
            return;
        }
        // Adverts of the old routine may still wait in the queue: read them first.
        self.routine_stragglers = self.routine.is_some();
        self.routine = wanted;
    }

    fn wanted_routine(&self) -> Option<Routine> {
        if self.routine_off || !self.io.keeps_routine() || self.detached {
            return None;
        }
        let head = self.last_head?;
        (self.machine.routine_master() == Some(head.src)).then_some(head)
    }

    /// When a queued packet arrived, on the loop's clock: the kernel's time of day as an age,
    /// both clocks read at one moment (the loop's `now` may be a while ago if the process was
    /// preempted, and would make every packet look older by that much); never before the
    /// last input the machine took (the clock of day may have been set) nor after `now`.
    fn arrival(&self, stamp: SystemTime, now: Instant) -> Instant {
        let (mono, wall) = clocks_together();
        let age = wall.duration_since(stamp).unwrap_or_default();
        let at = mono.checked_sub(age).unwrap_or(mono);
        self.last_step.map_or(at, |floor| at.max(floor)).min(now)
    }
}

/// The loop's clock and the time of day read at one moment: read again when the process was
/// preempted between the two reads (each microsecond between them is one the arrival is off).
pub(in crate::cmd::run) fn clocks_together() -> (Instant, SystemTime) {
    let mut best = None;
    for _ in 0..4 {
        let (before, wall, after) = (Instant::now(), SystemTime::now(), Instant::now());
        let gap = after.duration_since(before);
        if best.is_none_or(|(g, _, _)| gap < g) {
            best = Some((gap, before, wall));
        }
        if gap < std::time::Duration::from_micros(50) {
            break;
        }
    }
    best.map_or_else(|| (Instant::now(), SystemTime::now()), |(_, m, w)| (m, w))
}

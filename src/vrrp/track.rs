//! Tracking, pure, as keepalived 2.2.7 does it: each check's rise/fall counter with its
//! undecided start (vrrp_scheduler.c vrrp_script_child_thread, vrrp_init_script), and what
//! the checks and tracked interfaces mean for the machine: a signed priority change, the
//! sum of each one's weight (vrrp_track.c process_script_update_priority,
//! initialise_track_script_state), or fault.

use super::machine::Health;

/// One check's verdict, keepalived's `result` counter: healthy while it is at least
/// `rise`. A check starts undecided (`rise - 1`: its first success decides healthy, its
/// first failure decides failed), or failed with `init_fail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiseFall {
    rise: u32,
    fall: u32,
    result: u32,
    decided: bool,
}

impl RiseFall {
    pub fn new(rise: u32, fall: u32, init_fail: bool) -> RiseFall {
        let (rise, fall) = (rise.max(1), fall.max(1));
        RiseFall {
            rise,
            fall,
            result: if init_fail { 0 } else { rise - 1 },
            decided: init_fail,
        }
    }

    /// Healthy, failed, or `None` before the first result.
    pub fn healthy(&self) -> Option<bool> {
        self.decided.then_some(self.result >= self.rise)
    }

    /// Records one result; `Some(healthy)` when the verdict changes or is first decided.
    pub fn record(&mut self, ok: bool) -> Option<bool> {
        let full = self.rise + self.fall - 1;
        let undecided = !self.decided;
        self.decided = true;
        if ok {
            if self.result < self.rise - 1 {
                self.result += 1;
                return None;
            }
            let flips = self.result < self.rise;
            self.result = full;
            return flips.then_some(true);
        }
        if self.result > self.rise {
            self.result -= 1;
            return None;
        }
        let flips = self.result == self.rise || undecided;
        self.result = 0;
        flips.then_some(false)
    }
}

/// What one tracked thing (a check or an interface) is now, for `health`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// Its name in the reason for a fault ("health check failed: NAME").
    pub name: String,
    /// A tracked interface (its failure is "interface NAME down"), not a check.
    pub iface: bool,
    /// keepalived's weight: 0 is fault while failing; otherwise added while passing (> 0)
    /// or while failing (< 0).
    pub weight: i32,
    /// `reverse`: the weight's effect turned round.
    pub reverse: bool,
    /// Passing (an interface: up), failing, or undecided.
    pub ok: Option<bool>,
}

impl Tracked {
    /// The priority change it makes now (vrrp_track.c: `weight * multiplier` added while
    /// passing for a positive weight, while failing for a negative one).
    fn adjust(&self) -> i32 {
        let sign = if self.reverse { -1 } else { 1 };
        match self.ok {
            Some(true) => sign * self.weight.max(0),
            Some(false) => sign * self.weight.min(0),
            None => 0,
        }
    }

    /// Why it holds the instance in fault, if it does: a weight-0 check that fails (or
    /// passes, with reverse), or has not answered yet (keepalived's num_script_init).
    fn fault(&self) -> Option<String> {
        if self.weight != 0 {
            return None;
        }
        let name = &self.name;
        match (self.ok, self.iface) {
            (Some(ok), _) if ok != self.reverse => None,
            (Some(true), true) => Some(format!("tracked interface {name} up (reverse)")),
            (Some(_), true) => Some(format!("tracked interface {name} down")),
            (Some(true), false) => Some(format!("health check passes (reverse): {name}")),
            (Some(false), false) => Some(format!("health check failed: {name}")),
            (None, _) => Some(format!(
                "waiting for the first result of health check {name}"
            )),
        }
    }
}

/// The machine's view of everything tracked: the sum of the weights' changes, and the
/// first fault. `held` is a fault from outside (the paired instance's).
pub fn health(tracked: &[Tracked], held: Option<&str>) -> Health {
    Health {
        adjust: tracked.iter().map(Tracked::adjust).sum(),
        fault: tracked
            .iter()
            .find_map(Tracked::fault)
            .or_else(|| held.map(str::to_string)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vrrp_scheduler.c vrrp_script_child_thread with vrrp_init_script's start
    /// (`result = rise - 1`, "one success is enough").
    #[test]
    fn the_first_result_decides_then_rise_and_fall_debounce() {
        let mut c = RiseFall::new(3, 2, false);
        assert_eq!(c.healthy(), None);
        assert_eq!(
            c.record(false),
            Some(false),
            "the first failure decides at once"
        );
        assert_eq!(c.record(true), None);
        assert_eq!(c.record(true), None);
        assert_eq!(c.record(true), Some(true), "then rise successes");
        assert_eq!(c.record(false), None);
        assert_eq!(
            c.record(true),
            None,
            "a success while healthy refills the fall count"
        );
        assert_eq!(c.record(false), None);
        assert_eq!(c.record(false), Some(false), "fall failures in a row");
        let mut first_ok = RiseFall::new(3, 10, false);
        assert_eq!(
            first_ok.record(true),
            Some(true),
            "the first success decides at once"
        );
        // The kubeadm guides' `interval 3, fall 10`: down at boot is failed at the first result.
        let mut boot = RiseFall::new(1, 10, false);
        assert_eq!(boot.record(false), Some(false));
    }

    /// vrrp_parser.c vrrp_vscript_init_fail_handler: SCRIPT_INIT_STATE_FAILED, result 0.
    #[test]
    fn init_fail_starts_failed_and_needs_rise_successes() {
        let mut c = RiseFall::new(2, 1, true);
        assert_eq!(c.healthy(), Some(false));
        assert_eq!(c.record(false), None);
        assert_eq!(c.record(true), None);
        assert_eq!(c.record(true), Some(true));
    }

    fn t(weight: i32, reverse: bool, ok: Option<bool>) -> Tracked {
        Tracked {
            name: format!("w{weight}"),
            iface: false,
            weight,
            reverse,
            ok,
        }
    }

    /// keepalived adds each passing script's positive weight: 101 + 2 + 2 = 105.
    #[test]
    fn weights_add_per_script() {
        let both = [t(2, false, Some(true)), t(2, false, Some(true))];
        assert_eq!(health(&both, None).adjust, 4);
        let one = [t(2, false, Some(true)), t(2, false, Some(false))];
        assert_eq!(health(&one, None).adjust, 2);
        let mixed = [
            t(-20, false, Some(false)),
            t(10, false, Some(true)),
            t(-5, false, Some(true)),
        ];
        assert_eq!(health(&mixed, None).adjust, -10);
        let undecided = [t(10, false, None), t(-10, false, None)];
        assert_eq!(health(&undecided, None), Health::default());
        let reversed = [t(10, true, Some(true)), t(-10, true, Some(false))];
        assert_eq!(health(&reversed, None).adjust, 0, "-10 + 10");
        assert_eq!(health(&[t(10, true, Some(true))], None).adjust, -10);
    }

    #[test]
    fn weight_zero_is_fault_while_failing_or_undecided() {
        assert_eq!(health(&[t(0, false, Some(true))], None).fault, None);
        assert_eq!(
            health(&[t(0, false, Some(false))], None).fault.as_deref(),
            Some("health check failed: w0")
        );
        assert_eq!(
            health(&[t(0, false, None)], None).fault.as_deref(),
            Some("waiting for the first result of health check w0")
        );
        assert_eq!(
            health(&[t(0, true, Some(true))], None).fault.as_deref(),
            Some("health check passes (reverse): w0")
        );
        assert_eq!(
            health(&[t(-5, false, Some(false))], Some("IPv6 instance in fault"))
                .fault
                .as_deref(),
            Some("IPv6 instance in fault")
        );
    }
}

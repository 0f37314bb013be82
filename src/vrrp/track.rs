//! Health-check bookkeeping, pure: keepalived's rise/fall debouncing per check, and what the
//! set of checks means for the machine (a priority penalty, or fault).

use super::machine::Health;

/// One check's state: healthy until `fall` failures in a row, healthy again after `rise`
/// successes in a row. Checks start healthy, so a node is not held back at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiseFall {
    rise: u32,
    fall: u32,
    streak: u32,
    pub healthy: bool,
}

impl RiseFall {
    pub fn new(rise: u32, fall: u32) -> RiseFall {
        RiseFall {
            rise: rise.max(1),
            fall: fall.max(1),
            streak: 0,
            healthy: true,
        }
    }

    /// Records one result; `Some(new state)` when the state flips.
    pub fn record(&mut self, ok: bool) -> Option<bool> {
        if ok == self.healthy {
            self.streak = 0;
            return None;
        }
        self.streak += 1;
        let needed = if ok { self.rise } else { self.fall };
        if self.streak < needed {
            return None;
        }
        self.streak = 0;
        self.healthy = ok;
        Some(ok)
    }
}

/// The machine's view of `failing` checks (their names): with a weight each lowers the
/// priority by it; without, the first one is a fault. A tracked interface that is down
/// (`down`, "interface NAME down") is a fault whatever the weight, as in keepalived.
pub fn health(failing: &[String], weight: Option<u8>, down: &[String]) -> Health {
    let mut health = checks_health(failing, weight);
    if let Some(first) = down.first() {
        health.fault = Some(first.clone());
    }
    health
}

fn checks_health(failing: &[String], weight: Option<u8>) -> Health {
    match weight {
        Some(w) => Health {
            penalty: (failing.len() as u32 * u32::from(w)).min(255) as u8,
            fault: None,
        },
        None => Health {
            penalty: 0,
            fault: failing.first().cloned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fall_and_rise_debounce() {
        let mut c = RiseFall::new(3, 2);
        assert_eq!(c.record(false), None);
        assert_eq!(c.record(true), None, "a success resets the failure streak");
        assert_eq!(c.record(false), None);
        assert_eq!(c.record(false), Some(false));
        assert_eq!(c.record(true), None);
        assert_eq!(c.record(true), None);
        assert_eq!(c.record(true), Some(true));
        assert!(c.healthy);
    }

    #[test]
    fn weights_add_up_and_no_weight_is_fault() {
        let two = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            health(&two, Some(30), &[]),
            Health {
                penalty: 60,
                fault: None
            }
        );
        assert_eq!(health(&two, Some(200), &[]).penalty, 255);
        assert_eq!(
            health(&two, None, &[]),
            Health {
                penalty: 0,
                fault: Some("a".into())
            }
        );
        assert_eq!(health(&[], None, &[]), Health::default());
        let down = vec!["interface ens34 down".to_string()];
        assert_eq!(
            health(&two, Some(30), &down),
            Health {
                penalty: 60,
                fault: Some("interface ens34 down".into())
            },
            "a tracked interface down is a fault, whatever the weight"
        );
    }
}

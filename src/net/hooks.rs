//! State-change hooks (--on-master ...): run one at a time, in the order of the transitions,
//! on their own thread so they never block the protocol loop; each with a timeout.

use std::sync::mpsc::{self, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::exec::{self, Outcome};

/// One hook to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Which flag it came from, e.g. "on-master".
    pub name: String,
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
}

pub struct HookRunner {
    tx: Option<Sender<Job>>,
    worker: Option<JoinHandle<()>>,
}

impl HookRunner {
    /// `report` hears how each hook ended.
    pub fn spawn<F>(timeout: Duration, report: F) -> std::io::Result<HookRunner>
    where
        F: Fn(&Job, Outcome) + Send + 'static,
    {
        let (tx, rx) = mpsc::channel::<Job>();
        let worker = thread::Builder::new().name("hooks".into()).spawn(move || {
            for job in rx {
                let outcome = exec::run(&job.argv, &job.env, timeout);
                report(&job, outcome);
            }
        })?;
        Ok(HookRunner {
            tx: Some(tx),
            worker: Some(worker),
        })
    }

    pub fn run(&self, job: Job) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(job);
        }
    }

    /// Waits for the hooks already queued (each bounded by its timeout).
    pub fn finish(&mut self) {
        self.tx.take();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Drop for HookRunner {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn hooks_run_in_order_with_their_environment() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let mut runner = HookRunner::spawn(Duration::from_secs(5), move |job, outcome| {
            log.lock()
                .unwrap()
                .push(format!("{} {}", job.name, outcome.describe()));
        })
        .unwrap();
        for (name, code) in [("on-master", "0"), ("on-backup", "4")] {
            let script = format!(
                "test \"$VIPFLIP_STATE\" = {} && exit {code}",
                name.trim_start_matches("on-")
            );
            runner.run(Job {
                name: name.into(),
                argv: vec!["sh".into(), "-c".into(), script],
                env: vec![(
                    "VIPFLIP_STATE".into(),
                    name.trim_start_matches("on-").into(),
                )],
            });
        }
        runner.finish();
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                "on-master exited 0".to_string(),
                "on-backup exited 4".to_string()
            ]
        );
    }
}

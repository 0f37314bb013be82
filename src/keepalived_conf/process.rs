//! `vrrp_track_process` blocks and `track_process` lines, as keepalived 2.2.7 reads them
//! (vrrp_parser.c vrrp_tprocess_*_handler, vrrp_track.c alloc_track_process); the matching
//! itself is health_checks::ProcessMatch (keepalived's track_process.c).

use super::lexer::{Item, Loc};
use super::script::{weight, Tracked};
use super::{number, unsupported};
use crate::health_checks::{ParamMatch, ProcessMatch};

/// One tracked process with its weight, as an instance tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedProcess {
    pub name: String,
    pub process: ProcessMatch,
    pub weight: i32,
    pub reverse: bool,
    pub notes: Vec<String>,
}

const KEYWORDS: &[&str] = &[
    "process",
    "param_match",
    "weight",
    "quorum",
    "quorum_max",
    "delay",
    "terminate_delay",
    "fork_delay",
    "full_command",
];

/// One `vrrp_track_process NAME { ... }` block.
pub fn read(block: &Item) -> Result<TrackedProcess, (Loc, String)> {
    let name = block.args.first().cloned().unwrap_or_default();
    let mut t = TrackedProcess {
        name: name.clone(),
        // vrrp_data.c alloc_vrrp_process: quorum 1, quorum_max UINT_MAX.
        process: ProcessMatch {
            name: String::new(),
            params: Vec::new(),
            full_command: false,
            param_match: ParamMatch::None,
            quorum: 1,
            quorum_max: u32::MAX,
        },
        weight: 0,
        reverse: false,
        notes: Vec::new(),
    };
    for line in block.block.iter().flatten() {
        apply(&mut t, line).map_err(|msg| {
            (
                line.loc.clone(),
                format!("vrrp_track_process {name}: {msg}"),
            )
        })?;
    }
    if t.process.name.is_empty() {
        return Err((
            block.loc.clone(),
            format!("vrrp_track_process {name} has no process"),
        ));
    }
    Ok(t)
}

fn apply(t: &mut TrackedProcess, line: &Item) -> Result<(), String> {
    let p = &mut t.process;
    match line.key.as_str() {
        // vrrp_tprocess_process_handler: arguments make it a full-command, exact match.
        "process" => {
            let (name, params) = line.args.split_first().ok_or("'process' needs a name")?;
            p.name = name.clone();
            if !params.is_empty() {
                p.params = params.to_vec();
                if p.param_match == ParamMatch::None {
                    p.param_match = ParamMatch::Exact;
                }
                p.full_command = true;
            }
        }
        "param_match" => {
            p.param_match = match line.args.first().map(String::as_str) {
                None => ParamMatch::Exact,
                Some("initial") => ParamMatch::Initial,
                Some("partial") => ParamMatch::Partial,
                Some(other) => return Err(format!("'param_match {other}' is not initial or partial")),
            };
            p.full_command = true;
        }
        "full_command" => p.full_command = true,
        "weight" => (t.weight, t.reverse) = weight(&line.args, "weight")?,
        "quorum" => p.quorum = number(line)?,
        // vrrp_tprocess_quorum_max_handler: 0 means "no process may run".
        "quorum_max" => {
            p.quorum_max = number(line)?;
            if p.quorum_max == 0 {
                p.quorum = 0;
            }
        }
        "delay" | "terminate_delay" | "fork_delay" => t.notes.push(format!(
            "keepalived.conf: vrrp_track_process {}: '{}' accepted; vipflip looks at /proc every second instead of following process events, so it notices a change within a second, with no further delay",
            t.name, line.key
        )),
        other => return Err(unsupported(other, KEYWORDS)),
    }
    if p.quorum > p.quorum_max {
        return Err("quorum is greater than quorum_max".into());
    }
    Ok(())
}

impl Tracked for TrackedProcess {
    const BLOCK: &'static str = "vrrp_track_process";
    fn read(block: &Item) -> Result<Self, (Loc, String)> {
        read(block)
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn reweigh(&mut self, weight: i32, reverse: bool) {
        (self.weight, self.reverse) = (weight, reverse);
    }
}

//! `vipflip demo`: the article's failover on one machine. Builds a lab of network namespaces
//! (net/lab.rs), runs one `vipflip run` per node and `vipflip ping-watch` on the client (this
//! same binary, as children that write JSON events), and tells the story from their events:
//! election, planned stop, return with preemption, crash; then a summary of the outages.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::Child;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::cli::DemoArgs;
use crate::config::{demo_config, DemoConfig, DEMO_VIP, DEMO_VRID};
use crate::error::{Error, Result};
use crate::json::{json_field, Json};
use crate::net::caps::{self, NET_ADMIN, NET_RAW, SYS_ADMIN};
use crate::net::lab::{self, Lab, LabHost};
use crate::net::signals::on_stop;
use crate::ui::{Level, Ui};
use crate::vrrp::timers::master_down_interval;
use crate::vrrp::State;

/// The client's probe interval: fine enough to see a 10 ms hole.
const PROBE: Duration = Duration::from_millis(10);

/// The story's steps, in order: election, planned stop, return, crash.
const STEPS: usize = 4;

/// What the nodes and the client say is indented under the step it belongs to.
const INDENT: &str = "   ";

/// Continuation lines of a text event start under its text, past `HH:MM:SS.mmm `.
const UNDER_TEXT: &str = "\n             ";

/// Who printed a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Node index from 0 (`n1` is 0).
    Node(usize),
    Client,
}

/// What the story's loop hears: children's lines, and Ctrl-C.
enum Heard {
    Line {
        who: Who,
        text: String,
        stderr: bool,
    },
    Stop,
}

/// One outage the client reported.
#[derive(Debug, Clone, Copy)]
struct Outage {
    length: Duration,
    lost: u64,
}

/// One step of the story as the summary shows it.
#[derive(Debug, Clone)]
struct Step {
    what: String,
    /// Node index of the master afterwards.
    master: usize,
    /// The longest outage and the probes lost in all of the step's outages.
    outage: Option<Duration>,
    lost: u64,
    /// `None`: nothing may be lost; `Some(d)`: a crash, bounded by Master_Down_Interval.
    bound: Option<Duration>,
    /// How many nodes took master during the step: two at the start when nodes started
    /// together both took it before hearing each other (RFC 5798 6.4.3: the lower yields at the
    /// higher's first advert), and the client may have followed the one that yields.
    took_master: usize,
}

/// A step that did not happen in time; the demo ends with exit 1.
struct Missed(String);

/// `Ok(true)`: go on; `Ok(false)`: Ctrl-C; `Err`: a step did not happen.
type Going = std::result::Result<bool, Missed>;

enum End {
    Told,
    Missed(String),
    Interrupted,
}

pub fn demo(args: &DemoArgs) -> Result<i32> {
    let cfg = demo_config(args)?;
    let mut ui = super::stdout_ui(&args.output);
    caps::require(
        &[SYS_ADMIN, NET_ADMIN, NET_RAW],
        "the demo creates network namespaces and runs vipflip in them",
    )
    .map_err(|e| e.hint("run it with sudo: sudo vipflip demo"))?;
    lab::require_ip()?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::new("cannot find the vipflip binary to run the nodes", e))?;
    let left = lab::remove_leftovers();
    if left.namespaces > 0 {
        let pids: Vec<String> = left.pids.iter().map(u32::to_string).collect();
        let text = format!(
            "removed what an earlier demo (pid {}) left behind: {} namespace(s), {} process(es)",
            pids.join(", "),
            left.namespaces,
            left.processes
        );
        let fields = Json::default()
            .raw("pids", format!("[{}]", pids.join(",")))
            .raw("namespaces", left.namespaces)
            .raw("processes", left.processes);
        ui.tell(Level::Info, "leftovers", 0, &text, fields);
    }
    let (tx, rx) = mpsc::channel();
    let stop = tx.clone();
    on_stop(move || {
        let _ = stop.send(Heard::Stop);
    })?;
    let lab = Lab::create(args.nodes)?;
    let mut show = Show::new(ui, lab, cfg, exe, tx, rx);
    let end = show.story();
    Ok(show.finish(end))
}

/// The lab, its children and what the story has seen so far.
struct Show {
    ui: Ui,
    lab: Lab,
    cfg: DemoConfig,
    exe: PathBuf,
    tx: Sender<Heard>,
    rx: Receiver<Heard>,
    nodes: Vec<Option<Child>>,
    client: Option<Child>,
    /// Each node's state, as its last transition said.
    states: Vec<State>,
    /// The MAC the client's probes are answered by.
    answered_by: Option<String>,
    outages: Vec<Outage>,
    steps: Vec<Step>,
    /// Steps begun so far, for `2/4`.
    begun: usize,
    /// The nodes that took master since the step began.
    took_master: Vec<bool>,
}

impl Show {
    fn new(
        ui: Ui,
        lab: Lab,
        cfg: DemoConfig,
        exe: PathBuf,
        tx: Sender<Heard>,
        rx: Receiver<Heard>,
    ) -> Show {
        let n = cfg.priorities.len();
        let nodes = (0..n).map(|_| None).collect();
        Show {
            ui,
            lab,
            cfg,
            exe,
            tx,
            rx,
            nodes,
            client: None,
            states: vec![State::Init; n],
            answered_by: None,
            outages: Vec::new(),
            steps: Vec::new(),
            begun: 0,
            took_master: vec![false; n],
        }
    }

    fn story(&mut self) -> End {
        match self.tell() {
            Ok(true) => End::Told,
            Ok(false) => End::Interrupted,
            Err(Missed(what)) => End::Missed(what),
        }
    }

    /// The whole story; `Ok(false)` when Ctrl-C cut it short.
    fn tell(&mut self) -> Going {
        self.headline();
        let steps: [fn(&mut Show) -> Going; 4] =
            [Show::elect, Show::planned_stop, Show::comeback, Show::crash];
        for step in steps {
            if !step(self)? || !self.pause(self.pause_length())? {
                return Ok(false);
            }
        }
        self.summary();
        if self.cfg.keep {
            return self.keep();
        }
        Ok(true)
    }

    /// The one node in master state; `None` while there is none, or more than one.
    fn master(&self) -> Option<usize> {
        let mut masters = (0..self.states.len()).filter(|&i| self.states[i] == State::Master);
        match (masters.next(), masters.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    }

    fn node(&self, i: usize) -> &LabHost {
        &self.lab.nodes[i]
    }

    /// `n2 (199)`.
    fn label(&self, i: usize) -> String {
        format!("{} ({})", self.node(i).name, self.cfg.priorities[i])
    }

    fn mdi(&self, i: usize) -> Duration {
        master_down_interval(
            self.cfg.version,
            self.cfg.priorities[i],
            self.cfg.interval_cs,
        )
    }

    /// Long enough for any step: two takeovers of the slowest node, plus slack for a loaded
    /// machine.
    fn step_timeout(&self) -> Duration {
        self.mdi(self.nodes.len() - 1) * 3 + Duration::from_secs(3)
    }

    /// A breath between steps, so that a reader can follow.
    fn pause_length(&self) -> Duration {
        (self.cfg.interval() * 3).max(Duration::from_secs(1))
    }

    fn headline(&mut self) {
        let priorities: Vec<String> = self.cfg.priorities.iter().map(u8::to_string).collect();
        let version = match self.cfg.version {
            crate::wire::Version::V2 => 2,
            crate::wire::Version::V3 => 3,
        };
        let interval = humantime::format_duration(self.cfg.interval());
        let text = format!(
            "lab: {} nodes (priorities {}) and a client on one bridge, in namespaces {}-*\
             {UNDER_TEXT}VIP {DEMO_VIP}, VRID {DEMO_VRID}, VRRPv{version} adverts every \
             {interval}; n2's Master_Down_Interval {:.3}s",
            self.nodes.len(),
            priorities.join("/"),
            self.lab.prefix(),
            self.mdi(1).as_secs_f64()
        );
        let json = Json::default()
            .raw("nodes", self.nodes.len())
            .raw("priorities", format!("[{}]", priorities.join(",")))
            .str("namespaces", format!("{}-*", self.lab.prefix()))
            .str("vip", DEMO_VIP)
            .raw("vrid", DEMO_VRID)
            .raw("version", version)
            .raw("advert_int_ms", self.cfg.interval().as_millis())
            .raw("master_down_ms", self.mdi(1).as_millis());
        self.ui.event("lab", &text, json);
    }

    /// One line of the story; the JSON message leaves out the text layout's indent.
    fn say(&mut self, event: &str, text: &str, fields: Json) {
        self.ui
            .event(event, text, fields.str("message", text.trim_start()));
    }

    /// What happens next, for the reader, as a numbered heading; `step` names it for scripts.
    fn step(&mut self, step: &str, text: &str) {
        self.begun += 1;
        self.took_master.fill(false);
        let heading = self.heading(text);
        let fields = Json::default().str("step", step).str("message", text);
        self.ui.event("step", &heading, fields);
    }

    /// `== 2/4 TEXT`, the mark that sets a step's lines apart from the events under it.
    fn heading(&self, text: &str) -> String {
        self.ui
            .heading(&format!("== {}/{STEPS} {text}", self.begun))
    }

    fn elect(&mut self) -> Going {
        let all: Vec<String> = (0..self.nodes.len()).map(|i| self.label(i)).collect();
        self.step(
            "start",
            &format!(
                "election: {} start; the highest priority becomes master",
                all.join(", ")
            ),
        );
        for i in 0..self.nodes.len() {
            self.start_node(i)?;
        }
        if !self.wait_for("n1 becomes master", |s| s.master() == Some(0))? {
            return Ok(false);
        }
        let text = format!(
            "{INDENT}{:<9} {} pings {} every 10ms",
            "client",
            self.lab.client.ip4,
            vip_addr()
        );
        self.say("step", &text, Json::default().str("step", "client"));
        self.start_client()?;
        let mac = self.node(0).mac.clone();
        if !self.wait_for("the client is answered by n1", move |s| {
            s.answered_by.as_deref() == Some(mac.as_str())
        })? {
            return Ok(false);
        }
        self.record("election at start", 0, 0, None)
    }

    fn planned_stop(&mut self) -> Going {
        self.step(
            "planned-stop",
            "planned stop of n1 (SIGTERM, as systemctl stop does): it hands over, then exits",
        );
        let mark = self.outages.len();
        if let Some(child) = self.nodes[0].as_mut() {
            lab::signal_child(child, Signal::SIGTERM);
        }
        if !self.wait_takeover("n2 takes over and n1 exits", 1, |s| s.exited(0))? {
            return Ok(false);
        }
        self.record("planned stop of n1", 1, mark, None)
    }

    fn comeback(&mut self) -> Going {
        self.step(
            "comeback",
            "n1 starts again: it waits Master_Down_Interval, then takes the VIP back (preemption)",
        );
        let mark = self.outages.len();
        self.start_node(0)?;
        if !self.wait_takeover("n1 takes the VIP back", 0, |_| true)? {
            return Ok(false);
        }
        self.record("n1 back (preempts)", 0, mark, None)
    }

    fn crash(&mut self) -> Going {
        let mdi = self.mdi(1);
        self.step(
            "crash",
            &format!(
                "crash of n1 (kill -9 and its cable pulled): n2 waits Master_Down_Interval ({:.3}s)",
                mdi.as_secs_f64()
            ),
        );
        let mark = self.outages.len();
        if let Some(child) = self.nodes[0].as_mut() {
            lab::signal_child(child, Signal::SIGKILL);
        }
        let node = self.node(0).clone();
        self.lab
            .set_port(&node, false)
            .map_err(|e| Missed(format!("cannot pull n1's cable: {e}")))?;
        if !self.wait_takeover("n2 takes over", 1, |s| s.exited(0))? {
            return Ok(false);
        }
        self.record("crash of n1 (kill -9)", 1, mark, Some(mdi))
    }

    /// Waits until node `i` is master, the client is answered by it and `also` holds.
    fn wait_takeover(&mut self, what: &str, i: usize, also: impl Fn(&mut Show) -> bool) -> Going {
        let mac = self.node(i).mac.clone();
        self.wait_for(what, move |s| {
            s.master() == Some(i) && s.answered_by.as_deref() == Some(mac.as_str()) && also(s)
        })
    }

    /// Lets late outage reports in, then adds the step to the summary.
    fn record(&mut self, what: &str, master: usize, mark: usize, bound: Option<Duration>) -> Going {
        if !self.pause(PROBE * 10)? {
            return Ok(false);
        }
        let seen = &self.outages[mark..];
        let step = Step {
            what: what.to_string(),
            master,
            outage: seen.iter().map(|o| o.length).max(),
            lost: seen.iter().map(|o| o.lost).sum(),
            bound,
            took_master: self.took_master.iter().filter(|&&t| t).count(),
        };
        let text = self.heading(&format!(
            "result: {}, master now {}",
            outage_words(&step),
            self.label(master)
        ));
        let json = step_json(&step, &self.node(master).name);
        self.ui.event("result", &text, json);
        self.steps.push(step);
        Ok(true)
    }

    /// A node that exited (or was killed) is no longer in the state it last printed.
    fn reap(&mut self) {
        for i in 0..self.nodes.len() {
            if self.nodes[i].is_some() && self.exited(i) {
                self.states[i] = State::Stopped;
            }
        }
    }

    fn exited(&mut self, i: usize) -> bool {
        self.nodes[i]
            .as_mut()
            .is_none_or(|c| c.try_wait().ok().flatten().is_some())
    }

    fn start_node(&mut self, i: usize) -> std::result::Result<(), Missed> {
        let node = self.node(i).clone();
        let args = self.cfg.run_args(i + 1);
        let child = self.spawn(&node, &args, Who::Node(i))?;
        self.nodes[i] = Some(child);
        Ok(())
    }

    fn start_client(&mut self) -> std::result::Result<(), Missed> {
        let client = self.lab.client.clone();
        let args: Vec<String> = ["ping-watch", &vip_addr(), "--interval", "10ms", "--json"]
            .iter()
            .map(|a| a.to_string())
            .collect();
        self.client = Some(self.spawn(&client, &args, Who::Client)?);
        Ok(())
    }

    fn spawn(
        &mut self,
        host: &LabHost,
        args: &[String],
        who: Who,
    ) -> std::result::Result<Child, Missed> {
        let mut child = self
            .lab
            .spawn(host, &self.exe, args)
            .map_err(|e| Missed(e.to_string()))?;
        if let Some(out) = child.stdout.take() {
            read_lines(out, who, false, self.tx.clone());
        }
        if let Some(err) = child.stderr.take() {
            read_lines(err, who, true, self.tx.clone());
        }
        Ok(child)
    }

    /// Handles what is heard until `done` holds (`Ok(true)`), Ctrl-C (`Ok(false)`), or the
    /// step timeout (`Err`).
    fn wait_for(&mut self, what: &str, mut done: impl FnMut(&mut Show) -> bool) -> Going {
        let end = Instant::now() + self.step_timeout();
        loop {
            self.reap();
            if done(self) {
                return Ok(true);
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Missed(format!(
                    "{what}: not within {:.1}s",
                    self.step_timeout().as_secs_f64()
                )));
            }
            match self.rx.recv_timeout(left.min(Duration::from_millis(50))) {
                Ok(Heard::Stop) => return Ok(false),
                Ok(Heard::Line { who, text, stderr }) => self.hear(who, &text, stderr),
                Err(_) => {}
            }
        }
    }

    /// Handles what is heard for `length`; `Ok(false)` on Ctrl-C.
    fn pause(&mut self, length: Duration) -> Going {
        let end = Instant::now() + length;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(true);
            }
            match self.rx.recv_timeout(left) {
                Ok(Heard::Stop) => return Ok(false),
                Ok(Heard::Line { who, text, stderr }) => self.hear(who, &text, stderr),
                Err(_) => {}
            }
        }
    }

    /// Tells one line of a child, and updates what the story knows.
    fn hear(&mut self, who: Who, line: &str, stderr: bool) {
        let event = json_field(line, "event");
        match (who, event.as_deref()) {
            (_, None) if line.trim().is_empty() => {}
            (Who::Node(i), _) if stderr => {
                let text = format!("{INDENT}{}: {}", self.node(i).name, line.trim());
                let fields = Json::default().str("node", &self.node(i).name);
                self.say("node-error", &text, fields);
            }
            (Who::Client, _) if stderr => self.say(
                "client-error",
                &format!("{INDENT}client: {line}"),
                Json::default(),
            ),
            (Who::Node(i), Some("transition")) => self.node_transition(i, line),
            (Who::Client, Some("answered" | "mac-change")) => self.client_answer(line),
            (Who::Client, Some("outage")) => self.client_outage(line),
            _ => {}
        }
    }

    fn node_transition(&mut self, i: usize, line: &str) {
        let to = json_field(line, "to").unwrap_or_default();
        let reason = json_field(line, "reason").unwrap_or_default();
        let state = State::from_name(&to).unwrap_or(State::Init);
        self.states[i] = state;
        self.took_master[i] |= state == State::Master;
        let text = format!(
            "{INDENT}{:<9} {} {reason}",
            self.label(i),
            self.ui.state_column(state)
        );
        let json = Json::default()
            .str("node", &self.node(i).name)
            .raw("priority", self.cfg.priorities[i])
            .str("to", &to)
            .str("reason", &reason);
        self.ui.event("node-transition", &text, json);
    }

    fn client_answer(&mut self, line: &str) {
        let Some(mac) = json_field(line, "to") else {
            return;
        };
        let holder = self
            .lab
            .nodes
            .iter()
            .position(|n| n.mac == mac)
            .map(|i| self.label(i))
            .unwrap_or_else(|| "an unknown host".into());
        let text = format!(
            "{INDENT}{:<9} {} answered by {holder} ({mac})",
            "client",
            vip_addr()
        );
        let json = Json::default().str("holder", &holder).str("mac", &mac);
        self.ui.event("client-answered", &text, json);
        self.answered_by = Some(mac);
    }

    fn client_outage(&mut self, line: &str) {
        let length_ms: f64 = json_field(line, "length_ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let lost: u64 = json_field(line, "lost")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let length = Duration::from_secs_f64(length_ms.max(0.0) / 1000.0);
        self.outages.push(Outage { length, lost });
        let text = format!(
            "{INDENT}{:<9} {}outage {:.3}s, {lost} probe(s) lost",
            "client",
            self.ui.mark(Level::Warn),
            length.as_secs_f64()
        );
        let json = Json::default()
            .raw("length_ms", format!("{length_ms:.3}"))
            .raw("lost", lost);
        self.ui.event("client-outage", &text, json);
    }

    fn summary(&mut self) {
        let rows = summary_rows(&self.steps, |i| self.label(i));
        let text = format!(
            "summary (client probes every 10ms):\n  {}",
            rows.join("\n  ")
        );
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|s| step_json(s, &self.node(s.master).name).finish())
            .collect();
        let json = Json::default().raw("steps", format!("[{}]", steps.join(",")));
        self.ui.event("demo-summary", &text, json);
    }

    /// `--keep`: n1 comes back, and the lab stays until Ctrl-C.
    fn keep(&mut self) -> Going {
        let node = self.node(0).clone();
        self.lab
            .set_port(&node, true)
            .map_err(|e| Missed(format!("cannot plug n1's cable back: {e}")))?;
        self.start_node(0)?;
        let (prefix, exe) = (self.lab.prefix().to_string(), self.exe.display());
        let text = format!(
            "the lab stays until Ctrl-C (n1 is back). Look inside from another terminal:\n  \
             sudo ip netns exec {prefix}-client {exe} probe --iface eth0\n  \
             sudo ip netns exec {prefix}-n1 {exe} status\n  \
             sudo ip netns exec {prefix}-n1 ip addr show eth0\n  \
             sudo kill $(sudo ip netns pids {prefix}-n1)   # stop n1, watch n2 take over here"
        );
        let fields = Json::default().str("prefix", &prefix);
        self.say("keep", &text, fields);
        while self.pause(Duration::from_secs(3600))? {}
        Ok(true)
    }

    /// Stops every child and removes the lab; the exit code.
    fn finish(mut self, end: End) -> i32 {
        if let Some(client) = self.client.as_mut() {
            lab::stop_child(client, Signal::SIGKILL, Duration::ZERO);
        }
        for node in self.nodes.iter_mut().flatten() {
            lab::stop_child(node, Signal::SIGKILL, Duration::ZERO);
        }
        let namespaces = self.lab.namespaces();
        let (stray, left) = self.lab.remove();
        let code = match &end {
            End::Told => 0,
            End::Interrupted => 130,
            End::Missed(_) => 1,
        };
        match &end {
            End::Missed(what) => self.ui.say(Level::Warn, "missed", 0, what),
            End::Interrupted => self.say(
                "interrupted",
                "interrupted: stopping the nodes",
                Json::default(),
            ),
            End::Told => {}
        }
        let mut text = format!(
            "removed the lab: {namespaces} namespaces ({}-*) and the processes in them",
            self.lab.prefix()
        );
        if stray > 0 {
            text.push_str(&format!(" ({stray} still running were killed)"));
        }
        if !left.is_empty() {
            text.push_str(&format!(
                "; could not remove {}: run the demo again to remove them",
                left.join(", ")
            ));
        }
        let fields = Json::default()
            .raw("namespaces", namespaces)
            .raw("killed", stray);
        self.say("cleanup", &text, fields);
        code
    }
}

fn vip_addr() -> String {
    DEMO_VIP.split('/').next().unwrap_or(DEMO_VIP).to_string()
}

/// Sends each line of a child's output to the story, from a thread of its own.
fn read_lines(pipe: impl Read + Send + 'static, who: Who, stderr: bool, tx: Sender<Heard>) {
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(text) = line else { return };
            if tx.send(Heard::Line { who, text, stderr }).is_err() {
                return;
            }
        }
    });
}

/// The summary's table: a header and a row per step, in fixed columns.
fn summary_rows(steps: &[Step], label: impl Fn(usize) -> String) -> Vec<String> {
    let row = |what: &str, outage: &str, lost: &str, master: &str, expected: &str| {
        format!("{what:<24} {outage:>8} {lost:>6}  {master:<10} {expected}")
    };
    let mut rows = vec![row("step", "outage", "lost", "master", "expected")];
    for step in steps {
        let outage = step
            .outage
            .map_or_else(|| "none".into(), |d| format!("{:.3}s", d.as_secs_f64()));
        rows.push(row(
            &step.what,
            &outage,
            &step.lost.to_string(),
            &label(step.master),
            &expected_words(step),
        ));
    }
    rows
}

fn outage_words(step: &Step) -> String {
    match step.outage {
        None => "no probe lost".into(),
        Some(d) => format!(
            "outage {:.3}s, {} probe(s) lost",
            d.as_secs_f64(),
            step.lost
        ),
    }
}

/// What the step promises, and whether it held.
fn expected_words(step: &Step) -> String {
    match (step.bound, step.outage) {
        (None, _) if held(step) => "none: ok".into(),
        (None, _) if step.took_master > 1 => {
            format!("none: MISSED, {} nodes took master", step.took_master)
        }
        (None, _) => "none: MISSED".into(),
        (Some(b), _) => format!(
            "<= {:.3}s (Master_Down_Interval): {}",
            b.as_secs_f64(),
            if held(step) { "ok" } else { "MISSED" }
        ),
    }
}

/// No loss where none may be; a crash within Master_Down_Interval (plus the one probe that
/// ping-watch's send-time measure can add).
fn held(step: &Step) -> bool {
    match step.bound {
        None => step.outage.is_none(),
        Some(b) => step.outage.is_none_or(|d| d <= b + PROBE),
    }
}

fn step_json(step: &Step, master: &str) -> Json {
    let outage_ms = step.outage.map_or_else(
        || "0".into(),
        |d| format!("{:.3}", d.as_secs_f64() * 1000.0),
    );
    let mut json = Json::default()
        .str("step", &step.what)
        .raw("outage_ms", outage_ms)
        .raw("lost", step.lost)
        .str("master", master)
        .raw("held", held(step))
        .raw("took_master", step.took_master);
    if let Some(b) = step.bound {
        json = json.raw("bound_ms", format!("{:.3}", b.as_secs_f64() * 1000.0));
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(what: &str, outage_ms: Option<u64>, bound: Option<u64>, masters: usize) -> Step {
        Step {
            what: what.into(),
            master: 0,
            outage: outage_ms.map(Duration::from_millis),
            lost: outage_ms.map_or(0, |ms| ms / 10),
            bound: bound.map(Duration::from_millis),
            took_master: masters,
        }
    }

    /// The outage a newcomer saw before the first handover (n1 and n2 both master a
    /// millisecond apart at start) is a row of the summary, said as what it was.
    #[test]
    fn the_summary_tells_an_outage_at_start_and_keeps_its_columns() {
        let steps = [
            step("election at start", Some(20), None, 2),
            step("planned stop of n1", None, None, 1),
            step("crash of n1 (kill -9)", Some(320), Some(322), 1),
        ];
        let rows = summary_rows(&steps, |_| "n1 (200)".into());
        assert_eq!(rows.len(), 4, "{rows:#?}");
        assert!(
            rows[1].starts_with("election at start")
                && rows[1].contains("0.020s")
                && rows[1].ends_with("none: MISSED, 2 nodes took master"),
            "{rows:#?}"
        );
        assert!(rows[2].contains("none: ok"), "{rows:#?}");
        assert!(rows[3].contains("(Master_Down_Interval): ok"), "{rows:#?}");
        for row in &rows {
            assert!(row.len() + 2 <= 100, "wider than a terminal: {row:?}");
        }
        let column = |row: &str, word: &str| row.rfind(word);
        let expected_at = column(&rows[0], "expected");
        for row in &rows[1..] {
            let expected = column(row, "none:").or(column(row, "<="));
            assert_eq!(expected, expected_at, "{rows:#?}");
        }
    }

    #[test]
    fn an_outage_at_start_with_one_master_is_missed_plainly() {
        let rows = summary_rows(&[step("election at start", Some(20), None, 1)], |_| {
            "n1 (200)".into()
        });
        assert!(rows[1].ends_with("none: MISSED"), "{rows:#?}");
    }
}

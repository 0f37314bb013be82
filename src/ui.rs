//! Every human-facing line and JSON event. Writes to any `io::Write`, one flushed line per
//! event so tmux panes and `tee` logs show events as they happen; color decided once.

use std::io::Write;
use std::time::SystemTime;

use owo_colors::OwoColorize;

use crate::cli::ColorWhen;
use crate::json::{json_field, json_string, Json};
use crate::vrrp::State;
use crate::wire::Family;

/// Color only on a terminal, never with NO_COLOR (unless --color always) or --color never.
pub fn use_color(when: ColorWhen, is_terminal: bool, no_color_set: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => is_terminal && !no_color_set,
    }
}

/// Local wall-clock time: `(HH:MM:SS.mmm, RFC 3339 with offset)`.
fn local_time(now: SystemTime) -> (String, String) {
    let since = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs() as i64;
    let millis = since.subsec_millis();
    let Some(t) = crate::net::clock::local_time(secs) else {
        return (format!("{secs}.{millis:03}"), format!("{secs}.{millis:03}"));
    };
    let clock = format!("{:02}:{:02}:{:02}.{millis:03}", t.hour, t.minute, t.second);
    let offset_min = t.offset_seconds / 60;
    let sign = if offset_min < 0 { '-' } else { '+' };
    let iso = format!(
        "{:04}-{:02}-{:02}T{clock}{sign}{:02}:{:02}",
        t.year,
        t.month,
        t.day,
        offset_min.abs() / 60,
        offset_min.abs() % 60
    );
    (clock, iso)
}

/// Where and how events are written.
pub struct Ui {
    out: Box<dyn Write + Send>,
    color: bool,
    json: bool,
    clock: Box<dyn Fn() -> SystemTime + Send>,
    /// A live status line may be drawn (terminal, text mode).
    live: bool,
    status_shown: bool,
    /// The instance's family in a run of both (IPv4, IPv6): named in every group line.
    family: Option<Family>,
    /// The vrrp_instance's name in a run of several: named in every group line.
    instance: Option<String>,
}

/// How a line is marked in text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A plain statement: no mark.
    Plain,
    Info,
    Warn,
}

impl Ui {
    pub fn new(out: Box<dyn Write + Send>, color: bool, json: bool) -> Ui {
        Ui {
            out,
            color,
            json,
            clock: Box::new(SystemTime::now),
            live: false,
            status_shown: false,
            family: None,
            instance: None,
        }
    }

    /// Lines about a group also name the keepalived.conf instance ("VI_1 vrid 51 ...",
    /// "instance":"VI_1"): one of a run of several.
    pub fn with_instance(mut self, name: &str) -> Ui {
        self.instance = Some(name.to_string());
        self
    }

    /// Lines about a group also name the family ("vrid 41 IPv6 ...", "family":"ipv6"): one
    /// instance of a run with IPv4 and IPv6 VIPs.
    pub fn with_family(mut self, family: Family) -> Ui {
        self.family = Some(family);
        self
    }

    /// "vrid 41 " or, for one family of two, "vrid 41 IPv6 ".
    fn group(&self, vrid: u8) -> String {
        let name = self
            .instance
            .as_ref()
            .map(|n| format!("{n} "))
            .unwrap_or_default();
        match self.family {
            Some(family) => format!("{name}vrid {vrid} {} ", family.name()),
            None => format!("{name}vrid {vrid} "),
        }
    }

    /// The JSON fields naming the group (and the family).
    fn group_json(&self, vrid: u8) -> Json {
        let mut json = Json::default().raw("vrid", vrid);
        if let Some(name) = &self.instance {
            json = json.str("instance", name);
        }
        match self.family {
            Some(family) => json.str("family", family.key()),
            None => json,
        }
    }

    /// Allows `status` lines; only for a terminal and text output.
    pub fn with_live_status(mut self, live: bool) -> Ui {
        self.live = live && !self.json;
        self
    }

    /// Redraws the one live status line (no newline); event lines clear it first.
    pub fn status(&mut self, text: &str) {
        if self.live {
            let _ = write!(self.out, "\r\x1b[K{text}").and_then(|_| self.out.flush());
            self.status_shown = true;
        }
    }

    /// For tests: a fixed clock.
    #[cfg(test)]
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + 'static) -> Ui {
        self.clock = Box::new(clock);
        self
    }

    fn write_line(&mut self, line: &str) {
        if self.status_shown {
            let _ = write!(self.out, "\r\x1b[K");
            self.status_shown = false;
        }
        // A closed stdout (e.g. `| head`) must not stop failover: drop the line.
        let _ = writeln!(self.out, "{line}").and_then(|_| self.out.flush());
    }

    /// Writes `text` as a line (text mode) or `json` plus time and event name (JSON mode).
    /// Debug builds (every test) check each event against the schema in events.rs, in
    /// either mode.
    pub fn event(&mut self, event: &str, text: &str, json: Json) {
        let (clock, iso) = local_time((self.clock)());
        let mut full = Json::default().str("time", iso).str("event", event);
        full.fields.extend(json.fields);
        let line = full.finish();
        if cfg!(debug_assertions) {
            if let Err(e) = crate::events::check(&line) {
                panic!("event does not match the schema (src/events.rs): {e}: {line}");
            }
        }
        if self.json {
            self.write_line(&line);
        } else {
            self.write_line(&format!("{clock} {text}"));
        }
    }

    /// The state word, padded and colored: master green, backup yellow, fault red.
    pub fn state_word(&self, state: State) -> String {
        self.state_padded(state, 6)
    }

    /// The state word padded to the longest one (RELEASING), so that what follows it starts
    /// at one column whatever the state: the demo's layout.
    pub fn state_column(&self, state: State) -> String {
        self.state_padded(state, "RELEASING".len())
    }

    fn state_padded(&self, state: State, width: usize) -> String {
        let word = format!("{:<width$}", state.name().to_uppercase());
        if !self.color {
            return word;
        }
        match state {
            State::Master => word.green().bold().to_string(),
            State::Backup => word.yellow().bold().to_string(),
            State::Fault => word.red().bold().to_string(),
            _ => word.dimmed().to_string(),
        }
    }

    /// A line that heads a part of a story (the demo's steps): bold in color.
    pub fn heading(&self, text: &str) -> String {
        if self.color {
            text.bold().to_string()
        } else {
            text.to_string()
        }
    }

    /// A note or warning line in text mode, marked so it stands apart from transitions.
    pub fn mark(&self, level: Level) -> String {
        match (level, self.color) {
            (Level::Plain, _) => String::new(),
            (Level::Info, false) => "note  ".into(),
            (Level::Warn, false) => "WARN  ".into(),
            (Level::Info, true) => "note  ".dimmed().to_string(),
            (Level::Warn, true) => "WARN  ".magenta().bold().to_string(),
        }
    }
}

impl Ui {
    /// A note of the state machine, as its own event with its facts as fields.
    pub fn machine_note(&mut self, vrid: u8, note: &crate::vrrp::Note) {
        use crate::vrrp::Note;
        let (event, fields) = match note {
            Note::AnsweredLowerPriority { from, priority } => (
                "answered-lower-priority",
                Json::default().str("from", from).raw("priority", priority),
            ),
            Note::IntervalAdopted { from, interval_cs } => (
                "interval-adopted",
                Json::default().str("from", from).raw(
                    "advert_int_ms",
                    ms(crate::vrrp::timers::interval(*interval_cs)),
                ),
            ),
            Note::PreemptDelayStarted {
                from,
                priority,
                delay,
            } => (
                "preempt-delay",
                Json::default()
                    .str("from", from)
                    .raw("priority", priority)
                    .raw("delay_ms", ms(*delay)),
            ),
            Note::SameAddress { from } => ("same-address", Json::default().str("from", from)),
            Note::VipsRestored => ("vips-restored", Json::default()),
            Note::ClaimAnswered { vip, by } => (
                "claim-answered",
                Json::default().str("vip", vip).str("by", by),
            ),
            Note::ClaimsIgnored { vip, by } => (
                "claims-ignored",
                Json::default().str("vip", vip).str("by", by),
            ),
            Note::PriorityChanged { from, to } => (
                "priority-changed",
                Json::default().raw("from", from).raw("to", to),
            ),
        };
        self.tell(Level::Info, event, vrid, &note.to_string(), fields);
    }
}

/// The facts of `run`'s start line.
pub struct StartInfo<'a> {
    pub vrid: u8,
    pub iface: &'a str,
    pub primary: std::net::IpAddr,
    /// The IPv6 instance's source, in a run of both families.
    pub primary6: Option<std::net::IpAddr>,
    pub mac: String,
    pub version: u8,
    pub priority: u8,
    pub interval: std::time::Duration,
    pub skew: std::time::Duration,
    pub master_down: std::time::Duration,
    pub vips: Vec<String>,
    pub preempt: bool,
    pub checksum: &'a str,
}

fn ms(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

fn secs3(d: std::time::Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

impl Ui {
    pub fn start(&mut self, s: &StartInfo<'_>) {
        let text = format!(
            "vipflip {} vrid {} on {} from {}: VRRPv{}, priority {}, advert every {}, skew {}, master down after {}, {}, preempt {}",
            env!("CARGO_PKG_VERSION"),
            s.vrid,
            s.iface,
            match s.primary6 {
                Some(v6) => format!("{} and {v6}", s.primary),
                None => s.primary.to_string(),
            },
            s.version,
            s.priority,
            humantime::format_duration(s.interval),
            secs3(s.skew),
            secs3(s.master_down),
            if s.vips.is_empty() {
                "no VIP (state and hooks only)".to_string()
            } else {
                format!("VIP {}", s.vips.join(" "))
            },
            if s.preempt { "on" } else { "off" },
        );
        let mut json = Json::default()
            .raw("vrid", s.vrid)
            .str("iface", s.iface)
            .str("primary", s.primary);
        if let Some(v6) = s.primary6 {
            json = json.str("primary_ipv6", v6);
        }
        let json = json
            .str("mac", &s.mac)
            .raw("version", s.version)
            .raw("priority", s.priority)
            .raw("advert_int_ms", ms(s.interval))
            .raw("skew_ms", ms(s.skew))
            .raw("master_down_ms", ms(s.master_down))
            .list("vips", s.vips.clone())
            .raw("preempt", s.preempt)
            .str("v3_checksum", s.checksum);
        self.event("start", &text, json);
    }

    pub fn transition(&mut self, vrid: u8, from: State, to: State, reason: &str) {
        let text = format!(
            "{}{} {reason} (was {})",
            self.group(vrid),
            self.state_word(to),
            from.name()
        );
        let json = self
            .group_json(vrid)
            .str("from", from.name())
            .str("to", to.name())
            .str("reason", reason);
        self.event("transition", &text, json);
    }

    /// A note (`Level::Info`) or warning about `vrid` (0: not about a group).
    pub fn say(&mut self, level: Level, event: &str, vrid: u8, message: &str) {
        self.tell(level, event, vrid, message, Json::default());
    }

    /// `say` with the facts of the line as fields, for scripts.
    pub fn tell(&mut self, level: Level, event: &str, vrid: u8, message: &str, fields: Json) {
        let group = if vrid == 0 {
            String::new()
        } else {
            self.group(vrid)
        };
        let text = format!("{group}{}{message}", self.mark(level));
        let mut json = Json::default();
        if vrid != 0 {
            json = self.group_json(vrid);
        }
        json.fields.extend(fields.fields);
        self.event(event, &text, json.str("message", message));
    }

    pub fn discard(&mut self, vrid: u8, from: std::net::IpAddr, kind: &str, why: &str, count: u64) {
        let text = format!(
            "{}{}discarded packet from {from}: {why} ({count} {kind} so far)",
            self.group(vrid),
            self.mark(Level::Warn)
        );
        let json = self
            .group_json(vrid)
            .str("from", from)
            .str("kind", kind)
            .str("message", why)
            .raw("count", count);
        self.event("discard", &text, json);
    }

    /// The exit summary: adverts sent and discards per kind.
    pub fn summary(
        &mut self,
        vrid: u8,
        sent: u64,
        discards: &std::collections::BTreeMap<&'static str, u64>,
    ) {
        let total: u64 = discards.values().sum();
        let detail: Vec<String> = discards.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let group = self.group(vrid);
        let text = if total == 0 {
            format!("{group}exit: sent {sent} adverts, discarded no packets")
        } else {
            format!(
                "{group}exit: sent {sent} adverts, discarded {total} packets ({})",
                detail.join(", ")
            )
        };
        let counts: Vec<String> = discards
            .iter()
            .map(|(k, v)| format!("{}:{v}", json_string(k)))
            .collect();
        let json = self
            .group_json(vrid)
            .raw("sent_adverts", sent)
            .raw("discarded", format!("{{{}}}", counts.join(",")));
        self.event("exit", &text, json);
    }
}

/// What ping-watch reports about one outage.
pub struct OutageLine {
    pub start: SystemTime,
    pub length: std::time::Duration,
    pub lost: u64,
    pub mac_before: Option<String>,
    pub mac_after: Option<String>,
    /// Still going when ping-watch stopped.
    pub ongoing: bool,
}

impl Ui {
    /// `vipflip status`: one instance, from the JSON object its `run` serves.
    pub fn instance(&mut self, snapshot: &str) {
        let field = |k: &str| json_field(snapshot, k).unwrap_or_default();
        let now = SystemTime::now();
        let at = |k: &str| {
            field(k)
                .parse::<u64>()
                .ok()
                .map(|ms| SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(ms))
        };
        let ago = |t: SystemTime| {
            let d = now.duration_since(t).unwrap_or_default();
            humantime::format_duration(std::time::Duration::from_secs(d.as_secs())).to_string()
        };
        let state = State::from_name(&field("state")).unwrap_or(State::Init);
        let since = at("since_unix_ms").map_or_else(String::new, |t| {
            format!(" since {} ({} ago)", local_time(t).0, ago(t))
        });
        let (priority, configured) = (field("priority"), field("configured_priority"));
        let priority = if priority == configured {
            priority
        } else {
            format!("{priority} (configured {configured}, lowered by checks)")
        };
        let master = match (state, at("master_heard_unix_ms")) {
            (State::Master, _) => "this node".to_string(),
            (_, Some(t)) => format!("{} (heard {:.2}s ago)", field("master"), secs_since(now, t)),
            _ => "none heard yet".to_string(),
        };
        let vips = field("vips").replace(['[', ']', '"'], "").replace(',', " ");
        let family = match json_field(snapshot, "family").as_deref() {
            Some("ipv4") => " IPv4",
            Some("ipv6") => " IPv6",
            _ => "",
        };
        let name = json_field(snapshot, "instance")
            .map(|n| format!("{n} "))
            .unwrap_or_default();
        let text = format!(
            "{name}vrid {}{family} on {} (pid {}): {}{since}, priority {priority}, VRRPv{} every {}ms, master {master}, VIPs {vips}, {} adverts sent, {} packets discarded",
            field("vrid"),
            field("iface"),
            field("pid"),
            self.state_word(state).trim_end(),
            field("version"),
            field("advert_int_ms"),
            field("sent_adverts"),
            field("discarded"),
        );
        self.event("instance", &text, Json::default().fields_of(snapshot));
    }
}

fn secs_since(now: SystemTime, then: SystemTime) -> f64 {
    now.duration_since(then).unwrap_or_default().as_secs_f64()
}

/// ping-watch's closing numbers.
pub struct WatchSummary {
    pub addr: std::net::IpAddr,
    pub sent: u64,
    pub received: u64,
    pub outages: usize,
    pub longest: Option<std::time::Duration>,
    pub mac_changes: u64,
}

impl Ui {
    pub fn outage(&mut self, o: &OutageLine) {
        let (clock, iso) = local_time(o.start);
        let macs = match (&o.mac_before, &o.mac_after) {
            (Some(a), Some(b)) if a != b => format!("MAC {a} -> {b}"),
            (Some(a), Some(_)) => format!("MAC {a} (unchanged)"),
            (Some(a), None) => format!("MAC before {a}"),
            (None, Some(b)) => format!("MAC after {b}"),
            (None, None) => "no MAC seen".into(),
        };
        let what = if o.ongoing {
            "outage still going after"
        } else {
            "outage"
        };
        let text = format!(
            "{}{what} {} from {clock}: {} probes lost, {macs}",
            self.mark(Level::Warn),
            secs3(o.length),
            o.lost
        );
        let mut json = Json::default()
            .str("start", iso)
            .raw("length_ms", ms(o.length))
            .raw("lost", o.lost)
            .raw("ongoing", o.ongoing);
        if let Some(m) = &o.mac_before {
            json = json.str("mac_before", m);
        }
        if let Some(m) = &o.mac_after {
            json = json.str("mac_after", m);
        }
        self.event("outage", &text, json);
    }

    /// ping-watch: `addr` answered from a new MAC (`from` is `None` for the first answer).
    pub fn answered_by(&mut self, addr: std::net::IpAddr, from: Option<String>, to: &str) {
        let (event, plain, level) = match &from {
            None => ("answered", format!("{addr} answered by {to}"), Level::Plain),
            Some(was) => (
                "mac-change",
                format!("{addr} now answered by {to} (was {was})"),
                Level::Info,
            ),
        };
        let text = format!("{}{plain}", self.mark(level));
        let mut json = Json::default().str("addr", addr).str("to", to);
        if let Some(was) = from {
            json = json.str("from", was);
        }
        self.event(event, &text, json.str("message", &plain));
    }

    pub fn watch_summary(&mut self, s: &WatchSummary) {
        let loss = if s.sent == 0 {
            0.0
        } else {
            100.0 * (s.sent - s.received.min(s.sent)) as f64 / s.sent as f64
        };
        let longest = s.longest.map(secs3).unwrap_or_else(|| "-".into());
        let text = format!(
            "{}: sent {}, received {}, loss {loss:.1}%, {} outage(s), longest {longest}, {} MAC change(s)",
            s.addr, s.sent, s.received, s.outages, s.mac_changes
        );
        let json = Json::default()
            .str("addr", s.addr)
            .raw("sent", s.sent)
            .raw("received", s.received)
            .raw("loss_percent", format!("{loss:.1}"))
            .raw("outages", s.outages)
            .raw(
                "longest_ms",
                s.longest.map(ms).unwrap_or_else(|| "null".into()),
            )
            .raw("mac_changes", s.mac_changes);
        self.event("summary", &text, json);
    }
}

fn ago(now: std::time::Instant, then: std::time::Instant) -> String {
    format!("{:.2}s", now.saturating_duration_since(then).as_secs_f64())
}

fn speaker_text(s: &crate::vrrp::survey::Speaker, now: std::time::Instant) -> String {
    let vips: Vec<String> = s.vips.iter().map(|v| v.to_string()).collect();
    format!(
        "{} ({}) priority {}, VRRPv{} every {}, checksum {}, auth {}, VIPs {}, {} advert(s), last {} ago",
        s.src,
        s.mac,
        s.priority,
        s.version.number(),
        humantime::format_duration(crate::vrrp::timers::interval(s.interval_cs)),
        s.checksum.name(),
        s.auth.name(),
        vips.join(" "),
        s.adverts,
        ago(now, s.last_seen)
    )
}

fn speaker_json(s: &crate::vrrp::survey::Speaker, now: std::time::Instant) -> String {
    Json::default()
        .str("src", s.src)
        .str("mac", s.mac)
        .raw("priority", s.priority)
        .raw("version", s.version.number())
        .raw("advert_int_ms", u64::from(s.interval_cs) * 10)
        .str("checksum", s.checksum.name())
        .str("auth", s.auth.name())
        .list("vips", s.vips.iter().map(|v| v.to_string()))
        .raw("adverts", s.adverts)
        .raw(
            "last_seen_ms_ago",
            now.saturating_duration_since(s.last_seen).as_millis(),
        )
        .finish()
}

impl Ui {
    /// One VRRP group as probe heard it: its master and every other speaker.
    pub fn probe_group(
        &mut self,
        (vrid, family): crate::vrrp::survey::GroupKey,
        master: Option<&crate::vrrp::survey::Speaker>,
        others: &[&crate::vrrp::survey::Speaker],
        now: std::time::Instant,
    ) {
        let family = family.name();
        let mut text = match master {
            Some(m) => format!(
                "vrid {vrid} {family}: {} {}",
                self.state_word(State::Master),
                speaker_text(m, now)
            ),
            None => format!("vrid {vrid} {family}: no master advertising now"),
        };
        for s in others {
            text.push_str(&format!("\n    also heard {}", speaker_text(s, now)));
        }
        let mut json = Json::default()
            .raw("vrid", vrid)
            .str("family", family.to_lowercase());
        json = json.raw(
            "master",
            master
                .map(|m| speaker_json(m, now))
                .unwrap_or_else(|| "null".into()),
        );
        let others: Vec<String> = others.iter().map(|s| speaker_json(s, now)).collect();
        json = json.raw("others", format!("[{}]", others.join(",")));
        self.event("group", &text, json);
    }

    /// Who answered for a VIP: each MAC, with the address of the speaker or node it belongs to.
    pub fn probe_vip(&mut self, vip: std::net::IpAddr, holders: &[(String, String)]) {
        let list: Vec<String> = holders
            .iter()
            .map(|(mac, who)| format!("{mac} ({who})"))
            .collect();
        let text = match list.len() {
            0 => format!("VIP {vip}: nobody answers"),
            _ => format!("VIP {vip}: answered by {}", list.join(", ")),
        };
        let json = Json::default()
            .str("vip", vip)
            .list("macs", holders.iter().map(|(m, _)| m.clone()));
        self.event("vip", &text, json);
    }
}

impl Ui {
    /// What breaks groups, from probe's survey: its own event with the facts as fields.
    pub fn survey_warning(&mut self, warning: &crate::vrrp::survey::Warning) {
        use crate::vrrp::survey::Warning;
        let (event, fields) = match warning {
            Warning::SplitBrain { group, masters } => {
                let list: Vec<String> = masters
                    .iter()
                    .map(|(src, p)| Json::default().str("src", src).raw("priority", p).finish())
                    .collect();
                (
                    "split-brain",
                    Json::default()
                        .raw("vrid", group.0)
                        .str("family", group.1.key())
                        .raw("masters", format!("[{}]", list.join(","))),
                )
            }
            Warning::Disagree {
                group,
                setting,
                values,
            } => {
                let list: Vec<String> = values
                    .iter()
                    .map(|(v, src)| Json::default().str("value", v).str("src", src).finish())
                    .collect();
                (
                    "members-disagree",
                    Json::default()
                        .raw("vrid", group.0)
                        .str("family", group.1.key())
                        .str("setting", setting)
                        .raw("values", format!("[{}]", list.join(","))),
                )
            }
            Warning::Carp {
                vhid,
                senders,
                clashes,
            } => (
                "carp",
                Json::default()
                    .raw("vhid", vhid)
                    .list("senders", senders.iter().map(|s| s.to_string()))
                    .raw("clashes", clashes),
            ),
        };
        self.tell(Level::Warn, event, 0, &warning.to_string(), fields);
    }
}

/// Shared writer for tests: everything written, as a string.
#[cfg(test)]
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

#[cfg(test)]
impl Captured {
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::Duration;

    fn ui(json: bool, color: bool) -> (Ui, Captured) {
        let cap = Captured::default();
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        (
            Ui::new(Box::new(cap.clone()), color, json).with_clock(move || at),
            cap,
        )
    }

    #[test]
    fn status_line_is_cleared_before_an_event_line() {
        let (u, cap) = ui(false, false);
        let mut u = u.with_live_status(true);
        u.status("sent 3");
        u.say(Level::Plain, "config-note", 0, "event");
        assert!(
            cap.text().starts_with("\r\x1b[Ksent 3\r\x1b[K"),
            "{:?}",
            cap.text()
        );
        let (u, cap) = ui(true, false);
        let mut u = u.with_live_status(true);
        u.status("sent 3");
        assert!(cap.text().is_empty(), "never in JSON mode");
    }

    #[test]
    fn outage_line_names_both_macs() {
        let (mut u, cap) = ui(false, false);
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        u.outage(&OutageLine {
            start,
            length: Duration::from_millis(351),
            lost: 35,
            mac_before: Some("02:00:c0:00:02:c9".into()),
            mac_after: Some("02:00:c0:00:02:ca".into()),
            ongoing: false,
        });
        let text = cap.text();
        assert!(text.contains("outage 0.351s from "), "{text}");
        assert!(
            text.contains(": 35 probes lost, MAC 02:00:c0:00:02:c9 -> 02:00:c0:00:02:ca"),
            "{text}"
        );
    }

    #[test]
    fn color_rules() {
        assert!(use_color(ColorWhen::Auto, true, false));
        assert!(!use_color(ColorWhen::Auto, false, false), "not on a pipe");
        assert!(!use_color(ColorWhen::Auto, true, true), "NO_COLOR");
        assert!(!use_color(ColorWhen::Never, true, false));
        assert!(use_color(ColorWhen::Always, false, true));
    }

    #[test]
    fn text_line_has_time_and_plain_state_without_color() {
        let (mut u, cap) = ui(false, false);
        u.transition(41, State::Backup, State::Master, "reason");
        let text = cap.text();
        assert!(
            text.ends_with(".123 vrid 41 MASTER reason (was backup)\n"),
            "{text:?}"
        );
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn colored_state_words() {
        let (u, _) = ui(false, true);
        assert!(u.state_word(State::Master).contains("\u{1b}[32"), "green");
        assert!(u.state_word(State::Backup).contains("\u{1b}[33"), "yellow");
        assert!(u.state_word(State::Fault).contains("\u{1b}[31"), "red");
    }

    #[test]
    fn json_line_is_one_object_with_escaped_strings() {
        let (mut u, cap) = ui(true, false);
        u.event(
            "vips-restored",
            "ignored",
            Json::default()
                .str("message", "a \"quoted\"\nline")
                .raw("vrid", 41),
        );
        let text = cap.text();
        assert_eq!(text.lines().count(), 1);
        assert!(text.starts_with("{\"time\":\"20"), "{text}");
        assert!(
            text.contains(
                "\"event\":\"vips-restored\",\"message\":\"a \\\"quoted\\\"\\nline\",\"vrid\":41}"
            ),
            "{text}"
        );
    }
}

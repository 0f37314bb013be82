//! Every human-facing line and JSON event. Writes to any `io::Write`, one flushed line per
//! event so tmux panes and `tee` logs show events as they happen; color decided once.
//! Here: the writer, the clock, state words, marks and notes any command uses; each
//! command's own lines in a file of its own (run.rs, probe.rs, ping_watch.rs, status.rs;
//! run's node notes in cmd/run/notes.rs, the demo's in cmd/demo.rs).

use std::io::Write;
use std::time::SystemTime;

use owo_colors::OwoColorize;

use crate::cli::ColorWhen;
use crate::json::Json;
use crate::vrrp::State;
use crate::wire::Family;

mod ping_watch;
mod probe;
mod run;
mod status;

pub use ping_watch::{OutageLine, WatchSummary};
pub use run::StartInfo;

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

fn ms(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

fn secs3(d: std::time::Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

impl Ui {
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

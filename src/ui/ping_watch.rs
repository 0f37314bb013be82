//! The lines of `vipflip ping-watch`: outages, who answers, the closing numbers.

use std::time::SystemTime;

use super::{local_time, ms, secs3, Level, Ui};
use crate::json::Json;

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

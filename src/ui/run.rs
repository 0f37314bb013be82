//! The lines of `vipflip run`: the start line, transitions, the machine's notes, discarded
//! packets, the exit summary.

use super::{ms, secs3, Level, Ui};
use crate::json::{json_string, Json};
use crate::vrrp::State;

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
            Note::DrainUnanswered { winner } => (
                "drain-unanswered",
                match winner {
                    Some(w) => Json::default().str("winner", w),
                    None => Json::default(),
                },
            ),
            Note::ClaimUnanswered { vip, by } => (
                "claim-unanswered",
                Json::default().str("vip", vip).str("by", by),
            ),
            Note::LowerMasterNotFollowed {
                from,
                interval_cs,
                following,
            } => (
                "lower-master-not-followed",
                Json::default()
                    .str("from", from)
                    .raw(
                        "advert_int_ms",
                        ms(crate::vrrp::timers::interval(*interval_cs)),
                    )
                    .str("following", following),
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

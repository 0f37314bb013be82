//! The lines of `vipflip probe`: each group heard, each VIP's holders, what breaks groups.

use super::{Level, Ui};
use crate::json::Json;
use crate::vrrp::State;

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

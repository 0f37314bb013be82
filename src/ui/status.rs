//! The lines of `vipflip status`: one per running instance.

use std::time::SystemTime;

use super::{local_time, Ui};
use crate::json::{json_field, Json};
use crate::vrrp::State;

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

//! What a running node says besides its transitions and the machine's own notes: one
//! variant per kind, with its facts; the line's text, its level and its JSON fields come
//! from here, so no call site builds prose or an event name by hand. Events and fields are
//! those of man vipflip-json.

use std::net::IpAddr;

use crate::config::Vip;
use crate::json::Json;
use crate::ui::{Level, Ui};

pub(super) enum NodeNote<'a> {
    /// A VIP could not be added, or removed.
    VipAddFailed {
        error: String,
    },
    VipRemoveFailed {
        error: String,
    },
    SendFailed {
        iface: &'a str,
        error: String,
    },
    /// A VIP was on the interface before vipflip added it: never removed by vipflip.
    VipNotOurs {
        vip: Vip,
        iface: &'a str,
    },
    AnnounceFailed {
        iface: &'a str,
        error: String,
    },
    /// A health check's verdict changed (`first`: its first result decided it).
    Check {
        name: &'a str,
        healthy: bool,
        first: bool,
        why: &'a str,
    },
    /// A tracked interface went down (`faults`: that sends the node to fault) or came back.
    TrackIface {
        name: &'a str,
        up: bool,
        faults: bool,
    },
    VipMismatch {
        from: IpAddr,
        theirs: Vec<String>,
        ours: Vec<String>,
    },
    /// A peer uses the other VRRPv3/IPv4 checksum form (`text` says which).
    ChecksumForm {
        from: IpAddr,
        text: &'a str,
    },
    IfaceBack {
        iface: &'a str,
        index: u32,
    },
    IfaceNotUsable {
        iface: &'a str,
        cause: &'a str,
    },
    PrimaryChanged {
        iface: &'a str,
        primary: IpAddr,
    },
    IfaceDeleted {
        iface: &'a str,
    },
    /// Priority 255 without the VIP on the interface (`warning` says what of it).
    OwnerWithoutAddress {
        vip: IpAddr,
        iface: &'a str,
        warning: &'a str,
    },
    StaleVipRemoved {
        vip: Vip,
        iface: &'a str,
    },
    /// A hook ended: how (`outcome`, in words), and whether it went well.
    Hook {
        name: &'a str,
        program: &'a str,
        ok: bool,
        outcome: String,
    },
}

impl NodeNote<'_> {
    /// Writes the note as group `vrid`'s line.
    pub(super) fn tell(&self, ui: &mut Ui, vrid: u8) {
        ui.tell(
            self.level(),
            self.event(),
            vrid,
            &self.text(),
            self.fields(),
        );
    }

    fn level(&self) -> Level {
        match self {
            NodeNote::Check { healthy: true, .. } | NodeNote::IfaceBack { .. } => Level::Info,
            NodeNote::TrackIface { up: true, .. } => Level::Info,
            NodeNote::Hook { ok: true, .. } => Level::Info,
            _ => Level::Warn,
        }
    }

    fn event(&self) -> &'static str {
        match self {
            NodeNote::VipAddFailed { .. } => "vip-add-failed",
            NodeNote::VipRemoveFailed { .. } => "vip-remove-failed",
            NodeNote::SendFailed { .. } => "send-failed",
            NodeNote::VipNotOurs { .. } => "vip-not-ours",
            NodeNote::AnnounceFailed { .. } => "announce-failed",
            NodeNote::Check { .. } => "check",
            NodeNote::TrackIface { .. } => "track-iface",
            NodeNote::VipMismatch { .. } => "vip-mismatch",
            NodeNote::ChecksumForm { .. } => "checksum-form",
            NodeNote::IfaceBack { .. } => "iface-back",
            NodeNote::IfaceNotUsable { .. } => "iface-not-usable",
            NodeNote::PrimaryChanged { .. } => "primary-changed",
            NodeNote::IfaceDeleted { .. } => "iface-deleted",
            NodeNote::OwnerWithoutAddress { .. } => "owner-without-address",
            NodeNote::StaleVipRemoved { .. } => "stale-vip-removed",
            NodeNote::Hook { .. } => "hook",
        }
    }

    fn text(&self) -> String {
        match self {
            NodeNote::VipAddFailed { error } | NodeNote::VipRemoveFailed { error } => error.clone(),
            NodeNote::SendFailed { iface, error } => {
                format!("cannot send advert on {iface}: {error}")
            }
            NodeNote::VipNotOurs { vip, iface } => format!(
                "{vip} was already on {iface} but not added by vipflip: it will not be removed"
            ),
            NodeNote::AnnounceFailed { iface, error } => {
                format!("cannot send gratuitous ARP/NA on {iface}: {error}")
            }
            NodeNote::Check {
                name,
                healthy: true,
                first,
                ..
            } => format!(
                "health check {name} passes{}",
                if *first { "" } else { " again" }
            ),
            NodeNote::Check { name, why, .. } => format!("health check {name} failed: {why}"),
            NodeNote::TrackIface {
                name,
                up: false,
                faults: true,
            } => format!("tracked interface {name} is down: fault until it is up"),
            NodeNote::TrackIface {
                name, up: false, ..
            } => {
                format!("tracked interface {name} is down")
            }
            NodeNote::TrackIface { name, .. } => format!("tracked interface {name} is up again"),
            NodeNote::VipMismatch { from, theirs, ours } => format!(
                "{from} advertises VIPs {}, we have {}: check --vip on every node",
                theirs.join(" "),
                ours.join(" ")
            ),
            NodeNote::ChecksumForm { from, text } => format!("{from} {text}"),
            NodeNote::IfaceBack { iface, index } => {
                format!("interface {iface} is back (index {index})")
            }
            NodeNote::IfaceNotUsable { iface, cause } => {
                format!("interface {iface} is back but not usable yet: {cause}")
            }
            NodeNote::PrimaryChanged { iface, primary } => {
                format!("{iface} now has {primary}; adverts keep the address vipflip started with")
            }
            NodeNote::IfaceDeleted { iface } => {
                format!("interface {iface} was deleted: fault until it is back")
            }
            NodeNote::OwnerWithoutAddress { warning, .. } => warning.to_string(),
            NodeNote::StaleVipRemoved { vip, iface } => {
                format!("removed stale {vip} from {iface} (left by an earlier run?)")
            }
            NodeNote::Hook {
                name,
                program,
                outcome,
                ..
            } => format!("hook {name} ({program}) {outcome}"),
        }
    }

    fn fields(&self) -> Json {
        let json = Json::default();
        match self {
            NodeNote::VipAddFailed { .. } | NodeNote::VipRemoveFailed { .. } => json,
            NodeNote::SendFailed { iface, .. }
            | NodeNote::AnnounceFailed { iface, .. }
            | NodeNote::IfaceNotUsable { iface, .. }
            | NodeNote::IfaceDeleted { iface } => json.str("iface", iface),
            NodeNote::VipNotOurs { vip, iface } | NodeNote::StaleVipRemoved { vip, iface } => {
                json.str("vip", vip).str("iface", iface)
            }
            NodeNote::OwnerWithoutAddress { vip, iface, .. } => {
                json.str("vip", vip).str("iface", iface)
            }
            NodeNote::Check { name, healthy, .. } => {
                json.str("check", name).raw("healthy", healthy)
            }
            NodeNote::TrackIface { name, up, .. } => json.str("iface", name).raw("up", up),
            NodeNote::VipMismatch { from, theirs, ours } => json
                .str("from", from)
                .list("theirs", theirs.clone())
                .list("ours", ours.clone()),
            NodeNote::ChecksumForm { from, .. } => json.str("from", from),
            NodeNote::IfaceBack { iface, index } => json.str("iface", iface).raw("index", index),
            NodeNote::PrimaryChanged { iface, primary } => {
                json.str("iface", iface).str("primary", primary)
            }
            NodeNote::Hook {
                name, program, ok, ..
            } => json.str("hook", name).str("program", program).raw("ok", ok),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::json_field;
    use crate::ui::Captured;

    /// (text line after the clock, JSON line) of `note` for group 41.
    fn said(note: &NodeNote) -> (String, String) {
        let lines = |json: bool| {
            let cap = Captured::default();
            let mut ui = Ui::new(Box::new(cap.clone()), false, json);
            note.tell(&mut ui, 41);
            cap.text().trim_end().to_string()
        };
        let text = lines(false);
        let after_clock = text
            .split_once(' ')
            .map_or(text.clone(), |(_, t)| t.to_string());
        (after_clock, lines(true))
    }

    /// The lines operators and scripts already read: the words, the level's mark, the event
    /// name and its fields, as they were when each call site wrote them by hand.
    #[test]
    fn each_note_says_what_its_call_site_said() {
        let (text, json) = said(&NodeNote::Check {
            name: "tcp 127.0.0.1:80",
            healthy: true,
            first: false,
            why: "",
        });
        assert_eq!(
            text,
            "vrid 41 note  health check tcp 127.0.0.1:80 passes again"
        );
        assert_eq!(json_field(&json, "event").as_deref(), Some("check"));
        assert_eq!(json_field(&json, "healthy").as_deref(), Some("true"));
        let (text, _) = said(&NodeNote::Check {
            name: "cmd",
            healthy: false,
            first: true,
            why: "exit 1",
        });
        assert_eq!(text, "vrid 41 WARN  health check cmd failed: exit 1");
        let (text, json) = said(&NodeNote::TrackIface {
            name: "eth1",
            up: false,
            faults: true,
        });
        assert_eq!(
            text,
            "vrid 41 WARN  tracked interface eth1 is down: fault until it is up"
        );
        assert_eq!(json_field(&json, "up").as_deref(), Some("false"));
        let (text, json) = said(&NodeNote::Hook {
            name: "master",
            program: "/bin/true",
            ok: true,
            outcome: "exited 0 after 0.00s".into(),
        });
        assert_eq!(
            text,
            "vrid 41 note  hook master (/bin/true) exited 0 after 0.00s"
        );
        assert_eq!(json_field(&json, "program").as_deref(), Some("/bin/true"));
        let vip: Vip = "192.0.2.250/24".parse().expect("a VIP");
        let (text, json) = said(&NodeNote::StaleVipRemoved { vip, iface: "eth0" });
        assert_eq!(
            text,
            "vrid 41 WARN  removed stale 192.0.2.250/24 from eth0 (left by an earlier run?)"
        );
        assert_eq!(json_field(&json, "vip").as_deref(), Some("192.0.2.250/24"));
        let (text, json) = said(&NodeNote::VipMismatch {
            from: "192.0.2.12".parse().expect("an address"),
            theirs: vec!["192.0.2.251".into()],
            ours: vec!["192.0.2.250".into()],
        });
        assert_eq!(
            text,
            "vrid 41 WARN  192.0.2.12 advertises VIPs 192.0.2.251, we have 192.0.2.250: check --vip on every node"
        );
        assert_eq!(
            json_field(&json, "theirs").as_deref(),
            Some("[\"192.0.2.251\"]")
        );
    }
}

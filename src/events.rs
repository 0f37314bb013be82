//! The schema of every `--json` event: its name, which command prints it, and its fields
//! with their kinds (durations are numbers in milliseconds, `_ms`, everywhere). The man page
//! vipflip-json(7) is generated from this table, and in debug builds (every test) each event
//! is checked against it as it is printed, so the two cannot drift apart.

/// What a field's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A whole number.
    Int,
    /// A number, possibly with a fraction.
    Num,
    /// A duration: a number of milliseconds, possibly with a fraction.
    Ms,
    Bool,
    /// RFC 3339 local time with offset, e.g. 2026-12-02T10:15:05.338+00:00.
    Time,
    /// An IPv4 or IPv6 address.
    Addr,
    /// An Ethernet MAC address, 02:00:c0:00:02:c9.
    Mac,
    /// A JSON array.
    List,
    /// A JSON object, or null.
    Object,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Text => "string",
            Kind::Int => "integer",
            Kind::Num => "number",
            Kind::Ms => "number, milliseconds",
            Kind::Bool => "true or false",
            Kind::Time => "string, RFC 3339 local time",
            Kind::Addr => "string, IP address",
            Kind::Mac => "string, MAC address",
            Kind::List => "array",
            Kind::Object => "object or null",
        }
    }

    /// Whether `raw` (a JSON value as written) is of this kind.
    fn accepts(self, raw: &str) -> bool {
        let text = || {
            raw.strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .map(str::to_string)
        };
        match self {
            Kind::Text | Kind::Time => text().is_some(),
            Kind::Int => raw.parse::<i128>().is_ok(),
            Kind::Num | Kind::Ms => raw.parse::<f64>().is_ok() || raw == "null",
            Kind::Bool => raw == "true" || raw == "false",
            Kind::Addr => text().is_some_and(|t| t.parse::<std::net::IpAddr>().is_ok()),
            Kind::Mac => text().is_some_and(|t| t.len() == 17 && t.matches(':').count() == 5),
            Kind::List => raw.starts_with('['),
            Kind::Object => raw.starts_with('{') || raw == "null",
        }
    }
}

/// One field: name, kind, whether every event of its name has it, and what it says.
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub optional: bool,
    pub doc: &'static str,
}

/// One event: its name, the commands that print it, what it means, its fields.
pub struct Spec {
    pub event: &'static str,
    pub from: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
}

const fn f(name: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field {
        name,
        kind,
        optional: false,
        doc,
    }
}

const fn opt(name: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field {
        name,
        kind,
        optional: true,
        doc,
    }
}

use Kind::*;

const VRID: Field = f("vrid", Int, "the group");
const MESSAGE: Field = f("message", Text, "the text line's words, for people");
const IFACE: Field = f("iface", Text, "interface name");
/// On any event of a run with IPv4 and IPv6 VIPs (two instances): which one said it.
const FAMILY: Field = opt("family", Text, "ipv4 or ipv6");
/// In a run of several keepalived.conf instances, on every line about one of them.
const INSTANCE: Field = opt(
    "instance",
    Text,
    "the vrrp_instance's name (a run of several)",
);

/// Every line of `--json` has `time` (Time) and `event` (Text), then the fields below.
pub const EVENTS: &[Spec] = &[
    // run
    Spec { event: "start", from: "run", doc: "the node's settings, once, before it listens", fields: &[VRID, IFACE, f("primary", Addr, "the address adverts come from"), opt("primary_ipv6", Addr, "the IPv6 instance's, in a run of both families"), f("mac", Mac, "the interface's MAC"), f("version", Int, "VRRP version"), f("priority", Int, "configured priority"), f("advert_int_ms", Ms, "advert interval"), f("skew_ms", Ms, "Skew_Time"), f("master_down_ms", Ms, "Master_Down_Interval"), f("vips", List, "the VIPs, ADDR/LEN strings"), f("preempt", Bool, "whether it preempts"), f("v3_checksum", Text, "keepalived or rfc9568")] },
    Spec { event: "transition", from: "run", doc: "the node changed state", fields: &[VRID, f("from", Text, "init, backup, master, fault, releasing or stopped"), f("to", Text, "the new state"), f("reason", Text, "why, in words")] },
    Spec { event: "discard", from: "run", doc: "a received packet was dropped (rate-limited: one line per kind and interval)", fields: &[VRID, f("from", Addr, "its source"), f("kind", Text, "the counter it was added to"), MESSAGE, f("count", Int, "packets of this kind so far")] },
    Spec { event: "exit", from: "run", doc: "the last line: adverts sent and packets discarded", fields: &[VRID, f("sent_adverts", Int, "adverts sent"), f("discarded", Object, "per kind, how many")] },
    Spec { event: "config-warning", from: "run, release", doc: "a setting that works but deserves a word (e.g. --auth-pass is clear text)", fields: &[opt("vrid", Int, "the group"), MESSAGE] },
    Spec { event: "config-note", from: "run", doc: "a keepalived.conf keyword accepted that changes nothing vipflip does", fields: &[MESSAGE] },
    Spec { event: "owner-without-address", from: "run", doc: "priority 255 on a node whose interface lacks the VIP", fields: &[VRID, f("vip", Addr, "the VIP"), IFACE, MESSAGE] },
    Spec { event: "stale-vip-removed", from: "run", doc: "a VIP left by an earlier run was removed at start", fields: &[VRID, f("vip", Text, "ADDR/LEN"), IFACE, MESSAGE] },
    Spec { event: "check", from: "run", doc: "a health check changed (after rise/fall)", fields: &[VRID, f("check", Text, "the check's name"), f("healthy", Bool, "its new state"), MESSAGE] },
    Spec { event: "track-iface", from: "run", doc: "a --track-iface interface went down or came back", fields: &[VRID, IFACE, f("up", Bool, "its new state"), MESSAGE] },
    Spec { event: "hook", from: "run", doc: "a hook ended", fields: &[VRID, f("hook", Text, "on-master, on-backup, on-fault, on-stop or on-change"), f("program", Text, "what ran"), f("ok", Bool, "it exited 0 in time"), MESSAGE] },
    Spec { event: "vip-mismatch", from: "run", doc: "a member advertises other VIPs than ours", fields: &[VRID, f("from", Addr, "the member"), f("theirs", List, "its VIPs"), f("ours", List, "ours"), MESSAGE] },
    Spec { event: "checksum-form", from: "run", doc: "a member uses the other VRRPv3/IPv4 checksum form (once per member)", fields: &[VRID, f("from", Addr, "the member"), MESSAGE] },
    Spec { event: "iface-deleted", from: "run", doc: "the interface was deleted: fault until it is back", fields: &[VRID, IFACE, MESSAGE] },
    Spec { event: "iface-back", from: "run", doc: "an interface of the same name came back", fields: &[VRID, IFACE, f("index", Int, "its new index"), MESSAGE] },
    Spec { event: "iface-not-usable", from: "run", doc: "the interface came back but cannot be used yet", fields: &[VRID, IFACE, MESSAGE] },
    Spec { event: "primary-changed", from: "run", doc: "the re-created interface has another primary address", fields: &[VRID, IFACE, f("primary", Addr, "its primary address now"), MESSAGE] },
    Spec { event: "vmac", from: "run", doc: "--vmac set up or undid something: the virtual MAC interface, or a setting of the parent interface", fields: &[VRID, f("change", Text, "removed-stale, created, set, removed, not-removed, restored or kept"), IFACE, opt("mac", Mac, "the virtual MAC (created)"), opt("knob", Text, "the setting: arp_ignore or arp_announce"), opt("value", Int, "its value now"), MESSAGE] },
    Spec { event: "vip-not-ours", from: "run", doc: "a VIP was already on the interface, not added by vipflip: it will not be removed", fields: &[VRID, f("vip", Text, "ADDR/LEN"), IFACE, MESSAGE] },
    Spec { event: "vip-add-failed", from: "run", doc: "adding a VIP failed", fields: &[VRID, MESSAGE] },
    Spec { event: "vip-remove-failed", from: "run", doc: "removing a VIP failed", fields: &[VRID, MESSAGE] },
    Spec { event: "send-failed", from: "run", doc: "an advert could not be sent (rate-limited)", fields: &[VRID, IFACE, MESSAGE] },
    Spec { event: "announce-failed", from: "run", doc: "a gratuitous ARP / NA could not be sent (rate-limited)", fields: &[VRID, IFACE, MESSAGE] },
    Spec { event: "answered-lower-priority", from: "run", doc: "as master, a lower-priority advert was answered with an advert and an announcement", fields: &[VRID, f("from", Addr, "its sender"), f("priority", Int, "its priority"), MESSAGE] },
    Spec { event: "interval-adopted", from: "run", doc: "as backup, the master's advert interval is used for Master_Down_Interval", fields: &[VRID, f("from", Addr, "the master"), f("advert_int_ms", Ms, "its interval"), MESSAGE] },
    Spec { event: "preempt-delay", from: "run", doc: "a lower-priority master will be preempted after --preempt-delay", fields: &[VRID, f("from", Addr, "the master"), f("priority", Int, "its priority"), f("delay_ms", Ms, "the delay"), MESSAGE] },
    Spec { event: "same-address", from: "run", doc: "an advert from our own primary address by another node", fields: &[VRID, f("from", Addr, "the address"), MESSAGE] },
    Spec { event: "vips-restored", from: "run", doc: "a VIP deleted by hand while master was added again", fields: &[VRID, MESSAGE] },
    Spec { event: "claim-answered", from: "run", doc: "another MAC announced our VIP; answered with our own announcement", fields: &[VRID, f("vip", Addr, "the VIP"), f("by", Mac, "the other MAC"), MESSAGE] },
    Spec { event: "drain-unanswered", from: "run", doc: "a node that left master saw no announcement of the VIP from another MAC during its drain: its advert once more, so that the master announces and clients the node's takeover moved go back", fields: &[VRID, opt("winner", Addr, "the master it yielded to"), MESSAGE] },
    Spec { event: "claim-unanswered", from: "run", doc: "another MAC announced our VIP while no other VRRP node is heard (a split brain, a host with our address): not answered, so clients do not flap", fields: &[VRID, f("vip", Addr, "the VIP"), f("by", Mac, "the other MAC"), MESSAGE] },
    Spec { event: "lower-master-not-followed", from: "run", doc: "as backup, a lower master advertises at another interval than the master followed: neither its interval nor a sooner takeover is taken (RFC 5798 and keepalived would); said once per master followed", fields: &[VRID, f("from", Addr, "the lower master"), f("advert_int_ms", Ms, "its interval"), f("following", Addr, "the master followed"), MESSAGE] },
    Spec { event: "claims-ignored", from: "run", doc: "claims keep coming faster than answers are sent (20 a second)", fields: &[VRID, f("vip", Addr, "the VIP"), f("by", Mac, "the other MAC"), MESSAGE] },
    Spec { event: "priority-changed", from: "run", doc: "health checks changed the advertised priority", fields: &[VRID, f("from", Int, "before"), f("to", Int, "now"), MESSAGE] },
    Spec { event: "check-plan", from: "run --check", doc: "a health check that would run", fields: &[VRID, f("check", Text, "the check's name"), f("weight", Int, "keepalived's weight: 0 is fault while failing, below 0 lowers the priority while failing, above 0 raises it while passing"), MESSAGE] },
    Spec { event: "hook-plan", from: "run --check", doc: "a hook that would run", fields: &[VRID, f("hook", Text, "the flag"), f("program", Text, "the program"), MESSAGE] },
    Spec { event: "track-iface-plan", from: "run --check", doc: "a tracked interface and its state now", fields: &[VRID, IFACE, f("up", Bool, "up now"), MESSAGE] },
    Spec { event: "privileges", from: "run --check", doc: "what running for real still needs", fields: &[VRID, MESSAGE] },
    Spec { event: "command", from: "run --check", doc: "the equivalent one-line command, or why flags cannot say it", fields: &[VRID, opt("argv", List, "its arguments after 'vipflip' (absent when no flags say the same)"), MESSAGE] },
    Spec { event: "checked", from: "run --check", doc: "the configuration is good; nothing was changed", fields: &[VRID, MESSAGE] },
    // release
    Spec { event: "released", from: "release --vrid", doc: "the priority-0 advert and what followed", fields: &[VRID, MESSAGE] },
    Spec { event: "removed", from: "release", doc: "a VIP was removed", fields: &[f("vip", Text, "ADDR/LEN"), IFACE, MESSAGE] },
    Spec { event: "absent", from: "release", doc: "a VIP was not there: nothing removed", fields: &[f("vip", Text, "ADDR/LEN"), IFACE, MESSAGE] },
    // probe
    Spec { event: "group", from: "probe", doc: "one VRRP group: its master and every other speaker (objects with src, mac, priority, version, advert_int_ms, checksum, auth, vips, adverts, last_seen_ms_ago)", fields: &[VRID, f("family", Text, "ipv4 or ipv6"), f("master", Object, "the master, or null"), f("others", List, "the other speakers")] },
    Spec { event: "vip", from: "probe", doc: "who answered for a VIP", fields: &[f("vip", Addr, "the VIP"), f("macs", List, "the MACs that answered")] },
    Spec { event: "duplicate-holder", from: "probe", doc: "two or more MACs answer for one VIP", fields: &[f("vip", Addr, "the VIP"), f("macs", List, "the MACs"), MESSAGE] },
    Spec { event: "split-brain", from: "probe", doc: "two or more masters at once in one group", fields: &[VRID, f("family", Text, "ipv4 or ipv6"), f("masters", List, "objects with src and priority"), MESSAGE] },
    Spec { event: "members-disagree", from: "probe", doc: "members of one group disagree on a setting", fields: &[VRID, f("family", Text, "ipv4 or ipv6"), f("setting", Text, "version, advert interval, VIP list or auth"), f("values", List, "objects with value and src"), MESSAGE] },
    Spec { event: "carp", from: "probe", doc: "CARP (ucarp) packets, which use VRRP's protocol number but do not interoperate", fields: &[f("vhid", Int, "CARP's group number"), f("senders", List, "their sources"), f("clashes", Bool, "a VRRP group has the same number"), MESSAGE] },
    Spec { event: "malformed", from: "probe", doc: "protocol-112 packets that were not VRRP", fields: &[f("count", Int, "how many"), MESSAGE] },
    Spec { event: "ask-failed", from: "probe", doc: "the who-has for a VIP could not be sent", fields: &[f("vip", Addr, "the VIP"), IFACE, MESSAGE] },
    Spec { event: "nothing-heard", from: "probe", doc: "nothing was heard for what was asked (exit 1)", fields: &[IFACE, f("duration_ms", Ms, "how long it listened"), MESSAGE] },
    Spec { event: "watching", from: "probe --watch", doc: "listening for changes until Ctrl-C", fields: &[IFACE, MESSAGE] },
    Spec { event: "change", from: "probe --watch", doc: "a new master, a priority change or a speaker gone silent", fields: &[VRID, f("src", Addr, "the speaker"), f("change", Text, "new-master, priority or gone"), MESSAGE] },
    // ping-watch
    Spec { event: "watch-start", from: "ping-watch", doc: "what is probed, how often", fields: &[f("addr", Addr, "the address"), f("interval_ms", Ms, "between probes"), opt("tcp_port", Int, "TCP connects to this port instead of ICMP echo"), MESSAGE] },
    Spec { event: "answered", from: "ping-watch", doc: "the first answer, and the MAC it came from", fields: &[f("addr", Addr, "the address"), f("to", Mac, "the answering MAC"), MESSAGE] },
    Spec { event: "mac-change", from: "ping-watch", doc: "answers now come from another MAC", fields: &[f("addr", Addr, "the address"), f("to", Mac, "the MAC now"), f("from", Mac, "the MAC before"), MESSAGE] },
    Spec { event: "outage", from: "ping-watch", doc: "an outage that ended (or was still going at the end)", fields: &[f("start", Time, "send time of the first lost probe"), f("length_ms", Ms, "to the send time of the first answered one"), f("lost", Int, "probes lost"), f("ongoing", Bool, "still going when ping-watch stopped"), opt("mac_before", Mac, "answering before"), opt("mac_after", Mac, "answering after")] },
    Spec { event: "summary", from: "ping-watch", doc: "the closing numbers", fields: &[f("addr", Addr, "the address"), f("sent", Int, "probes sent"), f("received", Int, "answered"), f("loss_percent", Num, "lost, percent"), f("outages", Int, "how many"), f("longest_ms", Ms, "the longest, or null"), f("mac_changes", Int, "how many")] },
    Spec { event: "max-outage-exceeded", from: "ping-watch --max-outage", doc: "an outage was longer than allowed (exit 1)", fields: &[f("longest_ms", Ms, "the longest outage"), f("max_ms", Ms, "--max-outage"), MESSAGE] },
    // status
    Spec { event: "instance", from: "status", doc: "one running vipflip run", fields: &[f("pid", Int, "its process"), IFACE, VRID, f("state", Text, "its state"), f("since_unix_ms", Int, "when it entered it, ms since 1970"), f("priority", Int, "effective priority"), f("configured_priority", Int, "configured priority"), f("version", Int, "VRRP version"), f("advert_int_ms", Ms, "advert interval"), f("primary", Addr, "advert source"), f("vips", List, "ADDR/LEN strings"), f("sent_adverts", Int, "adverts sent"), f("discarded", Int, "packets discarded"), FAMILY, opt("master", Addr, "the master: itself when master, else the last heard"), opt("master_heard_unix_ms", Int, "when the last advert the backup has read from that master arrived (at 100 ms or less, read in batches: up to Master_Down_Interval ago)")] },
    Spec { event: "none", from: "status", doc: "no matching instance runs in this network namespace (exit 1)", fields: &[opt("iface", Text, "the --iface asked"), opt("vrid", Int, "the --vrid asked"), MESSAGE] },
    // demo
    Spec { event: "leftovers", from: "demo", doc: "what an earlier, killed demo left was removed", fields: &[f("pids", List, "the dead demos' PIDs"), f("namespaces", Int, "namespaces removed"), f("processes", Int, "processes killed"), MESSAGE] },
    Spec { event: "lab", from: "demo", doc: "the lab it built", fields: &[f("nodes", Int, "how many nodes"), f("priorities", List, "theirs, n1 first"), f("namespaces", Text, "their names, a glob"), f("vip", Text, "ADDR/LEN"), VRID, f("version", Int, "VRRP version"), f("advert_int_ms", Ms, "advert interval"), f("master_down_ms", Ms, "Master_Down_Interval of n2")] },
    Spec { event: "step", from: "demo", doc: "what happens next, for the reader", fields: &[f("step", Text, "start, planned-stop, comeback, crash or client"), MESSAGE] },
    Spec { event: "node-transition", from: "demo", doc: "a node changed state", fields: &[f("node", Text, "n1..n8"), f("priority", Int, "its priority"), f("to", Text, "the new state"), f("reason", Text, "why, in words")] },
    Spec { event: "client-answered", from: "demo", doc: "the client is now answered by this node", fields: &[f("holder", Text, "the node, e.g. n2 (199)"), f("mac", Mac, "its MAC")] },
    Spec { event: "client-outage", from: "demo", doc: "an outage the client measured", fields: &[f("length_ms", Ms, "its length"), f("lost", Int, "probes lost")] },
    Spec { event: "result", from: "demo", doc: "one step's outcome", fields: &[f("step", Text, "what happened"), f("outage_ms", Ms, "the longest outage, 0 for none"), f("lost", Int, "probes lost"), f("master", Text, "the master after it"), f("held", Bool, "the expectation held"), f("took_master", Int, "how many nodes took master during the step"), opt("bound_ms", Ms, "the crash bound, Master_Down_Interval")] },
    Spec { event: "demo-summary", from: "demo", doc: "every step's result", fields: &[f("steps", List, "result objects")] },
    Spec { event: "keep", from: "demo --keep", doc: "the lab stays; how to look inside", fields: &[f("prefix", Text, "the namespaces' prefix"), MESSAGE] },
    Spec { event: "node-error", from: "demo", doc: "a node printed an error", fields: &[f("node", Text, "n1..n8"), MESSAGE] },
    Spec { event: "client-error", from: "demo", doc: "the client printed an error", fields: &[MESSAGE] },
    Spec { event: "missed", from: "demo", doc: "a step did not happen in time (exit 1)", fields: &[MESSAGE] },
    Spec { event: "interrupted", from: "demo", doc: "Ctrl-C: the demo stops its nodes", fields: &[MESSAGE] },
    Spec { event: "cleanup", from: "demo", doc: "the lab was removed", fields: &[f("namespaces", Int, "namespaces removed"), f("killed", Int, "processes still running that were killed"), MESSAGE] },
];

/// The spec of `event`.
pub fn spec(event: &str) -> Option<&'static Spec> {
    EVENTS.iter().find(|s| s.event == event)
}

/// Checks one `--json` line against the schema: a known event, every field listed, every
/// required one present, each of its kind. `Err` says what is wrong.
pub fn check(line: &str) -> Result<(), String> {
    let fields = crate::json::json_top_level(line).ok_or("not a flat JSON object")?;
    let value = |k: &str| fields.iter().find(|(name, _)| name == k).map(|(_, v)| v);
    if !value("time").is_some_and(|t| Time.accepts(t)) {
        return Err("no time".into());
    }
    let event = value("event")
        .and_then(|e| e.strip_prefix('"')?.strip_suffix('"'))
        .ok_or("no event")?;
    let spec = spec(event).ok_or_else(|| format!("unknown event '{event}'"))?;
    for (name, raw) in &fields {
        if name == "time" || name == "event" {
            continue;
        }
        let field = spec
            .fields
            .iter()
            .find(|f| f.name == name)
            .or((name == FAMILY.name).then_some(&FAMILY))
            .or((name == INSTANCE.name).then_some(&INSTANCE))
            .ok_or_else(|| format!("{event}: field '{name}' is not in the schema"))?;
        if !field.kind.accepts(raw) {
            return Err(format!(
                "{event}: field '{name}' is {raw}, not {}",
                field.kind.describe()
            ));
        }
    }
    for field in spec.fields.iter().filter(|f| !f.optional) {
        if value(field.name).is_none() {
            return Err(format!("{event}: field '{}' is missing", field.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_unique_and_durations_say_ms() {
        for (i, a) in EVENTS.iter().enumerate() {
            assert!(
                EVENTS[i + 1..].iter().all(|b| b.event != a.event),
                "{}",
                a.event
            );
            for field in a.fields {
                let duration = field.name.ends_with("_ms") && !field.name.ends_with("_unix_ms");
                assert_eq!(
                    field.kind == Ms,
                    duration,
                    "{}.{}: a duration is a number of ms named *_ms (a time is *_unix_ms)",
                    a.event,
                    field.name
                );
            }
            let prose_only = a
                .fields
                .iter()
                .all(|f| f.name == "message" || f.name == "vrid");
            assert!(
                !prose_only || a.doc.len() > 10,
                "{}: an event with only a message needs its name and doc to say it all",
                a.event
            );
        }
    }

    #[test]
    fn lines_are_checked_field_by_field() {
        let good = r#"{"time":"2026-12-02T10:15:05.338+00:00","event":"claim-answered","vrid":41,"vip":"192.0.2.250","by":"02:00:c0:00:02:ca","message":"x"}"#;
        assert_eq!(check(good), Ok(()));
        let missing = good.replace(r#","by":"02:00:c0:00:02:ca""#, "");
        assert_eq!(
            check(&missing),
            Err("claim-answered: field 'by' is missing".into())
        );
        let extra = good.replace(r#""vrid":41"#, r#""vrid":41,"extra":1"#);
        assert!(check(&extra)
            .unwrap_err()
            .contains("'extra' is not in the schema"));
        let wrong = good.replace(r#""vrid":41"#, r#""vrid":"41""#);
        assert!(check(&wrong).unwrap_err().contains("not integer"));
        let unknown = good.replace("claim-answered", "claim-answerd");
        assert!(check(&unknown).unwrap_err().contains("unknown event"));
    }
}

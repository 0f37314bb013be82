//! What `vipflip status` shows of one instance. The loop copies a few values here on every
//! step (no allocation, no system call: it runs per advert); the JSON line is made only when
//! a status client asks (net/status.rs).

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use crate::json::Json;
use crate::net::status::Snapshot;
use crate::vrrp::{Machine, State};
use crate::wire::Family;

/// One instance's view, shared between the loop (writes) and the status thread (reads).
pub(super) type Shared = Arc<Mutex<StatusView>>;

pub(super) struct StatusView {
    pid: u32,
    iface: String,
    vips: Vec<String>,
    name: String,
    /// A run of several instances: the line names this one.
    pub(super) named: bool,
    pub(super) family: Option<Family>,
    pub(super) live: Live,
}

/// What changes while the instance runs.
#[derive(Clone, Copy)]
pub(super) struct Live {
    pub(super) vrid: u8,
    pub(super) state: State,
    pub(super) since: SystemTime,
    pub(super) priority: u8,
    pub(super) configured_priority: u8,
    pub(super) version: u8,
    pub(super) advert_int_ms: u64,
    pub(super) primary: IpAddr,
    pub(super) sent: u64,
    pub(super) discarded: u64,
    /// The master and when it was last heard (`None`: this node is master).
    pub(super) master: Option<(IpAddr, Option<Instant>)>,
}

impl Live {
    pub(super) fn of(machine: &Machine, since: SystemTime, sent: u64, discarded: u64) -> Live {
        let p = machine.params();
        let master = match machine.state() {
            State::Master => Some((p.primary, None)),
            _ => machine.last_master().map(|(addr, at)| (addr, Some(at))),
        };
        Live {
            vrid: p.vrid,
            state: machine.state(),
            since,
            priority: machine.priority(),
            configured_priority: p.priority,
            version: p.version.number(),
            advert_int_ms: u64::from(p.interval_cs) * 10,
            primary: p.primary,
            sent,
            discarded,
            master,
        }
    }
}

impl StatusView {
    pub(super) fn shared(iface: &str, vips: Vec<String>, name: &str, live: Live) -> Shared {
        Arc::new(Mutex::new(StatusView {
            pid: std::process::id(),
            iface: iface.to_string(),
            vips,
            name: name.to_string(),
            named: false,
            family: None,
            live,
        }))
    }

    /// What the status thread serves: this view as one JSON line, made on request.
    pub(super) fn snapshot(shared: &Shared) -> Snapshot {
        let view = Arc::clone(shared);
        Arc::new(move || view.lock().map(|v| v.json()).unwrap_or_default())
    }

    /// The line `vipflip status` reads (its fields: man vipflip-json, event `instance`).
    pub(super) fn json(&self) -> String {
        let (now, wall) = (Instant::now(), SystemTime::now());
        let unix_ms = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
        };
        let l = &self.live;
        let mut json = Json::default()
            .raw("pid", self.pid)
            .str("iface", &self.iface)
            .raw("vrid", l.vrid)
            .str("state", l.state.name())
            .raw("since_unix_ms", unix_ms(l.since))
            .raw("priority", l.priority)
            .raw("configured_priority", l.configured_priority)
            .raw("version", l.version)
            .raw("advert_int_ms", l.advert_int_ms)
            .str("primary", l.primary)
            .list("vips", self.vips.iter().cloned())
            .raw("sent_adverts", l.sent)
            .raw("discarded", l.discarded);
        if let Some(family) = self.family {
            json = json.str("family", family.key());
        }
        if self.named {
            json = json.str("instance", &self.name);
        }
        match l.master {
            Some((addr, None)) => json = json.str("master", addr),
            Some((addr, Some(at))) => {
                let heard = wall
                    .checked_sub(now.saturating_duration_since(at))
                    .unwrap_or(wall);
                json = json
                    .str("master", addr)
                    .raw("master_heard_unix_ms", unix_ms(heard));
            }
            None => {}
        }
        json.finish()
    }
}

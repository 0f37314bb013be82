//! `vipflip probe`: listen to a segment's VRRP traffic, then ask who holds each VIP.
//! One thread reads every frame of the interface (AF_PACKET); the loop owns the survey.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::ProbeArgs;
use crate::config::{probe_config, ProbeConfig};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::net::caps::{require, NET_RAW};
use crate::net::frames::{spawn_reader, FrameSocket};
use crate::net::iface::Interface;
use crate::net::signals::on_stop;
use crate::ui::{Level, Ui};
use crate::vrrp::survey::{Change, GroupKey, Heard, Survey};
use crate::wire::announce::{arp_reply_for, arp_request, na_for, neighbour_solicitation, MacAddr};
use crate::wire::frame::{carp_vhid, vrrp_frame, VrrpFrame};
use crate::wire::vrrp::parse;

/// How long to wait for who-has answers, and how often to ask.
const ASK_FOR: Duration = Duration::from_millis(400);
const ASK_TIMES: u32 = 3;
const EXPIRE_EVERY: Duration = Duration::from_millis(200);

enum Msg {
    Frame(Vec<u8>, Instant),
    Stop,
    ReceiveFailed(String),
}

pub fn probe(flags: &ProbeArgs) -> Result<i32> {
    let cfg = probe_config(flags)?;
    let ui = super::stdout_ui(&flags.output);
    require(
        &[NET_RAW],
        "probe reads every frame on the interface and asks who has each VIP",
    )?;
    let iface = Interface::lookup(&cfg.iface)?;
    let frames = Arc::new(FrameSocket::open(iface.index, true)?);
    let (tx, rx) = mpsc::channel();
    spawn_listener(Arc::clone(&frames), tx.clone())?;
    on_stop(move || {
        let _ = tx.send(Msg::Stop);
    })?;
    let mut p = Probe {
        cfg: &cfg,
        iface,
        frames,
        ui,
        survey: Survey::default(),
        malformed: 0,
        stopped: false,
    };
    p.listen(&rx, Instant::now() + cfg.duration, false)?;
    let holders = p.ask_holders(&rx)?;
    let heard = p.report(&holders);
    if cfg.watch && !p.stopped {
        p.watch(&rx)?;
    }
    Ok(if heard { 0 } else { 1 })
}

fn spawn_listener(frames: Arc<FrameSocket>, tx: Sender<Msg>) -> Result<()> {
    let failed = tx.clone();
    let on_frame = move |frame, at| tx.send(Msg::Frame(frame, at)).is_ok();
    let on_error = move |cause| {
        let _ = failed.send(Msg::ReceiveFailed(cause));
    };
    spawn_reader(frames, "probe-listen", on_frame, on_error)
}

struct Probe<'a> {
    cfg: &'a ProbeConfig,
    iface: Interface,
    frames: Arc<FrameSocket>,
    ui: Ui,
    survey: Survey,
    malformed: u64,
    stopped: bool,
}

impl Probe<'_> {
    /// Records VRRP frames until `until` (or Ctrl-C); with `print`, says each change.
    /// Other frames go to `other`.
    fn listen(&mut self, rx: &Receiver<Msg>, until: Instant, print: bool) -> Result<Vec<Vec<u8>>> {
        let mut other = Vec::new();
        while !self.stopped {
            let now = Instant::now();
            if now >= until {
                break;
            }
            match rx.recv_timeout(until - now) {
                Ok(Msg::Frame(frame, at)) => {
                    if !self.record(&frame, at, print) {
                        other.push(frame);
                    }
                }
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => self.stopped = true,
                Ok(Msg::ReceiveFailed(cause)) => {
                    return Err(Error::new("reading frames failed", cause))
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        Ok(other)
    }

    /// `false` when the frame is not protocol 112.
    fn record(&mut self, frame: &[u8], at: Instant, print: bool) -> bool {
        let Some(VrrpFrame { mac, packet: v }) = vrrp_frame(frame) else {
            return false;
        };
        match parse(&v.payload, v.src, v.dst) {
            Ok(parsed) if v.ttl == 255 => {
                let heard = Heard {
                    at,
                    src: v.src,
                    mac,
                    advert: parsed.advert,
                    checksum: parsed.checksum,
                };
                let changes = self.survey.record(heard);
                if print {
                    self.print_changes(changes);
                }
            }
            _ => match carp_vhid(&v.payload) {
                Some(vhid) => self.survey.record_carp(vhid, v.src),
                None => self.malformed += 1,
            },
        }
        true
    }

    fn wanted(&self, key: GroupKey) -> bool {
        self.cfg.vrid.is_none_or(|vrid| vrid == key.0)
    }

    /// Every VIP to ask about: --vip, and those advertised in the groups reported.
    fn vips(&self) -> Vec<IpAddr> {
        let mut vips = self.cfg.vips.clone();
        for (key, speakers) in &self.survey.groups {
            if self.wanted(*key) {
                vips.extend(speakers.iter().flat_map(|s| s.vips.iter().copied()));
            }
        }
        vips.sort();
        vips.dedup();
        vips
    }

    /// Asks who has each VIP a few times and collects the MACs that answer.
    fn ask_holders(&mut self, rx: &Receiver<Msg>) -> Result<BTreeMap<IpAddr, Vec<MacAddr>>> {
        let vips = self.vips();
        let mut holders: BTreeMap<IpAddr, Vec<MacAddr>> =
            vips.iter().map(|v| (*v, Vec::new())).collect();
        for vip in &vips {
            if self.iface.addrs.contains(vip) {
                holders.entry(*vip).or_default().push(self.iface.mac);
            }
        }
        if vips.is_empty() {
            return Ok(holders);
        }
        for _ in 0..ASK_TIMES {
            for vip in &vips {
                self.ask(*vip);
            }
            let frames = self.listen(rx, Instant::now() + ASK_FOR / ASK_TIMES, false)?;
            for frame in frames {
                for vip in &vips {
                    let mac = match vip {
                        IpAddr::V4(v4) => arp_reply_for(&frame, *v4),
                        IpAddr::V6(v6) => na_for(&frame, *v6),
                    };
                    if let Some(mac) = mac {
                        let list = holders.entry(*vip).or_default();
                        if !list.contains(&mac) {
                            list.push(mac);
                        }
                    }
                }
            }
        }
        Ok(holders)
    }

    fn ask(&mut self, vip: IpAddr) {
        let frame = match vip {
            IpAddr::V4(v4) => {
                let from = self.iface.addrs.iter().find_map(|a| match a {
                    IpAddr::V4(a) => Some(*a),
                    _ => None,
                });
                arp_request(self.iface.mac, from.unwrap_or(Ipv4Addr::UNSPECIFIED), v4)
            }
            IpAddr::V6(v6) => {
                let from = self.iface.addrs.iter().find_map(|a| match a {
                    IpAddr::V6(a) if a.is_unicast_link_local() => Some(*a),
                    _ => None,
                });
                neighbour_solicitation(self.iface.mac, from.unwrap_or(Ipv6Addr::UNSPECIFIED), v6)
            }
        };
        if let Err(e) = self.frames.send(&frame) {
            let text = format!("cannot ask who has {vip} on {}: {e}", self.iface.name);
            let fields = Json::default()
                .str("vip", vip)
                .str("iface", &self.iface.name);
            self.ui.tell(Level::Warn, "ask-failed", 0, &text, fields);
        }
    }

    /// Prints groups, VIP holders and warnings; whether something was heard for what was asked.
    fn report(&mut self, holders: &BTreeMap<IpAddr, Vec<MacAddr>>) -> bool {
        let now = Instant::now();
        let keys: Vec<GroupKey> = self
            .survey
            .groups
            .keys()
            .copied()
            .filter(|k| self.wanted(*k))
            .collect();
        for key in &keys {
            let master = self.survey.master(*key, now).cloned();
            let others: Vec<_> = self.survey.groups[key]
                .iter()
                .filter(|s| Some(s.src) != master.as_ref().map(|m| m.src))
                .cloned()
                .collect();
            let others: Vec<&_> = others.iter().collect();
            self.ui.probe_group(*key, master.as_ref(), &others, now);
        }
        for (vip, macs) in holders {
            let named: Vec<(String, String)> = macs
                .iter()
                .map(|m| (m.to_string(), self.owner_of(*m)))
                .collect();
            self.ui.probe_vip(*vip, &named);
            if macs.len() > 1 {
                let list: Vec<String> = macs.iter().map(|m| m.to_string()).collect();
                let msg = format!(
                    "VIP {vip} is answered by {} MACs ({}): a duplicate holder, often left by a killed vipflip or keepalived; run 'vipflip release --vip {vip}/LEN --iface IFACE' on the node that is not master",
                    macs.len(),
                    list.join(", ")
                );
                let fields = Json::default().str("vip", vip).list("macs", list);
                self.ui
                    .tell(Level::Warn, "duplicate-holder", 0, &msg, fields);
            }
        }
        for warning in self.survey.warnings(now) {
            self.ui.survey_warning(&warning);
        }
        if self.malformed > 0 {
            let msg = format!(
                "{} malformed protocol-112 packet(s) ignored",
                self.malformed
            );
            let fields = Json::default().raw("count", self.malformed);
            self.ui.tell(Level::Warn, "malformed", 0, &msg, fields);
        }
        self.say_heard(&keys, holders)
    }

    fn say_heard(&mut self, keys: &[GroupKey], holders: &BTreeMap<IpAddr, Vec<MacAddr>>) -> bool {
        let groups = !keys.is_empty();
        let vips = self
            .cfg
            .vips
            .iter()
            .any(|v| holders.get(v).is_some_and(|m| !m.is_empty()));
        let heard = match (self.cfg.vrid, self.cfg.vips.is_empty()) {
            (None, true) => groups || !self.survey.carp.is_empty(),
            (None, false) => vips,
            (Some(_), true) => groups,
            (Some(_), false) => groups || vips,
        };
        if !heard {
            let what = match self.cfg.vrid {
                Some(vrid) => format!("no adverts for vrid {vrid}"),
                None => "no VRRP adverts".into(),
            };
            let msg = format!(
                "{what} heard on {} in {}",
                self.iface.name,
                humantime::format_duration(self.cfg.duration)
            );
            let fields = Json::default()
                .str("iface", &self.iface.name)
                .raw("duration_ms", self.cfg.duration.as_millis());
            self.ui.tell(Level::Plain, "nothing-heard", 0, &msg, fields);
        }
        heard
    }

    /// The address a MAC speaks VRRP from, or "this node".
    fn owner_of(&self, mac: MacAddr) -> String {
        if mac == self.iface.mac {
            return "this node".into();
        }
        let speaker = self.survey.groups.values().flatten().find(|s| s.mac == mac);
        speaker
            .map(|s| s.src.to_string())
            .unwrap_or_else(|| "not advertising".into())
    }

    fn watch(&mut self, rx: &Receiver<Msg>) -> Result<()> {
        let text = format!("watching {} for changes (Ctrl-C to stop)", self.iface.name);
        let fields = Json::default().str("iface", &self.iface.name);
        self.ui.tell(Level::Plain, "watching", 0, &text, fields);
        while !self.stopped {
            self.listen(rx, Instant::now() + EXPIRE_EVERY, true)?;
            let changes = self.survey.expire(Instant::now());
            self.print_changes(changes);
        }
        Ok(())
    }

    fn print_changes(&mut self, changes: Vec<Change>) {
        for change in changes {
            let (group, src, kind, text) = match change {
                Change::NewMaster {
                    group,
                    src,
                    priority,
                    previous: Some(prev),
                } => (
                    group,
                    src,
                    "new-master",
                    format!("new master {src} priority {priority} (was {prev})"),
                ),
                Change::NewMaster {
                    group,
                    src,
                    priority,
                    previous: None,
                } => (
                    group,
                    src,
                    "new-master",
                    format!("master {src} priority {priority}"),
                ),
                Change::PriorityChanged {
                    group,
                    src,
                    from,
                    to,
                } => (
                    group,
                    src,
                    "priority",
                    format!("{src} priority {from} -> {to}"),
                ),
                Change::Gone { group, src } => (group, src, "gone", format!("{src} went silent")),
            };
            if self.wanted(group) {
                let fields = Json::default().str("src", src).str("change", kind);
                self.ui.tell(Level::Plain, "change", group.0, &text, fields);
            }
        }
    }
}

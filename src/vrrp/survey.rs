//! What `probe` learns by listening, pure: the speakers of each VRRP group, who is master,
//! and what breaks groups (split brain, members that disagree, CARP on the same number).
//! Groups are per VRID and address family: IPv4 VRID 41 and IPv6 VRID 41 are different.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::timers::{interval, master_down_interval};
use crate::wire::announce::MacAddr;
use crate::wire::{Advert, Auth, ChecksumForm, Family, Version};

/// A group's key: VRID and address family.
pub type GroupKey = (u8, Family);

/// What breaks groups, as data (probe prints it as text or as JSON fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// Two or more active masters: (address, priority) of each.
    SplitBrain {
        group: GroupKey,
        masters: Vec<(IpAddr, u8)>,
    },
    /// Members disagree on `setting`: (value, member) of each.
    Disagree {
        group: GroupKey,
        setting: &'static str,
        values: Vec<(String, IpAddr)>,
    },
    /// CARP (ucarp) on a VRRP protocol number; `clashes` when a VRRP group has that number.
    Carp {
        vhid: u8,
        senders: Vec<IpAddr>,
        clashes: bool,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::SplitBrain { group, masters } => {
                let who: Vec<String> = masters
                    .iter()
                    .map(|(src, p)| format!("{src} (priority {p})"))
                    .collect();
                write!(
                    f,
                    "vrid {} ({}): {} masters at once (split brain): {}; they cannot hear each other, or disagree on the settings below",
                    group.0,
                    group.1.name(),
                    masters.len(),
                    who.join(", ")
                )
            }
            Warning::Disagree {
                group,
                setting,
                values,
            } => {
                let each: Vec<String> = values
                    .iter()
                    .map(|(v, src)| format!("{v} from {src}"))
                    .collect();
                write!(
                    f,
                    "vrid {} ({}): members disagree on the {setting}: {}",
                    group.0,
                    group.1.name(),
                    each.join(", ")
                )
            }
            Warning::Carp {
                vhid,
                senders,
                clashes,
            } => {
                let who: Vec<String> = senders.iter().map(|s| s.to_string()).collect();
                let clash = if *clashes {
                    " and clash with VRRP vrid of the same number"
                } else {
                    ""
                };
                write!(
                    f,
                    "CARP (ucarp) packets with vhid {vhid} from {}{clash}: CARP uses VRRP's protocol number but does not interoperate",
                    who.join(", ")
                )
            }
        }
    }
}

/// One advert as heard, with what the frame told.
#[derive(Debug, Clone)]
pub struct Heard {
    pub at: Instant,
    pub src: IpAddr,
    pub mac: MacAddr,
    pub advert: Advert,
    pub checksum: ChecksumForm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    pub src: IpAddr,
    pub mac: MacAddr,
    pub priority: u8,
    pub version: Version,
    pub interval_cs: u16,
    pub checksum: ChecksumForm,
    pub vips: Vec<IpAddr>,
    pub auth: Auth,
    pub adverts: u64,
    pub last_seen: Instant,
}

impl Speaker {
    /// Still advertising: heard within the time a backup would wait for it.
    pub fn active(&self, now: Instant) -> bool {
        self.priority > 0 && now.saturating_duration_since(self.last_seen) <= self.silence_limit()
    }

    fn silence_limit(&self) -> Duration {
        master_down_interval(self.version, self.priority.max(1), self.interval_cs.max(1))
    }
}

/// A change worth a line in `probe --watch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    NewMaster {
        group: GroupKey,
        src: IpAddr,
        priority: u8,
        previous: Option<IpAddr>,
    },
    PriorityChanged {
        group: GroupKey,
        src: IpAddr,
        from: u8,
        to: u8,
    },
    Gone {
        group: GroupKey,
        src: IpAddr,
    },
}

#[derive(Debug, Default, Clone)]
pub struct Survey {
    pub groups: BTreeMap<GroupKey, Vec<Speaker>>,
    /// CARP (ucarp) vhids heard, with their senders.
    pub carp: BTreeMap<u8, Vec<IpAddr>>,
    /// The master last reported per group, for --watch.
    masters: BTreeMap<GroupKey, IpAddr>,
}

impl Survey {
    pub fn record(&mut self, heard: Heard) -> Vec<Change> {
        let key = (heard.advert.vrid, Family::of(heard.src));
        let speakers = self.groups.entry(key).or_default();
        let mut changes = Vec::new();
        match speakers.iter_mut().find(|s| s.src == heard.src) {
            Some(s) => {
                if s.priority != heard.advert.priority {
                    changes.push(Change::PriorityChanged {
                        group: key,
                        src: s.src,
                        from: s.priority,
                        to: heard.advert.priority,
                    });
                }
                update(s, &heard);
            }
            None => speakers.push(new_speaker(&heard)),
        }
        changes.extend(self.master_change(key, heard.at));
        changes
    }

    pub fn record_carp(&mut self, vhid: u8, src: IpAddr) {
        let senders = self.carp.entry(vhid).or_default();
        if !senders.contains(&src) {
            senders.push(src);
        }
    }

    /// The master of a group: the highest priority (then address) among active speakers.
    pub fn master(&self, key: GroupKey, now: Instant) -> Option<&Speaker> {
        self.groups
            .get(&key)?
            .iter()
            .filter(|s| s.active(now))
            .max_by_key(|s| (s.priority, s.src))
    }

    fn master_change(&mut self, key: GroupKey, now: Instant) -> Option<Change> {
        let master = self.master(key, now).map(|s| (s.src, s.priority))?;
        let previous = self.masters.insert(key, master.0);
        (previous != Some(master.0)).then_some(Change::NewMaster {
            group: key,
            src: master.0,
            priority: master.1,
            previous,
        })
    }

    /// Speakers silent for longer than a backup would wait are reported gone once, and forgotten.
    pub fn expire(&mut self, now: Instant) -> Vec<Change> {
        let mut changes = Vec::new();
        for (key, speakers) in self.groups.iter_mut() {
            speakers.retain(|s| {
                let gone = now.saturating_duration_since(s.last_seen) > s.silence_limit();
                if gone {
                    changes.push(Change::Gone {
                        group: *key,
                        src: s.src,
                    });
                }
                !gone
            });
        }
        let keys: Vec<GroupKey> = self.groups.keys().copied().collect();
        for key in keys {
            if self.master(key, now).is_none() {
                self.masters.remove(&key);
            } else {
                changes.extend(self.master_change(key, now));
            }
        }
        changes
    }

    /// What breaks groups, as sentences an operator can act on.
    pub fn warnings(&self, now: Instant) -> Vec<Warning> {
        let mut out = Vec::new();
        for (&group, speakers) in &self.groups {
            let masters: Vec<(IpAddr, u8)> = speakers
                .iter()
                .filter(|s| s.active(now) && s.adverts >= 2)
                .map(|s| (s.src, s.priority))
                .collect();
            if masters.len() >= 2 {
                out.push(Warning::SplitBrain { group, masters });
            }
            out.extend(disagreements(group, speakers));
        }
        for (vhid, senders) in &self.carp {
            out.push(Warning::Carp {
                vhid: *vhid,
                senders: senders.clone(),
                clashes: self.groups.contains_key(&(*vhid, Family::V4)),
            });
        }
        out
    }
}

fn new_speaker(h: &Heard) -> Speaker {
    let mut s = Speaker {
        src: h.src,
        mac: h.mac,
        priority: 0,
        version: h.advert.version,
        interval_cs: 0,
        checksum: h.checksum,
        vips: Vec::new(),
        auth: Auth::None,
        adverts: 0,
        last_seen: h.at,
    };
    update(&mut s, h);
    s
}

fn update(s: &mut Speaker, h: &Heard) {
    s.mac = h.mac;
    s.priority = h.advert.priority;
    s.version = h.advert.version;
    s.interval_cs = h.advert.interval_cs;
    s.checksum = h.checksum;
    s.vips = h.advert.addrs.clone();
    s.vips.sort();
    s.auth = h.advert.auth;
    s.adverts += 1;
    s.last_seen = h.at;
}

/// How one setting of a speaker is shown.
type Setting = fn(&Speaker) -> String;

/// One line per setting on which the members of a group differ.
fn disagreements(group: GroupKey, speakers: &[Speaker]) -> Vec<Warning> {
    let settings: [(&str, Setting); 4] = [
        ("version", |s| format!("VRRPv{}", s.version.number())),
        ("advert interval", |s| {
            humantime::format_duration(interval(s.interval_cs)).to_string()
        }),
        ("VIP list", |s| {
            s.vips
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        }),
        ("auth", |s| match s.auth {
            Auth::Pass(p) => format!(
                "pass {}",
                String::from_utf8_lossy(&p).trim_end_matches('\0')
            ),
            other => other.name(),
        }),
    ];
    let mut out = Vec::new();
    for (name, value) in settings {
        let mut values: Vec<(String, IpAddr)> =
            speakers.iter().map(|s| (value(s), s.src)).collect();
        let mut distinct: Vec<String> = speakers.iter().map(value).collect();
        distinct.sort();
        distinct.dedup();
        if distinct.len() > 1 {
            values.sort();
            out.push(Warning::Disagree {
                group,
                setting: name,
                values,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn heard(at: Instant, src: &str, priority: u8, interval_cs: u16) -> Heard {
        Heard {
            at,
            src: ip(src),
            mac: MacAddr(2, 0, 0, 0, 0, src.len() as u8),
            advert: Advert {
                version: Version::V3,
                vrid: 41,
                priority,
                interval_cs,
                auth: Auth::None,
                addrs: vec![ip("192.0.2.250")],
            },
            checksum: ChecksumForm::PseudoHeader,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn one_master_many_adverts() {
        let t0 = Instant::now();
        let mut s = Survey::default();
        let first = s.record(heard(t0, "192.0.2.201", 200, 10));
        assert_eq!(
            first,
            vec![Change::NewMaster {
                group: (41, Family::V4),
                src: ip("192.0.2.201"),
                priority: 200,
                previous: None
            }]
        );
        for i in 1..10 {
            assert!(s
                .record(heard(t0 + ms(100 * i), "192.0.2.201", 200, 10))
                .is_empty());
        }
        let m = s.master((41, Family::V4), t0 + ms(950)).expect("a master");
        assert_eq!((m.adverts, m.priority), (10, 200));
        assert!(s.warnings(t0 + ms(950)).is_empty());
    }

    #[test]
    fn split_brain_and_disagreement() {
        let t0 = Instant::now();
        let mut s = Survey::default();
        for i in 0..3 {
            s.record(heard(t0 + ms(100 * i), "192.0.2.201", 200, 10));
            s.record(heard(t0 + ms(100 * i), "192.0.2.202", 150, 100));
        }
        let w: Vec<String> = s
            .warnings(t0 + ms(250))
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert!(w[0].contains("2 masters at once (split brain): 192.0.2.201 (priority 200), 192.0.2.202 (priority 150)"), "{w:?}");
        assert!(
            w[1].contains(
                "disagree on the advert interval: 100ms from 192.0.2.201, 1s from 192.0.2.202"
            ),
            "{w:?}"
        );
    }

    #[test]
    fn a_handover_is_followed_and_silent_speakers_go() {
        let t0 = Instant::now();
        let mut s = Survey::default();
        s.record(heard(t0, "192.0.2.201", 200, 10));
        let zero = s.record(heard(t0 + ms(50), "192.0.2.201", 0, 10));
        assert!(zero.contains(&Change::PriorityChanged {
            group: (41, Family::V4),
            src: ip("192.0.2.201"),
            from: 200,
            to: 0
        }));
        let new = s.record(heard(t0 + ms(100), "192.0.2.202", 150, 10));
        assert!(new.contains(&Change::NewMaster {
            group: (41, Family::V4),
            src: ip("192.0.2.202"),
            priority: 150,
            previous: Some(ip("192.0.2.201"))
        }));
        let gone = s.expire(t0 + ms(2000));
        assert!(
            gone.contains(&Change::Gone {
                group: (41, Family::V4),
                src: ip("192.0.2.201")
            }),
            "{gone:?}"
        );
        assert!(
            gone.contains(&Change::Gone {
                group: (41, Family::V4),
                src: ip("192.0.2.202")
            }),
            "{gone:?}"
        );
    }

    #[test]
    fn carp_on_a_vrrp_number_is_named() {
        let mut s = Survey::default();
        s.record(heard(Instant::now(), "192.0.2.201", 200, 10));
        s.record_carp(41, ip("192.0.2.209"));
        let w: Vec<String> = s
            .warnings(Instant::now())
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert!(
            w.iter().any(|l| l.contains(
                "CARP (ucarp) packets with vhid 41 from 192.0.2.209 and clash with VRRP vrid"
            )),
            "{w:?}"
        );
    }
}

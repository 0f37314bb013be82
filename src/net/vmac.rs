//! --vmac: the VIP on the RFC's virtual MAC. A macvlan in bridge mode on the VRRP interface,
//! with 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6): the VIPs go on it, and
//! adverts and announcements leave from it, so every node that is master shows clients the
//! same MAC. It stays up in backup, without addresses, so it answers nothing.
//!
//! For IPv4 the parent must not show its own MAC for the VIP: by default (the weak host
//! model) it answers ARP for every local address, the VIP on the macvlan included, and asks
//! for a client's MAC with the VIP as sender. arp_ignore=1 and arp_announce=2 on the parent
//! stop both (measured in the lab: without them clients end up on the parent's MAC). They are
//! set only where lower, and put back at exit unless another virtual MAC interface still
//! needs them. IPv6 needs nothing: the kernel answers a neighbour solicitation only on the
//! interface that has the address.

use super::iface::Interface;
use super::netlink::{LinkFacts, Netlink};
use super::sysctl;
use crate::error::{Error, Result};
use crate::wire::announce::{is_ipv4_virtual_mac, MacAddr};
use crate::wire::Family;

/// The parent's knobs and the least value each needs (the kernel uses the larger of the
/// interface's and `all`'s value).
const PARENT_KNOBS: [(&str, i64); 2] = [("arp_ignore", 1), ("arp_announce", 2)];

/// What --vmac did or undid, for the user to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VmacChange {
    /// A virtual MAC interface of ours left by an earlier run (kill -9) was removed.
    RemovedStale {
        name: String,
    },
    Created {
        name: String,
        mac: MacAddr,
        parent: String,
    },
    /// A knob of the parent was set.
    Set {
        iface: String,
        knob: &'static str,
        from: i64,
        to: i64,
    },
    Removed {
        name: String,
    },
    /// Deleting it failed: it is left behind.
    NotRemoved {
        name: String,
        why: String,
    },
    Restored {
        iface: String,
        knob: &'static str,
        to: i64,
    },
    /// A knob was left as it is: someone changed it since, or another interface needs it.
    Kept {
        iface: String,
        knob: &'static str,
        value: i64,
        why: String,
    },
}

/// A knob of the parent this process set: put back at exit.
#[derive(Debug)]
struct Changed {
    knob: &'static str,
    before: i64,
    set: i64,
}

/// The virtual MAC interface this process created; removed (and the parent's knobs put
/// back) by `close`, or on drop.
pub struct Vmac {
    pub name: String,
    pub index: u32,
    pub mac: MacAddr,
    parent: Interface,
    changed: Vec<Changed>,
    netlink: Netlink,
    closed: bool,
}

impl Vmac {
    /// Creates `name` on `parent` with `mac`, after removing a stale one of ours.
    pub fn create(
        parent: &Interface,
        name: &str,
        mac: MacAddr,
        family: Family,
    ) -> Result<(Vmac, Vec<VmacChange>)> {
        let netlink = Netlink::open()?;
        let mut said = Vec::new();
        if let Some(existing) = netlink.link(name)? {
            if !is_ours(&existing, parent.index, mac) {
                return Err(Error::new(
                    format!("cannot create the virtual MAC interface {name}"),
                    format!(
                        "an interface {name} exists and is not the macvlan with {mac} on {}",
                        parent.name
                    ),
                )
                .hint(format!(
                    "remove it (ip link del {name}), or give another name with --vmac=NAME"
                )));
            }
            netlink.del_link(existing.index)?;
            said.push(VmacChange::RemovedStale { name: name.into() });
        }
        let index = netlink.add_macvlan(name, parent.index, mac).map_err(|e| {
            e.hint(format!(
                "the kernel needs macvlan support (modprobe macvlan), and {} must be an Ethernet interface",
                parent.name
            ))
        })?;
        let mut vmac = Vmac {
            name: name.into(),
            index,
            mac,
            parent: parent.clone(),
            changed: Vec::new(),
            netlink,
            closed: false,
        };
        vmac.settle_knobs(family)?;
        vmac.netlink.set_up(index)?;
        said.push(VmacChange::Created {
            name: name.into(),
            mac,
            parent: parent.name.clone(),
        });
        if family.is_v4() {
            said.extend(vmac.quiet_parent()?);
        }
        Ok((vmac, said))
    }

    /// The macvlan's own knobs, before it is up: it answers ARP only for its own addresses
    /// (the VIPs, not the parent's), and makes no IPv6 address of its own (no link-local,
    /// so backups send nothing from the virtual MAC).
    fn settle_knobs(&self, family: Family) -> Result<()> {
        let name = self.name.as_str();
        if family.is_v4() {
            sysctl::write("ipv4", name, "arp_ignore", 1)?;
            // The VIP's packets come in here and their replies may route out of the parent.
            if sysctl::read("ipv4", "all", "rp_filter") == Some(1) {
                sysctl::write("ipv4", name, "rp_filter", 2)?;
            }
            // No IPv6 on an IPv4 virtual MAC interface (absent when IPv6 is off: fine).
            let _ = sysctl::write("ipv6", name, "disable_ipv6", 1);
        } else {
            sysctl::write("ipv6", name, "addr_gen_mode", 1)?;
            sysctl::write("ipv6", name, "accept_ra", 0)?;
        }
        Ok(())
    }

    /// arp_ignore and arp_announce of the parent raised where they are lower.
    fn quiet_parent(&mut self) -> Result<Vec<VmacChange>> {
        let parent = self.parent.name.clone();
        let mut said = Vec::new();
        for (knob, least) in PARENT_KNOBS {
            let all = sysctl::read("ipv4", "all", knob).unwrap_or(0);
            let before = sysctl::read("ipv4", &parent, knob).unwrap_or(0);
            if all.max(before) >= least {
                continue;
            }
            sysctl::write("ipv4", &parent, knob, least)?;
            self.changed.push(Changed {
                knob,
                before,
                set: least,
            });
            said.push(VmacChange::Set {
                iface: parent.clone(),
                knob,
                from: before,
                to: least,
            });
        }
        Ok(said)
    }

    /// The parent was deleted, and this interface and the parent's knobs with it: nothing
    /// is left to undo.
    pub fn forget(&mut self) {
        self.closed = true;
    }

    /// Removes the interface (its VIPs go with it) and puts the parent's knobs back.
    pub fn close(&mut self) -> Vec<VmacChange> {
        if self.closed {
            return Vec::new();
        }
        self.closed = true;
        let mut said = Vec::new();
        match self.netlink.del_link(self.index) {
            Ok(true) => said.push(VmacChange::Removed {
                name: self.name.clone(),
            }),
            Ok(false) => {}
            Err(e) => said.push(VmacChange::NotRemoved {
                name: self.name.clone(),
                why: e.to_string(),
            }),
        }
        // Only an IPv4 virtual MAC interface needs the parent's ARP settings.
        let others: Vec<String> = self
            .netlink
            .links_on(self.parent.index)
            .unwrap_or_default()
            .into_iter()
            .filter(|l| l.index != self.index && l.mac.is_some_and(is_ipv4_virtual_mac))
            .map(|l| l.name)
            .collect();
        let parent = self.parent.name.clone();
        for c in std::mem::take(&mut self.changed) {
            let now = sysctl::read("ipv4", &parent, c.knob);
            let kept = |value: i64, why: String| VmacChange::Kept {
                iface: parent.clone(),
                knob: c.knob,
                value,
                why,
            };
            said.push(match now {
                None => continue,
                Some(value) if value != c.set => kept(value, "it was changed since".into()),
                Some(value) if !others.is_empty() => {
                    kept(value, format!("{} still uses it", others.join(", ")))
                }
                Some(_) => match sysctl::write("ipv4", &parent, c.knob, c.before) {
                    Ok(()) => VmacChange::Restored {
                        iface: parent.clone(),
                        knob: c.knob,
                        to: c.before,
                    },
                    Err(e) => kept(c.set, e.to_string()),
                },
            });
        }
        said
    }
}

impl Drop for Vmac {
    /// An error or a panic: still undone, said on stderr.
    fn drop(&mut self) {
        for change in self.close() {
            eprintln!("vipflip: {}", change.describe());
        }
    }
}

/// A macvlan on our parent with our virtual MAC: what an earlier run of ours left.
fn is_ours(link: &LinkFacts, parent: u32, mac: MacAddr) -> bool {
    link.macvlan && link.parent == Some(parent) && link.mac == Some(mac)
}

impl VmacChange {
    /// In words, for the text output.
    pub fn describe(&self) -> String {
        match self {
            VmacChange::RemovedStale { name } => {
                format!("removed stale virtual MAC interface {name} (left by an earlier run?)")
            }
            VmacChange::Created { name, mac, parent } => format!(
                "virtual MAC {mac} on {name} (macvlan on {parent}): the VIP goes there while master"
            ),
            VmacChange::Set {
                iface,
                knob,
                from,
                to,
            } => format!(
                "set {iface} {knob} {from} -> {to} so that clients learn the virtual MAC, not {iface}'s (put back at exit)"
            ),
            VmacChange::Removed { name } => format!("removed virtual MAC interface {name}"),
            VmacChange::NotRemoved { name, why } => format!(
                "cannot remove virtual MAC interface {name} ({why}); remove it with: ip link del {name}"
            ),
            VmacChange::Restored { iface, knob, to } => format!("put {iface} {knob} back to {to}"),
            VmacChange::Kept {
                iface,
                knob,
                value,
                why,
            } => format!("left {iface} {knob} at {value}: {why}"),
        }
    }
}

//! Netlink through rtnetlink: add/remove/list addresses, and the link + address monitor.
//! rtnetlink is async; each user owns a small current-thread runtime so the async never
//! leaves this file.

use std::net::{IpAddr, Ipv6Addr};
use std::thread;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::TryStreamExt;
use netlink_packet_core::NetlinkPayload;
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage};
use netlink_packet_route::link::{
    InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage, MacVlanMode,
};
use netlink_packet_route::RouteNetlinkMessage;
use rtnetlink::{Handle, LinkMacVlan, LinkUnspec, MulticastGroup};
use tokio::runtime::Runtime;

use crate::error::{Error, Result};
use crate::vip::Vip;
use crate::wire::announce::MacAddr;

/// An address on an interface as the kernel lists it.
#[derive(Debug, Clone)]
pub struct IfAddr {
    pub addr: IpAddr,
    message: AddressMessage,
}

pub struct Netlink {
    rt: Runtime,
    handle: Handle,
}

fn runtime() -> Result<Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| Error::new("cannot start the netlink runtime", e))
}

fn nl_error(what: String, e: rtnetlink::Error) -> Error {
    match e {
        rtnetlink::Error::NetlinkError(msg) => Error::new(what, msg.to_io()),
        other => Error::new(what, other),
    }
}

/// The errno of a netlink error reply, if it is one.
fn errno(e: &rtnetlink::Error) -> Option<i32> {
    match e {
        rtnetlink::Error::NetlinkError(msg) => Some(-msg.raw_code()),
        _ => None,
    }
}

impl Netlink {
    pub fn open() -> Result<Netlink> {
        let rt = runtime()?;
        let (conn, handle, _) = rt
            .block_on(async { rtnetlink::new_connection() })
            .map_err(|e| Error::new("cannot open a netlink socket", e))?;
        rt.spawn(conn);
        Ok(Netlink { rt, handle })
    }

    /// Every address on interface `index`.
    pub fn addrs(&self, index: u32) -> Result<Vec<IfAddr>> {
        let request = self
            .handle
            .address()
            .get()
            .set_link_index_filter(index)
            .execute();
        let messages: Vec<AddressMessage> = self
            .rt
            .block_on(request.try_collect())
            .map_err(|e| nl_error("cannot list addresses".into(), e))?;
        Ok(messages.into_iter().filter_map(if_addr).collect())
    }

    /// Adds `vip` to interface `index` (IPv6 without duplicate address detection, so it is
    /// usable at once). `Ok(false)`: it was already there.
    pub fn add(&self, index: u32, vip: &Vip) -> Result<bool> {
        let mut request = self.handle.address().add(index, vip.addr, vip.prefix);
        if vip.addr.is_ipv6() {
            request
                .message_mut()
                .attributes
                .push(AddressAttribute::Flags(AddressFlags::Nodad));
        }
        match self.rt.block_on(request.execute()) {
            Ok(()) => {
                if let IpAddr::V6(v6) = vip.addr {
                    wait_local_route(v6, LOCAL_ROUTE_WAIT);
                }
                Ok(true)
            }
            Err(e) if errno(&e) == Some(nix::libc::EEXIST) => Ok(false),
            Err(e) => Err(nl_error(format!("cannot add {vip}"), e)),
        }
    }

    /// Removes `vip` from interface `index`. `Ok(false)`: it was not there.
    pub fn remove(&self, index: u32, vip: &Vip) -> Result<bool> {
        let Some(found) = self.addrs(index)?.into_iter().find(|a| a.addr == vip.addr) else {
            return Ok(false);
        };
        match self
            .rt
            .block_on(self.handle.address().del(found.message).execute())
        {
            Ok(()) => Ok(true),
            Err(e) if errno(&e) == Some(nix::libc::EADDRNOTAVAIL) => Ok(false),
            Err(e) => Err(nl_error(format!("cannot remove {vip}"), e)),
        }
    }
}

/// What `link` reports about an interface: enough to recognise a virtual MAC interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFacts {
    pub name: String,
    pub index: u32,
    /// The interface it sits on (a macvlan's parent).
    pub parent: Option<u32>,
    pub mac: Option<MacAddr>,
    pub macvlan: bool,
}

impl Netlink {
    /// The interface called `name`, if there is one.
    pub fn link(&self, name: &str) -> Result<Option<LinkFacts>> {
        let request = self
            .handle
            .link()
            .get()
            .match_name(name.to_string())
            .execute();
        match self.rt.block_on(request.try_collect::<Vec<_>>()) {
            Ok(links) => Ok(links.into_iter().next().map(link_facts)),
            Err(e) if errno(&e) == Some(nix::libc::ENODEV) => Ok(None),
            Err(e) => Err(nl_error(format!("cannot look up interface {name}"), e)),
        }
    }

    /// Every interface sitting on `parent` (macvlans, VLANs).
    pub fn links_on(&self, parent: u32) -> Result<Vec<LinkFacts>> {
        let request = self.handle.link().get().execute();
        let links: Vec<LinkMessage> = self
            .rt
            .block_on(request.try_collect())
            .map_err(|e| nl_error("cannot list interfaces".into(), e))?;
        Ok(links
            .into_iter()
            .map(link_facts)
            .filter(|l| l.parent == Some(parent))
            .collect())
    }

    /// Creates macvlan `name` on `parent` in bridge mode with `mac`, down; its index.
    pub fn add_macvlan(&self, name: &str, parent: u32, mac: MacAddr) -> Result<u32> {
        let message = LinkMacVlan::new(name, parent, MacVlanMode::Bridge)
            .address(mac.octets().to_vec())
            .build();
        self.rt
            .block_on(self.handle.link().add(message).execute())
            .map_err(|e| nl_error(format!("cannot create macvlan {name}"), e))?;
        match self.link(name)? {
            Some(link) => Ok(link.index),
            None => Err(Error::new(
                format!("cannot create macvlan {name}"),
                "it was gone right after it was created",
            )),
        }
    }

    pub fn set_up(&self, index: u32) -> Result<()> {
        let message = LinkUnspec::new_with_index(index).up().build();
        self.rt
            .block_on(self.handle.link().set(message).execute())
            .map_err(|e| nl_error(format!("cannot set interface {index} up"), e))
    }

    /// Deletes interface `index`; `Ok(false)` when it was gone already.
    pub fn del_link(&self, index: u32) -> Result<bool> {
        match self.rt.block_on(self.handle.link().del(index).execute()) {
            Ok(()) => Ok(true),
            Err(e) if errno(&e) == Some(nix::libc::ENODEV) => Ok(false),
            Err(e) => Err(nl_error(format!("cannot delete interface {index}"), e)),
        }
    }
}

fn link_facts(link: LinkMessage) -> LinkFacts {
    let mut facts = LinkFacts {
        name: link_name(&link).unwrap_or_default().to_string(),
        index: link.header.index,
        parent: None,
        mac: None,
        macvlan: false,
    };
    for attr in &link.attributes {
        match attr {
            LinkAttribute::Link(parent) => facts.parent = Some(*parent),
            LinkAttribute::Address(bytes) => {
                facts.mac = <[u8; 6]>::try_from(bytes.as_slice())
                    .ok()
                    .map(MacAddr::from)
            }
            LinkAttribute::LinkInfo(infos) => {
                facts.macvlan = infos
                    .iter()
                    .any(|i| matches!(i, LinkInfo::Kind(InfoKind::MacVlan)))
            }
            _ => {}
        }
    }
    facts
}

fn if_addr(message: AddressMessage) -> Option<IfAddr> {
    let local = message.attributes.iter().find_map(|a| match a {
        AddressAttribute::Local(ip) => Some(*ip),
        _ => None,
    });
    let address = message.attributes.iter().find_map(|a| match a {
        AddressAttribute::Address(ip) => Some(*ip),
        _ => None,
    });
    Some(IfAddr {
        addr: local.or(address)?,
        message,
    })
}

/// What the monitor reports about the watched interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// Up and carrier present (`true`), or not.
    Link(bool),
    /// The interface was deleted.
    LinkGone,
    /// An interface of our name appeared again, with a new index.
    LinkAppeared { index: u32, up: bool },
    /// An address was removed from interface `index` (ours, or a virtual MAC interface).
    AddressRemoved { index: u32, addr: IpAddr },
}

/// Watches interface `name` (index `index`) on its own thread and calls `report` for each
/// change; follows the interface when it is deleted and created again under the same name.
pub fn spawn_monitor<F>(name: &str, index: u32, report: F) -> Result<()>
where
    F: Fn(NetEvent) -> bool + Send + 'static,
{
    let groups = [
        MulticastGroup::Link,
        MulticastGroup::Ipv4Ifaddr,
        MulticastGroup::Ipv6Ifaddr,
    ];
    let rt = runtime()?;
    let (conn, _handle, mut messages) = rt
        .block_on(async { rtnetlink::new_multicast_connection(&groups) })
        .map_err(|e| Error::new("cannot subscribe to netlink link and address events", e))?;
    let name = name.to_string();
    thread::Builder::new()
        .name("netlink-monitor".into())
        .spawn(move || {
            rt.spawn(conn);
            let mut index = index;
            rt.block_on(async move {
                while let Some((message, _)) = messages.next().await {
                    let NetlinkPayload::InnerMessage(inner) = message.payload else {
                        continue;
                    };
                    let event = event_of(&name, index, inner);
                    if let Some(NetEvent::LinkAppeared { index: new, .. }) = event {
                        index = new;
                    }
                    if let Some(event) = event {
                        if !report(event) {
                            break;
                        }
                    }
                }
            });
        })
        .map_err(|e| Error::new("cannot start the netlink monitor thread", e))?;
    Ok(())
}

fn event_of(name: &str, index: u32, message: RouteNetlinkMessage) -> Option<NetEvent> {
    match message {
        RouteNetlinkMessage::NewLink(link)
            if link.header.index != index && link_name(&link) == Some(name) =>
        {
            Some(NetEvent::LinkAppeared {
                index: link.header.index,
                up: link_up(&link),
            })
        }
        RouteNetlinkMessage::NewLink(link) if link.header.index == index => {
            Some(NetEvent::Link(link_up(&link)))
        }
        RouteNetlinkMessage::DelLink(link) if link.header.index == index => {
            Some(NetEvent::LinkGone)
        }
        RouteNetlinkMessage::DelAddress(addr) => {
            let on = addr.header.index;
            if_addr(addr).map(|a| NetEvent::AddressRemoved {
                index: on,
                addr: a.addr,
            })
        }
        _ => None,
    }
}

fn link_name(link: &LinkMessage) -> Option<&str> {
    link.attributes.iter().find_map(|a| match a {
        netlink_packet_route::link::LinkAttribute::IfName(n) => Some(n.as_str()),
        _ => None,
    })
}

fn link_up(link: &LinkMessage) -> bool {
    link.header.flags.contains(LinkFlags::Up) && link.header.flags.contains(LinkFlags::Running)
}

/// How long `add` waits for an IPv6 VIP's local route (seen: up to 9 ms on a loaded host).
const LOCAL_ROUTE_WAIT: Duration = Duration::from_millis(100);

/// Waits until the kernel routes `addr` to this host. An IPv6 address is in the interface's
/// list when the netlink add returns, but its local route is installed later, by the
/// kernel's address work (addrconf_dad_work, also with NODAD): a packet to it in between is
/// dropped. Captured in a lab: the first probe after a takeover's NA, 0.6 ms after it, got
/// no reply; the MLD report 9 ms later marked the route. Announcing only once the route is
/// there closes that window. IPv4 routes come with the add itself.
fn wait_local_route(addr: Ipv6Addr, timeout: Duration) -> bool {
    let end = Instant::now() + timeout;
    loop {
        let table = std::fs::read_to_string("/proc/net/ipv6_route").unwrap_or_default();
        if has_local_route(&table, addr) {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// A /128 route with RTF_LOCAL for `addr` in a /proc/net/ipv6_route text.
fn has_local_route(table: &str, addr: Ipv6Addr) -> bool {
    const RTF_LOCAL: u32 = 0x8000_0000;
    let dest = addr
        .octets()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    table.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() >= 9
            && fields[0] == dest
            && fields[1] == "80"
            && u32::from_str_radix(fields[8], 16).is_ok_and(|flags| flags & RTF_LOCAL != 0)
    })
}

#[cfg(test)]
mod local_route_tests {
    use super::*;

    #[test]
    fn finds_the_local_route_of_an_address() {
        let vip: Ipv6Addr = "2001:db8::250".parse().unwrap();
        let table = "\
20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
20010db8000000000000000000000250 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001     eth0
";
        assert!(has_local_route(table, vip));
        let before_the_work = table.lines().next().unwrap_or_default();
        assert!(
            !has_local_route(before_the_work, vip),
            "only the /64 on-link route"
        );
        assert!(!has_local_route(table, "2001:db8::251".parse().unwrap()));
    }
}

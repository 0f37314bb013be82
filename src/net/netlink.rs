//! Netlink: add/remove/list addresses, look up and create interfaces, and the link + address
//! monitor, over plain NETLINK_ROUTE sockets (the messages: net/netlink_wire.rs).
//!
//! Written by hand rather than with rtnetlink: vipflip sends eight kinds of request and
//! reads three kinds of notification, and rtnetlink brought an async runtime (tokio, futures)
//! and 575 kB of code (netlink_packet_route, rtnetlink; `cargo bloat`) into a process whose
//! idle memory is mostly its own code (issue 21, BENCHMARKS.md).

use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Mutex;
use std::thread;

use nix::errno::Errno;
use nix::libc;
use nix::sys::socket::{
    bind, recv, send, socket, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol,
    SockType,
};

use super::netlink_wire::{addr_message, error_code, link_message, messages, LinkMessage, Request};
use crate::error::{Error, Result};
use crate::vip::Vip;
use crate::wire::announce::MacAddr;

/// An address on an interface as the kernel lists it.
#[derive(Debug, Clone)]
pub struct IfAddr {
    pub addr: IpAddr,
    /// The dumped message's body (ifaddrmsg and attributes), sent back as it is to delete
    /// exactly this address, as `ip addr del` does.
    body: Vec<u8>,
}

/// A request socket: one request at a time, answered in order.
pub struct Netlink {
    socket: Mutex<Requests>,
}

struct Requests {
    fd: OwnedFd,
    seq: u32,
}

/// Largest datagram the kernel sends a dump in (it fills about a page at a time).
const DATAGRAM: usize = 32 * 1024;

fn open_socket(groups: u32) -> nix::Result<OwnedFd> {
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkRoute,
    )?;
    bind(fd.as_raw_fd(), &NetlinkAddr::new(0, groups))?;
    Ok(fd)
}

/// A failed request: an error reply's errno, or the socket's own.
#[derive(Debug)]
struct Failure(Errno);

impl Failure {
    fn errno(&self) -> i32 {
        self.0 as i32
    }
}

impl Netlink {
    pub fn open() -> Result<Netlink> {
        let fd = open_socket(0).map_err(|e| Error::new("cannot open a netlink socket", e))?;
        Ok(Netlink {
            socket: Mutex::new(Requests { fd, seq: 0 }),
        })
    }

    /// Sends one request and hands each reply message of type `want` to `each`, until the
    /// dump's NLMSG_DONE or the acknowledgement.
    fn exchange(
        &self,
        request: impl FnOnce(u32) -> Vec<u8>,
        want: u16,
        mut each: impl FnMut(&[u8]),
    ) -> std::result::Result<(), Failure> {
        let mut guard = self.socket.lock().unwrap_or_else(|p| p.into_inner());
        guard.seq = guard.seq.wrapping_add(1);
        let seq = guard.seq;
        let fd = guard.fd.as_raw_fd();
        send(fd, &request(seq), MsgFlags::empty()).map_err(Failure)?;
        let mut buf = vec![0u8; DATAGRAM];
        loop {
            let n = match recv(fd, &mut buf, MsgFlags::empty()) {
                Err(Errno::EINTR) => continue,
                other => other.map_err(Failure)?,
            };
            for message in messages(&buf[..n]).filter(|m| m.seq == seq) {
                match message.kind as i32 {
                    libc::NLMSG_DONE => return Ok(()),
                    libc::NLMSG_ERROR => {
                        return match error_code(message.body) {
                            Some(0) => Ok(()),
                            Some(code) => Err(Failure(Errno::from_raw(code))),
                            None => Err(Failure(Errno::EBADMSG)),
                        }
                    }
                    _ if message.kind == want => each(message.body),
                    _ => {}
                }
            }
        }
    }

    /// Every address on interface `index`.
    pub fn addrs(&self, index: u32) -> Result<Vec<IfAddr>> {
        let mut found = Vec::new();
        self.exchange(
            |seq| {
                Request::new(libc::RTM_GETADDR, libc::NLM_F_DUMP as u16, seq)
                    .ifaddr(libc::AF_UNSPEC as u8, 0, 0)
                    .finish()
            },
            libc::RTM_NEWADDR,
            |body| {
                if let Some(a) = addr_message(body).filter(|a| a.index == index) {
                    found.push(IfAddr {
                        addr: a.addr,
                        body: body.to_vec(),
                    })
                }
            },
        )
        .map_err(|e| Error::new("cannot list addresses", e.0))?;
        Ok(found)
    }

    /// Adds `vip` to interface `index` (IPv6 without duplicate address detection, so it is
    /// usable at once; its local route comes a little later: `local_route_ready`).
    /// `Ok(false)`: it was already there.
    pub fn add(&self, index: u32, vip: &Vip) -> Result<bool> {
        let flags = (libc::NLM_F_ACK | libc::NLM_F_EXCL | libc::NLM_F_CREATE) as u16;
        let request = |seq| add_address_request(seq, flags, index, vip);
        match self.exchange(request, 0, |_| {}) {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == libc::EEXIST => Ok(false),
            Err(e) => Err(Error::new(format!("cannot add {vip}"), e.0)),
        }
    }

    /// Removes `vip` from interface `index`. `Ok(false)`: it was not there.
    pub fn remove(&self, index: u32, vip: &Vip) -> Result<bool> {
        let Some(found) = self.addrs(index)?.into_iter().find(|a| a.addr == vip.addr) else {
            return Ok(false);
        };
        let request = |seq| {
            Request::new(libc::RTM_DELADDR, libc::NLM_F_ACK as u16, seq)
                .raw(&found.body)
                .finish()
        };
        match self.exchange(request, 0, |_| {}) {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == libc::EADDRNOTAVAIL => Ok(false),
            Err(e) => Err(Error::new(format!("cannot remove {vip}"), e.0)),
        }
    }
}

/// The metric of a drain's local route: beside (never instead of) the kernel's own local
/// route of an address, which has metric 0.
pub const DRAIN_METRIC: u32 = 1024;

impl Netlink {
    /// A local route for `addr` on interface `index` (`ip route add local ADDR dev IF table
    /// local metric 1024`): the kernel delivers its traffic here without the address, and
    /// IPv6 neighbour discovery answers (and asks from) configured addresses only, so no
    /// client learns this host's MAC for it (issue 20's quiet drain). `Ok(false)`: it was
    /// there already.
    pub fn add_local_route(&self, index: u32, addr: IpAddr) -> Result<bool> {
        let flags = (libc::NLM_F_ACK | libc::NLM_F_EXCL | libc::NLM_F_CREATE) as u16;
        self.local_route(libc::RTM_NEWROUTE, flags, index, addr, libc::EEXIST)
            .map_err(|e| Error::new(format!("cannot add the local route for {addr}"), e.0))
    }

    /// Removes what `add_local_route` added. `Ok(false)`: it was not there.
    pub fn remove_local_route(&self, index: u32, addr: IpAddr) -> Result<bool> {
        let flags = libc::NLM_F_ACK as u16;
        self.local_route(libc::RTM_DELROUTE, flags, index, addr, libc::ESRCH)
            .map_err(|e| Error::new(format!("cannot remove the local route for {addr}"), e.0))
    }

    /// One drain-route request; `Ok(false)` when the kernel answers `unchanged` (already
    /// there, or not there).
    fn local_route(
        &self,
        kind: u16,
        flags: u16,
        index: u32,
        addr: IpAddr,
        unchanged: i32,
    ) -> std::result::Result<bool, Failure> {
        let request = |seq| local_route_request(kind, flags, seq, index, addr);
        match self.exchange(request, 0, |_| {}) {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == unchanged => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn local_route_request(kind: u16, flags: u16, seq: u32, index: u32, addr: IpAddr) -> Vec<u8> {
    let (family, len) = match addr {
        IpAddr::V4(_) => (libc::AF_INET, 32),
        IpAddr::V6(_) => (libc::AF_INET6, 128),
    };
    Request::new(kind, flags, seq)
        .local_rtmsg(family as u8, len)
        .ip_attr(libc::RTA_DST, addr)
        .attr(libc::RTA_OIF, &index.to_ne_bytes())
        .attr(libc::RTA_PRIORITY, &DRAIN_METRIC.to_ne_bytes())
        .finish()
}

/// RTM_NEWADDR as `ip addr add` sends it: IFA_LOCAL and IFA_ADDRESS both the VIP, an IPv4
/// broadcast address below /31, IFA_F_NODAD for IPv6.
fn add_address_request(seq: u32, flags: u16, index: u32, vip: &Vip) -> Vec<u8> {
    let family = if vip.addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    let mut request = Request::new(libc::RTM_NEWADDR, flags, seq)
        .ifaddr(family as u8, vip.prefix, index)
        .ip_attr(libc::IFA_LOCAL, vip.addr)
        .ip_attr(libc::IFA_ADDRESS, vip.addr);
    match vip.addr {
        IpAddr::V4(v4) if vip.prefix < 31 => {
            let brd = u32::from(v4) | (u32::MAX >> vip.prefix);
            request = request.attr(libc::IFA_BROADCAST, &brd.to_be_bytes());
        }
        IpAddr::V4(_) => {}
        IpAddr::V6(_) => {
            request = request.attr(libc::IFA_FLAGS, &(libc::IFA_F_NODAD).to_ne_bytes());
        }
    }
    request.finish()
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
        let mut found = None;
        let mut ifname = name.as_bytes().to_vec();
        ifname.push(0);
        let request = |seq| {
            Request::new(libc::RTM_GETLINK, libc::NLM_F_ACK as u16, seq)
                .ifinfo(0, 0, 0)
                .attr(libc::IFLA_IFNAME, &ifname)
                .finish()
        };
        let kept = |body: &[u8]| found = link_message(body).map(link_facts);
        match self.exchange(request, libc::RTM_NEWLINK, kept) {
            Ok(()) => Ok(found),
            Err(e) if e.errno() == libc::ENODEV => Ok(None),
            Err(e) => Err(Error::new(format!("cannot look up interface {name}"), e.0)),
        }
    }

    /// Every interface sitting on `parent` (macvlans, VLANs).
    pub fn links_on(&self, parent: u32) -> Result<Vec<LinkFacts>> {
        let mut found = Vec::new();
        let request = |seq| {
            Request::new(libc::RTM_GETLINK, libc::NLM_F_DUMP as u16, seq)
                .ifinfo(0, 0, 0)
                .finish()
        };
        let each = |body: &[u8]| {
            if let Some(link) = link_message(body).filter(|l| l.parent == Some(parent)) {
                found.push(link_facts(link))
            }
        };
        self.exchange(request, libc::RTM_NEWLINK, each)
            .map_err(|e| Error::new("cannot list interfaces", e.0))?;
        Ok(found)
    }

    /// Creates macvlan `name` on `parent` in bridge mode with `mac`, down; its index.
    pub fn add_macvlan(&self, name: &str, parent: u32, mac: MacAddr) -> Result<u32> {
        let mut ifname = name.as_bytes().to_vec();
        ifname.push(0);
        let flags = (libc::NLM_F_ACK | libc::NLM_F_EXCL | libc::NLM_F_CREATE) as u16;
        let request = |seq| {
            Request::new(libc::RTM_NEWLINK, flags, seq)
                .ifinfo(0, 0, 0)
                .attr(libc::IFLA_IFNAME, &ifname)
                .attr(libc::IFLA_LINK, &parent.to_ne_bytes())
                .attr(libc::IFLA_ADDRESS, &mac.octets())
                .macvlan_bridge()
                .finish()
        };
        self.exchange(request, 0, |_| {})
            .map_err(|e| Error::new(format!("cannot create macvlan {name}"), e.0))?;
        match self.link(name)? {
            Some(link) => Ok(link.index),
            None => Err(Error::new(
                format!("cannot create macvlan {name}"),
                "it was gone right after it was created",
            )),
        }
    }

    pub fn set_up(&self, index: u32) -> Result<()> {
        let up = libc::IFF_UP as u32;
        let request = |seq| {
            Request::new(libc::RTM_NEWLINK, libc::NLM_F_ACK as u16, seq)
                .ifinfo(index, up, up)
                .finish()
        };
        self.exchange(request, 0, |_| {})
            .map_err(|e| Error::new(format!("cannot set interface {index} up"), e.0))
    }

    /// Deletes interface `index`; `Ok(false)` when it was gone already.
    pub fn del_link(&self, index: u32) -> Result<bool> {
        let request = |seq| {
            Request::new(libc::RTM_DELLINK, libc::NLM_F_ACK as u16, seq)
                .ifinfo(index, 0, 0)
                .finish()
        };
        match self.exchange(request, 0, |_| {}) {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == libc::ENODEV => Ok(false),
            Err(e) => Err(Error::new(format!("cannot delete interface {index}"), e.0)),
        }
    }
}

fn link_facts(link: LinkMessage) -> LinkFacts {
    LinkFacts {
        name: link.name.unwrap_or_default(),
        index: link.index,
        parent: link.parent,
        mac: link.mac,
        macvlan: link.kind.as_deref() == Some("macvlan"),
    }
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
    let groups = (libc::RTMGRP_LINK | libc::RTMGRP_IPV4_IFADDR | libc::RTMGRP_IPV6_IFADDR) as u32;
    let fd = open_socket(groups)
        .map_err(|e| Error::new("cannot subscribe to netlink link and address events", e))?;
    let name = name.to_string();
    thread::Builder::new()
        .name("netlink-monitor".into())
        .spawn(move || watch(fd, &name, index, report))
        .map_err(|e| Error::new("cannot start the netlink monitor thread", e))?;
    Ok(())
}

fn watch(fd: OwnedFd, name: &str, mut index: u32, report: impl Fn(NetEvent) -> bool) {
    let mut buf = vec![0u8; DATAGRAM];
    loop {
        let n = match recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()) {
            Ok(n) => n,
            // ENOBUFS: the kernel dropped notifications while we were slow; the next ones
            // still come, and the loop's own checks find a missing VIP.
            Err(Errno::EINTR | Errno::ENOBUFS) => continue,
            Err(_) => return,
        };
        for message in messages(&buf[..n]) {
            let Some(event) = event_of(name, index, message.kind, message.body) else {
                continue;
            };
            if let NetEvent::LinkAppeared { index: new, .. } = event {
                index = new;
            }
            if !report(event) {
                return;
            }
        }
    }
}

fn event_of(name: &str, index: u32, kind: u16, body: &[u8]) -> Option<NetEvent> {
    match kind {
        libc::RTM_NEWLINK => {
            let link = link_message(body)?;
            if link.index != index && link.name.as_deref() == Some(name) {
                Some(NetEvent::LinkAppeared {
                    index: link.index,
                    up: link.up(),
                })
            } else if link.index == index {
                Some(NetEvent::Link(link.up()))
            } else {
                None
            }
        }
        libc::RTM_DELLINK => link_message(body)
            .filter(|l| l.index == index)
            .map(|_| NetEvent::LinkGone),
        libc::RTM_DELADDR => addr_message(body).map(|a| NetEvent::AddressRemoved {
            index: a.index,
            addr: a.addr,
        }),
        _ => None,
    }
}

/// Whether the kernel routes `addr` to this host yet. An IPv6 address is in the interface's
/// list when the netlink add returns, but its local route is installed later, by the
/// kernel's address work (addrconf_dad_work, also with NODAD): a packet to it in between is
/// dropped. Captured in a lab: the first probe after a takeover's NA, 0.6 ms after it, got
/// no reply; the MLD report 9 ms later marked the route. The node announces only once the
/// route is there (node/actions.rs). IPv4 routes come with the add itself.
pub fn local_route_ready(addr: Ipv6Addr) -> bool {
    let table = std::fs::read_to_string("/proc/net/ipv6_route").unwrap_or_default();
    has_local_route(&table, addr)
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

    /// `ip route add local 2001:db8::250 dev IF table local metric 1024 proto static`, as
    /// `ip -d monitor` shows it: rtmsg family, /128, table local (255), proto static (4),
    /// scope host (254), type local (2); then RTA_DST, RTA_OIF, RTA_PRIORITY.
    #[test]
    fn a_drain_route_request_is_a_host_route_of_type_local() {
        let vip: IpAddr = "2001:db8::250".parse().unwrap();
        let req = local_route_request(libc::RTM_NEWROUTE, 0, 9, 7, vip);
        assert_eq!(
            u32::from_ne_bytes(req[0..4].try_into().unwrap()) as usize,
            req.len()
        );
        assert_eq!(
            u16::from_ne_bytes(req[4..6].try_into().unwrap()),
            libc::RTM_NEWROUTE
        );
        assert_eq!(&req[16..24], &[10, 128, 0, 0, 255, 4, 254, 2]);
        let mut attrs = Vec::new();
        let mut rest = &req[28..];
        while rest.len() >= 4 {
            let len = u16::from_ne_bytes([rest[0], rest[1]]) as usize;
            let kind = u16::from_ne_bytes([rest[2], rest[3]]);
            attrs.push((kind, rest[4..len].to_vec()));
            rest = &rest[(len + 3) & !3..];
        }
        let IpAddr::V6(v6) = vip else { unreachable!() };
        assert_eq!(
            attrs,
            vec![
                (libc::RTA_DST, v6.octets().to_vec()),
                (libc::RTA_OIF, 7u32.to_ne_bytes().to_vec()),
                (libc::RTA_PRIORITY, DRAIN_METRIC.to_ne_bytes().to_vec()),
            ]
        );
        let v4 = local_route_request(libc::RTM_DELROUTE, 0, 9, 7, "192.0.2.250".parse().unwrap());
        assert_eq!(&v4[16..18], &[2, 32]);
    }

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

//! What `vipflip run`'s loop does to the world, behind one trait: the real node (sockets,
//! netlink, hooks, systemd) here, a recording fake in the loop's unit tests (run_tests.rs),
//! so the loop's handling of events is tested without root.

use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::BorrowedFd;
use std::sync::Arc;
use std::time::SystemTime;

use super::edges::{start_claim_watch, EventTx};
use crate::config::RunConfig;
use crate::error::Result;
use crate::net::frames::FrameSocket;
use crate::net::hooks::{HookRunner, Job};
use crate::net::iface::{forwards_ipv6, Interface};
use crate::net::netlink::Netlink;
use crate::net::notify::Notifier;
use crate::net::vmac::{Vmac, VmacChange};
use crate::net::vrrp_socket::Routine;
use crate::net::vrrp_socket::VrrpSocket;
use crate::vip::Vip;
use crate::wire::announce::{virtual_mac, MacAddr};
use crate::wire::V3Checksum;
use crate::wire::{Advert, Received};

/// Where the VIPs go and the MAC their announcements carry: the interface itself, or its
/// virtual MAC interface (--vmac).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct VipLink {
    pub(super) index: u32,
    pub(super) mac: MacAddr,
}

pub(super) trait NodeIo {
    fn send_advert(&mut self, advert: &Advert, source: IpAddr, form: V3Checksum) -> io::Result<()>;
    /// A gratuitous ARP or unsolicited NA, a whole Ethernet frame.
    fn send_frame(&mut self, frame: &[u8]) -> io::Result<()>;
    /// The same out of another device that holds VIPs (keepalived's `dev X` on an address).
    fn send_frame_on(&mut self, _index: u32, frame: &[u8]) -> io::Result<()> {
        self.send_frame(frame)
    }
    /// Where `addr` goes when it is on another device than the VIPs' interface.
    fn other_link(&self, _addr: IpAddr) -> Option<VipLink> {
        None
    }
    /// `Ok(true)` when added, `Ok(false)` when the interface had it already.
    fn add_vip(&mut self, index: u32, vip: &Vip) -> Result<bool>;
    /// `Ok(true)` when removed, `Ok(false)` when the interface did not have it.
    fn remove_vip(&mut self, index: u32, vip: &Vip) -> Result<bool>;
    /// A drain's local route for `addr` (netlink::add_local_route); `Ok(false)`: already
    /// there.
    fn add_local_route(&mut self, index: u32, addr: IpAddr) -> Result<bool>;
    /// `Ok(false)`: it was not there.
    fn remove_local_route(&mut self, index: u32, addr: IpAddr) -> Result<bool>;
    /// Whether the kernel answers no ARP request for an address that is only a local route
    /// on `iface`, and asks for no neighbour from it: arp_ignore 1 or more and arp_announce 2
    /// (the larger of `all` and the interface's, as the kernel reads them).
    fn arp_quiet(&self, iface: &str) -> bool;
    /// Whether the interface has `addr` now (an unreadable list counts as no).
    fn has_addr(&self, index: u32, addr: IpAddr) -> bool;
    fn forwards_ipv6(&self, iface: &str) -> bool;
    /// Whether the kernel routes the IPv6 VIP `addr` to this host yet (its local route comes
    /// a little after the add).
    fn local_route_ready(&self, _addr: Ipv6Addr) -> bool {
        true
    }
    fn lookup(&self, name: &str) -> Result<Interface>;
    /// New sockets and reader threads on a re-created interface (and a new virtual MAC
    /// interface on it); failures of the new socket are reported with `generation`.
    fn reopen(
        &mut self,
        iface: &Interface,
        source: IpAddr,
        generation: u32,
    ) -> Result<(VipLink, Vec<VmacChange>)>;
    /// At exit, after the VIPs are removed: undo what was set up (the virtual MAC interface).
    fn close(&mut self) -> Vec<VmacChange>;
    fn run_hook(&mut self, job: Job);
    /// Waits for the hooks already queued.
    fn finish_hooks(&mut self);
    /// A message for systemd's notify socket, when run under Type=notify.
    fn notify_systemd(&self, message: &str);
    /// The VRRP socket the loop polls, when this node receives (not for a muted socket).
    fn receive_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
    /// The next packet on it if one is there, else `WouldBlock`; `buf` is the loop's, reused
    /// for every packet (vrrp_socket::RECEIVE_BUFFER bytes).
    fn receive(&self, _buf: &mut [u8]) -> io::Result<Option<crate::wire::Received>> {
        Err(io::ErrorKind::WouldBlock.into())
    }
    /// Whether this node has a queue for routine adverts (vrrp_socket::Routine).
    fn keeps_routine(&self) -> bool {
        false
    }
    /// Routine adverts to the queue, the rest to the socket the loop polls; `None`: all there.
    fn set_routine(&mut self, _routine: Option<&Routine>) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// The next routine advert kept, with its arrival time, else `WouldBlock`.
    fn receive_routine(&self, _buf: &mut [u8]) -> io::Result<Option<(Received, SystemTime)>> {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// The VIPs' side of the node: their interface (the virtual MAC one with --vmac), the socket
/// announcements leave from, and the socket adverts leave from when it is not the parent's.
pub(super) struct VipSide {
    pub(super) link: VipLink,
    frames: FrameSocket,
    sender: Option<VrrpSocket>,
    vmac: Option<Vmac>,
    /// VIPs on other devices: the address, its device's link, and a socket to announce on.
    others: Vec<(IpAddr, VipLink, Arc<FrameSocket>)>,
}

impl VipSide {
    /// On `iface` itself, or (--vmac) on a new virtual MAC interface on it.
    pub(super) fn open(
        cfg: &RunConfig,
        iface: &Interface,
        source: IpAddr,
    ) -> Result<(VipSide, Vec<VmacChange>)> {
        let (mut side, said) = VipSide::open_own(cfg, iface, source)?;
        side.others = others(cfg)?;
        Ok((side, said))
    }

    fn open_own(
        cfg: &RunConfig,
        iface: &Interface,
        source: IpAddr,
    ) -> Result<(VipSide, Vec<VmacChange>)> {
        let Some(name) = &cfg.vmac else {
            let side = VipSide {
                link: VipLink {
                    index: iface.index,
                    mac: iface.mac,
                },
                frames: FrameSocket::open(iface.index, false)?,
                sender: None,
                vmac: None,
                others: Vec::new(),
            };
            return Ok((side, Vec::new()));
        };
        let mac = virtual_mac(cfg.vrid, cfg.family());
        let (vmac, said) = Vmac::create(iface, name, mac, cfg.family())?;
        // Unicast adverts leave from the parent (keepalived's vmac_xmit_base): they are
        // routed to each peer, and the virtual MAC interface has no route of its own.
        let sender = if cfg.unicast_peers.is_empty() {
            Some(VrrpSocket::open_sender(&vmac.name, vmac.index, source)?)
        } else {
            None
        };
        let side = VipSide {
            link: VipLink {
                index: vmac.index,
                mac: vmac.mac,
            },
            frames: FrameSocket::open(vmac.index, false)?,
            sender,
            vmac: Some(vmac),
            others: Vec::new(),
        };
        Ok((side, said))
    }

    /// The interface the claim watch reads, with the MAC that is ours to announce.
    pub(super) fn claim_iface(&self, iface: &Interface) -> Interface {
        Interface {
            mac: self.link.mac,
            ..iface.clone()
        }
    }
}

/// The devices of VIPs that are not on the interface, each looked up once, with a socket
/// to announce on.
fn others(cfg: &RunConfig) -> Result<Vec<(IpAddr, VipLink, Arc<FrameSocket>)>> {
    let mut opened: Vec<(String, VipLink, Arc<FrameSocket>)> = Vec::new();
    let mut out = Vec::new();
    for (addr, dev) in &cfg.vip_devs {
        if !opened.iter().any(|(d, ..)| d == dev) {
            let iface = Interface::lookup(dev).map_err(|e| crate::error::Error {
                what: format!("the device of VIP {addr}: {}", e.what),
                ..e
            })?;
            let link = VipLink {
                index: iface.index,
                mac: iface.mac,
            };
            let frames = Arc::new(FrameSocket::open(iface.index, false)?);
            opened.push((dev.clone(), link, frames));
        }
        if let Some((_, link, frames)) = opened.iter().find(|(d, ..)| d == dev) {
            out.push((*addr, *link, Arc::clone(frames)));
        }
    }
    Ok(out)
}

/// The real node: what `run` opened before the machine started.
pub(super) struct RealIo {
    pub(super) socket: Arc<VrrpSocket>,
    pub(super) side: VipSide,
    pub(super) netlink: Netlink,
    pub(super) hooks: Option<HookRunner>,
    pub(super) systemd: Option<Notifier>,
    /// For the threads of a re-created interface.
    pub(super) tx: EventTx,
    pub(super) cfg: RunConfig,
    /// This node's socket receives (for every group sharing it); otherwise it is muted.
    pub(super) receives: bool,
    /// A backup's routine adverts wait here (`VrrpSocket::open_queue`): a node that
    /// receives for itself alone, at adverts of 100 ms or less.
    pub(super) queue: Option<VrrpSocket>,
}

impl NodeIo for RealIo {
    fn send_advert(&mut self, advert: &Advert, source: IpAddr, form: V3Checksum) -> io::Result<()> {
        let socket = self.side.sender.as_ref().unwrap_or(&self.socket);
        socket.send_advert(advert, source, form)
    }

    fn send_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        self.side.frames.send(frame)
    }

    fn send_frame_on(&mut self, index: u32, frame: &[u8]) -> io::Result<()> {
        match self
            .side
            .others
            .iter()
            .find(|(_, link, _)| link.index == index)
        {
            Some((_, _, frames)) => frames.send(frame),
            None => self.side.frames.send(frame),
        }
    }

    fn other_link(&self, addr: IpAddr) -> Option<VipLink> {
        self.side
            .others
            .iter()
            .find(|(a, ..)| *a == addr)
            .map(|(_, link, _)| *link)
    }

    fn add_vip(&mut self, index: u32, vip: &Vip) -> Result<bool> {
        self.netlink.add(index, vip)
    }

    fn remove_vip(&mut self, index: u32, vip: &Vip) -> Result<bool> {
        self.netlink.remove(index, vip)
    }

    fn add_local_route(&mut self, index: u32, addr: IpAddr) -> Result<bool> {
        self.netlink.add_local_route(index, addr)
    }

    fn remove_local_route(&mut self, index: u32, addr: IpAddr) -> Result<bool> {
        self.netlink.remove_local_route(index, addr)
    }

    fn arp_quiet(&self, iface: &str) -> bool {
        let knob = |name| {
            let all = crate::net::sysctl::read("ipv4", "all", name).unwrap_or(0);
            all.max(crate::net::sysctl::read("ipv4", iface, name).unwrap_or(0))
        };
        knob("arp_ignore") >= 1 && knob("arp_announce") >= 2
    }

    fn has_addr(&self, index: u32, addr: IpAddr) -> bool {
        self.netlink
            .addrs(index)
            .is_ok_and(|addrs| addrs.iter().any(|a| a.addr == addr))
    }

    fn forwards_ipv6(&self, iface: &str) -> bool {
        forwards_ipv6(iface)
    }

    fn local_route_ready(&self, addr: Ipv6Addr) -> bool {
        crate::net::netlink::local_route_ready(addr)
    }

    fn lookup(&self, name: &str) -> Result<Interface> {
        Interface::lookup(name)
    }

    fn reopen(
        &mut self,
        iface: &Interface,
        source: IpAddr,
        _generation: u32,
    ) -> Result<(VipLink, Vec<VmacChange>)> {
        let peers = &self.cfg.unicast_peers;
        let socket = Arc::new(VrrpSocket::open(&iface.name, iface.index, source, peers)?);
        // The old virtual MAC interface and the old parent's settings went with it.
        if let Some(old) = self.side.vmac.as_mut() {
            old.forget();
        }
        let (side, said) = VipSide::open(&self.cfg, iface, source)?;
        start_claim_watch(&self.cfg.vips, &side.claim_iface(iface), &self.tx)?;
        if !self.receives {
            socket.mute()?;
        }
        if self.queue.is_some() {
            self.queue = Some(VrrpSocket::open_queue(
                &iface.name,
                iface.index,
                source,
                peers,
            )?);
        }
        self.socket = socket;
        self.side = side;
        Ok((self.side.link, said))
    }

    fn close(&mut self) -> Vec<VmacChange> {
        self.side.vmac.as_mut().map(Vmac::close).unwrap_or_default()
    }

    fn run_hook(&mut self, job: Job) {
        if let Some(hooks) = &self.hooks {
            hooks.run(job);
        }
    }

    fn finish_hooks(&mut self) {
        if let Some(mut hooks) = self.hooks.take() {
            hooks.finish();
        }
    }

    fn notify_systemd(&self, message: &str) {
        if let Some(systemd) = &self.systemd {
            systemd.send(message);
        }
    }

    fn receive_fd(&self) -> Option<BorrowedFd<'_>> {
        self.receives.then(|| self.socket.fd())
    }

    fn receive(&self, buf: &mut [u8]) -> io::Result<Option<crate::wire::Received>> {
        self.socket.recv_now(buf)
    }

    fn keeps_routine(&self) -> bool {
        self.queue.is_some()
    }

    fn set_routine(&mut self, routine: Option<&Routine>) -> io::Result<()> {
        match &self.queue {
            Some(queue) => self.socket.set_routine(queue, routine),
            None => Err(io::ErrorKind::Unsupported.into()),
        }
    }

    fn receive_routine(&self, buf: &mut [u8]) -> io::Result<Option<(Received, SystemTime)>> {
        match &self.queue {
            Some(queue) => queue.recv_stamped(buf),
            None => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

//! What vipflip needs to know about an interface, read with getifaddrs(3).

use std::net::{IpAddr, Ipv6Addr};

use nix::ifaddrs::getifaddrs;
use nix::net::if_::InterfaceFlags;

use crate::error::{Error, Result};
use crate::wire::announce::MacAddr;

#[derive(Debug, Clone)]
pub struct Interface {
    pub name: String,
    pub index: u32,
    pub mac: MacAddr,
    /// Administratively up and carrier present.
    pub up: bool,
    /// Addresses in kernel order (an IPv4 primary comes before its secondaries).
    pub addrs: Vec<IpAddr>,
}

impl Interface {
    pub fn lookup(name: &str) -> Result<Interface> {
        let index = nix::net::if_::if_nametoindex(name).map_err(|_| {
            Error::new(
                format!("unknown interface '{name}'"),
                "no such network interface",
            )
            .hint("list the interfaces with: ip -br link")
        })?;
        let entries = getifaddrs().map_err(|e| Error::new("cannot list interface addresses", e))?;
        let mut iface = Interface {
            name: name.to_string(),
            index,
            mac: MacAddr::zero(),
            up: false,
            addrs: Vec::new(),
        };
        for entry in entries.filter(|e| e.interface_name == name) {
            iface.up = entry
                .flags
                .contains(InterfaceFlags::IFF_UP | InterfaceFlags::IFF_RUNNING);
            let Some(addr) = entry.address else { continue };
            if let Some(link) = addr.as_link_addr().and_then(|l| l.addr()) {
                iface.mac = MacAddr::from(link);
            } else if let Some(v4) = addr.as_sockaddr_in() {
                iface.addrs.push(IpAddr::V4(v4.ip()));
            } else if let Some(v6) = addr.as_sockaddr_in6() {
                iface.addrs.push(IpAddr::V6(v6.ip()));
            }
        }
        Ok(iface)
    }

    /// The address adverts are sent from: the first IPv4 address that is not a VIP, or the
    /// IPv6 link-local address (RFC 5798 §5.1.2.2).
    pub fn primary(&self, ipv4: bool, vips: &[IpAddr]) -> Option<IpAddr> {
        self.addrs.iter().copied().find(|a| match a {
            IpAddr::V4(_) => ipv4 && !vips.contains(a),
            IpAddr::V6(v6) => !ipv4 && is_link_local(*v6),
        })
    }
}

pub fn is_link_local(addr: Ipv6Addr) -> bool {
    addr.segments()[0] & 0xffc0 == 0xfe80
}

/// Whether `name` forwards IPv6 (it is a router there): then neighbour advertisements for a
/// VIP carry the Router flag. Unreadable counts as not forwarding.
pub fn forwards_ipv6(name: &str) -> bool {
    std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{name}/forwarding"))
        .is_ok_and(|v| v.trim() == "1")
}

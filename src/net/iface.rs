//! What vipflip needs to know about an interface, read with getifaddrs(3).

use std::net::IpAddr;

use nix::ifaddrs::getifaddrs;
use nix::net::if_::InterfaceFlags;

use crate::error::{Error, Result};
use crate::wire::announce::MacAddr;
use crate::wire::Family;

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

    /// The address adverts are sent from: the first IPv4 address, or the first IPv6
    /// link-local address (RFC 5798 §5.1.2.2), that is not a VIP. A link-local VIP (RFC 5798
    /// §5.2.9 puts one first) or its stale copy after a kill -9 is never the source.
    pub fn primary(&self, family: Family, vips: &[IpAddr]) -> Option<IpAddr> {
        self.addrs.iter().copied().find(|a| {
            !vips.contains(a)
                && match (a, family) {
                    (IpAddr::V4(_), Family::V4) => true,
                    (IpAddr::V6(v6), Family::V6) => v6.is_unicast_link_local(),
                    _ => false,
                }
        })
    }

    /// Whether `addr` is the interface's own address, never a VIP to remove (removing it would
    /// cut the node off): the first IPv4 address (the kernel lists an interface's first
    /// address before those added later, VIPs among them), or its only IPv6 link-local
    /// address (a second link-local one may be a VIP). The same rule as `primary`.
    pub fn is_primary(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(_) => self.primary(Family::V4, &[]) == Some(addr),
            IpAddr::V6(v6) => {
                v6.is_unicast_link_local() && self.primary(Family::V6, &[addr]).is_none()
            }
        }
    }
}

/// Whether `name` forwards IPv6 (it is a router there): then neighbour advertisements for a
/// VIP carry the Router flag. Unreadable counts as not forwarding.
pub fn forwards_ipv6(name: &str) -> bool {
    std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{name}/forwarding"))
        .is_ok_and(|v| v.trim() == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(addrs: &[&str]) -> Interface {
        Interface {
            name: "eth0".into(),
            index: 2,
            mac: MacAddr::zero(),
            up: true,
            addrs: addrs.iter().map(|a| a.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn the_own_address_is_the_advert_source_and_never_a_vip_to_remove() {
        let node = iface(&["192.0.2.201", "192.0.2.250", "fe80::c0ff:fe00:2c9"]);
        let is = |a: &str| node.is_primary(a.parse().unwrap());
        assert!(is("192.0.2.201"), "the first IPv4 address");
        assert!(!is("192.0.2.250"), "an address added after it");
        assert!(is("fe80::c0ff:fe00:2c9"), "the only link-local");
        let two = iface(&["fe80::250", "fe80::c0ff:fe00:2c9"]);
        assert!(
            !two.is_primary("fe80::250".parse().unwrap()),
            "a second link-local"
        );
        assert!(
            !node.is_primary("2001:db8::250".parse().unwrap()),
            "a global IPv6"
        );
        assert_eq!(
            node.primary(Family::V4, &[]),
            Some("192.0.2.201".parse().unwrap()),
            "the address adverts come from is the one never removed"
        );
    }

    #[test]
    fn the_advert_source_is_never_a_vip() {
        let vips: Vec<IpAddr> = ["fe80::250", "2001:db8::250"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        // A stale link-local VIP listed before the kernel's own link-local.
        let stale = iface(&["2001:db8::250", "fe80::250", "fe80::c0ff:fe00:2c9"]);
        assert_eq!(
            stale.primary(Family::V6, &vips),
            Some("fe80::c0ff:fe00:2c9".parse().unwrap())
        );
        assert_eq!(iface(&["fe80::250"]).primary(Family::V6, &vips), None);
        let v4: Vec<IpAddr> = vec!["192.0.2.250".parse().unwrap()];
        let held = iface(&["192.0.2.250", "192.0.2.201"]);
        assert_eq!(
            held.primary(Family::V4, &v4),
            Some("192.0.2.201".parse().unwrap())
        );
    }
}

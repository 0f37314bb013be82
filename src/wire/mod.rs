//! Bytes on the wire, pure: VRRP adverts (v2/v3, IPv4/IPv6, both v3 IPv4 checksum forms),
//! the IPv4 header of received raw packets, and the announcement frames (gratuitous ARP,
//! unsolicited neighbour advertisement). No sockets, no clock.

pub mod announce;
pub mod checksum;
pub mod echo;
pub mod frame;
pub mod ipv4;
pub mod vrrp;

pub use vrrp::{Advert, Auth, ChecksumForm, Received, V3Checksum, Version, WireError};

use std::net::IpAddr;

/// An address family: what a VRRP instance, its socket, its announcements and its virtual
/// MAC are for. IPv4 sorts first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(addr: IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    pub fn is_v4(self) -> bool {
        self == Family::V4
    }

    /// `IPv4` or `IPv6`, as lines say it.
    pub fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }

    /// `ipv4` or `ipv6`, as JSON fields and /proc/sys paths say it.
    pub fn key(self) -> &'static str {
        match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        }
    }
}

#[cfg(test)]
pub mod pcap_fixture;

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

#[cfg(test)]
pub mod pcap_fixture;

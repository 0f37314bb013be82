//! Frames that tell the segment where a VIP lives now: gratuitous ARP (IPv4) and unsolicited
//! neighbour advertisement (IPv6), laid out exactly as keepalived sends them, and the
//! who-has questions `probe` asks. Built with pnet's packet types.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use pnet_base::MacAddr;
use pnet_packet::arp::{
    ArpHardwareTypes, ArpOperation, ArpOperations, ArpPacket, MutableArpPacket,
};
use pnet_packet::ethernet::{EtherTypes, EthernetPacket, MutableEthernetPacket};
use pnet_packet::icmpv6::ndp::{
    MutableNeighborAdvertPacket, MutableNeighborSolicitPacket, NdpOption, NdpOptionTypes,
    NeighborAdvertFlags, NeighborAdvertPacket,
};
use pnet_packet::icmpv6::{self, Icmpv6Code, Icmpv6Packet, Icmpv6Types};
use pnet_packet::ip::IpNextHeaderProtocols;
use pnet_packet::ipv6::{Ipv6Packet, MutableIpv6Packet};
use pnet_packet::Packet;

const ETH_LEN: usize = 14;
const ARP_LEN: usize = 28;
const IPV6_LEN: usize = 40;
/// ICMPv6 NA/NS (24 bytes) plus one 8-byte link-layer address option.
const ND_LEN: usize = 32;
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

fn ethernet(
    buf: &mut [u8],
    dst: MacAddr,
    src: MacAddr,
    ethertype: pnet_packet::ethernet::EtherType,
) {
    if let Some(mut eth) = MutableEthernetPacket::new(buf) {
        eth.set_destination(dst);
        eth.set_source(src);
        eth.set_ethertype(ethertype);
    }
}

fn arp_frame(
    op: ArpOperation,
    mac: MacAddr,
    sender: Ipv4Addr,
    target: Ipv4Addr,
    target_mac: MacAddr,
) -> Vec<u8> {
    let mut buf = vec![0u8; ETH_LEN + ARP_LEN];
    ethernet(&mut buf, MacAddr::broadcast(), mac, EtherTypes::Arp);
    if let Some(mut arp) = MutableArpPacket::new(&mut buf[ETH_LEN..]) {
        arp.set_hardware_type(ArpHardwareTypes::Ethernet);
        arp.set_protocol_type(EtherTypes::Ipv4);
        arp.set_hw_addr_len(6);
        arp.set_proto_addr_len(4);
        arp.set_operation(op);
        arp.set_sender_hw_addr(mac);
        arp.set_sender_proto_addr(sender);
        arp.set_target_hw_addr(target_mac);
        arp.set_target_proto_addr(target);
    }
    buf
}

/// The virtual router MAC of RFC 5798 §7.3: 00:00:5e:00:01:VRID (IPv4), 00:00:5e:00:02:VRID
/// (IPv6).
pub fn virtual_mac(vrid: u8, family: super::Family) -> MacAddr {
    let kind = match family {
        super::Family::V4 => 1,
        super::Family::V6 => 2,
    };
    MacAddr(0, 0, 0x5e, 0, kind, vrid)
}

/// Whether `mac` is an IPv4 VRRP virtual router MAC (00:00:5e:00:01:xx).
pub fn is_ipv4_virtual_mac(mac: MacAddr) -> bool {
    mac.octets()[..5] == [0, 0, 0x5e, 0, 1]
}

/// Gratuitous ARP for `vip` from `mac`: a broadcast request with sender = target = VIP.
pub fn gratuitous_arp(mac: MacAddr, vip: Ipv4Addr) -> Vec<u8> {
    arp_frame(ArpOperations::Request, mac, vip, vip, MacAddr::broadcast())
}

/// ARP who-has `target`, asked from `sender` (probe's duplicate-holder check).
pub fn arp_request(mac: MacAddr, sender: Ipv4Addr, target: Ipv4Addr) -> Vec<u8> {
    arp_frame(ArpOperations::Request, mac, sender, target, MacAddr::zero())
}

/// The sender of an ARP reply for `target`, if `frame` is one.
pub fn arp_reply_for(frame: &[u8], target: Ipv4Addr) -> Option<MacAddr> {
    let eth = EthernetPacket::new(frame)?;
    if eth.get_ethertype() != EtherTypes::Arp {
        return None;
    }
    let arp = ArpPacket::new(eth.payload())?;
    (arp.get_operation() == ArpOperations::Reply && arp.get_sender_proto_addr() == target)
        .then(|| arp.get_sender_hw_addr())
}

fn ipv6_frame(eth_dst: MacAddr, mac: MacAddr, src: Ipv6Addr, dst: Ipv6Addr) -> Vec<u8> {
    let mut buf = vec![0u8; ETH_LEN + IPV6_LEN + ND_LEN];
    ethernet(&mut buf, eth_dst, mac, EtherTypes::Ipv6);
    if let Some(mut ip) = MutableIpv6Packet::new(&mut buf[ETH_LEN..ETH_LEN + IPV6_LEN]) {
        ip.set_version(6);
        ip.set_payload_length(ND_LEN as u16);
        ip.set_next_header(IpNextHeaderProtocols::Icmpv6);
        ip.set_hop_limit(255);
        ip.set_source(src);
        ip.set_destination(dst);
    }
    buf
}

fn set_icmpv6_checksum(buf: &mut [u8], src: Ipv6Addr, dst: Ipv6Addr) {
    let body = ETH_LEN + IPV6_LEN;
    let sum = Icmpv6Packet::new(&buf[body..]).map(|p| icmpv6::checksum(&p, &src, &dst));
    if let Some(sum) = sum {
        buf[body + 2..body + 4].copy_from_slice(&sum.to_be_bytes());
    }
}

fn lladdr_option(kind: pnet_packet::icmpv6::ndp::NdpOptionType, mac: MacAddr) -> NdpOption {
    NdpOption {
        option_type: kind,
        length: 1,
        data: mac.octets().to_vec(),
    }
}

/// Unsolicited neighbour advertisement for `vip` (Override set, to all nodes), as keepalived
/// sends it: source is the VIP itself. `router`: the Router flag too, as FRR sets it when the
/// interface forwards; without it clients that use the VIP as a gateway drop it from their
/// router list (RFC 4861 §7.2.5: IsRouter follows the flag of the latest advertisement).
pub fn unsolicited_na(mac: MacAddr, vip: Ipv6Addr, router: bool) -> Vec<u8> {
    let multicast = MacAddr(0x33, 0x33, 0, 0, 0, 1);
    let mut buf = ipv6_frame(multicast, mac, vip, ALL_NODES);
    if let Some(mut na) = MutableNeighborAdvertPacket::new(&mut buf[ETH_LEN + IPV6_LEN..]) {
        na.set_icmpv6_type(Icmpv6Types::NeighborAdvert);
        na.set_icmpv6_code(Icmpv6Code(0));
        let router_flag = if router {
            NeighborAdvertFlags::Router
        } else {
            0
        };
        na.set_flags(NeighborAdvertFlags::Override | router_flag);
        na.set_target_addr(vip);
        na.set_options(&[lladdr_option(NdpOptionTypes::TargetLLAddr, mac)]);
    }
    set_icmpv6_checksum(&mut buf, vip, ALL_NODES);
    buf
}

/// The solicited-node multicast address of `target` (RFC 4291 §2.7.1).
fn solicited_node(target: Ipv6Addr) -> Ipv6Addr {
    let o = target.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(o[13]),
        u16::from_be_bytes([o[14], o[15]]),
    )
}

/// Neighbour solicitation for `target` from `src` (probe's duplicate-holder check).
pub fn neighbour_solicitation(mac: MacAddr, src: Ipv6Addr, target: Ipv6Addr) -> Vec<u8> {
    let dst = solicited_node(target);
    let d = dst.octets();
    let eth_dst = MacAddr(0x33, 0x33, d[12], d[13], d[14], d[15]);
    let mut buf = ipv6_frame(eth_dst, mac, src, dst);
    if let Some(mut ns) = MutableNeighborSolicitPacket::new(&mut buf[ETH_LEN + IPV6_LEN..]) {
        ns.set_icmpv6_type(Icmpv6Types::NeighborSolicit);
        ns.set_icmpv6_code(Icmpv6Code(0));
        ns.set_target_addr(target);
        ns.set_options(&[lladdr_option(NdpOptionTypes::SourceLLAddr, mac)]);
    }
    set_icmpv6_checksum(&mut buf, src, dst);
    buf
}

/// The sender of a neighbour advertisement for `target`, if `frame` is one.
pub fn na_for(frame: &[u8], target: Ipv6Addr) -> Option<MacAddr> {
    let eth = EthernetPacket::new(frame)?;
    if eth.get_ethertype() != EtherTypes::Ipv6 {
        return None;
    }
    let ip = Ipv6Packet::new(eth.payload())?;
    if ip.get_next_header() != IpNextHeaderProtocols::Icmpv6 {
        return None;
    }
    let na = NeighborAdvertPacket::new(ip.payload())?;
    (na.get_icmpv6_type() == Icmpv6Types::NeighborAdvert && na.get_target_addr() == target)
        .then(|| eth.get_source())
}

/// The address and MAC a frame says an address lives at: the sender of any ARP packet (a
/// gratuitous ARP, a reply, or a request asked from that address), or the target of a
/// neighbour advertisement with its link-layer option (else the Ethernet source). What a
/// master watches for to win back clients another node's announcement moved. Frames
/// addressed to `own` alone claim nothing: the kernel of a node that holds the VIP answers our
/// gratuitous ARP with a reply to our MAC, which moves no client, and answering that reply
/// with another gratuitous ARP is a loop between the two nodes. Our own frames never get here
/// (the claim socket drops outgoing frames, net/frames.rs), so a frame by `own` is another
/// node's: with --vmac every master announces the same virtual MAC.
pub fn claim(frame: &[u8], own: MacAddr) -> Option<(IpAddr, MacAddr)> {
    let eth = EthernetPacket::new(frame)?;
    if eth.get_destination() == own {
        return None;
    }
    claim_in(&eth)
}

fn claim_in(eth: &EthernetPacket) -> Option<(IpAddr, MacAddr)> {
    match eth.get_ethertype() {
        EtherTypes::Arp => {
            let arp = ArpPacket::new(eth.payload())?;
            let ipv4_over_ethernet = arp.get_protocol_type() == EtherTypes::Ipv4
                && arp.get_hw_addr_len() == 6
                && arp.get_proto_addr_len() == 4;
            ipv4_over_ethernet.then(|| {
                (
                    IpAddr::V4(arp.get_sender_proto_addr()),
                    arp.get_sender_hw_addr(),
                )
            })
        }
        EtherTypes::Ipv6 => {
            let ip = Ipv6Packet::new(eth.payload())?;
            if ip.get_next_header() != IpNextHeaderProtocols::Icmpv6 {
                return None;
            }
            let na = NeighborAdvertPacket::new(ip.payload())?;
            if na.get_icmpv6_type() != Icmpv6Types::NeighborAdvert {
                return None;
            }
            let option_mac = na
                .get_options_iter()
                .find(|o| o.get_option_type() == NdpOptionTypes::TargetLLAddr)
                .and_then(|o| <[u8; 6]>::try_from(o.payload()).ok())
                .map(MacAddr::from);
            Some((
                IpAddr::V6(na.get_target_addr()),
                option_mac.unwrap_or(eth.get_source()),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pcap_fixture::frames;

    fn n1() -> MacAddr {
        MacAddr(0x02, 0x00, 0xc0, 0x00, 0x02, 0xc9)
    }

    fn n2() -> MacAddr {
        MacAddr(0x02, 0x00, 0xc0, 0x00, 0x02, 0xca)
    }

    #[test]
    fn gratuitous_arp_is_byte_identical_to_keepalived() {
        // keepalived-v2.pcap frame 6: n2's first gratuitous ARP after taking over.
        let captured = &frames("keepalived-v2.pcap")[5];
        assert_eq!(
            gratuitous_arp(n2(), Ipv4Addr::new(192, 0, 2, 250)),
            *captured
        );
    }

    #[test]
    fn unsolicited_na_is_byte_identical_to_keepalived() {
        // keepalived-v3-ipv6.pcap frame 6: n2's first unsolicited NA after taking over.
        let captured = &frames("keepalived-v3-ipv6.pcap")[5];
        let vip: Ipv6Addr = "2001:db8::250".parse().unwrap();
        assert_eq!(unsolicited_na(n2(), vip, false), *captured);
    }

    #[test]
    fn a_forwarding_node_sets_the_router_flag() {
        let vip: Ipv6Addr = "2001:db8::250".parse().unwrap();
        let na = unsolicited_na(n2(), vip, true);
        let flags = na[ETH_LEN + IPV6_LEN + 4];
        assert_eq!(
            flags, 0xa0,
            "Router (0x80) and Override (0x20), not Solicited"
        );
        let parsed = NeighborAdvertPacket::new(&na[ETH_LEN + IPV6_LEN..]).unwrap();
        let sum = icmpv6::checksum(
            &Icmpv6Packet::new(&na[ETH_LEN + IPV6_LEN..]).unwrap(),
            &vip,
            &ALL_NODES,
        );
        assert_eq!(parsed.get_checksum(), sum);
        assert_eq!(claim(&na, n1()), Some((IpAddr::V6(vip), n2())));
    }

    #[test]
    fn virtual_macs_by_family() {
        assert_eq!(
            virtual_mac(41, crate::wire::Family::V4),
            MacAddr(0, 0, 0x5e, 0, 1, 41)
        );
        assert!(is_ipv4_virtual_mac(virtual_mac(
            41,
            crate::wire::Family::V4
        )));
        assert!(
            !is_ipv4_virtual_mac(virtual_mac(41, crate::wire::Family::V6)),
            "IPv6's"
        );
        assert!(!is_ipv4_virtual_mac(n2()));
    }

    #[test]
    fn reply_matchers_reject_other_frames() {
        let garp = gratuitous_arp(n2(), Ipv4Addr::new(192, 0, 2, 250));
        assert_eq!(
            arp_reply_for(&garp, Ipv4Addr::new(192, 0, 2, 250)),
            None,
            "a request is no reply"
        );
        let mut reply = garp.clone();
        reply[ETH_LEN + 7] = 2; // opcode 2 = reply
        assert_eq!(
            arp_reply_for(&reply, Ipv4Addr::new(192, 0, 2, 250)),
            Some(n2())
        );
        assert_eq!(arp_reply_for(&reply, Ipv4Addr::new(192, 0, 2, 251)), None);
        let vip: Ipv6Addr = "2001:db8::250".parse().unwrap();
        let na = unsolicited_na(n2(), vip, false);
        assert_eq!(na_for(&na, vip), Some(n2()));
        assert_eq!(na_for(&garp, vip), None);
        assert_eq!(na_for(&na[..20], vip), None);
    }

    #[test]
    fn claims_are_read_from_keepalived_announcements() {
        // keepalived-v3-race-garp.pcap: every gratuitous ARP names the VIP and its sender.
        let vip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 250));
        let claims: Vec<(IpAddr, MacAddr)> = frames("keepalived-v3-race-garp.pcap")
            .iter()
            .filter_map(|f| claim(f, n1()))
            .collect();
        assert!(claims.len() >= 10, "{claims:?}");
        assert!(claims.iter().all(|(ip, _)| *ip == vip));
        let senders: std::collections::BTreeSet<String> =
            claims.iter().map(|(_, mac)| mac.to_string()).collect();
        assert_eq!(senders.len(), 2, "n2 and n3 both announced: {senders:?}");
        // keepalived-v3-ipv6.pcap frame 6: the NA's target and its link-layer option.
        let na = &frames("keepalived-v3-ipv6.pcap")[5];
        let vip6: Ipv6Addr = "2001:db8::250".parse().unwrap();
        assert_eq!(claim(na, n1()), Some((IpAddr::V6(vip6), n2())));
        // VRRP adverts, truncated frames and solicitations claim nothing.
        let advert = &frames("keepalived-v3-ipv6.pcap")[0];
        assert_eq!(claim(advert, n1()), None);
        assert_eq!(claim(&na[..30], n1()), None);
        let ns = neighbour_solicitation(n2(), "fe80::1".parse().unwrap(), vip6);
        assert_eq!(claim(&ns, n1()), None);
        // Another node's announcement by our MAC (--vmac: the same virtual MAC) is a claim;
        // our own never reach claim() (the socket drops outgoing frames).
        assert_eq!(claim(na, n2()), Some((IpAddr::V6(vip6), n2())));
    }

    #[test]
    fn a_reply_to_our_own_gratuitous_arp_is_no_claim() {
        // n2 holds the VIP too; its kernel answers n1's gratuitous ARP (who-has .250 tell
        // .250) with a reply to n1's MAC. Only n1 receives it: no client moves.
        let vip = Ipv4Addr::new(192, 0, 2, 250);
        let mut reply = gratuitous_arp(n2(), vip);
        reply[..6].copy_from_slice(&n1().octets());
        reply[ETH_LEN + 7] = 2;
        reply[ETH_LEN + 18..ETH_LEN + 24].copy_from_slice(&n1().octets());
        assert_eq!(claim(&reply, n1()), None);
        // The same reply seen by a third node (flooded) did reach a host: it counts there.
        let n3 = MacAddr(0x02, 0x00, 0xc0, 0x00, 0x02, 0xcb);
        assert_eq!(claim(&reply, n3), Some((IpAddr::V4(vip), n2())));
        // A broadcast reply or request from n2 is a claim for n1.
        assert_eq!(
            claim(&gratuitous_arp(n2(), vip), n1()),
            Some((IpAddr::V4(vip), n2()))
        );
    }

    #[test]
    fn solicitation_goes_to_solicited_node_group() {
        let target: Ipv6Addr = "2001:db8::1:250".parse().unwrap();
        let ns = neighbour_solicitation(n2(), "fe80::1".parse().unwrap(), target);
        assert_eq!(&ns[..6], &[0x33, 0x33, 0xff, 0x01, 0x02, 0x50]);
        assert_eq!(
            solicited_node(target),
            "ff02::1:ff01:250".parse::<Ipv6Addr>().unwrap()
        );
    }
}

//! ICMP / ICMPv6 echo for `ping-watch`, built and read with pnet's packet types. Replies are
//! read from whole Ethernet frames so the answering MAC comes with them.

use std::net::IpAddr;

use pnet_packet::ethernet::{EtherTypes, EthernetPacket};
use pnet_packet::icmp::echo_reply::EchoReplyPacket;
use pnet_packet::icmp::echo_request::MutableEchoRequestPacket;
use pnet_packet::icmp::{self, IcmpCode, IcmpPacket, IcmpTypes};
use pnet_packet::icmpv6::Icmpv6Types;
use pnet_packet::ip::IpNextHeaderProtocols;
use pnet_packet::ipv6::Ipv6Packet;
use pnet_packet::Packet;

use super::announce::MacAddr;
use super::ipv4::parse_ipv4;

const ECHO_LEN: usize = 8;

/// An echo request (ICMP for IPv4, ICMPv6 for IPv6). The ICMPv6 checksum is left zero: the
/// kernel fills it in on raw ICMPv6 sockets.
pub fn echo_request(ipv6: bool, ident: u16, seq: u16) -> Vec<u8> {
    let mut buf = vec![0u8; ECHO_LEN];
    if let Some(mut echo) = MutableEchoRequestPacket::new(&mut buf) {
        if ipv6 {
            echo.set_icmp_type(icmp::IcmpType(Icmpv6Types::EchoRequest.0));
        } else {
            echo.set_icmp_type(IcmpTypes::EchoRequest);
        }
        echo.set_icmp_code(IcmpCode(0));
        echo.set_identifier(ident);
        echo.set_sequence_number(seq);
    }
    if !ipv6 {
        let sum = IcmpPacket::new(&buf)
            .map(|p| icmp::checksum(&p))
            .unwrap_or(0);
        buf[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    buf
}

/// The IP source, payload protocol and payload of an Ethernet frame carrying IPv4 or IPv6.
fn ip_of(eth: &EthernetPacket<'_>) -> Option<(IpAddr, u8, Vec<u8>)> {
    match eth.get_ethertype() {
        EtherTypes::Ipv4 => {
            let bytes = eth.payload();
            let ip = parse_ipv4(bytes)?;
            Some((ip.src, ip.protocol, bytes.get(ip.payload)?.to_vec()))
        }
        EtherTypes::Ipv6 => {
            let ip = Ipv6Packet::new(eth.payload())?;
            Some((
                ip.get_source().into(),
                ip.get_next_header().0,
                ip.payload().to_vec(),
            ))
        }
        _ => None,
    }
}

/// `(sequence, MAC)` if `frame` is an echo reply from `target` with our `ident`.
pub fn echo_reply(frame: &[u8], target: IpAddr, ident: u16) -> Option<(u16, MacAddr)> {
    let eth = EthernetPacket::new(frame)?;
    let (src, protocol, payload) = ip_of(&eth)?;
    if src != target {
        return None;
    }
    let (want_proto, want_type) = match target {
        IpAddr::V4(_) => (IpNextHeaderProtocols::Icmp.0, IcmpTypes::EchoReply.0),
        IpAddr::V6(_) => (IpNextHeaderProtocols::Icmpv6.0, Icmpv6Types::EchoReply.0),
    };
    let reply = EchoReplyPacket::new(&payload)?;
    (protocol == want_proto
        && reply.get_icmp_type().0 == want_type
        && reply.get_identifier() == ident)
        .then(|| (reply.get_sequence_number(), eth.get_source()))
}

/// The sending MAC if `frame` is an IP packet from `target` (TCP mode's "who answered").
pub fn mac_of_sender(frame: &[u8], target: IpAddr) -> Option<MacAddr> {
    let eth = EthernetPacket::new(frame)?;
    let (src, _, _) = ip_of(&eth)?;
    (src == target).then(|| eth.get_source())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pnet_packet::ethernet::MutableEthernetPacket;
    use pnet_packet::ipv4::MutableIpv4Packet;

    fn reply_frame(src: [u8; 4], ident: u16, seq: u16, mac: MacAddr) -> Vec<u8> {
        let mut icmp = echo_request(false, ident, seq);
        icmp[0] = 0; // echo reply
        let mut frame = vec![0u8; 14 + 20 + icmp.len()];
        {
            let mut eth = MutableEthernetPacket::new(&mut frame).unwrap();
            eth.set_source(mac);
            eth.set_ethertype(EtherTypes::Ipv4);
        }
        {
            let mut ip = MutableIpv4Packet::new(&mut frame[14..]).unwrap();
            ip.set_version(4);
            ip.set_header_length(5);
            ip.set_total_length(28);
            ip.set_next_level_protocol(IpNextHeaderProtocols::Icmp);
            ip.set_source(src.into());
        }
        frame[34..].copy_from_slice(&icmp);
        frame
    }

    #[test]
    fn request_checksum_verifies() {
        let req = echo_request(false, 0x1234, 7);
        assert_eq!(req[0], 8);
        assert_eq!(crate::wire::checksum::internet_checksum(&[&req]), 0);
        assert_eq!(echo_request(true, 1, 2)[0], 128);
    }

    #[test]
    fn reply_matching() {
        let mac = MacAddr(2, 0, 0xc0, 0, 2, 0xc9);
        let target: IpAddr = "192.0.2.250".parse().unwrap();
        let frame = reply_frame([192, 0, 2, 250], 0x1234, 7, mac);
        assert_eq!(echo_reply(&frame, target, 0x1234), Some((7, mac)));
        assert_eq!(
            echo_reply(&frame, target, 0x4321),
            None,
            "another pinger's ident"
        );
        assert_eq!(
            echo_reply(&frame, "192.0.2.1".parse().unwrap(), 0x1234),
            None
        );
        assert_eq!(mac_of_sender(&frame, target), Some(mac));
        assert_eq!(echo_reply(&frame[..20], target, 0x1234), None);
    }
}

//! VRRP packets seen in whole Ethernet frames (probe listens on AF_PACKET to learn each
//! speaker's MAC as well).

use pnet_packet::ethernet::{EtherTypes, EthernetPacket};
use pnet_packet::ipv6::Ipv6Packet;
use pnet_packet::Packet;

use super::announce::MacAddr;
use super::ipv4::parse_ipv4;
use super::vrrp::{Received, PROTO_VRRP};

/// A protocol-112 packet and the source MAC of the frame it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpFrame {
    pub mac: MacAddr,
    pub packet: Received,
}

/// `Some` when `frame` is IPv4 or IPv6 carrying protocol 112 (VRRP, or CARP's reuse of it).
pub fn vrrp_frame(frame: &[u8]) -> Option<VrrpFrame> {
    let eth = EthernetPacket::new(frame)?;
    let mac = eth.get_source();
    match eth.get_ethertype() {
        EtherTypes::Ipv4 => {
            let bytes = eth.payload();
            let ip = parse_ipv4(bytes)?;
            (ip.protocol == PROTO_VRRP).then_some(())?;
            let packet = Received {
                src: ip.src,
                dst: ip.dst,
                ttl: ip.ttl,
                payload: bytes.get(ip.payload)?.to_vec(),
            };
            Some(VrrpFrame { mac, packet })
        }
        EtherTypes::Ipv6 => {
            let ip = Ipv6Packet::new(eth.payload())?;
            (ip.get_next_header().0 == PROTO_VRRP).then_some(())?;
            let packet = Received {
                src: ip.get_source().into(),
                dst: ip.get_destination().into(),
                ttl: ip.get_hop_limit(),
                payload: ip
                    .payload()
                    .get(..usize::from(ip.get_payload_length()))?
                    .to_vec(),
            };
            Some(VrrpFrame { mac, packet })
        }
        _ => None,
    }
}

/// The vhid if `payload` is a CARP advertisement (ucarp): protocol 112 too, 36 bytes,
/// version 2 type 1, auth length 7.
pub fn carp_vhid(payload: &[u8]) -> Option<u8> {
    (payload.len() == 36 && payload[0] == 0x21 && payload[3] == 7).then(|| payload[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pcap_fixture::frames;

    #[test]
    fn finds_adverts_and_their_mac_in_captured_frames() {
        let all = frames("keepalived-v2.pcap");
        let first = vrrp_frame(&all[0]).expect("an advert");
        assert_eq!(first.mac, MacAddr(2, 0, 0xc0, 0, 2, 0xc9));
        assert_eq!((first.packet.ttl, first.packet.payload.len()), (255, 20));
        assert_eq!(vrrp_frame(&all[5]), None, "a gratuitous ARP");
        let v6 = vrrp_frame(&frames("keepalived-v3-ipv6.pcap")[0]).expect("v6 advert");
        assert_eq!(
            v6.packet.dst,
            "ff02::12".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(vrrp_frame(&all[0][..30]), None, "truncated");
    }

    #[test]
    fn an_ipv4_header_that_is_not_one_is_no_advert() {
        // The same checks as the VRRP socket's (wire::ipv4): version 4, header length at
        // least 20 bytes. Before, probe read any ethertype-IPv4 frame as IPv4.
        let advert = frames("keepalived-v2.pcap")[0].clone();
        let mut not_v4 = advert.clone();
        not_v4[14] = (6 << 4) | (not_v4[14] & 0x0f);
        assert_eq!(vrrp_frame(&not_v4), None, "version 6 in an IPv4 frame");
        let mut short = advert;
        short[14] = (4 << 4) | 4;
        assert_eq!(vrrp_frame(&short), None, "a 16-byte header");
    }

    #[test]
    fn recognises_carp() {
        let mut carp = vec![0u8; 36];
        carp[0] = 0x21;
        carp[1] = 41;
        carp[3] = 7;
        assert_eq!(carp_vhid(&carp), Some(41));
        let advert = &vrrp_frame(&frames("keepalived-v2.pcap")[0])
            .unwrap()
            .packet
            .payload;
        assert_eq!(carp_vhid(advert), None);
    }
}

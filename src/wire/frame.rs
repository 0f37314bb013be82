//! VRRP packets seen in whole Ethernet frames (probe listens on AF_PACKET to learn each
//! speaker's MAC as well).

use std::net::IpAddr;

use pnet_packet::ethernet::{EtherTypes, EthernetPacket};
use pnet_packet::ipv4::Ipv4Packet;
use pnet_packet::ipv6::Ipv6Packet;
use pnet_packet::Packet;

use super::announce::MacAddr;
use super::vrrp::PROTO_VRRP;

/// A protocol-112 packet and the frame it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpFrame {
    pub mac: MacAddr,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub payload: Vec<u8>,
}

/// `Some` when `frame` is IPv4 or IPv6 carrying protocol 112 (VRRP, or CARP's reuse of it).
pub fn vrrp_frame(frame: &[u8]) -> Option<VrrpFrame> {
    let eth = EthernetPacket::new(frame)?;
    let mac = eth.get_source();
    match eth.get_ethertype() {
        EtherTypes::Ipv4 => {
            let ip = Ipv4Packet::new(eth.payload())?;
            let header = usize::from(ip.get_header_length()) * 4;
            let len = usize::from(ip.get_total_length()).checked_sub(header)?;
            (ip.get_next_level_protocol().0 == PROTO_VRRP).then_some(())?;
            Some(VrrpFrame {
                mac,
                src: ip.get_source().into(),
                dst: ip.get_destination().into(),
                ttl: ip.get_ttl(),
                payload: ip.payload().get(..len)?.to_vec(),
            })
        }
        EtherTypes::Ipv6 => {
            let ip = Ipv6Packet::new(eth.payload())?;
            (ip.get_next_header().0 == PROTO_VRRP).then_some(())?;
            Some(VrrpFrame {
                mac,
                src: ip.get_source().into(),
                dst: ip.get_destination().into(),
                ttl: ip.get_hop_limit(),
                payload: ip
                    .payload()
                    .get(..usize::from(ip.get_payload_length()))?
                    .to_vec(),
            })
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
        assert_eq!((first.ttl, first.payload.len()), (255, 20));
        assert_eq!(vrrp_frame(&all[5]), None, "a gratuitous ARP");
        let v6 = vrrp_frame(&frames("keepalived-v3-ipv6.pcap")[0]).expect("v6 advert");
        assert_eq!(v6.dst, "ff02::12".parse::<IpAddr>().unwrap());
        assert_eq!(vrrp_frame(&all[0][..30]), None, "truncated");
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
            .payload;
        assert_eq!(carp_vhid(advert), None);
    }
}

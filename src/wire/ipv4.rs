//! The IPv4 header in front of what a raw IPv4 socket receives (IPv6 raw sockets deliver
//! the payload alone, with hop limit and destination in control messages).

use std::net::IpAddr;

use pnet_packet::ipv4::Ipv4Packet;

/// What the receive checks need from the IPv4 header, and where the payload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Meta {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    pub protocol: u8,
    pub payload: std::ops::Range<usize>,
}

/// `None` when the bytes cannot be an IPv4 header with its payload.
pub fn parse_ipv4(bytes: &[u8]) -> Option<Ipv4Meta> {
    let ip = Ipv4Packet::new(bytes)?;
    let header_len = usize::from(ip.get_header_length()) * 4;
    let total = usize::from(ip.get_total_length()).min(bytes.len());
    if ip.get_version() != 4 || header_len < 20 || total < header_len {
        return None;
    }
    Some(Ipv4Meta {
        src: ip.get_source().into(),
        dst: ip.get_destination().into(),
        ttl: ip.get_ttl(),
        protocol: ip.get_next_level_protocol().0,
        payload: header_len..total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pcap_fixture::frames;

    #[test]
    fn reads_header_of_captured_advert() {
        let frame = &frames("keepalived-v2.pcap")[0];
        let meta = parse_ipv4(&frame[14..]).unwrap();
        assert_eq!(meta.ttl, 255);
        assert_eq!(meta.protocol, 112);
        assert_eq!(meta.src, "192.0.2.201".parse::<IpAddr>().unwrap());
        assert_eq!(meta.payload, 20..40);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_ipv4(&[0x45, 0, 0]), None);
        let mut frame = frames("keepalived-v2.pcap")[0][14..].to_vec();
        frame[0] = 0x41; // header length 4 bytes
        assert_eq!(parse_ipv4(&frame), None);
    }
}

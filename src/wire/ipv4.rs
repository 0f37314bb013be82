//! The IPv4 header in front of what a raw IPv4 socket receives (IPv6 raw sockets deliver
//! the payload alone, with hop limit and destination in control messages), and the one
//! vipflip writes itself in front of the adverts it sends (IP_HDRINCL).

use std::net::{IpAddr, Ipv4Addr};

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

/// The IPv4 header of an advert of `payload_len` bytes, as keepalived builds it
/// (vrrp.c vrrp_build_ip4): TOS 0xc0 (network control), no fragment flags, TTL 255 (RFC 9568
/// 5.1.1.3), protocol 112. The identification is the sender's (`set_identification`); the
/// kernel fills the checksum (raw.c raw_send_hdrinc). Writing it here, not the kernel, skips
/// the kernel's header path for every advert: its identification hash and source check.
/// An advert is at most 1,028 bytes (255 IPv4 addresses), far below the field's limit.
pub fn advert_header(src: Ipv4Addr, dst: Ipv4Addr, payload_len: usize) -> [u8; 20] {
    let total = u16::try_from(20 + payload_len).unwrap_or(u16::MAX);
    let mut h = [0u8; 20];
    h[0] = 0x45;
    h[1] = 0xc0;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[8] = 255;
    h[9] = crate::wire::vrrp::PROTO_VRRP;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    h
}

/// Sets the identification of the IPv4 packet `packet` starts with. Never 0: the kernel
/// replaces 0 with one of its own (raw_send_hdrinc), which keepalived avoids the same way.
pub fn set_identification(packet: &mut [u8], id: u16) {
    if let Some(field) = packet.get_mut(4..6) {
        field.copy_from_slice(&id.max(1).to_be_bytes());
    }
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

    /// keepalived's own header (vrrp.c vrrp_build_ip4), captured: ours is the same bytes
    /// but the two the kernel fills (checksum) and the sender counts (identification).
    #[test]
    fn an_advert_header_is_keepalived_s_but_for_identification_and_checksum() {
        for capture in ["keepalived-v2.pcap", "keepalived-v3.pcap"] {
            let ipv4 = frames(capture);
            let ipv4: Vec<_> = ipv4.iter().filter(|f| f[12..14] == [0x08, 0x00]).collect();
            assert!(!ipv4.is_empty(), "{capture}: no IPv4 advert");
            for frame in ipv4 {
                let ip = &frame[14..];
                let meta = parse_ipv4(ip).unwrap();
                assert_eq!(meta.protocol, 112, "{capture}");
                let (IpAddr::V4(src), IpAddr::V4(dst)) = (meta.src, meta.dst) else {
                    panic!("{capture}: not IPv4");
                };
                let mut ours = advert_header(src, dst, meta.payload.len());
                set_identification(&mut ours, u16::from_be_bytes([ip[4], ip[5]]));
                let mut theirs = [0u8; 20];
                theirs.copy_from_slice(&ip[..20]);
                theirs[10..12].fill(0);
                assert_eq!(ours, theirs, "{capture}");
            }
        }
    }

    #[test]
    fn an_identification_is_never_zero() {
        let mut h = advert_header(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, 20);
        set_identification(&mut h, 0);
        assert_eq!(&h[4..6], &[0, 1]);
        set_identification(&mut h, 0xabcd);
        assert_eq!(&h[4..6], &[0xab, 0xcd]);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_ipv4(&[0x45, 0, 0]), None);
        let mut frame = frames("keepalived-v2.pcap")[0][14..].to_vec();
        frame[0] = 0x41; // header length 4 bytes
        assert_eq!(parse_ipv4(&frame), None);
    }
}

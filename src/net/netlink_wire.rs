//! The rtnetlink messages vipflip sends and reads, encoded and decoded by hand: a few address,
//! route and link requests and three kinds of notification. Pure bytes, no socket, so every
//! malformed reply is a unit test. Layouts: linux/netlink.h, linux/rtnetlink.h,
//! linux/if_addr.h, linux/if_link.h; the constants come from the libc crate.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nix::libc;

use crate::wire::announce::MacAddr;

/// struct nlmsghdr: length, type, flags, sequence, port.
const HEADER: usize = 16;
/// struct ifaddrmsg: family, prefix length, flags, scope, index.
const IFADDRMSG: usize = 8;
/// struct ifinfomsg: family, pad, type, index, flags, change.
const IFINFOMSG: usize = 16;

const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const IFLA_MACVLAN_MODE: u16 = 1;
const MACVLAN_MODE_BRIDGE: u32 = 4;
const NLA_F_NESTED: u16 = 0x8000;
/// The attribute type without its NESTED and NET_BYTEORDER bits.
const NLA_TYPE_MASK: u16 = 0x3fff;

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

/// A request under construction: header first, its length filled in by `finish`.
pub struct Request {
    buf: Vec<u8>,
}

impl Request {
    pub fn new(kind: u16, flags: u16, seq: u32) -> Request {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(&0u32.to_ne_bytes());
        buf.extend_from_slice(&kind.to_ne_bytes());
        buf.extend_from_slice(&(flags | libc::NLM_F_REQUEST as u16).to_ne_bytes());
        buf.extend_from_slice(&seq.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes());
        Request { buf }
    }

    /// struct ifaddrmsg (scope universe, no flags).
    pub fn ifaddr(mut self, family: u8, prefix: u8, index: u32) -> Request {
        self.buf.extend_from_slice(&[family, prefix, 0, 0]);
        self.buf.extend_from_slice(&index.to_ne_bytes());
        self
    }

    /// struct rtmsg for a host route of type local in the local table: family, destination
    /// length, source length, tos, table, protocol (static), scope (host), type, flags.
    pub fn local_rtmsg(mut self, family: u8, dst_len: u8) -> Request {
        self.buf.extend_from_slice(&[
            family,
            dst_len,
            0,
            0,
            libc::RT_TABLE_LOCAL,
            libc::RTPROT_STATIC,
            libc::RT_SCOPE_HOST,
            libc::RTN_LOCAL,
        ]);
        self.buf.extend_from_slice(&0u32.to_ne_bytes());
        self
    }

    /// struct ifinfomsg: `flags` changed where `change` has bits.
    pub fn ifinfo(mut self, index: u32, flags: u32, change: u32) -> Request {
        self.buf
            .extend_from_slice(&[libc::AF_UNSPEC as u8, 0, 0, 0]);
        self.buf.extend_from_slice(&index.to_ne_bytes());
        self.buf.extend_from_slice(&flags.to_ne_bytes());
        self.buf.extend_from_slice(&change.to_ne_bytes());
        self
    }

    /// Bytes appended as they are (a dumped message's body, sent back to delete it).
    pub fn raw(mut self, body: &[u8]) -> Request {
        self.buf.extend_from_slice(body);
        self
    }

    pub fn attr(mut self, kind: u16, data: &[u8]) -> Request {
        push_attr(&mut self.buf, kind, data);
        self
    }

    pub fn ip_attr(self, kind: u16, addr: IpAddr) -> Request {
        match addr {
            IpAddr::V4(a) => self.attr(kind, &a.octets()),
            IpAddr::V6(a) => self.attr(kind, &a.octets()),
        }
    }

    /// IFLA_LINKINFO for a macvlan in bridge mode.
    pub fn macvlan_bridge(mut self) -> Request {
        let mut mode = Vec::new();
        push_attr(
            &mut mode,
            IFLA_MACVLAN_MODE,
            &MACVLAN_MODE_BRIDGE.to_ne_bytes(),
        );
        let mut info = Vec::new();
        push_attr(&mut info, IFLA_INFO_KIND, b"macvlan");
        push_attr(&mut info, IFLA_INFO_DATA | NLA_F_NESTED, &mode);
        push_attr(&mut self.buf, libc::IFLA_LINKINFO | NLA_F_NESTED, &info);
        self
    }

    pub fn finish(mut self) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&len.to_ne_bytes());
        self.buf
    }
}

fn push_attr(buf: &mut Vec<u8>, kind: u16, data: &[u8]) {
    let len = 4 + data.len();
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(data);
    buf.resize(align4(buf.len()), 0);
}

/// One message of a datagram: its type, sequence number and body (after the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    pub kind: u16,
    pub seq: u32,
    pub body: &'a [u8],
}

/// The messages of one datagram, in order; a truncated or inconsistent length ends the
/// walk (what came before it is kept).
pub fn messages(datagram: &[u8]) -> impl Iterator<Item = Message<'_>> {
    let mut rest = datagram;
    std::iter::from_fn(move || {
        let len = u32::from_ne_bytes(rest.get(0..4)?.try_into().ok()?) as usize;
        if len < HEADER || len > rest.len() {
            return None;
        }
        let kind = u16::from_ne_bytes(rest.get(4..6)?.try_into().ok()?);
        let seq = u32::from_ne_bytes(rest.get(8..12)?.try_into().ok()?);
        let message = Message {
            kind,
            seq,
            body: &rest[HEADER..len],
        };
        rest = rest.get(align4(len)..).unwrap_or_default();
        Some(message)
    })
}

/// The attributes after a fixed header of `skip` bytes: (type, data).
fn attrs(body: &[u8], skip: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = body.get(skip..).unwrap_or_default();
    std::iter::from_fn(move || {
        let len = u16::from_ne_bytes(rest.get(0..2)?.try_into().ok()?) as usize;
        let kind = u16::from_ne_bytes(rest.get(2..4)?.try_into().ok()?);
        if len < 4 || len > rest.len() {
            return None;
        }
        let data = &rest[4..len];
        rest = rest.get(align4(len)..).unwrap_or_default();
        Some((kind & NLA_TYPE_MASK, data))
    })
}

/// What an NLMSG_ERROR says: 0 is an acknowledgement, otherwise a positive errno.
pub fn error_code(body: &[u8]) -> Option<i32> {
    let code = i32::from_ne_bytes(body.get(0..4)?.try_into().ok()?);
    Some(-code)
}

/// An address message (RTM_NEWADDR, RTM_DELADDR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrMessage {
    pub index: u32,
    pub prefix: u8,
    /// IFA_LOCAL, else IFA_ADDRESS (they differ only on point-to-point links).
    pub addr: IpAddr,
}

pub fn addr_message(body: &[u8]) -> Option<AddrMessage> {
    let family = *body.first()?;
    let prefix = *body.get(1)?;
    let index = u32::from_ne_bytes(body.get(4..8)?.try_into().ok()?);
    let ip = |data: &[u8]| -> Option<IpAddr> {
        match family as i32 {
            libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(data).ok()?))),
            libc::AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(data).ok()?))),
            _ => None,
        }
    };
    let mut local = None;
    let mut address = None;
    for (kind, data) in attrs(body, IFADDRMSG) {
        match kind {
            libc::IFA_LOCAL => local = ip(data),
            libc::IFA_ADDRESS => address = ip(data),
            _ => {}
        }
    }
    Some(AddrMessage {
        index,
        prefix,
        addr: local.or(address)?,
    })
}

/// A link message (RTM_NEWLINK, RTM_DELLINK).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkMessage {
    pub index: u32,
    pub flags: u32,
    pub name: Option<String>,
    /// IFLA_LINK: the interface it sits on.
    pub parent: Option<u32>,
    pub mac: Option<MacAddr>,
    /// IFLA_INFO_KIND inside IFLA_LINKINFO ("macvlan", "veth", ...).
    pub kind: Option<String>,
}

impl LinkMessage {
    /// Up and with carrier.
    pub fn up(&self) -> bool {
        let want = (libc::IFF_UP | libc::IFF_RUNNING) as u32;
        self.flags & want == want
    }
}

pub fn link_message(body: &[u8]) -> Option<LinkMessage> {
    if body.len() < IFINFOMSG {
        return None;
    }
    let mut link = LinkMessage {
        index: u32::from_ne_bytes(body.get(4..8)?.try_into().ok()?),
        flags: u32::from_ne_bytes(body.get(8..12)?.try_into().ok()?),
        ..LinkMessage::default()
    };
    for (kind, data) in attrs(body, IFINFOMSG) {
        match kind {
            libc::IFLA_IFNAME => link.name = Some(c_string(data)),
            libc::IFLA_LINK => link.parent = <[u8; 4]>::try_from(data).ok().map(u32::from_ne_bytes),
            libc::IFLA_ADDRESS => link.mac = <[u8; 6]>::try_from(data).ok().map(MacAddr::from),
            libc::IFLA_LINKINFO => {
                link.kind = attrs(data, 0)
                    .find(|(k, _)| *k == IFLA_INFO_KIND)
                    .map(|(_, d)| c_string(d))
            }
            _ => {}
        }
    }
    Some(link)
}

/// A netlink string: up to its first NUL, if it has one.
fn c_string(data: &[u8]) -> String {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    String::from_utf8_lossy(&data[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An address dump's datagram in the kernel's layout: one RTM_NEWADDR (192.0.2.250/24 on
    /// index 3, with a label) and NLMSG_DONE. The lab tests read the kernel's own.
    fn dumped_v4() -> Vec<u8> {
        let mut d = Request::new(libc::RTM_NEWADDR, 0, 7)
            .ifaddr(libc::AF_INET as u8, 24, 3)
            .ip_attr(libc::IFA_ADDRESS, "192.0.2.250".parse().unwrap())
            .ip_attr(libc::IFA_LOCAL, "192.0.2.250".parse().unwrap())
            .attr(libc::IFA_LABEL, b"eth0\0")
            .finish();
        d.extend(
            Request::new(libc::NLMSG_DONE as u16, 0, 7)
                .raw(&0i32.to_ne_bytes())
                .finish(),
        );
        d
    }

    #[test]
    fn reads_an_address_dump() {
        let d = dumped_v4();
        let all: Vec<Message> = messages(&d).collect();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].kind, libc::RTM_NEWADDR);
        assert_eq!(all[1].kind, libc::NLMSG_DONE as u16);
        assert_eq!(
            addr_message(all[0].body),
            Some(AddrMessage {
                index: 3,
                prefix: 24,
                addr: "192.0.2.250".parse().unwrap()
            })
        );
    }

    #[test]
    fn an_ipv6_address_without_ifa_local_is_read_from_ifa_address() {
        let m = Request::new(libc::RTM_DELADDR, 0, 0)
            .ifaddr(libc::AF_INET6 as u8, 64, 9)
            .ip_attr(libc::IFA_ADDRESS, "2001:db8::250".parse().unwrap())
            .finish();
        let got = messages(&m).next().and_then(|m| addr_message(m.body));
        assert_eq!(got.map(|a| a.addr), Some("2001:db8::250".parse().unwrap()));
    }

    #[test]
    fn truncated_and_lying_lengths_end_the_walk_without_panic() {
        let d = dumped_v4();
        for cut in 0..d.len() {
            let walked: Vec<Message> = messages(&d[..cut]).collect();
            for m in &walked {
                let _ = addr_message(m.body);
                let _ = link_message(m.body);
            }
            assert!(walked.len() <= 1, "cut at {cut}");
        }
        let mut lying = d.clone();
        lying[0..4].copy_from_slice(&9999u32.to_ne_bytes());
        assert_eq!(messages(&lying).count(), 0);
        let mut short_attr = d.clone();
        // the first attribute's length says 2: shorter than its own header
        short_attr[HEADER + IFADDRMSG..HEADER + IFADDRMSG + 2].copy_from_slice(&2u16.to_ne_bytes());
        let m = messages(&short_attr).next().unwrap();
        assert_eq!(addr_message(m.body), None, "no address attribute read");
    }

    #[test]
    fn a_macvlan_request_reads_back_as_a_macvlan_link() {
        let mac = MacAddr::from([0x00, 0x00, 0x5e, 0x00, 0x01, 0x29]);
        let req = Request::new(libc::RTM_NEWLINK, 0, 1)
            .ifinfo(0, libc::IFF_UP as u32 | libc::IFF_RUNNING as u32, 0)
            .attr(libc::IFLA_IFNAME, b"vrrp.41\0")
            .attr(libc::IFLA_LINK, &5u32.to_ne_bytes())
            .attr(libc::IFLA_ADDRESS, &mac.octets())
            .macvlan_bridge()
            .finish();
        let link = messages(&req)
            .next()
            .and_then(|m| link_message(m.body))
            .unwrap();
        assert_eq!(link.name.as_deref(), Some("vrrp.41"));
        assert_eq!(link.parent, Some(5));
        assert_eq!(link.mac, Some(mac));
        assert_eq!(link.kind.as_deref(), Some("macvlan"));
        assert!(link.up());
    }

    #[test]
    fn an_error_reply_gives_a_positive_errno_and_an_ack_zero() {
        let nack = Request::new(libc::NLMSG_ERROR as u16, 0, 4)
            .raw(&(-libc::EEXIST).to_ne_bytes())
            .finish();
        let m = messages(&nack).next().unwrap();
        assert_eq!(error_code(m.body), Some(libc::EEXIST));
        assert_eq!(error_code(&0i32.to_ne_bytes()), Some(0));
        assert_eq!(error_code(&[1, 2]), None);
    }
}

//! Raw IP protocol-112 sockets, bound to one interface, joined to the VRRP group.
//! IPv4 receives include the IP header; IPv6 hop limit and destination come as control
//! messages (IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO).

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::cmsg_space;
use nix::sys::socket::{
    recv, recvmsg, sendmsg, setsockopt, sockopt, ControlMessage, ControlMessageOwned, MsgFlags,
    SockaddrIn, SockaddrIn6,
};
use nix::sys::time::TimeSpec;
use socket2::{Domain, Protocol, SockAddr, SockFilter, Socket, Type};

use super::sock::open_error;
use crate::error::{Error, Result};
use crate::wire::ipv4::{advert_header, parse_ipv4, set_identification};
use crate::wire::vrrp::{emit, routine_head, GROUP_V4, GROUP_V6, PROTO_VRRP};
use crate::wire::{Advert, Family, Received, V3Checksum};

/// The buffer a receive reads into: an IPv4 header with options and an advert of 255
/// addresses fit (1088 bytes), and an IPv6 advert as large as an Ethernet frame allows.
pub const RECEIVE_BUFFER: usize = 2048;

/// Traffic class / TOS of VRRP packets: network control, as keepalived sends them.
const TOS_NETWORK_CONTROL: u32 = 0xc0;

pub struct VrrpSocket {
    socket: Socket,
    /// The interface: IPv6 sends name it with their pinned source.
    index: u32,
    /// Where adverts go: the group, or each unicast peer.
    dests: Vec<SocketAddr>,
    family: Family,
    /// The last advert sent, as sent to each of `dests`: a master sends the same bytes every
    /// interval, so they are made again only when the advert changes.
    sent: Mutex<Option<Encoded>>,
    /// The identification of the last IPv4 advert sent (its header is ours: IP_HDRINCL).
    ip_id: AtomicU16,
}

/// An advert with what it was encoded for, and its bytes per destination (IPv4: with the
/// IP header).
struct Encoded {
    advert: Advert,
    source: IpAddr,
    form: V3Checksum,
    bytes: Vec<Vec<u8>>,
}

impl VrrpSocket {
    /// Opens the socket on interface `name`/`index`, sending from `source` (the primary
    /// IPv4 address or the IPv6 link-local address) to the group, or to each of `peers`.
    pub fn open(name: &str, index: u32, source: IpAddr, peers: &[IpAddr]) -> Result<VrrpSocket> {
        let socket = raw_socket(source)?;
        socket
            .bind_device(Some(name.as_bytes()))
            .map_err(|e| Error::new(format!("cannot bind the VRRP socket to {name}"), e))?;
        let setup = match source {
            IpAddr::V4(_) => setup_v4(&socket, index, source),
            IpAddr::V6(_) => setup_v6(&socket, index),
        };
        setup.map_err(|e| Error::new(format!("cannot set up the VRRP socket on {name}"), e))?;
        if !peers.is_empty() {
            // Unicast: peers send to this address, and our adverts must come from it.
            socket
                .bind(&SockAddr::from(socket_addr(source, index)))
                .map_err(|e| {
                    Error::new(format!("cannot send from {source} on {name}"), e)
                        .hint(format!("--unicast-src must be an address of {name}"))
                })?;
        }
        let group = match source {
            IpAddr::V4(_) => IpAddr::V4(GROUP_V4),
            IpAddr::V6(_) => IpAddr::V6(GROUP_V6),
        };
        let targets = if peers.is_empty() {
            vec![group]
        } else {
            peers.to_vec()
        };
        let dests = targets.into_iter().map(|t| socket_addr(t, index)).collect();
        Ok(VrrpSocket {
            socket,
            index,
            dests,
            family: Family::of(source),
            sent: Mutex::new(None),
            ip_id: AtomicU16::new(0),
        })
    }

    /// A socket that only sends to the group, out of the virtual MAC interface `name`/`index`
    /// (--vmac): its adverts carry the virtual MAC as Ethernet source, and still come from
    /// `source`, an address of the parent. Bound to `source` (it never receives: the
    /// parent's socket does), and IPv6 may name a source the interface lacks (IPV6_FREEBIND).
    pub fn open_sender(name: &str, index: u32, source: IpAddr) -> Result<VrrpSocket> {
        let socket = raw_socket(source)?;
        let setup = || -> io::Result<()> {
            socket.bind_device(Some(name.as_bytes()))?;
            match source {
                IpAddr::V4(_) => {
                    socket.set_header_included_v4(true)?;
                    socket.set_multicast_loop_v4(false)?;
                    socket.bind(&SockAddr::from(socket_addr(source, index)))
                }
                IpAddr::V6(_) => {
                    socket.set_freebind_v6(true)?;
                    socket.set_multicast_if_v6(index)?;
                    socket.set_multicast_hops_v6(255)?;
                    socket.set_multicast_loop_v6(false)?;
                    socket.set_tclass_v6(TOS_NETWORK_CONTROL)
                }
            }
        };
        setup().map_err(|e| {
            Error::new(
                format!("cannot set up the VRRP sending socket on {name}"),
                e,
            )
        })?;
        let group = match source {
            IpAddr::V4(_) => IpAddr::V4(GROUP_V4),
            IpAddr::V6(_) => IpAddr::V6(GROUP_V6),
        };
        Ok(VrrpSocket {
            socket,
            index,
            dests: vec![socket_addr(group, index)],
            family: Family::of(source),
            sent: Mutex::new(None),
            ip_id: AtomicU16::new(0),
        })
    }

    /// Takes nothing in: another socket on the interface receives for every group of the
    /// run (keepalived's shape), and a drop-all filter keeps this one's queue empty and its
    /// process asleep.
    pub fn mute(&self) -> Result<()> {
        self.socket
            .attach_filter(&DROP_ALL)
            .map_err(|e| Error::new("cannot mute a VRRP sending socket", e))
    }

    /// Sends `advert` from `source` to the group or each peer, checksummed in `form` (v3 over
    /// IPv4; the pseudo-header carries each real destination, as keepalived computes it).
    pub fn send_advert(&self, advert: &Advert, source: IpAddr, form: V3Checksum) -> io::Result<()> {
        let mut last = self
            .sent
            .lock()
            .map_err(|_| io::Error::other("advert cache poisoned"))?;
        let encoded = match last.take() {
            Some(e) if e.advert == *advert && e.source == source && e.form == form => e,
            _ => self.encode(advert, source, form)?,
        };
        let encoded = last.insert(encoded);
        let mut result = Ok(());
        for (dest, bytes) in self.dests.iter().zip(&mut encoded.bytes) {
            if source.is_ipv4() {
                let id = self.ip_id.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
                set_identification(bytes, id);
            }
            let sent = match (source, dest) {
                (IpAddr::V6(src), SocketAddr::V6(dst)) => self.send_v6_from(bytes, src, *dst),
                _ => self
                    .socket
                    .send_to(bytes, &SockAddr::from(*dest))
                    .map(|_| ()),
            };
            if let Err(e) = sent {
                result = Err(e);
            }
        }
        result
    }

    fn encode(&self, advert: &Advert, source: IpAddr, form: V3Checksum) -> io::Result<Encoded> {
        let bytes = self
            .dests
            .iter()
            .map(|dest| {
                emit(advert, source, dest.ip(), form).map(|p| with_header(p, source, dest.ip()))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(Encoded {
            advert: advert.clone(),
            source,
            form,
            bytes,
        })
    }

    /// Sends from exactly `src` (IPV6_PKTINFO): the checksum and the peers' tie-break use it,
    /// so the kernel may not pick another link-local, such as a link-local VIP.
    fn send_v6_from(&self, bytes: &[u8], src: Ipv6Addr, dst: SocketAddrV6) -> io::Result<()> {
        let info = nix::libc::in6_pktinfo {
            ipi6_addr: nix::libc::in6_addr {
                s6_addr: src.octets(),
            },
            ipi6_ifindex: self.index,
        };
        let to = SockaddrIn6::from(dst);
        sendmsg(
            self.socket.as_raw_fd(),
            &[IoSlice::new(bytes)],
            &[ControlMessage::Ipv6PacketInfo(&info)],
            MsgFlags::empty(),
            Some(&to),
        )
        .map(|_| ())
        .map_err(io::Error::from)
    }

    /// Blocks for the next packet. `Ok(None)`: something arrived that is not even an IP
    /// packet carrying VRRP (counted by the caller as malformed).
    pub fn recv(&self) -> io::Result<Option<Received>> {
        let mut buf = [0u8; RECEIVE_BUFFER];
        self.recv_into(&mut buf, MsgFlags::empty())
    }

    /// The next packet if one is there, else `WouldBlock`: for a loop that polls the socket
    /// itself (`fd`), reading into a buffer it keeps (`RECEIVE_BUFFER` bytes), so no packet
    /// costs a cleared buffer.
    pub fn recv_now(&self, buf: &mut [u8]) -> io::Result<Option<Received>> {
        self.recv_into(buf, MsgFlags::MSG_DONTWAIT)
    }

    /// What to poll for `recv_now`.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }

    /// A second socket like this one (opened with the same arguments) that keeps a backup's
    /// routine adverts (`Routine`) with their arrival times, read only when the loop wants
    /// them. It takes nothing until `set_routine`; whatever came before that is dropped.
    pub fn open_queue(
        name: &str,
        index: u32,
        source: IpAddr,
        peers: &[IpAddr],
    ) -> Result<VrrpSocket> {
        let queue = VrrpSocket::open(name, index, source, peers)?;
        let setup = || -> io::Result<()> {
            queue.socket.attach_filter(&DROP_ALL)?;
            setsockopt(&queue.socket, sockopt::ReceiveTimestampns, &true)
                .map_err(io::Error::from)?;
            let mut buf = [0u8; RECEIVE_BUFFER];
            while recv(queue.socket.as_raw_fd(), &mut buf, MsgFlags::MSG_DONTWAIT).is_ok() {}
            Ok(())
        };
        setup().map_err(|e| {
            Error::new(
                format!("cannot set up the routine advert queue on {name}"),
                e,
            )
        })?;
        Ok(queue)
    }

    /// Sends `routine` adverts to `queue` and every other packet here, or (`None`) all here.
    /// This socket takes everything first, then the queue takes the new routine, then this
    /// socket lets it go: for an instant a packet may come through both (read twice), never
    /// through neither, also from one routine to another.
    pub fn set_routine(&self, queue: &VrrpSocket, routine: Option<&Routine>) -> io::Result<()> {
        self.socket.attach_filter(&ACCEPT_ALL)?;
        match routine {
            Some(r) => {
                queue.socket.attach_filter(&r.filter(ACCEPT, DROP))?;
                self.socket.attach_filter(&r.filter(DROP, ACCEPT))
            }
            None => queue.socket.attach_filter(&DROP_ALL),
        }
    }

    /// The next packet the queue kept, with the kernel's arrival time, else `WouldBlock`.
    pub fn recv_stamped(&self, buf: &mut [u8]) -> io::Result<Option<(Received, SystemTime)>> {
        let flags = MsgFlags::MSG_DONTWAIT;
        let got = if self.family.is_v4() {
            self.recvmsg_v4(buf, flags)?
        } else {
            self.recvmsg_v6(buf, flags)?
        };
        Ok(got.map(|(packet, stamp)| (packet, stamp.unwrap_or_else(SystemTime::now))))
    }

    fn recv_into(&self, buf: &mut [u8], flags: MsgFlags) -> io::Result<Option<Received>> {
        if self.family.is_v4() {
            self.recv_v4(buf, flags)
        } else {
            self.recv_v6(buf, flags)
        }
    }

    fn recv_v4(&self, buf: &mut [u8], flags: MsgFlags) -> io::Result<Option<Received>> {
        let len = recv(self.socket.as_raw_fd(), buf, flags).map_err(io::Error::from)?;
        Ok(vrrp_in_ipv4(&buf[..len]))
    }

    fn recv_v6(&self, buf: &mut [u8], flags: MsgFlags) -> io::Result<Option<Received>> {
        Ok(self.recvmsg_v6(buf, flags)?.map(|(packet, _)| packet))
    }

    /// IPv4 with the control messages: the arrival time, when the socket asks for it.
    fn recvmsg_v4(&self, buf: &mut [u8], flags: MsgFlags) -> io::Result<Option<Stamped>> {
        let mut cmsg = cmsg_space!(TimeSpec);
        let mut iov = [IoSliceMut::new(&mut *buf)];
        let msg = recvmsg::<SockaddrIn>(self.socket.as_raw_fd(), &mut iov, Some(&mut cmsg), flags)
            .map_err(io::Error::from)?;
        let mut stamp = None;
        for c in msg.cmsgs().map_err(io::Error::from)? {
            if let ControlMessageOwned::ScmTimestampns(ts) = c {
                stamp = Some(UNIX_EPOCH + Duration::from(ts));
            }
        }
        let len = msg.bytes;
        Ok(vrrp_in_ipv4(&buf[..len]).map(|packet| (packet, stamp)))
    }

    fn recvmsg_v6(&self, buf: &mut [u8], flags: MsgFlags) -> io::Result<Option<Stamped>> {
        let mut cmsg = cmsg_space!(nix::libc::in6_pktinfo, nix::libc::c_int, TimeSpec);
        let mut iov = [IoSliceMut::new(&mut *buf)];
        let msg = recvmsg::<SockaddrIn6>(self.socket.as_raw_fd(), &mut iov, Some(&mut cmsg), flags)
            .map_err(io::Error::from)?;
        let (mut ttl, mut dst, mut stamp) = (None, None, None);
        for c in msg.cmsgs().map_err(io::Error::from)? {
            match c {
                ControlMessageOwned::Ipv6HopLimit(h) => ttl = u8::try_from(h).ok(),
                ControlMessageOwned::Ipv6PacketInfo(info) => {
                    dst = Some(Ipv6Addr::from(info.ipi6_addr.s6_addr))
                }
                ControlMessageOwned::ScmTimestampns(ts) => {
                    stamp = Some(UNIX_EPOCH + Duration::from(ts))
                }
                _ => {}
            }
        }
        let src = msg.address.map(|a| a.ip());
        let len = msg.bytes;
        Ok(match (ttl, src, dst) {
            (Some(ttl), Some(src), Some(dst)) => Some((
                Received {
                    ttl,
                    src: IpAddr::V6(src),
                    dst: IpAddr::V6(dst),
                    payload: buf[..len].to_vec(),
                },
                stamp,
            )),
            _ => None,
        })
    }
}

/// The VRRP packet in what an IPv4 raw socket read (its IP header first), if it is one.
fn vrrp_in_ipv4(bytes: &[u8]) -> Option<Received> {
    parse_ipv4(bytes)
        .filter(|m| m.protocol == PROTO_VRRP)
        .map(|m| Received {
            ttl: m.ttl,
            src: m.src,
            dst: m.dst,
            payload: bytes[m.payload].to_vec(),
        })
}

/// A packet and, when the socket asked for it, its arrival time.
type Stamped = (Received, Option<SystemTime>);

/// Socket filters' answers (the bytes of a packet to keep; 0: drop it).
const ACCEPT: u32 = 0xffff_ffff;
const DROP: u32 = 0;
const DROP_ALL: [SockFilter; 1] = [SockFilter::new(0x06, 0, 0, DROP)];
const ACCEPT_ALL: [SockFilter; 1] = [SockFilter::new(0x06, 0, 0, ACCEPT)];

/// A backup's routine: adverts from the master it follows that repeat the last one it
/// accepted (the source, and the VRRP header's first six bytes: version and type, VRID,
/// priority, address count, interval or authentication). They change nothing but the
/// master-down timer, so they can wait in a queue of their own (`open_queue`), read with their
/// arrival times when the timer is due: the loop wakes for news, not for every advert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Routine {
    pub src: IpAddr,
    pub head: [u8; 6],
}

impl Routine {
    /// The routine `packet` starts (it has at least a VRRP header).
    pub fn of(packet: &Received) -> Option<Routine> {
        Some(Routine {
            src: packet.src,
            head: routine_head(&packet.payload)?,
        })
    }

    /// A classic BPF program answering `routine` for this routine's packets, `other` for the
    /// rest. An IPv4 raw socket's filter sees the packet from its IP header; an IPv6 one's
    /// from the VRRP header, the IPv6 header at the network offset (SKF_NET_OFF).
    fn filter(&self, routine: u32, other: u32) -> Vec<SockFilter> {
        const LD_W_ABS: u16 = 0x20;
        const LD_W_IND: u16 = 0x40;
        const LD_H_IND: u16 = 0x48;
        const LD_H_ABS: u16 = 0x28;
        const LDX_B_MSH: u16 = 0xb1;
        const SKF_NET_OFF: u32 = 0xfff0_0000;
        const JEQ_K: u16 = 0x15;
        const RET_K: u16 = 0x06;
        let word = u32::from_be_bytes([self.head[0], self.head[1], self.head[2], self.head[3]]);
        let half = u32::from(u16::from_be_bytes([self.head[4], self.head[5]]));
        // (load, offset, value it must have); `None`: a load with nothing to compare.
        let mut steps: Vec<(u16, u32, Option<u32>)> = Vec::new();
        match self.src {
            IpAddr::V4(src) => {
                steps.push((LD_W_ABS, 12, Some(u32::from(src))));
                steps.push((LDX_B_MSH, 0, None));
                steps.push((LD_W_IND, 0, Some(word)));
                steps.push((LD_H_IND, 4, Some(half)));
            }
            IpAddr::V6(src) => {
                for (k, chunk) in src.octets().chunks(4).enumerate() {
                    let value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                    steps.push((LD_W_ABS, SKF_NET_OFF + 8 + 4 * k as u32, Some(value)));
                }
                steps.push((LD_W_ABS, 0, Some(word)));
                steps.push((LD_H_ABS, 4, Some(half)));
            }
        }
        // Each compare jumps to the last instruction, `other`, on a mismatch.
        let compares = steps.iter().filter(|s| s.2.is_some()).count();
        let other_at = steps.len() + compares + 1;
        let mut filter: Vec<SockFilter> = Vec::with_capacity(other_at + 1);
        for (load, offset, value) in steps {
            filter.push(SockFilter::new(load, 0, 0, offset));
            if let Some(value) = value {
                let skip = u8::try_from(other_at - filter.len() - 1).unwrap_or(0);
                filter.push(SockFilter::new(JEQ_K, 0, skip, value));
            }
        }
        filter.push(SockFilter::new(RET_K, 0, 0, routine));
        filter.push(SockFilter::new(RET_K, 0, 0, other));
        filter
    }
}

/// A socket address; link-scoped IPv6 ones (fe80::/10, ff02::/16) get the interface as scope.
fn socket_addr(ip: IpAddr, index: u32) -> SocketAddr {
    match ip {
        IpAddr::V4(v4) => SocketAddr::from((v4, 0)),
        IpAddr::V6(v6) => {
            let link_scoped = v6.is_unicast_link_local() || v6.segments()[0] == 0xff02;
            SocketAddr::V6(SocketAddrV6::new(
                v6,
                0,
                0,
                if link_scoped { index } else { 0 },
            ))
        }
    }
}

/// A raw protocol-112 socket of `source`'s family.
fn raw_socket(source: IpAddr) -> Result<Socket> {
    let domain = if source.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    Socket::new(
        domain,
        Type::RAW,
        Some(Protocol::from(i32::from(PROTO_VRRP))),
    )
    .map_err(|e| open_error("raw VRRP socket", e))
}

/// An IPv4 advert's bytes behind the header vipflip writes itself (IP_HDRINCL, as
/// keepalived's send socket: vrrp.c open_vrrp_send_socket); IPv6 bytes as they are.
fn with_header(payload: Vec<u8>, src: IpAddr, dst: IpAddr) -> Vec<u8> {
    let (IpAddr::V4(src), IpAddr::V4(dst)) = (src, dst) else {
        return payload;
    };
    [&advert_header(src, dst, payload.len())[..], &payload].concat()
}

fn setup_v4(socket: &Socket, index: u32, source: IpAddr) -> io::Result<()> {
    socket.set_multicast_all_v4(false)?;
    socket.join_multicast_v4_n(&GROUP_V4, &socket2::InterfaceIndexOrAddress::Index(index))?;
    // TOS, TTL and source are in the header vipflip writes (`with_header`).
    socket.set_header_included_v4(true)?;
    socket.set_multicast_loop_v4(false)?;
    // The source the kernel routes multicast sends from (the header says it too). Not
    // bind(): a raw socket bound to an address only receives packets addressed to it, and
    // adverts go to the group.
    match source {
        IpAddr::V4(v4) => socket.set_multicast_if_v4(&v4),
        IpAddr::V6(_) => Ok(()),
    }
}

fn setup_v6(socket: &Socket, index: u32) -> io::Result<()> {
    socket.join_multicast_v6(&GROUP_V6, index)?;
    socket.set_multicast_if_v6(index)?;
    socket.set_multicast_hops_v6(255)?;
    socket.set_unicast_hops_v6(255)?;
    socket.set_multicast_loop_v6(false)?;
    socket.set_tclass_v6(TOS_NETWORK_CONTROL)?;
    setsockopt(socket, sockopt::Ipv6RecvHopLimit, &true).map_err(io::Error::from)?;
    setsockopt(socket, sockopt::Ipv6RecvPacketInfo, &true).map_err(io::Error::from)?;
    // Not bind() (see setup_v4): each send names its source (IPV6_PKTINFO, send_v6_from).
    Ok(())
}

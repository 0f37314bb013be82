//! AF_PACKET socket for the frames vipflip sends besides VRRP: gratuitous ARP, unsolicited
//! NA, and probe's who-has questions. Protocol 0 on send-only sockets: the kernel delivers
//! nothing to them, so an idle node pays nothing for it.

use std::io::{self, Read};

use socket2::{Domain, SockAddr, Socket, Type};

use super::sock::open_error;
use crate::error::{Error, Result};

pub struct FrameSocket {
    socket: Socket,
}

/// ETH_P_ALL in network byte order, for sockets that also receive.
const ETH_P_ALL_BE: u16 = (nix::libc::ETH_P_ALL as u16).to_be();

/// One of the crate's three unsafe sites (socket2 has no safe constructor for AF_PACKET).
#[allow(unsafe_code)]
fn link_addr(index: u32, protocol_be: u16) -> SockAddr {
    // SAFETY: sockaddr_ll fits in sockaddr_storage; all fields are plain integers.
    let (_, addr) = unsafe {
        SockAddr::try_init(|storage, len| {
            let sll = storage.cast::<nix::libc::sockaddr_ll>();
            (*sll).sll_family = nix::libc::AF_PACKET as u16;
            (*sll).sll_protocol = protocol_be;
            (*sll).sll_ifindex = index as i32;
            *len = std::mem::size_of::<nix::libc::sockaddr_ll>() as u32;
            Ok(())
        })
    }
    .unwrap_or_else(|_: io::Error| unreachable!("the closure never fails"));
    addr
}

/// Classic BPF's load of the packet type (SKF_AD_OFF + SKF_AD_PKTTYPE), and the type of a
/// frame this host sends (PACKET_OUTGOING): a claim socket sees its own node's frames too.
const LOAD_PKTTYPE: socket2::SockFilter = socket2::SockFilter::new(0x30, 0, 0, 0xffff_f004);
const PACKET_OUTGOING: u32 = 4;

/// Classic BPF: frames this host sent are dropped, the rest kept.
const RECEIVED_ONLY: [socket2::SockFilter; 4] = [
    LOAD_PKTTYPE,
    socket2::SockFilter::new(0x15, 1, 0, PACKET_OUTGOING), // jeq #4: drop
    socket2::SockFilter::new(0x06, 0, 0, 0xffff),          // accept
    socket2::SockFilter::new(0x06, 0, 0, 0),               // drop
];

/// Classic BPF over an Ethernet frame received (not sent by this host): IPv6 next header
/// (byte 20) is ICMPv6 (58) and the ICMPv6 type (byte 54) is a neighbour advertisement (136);
/// anything else is dropped.
const NEIGHBOUR_ADVERTS_ONLY: [socket2::SockFilter; 8] = [
    LOAD_PKTTYPE,
    socket2::SockFilter::new(0x15, 5, 0, PACKET_OUTGOING), // jeq #4: drop
    socket2::SockFilter::new(0x30, 0, 0, 20),              // ldb [20]
    socket2::SockFilter::new(0x15, 0, 3, 58),              // jeq #58, else drop
    socket2::SockFilter::new(0x30, 0, 0, 54),              // ldb [54]
    socket2::SockFilter::new(0x15, 0, 1, 136),             // jeq #136, else drop
    socket2::SockFilter::new(0x06, 0, 0, 0xffff),          // accept
    socket2::SockFilter::new(0x06, 0, 0, 0),               // drop
];

/// A packet socket on interface `index` for `protocol_be` (network order; 0 receives nothing),
/// filtered before it is bound so that no other frame slips in.
fn packet_socket(
    index: u32,
    protocol_be: u16,
    filter: Option<&[socket2::SockFilter]>,
) -> Result<FrameSocket> {
    let socket = Socket::new(
        Domain::PACKET,
        Type::RAW,
        Some(i32::from(protocol_be).into()),
    )
    .map_err(|e| open_error("packet socket", e))?;
    if let Some(filter) = filter {
        socket
            .attach_filter(filter)
            .map_err(|e| Error::new("cannot filter the packet socket", e))?;
    }
    socket
        .bind(&link_addr(index, protocol_be))
        .map_err(|e| Error::new("cannot bind the packet socket", e))?;
    Ok(FrameSocket { socket })
}

impl FrameSocket {
    /// `receive`: also receive every frame of the interface (probe listens for replies).
    pub fn open(index: u32, receive: bool) -> Result<FrameSocket> {
        let protocol = if receive { ETH_P_ALL_BE } else { 0 };
        packet_socket(index, protocol, None)
    }

    /// Receives only what another node sent that can claim an address: ARP (IPv4), or
    /// ICMPv6 neighbour advertisements (IPv6, picked by a socket filter so other IPv6 traffic
    /// costs nothing). The filters drop this host's own frames.
    pub fn open_claims(index: u32, family: crate::wire::Family) -> Result<FrameSocket> {
        if family.is_v4() {
            let protocol = (nix::libc::ETH_P_ARP as u16).to_be();
            packet_socket(index, protocol, Some(&RECEIVED_ONLY))
        } else {
            let protocol = (nix::libc::ETH_P_IPV6 as u16).to_be();
            packet_socket(index, protocol, Some(&NEIGHBOUR_ADVERTS_ONLY))
        }
    }

    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        self.socket.send(frame).map(|_| ())
    }

    /// The next frame; blocks until one comes.
    pub fn recv(&self) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; 2048];
        let len = (&self.socket).read(&mut buf)?;
        buf.truncate(len);
        Ok(buf)
    }
}

/// Reads `frames` on its own thread: `on_frame(frame, arrival)` for each frame (return
/// `false` to stop at the next frame), or `on_error(cause)` once if reading fails.
pub fn spawn_reader<F, E>(
    frames: std::sync::Arc<FrameSocket>,
    name: &str,
    mut on_frame: F,
    on_error: E,
) -> Result<()>
where
    F: FnMut(Vec<u8>, std::time::Instant) -> bool + Send + 'static,
    E: FnOnce(String) + Send + 'static,
{
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || loop {
            // Blocking: an idle node wakes only for frames (a signal may interrupt the read).
            match frames.recv() {
                Ok(frame) => {
                    if !on_frame(frame, std::time::Instant::now()) {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return on_error(e.to_string()),
            }
        })
        .map(|_| ())
        .map_err(|e| Error::new(format!("cannot start the {name} thread"), e))
}

//! Raw ICMP / ICMPv6 socket that sends ping-watch's echo requests. Replies are read from an
//! AF_PACKET socket instead (they come with the answering MAC), so this socket's receive
//! buffer is kept at the kernel's minimum.

use std::io;
use std::net::{IpAddr, SocketAddr};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::sock::open_error;
use crate::error::Result;

pub struct IcmpSender {
    socket: Socket,
    target: SockAddr,
}

impl IcmpSender {
    pub fn open(target: IpAddr) -> Result<IcmpSender> {
        let (domain, protocol) = match target {
            IpAddr::V4(_) => (Domain::IPV4, Protocol::ICMPV4),
            IpAddr::V6(_) => (Domain::IPV6, Protocol::ICMPV6),
        };
        let socket = Socket::new(domain, Type::RAW, Some(protocol))
            .map_err(|e| open_error("raw ICMP socket", e))?;
        let _ = socket.set_recv_buffer_size(0);
        Ok(IcmpSender {
            socket,
            target: SockAddr::from(SocketAddr::new(target, 0)),
        })
    }

    pub fn send(&self, message: &[u8]) -> io::Result<()> {
        self.socket.send_to(message, &self.target).map(|_| ())
    }
}

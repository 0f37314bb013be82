//! systemd's readiness protocol (sd_notify): under `Type=notify` systemd passes a datagram
//! socket in $NOTIFY_SOCKET and waits for `READY=1`; `STATUS=` lines show in `systemctl
//! status`. Without $NOTIFY_SOCKET every call does nothing.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

pub struct Notifier {
    socket: UnixDatagram,
    addr: SocketAddr,
}

impl Notifier {
    /// The notifier systemd asked for, if any (`@name` is an abstract socket).
    pub fn from_env() -> Option<Notifier> {
        let path = std::env::var("NOTIFY_SOCKET").ok()?;
        let addr = match path.strip_prefix('@') {
            Some(name) => SocketAddr::from_abstract_name(name.as_bytes()).ok()?,
            None => SocketAddr::from_pathname(&path).ok()?,
        };
        let socket = UnixDatagram::unbound().ok()?;
        Some(Notifier { socket, addr })
    }

    /// Sends `state` (e.g. "READY=1\nSTATUS=..."); a lost message only loses a status line.
    pub fn send(&self, state: &str) {
        let _ = self.socket.send_to_addr(state.as_bytes(), &self.addr);
    }
}

//! ping-watch's TCP probe: one connect, on its own thread, with the outcome reported back.

use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Connects to `target` on a new thread (within `timeout`) and calls `report` with whether
/// it worked and when it ended. Fire and forget: a hung connect never blocks the caller.
pub fn probe(
    target: SocketAddr,
    timeout: Duration,
    report: impl FnOnce(bool, Instant) + Send + 'static,
) {
    std::thread::spawn(move || {
        let ok = TcpStream::connect_timeout(&target, timeout).is_ok();
        report(ok, Instant::now());
    });
}

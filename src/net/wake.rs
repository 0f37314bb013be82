//! The run loop's one wait: until a VRRP socket has a packet, an edge thread has queued an
//! event (`Wake`), or the machine's next deadline. The loop reads its sockets itself, so a
//! received advert reaches the machine without crossing a thread.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use nix::errno::Errno;
use nix::poll::{ppoll, PollFd, PollFlags};
use nix::sys::time::TimeSpec;

/// A self-pipe: edge threads `ring` after queueing an event; the loop polls `fd` and
/// `drain`s before it reads its channel.
pub struct Wake {
    ear: UnixStream,
    bell: Arc<UnixStream>,
}

/// The edge threads' end of a `Wake`.
#[derive(Clone)]
pub struct Bell(Arc<UnixStream>);

impl Bell {
    /// Best effort: a full pipe already holds a wake-up.
    pub fn ring(&self) {
        let _ = (&*self.0).write(&[1]);
    }
}

impl Wake {
    pub fn new() -> io::Result<Wake> {
        let (ear, bell) = UnixStream::pair()?;
        ear.set_nonblocking(true)?;
        bell.set_nonblocking(true)?;
        Ok(Wake {
            ear,
            bell: Arc::new(bell),
        })
    }

    pub fn bell(&self) -> Bell {
        Bell(Arc::clone(&self.bell))
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.ear.as_fd()
    }

    /// Empties the pipe: the events it announced are in the channel.
    pub fn drain(&self) {
        let mut buf = [0u8; 64];
        while matches!((&self.ear).read(&mut buf), Ok(n) if n > 0) {}
    }
}

/// The index of the first readable `fds` entry, or `None` once `timeout` passed (or a
/// signal interrupted the wait); no timeout waits for ever. (Keeping the list on the stack
/// instead was measured twice, in issue 21: no change in the master's samples.)
pub fn first_readable<'a>(
    fds: impl IntoIterator<Item = BorrowedFd<'a>>,
    timeout: Option<Duration>,
) -> io::Result<Option<usize>> {
    let mut polled: Vec<PollFd> = fds
        .into_iter()
        .map(|fd| PollFd::new(fd, PollFlags::POLLIN))
        .collect();
    match ppoll(&mut polled, timeout.map(TimeSpec::from_duration), None) {
        Ok(0) | Err(Errno::EINTR) => Ok(None),
        Ok(_) => Ok(polled
            .iter()
            .position(|p| p.revents().is_some_and(|r| !r.is_empty()))),
        Err(e) => Err(io::Error::from(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_wakes_the_wait_and_a_drain_quiets_it() {
        let wake = Wake::new().unwrap();
        assert_eq!(
            first_readable([wake.fd()], Some(Duration::from_millis(20))).unwrap(),
            None
        );
        let bell = wake.bell();
        std::thread::spawn(move || bell.ring());
        assert_eq!(first_readable([wake.fd()], None).unwrap(), Some(0));
        wake.drain();
        assert_eq!(
            first_readable([wake.fd()], Some(Duration::ZERO)).unwrap(),
            None
        );
    }

    /// A run of many instances polls a descriptor per receiving node: each one's place is
    /// the one it was given.
    #[test]
    fn the_readable_descriptor_is_found_among_many() {
        let wakes: Vec<Wake> = (0..11).map(|_| Wake::new().unwrap()).collect();
        let fds = || wakes.iter().map(Wake::fd);
        let now = Some(Duration::ZERO);
        assert_eq!(first_readable(fds(), now).unwrap(), None);
        for k in [0, 7, 8, 10] {
            wakes[k].bell().ring();
            assert_eq!(first_readable(fds(), now).unwrap(), Some(k));
            assert_eq!(first_readable(fds().take(k), now).unwrap(), None);
            wakes[k].drain();
        }
        assert_eq!(first_readable([], now).unwrap(), None);
    }
}

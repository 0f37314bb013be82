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

/// Up to this many descriptors are polled from the stack: the wake pipe and the sockets of
/// a run of a few instances. A master waits once per advert; a list made and freed for each
/// wait was a seventh of its user-time samples, though removing it moved the cost to the
/// next cold touch rather than saving it visibly (bench/PROFILE.md).
const ON_STACK: usize = 8;

/// The index of the first readable `fds` entry, or `None` once `timeout` passed (or a
/// signal interrupted the wait); no timeout waits for ever.
pub fn first_readable<'a>(
    fds: impl IntoIterator<Item = BorrowedFd<'a>>,
    timeout: Option<Duration>,
) -> io::Result<Option<usize>> {
    let mut fds = fds
        .into_iter()
        .map(|fd| PollFd::new(fd, PollFlags::POLLIN))
        .peekable();
    let Some(first) = fds.peek().cloned() else {
        return wait(&mut [], timeout);
    };
    let mut few: [PollFd; ON_STACK] = std::array::from_fn(|_| first.clone());
    let mut n = 0;
    while n < ON_STACK {
        let Some(fd) = fds.next() else { break };
        few[n] = fd;
        n += 1;
    }
    if fds.peek().is_none() {
        return wait(&mut few[..n], timeout);
    }
    let mut many: Vec<PollFd> = few.into_iter().chain(fds).collect();
    wait(&mut many, timeout)
}

fn wait(polled: &mut [PollFd], timeout: Option<Duration>) -> io::Result<Option<usize>> {
    match ppoll(polled, timeout.map(TimeSpec::from_duration), None) {
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

    /// A run of many instances polls more descriptors than fit on the stack: each one's
    /// place is still the one it was given.
    #[test]
    fn the_readable_descriptor_is_found_among_more_than_fit_on_the_stack() {
        let wakes: Vec<Wake> = (0..ON_STACK + 3).map(|_| Wake::new().unwrap()).collect();
        let fds = || wakes.iter().map(Wake::fd);
        let now = Some(Duration::ZERO);
        assert_eq!(first_readable(fds(), now).unwrap(), None);
        for k in [0, ON_STACK - 1, ON_STACK, ON_STACK + 2] {
            wakes[k].bell().ring();
            assert_eq!(first_readable(fds(), now).unwrap(), Some(k));
            assert_eq!(first_readable(fds().take(k), now).unwrap(), None);
            wakes[k].drain();
        }
        assert_eq!(first_readable([], now).unwrap(), None);
    }
}

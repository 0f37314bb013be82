//! The run loop's one wait: until a VRRP socket has a packet, an edge thread has queued an
//! event (`Wake`), or the machine's next deadline. The loop reads its sockets itself, so a
//! received advert reaches the machine without crossing a thread. `WaitSet` registers the
//! pipe and the sockets once (epoll) instead of handing them to the kernel on every wait.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
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

/// The descriptors the loop waits on, each with a key that names what it is (a socket's node
/// and generation: a reopened socket may reuse the number of the one it replaced, and
/// epoll forgets a closed descriptor). Registered again only when the keys change.
pub struct WaitSet {
    epoll: Epoll,
    keys: Vec<u64>,
    events: [EpollEvent; 8],
}

impl WaitSet {
    pub fn new() -> io::Result<WaitSet> {
        Ok(WaitSet {
            epoll: Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?,
            keys: Vec::new(),
            events: [EpollEvent::empty(); 8],
        })
    }

    /// The position in `fds` of the first readable one, or `None` once `timeout` passed (or
    /// a signal interrupted the wait); no timeout waits for ever.
    pub fn first_readable<'a, F>(
        &mut self,
        fds: F,
        timeout: Option<Duration>,
    ) -> io::Result<Option<usize>>
    where
        F: Iterator<Item = (u64, BorrowedFd<'a>)> + Clone,
    {
        if !fds
            .clone()
            .map(|(key, _)| key)
            .eq(self.keys.iter().copied())
        {
            self.register(fds)?;
        }
        let ready = match wait(&self.epoll, &mut self.events, timeout) {
            Ok(n) => n,
            Err(Errno::EINTR) => 0,
            Err(e) => return Err(io::Error::from(e)),
        };
        Ok(self.events[..ready]
            .iter()
            .filter_map(|e| usize::try_from(e.data()).ok())
            .min())
    }

    /// A fresh epoll set with `fds`, each event carrying its position.
    fn register<'a>(&mut self, fds: impl Iterator<Item = (u64, BorrowedFd<'a>)>) -> io::Result<()> {
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
        let mut keys = Vec::new();
        for (position, (key, fd)) in fds.enumerate() {
            epoll.add(fd, EpollEvent::new(EpollFlags::EPOLLIN, position as u64))?;
            keys.push(key);
        }
        (self.epoll, self.keys) = (epoll, keys);
        Ok(())
    }
}

/// epoll_pwait2: a timeout in nanoseconds, as ppoll's (epoll_wait's milliseconds would make a
/// 10 ms advert up to 1 ms late). Kernels before 5.11 lack it: then epoll_wait, the timeout
/// rounded up to the millisecond.
fn wait(
    epoll: &Epoll,
    events: &mut [EpollEvent],
    timeout: Option<Duration>,
) -> Result<usize, Errno> {
    match pwait2(epoll, events, timeout) {
        Err(Errno::ENOSYS) => {
            let ms = timeout.map_or(-1, |t| {
                t.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32
            });
            epoll.wait(
                events,
                EpollTimeout::try_from(ms).unwrap_or(EpollTimeout::MAX),
            )
        }
        other => other,
    }
}

/// One of the crate's three unsafe sites: nix binds epoll_wait only (millisecond timeout).
#[allow(unsafe_code)]
fn pwait2(
    epoll: &Epoll,
    events: &mut [EpollEvent],
    timeout: Option<Duration>,
) -> Result<usize, Errno> {
    let spec = timeout.map(TimeSpec::from_duration);
    let spec_ptr = spec.as_ref().map_or(std::ptr::null(), |t| {
        t.as_ref() as *const nix::libc::timespec
    });
    // SAFETY: EpollEvent is a transparent wrapper of epoll_event (nix casts the same way in
    // Epoll::wait); the kernel writes at most `events.len()` of them; `spec` outlives the
    // call; a null sigmask leaves the mask alone.
    let n = unsafe {
        nix::libc::epoll_pwait2(
            epoll.0.as_raw_fd(),
            events.as_mut_ptr().cast(),
            events.len() as nix::libc::c_int,
            spec_ptr,
            std::ptr::null(),
        )
    };
    Errno::result(n).map(|n| n as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait_on(set: &mut WaitSet, wake: &Wake, timeout: Option<Duration>) -> Option<usize> {
        set.first_readable(std::iter::once((7, wake.fd())), timeout)
            .unwrap()
    }

    #[test]
    fn a_ring_wakes_the_wait_and_a_drain_quiets_it() {
        let wake = Wake::new().unwrap();
        let mut set = WaitSet::new().unwrap();
        let short = Some(Duration::from_millis(20));
        let started = std::time::Instant::now();
        assert_eq!(wait_on(&mut set, &wake, short), None);
        assert!(started.elapsed() >= Duration::from_millis(20));
        let bell = wake.bell();
        std::thread::spawn(move || bell.ring());
        assert_eq!(wait_on(&mut set, &wake, None), Some(0));
        wake.drain();
        assert_eq!(wait_on(&mut set, &wake, Some(Duration::ZERO)), None);
    }

    /// A socket closed and another opened in its place (it may get the same number): its new
    /// key registers it (epoll dropped the old one with its close).
    #[test]
    fn a_changed_key_registers_the_new_descriptor() {
        let mut set = WaitSet::new().unwrap();
        let first = Wake::new().unwrap();
        first.bell().ring();
        assert_eq!(
            set.first_readable(std::iter::once((1, first.fd())), None)
                .unwrap(),
            Some(0)
        );
        drop(first);
        let second = Wake::new().unwrap();
        second.bell().ring();
        let quiet = Wake::new().unwrap();
        let fds = [(9, quiet.fd()), (2, second.fd())];
        assert_eq!(
            set.first_readable(fds.into_iter(), Some(Duration::from_millis(200)))
                .unwrap(),
            Some(1)
        );
    }
}

//! What every socket of net/ needs: one error for "cannot open" with the privilege hint,
//! timeouts as `None`, and received bytes out of an uninitialised buffer.

use std::io;
use std::mem::MaybeUninit;

use crate::error::{Error, ROOT_HINT};

/// `vipflip: cannot open a <what>: <cause>`, with the setcap hint when permission was denied.
pub fn open_error(what: &str, e: io::Error) -> Error {
    let err = Error::new(format!("cannot open a {what}"), &e);
    if e.kind() == io::ErrorKind::PermissionDenied {
        err.hint(ROOT_HINT)
    } else {
        err
    }
}

/// A read that timed out is `Ok(None)`, not an error.
pub fn none_on_timeout<T>(result: io::Result<Option<T>>) -> io::Result<Option<T>> {
    match result {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Ok(None)
        }
        other => other,
    }
}

/// The first `len` bytes of a buffer a successful recv filled.
pub fn received(buf: &[MaybeUninit<u8>], len: usize) -> Vec<u8> {
    // SAFETY: the kernel initialised the first `len` bytes it reported.
    buf[..len.min(buf.len())]
        .iter()
        .map(|b| unsafe { b.assume_init() })
        .collect()
}

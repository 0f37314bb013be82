//! What every socket of net/ needs: one error for "cannot open" with the privilege hint,
//! and timeouts as `None`.

use std::io;

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

//! What every socket of net/ needs: one error for "cannot open" with the privilege hint.

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

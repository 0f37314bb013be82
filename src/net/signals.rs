//! How every subcommand learns that it should stop: Ctrl-C, SIGTERM (`systemctl stop`) and
//! SIGHUP (a closed terminal) all call one handler, on ctrlc's own thread.

use crate::error::{Error, Result};

/// Calls `handler` on each stop signal; the caller turns it into a message for its loop.
pub fn on_stop(handler: impl FnMut() + Send + 'static) -> Result<()> {
    ctrlc::set_handler(handler).map_err(|e| Error::new("cannot install the signal handler", e))
}

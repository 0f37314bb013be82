//! The per-interface knobs under /proc/sys/net that --vmac reads and sets.

use crate::error::{Error, Result};

/// `/proc/sys/net/<family>/conf/<iface>/<knob>`; family is "ipv4" or "ipv6".
fn path(family: &str, iface: &str, knob: &str) -> String {
    format!("/proc/sys/net/{family}/conf/{iface}/{knob}")
}

/// The knob's value; `None` when it cannot be read (no such interface or knob).
pub fn read(family: &str, iface: &str, knob: &str) -> Option<i64> {
    std::fs::read_to_string(path(family, iface, knob))
        .ok()?
        .trim()
        .parse()
        .ok()
}

pub fn write(family: &str, iface: &str, knob: &str, value: i64) -> Result<()> {
    let at = path(family, iface, knob);
    std::fs::write(&at, value.to_string()).map_err(|e| {
        Error::new(format!("cannot set {at} to {value}"), e)
            .hint("vipflip needs write access to /proc/sys/net (root, not a read-only /proc)")
    })
}

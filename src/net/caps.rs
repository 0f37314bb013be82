//! Is this process allowed to do what vipflip does? Checked before anything is touched.

use crate::error::{Error, Result, ROOT_HINT};

const CAP_NET_ADMIN: u32 = 12;
const CAP_NET_RAW: u32 = 13;

/// The capabilities missing from a `/proc/self/status` text, by name.
pub fn missing_from_status(status: &str) -> Vec<&'static str> {
    let effective = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    [
        (CAP_NET_ADMIN, "CAP_NET_ADMIN"),
        (CAP_NET_RAW, "CAP_NET_RAW"),
    ]
    .into_iter()
    .filter(|(bit, _)| effective & (1 << bit) == 0)
    .map(|(_, name)| name)
    .collect()
}

/// Fails with the setcap hint unless both CAP_NET_ADMIN and CAP_NET_RAW are effective.
pub fn require_net_admin_and_raw() -> Result<()> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| Error::new("cannot read /proc/self/status to check capabilities", e))?;
    let missing = missing_from_status(&status);
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        "missing privileges",
        format!(
            "{} not granted (vipflip adds addresses and sends raw packets)",
            missing.join(" and ")
        ),
    )
    .hint(ROOT_HINT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_effective_set() {
        assert!(missing_from_status("Name:\tx\nCapEff:\t000001ffffffffff\n").is_empty());
        assert_eq!(
            missing_from_status("CapEff:\t0000000000000000\n"),
            vec!["CAP_NET_ADMIN", "CAP_NET_RAW"]
        );
        assert_eq!(
            missing_from_status("CapEff:\t0000000000001000\n"),
            vec!["CAP_NET_RAW"]
        );
        assert_eq!(
            missing_from_status("garbage"),
            vec!["CAP_NET_ADMIN", "CAP_NET_RAW"]
        );
    }
}

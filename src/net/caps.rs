//! Is this process allowed to do what vipflip does? Checked before anything is touched.

use crate::error::{Error, Result, ROOT_HINT};

/// A capability: its bit in the effective set and its name.
pub type Cap = (u32, &'static str);
pub const NET_ADMIN: Cap = (12, "CAP_NET_ADMIN");
pub const NET_RAW: Cap = (13, "CAP_NET_RAW");
pub const SYS_ADMIN: Cap = (21, "CAP_SYS_ADMIN");

/// The capabilities of `needs` missing from a `/proc/self/status` text.
pub fn missing_from_status(status: &str, needs: &[Cap]) -> Vec<&'static str> {
    let effective = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    needs
        .iter()
        .filter(|(bit, _)| effective & (1 << bit) == 0)
        .map(|(_, name)| *name)
        .collect()
}

/// Fails with the setcap hint unless every capability of `needs` is effective; `why` says
/// what they are for.
pub fn require(needs: &[Cap], why: &str) -> Result<()> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|e| Error::new("cannot read /proc/self/status to check capabilities", e))?;
    let missing = missing_from_status(&status, needs);
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        "missing privileges",
        format!("{} not granted ({why})", missing.join(" and ")),
    )
    .hint(ROOT_HINT))
}

pub fn require_net_admin_and_raw() -> Result<()> {
    require(
        &[NET_ADMIN, NET_RAW],
        "vipflip adds addresses and sends raw packets",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_effective_set() {
        let both = [NET_ADMIN, NET_RAW];
        assert!(missing_from_status("Name:\tx\nCapEff:\t000001ffffffffff\n", &both).is_empty());
        assert_eq!(
            missing_from_status("CapEff:\t0000000000000000\n", &both),
            vec!["CAP_NET_ADMIN", "CAP_NET_RAW"]
        );
        assert_eq!(
            missing_from_status("CapEff:\t0000000000001000\n", &both),
            vec!["CAP_NET_RAW"]
        );
        assert!(missing_from_status("CapEff:\t0000000000002000\n", &[NET_RAW]).is_empty());
        assert_eq!(
            missing_from_status("garbage", &both),
            vec!["CAP_NET_ADMIN", "CAP_NET_RAW"]
        );
    }
}

//! A virtual IP as the user writes it (`ADDR/LEN`): a leaf every layer may use.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// A virtual IP with its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Vip {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl FromStr for Vip {
    type Err = String;

    /// `ADDR/LEN`, or a bare address meaning /32 or /128 (as keepalived reads it).
    fn from_str(text: &str) -> std::result::Result<Vip, String> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text.parse().map_err(|_| {
            format!("'{addr_text}' is not an IPv4 or IPv6 address; write e.g. 192.0.2.250/24")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|&p| p <= max)
                .ok_or_else(|| format!("prefix length '{p}' is not 0-{max}"))?,
        };
        if addr.is_unspecified() || addr.is_multicast() || addr.is_loopback() {
            return Err(format!(
                "{addr} cannot be a virtual IP (unspecified, multicast or loopback)"
            ));
        }
        Ok(Vip { addr, prefix })
    }
}

impl fmt::Display for Vip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

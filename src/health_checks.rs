//! What a health check is, as the user writes it (--track-cmd, --track-tcp, --track-http,
//! a keepalived vrrp_script): pure definitions and their parsers. net/health.rs runs them.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Cmd(Vec<String>),
    Tcp {
        host: String,
        port: u16,
    },
    Http {
        host: String,
        port: u16,
        path: String,
    },
}

impl Check {
    /// How the check is named in logs and hooks.
    pub fn name(&self) -> String {
        match self {
            Check::Cmd(argv) => format!("cmd '{}'", argv.join(" ")),
            Check::Tcp { host, port } => format!("tcp {host}:{port}"),
            Check::Http { host, port, path } => format!("http://{host}:{port}{path}"),
        }
    }
}

/// `CMD` split at white space: no shell, so no quoting; use a script for anything more.
pub fn argv(cmd: &str) -> Vec<String> {
    cmd.split_whitespace().map(String::from).collect()
}

/// `HOST:PORT` (IPv6 as `[::1]:80`).
pub fn parse_tcp(text: &str) -> std::result::Result<Check, String> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("'{text}' is not HOST:PORT"))?;
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("'{port}' is not a port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("'{text}' has no host"));
    }
    Ok(Check::Tcp {
        host: host.to_string(),
        port,
    })
}

/// `http://HOST[:PORT][/PATH]`; https needs a TLS client vipflip does not carry.
pub fn parse_http(url: &str) -> std::result::Result<Check, String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| format!("'{url}' is not an http:// URL (https is not supported; use --track-cmd 'curl -fsS URL')"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let port_of = |p: &str| p.parse::<u16>().map_err(|_| format!("'{p}' is not a port"));
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, tail) = v6
                .split_once(']')
                .ok_or_else(|| format!("'{url}' has an unclosed '['"))?;
            (
                host,
                tail.strip_prefix(':')
                    .map(port_of)
                    .transpose()?
                    .unwrap_or(80),
            )
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, port_of(port)?),
            None => (authority, 80),
        },
    };
    if host.is_empty() {
        return Err(format!("'{url}' has no host"));
    }
    Ok(Check::Http {
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets() {
        assert_eq!(
            parse_tcp("127.0.0.1:8080").unwrap(),
            Check::Tcp {
                host: "127.0.0.1".into(),
                port: 8080
            }
        );
        assert_eq!(
            parse_tcp("[::1]:80").unwrap(),
            Check::Tcp {
                host: "::1".into(),
                port: 80
            }
        );
        assert!(parse_tcp("localhost")
            .unwrap_err()
            .contains("not HOST:PORT"));
        assert!(parse_tcp("h:0").is_err());
        assert_eq!(
            parse_http("http://127.0.0.1:8080/healthz").unwrap(),
            Check::Http {
                host: "127.0.0.1".into(),
                port: 8080,
                path: "/healthz".into()
            }
        );
        assert_eq!(
            parse_http("http://example.test").unwrap(),
            Check::Http {
                host: "example.test".into(),
                port: 80,
                path: "/".into()
            }
        );
        assert!(parse_http("https://example.test/")
            .unwrap_err()
            .contains("https is not supported"));
        assert_eq!(
            parse_http("http://[2001:db8::1]:81/x").unwrap(),
            Check::Http {
                host: "2001:db8::1".into(),
                port: 81,
                path: "/x".into()
            }
        );
    }
}

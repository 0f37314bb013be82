//! The health checks themselves: a command, a TCP connect, an HTTP GET. Each runs on its own
//! thread, so a slow or hanging check never delays an advert; a check that outlives its
//! timeout counts as failed (a command is killed).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::exec;
use crate::error::{Error, Result};
use crate::vrrp::track::RiseFall;

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

    /// Runs the check once; `Err` says why it failed.
    pub fn probe(&self, timeout: Duration) -> std::result::Result<(), String> {
        match self {
            Check::Cmd(argv) => {
                let outcome = exec::run(argv, &[], timeout);
                if outcome.ok() {
                    Ok(())
                } else {
                    Err(outcome.describe())
                }
            }
            Check::Tcp { host, port } => connect(host, *port, timeout).map(|_| ()),
            Check::Http { host, port, path } => http_get(host, *port, path, timeout),
        }
    }
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

fn connect(host: &str, port: u16, timeout: Duration) -> std::result::Result<TcpStream, String> {
    let addr = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}: no address"))?;
    TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("connect {addr}: {e}"))
}

/// Healthy on a 2xx or 3xx status line.
fn http_get(
    host: &str,
    port: u16,
    path: &str,
    timeout: Duration,
) -> std::result::Result<(), String> {
    let start = Instant::now();
    let mut stream = connect(host, port, timeout)?;
    let left = timeout
        .saturating_sub(start.elapsed())
        .max(Duration::from_millis(1));
    let _ = stream.set_read_timeout(Some(left));
    let _ = stream.set_write_timeout(Some(left));
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: vipflip\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send request: {e}"))?;
    let mut head = [0u8; 64];
    let n = stream
        .read(&mut head)
        .map_err(|e| format!("read response: {e}"))?;
    let status = String::from_utf8_lossy(&head[..n]);
    let code = status.split_whitespace().nth(1).unwrap_or("");
    if code.starts_with('2') || code.starts_with('3') {
        Ok(())
    } else {
        Err(format!(
            "HTTP status {}",
            if code.is_empty() { "missing" } else { code }
        ))
    }
}

/// Runs `check` every `interval` on its own thread and calls `report(healthy, why)` each
/// time its debounced state flips; stops when `report` returns false.
pub fn spawn<F>(
    check: Check,
    interval: Duration,
    timeout: Duration,
    mut state: RiseFall,
    report: F,
) -> Result<()>
where
    F: Fn(bool, String) -> bool + Send + 'static,
{
    let check = Arc::new(check);
    thread::Builder::new()
        .name("health-check".into())
        .spawn(move || loop {
            let started = Instant::now();
            let result = check.probe(timeout);
            let why = result
                .as_ref()
                .err()
                .cloned()
                .unwrap_or_else(|| "ok".into());
            if let Some(healthy) = state.record(result.is_ok()) {
                if !report(healthy, why) {
                    return;
                }
            }
            thread::sleep(interval.saturating_sub(started.elapsed()));
        })
        .map(|_| ())
        .map_err(|e| Error::new("cannot start a health-check thread", e))
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

    #[test]
    fn tcp_and_http_against_a_local_listener() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            for (n, stream) in listener.incoming().take(3).enumerate() {
                let mut s = stream.unwrap();
                let mut buf = [0u8; 256];
                let _ = s.read(&mut buf);
                let reply: &[u8] = if n == 1 {
                    b"HTTP/1.0 200 OK\r\n\r\n"
                } else {
                    b"HTTP/1.0 503 Busy\r\n\r\n"
                };
                let _ = s.write_all(reply);
            }
        });
        let t = Duration::from_secs(2);
        assert_eq!(
            Check::Tcp {
                host: "127.0.0.1".into(),
                port
            }
            .probe(t),
            Ok(())
        );
        let http = Check::Http {
            host: "127.0.0.1".into(),
            port,
            path: "/".into(),
        };
        assert_eq!(http.probe(t), Ok(()));
        assert_eq!(http.probe(t), Err("HTTP status 503".into()));
        server.join().unwrap();
        // A port bound but not listening refuses, and stays ours while we look (the port
        // the server had may be taken by another test's listener at once).
        let bound =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        let any: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
        bound.bind(&any.into()).unwrap();
        let closed = bound.local_addr().unwrap().as_socket().unwrap().port();
        assert!(
            Check::Tcp {
                host: "127.0.0.1".into(),
                port: closed
            }
            .probe(t)
            .is_err(),
            "nobody listens there"
        );
    }
}

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
pub use crate::health_checks::Check;

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
/// Runs `check` once; `Err` says why it failed.
pub fn probe(check: &Check, timeout: Duration) -> std::result::Result<(), String> {
    match check {
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
        Check::Process(p) => {
            let count = count_processes(p);
            if p.passes(count) {
                Ok(())
            } else {
                Err(format!(
                    "{count} matching process(es), quorum {}..{}",
                    p.quorum, p.quorum_max
                ))
            }
        }
    }
}

/// How many processes of /proc match (keepalived's track_process.c read_procs reads the
/// same files: stat for the name and the zombie state, cmdline for the command).
fn count_processes(p: &crate::health_checks::ProcessMatch) -> u32 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut count = 0;
    for entry in dir.flatten() {
        let path = entry.path();
        let is_pid = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        if !is_pid {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        let comm = stat
            .split_once('(')
            .and_then(|(_, rest)| rest.rsplit_once(')'))
            .filter(|(_, after)| !after.trim_start().starts_with('Z'))
            .map(|(comm, _)| comm.to_string());
        let cmdline = std::fs::read(path.join("cmdline")).unwrap_or_default();
        if p.matches(comm.as_deref(), &cmdline) {
            count += 1;
        }
    }
    count
}

/// Runs `check` every `interval` on its own thread and reports every result (healthy, and
/// why not) until `report` returns false; rise/fall counting is the caller's.
pub fn spawn<F>(check: Check, interval: Duration, timeout: Duration, report: F) -> Result<()>
where
    F: Fn(bool, String) -> bool + Send + 'static,
{
    let check = Arc::new(check);
    thread::Builder::new()
        .name("health-check".into())
        .spawn(move || loop {
            let started = Instant::now();
            let result = probe(&check, timeout);
            let why = result
                .as_ref()
                .err()
                .cloned()
                .unwrap_or_else(|| "ok".into());
            if !report(result.is_ok(), why) {
                return;
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
        let tcp = Check::Tcp {
            host: "127.0.0.1".into(),
            port,
        };
        assert_eq!(probe(&tcp, t), Ok(()));
        let http = Check::Http {
            host: "127.0.0.1".into(),
            port,
            path: "/".into(),
        };
        assert_eq!(probe(&http, t), Ok(()));
        assert_eq!(probe(&http, t), Err("HTTP status 503".into()));
        server.join().unwrap();
        // A port bound but not listening refuses, and stays ours while we look (the port
        // the server had may be taken by another test's listener at once).
        let bound =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        let any: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
        bound.bind(&any.into()).unwrap();
        let closed = bound.local_addr().unwrap().as_socket().unwrap().port();
        let refused = Check::Tcp {
            host: "127.0.0.1".into(),
            port: closed,
        };
        assert!(probe(&refused, t).is_err(), "nobody listens there");
    }
}

//! How `vipflip status` finds the running instances: each `run` listens on an abstract Unix
//! socket named `vipflip-status/<iface>/<vrid>/<pid>` and writes its current state (one JSON
//! line) to whoever connects. Abstract sockets belong to the network namespace, need no
//! file and no permission to connect, and vanish with the process (also after SIGKILL), so
//! `status` sees exactly the live instances of its own namespace, without root.

use std::io::{Read, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::error::{Error, Result};

const PREFIX: &str = "vipflip-status/";

/// The state a `run` shows, as one JSON line, made when a client asks.
pub type Snapshot = Arc<dyn Fn() -> String + Send + Sync>;

/// Serves `snapshot` on the instance's status socket, on a thread of its own, for the
/// life of the process.
/// Serves one line per snapshot (two for a run of both families) to each client.
pub fn serve(iface: &str, vrid: u8, snapshots: Vec<Snapshot>) -> Result<()> {
    let name = socket_name(iface, vrid, std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes())
        .map_err(|e| Error::new("cannot name the status socket", e))?;
    let listener = UnixListener::bind_addr(&addr).map_err(|e| {
        Error::new(format!("cannot open the status socket @{name}"), e)
            .hint("is another vipflip with this PID's socket running? (it should not be)")
    })?;
    thread::Builder::new()
        .name("status".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
                for snapshot in &snapshots {
                    let line = snapshot();
                    let _ = writeln!(stream, "{line}");
                }
            }
        })
        .map_err(|e| Error::new("cannot start the status thread", e))?;
    Ok(())
}

/// The abstract socket name of one instance: what `serve` binds and `instances` parses.
fn socket_name(iface: &str, vrid: u8, pid: u32) -> String {
    format!("{PREFIX}{iface}/{vrid}/{pid}")
}

/// One running instance: what its socket name says, and the JSON line it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub iface: String,
    pub vrid: u8,
    pub pid: u32,
    pub json: String,
}

/// `vipflip-status/eth0/41/1234` from a line of /proc/net/unix (the path is the last field,
/// `@` marking an abstract name).
fn parse_name(line: &str) -> Option<(String, u8, u32)> {
    let path = line.split_whitespace().nth(7)?;
    let rest = path.strip_prefix('@')?.strip_prefix(PREFIX)?;
    let mut parts = rest.split('/');
    let (iface, vrid, pid) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || iface.is_empty() {
        return None;
    }
    Some((iface.to_string(), vrid.parse().ok()?, pid.parse().ok()?))
}

/// The instances running in this network namespace (listening sockets only: a connected
/// socket shows the same name once per client).
pub fn instances() -> Result<Vec<Instance>> {
    let table = std::fs::read_to_string("/proc/net/unix")
        .map_err(|e| Error::new("cannot read /proc/net/unix", e))?;
    let mut names: Vec<(String, u8, u32)> = table
        .lines()
        .skip(1)
        // Flags 00010000: __SO_ACCEPTCON, a listening socket.
        .filter(|l| l.split_whitespace().nth(3) == Some("00010000"))
        .filter_map(parse_name)
        .collect();
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .flat_map(|(iface, vrid, pid)| {
            ask(&iface, vrid, pid)
                .into_iter()
                .map(move |json| Instance {
                    iface: iface.clone(),
                    vrid,
                    pid,
                    json,
                })
        })
        .collect())
}

/// The state lines of one run (one per instance); none when it went away in between.
fn ask(iface: &str, vrid: u8, pid: u32) -> Vec<String> {
    let read = || -> Option<String> {
        let name = socket_name(iface, vrid, pid);
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).ok()?;
        let mut stream = UnixStream::connect_addr(&addr).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
        let mut text = String::new();
        stream.read_to_string(&mut text).ok()?;
        Some(text)
    };
    read()
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_from_proc_net_unix() {
        let line = "0000000000000000: 00000002 00000000 00010000 0001 01 123456 @vipflip-status/eth0/41/987";
        assert_eq!(parse_name(line), Some(("eth0".into(), 41, 987)));
        let other = "0000000000000000: 00000002 00000000 00010000 0001 01 123 @/tmp/.X11-unix/X0";
        assert_eq!(parse_name(other), None);
        let unnamed = "0000000000000000: 00000002 00000000 00000000 0001 03 123";
        assert_eq!(parse_name(unnamed), None);
        let bad =
            "0000000000000000: 00000002 00000000 00010000 0001 01 1 @vipflip-status/eth0/300/1";
        assert_eq!(parse_name(bad), None);
    }

    #[test]
    fn a_served_snapshot_is_found_and_read_back() {
        use std::sync::Mutex;
        let state = Arc::new(Mutex::new("{\"state\":\"backup\"}".to_string()));
        let shown = Arc::clone(&state);
        let snapshot: Snapshot = Arc::new(move || shown.lock().unwrap().clone());
        let vrid = (std::process::id() % 200) as u8 + 1;
        serve("unit-test", vrid, vec![Arc::clone(&snapshot)]).unwrap();
        *state.lock().unwrap() = "{\"state\":\"master\"}".into();
        let found = instances().unwrap();
        let ours = found
            .iter()
            .find(|i| i.iface == "unit-test" && i.pid == std::process::id())
            .expect("our instance");
        assert_eq!(ours.vrid, vrid);
        assert_eq!(ours.json, "{\"state\":\"master\"}");
    }
}

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
    /// keepalived's vrrp_track_process: passing while the number of matching processes is
    /// within quorum..=quorum_max.
    Process(ProcessMatch),
}

/// Which processes count, as keepalived's track_process.c read_procs matches them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessMatch {
    /// The name (`comm`), or with `full_command` the command line's first word.
    pub name: String,
    /// Arguments that must follow it (keepalived's process params); matching implies
    /// full_command.
    pub params: Vec<String>,
    pub full_command: bool,
    pub param_match: ParamMatch,
    pub quorum: u32,
    pub quorum_max: u32,
}

/// keepalived's PARAM_MATCH_*: how the arguments are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamMatch {
    /// No arguments are compared.
    None,
    /// Exactly these arguments.
    Exact,
    /// These first (more may follow).
    Partial,
    /// These first, the last one as a prefix.
    Initial,
}

impl ProcessMatch {
    /// Whether one process counts: `comm` from /proc/PID/stat (`None` for a zombie), and
    /// `cmdline` as /proc/PID/cmdline has it (NUL after each word). track_process.c
    /// read_procs and check_params.
    pub fn matches(&self, comm: Option<&str>, cmdline: &[u8]) -> bool {
        let mut words = cmdline.split(|b| *b == 0);
        let name_ok = if self.full_command {
            words.next().is_some_and(|w| w == self.name.as_bytes())
        } else {
            comm == Some(self.name.as_str())
        };
        if !name_ok {
            return false;
        }
        if self.param_match == ParamMatch::None {
            return true;
        }
        let args: Vec<&[u8]> = if self.full_command {
            words.filter(|w| !w.is_empty()).collect()
        } else {
            cmdline
                .split(|b| *b == 0)
                .skip(1)
                .filter(|w| !w.is_empty())
                .collect()
        };
        let want: Vec<&[u8]> = self.params.iter().map(|p| p.as_bytes()).collect();
        match self.param_match {
            ParamMatch::None => true,
            ParamMatch::Exact => args == want,
            ParamMatch::Partial => args.len() >= want.len() && args[..want.len()] == want[..],
            ParamMatch::Initial => match want.split_last() {
                None => true,
                Some((last, first)) => {
                    args.len() >= want.len()
                        && args[..first.len()] == *first
                        && args[first.len()].starts_with(last)
                }
            },
        }
    }

    /// Passing for `count` matching processes.
    pub fn passes(&self, count: u32) -> bool {
        (self.quorum..=self.quorum_max).contains(&count)
    }
}

impl Check {
    /// How the check is named in logs and hooks.
    pub fn name(&self) -> String {
        match self {
            Check::Cmd(argv) => format!("cmd '{}'", argv.join(" ")),
            Check::Tcp { host, port } => format!("tcp {host}:{port}"),
            Check::Http { host, port, path } => format!("http://{host}:{port}{path}"),
            Check::Process(p) if p.params.is_empty() => format!("process {}", p.name),
            Check::Process(p) => format!("process {} {}", p.name, p.params.join(" ")),
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

    fn process(name: &str, params: &[&str], full: bool, how: ParamMatch) -> ProcessMatch {
        ProcessMatch {
            name: name.into(),
            params: params.iter().map(|p| p.to_string()).collect(),
            full_command: full,
            param_match: how,
            quorum: 1,
            quorum_max: u32::MAX,
        }
    }

    /// keepalived's track_process.c read_procs and check_params.
    #[test]
    fn processes_match_as_keepalived_counts_them() {
        let cmd = b"/usr/sbin/haproxy\0-f\0/etc/haproxy/haproxy.cfg\0";
        let by_comm = process("haproxy", &[], false, ParamMatch::None);
        assert!(by_comm.matches(Some("haproxy"), cmd));
        assert!(!by_comm.matches(None, cmd), "a zombie does not count");
        assert!(!by_comm.matches(Some("haproxy2"), cmd));
        let full = process("/usr/sbin/haproxy", &[], true, ParamMatch::None);
        assert!(full.matches(Some("haproxy"), cmd));
        let exact = process(
            "/usr/sbin/haproxy",
            &["-f", "/etc/haproxy/haproxy.cfg"],
            true,
            ParamMatch::Exact,
        );
        assert!(exact.matches(Some("haproxy"), cmd));
        let fewer = process("/usr/sbin/haproxy", &["-f"], true, ParamMatch::Exact);
        assert!(!fewer.matches(Some("haproxy"), cmd));
        let partial = process("/usr/sbin/haproxy", &["-f"], true, ParamMatch::Partial);
        assert!(partial.matches(Some("haproxy"), cmd));
        let initial = process(
            "/usr/sbin/haproxy",
            &["-f", "/etc/hap"],
            true,
            ParamMatch::Initial,
        );
        assert!(initial.matches(Some("haproxy"), cmd));
        let quorum = ProcessMatch {
            quorum: 2,
            quorum_max: 3,
            ..by_comm
        };
        assert!(!quorum.passes(1) && quorum.passes(2) && quorum.passes(3) && !quorum.passes(4));
    }

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

//! Running an external command without a shell, with a timeout: health checks and hooks.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Exited {
        code: i32,
        stderr: String,
    },
    /// Killed by a signal other than ours.
    Signalled {
        stderr: String,
    },
    TimedOut,
    CannotStart(String),
}

impl Outcome {
    pub fn ok(&self) -> bool {
        matches!(self, Outcome::Exited { code: 0, .. })
    }

    /// One line for a log.
    pub fn describe(&self) -> String {
        let tail = |stderr: &str| {
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            if last.is_empty() {
                String::new()
            } else {
                format!(": {}", last.trim())
            }
        };
        match self {
            Outcome::Exited { code, stderr } => format!("exited {code}{}", tail(stderr)),
            Outcome::Signalled { stderr } => format!("killed by a signal{}", tail(stderr)),
            Outcome::TimedOut => "killed after its timeout".into(),
            Outcome::CannotStart(e) => format!("cannot start: {e}"),
        }
    }
}

/// Where `program` would be run from: a path with a `/` as given, else the first match in
/// $PATH. `Err` says what is wrong (missing, not a file, not executable).
pub fn find_program(program: &str) -> std::result::Result<std::path::PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |path: &std::path::Path| {
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let path = std::path::PathBuf::from(program);
        return match std::fs::metadata(&path) {
            Err(e) => Err(format!("{program}: {e}")),
            Ok(_) if runnable(&path) => Ok(path),
            Ok(_) => Err(format!("{program} is not an executable file")),
        };
    }
    let paths = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|path| runnable(path))
        .ok_or_else(|| format!("'{program}' is not found in PATH"))
}

/// Runs `argv` with extra `env`, killing it after `timeout`.
pub fn run(argv: &[String], env: &[(String, String)], timeout: Duration) -> Outcome {
    let Some((program, args)) = argv.split_first() else {
        return Outcome::CannotStart("empty command".into());
    };
    let spawned = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return Outcome::CannotStart(format!("{program}: {e}")),
    };
    let end = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= end => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Outcome::TimedOut;
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    match status.code() {
        Some(code) => Outcome::Exited { code, stderr },
        None => Outcome::Signalled { stderr },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health_checks::argv;

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    #[test]
    fn exit_codes_stderr_timeouts_and_missing_programs() {
        assert!(run(&["true".to_string()], &[], Duration::from_secs(5)).ok());
        let out = run(&sh("echo oops >&2; exit 3"), &[], Duration::from_secs(5));
        assert_eq!(out.describe(), "exited 3: oops");
        let started = Instant::now();
        assert_eq!(
            run(&argv("sleep 5"), &[], Duration::from_millis(100)),
            Outcome::TimedOut
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "killed, not waited for"
        );
        assert!(run(&argv("/nonexistent/cmd"), &[], Duration::from_secs(1))
            .describe()
            .starts_with("cannot start"));
        // No shell: metacharacters are plain arguments.
        let marker = std::env::temp_dir().join(format!("vipflip-no-shell-{}", std::process::id()));
        let cmd = format!(
            "echo $(touch {}) ; touch {}",
            marker.display(),
            marker.display()
        );
        assert!(run(&argv(&cmd), &[], Duration::from_secs(5)).ok());
        assert!(!marker.exists(), "a shell ran the command");
        let env = [("VIPFLIP_STATE".to_string(), "master".to_string())];
        assert!(run(
            &sh("test \"$VIPFLIP_STATE\" = master"),
            &env,
            Duration::from_secs(5)
        )
        .ok());
    }
}

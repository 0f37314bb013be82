//! The README and the shipped systemd unit cannot rot: every vipflip command line they show
//! must be accepted by the current command-line definition.

use clap::Parser;
use vipflip::cli::Cli;

mod readme;

fn root(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn every_command_line_in_the_readme_parses() {
    let commands = readme::commands(&readme::readme());
    assert!(commands.len() >= 8, "found only {commands:?}");
    for sub in ["run", "probe", "ping-watch", "release", "demo"] {
        assert!(
            commands
                .iter()
                .any(|c| c.get(1).map(String::as_str) == Some(sub)),
            "README shows no 'vipflip {sub}'"
        );
    }
    for argv in commands {
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("README command {argv:?} no longer parses:\n{e}");
        }
    }
}

/// The pages the README sends a reader to, with their paths from the repository's root.
fn docs() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| format!("docs/{}", e.file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".md"))
        .map(|p| (root(&p), p))
        .map(|(text, p)| (p, text))
        .collect();
    pages.sort();
    pages
}

#[test]
fn every_command_line_in_the_docs_parses() {
    for (page, text) in docs() {
        for argv in readme::commands(&text) {
            if let Err(e) = Cli::try_parse_from(&argv) {
                panic!("{page}: command {argv:?} no longer parses:\n{e}");
            }
        }
    }
}

/// A reader who follows a link lands somewhere: every relative link of the README and of
/// docs/ names a file that exists, and its `#anchor` a heading of that file (GitHub's slugs).
#[test]
fn every_link_in_the_readme_and_docs_resolves() {
    let mut pages = docs();
    pages.push(("README.md".into(), readme::readme()));
    let mut broken = Vec::new();
    for (page, text) in &pages {
        let dir = std::path::Path::new(page)
            .parent()
            .unwrap_or(std::path::Path::new(""));
        for target in links(text) {
            if target.starts_with("http://") || target.starts_with("https://") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let path = if file.is_empty() {
                std::path::PathBuf::from(page)
            } else {
                dir.join(file)
            };
            let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
            if !full.exists() {
                broken.push(format!("{page}: {target} (no {})", path.display()));
                continue;
            }
            if !anchor.is_empty() {
                let heads = std::fs::read_to_string(&full)
                    .map(|t| slugs(&t))
                    .unwrap_or_default();
                if !heads.iter().any(|h| h == anchor) {
                    broken.push(format!("{page}: {target} (headings: {heads:?})"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The targets of `[text](target)` links outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose(text) {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

/// GitHub's anchors of the headings outside code blocks: lower case, punctuation dropped,
/// spaces to dashes.
fn slugs(text: &str) -> Vec<String> {
    prose(text)
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect()
        })
        .collect()
}

/// The lines of `text` outside ``` blocks.
fn prose(text: &str) -> impl Iterator<Item = &str> {
    let mut in_code = false;
    text.lines().filter(move |l| {
        if l.starts_with("```") {
            in_code = !in_code;
            return false;
        }
        !in_code
    })
}

#[test]
fn the_systemd_unit_runs_the_example_flags_with_least_privilege() {
    let unit = root("contrib/vipflip@.service");
    let example = root("contrib/vipflip.args.example");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    assert_eq!(exec, "vipflip run --args-file /etc/vipflip/%i.args");
    // The example as shipped, and its commented alternative, each give a command that parses;
    // a --track-cmd with arguments stays one value.
    let shipped = vipflip::cli::args_from_file(&example).expect("the example reads");
    let i = shipped
        .iter()
        .position(|a| a == "--track-cmd")
        .expect("a --track-cmd");
    assert_eq!(shipped[i + 1], "systemctl is-active nginx");
    let alternative: String = example
        .lines()
        .filter_map(|l| l.strip_prefix("# --"))
        .map(|l| format!("--{l}\n"))
        .collect();
    for args in [
        shipped,
        vipflip::cli::args_from_file(&alternative).expect("reads"),
    ] {
        let mut argv = vec!["vipflip".to_string(), "run".to_string()];
        argv.extend(args);
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("the unit's command {argv:?} does not parse:\n{e}");
        }
    }
    for needed in [
        "Type=notify",
        "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW",
        "KillSignal=SIGTERM",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.contains(needed), "the unit lacks {needed}");
    }
    let override_conf = root("contrib/vipflip@.service.d/hooks-as-root.conf");
    assert!(override_conf.contains("[Service]") && override_conf.contains("User=root"));
}

#[test]
fn an_args_file_names_the_line_it_cannot_read() {
    let err = vipflip::cli::args_from_file("--vrid 41\nvip 192.0.2.250/24\n").unwrap_err();
    assert!(
        err.starts_with("line 2: 'vip' is not a flag of run"),
        "{err}"
    );
    assert_eq!(
        vipflip::cli::args_from_file("# c\n\n  --no-preempt  \n--on-master a b  c\n").unwrap(),
        vec!["--no-preempt", "--on-master", "a b  c"]
    );
}

/// Issue 20 (e): a stopping master keeps the VIP until a successor has announced it, at most
/// Skew_Time(1) + one interval (`handover_wait`); a lone master waits all of it. systemd
/// sends SIGKILL when TimeoutStopSec runs out, and a killed vipflip leaves the VIP on the
/// interface. So the unit's timeout must outlast the longest wait any accepted interval gives:
/// VRRPv3's 40.95 s, VRRPv2's 255 s.
#[test]
fn the_units_stop_timeout_outlasts_the_longest_handover_wait() {
    use vipflip::vrrp::timers::handover_wait;
    use vipflip::wire::Version;
    let unit = root("contrib/vipflip@.service");
    let timeout = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .expect("a TimeoutStopSec line");
    let timeout = humantime::parse_duration(timeout.trim()).expect("a duration systemd reads");
    for (version, longest_cs) in [(Version::V3, 4095), (Version::V2, 25500)] {
        let wait = handover_wait(version, longest_cs);
        assert!(
            timeout > wait + std::time::Duration::from_secs(1),
            "TimeoutStopSec={timeout:?} would SIGKILL a lone {version:?} master with {}s adverts \
             before its handover wait of {wait:?} ends, leaving the VIP on the interface",
            longest_cs / 100
        );
    }
}

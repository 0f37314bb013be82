//! The corpus (tests/keepalived_corpus/): keepalived.conf files in the shapes people
//! publish, each with what vipflip must make of it. A file's header says where its shape
//! comes from and what is expected:
//!
//! ```text
//! ! shape: REPOSITORY PATH (what it is)
//! ! expect: NAME: SUMMARY          one line per instance, as `summary` writes it
//! ! expect refused: TEXT           the file is refused, naming TEXT
//! ```
//!
//! With VIPFLIP_REAL_CORPUS=DIR, `real_corpus_tally` reads real files from DIR (kept out of
//! the repository) and prints the tally: `cargo test --lib real_corpus -- --ignored --nocapture`.

use std::path::{Path, PathBuf};

use crate::cmd::run::plan::ConfFiles;

use super::{parse, Conf, Instance};
use crate::cli::{Cli, Command};
use crate::config::{run_config, RunConfig};
use clap::Parser;

/// Includes from the file system, as `vipflip run` reads them (no `@ID` line counts).
fn disk() -> ConfFiles {
    ConfFiles { config_id: None }
}

/// What `vipflip run --keepalived-conf FILE --instance NAME` runs, in one line.
fn summary(inst: &Instance, conf: &Conf) -> String {
    let Command::Run(args) = Cli::try_parse_from(["vipflip", "run"])
        .expect("run parses")
        .command
    else {
        unreachable!()
    };
    let mut one = inst.clone();
    one.notes.splice(0..0, conf.notes.iter().cloned());
    match run_config(&args, Some(&one)) {
        Ok(c) => translated(&c),
        Err(e) => format!("refused: {}: {}", e.what, e.cause),
    }
}

fn translated(c: &RunConfig) -> String {
    let checks: Vec<String> = c
        .track
        .checks
        .iter()
        .map(|t| {
            let mut s = format!(
                "{}/w{}/i{}/r{}/f{}",
                t.check.name(),
                t.weight,
                t.interval.as_secs(),
                t.rise,
                t.fall
            );
            if t.reverse {
                s.push_str("/reverse");
            }
            if t.init_fail {
                s.push_str("/init_fail");
            }
            s
        })
        .collect();
    let ifaces: Vec<String> = c
        .track_ifaces
        .iter()
        .map(|t| format!("{}/w{}", t.name, t.weight))
        .collect();
    let hooks: Vec<String> = c
        .hooks
        .all()
        .iter()
        .map(|(flag, argv)| {
            let bare = if c.hooks.bare.contains(flag) {
                ""
            } else {
                "+args"
            };
            format!(
                "{}{bare}={}",
                flag.trim_start_matches("--on-"),
                argv.join(" ")
            )
        })
        .collect();
    let mut s = format!(
        "vrid {} prio {}{} v{} every {}ms {} vips",
        c.vrid,
        c.priority,
        if c.state_master { " master" } else { "" },
        c.version.number(),
        u32::from(c.interval_cs) * 10,
        c.vips.len()
    );
    if !c.excluded.is_empty() {
        s.push_str(&format!(" +{} excluded", c.excluded.len()));
    }
    for (addr, dev) in &c.vip_devs {
        s.push_str(&format!(" {addr}@{dev}"));
    }
    if !c.preempt {
        s.push_str(" nopreempt");
    }
    if !c.track_primary {
        s.push_str(" dont-track-primary");
    }
    if let Some(group) = &c.sync_group {
        let h = &c.group_hooks;
        let named: Vec<&str> = [
            ("master", &h.on_master),
            ("backup", &h.on_backup),
            ("fault", &h.on_fault),
            ("stop", &h.on_stop),
            ("notify", &h.on_change),
        ]
        .iter()
        .filter(|(_, hook)| hook.is_some())
        .map(|(name, _)| *name)
        .collect();
        s.push_str(&format!(" group {group}"));
        if !named.is_empty() {
            s.push_str(&format!(" [{}]", named.join(",")));
        }
    }
    if let Some(every) = c.garp_refresh {
        s.push_str(&format!(" refresh {}s", every.as_secs()));
    }
    if let Some(src) = c.unicast_src {
        s.push_str(&format!(" src {src}"));
    }
    if !c.unicast_peers.is_empty() {
        s.push_str(&format!(" peers {}", c.unicast_peers.len()));
    }
    if c.auth != crate::wire::Auth::None {
        s.push_str(" auth");
    }
    if !checks.is_empty() {
        s.push_str(&format!(" checks [{}]", checks.join(", ")));
    }
    if !ifaces.is_empty() {
        s.push_str(&format!(" ifaces [{}]", ifaces.join(", ")));
    }
    if !hooks.is_empty() {
        s.push_str(&format!(" hooks [{}]", hooks.join(", ")));
    }
    s
}

/// Every instance's summary, or the file's refusal.
fn outcome(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("corpus file");
    match parse(&text, Some(path), &disk()) {
        Ok(conf) => conf
            .instances
            .iter()
            .map(|i| format!("{}: {}", i.name, summary(i, &conf)))
            .collect(),
        Err(e) => vec![format!("refused: {e}")],
    }
}

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "conf"));
    files.sort();
    files
}

#[test]
fn the_corpus_translates_as_each_file_expects() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keepalived_corpus");
    let files = corpus_files(&dir);
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    let mut wrong = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus file");
        let first = text.lines().next().unwrap_or("");
        assert!(
            first.starts_with("! shape: "),
            "{}: the first line names the public file it follows",
            path.display()
        );
        let expected: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("! expect"))
            .collect();
        assert!(!expected.is_empty(), "{}: no expectation", path.display());
        let got = outcome(path);
        let refusal = expected.iter().find_map(|e| e.strip_prefix(" refused: "));
        let ok = match refusal {
            Some(want) => {
                got.len() == 1 && got[0].starts_with("refused: ") && got[0].contains(want)
            }
            None => {
                let want: Vec<&str> = expected
                    .iter()
                    .filter_map(|e| e.strip_prefix(": "))
                    .collect();
                got == want
            }
        };
        if !ok {
            wrong.push(format!(
                "{}\n  expected: {expected:#?}\n  got:      {got:#?}",
                path.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The tally over real files kept outside the repository (see the module doc).
#[test]
#[ignore]
fn real_corpus_tally() {
    let Some(dir) = std::env::var_os("VIPFLIP_REAL_CORPUS") else {
        eprintln!("set VIPFLIP_REAL_CORPUS=DIR");
        return;
    };
    for path in corpus_files(Path::new(&dir)) {
        println!("== {}", path.display());
        for line in outcome(&path) {
            println!("   {line}");
        }
    }
}

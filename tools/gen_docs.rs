//! Generates man/ and completions/ from the clap definition:
//!     cargo run --example gen-docs
//! tests/docs_in_sync.rs fails when the committed files differ from what this produces.

use std::path::PathBuf;

use clap_complete::Shell;

/// Sections clap does not know about, appended to every page.
fn extra_sections(page: &str) -> String {
    let mut roff = String::new();
    if page == "vipflip" {
        roff.push_str(concat!(
            ".SH GLOSSARY\n",
            "vipflip uses keepalived's and operators' words: \\fBmaster\\fR holds the VIP and sends adverts ",
            "(RFC 9568: Active Router), \\fBbackup\\fR listens and takes over when the master falls silent ",
            "(RFC 9568: Backup Router), \\fBfault\\fR means the interface is down and the node takes no part.\n",
        ));
    }
    roff.push_str(concat!(
        ".SH \"EXIT STATUS\"\n",
        ".TP\n0\nsuccess (run: stopped by SIGINT, SIGTERM or SIGHUP after releasing the VIP)\n",
        ".TP\n1\na negative answer\n",
        ".TP\n2\nan error: bad flags, missing privileges (CAP_NET_ADMIN and CAP_NET_RAW), unknown interface; ",
        "the message names the problem and a hint line the fix\n",
        ".SH ENVIRONMENT\n.TP\nNO_COLOR\nno color in the output unless \\fB\\-\\-color always\\fR\n",
        ".SH \"SEE ALSO\"\n\\fBkeepalived\\fR(8), \\fBkeepalived.conf\\fR(5), \\fBip\\-address\\fR(8), RFC 3768, RFC 9568\n",
    ));
    roff
}

/// Examples of the top page, which has no after_help examples of its own.
const TOP_EXAMPLES: &str = "\
Examples:
  # see a failover on this one machine, in network namespaces of its own
  sudo vipflip demo
  # on each node, with a different priority
  vipflip run --vip 192.168.31.250/24 --iface ens33 --vrid 41 --priority 200
  # who is master, who holds the VIP
  vipflip probe --iface ens33
  # measure the outage of a failover from a client
  vipflip ping-watch 192.168.31.250
  # drop a VIP left behind by a killed daemon
  vipflip release --vip 192.168.31.250/24 --iface ens33
  # is this node master of VRID 41? (exit 0 if so, no root needed)
  vipflip status --vrid 41";

fn roff_escape(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// An EXAMPLES section from an "Examples:" help text, kept as preformatted lines.
fn examples_section(help: &str) -> String {
    let body = help
        .split_once("Examples:")
        .map(|(_, rest)| rest)
        .unwrap_or("");
    let lines: Vec<String> = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| roff_escape(l.trim()))
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!(".SH EXAMPLES\n.nf\n{}\n.fi\n", lines.join("\n"))
}

/// SYNOPSIS with each option's value (`[--vip ADDR/LEN]`): clap_mangen's names the flags
/// alone, which tells a reader nothing of what they take.
fn synopsis(cmd: &clap::Command, page: &str) -> String {
    let mut words = vec![format!("\\fB{}\\fR", page.replacen('-', " ", 1))];
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let Some(long) = arg.get_long() else {
            if arg.is_positional() {
                let name = arg
                    .get_value_names()
                    .and_then(|v| v.first().map(|n| n.to_string()));
                let name = name.unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
                let word = format!("\\fI{}\\fR", roff_escape(&name));
                words.push(if arg.is_required_set() {
                    word
                } else {
                    format!("[{word}]")
                });
            }
            continue;
        };
        let takes_value = arg.get_action().takes_values();
        let value = arg
            .get_value_names()
            .and_then(|v| v.first())
            .filter(|_| takes_value)
            .map(|v| format!(" \\fI{}\\fR", roff_escape(v)))
            .unwrap_or_default();
        let flag = format!("\\fB\\-\\-{}\\fR{value}", roff_escape(long));
        words.push(if arg.is_required_set() {
            flag
        } else {
            format!("[{flag}]")
        });
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        words.push("\\fICOMMAND\\fR".into());
    }
    format!(".SH SYNOPSIS\n{}\n", words.join(" "))
}

fn man_page(cmd: clap::Command, page: &str) -> Vec<u8> {
    let help = match page {
        "vipflip" => TOP_EXAMPLES.to_string(),
        _ => cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default(),
    };
    let man = clap_mangen::Man::new(cmd.clone().name(page.to_string()))
        .section("1")
        .manual("vipflip manual");
    let mut out = Vec::new();
    let ok = |r: std::io::Result<()>| r.unwrap_or_else(|e| panic!("render {page}: {e}"));
    ok(man.render_title(&mut out));
    ok(man.render_name_section(&mut out));
    out.extend_from_slice(synopsis(&cmd, page).as_bytes());
    ok(man.render_description_section(&mut out));
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        ok(man.render_options_section(&mut out));
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        ok(man.render_subcommands_section(&mut out));
    }
    out.extend_from_slice(examples_section(&help).as_bytes());
    man.render_version_section(&mut out)
        .unwrap_or_else(|e| panic!("render {page}: {e}"));
    out.extend_from_slice(extra_sections(page).as_bytes());
    out
}

/// Every generated file, relative to the repository root, with its contents.
/// vipflip-json(7): every --json event and field, from the schema in src/events.rs.
fn json_page() -> String {
    let mut roff = String::from(concat!(
        ".TH vipflip-json 7 \"\" \"vipflip\"\n",
        ".SH NAME\nvipflip\\-json \\- the events vipflip prints with \\-\\-json\n",
        ".SH DESCRIPTION\n",
        "With \\fB\\-\\-json\\fR every command prints one JSON object per line. Every object has ",
        "\\fBtime\\fR (string, RFC 3339 local time) and \\fBevent\\fR (string), then the fields of its event ",
        "below. Durations are numbers of milliseconds in fields named *_ms; times since 1970 are *_unix_ms. ",
        "\\fBmessage\\fR is the text line's words, for people; scripts use the other fields and the event name. ",
        "Fields marked optional appear only when they apply. A \\fBrun\\fR with IPv4 and IPv6 VIPs is two ",
        "instances, and each of their events also has \\fBfamily\\fR (string, ipv4 or ipv6). Debug builds check every event printed against ",
        "this list, so the test suite fails when they disagree.\n",
        ".SH EVENTS\n",
    ));
    for spec in vipflip::events::EVENTS {
        roff.push_str(&format!(
            ".TP\n\\fB{}\\fR ({})\n{}\n",
            roff_escape(spec.event),
            roff_escape(spec.from),
            roff_escape(spec.doc)
        ));
        for field in spec.fields {
            let optional = if field.optional { ", optional" } else { "" };
            roff.push_str(&format!(
                ".br\n\\fI{}\\fR ({}{optional}): {}\n",
                roff_escape(field.name),
                field.kind.describe(),
                roff_escape(field.doc)
            ));
        }
    }
    roff.push_str(".SH \"SEE ALSO\"\n\\fBvipflip\\fR(1)\n");
    roff
}

pub fn generate() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut cmd = vipflip::cli::command();
    cmd.build();
    files.push((
        PathBuf::from("man/vipflip.1"),
        man_page(cmd.clone(), "vipflip"),
    ));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let page = format!("vipflip-{}", sub.get_name());
        files.push((
            PathBuf::from(format!("man/{page}.1")),
            man_page(sub.clone(), &page),
        ));
    }
    files.push((
        PathBuf::from("man/vipflip-json.7"),
        json_page().into_bytes(),
    ));
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut vipflip::cli::command(), "vipflip", &mut out);
        let name = match shell {
            Shell::Bash => "vipflip.bash",
            Shell::Zsh => "_vipflip",
            Shell::Fish => "vipflip.fish",
            Shell::Elvish => "vipflip.elv",
            _ => "_vipflip.ps1",
        };
        files.push((PathBuf::from("completions").join(name), out));
    }
    files
}

#[allow(dead_code)]
fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in ["man", "completions"] {
        let _ = std::fs::remove_dir_all(root.join(dir));
        std::fs::create_dir_all(root.join(dir)).unwrap_or_else(|e| panic!("create {dir}: {e}"));
    }
    for (path, contents) in generate() {
        std::fs::write(root.join(&path), contents)
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        println!("wrote {}", path.display());
    }
}

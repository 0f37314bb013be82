//! The vipflip command lines the README shows, for the tests that keep it true.
#![allow(dead_code)]

/// The README's text.
pub fn readme() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The part of `text` from the heading `from` up to the next `## ` heading.
pub fn section<'a>(text: &'a str, from: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("README has no '{from}'"));
    let rest = &text[start + from.len()..];
    &text[start..start + from.len() + rest.find("\n## ").unwrap_or(rest.len())]
}

/// Every vipflip command line in the code blocks of `text`, as argv, `sudo` and paths dropped.
pub fn commands(text: &str) -> Vec<Vec<String>> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.extend(line.split("&&").filter_map(command));
        }
    }
    out
}

/// `vipflip ...`, `sudo vipflip ...`, `$ sudo vipflip ...` or `sudo ./target/release/vipflip ...`
/// (a trailing comment dropped); not `install ... vipflip /usr/local/bin/vipflip`.
fn command(part: &str) -> Option<Vec<String>> {
    let words: Vec<&str> = part
        .split_whitespace()
        .take_while(|w| !w.starts_with('#'))
        .collect();
    let start = words
        .iter()
        .position(|w| *w == "vipflip" || w.ends_with("/vipflip"))?;
    if !words[..start].iter().all(|w| matches!(*w, "sudo" | "$")) {
        return None;
    }
    let mut argv = vec!["vipflip".to_string()];
    argv.extend(words[start + 1..].iter().map(|w| w.to_string()));
    Some(argv)
}

/// The lab's version of a README command: documentation addresses and eth0.
pub fn in_lab(argv: &[String]) -> Vec<String> {
    argv.iter()
        .map(|a| {
            a.replace("192.168.31.", "192.0.2.")
                .replace("ens33", "eth0")
        })
        .collect()
}

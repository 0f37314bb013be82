//! man/ and completions/ must be what the current clap definition generates.

#[path = "../tools/gen_docs.rs"]
mod gen_docs;

use std::path::PathBuf;

#[test]
fn man_pages_and_completions_are_up_to_date() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let expected = gen_docs::generate();
    let mut stale = Vec::new();
    for (path, contents) in &expected {
        if std::fs::read(root.join(path)).ok().as_ref() != Some(contents) {
            stale.push(path.display().to_string());
        }
    }
    for dir in ["man", "completions"] {
        for entry in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rel = PathBuf::from(dir).join(entry.file_name());
            if !expected.iter().any(|(p, _)| *p == rel) {
                stale.push(format!("{} (no longer generated)", rel.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale: {stale:?}; run: cargo run --example gen-docs"
    );
}

#[test]
fn man_pages_have_the_sections_users_look_for() {
    let pages = gen_docs::generate();
    let (_, run) = pages
        .iter()
        .find(|(p, _)| p.ends_with("vipflip-run.1"))
        .expect("vipflip-run.1");
    let run = String::from_utf8_lossy(run);
    for needle in [
        "EXIT STATUS",
        "SEE ALSO",
        "keepalived",
        "\\-\\-advert\\-int",
        "\\-\\-keepalived\\-conf",
        // The synopsis shows what each option takes.
        "[\\fB\\-\\-vip\\fR \\fIADDR/LEN\\fR]",
        "[\\fB\\-\\-advert\\-int\\fR \\fIDURATION\\fR]",
    ] {
        assert!(run.contains(needle), "vipflip-run.1 lacks {needle}");
    }
    for page in [
        "vipflip.1",
        "vipflip-run.1",
        "vipflip-probe.1",
        "vipflip-ping-watch.1",
        "vipflip-release.1",
    ] {
        let (_, text) = pages
            .iter()
            .find(|(p, _)| p.ends_with(page))
            .unwrap_or_else(|| panic!("no {page}"));
        let text = String::from_utf8_lossy(text);
        for section in [".SH EXAMPLES", ".SH \"EXIT STATUS\"", ".SH \"SEE ALSO\""] {
            assert!(text.contains(section), "{page} lacks {section}");
        }
        assert!(
            !text.contains(".SH EXTRA"),
            "{page}: examples belong in EXAMPLES"
        );
    }
    let (_, top) = pages
        .iter()
        .find(|(p, _)| p.ends_with("man/vipflip.1"))
        .expect("vipflip.1");
    assert!(
        String::from_utf8_lossy(top).contains("Active Router"),
        "glossary"
    );
}

//! Every fuzz seed, and every input a fuzzer ever crashed on (fuzz/regressions/), through the
//! fuzz targets' code: none may panic again.

use std::path::Path;

fn inputs(kind: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in ["seeds", "regressions"] {
        for entry in std::fs::read_dir(root.join(dir).join(kind))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                out.push((entry.path().display().to_string(), bytes));
            }
        }
    }
    out
}

#[test]
fn packet_inputs() {
    let all = inputs("packet");
    assert!(
        all.len() >= 100,
        "the captures' frames are the seeds: {}",
        all.len()
    );
    for (name, bytes) in all {
        let result = std::panic::catch_unwind(|| vipflip::fuzz_entry::packet(&bytes));
        assert!(result.is_ok(), "{name} panics");
    }
}

#[test]
fn keepalived_conf_inputs() {
    let all = inputs("keepalived_conf");
    assert!(all.len() >= 2);
    for (name, bytes) in all {
        let result = std::panic::catch_unwind(|| vipflip::fuzz_entry::keepalived_conf(&bytes));
        assert!(result.is_ok(), "{name} panics");
    }
}

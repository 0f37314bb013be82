//! tools/test-runner, as a user without a terminal meets it (an IDE, ssh without a tty): a
//! lab binary it cannot start through sudo runs as the user, and the skip is said on
//! stderr, which cargo shows. Needs root to become another user; VIPFLIP_REQUIRE_NETNS=1
//! (CI) makes that mandatory.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

#[test]
fn a_lab_binary_that_sudo_cannot_start_runs_and_says_skip_on_stderr() {
    let required = std::env::var("VIPFLIP_REQUIRE_NETNS").is_ok_and(|v| v == "1");
    if !nix::unistd::geteuid().is_root() {
        assert!(!required, "VIPFLIP_REQUIRE_NETNS=1 but not root");
        eprintln!("SKIP a_lab_binary_that_sudo_cannot_start_runs_and_says_skip_on_stderr: needs root to become another user");
        return;
    }
    let dir = std::env::temp_dir().join(format!("vipflip-runner-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let runner = dir.join("test-runner");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tools/test-runner"),
        &runner,
    )
    .expect("copy the runner");
    let lab = dir.join("lab_fake");
    std::fs::write(&lab, "#!/bin/sh\necho \"ran as $(id -u)\"\n").expect("fake lab binary");
    for file in [&runner, &lab] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    // As nobody, in a session of its own (no controlling terminal), stdin from /dev/null.
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "setsid",
            "-w",
        ])
        .arg(&runner)
        .arg(&lab)
        .stdin(Stdio::null())
        .output()
        .expect("setpriv");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout.trim(), "ran as 65534", "stderr: {stderr}");
    assert!(
        stderr.contains("SKIP lab_fake: its lab tests need root"),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains("a terminal is required"), "{stderr}");
}

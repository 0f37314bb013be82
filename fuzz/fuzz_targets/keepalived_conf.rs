//! Any text as keepalived.conf: errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = vipflip::keepalived_conf::instance(text, None);
        let _ = vipflip::keepalived_conf::instance(text, Some("VI_1"));
    }
});

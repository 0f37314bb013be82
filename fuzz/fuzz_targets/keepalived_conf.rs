//! Any text as keepalived.conf: errors, never a panic (see vipflip::fuzz_entry).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vipflip::fuzz_entry::keepalived_conf(data));

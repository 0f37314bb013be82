//! Any frame off the wire through everything that reads it (see vipflip::fuzz_entry).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vipflip::fuzz_entry::packet(data));

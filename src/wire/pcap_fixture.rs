//! Test-only reader for the keepalived captures in tests/fixtures/pcap (copied from
//! ../shared/pcap; see its README for how each was made).

use std::path::PathBuf;

pub const ALL: [&str; 7] = [
    "keepalived-v2.pcap",
    "keepalived-v2-authpass.pcap",
    "keepalived-v2-multi.pcap",
    "keepalived-v3.pcap",
    "keepalived-v3-ipv6.pcap",
    "keepalived-v3-multi-ipv6.pcap",
    "keepalived-v3-race-garp.pcap",
];

/// Every Ethernet frame of a capture: classic little-endian pcap, or pcapng (the race capture).
pub fn frames(file: &str) -> Vec<Vec<u8>> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "pcap",
        file,
    ]
    .iter()
    .collect();
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match &data[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] => pcap_frames(&data),
        [0x0a, 0x0d, 0x0d, 0x0a] => pcapng_frames(&data),
        other => panic!("{file}: unknown capture format {other:02x?}"),
    }
}

fn le32(data: &[u8], at: usize) -> usize {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize
}

fn pcap_frames(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= data.len() {
        let caplen = le32(data, at + 8);
        at += 16;
        out.push(data[at..at + caplen].to_vec());
        at += caplen;
    }
    out
}

/// Enhanced packet blocks (type 6) of a little-endian pcapng file.
fn pcapng_frames(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 12 <= data.len() {
        let (kind, len) = (le32(data, at), le32(data, at + 4));
        if kind == 6 {
            let caplen = le32(data, at + 20);
            out.push(data[at + 28..at + 28 + caplen].to_vec());
        }
        at += len;
    }
    out
}

/// The VRRP packets of a capture, as a raw socket would hand them over.
pub fn vrrp_packets(file: &str) -> Vec<crate::wire::Received> {
    frames(file)
        .iter()
        .filter_map(|f| crate::wire::frame::vrrp_frame(f))
        .map(|v| v.packet)
        .collect()
}

//! What the fuzz targets (fuzz/) and their regression test (tests/fuzz_regressions.rs) feed
//! bytes into: everything that reads outside input. It must never panic.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::vrrp::checks::check;
use crate::vrrp::survey::{Heard, Survey};
use crate::vrrp::Params;
use crate::wire::frame::{carp_vhid, vrrp_frame, VrrpFrame};
use crate::wire::ipv4::parse_ipv4;
use crate::wire::{Auth, Version};

fn params(version: Version, unicast: bool, src: IpAddr) -> Params {
    Params {
        version,
        vrid: 41,
        priority: 200,
        interval_cs: 100,
        preempt: true,
        preempt_delay: Duration::ZERO,
        primary: IpAddr::from([192, 0, 2, 201]),
        vips: vec![IpAddr::from([192, 0, 2, 250])],
        auth: Auth::Pass(*b"s3cret\0\0"),
        second_announce: None,
        unicast_peers: if unicast { vec![src] } else { Vec::new() },
        state_master: false,
        refresh: None,
        sync: false,
        shared_mac: false,
    }
}

/// A frame off the wire through the frame and IPv4 readers, the VRRP parser, the receive
/// checks (v2 and v3, multicast and unicast) and the survey `probe` keeps.
pub fn packet(data: &[u8]) {
    let _ = parse_ipv4(data);
    let Some(VrrpFrame { mac, packet: frame }) = vrrp_frame(data) else {
        return;
    };
    let _ = carp_vhid(&frame.payload);
    for version in [Version::V2, Version::V3] {
        for unicast in [false, true] {
            let _ = check(&params(version, unicast, frame.src), &frame).to_owned();
        }
    }
    if let Ok(parsed) = crate::wire::vrrp::parse(&frame.payload, frame.src, frame.dst) {
        let now = Instant::now();
        let mut survey = Survey::default();
        survey.record(Heard {
            at: now,
            src: frame.src,
            mac,
            advert: parsed.advert,
            checksum: parsed.checksum,
        });
        let _ = survey.warnings(now);
        let _ = survey.expire(now + Duration::from_secs(3600));
    }
}

/// Any text as keepalived.conf.
pub fn keepalived_conf(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::keepalived_conf::instance(text, None);
        let _ = crate::keepalived_conf::instance(text, Some("VI_1"));
    }
}

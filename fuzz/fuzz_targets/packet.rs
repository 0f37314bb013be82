//! Any frame off the wire through everything that reads it: the frame and IPv4 header
//! readers, the VRRP parser, the receive checks (multicast and unicast configurations), and
//! the survey probe keeps. None of it may panic.
#![no_main]

use std::net::IpAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use vipflip::vrrp::checks::{check, Received};
use vipflip::vrrp::survey::{Heard, Survey};
use vipflip::vrrp::Params;
use vipflip::wire::frame::{carp_vhid, vrrp_frame};
use vipflip::wire::ipv4::parse_ipv4;
use vipflip::wire::{Auth, Version};

fn params(version: Version, unicast: bool, src: IpAddr) -> Params {
    Params {
        version,
        vrid: 41,
        priority: 200,
        interval_cs: 100,
        preempt: true,
        preempt_delay: Duration::ZERO,
        primary: "192.0.2.201".parse().unwrap(),
        vips: vec!["192.0.2.250".parse().unwrap()],
        auth: Auth::Pass(*b"s3cret\0\0"),
        second_announce: None,
        unicast_peers: if unicast { vec![src] } else { Vec::new() },
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_ipv4(data);
    let Some(frame) = vrrp_frame(data) else { return };
    let _ = carp_vhid(&frame.payload);
    let rx = Received { ttl: frame.ttl, src: frame.src, dst: frame.dst, payload: &frame.payload };
    for version in [Version::V2, Version::V3] {
        for unicast in [false, true] {
            let _ = check(&params(version, unicast, frame.src), &rx).clone();
        }
    }
    if let Ok(parsed) = vipflip::wire::vrrp::parse(&frame.payload, frame.src, frame.dst) {
        let now = Instant::now();
        let mut survey = Survey::default();
        survey.record(Heard { at: now, src: frame.src, mac: frame.mac, advert: parsed.advert, checksum: parsed.checksum });
        let _ = survey.warnings(now);
        let _ = survey.expire(now + Duration::from_secs(3600));
    }
});

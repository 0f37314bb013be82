//! Hostile input: a sender in the lab emits 19 kinds of malformed or misleading VRRP packets at
//! a master and a backup, and floods valid-looking adverts at the master on another interface.
//! Nothing may change state; every kind is counted in the exit summary (--json).

mod lab;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use lab::{available, Lab, VIP4};
use nix::sys::signal::Signal;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use vipflip::vrrp::timers::master_down_interval;
use vipflip::wire::vrrp::emit;
use vipflip::wire::{Advert, Auth, V3Checksum, Version};

fn good(src: IpAddr) -> (Advert, IpAddr) {
    let advert = Advert {
        version: Version::V2,
        vrid: 41,
        priority: 100,
        interval_cs: 100,
        auth: Auth::None,
        addrs: vec![VIP4.parse().unwrap_or(src)],
    };
    (advert, src)
}

/// One hostile packet: what it is, the counter it must land in, TTL, destination, bytes.
struct Hostile {
    what: &'static str,
    counter: &'static str,
    ttl: u32,
    dst: IpAddr,
    bytes: Vec<u8>,
}

fn packets(src: IpAddr, unicast_dst: IpAddr) -> Vec<Hostile> {
    let group: IpAddr = "224.0.0.18".parse().unwrap_or(src);
    let (a, _) = good(src);
    let bytes = |advert: &Advert| emit(advert, src, group, V3Checksum::Keepalived).unwrap();
    let valid = bytes(&a);
    let patched = |i: usize, v: u8| {
        let mut b = valid.clone();
        b[i] = v;
        b
    };
    let resum = |mut b: Vec<u8>| {
        b[6] = 0;
        b[7] = 0;
        let sum = vipflip::wire::checksum::internet_checksum(&[&b]);
        b[6..8].copy_from_slice(&sum.to_be_bytes());
        b
    };
    let mk = |what, counter, ttl, bytes| Hostile {
        what,
        counter,
        ttl,
        dst: group,
        bytes,
    };
    let mut long = valid.clone();
    long.extend_from_slice(&[0, 0, 0, 0]);
    vec![
        mk("TTL 254", "ttl", 254, valid.clone()),
        mk("TTL 1 (from off-link)", "ttl", 1, valid.clone()),
        mk("bad checksum", "checksum", 255, patched(7, valid[7] ^ 0x55)),
        mk(
            "truncated to 7 bytes",
            "truncated",
            255,
            valid[..7].to_vec(),
        ),
        mk("empty", "truncated", 255, Vec::new()),
        mk("count 2, one address", "length", 255, resum(patched(3, 2))),
        mk(
            "count 255, one address",
            "length",
            255,
            resum(patched(3, 255)),
        ),
        mk("4 trailing bytes", "length", 255, long),
        mk("count 0", "count-zero", 255, resum(patched(3, 0))),
        mk("version 4", "version", 255, resum(patched(0, 0x41))),
        mk("version 1", "version", 255, resum(patched(0, 0x11))),
        mk(
            "VRRPv3 in a v2 group",
            "version",
            255,
            bytes(&Advert {
                version: Version::V3,
                ..a.clone()
            }),
        ),
        mk("type 0", "type", 255, resum(patched(0, 0x20))),
        mk("type 2", "type", 255, resum(patched(0, 0x22))),
        mk(
            "wrong password",
            "auth",
            255,
            bytes(&Advert {
                auth: Auth::Pass(*b"guess\0\0\0"),
                ..a.clone()
            }),
        ),
        mk(
            "auth type 2 (AH)",
            "auth",
            255,
            bytes(&Advert {
                auth: Auth::Other(2),
                ..a.clone()
            }),
        ),
        mk(
            "interval 2s",
            "interval",
            255,
            bytes(&Advert {
                interval_cs: 200,
                ..a.clone()
            }),
        ),
        mk(
            "interval 0",
            "interval",
            255,
            bytes(&Advert {
                interval_cs: 0,
                ..a.clone()
            }),
        ),
        Hostile {
            what: "unicast advert in a multicast group",
            counter: "wrong-mode",
            ttl: 255,
            dst: unicast_dst,
            bytes: emit(
                &Advert {
                    priority: 254,
                    ..a.clone()
                },
                src,
                unicast_dst,
                V3Checksum::Keepalived,
            )
            .unwrap(),
        },
        mk(
            "VRID not ours",
            "other-vrid",
            255,
            bytes(&Advert {
                vrid: 42,
                priority: 254,
                ..a.clone()
            }),
        ),
    ]
}

/// Sends raw protocol-112 packets out of `eth0` of the namespace the thread is in.
fn send(packets: &[Hostile], times: usize) {
    let socket =
        Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(112))).expect("raw socket");
    socket.bind_device(Some(b"eth0")).expect("bind eth0");
    for p in packets {
        socket.set_multicast_ttl_v4(p.ttl).expect("multicast ttl");
        socket.set_ttl_v4(p.ttl).expect("ttl");
        for _ in 0..times {
            socket
                .send_to(&p.bytes, &SockAddr::from(SocketAddr::new(p.dst, 0)))
                .expect("send");
        }
    }
}

fn counter(summary: &str, key: &str) -> u64 {
    summary
        .split(&format!("\"{key}\":"))
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn nineteen_kinds_of_hostile_packets_change_nothing_and_are_counted() {
    if !available(
        "nineteen_kinds_of_hostile_packets_change_nothing_and_are_counted",
        false,
    ) {
        return;
    }
    let lab = Lab::new(2);
    let side = lab.side_link(1);
    let args = |prio| {
        vec![
            "run",
            "--vip",
            "192.0.2.250/24",
            "--iface",
            "eth0",
            "--vrid",
            "41",
            "--priority",
            prio,
            "--json",
        ]
    };
    let mut n1 = lab.vipflip(1, &args("200"));
    let mut n2 = lab.vipflip(2, &args("150"));
    let mdi = master_down_interval(Version::V2, 200, 100);
    assert!(
        lab.wait_sole_holder(1, VIP4, mdi + Duration::from_secs(2)),
        "{}",
        n1.output()
    );
    let settled = Instant::now();

    let client: IpAddr = "192.0.2.100".parse().unwrap();
    let hostile = packets(client, "192.0.2.201".parse().unwrap());
    assert!(hostile.len() >= 20, "{} kinds", hostile.len());
    let to_n2: Vec<Hostile> = packets(client, "192.0.2.202".parse().unwrap())
        .into_iter()
        .filter(|p| p.counter == "wrong-mode")
        .collect();
    lab.in_ns(&lab.client_ns(), || {
        send(&hostile, 3);
        send(&to_n2, 3);
    });
    // A flood of valid-looking, higher-priority adverts on another interface of the master.
    let side_src: IpAddr = "198.51.100.2".parse().unwrap();
    let flood = Hostile {
        what: "flood",
        counter: "",
        ttl: 255,
        dst: "224.0.0.18".parse().unwrap(),
        bytes: emit(
            &Advert {
                priority: 254,
                ..good(side_src).0
            },
            side_src,
            "224.0.0.18".parse().unwrap(),
            V3Checksum::Keepalived,
        )
        .unwrap(),
    };
    lab.in_ns(&side, || send(&[flood], 500));
    std::thread::sleep(mdi);

    assert_eq!(lab.holders(VIP4), vec![1], "the VIP did not move");
    for (name, node) in [("master", &n1), ("backup", &n2)] {
        let moved = node
            .lines()
            .into_iter()
            .filter(|l| l.at > settled && l.text.contains("\"event\":\"transition\""))
            .count();
        assert_eq!(moved, 0, "{name} changed state:\n{}", node.output());
    }
    n2.signal(Signal::SIGTERM);
    n1.signal(Signal::SIGTERM);
    assert_eq!(
        n2.wait_exit(Duration::from_secs(3)),
        Some(0),
        "{}",
        n2.output()
    );
    assert_eq!(
        n1.wait_exit(Duration::from_secs(5)),
        Some(0),
        "{}",
        n1.output()
    );
    for (name, node) in [("master", &n1), ("backup", &n2)] {
        let out = node.output();
        let summary = out
            .lines()
            .find(|l| l.contains("\"event\":\"exit\""))
            .unwrap_or_default()
            .to_string();
        for p in &hostile {
            assert!(
                counter(&summary, p.counter) >= 3,
                "{name}: '{}' not counted as {}: {summary}",
                p.what,
                p.counter
            );
        }
        assert!(
            out.contains("\"event\":\"discard\""),
            "{name}: discards are logged"
        );
        assert!(
            !out.contains("198.51.100.2"),
            "{name}: the other interface's flood was heard:\n{out}"
        );
    }
    eprintln!(
        "{} kinds sent to a master and a backup; all counted, no state change",
        hostile.len()
    );
}

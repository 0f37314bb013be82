//! Receive validation: the MUST-discard lists of RFC 3768 §7.1 and RFC 5798/9568 §7.1 (with
//! RFC 9568 errata), judged against our configuration. A discarded packet never reaches the
//! state machine; it is counted, and logged at most once per kind per `LOG_EVERY`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::Params;
use crate::wire::vrrp::{parse, ChecksumForm, Parsed};
use crate::wire::V3Checksum;
use crate::wire::{Advert, Auth, Received, Version, WireError};

/// How often one kind of discard may be logged.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// What to do with a received packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept(Parsed),
    /// A well-formed advert for a VRID that is not ours: normal on a shared segment.
    OtherVrid(u8),
    Discard(Discard),
}

/// Why a packet was discarded; the text says what was received and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discard {
    Malformed(WireError),
    Ttl(u8),
    Version {
        got: Version,
        want: Version,
    },
    Auth {
        got: Auth,
        want: Auth,
    },
    Interval {
        got_cs: u16,
        want_cs: u16,
    },
    IntervalZero,
    /// Unicast mode: the sender is not one of the configured peers.
    NotAPeer(IpAddr),
    /// A multicast advert in unicast mode, or a unicast one in multicast mode.
    WrongMode {
        multicast: bool,
    },
}

impl Discard {
    /// A stable short name: the counter's key.
    pub fn kind(&self) -> &'static str {
        match self {
            Discard::Malformed(e) => e.kind(),
            Discard::Ttl(_) => "ttl",
            Discard::Version { .. } => "version",
            Discard::Auth { .. } => "auth",
            Discard::Interval { .. } => "interval",
            Discard::IntervalZero => "interval-zero",
            Discard::NotAPeer(_) => "not-a-peer",
            Discard::WrongMode { .. } => "wrong-mode",
        }
    }
}

fn secs(cs: u16) -> String {
    humantime::format_duration(super::timers::interval(cs)).to_string()
}

impl fmt::Display for Discard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Discard::Malformed(e) => write!(f, "malformed: {e}"),
            Discard::Ttl(t) => write!(f, "TTL/hop limit {t}, expected 255 (sent from off-link?)"),
            Discard::Version { got, want } => {
                write!(
                    f,
                    "VRRPv{}, expected VRRPv{} (--vrrp-version)",
                    got.number(),
                    want.number()
                )
            }
            Discard::Auth { got, want } => {
                write!(
                    f,
                    "auth {}, expected auth {} (--auth-pass)",
                    auth_text(*got),
                    auth_text(*want)
                )
            }
            Discard::Interval { got_cs, want_cs } => {
                write!(
                    f,
                    "advert interval {}, expected {} (--advert-int)",
                    secs(*got_cs),
                    secs(*want_cs)
                )
            }
            Discard::IntervalZero => write!(f, "advert interval 0, expected at least 10ms"),
            Discard::NotAPeer(src) => write!(f, "sender {src} is not a --unicast-peer"),
            Discard::WrongMode { multicast: true } => {
                write!(
                    f,
                    "a multicast advert, expected unicast (--unicast-peer is set)"
                )
            }
            Discard::WrongMode { multicast: false } => {
                write!(
                    f,
                    "a unicast advert, expected multicast (add --unicast-peer to use unicast)"
                )
            }
        }
    }
}

fn auth_text(auth: Auth) -> String {
    match auth {
        Auth::Pass(_) => "pass (password differs)".into(),
        other => other.name(),
    }
}

/// Judge `rx` against our configuration, in the RFCs' order.
pub fn check(params: &Params, rx: &Received) -> Verdict {
    if rx.ttl != 255 {
        return Verdict::Discard(Discard::Ttl(rx.ttl));
    }
    if let Some(discard) = check_mode(params, rx) {
        return Verdict::Discard(discard);
    }
    let parsed = match parse(&rx.payload, rx.src, rx.dst) {
        Ok(p) => p,
        Err(e) => return Verdict::Discard(Discard::Malformed(e)),
    };
    match judge(params, &parsed.advert) {
        Ok(()) => Verdict::Accept(parsed),
        Err(Some(discard)) => Verdict::Discard(discard),
        Err(None) => Verdict::OtherVrid(parsed.advert.vrid),
    }
}

/// A peer whose VRRPv3/IPv4 adverts use the other checksum form: we accept its adverts, but
/// it most likely rejects ours (keepalived and FRR know only the pseudo-header form; Cisco and
/// Juniper only RFC 9568's). The text names the flag that makes both sides agree.
pub fn checksum_disagreement(ours: V3Checksum, theirs: ChecksumForm) -> Option<String> {
    let flag = match (ours, theirs) {
        (V3Checksum::Keepalived, ChecksumForm::MessageOnly) => "rfc9568",
        (V3Checksum::Rfc9568, ChecksumForm::PseudoHeader) => "keepalived",
        _ => return None,
    };
    Some(format!(
        "sends VRRPv3 checksums {} the IPv4 pseudo-header, ours {}: it probably discards our adverts; give every vipflip node --v3-checksum {flag}",
        if flag == "rfc9568" { "without" } else { "with" },
        if flag == "rfc9568" { "with" } else { "without" },
    ))
}

/// Unicast mode takes only its peers' unicast adverts; multicast mode only multicast ones.
fn check_mode(params: &Params, rx: &Received) -> Option<Discard> {
    let multicast = rx.dst.is_multicast();
    match (params.unicast_peers.is_empty(), multicast) {
        (true, true) => None,
        (true, false) | (false, true) => Some(Discard::WrongMode { multicast }),
        (false, false) if !params.unicast_peers.contains(&rx.src) => {
            Some(Discard::NotAPeer(rx.src))
        }
        (false, false) => None,
    }
}

/// `Err(None)`: not our VRID.
fn judge(params: &Params, advert: &Advert) -> Result<(), Option<Discard>> {
    if advert.version != params.version {
        return Err(Some(Discard::Version {
            got: advert.version,
            want: params.version,
        }));
    }
    if advert.vrid != params.vrid {
        return Err(None);
    }
    // RFC 3768 §7.1 has a VRRPv2 address owner discard every advert; keepalived's does not
    // (vrrp.c vrrp_check_packet has no such check, and vrrp_state_master_rx answers a lower
    // advert with its own and a gratuitous ARP). Neither does vipflip's: an owner that never
    // hears a contest cannot answer a node that took over beside it, and the clients that
    // node's announcements moved stay on it after it yields (issue 20 a, the simulator).
    if params.version == Version::V2 {
        if advert.auth != params.auth {
            return Err(Some(Discard::Auth {
                got: advert.auth,
                want: params.auth,
            }));
        }
        if advert.interval_cs != params.interval_cs {
            return Err(Some(Discard::Interval {
                got_cs: advert.interval_cs,
                want_cs: params.interval_cs,
            }));
        }
    }
    if advert.interval_cs == 0 {
        return Err(Some(Discard::IntervalZero));
    }
    // An advert without addresses belongs to a group without VIPs (keepalived's instance
    // without virtual_ipaddress); where we hold VIPs it is malformed, as before.
    if advert.addrs.is_empty() && !params.vips.is_empty() {
        return Err(Some(Discard::Malformed(WireError::ZeroCount)));
    }
    Ok(())
}

/// True when the advert lists exactly our VIPs (any order). A mismatch is logged, not
/// dropped: keepalived does the same, and dropping would turn a typo into split brain.
pub fn vips_match(params: &Params, advert: &Advert) -> bool {
    let mut ours = params.vips.clone();
    let mut theirs = advert.addrs.clone();
    ours.sort();
    theirs.sort();
    ours == theirs
}

/// Discards counted per kind, for the exit summary and --json.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub by_kind: BTreeMap<&'static str, u64>,
}

impl Counters {
    pub fn count(&mut self, kind: &'static str) {
        *self.by_kind.entry(kind).or_insert(0) += 1;
    }

    pub fn total(&self) -> u64 {
        self.by_kind.values().sum()
    }
}

/// Allows one log line per kind per `LOG_EVERY`.
#[derive(Debug, Default)]
pub struct RateLimit {
    last: HashMap<&'static str, Instant>,
}

impl RateLimit {
    pub fn allow(&mut self, kind: &'static str, now: Instant) -> bool {
        match self.last.get(kind) {
            Some(&at) if now.saturating_duration_since(at) < LOG_EVERY => false,
            _ => {
                self.last.insert(kind, now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::machine::tests::params;
    use crate::wire::vrrp::emit;
    use crate::wire::V3Checksum;

    fn src() -> IpAddr {
        "192.0.2.201".parse().unwrap()
    }
    fn dst() -> IpAddr {
        "224.0.0.18".parse().unwrap()
    }

    fn advert(p: &Params) -> Advert {
        Advert {
            version: p.version,
            vrid: p.vrid,
            priority: 200,
            interval_cs: p.interval_cs,
            auth: p.auth,
            addrs: p.vips.clone(),
        }
    }

    fn verdict(p: &Params, a: &Advert, ttl: u8) -> Verdict {
        let bytes = emit(a, src(), dst(), V3Checksum::Keepalived).unwrap();
        check(
            p,
            &Received {
                ttl,
                src: src(),
                dst: dst(),
                payload: bytes,
            },
        )
    }

    fn discard(p: &Params, a: &Advert, ttl: u8) -> Discard {
        match verdict(p, a, ttl) {
            Verdict::Discard(d) => d,
            other => panic!("expected a discard, got {other:?}"),
        }
    }

    #[test]
    fn a_good_advert_is_accepted() {
        for version in [Version::V2, Version::V3] {
            let p = Params {
                version,
                ..params()
            };
            assert!(matches!(verdict(&p, &advert(&p), 255), Verdict::Accept(_)));
        }
    }

    #[test]
    fn must_discard_list() {
        let p = params();
        let good = advert(&p);
        assert_eq!(discard(&p, &good, 254), Discard::Ttl(254));
        assert_eq!(
            discard(&p, &good, 1).to_string(),
            "TTL/hop limit 1, expected 255 (sent from off-link?)"
        );
        let v3 = Advert {
            version: Version::V3,
            interval_cs: 100,
            ..good.clone()
        };
        assert_eq!(
            discard(&p, &v3, 255),
            Discard::Version {
                got: Version::V3,
                want: Version::V2
            }
        );
        let auth = Advert {
            auth: Auth::Pass(*b"secret\0\0"),
            ..good.clone()
        };
        assert_eq!(
            discard(&p, &auth, 255),
            Discard::Auth {
                got: auth.auth,
                want: Auth::None
            }
        );
        let slow = Advert {
            interval_cs: 200,
            ..good.clone()
        };
        assert_eq!(
            discard(&p, &slow, 255).to_string(),
            "advert interval 2s, expected 1s (--advert-int)"
        );
        let owner = Params {
            priority: 255,
            ..params()
        };
        // keepalived v2.2.7 keepalived/vrrp/vrrp.c: vrrp_check_packet() has no owner check,
        // and vrrp_state_master_rx() answers a lower advert with its own and a gratuitous ARP
        // (RFC 3768 §7.1 would have the owner discard it).
        assert!(
            matches!(verdict(&owner, &good, 255), Verdict::Accept(_)),
            "an owner hears the others, as keepalived's does"
        );
        let v3p = Params {
            version: Version::V3,
            ..params()
        };
        let zero = Advert {
            version: Version::V3,
            interval_cs: 0,
            ..good.clone()
        };
        assert_eq!(discard(&v3p, &zero, 255), Discard::IntervalZero);
        let mut bytes = emit(&good, src(), dst(), V3Checksum::Keepalived).unwrap();
        bytes[7] ^= 1;
        let rx = Received {
            ttl: 255,
            src: src(),
            dst: dst(),
            payload: bytes,
        };
        assert!(matches!(
            check(&p, &rx),
            Verdict::Discard(Discard::Malformed(WireError::Checksum { .. }))
        ));
    }

    #[test]
    fn v3_accepts_other_interval_and_owner_still_listens() {
        let p = Params {
            version: Version::V3,
            priority: 255,
            ..params()
        };
        let a = Advert {
            version: Version::V3,
            interval_cs: 300,
            ..advert(&p)
        };
        assert!(matches!(verdict(&p, &a, 255), Verdict::Accept(_)));
    }

    #[test]
    fn unicast_mode_takes_only_its_peers() {
        let p = Params {
            unicast_peers: vec![src()],
            ..params()
        };
        let us: IpAddr = "192.0.2.202".parse().unwrap();
        let a = advert(&p);
        let bytes = emit(&a, src(), us, V3Checksum::Keepalived).unwrap();
        let from_peer = Received {
            ttl: 255,
            src: src(),
            dst: us,
            payload: bytes,
        };
        assert!(matches!(check(&p, &from_peer), Verdict::Accept(_)));
        let stranger: IpAddr = "192.0.2.209".parse().unwrap();
        let bytes = emit(&a, stranger, us, V3Checksum::Keepalived).unwrap();
        let from_stranger = Received {
            ttl: 255,
            src: stranger,
            dst: us,
            payload: bytes,
        };
        assert_eq!(
            check(&p, &from_stranger),
            Verdict::Discard(Discard::NotAPeer(stranger))
        );
        assert_eq!(discard(&p, &a, 255), Discard::WrongMode { multicast: true });
        assert_eq!(
            discard(&p, &a, 64),
            Discard::Ttl(64),
            "TTL is still checked"
        );
        let multicast_mode = params();
        let bytes = emit(&a, src(), us, V3Checksum::Keepalived).unwrap();
        let unicast = Received {
            ttl: 255,
            src: src(),
            dst: us,
            payload: bytes,
        };
        assert_eq!(
            check(&multicast_mode, &unicast),
            Verdict::Discard(Discard::WrongMode { multicast: false })
        );
    }

    #[test]
    fn priority_255_is_obeyed_from_any_source() {
        // No RFC discards it, and keepalived obeys it: a node configured with 255 on a VIP
        // it does not own must still win (its own start warns about the ownership).
        let p = params();
        let not_owner = Advert {
            priority: 255,
            ..advert(&p)
        };
        assert!(matches!(
            verdict(&p, &not_owner, 255),
            Verdict::Accept(parsed) if parsed.advert.priority == 255
        ));
        let owner: IpAddr = "192.0.2.250".parse().unwrap();
        let bytes = emit(&not_owner, owner, dst(), V3Checksum::Keepalived).unwrap();
        let rx = Received {
            ttl: 255,
            src: owner,
            dst: dst(),
            payload: bytes,
        };
        assert!(matches!(check(&p, &rx), Verdict::Accept(_)));
    }

    #[test]
    fn the_other_checksum_form_is_named_with_the_flag_that_fixes_it() {
        use ChecksumForm::*;
        let k = V3Checksum::Keepalived;
        let r = V3Checksum::Rfc9568;
        assert_eq!(checksum_disagreement(k, PseudoHeader), None);
        assert_eq!(checksum_disagreement(r, MessageOnly), None);
        assert_eq!(checksum_disagreement(k, V2), None);
        assert_eq!(checksum_disagreement(r, V2), None);
        let cisco = checksum_disagreement(k, MessageOnly).unwrap();
        assert!(cisco.contains("--v3-checksum rfc9568"), "{cisco}");
        let keepalived = checksum_disagreement(r, PseudoHeader).unwrap();
        assert!(
            keepalived.contains("--v3-checksum keepalived"),
            "{keepalived}"
        );
    }

    #[test]
    fn other_vrid_is_not_a_discard() {
        let p = params();
        let a = Advert {
            vrid: 42,
            ..advert(&p)
        };
        assert_eq!(verdict(&p, &a, 255), Verdict::OtherVrid(42));
    }

    #[test]
    fn vip_list_comparison_ignores_order() {
        let p = Params {
            vips: vec![
                "192.0.2.250".parse().unwrap(),
                "192.0.2.251".parse().unwrap(),
            ],
            ..params()
        };
        let mut a = advert(&p);
        a.addrs.reverse();
        assert!(vips_match(&p, &a));
        a.addrs.pop();
        assert!(!vips_match(&p, &a));
    }

    #[test]
    fn rate_limit_and_counters() {
        let t0 = Instant::now();
        let mut limit = RateLimit::default();
        assert!(limit.allow("ttl", t0));
        assert!(!limit.allow("ttl", t0 + Duration::from_secs(9)));
        assert!(limit.allow("checksum", t0 + Duration::from_secs(9)));
        assert!(limit.allow("ttl", t0 + LOG_EVERY));
        let mut c = Counters::default();
        c.count("ttl");
        c.count("ttl");
        c.count("auth");
        assert_eq!((c.by_kind["ttl"], c.total()), (2, 3));
    }
}

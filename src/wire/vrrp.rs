//! The VRRP advertisement: RFC 3768 §5 (v2) and RFC 5798/9568 §5 (v3).
//!
//! `parse` checks only what the bytes themselves can prove (length, version, type, count,
//! checksum); what depends on our configuration (TTL, VRID, auth, interval) is judged in
//! `vrrp::checks`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::checksum::internet_checksum;

/// IP protocol number / IPv6 next header of VRRP.
pub const PROTO_VRRP: u8 = 112;
/// The IPv4 multicast group of VRRP (link-local scope).
pub const GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The IPv6 multicast group of VRRP.
pub const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// Type field value of an advertisement, the only type VRRP defines.
const TYPE_ADVERTISEMENT: u8 = 1;
const HEADER_LEN: usize = field::ADDRS;
const V2_AUTH_LEN: usize = 8;

/// Where each field of the VRRP header sits (RFC 3768 §5.1, RFC 9568 §5.1): the only place
/// that names a byte offset of the message.
mod field {
    use std::ops::Range;

    /// Version (high nibble) and type (low nibble).
    pub const VERSION_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    /// Count IPvX Addr.
    pub const COUNT: usize = 3;
    /// v2: Auth Type.
    pub const AUTH_TYPE: usize = 4;
    /// v2: Adver Int, whole seconds.
    pub const ADVER_INT: usize = 5;
    /// v3: 4 reserved bits, then Max Advert Int in centiseconds (12 bits).
    pub const MAX_ADVER_INT: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
    /// The addresses, then (v2) the 8 bytes of authentication data.
    pub const ADDRS: usize = 8;
}

/// The largest v3 Max Advert Int: 12 bits of centiseconds (40.95 s).
pub const V3_MAX_INTERVAL_CS: u16 = 0x0fff;

/// A VRRP packet as received (from a raw socket, a frame, a capture): the IP header's facts
/// the receive checks need, and the VRRP message with the IP header removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub payload: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    V2,
    V3,
}

impl Version {
    pub fn number(self) -> u8 {
        match self {
            Version::V2 => 2,
            Version::V3 => 3,
        }
    }
}

/// VRRPv2 authentication (RFC 2338 type 1, kept by keepalived as `auth_type PASS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    None,
    /// Simple text password, zero padded to 8 bytes.
    Pass([u8; 8]),
    /// Any other auth type number (2 = IP AH, or garbage).
    Other(u8),
}

impl Auth {
    fn type_number(self) -> u8 {
        match self {
            Auth::None => 0,
            Auth::Pass(_) => 1,
            Auth::Other(n) => n,
        }
    }

    pub fn name(self) -> String {
        match self {
            Auth::None => "none".into(),
            Auth::Pass(_) => "pass".into(),
            Auth::Other(n) => format!("type {n}"),
        }
    }
}

/// Which checksum convention a VRRPv3-over-IPv4 packet is sent with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V3Checksum {
    /// IPv4 pseudo-header + message: keepalived's and FRR's default.
    Keepalived,
    /// Message only, RFC 9568 §5.2.8 (Cisco, Juniper, keepalived's v3_checksum_as_v2).
    Rfc9568,
}

/// The checksum form a received packet turned out to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChecksumForm {
    /// VRRPv2: message only, the only form there is.
    V2,
    /// VRRPv3 with a pseudo-header (always for IPv6; keepalived's form for IPv4).
    PseudoHeader,
    /// VRRPv3 over IPv4, message only (RFC 9568).
    MessageOnly,
}

impl ChecksumForm {
    pub fn name(self) -> &'static str {
        match self {
            ChecksumForm::V2 => "v2",
            ChecksumForm::PseudoHeader => "pseudo-header (keepalived)",
            ChecksumForm::MessageOnly => "message-only (rfc9568)",
        }
    }
}

/// One VRRP advertisement, independent of its byte layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advert {
    pub version: Version,
    pub vrid: u8,
    pub priority: u8,
    /// Advertisement interval in centiseconds (v2 carries whole seconds: 100 per second).
    pub interval_cs: u16,
    /// v2 only; always `Auth::None` for v3.
    pub auth: Auth,
    pub addrs: Vec<IpAddr>,
}

/// Why bytes are not a VRRP advertisement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    TooShort {
        len: usize,
    },
    Version(u8),
    Type(u8),
    ZeroCount,
    Length {
        len: usize,
        expected: usize,
        count: u8,
    },
    Checksum {
        got: u16,
        expected: u16,
    },
    V2OverIpv6,
    FamilyMismatch,
}

impl WireError {
    /// A stable short name, used as the discard counter's key.
    pub fn kind(&self) -> &'static str {
        match self {
            WireError::TooShort { .. } => "truncated",
            WireError::Version(_) => "version",
            WireError::Type(_) => "type",
            WireError::ZeroCount => "count-zero",
            WireError::Length { .. } => "length",
            WireError::Checksum { .. } => "checksum",
            WireError::V2OverIpv6 | WireError::FamilyMismatch => "family",
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::TooShort { len } => {
                write!(f, "{len} bytes, expected at least {HEADER_LEN}")
            }
            WireError::Version(v) => write!(f, "version {v}, expected 2 or 3"),
            WireError::Type(t) => write!(f, "type {t}, expected 1 (advertisement)"),
            WireError::ZeroCount => write!(f, "address count 0, expected at least 1"),
            WireError::Length {
                len,
                expected,
                count,
            } => {
                write!(
                    f,
                    "{len} bytes, expected {expected} for {count} address(es)"
                )
            }
            WireError::Checksum { got, expected } => {
                write!(f, "checksum {got:#06x}, expected {expected:#06x}")
            }
            WireError::V2OverIpv6 => write!(f, "VRRPv2 over IPv6, expected VRRPv3"),
            WireError::FamilyMismatch => {
                write!(f, "source and destination of different address families")
            }
        }
    }
}

/// A parsed advertisement and the checksum form it used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub advert: Advert,
    pub checksum: ChecksumForm,
}

/// Parse the VRRP message `bytes` received from `src` to `dst` (IP header already removed).
pub fn parse(bytes: &[u8], src: IpAddr, dst: IpAddr) -> Result<Parsed, WireError> {
    if bytes.len() < HEADER_LEN {
        return Err(WireError::TooShort { len: bytes.len() });
    }
    if src.is_ipv4() != dst.is_ipv4() {
        return Err(WireError::FamilyMismatch);
    }
    let version = match bytes[field::VERSION_TYPE] >> 4 {
        2 => Version::V2,
        3 => Version::V3,
        other => return Err(WireError::Version(other)),
    };
    let kind = bytes[field::VERSION_TYPE] & 0x0f;
    if kind != TYPE_ADVERTISEMENT {
        return Err(WireError::Type(kind));
    }
    if version == Version::V2 && src.is_ipv6() {
        return Err(WireError::V2OverIpv6);
    }
    let count = bytes[field::COUNT];
    // RFC 5798 §5.2.5: at least one address in v3. RFC 3768 sets no minimum, and keepalived
    // sends a v2 advert without addresses for an instance without VIPs (vrrp.c
    // vrrp_build_vrrp_v2): whole, it parses; whether it is welcome is the receiver's call.
    if count == 0
        && (version == Version::V3 || bytes.len() != message_len(version, src.is_ipv4(), 0))
    {
        return Err(WireError::ZeroCount);
    }
    let expected = message_len(version, src.is_ipv4(), usize::from(count));
    if bytes.len() != expected {
        return Err(WireError::Length {
            len: bytes.len(),
            expected,
            count,
        });
    }
    let checksum = verify_checksum(bytes, version, src, dst)?;
    Ok(Parsed {
        advert: decode_fields(bytes, version, src.is_ipv4()),
        checksum,
    })
}

/// The VRID byte of a VRRP message, unchecked: where a receiver shared by several groups
/// sends it (`parse` still judges it there).
pub fn peek_vrid(bytes: &[u8]) -> Option<u8> {
    bytes.get(field::VRID).copied()
}

fn message_len(version: Version, ipv4: bool, count: usize) -> usize {
    let addr_len = if ipv4 { 4 } else { 16 };
    let auth = if version == Version::V2 {
        V2_AUTH_LEN
    } else {
        0
    };
    HEADER_LEN + count * addr_len + auth
}

fn decode_fields(bytes: &[u8], version: Version, ipv4: bool) -> Advert {
    let count = usize::from(bytes[field::COUNT]);
    let addr_bytes = &bytes[field::ADDRS..];
    let addrs = if ipv4 {
        addr_bytes
            .chunks_exact(4)
            .take(count)
            .map(|c| IpAddr::from([c[0], c[1], c[2], c[3]]))
            .collect()
    } else {
        addr_bytes
            .chunks_exact(16)
            .take(count)
            .map(|c| {
                let mut octets = [0u8; 16];
                octets.copy_from_slice(c);
                IpAddr::from(octets)
            })
            .collect()
    };
    let (interval_cs, auth) = match version {
        Version::V2 => (
            u16::from(bytes[field::ADVER_INT]) * 100,
            decode_auth(bytes, count),
        ),
        Version::V3 => (
            be16(&bytes[field::MAX_ADVER_INT]) & V3_MAX_INTERVAL_CS,
            Auth::None,
        ),
    };
    Advert {
        version,
        vrid: bytes[field::VRID],
        priority: bytes[field::PRIORITY],
        interval_cs,
        auth,
        addrs,
    }
}

fn decode_auth(bytes: &[u8], count: usize) -> Auth {
    match bytes[field::AUTH_TYPE] {
        0 => Auth::None,
        1 => {
            let start = field::ADDRS + 4 * count;
            let mut pass = [0u8; 8];
            pass.copy_from_slice(&bytes[start..start + V2_AUTH_LEN]);
            Auth::Pass(pass)
        }
        other => Auth::Other(other),
    }
}

fn verify_checksum(
    bytes: &[u8],
    version: Version,
    src: IpAddr,
    dst: IpAddr,
) -> Result<ChecksumForm, WireError> {
    let got = be16(&bytes[field::CHECKSUM]);
    let mut zeroed = bytes.to_vec();
    zeroed[field::CHECKSUM].fill(0);
    let pseudo = pseudo_header(src, dst, bytes.len());
    let with_pseudo = internet_checksum(&[&pseudo, &zeroed]);
    let message_only = internet_checksum(&[&zeroed]);
    match (version, src) {
        (Version::V2, _) if got == message_only => Ok(ChecksumForm::V2),
        (Version::V2, _) => Err(WireError::Checksum {
            got,
            expected: message_only,
        }),
        (Version::V3, _) if got == with_pseudo => Ok(ChecksumForm::PseudoHeader),
        (Version::V3, IpAddr::V4(_)) if got == message_only => Ok(ChecksumForm::MessageOnly),
        (Version::V3, _) => Err(WireError::Checksum {
            got,
            expected: with_pseudo,
        }),
    }
}

/// The IPv4 (RFC 768 style) or IPv6 (RFC 8200 §8.1) pseudo-header for protocol 112.
fn pseudo_header(src: IpAddr, dst: IpAddr, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(40);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
            out.extend_from_slice(&[0, PROTO_VRRP]);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.extend_from_slice(&ip_octets(src));
            out.extend_from_slice(&ip_octets(dst));
            out.extend_from_slice(&(len as u32).to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, PROTO_VRRP]);
        }
    }
    out
}

fn ip_octets(addr: IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn be16(two: &[u8]) -> u16 {
    u16::from_be_bytes([two[0], two[1]])
}

/// An advert VRRP's fields cannot carry. Configuration rejects each before anything is
/// sent; emit refuses rather than clamp, so a bug shows instead of a wrong packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// More than 255 addresses (Count IPvX Addr is one byte).
    TooManyAddrs(usize),
    /// A v2 interval that is not whole seconds up to 255 (centiseconds given). Zero is sent
    /// as it is: receivers must discard it, and the tests send it to see that they do.
    V2Interval(u16),
    /// A v3 interval above 4095 centiseconds.
    V3Interval(u16),
    /// An address of the other family than the packet's source.
    Family(IpAddr),
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::TooManyAddrs(n) => write!(f, "{n} addresses, VRRP carries at most 255"),
            EmitError::V2Interval(cs) => {
                write!(f, "VRRPv2 interval {cs}0 ms is not whole seconds up to 255")
            }
            EmitError::V3Interval(cs) => {
                write!(f, "VRRPv3 interval {cs}0 ms is above 40.95 s")
            }
            EmitError::Family(addr) => {
                write!(f, "{addr} is not of the advert's address family")
            }
        }
    }
}

impl std::error::Error for EmitError {}

/// What, besides its source, tells an advert that repeats the last one (a backup's routine,
/// read late: vipflip run's node/routine.rs, and the group simulator): its first six bytes,
/// version and type through the interval. `None` when the payload is shorter.
pub fn routine_head(payload: &[u8]) -> Option<[u8; 6]> {
    payload.get(..6)?.try_into().ok()
}

/// The bytes of `advert` as sent from `src` to `dst`; `form` matters only for v3 over IPv4.
pub fn emit(
    advert: &Advert,
    src: IpAddr,
    dst: IpAddr,
    form: V3Checksum,
) -> Result<Vec<u8>, EmitError> {
    let count = u8::try_from(advert.addrs.len())
        .map_err(|_| EmitError::TooManyAddrs(advert.addrs.len()))?;
    if let Some(other) = advert.addrs.iter().find(|a| a.is_ipv4() != src.is_ipv4()) {
        return Err(EmitError::Family(*other));
    }
    let mut out = vec![0u8; message_len(advert.version, src.is_ipv4(), advert.addrs.len())];
    out[field::VERSION_TYPE] = (advert.version.number() << 4) | TYPE_ADVERTISEMENT;
    out[field::VRID] = advert.vrid;
    out[field::PRIORITY] = advert.priority;
    out[field::COUNT] = count;
    match advert.version {
        Version::V2 => {
            let seconds = u8::try_from(advert.interval_cs / 100)
                .ok()
                .filter(|_| advert.interval_cs % 100 == 0)
                .ok_or(EmitError::V2Interval(advert.interval_cs))?;
            out[field::AUTH_TYPE] = advert.auth.type_number();
            out[field::ADVER_INT] = seconds;
        }
        Version::V3 if advert.interval_cs > V3_MAX_INTERVAL_CS => {
            return Err(EmitError::V3Interval(advert.interval_cs))
        }
        Version::V3 => out[field::MAX_ADVER_INT].copy_from_slice(&advert.interval_cs.to_be_bytes()),
    }
    let mut at = field::ADDRS;
    for addr in &advert.addrs {
        let octets = ip_octets(*addr);
        out[at..at + octets.len()].copy_from_slice(&octets);
        at += octets.len();
    }
    if let (Version::V2, Auth::Pass(pass)) = (advert.version, advert.auth) {
        out[at..at + V2_AUTH_LEN].copy_from_slice(&pass);
    }
    let use_pseudo =
        advert.version == Version::V3 && (src.is_ipv6() || form == V3Checksum::Keepalived);
    let sum = if use_pseudo {
        internet_checksum(&[&pseudo_header(src, dst, out.len()), &out])
    } else {
        internet_checksum(&[&out])
    };
    out[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pcap_fixture::vrrp_packets;

    fn v4(a: [u8; 4]) -> IpAddr {
        IpAddr::from(a)
    }

    /// Every advert in every capture parses, and emitting the parsed fields again gives the
    /// very same bytes, checksum included.
    #[test]
    fn every_capture_round_trips_byte_identical() {
        let mut seen = 0;
        for file in crate::wire::pcap_fixture::ALL {
            for Received {
                src, dst, payload, ..
            } in vrrp_packets(file)
            {
                let parsed = parse(&payload, src, dst).unwrap_or_else(|e| panic!("{file}: {e}"));
                let form = match parsed.checksum {
                    ChecksumForm::MessageOnly => V3Checksum::Rfc9568,
                    _ => V3Checksum::Keepalived,
                };
                assert_eq!(
                    emit(&parsed.advert, src, dst, form).unwrap(),
                    payload,
                    "{file}"
                );
                seen += 1;
            }
        }
        assert!(seen >= 30, "only {seen} adverts in the captures");
    }

    #[test]
    fn v2_capture_fields() {
        let pkts = vrrp_packets("keepalived-v2.pcap");
        let first = parse(&pkts[0].payload, pkts[0].src, pkts[0].dst).unwrap();
        assert_eq!(pkts[0].ttl, 255);
        assert_eq!(first.checksum, ChecksumForm::V2);
        let a = first.advert;
        assert_eq!(
            (a.version, a.vrid, a.priority, a.interval_cs),
            (Version::V2, 41, 200, 100)
        );
        assert_eq!(a.addrs, vec![v4([192, 0, 2, 250])]);
        assert_eq!(a.auth, Auth::None);
        // The notes quote the exact bytes of this advert.
        assert_eq!(
            &pkts[0].payload[..12],
            &[0x21, 0x29, 0xc8, 0x01, 0x00, 0x01, 0x53, 0xd9, 0xc0, 0x00, 0x02, 0xfa]
        );
        let prios: Vec<u8> = pkts
            .iter()
            .map(|p| parse(&p.payload, p.src, p.dst).unwrap().advert.priority)
            .collect();
        assert_eq!(prios, vec![200, 200, 200, 0, 199, 199, 199]);
    }

    #[test]
    fn v2_authpass_capture() {
        let p = &vrrp_packets("keepalived-v2-authpass.pcap")[0];
        let a = parse(&p.payload, p.src, p.dst).unwrap().advert;
        assert_eq!(a.auth, Auth::Pass(*b"s3cret\0\0"));
    }

    #[test]
    fn v2_multi_capture_has_three_addresses() {
        let p = &vrrp_packets("keepalived-v2-multi.pcap")[0];
        let a = parse(&p.payload, p.src, p.dst).unwrap().advert;
        assert_eq!(
            a.addrs,
            vec![
                v4([192, 0, 2, 250]),
                v4([192, 0, 2, 251]),
                v4([198, 51, 100, 7])
            ]
        );
    }

    #[test]
    fn v3_ipv4_capture_uses_pseudo_header() {
        let p = &vrrp_packets("keepalived-v3.pcap")[0];
        let parsed = parse(&p.payload, p.src, p.dst).unwrap();
        assert_eq!(parsed.checksum, ChecksumForm::PseudoHeader);
        assert_eq!(
            (parsed.advert.version, parsed.advert.interval_cs),
            (Version::V3, 10)
        );
        assert_eq!(
            &p.payload[..],
            &[0x31, 0x29, 0xc8, 0x01, 0x00, 0x0a, 0xa0, 0x77, 0xc0, 0x00, 0x02, 0xfa]
        );
    }

    #[test]
    fn v3_ipv6_captures() {
        let p = &vrrp_packets("keepalived-v3-ipv6.pcap")[0];
        assert_eq!(p.ttl, 255);
        let a = parse(&p.payload, p.src, p.dst).unwrap().advert;
        assert_eq!(a.addrs, vec!["2001:db8::250".parse::<IpAddr>().unwrap()]);
        let p = &vrrp_packets("keepalived-v3-multi-ipv6.pcap")[0];
        let a = parse(&p.payload, p.src, p.dst).unwrap().advert;
        assert_eq!(a.addrs.len(), 2);
        assert_eq!(a.interval_cs, 100);
    }

    #[test]
    fn emit_refuses_what_the_fields_cannot_carry_instead_of_clamping() {
        let p = &vrrp_packets("keepalived-v2.pcap")[0];
        let v2 = parse(&p.payload, p.src, p.dst).unwrap().advert;
        let v3 = Advert {
            version: Version::V3,
            auth: Auth::None,
            ..v2.clone()
        };
        let emit = |a: &Advert| emit(a, p.src, p.dst, V3Checksum::Keepalived);
        let many =
            |n: u8| (0..=u32::from(n)).map(|i| IpAddr::from((3_221_225_984 + i).to_be_bytes()));
        let at_most = Advert {
            addrs: many(254).collect(),
            ..v3.clone()
        };
        assert_eq!(emit(&at_most).map(|b| b[field::COUNT]), Ok(255));
        let too_many = Advert {
            addrs: many(255).collect(),
            ..v3.clone()
        };
        assert_eq!(emit(&too_many), Err(EmitError::TooManyAddrs(256)));
        for (cs, ok) in [
            (100, true),
            (25_500, true),
            (0, true),
            (150, false),
            (25_600, false),
        ] {
            let a = Advert {
                interval_cs: cs,
                ..v2.clone()
            };
            assert_eq!(emit(&a).is_ok(), ok, "v2 {cs} cs");
        }
        for (cs, ok) in [(4095, true), (4096, false), (u16::MAX, false)] {
            let a = Advert {
                interval_cs: cs,
                ..v3.clone()
            };
            assert_eq!(emit(&a).is_ok(), ok, "v3 {cs} cs");
        }
        let v6: IpAddr = "2001:db8::250".parse().unwrap();
        let mixed = Advert {
            addrs: vec![v6],
            ..v3
        };
        assert_eq!(emit(&mixed), Err(EmitError::Family(v6)));
    }

    #[test]
    fn rfc9568_message_only_form_is_accepted_and_reported() {
        let p = &vrrp_packets("keepalived-v3.pcap")[0];
        let advert = parse(&p.payload, p.src, p.dst).unwrap().advert;
        let bytes = emit(&advert, p.src, p.dst, V3Checksum::Rfc9568).unwrap();
        assert_ne!(bytes, p.payload, "the two forms must differ");
        // Recompute by hand over the message alone, independent of emit().
        let mut zeroed = bytes.clone();
        zeroed[field::CHECKSUM].fill(0);
        assert_eq!(be16(&bytes[field::CHECKSUM]), internet_checksum(&[&zeroed]));
        let parsed = parse(&bytes, p.src, p.dst).unwrap();
        assert_eq!(parsed.checksum, ChecksumForm::MessageOnly);
        assert_eq!(parsed.advert, advert);
    }

    #[test]
    fn message_only_is_not_accepted_for_ipv6() {
        let p = &vrrp_packets("keepalived-v3-ipv6.pcap")[0];
        let mut bytes = p.payload.clone();
        bytes[field::CHECKSUM].fill(0);
        let sum = internet_checksum(&[&bytes]);
        bytes[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
        assert!(matches!(
            parse(&bytes, p.src, p.dst),
            Err(WireError::Checksum { .. })
        ));
    }

    #[test]
    fn malformed_packets_are_rejected_with_what_was_wrong() {
        let p = &vrrp_packets("keepalived-v2.pcap")[0];
        let (s, d) = (p.src, p.dst);
        let good = p.payload.clone();
        let with = |i: usize, v: u8| {
            let mut b = good.clone();
            b[i] = v;
            b
        };
        assert_eq!(parse(&good[..5], s, d), Err(WireError::TooShort { len: 5 }));
        assert_eq!(
            parse(&good[..19], s, d),
            Err(WireError::Length {
                len: 19,
                expected: 20,
                count: 1
            })
        );
        assert_eq!(parse(&with(0, 0x41), s, d), Err(WireError::Version(4)));
        assert_eq!(parse(&with(0, 0x22), s, d), Err(WireError::Type(2)));
        assert_eq!(parse(&with(3, 0), s, d), Err(WireError::ZeroCount));
        // keepalived's v2 advert of an instance without VIPs: count 0, no address.
        let mut bare = with(3, 0);
        bare.drain(field::ADDRS..field::ADDRS + 4);
        bare[field::CHECKSUM].fill(0);
        let sum = internet_checksum(&[&bare]);
        bare[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
        let parsed = parse(&bare, s, d).expect("a whole v2 advert without addresses");
        assert!(parsed.advert.addrs.is_empty());
        assert!(matches!(
            parse(&with(3, 2), s, d),
            Err(WireError::Length { expected: 24, .. })
        ));
        assert!(matches!(
            parse(&with(7, 0), s, d),
            Err(WireError::Checksum { .. })
        ));
        let v6: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(
            parse(&good, v6, "ff02::12".parse().unwrap()),
            Err(WireError::V2OverIpv6)
        );
        assert_eq!(parse(&good, v6, d), Err(WireError::FamilyMismatch));
        let msg = WireError::Checksum {
            got: 0x1234,
            expected: 0x5678,
        }
        .to_string();
        assert_eq!(msg, "checksum 0x1234, expected 0x5678");
    }
}

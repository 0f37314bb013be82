//! The Internet checksum (RFC 1071) over several slices, as VRRP, ICMPv6 and the
//! pseudo-headers need it.

/// One's complement sum of the concatenated `parts`, folded and inverted.
/// Odd-length parts are handled as if the bytes were contiguous.
pub fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for part in parts {
        for &byte in part.iter() {
            match odd.take() {
                Some(high) => sum += u32::from(u16::from_be_bytes([high, byte])),
                None => odd = Some(byte),
            }
        }
    }
    if let Some(high) = odd {
        sum += u32::from(u16::from_be_bytes([high, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 example: sum of these words is ddf2, checksum is its complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet_checksum(&[&data]), !0xddf2);
    }

    #[test]
    fn split_parts_equal_contiguous() {
        let data = [1u8, 2, 3, 4, 5, 6, 7];
        let whole = internet_checksum(&[&data]);
        assert_eq!(internet_checksum(&[&data[..3], &data[3..]]), whole);
    }
}

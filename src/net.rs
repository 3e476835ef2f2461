//! Facts about addresses that every layer needs: prefixes and masks,
//! IPv6 address classes, MAC addresses and Ethernet's numbers. A leaf:
//! it uses nothing of floatip's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A MAC (EUI-48) address.
pub type Mac = [u8; 6];

/// The Ethernet broadcast address.
pub const BROADCAST_MAC: Mac = [0xff; 6];

/// EtherType of ARP (RFC 826).
pub const ETH_P_ARP: u16 = 0x0806;
/// EtherType of IPv6 (RFC 8200).
pub const ETH_P_IPV6: u16 = 0x86dd;

/// The IPv4 netmask of a prefix length; lengths past 32 are 32.
pub fn ipv4_mask(prefix_len: u8) -> u32 {
    match u32::from(prefix_len.min(32)) {
        0 => 0,
        bits => u32::MAX << (32 - bits),
    }
}

/// The IPv6 netmask of a prefix length; lengths past 128 are 128.
pub fn ipv6_mask(prefix_len: u8) -> u128 {
    match u32::from(prefix_len.min(128)) {
        0 => 0,
        bits => u128::MAX << (128 - bits),
    }
}

/// Whether `a` and `b` share their first `prefix_len` bits; addresses of
/// different families never do.
pub fn same_prefix(a: IpAddr, b: IpAddr, prefix_len: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = ipv4_mask(prefix_len);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = ipv6_mask(prefix_len);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// The network of `ip/prefix_len` with every host bit set (`set`) or clear.
pub fn ipv4_host_bits(ip: Ipv4Addr, prefix_len: u8, set: bool) -> Ipv4Addr {
    let mask = ipv4_mask(prefix_len);
    let network = u32::from(ip) & mask;
    Ipv4Addr::from(if set { network | !mask } else { network })
}

/// fe80::/10 (RFC 4291 §2.5.6).
pub fn is_link_local(ip: Ipv6Addr) -> bool {
    (ip.segments()[0] & 0xffc0) == 0xfe80
}

/// The solicited-node multicast group of `target` (RFC 4291 §2.7.1):
/// ff02::1:ff00:0/104 with the target's low 24 bits.
pub fn solicited_node(target: Ipv6Addr) -> Ipv6Addr {
    let t = target.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(t[13]),
        u16::from_be_bytes([t[14], t[15]]),
    )
}

/// The Ethernet address an IPv6 multicast group maps to (RFC 2464 §7):
/// 33:33 and the group's low 32 bits.
pub fn ipv6_multicast_mac(group: Ipv6Addr) -> Mac {
    let g = group.octets();
    [0x33, 0x33, g[12], g[13], g[14], g[15]]
}

/// `aa:bb:cc:dd:ee:ff`
pub fn format_mac(mac: Mac) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// FNV-1a, 32 bits: stable across versions and architectures.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash: u32, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn masks_at_the_edges() {
        assert_eq!(ipv4_mask(0), 0);
        assert_eq!(ipv4_mask(24), 0xffff_ff00);
        assert_eq!(ipv4_mask(32), u32::MAX);
        assert_eq!(
            ipv4_mask(200),
            u32::MAX,
            "past 32 is 32, never a shift overflow"
        );
        assert_eq!(ipv6_mask(0), 0);
        assert_eq!(ipv6_mask(64), u128::MAX << 64);
        assert_eq!(ipv6_mask(255), u128::MAX);
    }

    #[test]
    fn prefixes() {
        assert!(same_prefix(ip("192.0.2.3"), ip("192.0.2.10"), 24));
        assert!(!same_prefix(ip("198.51.100.3"), ip("192.0.2.10"), 24));
        assert!(same_prefix(
            ip("2001:db8:1234::1"),
            ip("2001:db8:1234::10"),
            64
        ));
        assert!(
            !same_prefix(ip("192.0.2.1"), ip("2001:db8::1"), 0),
            "families differ"
        );
        assert!(same_prefix(ip("192.0.2.1"), ip("203.0.113.1"), 0));
    }

    #[test]
    fn host_bits() {
        let v4 = Ipv4Addr::new(192, 0, 2, 77);
        assert_eq!(ipv4_host_bits(v4, 24, true), Ipv4Addr::new(192, 0, 2, 255));
        assert_eq!(ipv4_host_bits(v4, 24, false), Ipv4Addr::new(192, 0, 2, 0));
        assert_eq!(ipv4_host_bits(v4, 32, true), v4);
    }

    #[test]
    fn ipv6_classes_and_groups() {
        assert!(is_link_local("fe80::2".parse().unwrap()));
        assert!(is_link_local("febf::2".parse().unwrap()));
        assert!(!is_link_local("fec0::2".parse().unwrap()));
        assert!(!is_link_local("2001:db8::2".parse().unwrap()));
        let target: Ipv6Addr = "2001:db8::1:2:3".parse().unwrap();
        let group = solicited_node(target);
        assert_eq!(group, "ff02::1:ff02:3".parse::<Ipv6Addr>().unwrap());
        assert_eq!(
            ipv6_multicast_mac(group),
            [0x33, 0x33, 0xff, 0x02, 0x00, 0x03]
        );
    }

    #[test]
    fn mac_text() {
        assert_eq!(
            format_mac([0x02, 0, 0x5e, 0x0a, 0xbc, 0xff]),
            "02:00:5e:0a:bc:ff"
        );
    }
}

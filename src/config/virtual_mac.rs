//! The virtual_mac parameter: off, `auto` (a MAC derived from the VIP,
//! the same on every node), or an explicit unicast MAC.

use std::fmt;
use std::net::IpAddr;

use crate::net::{fnv1a, format_mac, Mac};

/// The virtual_mac parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtualMac {
    /// "": the VIP lives on the nic with the nic's MAC (IPaddr2's way).
    Off,
    /// A MAC derived from the VIP ([`auto_mac`]), the same on every node.
    Auto,
    /// This MAC.
    Explicit(Mac),
}

impl VirtualMac {
    /// "" (off), `auto`, or a unicast MAC (`02:00:5e:…`, `-` or `:`
    /// between the bytes). Multicast, broadcast and all-zero MACs are no
    /// interface's address.
    pub fn parse(text: &str) -> std::result::Result<VirtualMac, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(VirtualMac::Off);
        }
        if text.eq_ignore_ascii_case("auto") {
            return Ok(VirtualMac::Auto);
        }
        let mac = parse_mac(text).ok_or_else(|| {
            format!(
                "Invalid virtual_mac [{text}]: \"auto\" or a MAC such as 02:00:00:00:00:01 expected"
            )
        })?;
        if mac[0] & 1 != 0 {
            return Err(format!(
                "Invalid virtual_mac [{text}]: a multicast MAC cannot be an interface's address"
            ));
        }
        if mac == [0; 6] {
            return Err(format!(
                "Invalid virtual_mac [{text}]: the all-zero MAC cannot be an interface's address"
            ));
        }
        Ok(VirtualMac::Explicit(mac))
    }

    /// The MAC the VIP `ip` uses, if any.
    pub fn mac_for(self, ip: IpAddr) -> Option<Mac> {
        match self {
            VirtualMac::Off => None,
            VirtualMac::Auto => Some(auto_mac(ip)),
            VirtualMac::Explicit(mac) => Some(mac),
        }
    }

    pub fn is_on(self) -> bool {
        self != VirtualMac::Off
    }
}

impl fmt::Display for VirtualMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VirtualMac::Off => Ok(()),
            VirtualMac::Auto => f.write_str("auto"),
            VirtualMac::Explicit(mac) => f.write_str(&format_mac(*mac)),
        }
    }
}

fn parse_mac(text: &str) -> Option<Mac> {
    let parts: Vec<&str> = text.split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (byte, part) in mac.iter_mut().zip(parts) {
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    Some(mac)
}

/// `auto`: 02 (locally administered, unicast: never a vendor's MAC and
/// never VRRP's 00:00:5e:00:01:xx), 04 or 06 for the family, then the four
/// bytes of an IPv4 VIP — two IPv4 VIPs never share a MAC — or, for IPv6,
/// FNV-1a of the sixteen bytes (two IPv6 VIPs of one network share one
/// with a chance of 1 in 4 billion per pair; start refuses a MAC another
/// interface of the node already has, and an explicit MAC settles it).
pub fn auto_mac(ip: IpAddr) -> Mac {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            [0x02, 0x04, a, b, c, d]
        }
        IpAddr::V6(v6) => {
            let [a, b, c, d] = fnv1a(&v6.octets()).to_be_bytes();
            [0x02, 0x06, a, b, c, d]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(VirtualMac::parse(""), Ok(VirtualMac::Off));
        assert_eq!(VirtualMac::parse(" AUTO "), Ok(VirtualMac::Auto));
        assert_eq!(
            VirtualMac::parse("02:00:5e:10:00:01"),
            Ok(VirtualMac::Explicit([2, 0, 0x5e, 0x10, 0, 1]))
        );
        assert_eq!(
            VirtualMac::parse("0A-0b-00-00-00-01"),
            Ok(VirtualMac::Explicit([0xa, 0xb, 0, 0, 0, 1]))
        );
        for bad in [
            "yes",
            "01:00:5e:00:00:01",
            "ff:ff:ff:ff:ff:ff",
            "00:00:00:00:00:00",
            "02:00:00:00:00",
            "02:00:00:00:00:00:01",
            "02:00:00:00:00:100",
            "02::00:00:00:00",
        ] {
            assert!(VirtualMac::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn auto_macs_are_local_unicast_and_never_vrrp() {
        let v4: IpAddr = "192.0.2.10".parse().unwrap();
        assert_eq!(auto_mac(v4), [0x02, 0x04, 192, 0, 2, 10]);
        let v6: IpAddr = "2001:db8::10".parse().unwrap();
        let mac = auto_mac(v6);
        assert_eq!(&mac[..2], &[0x02, 0x06]);
        assert_eq!(mac, auto_mac(v6), "the same on every node");
        assert_ne!(mac, auto_mac("2001:db8::11".parse().unwrap()));
        for ip in [v4, v6] {
            let mac = auto_mac(ip);
            assert_eq!(mac[0] & 1, 0, "unicast");
            assert_eq!(mac[0] & 2, 2, "locally administered");
            assert_ne!(&mac[..5], &[0, 0, 0x5e, 0, 1], "not VRRP's");
        }
    }
}

//! virtual_mac's devices as the kernel shows them: the name of a VIP's
//! macvlan, how one of floatip's macvlans is recognised (and the nic under
//! it, where the VIP's routes and gateways are), and where a virtual MAC
//! cannot work ([`eligible`]). What start and stop do with them is
//! `actions::macvlan`; the parameter is `config::virtual_mac`.

pub mod eligible;

use std::net::IpAddr;

use crate::net::fnv1a;
use crate::netlink::{Link, Name, Netlink};

/// The longest interface name the kernel takes (IFNAMSIZ - 1).
const IFNAME_MAX: usize = 15;

/// What every floatip macvlan's name starts with: `fv`, then 4 or 6.
const NAME_PREFIX: &str = "fv";

/// The macvlan of VIP `ip` on `nic`: `fv<family><5 hex digits>.<nic>`,
/// the digits from FNV-1a of the VIP and the nic's whole name, the nic's
/// name cut to fit 15 bytes (`fv4a1b2c.eth0`, `fv6f00d1.enp3s0f`). The
/// nic is part of the name, so a reload that moves the VIP to another nic
/// makes the new macvlan beside the old one; the hash keeps two VIPs of
/// one nic apart. A name is floatip's only on a macvlan whose lower
/// device is that nic ([`is_floatip_macvlan`]).
pub fn macvlan_name(ip: IpAddr, nic: &Name) -> String {
    let mut key = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    key.push(0);
    key.extend_from_slice(nic.as_bytes());
    let family = if ip.is_ipv4() { '4' } else { '6' };
    let mut name = format!("{NAME_PREFIX}{family}{:05x}.", fnv1a(&key) & 0xf_ffff);
    // Whole characters of the nic's name, as far as they fit; a byte
    // that is not printable ASCII becomes `_` (names are bytes).
    for c in nic.lossy().chars() {
        if name.len() >= IFNAME_MAX {
            break;
        }
        name.push(if c.is_ascii_graphic() { c } else { '_' });
    }
    name
}

/// Whether `link` is floatip's macvlan of VIP `ip` on `nic`.
pub fn is_floatip_macvlan(link: &Link, nic: &Link, ip: IpAddr) -> bool {
    link.kind.as_deref() == Some("macvlan")
        && link.lower == Some(nic.index)
        && link.name == macvlan_name(ip, &nic.name)
}

/// Whether `link` looks like one of floatip's macvlans (of any VIP):
/// findif never places a VIP on one.
pub fn looks_like_floatip_macvlan(link: &Link) -> bool {
    let name = link.name.as_bytes();
    link.kind.as_deref() == Some("macvlan")
        && name.starts_with(NAME_PREFIX.as_bytes())
        && name.get(8) == Some(&b'.')
        && matches!(name.get(2), Some(b'4' | b'6'))
}

/// Whether `link` is a floatip macvlan for an IPv4 VIP on `nic`: what the
/// ARP-flux settings of `nic` are held for.
pub fn is_ipv4_macvlan_on(link: &Link, nic: u32) -> bool {
    looks_like_floatip_macvlan(link)
        && link.lower == Some(nic)
        && link.name.as_bytes().get(2) == Some(&b'4')
}

/// Where a virtual-MAC VIP is placed: its nic, and whether the VIP's
/// prefix route goes on the macvlan (only when the nic has no connected
/// route for it: otherwise the nic's route stays the one traffic takes).
#[derive(Debug, Clone)]
pub struct VirtualMacPlacement {
    pub nic: Link,
    pub prefix_route: bool,
}

/// The nic under `link` when `link` is one of floatip's macvlans: where
/// the VIP's routes, gateways and neighbours are.
pub fn routed_through(netlink: &mut Netlink, link: &Link) -> Option<Link> {
    if !looks_like_floatip_macvlan(link) {
        return None;
    }
    netlink.link_by_index(link.lower?).ok().flatten()
}

/// The nic of a floatip macvlan `link` (for monitor's link check, show
/// and garp), if `link` is one of VIP `ip`. Any other link costs no
/// request to the kernel: monitor asks this on every run.
pub fn nic_of(netlink: &mut Netlink, link: &Link, ip: IpAddr) -> Option<Link> {
    routed_through(netlink, link).filter(|lower| is_floatip_macvlan(link, lower, ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_tell_vips_and_nics_apart() {
        let a: IpAddr = "192.0.2.10".parse().unwrap();
        let b: IpAddr = "192.0.2.11".parse().unwrap();
        let v6: IpAddr = "2001:db8::10".parse().unwrap();
        let eth0 = Name::from("eth0");
        let long = Name::from("enp3s0f1np1.100");
        let name = macvlan_name(a, &eth0);
        assert!(name.starts_with("fv4") && name.ends_with(".eth0"), "{name}");
        assert_eq!(name.len(), 13);
        assert_eq!(name, macvlan_name(a, &eth0), "deterministic");
        assert_ne!(name, macvlan_name(b, &eth0));
        assert_ne!(name, macvlan_name(a, &Name::from("eth1")));
        assert!(macvlan_name(v6, &eth0).starts_with("fv6"));
        let cut = macvlan_name(a, &long);
        assert_eq!(cut.len(), 15, "{cut}");
        assert!(cut.ends_with(".enp3s0"), "{cut}");
        assert_ne!(cut, macvlan_name(a, &Name::from("enp3s0f1np1.200")));
        let odd = macvlan_name(a, &Name::from_bytes(&[0xff, 0xfe, b'x']));
        assert!(odd.len() <= 15, "{odd}");
    }
}

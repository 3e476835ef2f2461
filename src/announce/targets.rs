//! Directed announcements, for neighbours that ignore gratuitous ARP or
//! unsolicited advertisements (drop_gratuitous_arp, drop_unsolicited_na,
//! firewalls and routers that ignore them by design).
//!
//! Such a neighbour still learns from an ordinary request addressed to it:
//! an ARP request "who-has <neighbour> tell <VIP>" (RFC 826: the receiver
//! of a request for itself records the sender), or a Neighbour Solicitation
//! from the VIP with the source link-layer option (RFC 4861 §7.2.3). One
//! such frame per target and round goes with every announcement round.
//!
//! garp_targets:
//! - `gateway` (default): the next hops of the routes leaving through the
//!   VIP's interface: one frame per hop, the frame the node would send
//!   anyway when it first routes traffic;
//! - `neighbours`: the gateways and every usable entry of this node's
//!   neighbour table on that interface, at most NEIGHBOUR_LIMIT;
//! - `none`;
//! - a list of addresses (comma or space separated).
//!
//! Only on-link addresses are ever targeted: within the VIP's own prefix or
//! a connected route of its interface. Others are skipped with a warning.

use std::net::IpAddr;

use netlink_packet_route::AddressFamily;

use crate::netlink::{Link, Netlink, Route};
use crate::ocf::log;

/// Upper bound on `neighbours` targets, so a large L2 segment cannot make
/// one round thousands of frames.
pub const NEIGHBOUR_LIMIT: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    Gateway,
    Neighbours,
    None,
    Addresses(Vec<IpAddr>),
}

/// One neighbour to address directly; its MAC when this node knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directed {
    pub ip: IpAddr,
    pub mac: Option<[u8; 6]>,
}

/// Parses garp_targets; `Err` names what was not understood.
pub fn parse(value: &str, ipv4: bool) -> Result<Targets, String> {
    match value {
        "gateway" => return Ok(Targets::Gateway),
        "neighbours" | "neighbors" => return Ok(Targets::Neighbours),
        "none" => return Ok(Targets::None),
        _ => {}
    }
    let mut addresses = Vec::new();
    let mut dropped = 0usize;
    for word in value.split([',', ' ']).filter(|w| !w.is_empty()) {
        let ip: IpAddr = word.parse().map_err(|_| word.to_owned())?;
        if ip.is_ipv4() != ipv4 || ip.is_unspecified() || ip.is_multicast() {
            return Err(word.to_owned());
        }
        if addresses.contains(&ip) {
            continue;
        }
        if addresses.len() == NEIGHBOUR_LIMIT {
            dropped += 1;
            continue;
        }
        addresses.push(ip);
    }
    if addresses.is_empty() {
        return Err(value.to_owned());
    }
    if dropped > 0 {
        // Every round sends one frame per target: the list is bounded like
        // `neighbours`, so no value makes a round unbounded.
        log::warn(format!(
            "garp_targets lists more than {NEIGHBOUR_LIMIT} addresses: only the first {NEIGHBOUR_LIMIT} are addressed ({dropped} more ignored)"
        ));
    }
    Ok(Targets::Addresses(addresses))
}

/// The neighbours to address for `vip` on `link`.
pub fn resolve(
    netlink: &mut Netlink,
    targets: &Targets,
    link: &Link,
    vip: IpAddr,
    prefix_len: u8,
) -> Vec<Directed> {
    if *targets == Targets::None {
        return Vec::new();
    }
    let family = if vip.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    let routes = netlink.routes(family).unwrap_or_default();
    let neighbours: Vec<_> = netlink
        .neighbours(family)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.ifindex == link.index)
        .collect();
    let own: Vec<IpAddr> = netlink
        .addresses(Some(family))
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.local)
        .collect();
    let mac_of = |ip: IpAddr| neighbours.iter().find(|n| n.ip == ip).and_then(|n| n.mac);

    let mut wanted: Vec<IpAddr> = match targets {
        Targets::None => Vec::new(),
        Targets::Gateway => gateways(&routes, link.index),
        Targets::Neighbours => {
            let mut all = gateways(&routes, link.index);
            all.extend(neighbours.iter().filter(|n| n.is_usable()).map(|n| n.ip));
            all
        }
        Targets::Addresses(list) => list.clone(),
    };
    let mut seen = Vec::new();
    wanted.retain(|ip| {
        let keep = !seen.contains(ip) && !own.contains(ip) && *ip != vip;
        seen.push(*ip);
        keep
    });
    let mut directed = Vec::new();
    for ip in wanted {
        if !on_link(ip, vip, prefix_len, &routes, link.index) {
            log::warn(format!(
                "garp_targets: {ip} is not on the link of {vip} ({}): not addressed",
                link.name
            ));
            continue;
        }
        if directed.len() == NEIGHBOUR_LIMIT {
            log::warn(format!(
                "garp_targets: more than {NEIGHBOUR_LIMIT} neighbours on {}: the rest are not addressed",
                link.name
            ));
            break;
        }
        directed.push(Directed {
            ip,
            mac: mac_of(ip),
        });
    }
    directed
}

/// Next hops of routes that leave through `ifindex`.
fn gateways(routes: &[Route], ifindex: u32) -> Vec<IpAddr> {
    let mut found = Vec::new();
    for route in routes {
        if route.oif == Some(ifindex) {
            found.extend(route.gateway);
        }
        for (hop_index, gateway) in &route.next_hops {
            if *hop_index == ifindex {
                found.extend(*gateway);
            }
        }
    }
    found
}

/// Inside the VIP's prefix, or a directly connected route of the interface
/// (and, for IPv6, link-local).
fn on_link(ip: IpAddr, vip: IpAddr, prefix_len: u8, routes: &[Route], ifindex: u32) -> bool {
    if let IpAddr::V6(v6) = ip {
        if crate::findif::is_link_local(v6) {
            return true;
        }
    }
    if same_prefix(ip, vip, prefix_len) {
        return true;
    }
    routes.iter().any(|r| {
        r.oif == Some(ifindex)
            && r.gateway.is_none()
            && r.prefix_len > 0
            && r.destination
                .is_some_and(|d| same_prefix(ip, d, r.prefix_len))
    })
}

fn same_prefix(a: IpAddr, b: IpAddr, prefix_len: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let bits = u32::from(prefix_len.min(32));
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let bits = u32::from(prefix_len.min(128));
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keywords_and_addresses() {
        assert_eq!(parse("gateway", true), Ok(Targets::Gateway));
        assert_eq!(parse("neighbors", true), Ok(Targets::Neighbours));
        assert_eq!(parse("none", false), Ok(Targets::None));
        assert_eq!(
            parse("192.0.2.1, 192.0.2.2", true),
            Ok(Targets::Addresses(vec![
                "192.0.2.1".parse().unwrap(),
                "192.0.2.2".parse().unwrap()
            ]))
        );
        assert!(parse("2001:db8::1", true).is_err(), "wrong family");
        assert!(parse("gateway,foo", true).is_err());
        assert!(parse("224.0.0.1", true).is_err());
        assert!(parse(",", true).is_err());
    }

    #[test]
    fn prefixes() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(same_prefix(ip("192.0.2.3"), ip("192.0.2.10"), 24));
        assert!(!same_prefix(ip("198.51.100.3"), ip("192.0.2.10"), 24));
        assert!(same_prefix(
            ip("2001:db8:1234::1"),
            ip("2001:db8:1234::10"),
            64
        ));
    }
}

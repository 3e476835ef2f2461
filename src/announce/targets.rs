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
//!   neighbour table on that interface, at most TARGET_LIMIT;
//! - `none`;
//! - a list of addresses (comma or space separated).
//!
//! Only on-link addresses are ever targeted: within the VIP's own prefix or
//! a connected route of its interface. Others are skipped with a warning.

use std::net::IpAddr;

use crate::config::values::TARGET_LIMIT;
use crate::config::Targets;
use crate::net::{is_link_local, same_prefix, Mac};
use crate::netlink::{Family, Link, Netlink, Route};
use crate::ocf::log;

/// One neighbour to address directly; its MAC when this node knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directed {
    pub ip: IpAddr,
    pub mac: Option<Mac>,
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
    let family = Family::of(vip);
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
            all.extend(neighbours.iter().filter(|n| n.usable).map(|n| n.ip));
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
        if directed.len() == TARGET_LIMIT {
            log::warn(format!(
                "garp_targets: more than {TARGET_LIMIT} neighbours on {}: the rest are not addressed",
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
        if is_link_local(v6) {
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

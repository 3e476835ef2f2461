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
//! - `gateway` (default): the next hops of the main table's routes
//!   leaving through the VIP's interface (ECMP hops and next-hop objects
//!   included; an IPv4 route's IPv6 next hop is addressed at its MAC):
//!   one frame per hop, the frame the node would send anyway when it
//!   first routes traffic;
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
use crate::netlink::{Family, Link, Netlink, Route, RouteFilter, TABLE_MAIN};
use crate::ocf::log;

/// One neighbour to address directly; its MAC when this node knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directed {
    pub ip: IpAddr,
    pub mac: Option<Mac>,
}

impl Directed {
    /// Whether this neighbour answers the directed request for `vip`: one
    /// of the VIP's family. An IPv4 VIP's IPv6 next hop (RFC 5549) is sent
    /// a gratuitous request at its MAC, which it takes but never answers.
    pub fn answers_for(&self, vip: IpAddr) -> bool {
        self.ip.is_ipv4() == vip.is_ipv4()
    }
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
    let routes = link_routes(netlink, family, link, vip);
    // The MACs of an IPv4 route's IPv6 next hops are in the IPv6 table.
    let other_family = routes.gateways.iter().any(|g| g.is_ipv6() != vip.is_ipv6());
    let mut neighbours = netlink.neighbours(family).unwrap_or_default();
    if other_family {
        neighbours.extend(netlink.neighbours(Family::Ipv6).unwrap_or_default());
    }
    neighbours.retain(|n| n.ifindex == link.index);
    let own: Vec<IpAddr> = netlink
        .addresses(Some(family))
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.local)
        .collect();
    let mac_of = |ip: IpAddr| neighbours.iter().find(|n| n.ip == ip).and_then(|n| n.mac);

    let mut wanted: Vec<IpAddr> = match targets {
        Targets::None => Vec::new(),
        Targets::Gateway => routes.gateways.clone(),
        Targets::Neighbours => {
            let mut all = routes.gateways.clone();
            all.extend(
                neighbours
                    .iter()
                    .filter(|n| n.usable && n.ip.is_ipv6() == vip.is_ipv6())
                    .map(|n| n.ip),
            );
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
        let next_hop_of_other_family = ip.is_ipv6() != vip.is_ipv6();
        if !next_hop_of_other_family && !routes.on_link(ip, vip, prefix_len) {
            log::warn(format!(
                "garp_targets: {ip} is not on the link of {vip} ({}): not addressed",
                link.name
            ));
            continue;
        }
        let mac = mac_of(ip);
        if next_hop_of_other_family && mac.is_none() {
            log::debug(format!(
                "The next hop {ip} of {vip} on {} has no known MAC: not addressed",
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
        directed.push(Directed { ip, mac });
    }
    directed
}

/// The gateways of routes through `link` and its connected networks.
/// `IPv4 VIP, IPv6 next hop` is possible (RTA_VIA).
#[derive(Debug, Default, Clone)]
pub struct LinkRoutes {
    pub gateways: Vec<IpAddr>,
    /// Connected (gateway-less) routes of the link: (network, prefix).
    connected: Vec<(IpAddr, u8)>,
    next_hop_ids: Vec<u32>,
}

/// Far more gateways or connected networks than any link has: a bound on
/// what a table streamed through [`LinkRoutes::keep`] can hold.
const KEPT_LIMIT: usize = 4 * TARGET_LIMIT;

impl LinkRoutes {
    /// Keeps what `route` (through `ifindex`) adds.
    pub fn keep(&mut self, route: Route, ifindex: u32) {
        let add = |gateway: IpAddr, list: &mut Vec<IpAddr>| {
            if !list.contains(&gateway) && list.len() < KEPT_LIMIT {
                list.push(gateway);
            }
        };
        if route.oif == Some(ifindex) {
            match route.gateway {
                Some(gateway) => add(gateway, &mut self.gateways),
                None => {
                    if let Some(network) = route.destination.filter(|_| route.prefix_len > 0) {
                        if self.connected.len() < KEPT_LIMIT {
                            self.connected.push((network, route.prefix_len));
                        }
                    }
                }
            }
        }
        for (hop_index, gateway) in &route.next_hops {
            if *hop_index == ifindex {
                if let Some(gateway) = gateway {
                    add(*gateway, &mut self.gateways);
                }
            }
        }
        if let Some(id) = route.next_hop_id {
            if !self.next_hop_ids.contains(&id) && self.next_hop_ids.len() < KEPT_LIMIT {
                self.next_hop_ids.push(id);
            }
        }
    }

    /// Inside the VIP's prefix, or a directly connected route of the
    /// interface (and, for IPv6, link-local).
    fn on_link(&self, ip: IpAddr, vip: IpAddr, prefix_len: u8) -> bool {
        if let IpAddr::V6(v6) = ip {
            if is_link_local(v6) {
                return true;
            }
        }
        same_prefix(ip, vip, prefix_len)
            || self
                .connected
                .iter()
                .any(|(network, prefix)| same_prefix(ip, *network, *prefix))
    }
}

/// The main table's routes through `link`, read as a stream (a full BGP
/// table costs time, never memory) and filtered by the kernel where it
/// can; next-hop objects resolved. A table that cannot be read is logged
/// as an error: the announcement then has no gateway to address, and the
/// log says why.
pub fn link_routes(netlink: &mut Netlink, family: Family, link: &Link, vip: IpAddr) -> LinkRoutes {
    let filter = RouteFilter {
        table: Some(TABLE_MAIN),
        oif: Some(link.index),
    };
    let read = netlink.fold_routes(family, filter, LinkRoutes::default, |routes, route| {
        routes.keep(route, link.index)
    });
    let mut routes = match read {
        Ok(routes) => routes,
        Err(e) => {
            log::error(format!(
                "Could not read the routing table to find the gateways of {vip} on {}: {e}",
                link.name
            ));
            return LinkRoutes::default();
        }
    };
    for id in std::mem::take(&mut routes.next_hop_ids) {
        match netlink.next_hop_gateways(id) {
            Ok(hops) => {
                for (oif, gateway) in hops {
                    if oif == link.index && !routes.gateways.contains(&gateway) {
                        routes.gateways.push(gateway);
                    }
                }
            }
            Err(e) => log::error(format!(
                "Could not read next-hop object {id} (a gateway of {vip}?): {e}"
            )),
        }
    }
    routes
}

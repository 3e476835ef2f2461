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
use crate::net::Mac;
use crate::netlink::{Family, Link, LinkRoutes, Netlink, RouteFilter, TABLE_MAIN};
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
/// `known`: the link's routes when the caller read them already (start's
/// findif reads the main table once for both).
pub fn resolve(
    netlink: &mut Netlink,
    targets: &Targets,
    link: &Link,
    vip: IpAddr,
    prefix_len: u8,
    known: Option<LinkRoutes>,
) -> Vec<Directed> {
    if *targets == Targets::None {
        return Vec::new();
    }
    // A virtual-MAC VIP's macvlan has no routes of its own that matter:
    // the gateways and their neighbour entries are the nic's.
    let nic = crate::virtual_mac::routed_through(netlink, link);
    let link = nic.as_ref().unwrap_or(link);
    let family = Family::of(vip);
    let routes = match known {
        Some(mut routes) => {
            resolve_next_hops(netlink, &mut routes, link, vip);
            routes
        }
        None => link_routes(netlink, family, link, vip),
    };
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

/// The main table's routes through `link`, read as a stream (a full BGP
/// table costs time, never memory) and filtered by the kernel where it
/// can; next-hop objects resolved. A table that cannot be read is logged
/// as an error: the announcement then has no gateway to address, and the
/// log says why.
pub fn link_routes(netlink: &mut Netlink, family: Family, link: &Link, vip: IpAddr) -> LinkRoutes {
    let filter = RouteFilter {
        table: Some(TABLE_MAIN),
        oif: Some(link.index),
        protocol: None,
    };
    let read = netlink.fold_routes(family, filter, LinkRoutes::default, |routes, route| {
        routes.keep(&route, link.index)
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
    resolve_next_hops(netlink, &mut routes, link, vip);
    routes
}

/// The gateways of the next-hop objects `routes` kept, through `link`.
fn resolve_next_hops(netlink: &mut Netlink, routes: &mut LinkRoutes, link: &Link, vip: IpAddr) {
    for (id, e) in netlink.resolve_next_hops(routes, link.index) {
        log::error(format!(
            "Could not read next-hop object {id} (a gateway of {vip}?): {e}"
        ));
    }
}

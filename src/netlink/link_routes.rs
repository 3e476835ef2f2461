//! What the announcement needs of the main table's routes through one
//! interface: its gateways (next hops, ECMP hops, next-hop objects) and
//! its connected networks, kept while the table streams by, in bounded
//! memory whatever its size.

use std::net::IpAddr;

use super::{Error, Netlink, Route};
use crate::net::{is_link_local, same_prefix};

/// The most gateways or connected networks kept for one interface: far
/// more than any link has.
const KEPT_LIMIT: usize = 1024;

/// The gateways of routes through `link` and its connected networks.
/// `IPv4 VIP, IPv6 next hop` is possible (RTA_VIA).
#[derive(Debug, Default, Clone)]
pub struct LinkRoutes {
    pub gateways: Vec<IpAddr>,
    /// Connected (gateway-less) routes of the link: (network, prefix).
    connected: Vec<(IpAddr, u8)>,
    next_hop_ids: Vec<u32>,
}

impl LinkRoutes {
    /// Keeps what `route` (through `ifindex`) adds.
    pub fn keep(&mut self, route: &Route, ifindex: u32) {
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

    /// Whether a connected route of the interface covers `ip`.
    pub fn connects(&self, ip: IpAddr) -> bool {
        self.connected
            .iter()
            .any(|(network, prefix)| same_prefix(ip, *network, *prefix))
    }

    /// Inside the VIP's prefix, or a directly connected route of the
    /// interface (and, for IPv6, link-local).
    pub fn on_link(&self, ip: IpAddr, vip: IpAddr, prefix_len: u8) -> bool {
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

/// The main table's routes of every interface, kept while findif streams
/// the table, so that the announcement's gateways need no second read.
#[derive(Debug, Default, Clone)]
pub struct RoutesByLink {
    links: Vec<(u32, LinkRoutes)>,
    next_hop_ids: Vec<u32>,
}

/// More interfaces than a node routes through: a bound on what
/// [`RoutesByLink`] holds.
const LINKS_LIMIT: usize = 256;

impl RoutesByLink {
    pub fn keep(&mut self, route: &Route) {
        let mut indexes: Vec<u32> = route.oif.into_iter().collect();
        indexes.extend(route.next_hops.iter().map(|(index, _)| *index));
        for index in indexes {
            let position = match self.links.iter().position(|(i, _)| *i == index) {
                Some(position) => position,
                None if self.links.len() < LINKS_LIMIT => {
                    self.links.push((index, LinkRoutes::default()));
                    self.links.len() - 1
                }
                None => continue,
            };
            self.links[position].1.keep(route, index);
        }
        if let Some(id) = route.next_hop_id {
            if !self.next_hop_ids.contains(&id) && self.next_hop_ids.len() < KEPT_LIMIT {
                self.next_hop_ids.push(id);
            }
        }
    }

    /// What was kept for interface `index` (next-hop objects not yet
    /// resolved: [`Netlink::resolve_next_hops`] does it).
    pub fn take(mut self, index: u32) -> LinkRoutes {
        let mut routes = self
            .links
            .iter()
            .position(|(i, _)| *i == index)
            .map(|position| self.links.swap_remove(position).1)
            .unwrap_or_default();
        routes.next_hop_ids = self.next_hop_ids;
        routes
    }
}

impl Netlink {
    /// Resolves the next-hop objects `routes` kept into the gateways that
    /// leave through interface `index`; the ids that could not be read,
    /// with why.
    pub fn resolve_next_hops(&mut self, routes: &mut LinkRoutes, index: u32) -> Vec<(u32, Error)> {
        let mut failed = Vec::new();
        for id in std::mem::take(&mut routes.next_hop_ids) {
            match self.next_hop_gateways(id) {
                Ok(hops) => {
                    for (oif, gateway) in hops {
                        if oif == index && !routes.gateways.contains(&gateway) {
                            routes.gateways.push(gateway);
                        }
                    }
                }
                Err(e) => failed.push((id, e)),
            }
        }
        failed
    }
}

//! findif: which interface, prefix length and broadcast a VIP gets when the
//! configuration leaves them out (resource-agents' findif.sh, used only by
//! start and validate-all).
//!
//! IPv4: among the main table's `scope link` routes that contain the VIP
//! (and, when cidr_netmask is given, its whole prefix), excluding gateway
//! and default routes, the longest prefix wins; on a tie findif.sh takes the
//! last one listed, floatip the lowest metric. 127.x falls back to the
//! local table (lo, /8). The broadcast is the base address's (the route's
//! preferred source); where the base has none, floatip derives it from the
//! prefix on broadcast-capable links (none for /31 and /32).
//!
//! IPv6: the same choice among the main table's unicast routes of any scope
//! (findif.sh filters no scope for inet6), no broadcast, and a link-local
//! VIP needs nic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::{Broadcast, Config};
use crate::net::{ipv4_host_bits, is_link_local, same_prefix};
use crate::netlink::{self, Family, Link, Netlink, Route, Scope};
use crate::ocf::{log, Error, Result};

/// What findif is asked: the VIP and what the configuration says of its
/// placement.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub ip: IpAddr,
    pub nic: Option<&'a str>,
    pub cidr_netmask: Option<u8>,
    pub broadcast: Option<Broadcast>,
}

impl<'a> Request<'a> {
    pub fn of(config: &'a Config) -> Request<'a> {
        Request {
            ip: config.vip.ip,
            nic: config.vip.nic.as_ref().map(|n| n.0.as_str()),
            cidr_netmask: config.address.cidr_netmask,
            broadcast: config.address.broadcast,
        }
    }
}

/// Where and how the VIP is to be configured.
#[derive(Debug, Clone)]
pub struct Placement {
    pub link: Link,
    pub prefix_len: u8,
    pub broadcast: Option<Ipv4Addr>,
}

pub fn findif(netlink: &mut Netlink, request: Request) -> Result<Placement> {
    let given_link = match request.nic {
        Some(nic) => Some(lookup_link(netlink, nic)?.ok_or_else(|| {
            Error::configured(format!(
                "Invalid interface name [{nic}]: nic names no interface on this node"
            ))
        })?),
        None => None,
    };
    match request.ip {
        IpAddr::V4(ip) => findif_v4(netlink, request, ip, given_link),
        IpAddr::V6(ip) => findif_v6(netlink, request, ip, given_link),
    }
}

pub fn lookup_link(netlink: &mut Netlink, name: &str) -> Result<Option<Link>> {
    netlink
        .link_by_name(name)
        .map_err(|e| Error::generic(format!("Could not look up interface {name}: {e}")))
}

fn read_routes(netlink: &mut Netlink, family: Family) -> Result<Vec<Route>> {
    netlink
        .routes(family)
        .map_err(|e| Error::generic(format!("Could not read the routing table: {e}")))
}

fn findif_v4(
    netlink: &mut Netlink,
    request: Request,
    ip: Ipv4Addr,
    given_link: Option<Link>,
) -> Result<Placement> {
    let routes = read_routes(netlink, Family::Ipv4)?;
    let oif = given_link.as_ref().map(|l| l.index);
    // Where the VIP is configured already (start on a started VIP,
    // reload), its own prefix route (source: the VIP) must not decide:
    // the placement is what it would be without the VIP, as at a first
    // start, unless no other route leads there.
    let own = IpAddr::V4(ip);
    let others = routes.iter().filter(|r| r.preferred_source != Some(own));
    let route = best_route(others, own, request.cidr_netmask, oif, true)
        .or_else(|| best_route(&routes, own, request.cidr_netmask, oif, true))
        .or_else(|| loopback_route(&routes, ip));
    let (link, prefix_len) = link_and_prefix(netlink, request, given_link, route)?;

    let broadcast = match request.broadcast {
        Some(Broadcast::Address(addr)) => Some(addr),
        Some(Broadcast::SetHostBits) => Some(ipv4_host_bits(ip, prefix_len, true)),
        Some(Broadcast::ClearHostBits) => Some(ipv4_host_bits(ip, prefix_len, false)),
        None => {
            let from_base = match route.and_then(|r| r.preferred_source) {
                Some(source) => base_broadcast(netlink, source)?,
                None => None,
            };
            from_base.or_else(|| derived_broadcast(&link, ip, prefix_len))
        }
    };
    Ok(Placement {
        link,
        prefix_len,
        broadcast,
    })
}

fn findif_v6(
    netlink: &mut Netlink,
    request: Request,
    ip: Ipv6Addr,
    given_link: Option<Link>,
) -> Result<Placement> {
    if is_link_local(ip) && given_link.is_none() {
        return Err(Error::configured(format!(
            "'nic' parameter is mandatory for a link local address [{ip}]."
        )));
    }
    let routes = read_routes(netlink, Family::Ipv6)?;
    let oif = given_link.as_ref().map(|l| l.index);
    let route = best_route(&routes, IpAddr::V6(ip), request.cidr_netmask, oif, false);
    let (link, prefix_len) = link_and_prefix(netlink, request, given_link, route)?;
    Ok(Placement {
        link,
        prefix_len,
        broadcast: None,
    })
}

/// The interface and prefix length: as configured, else from the route.
fn link_and_prefix(
    netlink: &mut Netlink,
    request: Request,
    given_link: Option<Link>,
    route: Option<&Route>,
) -> Result<(Link, u8)> {
    match (given_link, request.cidr_netmask, route) {
        (Some(link), Some(prefix), _) => Ok((link, prefix)),
        (given, netmask, Some(route)) => {
            let link = match given {
                Some(link) => link,
                None => route_link(netlink, route)?,
            };
            Ok((link, netmask.unwrap_or(route.prefix_len)))
        }
        (_, _, None) => {
            log::error("Unable to find nic or netmask.");
            Err(Error::generic(format!(
                "Unable to find nic or netmask: no route on this node leads to {}{}; \
                 set nic and cidr_netmask",
                request.ip,
                request
                    .cidr_netmask
                    .map(|p| format!("/{p}"))
                    .unwrap_or_default()
            )))
        }
    }
}

/// The main table's unicast route that best covers `ip` (and `ip/prefix`);
/// for IPv4 only on-link (`scope link`, no gateway) routes count.
pub fn best_route<'a>(
    routes: impl IntoIterator<Item = &'a Route>,
    ip: IpAddr,
    prefix: Option<u8>,
    oif: Option<u32>,
    on_link_only: bool,
) -> Option<&'a Route> {
    routes
        .into_iter()
        .filter(|r| {
            r.table == netlink::TABLE_MAIN
                && r.unicast
                && (!on_link_only || (r.scope == Scope::Link && r.gateway.is_none()))
                && r.prefix_len > 0
                // findif.sh reads only routes `ip route` prints with a
                // prefix: host routes (/32, /128, e.g. an anycast copy's
                // on lo) never place a VIP.
                && !is_host_route(r)
                && prefix.is_none_or(|p| r.prefix_len <= p)
                && oif.is_none_or(|index| r.oif == Some(index))
                && contains(r, ip)
        })
        .max_by(|a, b| {
            a.prefix_len
                .cmp(&b.prefix_len)
                .then(b.metric.cmp(&a.metric))
        })
}

fn is_host_route(route: &Route) -> bool {
    match route.destination {
        Some(IpAddr::V4(_)) => route.prefix_len >= 32,
        Some(IpAddr::V6(_)) => route.prefix_len >= 128,
        None => false,
    }
}

/// findif.sh's 127.x fallback: the local table's network route on lo.
fn loopback_route(routes: &[Route], ip: Ipv4Addr) -> Option<&Route> {
    if !ip.is_loopback() {
        return None;
    }
    routes
        .iter()
        .filter(|r| {
            r.table == netlink::TABLE_LOCAL
                && r.scope == Scope::Host
                && r.prefix_len < 32
                && contains(r, IpAddr::V4(ip))
        })
        .max_by_key(|r| r.prefix_len)
}

fn contains(route: &Route, ip: IpAddr) -> bool {
    route
        .destination
        .is_some_and(|network| same_prefix(network, ip, route.prefix_len))
}

fn route_link(netlink: &mut Netlink, route: &Route) -> Result<Link> {
    let index = route.oif.ok_or_else(|| {
        Error::generic("Unable to find nic: the matching route names no interface")
    })?;
    netlink
        .link_by_index(index)
        .map_err(|e| Error::generic(format!("Could not look up interface #{index}: {e}")))?
        .ok_or_else(|| Error::generic(format!("Interface #{index} vanished while starting")))
}

fn base_broadcast(netlink: &mut Netlink, source: IpAddr) -> Result<Option<Ipv4Addr>> {
    let found = netlink
        .find_address(source)
        .map_err(|e| Error::generic(format!("Could not read addresses: {e}")))?;
    Ok(found.into_iter().find_map(|a| a.broadcast))
}

/// floatip's difference: the prefix's broadcast where the base address
/// offers none (IPaddr2 then configures none, although its documentation
/// promises derivation). Nothing for /31, /32 and links without broadcast.
fn derived_broadcast(link: &Link, ip: Ipv4Addr, prefix_len: u8) -> Option<Ipv4Addr> {
    if prefix_len >= 31 || !link.has_broadcast() {
        return None;
    }
    Some(ipv4_host_bits(ip, prefix_len, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(dst: &str, prefix: u8, oif: u32, metric: u32) -> Route {
        Route {
            table: netlink::TABLE_MAIN,
            unicast: true,
            scope: Scope::Link,
            destination: Some(dst.parse().unwrap()),
            prefix_len: prefix,
            oif: Some(oif),
            gateway: None,
            preferred_source: None,
            metric,
            next_hops: Vec::new(),
        }
    }

    #[test]
    fn longest_prefix_wins_then_lowest_metric() {
        let routes = vec![
            route("192.0.0.0", 16, 1, 0),
            route("192.0.2.0", 24, 2, 100),
            route("192.0.2.0", 24, 3, 50),
            route("198.51.100.0", 24, 4, 0),
        ];
        let best =
            |ip: &str, prefix, oif| best_route(&routes, ip.parse().unwrap(), prefix, oif, true);
        assert_eq!(best("192.0.2.10", None, None).unwrap().oif, Some(3));
        assert_eq!(best("192.0.2.10", None, Some(1)).unwrap().prefix_len, 16);
        // ip/16 is covered only by routes of prefix 16 or shorter.
        assert_eq!(best("192.0.2.10", Some(16), None).unwrap().oif, Some(1));
        assert!(best("192.0.2.10", Some(8), None).is_none());
        assert!(best("203.0.113.1", None, None).is_none());
    }

    #[test]
    fn host_routes_never_place_a_vip() {
        let routes = vec![route("192.0.2.10", 32, 1, 0), route("192.0.2.0", 24, 2, 0)];
        let best = best_route(&routes, "192.0.2.10".parse().unwrap(), None, None, true);
        assert_eq!(best.unwrap().oif, Some(2));
        let mut anycast = route("2001:db8::10", 128, 1, 0);
        anycast.scope = Scope::Universe;
        let routes = vec![anycast, route("2001:db8::", 64, 2, 0)];
        let best = best_route(&routes, "2001:db8::10".parse().unwrap(), None, None, false);
        assert_eq!(best.unwrap().oif, Some(2));
    }

    #[test]
    fn gateway_and_default_routes_do_not_count() {
        let ip = "192.0.2.10".parse().unwrap();
        let mut via = route("192.0.2.0", 24, 1, 0);
        via.gateway = Some("192.0.2.1".parse().unwrap());
        let default = route("0.0.0.0", 0, 2, 0);
        let mut global = route("192.0.2.0", 24, 3, 0);
        global.scope = Scope::Universe;
        assert!(best_route(&[via, default, global], ip, None, None, true).is_none());
    }

    #[test]
    fn ipv6_routes_of_any_scope_count() {
        let mut v6 = route("2001:db8:1234::", 64, 2, 256);
        v6.scope = Scope::Universe;
        let routes = vec![route("fe80::", 64, 2, 256), v6];
        let best = |ip: &str, prefix| best_route(&routes, ip.parse().unwrap(), prefix, None, false);
        assert_eq!(best("2001:db8:1234::2", None).unwrap().prefix_len, 64);
        assert_eq!(best("2001:db8:1234::2", Some(80)).unwrap().prefix_len, 64);
        assert!(best("2001:db8:1234::2", Some(48)).is_none());
        assert!(best("2001:db8:5678::2", None).is_none());
        assert_eq!(best("fe80::2", None).unwrap().prefix_len, 64);
    }
}

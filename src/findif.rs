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
//! VIP needs nic. The chosen route's metric becomes the VIP's prefix
//! route's (resource-agents 4.15), so the routes are read even when nic
//! and cidr_netmask leave nothing else to choose.
//!
//! proto (resource-agents 4.16) limits both families to the routes one
//! protocol installed; the kernel filters the dump where it can.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::{Broadcast, Config};
use crate::net::{ipv4_host_bits, is_link_local, same_prefix};
use crate::netlink::{
    self, Family, Link, LinkRoutes, Netlink, Route, RouteFilter, RoutesByLink, Scope,
};
use crate::ocf::{log, Error, Result};
use crate::ocf::{messages, Context};
use crate::virtual_mac::VirtualMacPlacement;

/// What findif is asked: the VIP and what the configuration says of its
/// placement.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub ip: IpAddr,
    pub nic: Option<&'a str>,
    pub cidr_netmask: Option<u8>,
    pub broadcast: Option<Broadcast>,
    /// proto: only routes of this protocol count.
    pub proto: Option<u8>,
}

impl<'a> Request<'a> {
    pub fn of(config: &'a Config) -> Request<'a> {
        Request {
            ip: config.vip.ip,
            nic: config.vip.nic.as_ref().map(|n| n.0.as_str()),
            cidr_netmask: config.address.cidr_netmask,
            broadcast: config.address.broadcast,
            proto: config.address.proto,
        }
    }
}

/// Where and how the VIP is to be configured.
#[derive(Debug, Clone)]
pub struct Placement {
    pub link: Link,
    pub prefix_len: u8,
    pub broadcast: Option<Ipv4Addr>,
    /// The main table's routes through `link`, when findif read the table:
    /// the announcement's gateways come from them without a second read.
    pub routes: Option<LinkRoutes>,
    /// IPv6: the metric of the route that placed the VIP, for the VIP's
    /// own prefix route (IFA_RT_PRIORITY); `None` where no route did.
    pub metric: Option<u32>,
    /// virtual_mac: `link` is the VIP's macvlan on this nic.
    pub virtual_mac: Option<VirtualMacPlacement>,
}

impl Placement {
    /// The interface the VIP's routes go through: the nic (the
    /// macvlan's, with virtual_mac), where gateways are found.
    pub fn routed_link(&self) -> &Link {
        self.virtual_mac.as_ref().map_or(&self.link, |v| &v.nic)
    }
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
    let placement = match request.ip {
        IpAddr::V4(ip) => findif_v4(netlink, request, ip, given_link)?,
        IpAddr::V6(ip) => findif_v6(netlink, request, ip, given_link)?,
    };
    Ok(not_on_a_virtual_mac(netlink, placement))
}

/// A route through one of floatip's virtual-MAC macvlans (its VIP's
/// prefix route, where the nic had none) leads to the nic under it: a VIP
/// is never placed on another VIP's macvlan, which leaves with it.
fn not_on_a_virtual_mac(netlink: &mut Netlink, placement: Placement) -> Placement {
    match crate::virtual_mac::routed_through(netlink, &placement.link) {
        Some(nic) => Placement {
            link: nic,
            routes: None,
            ..placement
        },
        None => placement,
    }
}

pub fn lookup_link(netlink: &mut Netlink, name: &str) -> Result<Option<Link>> {
    netlink
        .link_by_name(name)
        .map_err(|e| Error::generic(format!("Could not look up interface {name}: {e}")))
}

/// The main table's routes (through `oif` when nic is given), folded
/// into the best candidates as they are read: a full BGP table costs
/// time to stream, never memory.
fn best_main_routes(
    netlink: &mut Netlink,
    family: Family,
    criteria: Criteria,
    proto: Option<u8>,
) -> Result<(Candidates, RoutesByLink)> {
    let filter = RouteFilter {
        table: Some(netlink::TABLE_MAIN),
        oif: criteria.oif,
        protocol: proto,
    };
    netlink
        .fold_routes(
            family,
            filter,
            || (Candidates::new(criteria), RoutesByLink::default()),
            |(best, by_link), route| {
                by_link.keep(&route);
                best.offer(route);
            },
        )
        .or_fail(messages::READ_ROUTES_FAILED)
}

fn findif_v4(
    netlink: &mut Netlink,
    request: Request,
    ip: Ipv4Addr,
    given_link: Option<Link>,
) -> Result<Placement> {
    let own = IpAddr::V4(ip);
    if let (Some(link), Some(prefix_len)) = (&given_link, request.cidr_netmask) {
        // Nothing to choose: no route is read. The broadcast is the base
        // address's on that link, as the route's source would give it.
        let broadcast = match request.broadcast {
            Some(given) => Some(given_broadcast(given, ip, prefix_len)),
            None => base_broadcast_on(netlink, link, ip, prefix_len)?
                .or_else(|| derived_broadcast(link, ip, prefix_len)),
        };
        return Ok(Placement {
            link: link.clone(),
            prefix_len,
            broadcast,
            routes: None,
            metric: None,
            virtual_mac: None,
        });
    }
    let criteria = Criteria {
        ip: own,
        prefix: request.cidr_netmask,
        oif: given_link.as_ref().map(|l| l.index),
        on_link_only: true,
    };
    // Where the VIP is configured already (start on a started VIP,
    // reload), its own prefix route (source: the VIP) must not decide:
    // the placement is what it would be without the VIP, as at a first
    // start, unless no other route leads there.
    let (candidates, by_link) = best_main_routes(netlink, Family::Ipv4, criteria, request.proto)?;
    let mut route = candidates.preferred();
    if route.is_none() && ip.is_loopback() {
        route = loopback_route(netlink, ip)?;
    }
    let route = route.as_ref();
    let (link, prefix_len) = link_and_prefix(netlink, request, given_link, route)?;

    let broadcast = match request.broadcast {
        Some(given) => Some(given_broadcast(given, ip, prefix_len)),
        None => {
            let from_base = match route.and_then(|r| r.preferred_source) {
                Some(source) => base_broadcast(netlink, source)?,
                None => None,
            };
            from_base.or_else(|| derived_broadcast(&link, ip, prefix_len))
        }
    };
    let routes = Some(by_link.take(link.index));
    Ok(Placement {
        link,
        prefix_len,
        broadcast,
        routes,
        metric: None,
        virtual_mac: None,
    })
}

fn given_broadcast(given: Broadcast, ip: Ipv4Addr, prefix_len: u8) -> Ipv4Addr {
    match given {
        Broadcast::Address(addr) => addr,
        Broadcast::SetHostBits => ipv4_host_bits(ip, prefix_len, true),
        Broadcast::ClearHostBits => ipv4_host_bits(ip, prefix_len, false),
    }
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
    // Read even when nic and cidr_netmask say where: the route that
    // covers the VIP there gives its prefix route's metric.
    let criteria = Criteria {
        ip: IpAddr::V6(ip),
        prefix: request.cidr_netmask,
        oif: given_link.as_ref().map(|l| l.index),
        on_link_only: false,
    };
    let (candidates, by_link) = best_main_routes(netlink, Family::Ipv6, criteria, request.proto)?;
    let route = candidates.any;
    let (link, prefix_len) = link_and_prefix(netlink, request, given_link, route.as_ref())?;
    let routes = Some(by_link.take(link.index));
    Ok(Placement {
        link,
        prefix_len,
        broadcast: None,
        routes,
        metric: route.map(|r| r.metric),
        virtual_mac: None,
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

/// What makes a route a candidate for placing the VIP.
#[derive(Debug, Clone, Copy)]
pub struct Criteria {
    pub ip: IpAddr,
    /// cidr_netmask: the route must cover the whole ip/prefix.
    pub prefix: Option<u8>,
    pub oif: Option<u32>,
    /// IPv4: only on-link (`scope link`, no gateway) routes count.
    pub on_link_only: bool,
}

impl Criteria {
    fn admits(&self, r: &Route) -> bool {
        r.table == netlink::TABLE_MAIN
            && r.unicast
            && (!self.on_link_only || (r.scope == Scope::Link && r.gateway.is_none()))
            && r.prefix_len > 0
            // findif.sh reads only routes `ip route` prints with a
            // prefix: host routes (/32, /128, e.g. an anycast copy's on
            // lo) never place a VIP.
            && !is_host_route(r)
            && self.prefix.is_none_or(|p| r.prefix_len <= p)
            && self.oif.is_none_or(|index| r.oif == Some(index))
            && contains(r, self.ip)
    }
}

/// The best candidates of a stream of routes: the longest prefix, then
/// the lowest metric, then the last one listed (findif.sh's tie-break).
/// Two are kept: the best of all, and the best whose preferred source is
/// not the VIP itself (its own prefix route, where it is configured).
#[derive(Debug, Clone)]
pub struct Candidates {
    criteria: Criteria,
    pub any: Option<Route>,
    not_own: Option<Route>,
}

impl Candidates {
    pub fn new(criteria: Criteria) -> Candidates {
        Candidates {
            criteria,
            any: None,
            not_own: None,
        }
    }

    pub fn offer(&mut self, route: Route) {
        if !self.criteria.admits(&route) {
            return;
        }
        if route.preferred_source != Some(self.criteria.ip) && at_least(&route, &self.not_own) {
            self.not_own = Some(route.clone());
        }
        if at_least(&route, &self.any) {
            self.any = Some(route);
        }
    }

    /// The best route whose preferred source is not the VIP, else the
    /// best of all.
    pub fn preferred(self) -> Option<Route> {
        self.not_own.or(self.any)
    }
}

/// Whether `route` ranks at least as high as `best` (so a later equal
/// route replaces an earlier one).
fn at_least(route: &Route, best: &Option<Route>) -> bool {
    best.as_ref().is_none_or(|b| {
        route
            .prefix_len
            .cmp(&b.prefix_len)
            .then(b.metric.cmp(&route.metric))
            .is_ge()
    })
}

/// The main table's unicast route that best covers `ip` (and `ip/prefix`)
/// among `routes`: [`Candidates`] over a list.
#[cfg(test)]
pub fn best_route<'a>(
    routes: impl IntoIterator<Item = &'a Route>,
    ip: IpAddr,
    prefix: Option<u8>,
    oif: Option<u32>,
    on_link_only: bool,
) -> Option<Route> {
    let mut candidates = Candidates::new(Criteria {
        ip,
        prefix,
        oif,
        on_link_only,
    });
    for route in routes {
        candidates.offer(route.clone());
    }
    candidates.any
}

fn is_host_route(route: &Route) -> bool {
    match route.destination {
        Some(IpAddr::V4(_)) => route.prefix_len >= 32,
        Some(IpAddr::V6(_)) => route.prefix_len >= 128,
        None => false,
    }
}

/// findif.sh's 127.x fallback: the local table's network route on lo.
fn loopback_route(netlink: &mut Netlink, ip: Ipv4Addr) -> Result<Option<Route>> {
    let filter = RouteFilter {
        table: Some(netlink::TABLE_LOCAL),
        oif: None,
        protocol: None,
    };
    let keep = |best: &mut Option<Route>, r: Route| {
        let fits = r.scope == Scope::Host && r.prefix_len < 32 && contains(&r, IpAddr::V4(ip));
        if fits && best.as_ref().is_none_or(|b| r.prefix_len > b.prefix_len) {
            *best = Some(r);
        }
    };
    netlink
        .fold_routes(Family::Ipv4, filter, || None, keep)
        .or_fail(messages::READ_ROUTES_FAILED)
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
        .or_fail("Could not read addresses")?;
    Ok(found.into_iter().find_map(|a| a.broadcast))
}

/// With nic and cidr_netmask given: the broadcast of the base address on
/// `link` whose network covers the VIP's (the one whose prefix route
/// would have been chosen), the longest prefix first.
fn base_broadcast_on(
    netlink: &mut Netlink,
    link: &Link,
    ip: Ipv4Addr,
    prefix_len: u8,
) -> Result<Option<Ipv4Addr>> {
    let addresses = netlink
        .addresses(Some(Family::Ipv4))
        .or_fail("Could not read addresses")?;
    Ok(addresses
        .into_iter()
        .filter(|a| {
            a.index == link.index
                && a.local != IpAddr::V4(ip)
                && a.prefix_len <= prefix_len
                && a.prefix_len > 0
                && same_prefix(a.local, IpAddr::V4(ip), a.prefix_len)
        })
        .max_by_key(|a| a.prefix_len)
        .and_then(|a| a.broadcast))
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
            local: false,
            scope: Scope::Link,
            destination: Some(dst.parse().unwrap()),
            prefix_len: prefix,
            oif: Some(oif),
            gateway: None,
            preferred_source: None,
            metric,
            protocol: 2,
            next_hops: Vec::new(),
            next_hop_id: None,
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

    /// The choice before routes were streamed: filter, then `max_by`
    /// (the last of equals), among routes not sourced from the VIP first.
    fn listed_choice(routes: &[Route], criteria: Criteria) -> Option<Route> {
        let best = |routes: Vec<&Route>| {
            routes
                .into_iter()
                .filter(|r| criteria.admits(r))
                .max_by(|a, b| {
                    a.prefix_len
                        .cmp(&b.prefix_len)
                        .then(b.metric.cmp(&a.metric))
                })
                .cloned()
        };
        let others = routes
            .iter()
            .filter(|r| r.preferred_source != Some(criteria.ip))
            .collect();
        best(others).or_else(|| best(routes.iter().collect()))
    }

    mod streaming {
        use super::*;
        use proptest::prelude::*;

        fn arbitrary_route() -> impl Strategy<Value = Route> {
            (
                prop_oneof![Just(0u8), 8..=32u8],
                0..4u32,
                1..4u32,
                any::<bool>(),
                any::<bool>(),
                0..3u8,
            )
                .prop_map(|(prefix, metric, oif, link_scope, gateway, source)| {
                    let mut r = route("192.0.2.0", prefix, oif, metric);
                    r.destination = Some(IpAddr::V4(ipv4_host_bits(
                        Ipv4Addr::new(192, 0, 2, 10),
                        prefix,
                        false,
                    )));
                    if !link_scope {
                        r.scope = Scope::Universe;
                    }
                    if gateway {
                        r.gateway = Some("192.0.2.1".parse().unwrap());
                    }
                    r.preferred_source = match source {
                        0 => None,
                        1 => Some("192.0.2.10".parse().unwrap()),
                        _ => Some("192.0.2.1".parse().unwrap()),
                    };
                    r
                })
        }

        proptest! {
            /// Folding routes as they stream in chooses exactly what the
            /// whole list chose, tie-breaks included.
            #[test]
            fn same_choice_as_the_whole_list(
                routes in proptest::collection::vec(arbitrary_route(), 0..12),
                prefix in proptest::option::of(16..=32u8),
                oif in proptest::option::of(1..4u32),
            ) {
                let criteria = Criteria {
                    ip: "192.0.2.10".parse().unwrap(),
                    prefix,
                    oif,
                    on_link_only: true,
                };
                let mut candidates = Candidates::new(criteria);
                for r in &routes {
                    candidates.offer(r.clone());
                }
                prop_assert_eq!(candidates.preferred(), listed_choice(&routes, criteria));
            }
        }
    }
}

//! Routes: what findif and the gateway targets read, one message at a
//! time. A node with a full BGP table has a million routes; reading them
//! into memory would cost seconds and hundreds of MiB before the first
//! frame, so every reader folds the routes it is handed into the little
//! it keeps, and asks the kernel to filter (NETLINK_GET_STRICT_CHK,
//! Linux 4.20: table, output interface and protocol) where it can. Without strict
//! checking the same filter is applied here to a full dump.

use std::io;
use std::net::IpAddr;

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteScope, RouteType, RouteVia,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::types::is_unicast;
use super::{decode_whole, Error, Family, Netlink, Result, Scope};

pub const TABLE_MAIN: u32 = 254;
pub const TABLE_LOCAL: u32 = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub table: u32,
    /// RTN_UNICAST, the only type of route that places a VIP.
    pub unicast: bool,
    /// RTN_LOCAL: an address of this node (table local).
    pub local: bool,
    pub scope: Scope,
    /// The destination network; `None` for a default route.
    pub destination: Option<IpAddr>,
    pub prefix_len: u8,
    pub oif: Option<u32>,
    pub gateway: Option<IpAddr>,
    pub preferred_source: Option<IpAddr>,
    pub metric: u32,
    /// Who installed it (RTPROT_*: 2 kernel, 3 boot, 4 static, …).
    pub protocol: u8,
    /// ECMP next hops: (interface index, gateway).
    pub next_hops: Vec<(u32, Option<IpAddr>)>,
    /// A next-hop object (RTA_NH_ID, Linux 5.3): with
    /// net.ipv4.nexthop_compat_mode=0 the route carries only this, and
    /// its gateways are read with RTM_GETNEXTHOP.
    pub next_hop_id: Option<u32>,
}

/// Which routes a reader wants: the kernel filters by these where it can,
/// and they are checked again here, so that the answer is the same with
/// and without strict checking.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RouteFilter {
    pub table: Option<u32>,
    /// Routes through this interface (a multipath route if any hop is).
    pub oif: Option<u32>,
    /// Routes installed by this protocol (`ip route list proto X`).
    pub protocol: Option<u8>,
}

impl RouteFilter {
    fn admits(&self, route: &Route) -> bool {
        self.table.is_none_or(|t| route.table == t)
            && self.protocol.is_none_or(|p| route.protocol == p)
            && self.oif.is_none_or(|index| {
                // A next-hop object's interface is known only after
                // RTM_GETNEXTHOP: the reader decides.
                route.next_hop_id.is_some()
                    || route.oif == Some(index)
                    || route.next_hops.iter().any(|(hop, _)| *hop == index)
            })
    }
}

fn ip_of(address: RouteAddress) -> Option<IpAddr> {
    match address {
        RouteAddress::Inet(v4) => Some(IpAddr::V4(v4)),
        RouteAddress::Inet6(v6) => Some(IpAddr::V6(v6)),
        _ => None,
    }
}

fn via_of(via: &RouteVia) -> Option<IpAddr> {
    match via {
        RouteVia::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteVia::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

impl Route {
    fn from_message(message: RouteMessage) -> Route {
        let header = &message.header;
        let mut route = Route {
            table: u32::from(header.table),
            unicast: is_unicast(header.kind),
            local: header.kind == RouteType::Local,
            scope: Scope::from_wire(header.scope),
            destination: None,
            prefix_len: header.destination_prefix_length,
            oif: None,
            gateway: None,
            preferred_source: None,
            metric: 0,
            protocol: u8::from(header.protocol),
            next_hops: Vec::new(),
            next_hop_id: None,
        };
        for attribute in message.attributes {
            match attribute {
                RouteAttribute::Table(table) => route.table = table,
                RouteAttribute::Destination(a) => route.destination = ip_of(a),
                RouteAttribute::Oif(index) => route.oif = Some(index),
                RouteAttribute::Gateway(a) => route.gateway = ip_of(a),
                // An IPv4 route through an IPv6 next hop (RFC 5549, BGP
                // unnumbered).
                RouteAttribute::Via(via) => route.gateway = via_of(&via),
                RouteAttribute::NhId(id) => route.next_hop_id = Some(id),
                RouteAttribute::PrefSource(a) => route.preferred_source = ip_of(a),
                RouteAttribute::Priority(metric) => route.metric = metric,
                RouteAttribute::MultiPath(hops) => {
                    for hop in hops {
                        let gateway = hop.attributes.iter().find_map(|a| match a {
                            RouteAttribute::Gateway(g) => ip_of(g.clone()),
                            RouteAttribute::Via(via) => via_of(via),
                            _ => None,
                        });
                        route.next_hops.push((hop.interface_index, gateway));
                    }
                }
                _ => {}
            }
        }
        route
    }
}

/// The local route of one of this node's addresses (table local, type
/// local): while it is there the node accepts packets for the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRoute {
    ip: IpAddr,
    prefix_len: u8,
    oif: Option<u32>,
    preferred_source: Option<IpAddr>,
    metric: u32,
    protocol: u8,
}

impl LocalRoute {
    fn message(&self) -> RouteMessage {
        let mut message = RouteMessage::default();
        message.header = RouteHeader {
            address_family: Family::of(self.ip).wire(),
            destination_prefix_length: self.prefix_len,
            table: TABLE_LOCAL as u8,
            protocol: self.protocol.into(),
            scope: RouteScope::Host,
            kind: RouteType::Local,
            ..RouteHeader::default()
        };
        let address = |ip: IpAddr| match ip {
            IpAddr::V4(v4) => RouteAddress::Inet(v4),
            IpAddr::V6(v6) => RouteAddress::Inet6(v6),
        };
        message
            .attributes
            .push(RouteAttribute::Destination(address(self.ip)));
        message.attributes.push(RouteAttribute::Table(TABLE_LOCAL));
        if let Some(oif) = self.oif {
            message.attributes.push(RouteAttribute::Oif(oif));
        }
        if let Some(source) = self.preferred_source {
            message
                .attributes
                .push(RouteAttribute::PrefSource(address(source)));
        }
        if self.ip.is_ipv6() {
            message
                .attributes
                .push(RouteAttribute::Priority(self.metric));
        }
        message
    }
}

impl Netlink {
    /// Deletes the local routes of `ip` (one per interface that holds
    /// it): the node stops accepting packets for the address, and can
    /// still send from it (the address itself stays). What was deleted,
    /// for [`Netlink::restore_local_routes`].
    pub fn withdraw_local_routes(&mut self, ip: IpAddr) -> Result<Vec<LocalRoute>> {
        let filter = RouteFilter {
            table: Some(TABLE_LOCAL),
            ..RouteFilter::default()
        };
        let routes = self.fold_routes(Family::of(ip), filter, Vec::new, |found, route| {
            let full = if ip.is_ipv4() { 32 } else { 128 };
            if route.local && route.destination == Some(ip) && route.prefix_len == full {
                found.push(LocalRoute {
                    ip,
                    prefix_len: route.prefix_len,
                    oif: route.oif,
                    preferred_source: route.preferred_source,
                    metric: route.metric,
                    protocol: route.protocol,
                });
            }
        })?;
        let mut withdrawn = Vec::new();
        for route in routes {
            self.execute(RouteNetlinkMessage::DelRoute(route.message()), 0)?;
            withdrawn.push(route);
        }
        Ok(withdrawn)
    }

    /// Puts back local routes [`Netlink::withdraw_local_routes`] deleted
    /// (one that is back already is fine).
    pub fn restore_local_routes(&mut self, routes: &[LocalRoute]) -> Result<()> {
        for route in routes {
            let message = RouteNetlinkMessage::NewRoute(route.message());
            match self.execute(message, NLM_F_CREATE | NLM_F_EXCL) {
                Err(e) if e.kind() == super::ErrorKind::Exists => {}
                other => other?,
            }
        }
        Ok(())
    }

    /// Folds every route of `family` that `filter` admits into a fresh
    /// `init()`, one message at a time: memory stays what `each` keeps,
    /// whatever the size of the table. An interrupted dump (the table
    /// changed while it was read) starts again from `init()`.
    pub fn fold_routes<T>(
        &mut self,
        family: Family,
        filter: RouteFilter,
        init: impl Fn() -> T,
        mut each: impl FnMut(&mut T, Route),
    ) -> Result<T> {
        let strict = self.strict_route_dumps();
        let mut request = RouteMessage::default();
        request.header = RouteHeader {
            address_family: family.wire(),
            ..RouteHeader::default()
        };
        if strict {
            if let Some(protocol) = filter.protocol {
                request.header.protocol = protocol.into();
            }
            if let Some(table) = filter.table {
                request.attributes.push(RouteAttribute::Table(table));
            }
            if let Some(oif) = filter.oif {
                request.attributes.push(RouteAttribute::Oif(oif));
            }
        }
        let message = RouteNetlinkMessage::GetRoute(request);
        let result = self.fold_dump(message, &init, |state, kind, payload| {
            if let RouteNetlinkMessage::NewRoute(r) = decode_whole(kind, payload)? {
                let route = Route::from_message(r);
                if filter.admits(&route) {
                    each(state, route);
                }
            }
            Ok(())
        });
        if strict {
            let _ = self.set_strict(false);
        }
        result
    }

    /// Turns strict checking on for one route dump; `false` where the
    /// kernel has none (before 4.20) or a test forces its absence.
    fn strict_route_dumps(&mut self) -> bool {
        if crate::sys::fallbacks::forced("strict-check") {
            return false;
        }
        self.set_strict(true).is_ok()
    }

    fn set_strict(&mut self, on: bool) -> Result<()> {
        self.socket
            .set_netlink_get_strict_chk(on)
            .map_err(Error::from)
    }

    /// The gateways of next-hop object `id`, a group's members' included,
    /// with the interface each leaves through.
    pub fn next_hop_gateways(&mut self, id: u32) -> Result<Vec<(u32, IpAddr)>> {
        let mut found = Vec::new();
        let mut pending = vec![id];
        let mut seen = Vec::new();
        while let Some(id) = pending.pop() {
            // A group names other objects; a malformed one cannot loop.
            if seen.contains(&id) || seen.len() >= 64 {
                continue;
            }
            seen.push(id);
            let Some(next_hop) = self.next_hop(id)? else {
                continue;
            };
            if let (Some(oif), Some(gateway)) = (next_hop.oif, next_hop.gateway) {
                found.push((oif, gateway));
            }
            pending.extend(next_hop.group);
        }
        Ok(found)
    }

    fn next_hop(&mut self, id: u32) -> Result<Option<NextHop>> {
        // struct nhmsg (family, scope, protocol, reserved, flags), then
        // NHA_ID: <linux/nexthop.h>; the pinned crate has no nexthop type.
        let mut payload = vec![0u8; 8];
        payload.extend_from_slice(&8u16.to_ne_bytes());
        payload.extend_from_slice(&NHA_ID.to_ne_bytes());
        payload.extend_from_slice(&id.to_ne_bytes());
        match self.request_raw(RTM_GETNEXTHOP, &payload, 0, NextHop::decode) {
            Err(e) if e.kind() == super::ErrorKind::NotFound => Ok(None),
            other => other,
        }
    }
}

const RTM_NEWNEXTHOP: u16 = 104;
const RTM_GETNEXTHOP: u16 = 106;
const NHA_ID: u16 = 1;
const NHA_GROUP: u16 = 2;
const NHA_OIF: u16 = 5;
const NHA_GATEWAY: u16 = 6;

/// One next-hop object, as RTM_NEWNEXTHOP describes it.
#[derive(Debug, Default)]
struct NextHop {
    oif: Option<u32>,
    gateway: Option<IpAddr>,
    /// A group's members (struct nexthop_grp: id, weights, reserved).
    group: Vec<u32>,
}

impl NextHop {
    fn decode(kind: u16, payload: &[u8]) -> Result<Option<NextHop>> {
        if kind != RTM_NEWNEXTHOP || payload.len() < 8 {
            return Ok(None);
        }
        let mut next_hop = NextHop::default();
        let mut rest = &payload[8..];
        while rest.len() >= 4 {
            let length = usize::from(u16::from_ne_bytes([rest[0], rest[1]]));
            let kind = u16::from_ne_bytes([rest[2], rest[3]]) & 0x3fff;
            if length < 4 || length > rest.len() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a malformed next-hop attribute",
                )
                .into());
            }
            let value = &rest[4..length];
            match (kind, value.len()) {
                (NHA_OIF, 4) => next_hop.oif = Some(u32::from_ne_bytes(value.try_into().unwrap())),
                (NHA_GATEWAY, 4) => {
                    next_hop.gateway = Some(IpAddr::from(<[u8; 4]>::try_from(value).unwrap()))
                }
                (NHA_GATEWAY, 16) => {
                    next_hop.gateway = Some(IpAddr::from(<[u8; 16]>::try_from(value).unwrap()))
                }
                (NHA_GROUP, _) => next_hop.group.extend(
                    value
                        .chunks_exact(8)
                        .map(|member| u32::from_ne_bytes(member[..4].try_into().unwrap())),
                ),
                _ => {}
            }
            rest = &rest[((length + 3) & !3).min(rest.len())..];
        }
        Ok(Some(next_hop))
    }
}

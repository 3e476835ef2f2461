//! Routes: the dump findif reads.

use std::net::IpAddr;

use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteHeader, RouteMessage};
use netlink_packet_route::RouteNetlinkMessage;

use super::types::is_unicast;
use super::{decode_whole, Family, Netlink, Result, Scope};

pub const TABLE_MAIN: u32 = 254;
pub const TABLE_LOCAL: u32 = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub table: u32,
    /// RTN_UNICAST, the only type of route that places a VIP.
    pub unicast: bool,
    pub scope: Scope,
    /// The destination network; `None` for a default route.
    pub destination: Option<IpAddr>,
    pub prefix_len: u8,
    pub oif: Option<u32>,
    pub gateway: Option<IpAddr>,
    pub preferred_source: Option<IpAddr>,
    pub metric: u32,
    /// ECMP next hops: (interface index, gateway).
    pub next_hops: Vec<(u32, Option<IpAddr>)>,
}

fn ip_of(address: RouteAddress) -> Option<IpAddr> {
    match address {
        RouteAddress::Inet(v4) => Some(IpAddr::V4(v4)),
        RouteAddress::Inet6(v6) => Some(IpAddr::V6(v6)),
        _ => None,
    }
}

impl Route {
    fn from_message(message: RouteMessage) -> Route {
        let header = &message.header;
        let mut route = Route {
            table: u32::from(header.table),
            unicast: is_unicast(header.kind),
            scope: Scope::from_wire(header.scope),
            destination: None,
            prefix_len: header.destination_prefix_length,
            oif: None,
            gateway: None,
            preferred_source: None,
            metric: 0,
            next_hops: Vec::new(),
        };
        for attribute in message.attributes {
            match attribute {
                RouteAttribute::Table(table) => route.table = table,
                RouteAttribute::Destination(a) => route.destination = ip_of(a),
                RouteAttribute::Oif(index) => route.oif = Some(index),
                RouteAttribute::Gateway(a) => route.gateway = ip_of(a),
                RouteAttribute::PrefSource(a) => route.preferred_source = ip_of(a),
                RouteAttribute::Priority(metric) => route.metric = metric,
                RouteAttribute::MultiPath(hops) => {
                    for hop in hops {
                        let gateway = hop.attributes.iter().find_map(|a| match a {
                            RouteAttribute::Gateway(g) => ip_of(g.clone()),
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

impl Netlink {
    /// Every route of one family, in every table.
    pub fn routes(&mut self, family: Family) -> Result<Vec<Route>> {
        let mut request = RouteMessage::default();
        request.header = RouteHeader {
            address_family: family.wire(),
            ..RouteHeader::default()
        };
        self.dump(RouteNetlinkMessage::GetRoute(request), |kind, payload| {
            Ok(match decode_whole(kind, payload)? {
                RouteNetlinkMessage::NewRoute(r) => Some(Route::from_message(r)),
                _ => None,
            })
        })
    }
}

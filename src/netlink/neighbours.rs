//! The neighbour table (ARP and NDP caches).

use std::net::IpAddr;

use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::{decode_whole, Family, Netlink, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    pub ifindex: u32,
    pub ip: IpAddr,
    pub mac: Option<[u8; 6]>,
    /// The entry names a live host: not failed, not incomplete.
    pub usable: bool,
}

fn is_usable(state: NeighbourState) -> bool {
    matches!(
        state,
        NeighbourState::Reachable
            | NeighbourState::Stale
            | NeighbourState::Delay
            | NeighbourState::Probe
            | NeighbourState::Permanent
    )
}

impl Netlink {
    pub fn neighbours(&mut self, family: Family) -> Result<Vec<Neighbour>> {
        let mut request = NeighbourMessage::default();
        request.header.family = family.wire();
        self.dump(
            RouteNetlinkMessage::GetNeighbour(request),
            |kind, payload| {
                Ok(match decode_whole(kind, payload)? {
                    RouteNetlinkMessage::NewNeighbour(n) => from_message(n),
                    _ => None,
                })
            },
        )
    }
}

fn from_message(message: NeighbourMessage) -> Option<Neighbour> {
    let mut ip = None;
    let mut mac = None;
    for attribute in message.attributes {
        match attribute {
            NeighbourAttribute::Destination(NeighbourAddress::Inet(v4)) => {
                ip = Some(IpAddr::V4(v4))
            }
            NeighbourAttribute::Destination(NeighbourAddress::Inet6(v6)) => {
                ip = Some(IpAddr::V6(v6))
            }
            NeighbourAttribute::LinkLayerAddress(bytes) => {
                mac = <[u8; 6]>::try_from(bytes.as_slice()).ok()
            }
            _ => {}
        }
    }
    Some(Neighbour {
        ifindex: message.header.ifindex,
        ip: ip?,
        mac,
        usable: is_usable(message.header.state),
    })
}

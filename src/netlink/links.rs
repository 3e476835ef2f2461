//! Interfaces: look one up by name or index, bring it up.

use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkLayerType, LinkMessage, Prop};
use netlink_packet_route::RouteNetlinkMessage;

use super::{ErrorKind, Netlink, OperState, Result};

/// Longest name the kernel takes as IFLA_IFNAME (IFNAMSIZ - 1).
const IFNAME_MAX: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    pub name: String,
    flags: LinkFlags,
    link_type: LinkLayerType,
    /// The link-layer address: six bytes on Ethernet, 20 on IPoIB, none
    /// on some tunnels.
    pub mac: Vec<u8>,
    pub oper_state: OperState,
    pub carrier: Option<bool>,
    pub alt_names: Vec<String>,
}

impl Link {
    fn from_message(message: LinkMessage) -> Link {
        let mut link = Link {
            index: message.header.index,
            name: String::new(),
            flags: message.header.flags,
            link_type: message.header.link_layer_type,
            mac: Vec::new(),
            oper_state: OperState::Unknown,
            carrier: None,
            alt_names: Vec::new(),
        };
        for attribute in message.attributes {
            match attribute {
                LinkAttribute::IfName(name) => link.name = name,
                LinkAttribute::Address(mac) => link.mac = mac,
                LinkAttribute::OperState(state) => link.oper_state = OperState::from_wire(state),
                LinkAttribute::Carrier(carrier) => link.carrier = Some(carrier != 0),
                LinkAttribute::PropList(props) => {
                    for prop in props {
                        if let Prop::AltIfName(name) = prop {
                            link.alt_names.push(name);
                        }
                    }
                }
                _ => {}
            }
        }
        link
    }

    /// Administratively up (IFF_UP).
    pub fn is_up(&self) -> bool {
        self.flags.contains(LinkFlags::Up)
    }

    pub fn is_loopback(&self) -> bool {
        self.flags.contains(LinkFlags::Loopback)
    }

    /// IFF_NOARP: the link resolves no addresses, so nothing is announced.
    pub fn is_noarp(&self) -> bool {
        self.flags.contains(LinkFlags::Noarp)
    }

    /// IFF_BROADCAST: the link has a broadcast address.
    pub fn has_broadcast(&self) -> bool {
        self.flags.contains(LinkFlags::Broadcast)
    }

    pub fn is_infiniband(&self) -> bool {
        self.link_type == LinkLayerType::Infiniband
    }

    /// Whether frames can flow: not down, not without carrier. Operstate
    /// UNKNOWN (drivers that do not report it, lo) counts as up.
    pub fn has_carrier(&self) -> bool {
        let down = matches!(
            self.oper_state,
            OperState::Down
                | OperState::LowerLayerDown
                | OperState::NotPresent
                | OperState::Dormant
        );
        let no_carrier = self.carrier == Some(false) && self.oper_state != OperState::Unknown;
        !(down || no_carrier)
    }

    /// The six-byte Ethernet address, if the link has one.
    pub fn ethernet_mac(&self) -> Option<[u8; 6]> {
        self.mac.as_slice().try_into().ok()
    }
}

impl Netlink {
    /// The interface with this name or alternative name, if there is one.
    pub fn link_by_name(&mut self, name: &str) -> Result<Option<Link>> {
        if name.len() > IFNAME_MAX {
            // Only an alternative name can be this long: search the dump.
            return Ok(self
                .links()?
                .into_iter()
                .find(|l| l.name == name || l.alt_names.iter().any(|a| a == name)));
        }
        let mut message = LinkMessage::default();
        message
            .attributes
            .push(LinkAttribute::IfName(name.to_owned()));
        self.get_link(message)
    }

    pub fn link_by_index(&mut self, index: u32) -> Result<Option<Link>> {
        let mut message = LinkMessage::default();
        message.header.index = index;
        self.get_link(message)
    }

    fn get_link(&mut self, message: LinkMessage) -> Result<Option<Link>> {
        match self.get(RouteNetlinkMessage::GetLink(message)) {
            Ok(Some(RouteNetlinkMessage::NewLink(reply))) => Ok(Some(Link::from_message(reply))),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == ErrorKind::NoDevice => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn links(&mut self) -> Result<Vec<Link>> {
        Ok(self
            .dump(RouteNetlinkMessage::GetLink(LinkMessage::default()))?
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewLink(link) => Some(Link::from_message(link)),
                _ => None,
            })
            .collect())
    }

    pub fn set_link_up(&mut self, index: u32) -> Result<()> {
        let mut message = LinkMessage::default();
        message.header.index = index;
        message.header.flags = LinkFlags::Up;
        message.header.change_mask = LinkFlags::Up;
        self.execute(RouteNetlinkMessage::SetLink(message), 0)
    }
}

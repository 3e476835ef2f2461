//! Interfaces: look one up by name or index, bring it up.

use netlink_packet_core::{NlasIterator, ParseableParametrized};
use netlink_packet_route::link::{
    LinkAttribute, LinkFlags, LinkHeader, LinkLayerType, LinkMessage,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::{invalid, ErrorKind, Name, Netlink, OperState, Result};

const RTM_NEWLINK: u16 = 16;
/// sizeof(struct ifinfomsg)
const LINK_HEADER_LEN: usize = 16;
const IFLA_IFNAME: u16 = 3;
const IFLA_LINK: u16 = 5;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_LINK_NETNSID: u16 = 37;
const IFLA_PROP_LIST: u16 = 52;
const IFLA_ALT_IFNAME: u16 = 53;

/// Longest name the kernel takes as IFLA_IFNAME (IFNAMSIZ - 1).
const IFNAME_MAX: usize = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub index: u32,
    /// IFLA_IFNAME; empty when the kernel sent none.
    pub name: Name,
    flags: LinkFlags,
    link_type: LinkLayerType,
    /// The link-layer address: six bytes on Ethernet, 20 on IPoIB, none
    /// on some tunnels.
    pub mac: Vec<u8>,
    pub oper_state: OperState,
    pub carrier: Option<bool>,
    pub alt_names: Vec<Name>,
    /// The device this one sends through, in this namespace: a VLAN's or
    /// a macvlan's parent (IFLA_LINK of a stacked kind). `None` for a
    /// physical device, and for a veth, whose IFLA_LINK is its peer.
    pub lower: Option<u32>,
}

/// Link kinds whose IFLA_LINK is the device their frames leave through.
const STACKED_KINDS: &[&[u8]] = &[b"vlan", b"macvlan", b"macvtap", b"ipvlan", b"ipvtap"];

impl Link {
    /// An RTM_NEWLINK message, attribute by attribute: the names are kept
    /// as bytes, and an attribute that does not decode (an alias that is
    /// not UTF-8, something the pinned crate does not know) is skipped, so
    /// that no string of the kernel's can make a link unknowable.
    fn decode(kind: u16, payload: &[u8]) -> Result<Option<Link>> {
        if kind != RTM_NEWLINK {
            return Ok(None);
        }
        let header = LinkHeader::parse(payload)
            .map_err(|e| invalid(format!("a malformed link message: {e}")))?;
        let mut link = Link {
            index: header.index,
            name: Name::default(),
            flags: header.flags,
            link_type: header.link_layer_type,
            mac: Vec::new(),
            oper_state: OperState::Unknown,
            carrier: None,
            alt_names: Vec::new(),
            lower: None,
        };
        let (mut parent, mut other_namespace, mut stacked) = (None, false, false);
        let attributes = payload.get(LINK_HEADER_LEN..).unwrap_or_default();
        for attribute in NlasIterator::new(attributes).map_while(|a| a.ok()) {
            match attribute.kind() {
                IFLA_IFNAME => link.name = Name::from_bytes(attribute.value()),
                IFLA_LINK => {
                    parent = attribute.value().try_into().ok().map(u32::from_ne_bytes);
                }
                IFLA_LINK_NETNSID => other_namespace = true,
                IFLA_LINKINFO => {
                    let info = NlasIterator::new(attribute.value()).map_while(|i| i.ok());
                    for kind in info.filter(|i| i.kind() == IFLA_INFO_KIND) {
                        let name = kind.value().split(|b| *b == 0).next().unwrap_or_default();
                        stacked = STACKED_KINDS.contains(&name);
                    }
                }
                IFLA_PROP_LIST => {
                    let props = NlasIterator::new(attribute.value()).map_while(|p| p.ok());
                    for prop in props.filter(|p| p.kind() == IFLA_ALT_IFNAME) {
                        link.alt_names.push(Name::from_bytes(prop.value()));
                    }
                }
                _ => match LinkAttribute::parse_with_param(&attribute, header.interface_family) {
                    Ok(LinkAttribute::Address(mac)) => link.mac = mac,
                    Ok(LinkAttribute::OperState(state)) => {
                        link.oper_state = OperState::from_wire(state)
                    }
                    Ok(LinkAttribute::Carrier(carrier)) => link.carrier = Some(carrier != 0),
                    _ => {}
                },
            }
        }
        if stacked && !other_namespace {
            link.lower = parent.filter(|p| *p != 0 && *p != link.index);
        }
        Ok(Some(link))
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
                .find(|l| l.name == name || l.alt_names.iter().any(|a| *a == name)));
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
        match self.get(RouteNetlinkMessage::GetLink(message), Link::decode) {
            Ok(link) => Ok(link),
            Err(e) if e.kind() == ErrorKind::NoDevice => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn links(&mut self) -> Result<Vec<Link>> {
        self.dump(
            RouteNetlinkMessage::GetLink(LinkMessage::default()),
            Link::decode,
        )
    }

    pub fn set_link_up(&mut self, index: u32) -> Result<()> {
        let mut message = LinkMessage::default();
        message.header.index = index;
        message.header.flags = LinkFlags::Up;
        message.header.change_mask = LinkFlags::Up;
        self.execute(RouteNetlinkMessage::SetLink(message), 0)
    }
}

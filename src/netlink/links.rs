//! Interfaces: look one up by name or index, bring it up.

use netlink_packet_core::{NlasIterator, ParseableParametrized, NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoMacVlan, LinkAttribute, LinkFlags, LinkHeader, LinkInfo, LinkLayerType,
    LinkMessage, MacVlanMode,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::{invalid, ErrorKind, Name, Netlink, OperState, Result};

const RTM_NEWLINK: u16 = 16;
/// sizeof(struct ifinfomsg)
const LINK_HEADER_LEN: usize = 16;
const IFLA_IFNAME: u16 = 3;
const IFLA_LINK: u16 = 5;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const IFLA_INFO_SLAVE_KIND: u16 = 4;
/// IFLA_BOND_MODE in a bond's IFLA_INFO_DATA (one byte), and
/// IFLA_MACVLAN_MODE in a macvlan's (four): both attribute 1.
const IFLA_BOND_MODE: u16 = 1;
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
    /// IFLA_INFO_KIND: "vlan", "bond", "macvlan", "bridge", …; `None`
    /// for a plain device.
    pub kind: Option<String>,
    /// IFLA_INFO_SLAVE_KIND: the kind of the device this one is a port
    /// or member of ("bridge", "bond", "team").
    pub port_of: Option<String>,
    /// IFLA_MASTER: the bridge, bond or team (or VRF) this one belongs to.
    pub master: Option<u32>,
    /// A bond's mode (IFLA_BOND_MODE: 0 balance-rr … 5 balance-tlb,
    /// 6 balance-alb).
    pub bond_mode: Option<u8>,
    /// A macvlan's mode (IFLA_MACVLAN_MODE: 1 private, 2 vepa, 4 bridge,
    /// 8 passthru, 16 source).
    pub macvlan_mode: Option<u32>,
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
            kind: None,
            port_of: None,
            master: None,
            bond_mode: None,
            macvlan_mode: None,
        };
        let (mut parent, mut other_namespace) = (None, false);
        let attributes = payload.get(LINK_HEADER_LEN..).unwrap_or_default();
        for attribute in NlasIterator::new(attributes).map_while(|a| a.ok()) {
            match attribute.kind() {
                IFLA_IFNAME => link.name = Name::from_bytes(attribute.value()),
                IFLA_LINK => {
                    parent = attribute.value().try_into().ok().map(u32::from_ne_bytes);
                }
                IFLA_LINK_NETNSID => other_namespace = true,
                IFLA_MASTER => {
                    link.master = attribute.value().try_into().ok().map(u32::from_ne_bytes);
                }
                IFLA_LINKINFO => link.decode_info(attribute.value()),
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
        let stacked = link
            .kind
            .as_deref()
            .is_some_and(|k| STACKED_KINDS.contains(&k.as_bytes()));
        if stacked && !other_namespace {
            link.lower = parent.filter(|p| *p != 0 && *p != link.index);
        }
        Ok(Some(link))
    }

    /// A link decoded from an RTM_NEWLINK payload built by a test.
    #[cfg(test)]
    pub fn decode_for_tests(payload: &[u8]) -> Link {
        Link::decode(RTM_NEWLINK, payload).unwrap().unwrap()
    }

    /// IFLA_LINKINFO: the kind, the kind of what this is a port of, and
    /// (for a bond) its mode.
    fn decode_info(&mut self, info: &[u8]) {
        let text = |value: &[u8]| {
            let name = value.split(|b| *b == 0).next().unwrap_or_default();
            String::from_utf8_lossy(name).into_owned()
        };
        for item in NlasIterator::new(info).map_while(|i| i.ok()) {
            match item.kind() {
                IFLA_INFO_KIND => self.kind = Some(text(item.value())),
                IFLA_INFO_SLAVE_KIND => self.port_of = Some(text(item.value())),
                IFLA_INFO_DATA => {
                    let data = NlasIterator::new(item.value()).map_while(|d| d.ok());
                    let kind = self.kind.clone().unwrap_or_default();
                    for mode in data.filter(|d| d.kind() == IFLA_BOND_MODE) {
                        match kind.as_str() {
                            "bond" => self.bond_mode = mode.value().first().copied(),
                            "macvlan" | "macvtap" => {
                                self.macvlan_mode =
                                    mode.value().try_into().ok().map(u32::from_ne_bytes)
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
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

    /// ARPHRD_ETHER: frames with six-byte MACs (not IPoIB, not a tun).
    pub fn is_ethernet(&self) -> bool {
        self.link_type == LinkLayerType::Ether
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

    /// Creates a macvlan `name` on `lower` with `mac`, down: whoever
    /// creates it configures it before bringing it up.
    pub fn add_macvlan(
        &mut self,
        name: &str,
        lower: u32,
        mac: [u8; 6],
        bridge: bool,
    ) -> Result<()> {
        let mode = if bridge {
            MacVlanMode::Bridge
        } else {
            MacVlanMode::Private
        };
        let mut message = LinkMessage::default();
        message.attributes = vec![
            LinkAttribute::IfName(name.to_owned()),
            LinkAttribute::Link(lower),
            LinkAttribute::Address(mac.to_vec()),
            LinkAttribute::LinkInfo(vec![
                LinkInfo::Kind(InfoKind::MacVlan),
                LinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(mode)])),
            ]),
        ];
        self.execute(
            RouteNetlinkMessage::NewLink(message),
            NLM_F_CREATE | NLM_F_EXCL,
        )
    }

    pub fn delete_link(&mut self, index: u32) -> Result<()> {
        let mut message = LinkMessage::default();
        message.header.index = index;
        self.execute(RouteNetlinkMessage::DelLink(message), 0)
    }
}

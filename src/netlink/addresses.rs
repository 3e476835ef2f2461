//! Addresses: dump, add, delete.

use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_core::{
    DefaultNla, NlasIterator, Parseable, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
};
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags as WireAddressFlags, AddressHeader, AddressHeaderFlags,
    AddressMessage, AddressScope, CacheInfo,
};
use netlink_packet_route::addrlabel::{AddrLabelAttribute, AddrLabelMessage};
use netlink_packet_route::RouteNetlinkMessage;

use super::{decode_whole, invalid, AddressFlags, Family, Name, Netlink, Result};

const RTM_NEWADDR: u16 = 20;
/// sizeof(struct ifaddrmsg)
const ADDRESS_HEADER_LEN: usize = 8;
const IFA_LABEL: u16 = 3;

/// "forever" in IFA_CACHEINFO lifetimes.
pub const INFINITY_LIFE_TIME: u32 = u32::MAX;

/// An address on an interface: as the kernel reports it, or as it is to
/// be added (with every option IPaddr2 can pass to `ip addr add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub index: u32,
    pub prefix_len: u8,
    pub local: IpAddr,
    /// IFA_LABEL (IPv4 only; the kernel defaults it to the interface name).
    pub label: Option<Name>,
    pub broadcast: Option<Ipv4Addr>,
    pub flags: AddressFlags,
    /// The preferred lifetime in seconds; to add, `None` is forever.
    pub preferred_lft: Option<u32>,
    /// IFA_RT_PRIORITY (Linux 4.18): the metric of the prefix route the
    /// address brings; `None`: the kernel's default (IPv6: 256).
    pub metric: Option<u32>,
}

impl Address {
    /// An RTM_NEWADDR message, attribute by attribute: the label is kept
    /// as bytes, and an attribute that does not decode is skipped, so that
    /// a VIP whose label is not UTF-8 is still found (and removed).
    /// `None` for another message, or an address without IFA_LOCAL and
    /// IFA_ADDRESS.
    fn decode(kind: u16, payload: &[u8]) -> Result<Option<Address>> {
        if kind != RTM_NEWADDR {
            return Ok(None);
        }
        let header = AddressHeader::parse(payload)
            .map_err(|e| invalid(format!("a malformed address message: {e}")))?;
        let mut address: Option<IpAddr> = None;
        let mut local: Option<IpAddr> = None;
        let mut label = None;
        let mut broadcast = None;
        let mut flags = WireAddressFlags::from_bits_retain(u32::from(header.flags.bits()));
        let mut preferred_lft = None;
        let mut metric = None;
        let attributes = payload.get(ADDRESS_HEADER_LEN..).unwrap_or_default();
        for attribute in NlasIterator::new(attributes).map_while(|a| a.ok()) {
            if attribute.kind() == IFA_LABEL {
                label = Some(Name::from_bytes(attribute.value()));
                continue;
            }
            match AddressAttribute::parse(&attribute) {
                Ok(AddressAttribute::Address(ip)) => address = Some(ip),
                Ok(AddressAttribute::Local(ip)) => local = Some(ip),
                Ok(AddressAttribute::Broadcast(ip)) => broadcast = Some(ip),
                // IFA_FLAGS carries all 32 bits; the header only the low 8.
                Ok(AddressAttribute::Flags(all)) => flags = all,
                Ok(AddressAttribute::CacheInfo(info)) => preferred_lft = Some(info.ifa_preferred),
                Ok(AddressAttribute::RoutePriority(priority)) => metric = Some(priority),
                _ => {}
            }
        }
        // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on
        // point-to-point links and the only one IPv6 usually sends.
        let Some(local) = local.or(address) else {
            return Ok(None);
        };
        Ok(Some(Address {
            index: header.index,
            prefix_len: header.prefix_len,
            local,
            label,
            broadcast,
            flags: AddressFlags::from_wire(flags),
            preferred_lft,
            metric,
        }))
    }

    pub fn is_tentative(&self) -> bool {
        self.flags.contains(AddressFlags::TENTATIVE)
    }

    /// The kernel's duplicate address detection found another holder.
    pub fn is_dadfailed(&self) -> bool {
        self.flags.contains(AddressFlags::DADFAILED)
    }
}

/// The scope `ip addr add` picks when none is given.
fn default_scope(ip: &IpAddr) -> AddressScope {
    match ip {
        IpAddr::V4(v4) if v4.is_loopback() => AddressScope::Host,
        IpAddr::V6(v6) if v6.is_loopback() => AddressScope::Host,
        IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => AddressScope::Link,
        _ => AddressScope::Universe,
    }
}

impl Netlink {
    /// Every address of one family (or all), on every interface.
    pub fn addresses(&mut self, family: Option<Family>) -> Result<Vec<Address>> {
        let mut request = AddressMessage::default();
        if let Some(family) = family {
            request.header.family = family.wire();
        }
        self.dump(RouteNetlinkMessage::GetAddress(request), Address::decode)
    }

    /// Where `ip` is configured: every (interface, prefix) that holds it.
    pub fn find_address(&mut self, ip: IpAddr) -> Result<Vec<Address>> {
        Ok(self
            .addresses(Some(Family::of(ip)))?
            .into_iter()
            .filter(|a| a.local == ip)
            .collect())
    }

    /// Whether `ip` is configured on interface `index`.
    pub fn holds(&mut self, ip: IpAddr, index: u32) -> Result<bool> {
        Ok(self.find_address(ip)?.iter().any(|a| a.index == index))
    }

    /// Adds an address; fails with EEXIST when it is already there.
    pub fn add_address(&mut self, new: &Address) -> Result<()> {
        self.execute(
            RouteNetlinkMessage::NewAddress(address_message(new)),
            NLM_F_CREATE | NLM_F_EXCL,
        )
    }

    /// Changes an existing address in place (NLM_F_REPLACE). What the
    /// kernel really changes (measured on 6.x, see docs/operations.md, "Change parameters in place"): IPv6
    /// flags (nodad, noprefixroute, with the prefix route) and lifetimes,
    /// never the prefix; IPv4 only lifetimes and metric, answering 0 while
    /// broadcast, label and noprefixroute stay as they were, and a new
    /// prefix is a second address. Callers use it for IPv6 only.
    pub fn replace_address(&mut self, new: &Address) -> Result<()> {
        self.execute(
            RouteNetlinkMessage::NewAddress(address_message(new)),
            NLM_F_CREATE | NLM_F_REPLACE,
        )
    }

    /// The value of the IPv6 address label for exactly `ip` (a /128 on
    /// every interface), if there is one.
    pub fn address_label(&mut self, ip: IpAddr) -> Result<Option<u32>> {
        let mut request = AddrLabelMessage::default();
        request.header.family = Family::of(ip).wire();
        let full = if ip.is_ipv6() { 128 } else { 32 };
        Ok(self
            .dump(
                RouteNetlinkMessage::GetAddrLabel(request),
                |kind, payload| {
                    Ok(match decode_whole(kind, payload)? {
                        RouteNetlinkMessage::NewAddrLabel(l) => Some(l),
                        _ => None,
                    })
                },
            )?
            .into_iter()
            .filter(|l| l.header.prefix_len == full && l.header.index == 0)
            .find_map(|l| {
                let mut prefix = None;
                let mut value = None;
                for attribute in l.attributes {
                    match attribute {
                        AddrLabelAttribute::Address(a) => prefix = Some(a),
                        AddrLabelAttribute::Label(v) => value = Some(v),
                        _ => {}
                    }
                }
                (prefix == Some(ip)).then_some(value).flatten()
            }))
    }

    /// An IPv6 address label for exactly `ip` (a /128 prefix), so that
    /// source address selection (RFC 6724) can be steered away from it.
    pub fn add_address_label(&mut self, ip: IpAddr, label: u32) -> Result<()> {
        self.execute(
            RouteNetlinkMessage::NewAddrLabel(address_label(ip, label)),
            NLM_F_CREATE | NLM_F_EXCL,
        )
    }

    pub fn delete_address_label(&mut self, ip: IpAddr, label: u32) -> Result<()> {
        self.execute(
            RouteNetlinkMessage::DelAddrLabel(address_label(ip, label)),
            0,
        )
    }

    /// Deletes the form with exactly this prefix length. The kernel matches
    /// an IPv4 delete on IFA_LOCAL alone unless IFA_ADDRESS is given too,
    /// so that where the VIP is configured twice on one interface (a /24
    /// and a /32, say) a plain delete may take either.
    pub fn delete_address_form(&mut self, address: &Address) -> Result<()> {
        let mut message = deletion(address);
        message
            .attributes
            .push(AddressAttribute::Address(address.local));
        self.execute(RouteNetlinkMessage::DelAddress(message), 0)
    }

    /// Deletes this address from its interface (IPv4: any form of it, see
    /// [`Netlink::delete_address_form`]; IFA_ADDRESS is left out so that a
    /// point-to-point copy, whose IFA_ADDRESS is the peer, goes too).
    pub fn delete_address(&mut self, address: &Address) -> Result<()> {
        self.execute(RouteNetlinkMessage::DelAddress(deletion(address)), 0)
    }
}

fn address_label(ip: IpAddr, label: u32) -> AddrLabelMessage {
    let mut message = AddrLabelMessage::default();
    message.header.family = Family::of(ip).wire();
    message.header.prefix_len = if ip.is_ipv6() { 128 } else { 32 };
    message.attributes.push(AddrLabelAttribute::Address(ip));
    message.attributes.push(AddrLabelAttribute::Label(label));
    message
}

/// The message that deletes `address` (matched on IFA_LOCAL).
fn deletion(address: &Address) -> AddressMessage {
    let mut message = AddressMessage::default();
    message.header.family = Family::of(address.local).wire();
    message.header.prefix_len = address.prefix_len;
    message.header.index = address.index;
    message
        .attributes
        .push(AddressAttribute::Local(address.local));
    message
}

/// The message that adds (or replaces) `new`.
fn address_message(new: &Address) -> AddressMessage {
    let mut message = AddressMessage::default();
    message.header.family = Family::of(new.local).wire();
    message.header.prefix_len = new.prefix_len;
    message.header.index = new.index;
    message.header.scope = default_scope(&new.local);
    message.header.flags = AddressHeaderFlags::from_bits_retain(new.flags.bits() as u8);
    let attributes = &mut message.attributes;
    attributes.push(AddressAttribute::Local(new.local));
    attributes.push(AddressAttribute::Address(new.local));
    if let Some(broadcast) = new.broadcast {
        attributes.push(AddressAttribute::Broadcast(broadcast));
    }
    if let Some(label) = &new.label {
        // The label's bytes as they are, NUL-terminated as the kernel wants.
        let mut bytes = label.as_bytes().to_vec();
        bytes.push(0);
        attributes.push(AddressAttribute::Other(DefaultNla::new(IFA_LABEL, bytes)));
    }
    if !new.flags.is_empty() {
        attributes.push(AddressAttribute::Flags(new.flags.wire()));
    }
    if let Some(metric) = new.metric {
        attributes.push(AddressAttribute::RoutePriority(metric));
    }
    if let Some(preferred) = new.preferred_lft {
        let mut lifetimes = CacheInfo::default();
        lifetimes.ifa_preferred = preferred;
        lifetimes.ifa_valid = INFINITY_LIFE_TIME;
        attributes.push(AddressAttribute::CacheInfo(lifetimes));
    }
    message
}

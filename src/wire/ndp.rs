//! Neighbour Discovery messages (RFC 4861) for the IPv6 side of floatip:
//!
//! - the unsolicited Neighbour Advertisement (§7.2.6), the IPv6
//!   counterpart of gratuitous ARP, as send_ua sends it: Override set,
//!   Solicited and Router clear, the Target Link-Layer Address option
//!   carrying our MAC; sent from the VIP to ff02::1 with hop limit 255;
//! - the directed Neighbour Solicitation (§7.2.3) from the VIP with the
//!   Source Link-Layer Address option, which a neighbour that drops
//!   unsolicited advertisements still learns from;
//! - the duplicate-address-detection probe (RFC 4862 §5.4.2): an NS from
//!   `::` to the target's solicited-node group, as a whole Ethernet frame
//!   because a raw ICMPv6 socket cannot send from `::`;
//! - and the reader of advertisements that claim an address.
//!
//! ICMPv6 messages handed to a raw ICMPv6 socket leave their checksum zero:
//! the kernel fills it in. The DAD frame carries its own.

use std::net::Ipv6Addr;

use pnet_packet::ethernet::{EtherTypes, EthernetPacket, MutableEthernetPacket};
use pnet_packet::icmpv6::ndp::{
    MutableNeighborAdvertPacket, MutableNeighborSolicitPacket, NdpOption, NdpOptionPacket,
    NdpOptionType, NdpOptionTypes, NeighborAdvertFlags, NeighborAdvertPacket,
    NeighborSolicitPacket,
};
use pnet_packet::icmpv6::{self, Icmpv6Packet, Icmpv6Types};
use pnet_packet::ip::IpNextHeaderProtocols;
use pnet_packet::ipv6::{Ipv6Packet, MutableIpv6Packet};
use pnet_packet::Packet;

use crate::net::{ipv6_multicast_mac, solicited_node, Mac};

/// ICMPv6 header (4) + flags or reserved (4) + target (16) + one
/// link-layer address option (8): the advertisement and the directed NS.
pub const MESSAGE_LEN: usize = 32;
/// An NS or NA without options.
const BARE_SOLICITATION_LEN: usize = 24;
/// The Nonce option (RFC 7527 §4 / RFC 3971 §5.3.2): type 14, one unit,
/// six octets of nonce.
const NONCE_OPTION: u8 = 14;

/// The nonce a DAD probe carries, so that a node can tell its own probe,
/// looped back by the link, from another node's probe for the same
/// address (RFC 7527).
pub type Nonce = [u8; 6];
const ETHERNET_HEADER_LEN: usize = 14;
const IPV6_HEADER_LEN: usize = 40;
/// Every Neighbour Discovery message is sent, and accepted, only with this
/// hop limit (RFC 4861 §7.1.1): proof that it never crossed a router.
pub const HOP_LIMIT: u8 = 255;
/// ff02::1, all nodes on the link.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// An option's length is counted in units of 8 octets (RFC 4861 §4.6).
const OPTION_UNIT: usize = 8;

/// An unsolicited NA for `target` at `mac`.
pub fn unsolicited_advert(mac: Mac, target: Ipv6Addr) -> [u8; MESSAGE_LEN] {
    let mut buffer = [0u8; MESSAGE_LEN];
    let mut advert = MutableNeighborAdvertPacket::new(&mut buffer).expect("advert fits");
    advert.set_icmpv6_type(Icmpv6Types::NeighborAdvert);
    advert.set_flags(NeighborAdvertFlags::Override);
    advert.set_target_addr(target);
    advert.set_options(&[link_layer_option(NdpOptionTypes::TargetLLAddr, mac)]);
    buffer
}

/// A Neighbour Solicitation for `target`, to be sent from the VIP, with
/// the source link-layer address option: the target records the VIP at
/// `mac` (RFC 4861 §7.2.3) even where it drops unsolicited advertisements.
pub fn solicitation(mac: Mac, target: Ipv6Addr) -> [u8; MESSAGE_LEN] {
    let mut buffer = [0u8; MESSAGE_LEN];
    let mut solicit = MutableNeighborSolicitPacket::new(&mut buffer).expect("NS fits");
    solicit.set_icmpv6_type(Icmpv6Types::NeighborSolicit);
    solicit.set_target_addr(target);
    solicit.set_options(&[link_layer_option(NdpOptionTypes::SourceLLAddr, mac)]);
    buffer
}

fn link_layer_option(option_type: NdpOptionType, mac: Mac) -> NdpOption {
    NdpOption {
        option_type,
        length: 1,
        data: mac.to_vec(),
    }
}

/// A duplicate-address-detection probe for `target` from `mac`, as an
/// Ethernet frame: an NS from the unspecified address to the target's
/// solicited-node group, with no source link-layer option (RFC 4862
/// §5.4.2 forbids it with source `::`), so that every holder of `target`
/// answers with an advertisement to all nodes and no cache changes; with
/// a Nonce option when `nonce` is given (RFC 7527 §4).
pub fn dad_solicitation(mac: Mac, target: Ipv6Addr, nonce: Option<Nonce>) -> Vec<u8> {
    let group = solicited_node(target);
    let message_len = BARE_SOLICITATION_LEN + if nonce.is_some() { OPTION_UNIT } else { 0 };
    let mut frame = vec![0u8; ETHERNET_HEADER_LEN + IPV6_HEADER_LEN + message_len];
    let (ethernet_header, rest) = frame.split_at_mut(ETHERNET_HEADER_LEN);
    let (ip_header, message) = rest.split_at_mut(IPV6_HEADER_LEN);

    let mut solicit = MutableNeighborSolicitPacket::new(message).expect("NS fits");
    solicit.set_icmpv6_type(Icmpv6Types::NeighborSolicit);
    solicit.set_target_addr(target);
    if let Some(nonce) = nonce {
        solicit.set_options(&[NdpOption {
            option_type: NdpOptionType::new(NONCE_OPTION),
            length: 1,
            data: nonce.to_vec(),
        }]);
    }
    let checksum = icmpv6::checksum(
        &Icmpv6Packet::new(solicit.packet()).expect("NS is ICMPv6"),
        &Ipv6Addr::UNSPECIFIED,
        &group,
    );
    solicit.set_checksum(checksum);

    let mut ip = MutableIpv6Packet::new(ip_header).expect("header fits");
    ip.set_version(6);
    ip.set_payload_length(message_len as u16);
    ip.set_next_header(IpNextHeaderProtocols::Icmpv6);
    ip.set_hop_limit(HOP_LIMIT);
    ip.set_source(Ipv6Addr::UNSPECIFIED);
    ip.set_destination(group);

    let mut ethernet = MutableEthernetPacket::new(ethernet_header).expect("header fits");
    ethernet.set_destination(ipv6_multicast_mac(group).into());
    ethernet.set_source(mac.into());
    ethernet.set_ethertype(EtherTypes::Ipv6);
    frame
}

/// Another node's duplicate-address-detection probe for `target` in an
/// Ethernet frame (RFC 4862 §5.4.3: an NS from `::` for a tentative
/// address means another node is starting with it at the same moment):
/// the frame's source and the probe's nonce, if it carries one.
pub fn probe_for(frame: &[u8], target: Ipv6Addr) -> Option<(Mac, Option<Nonce>)> {
    let ethernet = EthernetPacket::new(frame)?;
    if ethernet.get_ethertype() != EtherTypes::Ipv6 {
        return None;
    }
    let ip = Ipv6Packet::new(ethernet.payload())?;
    if ip.get_next_header() != IpNextHeaderProtocols::Icmpv6 || !ip.get_source().is_unspecified() {
        return None;
    }
    let solicit = NeighborSolicitPacket::new(ip.payload())?;
    if solicit.get_icmpv6_type() != Icmpv6Types::NeighborSolicit
        || solicit.get_target_addr() != target
    {
        return None;
    }
    let options = &ip.payload()[BARE_SOLICITATION_LEN..];
    let nonce = find_option(options, NdpOptionType::new(NONCE_OPTION))
        .and_then(|data| data.try_into().ok());
    Some((ethernet.get_source().octets(), nonce))
}

/// The link-layer address that a Neighbour Advertisement for `target`
/// claims, when `frame` is an Ethernet frame carrying one: its Target
/// Link-Layer Address option, else the frame's source (RFC 4861 §7.2.5
/// lets the option be left out on links the receiver can read it from).
pub fn claimant(frame: &[u8], target: Ipv6Addr) -> Option<Mac> {
    let ethernet = EthernetPacket::new(frame)?;
    if ethernet.get_ethertype() != EtherTypes::Ipv6 {
        return None;
    }
    let ip = Ipv6Packet::new(ethernet.payload())?;
    if ip.get_next_header() != IpNextHeaderProtocols::Icmpv6 {
        return None;
    }
    let advert = NeighborAdvertPacket::new(ip.payload())?;
    if advert.get_icmpv6_type() != Icmpv6Types::NeighborAdvert || advert.get_target_addr() != target
    {
        return None;
    }
    let options = &ip.payload()[BARE_SOLICITATION_LEN..];
    let option = find_option(options, NdpOptionTypes::TargetLLAddr);
    let mac = option.and_then(|data| Mac::try_from(data).ok());
    Some(mac.unwrap_or_else(|| ethernet.get_source().octets()))
}

/// The neighbour that answered one of our directed solicitations: a
/// solicited Neighbour Advertisement (RFC 4861 §7.2.4: Solicited flag set)
/// as a raw ICMPv6 socket bound to the VIP receives it, so sent to the
/// VIP. Its target is the neighbour's address; having answered, it holds
/// the VIP at our MAC (§7.2.3 recorded the solicitation's source first).
pub fn answer(message: &[u8]) -> Option<Ipv6Addr> {
    let advert = NeighborAdvertPacket::new(message)?;
    let solicited = advert.get_flags() & NeighborAdvertFlags::Solicited != 0;
    (advert.get_icmpv6_type() == Icmpv6Types::NeighborAdvert
        && advert.get_icmpv6_code().0 == 0
        && solicited)
        .then(|| advert.get_target_addr())
}

/// The data of the first one-unit option of `kind` (type, length, six
/// octets: a link-layer address on Ethernet, a nonce). Options are walked
/// by their own length field, checked here: a length of 0 ends the walk
/// (RFC 4861 §4.6 says to drop such a packet), and no length can index
/// past the message.
fn find_option(mut options: &[u8], kind: NdpOptionType) -> Option<&[u8]> {
    while let Some(option) = NdpOptionPacket::new(options) {
        let units = usize::from(option.get_length());
        let length = units * OPTION_UNIT;
        if units == 0 || length > options.len() {
            return None;
        }
        if option.get_option_type() == kind && units == 1 {
            return Some(&options[2..OPTION_UNIT]);
        }
        options = &options[length..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: Mac = [0x02, 0, 0x5e, 1, 2, 3];

    fn v6(text: &str) -> Ipv6Addr {
        text.parse().unwrap()
    }

    /// The ICMPv6 checksum over the pseudo-header (RFC 8200 §8.1), written
    /// out independently of pnet to check the frame's.
    fn checksum(source: Ipv6Addr, destination: Ipv6Addr, message: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        let mut add = |bytes: &[u8]| {
            for chunk in bytes.chunks(2) {
                sum += u32::from(u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]));
            }
        };
        add(&source.octets());
        add(&destination.octets());
        add(&(message.len() as u32).to_be_bytes());
        add(&[0, 0, 0, 58]);
        add(message);
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn dad_solicitation_golden_bytes() {
        let frame = dad_solicitation(MAC, v6("2001:db8::1:2:3"), None);
        let group = v6("ff02::1:ff02:3").octets();
        let mut expected = vec![0x33, 0x33, 0xff, 0x02, 0x00, 0x03]; // RFC 2464 §7
        expected.extend_from_slice(&MAC);
        expected.extend_from_slice(&[0x86, 0xdd]);
        expected.extend_from_slice(&[0x60, 0, 0, 0, 0, 24, 58, 255]);
        expected.extend_from_slice(&[0; 16]); // from ::
        expected.extend_from_slice(&group);
        expected.extend_from_slice(&[135, 0]);
        expected.extend_from_slice(&frame[56..58]); // checked below
        expected.extend_from_slice(&[0; 4]);
        expected.extend_from_slice(&v6("2001:db8::1:2:3").octets());
        assert_eq!(frame, expected);
        // A correct checksum makes the sum over pseudo-header and message 0.
        assert_eq!(
            checksum(Ipv6Addr::UNSPECIFIED, Ipv6Addr::from(group), &frame[54..]),
            0
        );
    }

    #[test]
    fn dad_solicitation_with_nonce_round_trips() {
        let target = v6("2001:db8::1:2:3");
        let nonce: Nonce = [9, 8, 7, 6, 5, 4];
        let frame = dad_solicitation(MAC, target, Some(nonce));
        assert_eq!(frame.len(), 14 + 40 + 32);
        assert_eq!(&frame[18..20], &[0, 32], "payload length");
        assert_eq!(&frame[78..86], &[14, 1, 9, 8, 7, 6, 5, 4], "nonce option");
        let group = Ipv6Addr::from(<[u8; 16]>::try_from(&frame[38..54]).unwrap());
        assert_eq!(checksum(Ipv6Addr::UNSPECIFIED, group, &frame[54..]), 0);
        assert_eq!(probe_for(&frame, target), Some((MAC, Some(nonce))));
        assert_eq!(
            probe_for(&frame, v6("2001:db8::1:2:4")),
            None,
            "another target"
        );
        let bare = dad_solicitation(MAC, target, None);
        assert_eq!(probe_for(&bare, target), Some((MAC, None)));
        assert_eq!(claimant(&frame, target), None, "a probe claims nothing");
        // An NS from an address of its own is address resolution, not DAD.
        let mut resolving = frame.clone();
        resolving[22] = 0xfe;
        resolving[23] = 0x80;
        assert_eq!(probe_for(&resolving, target), None);
    }

    #[test]
    fn advert_golden_bytes() {
        let target = v6("2001:db8::10");
        let mut expected = vec![136, 0, 0, 0, 0x20, 0, 0, 0]; // Override only
        expected.extend_from_slice(&target.octets());
        expected.extend_from_slice(&[2, 1]); // target link-layer address, 8 bytes
        expected.extend_from_slice(&MAC);
        assert_eq!(unsolicited_advert(MAC, target).to_vec(), expected);
    }

    #[test]
    fn solicitation_golden_bytes() {
        let target = v6("2001:db8::1");
        let mut expected = vec![135, 0, 0, 0, 0, 0, 0, 0];
        expected.extend_from_slice(&target.octets());
        expected.extend_from_slice(&[1, 1]); // source link-layer address, 8 bytes
        expected.extend_from_slice(&MAC);
        assert_eq!(solicitation(MAC, target).to_vec(), expected);
    }

    /// An advertisement as a neighbour would put it on the wire.
    fn advert_frame(source: Mac, message: &[u8]) -> Vec<u8> {
        let mut frame = vec![0x33, 0x33, 0, 0, 0, 1];
        frame.extend_from_slice(&source);
        frame.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
        frame.extend_from_slice(&(message.len() as u16).to_be_bytes());
        frame.extend_from_slice(&[58, 255]);
        frame.extend_from_slice(&v6("fe80::1").octets());
        frame.extend_from_slice(&ALL_NODES.octets());
        frame.extend_from_slice(message);
        frame
    }

    #[test]
    fn claimant_round_trip() {
        let target = v6("2001:db8::10");
        let other: Mac = [0x02, 9, 9, 9, 9, 9];
        let frame = advert_frame([0x02, 7, 7, 7, 7, 7], &unsolicited_advert(other, target));
        assert_eq!(claimant(&frame, target), Some(other), "the option wins");
        assert_eq!(claimant(&frame, v6("2001:db8::11")), None, "another target");
    }

    #[test]
    fn claimant_without_option_is_the_frame_source() {
        let target = v6("2001:db8::10");
        let source: Mac = [0x02, 7, 7, 7, 7, 7];
        let message = &unsolicited_advert(MAC, target)[..BARE_SOLICITATION_LEN];
        assert_eq!(
            claimant(&advert_frame(source, message), target),
            Some(source)
        );
    }

    #[test]
    fn claimant_reads_past_other_options_and_survives_bad_lengths() {
        let target = v6("2001:db8::10");
        let source: Mac = [0x02, 7, 7, 7, 7, 7];
        let mut message = unsolicited_advert(MAC, target)[..BARE_SOLICITATION_LEN].to_vec();
        // A nonce option (RFC 3971 type 14, one unit) before the address.
        message.extend_from_slice(&[14, 1, 1, 2, 3, 4, 5, 6]);
        message.extend_from_slice(&[2, 1]);
        message.extend_from_slice(&MAC);
        assert_eq!(claimant(&advert_frame(source, &message), target), Some(MAC));
        for bad in [0u8, 2, 32, 255] {
            let mut message = message[..BARE_SOLICITATION_LEN].to_vec();
            message.extend_from_slice(&[2, bad, 1, 2, 3, 4, 5, 6]);
            assert_eq!(
                claimant(&advert_frame(source, &message), target),
                Some(source),
                "option length {bad}: no option read, no panic"
            );
        }
    }

    #[test]
    fn claimant_ignores_what_is_not_an_advertisement() {
        let target = v6("2001:db8::10");
        let probe = dad_solicitation(MAC, target, None);
        assert_eq!(
            claimant(&probe, target),
            None,
            "a solicitation claims nothing"
        );
        for length in 0..probe.len() {
            assert_eq!(
                claimant(&probe[..length], target),
                None,
                "truncated at {length}"
            );
        }
        let mut arp = probe.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        assert_eq!(claimant(&arp, target), None);
    }

    #[test]
    fn answers_are_solicited_adverts() {
        let neighbour = v6("2001:db8::fe");
        let mut buffer = [0u8; MESSAGE_LEN];
        let mut advert = MutableNeighborAdvertPacket::new(&mut buffer).unwrap();
        advert.set_icmpv6_type(Icmpv6Types::NeighborAdvert);
        advert.set_flags(NeighborAdvertFlags::Solicited | NeighborAdvertFlags::Override);
        advert.set_target_addr(neighbour);
        assert_eq!(answer(&buffer), Some(neighbour));
        assert_eq!(answer(&buffer[..20]), None, "short message");
        // An unsolicited advertisement (ours, or anyone's) answers nothing.
        assert_eq!(answer(&unsolicited_advert(MAC, neighbour)), None);
        assert_eq!(answer(&solicitation(MAC, neighbour)), None);
    }
}

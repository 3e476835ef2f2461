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
//! - what they all read back is validated in `received`; `golden` holds
//!   the whole-frame tests of every form, both directions.
//!
//! ICMPv6 messages handed to a raw ICMPv6 socket leave their checksum zero:
//! the kernel fills it in. The DAD frame carries its own.

use std::net::Ipv6Addr;

use pnet_packet::ethernet::{EtherTypes, MutableEthernetPacket};
use pnet_packet::icmpv6::ndp::{
    MutableNeighborAdvertPacket, MutableNeighborSolicitPacket, NdpOption, NdpOptionType,
    NdpOptionTypes, NeighborAdvertFlags,
};
use pnet_packet::icmpv6::{self, Icmpv6Packet, Icmpv6Types};
use pnet_packet::ip::IpNextHeaderProtocols;
use pnet_packet::ipv6::MutableIpv6Packet;
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
}

//! The one receive path: a frame (or an ICMPv6 message with its IPv6
//! header's facts) in, a validated ARP or Neighbour Discovery message out.
//! Everything floatip reads from a link goes through here — the DAD
//! probe, run_arping, the level-20 check and the acknowledgement listener
//! — so that what counts as a message is decided once, by the RFCs:
//!
//! - ARP (RFC 826): Ethernet hardware (1), IPv4 protocol (0x0800),
//!   address lengths 6 and 4, operation request (1) or reply (2);
//! - Neighbour Discovery (RFC 4861 §7.1.1 and §7.1.2): hop limit 255 (the
//!   message never crossed a router: a forgery from off-link cannot meet
//!   it), a valid ICMPv6 checksum, code 0, at least 24 octets, every
//!   option of non-zero length inside the message, a target that is not
//!   multicast; a solicitation from `::` goes to a solicited-node group
//!   and carries no source link-layer address; an advertisement to a
//!   multicast group is not "solicited".
//!
//! What a valid message *means* (a claim on the VIP, an answer to our
//! request) is for the reader to decide, with the facts kept here.

use std::net::{Ipv4Addr, Ipv6Addr};

use pnet_packet::arp::{ArpHardwareTypes, ArpOperations, ArpPacket};
use pnet_packet::ethernet::{EtherTypes, EthernetPacket};
use pnet_packet::icmpv6::ndp::{NdpOptionTypes, NeighborAdvertFlags};
use pnet_packet::icmpv6::{self, Icmpv6Packet, Icmpv6Types};
use pnet_packet::ip::IpNextHeaderProtocols;
use pnet_packet::ipv6::Ipv6Packet;
use pnet_packet::Packet;

use crate::net::Mac;
use crate::wire::ndp::{self, Nonce};

/// A validated message from the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    Arp(Arp),
    Ndp(Ndp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    /// The Ethernet header's addresses.
    pub destination: Mac,
    pub source: Mac,
    pub operation: ArpOperation,
    pub sender_mac: Mac,
    pub sender_ip: Ipv4Addr,
    pub target_mac: Mac,
    pub target_ip: Ipv4Addr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArpOperation {
    Request,
    Reply,
}

impl Arp {
    /// RFC 5227 §2.1.1: an ARP probe (sender IP 0.0.0.0) asking for `ip`.
    pub fn is_probe_for(&self, ip: Ipv4Addr) -> bool {
        self.operation == ArpOperation::Request
            && self.sender_ip.is_unspecified()
            && self.target_ip == ip
    }
}

/// A Neighbour Discovery message and the IPv6 header facts it was
/// validated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ndp {
    pub source: Ipv6Addr,
    pub destination: Ipv6Addr,
    /// The Ethernet source, when the message came in a whole frame.
    pub link_source: Option<Mac>,
    pub kind: NdpKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NdpKind {
    Solicitation {
        target: Ipv6Addr,
        /// The Source Link-Layer Address option.
        source_mac: Option<Mac>,
        /// RFC 7527's nonce, on duplicate-address-detection probes.
        nonce: Option<Nonce>,
    },
    Advertisement {
        target: Ipv6Addr,
        solicited: bool,
        /// The Target Link-Layer Address option.
        target_mac: Option<Mac>,
    },
}

impl Ndp {
    /// The link-layer address an advertisement gives for `target`: its
    /// option, else the frame's source (RFC 4861 §7.2.5 lets the option
    /// be left out where the receiver can read it from the link).
    pub fn advertised_mac(&self, target: Ipv6Addr) -> Option<Mac> {
        match self.kind {
            NdpKind::Advertisement {
                target: t,
                target_mac,
                ..
            } if t == target => target_mac.or(self.link_source),
            _ => None,
        }
    }

    /// Another node's duplicate-address-detection probe for `target`
    /// (RFC 4862 §5.4.3): its link-layer source and nonce.
    pub fn dad_probe_for(&self, target: Ipv6Addr) -> Option<(Option<Mac>, Option<Nonce>)> {
        match self.kind {
            NdpKind::Solicitation {
                target: t, nonce, ..
            } if t == target && self.source.is_unspecified() => Some((self.link_source, nonce)),
            _ => None,
        }
    }
}

const ETHERNET_HEADER_LEN: usize = 14;
/// An NS or NA without options (RFC 4861 §4.3, §4.4).
const NDP_MIN_LEN: usize = 24;
const OPTION_UNIT: usize = 8;
/// RFC 7527 §4 / RFC 3971 §5.3.2.
const NONCE_OPTION: u8 = 14;

/// A whole Ethernet frame, as a packet socket reads it.
pub fn frame(bytes: &[u8]) -> Option<Message> {
    let ethernet = EthernetPacket::new(bytes)?;
    let payload = &bytes[ETHERNET_HEADER_LEN..];
    match ethernet.get_ethertype() {
        EtherTypes::Arp => arp(&ethernet, payload).map(Message::Arp),
        EtherTypes::Ipv6 => {
            let ip = Ipv6Packet::new(payload)?;
            // Extension headers are not walked: Neighbour Discovery
            // messages carry none on any stack floatip meets.
            if ip.get_version() != 6 || ip.get_next_header() != IpNextHeaderProtocols::Icmpv6 {
                return None;
            }
            let declared = usize::from(ip.get_payload_length());
            let message = ip.payload().get(..declared)?;
            let mut ndp = icmpv6_message(
                ip.get_source(),
                ip.get_destination(),
                ip.get_hop_limit(),
                message,
            )?;
            ndp.link_source = Some(ethernet.get_source().octets());
            Some(Message::Ndp(ndp))
        }
        _ => None,
    }
}

fn arp(ethernet: &EthernetPacket, payload: &[u8]) -> Option<Arp> {
    let arp = ArpPacket::new(payload)?;
    let well_formed = arp.get_hardware_type() == ArpHardwareTypes::Ethernet
        && arp.get_protocol_type() == EtherTypes::Ipv4
        && arp.get_hw_addr_len() == 6
        && arp.get_proto_addr_len() == 4;
    let operation = match arp.get_operation() {
        ArpOperations::Request => ArpOperation::Request,
        ArpOperations::Reply => ArpOperation::Reply,
        _ => return None,
    };
    well_formed.then(|| Arp {
        destination: ethernet.get_destination().octets(),
        source: ethernet.get_source().octets(),
        operation,
        sender_mac: arp.get_sender_hw_addr().octets(),
        sender_ip: arp.get_sender_proto_addr(),
        target_mac: arp.get_target_hw_addr().octets(),
        target_ip: arp.get_target_proto_addr(),
    })
}

/// An ICMPv6 message with the facts of the IPv6 header it came in (a raw
/// ICMPv6 socket reads the source, and with IPV6_RECVPKTINFO and
/// IPV6_RECVHOPLIMIT the destination and hop limit): a Neighbour
/// Solicitation or Advertisement that passes RFC 4861 §7.1, or nothing.
pub fn icmpv6_message(
    source: Ipv6Addr,
    destination: Ipv6Addr,
    hop_limit: u8,
    message: &[u8],
) -> Option<Ndp> {
    if hop_limit != ndp::HOP_LIMIT || message.len() < NDP_MIN_LEN {
        return None;
    }
    let icmp = Icmpv6Packet::new(message)?;
    if icmp.get_icmpv6_code().0 != 0
        || icmpv6::checksum(&icmp, &source, &destination) != icmp.get_checksum()
    {
        return None;
    }
    let target = Ipv6Addr::from(<[u8; 16]>::try_from(&message[8..24]).ok()?);
    if target.is_multicast() {
        return None;
    }
    let options = Options::parse(&message[NDP_MIN_LEN..])?;
    let kind = match icmp.get_icmpv6_type() {
        Icmpv6Types::NeighborSolicit => {
            let from_unspecified = source.is_unspecified();
            let source_mac = options.first(NdpOptionTypes::SourceLLAddr.0);
            if from_unspecified && (!is_solicited_node(destination) || source_mac.is_some()) {
                return None;
            }
            NdpKind::Solicitation {
                target,
                source_mac,
                nonce: options.first(NONCE_OPTION),
            }
        }
        Icmpv6Types::NeighborAdvert => {
            let solicited = message[4] & NeighborAdvertFlags::Solicited != 0;
            if solicited && destination.is_multicast() {
                return None;
            }
            NdpKind::Advertisement {
                target,
                solicited,
                target_mac: options.first(NdpOptionTypes::TargetLLAddr.0),
            }
        }
        _ => return None,
    };
    Some(Ndp {
        source,
        destination,
        link_source: None,
        kind,
    })
}

/// ff02::1:ffXX:XXXX (RFC 4291 §2.7.1).
fn is_solicited_node(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    s[..5] == [0xff02, 0, 0, 0, 0] && s[5] == 1 && s[6] & 0xff00 == 0xff00
}

/// A message's options, checked whole: every length non-zero and inside
/// the message (RFC 4861 §4.6, §7.1: otherwise the message is dropped).
struct Options<'a>(&'a [u8]);

impl<'a> Options<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Options<'a>> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let units = usize::from(*rest.get(1)?);
            let length = units * OPTION_UNIT;
            if units == 0 || length > rest.len() {
                return None;
            }
            rest = &rest[length..];
        }
        Some(Options(bytes))
    }

    /// The six octets of the first one-unit option of `kind`.
    fn first(&self, kind: u8) -> Option<[u8; 6]> {
        let mut rest = self.0;
        while rest.len() >= OPTION_UNIT {
            let length = usize::from(rest[1]) * OPTION_UNIT;
            if rest[0] == kind && length == OPTION_UNIT {
                return rest[2..OPTION_UNIT].try_into().ok();
            }
            rest = &rest[length..];
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::solicited_node;
    use crate::wire::arp::{self as arp_wire, Form};

    const OURS: Mac = [0x02, 0, 0x5e, 1, 2, 3];
    const THEIRS: Mac = [0x02, 9, 9, 9, 9, 9];
    const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);

    fn v6(text: &str) -> Ipv6Addr {
        text.parse().unwrap()
    }

    /// An Ethernet frame carrying `message` from `source` to `destination`
    /// with `hop_limit`; the checksum is filled in unless `bad_checksum`.
    fn ipv6_frame(
        source: Ipv6Addr,
        destination: Ipv6Addr,
        hop_limit: u8,
        mut message: Vec<u8>,
        bad_checksum: bool,
    ) -> Vec<u8> {
        message[2] = 0;
        message[3] = 0;
        let sum = icmpv6::checksum(&Icmpv6Packet::new(&message).unwrap(), &source, &destination);
        let sum = if bad_checksum { sum ^ 1 } else { sum };
        message[2..4].copy_from_slice(&sum.to_be_bytes());
        let mut frame = vec![0x33, 0x33, 0, 0, 0, 1];
        frame.extend_from_slice(&THEIRS);
        frame.extend_from_slice(&[0x86, 0xdd]);
        frame.extend_from_slice(&[0x60, 0, 0, 0]);
        frame.extend_from_slice(&(message.len() as u16).to_be_bytes());
        frame.extend_from_slice(&[58, hop_limit]);
        frame.extend_from_slice(&source.octets());
        frame.extend_from_slice(&destination.octets());
        frame.extend_from_slice(&message);
        frame
    }

    fn advert(target: Ipv6Addr, flags: u8, option: Option<Mac>) -> Vec<u8> {
        let mut m = vec![136, 0, 0, 0, flags, 0, 0, 0];
        m.extend_from_slice(&target.octets());
        if let Some(mac) = option {
            m.extend_from_slice(&[2, 1]);
            m.extend_from_slice(&mac);
        }
        m
    }

    #[test]
    fn gratuitous_arp_reads_back() {
        let Some(Message::Arp(arp)) = frame(&arp_wire::gratuitous(Form::Reply, OURS, VIP4)) else {
            panic!("an ARP message");
        };
        assert_eq!(arp.operation, ArpOperation::Reply);
        assert_eq!(arp.sender_ip, VIP4);
        assert_eq!(arp.sender_mac, OURS);
        assert_eq!(arp.target_mac, OURS);
        assert_eq!(arp.destination, [0xff; 6]);
        let Some(Message::Arp(probe)) = frame(&arp_wire::probe(THEIRS, VIP4)) else {
            panic!("an ARP message");
        };
        assert!(probe.is_probe_for(VIP4));
        assert!(!arp.is_probe_for(VIP4));
    }

    #[test]
    fn arp_that_is_not_ethernet_ipv4_is_nothing() {
        let good = arp_wire::gratuitous(Form::Request, THEIRS, VIP4);
        for (offset, value) in [(15, 6u8), (17, 0x06), (18, 8), (19, 16), (21, 3)] {
            let mut bad = good;
            bad[offset] = value;
            assert_eq!(frame(&bad), None, "byte {offset} = {value}");
        }
        assert_eq!(frame(&good[..30]), None, "short");
    }

    #[test]
    fn a_valid_advertisement_and_every_way_to_fail_section_7_1() {
        let vip = v6("2001:db8::10");
        let source = v6("fe80::9");
        let all_nodes = ndp::ALL_NODES;
        let ok = ipv6_frame(
            source,
            all_nodes,
            255,
            advert(vip, 0x20, Some(THEIRS)),
            false,
        );
        let Some(Message::Ndp(message)) = frame(&ok) else {
            panic!("valid: {ok:?}");
        };
        assert_eq!(message.advertised_mac(vip), Some(THEIRS));
        assert_eq!(message.link_source, Some(THEIRS));

        let off_link = ipv6_frame(
            source,
            all_nodes,
            254,
            advert(vip, 0x20, Some(THEIRS)),
            false,
        );
        assert_eq!(frame(&off_link), None, "hop limit below 255");
        let checksum = ipv6_frame(
            source,
            all_nodes,
            255,
            advert(vip, 0x20, Some(THEIRS)),
            true,
        );
        assert_eq!(frame(&checksum), None, "bad checksum");
        let mut coded = advert(vip, 0x20, Some(THEIRS));
        coded[1] = 1;
        assert_eq!(
            frame(&ipv6_frame(source, all_nodes, 255, coded, false)),
            None,
            "code 1"
        );
        let solicited = ipv6_frame(source, all_nodes, 255, advert(vip, 0x60, None), false);
        assert_eq!(frame(&solicited), None, "solicited to a multicast group");
        let mut zero_option = advert(vip, 0x20, Some(THEIRS));
        zero_option[25] = 0;
        assert_eq!(
            frame(&ipv6_frame(source, all_nodes, 255, zero_option, false)),
            None,
            "option of length 0"
        );
        let mut long_option = advert(vip, 0x20, Some(THEIRS));
        long_option[25] = 2;
        assert_eq!(
            frame(&ipv6_frame(source, all_nodes, 255, long_option, false)),
            None,
            "option past the message"
        );
        let multicast = ipv6_frame(source, all_nodes, 255, advert(all_nodes, 0x20, None), false);
        assert_eq!(frame(&multicast), None, "multicast target");
        let short = ipv6_frame(
            source,
            all_nodes,
            255,
            advert(vip, 0x20, None)[..20].to_vec(),
            false,
        );
        assert_eq!(frame(&short), None, "shorter than 24 octets");
        let truncated = &ok[..ok.len() - 4];
        assert_eq!(frame(truncated), None, "payload length past the frame");
    }

    #[test]
    fn an_advertisement_without_option_is_at_the_frame_source() {
        let vip = v6("2001:db8::10");
        let bytes = ipv6_frame(
            v6("fe80::9"),
            ndp::ALL_NODES,
            255,
            advert(vip, 0x20, None),
            false,
        );
        let Some(Message::Ndp(message)) = frame(&bytes) else {
            panic!()
        };
        assert_eq!(message.advertised_mac(vip), Some(THEIRS));
        assert_eq!(message.advertised_mac(v6("2001:db8::11")), None);
    }

    #[test]
    fn dad_probes_read_back_with_their_nonce() {
        let vip = v6("2001:db8::10");
        let nonce = [1, 2, 3, 4, 5, 6];
        let ours = ndp::dad_solicitation(THEIRS, vip, Some(nonce));
        let Some(Message::Ndp(message)) = frame(&ours) else {
            panic!("our own probe is valid")
        };
        assert_eq!(
            message.dad_probe_for(vip),
            Some((Some(THEIRS), Some(nonce)))
        );
        assert_eq!(message.destination, solicited_node(vip));
        let bare = ndp::dad_solicitation(THEIRS, vip, None);
        let Some(Message::Ndp(message)) = frame(&bare) else {
            panic!()
        };
        assert_eq!(message.dad_probe_for(vip), Some((Some(THEIRS), None)));
    }

    #[test]
    fn a_probe_from_unspecified_must_go_to_a_solicited_node_group() {
        let vip = v6("2001:db8::10");
        let mut m = vec![135, 0, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&vip.octets());
        let to_all = ipv6_frame(Ipv6Addr::UNSPECIFIED, ndp::ALL_NODES, 255, m.clone(), false);
        assert_eq!(frame(&to_all), None);
        let mut with_source = m.clone();
        with_source.extend_from_slice(&[1, 1]);
        with_source.extend_from_slice(&THEIRS);
        let group = solicited_node(vip);
        let sllao = ipv6_frame(Ipv6Addr::UNSPECIFIED, group, 255, with_source, false);
        assert_eq!(frame(&sllao), None, "no source link-layer option from ::");
        let good = ipv6_frame(Ipv6Addr::UNSPECIFIED, group, 255, m, false);
        assert!(frame(&good).is_some());
    }

    #[test]
    fn the_socket_path_validates_the_same_way() {
        let vip = v6("2001:db8::10");
        let neighbour = v6("2001:db8::1");
        let mut message = advert(neighbour, 0x60, Some(THEIRS));
        let sum = icmpv6::checksum(&Icmpv6Packet::new(&message).unwrap(), &neighbour, &vip);
        message[2..4].copy_from_slice(&sum.to_be_bytes());
        let answer = icmpv6_message(neighbour, vip, 255, &message).unwrap();
        assert_eq!(
            answer.kind,
            NdpKind::Advertisement {
                target: neighbour,
                solicited: true,
                target_mac: Some(THEIRS)
            }
        );
        assert_eq!(answer.link_source, None);
        assert_eq!(icmpv6_message(neighbour, vip, 64, &message), None);
        assert_eq!(
            icmpv6_message(neighbour, v6("2001:db8::11"), 255, &message),
            None,
            "the checksum covers the destination"
        );
    }

    #[test]
    fn options_are_read_past_others_and_truncation_never_panics() {
        let vip = v6("2001:db8::10");
        let mut message = advert(vip, 0x20, None);
        message.extend_from_slice(&[NONCE_OPTION, 1, 1, 2, 3, 4, 5, 6]);
        message.extend_from_slice(&[2, 1]);
        message.extend_from_slice(&OURS);
        let bytes = ipv6_frame(v6("fe80::9"), ndp::ALL_NODES, 255, message, false);
        let Some(Message::Ndp(read)) = frame(&bytes) else {
            panic!()
        };
        assert_eq!(read.advertised_mac(vip), Some(OURS), "the option wins");
        let probe = ndp::dad_solicitation(THEIRS, vip, Some([1; 6]));
        let arp = arp_wire::gratuitous(Form::Request, THEIRS, VIP4);
        for whole in [&bytes[..], &probe[..], &arp[..]] {
            for length in 0..whole.len() {
                assert_eq!(frame(&whole[..length]), None, "truncated at {length}");
            }
        }
    }
}

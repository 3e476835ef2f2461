//! Golden whole-frame tests, both directions: every ARP and NDP form
//! floatip sends is written out byte by byte from its RFC, compared with
//! what the builders make, and read back through the one receive path
//! (`received`) into the fields a receiver acts on.

use std::net::{Ipv4Addr, Ipv6Addr};

use pnet_packet::icmpv6::{self, Icmpv6Packet};

use crate::net::{solicited_node, Mac};
use crate::wire::arp::{self, Form};
use crate::wire::ndp;
use crate::wire::received::{self, ArpOperation, Message, NdpKind};

const OURS: Mac = [0x02, 0x00, 0x5e, 0x10, 0x20, 0x30];
const NEIGHBOUR_MAC: Mac = [0x02, 0x99, 0x88, 0x77, 0x66, 0x55];
const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const NEIGHBOUR4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 254);

fn vip6() -> Ipv6Addr {
    "2001:db8::10".parse().unwrap()
}

fn neighbour6() -> Ipv6Addr {
    "2001:db8::fe".parse().unwrap()
}

/// An ARP frame from its fields (RFC 826, Ethernet/IPv4).
fn arp_golden(
    destination: Mac,
    operation: u8,
    sender: (Mac, Ipv4Addr),
    target: (Mac, Ipv4Addr),
) -> Vec<u8> {
    let mut f = destination.to_vec();
    f.extend_from_slice(&sender.0);
    f.extend_from_slice(&[0x08, 0x06]); // ARP
    f.extend_from_slice(&[0x00, 0x01]); // hardware: Ethernet
    f.extend_from_slice(&[0x08, 0x00]); // protocol: IPv4
    f.extend_from_slice(&[6, 4]); // address lengths
    f.extend_from_slice(&[0, operation]);
    f.extend_from_slice(&sender.0);
    f.extend_from_slice(&sender.1.octets());
    f.extend_from_slice(&target.0);
    f.extend_from_slice(&target.1.octets());
    f
}

fn read_arp(frame: &[u8]) -> received::Arp {
    match received::frame(frame) {
        Some(Message::Arp(arp)) => arp,
        other => panic!("not read as ARP: {other:?}"),
    }
}

#[test]
fn gratuitous_request() {
    let golden = arp_golden([0xff; 6], 1, (OURS, VIP4), ([0; 6], VIP4));
    let built = arp::gratuitous(Form::Request, OURS, VIP4);
    assert_eq!(built.to_vec(), golden);
    let read = read_arp(&built);
    assert_eq!(read.operation, ArpOperation::Request);
    assert_eq!((read.sender_mac, read.sender_ip), (OURS, VIP4));
    assert_eq!((read.target_mac, read.target_ip), ([0; 6], VIP4));
    assert_eq!((read.destination, read.source), ([0xff; 6], OURS));
}

#[test]
fn gratuitous_reply() {
    let golden = arp_golden([0xff; 6], 2, (OURS, VIP4), (OURS, VIP4));
    let built = arp::gratuitous(Form::Reply, OURS, VIP4);
    assert_eq!(built.to_vec(), golden);
    let read = read_arp(&built);
    assert_eq!(read.operation, ArpOperation::Reply);
    assert_eq!((read.target_mac, read.target_ip), (OURS, VIP4));
}

#[test]
fn probe() {
    let golden = arp_golden([0xff; 6], 1, (OURS, Ipv4Addr::UNSPECIFIED), ([0; 6], VIP4));
    let built = arp::probe(OURS, VIP4);
    assert_eq!(built.to_vec(), golden);
    assert!(read_arp(&built).is_probe_for(VIP4));
}

#[test]
fn directed_request_and_its_answer() {
    let golden = arp_golden(NEIGHBOUR_MAC, 1, (OURS, VIP4), ([0; 6], NEIGHBOUR4));
    let built = arp::directed_request(OURS, VIP4, NEIGHBOUR4, NEIGHBOUR_MAC);
    assert_eq!(built.to_vec(), golden);
    let read = read_arp(&built);
    assert_eq!(
        (read.destination, read.target_ip),
        (NEIGHBOUR_MAC, NEIGHBOUR4)
    );
    // The neighbour's answer, as its kernel sends it (RFC 826: a reply to
    // the asker, unicast).
    let answer = arp_golden(OURS, 2, (NEIGHBOUR_MAC, NEIGHBOUR4), (OURS, VIP4));
    let read = read_arp(&answer);
    assert_eq!(read.operation, ArpOperation::Reply);
    assert_eq!((read.destination, read.target_mac), (OURS, OURS));
    assert_eq!((read.sender_ip, read.target_ip), (NEIGHBOUR4, VIP4));
}

/// An IPv6 frame around an ICMPv6 message as the kernel sends one from a
/// raw socket (RFC 8200 header, the checksum filled in).
fn ipv6_frame(
    destination_mac: Mac,
    source: Ipv6Addr,
    destination: Ipv6Addr,
    message: &[u8],
) -> Vec<u8> {
    let mut message = message.to_vec();
    let sum = icmpv6::checksum(&Icmpv6Packet::new(&message).unwrap(), &source, &destination);
    message[2..4].copy_from_slice(&sum.to_be_bytes());
    let mut f = destination_mac.to_vec();
    f.extend_from_slice(&OURS);
    f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
    f.extend_from_slice(&(message.len() as u16).to_be_bytes());
    f.extend_from_slice(&[58, 255]);
    f.extend_from_slice(&source.octets());
    f.extend_from_slice(&destination.octets());
    f.extend_from_slice(&message);
    f
}

fn read_ndp(frame: &[u8]) -> received::Ndp {
    match received::frame(frame) {
        Some(Message::Ndp(ndp)) => ndp,
        other => panic!("not read as NDP: {other:?}"),
    }
}

#[test]
fn unsolicited_advertisement() {
    // RFC 4861 §4.4: type 136, code 0, checksum (the kernel's), flags
    // R=0 S=0 O=1, reserved, target, option 2 (target link-layer address).
    let mut golden = vec![136, 0, 0, 0, 0x20, 0, 0, 0];
    golden.extend_from_slice(&vip6().octets());
    golden.extend_from_slice(&[2, 1]);
    golden.extend_from_slice(&OURS);
    let built = ndp::unsolicited_advert(OURS, vip6());
    assert_eq!(built.to_vec(), golden);
    let on_the_wire = ipv6_frame([0x33, 0x33, 0, 0, 0, 1], vip6(), ndp::ALL_NODES, &built);
    let read = read_ndp(&on_the_wire);
    assert_eq!(read.destination, ndp::ALL_NODES);
    assert_eq!(
        read.kind,
        NdpKind::Advertisement {
            target: vip6(),
            solicited: false,
            target_mac: Some(OURS)
        }
    );
    assert_eq!(read.advertised_mac(vip6()), Some(OURS));
}

#[test]
fn directed_solicitation_and_its_answer() {
    // RFC 4861 §4.3: type 135, code 0, reserved, target, option 1 (source
    // link-layer address).
    let mut golden = vec![135, 0, 0, 0, 0, 0, 0, 0];
    golden.extend_from_slice(&neighbour6().octets());
    golden.extend_from_slice(&[1, 1]);
    golden.extend_from_slice(&OURS);
    let built = ndp::solicitation(OURS, neighbour6());
    assert_eq!(built.to_vec(), golden);
    let group = solicited_node(neighbour6());
    let group_mac = crate::net::ipv6_multicast_mac(group);
    let read = read_ndp(&ipv6_frame(group_mac, vip6(), group, &built));
    assert_eq!(
        read.kind,
        NdpKind::Solicitation {
            target: neighbour6(),
            source_mac: Some(OURS),
            nonce: None
        }
    );
    // The neighbour's solicited advertisement, to the VIP (§7.2.4).
    let mut answer = vec![136, 0, 0, 0, 0x60, 0, 0, 0];
    answer.extend_from_slice(&neighbour6().octets());
    answer.extend_from_slice(&[2, 1]);
    answer.extend_from_slice(&NEIGHBOUR_MAC);
    let read = read_ndp(&ipv6_frame(OURS, neighbour6(), vip6(), &answer));
    assert_eq!(read.destination, vip6());
    assert_eq!(
        read.kind,
        NdpKind::Advertisement {
            target: neighbour6(),
            solicited: true,
            target_mac: Some(NEIGHBOUR_MAC)
        }
    );
}

#[test]
fn dad_probe_with_nonce() {
    // RFC 4862 §5.4.2 and RFC 7527 §4: from ::, to the solicited-node
    // group, hop limit 255, no source link-layer option, a nonce option.
    let nonce = [1, 2, 3, 4, 5, 6];
    let built = ndp::dad_solicitation(OURS, vip6(), Some(nonce));
    let group = solicited_node(vip6());
    let mut golden = vec![0x33, 0x33, 0xff, 0x00, 0x00, 0x10];
    golden.extend_from_slice(&OURS);
    golden.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0, 0, 32, 58, 255]);
    golden.extend_from_slice(&[0; 16]);
    golden.extend_from_slice(&group.octets());
    golden.extend_from_slice(&[135, 0]);
    golden.extend_from_slice(&built[56..58]); // the checksum, checked on reading
    golden.extend_from_slice(&[0; 4]);
    golden.extend_from_slice(&vip6().octets());
    golden.extend_from_slice(&[14, 1]);
    golden.extend_from_slice(&nonce);
    assert_eq!(built, golden);
    let read = read_ndp(&built);
    assert_eq!(read.source, Ipv6Addr::UNSPECIFIED);
    assert_eq!(read.destination, group);
    assert_eq!(read.dad_probe_for(vip6()), Some((Some(OURS), Some(nonce))));
}

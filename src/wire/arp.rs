//! Gratuitous ARP frames, exactly as Debian's libnet send_arp builds them
//! (RFC 5944 §4.6 gives both forms):
//!
//! - request: sender IP = target IP = VIP, target MAC 00:00:00:00:00:00;
//! - reply:   sender IP = target IP = VIP, target MAC = sender MAC.
//!
//! Both go to the Ethernet broadcast address. Linux takes either inside its
//! 1 s neighbour `locktime` only in this shape (net/ipv4/arp.c,
//! `arp_is_garp`): a reply whose target MAC is broadcast or zero is ignored
//! there, so that shape is never sent.

use std::net::Ipv4Addr;

use pnet_base::MacAddr;
use pnet_packet::arp::{ArpHardwareTypes, ArpOperation, ArpOperations, MutableArpPacket};
use pnet_packet::ethernet::{EtherTypes, MutableEthernetPacket};

use crate::net::{Mac, BROADCAST_MAC};

/// Ethernet header (14) + ARP for IPv4 over Ethernet (28).
pub const FRAME_LEN: usize = 42;
const ETHERNET_HEADER_LEN: usize = 14;

/// Which gratuitous ARP forms a round sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Request,
    Reply,
}

/// A gratuitous ARP frame announcing `ip` at `mac`.
pub fn gratuitous(form: Form, mac: Mac, ip: Ipv4Addr) -> [u8; FRAME_LEN] {
    let target_mac = match form {
        Form::Request => [0; 6],
        Form::Reply => mac,
    };
    let operation = match form {
        Form::Request => ArpOperations::Request,
        Form::Reply => ArpOperations::Reply,
    };
    frame(operation, mac, ip, target_mac, ip, BROADCAST_MAC)
}

/// A directed ARP request "who-has `target_ip` tell `ip`" from `mac`: the
/// receiver of a request for itself records the sender (RFC 826), so it
/// learns `ip` is at `mac` even where it ignores gratuitous ARP.
pub fn directed_request(
    mac: Mac,
    ip: Ipv4Addr,
    target_ip: Ipv4Addr,
    destination: Mac,
) -> [u8; FRAME_LEN] {
    frame(
        ArpOperations::Request,
        mac,
        ip,
        [0; 6],
        target_ip,
        destination,
    )
}

/// An ARP probe (RFC 5227 §2.1.1): "who-has `ip`" from sender IP 0.0.0.0,
/// so that no neighbour's cache changes while every holder of `ip` answers.
pub fn probe(mac: Mac, ip: Ipv4Addr) -> [u8; FRAME_LEN] {
    frame(
        ArpOperations::Request,
        mac,
        Ipv4Addr::UNSPECIFIED,
        [0; 6],
        ip,
        BROADCAST_MAC,
    )
}

fn frame(
    operation: ArpOperation,
    sender_mac: Mac,
    sender_ip: Ipv4Addr,
    target_mac: Mac,
    target_ip: Ipv4Addr,
    destination: Mac,
) -> [u8; FRAME_LEN] {
    let mut buffer = [0u8; FRAME_LEN];
    {
        let mut ethernet = MutableEthernetPacket::new(&mut buffer).expect("frame fits");
        ethernet.set_destination(mac_addr(destination));
        ethernet.set_source(mac_addr(sender_mac));
        ethernet.set_ethertype(EtherTypes::Arp);
    }
    let mut arp = MutableArpPacket::new(&mut buffer[ETHERNET_HEADER_LEN..]).expect("frame fits");
    arp.set_hardware_type(ArpHardwareTypes::Ethernet);
    arp.set_protocol_type(EtherTypes::Ipv4);
    arp.set_hw_addr_len(6);
    arp.set_proto_addr_len(4);
    arp.set_operation(operation);
    arp.set_sender_hw_addr(mac_addr(sender_mac));
    arp.set_sender_proto_addr(sender_ip);
    arp.set_target_hw_addr(mac_addr(target_mac));
    arp.set_target_proto_addr(target_ip);
    buffer
}

fn mac_addr(bytes: Mac) -> MacAddr {
    MacAddr::new(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5])
}

//! ICMP Echo (RFC 792) and ICMPv6 Echo (RFC 4443 §4.1, §4.2), for the
//! self-healing monitor: an echo request from the VIP to a gateway comes
//! back only if the gateway sends to this node's MAC for the VIP, since its
//! reply is addressed to the VIP.
//!
//! Requests are built as a raw socket sends them (ICMP header onwards);
//! the kernel computes the ICMPv6 checksum, the ICMP one is ours. Replies
//! are read as raw sockets deliver them: IPv4 with its IP header, ICMPv6
//! without.

use std::net::IpAddr;

use pnet_packet::icmp::echo_reply::EchoReplyPacket;
use pnet_packet::icmp::echo_request::MutableEchoRequestPacket;
use pnet_packet::icmp::{self, IcmpPacket, IcmpTypes};
use pnet_packet::icmpv6::echo_reply::EchoReplyPacket as Echo6ReplyPacket;
use pnet_packet::icmpv6::echo_request::MutableEchoRequestPacket as MutableEcho6RequestPacket;
use pnet_packet::icmpv6::Icmpv6Types;
use pnet_packet::ipv4::Ipv4Packet;
use pnet_packet::Packet;

/// Type, code, checksum, identifier, sequence number.
const ECHO_HEADER_LEN: usize = 8;

/// An echo request with `identifier` and `sequence`, for `family`'s raw
/// ICMP socket.
pub fn request(ipv6: bool, identifier: u16, sequence: u16) -> [u8; ECHO_HEADER_LEN] {
    let mut buffer = [0u8; ECHO_HEADER_LEN];
    if ipv6 {
        let mut echo = MutableEcho6RequestPacket::new(&mut buffer).expect("echo fits");
        echo.set_icmpv6_type(Icmpv6Types::EchoRequest);
        echo.set_identifier(identifier);
        echo.set_sequence_number(sequence);
    } else {
        let mut echo = MutableEchoRequestPacket::new(&mut buffer).expect("echo fits");
        echo.set_icmp_type(IcmpTypes::EchoRequest);
        echo.set_identifier(identifier);
        echo.set_sequence_number(sequence);
        let sum = icmp::checksum(&IcmpPacket::new(echo.packet()).expect("echo fits"));
        echo.set_checksum(sum);
    }
    buffer
}

/// Whether `received` (from `from`) is the reply to our request
/// `identifier` from one of `asked`.
pub fn is_reply(received: &[u8], from: IpAddr, identifier: u16, asked: &[IpAddr]) -> bool {
    if !asked.contains(&from) {
        return false;
    }
    match from {
        IpAddr::V4(_) => Ipv4Packet::new(received)
            .filter(|ip| usize::from(ip.get_header_length()) * 4 <= received.len())
            .and_then(|ip| {
                let header = usize::from(ip.get_header_length()) * 4;
                let reply = EchoReplyPacket::new(&received[header..])?;
                Some(
                    reply.get_icmp_type() == IcmpTypes::EchoReply
                        && reply.get_identifier() == identifier,
                )
            })
            .unwrap_or(false),
        IpAddr::V6(_) => Echo6ReplyPacket::new(received).is_some_and(|reply| {
            reply.get_icmpv6_type() == Icmpv6Types::EchoReply
                && reply.get_identifier() == identifier
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pnet_packet::ipv4::MutableIpv4Packet;

    #[test]
    fn ipv4_request_carries_a_valid_checksum() {
        let bytes = request(false, 0x1234, 1);
        assert_eq!(bytes[0], 8, "echo request");
        assert_eq!(&bytes[4..8], &[0x12, 0x34, 0, 1]);
        // The ones' complement sum over a packet with its checksum is 0xffff.
        let sum: u32 = bytes
            .chunks(2)
            .map(|w| u32::from(u16::from_be_bytes([w[0], w[1]])))
            .sum();
        let folded = (sum & 0xffff) + (sum >> 16);
        assert_eq!(folded, 0xffff);
    }

    #[test]
    fn replies_match_identifier_and_sender() {
        let gateway: IpAddr = "192.0.2.254".parse().unwrap();
        let mut packet = [0u8; 28];
        {
            let mut ip = MutableIpv4Packet::new(&mut packet).unwrap();
            ip.set_version(4);
            ip.set_header_length(5);
        }
        packet[20..28].copy_from_slice(&request(false, 7, 1));
        packet[20] = 0; // echo reply
        assert!(is_reply(&packet, gateway, 7, &[gateway]));
        assert!(!is_reply(&packet, gateway, 8, &[gateway]), "other id");
        let other: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(!is_reply(&packet, other, 7, &[gateway]), "not asked");
        assert!(!is_reply(&packet[..10], gateway, 7, &[gateway]), "short");

        let gateway6: IpAddr = "2001:db8::fe".parse().unwrap();
        let mut reply6 = request(true, 7, 1);
        assert!(!is_reply(&reply6, gateway6, 7, &[gateway6]), "a request");
        reply6[0] = 129;
        assert!(is_reply(&reply6, gateway6, 7, &[gateway6]));
    }
}

//! Unsolicited Neighbour Advertisements (RFC 4861 §7.2.6): the IPv6
//! counterpart of gratuitous ARP, as send_ua sends them.
//!
//! To ff02::1 (all nodes) with hop limit 255 (receivers drop neighbour
//! discovery with any other), Override set so that existing entries are
//! replaced, Solicited and Router clear, and the Target Link-Layer Address
//! option carrying our MAC. The source is the VIP itself, which is why the
//! address must have left the tentative state first.

use std::io;
use std::net::Ipv6Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use pnet_packet::icmpv6::ndp::{
    MutableNeighborAdvertPacket, NdpOption, NdpOptionTypes, NeighborAdvertFlags,
};
use pnet_packet::icmpv6::Icmpv6Types;

/// ICMPv6 header (4) + flags and reserved (4) + target (16) + one option (8).
pub const ADVERT_LEN: usize = 32;
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
const NDP_HOP_LIMIT: libc::c_int = 255;

/// An unsolicited NA for `target` at `mac`. The checksum is left zero: the
/// kernel fills it in for raw ICMPv6 sockets.
pub fn unsolicited_advert(mac: [u8; 6], target: Ipv6Addr) -> [u8; ADVERT_LEN] {
    let mut buffer = [0u8; ADVERT_LEN];
    let mut advert = MutableNeighborAdvertPacket::new(&mut buffer).expect("advert fits");
    advert.set_icmpv6_type(Icmpv6Types::NeighborAdvert);
    advert.set_flags(NeighborAdvertFlags::Override);
    advert.set_target_addr(target);
    advert.set_options(&[NdpOption {
        option_type: NdpOptionTypes::TargetLLAddr,
        length: 1,
        data: mac.to_vec(),
    }]);
    buffer
}

/// A Neighbour Solicitation for `target`, to be sent from the VIP, with the
/// source link-layer address option: the target records the VIP at `mac`
/// (RFC 4861 §7.2.3) even where it drops unsolicited advertisements. The
/// checksum is left to the kernel.
pub fn solicitation(mac: [u8; 6], target: Ipv6Addr) -> [u8; ADVERT_LEN] {
    let mut message = [0u8; ADVERT_LEN];
    message[0] = 135;
    message[8..24].copy_from_slice(&target.octets());
    message[24] = 1; // source link-layer address
    message[25] = 1;
    message[26..32].copy_from_slice(&mac);
    message
}

/// The solicited-node multicast group of `target` (RFC 4291 §2.7.1).
pub fn solicited_node(target: Ipv6Addr) -> Ipv6Addr {
    let t = target.octets();
    Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(t[13]),
        u16::from_be_bytes([t[14], t[15]]),
    )
}

/// A duplicate-address-detection Neighbour Solicitation for `target` as a
/// whole Ethernet frame (RFC 4862 §5.4.2): from the unspecified address to
/// the target's solicited-node group, so every holder of `target` answers
/// with an advertisement to all nodes and no cache changes. Sent on a packet
/// socket because a raw ICMPv6 socket cannot send from `::`.
pub fn dad_solicitation(mac: [u8; 6], target: Ipv6Addr) -> Vec<u8> {
    let t = target.octets();
    let group = Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(t[13]),
        u16::from_be_bytes([t[14], t[15]]),
    );
    let mut icmp = vec![0u8; 24];
    icmp[0] = 135; // Neighbor Solicitation
    icmp[8..24].copy_from_slice(&t);
    let checksum = icmpv6_checksum(Ipv6Addr::UNSPECIFIED, group, &icmp);
    icmp[2..4].copy_from_slice(&checksum.to_be_bytes());

    let mut frame = Vec::with_capacity(14 + 40 + icmp.len());
    frame.extend_from_slice(&[0x33, 0x33, 0xff, t[13], t[14], t[15]]);
    frame.extend_from_slice(&mac);
    frame.extend_from_slice(&[0x86, 0xdd]);
    frame.extend_from_slice(&[0x60, 0, 0, 0]); // version 6, no class or flow
    frame.extend_from_slice(&(icmp.len() as u16).to_be_bytes());
    frame.push(58); // next header: ICMPv6
    frame.push(255); // hop limit
    frame.extend_from_slice(&Ipv6Addr::UNSPECIFIED.octets());
    frame.extend_from_slice(&group.octets());
    frame.extend_from_slice(&icmp);
    frame
}

/// The link-layer address an advertisement for `target` claims, when
/// `frame` is an Ethernet frame carrying one.
pub fn claimant(frame: &[u8], target: Ipv6Addr) -> Option<[u8; 6]> {
    let icmp = frame.get(54..)?;
    if frame.get(12..14)? != [0x86, 0xdd] || frame[20] != 58 || icmp.len() < 24 || icmp[0] != 136 {
        return None;
    }
    if icmp[8..24] != target.octets() {
        return None;
    }
    // The target link-layer address option, else the frame's source.
    let mut at = 24;
    while at + 8 <= icmp.len() {
        let (kind, units) = (icmp[at], usize::from(icmp[at + 1]));
        if units == 0 {
            break;
        }
        if kind == 2 && units == 1 {
            return Some(icmp[at + 2..at + 8].try_into().expect("six bytes"));
        }
        at += units * 8;
    }
    Some(frame[6..12].try_into().expect("six bytes"))
}

/// The ICMPv6 checksum over the pseudo-header (RFC 8200 §8.1).
fn icmpv6_checksum(source: Ipv6Addr, destination: Ipv6Addr, message: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for chunk in bytes.chunks(2) {
            let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
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

/// A raw ICMPv6 socket bound to the VIP on one interface.
pub struct Icmpv6Socket {
    fd: OwnedFd,
    ifindex: u32,
}

impl Icmpv6Socket {
    pub fn open(ifindex: u32, source: Ipv6Addr) -> io::Result<Icmpv6Socket> {
        // SAFETY: socket(2) with constant arguments; checked and owned.
        let fd = unsafe {
            libc::socket(
                libc::AF_INET6,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::IPPROTO_ICMPV6,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor nothing else owns.
        let socket = Icmpv6Socket {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            ifindex,
        };
        socket.set(libc::IPV6_MULTICAST_HOPS, NDP_HOP_LIMIT)?;
        socket.set(libc::IPV6_UNICAST_HOPS, NDP_HOP_LIMIT)?;
        socket.set(libc::IPV6_MULTICAST_IF, ifindex as libc::c_int)?;
        let address = sockaddr(source, ifindex);
        // SAFETY: address is a valid sockaddr_in6 for its length.
        let rc = unsafe {
            libc::bind(
                socket.fd.as_raw_fd(),
                (&address as *const libc::sockaddr_in6).cast(),
                std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(socket)
    }

    fn set(&self, option: libc::c_int, value: libc::c_int) -> io::Result<()> {
        // SAFETY: an int option with its size.
        let rc = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::IPPROTO_IPV6,
                option,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Sends one ICMPv6 message to all nodes on the link.
    pub fn send_all_nodes(&self, message: &[u8]) -> io::Result<()> {
        self.send_to(message, ALL_NODES)
    }

    /// Sends one ICMPv6 message to `group` on this interface.
    pub fn send_to(&self, message: &[u8], group: Ipv6Addr) -> io::Result<()> {
        let destination = sockaddr(group, self.ifindex);
        // SAFETY: message and destination are valid for their lengths.
        let sent = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                message.as_ptr().cast(),
                message.len(),
                0,
                (&destination as *const libc::sockaddr_in6).cast(),
                std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
            )
        };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

fn sockaddr(ip: Ipv6Addr, ifindex: u32) -> libc::sockaddr_in6 {
    // SAFETY: sockaddr_in6 is plain data; zeroed is valid.
    let mut address: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    address.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    address.sin6_addr.s6_addr = ip.octets();
    // Needed for link-local and multicast destinations; harmless otherwise.
    address.sin6_scope_id = ifindex;
    address
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dad_solicitation_fields() {
        let mac = [0x02, 0, 0x5e, 1, 2, 3];
        let target: Ipv6Addr = "2001:db8::1:2:3".parse().unwrap();
        let f = dad_solicitation(mac, target);
        assert_eq!(
            &f[0..6],
            &[0x33, 0x33, 0xff, 0x02, 0x00, 0x03],
            "solicited-node MAC"
        );
        assert_eq!(f[21], 255, "hop limit");
        assert_eq!(&f[22..38], &[0; 16], "from ::");
        assert_eq!(
            &f[38..54],
            &"ff02::1:ff02:3".parse::<Ipv6Addr>().unwrap().octets()
        );
        assert_eq!(f[54], 135);
        // A correct checksum makes the sum over pseudo-header and message 0.
        let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&f[38..54]).unwrap());
        assert_eq!(icmpv6_checksum(Ipv6Addr::UNSPECIFIED, dst, &f[54..]), 0);
    }

    #[test]
    fn advert_fields() {
        let mac = [0x02, 0, 0x5e, 1, 2, 3];
        let target: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let a = unsolicited_advert(mac, target);
        assert_eq!(a[0], 136, "Neighbor Advertisement");
        assert_eq!(a[1], 0, "code");
        assert_eq!(a[4], 0x20, "Override only: not Router, not Solicited");
        assert_eq!(&a[5..8], &[0, 0, 0]);
        assert_eq!(&a[8..24], &target.octets());
        assert_eq!(
            &a[24..26],
            &[2, 1],
            "target link-layer address option, 8 bytes"
        );
        assert_eq!(&a[26..32], &mac);
    }
}

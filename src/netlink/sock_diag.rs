//! NETLINK_SOCK_DIAG for TCP (linux/inet_diag.h): the node's connections
//! whose local address is the VIP, and SOCK_DESTROY (Linux 4.5,
//! CONFIG_INET_DIAG_DESTROY), which aborts one as `ss -K` does: the kernel
//! sends the peer a RST and the owner's next call fails with ECONNABORTED.
//!
//! The messages are small fixed structures the pinned netlink crates have
//! no types for; they are laid out here field by field.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Instant;

use netlink_packet_core::{NLM_F_ACK, NLM_F_DUMP};
use netlink_sys::protocols::NETLINK_SOCK_DIAG;

use super::{ErrorKind, Netlink, Result};

const SOCK_DIAG_BY_FAMILY: u16 = 20;
const SOCK_DESTROY: u16 = 21;
const IPPROTO_TCP: u8 = 6;
/// sizeof(struct inet_diag_req_v2), sizeof(struct inet_diag_msg).
const REQUEST_LEN: usize = 56;
const MESSAGE_LEN: usize = 72;
/// Where struct inet_diag_sockid sits in each, and its size.
const ID_IN_REQUEST: usize = 8;
const ID_IN_MESSAGE: usize = 4;
const ID_LEN: usize = 48;

/// TCP states (include/net/tcp_states.h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TcpState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    NewSynRecv,
}

impl TcpState {
    fn from_wire(state: u8) -> Option<TcpState> {
        use TcpState::*;
        Some(match state {
            1 => Established,
            2 => SynSent,
            3 => SynRecv,
            4 => FinWait1,
            5 => FinWait2,
            6 => TimeWait,
            7 => Close,
            8 => CloseWait,
            9 => LastAck,
            10 => Listen,
            11 => Closing,
            12 => NewSynRecv,
            _ => return None,
        })
    }

    /// The name `ss` prints.
    pub fn as_str(self) -> &'static str {
        use TcpState::*;
        match self {
            Established => "established",
            SynSent => "syn-sent",
            SynRecv => "syn-recv",
            FinWait1 => "fin-wait-1",
            FinWait2 => "fin-wait-2",
            TimeWait => "time-wait",
            Close => "close",
            CloseWait => "close-wait",
            LastAck => "last-ack",
            Listen => "listen",
            Closing => "closing",
            NewSynRecv => "new-syn-recv",
        }
    }

    /// A connection with a peer that may still wait on it: aborting it
    /// sends that peer a RST. Time-wait and closed sockets have nobody
    /// waiting, listening ones are the services', request sockets go with
    /// their listener's queue.
    pub fn has_a_waiting_peer(self) -> bool {
        use TcpState::*;
        matches!(
            self,
            Established | SynSent | SynRecv | FinWait1 | FinWait2 | CloseWait | LastAck | Closing
        )
    }
}

/// One TCP socket of this node whose local address is the VIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    family: u8,
    /// struct inet_diag_sockid as the kernel reported it (ports, addresses,
    /// interface, cookie): what SOCK_DESTROY names the socket by.
    id: [u8; ID_LEN],
    pub state: TcpState,
    pub local: SocketAddr,
    pub remote: SocketAddr,
}

/// A NETLINK_SOCK_DIAG socket, in the network namespace it was opened in.
pub struct SockDiag(Netlink);

impl SockDiag {
    pub fn open() -> Result<SockDiag> {
        Netlink::open_protocol(NETLINK_SOCK_DIAG).map(SockDiag)
    }

    /// Every TCP socket, listening ones excepted, whose local address is
    /// `ip`: for an IPv4 address also the dual-stack sockets that carry it
    /// as `::ffff:<ip>`.
    pub fn connections(&mut self, ip: IpAddr) -> Result<Vec<Connection>> {
        let mut found = Vec::new();
        let families: &[u8] = match ip {
            IpAddr::V4(_) => &[libc::AF_INET as u8, libc::AF_INET6 as u8],
            IpAddr::V6(_) => &[libc::AF_INET6 as u8],
        };
        let listening = 1u32 << 10;
        for family in families {
            let request = request(*family, 0x0fff & !listening, &[0; ID_LEN]);
            let sequence = self.0.send_raw(SOCK_DIAG_BY_FAMILY, &request, NLM_F_DUMP)?;
            self.0.receive(sequence, |kind, payload| {
                if kind == SOCK_DIAG_BY_FAMILY {
                    found.extend(decode(payload).filter(|c| is_local_address(c.local.ip(), ip)));
                }
                Ok(())
            })?;
        }
        Ok(found)
    }

    /// Aborts `connection` (SOCK_DESTROY). One that is gone by now is
    /// `Ok(false)`; a kernel without SOCK_DESTROY answers EOPNOTSUPP.
    pub fn destroy(&mut self, connection: &Connection) -> Result<bool> {
        if crate::sys::fallbacks::forced("sock-destroy") {
            return Err(std::io::Error::from_raw_os_error(libc::EOPNOTSUPP).into());
        }
        let request = request(connection.family, u32::MAX, &connection.id);
        let sequence = self.0.send_raw(SOCK_DESTROY, &request, NLM_F_ACK)?;
        match self.0.receive(sequence, |_, _| Ok(())) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether this kernel can abort sockets: a SOCK_DESTROY for a socket
    /// that does not exist answers ENOENT where it can, EOPNOTSUPP where
    /// CONFIG_INET_DIAG_DESTROY is unset.
    pub fn can_destroy(&mut self) -> Result<bool> {
        if crate::sys::fallbacks::forced("sock-destroy") {
            return Ok(false);
        }
        let request = request(libc::AF_INET as u8, u32::MAX, &[0; ID_LEN]);
        let sequence = self.0.send_raw(SOCK_DESTROY, &request, NLM_F_ACK)?;
        match self.0.receive(sequence, |_, _| Ok(())) {
            Err(e) if e.kind() == ErrorKind::NotSupported => Ok(false),
            _ => Ok(true),
        }
    }
}

/// What became of aborting a VIP's connections.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reset {
    pub found: usize,
    pub reset: usize,
    /// Left because the deadline came first.
    pub left: usize,
}

impl SockDiag {
    /// Aborts every connection of `ip` that has a waiting peer, until
    /// `deadline`.
    pub fn reset_connections(&mut self, ip: IpAddr, deadline: Instant) -> Result<Reset> {
        let connections: Vec<Connection> = self
            .connections(ip)?
            .into_iter()
            .filter(|c| c.state.has_a_waiting_peer())
            .collect();
        let mut outcome = Reset {
            found: connections.len(),
            ..Reset::default()
        };
        for (done, connection) in connections.iter().enumerate() {
            if Instant::now() >= deadline {
                outcome.left = connections.len() - done;
                break;
            }
            if self.destroy(connection)? {
                outcome.reset += 1;
            }
        }
        Ok(outcome)
    }
}

fn request(family: u8, states: u32, id: &[u8; ID_LEN]) -> [u8; REQUEST_LEN] {
    let mut bytes = [0u8; REQUEST_LEN];
    bytes[0] = family;
    bytes[1] = IPPROTO_TCP;
    bytes[4..8].copy_from_slice(&states.to_ne_bytes());
    bytes[ID_IN_REQUEST..ID_IN_REQUEST + ID_LEN].copy_from_slice(id);
    bytes
}

/// One struct inet_diag_msg; `None` for anything shorter or unknown.
fn decode(payload: &[u8]) -> Option<Connection> {
    let message = payload.get(..MESSAGE_LEN)?;
    let family = message[0];
    let state = TcpState::from_wire(message[1])?;
    let id: [u8; ID_LEN] = message[ID_IN_MESSAGE..ID_IN_MESSAGE + ID_LEN]
        .try_into()
        .ok()?;
    let port = |at: usize| u16::from_be_bytes([id[at], id[at + 1]]);
    let address = |at: usize| -> Option<IpAddr> {
        let bytes = &id[at..at + 16];
        match i32::from(family) {
            libc::AF_INET => Some(IpAddr::V4(Ipv4Addr::new(
                bytes[0], bytes[1], bytes[2], bytes[3],
            ))),
            libc::AF_INET6 => Some(IpAddr::V6(Ipv6Addr::from(
                <[u8; 16]>::try_from(bytes).ok()?,
            ))),
            _ => None,
        }
    };
    Some(Connection {
        family,
        id,
        state,
        local: SocketAddr::new(address(4)?, port(0)),
        remote: SocketAddr::new(address(20)?, port(2)),
    })
}

/// Whether a socket's local address is the VIP (an IPv4 VIP as itself or
/// as the IPv4-mapped address of a dual-stack socket).
fn is_local_address(local: IpAddr, vip: IpAddr) -> bool {
    match (local, vip) {
        (IpAddr::V6(v6), IpAddr::V4(v4)) => v6.to_ipv4_mapped() == Some(v4),
        _ => local == vip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An inet_diag_msg as the kernel lays it out: an established IPv4
    /// connection 192.0.2.10:443 ← 198.51.100.7:50000 on interface 2.
    fn message() -> Vec<u8> {
        let mut m = vec![0u8; MESSAGE_LEN];
        m[0] = libc::AF_INET as u8;
        m[1] = 1;
        m[4..6].copy_from_slice(&443u16.to_be_bytes());
        m[6..8].copy_from_slice(&50000u16.to_be_bytes());
        m[8..12].copy_from_slice(&[192, 0, 2, 10]);
        m[24..28].copy_from_slice(&[198, 51, 100, 7]);
        m[44..48].copy_from_slice(&2u32.to_ne_bytes());
        m
    }

    #[test]
    fn a_diag_message_decodes_and_names_its_socket_for_destroy() {
        let connection = decode(&message()).unwrap();
        assert_eq!(connection.state, TcpState::Established);
        assert_eq!(connection.local, "192.0.2.10:443".parse().unwrap());
        assert_eq!(connection.remote, "198.51.100.7:50000".parse().unwrap());
        let request = request(connection.family, u32::MAX, &connection.id);
        assert_eq!(
            &request[ID_IN_REQUEST..ID_IN_REQUEST + ID_LEN],
            &message()[4..52]
        );
        assert_eq!(request[1], IPPROTO_TCP);
        assert!(decode(&message()[..40]).is_none(), "short");
    }

    #[test]
    fn the_vip_is_matched_as_itself_and_ipv4_mapped() {
        let vip: IpAddr = "192.0.2.10".parse().unwrap();
        assert!(is_local_address(vip, vip));
        assert!(is_local_address("::ffff:192.0.2.10".parse().unwrap(), vip));
        assert!(!is_local_address("192.0.2.11".parse().unwrap(), vip));
        let v6: IpAddr = "2001:db8::10".parse().unwrap();
        assert!(is_local_address(v6, v6));
        assert!(!is_local_address("::ffff:192.0.2.10".parse().unwrap(), v6));
    }

    #[test]
    fn only_connections_with_a_waiting_peer_are_reset() {
        assert!(TcpState::Established.has_a_waiting_peer());
        assert!(TcpState::CloseWait.has_a_waiting_peer());
        for quiet in [
            TcpState::Listen,
            TcpState::TimeWait,
            TcpState::Close,
            TcpState::NewSynRecv,
        ] {
            assert!(!quiet.has_a_waiting_peer(), "{quiet:?}");
        }
    }
}

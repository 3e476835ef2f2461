//! A thin, synchronous rtnetlink client: one socket, one request at a time,
//! the kernel's answers decoded into small types of our own.
//!
//! Nothing of the pinned netlink crates shows in this module's API: callers
//! see the small types of src/netlink/types.rs and an [`Error`] whose
//! [`ErrorKind`] tells EEXIST from ENODEV from EPERM, so an upgrade of the
//! pinned crates touches src/netlink only.

mod addresses;
mod events;
mod link_routes;
mod links;
mod neighbours;
mod routes;
mod sock_diag;
mod types;

pub use addresses::{Address, INFINITY_LIFE_TIME};
pub use events::{Events, Wakeup};
pub use link_routes::{LinkRoutes, RoutesByLink};
pub use links::Link;
pub use routes::{LocalRoute, Route, RouteFilter, TABLE_LOCAL, TABLE_MAIN};
pub use sock_diag::{SockDiag, TcpState};
pub use types::{AddressFlags, Error, ErrorKind, Family, Name, OperState, Result, Scope};

use std::io;

use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, ParseableParametrized,
    NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR,
    NLM_F_MULTIPART, NLM_F_REQUEST,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

/// Large enough for any single datagram the kernel sends a dump reader
/// that offers this much (it fills up to the reader's buffer size).
const RECV_BUFFER: usize = 64 * 1024;

/// How often an interrupted dump (the table changed while we read it) is
/// retried before we give up.
const DUMP_RETRIES: usize = 5;

pub struct Netlink {
    socket: Socket,
    sequence: u32,
    buffer: Vec<u8>,
}

impl Netlink {
    pub fn open() -> Result<Netlink> {
        Netlink::open_protocol(NETLINK_ROUTE)
    }

    fn open_protocol(protocol: isize) -> Result<Netlink> {
        let mut socket = Socket::new(protocol)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Netlink {
            socket,
            sequence: 0,
            buffer: vec![0; RECV_BUFFER],
        })
    }

    fn send(&mut self, message: RouteNetlinkMessage, flags: u16) -> Result<u32> {
        self.sequence = self.sequence.wrapping_add(1);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = self.sequence;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::from(message));
        packet.finalize();
        let mut bytes = vec![0; packet.buffer_len()];
        packet.serialize(&mut bytes);
        self.socket.send(&bytes, 0)?;
        Ok(self.sequence)
    }

    /// A request the pinned crate has no type for: `payload` after a
    /// netlink header of type `kind`; the one reply decoded by `decode`.
    fn request_raw<T>(
        &mut self,
        kind: u16,
        payload: &[u8],
        flags: u16,
        decode: impl FnMut(u16, &[u8]) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let sequence = self.send_raw(kind, payload, flags)?;
        self.receive_one(sequence, decode)
    }

    /// The one reply to request `sequence`, decoded by `decode`.
    fn receive_one<T>(
        &mut self,
        sequence: u32,
        mut decode: impl FnMut(u16, &[u8]) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let mut reply = None;
        self.receive(sequence, |kind, payload| {
            reply = decode(kind, payload)?;
            Ok(())
        })?;
        Ok(reply)
    }

    /// Sends `payload` after a netlink header of type `kind`; its
    /// sequence number.
    fn send_raw(&mut self, kind: u16, payload: &[u8], flags: u16) -> Result<u32> {
        const HEADER_LEN: usize = 16;
        self.sequence = self.sequence.wrapping_add(1);
        let length = u32::try_from(HEADER_LEN + payload.len()).expect("a small request");
        let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
        bytes.extend_from_slice(&length.to_ne_bytes());
        bytes.extend_from_slice(&kind.to_ne_bytes());
        bytes.extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
        bytes.extend_from_slice(&self.sequence.to_ne_bytes());
        bytes.extend_from_slice(&0u32.to_ne_bytes());
        bytes.extend_from_slice(payload);
        self.socket.send(&bytes, 0)?;
        Ok(self.sequence)
    }

    /// Receives the replies to request `sequence`, handing each message's
    /// type and payload to `each` undecoded, until the request is
    /// complete. Returns whether a dump was interrupted by a concurrent
    /// change. Decoding is the caller's, message by message, so that what
    /// one message holds (a name that is not UTF-8, an attribute the
    /// pinned crate does not know) never fails the others.
    fn receive(
        &mut self,
        sequence: u32,
        mut each: impl FnMut(u16, &[u8]) -> Result<()>,
    ) -> Result<bool> {
        let mut interrupted = false;
        loop {
            let size = self.socket.recv(&mut &mut self.buffer[..], 0)?;
            let mut offset = 0;
            while offset < size {
                let packet = NetlinkBuffer::new_checked(&self.buffer[offset..size])
                    .map_err(|e| invalid(format!("a malformed netlink message: {e}")))?;
                let length = packet.length() as usize;
                offset += (length + 3) & !3;
                if packet.sequence_number() != sequence {
                    continue;
                }
                let flags = packet.flags();
                if flags & NLM_F_DUMP_INTR != 0 {
                    interrupted = true;
                }
                let payload = packet.payload();
                match packet.message_type() {
                    NLMSG_NOOP | NLMSG_OVERRUN => {}
                    // An acknowledgement (0) or the request's errno.
                    NLMSG_ERROR => {
                        return match errno_in(payload) {
                            0 => Ok(interrupted),
                            errno => Err(io::Error::from_raw_os_error(-errno).into()),
                        }
                    }
                    // A dump that failed midway says so in its Done.
                    NLMSG_DONE => {
                        return match errno_in(payload) {
                            errno if errno < 0 => Err(io::Error::from_raw_os_error(-errno).into()),
                            _ => Ok(interrupted),
                        }
                    }
                    kind => {
                        each(kind, payload)?;
                        // A reply to a plain get is one message, no Done.
                        if flags & NLM_F_MULTIPART == 0 {
                            return Ok(interrupted);
                        }
                    }
                }
            }
        }
    }

    /// A request the kernel acknowledges (add, delete, set).
    fn execute(&mut self, message: RouteNetlinkMessage, flags: u16) -> Result<()> {
        let sequence = self.send(message, NLM_F_ACK | flags)?;
        self.receive(sequence, |_, _| Ok(()))?;
        Ok(())
    }

    /// A request answered by exactly one message (get by index or name),
    /// decoded by `decode`.
    fn get<T>(
        &mut self,
        message: RouteNetlinkMessage,
        decode: impl FnMut(u16, &[u8]) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let sequence = self.send(message, 0)?;
        self.receive_one(sequence, decode)
    }

    /// A dump, each message decoded by `decode` (`None` skips it), retried
    /// when the kernel says it was interrupted so that the result is one
    /// consistent view of the table.
    fn dump<T>(
        &mut self,
        message: RouteNetlinkMessage,
        mut decode: impl FnMut(u16, &[u8]) -> Result<Option<T>>,
    ) -> Result<Vec<T>> {
        self.fold_dump(message, &Vec::new, |items, kind, payload| {
            items.extend(decode(kind, payload)?);
            Ok(())
        })
    }

    /// A dump folded message by message into a fresh `init()`; an
    /// interrupted dump starts again from `init()`, so the result is one
    /// consistent view of the table.
    fn fold_dump<T>(
        &mut self,
        message: RouteNetlinkMessage,
        init: &impl Fn() -> T,
        mut each: impl FnMut(&mut T, u16, &[u8]) -> Result<()>,
    ) -> Result<T> {
        for _ in 0..DUMP_RETRIES {
            let sequence = self.send(message.clone(), NLM_F_DUMP)?;
            let mut state = init();
            let interrupted =
                self.receive(sequence, |kind, payload| each(&mut state, kind, payload))?;
            if !interrupted {
                return Ok(state);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "the kernel's table kept changing while it was read",
        )
        .into())
    }
}

/// The errno an NLMSG_ERROR or NLMSG_DONE carries (negative, or 0).
fn errno_in(payload: &[u8]) -> i32 {
    payload
        .get(..4)
        .map_or(0, |bytes| i32::from_ne_bytes(bytes.try_into().unwrap()))
}

fn invalid(message: String) -> Error {
    Error::from(io::Error::new(io::ErrorKind::InvalidData, message))
}

/// A message decoded whole by the pinned crate: for tables whose messages
/// hold no strings (routes, neighbours, address labels). One it cannot
/// decode is an error, never a silently shorter table.
fn decode_whole(kind: u16, payload: &[u8]) -> Result<RouteNetlinkMessage> {
    RouteNetlinkMessage::parse_with_param(payload, kind)
        .map_err(|e| invalid(format!("Failed to parse message with type {kind}: {e}")))
}

//! A thin, synchronous rtnetlink client: one socket, one request at a time,
//! the kernel's answers decoded into small types of our own.
//!
//! Nothing of the pinned netlink crates shows in this module's API: callers
//! see the small types of src/netlink/types.rs and an [`Error`] whose
//! [`ErrorKind`] tells EEXIST from ENODEV from EPERM, so an upgrade of the
//! pinned crates touches src/netlink only.

mod addresses;
mod events;
mod links;
mod neighbours;
mod routes;
mod types;

pub use addresses::{Address, INFINITY_LIFE_TIME};
pub use events::{Events, Wakeup};
pub use links::Link;
pub use neighbours::Neighbour;
pub use routes::{Route, TABLE_LOCAL, TABLE_MAIN};
pub use types::{AddressFlags, Error, ErrorKind, Family, OperState, Result, Scope};

use std::io;

use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR,
    NLM_F_REQUEST,
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
        let mut socket = Socket::new(NETLINK_ROUTE)?;
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

    /// Receives the replies to request `sequence`, handing each inner
    /// message to `each`, until the request is complete. Returns whether a
    /// dump was interrupted by a concurrent change.
    fn receive(
        &mut self,
        sequence: u32,
        mut each: impl FnMut(RouteNetlinkMessage),
    ) -> Result<bool> {
        let mut interrupted = false;
        loop {
            let size = self.socket.recv(&mut &mut self.buffer[..], 0)?;
            let mut offset = 0;
            while offset < size {
                let packet =
                    NetlinkMessage::<RouteNetlinkMessage>::deserialize(&self.buffer[offset..size])
                        .map_err(|e| {
                            Error::from(io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
                        })?;
                let length = packet.header.length as usize;
                if length == 0 {
                    break;
                }
                offset += (length + 3) & !3;
                if packet.header.sequence_number != sequence {
                    continue;
                }
                if packet.header.flags & NLM_F_DUMP_INTR != 0 {
                    interrupted = true;
                }
                match packet.payload {
                    NetlinkPayload::InnerMessage(message) => {
                        each(message);
                        // A reply to a plain get is one message, no Done.
                        if packet.header.flags & netlink_packet_core::NLM_F_MULTIPART == 0 {
                            return Ok(interrupted);
                        }
                    }
                    NetlinkPayload::Done(_) => return Ok(interrupted),
                    NetlinkPayload::Error(error) => {
                        return match error.code {
                            None => Ok(interrupted),
                            Some(_) => Err(error.to_io().into()),
                        }
                    }
                    NetlinkPayload::Noop | NetlinkPayload::Overrun(_) => {}
                    _ => {}
                }
            }
        }
    }

    /// A request the kernel acknowledges (add, delete, set).
    fn execute(&mut self, message: RouteNetlinkMessage, flags: u16) -> Result<()> {
        let sequence = self.send(message, NLM_F_ACK | flags)?;
        self.receive(sequence, |_| {})?;
        Ok(())
    }

    /// A request answered by exactly one message (get by index or name).
    fn get(&mut self, message: RouteNetlinkMessage) -> Result<Option<RouteNetlinkMessage>> {
        let sequence = self.send(message, 0)?;
        let mut reply = None;
        self.receive(sequence, |m| reply = Some(m))?;
        Ok(reply)
    }

    /// A dump, retried when the kernel says it was interrupted so that the
    /// result is one consistent view of the table.
    fn dump(&mut self, message: RouteNetlinkMessage) -> Result<Vec<RouteNetlinkMessage>> {
        for _ in 0..DUMP_RETRIES {
            let sequence = self.send(message.clone(), NLM_F_DUMP)?;
            let mut messages = Vec::new();
            let interrupted = self.receive(sequence, |m| messages.push(m))?;
            if !interrupted {
                return Ok(messages);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "the kernel's table kept changing while it was read",
        )
        .into())
    }
}

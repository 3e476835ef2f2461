//! Address events (RTNLGRP_IPV6_IFADDR), for waiting on duplicate address
//! detection without sleep-polling. Subscribe before adding the address, so
//! no change can slip between the add and the wait.

use std::io;
use std::time::Instant;

use netlink_sys::{protocols::NETLINK_ROUTE, Socket};

use super::Result;
use crate::sys::poll;

/// The kernel's multicast group for IPv6 address changes.
const RTNLGRP_IPV6_IFADDR: u32 = libc::RTNLGRP_IPV6_IFADDR;

pub struct AddressEvents {
    socket: Socket,
    buffer: Vec<u8>,
}

/// What waiting for an event found.
pub enum Wakeup {
    /// Something changed (or may have: the kernel dropped events when our
    /// queue overflowed): look again.
    Changed,
    TimedOut,
}

impl AddressEvents {
    pub fn subscribe_ipv6() -> Result<AddressEvents> {
        let mut socket = Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        socket.add_membership(RTNLGRP_IPV6_IFADDR)?;
        Ok(AddressEvents {
            socket,
            buffer: vec![0; 64 * 1024],
        })
    }

    /// Waits until an address event arrives or `deadline` passes. The
    /// events themselves are not decoded: the caller re-reads the state,
    /// which is also the right answer to ENOBUFS (lost events).
    pub fn wait(&mut self, deadline: Instant) -> Result<Wakeup> {
        if Instant::now() >= deadline {
            return Ok(Wakeup::TimedOut);
        }
        if !poll::wait_readable(&self.socket, deadline)? {
            return Ok(Wakeup::TimedOut);
        }
        match self
            .socket
            .recv(&mut &mut self.buffer[..], libc::MSG_DONTWAIT)
        {
            Ok(_) => Ok(Wakeup::Changed),
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => Ok(Wakeup::Changed),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Wakeup::Changed),
            Err(e) => Err(e.into()),
        }
    }
}

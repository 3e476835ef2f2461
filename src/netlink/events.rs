//! rtnetlink events, for waiting on the kernel without sleep-polling:
//! IPv6 address changes (RTNLGRP_IPV6_IFADDR), the end of duplicate
//! address detection; link changes (RTNLGRP_LINK), a carrier coming back.
//! Subscribe before the change can happen (before adding the address,
//! before looking at the carrier), so that none slips between the look
//! and the wait.

use std::io;
use std::time::Instant;

use netlink_sys::{protocols::NETLINK_ROUTE, Socket};

use super::Result;
use crate::sys::poll;

pub struct Events {
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

impl Events {
    /// Changes of IPv6 addresses.
    pub fn ipv6_addresses() -> Result<Events> {
        Events::subscribe(libc::RTNLGRP_IPV6_IFADDR)
    }

    /// Changes of links (flags, operstate, carrier).
    pub fn links() -> Result<Events> {
        Events::subscribe(libc::RTNLGRP_LINK)
    }

    fn subscribe(group: u32) -> Result<Events> {
        let mut socket = Socket::new(NETLINK_ROUTE)?;
        socket.bind_auto()?;
        socket.add_membership(group)?;
        Ok(Events {
            socket,
            buffer: vec![0; 64 * 1024],
        })
    }

    /// Waits until an event arrives or `deadline` passes. The
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

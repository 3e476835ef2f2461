//! reset_connections: when the VIP leaves this node gracefully, the
//! clients of its TCP connections are told at once (a RST each) instead of
//! waiting on a connection nobody will ever answer again (for hours, with
//! TCP keepalive's defaults). The order is what makes it work:
//!
//! 1. the VIP's local routes are withdrawn: the node stops accepting
//!    packets for it (a client's immediate reconnect must not land here
//!    again) but can still send from it;
//! 2. every connected TCP socket whose local address is the VIP (IPv4-
//!    mapped ones of dual-stack sockets too) is aborted with SOCK_DESTROY:
//!    the kernel sends each peer a RST; listening sockets and every other
//!    connection are left alone;
//! 3. the address is removed (stop's own work), which takes the local
//!    routes with it. If it cannot be, the routes are put back.

use std::net::IpAddr;
use std::time::Instant;

use crate::netlink::{ErrorKind, LocalRoute, Netlink, SockDiag, TcpState};
use crate::ocf::log;

/// Steps 1 and 2; the routes withdrawn, for [`restore`] should the
/// address stay. Never fails: what cannot be done is a warning, and stop
/// goes on to remove the address.
pub fn reset_before_removal(
    netlink: &mut Netlink,
    ip: IpAddr,
    deadline: Instant,
) -> Vec<LocalRoute> {
    let withdrawn = netlink.withdraw_local_routes(ip).unwrap_or_else(|e| {
        log::warn(format!(
            "reset_connections: could not withdraw the local route of {ip} ({e}): \
             a client may reconnect to this node before the address is gone"
        ));
        Vec::new()
    });
    let outcome = SockDiag::open().and_then(|mut diag| diag.reset_connections(ip, deadline));
    match outcome {
        Ok(reset) if reset.left > 0 => log::warn(format!(
            "reset_connections: reset {} of {} TCP connection(s) of {ip}; {} left to time out: \
             stop's timeout came first",
            reset.reset, reset.found, reset.left
        )),
        Ok(reset) => log::info(format!(
            "reset_connections: reset {} TCP connection(s) of {ip} before removing it",
            reset.reset
        )),
        Err(e) if e.kind() == ErrorKind::NotSupported => log::warn(format!(
            "reset_connections: this kernel cannot abort sockets (SOCK_DESTROY needs \
             CONFIG_INET_DIAG_DESTROY): the connections of {ip} are left to time out"
        )),
        Err(e) => log::warn(format!(
            "reset_connections: could not reset the connections of {ip}: {e}"
        )),
    }
    withdrawn
}

/// The address could not be removed: it keeps serving, so its local
/// routes come back.
pub fn restore(netlink: &mut Netlink, ip: IpAddr, withdrawn: &[LocalRoute]) {
    if let Err(e) = netlink.restore_local_routes(withdrawn) {
        log::error(format!(
            "reset_connections: could not put back the local route of {ip}: {e}"
        ));
    }
}

/// validate-all's warning where reset_connections cannot work.
pub fn warn_if_unsupported(ip: IpAddr) {
    match SockDiag::open().and_then(|mut diag| diag.can_destroy()) {
        Ok(true) => {}
        Ok(false) => log::warn(format!(
            "reset_connections is set, but this kernel cannot abort sockets (SOCK_DESTROY needs \
             CONFIG_INET_DIAG_DESTROY): at stop the connections of {ip} will be left to time out"
        )),
        Err(e) => log::warn(format!(
            "reset_connections is set, but sock_diag cannot be asked ({e})"
        )),
    }
}

/// The VIP's TCP connections by state, for `floatip show` (listening
/// sockets are not connections); `None` when they cannot be read.
pub fn by_state(ip: IpAddr) -> Option<Vec<(TcpState, usize)>> {
    let connections = SockDiag::open()
        .and_then(|mut diag| diag.connections(ip))
        .ok()?;
    let mut counts: Vec<(TcpState, usize)> = Vec::new();
    for connection in connections {
        match counts
            .iter_mut()
            .find(|(state, _)| *state == connection.state)
        {
            Some((_, count)) => *count += 1,
            None => counts.push((connection.state, 1)),
        }
    }
    counts.sort();
    Some(counts)
}

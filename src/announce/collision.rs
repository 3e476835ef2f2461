//! A duplicate heard late: after dad_mode=probe's 150 ms the address is
//! added and announced, but listening goes on until the last probe + 1 s
//! (see [`crate::announce::probe::LateWatch`]). A late claim withdraws the
//! address. While start is still in the foreground it fails with the
//! reason; after it returned, the detached sender withdraws the address
//! and leaves a record beside its pid file, so that the next monitor
//! answers 1 with the reason (the address is gone, and 7 would tell
//! Pacemaker the VIP stopped cleanly). stop and the next start clear it.
//! The record is trusted only where nobody else can write it
//! ([`crate::state`]).

use std::net::IpAddr;
use std::path::Path;

use crate::config::paths;
use crate::net::{format_mac, Mac};
use crate::netlink::Netlink;
use crate::ocf::log;
use crate::ocf::messages;
use crate::state;

/// A record holds one reason line.
const RECORD_LIMIT: usize = 512;

/// The exit reason (and log lines, IPaddr2's wording first) of a late
/// claim by `mac`.
pub fn reason(ip: IpAddr, mac: Mac, link_name: &str) -> String {
    log::error(messages::collision(ip));
    format!(
        "{}: {} answered for it on {link_name} \
         within a second of the probes (a proxy or a late holder): the address was removed",
        messages::collision(ip),
        format_mac(mac)
    )
}

/// Removes `ip` from interface `ifindex`, if it is there.
pub fn withdraw(netlink: &mut Netlink, ip: IpAddr, ifindex: u32) {
    let copies = match netlink.find_address(ip) {
        Ok(copies) => copies,
        Err(e) => return log::error(format!("{}: {e}", messages::READ_ADDRESSES_FAILED)),
    };
    for copy in copies.iter().filter(|a| a.index == ifindex) {
        if let Err(e) = netlink.delete_address(copy) {
            log::error(format!("{}: {e}", messages::DELETE_IPV6_FAILED));
        }
    }
}

/// The detached sender's record of a late collision.
pub fn record(pid_file: &Path, reason: &str) {
    let line = format!("{}\n", reason.replace('\n', " "));
    if let Err(e) = state::write_atomically(&paths::collision_record(pid_file), line.as_bytes()) {
        log::error(format!(
            "Could not record the collision for the next monitor: {e}"
        ));
    }
}

/// The recorded reason, if a trusted record is there; an untrusted one
/// is no proof and is passed over with a warning.
pub fn recorded(pid_file: &Path) -> Option<String> {
    let path = paths::collision_record(pid_file);
    match state::read_small(&path, RECORD_LIMIT) {
        Ok(Some(text)) => Some(text.trim().to_owned()),
        Ok(None) => None,
        Err(e) => {
            log::warn(format!("A collision record is no proof: {e}"));
            None
        }
    }
}

/// stop, and the next start, begin afresh.
pub fn clear(pid_file: &Path) {
    state::remove(&paths::collision_record(pid_file));
}

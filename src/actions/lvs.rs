//! lvs_support (LVS direct routing): a realserver-style /32 copy of the VIP
//! on lo would shadow the VIP on its interface, so start moves it out of
//! the way and remembers it, and stop puts it back.
//!
//! The record is IPaddr2's own: `$HA_RSCTMP/<ip>` holding
//! `<ip> 32 255.255.255.255 lo`, so either agent restores what the other
//! removed.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use crate::config::{paths, Vip};
use crate::netlink::{Address, AddressFlags, ErrorKind, Netlink};
use crate::ocf::{log, Error, Result};
use crate::ocf::{messages, Context};
use crate::state;

/// `<ip> 32 255.255.255.255 <interface>` is well under this.
const RECORD_LIMIT: usize = 256;

fn record(vip: &Vip) -> PathBuf {
    paths::lvs_record(&vip.rsctmp, vip.ip)
}

/// Whether a loopback copy start removed waits for stop to restore it.
pub fn has_removed_loopback(vip: &Vip) -> bool {
    std::fs::symlink_metadata(record(vip)).is_ok()
}

pub fn remove_conflicting_loopback(netlink: &mut Netlink, vip: &Vip) -> Result<()> {
    let found = netlink
        .find_address(vip.ip)
        .or_fail(messages::READ_ADDRESSES_FAILED)?;
    for address in found.iter().filter(|a| a.prefix_len == 32) {
        let Ok(Some(link)) = netlink.link_by_index(address.index) else {
            continue;
        };
        if !link.is_loopback() {
            continue;
        }
        log::info(format!("Removing conflicting loopback {}.", link.name));
        let line = format!("{} 32 255.255.255.255 {}\n", vip.ip, link.name);
        let saved = state::write_atomically(&record(vip), line.as_bytes());
        if let Err(e) = saved {
            log::error(format!(
                "Could not save conflicting loopback {}. it will not be restored: {e}",
                link.name
            ));
        }
        netlink.delete_address(address).map_err(|e| {
            Error::generic(format!(
                "Could not remove the conflicting {}/32 from {}: {e}",
                vip.ip, link.name
            ))
        })?;
    }
    Ok(())
}

/// Puts back what start removed. Failing to restore is logged, never a
/// failed stop: the VIP itself is gone, which is what stop promises.
pub fn restore_loopback(netlink: &mut Netlink, vip: &Vip) {
    let path = record(vip);
    let text = match state::read_small(&path, RECORD_LIMIT) {
        Ok(Some(text)) => text,
        Ok(None) => return,
        Err(e) => {
            log::error(format!("Could not restore loopback address: {e}"));
            state::remove(&path);
            return;
        }
    };
    let info = text.trim();
    if info.is_empty() {
        state::remove(&path);
        return;
    }
    log::info(format!("Restoring loopback IP Address  {info}."));
    if let Err(reason) = restore(netlink, vip, info) {
        log::error(format!(
            "Could not restore loopback address {info}: {reason}"
        ));
    }
    state::remove(&path);
}

fn restore(netlink: &mut Netlink, vip: &Vip, info: &str) -> std::result::Result<(), String> {
    let words: Vec<&str> = info.split_whitespace().collect();
    let [ip, prefix, broadcast, ifname] = words[..] else {
        return Err("expected '<ip> <prefix> <broadcast> <interface>'".into());
    };
    let ip: IpAddr = ip.parse().map_err(|_| format!("{ip} is not an address"))?;
    if ip != vip.ip {
        return Err(format!("it names {ip}, not {}", vip.ip));
    }
    let prefix_len: u8 = prefix
        .parse()
        .ok()
        .filter(|p| (1..=32).contains(p))
        .ok_or("bad prefix")?;
    let broadcast: Option<Ipv4Addr> = broadcast.parse().ok();
    let link = netlink
        .link_by_name(ifname)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no interface {ifname}"))?;
    let new = Address {
        index: link.index,
        local: ip,
        prefix_len,
        broadcast,
        label: None,
        flags: AddressFlags::empty(),
        preferred_lft: None,
        metric: None,
    };
    match netlink.add_address(&new) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::Exists => {}
        Err(e) => return Err(e.to_string()),
    }
    if !link.is_up() {
        netlink.set_link_up(link.index).map_err(|e| e.to_string())?;
    }
    Ok(())
}

//! virtual_mac's lifecycle (see "Virtual MAC" in docs/operations.md):
//! start makes (or reuses) the VIP's macvlan on the nic findif chose,
//! configures it while it is down, holds the nic's ARP-flux settings
//! ([`arp_flux`]) and brings it up; stop removes it with nothing but ip,
//! nic and network_namespace; a monitor keeps the MAC known at the
//! switches. The making, removing and counting of one nic's macvlans
//! happen under that nic's lock, so parallel starts and stops agree.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use crate::actions::arp_flux;
use crate::config::{paths, Config};
use crate::findif::Placement;
use crate::net::{format_mac, Mac};
use crate::netlink::{ErrorKind, Family, Link, Netlink};
use crate::ocf::{log, Error, Result};
use crate::state;
use crate::sys::shared;
use crate::virtual_mac::{
    eligible, is_floatip_macvlan, is_ipv4_macvlan_on, macvlan_name, VirtualMacPlacement,
};

/// How long start or stop waits for another floatip process working on
/// the same nic's macvlans and ARP settings.
const LOCK_PATIENCE: Duration = Duration::from_secs(5);

/// The nic's lock: creating or deleting its floatip macvlans and counting
/// them for the ARP-flux settings happen under it, so parallel starts and
/// stops on one nic agree on who restores the settings. `None` (with a
/// warning) where it cannot be taken: the process then goes on alone.
pub fn lock_nic(rsctmp: &Path, nic: &Link) -> Option<std::fs::File> {
    let Some(key) = record_key(nic) else {
        log::warn(format!(
            "virtual_mac: could not tell this network namespace: going on without the lock of {}",
            nic.name
        ));
        return None;
    };
    let (_, lock) = paths::virtual_mac_record(rsctmp, &key);
    let taken = lock
        .parent()
        .map_or(Ok(()), state::ensure_dir)
        .and_then(|_| state::open_lock(&lock))
        .and_then(|file| shared::lock_exclusive(&file, LOCK_PATIENCE).map(|_| file));
    match taken {
        Ok(file) => Some(file),
        Err(e) => {
            log::warn(format!(
                "virtual_mac: could not take the lock {} ({e}): going on without it",
                lock.display()
            ));
            None
        }
    }
}

/// The key of `nic`'s record under `$HA_RSCTMP/floatip-virtual-mac/`.
pub fn record_key(nic: &Link) -> Option<String> {
    shared::namespace_id()
        .ok()
        .map(|namespace| format!("{namespace}-{}", nic.index))
}

/// Whether a virtual-MAC VIP can live on `nic` (validate-all, start,
/// reload): 6 with the reason where it cannot.
pub fn check_placeable(netlink: &mut Netlink, nic: &Link, ip: IpAddr) -> Result<()> {
    eligible::check(netlink, nic)?;
    if ip.is_ipv4() {
        let existing = netlink
            .link_by_name(&macvlan_name(ip, &nic.name))
            .ok()
            .flatten()
            .filter(|l| is_floatip_macvlan(l, nic, ip));
        arp_flux::check_rp_filter(existing.as_ref().map(|l| l.name.lossy()).as_deref())?;
    }
    Ok(())
}

/// start (and reload): the VIP's macvlan on the nic findif chose, made or
/// reused, configured and up, the nic's ARP-flux settings held; the
/// placement then puts the VIP on the macvlan, keeping the nic's routes
/// (the announcement's gateways are the nic's).
pub fn attach(netlink: &mut Netlink, config: &Config, placement: Placement) -> Result<Placement> {
    let ip = config.vip.ip;
    let Some(mac) = config.virtual_mac.mac_for(ip) else {
        return Ok(placement);
    };
    let nic = placement.link.clone();
    let _lock = lock_nic(&config.vip.rsctmp, &nic);
    let name = macvlan_name(ip, &nic.name);
    let macvlan = match reusable(netlink, &nic, &name, mac, ip)? {
        Some(link) => link,
        None => create(netlink, config, &nic, &name, mac)?,
    };
    if !macvlan.is_up() {
        if let Err(e) = netlink.set_link_up(macvlan.index) {
            remove_macvlan(netlink, &macvlan, ip);
            return Err(Error::generic(format!(
                "virtual_mac: could not bring {} up: {e}",
                macvlan.name
            )));
        }
    }
    // Only once the macvlan is there to stay: stop gives the settings
    // back when it removes the last one, so none may be held without it.
    if ip.is_ipv4() {
        arp_flux::hold(&config.vip.rsctmp, &nic);
    }
    let family = Family::of(ip);
    let routes = placement
        .routes
        .clone()
        .unwrap_or_else(|| crate::announce::targets::link_routes(netlink, family, &nic, ip));
    let connected = routes.connects(ip);
    let macvlan = netlink
        .link_by_index(macvlan.index)
        .ok()
        .flatten()
        .unwrap_or(macvlan);
    Ok(Placement {
        link: macvlan,
        routes: Some(routes),
        virtual_mac: Some(VirtualMacPlacement {
            nic,
            prefix_route: !connected,
        }),
        ..placement
    })
}

/// The macvlan `name` when it is floatip's for this VIP and carries `mac`
/// (a start after a crash, a second start); an old one with another MAC
/// (virtual_mac changed while stopped) is removed to be made again.
/// Another interface of that name, or a MAC another interface has, is
/// refused.
fn reusable(
    netlink: &mut Netlink,
    nic: &Link,
    name: &str,
    mac: Mac,
    ip: IpAddr,
) -> Result<Option<Link>> {
    let links = netlink
        .links()
        .map_err(|e| Error::generic(format!("Could not read the interfaces: {e}")))?;
    let existing = links.iter().find(|l| l.name == name);
    if let Some(link) = existing {
        if !is_floatip_macvlan(link, nic, ip) {
            return Err(Error::generic(format!(
                "virtual_mac: an interface named {name} exists and is not floatip's macvlan of {ip} on {}",
                nic.name
            )));
        }
        // Another VIP whose name hashes alike must never lose its device.
        let others: Vec<String> = netlink
            .addresses(None)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.index == link.index && a.local != ip)
            .map(|a| a.local.to_string())
            .collect();
        if !others.is_empty() {
            return Err(Error::generic(format!(
                "virtual_mac: {name} carries {} as well, not {ip} alone: it is not this VIP's to use",
                others.join(", ")
            )));
        }
    }
    let taken = links
        .iter()
        .find(|l| l.ethernet_mac() == Some(mac) && Some(l.index) != existing.map(|e| e.index));
    if let Some(other) = taken {
        return Err(Error::configured(format!(
            "virtual_mac {} for {ip} is already the MAC of {} on this node: choose another (an explicit virtual_mac)",
            format_mac(mac),
            other.name
        )));
    }
    match existing {
        Some(link) if link.ethernet_mac() == Some(mac) => {
            log::info(format!(
                "virtual_mac: reusing {} ({})",
                link.name,
                format_mac(mac)
            ));
            Ok(Some(link.clone()))
        }
        Some(link) => {
            log::info(format!(
                "virtual_mac: {} carries {}, not {}: making it again",
                link.name,
                format_mac(link.ethernet_mac().unwrap_or_default()),
                format_mac(mac)
            ));
            netlink.delete_link(link.index).map_err(|e| {
                Error::generic(format!("virtual_mac: could not remove {}: {e}", link.name))
            })?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Makes the macvlan, down, and configures it before it comes up.
fn create(
    netlink: &mut Netlink,
    config: &Config,
    nic: &Link,
    name: &str,
    mac: Mac,
) -> Result<Link> {
    let ip = config.vip.ip;
    let bridge = eligible::bridge_mode(netlink, nic);
    log::info(format!(
        "virtual_mac: creating {name} on {} with MAC {} (macvlan mode {})",
        nic.name,
        format_mac(mac),
        if bridge { "bridge" } else { "private" }
    ));
    match netlink.add_macvlan(name, nic.index, mac, bridge) {
        Ok(()) => {}
        // A concurrent start of the same VIP made it: use it.
        Err(e) if e.kind() == ErrorKind::Exists => {}
        Err(e) => {
            return Err(Error::generic(format!(
                "virtual_mac: could not create a macvlan on {}: {e}",
                nic.name
            )))
        }
    }
    let link = netlink
        .link_by_name(name)
        .ok()
        .flatten()
        .filter(|l| is_floatip_macvlan(l, nic, ip))
        .ok_or_else(|| {
            Error::generic(format!(
                "virtual_mac: {name} vanished while it was being made"
            ))
        })?;
    if let Err(e) = configure(&link, ip) {
        remove_macvlan(netlink, &link, ip);
        return Err(e);
    }
    Ok(link)
}

/// The macvlan's own settings, while it is down. IPv6 VIP: no address of
/// its own (addr_gen_mode none, which the kernel takes only after
/// creation) and no router advertisements (accept_ra 0, autoconf 0):
/// otherwise every node would configure the same EUI-64 address of the
/// virtual MAC. IPv4 VIP: no IPv6 at all. ARP: answers only for what it
/// carries (arp_ignore 1) and never sources ARP from another interface's
/// address (arp_announce 2).
fn configure(link: &Link, ip: IpAddr) -> Result<()> {
    let name = link.name.lossy();
    let settings: &[(&str, &str, &str)] = if ip.is_ipv6() {
        &[
            ("ipv6", "addr_gen_mode", "1"),
            ("ipv6", "accept_ra", "0"),
            ("ipv6", "autoconf", "0"),
        ]
    } else {
        &[
            ("ipv6", "disable_ipv6", "1"),
            ("ipv4", "arp_ignore", "1"),
            ("ipv4", "arp_announce", "2"),
        ]
    };
    for (family, key, value) in settings {
        arp_flux::write(family, &name, key, value).map_err(|e| {
            Error::generic(format!(
                "virtual_mac: could not set net.{family}.conf.{name}.{key}={value}: {e}"
            ))
        })?;
    }
    Ok(())
}

/// After a failed start: the VIP's macvlan goes again unless the VIP is
/// on it (a start that failed on a running VIP leaves it for stop).
pub fn release_unused(netlink: &mut Netlink, config: &Config, placement: &Placement) {
    let Some(on) = &placement.virtual_mac else {
        return;
    };
    let ip = config.vip.ip;
    if netlink.holds(ip, placement.link.index).unwrap_or(true) {
        return;
    }
    release(netlink, ip, Some(&on.nic), &config.vip.rsctmp);
}

/// Deletes a macvlan this action made, when what follows failed.
fn remove_macvlan(netlink: &mut Netlink, link: &Link, ip: IpAddr) {
    if let Err(e) = netlink.delete_link(link.index) {
        log::error(format!(
            "virtual_mac: could not remove {} after a failed start of {ip}: {e}",
            link.name
        ));
    }
}

/// stop: deletes the floatip macvlans of `ip` (on `nic` when one is
/// configured, else on any interface) after the address is gone, and
/// gives the nic's ARP-flux settings back when its last IPv4
/// virtual-MAC VIP leaves. Needs only ip, nic and network_namespace:
/// virtual_mac itself may be unset or invalid by now. Failures are
/// warnings: the address is already gone, and a failed stop gets the
/// node fenced.
pub fn release(netlink: &mut Netlink, ip: IpAddr, nic: Option<&Link>, rsctmp: &Path) {
    let Ok(links) = netlink.links() else {
        return;
    };
    let ours: Vec<(&Link, &Link)> = links
        .iter()
        .filter_map(|link| {
            let lower = links.iter().find(|l| Some(l.index) == link.lower)?;
            let on_nic = nic.is_none_or(|n| n.index == lower.index);
            (on_nic && is_floatip_macvlan(link, lower, ip)).then_some((link, lower))
        })
        .collect();
    for (macvlan, lower) in ours {
        let _lock = lock_nic(rsctmp, lower);
        log::info(format!(
            "virtual_mac: removing {} from {}",
            macvlan.name, lower.name
        ));
        match netlink.delete_link(macvlan.index) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NoDevice => {}
            Err(e) => log::warn(format!(
                "virtual_mac: could not remove {} ({e}): it carries no address any more",
                macvlan.name
            )),
        }
        if ip.is_ipv4() {
            release_flux(netlink, lower, rsctmp);
        }
    }
}

/// Gives `nic`'s ARP-flux settings back when no IPv4 floatip macvlan is
/// left on it: the reference count is the kernel's own list of them,
/// counted under the nic's lock, so a process that died cannot leave it
/// wrong.
fn release_flux(netlink: &mut Netlink, nic: &Link, rsctmp: &Path) {
    let Ok(links) = netlink.links() else {
        return;
    };
    if links.iter().any(|l| is_ipv4_macvlan_on(l, nic.index)) {
        return;
    }
    arp_flux::restore(rsctmp, nic);
}

/// How long a virtual MAC may go without a frame from its macvlan before
/// a monitor sends one: with the usual 10 s monitor interval, a frame at
/// least every 60 s, well within a switch's aging time.
pub const REFRESH_AFTER: Duration = Duration::from_secs(50);

/// Whether a monitor of a virtual-MAC VIP sends its refresh round now:
/// the record of the last one (`<pid file>.floatip-vmac-refresh`, its
/// CLOCK_MONOTONIC time and the boot) is missing, of another boot, or at
/// least [`REFRESH_AFTER`] old.
pub fn refresh_due(pid_file: &Path) -> bool {
    let path = paths::virtual_mac_refresh(pid_file);
    let Some(text) = state::read_small(&path, 128).ok().flatten() else {
        return true;
    };
    let mut words = text.split_whitespace();
    let (Some(boot), Some(at)) = (
        words.next(),
        words.next().and_then(|w| w.parse::<u64>().ok()),
    ) else {
        return true;
    };
    let now = shared::monotonic_ns();
    boot != shared::boot_id() || at > now || now - at >= REFRESH_AFTER.as_nanos() as u64
}

/// Records that the macvlan sent its refresh round now.
pub fn refreshed(pid_file: &Path) {
    let text = format!("{} {}\n", shared::boot_id(), shared::monotonic_ns());
    let _ = state::write_atomically(&paths::virtual_mac_refresh(pid_file), text.as_bytes());
}

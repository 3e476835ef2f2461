//! virtual_mac: the VIP keeps one MAC wherever it lives, so that
//! neighbours which never take an announcement (routers that pin IP→MAC,
//! firewalls that ignore gratuitous ARP, stacks that learn only from
//! requests addressed to them) follow it anyway: their cache never has to
//! change, only the switches must learn the MAC's new port, which any
//! frame from the new node teaches them. keepalived's use_vmac, for a
//! Pacemaker VIP.
//!
//! - **The device.** start creates a macvlan on the nic carrying the
//!   virtual MAC ([`macvlan_name`]: deterministic, within IFNAMSIZ, from
//!   the family, a hash of VIP and nic, and the nic's name), configures it
//!   while it is down ([`configure`]), brings it up, and adds the VIP to
//!   it; stop removes the VIP and the macvlan knowing only ip, nic and
//!   network_namespace ([`release`]).
//! - **Which copies count.** A copy of the VIP on the nic's floatip
//!   macvlan is the resource, as one on the nic itself is
//!   ([`is_floatip_macvlan`]); a macvlan without the VIP is not.
//! - **No ARP flux** ([`flux`]): while an IPv4 virtual-MAC VIP uses a nic,
//!   the nic answers no ARP for addresses it does not carry and never
//!   sources ARP from the VIP.
//! - **Where it cannot work** ([`eligible`]), start and validate-all
//!   refuse with the reason.

pub mod eligible;
pub mod flux;

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::config::{paths, Config};
use crate::findif::Placement;
use crate::net::{format_mac, Mac};
use crate::netlink::{ErrorKind, Family, Link, Name, Netlink};
use crate::ocf::{log, Error, Result};
use crate::state;
use crate::sys::shared;

/// The virtual_mac parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VirtualMac {
    /// "": the VIP lives on the nic with the nic's MAC (IPaddr2's way).
    Off,
    /// A MAC derived from the VIP ([`auto_mac`]), the same on every node.
    Auto,
    /// This MAC.
    Explicit(Mac),
}

impl VirtualMac {
    /// "" (off), `auto`, or a unicast MAC (`02:00:5e:…`, `-` or `:`
    /// between the bytes). Multicast, broadcast and all-zero MACs are no
    /// interface's address.
    pub fn parse(text: &str) -> std::result::Result<VirtualMac, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(VirtualMac::Off);
        }
        if text.eq_ignore_ascii_case("auto") {
            return Ok(VirtualMac::Auto);
        }
        let mac = parse_mac(text).ok_or_else(|| {
            format!(
                "Invalid virtual_mac [{text}]: \"auto\" or a MAC such as 02:00:00:00:00:01 expected"
            )
        })?;
        if mac[0] & 1 != 0 {
            return Err(format!(
                "Invalid virtual_mac [{text}]: a multicast MAC cannot be an interface's address"
            ));
        }
        if mac == [0; 6] {
            return Err(format!(
                "Invalid virtual_mac [{text}]: the all-zero MAC cannot be an interface's address"
            ));
        }
        Ok(VirtualMac::Explicit(mac))
    }

    /// The MAC the VIP `ip` uses, if any.
    pub fn mac_for(self, ip: IpAddr) -> Option<Mac> {
        match self {
            VirtualMac::Off => None,
            VirtualMac::Auto => Some(auto_mac(ip)),
            VirtualMac::Explicit(mac) => Some(mac),
        }
    }

    pub fn is_on(self) -> bool {
        self != VirtualMac::Off
    }
}

impl fmt::Display for VirtualMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VirtualMac::Off => Ok(()),
            VirtualMac::Auto => f.write_str("auto"),
            VirtualMac::Explicit(mac) => f.write_str(&format_mac(*mac)),
        }
    }
}

fn parse_mac(text: &str) -> Option<Mac> {
    let parts: Vec<&str> = text.split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut mac = [0u8; 6];
    for (byte, part) in mac.iter_mut().zip(parts) {
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    Some(mac)
}

/// `auto`: 02 (locally administered, unicast: never a vendor's MAC and
/// never VRRP's 00:00:5e:00:01:xx), 04 or 06 for the family, then the four
/// bytes of an IPv4 VIP — two IPv4 VIPs never share a MAC — or, for IPv6,
/// FNV-1a of the sixteen bytes (two IPv6 VIPs of one network share one
/// with a chance of 1 in 4 billion per pair; start refuses a MAC another
/// interface of the node already has, and an explicit MAC settles it).
pub fn auto_mac(ip: IpAddr) -> Mac {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            [0x02, 0x04, a, b, c, d]
        }
        IpAddr::V6(v6) => {
            let [a, b, c, d] = fnv1a(&v6.octets()).to_be_bytes();
            [0x02, 0x06, a, b, c, d]
        }
    }
}

/// FNV-1a, 32 bits: stable across versions and architectures.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash: u32, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

/// The longest interface name the kernel takes (IFNAMSIZ - 1).
const IFNAME_MAX: usize = 15;

/// What every floatip macvlan's name starts with: `fv`, then 4 or 6.
const NAME_PREFIX: &str = "fv";

/// The macvlan of VIP `ip` on `nic`: `fv<family><5 hex digits>.<nic>`,
/// the digits from FNV-1a of the VIP and the nic's whole name, the nic's
/// name cut to fit 15 bytes (`fv4a1b2c.eth0`, `fv6f00d1.enp3s0f`). The
/// nic is part of the name, so a reload that moves the VIP to another nic
/// makes the new macvlan beside the old one; the hash keeps two VIPs of
/// one nic apart. A name is floatip's only on a macvlan whose lower
/// device is that nic ([`is_floatip_macvlan`]).
pub fn macvlan_name(ip: IpAddr, nic: &Name) -> String {
    let mut key = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    key.push(0);
    key.extend_from_slice(nic.as_bytes());
    let family = if ip.is_ipv4() { '4' } else { '6' };
    let mut name = format!("{NAME_PREFIX}{family}{:05x}.", fnv1a(&key) & 0xf_ffff);
    // Whole characters of the nic's name, as far as they fit; a byte
    // that is not printable ASCII becomes `_` (names are bytes).
    for c in nic.lossy().chars() {
        if name.len() >= IFNAME_MAX {
            break;
        }
        name.push(if c.is_ascii_graphic() { c } else { '_' });
    }
    name
}

/// Whether `link` is floatip's macvlan of VIP `ip` on `nic`.
pub fn is_floatip_macvlan(link: &Link, nic: &Link, ip: IpAddr) -> bool {
    link.kind.as_deref() == Some("macvlan")
        && link.lower == Some(nic.index)
        && link.name == macvlan_name(ip, &nic.name)
}

/// Whether `link` looks like one of floatip's macvlans (of any VIP):
/// findif never places a VIP on one.
pub fn looks_like_floatip_macvlan(link: &Link) -> bool {
    let name = link.name.lossy();
    link.kind.as_deref() == Some("macvlan")
        && name.starts_with(NAME_PREFIX)
        && name.as_bytes().get(8) == Some(&b'.')
        && matches!(name.as_bytes().get(2), Some(b'4' | b'6'))
}

/// Whether `link` is a floatip macvlan for an IPv4 VIP on `nic`: what the
/// ARP-flux settings of `nic` are held for.
fn is_ipv4_macvlan_on(link: &Link, nic: u32) -> bool {
    looks_like_floatip_macvlan(link)
        && link.lower == Some(nic)
        && link.name.lossy().as_bytes().get(2) == Some(&b'4')
}

/// How long start or stop waits for another floatip process working on
/// the same nic's macvlans and ARP settings.
const LOCK_PATIENCE: Duration = Duration::from_secs(5);

/// The nic's lock: creating or deleting its floatip macvlans and counting
/// them for the ARP-flux settings happen under it, so parallel starts and
/// stops on one nic agree on who restores the settings. `None` (with a
/// warning) where it cannot be taken: the process then goes on alone.
pub fn lock_nic(rsctmp: &std::path::Path, nic: &Link) -> Option<std::fs::File> {
    let key = match shared::namespace_id() {
        Ok(namespace) => format!("{namespace}-{}", nic.index),
        Err(e) => {
            log::warn(format!(
                "virtual_mac: could not tell this network namespace ({e}): going on without the lock of {}",
                nic.name
            ));
            return None;
        }
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
        flux::check_rp_filter(existing.as_ref().map(|l| l.name.lossy()).as_deref())?;
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
    if ip.is_ipv4() {
        flux::hold(&config.vip.rsctmp, &nic);
    }
    if !macvlan.is_up() {
        if let Err(e) = netlink.set_link_up(macvlan.index) {
            remove_macvlan(netlink, &macvlan, ip);
            return Err(Error::generic(format!(
                "virtual_mac: could not bring {} up: {e}",
                macvlan.name
            )));
        }
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

/// Where a virtual-MAC VIP is placed: its nic, and whether the VIP's
/// prefix route goes on the macvlan (only when the nic has no connected
/// route for it: otherwise the nic's route stays the one traffic takes).
#[derive(Debug, Clone)]
pub struct VirtualMacPlacement {
    pub nic: Link,
    pub prefix_route: bool,
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
        flux::write(family, &name, key, value).map_err(|e| {
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
pub fn release(netlink: &mut Netlink, ip: IpAddr, nic: Option<&Link>, rsctmp: &std::path::Path) {
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
fn release_flux(netlink: &mut Netlink, nic: &Link, rsctmp: &std::path::Path) {
    let Ok(links) = netlink.links() else {
        return;
    };
    if links.iter().any(|l| is_ipv4_macvlan_on(l, nic.index)) {
        return;
    }
    flux::restore(rsctmp, nic);
}

/// How long a virtual MAC may go without a frame from its macvlan before
/// a monitor sends one: with the usual 10 s monitor interval, a frame at
/// least every 60 s, well within a switch's aging time.
pub const REFRESH_AFTER: Duration = Duration::from_secs(50);

/// Whether a monitor of a virtual-MAC VIP sends its refresh round now:
/// the record of the last one (`<pid file>.floatip-vmac-refresh`, its
/// CLOCK_MONOTONIC time and the boot) is missing, of another boot, or at
/// least [`REFRESH_AFTER`] old.
pub fn refresh_due(pid_file: &std::path::Path) -> bool {
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
pub fn refreshed(pid_file: &std::path::Path) {
    let text = format!("{} {}\n", shared::boot_id(), shared::monotonic_ns());
    let _ = state::write_atomically(&paths::virtual_mac_refresh(pid_file), text.as_bytes());
}

/// The nic under `link` when `link` is one of floatip's macvlans: where
/// the VIP's routes, gateways and neighbours are.
pub fn routed_through(netlink: &mut Netlink, link: &Link) -> Option<Link> {
    if !looks_like_floatip_macvlan(link) {
        return None;
    }
    netlink.link_by_index(link.lower?).ok().flatten()
}

/// The nic of a floatip macvlan `link` (for monitor's link check, show
/// and garp), if `link` is one of VIP `ip`.
pub fn nic_of(netlink: &mut Netlink, link: &Link, ip: IpAddr) -> Option<Link> {
    let lower = netlink.link_by_index(link.lower?).ok().flatten()?;
    is_floatip_macvlan(link, &lower, ip).then_some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(VirtualMac::parse(""), Ok(VirtualMac::Off));
        assert_eq!(VirtualMac::parse(" AUTO "), Ok(VirtualMac::Auto));
        assert_eq!(
            VirtualMac::parse("02:00:5e:10:00:01"),
            Ok(VirtualMac::Explicit([2, 0, 0x5e, 0x10, 0, 1]))
        );
        assert_eq!(
            VirtualMac::parse("0A-0b-00-00-00-01"),
            Ok(VirtualMac::Explicit([0xa, 0xb, 0, 0, 0, 1]))
        );
        for bad in [
            "yes",
            "01:00:5e:00:00:01",
            "ff:ff:ff:ff:ff:ff",
            "00:00:00:00:00:00",
            "02:00:00:00:00",
            "02:00:00:00:00:00:01",
            "02:00:00:00:00:100",
            "02::00:00:00:00",
        ] {
            assert!(VirtualMac::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn auto_macs_are_local_unicast_and_never_vrrp() {
        let v4: IpAddr = "192.0.2.10".parse().unwrap();
        assert_eq!(auto_mac(v4), [0x02, 0x04, 192, 0, 2, 10]);
        let v6: IpAddr = "2001:db8::10".parse().unwrap();
        let mac = auto_mac(v6);
        assert_eq!(&mac[..2], &[0x02, 0x06]);
        assert_eq!(mac, auto_mac(v6), "the same on every node");
        assert_ne!(mac, auto_mac("2001:db8::11".parse().unwrap()));
        for ip in [v4, v6] {
            let mac = auto_mac(ip);
            assert_eq!(mac[0] & 1, 0, "unicast");
            assert_eq!(mac[0] & 2, 2, "locally administered");
            assert_ne!(&mac[..5], &[0, 0, 0x5e, 0, 1], "not VRRP's");
        }
    }

    #[test]
    fn names_fit_and_tell_vips_and_nics_apart() {
        let a: IpAddr = "192.0.2.10".parse().unwrap();
        let b: IpAddr = "192.0.2.11".parse().unwrap();
        let v6: IpAddr = "2001:db8::10".parse().unwrap();
        let eth0 = Name::from("eth0");
        let long = Name::from("enp3s0f1np1.100");
        let name = macvlan_name(a, &eth0);
        assert!(name.starts_with("fv4") && name.ends_with(".eth0"), "{name}");
        assert_eq!(name.len(), 13);
        assert_eq!(name, macvlan_name(a, &eth0), "deterministic");
        assert_ne!(name, macvlan_name(b, &eth0));
        assert_ne!(name, macvlan_name(a, &Name::from("eth1")));
        assert!(macvlan_name(v6, &eth0).starts_with("fv6"));
        let cut = macvlan_name(a, &long);
        assert_eq!(cut.len(), 15, "{cut}");
        assert!(cut.ends_with(".enp3s0"), "{cut}");
        assert_ne!(cut, macvlan_name(a, &Name::from("enp3s0f1np1.200")));
        let odd = macvlan_name(a, &Name::from_bytes(&[0xff, 0xfe, b'x']));
        assert!(odd.len() <= 15, "{odd}");
    }
}

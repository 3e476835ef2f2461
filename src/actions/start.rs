//! start and validate-all.
//!
//! start: validate everything, find the interface (findif), add the
//! address unless it is already served, bring the interface up, announce.
//! Start on a started VIP is 0. Nothing is left half-configured: if a step
//! after the add fails, the address is removed again.

use std::net::IpAddr;
use std::time::Instant;

use netlink_packet_route::address::AddressFlags;

use crate::actions::{
    dad, enter_namespace, find_vip, lvs, open_netlink, require_root, Action, Namespace,
};
use crate::announce::{conflict, report, run, sender, targets, unannounceable, Announcer};
use crate::config::{check_label_length, ArpSender, Config, Lifetime, Params};
use crate::env::Env;
use crate::findif::{findif, Placement};
use crate::netlink::{AddressEvents, Link, Netlink, NewAddress};
use crate::ocf::{self, log, Error, Result};

pub fn start(env: &Env) -> Result<()> {
    let params = Params::new(env);
    // IPaddr2's order: a missing ip is a configuration error before the
    // root check; every other check comes after it.
    if params.nonempty("ip")?.is_none() {
        params.target()?;
    }
    require_root(Action::Start)?;
    let config = params.config()?;
    let (mut netlink, placement, label) = prepare(&config)?;

    let link = &placement.link;
    let ip = config.target.ip;
    if already_started(&mut netlink, &config, &placement)? {
        return Ok(());
    }
    log_arp_sender(&config);
    if ip.is_ipv4() {
        if config.target.lvs_support {
            lvs::remove_conflicting_loopback(&mut netlink, &config.target)?;
        }
        if config.run_arping {
            check_no_other_holder(link, &config)?;
        }
        warn_if_primary(&mut netlink, &config, &placement);
        // Opened (and its targets resolved) before the address exists, so
        // the first round leaves the moment the kernel has it.
        let announcer = open_announcer(link, &config)
            .map(|a| with_targets(a, &mut netlink, &config, &placement));
        add_address(&mut netlink, &config, &placement, label)?;
        if let Some(announcer) = announcer {
            announce(announcer, &config, &mut netlink, Instant::now());
        }
        return Ok(());
    }

    // IPv6: the advertisements' source is the VIP, which cannot be used
    // while duplicate address detection runs; events are subscribed before
    // the add so that DAD's end is seen the moment it happens.
    let mut events =
        if config.nodad {
            None
        } else {
            Some(AddressEvents::subscribe_ipv6().map_err(|e| {
                Error::generic(format!("Could not subscribe to address events: {e}"))
            })?)
        };
    if config.lvs_ipv6_addrlabel {
        add_address_label(&mut netlink, &config);
    }
    add_address(&mut netlink, &config, &placement, label)?;
    let added_at = Instant::now();
    if let Some(events) = events.as_mut() {
        if dad::wait(
            &mut netlink,
            events,
            ip,
            link.index,
            added_at,
            config.timeout_ms,
        )? == dad::Outcome::StillTentative
        {
            log::warn("IPv6 address : DAD is still in tentative");
            log::error(format!(
                "Could not send ICMPv6 Unsolicited Neighbor Advertisements: {ip} is still tentative"
            ));
            return Ok(());
        }
    }
    if let Some(announcer) = open_announcer(link, &config) {
        let announcer = with_targets(announcer, &mut netlink, &config, &placement);
        announce(announcer, &config, &mut netlink, Instant::now());
    }
    Ok(())
}

/// Start on a started VIP is 0, but only when the copy there is usable:
/// a `dadfailed` copy is removed and the start goes on afresh (DAD then
/// tells whether the other holder is still there), and a copy on an
/// interface that is administratively down gets its interface brought up,
/// as a fresh start would. A link without carrier is not start's to fix:
/// monitor's check_link_status reports it.
fn already_started(netlink: &mut Netlink, config: &Config, placement: &Placement) -> Result<bool> {
    let link = &placement.link;
    let ip = config.target.ip;
    let Some(existing) = find_vip(netlink, &config.target, Some(link))?
        .into_iter()
        .next()
    else {
        return Ok(false);
    };
    if existing.flags.contains(AddressFlags::Dadfailed) {
        log::warn(format!(
            "{ip} is configured on {} but dadfailed: removing it and starting afresh",
            link.name
        ));
        netlink
            .delete_address(&existing)
            .map_err(|e| Error::generic(format!("Could not remove the dadfailed {ip}: {e}")))?;
        return Ok(false);
    }
    if existing.prefix_len != placement.prefix_len {
        log::warn(format!(
            "{ip} is already configured on {} as /{} (configured: /{})",
            link.name, existing.prefix_len, placement.prefix_len
        ));
    }
    if !link.is_up() {
        log::info(format!("Bringing device {} up", link.name));
        netlink.set_link_up(link.index).map_err(|e| {
            Error::generic(format!(
                "{ip} is configured, but device {} could not be brought up: {e}",
                link.name
            ))
        })?;
    }
    Ok(true)
}

fn with_targets(
    announcer: Announcer,
    netlink: &mut Netlink,
    config: &Config,
    placement: &Placement,
) -> Announcer {
    let ip = config.target.ip;
    let directed = targets::resolve(
        netlink,
        &config.garp_targets,
        &placement.link,
        ip,
        placement.prefix_len,
    );
    if !directed.is_empty() {
        let list: Vec<String> = directed.iter().map(|d| d.ip.to_string()).collect();
        log::info(format!(
            "Announcing {ip} also directly to {} (garp_targets)",
            list.join(", ")
        ));
    }
    announcer.with_targets(directed)
}

/// run_arping: an ARP probe before the address is added, like IPaddr2's
/// `arping -D -c 2 -w 3`; an answer means another host holds the address.
fn check_no_other_holder(link: &Link, config: &Config) -> Result<()> {
    let ip = config.target.ip;
    if unannounceable(link).is_some() {
        return Ok(());
    }
    let limit = ocf::deadline(config.timeout_ms);
    match conflict::other_holder(link, ip, conflict::BEFORE_ADDING, limit) {
        Ok(None) => Ok(()),
        Ok(Some(mac)) => {
            log::error(format!("IPv4 address collision {ip} [DAD]"));
            Err(Error::generic(format!(
                "IPv4 address collision {ip} [DAD]: {} answers for it on {}",
                conflict::format_mac(mac),
                link.name
            )))
        }
        Err(e) => {
            log::warn(format!("Could not check {ip} for collisions: {e}"));
            Ok(())
        }
    }
}

/// The first address of a subnet becomes its primary; with
/// promote_secondaries off, removing a primary removes every secondary of
/// its subnet with it, so stopping this VIP would silently take later VIPs
/// of the same subnet along.
fn warn_if_primary(netlink: &mut Netlink, config: &Config, placement: &Placement) {
    let IpAddr::V4(ip) = config.target.ip else {
        return;
    };
    let link = &placement.link;
    if link.is_loopback() {
        return;
    }
    let mask = if placement.prefix_len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(placement.prefix_len.min(32)))
    };
    let same_subnet = |other: &IpAddr| match other {
        IpAddr::V4(o) => u32::from(*o) & mask == u32::from(ip) & mask,
        IpAddr::V6(_) => false,
    };
    let Ok(addresses) = netlink.addresses(Some(netlink_packet_route::AddressFamily::Inet)) else {
        return;
    };
    if addresses
        .iter()
        .any(|a| a.index == link.index && same_subnet(&a.local))
    {
        return;
    }
    let enabled = |scope: &str| {
        std::fs::read_to_string(format!(
            "/proc/sys/net/ipv4/conf/{scope}/promote_secondaries"
        ))
        .is_ok_and(|v| v.trim() != "0")
    };
    if !enabled("all") && !enabled(&link.name) {
        log::warn(format!(
            "{ip}/{} will be the only address of its subnet on {}: with promote_secondaries off, \
             stopping it also removes every address of that subnet added after it \
             (sysctl -w net.ipv4.conf.{}.promote_secondaries=1, or add a static base address)",
            placement.prefix_len, link.name, link.name
        ));
    }
}

fn add_address_label(netlink: &mut Netlink, config: &Config) {
    let (ip, value) = (config.target.ip, config.lvs_ipv6_addrlabel_value);
    log::info(format!(
        "Adding IPv6 address label prefix {ip} label {value}"
    ));
    if let Err(e) = netlink.add_address_label(ip, value) {
        if e.raw_os_error() != Some(libc::EEXIST) {
            log::warn(format!(
                "Could not add IPv6 address label prefix {ip} label {value}: {e}"
            ));
        }
    }
}

fn log_arp_sender(config: &Config) {
    if let Some(sender) = config.arp_sender {
        if sender != ArpSender::SendArp {
            log::info(format!(
                "arp_sender={}: floatip sends every announcement itself",
                sender.as_str()
            ));
        }
    }
}

fn open_announcer(link: &Link, config: &Config) -> Option<Announcer> {
    if let Some(why) = unannounceable(link) {
        log::info(format!("No announcements on {}: {why}", link.name));
        return None;
    }
    match Announcer::open(link, config.target.ip) {
        Ok(announcer) => announcer,
        Err(e) => {
            log::error(format!("Could not send gratuitous arps: {e}"));
            None
        }
    }
}

/// The first round now, before start returns; the rest in a detached
/// sender (arp_bg) or here, within the action's timeout. Failing to
/// announce is logged but does not fail start: the address is up.
fn announce(announcer: Announcer, config: &Config, netlink: &mut Netlink, added_at: Instant) {
    let plan = &config.announce;
    let ip = config.target.ip;
    let mut events = plan.schedule();
    let Some(first) = events.next() else {
        return;
    };
    if let Err(e) = announcer.send(&first.forms) {
        log::error(format!("Could not send gratuitous arps: {e}"));
        return;
    }
    let more = events.remaining() > 0;
    log::info(format!(
        "Sent {} for {ip} on {}: {}{}",
        announcer.kind(),
        announcer.ifname,
        plan.describe(ip),
        if more && config.arp_bg {
            ", the rest in the background"
        } else {
            ""
        }
    ));
    if !more {
        return;
    }
    if config.arp_bg {
        if let Err(e) = sender::spawn(announcer, events, added_at, &config.target.sender_pid_file) {
            log::error(format!(
                "Could not send gratuitous arps: could not start the background sender: {e}"
            ));
        }
        return;
    }
    let deadline = ocf::deadline(config.timeout_ms);
    let result = run(&announcer, events, added_at, Some(deadline), Some(netlink));
    report(&result, ip);
}

pub fn validate_all(env: &Env) -> Result<()> {
    let config = Params::new(env).config()?;
    let (_, placement, _) = prepare(&config)?;
    // Say now, not only at start, when the interface gets no announcements
    // (an IPoIB interface, say): the address would work, neighbours would
    // not be told.
    let link = &placement.link;
    if let Some(why) = unannounceable(link) {
        if !link.is_loopback() {
            log::warn(format!("No announcements on {}: {why}", link.name));
        }
    }
    Ok(())
}

/// What start and validate-all share: the namespace, findif, the label.
fn prepare(config: &Config) -> Result<(Netlink, Placement, Option<String>)> {
    if let Namespace::Unavailable(why) = enter_namespace(&config.target)? {
        return Err(Error::installed(why));
    }
    let mut netlink = open_netlink()?;
    let placement = findif(&mut netlink, config)?;
    let label = config
        .iflabel
        .as_deref()
        .map(|suffix| check_label_length(&placement.link.name, suffix))
        .transpose()?;
    Ok((netlink, placement, label))
}

fn add_address(
    netlink: &mut Netlink,
    config: &Config,
    placement: &Placement,
    label: Option<String>,
) -> Result<()> {
    let ip = config.target.ip;
    let link = &placement.link;
    let mut flags = AddressFlags::empty();
    if config.noprefixroute {
        flags |= AddressFlags::Noprefixroute;
    }
    if config.nodad && ip.is_ipv6() {
        flags |= AddressFlags::Nodad;
    }
    let preferred_lft = match (ip, config.preferred_lft) {
        (IpAddr::V6(_), Lifetime::Seconds(seconds)) => Some(seconds),
        _ => None,
    };
    let new = NewAddress {
        index: link.index,
        ip,
        prefix_len: placement.prefix_len,
        broadcast: placement.broadcast,
        label,
        flags,
        preferred_lft,
    };
    log::info(adding_message(&new, &link.name, config));
    match netlink.add_address(&new) {
        Ok(()) => {}
        // A concurrent start of the same VIP got there first: served.
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => return Ok(()),
        Err(e) => return Err(add_failed(ip, &link.name, &e)),
    }
    if !link.is_up() {
        log::info(format!("Bringing device {} up", link.name));
        if let Err(e) = netlink.set_link_up(link.index) {
            rollback(netlink, &new);
            return Err(Error::generic(format!(
                "Failed to add {ip}: could not bring device {} up: {e}",
                link.name
            )));
        }
    }
    Ok(())
}

/// The kernel's refusal, as the OCF code that tells Pacemaker what to do.
fn add_failed(ip: IpAddr, nic: &str, e: &std::io::Error) -> Error {
    match e.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => Error::new(
            crate::ocf::ExitCode::ErrPerm,
            format!("Failed to add {ip}: not permitted (floatip needs CAP_NET_ADMIN): {e}"),
        ),
        Some(libc::ENODEV) => Error::generic(format!(
            "Failed to add {ip}: interface {nic} vanished while starting"
        )),
        _ => Error::generic(format!("Failed to add {ip}: {e}")),
    }
}

/// Removes an address this start added, so that a failed start leaves
/// nothing half-configured behind.
fn rollback(netlink: &mut Netlink, new: &NewAddress) {
    if let Ok(found) = netlink.find_address(new.ip) {
        for address in found.iter().filter(|a| a.index == new.index) {
            if let Err(e) = netlink.delete_address(address) {
                log::error(format!(
                    "Could not remove {} after a failed start: {e}",
                    new.ip
                ));
            }
        }
    }
}

/// IPaddr2's wording, which people search logs for.
fn adding_message(new: &NewAddress, nic: &str, config: &Config) -> String {
    let family = match new.ip {
        IpAddr::V4(_) => "inet",
        IpAddr::V6(_) => "inet6",
    };
    let mut message = format!("Adding {family} address {}/{}", new.ip, new.prefix_len);
    if let Some(broadcast) = new.broadcast {
        message.push_str(&format!(" with broadcast address {broadcast}"));
    }
    message.push_str(&format!(" to device {nic}"));
    let mut extra = Vec::new();
    if config.nodad && new.ip.is_ipv6() {
        extra.push("nodad".to_owned());
    }
    if config.noprefixroute {
        extra.push("noprefixroute".to_owned());
    }
    if let Some(label) = &new.label {
        extra.push(format!("label {label}"));
    }
    if new.ip.is_ipv6() {
        extra.push(match config.preferred_lft {
            Lifetime::Forever => "preferred_lft forever".to_owned(),
            Lifetime::Seconds(s) => format!("preferred_lft {s}"),
        });
    }
    if !extra.is_empty() {
        message.push_str(&format!(" (with {})", extra.join(" ")));
    }
    message
}

//! reload: bring a running VIP to changed parameters without a restart.
//!
//! The meta-data is OCF 1.0 and lists `reload`, so Pacemaker runs it
//! (legacy reload) instead of stop and start when any parameter but the
//! unique `ip` changes, and keeps the resources ordered after the VIP
//! running. It passes only the new parameters: what to change is worked
//! out from the kernel (the address as configured now) and the sender's
//! pid file. After a successful reload Pacemaker stops the VIP with the
//! new parameters, so reload applies everything stop relies on or fails.
//!
//! - Invalid parameters: 6 (or what findif says) before anything is touched.
//! - The VIP not running here: nothing changes, and the answer is
//!   monitor's (7). This is also how a new network_namespace or
//!   unique_clone_address ends: the address is not where the new
//!   parameters put it, and Pacemaker recovers with a stop (with the old
//!   parameters, which it keeps for stop) and a start.
//! - cidr_netmask, broadcast, iflabel, noprefixroute, preferred_lft: the
//!   address changes in place ([`readdress`]), then is read back.
//! - nic (or the interface findif now picks): the address is added on the
//!   new interface (IPv6 with DAD as configured), removed from the old,
//!   and announced there as start announces — unless the new interface is
//!   down or has no carrier, or the new IPv6 copy fails DAD or is still
//!   tentative when reload's time runs out: then 1, the working copy on
//!   the old interface untouched (and no new copy left).
//! - The announcement parameters: a running background sender is ended
//!   (provably, as stop ends it) and replaced by one with the new
//!   parameters on the same timeline (rounds already due are not sent
//!   again; the window counts from the same first round).
//! - lvs_ipv6_addrlabel(_value): the label is added or changed.
//! - lvs_support turned on: a conflicting loopback copy is moved away as
//!   start does it.
//! - Not safe in place, 1 with the reason (Pacemaker then restarts the VIP):
//!   lvs_support turned off after start removed a loopback copy (only a
//!   stop with lvs_support restores it); lvs_ipv6_addrlabel turned off
//!   while the label is there; the VIP on several interfaces, none of them
//!   the configured one; an IPv6 copy the kernel marked dadfailed.
//! - Everything else (check_link_status, arp_count_refresh, run_arping,
//!   nodad, dad_mode, arp_bg, flush_routes, arp_sender): read by the next
//!   monitor, start or stop; nothing to change now.

use std::net::IpAddr;
use std::time::{Instant, SystemTime};

use crate::actions::macvlan;
use crate::actions::monitor::{check, check_dad, is_probe};
use crate::actions::readdress::{self, Field};
use crate::actions::start::{self, Readiness};
use crate::actions::validate::place;
use crate::actions::{
    copies_anywhere, enter_namespace, find_vip, lvs, open_netlink, require_root, Namespace,
};
use crate::announce::schedule::Schedule;
use crate::announce::{sender, Announcer, Patience, Progress};
use crate::config::{self, Config};
use crate::env::Env;
use crate::findif::Placement;
use crate::netlink::{Address, Link, Netlink};
use crate::ocf::Context;
use crate::ocf::{self, log, Action, Error, Outcome, Result};
use crate::virtual_mac;

pub fn reload(env: &Env) -> Result<Outcome> {
    config::require_ip(env)?;
    require_root(Action::Reload)?;
    let config = config::load(env)?;
    let ip = config.vip.ip;
    if let Namespace::Unavailable(_) = enter_namespace(&config.vip)? {
        return check(&config, is_probe(env));
    }
    let mut netlink = open_netlink()?;
    let copies: Vec<(Address, Link)> = copies_anywhere(&mut netlink, &config.vip)?
        .into_iter()
        .filter_map(|(address, link)| Some((address, link?)))
        .collect();
    if copies.is_empty() {
        log::info(format!(
            "{ip} is not configured here: reload changes nothing"
        ));
        return check(&config, is_probe(env));
    }
    let (placement, label) = place(&mut netlink, &config)?;
    check_virtual_mac(&mut netlink, &config, &copies)?;
    let placement = macvlan::attach(&mut netlink, &config, placement)?;
    let reloaded = reload_on(&mut netlink, &config, &copies, &placement, label);
    match &reloaded {
        Ok(_) => {
            // Moved to another nic: the old nic's macvlan goes.
            for (_, link) in &copies {
                if link.index != placement.link.index {
                    if let Some(old) = virtual_mac::nic_of(&mut netlink, link, ip) {
                        macvlan::release(&mut netlink, ip, Some(&old), &config.vip.rsctmp);
                    }
                }
            }
        }
        Err(_) => macvlan::release_unused(&mut netlink, &config, &placement),
    }
    reloaded
}

/// reload once the VIP's (new) place is known.
fn reload_on(
    netlink: &mut Netlink,
    config: &Config,
    copies: &[(Address, Link)],
    placement: &Placement,
    label: Option<String>,
) -> Result<Outcome> {
    let ip = config.vip.ip;
    let (current, from) = current_copy(copies, &placement.link)?;
    check_dad(current, config)?;
    check_lvs(netlink, config)?;
    let addrlabel = check_address_label(netlink, config)?;

    let pid_file = &config.vip.sender_pid_file;
    let sender_began = sender::inspect(pid_file, ip).and_then(|_| sender::first_round(pid_file));
    if sender_began.is_some() {
        log::info(format!(
            "Replacing the background sender for {ip}: its announcements follow the new parameters"
        ));
        sender::stop(pid_file, ip, ocf::deadline(config.timeout_ms));
    }

    let desired = start::new_address(config, placement, label.clone(), false);
    let moved = from.index != placement.link.index;
    if moved {
        move_to(netlink, config, placement, label, current, from)?;
    } else {
        change_in_place(netlink, &placement.link, current, &desired)?;
    }
    readdress::verify(netlink, &config.vip, &placement.link, &desired)?;
    if let Some(change) = addrlabel {
        change.apply(netlink, ip);
    }

    if moved {
        // Announced as start announces, without the late listening of
        // dad_mode=probe: this node held the address already.
        if let Some(announcer) = start::open_announcer(netlink, config, placement) {
            start::announce(announcer, config, netlink, Instant::now(), None)?;
        }
    } else if let Some(began) = sender_began {
        resume_sender(netlink, config, placement, began);
    }
    Ok(Outcome::Success)
}

/// virtual_mac cannot change in place: the MAC neighbours know is the
/// whole point, and moving the VIP between the nic and a macvlan is a
/// stop and a start. 1 with the reason, and Pacemaker restarts the VIP.
fn check_virtual_mac(
    netlink: &mut Netlink,
    config: &Config,
    copies: &[(Address, Link)],
) -> Result<()> {
    let ip = config.vip.ip;
    let wanted = config.virtual_mac.mac_for(ip);
    for (_, link) in copies {
        let current = virtual_mac::nic_of(netlink, link, ip).and(link.ethernet_mac());
        if current != wanted {
            return Err(Error::generic("virtual_mac changed: restart needed"));
        }
    }
    Ok(())
}

/// The copy reload works on, and its interface: the one on the interface
/// the new parameters name (or findif picks), else the only other one.
fn current_copy<'a>(
    copies: &'a [(Address, Link)],
    target: &Link,
) -> Result<(&'a Address, &'a Link)> {
    if let Some((address, link)) = copies.iter().find(|(_, l)| l.index == target.index) {
        return Ok((address, link));
    }
    match copies {
        [(address, link)] => Ok((address, link)),
        _ => {
            let names: Vec<String> = copies.iter().map(|(_, l)| l.name.to_string()).collect();
            Err(Error::generic(format!(
                "{} is configured on {}, none of them {}: reload cannot tell which copy to move",
                copies[0].0.local,
                names.join(" and "),
                target.name
            )))
        }
    }
}

/// lvs_support (IPv4). Turned off, it is safe in place only when start
/// removed no loopback copy: only a stop with lvs_support on puts one
/// back. Turned on (or on), a conflicting loopback copy goes as at start.
fn check_lvs(netlink: &mut Netlink, config: &Config) -> Result<()> {
    let vip = &config.vip;
    if vip.ip.is_ipv6() {
        return Ok(());
    }
    if vip.lvs_support {
        return lvs::remove_conflicting_loopback(netlink, vip);
    }
    if lvs::has_removed_loopback(vip) {
        return Err(Error::generic(format!(
            "lvs_support cannot be turned off in place: the loopback copy of {} that start \
             removed is restored only by a stop with lvs_support on",
            vip.ip
        )));
    }
    Ok(())
}

/// What becomes of the IPv6 address label (lvs_ipv6_addrlabel).
enum LabelChange {
    Add(u32),
    Replace { from: u32, to: u32 },
}

impl LabelChange {
    fn apply(self, netlink: &mut Netlink, ip: IpAddr) {
        let value = match self {
            LabelChange::Add(value) => value,
            LabelChange::Replace { from, to } => {
                log::info(format!(
                    "Changing IPv6 address label prefix {ip} from label {from} to label {to}"
                ));
                if let Err(e) = netlink.delete_address_label(ip, from) {
                    log::warn(format!(
                        "Could not remove IPv6 address label prefix {ip} label {from}: {e}"
                    ));
                }
                to
            }
        };
        start::add_address_label(netlink, ip, value);
    }
}

/// The label as configured against the kernel's. Turning the option off
/// while a label for the VIP is there is refused: only stop (with the
/// option on) knows the label as the agent's.
fn check_address_label(netlink: &mut Netlink, config: &Config) -> Result<Option<LabelChange>> {
    let ip = config.vip.ip;
    if ip.is_ipv4() {
        return Ok(None);
    }
    let present = netlink
        .address_label(ip)
        .or_fail("Could not read the IPv6 address labels")?;
    match (present, config.addrlabel) {
        (None, None) => Ok(None),
        (None, Some(value)) => Ok(Some(LabelChange::Add(value))),
        (Some(from), Some(to)) if from != to => Ok(Some(LabelChange::Replace { from, to })),
        (Some(_), Some(_)) => Ok(None),
        (Some(value), None) => Err(Error::generic(format!(
            "lvs_ipv6_addrlabel cannot be turned off in place: the address label {value} for {ip} \
             is removed only by a stop with lvs_ipv6_addrlabel on"
        ))),
    }
}

fn change_in_place(
    netlink: &mut Netlink,
    link: &Link,
    current: &Address,
    desired: &Address,
) -> Result<()> {
    let fields = readdress::differences(current, desired, &link.name);
    let ip = current.local;
    if fields.is_empty() {
        log::info(format!(
            "Reloading {ip}: {} on {} stays as it is",
            readdress::describe(current, &link.name),
            link.name
        ));
        return Ok(());
    }
    let names: Vec<&str> = fields.iter().map(|f| Field::parameter(*f)).collect();
    log::info(format!(
        "Reloading {ip} on {} ({}): {} becomes {}",
        link.name,
        names.join(", "),
        readdress::describe(current, &link.name),
        readdress::describe(desired, &link.name)
    ));
    readdress::change(netlink, link, current, desired, &fields)
}

/// nic changed (or findif now picks another interface): the address is
/// added there first, so that it is held throughout, then removed from
/// the old one.
fn move_to(
    netlink: &mut Netlink,
    config: &Config,
    placement: &Placement,
    label: Option<String>,
    current: &Address,
    from: &Link,
) -> Result<()> {
    let ip = config.vip.ip;
    let to = &placement.link;
    // A working copy is never traded for one that cannot work: the new
    // interface must be able to carry the VIP before anything changes.
    // The answer is 1 with the copy on `from` untouched; Pacemaker then
    // stops the VIP with the parameters of its last successful start or
    // reload (the old nic) and starts it with the new ones.
    let unusable = if !to.is_up() {
        Some("the interface is down")
    } else if !to.has_carrier() {
        Some("the interface has no carrier")
    } else {
        None
    };
    if let Some(why) = unusable {
        return Err(Error::generic(format!(
            "{ip} is not moved to {}: {why}; it stays on {}",
            to.name, from.name
        )));
    }
    log::info(format!(
        "Reloading {ip}: moving it from {} to {}",
        from.name, to.name
    ));
    if ip.is_ipv4() {
        start::warn_if_primary(netlink, config, placement);
        start::add_address(netlink, config, placement, label, false)?;
    } else if matches!(
        start::add_ipv6(netlink, config, placement, label)?,
        Readiness::Tentative
    ) {
        // Still tentative when reload's time ran out: it cannot be used
        // yet (and may yet fail DAD), so the working copy stays.
        if let Some(new) = find_vip(netlink, &config.vip, Some(to))?.into_iter().next() {
            readdress::remove_keeping_others(netlink, to, &new)?;
        }
        return Err(Error::generic(format!(
            "{ip} is not moved to {}: duplicate address detection had not ended there \
             within reload's timeout; it stays on {}",
            to.name, from.name
        )));
    }
    log::info(format!(
        "Removing address {}/{} from device {}",
        current.local, current.prefix_len, from.name
    ));
    readdress::remove_keeping_others(netlink, from, current)
}

/// A sender reload ended: its successor announces with the new
/// parameters on the old timeline, sending only what is still due then
/// (and the extension within the window of the same first round).
fn resume_sender(netlink: &mut Netlink, config: &Config, placement: &Placement, began: SystemTime) {
    let ip = config.vip.ip;
    let announce = &config.announce;
    let elapsed = SystemTime::now().duration_since(began).unwrap_or_default();
    let mut events = Schedule::of(&announce.plan);
    let sent = events.skip_until(elapsed);
    let closed_loop = !announce.window.is_zero() && elapsed < announce.window;
    let link = &placement.link;
    let prefix_len = placement.prefix_len;
    let targets = &announce.targets;
    let Some(announcer) = crate::announce::or_logged(Announcer::prepare(
        netlink,
        link,
        ip,
        prefix_len,
        targets,
        closed_loop,
        None,
    )) else {
        return;
    };
    let announcer = announcer.paced(&announce.pacing, netlink, link, Patience::Unbounded);
    // It listens only within the window and with targets to hear from.
    if events.remaining() == 0 && !announcer.is_listening() {
        log::info(format!(
            "The announcements of {ip} under the new parameters were over by now: none are sent"
        ));
        return;
    }
    let now = Instant::now();
    let first_round = now.checked_sub(elapsed).unwrap_or(now);
    let rounds = u32::try_from(sent).unwrap_or(u32::MAX);
    let progress = Progress::resumed(&announcer, first_round, rounds);
    announcer.set_rounds_begun(rounds);
    log::info(format!(
        "Announcing {ip} on {} from {} ms after its first round: {} more",
        link.name,
        elapsed.as_millis(),
        events.remaining()
    ));
    let pid_file = &config.vip.sender_pid_file;
    start::spawn_sender(announcer, events, progress, announce.window, pid_file, None);
}

#[cfg(test)]
mod tests {
    use crate::config::{Param, ReloadClass};

    /// Where this module applies each class of parameter. The match is
    /// exhaustive: a new class does not compile until it is placed here
    /// (and the reload table in docs/operations.md, which a config test checks, says
    /// it).
    fn applied_by(class: ReloadClass) -> &'static str {
        match class {
            ReloadClass::Announcement => "resume_sender",
            ReloadClass::NextMonitor | ReloadClass::NextStartStop => "nothing now",
            ReloadClass::InPlace => "change_in_place",
            ReloadClass::Readdress => "move_to",
            ReloadClass::AddressLabel => "check_address_label",
            ReloadClass::LvsMove => "check_lvs",
            ReloadClass::RecoverBy7 => "check (not running here: 7)",
            ReloadClass::Unique => "Pacemaker (a restart)",
            ReloadClass::Restart => "check_virtual_mac",
        }
    }

    #[test]
    fn every_parameter_has_a_class_reload_applies() {
        for param in Param::LISTED {
            assert!(!applied_by(param.reload()).is_empty(), "{}", param.name());
        }
    }
}

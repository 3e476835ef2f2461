//! monitor and status: is the VIP configured here, and healthy?
//!
//! - absent: 7 (and never 7 while it is still configured);
//! - the configured nic gone: a probe says 7, a recurring monitor 1;
//! - present but IPv6 `dadfailed`: 1, another node holds it;
//! - present on a link that is down or has no carrier (check_link_status,
//!   default true; operstate UNKNOWN counts as up): 1, so Pacemaker stops
//!   it here and recovers it elsewhere (7 would let it start a second copy
//!   while this one is configured);
//! - OCF_CHECK_LEVEL 10: an echo request from the VIP to each gateway; if
//!   none answers, a warning and one announcement round (never a failure:
//!   see [`heal`]);
//! - OCF_CHECK_LEVEL 20: also ask the link whether another host answers
//!   for the VIP (split brain): 1 with that host's MAC.
//!
//! A monitor with interval 0 or unset is a probe. A healthy monitor sends
//! arp_count_refresh rounds.

use std::time::{Duration, Instant};

use crate::actions::macvlan;
use crate::actions::{
    check_carries_label, configured_link, copies_anywhere, enter_namespace, find_vip_with_links,
    log_namespace_unavailable, open_netlink, ConfiguredLink, Namespace,
};
use crate::announce::pacing::{Pacer, Protocol};
use crate::announce::probe::{self, ThisNode};
use crate::announce::schedule::Schedule;
use crate::announce::{collision, heal, run_and_report, Announcer, Limits, Patience, Progress};
use crate::config::values::check_label_length;
use crate::config::{self, Config, Meta, Params, Plan, Vip};
use crate::env::Env;
use crate::findif::{self, Request};
use crate::net::format_mac;
use crate::netlink::{Address, Link, Netlink};
use crate::ocf::messages;
use crate::ocf::{self, log, Error, Outcome, Result};
use crate::virtual_mac;

pub fn monitor(env: &Env) -> Result<Outcome> {
    let probe = is_probe(env);
    let config = config::load(env)?;
    check(&config, probe)
}

/// monitor's answer for a loaded configuration (reload answers with it
/// where the VIP is not running).
pub(super) fn check(config: &Config, probe: bool) -> Result<Outcome> {
    let vip = &config.vip;
    // The detached sender heard a duplicate late and withdrew the
    // address: never 7 ("stopped cleanly") for that.
    if let Some(reason) = collision::recorded(&vip.sender_pid_file) {
        return Err(Error::generic(reason));
    }
    if let Namespace::Unavailable(why) = enter_namespace(vip)? {
        log_namespace_unavailable(&why);
        return Ok(Outcome::NotRunning);
    }
    let mut netlink = open_netlink()?;
    let configured = configured_link(&mut netlink, vip)?;
    if let ConfiguredLink::Vanished(nic) = &configured {
        return vanished_nic(&mut netlink, vip, nic, probe);
    }
    check_label(&mut netlink, config)?;
    let Some((address, link)) = counting_copy(&mut netlink, vip, configured.link())? else {
        return Ok(Outcome::NotRunning);
    };
    check_dad(&address, config)?;
    check_carries_label(&address, &link, config.address.iflabel.as_deref())?;
    // A virtual-MAC VIP: its macvlan, and the nic under it.
    let nic = virtual_mac::nic_of(&mut netlink, &link, vip.ip);
    if config.monitor.check_link_status {
        check_link(&link, config)?;
        if let Some(nic) = &nic {
            check_link(nic, config)?;
        }
    }
    if config.monitor.check_level >= 20 {
        // Every holder of a virtual MAC has the same MAC: another one is
        // heard on the nic, as any frame for the VIP this node did not
        // send.
        check_sole_holder(&mut netlink, nic.as_ref().unwrap_or(&link), config)?;
    }
    if config.monitor.check_level >= 10 {
        heal::check_and_heal(
            &mut netlink,
            &link,
            vip.ip,
            address.prefix_len,
            &config.announce,
            ocf::deadline(config.timeout_ms),
        );
    }
    log::debug(format!(
        "{}/{} is configured on {}",
        address.local, address.prefix_len, link.name
    ));
    if config.announce.refresh_rounds > 0 {
        refresh(
            &mut netlink,
            config,
            &link,
            address.prefix_len,
            config.announce.refresh_rounds,
        );
    } else if nic.is_some() && macvlan::refresh_due(&config.vip.sender_pid_file) {
        // Switches forget a MAC after their aging time (300 s is common)
        // and VIP-sourced traffic leaves with the nic's MAC: one round
        // from the macvlan keeps the virtual MAC's port known.
        refresh(&mut netlink, config, &link, address.prefix_len, 1);
    }
    Ok(Outcome::Success)
}

/// The legacy status action: monitor's answer, printed.
pub fn status(env: &Env) -> Result<Outcome> {
    let result = monitor(env);
    let said = match &result {
        Ok(Outcome::Success) => "running\n",
        Ok(Outcome::NotRunning) => "stopped\n",
        Err(_) => return result,
    };
    let _ = log::stdout(said);
    result
}

/// The configured nic is gone (removed, or renamed). A copy of the VIP on
/// another interface is still the resource, in the wrong place: 1, never
/// 7, so Pacemaker stops it (stop removes that copy) instead of starting a
/// second one elsewhere. With no copy left a probe says 7 ("cleanly
/// stopped here") and a recurring monitor 1 (its interface vanished).
fn vanished_nic(netlink: &mut Netlink, vip: &Vip, nic: &str, probe: bool) -> Result<Outcome> {
    if let Some((address, link)) = copies_anywhere(netlink, vip)?.into_iter().next() {
        let name = link.map_or_else(|| format!("#{}", address.index), |l| l.name.to_string());
        return Err(Error::generic(format!(
            "Interface {nic} for {} has vanished, but {}/{} is still configured on {name}",
            vip.ip, address.local, address.prefix_len
        )));
    }
    if probe {
        log::info(format!(
            "Interface {nic} does not exist: {} is not running here",
            vip.ip
        ));
        return Ok(Outcome::NotRunning);
    }
    Err(Error::generic(format!(
        "Interface {nic} for {} has vanished",
        vip.ip
    )))
}

/// An iflabel too long together with the interface findif derives is a
/// configuration error at every action, not only at start. findif runs
/// only in that case (iflabel set, nic not); when it fails, the answer is
/// monitor's own.
fn check_label(netlink: &mut Netlink, config: &Config) -> Result<()> {
    let (None, Some(suffix)) = (&config.vip.nic, &config.address.iflabel) else {
        return Ok(());
    };
    match findif::findif(netlink, Request::of(config)) {
        Ok(placement) => check_label_length(&placement.link.name.lossy(), suffix).map(|_| ()),
        Err(_) => Ok(()),
    }
}

/// A monitor with no interval (or 0) is a probe. An interval that cannot
/// be read is none.
pub(super) fn is_probe(env: &Env) -> bool {
    Params::new(env)
        .meta(Meta::Interval)
        .ok()
        .flatten()
        .is_none_or(|interval| interval.trim() == "0")
}

pub(super) fn check_dad(address: &Address, config: &Config) -> Result<()> {
    if address.is_dadfailed() {
        return Err(Error::generic(format!(
            "{}: the kernel marked it dadfailed, another node holds it",
            messages::collision(config.vip.ip)
        )));
    }
    Ok(())
}

/// The first copy that counts as the resource, with its interface.
fn counting_copy(
    netlink: &mut Netlink,
    vip: &Vip,
    configured: Option<&Link>,
) -> Result<Option<(Address, Link)>> {
    if let Some(link) = configured {
        let found = find_vip_with_links(netlink, vip, Some(link))?;
        return Ok(found
            .into_iter()
            .next()
            .map(|(a, on)| (a, on.unwrap_or_else(|| link.clone()))));
    }
    let Some((address, link)) = copies_anywhere(netlink, vip)?.into_iter().next() else {
        return Ok(None);
    };
    let link =
        link.ok_or_else(|| Error::generic(format!("Interface #{} vanished", address.index)))?;
    Ok(Some((address, link)))
}

/// Down, or up without carrier. Operstate UNKNOWN (drivers that do not
/// report it, lo) counts as up.
fn check_link(link: &Link, config: &Config) -> Result<()> {
    let ip = config.vip.ip;
    if !link.is_up() {
        return Err(Error::generic(format!(
            "{ip} is configured on {}, but the interface is down",
            link.name
        )));
    }
    if !link.has_carrier() {
        return Err(Error::generic(format!(
            "{ip} is configured on {}, but the interface has no carrier (operstate {:?})",
            link.name, link.oper_state
        )));
    }
    Ok(())
}

fn check_sole_holder(netlink: &mut Netlink, link: &Link, config: &Config) -> Result<()> {
    let ip = config.vip.ip;
    let limit = ocf::deadline(config.timeout_ms);
    let question = format!("check whether another node holds {ip}");
    let this_node = ThisNode::read_or_only(netlink, link);
    let pacer = Pacer::for_link(&config.announce.pacing, netlink, link, Protocol::of(ip));
    match probe::ask(
        link,
        &this_node,
        ip,
        probe::WHILE_MONITORING,
        limit,
        &question,
        pacer.as_ref(),
    ) {
        None => Ok(()),
        Some(mac) => Err(Error::generic(format!(
            "{} also answers for {ip} on {}: another node holds the address (split brain)",
            format_mac(mac),
            link.name
        ))),
    }
}

/// arp_count_refresh: re-announce on every successful monitor, in the
/// foreground and quickly (rounds 10, 32, 75, 150 ms apart at most), so
/// that caches a split brain left stale are corrected.
fn refresh(netlink: &mut Netlink, config: &Config, link: &Link, prefix_len: u8, rounds: u32) {
    const REFRESH_INTERVAL_MS: u32 = 20;
    let ip = config.vip.ip;
    let announce = &config.announce;
    let targets = &announce.targets;
    let Some(announcer) = crate::announce::or_logged(Announcer::prepare(
        netlink, link, ip, prefix_len, targets, false, None,
    )) else {
        return;
    };
    let deadline = ocf::deadline(config.timeout_ms);
    let announcer = announcer.paced(&announce.pacing, netlink, link, Patience::Until(deadline));
    let plan = Plan {
        rounds,
        interval_ms: REFRESH_INTERVAL_MS,
        ..announce.plan
    };
    log::debug(format!(
        "Refreshing {ip} on {}: {}",
        link.name,
        plan.describe(ip)
    ));
    let limits = Limits {
        deadline: Some(deadline),
        window: Duration::ZERO,
        extend: false,

        watch: None,
    };
    let mut progress = Progress::before_first_round(&announcer, Instant::now());
    let _ = run_and_report(
        &announcer,
        &mut Schedule::of(&plan),
        &mut progress,
        &limits,
        Some(netlink),
    );
    progress.losses.report(ip);
    crate::announce::report_held(&announcer, ip);
    if virtual_mac::looks_like_floatip_macvlan(link) {
        macvlan::refreshed(&config.vip.sender_pid_file);
    }
}

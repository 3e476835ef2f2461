//! monitor and status: is the VIP configured here, and healthy?
//!
//! - absent: 7 (and never 7 while it is still configured);
//! - the configured nic gone: a probe says 7, a recurring monitor 1;
//! - present but IPv6 `dadfailed`: 1, another node holds it;
//! - present on a link that is down or has no carrier (check_link_status,
//!   default true; operstate UNKNOWN counts as up): 1, so Pacemaker stops
//!   it here and recovers it elsewhere (7 would let it start a second copy
//!   while this one is configured);
//! - OCF_CHECK_LEVEL 20: also ask the link whether another host answers
//!   for the VIP (split brain): 1 with that host's MAC.
//!
//! A monitor with interval 0 or unset is a probe. A healthy monitor sends
//! arp_count_refresh rounds.

use std::time::Instant;

use netlink_packet_route::address::AddressFlags;
use netlink_packet_route::link::{LinkFlags, State};

use crate::actions::{
    configured_link, copies_anywhere, enter_namespace, find_vip, log_namespace_unavailable,
    open_netlink, ConfiguredLink, Namespace,
};
use crate::announce::conflict::{self, format_mac};
use crate::announce::{report, run, targets, unannounceable, Announcer, Plan};
use crate::config::{check_label_length, Config, Params, Target};
use crate::env::Env;
use crate::netlink::{Address, Link, Netlink};
use crate::ocf::{self, log, Error, ExitCode, Result};

pub fn monitor(env: &Env) -> Result<()> {
    let probe = is_probe(env);
    let config = Params::new(env).config()?;
    let target = &config.target;
    if let Namespace::Unavailable(why) = enter_namespace(target)? {
        log_namespace_unavailable(&why);
        return Err(Error::not_running());
    }
    let mut netlink = open_netlink()?;
    let configured = configured_link(&mut netlink, target)?;
    if let ConfiguredLink::Vanished(nic) = &configured {
        return vanished_nic(&mut netlink, target, nic, probe);
    }
    check_label(&mut netlink, &config)?;
    let Some((address, link)) = counting_copy(&mut netlink, target, configured.link())? else {
        return Err(Error::not_running());
    };
    check_dad(&address, &config)?;
    if config.check_link_status {
        check_link(&link, &config)?;
    }
    if config.check_level >= 20 {
        check_sole_holder(&link, &config)?;
    }
    log::debug(format!(
        "{}/{} is configured on {}",
        address.local, address.prefix_len, link.name
    ));
    if config.arp_count_refresh > 0 {
        refresh(&mut netlink, &config, &link, address.prefix_len);
    }
    Ok(())
}

/// The legacy status action: monitor's answer, printed.
pub fn status(env: &Env) -> Result<()> {
    let result = monitor(env);
    match &result {
        Ok(()) => {
            let _ = log::stdout("running\n");
        }
        Err(e) if e.code == ExitCode::NotRunning => {
            let _ = log::stdout("stopped\n");
        }
        Err(_) => {}
    }
    result
}

/// The configured nic is gone (removed, or renamed). A copy of the VIP on
/// another interface is still the resource, in the wrong place: 1, never
/// 7, so Pacemaker stops it (stop removes that copy) instead of starting a
/// second one elsewhere. With no copy left a probe says 7 ("cleanly
/// stopped here") and a recurring monitor 1 (its interface vanished).
fn vanished_nic(netlink: &mut Netlink, target: &Target, nic: &str, probe: bool) -> Result<()> {
    if let Some((address, link)) = copies_anywhere(netlink, target)?.into_iter().next() {
        let name = link.map_or_else(|| format!("#{}", address.index), |l| l.name);
        return Err(Error::generic(format!(
            "Interface {nic} for {} has vanished, but {}/{} is still configured on {name}",
            target.ip, address.local, address.prefix_len
        )));
    }
    if probe {
        log::info(format!(
            "Interface {nic} does not exist: {} is not running here",
            target.ip
        ));
        return Err(Error::not_running());
    }
    Err(Error::generic(format!(
        "Interface {nic} for {} has vanished",
        target.ip
    )))
}

/// An iflabel too long together with the interface findif derives is a
/// configuration error at every action, not only at start. findif runs
/// only in that case (iflabel set, nic not); when it fails, the answer is
/// monitor's own.
fn check_label(netlink: &mut Netlink, config: &Config) -> Result<()> {
    let (None, Some(suffix)) = (&config.target.nic, &config.iflabel) else {
        return Ok(());
    };
    match crate::findif::findif(netlink, config) {
        Ok(placement) => check_label_length(&placement.link.name, suffix).map(|_| ()),
        Err(_) => Ok(()),
    }
}

fn is_probe(env: &Env) -> bool {
    env.get("OCF_RESKEY_CRM_meta_interval")
        .is_none_or(|interval| interval.trim().is_empty() || interval.trim() == "0")
}

fn check_dad(address: &Address, config: &Config) -> Result<()> {
    if address.flags.contains(AddressFlags::Dadfailed) {
        return Err(Error::generic(format!(
            "IPv6 address collision {} [DAD]: the kernel marked it dadfailed, another node holds it",
            config.target.ip
        )));
    }
    Ok(())
}

/// The first copy that counts as the resource, with its interface.
fn counting_copy(
    netlink: &mut Netlink,
    target: &Target,
    configured: Option<&Link>,
) -> Result<Option<(Address, Link)>> {
    if let Some(link) = configured {
        let found = find_vip(netlink, target, Some(link))?;
        return Ok(found.into_iter().next().map(|a| (a, link.clone())));
    }
    let Some((address, link)) = copies_anywhere(netlink, target)?.into_iter().next() else {
        return Ok(None);
    };
    let link =
        link.ok_or_else(|| Error::generic(format!("Interface #{} vanished", address.index)))?;
    Ok(Some((address, link)))
}

/// Down, or up without carrier. Operstate UNKNOWN (drivers that do not
/// report it, lo) counts as up.
fn check_link(link: &Link, config: &Config) -> Result<()> {
    let ip = config.target.ip;
    if !link.flags.contains(LinkFlags::Up) {
        return Err(Error::generic(format!(
            "{ip} is configured on {}, but the interface is down",
            link.name
        )));
    }
    let carrier_lost = matches!(
        link.oper_state,
        State::Down | State::LowerLayerDown | State::NotPresent | State::Dormant
    ) || (link.carrier == Some(false) && link.oper_state != State::Unknown);
    if carrier_lost {
        return Err(Error::generic(format!(
            "{ip} is configured on {}, but the interface has no carrier (operstate {:?})",
            link.name, link.oper_state
        )));
    }
    Ok(())
}

fn check_sole_holder(link: &Link, config: &Config) -> Result<()> {
    let ip = config.target.ip;
    if unannounceable(link).is_some() {
        return Ok(());
    }
    let limit = ocf::deadline(config.timeout_ms);
    match conflict::other_holder(link, ip, conflict::WHILE_MONITORING, limit) {
        Ok(None) => Ok(()),
        Ok(Some(mac)) => Err(Error::generic(format!(
            "{} also answers for {ip} on {}: another node holds the address (split brain)",
            format_mac(mac),
            link.name
        ))),
        Err(e) => {
            log::warn(format!(
                "Could not check whether another node holds {ip}: {e}"
            ));
            Ok(())
        }
    }
}

/// arp_count_refresh: re-announce on every successful monitor, in the
/// foreground and quickly (rounds 10, 32, 75, 150 ms apart at most), so
/// that caches a split brain left stale are corrected.
fn refresh(netlink: &mut Netlink, config: &Config, link: &Link, prefix_len: u8) {
    const REFRESH_INTERVAL_MS: u32 = 20;
    let ip = config.target.ip;
    let announcer = match Announcer::open(link, ip) {
        Ok(Some(announcer)) => {
            let directed = targets::resolve(netlink, &config.garp_targets, link, ip, prefix_len);
            announcer.with_targets(directed)
        }
        Ok(None) => return,
        Err(e) => return log::error(format!("Could not send gratuitous arps: {e}")),
    };
    let plan = Plan {
        rounds: config.arp_count_refresh,
        interval_ms: REFRESH_INTERVAL_MS,
        ..config.announce
    };
    log::debug(format!(
        "Refreshing {ip} on {}: {}",
        link.name,
        plan.describe(ip)
    ));
    let start = Instant::now();
    let result = run(
        &announcer,
        plan.schedule(),
        start,
        Some(ocf::deadline(config.timeout_ms)),
        Some(netlink),
    );
    report(&result, ip);
}

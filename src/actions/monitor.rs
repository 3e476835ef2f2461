//! monitor and status: is the VIP configured here?
//!
//! 0 when the address is on its interface; 7 when it is absent (and never
//! while it is still configured); 1 when a recurring monitor finds the
//! configured nic gone. A monitor with interval 0 or unset is a probe.

use crate::actions::{
    configured_link, enter_namespace, find_vip, log_namespace_missing, open_netlink,
    ConfiguredLink, Namespace,
};
use std::time::Instant;

use netlink_packet_route::address::AddressFlags;

use crate::announce::{deadline, report, run, unannounceable, Announcer, Plan};
use crate::config::{Config, Params};
use crate::env::Env;
use crate::netlink::Netlink;
use crate::ocf::{log, Error, Result};

pub fn monitor(env: &Env) -> Result<()> {
    let probe = is_probe(env);
    let config = Params::new(env).config()?;
    let target = &config.target;
    if let Namespace::Missing(name) = enter_namespace(target)? {
        log_namespace_missing(&name);
        return Err(Error::not_running());
    }
    let mut netlink = open_netlink()?;
    let link = match configured_link(&mut netlink, target)? {
        ConfiguredLink::Vanished(nic) if probe => {
            log::info(format!(
                "Interface {nic} does not exist: {} is not running here",
                target.ip
            ));
            return Err(Error::not_running());
        }
        ConfiguredLink::Vanished(nic) => {
            return Err(Error::generic(format!(
                "Interface {nic} for {} has vanished",
                target.ip
            )))
        }
        found => found,
    };
    let found = find_vip(&mut netlink, target, link.link())?;
    match found.first() {
        None => Err(Error::not_running()),
        Some(address) if address.flags.contains(AddressFlags::Dadfailed) => {
            Err(Error::generic(format!(
                "IPv6 address collision {} [DAD]: the kernel marked it dadfailed, another node holds it",
                target.ip
            )))
        }
        Some(address) => {
            log::debug(format!(
                "{}/{} is configured on interface #{}",
                address.local, address.prefix_len, address.index
            ));
            if config.arp_count_refresh > 0 {
                refresh(&mut netlink, &config, address.index);
            }
            Ok(())
        }
    }
}

/// The legacy status action: monitor's answer, printed.
pub fn status(env: &Env) -> Result<()> {
    let result = monitor(env);
    match &result {
        Ok(()) => println!("running"),
        Err(e) if e.code == crate::ocf::ExitCode::NotRunning => println!("stopped"),
        Err(_) => {}
    }
    result
}

fn is_probe(env: &Env) -> bool {
    env.get("OCF_RESKEY_CRM_meta_interval")
        .is_none_or(|interval| interval.trim().is_empty() || interval.trim() == "0")
}

/// arp_count_refresh: re-announce on every successful monitor, in the
/// foreground and quickly (rounds 10, 32, 75, 150 ms apart at most), so
/// that caches a split brain left stale are corrected.
fn refresh(netlink: &mut Netlink, config: &Config, ifindex: u32) {
    const REFRESH_INTERVAL_MS: u32 = 20;
    let Ok(Some(link)) = netlink.link_by_index(ifindex) else {
        return;
    };
    if unannounceable(&link).is_some() {
        return;
    }
    let announcer = match Announcer::open(&link, config.target.ip) {
        Ok(Some(announcer)) => announcer,
        Ok(None) => return,
        Err(e) => return log::error(format!("Could not send gratuitous arps: {e}")),
    };
    let plan = Plan {
        rounds: config.arp_count_refresh,
        interval_ms: REFRESH_INTERVAL_MS,
        ..config.announce
    };
    log::debug(format!(
        "Refreshing {} on {}: {}",
        config.target.ip,
        link.name,
        plan.describe(config.target.ip)
    ));
    let start = Instant::now();
    let deadline = deadline(start, config.timeout_ms);
    let ip = config.target.ip;
    let result = run(&announcer, &plan.events(), start, Some(deadline), || {
        netlink
            .find_address(ip)
            .map(|found| found.iter().any(|a| a.index == ifindex))
            .unwrap_or(true)
    });
    report(&result, ip);
}

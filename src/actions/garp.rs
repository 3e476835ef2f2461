//! `floatip garp`: re-announce an address by hand, what operators do today
//! with `arping -U` or send_arp when a neighbour's cache is stuck. Only an
//! address this node holds on that interface is announced.

use std::time::Instant;

use crate::actions::{
    configured_link, enter_namespace, find_vip, open_netlink, ConfiguredLink, Namespace,
};
use crate::announce::{report, run, targets, unannounceable, Announcer, Stopped};
use crate::config::Params;
use crate::env::Env;
use crate::ocf::{self, log, Error, Result};

pub fn garp(env: &Env) -> Result<()> {
    let config = Params::new(env).config()?;
    let target = &config.target;
    if let Namespace::Unavailable(why) = enter_namespace(target)? {
        return Err(Error::installed(why));
    }
    let mut netlink = open_netlink()?;
    let link = match configured_link(&mut netlink, target)? {
        ConfiguredLink::Present(link) => link,
        ConfiguredLink::Vanished(nic) => {
            return Err(Error::configured(format!(
                "Invalid interface name [{nic}]: nic names no interface on this node"
            )))
        }
        ConfiguredLink::Any => {
            return Err(Error::configured(
                "garp needs --nic: the interface to announce on",
            ))
        }
    };
    if find_vip(&mut netlink, target, Some(&link))?.is_empty() {
        return Err(Error::generic(format!(
            "{} is not configured on {}: only an address this node holds is announced",
            target.ip, link.name
        )));
    }
    if let Some(why) = unannounceable(&link) {
        return Err(Error::generic(format!(
            "Nothing can be announced on {}: {why}",
            link.name
        )));
    }
    let prefix_len = find_vip(&mut netlink, target, Some(&link))?
        .first()
        .map(|a| a.prefix_len)
        .unwrap_or(0);
    let directed = targets::resolve(
        &mut netlink,
        &config.garp_targets,
        &link,
        target.ip,
        prefix_len,
    );
    let announcer = Announcer::open(&link, target.ip)
        .map_err(|e| Error::generic(format!("Could not send gratuitous arps: {e}")))?
        .ok_or_else(|| Error::generic(format!("{} cannot be announced yet", target.ip)))?
        .with_targets(directed);
    log::info(format!(
        "Announcing {} on {}: {}",
        target.ip,
        link.name,
        config.announce.describe(target.ip)
    ));
    let ip = target.ip;
    // By hand there is no timeout unless one is given: the operator asked
    // for these rounds and can interrupt them.
    let started = Instant::now();
    let limit = config.timeout_ms.map(|_| ocf::deadline(config.timeout_ms));
    let result = run(
        &announcer,
        config.announce.schedule(),
        started,
        limit,
        Some(&mut netlink),
    );
    report(&result, ip);
    match result {
        Ok(()) => Ok(()),
        Err(Stopped::Failed(e)) => Err(Error::generic(format!(
            "Could not send gratuitous arps: {e}"
        ))),
        Err(Stopped::AddressGone) => {
            Err(Error::generic(format!("{ip} was removed while announcing")))
        }
        Err(Stopped::Deadline(_)) => Ok(()),
    }
}

//! `floatip garp`: re-announce an address by hand, what operators do today
//! with `arping -U` or send_arp when a neighbour's cache is stuck. Only an
//! address this node holds on that interface is announced.

use std::time::Instant;

use crate::actions::{
    configured_link, enter_namespace, find_vip_with_links, open_netlink, ConfiguredLink, Namespace,
};
use crate::announce::schedule::Schedule;
use crate::announce::{
    report_held, run_and_report, unannounceable, Announcer, Limits, Patience, Progress, Stopped,
};
use crate::config;
use crate::env::Env;
use crate::ocf::{self, log, Error, Result};
use crate::ocf::{messages, Context};

pub fn garp(env: &Env) -> Result<()> {
    let config = config::load(env)?;
    let vip = &config.vip;
    if let Namespace::Unavailable(why) = enter_namespace(vip)? {
        return Err(Error::installed(why));
    }
    let mut netlink = open_netlink()?;
    let link = match configured_link(&mut netlink, vip)? {
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
    let Some((address, on)) = find_vip_with_links(&mut netlink, vip, Some(&link))?
        .into_iter()
        .next()
    else {
        return Err(Error::generic(format!(
            "{} is not configured on {}: only an address this node holds is announced",
            vip.ip, link.name
        )));
    };
    // A virtual-MAC VIP is announced from its macvlan, with its MAC.
    let link = on.unwrap_or(link);
    if let Some(why) = unannounceable(&link) {
        return Err(Error::generic(format!(
            "Nothing can be announced on {}: {why}",
            link.name
        )));
    }
    let announce = &config.announce;
    let closed_loop = !announce.window.is_zero();
    let announcer = Announcer::prepare(
        &mut netlink,
        &link,
        vip.ip,
        address.prefix_len,
        &announce.targets,
        closed_loop,
        None,
    )
    .or_fail(messages::SEND_GARP_FAILED)?
    .ok_or_else(|| Error::generic(format!("{} cannot be announced yet", vip.ip)))?
    // By hand the frames wait for the budget as long as it takes (the
    // operator can interrupt), or until --timeout.
    .paced(&announce.pacing, &mut netlink, &link, Patience::Unbounded);
    log::info(format!(
        "Announcing {} on {}: {}",
        vip.ip,
        link.name,
        announce.plan.describe(vip.ip)
    ));
    // By hand there is no timeout unless one is given: the operator asked
    // for these rounds and can interrupt them. The whole announcement runs
    // here, extension included, so that what the targets did is printed.
    let limits = Limits {
        deadline: config.timeout_ms.map(|_| ocf::deadline(config.timeout_ms)),
        window: announce.window,
        extend: true,

        watch: None,
    };
    let mut progress = Progress::before_first_round(&announcer, Instant::now());
    let result = run_and_report(
        &announcer,
        &mut Schedule::of(&announce.plan),
        &mut progress,
        &limits,
        Some(&mut netlink),
    );
    progress.losses.report(vip.ip);
    report_held(&announcer, vip.ip);
    match result {
        // No late listening by hand: the address was there already.
        Ok(()) | Err(Stopped::Deadline(_) | Stopped::Collision(_)) => Ok(()),
        Err(Stopped::Failed(e)) => Err(e).or_fail(messages::SEND_GARP_FAILED),
        Err(Stopped::AddressGone) => Err(Error::generic(format!(
            "{} was removed while announcing",
            vip.ip
        ))),
    }
}

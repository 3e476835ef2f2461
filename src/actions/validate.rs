//! validate-all, and the preparation start shares with it: the
//! namespace, findif, the label.

use crate::actions::macvlan;
use crate::actions::{connections, enter_namespace, open_netlink, Namespace};
use crate::announce::schedule::forms;
use crate::announce::{targets, unannounceable};
use crate::config::values::check_label_length;
use crate::config::{self, Config};
use crate::env::Env;
use crate::findif::{findif, Placement, Request};
use crate::netlink::Netlink;
use crate::ocf::{log, Error, Result};
use crate::virtual_mac;

pub fn validate_all(env: &Env) -> Result<()> {
    let config = config::load(env)?;
    let (mut netlink, placement, _) = prepare(&config)?;
    if config.reset_connections {
        connections::warn_if_unsupported(config.vip.ip);
    }
    // Say now, not only at start, when the interface gets no announcements
    // (an IPoIB interface, say): the address would work, neighbours would
    // not be told.
    let link = &placement.link;
    if let Some(why) = unannounceable(link) {
        if !link.is_loopback() {
            log::warn(format!("No announcements on {}: {why}", link.name));
        }
        return Ok(());
    }
    warn_rate_below_first_round(&mut netlink, &config, &placement);
    Ok(())
}

/// garp_rate below one VIP's first round (the broadcast forms and one
/// directed request per target): even a VIP alone on its port has its
/// first round spread over more than a second.
fn warn_rate_below_first_round(netlink: &mut Netlink, config: &Config, placement: &Placement) {
    let rate = config.announce.pacing.rate;
    if rate == 0 {
        return;
    }
    let ip = config.vip.ip;
    let link = &placement.link;
    let targets = targets::resolve(
        netlink,
        &config.announce.targets,
        link,
        ip,
        placement.prefix_len,
        placement.routes.clone(),
    );
    let broadcast = if ip.is_ipv4() {
        forms(config.announce.plan.mode).len()
    } else {
        1
    };
    let first_round = broadcast + targets.len();
    if (rate as usize) < first_round {
        log::warn(format!(
            "garp_rate={rate} is below one first round announcing {ip} on {} ({first_round} frames: \
             {broadcast} broadcast, {} directed): even alone on its port, its first round takes more than a second",
            link.name,
            targets.len()
        ));
    }
}

/// What start and validate-all share: the namespace, findif, the label.
pub fn prepare(config: &Config) -> Result<(Netlink, Placement, Option<String>)> {
    if let Namespace::Unavailable(why) = enter_namespace(&config.vip)? {
        return Err(Error::installed(why));
    }
    let mut netlink = open_netlink()?;
    let (placement, label) = place(&mut netlink, config)?;
    Ok((netlink, placement, label))
}

/// findif, and the label the address gets there.
/// With virtual_mac the VIP goes on the nic's macvlan: the nic must be
/// one it can work on, and the label is the macvlan's.
pub fn place(netlink: &mut Netlink, config: &Config) -> Result<(Placement, Option<String>)> {
    let placement = findif(netlink, Request::of(config))?;
    let ip = config.vip.ip;
    let device = if config.virtual_mac.is_on() {
        macvlan::check_placeable(netlink, &placement.link, ip)?;
        virtual_mac::macvlan_name(ip, &placement.link.name)
    } else {
        placement.link.name.lossy()
    };
    let label = config
        .address
        .iflabel
        .as_deref()
        .map(|suffix| check_label_length(&device, suffix))
        .transpose()?;
    Ok((placement, label))
}

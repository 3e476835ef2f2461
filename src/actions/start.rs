//! start and validate-all.
//!
//! start: validate everything, find the interface (findif), add the
//! address unless it is already served, bring the interface up, announce.
//! Start on a started VIP is 0. Nothing is left half-configured: if a step
//! after the add fails, the address is removed again.

use std::net::IpAddr;

use netlink_packet_route::address::AddressFlags;

use crate::actions::{enter_namespace, find_vip, open_netlink, require_root, Action, Namespace};
use crate::config::{check_label_length, Config, Params};
use crate::env::Env;
use crate::findif::{findif, Placement};
use crate::netlink::{Netlink, NewAddress};
use crate::ocf::{log, Error, Result};

pub fn start(env: &Env) -> Result<()> {
    let params = Params::new(env);
    // IPaddr2's order: a missing ip is a configuration error before the
    // root check; every other check comes after it.
    if params.nonempty("ip")?.is_none() {
        params.target()?;
    }
    require_root(Action::Start)?;
    let config = params.config()?;
    refuse_unimplemented(&config)?;
    let (mut netlink, placement, label) = prepare(&config)?;

    let link = &placement.link;
    let served = find_vip(&mut netlink, &config.target, Some(link))?;
    if let Some(existing) = served.first() {
        if existing.prefix_len != placement.prefix_len {
            log::warn(format!(
                "{} is already configured on {} as /{} (configured: /{})",
                config.target.ip, link.name, existing.prefix_len, placement.prefix_len
            ));
        }
        return Ok(());
    }
    add_address(&mut netlink, &config, &placement, label)?;
    Ok(())
}

pub fn validate_all(env: &Env) -> Result<()> {
    let config = Params::new(env).config()?;
    refuse_unimplemented(&config)?;
    prepare(&config)?;
    Ok(())
}

/// What start and validate-all share: the namespace, findif, the label.
fn prepare(config: &Config) -> Result<(Netlink, Placement, Option<String>)> {
    if let Namespace::Missing(name) = enter_namespace(&config.target)? {
        return Err(Error::installed(format!(
            "Network namespace {name} does not exist on this node (/run/netns/{name})"
        )));
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
    let new = NewAddress {
        index: link.index,
        ip,
        prefix_len: placement.prefix_len,
        broadcast: placement.broadcast,
        label,
        flags,
        preferred_lft: None,
    };
    log::info(adding_message(&new, &link.name, config));
    match netlink.add_address(&new) {
        Ok(()) => {}
        // A concurrent start of the same VIP got there first: served.
        Err(e) if e.raw_os_error() == Some(libc::EEXIST) => return Ok(()),
        Err(e) => return Err(Error::generic(format!("Failed to add {ip}: {e}"))),
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
    if !extra.is_empty() {
        message.push_str(&format!(" (with {})", extra.join(" ")));
    }
    message
}

/// Parameters that are listed in the meta-data but whose feature has not
/// landed yet are refused rather than silently ignored.
fn refuse_unimplemented(config: &Config) -> Result<()> {
    let unimplemented = [
        ("lvs_support", config.lvs_support),
        ("lvs_ipv6_addrlabel", config.lvs_ipv6_addrlabel),
        ("flush_routes", config.flush_routes),
        ("run_arping", config.run_arping),
        ("send_arp_opts", config.send_arp_opts.is_some()),
        ("arp_count_refresh", config.arp_count_refresh > 0),
    ];
    match unimplemented.iter().find(|(_, set)| *set) {
        Some((name, _)) => Err(Error::configured(format!(
            "{name} is not implemented yet in this floatip version: leave it at its default"
        ))),
        None => Ok(()),
    }
}

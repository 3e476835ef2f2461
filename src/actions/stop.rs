//! stop: remove the VIP.
//!
//! A failed stop gets the node fenced, so stop needs only what it takes to
//! find the address (ip, nic, network_namespace) and never fails on any
//! other parameter. It answers 0 only when the VIP is verifiably gone.

use crate::actions::{
    configured_link, connections, enter_namespace, find_vip, interface_name,
    log_namespace_unavailable, lvs, open_netlink, require_root, ConfiguredLink, Namespace,
};
use crate::announce::{collision, sender};
use crate::config::{self, Vip};
use crate::env::Env;
use crate::netlink::ErrorKind;
use crate::ocf::{log, Action, Error, Result};

/// How often stop removes and looks again before it gives up.
const REMOVAL_PASSES: usize = 3;

pub fn stop(env: &Env) -> Result<()> {
    require_root(Action::Stop)?;
    let stop = match config::load_for_stop(env) {
        Ok(stop) => stop,
        Err(e) => {
            // Nothing can have been started with this configuration.
            log::warn(format!("{}: nothing to stop", e.reason));
            return Ok(());
        }
    };
    // First: a late announcement from this node would undo the failover.
    // Its waits come out of stop's own budget (20 s when Pacemaker gives
    // no timeout), so stop always answers before it is killed.
    let vip = &stop.vip;
    sender::stop(
        &vip.sender_pid_file,
        vip.ip,
        crate::ocf::deadline(stop.timeout_ms),
    );
    // A late collision the sender recorded has been answered for.
    collision::clear(&vip.sender_pid_file);
    if let Namespace::Unavailable(why) = enter_namespace(vip)? {
        log_namespace_unavailable(&why);
        return Ok(());
    }
    let mut netlink = open_netlink()?;
    // A vanished (or renamed) nic: the copies that count are then those on
    // any other interface but loopback, and those are removed.
    let link = match configured_link(&mut netlink, vip)? {
        ConfiguredLink::Vanished(nic) => {
            log::info(format!(
                "Interface {nic} does not exist: removing {} wherever else it is configured",
                vip.ip
            ));
            ConfiguredLink::Any
        }
        found => found,
    };
    // Remove what is there, then look again: stop answers 0 only after a
    // look that finds nothing. A few passes, in case something re-adds it,
    // and always a last look after the last removal.
    let mut removed = false;
    let mut denied = false;
    let mut remaining;
    let mut pass = 0;
    let mut withdrawn = Vec::new();
    loop {
        remaining = find_vip(&mut netlink, vip, link.link())?;
        if pass == 0 {
            log::info(format!(
                "IP status = {}, IP_CIP=",
                if remaining.is_empty() { "no" } else { "ok" }
            ));
            if stop.reset_connections && !remaining.is_empty() {
                let deadline = crate::ocf::deadline(stop.timeout_ms);
                withdrawn = connections::reset_before_removal(&mut netlink, vip.ip, deadline);
            }
        }
        if remaining.is_empty() || pass == REMOVAL_PASSES {
            break;
        }
        pass += 1;
        for address in &remaining {
            log::info(format!(
                "Removing address {}/{} from device {}",
                address.local,
                address.prefix_len,
                interface_name(&mut netlink, address.index)
            ));
            match netlink.delete_address(address) {
                Ok(()) => removed = true,
                // Gone already (a concurrent stop) is what we wanted.
                Err(e) if e.kind() == ErrorKind::AddressNotAvailable => {}
                Err(e) => {
                    denied |= e.kind() == ErrorKind::NotPermitted;
                    log::error(format!("Could not remove {}: {e}", address.local));
                }
            }
        }
    }
    if removed && stop.flush_routes {
        flush_route_cache(vip);
    }
    if vip.lvs_support {
        lvs::restore_loopback(&mut netlink, vip);
    }
    if let Some(label) = stop.addrlabel {
        // Only the label this resource adds: the kernel deletes by prefix
        // alone, and a prefix may carry another label that is not ours
        // (the kernel's own policy for ::1/128, an operator's). Absent
        // already is fine, whether or not the address is still here.
        if netlink.address_label(vip.ip).ok().flatten() == Some(label) {
            let _ = netlink.delete_address_label(vip.ip, label);
        }
    }
    if remaining.is_empty() {
        // A virtual-MAC VIP's macvlan, found by name whatever virtual_mac
        // says now (also one a crashed start left without the VIP).
        crate::actions::macvlan::release(&mut netlink, vip.ip, link.link(), &vip.rsctmp);
        crate::state::remove(&crate::config::paths::virtual_mac_refresh(
            &vip.sender_pid_file,
        ));
    }
    if let Some(address) = remaining.first() {
        connections::restore(&mut netlink, vip.ip, &withdrawn);
        let nic = interface_name(&mut netlink, address.index);
        return Err(Error::generic(format!(
            "Unable to remove IP [{} from interface [ {nic} ]{}",
            vip.ip,
            if denied {
                ": not permitted (floatip needs CAP_NET_ADMIN)"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

/// flush_routes: what `ip route flush cache` does, for applications on this
/// node that would keep using a cached local route to the old address.
fn flush_route_cache(vip: &Vip) {
    let family = if vip.ip.is_ipv4() { "ipv4" } else { "ipv6" };
    let path = format!("/proc/sys/net/{family}/route/flush");
    if let Err(e) = std::fs::write(&path, "1") {
        log::warn(format!("Could not flush the route cache ({path}): {e}"));
    }
}

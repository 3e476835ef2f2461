//! Changing a configured VIP's address fields in place, for reload: what
//! the kernel really does with each field (measured on Linux 6.x, docs/operations.md
//! "Reload"), and how to get from the old form to the new one without a
//! moment in which the node does not hold the address.
//!
//! - IPv4, a new prefix: the kernel keys an IPv4 address on (address,
//!   prefix), so the new form is added beside the old, then the old one is
//!   removed. NLM_F_REPLACE would answer 0 and add a second address.
//! - IPv4, the same prefix with a new broadcast, label or noprefixroute:
//!   NLM_F_REPLACE answers 0 and changes none of them, and the new form
//!   cannot be added beside the old (same key). A stand-in holds the
//!   address meanwhile: the VIP as a /32 (a /31 when the VIP is a /32)
//!   with noprefixroute, so it adds no route. Old form out, new form in,
//!   stand-in out; the local route never goes.
//! - Removing an IPv4 primary removes every secondary of its subnet unless
//!   promote_secondaries is on; where it would take other addresses, it
//!   is turned on for that interface just for the removal, and put back.
//! - IPv6 noprefixroute and preferred_lft: NLM_F_REPLACE changes both in
//!   place (with the prefix route).
//! - IPv6, a new prefix: NLM_F_REPLACE keeps the old one, and one
//!   interface cannot hold one IPv6 address twice. The old form is removed
//!   and the new one added at once, with IFA_F_NODAD: this node held the
//!   address without conflict, so it must not wait for DAD again (a copy
//!   still tentative goes through DAD again instead). The gap is two
//!   netlink requests (tens of microseconds).
//!
//! Afterwards the address is read back; reload fails with 1 unless the
//! kernel shows exactly the new form.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use crate::actions::{find_vip, ipv4_conf};
use crate::config::Vip;
use crate::netlink::{
    Address, AddressFlags, ErrorKind, Family, Link, Name, Netlink, INFINITY_LIFE_TIME,
};
use crate::ocf::{log, Error, Result};
use crate::ocf::{messages, Context};

/// An address field reload may change, by the parameter that sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Prefix,
    Broadcast,
    Label,
    NoPrefixRoute,
    PreferredLft,
}

impl Field {
    pub fn parameter(self) -> &'static str {
        match self {
            Field::Prefix => "cidr_netmask",
            Field::Broadcast => "broadcast",
            Field::Label => "iflabel",
            Field::NoPrefixRoute => "noprefixroute",
            Field::PreferredLft => "preferred_lft",
        }
    }
}

/// The fields in which the kernel's `current` form differs from `desired`
/// (on interface `ifname`, whose name is the label the kernel reports for
/// an IPv4 address added without one).
pub fn differences(current: &Address, desired: &Address, ifname: &Name) -> Vec<Field> {
    let mut fields = Vec::new();
    if current.prefix_len != desired.prefix_len {
        fields.push(Field::Prefix);
    }
    if current.local.is_ipv4() {
        if broadcast(current) != broadcast(desired) {
            fields.push(Field::Broadcast);
        }
        let label = |a: &Address| a.label.clone().unwrap_or_else(|| ifname.clone());
        if label(current) != label(desired) {
            fields.push(Field::Label);
        }
    }
    let no_prefix_route = |a: &Address| a.flags.contains(AddressFlags::NOPREFIXROUTE);
    if no_prefix_route(current) != no_prefix_route(desired) {
        fields.push(Field::NoPrefixRoute);
    }
    // The kernel counts a finite preferred lifetime down: a restart would
    // set it anew, and so does reload.
    if current.local.is_ipv6() && preferred(current) != preferred(desired) {
        fields.push(Field::PreferredLft);
    }
    fields
}

/// No broadcast and 0.0.0.0 are the same to the kernel.
fn broadcast(address: &Address) -> Option<Ipv4Addr> {
    address.broadcast.filter(|b| !b.is_unspecified())
}

fn preferred(address: &Address) -> u32 {
    address.preferred_lft.unwrap_or(INFINITY_LIFE_TIME)
}

/// Brings `current` (on `link`) to `desired`, which differs from it in
/// `fields`, without a gap where the kernel allows it (see the module).
pub fn change(
    netlink: &mut Netlink,
    link: &Link,
    current: &Address,
    desired: &Address,
    fields: &[Field],
) -> Result<()> {
    match (desired.local, fields.contains(&Field::Prefix)) {
        (IpAddr::V4(_), true) => {
            add(netlink, desired)?;
            remove_keeping_others(netlink, link, current)
        }
        (IpAddr::V4(_), false) => change_beside_stand_in(netlink, link, current, desired),
        (IpAddr::V6(_), true) => {
            let mut desired = desired.clone();
            // A copy still in DAD has not been cleared yet: it does DAD
            // again rather than skip it.
            if !current.is_tentative() {
                desired.flags |= AddressFlags::NODAD;
            }
            remove_keeping_others(netlink, link, current)?;
            if let Err(e) = add(netlink, &desired) {
                // Put the old form back rather than leave nothing.
                let mut old = current.clone();
                old.flags |= AddressFlags::NODAD;
                let _ = netlink.add_address(&old);
                return Err(e);
            }
            Ok(())
        }
        (IpAddr::V6(_), false) => {
            let mut desired = desired.clone();
            // NLM_F_REPLACE sets the flags it is given: keep nodad.
            if current.flags.contains(AddressFlags::NODAD) {
                desired.flags |= AddressFlags::NODAD;
            }
            netlink
                .replace_address(&desired)
                .map_err(|e| Error::generic(format!("Could not change {}: {e}", desired.local)))
        }
    }
}

fn add(netlink: &mut Netlink, address: &Address) -> Result<()> {
    match netlink.add_address(address) {
        Ok(()) => Ok(()),
        // That form is there already (configured by hand, say): it is the
        // one wanted, and the old one still goes.
        Err(e) if e.kind() == ErrorKind::Exists => Ok(()),
        Err(e) => Err(Error::generic(format!(
            "Could not add {}/{}: {e}",
            address.local, address.prefix_len
        ))),
    }
}

/// IPv4, same prefix: the stand-in holds the address while the old form
/// makes way for the new one.
fn change_beside_stand_in(
    netlink: &mut Netlink,
    link: &Link,
    current: &Address,
    desired: &Address,
) -> Result<()> {
    let stand_in = Address {
        index: current.index,
        local: current.local,
        prefix_len: if current.prefix_len == 32 { 31 } else { 32 },
        broadcast: None,
        label: None,
        flags: AddressFlags::NOPREFIXROUTE,
        preferred_lft: None,
        metric: None,
    };
    netlink.add_address(&stand_in).map_err(|e| {
        Error::generic(format!(
            "Could not add {}/{} to hold the address while it changes: {e}",
            stand_in.local, stand_in.prefix_len
        ))
    })?;
    let result = remove_keeping_others(netlink, link, current).and_then(|()| {
        netlink.add_address(desired).map_err(|e| {
            // Put the old form back rather than leave only the stand-in.
            let _ = netlink.add_address(current);
            Error::generic(format!(
                "Could not add {}/{}: {e}",
                desired.local, desired.prefix_len
            ))
        })
    });
    if let Err(e) = netlink.delete_address_form(&stand_in) {
        log::error(format!(
            "Could not remove the stand-in {}/{} from {}: {e}",
            stand_in.local, stand_in.prefix_len, link.name
        ));
    }
    result
}

/// Removes exactly `address` from `link`. An IPv4 primary with
/// secondaries in its subnet would take them along with
/// promote_secondaries off: it is turned on for this interface for the
/// removal and put back after.
pub fn remove_keeping_others(netlink: &mut Netlink, link: &Link, address: &Address) -> Result<()> {
    let secondaries = secondaries_of(netlink, address)?;
    let promotion = if secondaries.is_empty() {
        None
    } else {
        Promotion::ensure(&link.name)?
    };
    let removed = netlink.delete_address_form(address);
    if let Some(promotion) = promotion {
        promotion.restore();
    }
    removed.map_err(|e| {
        Error::generic(format!(
            "Could not remove {}/{} from {}: {e}",
            address.local, address.prefix_len, link.name
        ))
    })?;
    let left = netlink.addresses(Some(Family::Ipv4)).unwrap_or_default();
    for lost in secondaries
        .iter()
        .filter(|s| !left.iter().any(|a| a.local == s.local))
    {
        log::error(format!(
            "{}/{} on {} went with {}",
            lost.local, lost.prefix_len, link.name, address.local
        ));
    }
    Ok(())
}

/// The secondaries of `address`'s subnet on its interface, if it is an
/// IPv4 primary.
fn secondaries_of(netlink: &mut Netlink, address: &Address) -> Result<Vec<Address>> {
    if address.local.is_ipv6() || address.flags.contains(AddressFlags::SECONDARY) {
        return Ok(Vec::new());
    }
    let all = netlink
        .addresses(Some(Family::Ipv4))
        .or_fail(messages::READ_ADDRESSES_FAILED)?;
    Ok(all
        .into_iter()
        .filter(|a| {
            a.index == address.index
                && a.prefix_len == address.prefix_len
                && a.flags.contains(AddressFlags::SECONDARY)
                && crate::net::same_prefix(a.local, address.local, address.prefix_len)
        })
        .collect())
}

/// promote_secondaries turned on for one interface, to be put back.
struct Promotion {
    path: PathBuf,
    before: String,
}

impl Promotion {
    /// `None` when it is on already (for the interface or for all).
    fn ensure(ifname: &Name) -> Result<Option<Promotion>> {
        let read = |scope: &Name| {
            let path = ipv4_conf(scope, "promote_secondaries");
            std::fs::read_to_string(&path).map(|v| (path, v.trim().to_owned()))
        };
        if read(&Name::from("all")).is_ok_and(|(_, v)| v != "0") {
            return Ok(None);
        }
        let (path, before) = read(ifname).map_err(|e| {
            Error::generic(format!(
                "Could not read promote_secondaries of {ifname}: {e}"
            ))
        })?;
        if before != "0" {
            return Ok(None);
        }
        log::info(format!(
            "Turning promote_secondaries on for {ifname} while the old form goes, \
             so that it takes no other address with it"
        ));
        std::fs::write(&path, "1").map_err(|e| {
            Error::generic(format!(
                "Could not turn promote_secondaries on for {ifname} \
                 (removing the old form would remove other addresses): {e}"
            ))
        })?;
        Ok(Some(Promotion { path, before }))
    }

    fn restore(self) {
        if let Err(e) = std::fs::write(&self.path, &self.before) {
            log::error(format!("Could not put back {}: {e}", self.path.display()));
        }
    }
}

/// Reads the VIP back from `link`: exactly one form, `desired`, or 1.
pub fn verify(netlink: &mut Netlink, vip: &Vip, link: &Link, desired: &Address) -> Result<()> {
    let copies = find_vip(netlink, vip, Some(link))?;
    let matches = |a: &Address| {
        differences(a, desired, &link.name)
            .iter()
            .all(|f| *f == Field::PreferredLft && counting_down_from(a, desired))
    };
    match copies.as_slice() {
        [only] if matches(only) => Ok(()),
        _ => {
            let shown: Vec<String> = copies.iter().map(|a| describe(a, &link.name)).collect();
            Err(Error::generic(format!(
                "After reload {} on {} is {}, not {}",
                desired.local,
                link.name,
                if shown.is_empty() {
                    "gone".to_owned()
                } else {
                    shown.join(" and ")
                },
                describe(desired, &link.name)
            )))
        }
    }
}

/// A finite lifetime set moments ago may already show a second less.
fn counting_down_from(shown: &Address, desired: &Address) -> bool {
    const SLACK_SECONDS: u32 = 5;
    let (shown, wanted) = (preferred(shown), preferred(desired));
    wanted != INFINITY_LIFE_TIME && shown <= wanted && shown + SLACK_SECONDS >= wanted
}

/// An address as `ip address` would sum it up.
pub fn describe(address: &Address, ifname: &Name) -> String {
    let mut text = format!("{}/{}", address.local, address.prefix_len);
    if address.local.is_ipv4() {
        if let Some(b) = broadcast(address) {
            text.push_str(&format!(" brd {b}"));
        }
        let label = address.label.as_ref().unwrap_or(ifname);
        if label != ifname {
            text.push_str(&format!(" label {label}"));
        }
    }
    if address.flags.contains(AddressFlags::NOPREFIXROUTE) {
        text.push_str(" noprefixroute");
    }
    if address.local.is_ipv6() {
        match preferred(address) {
            INFINITY_LIFE_TIME => text.push_str(" preferred_lft forever"),
            s => text.push_str(&format!(" preferred_lft {s}")),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(prefix_len: u8) -> Address {
        Address {
            index: 2,
            prefix_len,
            local: "192.0.2.10".parse().unwrap(),
            label: Some("eth0".into()),
            broadcast: Some("192.0.2.255".parse().unwrap()),
            flags: AddressFlags::PERMANENT,
            preferred_lft: Some(INFINITY_LIFE_TIME),
            metric: None,
        }
    }

    #[test]
    fn the_kernels_defaults_are_no_difference() {
        let shown = v4(24);
        let desired = Address {
            label: None,
            flags: AddressFlags::empty(),
            preferred_lft: None,
            ..shown.clone()
        };
        assert!(differences(&shown, &desired, &"eth0".into()).is_empty());
        let no_broadcast = Address {
            broadcast: Some(Ipv4Addr::UNSPECIFIED),
            ..shown.clone()
        };
        let desired = Address {
            broadcast: None,
            ..shown.clone()
        };
        assert!(differences(&no_broadcast, &desired, &"eth0".into()).is_empty());
    }

    #[test]
    fn each_field_is_named_by_its_parameter() {
        let shown = v4(24);
        let desired = Address {
            prefix_len: 25,
            broadcast: Some("192.0.2.127".parse().unwrap()),
            label: Some("eth0:vip".into()),
            flags: AddressFlags::NOPREFIXROUTE,
            ..shown.clone()
        };
        let names: Vec<&str> = differences(&shown, &desired, &"eth0".into())
            .iter()
            .map(|f| f.parameter())
            .collect();
        assert_eq!(
            names,
            ["cidr_netmask", "broadcast", "iflabel", "noprefixroute"]
        );
    }

    #[test]
    fn ipv6_lifetimes_are_compared_and_described() {
        let shown = Address {
            index: 2,
            prefix_len: 64,
            local: "2001:db8::10".parse().unwrap(),
            label: None,
            broadcast: None,
            flags: AddressFlags::NODAD,
            preferred_lft: Some(INFINITY_LIFE_TIME),
            metric: None,
        };
        let desired = Address {
            preferred_lft: Some(100),
            flags: AddressFlags::empty(),
            ..shown.clone()
        };
        assert_eq!(
            differences(&shown, &desired, &"eth0".into()),
            [Field::PreferredLft]
        );
        let set = Address {
            preferred_lft: Some(99),
            ..shown.clone()
        };
        assert!(counting_down_from(&set, &desired));
        assert!(!counting_down_from(&shown, &desired));
        assert_eq!(
            describe(&desired, &"eth0".into()),
            "2001:db8::10/64 preferred_lft 100"
        );
    }
}

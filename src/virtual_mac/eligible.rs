//! Where a virtual MAC cannot work, decided from the kernel's link
//! information (IFLA_LINKINFO), walking VLANs down to what carries them:
//!
//! - not Ethernet (IPoIB, tun, loopback): no MAC to share;
//! - a nic that is itself a macvlan, macvtap, ipvlan or ipvtap: the kernel
//!   stacks no macvlan on those (and an ipvlan shares one MAC by design);
//! - a bridge port or a bond or team member: frames for the macvlan would
//!   be taken by the bridge or bond first (use the bridge or the bond as
//!   nic);
//! - under it, a bond in balance-tlb or balance-alb mode: those rewrite
//!   the source MAC of what they send, so neighbours would learn the
//!   members' MACs after all.
//!
//! What the kernel cannot see is the network's policy (port security,
//! hypervisor MAC filters, clouds): README and docs/operations.md say
//! where it must allow the MAC.

use crate::netlink::{Link, Netlink};
use crate::ocf::{Error, Result};

/// Bond modes that rewrite the source MAC of transmitted frames.
const BALANCE_TLB: u8 = 5;
const BALANCE_ALB: u8 = 6;

/// A macvlan in bridge mode (IFLA_MACVLAN_MODE).
const MACVLAN_MODE_BRIDGE: u32 = 4;

/// The most devices walked down from the nic: VLANs stack a few deep.
const CHAIN_LIMIT: usize = 8;

/// Refuses (6, with the reason) a nic a virtual MAC cannot work on.
pub fn check(netlink: &mut Netlink, nic: &Link) -> Result<()> {
    let chain = chain(netlink, nic);
    match refusal(&chain) {
        Some(why) => Err(Error::configured(format!(
            "virtual_mac cannot work on {}: {why}",
            nic.name
        ))),
        None => Ok(()),
    }
}

/// The nic, then each device a VLAN of the chain sends through.
fn chain(netlink: &mut Netlink, nic: &Link) -> Vec<Link> {
    let mut chain = vec![nic.clone()];
    while chain.len() < CHAIN_LIMIT {
        let last = &chain[chain.len() - 1];
        let Some(lower) = last.lower.filter(|_| last.kind.as_deref() == Some("vlan")) else {
            break;
        };
        match netlink.link_by_index(lower) {
            Ok(Some(link)) => chain.push(link),
            _ => break,
        }
    }
    chain
}

/// Why a virtual MAC cannot work on `chain[0]` (the nic, then what its
/// VLANs stack on), if it cannot.
pub fn refusal(chain: &[Link]) -> Option<String> {
    let nic = chain.first()?;
    if nic.is_loopback() {
        return Some("it is a loopback interface".to_owned());
    }
    if !nic.is_ethernet() || nic.ethernet_mac().is_none() {
        return Some(
            "it is not an Ethernet interface (IPoIB, a tun device, a tunnel): there is no MAC to share"
                .to_owned(),
        );
    }
    if let Some(kind @ ("macvlan" | "macvtap" | "ipvlan" | "ipvtap")) = nic.kind.as_deref() {
        return Some(format!(
            "it is itself a {kind}: set nic to the interface it stacks on"
        ));
    }
    if let Some(what @ ("bridge" | "bond" | "team" | "openvswitch")) = nic.port_of.as_deref() {
        return Some(format!(
            "it is a {what} {}: set nic to the {what} itself",
            if what == "bridge" || what == "openvswitch" {
                "port"
            } else {
                "member"
            }
        ));
    }
    let bottom = chain.last()?;
    if bottom.kind.as_deref() == Some("bond") {
        if let Some(mode @ (BALANCE_TLB | BALANCE_ALB)) = bottom.bond_mode {
            let name = if mode == BALANCE_TLB {
                "balance-tlb"
            } else {
                "balance-alb"
            };
            return Some(format!(
                "{} is a bond in {name} mode, which rewrites the source MAC of what it sends",
                bottom.name
            ));
        }
    }
    None
}

/// The macvlan's mode: bridge where `nic` already carries bridge-mode
/// macvlans that are not floatip's (containers or VMs on this node: a
/// bridge-mode macvlan reaches only other bridge-mode macvlans of the
/// same nic), private otherwise, as keepalived's use_vmac is: nothing on
/// this node talks to the VIP through the macvlan's siblings, and the
/// macvlan sees none of their traffic.
pub fn bridge_mode(netlink: &mut Netlink, nic: &Link) -> bool {
    netlink.links().unwrap_or_default().iter().any(|l| {
        l.lower == Some(nic.index)
            && l.macvlan_mode == Some(MACVLAN_MODE_BRIDGE)
            && !super::looks_like_floatip_macvlan(l)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::Link;

    /// An RTM_NEWLINK payload: ifinfomsg, then attributes.
    struct Message {
        link_type: u16,
        flags: u32,
        attributes: Vec<u8>,
    }

    fn attribute(kind: u16, value: &[u8]) -> Vec<u8> {
        let length = 4 + value.len();
        let mut bytes = (length as u16).to_ne_bytes().to_vec();
        bytes.extend(kind.to_ne_bytes());
        bytes.extend(value);
        bytes.resize(length.next_multiple_of(4), 0);
        bytes
    }

    impl Message {
        fn ethernet(index: u32, name: &str) -> (u32, Message) {
            let mut message = Message {
                link_type: 1,
                flags: 0x1 | 0x2,
                attributes: Vec::new(),
            };
            message.add(3, &[name.as_bytes(), &[0]].concat());
            message.add(1, &[2, 0, 0, 0, 0, index as u8]);
            (index, message)
        }

        fn add(&mut self, kind: u16, value: &[u8]) -> &mut Message {
            self.attributes.extend(attribute(kind, value));
            self
        }

        /// IFLA_LINKINFO with IFLA_INFO_KIND, then IFLA_INFO_DATA and
        /// IFLA_INFO_SLAVE_KIND when given.
        fn info(&mut self, kind: Option<&str>, data: &[u8], port_of: Option<&str>) -> &mut Message {
            let mut info = Vec::new();
            if let Some(kind) = kind {
                info.extend(attribute(1, &[kind.as_bytes(), &[0]].concat()));
            }
            if !data.is_empty() {
                info.extend(attribute(2, data));
            }
            if let Some(port_of) = port_of {
                info.extend(attribute(4, &[port_of.as_bytes(), &[0]].concat()));
            }
            self.add(18, &info)
        }

        fn decode(&self, index: u32) -> Link {
            let mut payload = vec![0u8, 0];
            payload.extend(self.link_type.to_ne_bytes());
            payload.extend((index as i32).to_ne_bytes());
            payload.extend(self.flags.to_ne_bytes());
            payload.extend(0u32.to_ne_bytes());
            payload.extend(&self.attributes);
            Link::decode_for_tests(&payload)
        }
    }

    fn link(build: impl FnOnce(&mut Message), index: u32, name: &str) -> Link {
        let (index, mut message) = Message::ethernet(index, name);
        build(&mut message);
        message.decode(index)
    }

    fn vlan_on(lower: u32, index: u32) -> Link {
        link(
            |m| {
                m.add(5, &lower.to_ne_bytes()).info(Some("vlan"), &[], None);
            },
            index,
            "vlan",
        )
    }

    fn bond(mode: u8) -> Link {
        link(
            |m| {
                m.info(Some("bond"), &attribute(1, &[mode]), None);
            },
            2,
            "bond0",
        )
    }

    #[test]
    fn plain_ethernet_bridges_vlans_and_active_backup_bonds_work() {
        assert_eq!(refusal(&[link(|_| {}, 2, "eth0")]), None);
        let bridge = link(
            |m| {
                m.info(Some("bridge"), &[], None);
            },
            2,
            "br0",
        );
        assert_eq!(refusal(&[bridge]), None);
        assert_eq!(refusal(&[vlan_on(2, 3), bond(1)]), None, "active-backup");
        assert_eq!(refusal(&[bond(4)]), None, "802.3ad");
    }

    #[test]
    fn mac_rewriting_bonds_are_refused_through_vlans() {
        for (mode, name) in [(5, "balance-tlb"), (6, "balance-alb")] {
            let why = refusal(&[bond(mode)]).unwrap();
            assert!(why.contains(name), "{why}");
            let why = refusal(&[vlan_on(2, 3), bond(mode)]).unwrap();
            assert!(why.contains(name) && why.contains("bond0"), "{why}");
        }
    }

    #[test]
    fn stacked_devices_and_ports_are_refused() {
        for kind in ["macvlan", "ipvlan", "macvtap"] {
            let nic = link(
                |m| {
                    m.add(5, &2u32.to_ne_bytes()).info(Some(kind), &[], None);
                },
                3,
                "mv0",
            );
            let why = refusal(&[nic]).unwrap();
            assert!(why.contains(kind), "{why}");
        }
        for (port_of, word) in [
            ("bridge", "bridge port"),
            ("bond", "bond member"),
            ("team", "team member"),
        ] {
            let nic = link(
                |m| {
                    m.add(10, &7u32.to_ne_bytes())
                        .info(None, &[], Some(port_of));
                },
                2,
                "eth0",
            );
            let why = refusal(&[nic]).unwrap();
            assert!(why.contains(word), "{why}");
        }
    }

    #[test]
    fn non_ethernet_is_refused() {
        let (index, mut tun) = Message::ethernet(4, "tun0");
        tun.link_type = 0xfffe; // ARPHRD_NONE
        let why = refusal(&[tun.decode(index)]).unwrap();
        assert!(why.contains("not an Ethernet interface"), "{why}");
        let (index, mut ipoib) = Message::ethernet(5, "ib0");
        ipoib.link_type = 32; // ARPHRD_INFINIBAND
        assert!(refusal(&[ipoib.decode(index)]).is_some());
        let (index, mut lo) = Message::ethernet(1, "lo");
        lo.link_type = 772;
        lo.flags |= 0x8;
        assert!(refusal(&[lo.decode(index)]).unwrap().contains("loopback"));
    }
}

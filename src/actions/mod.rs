//! The OCF actions. Each module reads like the part of the OCF contract and
//! of IPaddr2's behaviour it implements; this one holds what they share.

mod dad;
mod garp;
mod lvs;
mod monitor;
mod start;
mod stop;

pub use garp::garp;
pub use monitor::{monitor, status};
pub use start::{start, validate_all};
pub use stop::stop;

use std::fs::File;
use std::io;

use nix::sched::{setns, CloneFlags};

use crate::config::Target;
use crate::netlink::{Address, Link, Netlink};
use crate::ocf::{log, Error, ExitCode, Result};

/// The actions an OCF agent answers; anything else exits 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    Monitor,
    Status,
    MetaData,
    ValidateAll,
    Usage,
    /// Not an OCF action: an operator re-announcing an address by hand.
    Garp,
}

impl Action {
    pub const ALL: &'static [(&'static str, Action)] = &[
        ("start", Action::Start),
        ("stop", Action::Stop),
        ("monitor", Action::Monitor),
        ("status", Action::Status),
        ("meta-data", Action::MetaData),
        ("validate-all", Action::ValidateAll),
        ("usage", Action::Usage),
        ("help", Action::Usage),
        ("garp", Action::Garp),
    ];

    pub fn from_name(name: &str) -> Option<Action> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map(|(n, _)| *n)
            .unwrap_or("usage")
    }
}

pub fn usage(agent: &str) -> String {
    format!(
        "usage: {agent} {{start|stop|status|monitor|validate-all|meta-data}}\n\n\
         Expects to have a fully populated OCF RA-compliant environment set.\n"
    )
}

/// start and stop change the kernel's addresses: root only (exit 4).
pub fn require_root(action: Action) -> Result<()> {
    if nix::unistd::geteuid().is_root() {
        Ok(())
    } else {
        Err(Error::new(
            ExitCode::ErrPerm,
            format!("You must be root for {} operation.", action.name()),
        ))
    }
}

/// Where the configured network namespace went.
pub enum Namespace {
    Entered,
    /// `/run/netns/<name>` does not exist on this node.
    Missing(String),
}

/// Enters `network_namespace` in this process (setns on the only thread),
/// before any socket is opened: sockets belong to the namespace they were
/// created in.
pub fn enter_namespace(target: &Target) -> Result<Namespace> {
    let Some(name) = &target.network_namespace else {
        return Ok(Namespace::Entered);
    };
    let path = format!("/run/netns/{name}");
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Namespace::Missing(name.clone()))
        }
        Err(e) => {
            return Err(Error::generic(format!(
                "Could not open network namespace {path}: {e}"
            )))
        }
    };
    setns(&file, CloneFlags::CLONE_NEWNET)
        .map_err(|e| Error::generic(format!("Could not enter network namespace {name}: {e}")))?;
    Ok(Namespace::Entered)
}

pub fn open_netlink() -> Result<Netlink> {
    Netlink::open().map_err(|e| Error::generic(format!("Could not open a netlink socket: {e}")))
}

/// The VIP as the kernel holds it, found by value: on the configured nic,
/// or on any interface when none is configured. Unlike IPaddr2 this does
/// not depend on routes or base addresses, so a VIP whose surroundings
/// changed is still seen (and still removed).
pub fn find_vip(
    netlink: &mut Netlink,
    target: &Target,
    link: Option<&Link>,
) -> Result<Vec<Address>> {
    let found = netlink
        .find_address(target.ip)
        .map_err(|e| Error::generic(format!("Could not read the addresses of this node: {e}")))?;
    Ok(match link {
        Some(link) => found
            .into_iter()
            .filter(|a| a.index == link.index)
            .collect(),
        // With LVS direct routing a /32 on lo is the realserver's copy,
        // not the resource.
        None if target.lvs_support => found
            .into_iter()
            .filter(|a| !is_loopback_index(netlink, a.index))
            .collect(),
        None => found,
    })
}

fn is_loopback_index(netlink: &mut Netlink, index: u32) -> bool {
    matches!(netlink.link_by_index(index), Ok(Some(link)) if link.is_loopback())
}

/// The configured nic as the kernel knows it.
pub enum ConfiguredLink {
    /// No nic configured: the VIP may be on any interface.
    Any,
    Present(Link),
    Vanished(String),
}

impl ConfiguredLink {
    pub fn link(&self) -> Option<&Link> {
        match self {
            ConfiguredLink::Present(link) => Some(link),
            _ => None,
        }
    }
}

pub fn configured_link(netlink: &mut Netlink, target: &Target) -> Result<ConfiguredLink> {
    let Some(nic) = &target.nic else {
        return Ok(ConfiguredLink::Any);
    };
    Ok(match crate::findif::lookup_link(netlink, &nic.0)? {
        Some(link) => ConfiguredLink::Present(link),
        None => ConfiguredLink::Vanished(nic.0.clone()),
    })
}

/// An interface's name for messages, or `#index` when it has gone.
pub fn interface_name(netlink: &mut Netlink, index: u32) -> String {
    match netlink.link_by_index(index) {
        Ok(Some(link)) => link.name,
        _ => format!("#{index}"),
    }
}

pub fn log_namespace_missing(name: &str) {
    log::info(format!(
        "Network namespace {name} does not exist on this node (/run/netns/{name})"
    ));
}

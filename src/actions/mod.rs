//! The OCF actions. Each module reads like the part of the OCF contract and
//! of IPaddr2's behaviour it implements; this one holds what they share.

mod arp_flux;
mod connections;
mod dad;
mod garp;
mod lvs;
mod macvlan;
mod monitor;
mod preflight;
mod readdress;
mod reload;
mod show;
mod start;
mod stop;
mod validate;

pub use garp::garp;
pub use monitor::{monitor, status};
pub use preflight::{preflight, Request as PreflightRequest};
pub use reload::reload;
pub use show::show;
pub use start::start;
pub use stop::stop;
pub use validate::validate_all;

use std::io;
use std::path::{Path, PathBuf};

use nix::sched::{setns, CloneFlags};

use crate::config::Vip;
use crate::netlink::{Address, Link, Name, Netlink};
use crate::ocf::{log, Action, Error, ExitCode, Result};
use crate::ocf::{messages, Context};
use crate::sys::process;

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
    /// `/run/netns/<name>` is missing on this node, or is not a network
    /// namespace: nothing of ours can be there. The text says which.
    Unavailable(String),
}

/// Enters `network_namespace` in this process (setns on the only thread),
/// before any socket is opened: sockets belong to the namespace they were
/// created in.
///
/// The entry is opened without blocking (a FIFO planted there must not
/// hang a stop) and must be a regular file that setns accepts as a network
/// namespace; anything else is a property of this node, like a missing
/// namespace, never a reason to fail a stop.
pub fn enter_namespace(vip: &Vip) -> Result<Namespace> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

    let Some(name) = &vip.network_namespace else {
        return Ok(Namespace::Entered);
    };
    let path = format!("/run/netns/{name}");
    let not_a_namespace = |what: &str| {
        Ok(Namespace::Unavailable(format!(
            "Network namespace {name} is not usable on this node: {path} is {what}, not a network namespace"
        )))
    };
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Namespace::Unavailable(format!(
                "Network namespace {name} does not exist on this node ({path})"
            )))
        }
        Err(e) if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM)) => {
            return Err(Error::generic(format!(
                "Could not open network namespace {path}: {e}"
            )))
        }
        // A socket (ENXIO), a symlink loop, a path through a file: no
        // namespace of ours can be behind it.
        Err(e) => {
            return Ok(Namespace::Unavailable(format!(
                "Network namespace {name} is not usable on this node: {path}: {e}"
            )))
        }
    };
    let kind = file
        .metadata()
        .map_err(|e| Error::generic(format!("Could not inspect {path}: {e}")))?
        .file_type();
    if !kind.is_file() {
        let what = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_dir() {
            "a directory"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else {
            "not a regular file"
        };
        return not_a_namespace(what);
    }
    process::debug_assert_single_threaded();
    match setns(&file, CloneFlags::CLONE_NEWNET) {
        Ok(()) => Ok(Namespace::Entered),
        // Not an nsfs file, or a namespace of another type.
        Err(nix::errno::Errno::EINVAL) => not_a_namespace("a plain file"),
        Err(e) => Err(Error::generic(format!(
            "Could not enter network namespace {name}: {e}"
        ))),
    }
}

pub fn open_netlink() -> Result<Netlink> {
    Netlink::open().or_fail("Could not open a netlink socket")
}

/// The copies of the VIP that count as the resource (ARCHITECTURE.md,
/// "Which copies count"), found by value in the kernel's address list: on the
/// configured nic; with none configured (or when it has vanished), on any
/// interface but a loopback one. LVS-DR realservers and anycast hosts keep
/// the VIP on lo and `::1` is the host's own, so a loopback copy counts
/// only where findif itself puts the VIP (127.0.0.0/8), and never with
/// lvs_support. Unlike IPaddr2 this does not depend on routes or base
/// addresses, so a VIP whose surroundings changed is still seen (and
/// still removed). A copy on the nic's floatip macvlan of this VIP
/// (virtual_mac) counts as one on the nic: only a VIP that is there is
/// asked for its interface, so monitor pays nothing for it.
pub fn find_vip(netlink: &mut Netlink, vip: &Vip, link: Option<&Link>) -> Result<Vec<Address>> {
    Ok(find_vip_with_links(netlink, vip, link)?
        .into_iter()
        .map(|(address, _)| address)
        .collect())
}

/// [`find_vip`], each copy with the interface it is on (`None` if that
/// went in the meantime).
pub fn find_vip_with_links(
    netlink: &mut Netlink,
    vip: &Vip,
    link: Option<&Link>,
) -> Result<Vec<(Address, Option<Link>)>> {
    let Some(link) = link else {
        return copies_anywhere(netlink, vip);
    };
    let mut copies = Vec::new();
    for address in read_vip(netlink, vip)? {
        if address.index == link.index {
            copies.push((address, Some(link.clone())));
            continue;
        }
        let Ok(Some(other)) = netlink.link_by_index(address.index) else {
            continue;
        };
        if crate::virtual_mac::is_floatip_macvlan(&other, link, vip.ip) {
            copies.push((address, Some(other)));
        }
    }
    Ok(copies)
}

/// The counting copies when no nic is configured (or it vanished), each
/// with its interface as the kernel reported it (`None` if it went in the
/// meantime): the interface is needed anyway to tell loopback copies
/// apart, so callers get it without asking again.
pub fn copies_anywhere(netlink: &mut Netlink, vip: &Vip) -> Result<Vec<(Address, Option<Link>)>> {
    let loopback_counts = loopback_copy_counts(vip);
    let mut copies = Vec::new();
    for address in read_vip(netlink, vip)? {
        let link = netlink.link_by_index(address.index).ok().flatten();
        if loopback_counts || !link.as_ref().is_some_and(Link::is_loopback) {
            copies.push((address, link));
        }
    }
    Ok(copies)
}

fn read_vip(netlink: &mut Netlink, vip: &Vip) -> Result<Vec<Address>> {
    netlink
        .find_address(vip.ip)
        .or_fail(messages::READ_ADDRESSES_FAILED)
}

/// Whether a copy on lo can be the resource: only for the addresses findif
/// places there itself (IPv4 127.0.0.0/8), and never with lvs_support,
/// whose /32 on lo is the realserver's copy.
fn loopback_copy_counts(vip: &Vip) -> bool {
    let findif_uses_lo = matches!(vip.ip, std::net::IpAddr::V4(v4) if v4.is_loopback());
    findif_uses_lo && !vip.lvs_support
}

/// iflabel (IPv4; the kernel keeps no labels for IPv6): a copy of the VIP
/// must carry `<interface>:<iflabel>`. One without it is the address, but
/// not as configured: start and monitor answer 1 (resource-agents 4.16),
/// with the label found and the one expected.
pub fn check_carries_label(address: &Address, link: &Link, iflabel: Option<&str>) -> Result<()> {
    let Some(suffix) = iflabel.filter(|_| address.local.is_ipv4()) else {
        return Ok(());
    };
    let mut expected = link.name.as_bytes().to_vec();
    expected.push(b':');
    expected.extend_from_slice(suffix.as_bytes());
    let carried = address.label.as_ref().map(Name::as_bytes);
    if carried == Some(expected.as_slice()) {
        return Ok(());
    }
    Err(Error::generic(format!(
        "{} ({} on {}: label {}, expected {})",
        messages::label_missing(address.local),
        address.local,
        link.name,
        carried.map_or_else(
            || "none".to_owned(),
            |l| String::from_utf8_lossy(l).into_owned()
        ),
        String::from_utf8_lossy(&expected)
    )))
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

pub fn configured_link(netlink: &mut Netlink, vip: &Vip) -> Result<ConfiguredLink> {
    let Some(nic) = &vip.nic else {
        return Ok(ConfiguredLink::Any);
    };
    Ok(match crate::findif::lookup_link(netlink, &nic.0)? {
        Some(link) => ConfiguredLink::Present(link),
        None => ConfiguredLink::Vanished(nic.0.clone()),
    })
}

/// An interface's name for messages (printable), or `#index` when it
/// has gone.
pub fn interface_name(netlink: &mut Netlink, index: u32) -> String {
    match netlink.link_by_index(index) {
        Ok(Some(link)) => link.name.to_string(),
        _ => format!("#{index}"),
    }
}

/// `/proc/sys/net/ipv4/conf/<scope>/<key>`, for an interface's name (any
/// bytes) or `all`.
pub fn ipv4_conf(scope: &Name, key: &str) -> PathBuf {
    Path::new("/proc/sys/net/ipv4/conf")
        .join(scope.as_os_str())
        .join(key)
}

pub fn log_namespace_unavailable(why: &str) {
    log::info(why);
}

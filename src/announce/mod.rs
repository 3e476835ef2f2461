//! Announcements: telling every neighbour that the VIP now lives at this
//! node's MAC address, with gratuitous ARP for IPv4 and unsolicited
//! Neighbour Advertisements for IPv6.
//!
//! One `Announcer` per interface and address sends a round of frames (the
//! broadcast forms and one directed request per garp_targets neighbour);
//! the `schedule` says when rounds leave; `sender` runs the rounds after
//! the first in a detached background process and lets stop end it;
//! `probe` asks the link whether another host holds the address. Start,
//! monitor's refresh and `floatip garp` all announce through
//! [`Announcer::prepare`] and [`run_and_report`].

pub mod probe;
pub mod schedule;
pub mod sender;
pub mod targets;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::RawFd;
use std::thread;
use std::time::Instant;

use crate::config::Targets;
use crate::net::{solicited_node, Mac, BROADCAST_MAC, ETH_P_ARP};
use crate::netlink::{Link, Netlink};
use crate::ocf::log;
use crate::sys::socket::{Icmpv6Socket, PacketSocket};
use crate::wire::arp::{self, Form};
use crate::wire::ndp;
use schedule::Schedule;
pub use targets::Directed;

/// Why an interface gets no announcements.
pub fn unannounceable(link: &Link) -> Option<&'static str> {
    if link.is_loopback() {
        Some("loopback")
    } else if link.is_noarp() {
        Some("it does not use ARP (NOARP)")
    } else if link.is_infiniband() {
        Some("InfiniBand (IPoIB) announcements are not supported by this floatip version")
    } else if link.ethernet_mac().is_none() {
        Some("it has no Ethernet address")
    } else {
        None
    }
}

/// Sends the frames of one announcement on one interface.
pub struct Announcer {
    transport: Transport,
    mac: Mac,
    /// Neighbours addressed directly in every round (garp_targets).
    targets: Vec<Directed>,
    pub ifindex: u32,
    pub ifname: String,
}

enum Transport {
    Arp { socket: PacketSocket, ip: Ipv4Addr },
    Ndp { socket: Icmpv6Socket, ip: Ipv6Addr },
}

impl Announcer {
    /// An announcer for `ip` on `link`; `None` where nothing is announced
    /// (loopback, NOARP, IPoIB). An IPv6 address must not be tentative:
    /// it is the advertisements' source.
    pub fn open(link: &Link, ip: IpAddr) -> io::Result<Option<Announcer>> {
        if unannounceable(link).is_some() {
            return Ok(None);
        }
        let Some(mac) = link.ethernet_mac() else {
            return Ok(None);
        };
        let transport = match ip {
            IpAddr::V4(ip) => Transport::Arp {
                socket: PacketSocket::open(link.index)?,
                ip,
            },
            IpAddr::V6(ip) => Transport::Ndp {
                socket: Icmpv6Socket::open(link.index, ip, ndp::HOP_LIMIT)?,
                ip,
            },
        };
        Ok(Some(Announcer {
            transport,
            mac,
            targets: Vec::new(),
            ifindex: link.index,
            ifname: link.name.clone(),
        }))
    }

    /// The announce-now path: an announcer for `ip/prefix_len` on `link`
    /// that also addresses the garp_targets neighbours of that link.
    pub fn prepare(
        netlink: &mut Netlink,
        link: &Link,
        ip: IpAddr,
        prefix_len: u8,
        targets: &Targets,
    ) -> io::Result<Option<Announcer>> {
        let Some(mut announcer) = Announcer::open(link, ip)? else {
            return Ok(None);
        };
        announcer.targets = targets::resolve(netlink, targets, link, ip, prefix_len);
        Ok(Some(announcer))
    }

    /// The neighbours addressed directly.
    pub fn targets(&self) -> &[Directed] {
        &self.targets
    }

    /// Sends one round: these ARP forms back to back (or one NA), then one
    /// directed request per target.
    pub fn send(&self, forms: &[Form]) -> io::Result<()> {
        match &self.transport {
            Transport::Arp { socket, ip } => {
                for form in forms {
                    let frame = arp::gratuitous(*form, self.mac, *ip);
                    socket.send(&frame, BROADCAST_MAC, ETH_P_ARP)?;
                }
                for target in &self.targets {
                    if let IpAddr::V4(neighbour) = target.ip {
                        let destination = target.mac.unwrap_or(BROADCAST_MAC);
                        let frame = arp::directed_request(self.mac, *ip, neighbour, destination);
                        socket.send(&frame, destination, ETH_P_ARP)?;
                    }
                }
                Ok(())
            }
            Transport::Ndp { socket, ip } => {
                socket.send_to(&ndp::unsolicited_advert(self.mac, *ip), ndp::ALL_NODES)?;
                for target in &self.targets {
                    if let IpAddr::V6(neighbour) = target.ip {
                        let message = ndp::solicitation(self.mac, neighbour);
                        socket.send_to(&message, solicited_node(neighbour))?;
                    }
                }
                Ok(())
            }
        }
    }

    /// The descriptors a forked sender must keep open.
    pub fn descriptors(&self) -> Vec<RawFd> {
        match &self.transport {
            Transport::Arp { socket, .. } => socket.descriptors(),
            Transport::Ndp { socket, .. } => vec![socket.raw_fd()],
        }
    }

    pub fn ip(&self) -> IpAddr {
        match &self.transport {
            Transport::Arp { ip, .. } => IpAddr::V4(*ip),
            Transport::Ndp { ip, .. } => IpAddr::V6(*ip),
        }
    }

    /// What a round is called in logs.
    pub fn kind(&self) -> &'static str {
        match &self.transport {
            Transport::Arp { .. } => "gratuitous ARP",
            Transport::Ndp { .. } => "unsolicited Neighbour Advertisements",
        }
    }
}

/// Why a run of events ended early.
#[derive(Debug)]
pub enum Stopped {
    /// The address is no longer configured: announcing it would be a lie.
    AddressGone,
    /// The deadline came first; the events that would pass it were skipped.
    Deadline(u64),
    Failed(io::Error),
}

/// Sends `events` relative to `start`, checking through `netlink` before
/// each one that the address is still configured (the caller sends the very
/// first round of a start itself, without that check, to lose no time).
/// A failed look is no evidence that the address is gone: the round goes.
pub fn run(
    announcer: &Announcer,
    mut events: Schedule,
    start: Instant,
    deadline: Option<Instant>,
    mut netlink: Option<&mut Netlink>,
) -> Result<(), Stopped> {
    while let Some(event) = events.next() {
        let due = start.checked_add(event.at);
        if deadline.is_some_and(|d| due.is_none_or(|due| due > d)) {
            return Err(Stopped::Deadline(events.remaining() + 1));
        }
        // Past what Instant can express: as good as never.
        let Some(due) = due else {
            return Ok(());
        };
        let now = Instant::now();
        if due > now {
            thread::sleep(due - now);
        }
        if let Some(netlink) = netlink.as_deref_mut() {
            if let Ok(false) = netlink.holds(announcer.ip(), announcer.ifindex) {
                return Err(Stopped::AddressGone);
            }
        }
        announcer.send(&event.forms).map_err(Stopped::Failed)?;
    }
    Ok(())
}

/// Logs how a run ended, in IPaddr2's words where people search for them.
pub fn report(result: &Result<(), Stopped>, ip: IpAddr) {
    match result {
        Ok(()) => {}
        Err(Stopped::AddressGone) => log::info(format!(
            "{ip} is no longer configured here: announcements stopped"
        )),
        Err(Stopped::Deadline(skipped)) => log::warn(format!(
            "{skipped} announcement(s) for {ip} skipped: they would pass the action's timeout"
        )),
        Err(Stopped::Failed(e)) => log::error(format!("Could not send gratuitous arps: {e}")),
    }
}

/// [`run`], then [`report`]: what every announcement does.
pub fn run_and_report(
    announcer: &Announcer,
    events: Schedule,
    start: Instant,
    deadline: Option<Instant>,
    netlink: Option<&mut Netlink>,
) -> Result<(), Stopped> {
    let result = run(announcer, events, start, deadline, netlink);
    report(&result, announcer.ip());
    result
}

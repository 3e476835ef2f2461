//! Does another host answer for this address? Asked without changing any
//! neighbour's cache: an ARP probe from 0.0.0.0 (RFC 5227) for IPv4, a
//! duplicate-address-detection Neighbour Solicitation from :: (RFC 4862)
//! for IPv6. Any holder of the address answers; an answer from a MAC that
//! is not this interface's is another node claiming the VIP.
//!
//! Used by `run_arping` (before an IPv4 VIP is added, like
//! `arping -D -c 2 -w 3`), by start's own IPv6 duplicate address
//! detection (dad_mode=probe, before the address is added) and by monitor
//! at OCF_CHECK_LEVEL 20.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use crate::announce::pacing::{Pacer, Urgency};
use crate::announce::unannounceable;
use crate::net::{ipv6_multicast_mac, solicited_node, Mac, BROADCAST_MAC, ETH_P_ARP, ETH_P_IPV6};
use crate::netlink::{Link, Netlink};
use crate::ocf::log;
use crate::sys::random;
use crate::sys::socket::{Membership, PacketSocket};
use crate::wire::arp;
use crate::wire::ndp::{self, Nonce};
use crate::wire::received::{self, Arp, Message, Ndp};

/// How long and how often to ask.
#[derive(Debug, Clone, Copy)]
pub struct Probing {
    pub probes: u32,
    pub spacing: Duration,
    /// From the first probe to the end of listening.
    pub listen: Duration,
    /// The address is about to be added here (duplicate address
    /// detection, RFC 4862 §5.4): probes carry a nonce, the node joins
    /// the address's solicited-node group first (§5.4.2, so that a switch
    /// snooping MLD delivers other nodes' probes), and another node's
    /// probe for the same address is a conflict too (§5.4.3).
    pub starting: bool,
    /// How long after the last probe a late answer still counts, while
    /// the address is already added and announced (see [`LateWatch`]).
    pub late: Duration,
}

/// run_arping: two probes a second apart, answers awaited for two seconds;
/// another host's probe for the address is a conflict too (RFC 5227
/// §2.1.1).
pub const BEFORE_ADDING: Probing = Probing {
    probes: 2,
    spacing: Duration::from_secs(1),
    listen: Duration::from_secs(2),
    starting: true,
    late: Duration::ZERO,
};

/// dad_mode=probe: three probes 50 ms apart, 150 ms of listening before
/// the address is added. A holder's kernel answers a probe within a
/// millisecond on a LAN, so 50 ms after the last probe is ample for it;
/// three probes let two be lost. Proxies and anycast responders may
/// answer up to MAX_ANYCAST_DELAY_TIME (1 s, RFC 4861 §10) late, and
/// Linux's proxy_ndp delays up to 0.8 s: listening goes on until the last
/// probe + 1 s, while the address is already up and announced.
pub const FAST_DAD: Probing = Probing {
    probes: 3,
    spacing: Duration::from_millis(50),
    listen: Duration::from_millis(150),
    starting: true,
    late: Duration::from_secs(1),
};

/// OCF_CHECK_LEVEL 20: a short look, so the monitor stays short.
pub const WHILE_MONITORING: Probing = Probing {
    probes: 2,
    spacing: Duration::from_millis(250),
    listen: Duration::from_millis(750),
    starting: false,
    late: Duration::ZERO,
};

/// At most this many frames are read in one wait. A flood of frames that
/// are not for us ends the wait early (nothing heard) rather than keep
/// the action past its timeout.
pub const MAX_FRAMES_PER_WAIT: u32 = 4096;

/// Who "this node" is on the wire. Linux answers ARP for any local
/// address on any interface (arp_ignore=0), so on a node with two NICs in
/// one VLAN the second NIC answers a probe for the VIP: a frame from any
/// MAC of this network namespace is never another holder. A unicast
/// advertisement counts only when it is addressed to this node.
#[derive(Debug, Clone, Default)]
pub struct ThisNode {
    macs: Vec<Mac>,
    ipv6: Vec<Ipv6Addr>,
    /// The interfaces under floatip's virtual-MAC macvlans: frames of
    /// another holder of a virtual MAC reach only a socket that taps every
    /// protocol there.
    carries_virtual_macs: Vec<u32>,
}

impl ThisNode {
    /// Every interface's MAC and every IPv6 address of this namespace.
    /// A floatip macvlan's virtual MAC is no proof: every node that holds
    /// its VIP has it, so a frame carrying it may be another holder's
    /// (our own frames never reach a socket bound to one protocol).
    pub fn read(netlink: &mut Netlink) -> io::Result<ThisNode> {
        let links = netlink.links().map_err(io::Error::other)?;
        let (shared, own): (Vec<&Link>, Vec<&Link>) = links
            .iter()
            .partition(|l| crate::virtual_mac::looks_like_floatip_macvlan(l));
        let macs = own.into_iter().filter_map(Link::ethernet_mac).collect();
        let carries_virtual_macs = shared.iter().filter_map(|l| l.lower).collect();
        let ipv6 = netlink
            .addresses(Some(crate::netlink::Family::Ipv6))
            .map_err(io::Error::other)?
            .into_iter()
            .filter_map(|a| match a.local {
                IpAddr::V6(v6) => Some(v6),
                IpAddr::V4(_) => None,
            })
            .collect();
        Ok(ThisNode {
            macs,
            ipv6,
            carries_virtual_macs,
        })
    }

    /// What can be known without asking the kernel: `link`'s own MAC.
    pub fn only(link: &Link) -> ThisNode {
        let shared = crate::virtual_mac::looks_like_floatip_macvlan(link);
        ThisNode {
            macs: link
                .ethernet_mac()
                .filter(|_| !shared)
                .into_iter()
                .collect(),
            ipv6: Vec::new(),
            carries_virtual_macs: Vec::new(),
        }
    }

    /// [`ThisNode::read`], or [`ThisNode::only`] with a warning when the
    /// kernel cannot be asked.
    pub fn read_or_only(netlink: &mut Netlink, link: &Link) -> ThisNode {
        ThisNode::read(netlink).unwrap_or_else(|e| {
            log::warn(format!(
                "Could not read this node's interfaces ({e}): only {}'s MAC is known as ours",
                link.name
            ));
            ThisNode::only(link)
        })
    }

    pub fn owns_mac(&self, mac: Mac) -> bool {
        self.macs.contains(&mac)
    }

    /// A destination an advertisement for `target` may have here (RFC
    /// 4861 §7.1.2 with §7.2.4 and §7.2.6): all nodes, `target`'s
    /// solicited-node group, or an address of this node.
    fn may_receive(&self, destination: Ipv6Addr, target: Ipv6Addr) -> bool {
        destination == ndp::ALL_NODES
            || destination == solicited_node(target)
            || destination == target
            || self.ipv6.contains(&destination)
    }
}

/// [`other_holder`] where the link can be asked at all (not loopback,
/// NOARP or IPoIB); a failure to ask is logged as "Could not
/// <question>" and answers no: a probe that cannot run proves nothing.
pub fn ask(
    link: &Link,
    this_node: &ThisNode,
    ip: IpAddr,
    probing: Probing,
    deadline: Instant,
    question: &str,
    pacer: Option<&Pacer>,
) -> Option<Mac> {
    if unannounceable(link).is_some() {
        return None;
    }
    other_holder(link, this_node, ip, probing, deadline, pacer).unwrap_or_else(|e| {
        log::warn(format!("Could not {question}: {e}"));
        None
    })
}

/// The MAC of another host answering for `ip` on `link`, if one does
/// before `probing.listen` has passed (or `deadline`, whichever is first).
pub fn other_holder(
    link: &Link,
    this_node: &ThisNode,
    ip: IpAddr,
    probing: Probing,
    deadline: Instant,
    pacer: Option<&Pacer>,
) -> io::Result<Option<Mac>> {
    Ok(
        match probe(link, this_node, ip, probing, deadline, pacer)? {
            Probed::Holder(mac) => Some(mac),
            Probed::Nobody(_) => None,
        },
    )
}

/// What probing found.
pub enum Probed {
    /// Another host answered: its MAC.
    Holder(Mac),
    /// Nobody answered in time; with `probing.late`, the watch that goes
    /// on listening after the address is added.
    Nobody(Option<LateWatch>),
}

/// Probes as `probing` says, until `probing.listen` has passed (or
/// `deadline`, whichever is first). Under garp_rate each probe waits for
/// the port's budget (as urgent as a first frame: the address waits for
/// it) until the listening ends; probes it cannot fit are not sent.
pub fn probe(
    link: &Link,
    this_node: &ThisNode,
    ip: IpAddr,
    probing: Probing,
    deadline: Instant,
    pacer: Option<&Pacer>,
) -> io::Result<Probed> {
    let Some(own) = link.ethernet_mac() else {
        return Ok(Probed::Nobody(None));
    };
    let nonce = probing.starting.then(random::nonce);
    let (protocol, probe, destination): (u16, Vec<u8>, Mac) = match ip {
        IpAddr::V4(v4) => (ETH_P_ARP, arp::probe(own, v4).to_vec(), BROADCAST_MAC),
        IpAddr::V6(v6) => {
            let destination = ipv6_multicast_mac(solicited_node(v6));
            (
                ETH_P_IPV6,
                ndp::dad_solicitation(own, v6, nonce),
                destination,
            )
        }
    };
    // Held until the probing ends; the kernel joins the group itself when
    // the address is added.
    let group = match ip {
        IpAddr::V6(v6) if probing.starting => {
            Some(Membership::join(solicited_node(v6), link.index)?)
        }
        _ => None,
    };
    let socket = if this_node.carries_virtual_macs.contains(&link.index) {
        PacketSocket::open_receiving_incoming(link.index, protocol)?
    } else {
        PacketSocket::open_receiving(link.index, protocol)?
    };
    let start = Instant::now();
    let end = (start + probing.listen).min(deadline);
    let claim = Claim {
        ip,
        this_node: this_node.clone(),
        nonce,
        starting: probing.starting,
    };
    let mut sent = 0;
    let mut last_probe = start;
    let mut frames = 0;
    while Instant::now() < end {
        let next_probe = start + probing.spacing * sent;
        if sent < probing.probes && Instant::now() >= next_probe {
            let left = probing.probes - sent;
            if let Some(pacer) = pacer.filter(|p| !p.admit(Urgency::FirstFrame, left, Some(end))) {
                log::warn(format!(
                    "garp_rate={}: {left} probe(s) for {ip} found no room in the budget of {} \
                     while probing: not sent",
                    pacer.rate(),
                    pacer.port()
                ));
                sent = probing.probes;
                continue;
            }
            socket.send(&probe, destination, protocol)?;
            last_probe = Instant::now();
            sent += 1;
            continue;
        }
        let until = if sent < probing.probes {
            next_probe.min(end)
        } else {
            end
        };
        match claim.next(&socket, until, &mut frames)? {
            Heard::Claim(mac) => return Ok(Probed::Holder(mac)),
            Heard::Nothing => {}
            Heard::Flooded => {
                log::warn(format!(
                    "{frames} frames that are not about {ip} arrived on {} while it was probed: \
                     probing ended early, nobody else was heard",
                    link.name
                ));
                return Ok(Probed::Nobody(None));
            }
        }
    }
    let watch = (!probing.late.is_zero()).then(|| LateWatch {
        socket,
        group,
        claim,
        until: last_probe + probing.late,
        link_name: link.name.to_string(),
    });
    Ok(Probed::Nobody(watch))
}

/// What one read of a probe socket found.
enum Heard {
    Claim(Mac),
    /// The wait ended (its deadline, or an unrelated frame).
    Nothing,
    /// [`MAX_FRAMES_PER_WAIT`] frames were read in this wait.
    Flooded,
}

/// Duplicate detection that goes on after the address was added: the
/// probe's socket (and group membership) stays open until
/// [`Probing::late`] after the last probe, and a valid advertisement for
/// the address from another node, or another node's probe for it, in
/// that time is a late collision. Start reads it between its foreground rounds; the detached
/// sender (which inherits the socket) reads it after start returned.
pub struct LateWatch {
    socket: PacketSocket,
    group: Option<Membership>,
    claim: Claim,
    until: Instant,
    link_name: String,
}

impl LateWatch {
    /// When listening ends.
    pub fn until(&self) -> Instant {
        self.until
    }

    pub fn is_over(&self) -> bool {
        Instant::now() >= self.until
    }

    /// The interface it listens on.
    pub fn link_name(&self) -> &str {
        &self.link_name
    }

    /// A late claim, waiting at most until `until` (and never past the
    /// watch's own end); `None` when nothing claimed the address.
    pub fn wait(&self, until: Instant) -> Option<Mac> {
        let end = until.min(self.until);
        let mut frames = 0;
        loop {
            match self.claim.next(&self.socket, end, &mut frames) {
                Ok(Heard::Claim(mac)) => return Some(mac),
                Ok(Heard::Nothing) if Instant::now() < end => {}
                // A flood or a failing socket ends this wait; the next
                // one reads again.
                Ok(_) | Err(_) => return None,
            }
        }
    }

    /// The descriptors a forked sender must keep for it.
    pub fn descriptors(&self) -> Vec<std::os::fd::RawFd> {
        let mut fds = self.socket.descriptors();
        fds.extend(self.group.as_ref().map(Membership::raw_fd));
        fds
    }
}

/// What makes a validated message another host's claim on the address.
struct Claim {
    ip: IpAddr,
    this_node: ThisNode,
    /// Our probes' nonce: a probe carrying it is our own, looped back.
    nonce: Option<Nonce>,
    /// The address is about to be added: another host's probe for it is
    /// a conflict too.
    starting: bool,
}

impl Claim {
    /// Reads frames from `socket` until one is a claim or `until`; counts
    /// them in `frames`, which may reach [`MAX_FRAMES_PER_WAIT`].
    fn next(&self, socket: &PacketSocket, until: Instant, frames: &mut u32) -> io::Result<Heard> {
        let mut buffer = [0u8; 2048];
        while let Some(length) = socket.receive(&mut buffer, until)? {
            if let Some(mac) = received::frame(&buffer[..length]).and_then(|m| self.by(&m)) {
                return Ok(Heard::Claim(mac));
            }
            *frames += 1;
            if *frames >= MAX_FRAMES_PER_WAIT {
                return Ok(Heard::Flooded);
            }
        }
        Ok(Heard::Nothing)
    }

    /// The claimant's MAC, if `message` is a claim by another host.
    fn by(&self, message: &Message) -> Option<Mac> {
        let mac = match (message, self.ip) {
            (Message::Arp(arp), IpAddr::V4(ip)) => self.arp(arp, ip),
            (Message::Ndp(ndp), IpAddr::V6(ip)) => self.ndp(ndp, ip),
            _ => None,
        }?;
        (!self.this_node.owns_mac(mac)).then_some(mac)
    }

    /// RFC 5227 §2.1.1: any ARP whose sender IP is the address, and
    /// (before adding) another host's probe for it.
    fn arp(&self, arp: &Arp, ip: Ipv4Addr) -> Option<Mac> {
        let claims = arp.sender_ip == ip;
        let probes = self.starting && arp.is_probe_for(ip);
        (claims || probes).then_some(arp.sender_mac)
    }

    /// An advertisement for the address to a destination that fits, or
    /// (before adding) another node's DAD probe with another nonce.
    fn ndp(&self, ndp: &Ndp, ip: Ipv6Addr) -> Option<Mac> {
        if let Some(mac) = ndp.advertised_mac(ip) {
            return self
                .this_node
                .may_receive(ndp.destination, ip)
                .then_some(mac);
        }
        let (source, nonce) = ndp.dad_probe_for(ip)?;
        let foreign = nonce.is_none() || nonce != self.nonce;
        (self.starting && foreign).then_some(source?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::arp::Form;

    const OURS: Mac = [0x02, 0, 0, 0, 0, 1];
    const SECOND_NIC: Mac = [0x02, 0, 0, 0, 0, 2];
    const THEIRS: Mac = [0x02, 9, 9, 9, 9, 9];

    fn this_node() -> ThisNode {
        ThisNode {
            macs: vec![OURS, SECOND_NIC],
            ipv6: vec!["2001:db8::1".parse().unwrap()],
            carries_virtual_macs: Vec::new(),
        }
    }

    fn claim(node: &ThisNode, ip: &str, starting: bool) -> Claim {
        Claim {
            ip: ip.parse().unwrap(),
            this_node: node.clone(),
            nonce: Some([7; 6]),
            starting,
        }
    }

    fn heard(claim: &Claim, frame: &[u8]) -> Option<Mac> {
        claim.by(&received::frame(frame).unwrap())
    }

    #[test]
    fn arp_claims_follow_rfc_5227() {
        let node = this_node();
        let vip: Ipv4Addr = "192.0.2.10".parse().unwrap();
        let watching = claim(&node, "192.0.2.10", false);
        let starting = claim(&node, "192.0.2.10", true);
        let theirs = arp::gratuitous(Form::Request, THEIRS, vip);
        assert_eq!(heard(&watching, &theirs), Some(THEIRS), "a request claims");
        let reply = arp::gratuitous(Form::Reply, THEIRS, vip);
        assert_eq!(heard(&watching, &reply), Some(THEIRS), "a reply claims");
        let second = arp::gratuitous(Form::Reply, SECOND_NIC, vip);
        assert_eq!(heard(&watching, &second), None, "this node's other NIC");
        let probe = arp::probe(THEIRS, vip);
        assert_eq!(heard(&watching, &probe), None, "a probe while holding");
        assert_eq!(
            heard(&starting, &probe),
            Some(THEIRS),
            "a probe before adding"
        );
        let own_probe = arp::probe(OURS, vip);
        assert_eq!(heard(&starting, &own_probe), None);
        let other = arp::gratuitous(Form::Request, THEIRS, "192.0.2.11".parse().unwrap());
        assert_eq!(heard(&starting, &other), None);
    }

    #[test]
    fn ndp_claims_need_a_fitting_destination_and_a_foreign_nonce() {
        let node = this_node();
        let vip: Ipv6Addr = "2001:db8::10".parse().unwrap();
        let starting = claim(&node, "2001:db8::10", true);
        let watching = claim(&node, "2001:db8::10", false);
        let theirs = ndp::dad_solicitation(THEIRS, vip, Some([8; 6]));
        assert_eq!(heard(&starting, &theirs), Some(THEIRS));
        assert_eq!(heard(&watching, &theirs), None, "only before adding");
        let ours = ndp::dad_solicitation(THEIRS, vip, Some([7; 6]));
        assert_eq!(heard(&starting, &ours), None, "our own nonce");
        let bare = ndp::dad_solicitation(THEIRS, vip, None);
        assert_eq!(heard(&starting, &bare), Some(THEIRS), "no nonce: not ours");
    }
}

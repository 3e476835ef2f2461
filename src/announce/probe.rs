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
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::announce::unannounceable;
use crate::net::{ipv6_multicast_mac, solicited_node, Mac, BROADCAST_MAC, ETH_P_ARP, ETH_P_IPV6};
use crate::netlink::Link;
use crate::ocf::log;
use crate::sys::random;
use crate::sys::socket::{Membership, PacketSocket};
use crate::wire::{arp, ndp};

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
}

/// run_arping: two probes a second apart, answers awaited for two seconds.
pub const BEFORE_ADDING: Probing = Probing {
    probes: 2,
    spacing: Duration::from_secs(1),
    listen: Duration::from_secs(2),
    starting: false,
};

/// dad_mode=probe: three probes 50 ms apart, 150 ms of listening in all.
/// A holder's kernel answers a probe within a millisecond on a LAN, so
/// 50 ms after the last probe is ample; three probes let two be lost.
pub const FAST_DAD: Probing = Probing {
    probes: 3,
    spacing: Duration::from_millis(50),
    listen: Duration::from_millis(150),
    starting: true,
};

/// OCF_CHECK_LEVEL 20: a short look, so the monitor stays short.
pub const WHILE_MONITORING: Probing = Probing {
    probes: 2,
    spacing: Duration::from_millis(250),
    listen: Duration::from_millis(750),
    starting: false,
};

/// [`other_holder`] where the link can be asked at all (not loopback,
/// NOARP or IPoIB); a failure to ask is logged as "Could not
/// <question>" and answers no: a probe that cannot run proves nothing.
pub fn ask(
    link: &Link,
    ip: IpAddr,
    probing: Probing,
    deadline: Instant,
    question: &str,
) -> Option<Mac> {
    if unannounceable(link).is_some() {
        return None;
    }
    other_holder(link, ip, probing, deadline).unwrap_or_else(|e| {
        log::warn(format!("Could not {question}: {e}"));
        None
    })
}

/// The MAC of another host answering for `ip` on `link`, if one does
/// before `probing.listen` has passed (or `deadline`, whichever is first).
pub fn other_holder(
    link: &Link,
    ip: IpAddr,
    probing: Probing,
    deadline: Instant,
) -> io::Result<Option<Mac>> {
    let Some(own) = link.ethernet_mac() else {
        return Ok(None);
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
    let _group = match ip {
        IpAddr::V6(v6) if probing.starting => {
            Some(Membership::join(solicited_node(v6), link.index)?)
        }
        _ => None,
    };
    let socket = PacketSocket::open_receiving(link.index, protocol)?;
    let start = Instant::now();
    let end = (start + probing.listen).min(deadline);
    let mut buffer = [0u8; 2048];
    let mut sent = 0;
    loop {
        let next_probe = start + probing.spacing * sent;
        if sent < probing.probes && Instant::now() >= next_probe {
            socket.send(&probe, destination, protocol)?;
            sent += 1;
            continue;
        }
        let until = if sent < probing.probes {
            next_probe.min(end)
        } else {
            end
        };
        match socket.receive(&mut buffer, until)? {
            Some(length) => {
                let frame = &buffer[..length];
                let claimant = match ip {
                    IpAddr::V4(v4) => arp::claimant(frame, v4),
                    IpAddr::V6(v6) => ndp::claimant(frame, v6).or_else(|| {
                        // Our own probe, looped back, carries our nonce.
                        let (source, seen) = ndp::probe_for(frame, v6)?;
                        (probing.starting && seen != nonce).then_some(source)
                    }),
                };
                if let Some(mac) = claimant.filter(|mac| *mac != own) {
                    return Ok(Some(mac));
                }
            }
            None if Instant::now() >= end => return Ok(None),
            None => {}
        }
    }
}

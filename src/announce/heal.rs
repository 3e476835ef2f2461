//! The self-healing monitor (OCF_CHECK_LEVEL 10 and above): does every
//! gateway still send to this node for the VIP?
//!
//! One echo request leaves from the VIP to each gateway (the next hops of
//! the main table's routes through the VIP's interface, whatever
//! garp_targets says). A gateway's reply is addressed to the VIP, so it
//! comes back here only if the gateway maps the VIP to this node's MAC.
//! Each gateway that has not answered within [`ECHO_WAIT`] is healed: one
//! announcement round goes out (broadcast, and directed to the
//! garp_targets and to every silent gateway) — with two routers, one
//! stale router is healed although the other answers. ICMP may be
//! filtered, so this never fails a monitor: it warns and announces.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::announce::schedule::forms;
use crate::announce::{probe, report_held, targets, Announcer, Directed, Losses, Patience};
use crate::config::{AnnounceConfig, Targets};
use crate::netlink::{Link, Netlink};
use crate::ocf::log;
use crate::ocf::messages;
use crate::sys::socket::EchoSocket;
use crate::wire::echo;

/// A gateway on the LAN answers within a millisecond; a monitor must stay
/// short.
pub const ECHO_WAIT: Duration = Duration::from_millis(250);

/// Checks the gateways of `ip/prefix_len` on `link` and announces once if
/// none of them answers (before `deadline` at the latest).
pub fn check_and_heal(
    netlink: &mut Netlink,
    link: &Link,
    ip: IpAddr,
    prefix_len: u8,
    announce: &AnnounceConfig,
    deadline: Instant,
) {
    let gateways = targets::resolve(netlink, &Targets::Gateway, link, ip, prefix_len, None);
    if gateways.is_empty() {
        log::debug(format!(
            "No gateway on {} to check {ip} with: nothing to heal",
            link.name
        ));
        return;
    }
    // An IPv4 VIP cannot send an echo to an IPv6 next hop: no evidence
    // either way, so it is neither checked nor healed.
    let (gateways, unaskable): (Vec<Directed>, Vec<Directed>) =
        gateways.into_iter().partition(|g| g.answers_for(ip));
    for gateway in &unaskable {
        log::debug(format!(
            "{} (an IPv6 next hop of {ip}) cannot be asked with an echo from it",
            gateway.ip
        ));
    }
    if gateways.is_empty() {
        return;
    }
    let addresses: Vec<IpAddr> = gateways.iter().map(|g| g.ip).collect();
    let until = (Instant::now() + ECHO_WAIT).min(deadline);
    let answered = match answering(link.index, ip, &addresses, until) {
        Ok(answered) => answered,
        Err(e) => {
            log::warn(format!(
                "Could not send echo requests from {ip} to its gateways ({}): {e}",
                list(&addresses)
            ));
            return;
        }
    };
    let silent: Vec<Directed> = gateways
        .into_iter()
        .filter(|g| !answered.contains(&g.ip))
        .collect();
    for gateway in &answered {
        log::debug(format!("{gateway} answered an echo request from {ip}"));
    }
    if silent.is_empty() {
        return;
    }
    let silent_list = list(&silent.iter().map(|g| g.ip).collect::<Vec<_>>());
    log::warn(format!(
        "The gateway(s) {silent_list} of {ip} did not answer an echo request from it within {} ms: \
         they may still send to another node; announcing {ip} once more",
        ECHO_WAIT.as_millis()
    ));
    announce_once(netlink, link, ip, prefix_len, announce, &silent, deadline);
}

fn list(addresses: &[IpAddr]) -> String {
    addresses
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which of `gateways` answer an echo request from `ip` before `until`
/// (the wait ends early once all have).
fn answering(
    ifindex: u32,
    ip: IpAddr,
    gateways: &[IpAddr],
    until: Instant,
) -> std::io::Result<Vec<IpAddr>> {
    let socket = EchoSocket::open(ifindex, ip)?;
    let identifier = (std::process::id() & 0xffff) as u16;
    let request = echo::request(ip.is_ipv6(), identifier, 1);
    let mut sent = false;
    let mut last_error = None;
    for gateway in gateways {
        match socket.send_to(&request, *gateway) {
            Ok(()) => sent = true,
            Err(e) => last_error = Some(e),
        }
    }
    if !sent {
        return Err(last_error.unwrap_or_else(|| std::io::ErrorKind::NotFound.into()));
    }
    let mut answered = Vec::new();
    let mut buffer = [0u8; 1536];
    for _ in 0..probe::MAX_FRAMES_PER_WAIT {
        let Some((length, from)) = socket.receive(&mut buffer, until)? else {
            break;
        };
        if echo::is_reply(&buffer[..length], from, identifier, gateways)
            && !answered.contains(&from)
        {
            answered.push(from);
            if answered.len() == gateways.len() {
                break;
            }
        }
    }
    Ok(answered)
}

/// One round: the broadcast forms, and directed requests to the
/// garp_targets and to each of `gateways`.
fn announce_once(
    netlink: &mut Netlink,
    link: &Link,
    ip: IpAddr,
    prefix_len: u8,
    announce: &AnnounceConfig,
    gateways: &[Directed],
    deadline: Instant,
) {
    let targets = &announce.targets;
    let Some(announcer) = crate::announce::or_logged(Announcer::prepare(
        netlink, link, ip, prefix_len, targets, false, None,
    )) else {
        return;
    };
    let announcer = announcer.paced(&announce.pacing, netlink, link, Patience::Until(deadline));
    let extra: Vec<Directed> = gateways
        .iter()
        .filter(|g| !announcer.targets().iter().any(|t| t.ip == g.ip))
        .copied()
        .collect();
    let sent = announcer
        .send(forms(announce.plan.mode))
        .and_then(|mut delivery| {
            delivery.add(announcer.send_directed(&extra)?);
            Ok(delivery)
        });
    match sent {
        Ok(delivery) => {
            let mut losses = Losses::default();
            losses.note(&delivery, &announcer);
            losses.report(ip);
            report_held(&announcer, ip);
        }
        Err(e) => log::error(format!("{}: {e}", messages::SEND_GARP_FAILED)),
    }
}

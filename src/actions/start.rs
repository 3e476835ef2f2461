//! start: validate everything, find the interface (findif), add the
//! address unless it is already served, bring the interface up, announce.
//! Start on a started VIP is 0. Nothing is left half-configured: if a step
//! after the add fails, the address is removed again.

use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::actions::macvlan;
use crate::actions::validate::prepare;
use crate::actions::{
    check_carries_label, copies_anywhere, dad, find_vip, ipv4_conf, lvs, require_root,
};
use crate::announce::pacing::{Pacer, Protocol};
use crate::announce::probe::{self, LateWatch, ThisNode};
use crate::announce::schedule::Schedule;
use crate::announce::{
    collision, run, sender, unannounceable, Announcer, Limits, Patience, Progress, Stopped,
};
use crate::config::{self, ArpSender, Config, Lifetime};
use crate::env::Env;
use crate::findif::Placement;
use crate::net::{format_mac, same_prefix};
use crate::netlink::{Address, AddressFlags, ErrorKind, Events, Family, Link, Name, Netlink};
use crate::ocf::{self, log, Action, Error, ExitCode, Result};
use crate::ocf::{messages, Context};

pub fn start(env: &Env) -> Result<()> {
    // IPaddr2's order: a missing ip is a configuration error before the
    // root check; every other check comes after it.
    config::require_ip(env)?;
    require_root(Action::Start)?;
    let config = config::load(env)?;
    // A late collision recorded by an earlier start's sender: this start
    // probes afresh.
    collision::clear(&config.vip.sender_pid_file);
    let (mut netlink, placement, label) = prepare(&config)?;
    let placement = macvlan::attach(&mut netlink, &config, placement)?;
    let started = start_on(&mut netlink, &config, &placement, label);
    if started.is_err() {
        macvlan::release_unused(&mut netlink, &config, &placement);
    }
    started
}

/// start, once the VIP's place is known (and, with virtual_mac, its
/// macvlan is up).
fn start_on(
    netlink: &mut Netlink,
    config: &Config,
    placement: &Placement,
    label: Option<String>,
) -> Result<()> {
    let ip = config.vip.ip;
    if already_started(netlink, config, placement)? {
        return Ok(());
    }
    log_arp_sender(config);
    if ip.is_ipv4() {
        if config.vip.lvs_support {
            lvs::remove_conflicting_loopback(netlink, &config.vip)?;
        }
        if config.announce.run_arping {
            // On the nic with a virtual MAC: another holder's answer
            // arrives there, whatever the macvlan's mode.
            check_no_other_holder(netlink, placement.routed_link(), config)?;
        }
        warn_if_primary(netlink, config, placement);
        // Opened (and its targets resolved) before the address exists, so
        // the first round leaves the moment the kernel has it.
        let announcer = open_announcer(netlink, config, placement);
        add_address(netlink, config, placement, label, false)?;
        if let Some(announcer) = announcer {
            announce(announcer, config, netlink, Instant::now(), None)?;
        }
        return Ok(());
    }

    if let Readiness::Usable(late) = add_ipv6(netlink, config, placement, label)? {
        if let Some(announcer) = open_announcer(netlink, config, placement) {
            announce(announcer, config, netlink, Instant::now(), late)?;
        }
    }
    Ok(())
}

/// Whether an added IPv6 address can be announced.
pub(super) enum Readiness {
    /// With dad_mode=probe's watch for late answers, still listening.
    Usable(Option<LateWatch>),
    /// Still tentative when DAD's time was up (logged as IPaddr2 does):
    /// configured, but not announced.
    Tentative,
}

/// Adds an IPv6 VIP with duplicate address detection as configured. The
/// advertisements' source is the VIP, which cannot be used while DAD
/// runs; events are subscribed before the add so that DAD's end is seen
/// the moment it happens.
pub(super) fn add_ipv6(
    netlink: &mut Netlink,
    config: &Config,
    placement: &Placement,
    label: Option<String>,
) -> Result<Readiness> {
    let link = &placement.link;
    let ip = config.vip.ip;
    let (detection, late) = dad::detect(netlink, link, config)?;
    let mut events = match detection {
        dad::Detection::Kernel => {
            Some(Events::ipv6_addresses().or_fail("Could not subscribe to address events")?)
        }
        _ => None,
    };
    if let Some(value) = config.addrlabel {
        add_address_label(netlink, ip, value);
    }
    add_address(netlink, config, placement, label, detection.adds_nodad())?;
    let added_at = Instant::now();
    if let Some(events) = events.as_mut() {
        if dad::wait(netlink, events, ip, link.index, added_at, config.timeout_ms)?
            == dad::Outcome::StillTentative
        {
            log::warn("IPv6 address : DAD is still in tentative");
            log::error(format!(
                "Could not send ICMPv6 Unsolicited Neighbor Advertisements: {ip} is still tentative"
            ));
            return Ok(Readiness::Tentative);
        }
    }
    Ok(Readiness::Usable(late))
}

/// Start on a started VIP is 0, but only when the copy there is usable:
/// a `dadfailed` copy is removed and the start goes on afresh (DAD then
/// tells whether the other holder is still there), and a copy on an
/// interface that is administratively down gets its interface brought up,
/// as a fresh start would. A link without carrier is not start's to fix:
/// monitor's check_link_status reports it.
///
/// Without a nic, a copy on any other interface that counts
/// (ARCHITECTURE.md, "Which copies count") is the resource too: the probe
/// said 0 for it, so a second copy where findif points would be a
/// duplicate on this node. Start then answers 0, adds nothing, and names
/// both interfaces.
fn already_started(netlink: &mut Netlink, config: &Config, placement: &Placement) -> Result<bool> {
    let link = &placement.link;
    let ip = config.vip.ip;
    let here = find_vip(netlink, &config.vip, Some(link))?
        .into_iter()
        .next();
    let Some(existing) = here else {
        if config.vip.nic.is_none() {
            return elsewhere(netlink, config, link);
        }
        return Ok(false);
    };
    if existing.is_dadfailed() {
        log::warn(format!(
            "{ip} is configured on {} but dadfailed: removing it and starting afresh",
            link.name
        ));
        netlink
            .delete_address(&existing)
            .map_err(|e| Error::generic(format!("Could not remove the dadfailed {ip}: {e}")))?;
        return Ok(false);
    }
    check_carries_label(&existing, link, config.address.iflabel.as_deref())?;
    if existing.prefix_len != placement.prefix_len {
        log::warn(format!(
            "{ip} is already configured on {} as /{} (configured: /{})",
            link.name, existing.prefix_len, placement.prefix_len
        ));
    }
    if !link.is_up() {
        log::info(format!("Bringing device {} up", link.name));
        netlink.set_link_up(link.index).map_err(|e| {
            Error::generic(format!(
                "{ip} is configured, but device {} could not be brought up: {e}",
                link.name
            ))
        })?;
    }
    Ok(true)
}

/// A counting copy of the VIP on another interface than `link` (findif's
/// choice), when no nic is configured: it is the resource, so start adds
/// nothing.
fn elsewhere(netlink: &mut Netlink, config: &Config, link: &Link) -> Result<bool> {
    let ip = config.vip.ip;
    let Some((copy, other)) = copies_anywhere(netlink, &config.vip)?
        .into_iter()
        .find(|(a, _)| a.index != link.index && !a.is_dadfailed())
    else {
        return Ok(false);
    };
    let other = other.map_or_else(|| format!("#{}", copy.index), |l| l.name.to_string());
    log::warn(format!(
        "{ip} is already configured on {other} ({}/{}), not on {} where findif places it: \
         that copy is the resource, so nothing is added (set nic to choose the interface)",
        copy.local, copy.prefix_len, link.name
    ));
    Ok(true)
}

/// run_arping: an ARP probe before the address is added, like IPaddr2's
/// `arping -D -c 2 -w 3`; an answer means another host holds the address.
fn check_no_other_holder(netlink: &mut Netlink, link: &Link, config: &Config) -> Result<()> {
    let ip = config.vip.ip;
    let limit = ocf::deadline(config.timeout_ms);
    let question = format!("check {ip} for collisions");
    let this_node = ThisNode::read_or_only(netlink, link);
    let pacer = Pacer::for_link(&config.announce.pacing, netlink, link, Protocol::of(ip));
    let probing = probe::BEFORE_ADDING;
    let Some(mac) = probe::ask(
        link,
        &this_node,
        ip,
        probing,
        limit,
        &question,
        pacer.as_ref(),
    ) else {
        return Ok(());
    };
    log::error(messages::collision(ip));
    Err(Error::generic(format!(
        "{}: {} answers for it on {}",
        messages::collision(ip),
        format_mac(mac),
        link.name
    )))
}

/// The first address of a subnet becomes its primary; with
/// promote_secondaries off, removing a primary removes every secondary of
/// its subnet with it, so stopping this VIP would silently take later VIPs
/// of the same subnet along.
pub(super) fn warn_if_primary(netlink: &mut Netlink, config: &Config, placement: &Placement) {
    let IpAddr::V4(ip) = config.vip.ip else {
        return;
    };
    let link = &placement.link;
    // A virtual-MAC VIP is its macvlan's only address, removed with it.
    if link.is_loopback() || placement.virtual_mac.is_some() {
        return;
    }
    let Ok(addresses) = netlink.addresses(Some(Family::Ipv4)) else {
        return;
    };
    if addresses.iter().any(|a| {
        a.index == link.index && same_prefix(a.local, IpAddr::V4(ip), placement.prefix_len)
    }) {
        return;
    }
    let enabled = |scope: &Name| {
        std::fs::read_to_string(ipv4_conf(scope, "promote_secondaries"))
            .is_ok_and(|v| v.trim() != "0")
    };
    if !enabled(&Name::from("all")) && !enabled(&link.name) {
        log::warn(format!(
            "{ip}/{} will be the only address of its subnet on {}: with promote_secondaries off, \
             stopping it also removes every address of that subnet added after it \
             (sysctl -w net.ipv4.conf.{}.promote_secondaries=1, or add a static base address)",
            placement.prefix_len, link.name, link.name
        ));
    }
}

pub(super) fn add_address_label(netlink: &mut Netlink, ip: IpAddr, value: u32) {
    log::info(format!(
        "Adding IPv6 address label prefix {ip} label {value}"
    ));
    if let Err(e) = netlink.add_address_label(ip, value) {
        if e.kind() != ErrorKind::Exists {
            log::warn(format!(
                "Could not add IPv6 address label prefix {ip} label {value}: {e}"
            ));
        }
    }
}

fn log_arp_sender(config: &Config) {
    if let Some(sender) = config.announce.arp_sender {
        if sender != ArpSender::SendArp {
            log::info(format!(
                "arp_sender={}: floatip sends every announcement itself",
                sender.as_str()
            ));
        }
    }
}

/// The announcer for the new address, with its garp_targets; `None`
/// (logged) where nothing is announced.
pub(super) fn open_announcer(
    netlink: &mut Netlink,
    config: &Config,
    placement: &Placement,
) -> Option<Announcer> {
    let link = &placement.link;
    let ip = config.vip.ip;
    if let Some(why) = unannounceable(link) {
        log::info(format!("No announcements on {}: {why}", link.name));
        return None;
    }
    let announce = &config.announce;
    let closed_loop = !announce.window.is_zero();
    let targets = &announce.targets;
    let prefix_len = placement.prefix_len;
    let known = placement.routes.clone();
    let announcer = crate::announce::or_logged(Announcer::prepare(
        netlink,
        link,
        ip,
        prefix_len,
        targets,
        closed_loop,
        known,
    ))?
    .paced(
        &announce.pacing,
        netlink,
        link,
        Patience::FirstFrameUntil(ocf::deadline(config.timeout_ms)),
    );
    if announcer.targets().is_empty() {
        log::info(format!(
            "No garp_targets on {}: announcing {ip} open-loop, {} round(s) and no acknowledgements",
            link.name, announce.plan.rounds
        ));
    } else {
        let list: Vec<String> = announcer
            .targets()
            .iter()
            .map(|d| d.ip.to_string())
            .collect();
        let until = if closed_loop {
            format!(
                ", until each answers (garp_window {} s)",
                announce.window.as_secs()
            )
        } else {
            ", open-loop (garp_window 0)".to_owned()
        };
        log::info(format!(
            "Announcing {ip} also directly to {} (garp_targets){until}",
            list.join(", ")
        ));
    }
    Some(announcer)
}

/// The first round now, before start returns; the rest in a detached
/// sender (arp_bg) or here, within the action's timeout. The closed loop's
/// extension, while a target is unanswered, always runs detached: start
/// must not block for garp_window. Failing to announce is logged but does
/// not fail start: the address is up.
///
/// `late`, dad_mode=probe's listening for late duplicates, is read
/// between the foreground rounds: a late claim withdraws the address and
/// fails start. What is left of it when start returns goes to the
/// detached sender, started for it when nothing else would be.
pub(super) fn announce(
    announcer: Announcer,
    config: &Config,
    netlink: &mut Netlink,
    added_at: Instant,
    late: Option<LateWatch>,
) -> Result<()> {
    let plan = &config.announce.plan;
    let window = config.announce.window;
    let arp_bg = config.announce.arp_bg;
    let ip = config.vip.ip;
    let pid_file = &config.vip.sender_pid_file;
    let mut events = Schedule::of(plan);
    let Some(first) = events.next() else {
        return Ok(());
    };
    let mut progress = Progress::after_first_round(&announcer, added_at);
    match announcer.send(&first.forms) {
        // A first round that was lost (ENOBUFS, EAGAIN) is retried by the
        // rounds after it, as a round the wire dropped would be.
        Ok(delivery) => progress.losses.note(&delivery, &announcer),
        Err(e) => {
            log::error(format!("{}: {e}", messages::SEND_GARP_FAILED));
            return Ok(());
        }
    }
    // It listens only for a window and targets.
    let closed_loop = announcer.is_listening();
    let more = events.remaining() > 0;
    let held = announcer.held() > 0;
    let first_frame_left = announcer.pacer().is_none_or(|p| p.first_wait().is_some());
    if first_frame_left {
        log::info(format!(
            "Sent {} for {ip} on {}: {}{}",
            announcer.kind(),
            announcer.ifname,
            plan.describe(ip),
            if (more || held) && arp_bg {
                ", the rest in the background"
            } else {
                ""
            }
        ));
    }
    if let Some(pacer) = announcer.pacer() {
        report_pacing(pacer, ip, announcer.held());
    }
    if arp_bg {
        if more || held || closed_loop || late.is_some() {
            spawn_sender(announcer, events, progress, window, pid_file, late);
        } else {
            progress.losses.report(ip);
        }
        return Ok(());
    }
    if more {
        let limits = Limits {
            deadline: Some(ocf::deadline(config.timeout_ms)),
            window,
            extend: false,
            watch: late.as_ref(),
        };
        let result = run::run(
            &announcer,
            &mut events,
            &mut progress,
            &limits,
            Some(netlink),
        );
        let handed_over =
            announcer.pacer().is_some() && matches!(result, Err(Stopped::Deadline(_)));
        if !handed_over {
            run::report(&result, ip);
        }
        match result {
            Err(Stopped::Collision(mac)) => {
                let link_name = late.as_ref().map_or("", |w| w.link_name());
                let reason = collision::reason(ip, mac, link_name);
                collision::withdraw(netlink, ip, announcer.ifindex);
                return Err(Error::generic(reason));
            }
            Err(Stopped::AddressGone | Stopped::Failed(_)) => {
                progress.losses.report(ip);
                return Ok(());
            }
            // Paced, the rounds the timeout cuts are the sender's.
            Err(Stopped::Deadline(_)) if announcer.pacer().is_some() => {
                log::info(format!(
                    "garp_rate: {} round(s) and {} held frame(s) announcing {ip} would pass start's timeout: \
                     the background sender sends them",
                    events.remaining(),
                    announcer.held()
                ));
                spawn_sender(announcer, events, progress, window, pid_file, late);
                return Ok(());
            }
            Ok(()) | Err(Stopped::Deadline(_)) => {}
        }
    }
    let late = late.filter(|w| !w.is_over());
    let unanswered = progress.acks.unanswered();
    let extension = closed_loop && !unanswered.is_empty();
    if extension {
        let list: Vec<String> = unanswered.iter().map(|d| d.ip.to_string()).collect();
        log::info(format!(
            "{} not answered yet: asking again in the background, for at most garp_window ({} s)",
            list.join(", "),
            window.as_secs()
        ));
    }
    if extension || late.is_some() {
        spawn_sender(announcer, events, progress, window, pid_file, late);
    } else {
        progress.losses.report(ip);
    }
    Ok(())
}

/// How garp_rate paced start's first round, in the log: how long the
/// first frame waited (a warning past a second: the budget is short for
/// the VIPs that share the port), or that it never left within start's
/// timeout and the background sender has it.
fn report_pacing(pacer: &Pacer, ip: IpAddr, held: usize) {
    let (rate, port) = (pacer.rate(), pacer.port());
    match pacer.first_wait() {
        None => log::warn(format!(
            "garp_rate={rate}: the budget of {port} had no room for the first frame announcing {ip} \
             within start's timeout: {ip} is up, and the background sender announces it as the budget allows"
        )),
        Some(waited) if waited > Duration::from_secs(1) => log::warn(format!(
            "garp_rate={rate}: the first frame announcing {ip} waited {} ms for the budget of {port}: \
             the rate is short for the VIPs that share it (see the sizing rule in docs/announcements.md)",
            waited.as_millis()
        )),
        Some(waited) if waited >= Duration::from_millis(1) => log::info(format!(
            "garp_rate={rate}: the announcement of {ip} was paced: its first frame waited {} ms for the budget of {port}",
            waited.as_millis()
        )),
        Some(_) => {}
    }
    if held > 0 && pacer.first_wait().is_some() {
        log::info(format!(
            "garp_rate={rate}: {held} frame(s) of the first round announcing {ip} wait for the budget of {port}: \
             the background sender sends them"
        ));
    }
}

pub(super) fn spawn_sender(
    announcer: Announcer,
    events: Schedule,
    progress: Progress,
    window: Duration,
    pid_file: &Path,
    late: Option<LateWatch>,
) {
    if let Err(e) = sender::spawn(announcer, events, progress, window, pid_file, late) {
        log::error(format!(
            "{}: could not start the background sender: {e}",
            messages::SEND_GARP_FAILED
        ));
    }
}

/// Adds the VIP; `nodad`: as an IPv6 address that needs no duplicate
/// address detection from the kernel (nodad=true, or floatip probed).
pub(super) fn add_address(
    netlink: &mut Netlink,
    config: &Config,
    placement: &Placement,
    label: Option<String>,
    nodad: bool,
) -> Result<()> {
    let ip = config.vip.ip;
    let link = &placement.link;
    let new = new_address(config, placement, label, nodad);
    log::info(adding_message(&new, &link.name.to_string(), config));
    match netlink.add_address(&new) {
        Ok(()) => {}
        // A concurrent start of the same VIP got there first: served.
        Err(e) if e.kind() == ErrorKind::Exists => return Ok(()),
        Err(e) => return Err(add_failed(ip, &link.name.to_string(), &e)),
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
    if let Err(e) = verify_added(netlink, config, &new, link) {
        rollback(netlink, &new);
        return Err(e);
    }
    Ok(())
}

/// What was added, read back (as resource-agents 4.16 does): the kernel
/// must show the VIP on the interface, with the prefix and the label it
/// was given. Anything else fails start with 1 and nothing left.
fn verify_added(netlink: &mut Netlink, config: &Config, new: &Address, link: &Link) -> Result<()> {
    let ip = new.local;
    let shown = find_vip(netlink, &config.vip, Some(link))?;
    let Some(address) = shown.first() else {
        return Err(Error::generic(format!(
            "Failed to add {ip}: the kernel does not show it on {} after adding it",
            link.name
        )));
    };
    if address.prefix_len != new.prefix_len {
        return Err(Error::generic(format!(
            "Failed to add {ip}: the kernel shows it as /{}, not /{}",
            address.prefix_len, new.prefix_len
        )));
    }
    check_carries_label(address, link, config.address.iflabel.as_deref())
        .map_err(|e| Error::generic(format!("Failed to add {ip}: {}", e.reason)))
}

/// The VIP as the configuration says to add it; `nodad`: as an IPv6
/// address that needs no duplicate address detection from the kernel.
pub(super) fn new_address(
    config: &Config,
    placement: &Placement,
    label: Option<String>,
    nodad: bool,
) -> Address {
    let ip = config.vip.ip;
    let address = &config.address;
    let mut flags = AddressFlags::empty();
    // On a macvlan, the nic's connected route stays the one traffic
    // takes: a second one through the macvlan would compete with it.
    let on_macvlan_without_route = placement
        .virtual_mac
        .as_ref()
        .is_some_and(|v| !v.prefix_route);
    if address.noprefixroute || on_macvlan_without_route {
        flags |= AddressFlags::NOPREFIXROUTE;
    }
    if nodad && ip.is_ipv6() {
        flags |= AddressFlags::NODAD;
    }
    let preferred_lft = match (ip, address.preferred_lft) {
        (IpAddr::V6(_), Lifetime::Seconds(seconds)) => Some(seconds),
        _ => None,
    };
    Address {
        index: placement.link.index,
        local: ip,
        prefix_len: placement.prefix_len,
        broadcast: placement.broadcast,
        label: label.map(Name::from),
        flags,
        preferred_lft,
        // IPv6: the metric of the route findif chose, so that the VIP's
        // prefix route is that route and not a second one at the
        // kernel's default (resource-agents 4.15).
        metric: placement.metric,
    }
}

/// The kernel's refusal, as the OCF code that tells Pacemaker what to do.
fn add_failed(ip: IpAddr, nic: &str, e: &crate::netlink::Error) -> Error {
    match e.kind() {
        ErrorKind::NotPermitted => Error::new(
            ExitCode::ErrPerm,
            format!("Failed to add {ip}: not permitted (floatip needs CAP_NET_ADMIN): {e}"),
        ),
        ErrorKind::NoDevice => Error::generic(format!(
            "Failed to add {ip}: interface {nic} vanished while starting"
        )),
        _ => Error::generic(format!("Failed to add {ip}: {e}")),
    }
}

/// Removes an address this start added, so that a failed start leaves
/// nothing half-configured behind.
fn rollback(netlink: &mut Netlink, new: &Address) {
    if let Ok(found) = netlink.find_address(new.local) {
        for address in found.iter().filter(|a| a.index == new.index) {
            if let Err(e) = netlink.delete_address(address) {
                log::error(format!(
                    "Could not remove {} after a failed start: {e}",
                    new.local
                ));
            }
        }
    }
}

/// IPaddr2's wording, which people search logs for.
fn adding_message(new: &Address, nic: &str, config: &Config) -> String {
    let family = match new.local {
        IpAddr::V4(_) => "inet",
        IpAddr::V6(_) => "inet6",
    };
    let mut message = format!("Adding {family} address {}/{}", new.local, new.prefix_len);
    if let Some(broadcast) = new.broadcast {
        message.push_str(&format!(" with broadcast address {broadcast}"));
    }
    message.push_str(&format!(" to device {nic}"));
    let mut extra = Vec::new();
    if let Some(metric) = new.metric {
        extra.push(format!("metric {metric}"));
    }
    if new.flags.contains(AddressFlags::NODAD) {
        extra.push("nodad".to_owned());
    }
    if config.address.noprefixroute {
        extra.push("noprefixroute".to_owned());
    }
    if let Some(label) = &new.label {
        extra.push(format!("label {label}"));
    }
    if new.local.is_ipv6() {
        extra.push(match config.address.preferred_lft {
            Lifetime::Forever => "preferred_lft forever".to_owned(),
            Lifetime::Seconds(s) => format!("preferred_lft {s}"),
        });
    }
    if !extra.is_empty() {
        message.push_str(&format!(" (with {})", extra.join(" ")));
    }
    message
}

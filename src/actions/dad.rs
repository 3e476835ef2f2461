//! IPv6 duplicate address detection at start, one of three ways:
//!
//! - nodad=true: none (IPaddr2's nodad);
//! - dad_mode=probe (the default): floatip's own, before the address is
//!   added (RFC 4862 §5.4 probes with a nonce, see announce/probe.rs);
//!   with no answer the address is added as checked (IFA_F_NODAD) and
//!   announced at once; with one, start fails and adds nothing;
//! - dad_mode=kernel, and links that cannot be probed: the kernel's, as
//!   IPaddr2 does it. Its end is awaited on netlink events rather than by
//!   polling once a second as IPaddr2 does, so the first advertisement
//!   leaves within milliseconds of DAD's end. Bounded like IPaddr2 (a
//!   still tentative address after 10 s is a warning, not a failure) and
//!   by the action's timeout. On `dadfailed` another node holds the
//!   address: it is removed again and start fails with 1.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::announce::pacing::{Pacer, Protocol};
use crate::announce::probe::{self, LateWatch, Probed, ThisNode};
use crate::announce::unannounceable;
use crate::config::{Config, DadMode};
use crate::net::format_mac;
use crate::netlink::{Events, Link, Netlink, Wakeup};
use crate::ocf::{self, log, Error, Result};
use crate::ocf::{messages, Context};

/// How this start checks the address for duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// nodad=true.
    Off,
    /// floatip probed the link: nobody else holds the address.
    Probed,
    /// The kernel's DAD runs after the add.
    Kernel,
}

impl Detection {
    /// The address is added with IFA_F_NODAD: no detection is left to the
    /// kernel.
    pub fn adds_nodad(self) -> bool {
        self != Detection::Kernel
    }
}

/// Decides how `ip` is checked on `link`, and probes when that is
/// floatip's to do: `Err` (1) when another node answers for the address.
/// A probe that heard nobody hands back the watch that goes on listening
/// for late answers once the address is added.
pub fn detect(
    netlink: &mut Netlink,
    link: &Link,
    config: &Config,
) -> Result<(Detection, Option<LateWatch>)> {
    let ip = config.vip.ip;
    if config.address.nodad {
        return Ok((Detection::Off, None));
    }
    if config.address.dad_mode == DadMode::Kernel {
        return Ok((Detection::Kernel, None));
    }
    if let Some(why) = unprobeable(link) {
        log::info(format!(
            "{} cannot be probed for duplicates of {ip} ({why}): the kernel's DAD decides",
            link.name
        ));
        return Ok((Detection::Kernel, None));
    }
    let limit = ocf::deadline(config.timeout_ms);
    let this_node = ThisNode::read_or_only(netlink, link);
    let pacer = Pacer::for_link(&config.announce.pacing, netlink, link, Protocol::Ndp);
    match probe::probe(link, &this_node, ip, probe::FAST_DAD, limit, pacer.as_ref()) {
        Ok(Probed::Nobody(watch)) => {
            log::debug(format!("No other holder of {ip} answered on {}", link.name));
            Ok((Detection::Probed, watch))
        }
        Ok(Probed::Holder(mac)) => {
            log::error(messages::collision(ip));
            Err(Error::generic(format!(
                "{}: {} answers for it on {}",
                messages::collision(ip),
                format_mac(mac),
                link.name
            )))
        }
        Err(e) => {
            log::warn(format!(
                "Could not probe {} for duplicates of {ip}: {e}: the kernel's DAD decides",
                link.name
            ));
            Ok((Detection::Kernel, None))
        }
    }
}

/// Why floatip cannot probe on `link` itself.
fn unprobeable(link: &Link) -> Option<&'static str> {
    if let Some(why) = unannounceable(link) {
        return Some(why);
    }
    if !link.is_up() {
        return Some("it is down");
    }
    (!link.has_carrier()).then_some("it has no carrier")
}

/// IPaddr2 gives DAD ten one-second polls.
const DAD_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    StillTentative,
}

pub fn wait(
    netlink: &mut Netlink,
    events: &mut Events,
    ip: IpAddr,
    ifindex: u32,
    added_at: Instant,
    timeout_ms: Option<u64>,
) -> Result<Outcome> {
    let limit = (added_at + DAD_LIMIT).min(ocf::deadline(timeout_ms));
    loop {
        let found = netlink
            .find_address(ip)
            .or_fail(messages::READ_ADDRESSES_FAILED)?;
        let Some(address) = found.into_iter().find(|a| a.index == ifindex) else {
            return Err(Error::generic(format!(
                "{ip} was removed during duplicate address detection"
            )));
        };
        if address.is_dadfailed() {
            log::error(messages::collision(ip));
            if let Err(e) = netlink.delete_address(&address) {
                log::error(format!("{}: {e}", messages::DELETE_IPV6_FAILED));
            }
            return Err(Error::generic(format!(
                "{}: another node on the link holds it",
                messages::collision(ip)
            )));
        }
        if !address.is_tentative() {
            log::debug(format!(
                "DAD for {ip} ended after {} ms",
                added_at.elapsed().as_millis()
            ));
            return Ok(Outcome::Done);
        }
        match events.wait(limit) {
            Ok(Wakeup::Changed) => continue,
            Ok(Wakeup::TimedOut) => return Ok(Outcome::StillTentative),
            Err(e) => {
                return Err(Error::generic(format!(
                    "Could not wait for duplicate address detection: {e}"
                )))
            }
        }
    }
}

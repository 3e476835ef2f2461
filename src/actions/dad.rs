//! Waiting for IPv6 duplicate address detection to end, on netlink events
//! rather than by polling once a second as IPaddr2 does, so the first
//! advertisement leaves within milliseconds of DAD's end.
//!
//! Bounded like IPaddr2 (a still tentative address after 10 s is a warning,
//! not a failure) and by the action's timeout. On `dadfailed` another node
//! holds the address: it is removed again and start fails with 1.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::netlink::{AddressEvents, Netlink, Wakeup};
use crate::ocf::{self, log, Error, Result};

/// IPaddr2 gives DAD ten one-second polls.
const DAD_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    StillTentative,
}

pub fn wait(
    netlink: &mut Netlink,
    events: &mut AddressEvents,
    ip: IpAddr,
    ifindex: u32,
    added_at: Instant,
    timeout_ms: Option<u64>,
) -> Result<Outcome> {
    let limit = (added_at + DAD_LIMIT).min(ocf::deadline(timeout_ms));
    loop {
        let found = netlink.find_address(ip).map_err(|e| {
            Error::generic(format!("Could not read the addresses of this node: {e}"))
        })?;
        let Some(address) = found.into_iter().find(|a| a.index == ifindex) else {
            return Err(Error::generic(format!(
                "{ip} was removed during duplicate address detection"
            )));
        };
        if address.is_dadfailed() {
            log::error(format!("IPv6 address collision {ip} [DAD]"));
            if let Err(e) = netlink.delete_address(&address) {
                log::error(format!("Could not delete IPv6 address: {e}"));
            }
            return Err(Error::generic(format!(
                "IPv6 address collision {ip} [DAD]: another node on the link holds it"
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

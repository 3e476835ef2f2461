//! validate-all, and the preparation start shares with it: the
//! namespace, findif, the label.

use crate::actions::{enter_namespace, open_netlink, Namespace};
use crate::announce::unannounceable;
use crate::config::values::check_label_length;
use crate::config::{self, Config};
use crate::env::Env;
use crate::findif::{findif, Placement, Request};
use crate::netlink::Netlink;
use crate::ocf::{log, Error, Result};

pub fn validate_all(env: &Env) -> Result<()> {
    let config = config::load(env)?;
    let (_, placement, _) = prepare(&config)?;
    // Say now, not only at start, when the interface gets no announcements
    // (an IPoIB interface, say): the address would work, neighbours would
    // not be told.
    let link = &placement.link;
    if let Some(why) = unannounceable(link) {
        if !link.is_loopback() {
            log::warn(format!("No announcements on {}: {why}", link.name));
        }
    }
    Ok(())
}

/// What start and validate-all share: the namespace, findif, the label.
pub fn prepare(config: &Config) -> Result<(Netlink, Placement, Option<String>)> {
    if let Namespace::Unavailable(why) = enter_namespace(&config.vip)? {
        return Err(Error::installed(why));
    }
    let mut netlink = open_netlink()?;
    let (placement, label) = place(&mut netlink, config)?;
    Ok((netlink, placement, label))
}

/// findif, and the label the address gets there.
pub fn place(netlink: &mut Netlink, config: &Config) -> Result<(Placement, Option<String>)> {
    let placement = findif(netlink, Request::of(config))?;
    let label = config
        .address
        .iflabel
        .as_deref()
        .map(|suffix| check_label_length(&placement.link.name.lossy(), suffix))
        .transpose()?;
    Ok((placement, label))
}

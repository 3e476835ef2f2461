//! monitor and status: is the VIP configured here?
//!
//! 0 when the address is on its interface; 7 when it is absent (and never
//! while it is still configured); 1 when a recurring monitor finds the
//! configured nic gone. A monitor with interval 0 or unset is a probe.

use crate::actions::{
    configured_link, enter_namespace, find_vip, log_namespace_missing, open_netlink,
    ConfiguredLink, Namespace,
};
use crate::config::Params;
use crate::env::Env;
use crate::ocf::{log, Error, Result};

pub fn monitor(env: &Env) -> Result<()> {
    let probe = is_probe(env);
    let config = Params::new(env).config()?;
    let target = &config.target;
    if let Namespace::Missing(name) = enter_namespace(target)? {
        log_namespace_missing(&name);
        return Err(Error::not_running());
    }
    let mut netlink = open_netlink()?;
    let link = match configured_link(&mut netlink, target)? {
        ConfiguredLink::Vanished(nic) if probe => {
            log::info(format!(
                "Interface {nic} does not exist: {} is not running here",
                target.ip
            ));
            return Err(Error::not_running());
        }
        ConfiguredLink::Vanished(nic) => {
            return Err(Error::generic(format!(
                "Interface {nic} for {} has vanished",
                target.ip
            )))
        }
        found => found,
    };
    let found = find_vip(&mut netlink, target, link.link())?;
    match found.first() {
        None => Err(Error::not_running()),
        Some(address) => {
            log::debug(format!(
                "{}/{} is configured on interface #{}",
                address.local, address.prefix_len, address.index
            ));
            Ok(())
        }
    }
}

/// The legacy status action: monitor's answer, printed.
pub fn status(env: &Env) -> Result<()> {
    let result = monitor(env);
    match &result {
        Ok(()) => println!("running"),
        Err(e) if e.code == crate::ocf::ExitCode::NotRunning => println!("stopped"),
        Err(_) => {}
    }
    result
}

fn is_probe(env: &Env) -> bool {
    env.get("OCF_RESKEY_CRM_meta_interval")
        .is_none_or(|interval| interval.trim().is_empty() || interval.trim() == "0")
}

//! ARP flux: Linux answers ARP for any local address on any interface
//! (arp_ignore 0) and may source its own ARP requests from any local
//! address (arp_announce 0). With the VIP on a macvlan, the nic would then
//! answer ARP for the VIP with the nic's MAC, and its requests sourced
//! from the VIP would teach neighbours the nic's MAC: exactly the change a
//! virtual MAC exists to avoid. While an IPv4 virtual-MAC VIP uses a nic,
//! floatip sets on it
//!
//! - `arp_ignore=1` (when it is 0): answer only for addresses on the
//!   interface the request came in on;
//! - `arp_announce=2` (when it is below 2): source ARP requests only from
//!   an address of the interface they leave through;
//!
//! records the values it replaced in `$HA_RSCTMP/floatip-virtual-mac/
//! <namespace>-<ifindex>.sysctl` (with the boot id), and puts them back
//! when the last IPv4 virtual-MAC VIP of the nic stops — only where the
//! value is still floatip's: an operator's later change is theirs.
//! conf/all is never changed (it would change every interface).

use std::io;
use std::path::{Path, PathBuf};

use crate::config::paths;
use crate::netlink::Link;
use crate::ocf::{log, Error, Result};
use crate::state;
use crate::sys::shared;

/// What floatip sets on the nic, and the lowest value that already does
/// the job (a stricter value an operator chose is left alone).
const SETTINGS: &[(&str, u32)] = &[("arp_ignore", 1), ("arp_announce", 2)];

/// The record's first word.
const RECORD_MAGIC: &str = "floatip-virtual-mac-sysctl 1";

/// The most bytes of a record read.
const RECORD_LIMIT: usize = 512;

/// `/proc/sys/net/<family>/conf/<interface>/<key>`.
pub fn path(family: &str, interface: &str, key: &str) -> PathBuf {
    PathBuf::from(format!("/proc/sys/net/{family}/conf/{interface}/{key}"))
}

pub fn write(family: &str, interface: &str, key: &str, value: &str) -> io::Result<()> {
    std::fs::write(path(family, interface, key), value)
}

pub fn read(family: &str, interface: &str, key: &str) -> io::Result<u32> {
    let text = std::fs::read_to_string(path(family, interface, key))?;
    text.trim()
        .parse()
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, text.trim().to_owned()))
}

/// Strict reverse-path filtering (rp_filter 1) drops what the macvlan
/// receives: the route back to a client is the nic's, not the
/// macvlan's. The effective value is the larger of conf/all and the
/// interface's own; `macvlan` is the macvlan's name once it exists, and
/// before that conf/default stands for the value it will get.
pub fn check_rp_filter(macvlan: Option<&str>) -> Result<()> {
    let own = macvlan.unwrap_or("default");
    let all = read("ipv4", "all", "rp_filter").unwrap_or(0);
    let interface = read("ipv4", own, "rp_filter").unwrap_or(0);
    let strict = |value: u32| value == 1;
    if strict(all.max(interface)) {
        let culprit = if all >= interface { "all" } else { own };
        return Err(Error::configured(format!(
            "virtual_mac needs loose or no reverse-path filtering on the VIP's macvlan, but \
             net.ipv4.conf.{culprit}.rp_filter is 1 (strict): traffic to the VIP arrives on the \
             macvlan while the route back leaves through the nic (set it to 2 or 0)"
        )));
    }
    Ok(())
}

/// One setting floatip changed: its key, the value before, floatip's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Changed {
    key: String,
    before: u32,
    ours: u32,
}

/// The record of what floatip changed on one nic, in this boot.
#[derive(Debug, Default, PartialEq, Eq)]
struct Record {
    changed: Vec<Changed>,
}

impl Record {
    fn parse(text: &str, boot_id: &str) -> Option<Record> {
        let mut lines = text.lines();
        let header = lines.next()?;
        if header.strip_prefix(RECORD_MAGIC)?.trim() != boot_id {
            return None;
        }
        let mut record = Record::default();
        for line in lines {
            let mut words = line.split_whitespace();
            let (Some(key), Some(before), Some(ours), None) =
                (words.next(), words.next(), words.next(), words.next())
            else {
                return None;
            };
            if !SETTINGS.iter().any(|(k, _)| *k == key) {
                return None;
            }
            record.changed.push(Changed {
                key: key.to_owned(),
                before: before.parse().ok()?,
                ours: ours.parse().ok()?,
            });
        }
        Some(record)
    }

    fn to_text(&self, boot_id: &str) -> String {
        let mut text = format!("{RECORD_MAGIC} {boot_id}\n");
        for c in &self.changed {
            text.push_str(&format!("{} {} {}\n", c.key, c.before, c.ours));
        }
        text
    }

    fn get(&self, key: &str) -> Option<&Changed> {
        self.changed.iter().find(|c| c.key == key)
    }
}

fn record_path(rsctmp: &Path, nic: &Link) -> Option<PathBuf> {
    crate::actions::macvlan::record_key(nic).map(|key| paths::virtual_mac_record(rsctmp, &key).0)
}

fn read_record(path: &Path) -> Option<Record> {
    let text = state::read_small(path, RECORD_LIMIT).ok().flatten()?;
    Record::parse(&text, &shared::boot_id())
}

/// Sets the nic's ARP settings (called under the nic's lock, with the
/// VIP's macvlan made). A value already floatip's according to the
/// record of this boot keeps the value the record says it replaced.
/// Failures are warnings: the VIP still works, with flux.
pub fn hold(rsctmp: &Path, nic: &Link) {
    let name = nic.name.lossy();
    let Some(path) = record_path(rsctmp, nic) else {
        log::warn(format!(
            "virtual_mac: could not tell this network namespace: the ARP settings of {name} are not changed"
        ));
        return;
    };
    let old = read_record(&path).unwrap_or_default();
    let mut record = Record::default();
    for (key, wanted) in SETTINGS {
        let current = match read("ipv4", &name, key) {
            Ok(value) => value,
            Err(e) => {
                log::warn(format!(
                    "virtual_mac: could not read net.ipv4.conf.{name}.{key} ({e}): the nic may answer ARP for the VIP"
                ));
                continue;
            }
        };
        if let Some(kept) = old.get(key).filter(|c| c.ours == current) {
            record.changed.push(kept.clone());
            continue;
        }
        if current >= *wanted {
            continue;
        }
        match write("ipv4", &name, key, &wanted.to_string()) {
            Ok(()) => {
                log::info(format!(
                    "virtual_mac: net.ipv4.conf.{name}.{key}={wanted} (was {current}) while a virtual-MAC VIP uses {name}"
                ));
                record.changed.push(Changed {
                    key: (*key).to_owned(),
                    before: current,
                    ours: *wanted,
                });
            }
            Err(e) => log::warn(format!(
                "virtual_mac: could not set net.ipv4.conf.{name}.{key}={wanted} ({e}): the nic may answer ARP for the VIP"
            )),
        }
    }
    if record.changed.is_empty() {
        state::remove(&path);
        return;
    }
    if let Err(e) = state::write_atomically(&path, record.to_text(&shared::boot_id()).as_bytes()) {
        log::warn(format!(
            "virtual_mac: could not record the previous ARP settings of {name} in {} ({e}): \
             they stay floatip's after the last virtual-MAC VIP stops",
            path.display()
        ));
    }
}

/// Puts back what [`hold`] replaced, where the value is still floatip's
/// (called under the nic's lock, when no IPv4 virtual-MAC VIP is left on
/// it).
pub fn restore(rsctmp: &Path, nic: &Link) {
    let name = nic.name.lossy();
    let Some(path) = record_path(rsctmp, nic) else {
        return;
    };
    let Some(record) = read_record(&path) else {
        state::remove(&path);
        return;
    };
    for changed in &record.changed {
        let key = &changed.key;
        match read("ipv4", &name, key) {
            Ok(current) if current == changed.ours => {
                match write("ipv4", &name, key, &changed.before.to_string()) {
                    Ok(()) => log::info(format!(
                        "virtual_mac: net.ipv4.conf.{name}.{key}={} again: no virtual-MAC VIP uses {name} any more",
                        changed.before
                    )),
                    Err(e) => log::warn(format!(
                        "virtual_mac: could not put back net.ipv4.conf.{name}.{key}={} ({e})",
                        changed.before
                    )),
                }
            }
            Ok(current) => log::info(format!(
                "virtual_mac: net.ipv4.conf.{name}.{key} is {current} now, not floatip's {}: left as it is",
                changed.ours
            )),
            Err(_) => {}
        }
    }
    state::remove(&path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_lapse_with_the_boot() {
        let record = Record {
            changed: vec![
                Changed {
                    key: "arp_ignore".into(),
                    before: 0,
                    ours: 1,
                },
                Changed {
                    key: "arp_announce".into(),
                    before: 1,
                    ours: 2,
                },
            ],
        };
        let text = record.to_text("boot-a");
        assert_eq!(Record::parse(&text, "boot-a"), Some(record));
        assert_eq!(Record::parse(&text, "boot-b"), None, "another boot's");
        for garbage in [
            "",
            "floatip-virtual-mac-sysctl 1 boot-a\nrp_filter 1 0\n",
            "floatip-virtual-mac-sysctl 1 boot-a\narp_ignore x 1\n",
            "floatip-virtual-mac-sysctl 1 boot-a\narp_ignore 0 1 9\n",
            "something else",
        ] {
            assert_eq!(Record::parse(garbage, "boot-a"), None, "{garbage:?}");
        }
    }
}

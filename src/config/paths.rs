//! Every state file floatip keeps, in one place. All live under
//! `$HA_RSCTMP` (`/run/resource-agents` unless set), carry IPaddr2's names
//! where IPaddr2 has the file (so either agent finds what the other
//! wrote), and are written and read through [`crate::state`] (atomic
//! writes, bounded reads, trusted only where nobody else can write).
//!
//! | file | holds | written by | read by | removed by |
//! |---|---|---|---|---|
//! | `send_arp-[<ns>-]<ip>` (IPaddr2's) | the background sender's pid, one line | start (the sender, once it runs) | stop, reload, show | the sender when done, stop |
//! | `<pid file>.floatip-start` | `<pid> <start time in ticks>` (field 22 of /proc/<pid>/stat): proof that the pid is still our sender | the sender, before its pid file | stop, reload, show | with the pid file |
//! | `<pid file>.floatip-schedule` | wall-clock ms of the first round, then what is left of the schedule | the sender | show; reload (a replaced sender keeps the timeline) | with the pid file |
//! | `<pid file>.floatip-collision` | the exit reason of a late duplicate, one line | the sender, after it withdrew the address | monitor (answers 1 with it) | stop, the next start |
//! | `<ip>` (IPaddr2's) | `<ip> 32 255.255.255.255 <interface>`: the loopback copy lvs_support moved away | start or reload with lvs_support | stop (puts the copy back), reload | stop |
//! | `floatip-garp-rate/<namespace>-<ifindex>.<arp\|ndp>` | garp_rate's budget of one port: the boot id, the CLOCK_MONOTONIC times of the frames sent within the last second, the frames waiting, by process | every action that announces or probes with garp_rate set, inside the lock | the same; show | nobody: it holds only the last second, and HA_RSCTMP is emptied at boot |
//! | `<pid file>.floatip-vmac-refresh` | `<boot id> <CLOCK_MONOTONIC ns>`: when a monitor last sent a round from a virtual-MAC VIP's macvlan | monitor (at most every 50 s) | monitor | stop |
//! | `floatip-virtual-mac/<namespace>-<ifindex>.sysctl` | `floatip-virtual-mac-sysctl 1 <boot id>`, then per ARP setting virtual_mac changed on the nic: `<key> <value before> <floatip's value>` | start (the first IPv4 virtual-MAC VIP on the nic) | start (a value still floatip's keeps the value before) | stop of the last IPv4 virtual-MAC VIP on the nic, after putting back each value still floatip's |
//! | `floatip-virtual-mac/<…>.lock` | nothing: its flock orders the making, removing and counting of one nic's floatip macvlans | start, stop, reload | the same | nobody |
//! | `floatip-garp-rate/<…>.lock` | nothing: its flock guards the budget | the same | the same | nobody |

use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// resource-agents' default `$HA_RSCTMP`.
const DEFAULT_RSCTMP: &str = "/run/resource-agents";

/// `$HA_RSCTMP`, resource-agents' directory for small state files.
pub fn rsctmp(configured: Option<&str>) -> PathBuf {
    PathBuf::from(
        configured
            .filter(|d| !d.is_empty())
            .unwrap_or(DEFAULT_RSCTMP),
    )
}

/// The background sender's pid file, `send_arp-<ip>` (IPaddr2's name),
/// with the namespace added when one is set.
pub fn sender_pid_file(rsctmp: &Path, namespace: Option<&str>, ip: IpAddr) -> PathBuf {
    let name = match namespace {
        Some(ns) => format!("send_arp-{ns}-{ip}"),
        None => format!("send_arp-{ip}"),
    };
    rsctmp.join(name)
}

/// The companion of a pid file: `<pid> <start time in ticks>`.
pub fn sender_companion(pid_file: &Path) -> PathBuf {
    beside(pid_file, ".floatip-start")
}

/// The sender's schedule record, for `floatip show`.
pub fn sender_schedule(pid_file: &Path) -> PathBuf {
    beside(pid_file, ".floatip-schedule")
}

/// The record of a late duplicate, for the next monitor.
pub fn collision_record(pid_file: &Path) -> PathBuf {
    beside(pid_file, ".floatip-collision")
}

fn beside(pid_file: &Path, suffix: &str) -> PathBuf {
    let mut name = pid_file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// lvs_support's record of a loopback copy it moved out of the way:
/// `$HA_RSCTMP/<ip>`, IPaddr2's own.
pub fn lvs_record(rsctmp: &Path, ip: IpAddr) -> PathBuf {
    rsctmp.join(ip.to_string())
}

/// When a monitor last refreshed a virtual MAC at the switches.
pub fn virtual_mac_refresh(pid_file: &Path) -> PathBuf {
    beside(pid_file, ".floatip-vmac-refresh")
}

/// virtual_mac's record of the ARP settings it changed on one nic
/// (`<namespace>-<ifindex>.sysctl`), and the lock file under which a
/// nic's floatip macvlans are made, removed and counted.
pub fn virtual_mac_record(rsctmp: &Path, nic: &str) -> (PathBuf, PathBuf) {
    let dir = rsctmp.join("floatip-virtual-mac");
    (
        dir.join(format!("{nic}.sysctl")),
        dir.join(format!("{nic}.lock")),
    )
}

/// garp_rate's budget of one port (`<namespace>-<ifindex>.<arp|ndp>`),
/// and the lock file that guards it.
pub fn garp_rate_budget(rsctmp: &Path, port: &str) -> (PathBuf, PathBuf) {
    let dir = rsctmp.join("floatip-garp-rate");
    (dir.join(port), dir.join(format!("{port}.lock")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipaddr2_names() {
        let ip: IpAddr = "192.0.2.10".parse().unwrap();
        assert_eq!(rsctmp(None), PathBuf::from("/run/resource-agents"));
        assert_eq!(rsctmp(Some("")), PathBuf::from("/run/resource-agents"));
        let dir = rsctmp(Some("/tmp/r"));
        assert_eq!(
            sender_pid_file(&dir, None, ip),
            PathBuf::from("/tmp/r/send_arp-192.0.2.10")
        );
        assert_eq!(
            sender_pid_file(&dir, Some("blue"), ip),
            PathBuf::from("/tmp/r/send_arp-blue-192.0.2.10")
        );
        assert_eq!(lvs_record(&dir, ip), PathBuf::from("/tmp/r/192.0.2.10"));
    }

    #[test]
    fn floatip_files_sit_beside_the_pid_file() {
        let pid_file = Path::new("/tmp/r/send_arp-192.0.2.10");
        for (path, name) in [
            (
                sender_companion(pid_file),
                "send_arp-192.0.2.10.floatip-start",
            ),
            (
                sender_schedule(pid_file),
                "send_arp-192.0.2.10.floatip-schedule",
            ),
            (
                collision_record(pid_file),
                "send_arp-192.0.2.10.floatip-collision",
            ),
        ] {
            assert_eq!(path, Path::new("/tmp/r").join(name));
        }
    }
}

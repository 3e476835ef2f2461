//! Where floatip keeps its small state files, by IPaddr2's names so that
//! either agent finds what the other wrote.

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

/// lvs_support's record of a loopback copy it moved out of the way:
/// `$HA_RSCTMP/<ip>`, IPaddr2's own.
pub fn lvs_record(rsctmp: &Path, ip: IpAddr) -> PathBuf {
    rsctmp.join(ip.to_string())
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
}

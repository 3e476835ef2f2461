//! Messages said in more than one place, each defined once. The stock
//! agent's wordings are kept to the letter: operators grep their logs for
//! them.

use std::net::IpAddr;

/// IPaddr2's line for any announcement that could not go out.
pub const SEND_GARP_FAILED: &str = "Could not send gratuitous arps";
/// IPaddr2's line for a VIP another host holds (run_arping, DAD):
/// "IPv4 address collision <ip> [DAD]" or "IPv6 …".
pub fn collision(ip: IpAddr) -> String {
    let family = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
    format!("{family} address collision {ip} [DAD]")
}

/// resource-agents 4.16's line for a VIP configured without its iflabel.
pub fn label_missing(ip: IpAddr) -> String {
    format!("IP {ip} available, but label missing")
}

pub const READ_ADDRESSES_FAILED: &str = "Could not read the addresses of this node";
pub const READ_ROUTES_FAILED: &str = "Could not read the routing table";
pub const DELETE_IPV6_FAILED: &str = "Could not delete IPv6 address";

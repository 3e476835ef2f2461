//! reload never trades a working copy for an unusable one: a nic change to
//! an interface that is down, has no carrier, fails IPv6 DAD or is still
//! doing it when reload's time runs out answers 1 and leaves the VIP
//! where it worked (Pacemaker then stops it with the old parameters and
//! starts it with the new ones).

use libtest_mimic::Trial;

use crate::support::{floatip, Node};

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8::10";

pub fn trials() -> Vec<Trial> {
    trials!("reload_safety":
        to_a_nic_that_is_down,
        to_a_nic_without_carrier,
        to_a_nic_where_dad_fails,
        to_a_nic_still_tentative_at_the_timeout,
    )
}

/// Where the VIP is configured: (interface, flags as `ip -j` lists them).
fn copies(node: &Node, ip: &str) -> Vec<String> {
    node.ns.find(ip).into_iter().map(|(dev, _)| dev).collect()
}

/// Started on eth0, reloaded with nic=eth1: 1, with a reason naming
/// `why`, and the VIP still on eth0 only.
fn refused(node: &Node, ip: &str, prefix: &str, extra: &[(&str, &str)], why: &str) {
    let mut params = vec![("ip", ip), ("nic", "eth0"), ("cidr_netmask", prefix)];
    params.extend_from_slice(extra);
    node.run(&floatip(), "start", &params).expect(0);
    params[1] = ("nic", "eth1");
    let run = node.run(&floatip(), "reload", &params);
    run.expect(1);
    assert!(
        run.exit_reasons()
            .iter()
            .any(|r| r.contains(why) && r.contains("it stays on eth0")),
        "{:?}",
        run.exit_reasons()
    );
    assert_eq!(copies(node, ip), ["eth0"], "the working copy, and only it");
    // Pacemaker's stop uses the parameters of the last successful start.
    params[1] = ("nic", "eth0");
    node.run(&floatip(), "stop", &params).expect(0);
    assert!(copies(node, ip).is_empty());
}

fn to_a_nic_that_is_down() {
    let node = Node::with_base();
    node.ns.ip(&["link", "set", "eth1", "down"]);
    refused(&node, VIP, "24", &[], "the interface is down");
}

fn to_a_nic_without_carrier() {
    let node = Node::with_base();
    // The far end down: eth1 is up but without carrier.
    node.peer.ip(&["link", "set", "eth1", "down"]);
    refused(&node, VIP, "24", &[], "the interface has no carrier");
}

/// Another host already holds the VIP on eth1's segment.
fn to_a_nic_where_dad_fails() {
    let node = Node::new();
    node.peer
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth1", "nodad"]);
    let mut params = vec![("ip", V6), ("nic", "eth0"), ("cidr_netmask", "64")];
    node.run(&floatip(), "start", &params).expect(0);
    params[1] = ("nic", "eth1");
    let run = node.run(&floatip(), "reload", &params);
    run.expect(1);
    assert!(
        run.exit_reasons()
            .iter()
            .any(|r| r.contains("IPv6 address collision")),
        "{:?}",
        run.exit_reasons()
    );
    assert_eq!(copies(&node, V6), ["eth0"]);
    params[1] = ("nic", "eth0");
    node.run(&floatip(), "stop", &params).expect(0);
}

/// The kernel's DAD on eth1 takes 30 s (dad_transmits 30): with a 3 s
/// reload timeout the new copy is still tentative, so it is removed and
/// the working one kept.
fn to_a_nic_still_tentative_at_the_timeout() {
    let node = Node::new();
    node.ns.bash(
        "sysctl -qw net.ipv6.conf.eth1.dad_transmits=30",
        &Default::default(),
    );
    refused(
        &node,
        V6,
        "64",
        &[("dad_mode", "kernel"), ("CRM_meta_timeout", "3000")],
        "duplicate address detection had not ended",
    );
}

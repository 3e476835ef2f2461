//! Which copies of the VIP are the resource, when they are not where a
//! first start would put them: left on another interface when the nic
//! goes, already on another interface at start, dadfailed, or on a link
//! that is down (ARCHITECTURE.md, "Which copies count").

use std::thread::sleep;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use crate::support::*;

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";

pub fn trials() -> Vec<Trial> {
    trials!("copies":
        vip_left_elsewhere_when_the_nic_goes,
        start_without_nic_makes_no_second_copy,
        dadfailed_copy_is_started_afresh,
        copy_on_a_down_link_gets_the_link_up,
    )
}

/// The configured nic renamed, or removed with a copy of the VIP on
/// another interface: the resource is here in the wrong place. Probe and
/// monitor 1 (never 7), stop removes that copy and answers 0 once gone.
fn vip_left_elsewhere_when_the_nic_goes() {
    let p = [("ip", VIP), ("nic", "eth1"), ("cidr_netmask", "24")];
    let recurring = [
        ("ip", VIP),
        ("nic", "eth1"),
        ("cidr_netmask", "24"),
        ("OCF_RESKEY_CRM_meta_interval", "10000"),
    ];
    // Renamed: the address goes with the interface.
    let node = Node::with_base();
    expect_code(bounded(&node, "start", &p), 0, "start");
    node.ns.ip(&["link", "set", "eth1", "down"]);
    node.ns.ip(&["link", "set", "eth1", "name", "eth7"]);
    expect_code(bounded(&node, "monitor", &p), 1, "probe, nic renamed");
    expect_code(
        bounded(&node, "monitor", &recurring),
        1,
        "monitor, nic renamed",
    );
    expect_code(bounded(&node, "stop", &p), 0, "stop, nic renamed");
    assert!(node.ns.find(VIP).is_empty(), "stop left the renamed copy");
    expect_code(bounded(&node, "monitor", &p), 7, "probe after stop");

    // Removed, with the VIP moved by hand to eth0.
    let node = Node::with_base();
    expect_code(bounded(&node, "start", &p), 0, "start");
    node.ns.ip(&["link", "del", "eth1"]);
    node.ns
        .ip(&["addr", "add", &format!("{VIP}/24"), "dev", "eth0"]);
    expect_code(bounded(&node, "monitor", &p), 1, "probe, copy elsewhere");
    expect_code(bounded(&node, "stop", &p), 0, "stop, copy elsewhere");
    assert!(node.ns.find(VIP).is_empty(), "stop left the copy on eth0");

    // A loopback copy never counts: LVS-DR and anycast hosts keep it.
    let node = Node::with_base();
    node.ns
        .ip(&["addr", "add", &format!("{VIP}/32"), "dev", "lo"]);
    expect_code(
        bounded(&node, "monitor", &[("ip", VIP)]),
        7,
        "probe, copy on lo",
    );
    expect_code(
        bounded(&node, "stop", &[("ip", VIP)]),
        0,
        "stop, copy on lo",
    );
    assert_eq!(node.ns.find(VIP).len(), 1, "stop removed the loopback copy");
}

/// Without nic, a copy of the VIP already on another non-loopback
/// interface is the resource (the probe says 0 for it): start answers 0,
/// warns naming both interfaces and adds nothing, for IPv4 and IPv6.
fn start_without_nic_makes_no_second_copy() {
    let agent = floatip();
    for (ip, copy) in [
        (VIP, "192.0.2.10/32"),
        ("2001:db8:1234::10", "2001:db8:1234::10/128"),
    ] {
        let node = Node::with_base();
        node.ns
            .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
        node.ns.ip(&["addr", "add", copy, "dev", "eth1", "nodad"]);
        let params = [("ip", ip)];
        node.run(&agent, "monitor", &params).expect(0);
        let start = node.run(&agent, "start", &params);
        start.expect(0);
        assert!(
            start.stderr.contains("already configured on eth1")
                && start.stderr.contains("not on eth0 where findif places it"),
            "{}",
            start.stderr
        );
        let held = node.ns.find(ip);
        assert_eq!(held.len(), 1, "{ip}: one copy, {held:?}");
        assert_eq!(held[0].0, "eth1");
        node.run(&agent, "stop", &params).expect(0);
        assert!(node.ns.find(ip).is_empty());
    }
}

/// A dadfailed copy is not "already started": start removes it and starts
/// afresh, failing (and leaving nothing) while the other holder is there.
fn dadfailed_copy_is_started_afresh() {
    let node = Node::new();
    node.ns
        .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
    node.peer
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0", "nodad"]);
    node.ns
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0"]);
    wait_until(|| {
        node.ns
            .ip(&["-6", "addr", "show", "dev", "eth0"])
            .contains("dadfailed")
    });
    let p = [("ip", V6), ("nic", "eth0"), ("cidr_netmask", "64")];
    expect_code(
        bounded(&node, "start", &p),
        1,
        "start while the duplicate holds it",
    );
    assert!(node.ns.find(V6).is_empty(), "a failed start left a copy");
    // Once the duplicate is gone, a dadfailed leftover is replaced.
    node.ns
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0"]);
    wait_until(|| {
        node.ns
            .ip(&["-6", "addr", "show", "dev", "eth0"])
            .contains("dadfailed")
    });
    node.peer
        .ip(&["addr", "del", &format!("{V6}/64"), "dev", "eth0"]);
    expect_code(
        bounded(&node, "start", &p),
        0,
        "start after the duplicate left",
    );
    let shown = node.ns.ip(&["-6", "addr", "show", "dev", "eth0"]);
    assert!(
        shown.contains(V6) && !shown.contains("dadfailed"),
        "{shown}"
    );
    expect_code(bounded(&node, "stop", &p), 0, "stop");
}

/// A copy on an interface that is administratively down: start brings
/// the interface up, as a fresh start would, and answers 0.
fn copy_on_a_down_link_gets_the_link_up() {
    let node = Node::with_base();
    let p = [("ip", VIP), ("nic", "eth1"), ("cidr_netmask", "24")];
    expect_code(bounded(&node, "start", &p), 0, "start");
    node.ns.ip(&["link", "set", "eth1", "down"]);
    assert!(
        !node.ns.find(VIP).is_empty(),
        "IPv4 addresses stay on a down link"
    );
    expect_code(bounded(&node, "start", &p), 0, "start on the down link");
    let link = node.ns.ip(&["-br", "link", "show", "dev", "eth1"]);
    assert!(link.contains(",UP") || link.contains("<UP"), "{link}");
    expect_code(bounded(&node, "stop", &p), 0, "stop");
}

fn wait_until(condition: impl Fn() -> bool) {
    let began = Instant::now();
    while !condition() {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "the kernel never got there"
        );
        sleep(Duration::from_millis(50));
    }
}

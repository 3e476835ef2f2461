//! reload: each class of parameter change, as the kernel, the wire and
//! the exit code show it. The node has eth0 (base 192.0.2.1/24) and eth1,
//! veths to a peer namespace that captures what the node sends.

use std::net::Ipv4Addr;
use std::thread::sleep;
use std::time::Duration;

use libtest_mimic::Trial;

use crate::support::capture::{announcements, Capture};
use crate::support::{alive, floatip, Node, Run};

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8::10";

pub fn trials() -> Vec<Trial> {
    trials!("reload":
        listed_in_usage,
        announcement_change_replaces_the_sender,
        rounds_already_due_are_not_sent_again,
        ipv4_prefix_changes_in_place,
        ipv4_label_broadcast_noprefixroute_change_in_place,
        removing_a_primary_keeps_its_secondaries,
        ipv6_fields_change_in_place,
        nic_change_moves_and_announces,
        not_running_answers_as_monitor,
        invalid_parameters_touch_nothing,
        unsafe_changes_fail_with_a_reason,
        ipv6_address_label_follows,
        unchanged_parameters_change_nothing,
    )
}

fn v4(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut params = vec![("ip", VIP), ("nic", "eth0"), ("cidr_netmask", "24")];
    params.extend_from_slice(extra);
    params
}

fn v6(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut params = vec![("ip", V6), ("nic", "eth0"), ("cidr_netmask", "64")];
    params.extend_from_slice(extra);
    params
}

fn reload(node: &Node, params: &[(&str, &str)]) -> Run {
    node.run(&floatip(), "reload", params)
}

/// The sender's pid, from its pid file in the node's HA_RSCTMP.
fn sender_pid(node: &Node, ip: &str) -> Option<u32> {
    let path = node.rsctmp.path().join(format!("send_arp-{ip}"));
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn prefix_lens(node: &Node, ip: &str) -> Vec<(String, u8)> {
    node.ns
        .find(ip)
        .into_iter()
        .map(|(dev, a)| (dev, a.prefix_len))
        .collect()
}

fn promote_secondaries(node: &Node, dev: &str) -> String {
    crate::support::sh(
        "ip",
        &[
            "netns",
            "exec",
            &node.ns.name,
            "cat",
            &format!("/proc/sys/net/ipv4/conf/{dev}/promote_secondaries"),
        ],
    )
    .trim()
    .to_owned()
}

fn listed_in_usage() {
    let run = Node::new().run(&floatip(), "usage", &[]);
    assert!(
        run.stdout.starts_with(
            "usage: floatip {start|stop|status|monitor|reload|validate-all|meta-data}"
        ),
        "{}",
        run.stdout
    );
}

/// A long announcement, then a reload with other announcement
/// parameters: the old sender is gone (its pid no longer runs), a new one
/// sends the rest with the new garp_mode.
fn announcement_change_replaces_the_sender() {
    let node = Node::with_base();
    let start = v4(&[("garp_count", "40"), ("arp_interval", "100")]);
    node.run(&floatip(), "start", &start).expect(0);
    let old = sender_pid(&node, VIP).expect("a background sender");
    let changed = v4(&[
        ("garp_count", "40"),
        ("arp_interval", "100"),
        ("garp_mode", "reply"),
    ]);
    let run = reload(&node, &changed);
    run.expect(0);
    // Everything from here on is the new sender's.
    let capture = Capture::start(&node.peer, "eth0", "arp");
    assert!(!alive(old), "the old sender still runs");
    let new = sender_pid(&node, VIP).expect("a new sender");
    assert_ne!(new, old);
    assert!(alive(new));
    sleep(Duration::from_millis(1600));
    let frames = capture.finish();
    let sent = announcements(&frames, VIP.parse().unwrap());
    // The new sender's rounds (garp_mode=reply): replies only.
    assert!(sent.len() >= 2, "frames after the reload: {sent:?}");
    assert!(
        sent.iter()
            .all(|(_, a)| a.operation == crate::support::capture::REPLY),
        "only replies after the reload: {sent:?}"
    );
    assert!(run
        .stderr
        .contains("killed previously running send_arp for 192.0.2.10"));
    node.run(&floatip(), "stop", &changed).expect(0);
    assert!(!alive(new));
}

/// A reload to fewer rounds, all of which were due already: the sender
/// ends and nothing more is sent.
fn rounds_already_due_are_not_sent_again() {
    let node = Node::with_base();
    let start = v4(&[("garp_count", "40"), ("arp_interval", "100")]);
    node.run(&floatip(), "start", &start).expect(0);
    let old = sender_pid(&node, VIP).expect("a background sender");
    sleep(Duration::from_millis(300));
    let capture = Capture::start(&node.peer, "eth0", "arp");
    let run = reload(&node, &v4(&[("garp_count", "2"), ("arp_interval", "100")]));
    run.expect(0);
    sleep(Duration::from_millis(800));
    let frames = capture.finish();
    assert!(!alive(old));
    assert_eq!(sender_pid(&node, VIP), None);
    let sent = announcements(&frames, VIP.parse().unwrap());
    assert!(sent.is_empty(), "sent after the reload: {sent:?}");
    assert!(run.stderr.contains("were over by now"), "{}", run.stderr);
}

fn ipv4_prefix_changes_in_place() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &v4(&[])).expect(0);
    let run = reload(&node, &v4(&[("cidr_netmask", "25")]));
    run.expect(0);
    // The later cidr_netmask wins (the parameters are an environment).
    let found = node.ns.find(VIP);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1.prefix_len, 25);
    // As at start: the base address's broadcast (IPaddr2's findif).
    assert_eq!(found[0].1.broadcast.as_deref(), Some("192.0.2.255"));
    // And back, with cidr_netmask unset: findif derives /24 from the base
    // address's route, not from the VIP's own /25.
    let run = reload(&node, &[("ip", VIP), ("nic", "eth0")]);
    run.expect(0);
    assert_eq!(prefix_lens(&node, VIP), [("eth0".to_owned(), 24)]);
    node.run(&floatip(), "monitor", &[("ip", VIP), ("nic", "eth0")])
        .expect(0);
}

fn ipv4_label_broadcast_noprefixroute_change_in_place() {
    let node = Node::new();
    node.run(&floatip(), "start", &v4(&[])).expect(0);
    let changed = v4(&[
        ("iflabel", "api"),
        ("broadcast", "192.0.2.254"),
        ("noprefixroute", "true"),
    ]);
    let run = reload(&node, &changed);
    run.expect(0);
    let found = node.ns.find(VIP);
    assert_eq!(found.len(), 1, "one form, no stand-in: {found:?}");
    let address = &found[0].1;
    assert_eq!(address.prefix_len, 24);
    assert_eq!(address.label.as_deref(), Some("eth0:api"));
    assert_eq!(address.broadcast.as_deref(), Some("192.0.2.254"));
    assert!(address.noprefixroute);
    let routes = node.ns.ip(&["route", "show", "192.0.2.0/24"]);
    assert!(routes.trim().is_empty(), "no prefix route: {routes}");
    // And back to the defaults.
    reload(&node, &v4(&[])).expect(0);
    let found = node.ns.find(VIP);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1.label.as_deref(), Some("eth0"));
    assert!(!found[0].1.noprefixroute);
    let routes = node.ns.ip(&["route", "show", "192.0.2.0/24"]);
    assert!(routes.contains("src 192.0.2.10"), "{routes}");
}

/// The VIP is its subnet's primary, with two secondaries added after it
/// and promote_secondaries off: a reload that removes the old form must
/// not take them along, and leaves the sysctl as it was.
fn removing_a_primary_keeps_its_secondaries() {
    let node = Node::new();
    node.run(&floatip(), "start", &v4(&[])).expect(0);
    node.ns.ip(&["addr", "add", "192.0.2.11/24", "dev", "eth0"]);
    node.ns.ip(&["addr", "add", "192.0.2.12/24", "dev", "eth0"]);
    assert_eq!(promote_secondaries(&node, "eth0"), "0");
    for change in [
        v4(&[("iflabel", "api")]),
        v4(&[("cidr_netmask", "25")]),
        v4(&[]),
    ] {
        let run = reload(&node, &change);
        run.expect(0);
        for other in ["192.0.2.11", "192.0.2.12"] {
            assert_eq!(
                prefix_lens(&node, other),
                [("eth0".to_owned(), 24)],
                "{other} after {change:?}: {}",
                run.stderr
            );
        }
        assert_eq!(promote_secondaries(&node, "eth0"), "0");
        assert_eq!(node.ns.find(VIP).len(), 1);
    }
}

fn ipv6_fields_change_in_place() {
    let node = Node::new();
    // The kernel's DAD at start; none again when the prefix changes.
    node.run(&floatip(), "start", &v6(&[("dad_mode", "kernel")]))
        .expect(0);
    assert!(!node.ns.find(V6)[0].1.nodad);
    let run = reload(&node, &v6(&[("cidr_netmask", "80")]));
    run.expect(0);
    let found = node.ns.find(V6);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1.prefix_len, 80);
    let shown = node
        .ns
        .ip(&["-6", "addr", "show", "dev", "eth0", "to", "2001:db8::10"]);
    assert!(!shown.contains("tentative"), "{shown}");
    assert!(found[0].1.nodad, "{shown}");
    let run = reload(
        &node,
        &v6(&[
            ("cidr_netmask", "80"),
            ("noprefixroute", "true"),
            ("preferred_lft", "0"),
        ]),
    );
    run.expect(0);
    let found = node.ns.find(V6);
    assert_eq!(found.len(), 1);
    assert!(found[0].1.noprefixroute);
    let shown = node.ns.ip(&["addr", "show", "dev", "eth0"]);
    assert!(shown.contains("preferred_lft 0sec"), "{shown}");
    assert!(shown.contains("deprecated"), "{shown}");
    let routes = node.ns.ip(&["-6", "route", "show", "2001:db8::/80"]);
    assert!(routes.trim().is_empty(), "{routes}");
    node.run(&floatip(), "monitor", &v6(&[("cidr_netmask", "80")]))
        .expect(0);
}

/// nic changes: the address is on eth1 only afterwards, and the peer
/// receives gratuitous ARP for it on eth1, from eth1's MAC.
fn nic_change_moves_and_announces() {
    let node = Node::with_base();
    node.ns
        .ip(&["addr", "add", "198.51.100.1/24", "dev", "eth1"]);
    node.run(&floatip(), "start", &v4(&[])).expect(0);
    let capture = Capture::start(&node.peer, "eth1", "arp");
    let moved = v4(&[("nic", "eth1")]);
    let run = reload(&node, &moved);
    run.expect(0);
    assert_eq!(prefix_lens(&node, VIP), [("eth1".to_owned(), 24)]);
    sleep(Duration::from_millis(400));
    let frames = capture.finish();
    let mac = crate::support::capture::parse_mac(&node.ns.mac("eth1"));
    let ip: Ipv4Addr = VIP.parse().unwrap();
    let sent = announcements(&frames, ip);
    assert!(
        sent.iter()
            .any(|(_, a)| a.sender_mac == mac && a.target_ip == ip),
        "gratuitous ARP on eth1: {sent:?}"
    );
    node.run(&floatip(), "stop", &moved).expect(0);
    assert!(node.ns.find(VIP).is_empty());
}

fn not_running_answers_as_monitor() {
    let node = Node::with_base();
    let run = reload(&node, &v4(&[("cidr_netmask", "25")]));
    run.expect(7);
    assert!(node.ns.find(VIP).is_empty(), "reload added nothing");
    // A network_namespace the VIP is not in: 7, and the copy where it is
    // stays untouched (Pacemaker stops it with the old parameters).
    node.run(&floatip(), "start", &v4(&[])).expect(0);
    let elsewhere = v4(&[("network_namespace", "floatip-absent-ns")]);
    reload(&node, &elsewhere).expect(7);
    assert_eq!(prefix_lens(&node, VIP), [("eth0".to_owned(), 24)]);
}

fn invalid_parameters_touch_nothing() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &v4(&[("garp_count", "40")]))
        .expect(0);
    let pid = sender_pid(&node, VIP).expect("a sender");
    for bad in [
        v4(&[("cidr_netmask", "33")]),
        v4(&[("arp_count", "0")]),
        v4(&[("garp_mode", "sideways")]),
        v4(&[("broadcast", "not-an-address")]),
        v4(&[("nic", "eth9")]),
        v4(&[("iflabel", "a-label-far-too-long")]),
    ] {
        let run = reload(&node, &bad);
        assert_eq!(run.code, 6, "{bad:?}: {}", run.stderr);
        assert_eq!(run.exit_reasons().len(), 1, "{}", run.stderr);
        assert_eq!(prefix_lens(&node, VIP), [("eth0".to_owned(), 24)]);
        assert!(alive(pid), "the sender was left alone for {bad:?}");
    }
    let mut missing_ip = v4(&[]);
    missing_ip.retain(|(k, _)| *k != "ip");
    reload(&node, &missing_ip).expect(6);
    node.agent(&floatip(), "reload")
        .params(&v4(&[("cidr_netmask", "25")]))
        .user(crate::support::User::Nobody)
        .run()
        .expect(4);
    assert_eq!(prefix_lens(&node, VIP), [("eth0".to_owned(), 24)]);
}

fn unsafe_changes_fail_with_a_reason() {
    // lvs_support off after start moved a loopback copy away.
    let node = Node::with_base();
    node.ns.ip(&["addr", "add", "192.0.2.10/32", "dev", "lo"]);
    node.run(&floatip(), "start", &v4(&[("lvs_support", "true")]))
        .expect(0);
    let run = reload(&node, &v4(&[]));
    run.expect(1);
    assert!(
        run.exit_reasons()[0].contains("lvs_support cannot be turned off in place"),
        "{}",
        run.stderr
    );
    assert_eq!(prefix_lens(&node, VIP), [("eth0".to_owned(), 24)]);
    node.run(&floatip(), "stop", &v4(&[("lvs_support", "true")]))
        .expect(0);
    assert_eq!(prefix_lens(&node, VIP), [("lo".to_owned(), 32)]);

    // The VIP on two interfaces, neither the configured one.
    let node = Node::with_base();
    node.ns.ip(&["addr", "add", "192.0.2.10/24", "dev", "eth0"]);
    node.ns.ip(&["addr", "add", "192.0.2.10/24", "dev", "eth1"]);
    node.ns.ip(&[
        "link", "add", "eth2", "type", "veth", "peer", "name", "eth3",
    ]);
    let run = reload(&node, &v4(&[("nic", "eth2")]));
    run.expect(1);
    assert!(run.exit_reasons()[0].contains("cannot tell which copy to move"));
    assert_eq!(node.ns.find(VIP).len(), 2);
}

fn ipv6_address_label_follows() {
    let node = Node::new();
    let labelled = |value: &'static str| {
        v6(&[
            ("nodad", "true"),
            ("lvs_ipv6_addrlabel", "true"),
            ("lvs_ipv6_addrlabel_value", value),
        ])
    };
    let label_of = || {
        node.ns
            .ip(&["addrlabel", "list"])
            .lines()
            .find(|l| l.contains("2001:db8::10/128"))
            .map(|l| l.trim_end().to_owned())
    };
    let unlabelled = v6(&[("nodad", "true"), ("lvs_ipv6_addrlabel", "false")]);
    node.run(&floatip(), "start", &unlabelled).expect(0);
    assert_eq!(label_of(), None);
    reload(&node, &labelled("99")).expect(0);
    assert!(
        label_of().is_some_and(|l| l.ends_with("label 99")),
        "{:?}",
        label_of()
    );
    reload(&node, &labelled("42")).expect(0);
    assert!(
        label_of().is_some_and(|l| l.ends_with("label 42")),
        "{:?}",
        label_of()
    );
    let run = reload(&node, &unlabelled);
    run.expect(1);
    assert!(run.exit_reasons()[0].contains("lvs_ipv6_addrlabel cannot be turned off in place"));
    node.run(&floatip(), "stop", &labelled("42")).expect(0);
    assert_eq!(label_of(), None);
}

/// A reload whose address fields are what the kernel has already
/// changes no address (the interface's address list is the same, in the
/// same order) and answers 0.
fn unchanged_parameters_change_nothing() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &v4(&[])).expect(0);
    let before = node.ns.ip(&["addr", "show", "dev", "eth0"]);
    let run = reload(&node, &v4(&[("check_link_status", "false")]));
    run.expect(0);
    assert!(run.stderr.contains("stays as it is"), "{}", run.stderr);
    let after = node.ns.ip(&["addr", "show", "dev", "eth0"]);
    let addresses = |text: &str| {
        text.lines()
            .filter(|l| l.trim_start().starts_with("inet"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(addresses(&before), addresses(&after));
}

//! IPv6 VIPs: addresses, duplicate address detection, and unsolicited
//! Neighbour Advertisements observed on a peer.

use std::net::Ipv6Addr;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use libtest_mimic::Trial;

use crate::support::capture::{adverts, parse_mac, Capture};
use crate::support::{floatip, Lan, Node};

const VIP: &str = "2001:db8:1234::10";

fn vip() -> Ipv6Addr {
    VIP.parse().unwrap()
}

pub fn trials() -> Vec<Trial> {
    trials!("ipv6":
        advertisement_fields,
        first_advert_follows_dad_at_once,
        dad_conflict_fails_start_and_removes_the_address,
        dadfailed_vip_fails_monitor,
        failover_between_three_hosts,
        addrlabel_added_and_removed,
        addrlabel_by_default_and_only_ours_removed,
        prefix_route_is_the_chosen_route,
        lifetime_and_flags,
        link_local_needs_nic,
        refresh_and_operator_command,
    )
}

fn base(node: &Node) {
    node.ns
        .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
}

fn advertisement_fields() {
    let node = Node::new();
    base(&node);
    let mac = parse_mac(&node.ns.mac("eth0"));
    let capture = Capture::start(&node.peer, "eth0", "icmp6");
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("nodad", "true"), ("garp_count", "3")],
    )
    .expect(0);
    let returned = SystemTime::now();
    sleep(Duration::from_millis(450));
    let found = adverts(&capture.finish(), vip());
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].0 <= returned,
        "the first advertisement leaves before start returns"
    );
    for (_, na) in &found {
        assert_eq!(
            na.eth_destination,
            [0x33, 0x33, 0, 0, 0, 1],
            "all-nodes multicast MAC"
        );
        assert_eq!(na.eth_source, mac);
        assert_eq!(na.hop_limit, 255);
        assert_eq!(na.source, vip(), "sent from the VIP");
        assert_eq!(na.destination, "ff02::1".parse::<Ipv6Addr>().unwrap());
        assert!(na.override_flag && !na.solicited && !na.router, "{na:?}");
        assert_eq!(
            na.options,
            vec![(2, 1, mac.to_vec())],
            "target link-layer address option"
        );
    }
    assert_eq!(node.ns.find(VIP)[0].1.prefix_len, 64);
}

/// With DAD on, nothing is sent while the address is tentative, and the
/// first advertisement follows the kernel's end of DAD within milliseconds
/// (generous bound here; the benchmark measures it).
fn first_advert_follows_dad_at_once() {
    let node = Node::new();
    base(&node);
    let mut monitor = Command::new("ip")
        .args(["-n", &node.ns.name, "-ts", "-6", "monitor", "address"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    sleep(Duration::from_millis(100));
    let capture = Capture::start(&node.peer, "eth0", "icmp6");
    // The kernel's DAD, as IPaddr2 (dad_mode=probe has no tentative phase).
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("garp_count", "1"), ("dad_mode", "kernel")],
    )
    .expect(0);
    sleep(Duration::from_millis(100));
    let found = adverts(&capture.finish(), vip());
    let _ = monitor.kill();
    let output = monitor.wait_with_output().unwrap();
    let events = String::from_utf8_lossy(&output.stdout);
    // The event that shows the VIP without "tentative" is DAD's end.
    let dad_end = events
        .lines()
        .filter(|l| l.contains(VIP) && !l.contains("tentative") && !l.starts_with("Deleted"))
        .find_map(|l| {
            l.strip_prefix('[')
                .and_then(|r| r.split(']').next())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no DAD end in:\n{events}"));
    let dad_end = parse_iso(&dad_end);
    assert_eq!(found.len(), 1);
    let gap = found[0].0.duration_since(dad_end).unwrap_or_default();
    assert!(
        found[0].0 >= dad_end - Duration::from_millis(5),
        "nothing before DAD ended"
    );
    assert!(
        gap < Duration::from_millis(200),
        "first NA {gap:?} after DAD ended"
    );
}

/// `[2026-11-25T23:44:13.123456]` (local time, as ip -ts prints it).
fn parse_iso(stamp: &str) -> SystemTime {
    let out = Command::new("date")
        .args(["-d", stamp, "+%s.%N"])
        .output()
        .unwrap();
    let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs)
}

fn dad_conflict_fails_start_and_removes_the_address() {
    for mode in ["probe", "kernel"] {
        dad_conflict_fails_start(mode);
    }
}

fn dad_conflict_fails_start(mode: &str) {
    let node = Node::new();
    base(&node);
    node.peer
        .ip(&["addr", "add", &format!("{VIP}/64"), "dev", "eth0", "nodad"]);
    let run = node.run(&floatip(), "start", &[("ip", VIP), ("dad_mode", mode)]);
    run.expect(1);
    assert_eq!(run.exit_reasons().len(), 1);
    assert!(
        run.exit_reasons()[0].contains(&format!("IPv6 address collision {VIP} [DAD]")),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains(&format!("ERROR: IPv6 address collision {VIP} [DAD]")),
        "{}",
        run.stderr
    );
    assert!(
        node.ns.find(VIP).is_empty(),
        "the address was removed again"
    );
    node.run(&floatip(), "monitor", &[("ip", VIP)]).expect(7);
}

/// The stock agent reports success for a dadfailed address; floatip does not.
fn dadfailed_vip_fails_monitor() {
    let node = Node::new();
    base(&node);
    node.peer
        .ip(&["addr", "add", &format!("{VIP}/64"), "dev", "eth0", "nodad"]);
    node.ns
        .ip(&["addr", "add", &format!("{VIP}/64"), "dev", "eth0"]);
    let began = Instant::now();
    while !node
        .ns
        .ip(&["-6", "addr", "show", "dev", "eth0"])
        .contains("dadfailed")
    {
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "the kernel never marked it dadfailed"
        );
        sleep(Duration::from_millis(50));
    }
    let run = node.run(
        &floatip(),
        "monitor",
        &[("ip", VIP), ("OCF_RESKEY_CRM_meta_interval", "10000")],
    );
    run.expect(1);
    assert!(run.exit_reasons()[0].contains("dadfailed"), "{run:?}");
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    assert!(node.ns.find(VIP).is_empty());
}

fn failover_between_three_hosts() {
    let lan = Lan::new(&[1, 2, 3]);
    lan.add_ipv6();
    let (a, b, c) = (0, 1, 2);
    let mac_b = lan.hosts[b].mac("eth0");
    let mac_a = lan.hosts[a].mac("eth0");
    lan.run(a, &floatip(), "start", &[("ip", VIP), ("nodad", "true")])
        .expect(0);
    assert!(lan.hosts[c].ping(VIP), "the client reaches the VIP on A");
    assert_eq!(
        lan.hosts[c].neighbour_mac(VIP).as_deref(),
        Some(mac_a.as_str())
    );
    lan.run(a, &floatip(), "stop", &[("ip", VIP)]).expect(0);
    let began = Instant::now();
    lan.run(b, &floatip(), "start", &[("ip", VIP), ("nodad", "true")])
        .expect(0);
    loop {
        if lan.hosts[c].neighbour_mac(VIP).as_deref() == Some(mac_b.as_str()) {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(3),
            "the client's entry never moved to B"
        );
        sleep(Duration::from_millis(5));
    }
}

fn addrlabel_added_and_removed() {
    let node = Node::new();
    base(&node);
    let p = [
        ("ip", VIP),
        ("nodad", "true"),
        ("lvs_ipv6_addrlabel", "true"),
        ("lvs_ipv6_addrlabel_value", "77"),
    ];
    node.run(&floatip(), "start", &p).expect(0);
    let labels = node.ns.ip(&["addrlabel", "list"]);
    assert!(
        labels.contains(&format!("prefix {VIP}/128 label 77")),
        "{labels}"
    );
    node.run(&floatip(), "stop", &p).expect(0);
    let labels = node.ns.ip(&["addrlabel", "list"]);
    assert!(!labels.contains(VIP), "{labels}");
}

/// lvs_ipv6_addrlabel defaults to true (resource-agents 4.15): the VIP
/// gets label 99 unless told otherwise, and stop removes it even when the
/// address went first. A label of the same prefix that is not ours (the
/// kernel's own policy for ::1/128) is never touched.
fn addrlabel_by_default_and_only_ours_removed() {
    let node = Node::new();
    base(&node);
    let p = [("ip", VIP), ("nodad", "true")];
    node.run(&floatip(), "start", &p).expect(0);
    assert_eq!(node.ns.addrlabel(VIP), Some(99));
    node.ns
        .ip(&["addr", "del", &format!("{VIP}/64"), "dev", "eth0"]);
    node.run(&floatip(), "stop", &p).expect(0);
    assert_eq!(
        node.ns.addrlabel(VIP),
        None,
        "removed with the address gone"
    );

    let off = [
        ("ip", VIP),
        ("nodad", "true"),
        ("lvs_ipv6_addrlabel", "false"),
    ];
    node.run(&floatip(), "start", &off).expect(0);
    assert_eq!(node.ns.addrlabel(VIP), None, "lvs_ipv6_addrlabel=false");
    node.run(&floatip(), "stop", &off).expect(0);

    // ::1 is lo's; the kernel labels ::1/128 with 0 by default.
    let localhost = [("ip", "::1")];
    assert_eq!(node.ns.addrlabel("::1"), Some(0));
    node.run(&floatip(), "stop", &localhost).expect(0);
    assert_eq!(
        node.ns.addrlabel("::1"),
        Some(0),
        "the kernel's policy stays"
    );
}

/// The VIP's prefix route is the route findif chose, at its metric
/// (IFA_RT_PRIORITY, resource-agents 4.15): with the base's prefix route
/// at metric 512, no second route at the kernel's 256 appears, and none
/// is left after stop; with nic and cidr_netmask given too.
fn prefix_route_is_the_chosen_route() {
    let routes = |node: &Node| -> Vec<String> {
        node.ns
            .ip(&["-6", "route", "show", "2001:db8:1234::/64"])
            .lines()
            .map(str::to_owned)
            .collect()
    };
    for extra in [&[][..], &[("nic", "eth0"), ("cidr_netmask", "64")][..]] {
        let node = Node::new();
        node.ns.ip(&[
            "addr",
            "add",
            "2001:db8:1234::1/64",
            "dev",
            "eth0",
            "nodad",
            "metric",
            "512",
        ]);
        let before = routes(&node);
        assert_eq!(before.len(), 1, "{before:?}");
        let mut p = vec![("ip", VIP), ("nodad", "true")];
        p.extend_from_slice(extra);
        let run = node.run(&floatip(), "start", &p);
        run.expect(0);
        assert!(
            run.stderr.contains("(with metric 512 nodad"),
            "{}",
            run.stderr
        );
        let copies = node.ns.find(VIP);
        assert_eq!(copies[0].1.metric, Some(512), "{copies:?}");
        assert_eq!(routes(&node), before, "no second prefix route");
        node.run(&floatip(), "stop", &p).expect(0);
        assert_eq!(routes(&node), before, "nothing left behind");
    }
}

fn lifetime_and_flags() {
    let node = Node::new();
    base(&node);
    node.run(
        &floatip(),
        "start",
        &[
            ("ip", VIP),
            ("nodad", "yes"),
            ("noprefixroute", "1"),
            ("preferred_lft", "0"),
        ],
    )
    .expect(0);
    let line = node.ns.ip(&["-6", "-o", "addr", "show", "dev", "eth0"]);
    let line = line.lines().find(|l| l.contains(VIP)).unwrap();
    assert!(
        line.contains("nodad") && line.contains("noprefixroute") && line.contains("deprecated"),
        "{line}"
    );
    assert!(line.contains("preferred_lft 0sec"), "{line}");
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    node.run(&floatip(), "start", &[("ip", VIP), ("cidr_netmask", "129")])
        .expect(6);
}

fn link_local_needs_nic() {
    let node = Node::new();
    let run = node.run(&floatip(), "start", &[("ip", "fe80::2")]);
    run.expect(6);
    assert!(run.exit_reasons()[0].contains("'nic' parameter is mandatory for a link local address"));
    node.run(
        &floatip(),
        "start",
        &[("ip", "fe80::2"), ("nic", "eth0"), ("nodad", "true")],
    )
    .expect(0);
    assert_eq!(node.ns.find("fe80::2")[0].1.prefix_len, 64);
    node.run(&floatip(), "stop", &[("ip", "fe80::2"), ("nic", "eth0")])
        .expect(0);
    assert!(node.ns.find("fe80::2").is_empty());
}

/// IPaddr2 refreshes only IPv4 neighbours on monitor; floatip both.
fn refresh_and_operator_command() {
    let node = Node::new();
    base(&node);
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("nodad", "true"), ("garp_count", "1")],
    )
    .expect(0);
    let capture = Capture::start(&node.peer, "eth0", "icmp6");
    node.run(
        &floatip(),
        "monitor",
        &[
            ("ip", VIP),
            ("arp_count_refresh", "2"),
            ("OCF_RESKEY_CRM_meta_interval", "5000"),
        ],
    )
    .expect(0);
    let output = Command::new("ip")
        .args(["netns", "exec", &node.ns.name])
        .arg(floatip())
        .args(["garp", "--nic", "eth0", "--ip", VIP, "--count", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    sleep(Duration::from_millis(100));
    assert_eq!(
        adverts(&capture.finish(), vip()).len(),
        3,
        "two refresh rounds and one by hand"
    );
}

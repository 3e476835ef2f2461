//! virtual_mac: a client that drops every gratuitous ARP and unsolicited
//! Neighbour Advertisement (drop_gratuitous_arp=1, drop_unsolicited_na=1)
//! and is no garp_target follows the VIP from A to B anyway, because the
//! MAC it knows moves with the VIP; nothing of floatip's is left on a nic
//! once its last virtual-MAC VIP stops; and what cannot work is refused.

use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, SystemTime};

use libtest_mimic::Trial;

use crate::support::capture::{parse_mac, Capture};
use crate::support::lab::{NeighMonitor, Pinger};
use crate::support::{floatip, Lan, Netns, STOCK_AGENT};

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";
/// auto's MAC for 192.0.2.10: 02:04 and the address's four bytes.
const VIP_MAC: &str = "02:04:c0:00:02:0a";
const A: usize = 0;
const B: usize = 1;
const CLIENT: usize = 2;

pub fn trials() -> Vec<Trial> {
    trials!("virtual_mac":
        ipv4_deaf_client_follows_within_100_ms,
        ipv6_deaf_client_follows_within_100_ms_of_the_address,
        ipv6_with_dad_probe_within_300_ms_of_start,
        the_stock_agent_leaves_the_deaf_client_behind,
        no_arp_flux_and_the_old_node_answers_nothing,
        nothing_left_after_parallel_starts_and_stops,
        settings_an_operator_changed_are_left_alone,
        a_second_holder_is_seen_at_level_20,
        run_arping_hears_a_holder_of_the_same_mac,
        mld_snooping_bridge_still_delivers_to_the_macvlan,
        a_macvlan_without_the_vip_is_not_the_resource,
        a_monitor_keeps_the_mac_known_at_the_switches,
        stop_needs_only_ip_nic_and_namespace,
        refused_where_it_cannot_work,
        reload_answers_1_when_it_changes,
    )
}

fn lan() -> Lan {
    let lan = Lan::new(&[1, 2, 3]);
    lan.add_ipv6();
    sysctl(
        &lan.hosts[CLIENT],
        "net.ipv4.conf.eth0.drop_gratuitous_arp=1",
    );
    sysctl(
        &lan.hosts[CLIENT],
        "net.ipv6.conf.eth0.drop_unsolicited_na=1",
    );
    // A node's own link-local address is still tentative for a second
    // after its link comes up, and it cannot resolve the client with it:
    // the failovers measured here start from settled nodes.
    for host in &lan.hosts {
        let settled = (0..300).any(|_| {
            let tentative = host.ip(&["-6", "addr", "show", "tentative"]);
            tentative.trim().is_empty() || {
                sleep(Duration::from_millis(10));
                false
            }
        });
        assert!(settled, "link-local addresses still tentative");
    }
    lan
}

fn sysctl(ns: &Netns, setting: &str) {
    let status = Command::new("ip")
        .args(["netns", "exec", &ns.name, "sysctl", "-qw", setting])
        .status()
        .unwrap();
    assert!(status.success(), "{setting}");
}

fn read_sysctl(ns: &Netns, key: &str) -> String {
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.name, "sysctl", "-n", key])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn params<'a>(ip: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![("ip", ip), ("nic", "eth0"), ("virtual_mac", "auto")];
    p.extend_from_slice(extra);
    p
}

fn run(lan: &Lan, host: usize, action: &str, params: &[(&str, &str)]) -> i32 {
    lan.agent(host, &floatip(), action)
        .params(params)
        .quiet()
        .status()
}

/// floatip's macvlans in a namespace.
fn macvlans(ns: &Netns) -> Vec<String> {
    let out = ns.ip(&["-j", "-d", "link", "show", "type", "macvlan"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    json.as_array()
        .map(|links| {
            links
                .iter()
                .filter_map(|l| l["ifname"].as_str())
                .filter(|n| n.starts_with("fv"))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The client talks to the VIP on A; A stops; B starts. Returns how long
/// after B's start was invoked the client's first answer came, and the
/// lladdr lines the client's neighbour table showed for the VIP.
fn fail_over(lan: &Lan, ip: &str, extra: &[(&str, &str)]) -> (Duration, Vec<String>) {
    let p = params(ip, extra);
    let client = &lan.hosts[CLIENT];
    assert_eq!(run(lan, A, "start", &p), 0);
    assert!(client.ping(ip), "the client reaches the VIP on A");
    let known = client.neighbour_mac(ip).expect("the client knows the VIP");
    let pinger = Pinger::start(client, ip);
    let events = NeighMonitor::start(client, ip);
    assert!(pinger
        .first_after(SystemTime::now(), Duration::from_secs(2))
        .is_some());
    assert_eq!(run(lan, A, "stop", &p), 0);
    sleep(Duration::from_millis(50));
    let invoked = SystemTime::now();
    assert_eq!(run(lan, B, "start", &p), 0);
    let answered = pinger
        .first_after(invoked, Duration::from_secs(3))
        .expect("the client reaches the VIP on B");
    let after = answered.duration_since(invoked).unwrap_or_default();
    sleep(Duration::from_millis(100));
    assert_eq!(
        client.neighbour_mac(ip).as_deref(),
        Some(known.as_str()),
        "the client's entry is the one it had"
    );
    let lines = events.drain();
    drop(pinger);
    assert_eq!(run(lan, B, "stop", &p), 0);
    (after, lines)
}

fn assert_never_changed(lines: &[String], mac: &str) {
    for line in lines {
        if let Some(at) = line.find("lladdr ") {
            assert!(
                line[at..].starts_with(&format!("lladdr {mac}")),
                "the client's entry changed: {line}"
            );
        }
    }
}

fn ipv4_deaf_client_follows_within_100_ms() {
    let lan = lan();
    let (after, lines) = fail_over(&lan, VIP, &[]);
    assert!(
        after <= Duration::from_millis(100),
        "the client reached B {after:?} after start"
    );
    assert_never_changed(&lines, VIP_MAC);
    assert_eq!(
        lan.hosts[CLIENT].neighbour_mac(VIP).as_deref(),
        Some(VIP_MAC)
    );
}

fn ipv6_deaf_client_follows_within_100_ms_of_the_address() {
    // nodad: the address is added the moment start begins.
    let lan = lan();
    let (after, lines) = fail_over(&lan, V6, &[("nodad", "true")]);
    assert!(
        after <= Duration::from_millis(100),
        "the client reached B {after:?} after start"
    );
    let mac = lan.hosts[CLIENT].neighbour_mac(V6).unwrap();
    assert!(mac.starts_with("02:06:"), "{mac}");
    assert_never_changed(&lines, &mac);
}

fn ipv6_with_dad_probe_within_300_ms_of_start() {
    let lan = lan();
    let (after, lines) = fail_over(&lan, V6, &[("dad_mode", "probe")]);
    assert!(
        after <= Duration::from_millis(300),
        "the client reached B {after:?} after start"
    );
    let mac = lan.hosts[CLIENT].neighbour_mac(V6).unwrap();
    assert_never_changed(&lines, &mac);
}

/// The same failover with the stock agent: the deaf client keeps A's MAC.
fn the_stock_agent_leaves_the_deaf_client_behind() {
    let lan = lan();
    let p = [("ip", VIP), ("nic", "eth0"), ("cidr_netmask", "24")];
    let client = &lan.hosts[CLIENT];
    let stock = |host: usize, action: &str| {
        lan.agent(host, std::path::Path::new(STOCK_AGENT), action)
            .params(&p)
            .quiet()
            .status()
    };
    assert_eq!(stock(A, "start"), 0);
    assert!(client.ping(VIP));
    assert_eq!(stock(A, "stop"), 0);
    assert_eq!(stock(B, "start"), 0);
    sleep(Duration::from_millis(500));
    assert_eq!(
        client.neighbour_mac(VIP),
        Some(lan.hosts[A].mac("eth0")),
        "the stock agent leaves the client on A's MAC"
    );
    assert_eq!(stock(B, "stop"), 0);
}

/// While A holds the VIP, every ARP answer for it carries the virtual MAC
/// (the nic does not answer too); after A's stop nobody answers.
fn no_arp_flux_and_the_old_node_answers_nothing() {
    let lan = lan();
    let p = params(VIP, &[]);
    let client = &lan.hosts[CLIENT];
    assert_eq!(run(&lan, A, "start", &p), 0);
    sleep(Duration::from_millis(100));
    let capture = Capture::start(client, "eth0", "arp");
    client.ip(&["neigh", "flush", "dev", "eth0"]);
    assert!(client.ping(VIP));
    let replies: Vec<_> = capture
        .finish()
        .iter()
        .filter_map(|f| f.arp())
        .filter(|a| a.operation == 2 && a.sender_ip.to_string() == VIP)
        .collect();
    assert!(!replies.is_empty(), "the VIP was resolved");
    for reply in &replies {
        assert_eq!(
            reply.sender_mac,
            parse_mac(VIP_MAC),
            "only the macvlan answers: {replies:#?}"
        );
    }
    assert_eq!(
        read_sysctl(&lan.hosts[A], "net.ipv4.conf.eth0.arp_ignore"),
        "1"
    );
    assert_eq!(
        read_sysctl(&lan.hosts[A], "net.ipv4.conf.eth0.arp_announce"),
        "2"
    );
    assert_eq!(run(&lan, A, "stop", &p), 0);
    client.ip(&["neigh", "flush", "dev", "eth0"]);
    assert!(
        !client.ping(VIP),
        "nobody answers for the VIP after A's stop"
    );
    assert!(macvlans(&lan.hosts[A]).is_empty());
}

/// Three IPv4 and two IPv6 virtual-MAC VIPs started and stopped at once
/// on one nic: every start succeeds, and once all are stopped no macvlan,
/// no record and no changed setting is left.
fn nothing_left_after_parallel_starts_and_stops() {
    let lan = lan();
    let a = &lan.hosts[A];
    sysctl(a, "net.ipv4.conf.eth0.arp_announce=1");
    let vips = [
        "192.0.2.10",
        "192.0.2.11",
        "192.0.2.12",
        "2001:db8:1234::10",
        "2001:db8:1234::11",
    ];
    let all = |action: &'static str| {
        let children: Vec<Child> = vips
            .iter()
            .map(|ip| {
                let extra: &[(&str, &str)] = if ip.contains(':') {
                    &[("nodad", "true")]
                } else {
                    &[]
                };
                let mut command = lan
                    .agent(A, &floatip(), action)
                    .params(&params(ip, extra))
                    .quiet()
                    .command();
                command.spawn().unwrap()
            })
            .collect();
        children
            .into_iter()
            .map(|mut c| c.wait().unwrap().code().unwrap_or(-1))
            .collect::<Vec<i32>>()
    };
    assert_eq!(all("start"), vec![0; 5]);
    assert_eq!(macvlans(a).len(), 5, "{:?}", macvlans(a));
    assert_eq!(read_sysctl(a, "net.ipv4.conf.eth0.arp_ignore"), "1");
    assert_eq!(read_sysctl(a, "net.ipv4.conf.eth0.arp_announce"), "2");
    for ip in vips {
        assert!(lan.hosts[CLIENT].ping(ip), "{ip} answers");
    }
    assert_eq!(all("stop"), vec![0; 5]);
    assert!(macvlans(a).is_empty(), "{:?}", macvlans(a));
    assert_eq!(read_sysctl(a, "net.ipv4.conf.eth0.arp_ignore"), "0");
    assert_eq!(
        read_sysctl(a, "net.ipv4.conf.eth0.arp_announce"),
        "1",
        "the value before floatip's"
    );
    let records = lan.rsctmp[A].path().join("floatip-virtual-mac");
    let left: Vec<_> = std::fs::read_dir(&records)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with(".lock"))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

/// A setting the operator changed while floatip's VIP ran stays theirs.
fn settings_an_operator_changed_are_left_alone() {
    let lan = lan();
    let a = &lan.hosts[A];
    let p = params(VIP, &[]);
    assert_eq!(run(&lan, A, "start", &p), 0);
    sysctl(a, "net.ipv4.conf.eth0.arp_ignore=2");
    assert_eq!(run(&lan, A, "stop", &p), 0);
    assert_eq!(read_sysctl(a, "net.ipv4.conf.eth0.arp_ignore"), "2");
    assert_eq!(read_sysctl(a, "net.ipv4.conf.eth0.arp_announce"), "0");
}

/// Both nodes hold the same virtual-MAC VIP (a split brain): every
/// frame for it carries the same MAC, and level 20 still tells.
fn a_second_holder_is_seen_at_level_20() {
    for (ip, extra) in [(VIP, vec![]), (V6, vec![("nodad", "true")])] {
        let lan = lan();
        let p = params(ip, &extra);
        assert_eq!(run(&lan, A, "start", &p), 0);
        let mut monitor = p.clone();
        monitor.extend([("CRM_meta_interval", "10000"), ("OCF_CHECK_LEVEL", "20")]);
        let alone = lan.run(A, &floatip(), "monitor", &monitor);
        assert_eq!(alone.code, 0, "{ip} alone: {}", alone.stderr);
        assert_eq!(run(&lan, B, "start", &p), 0);
        let both = lan.run(A, &floatip(), "monitor", &monitor);
        assert_eq!(both.code, 1, "{ip}: {}", both.stderr);
        assert!(
            both.exit_reasons()
                .iter()
                .any(|r| r.contains("another node holds the address")),
            "{ip}: {:?}",
            both.exit_reasons()
        );
        assert_eq!(run(&lan, A, "stop", &p), 0);
        assert_eq!(run(&lan, B, "stop", &p), 0);
    }
}

fn run_arping_hears_a_holder_of_the_same_mac() {
    let lan = lan();
    let p = params(VIP, &[("run_arping", "true")]);
    assert_eq!(run(&lan, B, "start", &p), 0);
    let second = lan.run(A, &floatip(), "start", &p);
    assert_eq!(second.code, 1, "{}", second.stderr);
    assert!(second.stderr.contains(VIP_MAC), "{}", second.stderr);
    assert!(
        macvlans(&lan.hosts[A]).is_empty(),
        "a failed start leaves no macvlan"
    );
    assert_eq!(
        read_sysctl(&lan.hosts[A], "net.ipv4.conf.eth0.arp_ignore"),
        "0"
    );
    assert_eq!(run(&lan, B, "stop", &p), 0);
}

/// An MLD-snooping bridge with a querier forwards a solicited-node
/// multicast only to ports that reported the group: the macvlan (no
/// link-local address of its own) must still get the client's
/// solicitations and another node's DAD probes.
fn mld_snooping_bridge_still_delivers_to_the_macvlan() {
    let lan = lan();
    lan.snoop_multicast();
    sleep(Duration::from_millis(300));
    let p = params(V6, &[("nodad", "true")]);
    assert_eq!(run(&lan, A, "start", &p), 0);
    sleep(Duration::from_millis(300));
    let groups = crate::support::sh(
        "ip",
        &[
            "netns",
            "exec",
            &lan.switch_name(),
            "bridge",
            "mdb",
            "show",
            "dev",
            "br0",
        ],
    );
    assert!(groups.contains("ff02::1:ff00:10"), "reported: {groups}");
    let client = &lan.hosts[CLIENT];
    client.ip(&["-6", "neigh", "flush", "dev", "eth0"]);
    assert!(client.ping(V6), "the client's solicitation reached A");
    let probe = params(V6, &[("dad_mode", "probe")]);
    let second = lan.run(B, &floatip(), "start", &probe);
    assert_eq!(second.code, 1, "B's DAD probe reached A: {}", second.stderr);
    assert_eq!(run(&lan, A, "stop", &p), 0);
    assert_eq!(run(&lan, B, "stop", &p), 0);
}

/// A macvlan left without its VIP (a crash between the two) is not the
/// resource: a probe says 7, and the next start uses it.
fn a_macvlan_without_the_vip_is_not_the_resource() {
    let lan = lan();
    let p = params(VIP, &[]);
    assert_eq!(run(&lan, A, "start", &p), 0);
    let a = &lan.hosts[A];
    let name = macvlans(a).pop().unwrap();
    a.ip(&["addr", "del", &format!("{VIP}/24"), "dev", &name]);
    assert_eq!(run(&lan, A, "monitor", &p), 7);
    assert_eq!(run(&lan, A, "start", &p), 0);
    assert_eq!(
        macvlans(a),
        vec![name.clone()],
        "the same macvlan, used again"
    );
    assert_eq!(run(&lan, A, "monitor", &p), 0);
    assert!(lan.hosts[CLIENT].ping(VIP));
    assert_eq!(run(&lan, A, "stop", &p), 0);
    assert!(macvlans(a).is_empty());
}

/// stop removes the VIP and its macvlan with virtual_mac unset or
/// invalid, and without nic.
fn stop_needs_only_ip_nic_and_namespace() {
    let lan = lan();
    let a = &lan.hosts[A];
    for stop in [
        vec![("ip", VIP), ("nic", "eth0")],
        vec![("ip", VIP), ("nic", "eth0"), ("virtual_mac", "nonsense")],
        vec![("ip", VIP)],
    ] {
        assert_eq!(run(&lan, A, "start", &params(VIP, &[])), 0);
        assert_eq!(run(&lan, A, "stop", &stop), 0, "{stop:?}");
        assert!(macvlans(a).is_empty(), "{stop:?}");
        assert!(a.find(VIP).is_empty(), "{stop:?}");
        assert_eq!(read_sysctl(a, "net.ipv4.conf.eth0.arp_ignore"), "0");
    }
}

fn refused_where_it_cannot_work() {
    let lan = lan();
    let a = &lan.hosts[A];
    a.ip(&["tuntap", "add", "mode", "tun", "tun0"]);
    a.ip(&["link", "set", "tun0", "up"]);
    a.ip(&["addr", "add", "198.51.100.1/24", "dev", "tun0"]);
    a.ip(&["link", "add", "mv0", "link", "eth0", "type", "macvlan"]);
    a.ip(&["link", "set", "mv0", "up"]);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("ip", "198.51.100.10"),
                ("nic", "tun0"),
                ("cidr_netmask", "24"),
            ],
            "not an Ethernet interface",
        ),
        (
            vec![("ip", VIP), ("nic", "mv0"), ("cidr_netmask", "24")],
            "itself a macvlan",
        ),
    ];
    for (mut p, why) in cases {
        p.push(("virtual_mac", "auto"));
        for action in ["validate-all", "start"] {
            let answer = lan.run(A, &floatip(), action, &p);
            assert_eq!(answer.code, 6, "{action} {p:?}: {}", answer.stderr);
            assert!(
                answer.exit_reasons().iter().any(|r| r.contains(why)),
                "{action}: {:?}",
                answer.exit_reasons()
            );
        }
    }
    sysctl(a, "net.ipv4.conf.all.rp_filter=1");
    let strict = lan.run(A, &floatip(), "start", &params(VIP, &[]));
    assert_eq!(strict.code, 6, "{}", strict.stderr);
    assert!(strict.stderr.contains("net.ipv4.conf.all.rp_filter is 1"));
    sysctl(a, "net.ipv4.conf.all.rp_filter=0");
    for bad in [
        "yes",
        "01:00:5e:00:00:01",
        "00:00:00:00:00:00",
        "02:00:00:00:00",
    ] {
        let answer = lan.run(
            A,
            &floatip(),
            "validate-all",
            &params(VIP, &[("virtual_mac", bad)]),
        );
        assert_eq!(answer.code, 6, "{bad}: {}", answer.stderr);
    }
    assert!(macvlans(a).is_empty(), "nothing made: {:?}", macvlans(a));
    assert_eq!(read_sysctl(a, "net.ipv4.conf.eth0.arp_ignore"), "0");
}

fn reload_answers_1_when_it_changes() {
    let lan = lan();
    let p = params(VIP, &[]);
    assert_eq!(run(&lan, A, "start", &p), 0);
    let other = lan.run(
        A,
        &floatip(),
        "reload",
        &params(VIP, &[("virtual_mac", "02:00:00:00:00:01")]),
    );
    assert_eq!(other.code, 1, "{}", other.stderr);
    assert_eq!(
        other.exit_reasons(),
        vec!["virtual_mac changed: restart needed"]
    );
    let off = lan.run(A, &floatip(), "reload", &[("ip", VIP), ("nic", "eth0")]);
    assert_eq!(off.code, 1);
    let same = lan.run(A, &floatip(), "reload", &params(VIP, &[("arp_count", "2")]));
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert!(lan.hosts[CLIENT].ping(VIP));
    assert_eq!(run(&lan, A, "stop", &p), 0);
    let plain = [("ip", VIP), ("nic", "eth0")];
    assert_eq!(run(&lan, A, "start", &plain), 0);
    let on = lan.run(A, &floatip(), "reload", &p);
    assert_eq!(on.code, 1);
    assert_eq!(run(&lan, A, "stop", &plain), 0);
    assert!(macvlans(&lan.hosts[A]).is_empty());
}

/// Switches forget a MAC after their aging time: a monitor sends one
/// round from the macvlan when the last is 50 s old or more (here: none
/// yet), and the next monitor right after it sends nothing.
fn a_monitor_keeps_the_mac_known_at_the_switches() {
    let lan = lan();
    let p = params(VIP, &[("arp_bg", "false"), ("garp_count", "1")]);
    assert_eq!(run(&lan, A, "start", &p), 0);
    let mut monitor = p.clone();
    monitor.push(("CRM_meta_interval", "10000"));
    let from_the_vip = |frames: Vec<crate::support::capture::Frame>| {
        frames
            .iter()
            .filter_map(|f| f.arp())
            .filter(|a| a.eth_source == parse_mac(VIP_MAC) && a.sender_ip.to_string() == VIP)
            .count()
    };
    let capture = Capture::start(&lan.hosts[CLIENT], "eth0", "arp");
    assert_eq!(run(&lan, A, "monitor", &monitor), 0);
    sleep(Duration::from_millis(100));
    assert!(
        from_the_vip(capture.finish()) > 0,
        "the first monitor refreshes the virtual MAC"
    );
    let capture = Capture::start(&lan.hosts[CLIENT], "eth0", "arp");
    assert_eq!(run(&lan, A, "monitor", &monitor), 0);
    sleep(Duration::from_millis(100));
    assert_eq!(
        from_the_vip(capture.finish()),
        0,
        "the next one, seconds later, does not"
    );
    let stamp = lan.rsctmp[A]
        .path()
        .join(format!("send_arp-{VIP}.floatip-vmac-refresh"));
    assert!(stamp.exists());
    assert_eq!(run(&lan, A, "stop", &p), 0);
    assert!(!stamp.exists(), "stop removes the stamp");
}

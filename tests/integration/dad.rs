//! floatip's own IPv6 duplicate address detection (dad_mode=probe, the
//! default): the probes as a peer decodes them, a holder found, two nodes
//! starting at once (also behind a bridge that snoops MLD), and the
//! kernel's DAD where floatip cannot or must not probe.

use std::net::Ipv6Addr;
use std::process::Child;

use libtest_mimic::Trial;

use crate::support::capture::{adverts, parse_mac, Capture, Frame, Ndp};
use crate::support::{floatip, Lan, Node};
use crate::trial;

const VIP: &str = "2001:db8:1234::10";

pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "dad::probes_are_rfc_4862_with_a_nonce",
            probes_are_rfc_4862_with_a_nonce,
        ),
        trial(
            "dad::a_holder_fails_start_with_its_mac",
            a_holder_fails_start_with_its_mac,
        ),
        trial("dad::simultaneous_starts_on_a_plain_bridge", || {
            simultaneous_starts(false)
        }),
        trial("dad::simultaneous_starts_behind_mld_snooping", || {
            simultaneous_starts(true)
        }),
        trial(
            "dad::kernel_mode_and_nodad_are_ipaddr2s",
            kernel_mode_and_nodad_are_ipaddr2s,
        ),
        trial(
            "dad::unprobeable_links_use_the_kernels_dad",
            unprobeable_links_use_the_kernels_dad,
        ),
    ]
}

fn vip() -> Ipv6Addr {
    VIP.parse().unwrap()
}

fn node_with_base() -> Node {
    let node = Node::new();
    node.ns
        .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
    node
}

/// A Neighbour Solicitation as a peer received it (a DAD probe comes
/// from `::`, RFC 4862 §5.4.2).
fn probe(frame: &Frame) -> Option<Ndp> {
    frame.ndp().filter(|m| m.icmp_type == 135)
}

fn probes_are_rfc_4862_with_a_nonce() {
    let node = node_with_base();
    let mac = parse_mac(&node.ns.mac("eth0"));
    let capture = Capture::start(&node.peer, "eth0", "icmp6");
    node.run(&floatip(), "start", &[("ip", VIP), ("garp_count", "1")])
        .expect(0);
    let frames = capture.finish();
    let probes: Vec<(std::time::SystemTime, Ndp)> = frames
        .iter()
        .filter_map(|f| probe(f).map(|p| (f.time, p)))
        .filter(|(_, p)| p.target == vip())
        .collect();
    assert_eq!(probes.len(), 3, "three probes: {probes:?}");
    let group: Ipv6Addr = "ff02::1:ff00:10".parse().unwrap();
    let nonce = probes[0].1.options.clone();
    for (_, p) in &probes {
        assert_eq!(p.eth_destination, [0x33, 0x33, 0xff, 0x00, 0x00, 0x10]);
        assert_eq!(p.eth_source, mac);
        assert_eq!(p.hop_limit, 255);
        assert_eq!(p.source, Ipv6Addr::UNSPECIFIED, "from ::");
        assert_eq!(p.destination, group, "to the solicited-node group");
        assert_eq!(
            p.options.len(),
            1,
            "a nonce and no source link-layer option"
        );
        assert_eq!((p.options[0].0, p.options[0].1), (14, 1), "RFC 7527 nonce");
        assert_eq!(p.options, nonce, "one nonce per detection");
    }
    // The advertisement leaves once the probing is over, and only then.
    let found = adverts(&frames, vip());
    assert_eq!(found.len(), 1, "{found:?}");
    let last_probe = probes[2].0;
    let gap = found[0].0.duration_since(last_probe).unwrap();
    assert!(
        gap.as_millis() >= 40,
        "the NA waits for the listening: {gap:?}"
    );
    let (_, copy) = &node.ns.find(VIP)[0];
    assert!(copy.nodad, "added as checked: {copy:?}");
    node.run(&floatip(), "monitor", &[("ip", VIP)]).expect(0);
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
}

fn a_holder_fails_start_with_its_mac() {
    let node = node_with_base();
    node.peer
        .ip(&["addr", "add", &format!("{VIP}/64"), "dev", "eth0", "nodad"]);
    let holder = node.peer.mac("eth0");
    let run = node.run(&floatip(), "start", &[("ip", VIP)]);
    run.expect(1);
    assert_eq!(
        run.exit_reasons(),
        [format!("IPv6 address collision {VIP} [DAD]: {holder} answers for it on eth0").as_str()]
    );
    assert!(node.ns.find(VIP).is_empty(), "no copy left");
    node.run(&floatip(), "monitor", &[("ip", VIP)]).expect(7);
}

fn spawn_start(lan: &Lan, host: usize) -> Child {
    lan.agent(host, &floatip(), "start")
        .params(&[("ip", VIP), ("cidr_netmask", "64"), ("garp_count", "1")])
        .quiet()
        .command()
        .spawn()
        .unwrap()
}

/// Two nodes start the VIP at the same moment: each sees the other's
/// probe (RFC 4862 §5.4.3) and at most one succeeds; never both.
fn simultaneous_starts(snooping: bool) {
    let lan = Lan::new(&[1, 2, 3]);
    lan.add_ipv6();
    if snooping {
        lan.snoop_multicast();
        // Let the querier ask and the hosts answer with their groups.
        std::thread::sleep(std::time::Duration::from_millis(1500));
    }
    for round in 0..5 {
        let mut a = spawn_start(&lan, 0);
        let mut b = spawn_start(&lan, 1);
        let codes = [
            a.wait().unwrap().code().unwrap(),
            b.wait().unwrap().code().unwrap(),
        ];
        let holders: Vec<usize> = (0..2)
            .filter(|h| !lan.hosts[*h].find(VIP).is_empty())
            .collect();
        assert!(
            codes.iter().filter(|c| **c == 0).count() <= 1,
            "round {round}: {codes:?}"
        );
        assert!(
            holders.len() <= 1,
            "round {round}: held by {holders:?} ({codes:?})"
        );
        for (host, code) in codes.iter().enumerate() {
            assert!(
                *code == 0 || *code == 1,
                "round {round}: host {host} answered {code}"
            );
            assert_eq!(
                *code == 0,
                holders.contains(&host),
                "round {round}: {codes:?}"
            );
        }
        for host in 0..2 {
            lan.run(host, &floatip(), "stop", &[("ip", VIP)]).expect(0);
        }
    }
    // One at a time, the second finds the first.
    lan.run(
        0,
        &floatip(),
        "start",
        &[("ip", VIP), ("cidr_netmask", "64")],
    )
    .expect(0);
    lan.run(
        1,
        &floatip(),
        "start",
        &[("ip", VIP), ("cidr_netmask", "64")],
    )
    .expect(1);
    assert!(lan.hosts[1].find(VIP).is_empty());
    lan.run(0, &floatip(), "stop", &[("ip", VIP)]).expect(0);
}

/// dad_mode=kernel: the kernel's one probe (dad_transmits=1; it carries a
/// nonce of its own, enhanced_dad) and no nodad flag; nodad=true: no probe
/// at all, whatever dad_mode says.
fn kernel_mode_and_nodad_are_ipaddr2s() {
    let node = node_with_base();
    for (params, probes, nodad_flag) in [
        (vec![("dad_mode", "kernel")], 1, false),
        (vec![("nodad", "true"), ("dad_mode", "kernel")], 0, true),
        (vec![("nodad", "true")], 0, true),
    ] {
        let capture = Capture::start(&node.peer, "eth0", "icmp6");
        let mut all = vec![("ip", VIP), ("garp_count", "1")];
        all.extend(params.iter().copied());
        node.run(&floatip(), "start", &all).expect(0);
        let frames = capture.finish();
        let seen: Vec<Ndp> = frames
            .iter()
            .filter_map(probe)
            .filter(|p| p.target == vip() && p.source.is_unspecified())
            .collect();
        assert_eq!(seen.len(), probes, "{params:?}: {seen:?}");
        let (_, copy) = &node.ns.find(VIP)[0];
        assert_eq!(copy.nodad, nodad_flag, "{params:?}: {copy:?}");
        node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    }
}

fn unprobeable_links_use_the_kernels_dad() {
    let node = node_with_base();
    node.ns.ip(&["link", "set", "eth0", "arp", "off"]);
    let run = node.run(&floatip(), "start", &[("ip", VIP), ("cidr_netmask", "64")]);
    run.expect(0);
    assert!(
        run.stderr.contains("eth0 cannot be probed for duplicates of 2001:db8:1234::10 (it does not use ARP (NOARP)): the kernel's DAD decides"),
        "{}",
        run.stderr
    );
    let (_, copy) = &node.ns.find(VIP)[0];
    assert!(!copy.nodad, "the kernel's DAD ran: {copy:?}");
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
}

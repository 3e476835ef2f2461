//! The remaining IPaddr2 parameters and floatip's deeper monitoring:
//! check_link_status, OCF_CHECK_LEVEL 20, run_arping, lvs_support,
//! flush_routes, and the promote_secondaries warning.

use libtest_mimic::Trial;

use crate::support::{floatip, Node, TempDir, STOCK_AGENT};

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";

pub fn trials() -> Vec<Trial> {
    trials!("parameters":
        link_down_or_without_carrier_fails_monitor,
        check_level_20_finds_a_second_holder,
        check_level_20_ipv6,
        run_arping_refuses_a_taken_address,
        lvs_support_moves_the_loopback_copy_aside,
        lvs_support_restores_what_the_stock_agent_saved,
        flush_routes_flushes_the_cache_on_stop,
        warns_when_the_vip_becomes_a_primary,
    )
}

fn recurring<'a>(params: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = params.to_vec();
    p.push(("OCF_RESKEY_CRM_meta_interval", "10000"));
    p
}

/// IPaddr2 4.12 reports success while the cable is out; floatip says 1
/// (never 7: the address is still configured here).
fn link_down_or_without_carrier_fails_monitor() {
    let node = Node::with_base();
    let p = [("ip", VIP), ("nic", "eth0")];
    node.run(&floatip(), "start", &p).expect(0);
    node.peer.ip(&["link", "set", "eth0", "down"]);
    for params in [p.to_vec(), recurring(&p)] {
        let run = node.run(&floatip(), "monitor", &params);
        run.expect(1);
        assert!(run.exit_reasons()[0].contains("no carrier"), "{run:?}");
    }
    node.run(
        &floatip(),
        "monitor",
        &[("ip", VIP), ("check_link_status", "false")],
    )
    .expect(0);
    node.peer.ip(&["link", "set", "eth0", "up"]);
    node.run(&floatip(), "monitor", &p).expect(0);
    node.ns.ip(&["link", "set", "eth0", "down"]);
    assert_eq!(
        node.ns.find(VIP).len(),
        1,
        "the address stays on a down link"
    );
    let run = node.run(&floatip(), "monitor", &p);
    run.expect(1);
    assert!(run.exit_reasons()[0].contains("is down"), "{run:?}");
    node.run(&floatip(), "stop", &p).expect(0);
    assert!(node.ns.find(VIP).is_empty());
}

fn check_level_20_finds_a_second_holder() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &[("ip", VIP)]).expect(0);
    let deep = [("ip", VIP), ("OCF_CHECK_LEVEL", "20")];
    node.run(&floatip(), "monitor", &recurring(&deep)).expect(0);
    node.peer
        .ip(&["addr", "add", &format!("{VIP}/24"), "dev", "eth0"]);
    let peer_mac = node.peer.mac("eth0");
    let run = node.run(&floatip(), "monitor", &recurring(&deep));
    run.expect(1);
    assert!(run.exit_reasons()[0].contains(&peer_mac), "{run:?}");
    node.run(&floatip(), "monitor", &recurring(&[("ip", VIP)]))
        .expect(0);
    node.run(
        &floatip(),
        "monitor",
        &recurring(&[("ip", VIP), ("OCF_CHECK_LEVEL", "deep")]),
    )
    .expect(0);
    // Levels are cumulative and a number between them means the next
    // lower one: 25 is 20, and finds the second holder too.
    let run = node.run(
        &floatip(),
        "monitor",
        &recurring(&[("ip", VIP), ("OCF_CHECK_LEVEL", "25")]),
    );
    run.expect(1);
    // 15 is 10: no link probe, so the healthy local copy answers 0.
    node.run(
        &floatip(),
        "monitor",
        &recurring(&[("ip", VIP), ("OCF_CHECK_LEVEL", "15")]),
    )
    .expect(0);
}

fn check_level_20_ipv6() {
    let node = Node::new();
    node.ns
        .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
    node.run(&floatip(), "start", &[("ip", V6), ("nodad", "true")])
        .expect(0);
    let deep = [("ip", V6), ("OCF_CHECK_LEVEL", "20")];
    node.run(&floatip(), "monitor", &recurring(&deep)).expect(0);
    node.peer
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0", "nodad"]);
    let run = node.run(&floatip(), "monitor", &recurring(&deep));
    run.expect(1);
    assert!(
        run.exit_reasons()[0].contains(&node.peer.mac("eth0")),
        "{run:?}"
    );
}

fn run_arping_refuses_a_taken_address() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &[("ip", VIP), ("run_arping", "true")])
        .expect(0);
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    node.peer
        .ip(&["addr", "add", &format!("{VIP}/24"), "dev", "eth0"]);
    let run = node.run(&floatip(), "start", &[("ip", VIP), ("run_arping", "true")]);
    run.expect(1);
    let reason = run.exit_reasons()[0];
    assert!(
        reason.contains(&format!("IPv4 address collision {VIP} [DAD]")),
        "{reason}"
    );
    assert!(reason.contains(&node.peer.mac("eth0")), "{reason}");
    assert!(node.ns.find(VIP).is_empty(), "nothing was added");
}

fn lvs_support_moves_the_loopback_copy_aside() {
    let node = Node::with_base();
    node.ns
        .ip(&["addr", "add", &format!("{VIP}/32"), "dev", "lo"]);
    let p = [("ip", VIP), ("lvs_support", "true")];
    node.run(&floatip(), "monitor", &p).expect(7);
    node.run(&floatip(), "start", &p).expect(0);
    let found = node.ns.find(VIP);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "eth0");
    let record = node.rsctmp.path().join(VIP);
    assert_eq!(
        std::fs::read_to_string(&record).unwrap(),
        format!("{VIP} 32 255.255.255.255 lo\n")
    );
    node.run(&floatip(), "monitor", &p).expect(0);
    node.run(&floatip(), "stop", &p).expect(0);
    let found = node.ns.find(VIP);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.prefix_len),
        ("lo", 32),
        "restored on lo"
    );
    assert!(!record.exists());
    node.run(&floatip(), "monitor", &p).expect(7);
    node.run(
        &floatip(),
        "start",
        &[
            ("ip", VIP),
            ("lvs_support", "true"),
            ("OCF_RESKEY_CRM_meta_clone_max", "2"),
        ],
    )
    .expect(6);
}

/// A cluster switching agents: the stock agent started with lvs_support and
/// saved the loopback copy; floatip's stop restores it.
fn lvs_support_restores_what_the_stock_agent_saved() {
    let node = Node::with_base();
    node.ns
        .ip(&["addr", "add", &format!("{VIP}/32"), "dev", "lo"]);
    assert_eq!(
        node.run_quietly(
            std::path::Path::new(STOCK_AGENT),
            "start",
            &[("ip", VIP), ("lvs_support", "true"), ("arp_count", "1")]
        ),
        0
    );
    assert!(
        node.rsctmp.path().join(VIP).exists(),
        "the stock agent saved the loopback copy"
    );
    node.run(&floatip(), "stop", &[("ip", VIP), ("lvs_support", "true")])
        .expect(0);
    let found = node.ns.find(VIP);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "lo");
}

fn flush_routes_flushes_the_cache_on_stop() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &[("ip", VIP)]).expect(0);
    let trace_dir = TempDir::new();
    let trace = trace_dir.path().join("trace");
    let run = node
        .agent(&floatip(), "stop")
        .params(&[("ip", VIP), ("flush_routes", "true")])
        .traced("openat", &trace)
        .run();
    run.expect(0);
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("/proc/sys/net/ipv4/route/flush") && l.contains("O_WRONLY")),
        "{text}"
    );
    assert!(node.ns.find(VIP).is_empty());
}

fn warns_when_the_vip_becomes_a_primary() {
    let node = Node::with_base();
    let alone = node.run(
        &floatip(),
        "start",
        &[
            ("ip", "198.51.100.10"),
            ("nic", "eth1"),
            ("cidr_netmask", "24"),
        ],
    );
    alone.expect(0);
    assert!(
        alone.stderr.contains("promote_secondaries"),
        "{}",
        alone.stderr
    );
    let beside_base = node.run(&floatip(), "start", &[("ip", VIP)]);
    beside_base.expect(0);
    assert!(
        !beside_base.stderr.contains("promote_secondaries"),
        "{}",
        beside_base.stderr
    );
}

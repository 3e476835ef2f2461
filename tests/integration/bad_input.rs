//! Bad input, every kind of it: every parameter with every malformed form,
//! unknown boolean spellings, counts and lists far past what works, and
//! strings from the kernel (other interfaces' names and labels, the VIP's
//! own label) that are not what a parser expects. What a cluster observes:
//! the exit code, one reason, and nothing half-configured.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use crate::support::*;

const VIP: &str = "192.0.2.10";

pub fn trials() -> Vec<Trial> {
    trials!("bad_input":
        bad_values_of_every_parameter,
        unknown_boolean_spellings_warn,
        huge_counts_stay_bounded,
        huge_garp_targets_list,
        strings_of_other_interfaces_fail_no_action,
        a_vip_whose_own_label_is_not_utf8,
        kernel_strings_are_printed_safely,
    )
}

fn bad_values_of_every_parameter() {
    let node = Node::with_base();
    node.ns
        .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
    let mut tried = 0;
    for (name, extra, accepted) in CHECKED {
        for value in bad_forms() {
            if accepted.contains(&value.as_str()) {
                continue;
            }
            let mut params: Vec<(&str, &str)> = vec![("ip", VIP)];
            for (k, v) in *extra {
                params.retain(|(n, _)| n != k);
                params.push((k, v));
            }
            params.retain(|(n, _)| n != name);
            params.push((name, value.as_str()));
            let shown: String = value.chars().take(20).collect();
            for action in ["validate-all", "start"] {
                let run = node.run(&floatip(), action, &params);
                assert_eq!(run.code, 6, "{name}={shown:?} {action}: {run:?}");
                let reasons = run.exit_reasons();
                assert_eq!(
                    reasons.len(),
                    1,
                    "{name}={shown:?} {action}: one reason: {reasons:?}"
                );
                assert!(
                    reasons[0].contains(name.trim_start_matches("net"))
                        || reasons[0].contains(name),
                    "{name}: {}",
                    reasons[0]
                );
            }
            let mut probe = params.clone();
            probe.push(("OCF_RESKEY_CRM_meta_interval", "0"));
            let code = node.run(&floatip(), "monitor", &probe).code;
            assert!(code == 6 || code == 7, "{name}={shown:?} probe: {code}");
            node.run(&floatip(), "stop", &params).expect(0);
            tried += 1;
        }
    }
    assert!(node.ns.find(VIP).is_empty());
    assert!(tried >= 150, "{tried} bad inputs");
}

/// Booleans keep IPaddr2's rule (anything not a true spelling is false) but
/// say so.
fn unknown_boolean_spellings_warn() {
    let node = Node::with_base();
    for name in [
        "noprefixroute",
        "flush_routes",
        "run_arping",
        "check_link_status",
        "arp_bg",
        "lvs_support",
        "unique_clone_address",
    ] {
        let run = node.run(
            &floatip(),
            "validate-all",
            &[("ip", VIP), (name, "perhaps")],
        );
        run.expect(0);
        assert!(
            run.stderr.contains(&format!("WARNING: {name} [perhaps]")),
            "{name}: {}",
            run.stderr
        );
    }
}

/// The largest counts the parser accepts: start returns at once with a
/// background sender of bounded memory, a foreground run ends inside the
/// action's timeout, and a refresh inside the monitor's.
fn huge_counts_stay_bounded() {
    let node = Node::with_base();
    let huge = "4294967295";
    let p = [("ip", VIP), ("garp_count", huge), ("arp_interval", "1")];
    expect_code(bounded(&node, "start", &p), 0, "start, huge garp_count");
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let pid: u32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    sleep(Duration::from_millis(300));
    assert!(alive(pid), "the background sender runs");
    let rss_kib = rss_kib(pid);
    assert!(
        rss_kib < 16 * 1024,
        "the sender's memory is bounded: {rss_kib} KiB"
    );
    expect_code(bounded(&node, "stop", &p), 0, "stop");
    assert!(!alive(pid), "stop ended the sender");
    assert!(node.ns.find(VIP).is_empty());

    // Foreground, within a 3 s timeout (less its margin).
    let p = [
        ("ip", VIP),
        ("arp_count", huge),
        ("arp_bg", "false"),
        ("OCF_RESKEY_CRM_meta_timeout", "3000"),
    ];
    answers_within(&node, "start", &p, 0, Duration::from_secs(3));
    let p = [
        ("ip", VIP),
        ("arp_count_refresh", huge),
        ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ("OCF_RESKEY_CRM_meta_timeout", "2000"),
    ];
    answers_within(&node, "monitor", &p, 0, Duration::from_secs(2));
    expect_code(bounded(&node, "stop", &[("ip", VIP)]), 0, "stop");
}

/// A garp_targets list of 100 KB: start answers at once and warns that
/// only the first 256 are addressed.
fn huge_garp_targets_list() {
    let node = Node::with_base();
    // Just over 100 KB: one environment string may not exceed 128 KiB.
    let list: Vec<String> = (0..6_000)
        .map(|i| format!("192.0.2.{}", 2 + i % 250))
        .chain((0..3_000).map(|i| format!("198.51.100.{}", 1 + i % 250)))
        .collect();
    let list = list.join(",");
    assert!(list.len() > 100_000);
    let p = [
        ("ip", VIP),
        ("garp_targets", list.as_str()),
        ("arp_bg", "false"),
    ];
    let run: Run = node.run(&floatip(), "start", &p);
    run.expect(0);
    assert!(run.stderr.contains("only the first 256"), "{}", run.stderr);
    expect_code(bounded(&node, "stop", &[("ip", VIP)]), 0, "stop");
}

/// One interface with a Latin-1 name anywhere on the node made the dump
/// fail: monitor answered 1 and stop 1 with the VIP still configured.
/// Every action on a VIP elsewhere must work as if they were not there.
fn strings_of_other_interfaces_fail_no_action() {
    let node = Node::with_base();
    add_hostile_strings(&node);
    let agent = floatip();
    for params in [
        vec![("ip", VIP), ("cidr_netmask", "24"), ("nic", "eth0")],
        // Without nic, findif and the address search read every interface.
        vec![("ip", VIP)],
    ] {
        node.run(&agent, "validate-all", &params).expect(0);
        node.run(&agent, "monitor", &params).expect(7);
        node.run(&agent, "start", &params).expect(0);
        assert_eq!(copies_of(&node, VIP).len(), 1, "{params:?}");
        node.run(&agent, "monitor", &params).expect(0);
        node.run(&agent, "stop", &params).expect(0);
        assert!(
            copies_of(&node, VIP).is_empty(),
            "stop removed it: {params:?}"
        );
        node.run(&agent, "monitor", &params).expect(7);
    }
}

/// A VIP that someone else added with a label that is not UTF-8 is still
/// the resource: found by the probe, monitored, removed by stop.
fn a_vip_whose_own_label_is_not_utf8() {
    let node = Node::with_base();
    add_hostile_strings(&node);
    ip_bytes(
        &node,
        &[
            b"addr",
            b"add",
            b"192.0.2.10/24",
            b"dev",
            b"eth0",
            b"label",
            b"eth0:\xe9\x1b",
        ],
    );
    let agent = floatip();
    for params in [vec![("ip", VIP), ("nic", "eth0")], vec![("ip", VIP)]] {
        node.run(&agent, "monitor", &params).expect(0);
    }
    node.run(&agent, "stop", &[("ip", VIP)]).expect(0);
    assert!(copies_of(&node, VIP).is_empty(), "stop removed it");
    node.run(&agent, "monitor", &[("ip", VIP)]).expect(7);
}

/// Names and labels with ESC and invalid UTF-8 show as `\xNN` in text,
/// log lines and exit reasons; JSON stays valid, with the exact bytes in
/// hex beside the lossy string.
fn kernel_strings_are_printed_safely() {
    let node = Node::with_base();
    add_hostile_strings(&node);
    // The VIP on the interface named with ESC, with a label of its own.
    ip_bytes(&node, &[b"link", b"set", b"x\x1b[31m\xff", b"up"]);
    ip_bytes(&node, &[b"link", b"set", b"caf\xe9", b"up"]);
    ip_bytes(
        &node,
        &[
            b"addr",
            b"add",
            b"192.0.2.10/24",
            b"dev",
            b"x\x1b[31m\xff",
            b"label",
            b"x\x1b[31m\xff:\x07",
        ],
    );
    let agent = floatip();
    let show = node.agent(&agent, "show").args(["--ip", VIP]).run();
    show.expect(0);
    assert!(
        show.stdout
            .contains("x\\x1b[31m\\xff: 192.0.2.10/24 label x\\x1b[31m\\xff:\\x07"),
        "{}",
        show.stdout
    );
    let json = node
        .agent(&agent, "show")
        .args(["--ip", VIP, "--json"])
        .run();
    json.expect(0);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
    let copy = &value["configured"][0];
    assert_eq!(copy["interface_hex"], "781b5b33316dff");
    assert_eq!(copy["label_hex"], "781b5b33316dff3a07");
    assert_eq!(copy["link"]["name_hex"], "781b5b33316dff");
    assert!(copy["interface_index"].as_u64().is_some());
    // A log line naming the interface (stop without nic removes it there).
    let stop = node.run(&agent, "stop", &[("ip", VIP)]);
    stop.expect(0);
    assert!(copies_of(&node, VIP).is_empty());
    assert!(
        stop.stderr.contains("from device x\\x1b[31m\\xff"),
        "{}",
        stop.stderr
    );
    for out in [&show.stdout, &show.stderr, &stop.stderr] {
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{fffd}'),
            "a raw control byte or invalid UTF-8 was printed: {out:?}"
        );
    }
}

/// The bad forms every parameter must refuse.
fn bad_forms() -> Vec<String> {
    vec![
        " 5".into(),
        "5 ".into(),
        "x".repeat(100_000),
        "abc".into(),
        "-5".into(),
        "99999999999999".into(),
        "５".into(),
        "$(reboot)".into(),
        "../../etc".into(),
    ]
}

/// A parameter, the other parameters that make it matter, and the values
/// of `bad_forms` it legitimately accepts.
type Checked = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

const CHECKED: &[Checked] = &[
    ("ip", &[], &[]),
    ("nic", &[], &[]),
    ("cidr_netmask", &[], &[]),
    ("netmask", &[], &[]),
    ("broadcast", &[], &[]),
    ("iflabel", &[("nic", "eth0")], &["abc", "-5"]),
    ("arp_interval", &[], &[]),
    ("arp_count", &[], &[]),
    ("garp_count", &[], &[]),
    ("arp_count_refresh", &[], &[]),
    ("arp_sender", &[], &[]),
    ("send_arp_opts", &[], &[]),
    ("garp_mode", &[], &[]),
    ("garp_spacing", &[], &[]),
    ("garp_targets", &[], &[]),
    // Valid names of namespaces that do not exist are 5, not 6 (tested elsewhere).
    ("network_namespace", &[], &["abc", "-5", "99999999999999"]),
    ("preferred_lft", &[("ip", "2001:db8:1234::10")], &[]),
    (
        "lvs_ipv6_addrlabel_value",
        &[("ip", "2001:db8:1234::10"), ("lvs_ipv6_addrlabel", "true")],
        &[],
    ),
];

/// The action answers `code`, and inside `limit` (its timeout).
#[track_caller]
fn answers_within(node: &Node, action: &str, params: &[(&str, &str)], code: i32, limit: Duration) {
    let began = Instant::now();
    expect_code(bounded(node, action, params), code, action);
    let took = began.elapsed();
    assert!(
        took < limit,
        "{action} took {took:?}, past its timeout {limit:?}"
    );
}

fn rss_kib(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// `ip -n <ns> <args>` with arguments that may be any bytes.
fn ip_bytes(node: &Node, args: &[&[u8]]) {
    let status = Command::new("ip")
        .arg("-n")
        .arg(&node.ns.name)
        .args(args.iter().map(|a| OsStr::from_bytes(a)))
        .status()
        .expect("ip");
    assert!(status.success(), "ip {args:?}");
}

/// Interfaces whose strings are not UTF-8 or hold control bytes, in every
/// attribute the kernel lets them: a Latin-1 name, a name with ESC, an
/// alias with invalid bytes and control characters, an altname that is
/// not UTF-8, and (on another interface) an address label that is not.
fn add_hostile_strings(node: &Node) {
    ip_bytes(
        node,
        &[
            b"link",
            b"add",
            b"caf\xe9",
            b"type",
            b"veth",
            b"peer",
            b"name",
            b"x\x1b[31m\xff",
        ],
    );
    ip_bytes(
        node,
        &[b"link", b"set", b"caf\xe9", b"alias", b"al\xff\x01\n"],
    );
    ip_bytes(
        node,
        &[
            b"link",
            b"property",
            b"add",
            b"dev",
            b"eth1",
            b"altname",
            b"alt\xfe",
        ],
    );
    ip_bytes(node, &[b"link", b"set", b"eth1", b"alias", b"\xc3\x28\x07"]);
    ip_bytes(
        node,
        &[
            b"addr",
            b"add",
            b"198.51.100.1/24",
            b"dev",
            b"eth1",
            b"label",
            b"eth1:\xfa\x1b",
        ],
    );
}

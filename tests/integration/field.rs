//! Field networks: what real nodes and hostile neighbours do to floatip.
//! Each trial reproduces one variant of a class of the field-networks
//! issue (the README's hardening table names them) and checks what a
//! cluster would observe: exit codes, the kernel's addresses, what was
//! printed, what neighbours received.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

use libtest_mimic::Trial;

use crate::support::{floatip, Node};
use crate::trial;

const VIP: &str = "192.0.2.10";

pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "field::strings_of_other_interfaces_fail_no_action",
            strings_of_other_interfaces_fail_no_action,
        ),
        trial(
            "field::a_vip_whose_own_label_is_not_utf8",
            a_vip_whose_own_label_is_not_utf8,
        ),
        trial(
            "field::kernel_strings_are_printed_safely",
            kernel_strings_are_printed_safely,
        ),
    ]
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

/// How many copies of the VIP the kernel holds, counted from `ip -o`'s
/// text (its JSON is not valid with these names: it passes control bytes
/// through).
fn copies(node: &Node) -> Vec<String> {
    let out = Command::new("ip")
        .args(["-n", &node.ns.name, "-o", "addr", "show", "to", VIP])
        .output()
        .expect("ip");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
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
        assert_eq!(copies(&node).len(), 1, "{params:?}");
        node.run(&agent, "monitor", &params).expect(0);
        node.run(&agent, "stop", &params).expect(0);
        assert!(copies(&node).is_empty(), "stop removed it: {params:?}");
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
    assert!(copies(&node).is_empty(), "stop removed it");
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
    assert!(copies(&node).is_empty());
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

//! What operators see when they run floatip by hand: help that says what
//! the meta-data says, options spelt as people type them, and `show`.

use std::time::{Duration, Instant};

use libtest_mimic::Trial;
use serde_json::Value;

use crate::support::{floatip, Node, User};

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";

pub fn trials() -> Vec<Trial> {
    trials!("by_hand":
        help_says_what_the_meta_data_says,
        both_spellings_of_an_option,
        show_tells_address_link_and_sender,
        show_tells_the_kernel_flags,
    )
}

fn help_says_what_the_meta_data_says() {
    let node = Node::new();
    let help = node.agent(&floatip(), "start").args(["--help"]).run();
    help.expect(0);
    for expected in [
        "--cidr-netmask <VALUE>",
        "CIDR netmask (string)",
        "--garp-targets <VALUE>",
        "Directed announcements: gateway, neighbours, none or addresses (string, default gateway)",
        "Under Pacemaker: OCF_RESKEY_cidr_netmask (string).",
    ] {
        assert!(
            help.stdout.contains(expected),
            "{expected}:\n{}",
            help.stdout
        );
    }
    assert!(
        !help.stdout.contains("--cidr_netmask"),
        "help shows one spelling"
    );
    let top = node.agent(&floatip(), "--help").run();
    assert!(top.stdout.contains("show"), "{}", top.stdout);
}

fn both_spellings_of_an_option() {
    let node = Node::with_base();
    for (spelling, prefix) in [("--cidr-netmask", 25), ("--cidr_netmask", 26)] {
        let prefix_text = prefix.to_string();
        node.agent(&floatip(), "start")
            .args(["--ip", VIP, spelling, &prefix_text, "--arp-count", "1"])
            .run()
            .expect(0);
        assert_eq!(node.ns.find(VIP)[0].1.prefix_len, prefix, "{spelling}");
        node.agent(&floatip(), "stop")
            .args(["--ip", VIP])
            .run()
            .expect(0);
    }
}

fn show(node: &Node, args: &[&str], user: User) -> crate::support::Run {
    let run = node.agent(&floatip(), "show").args(args).user(user).run();
    run.expect(0);
    run
}

fn show_tells_address_link_and_sender() {
    let node = Node::with_base();
    // Rounds a second apart: the background sender is still there.
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("iflabel", "web"),
        ("garp_count", "20"),
        ("arp_interval", "1000"),
    ];
    node.run(&floatip(), "start", &params).expect(0);
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_owned();

    for user in [User::Root, User::Nobody] {
        let text = show(&node, &["--ip", VIP], user).stdout;
        assert!(
            text.starts_with(&format!("{VIP}: configured on eth0\n")),
            "{text}"
        );
        assert!(
            text.contains(&format!("eth0: {VIP}/24 brd 192.0.2.255 label eth0:web")),
            "{text}"
        );
        assert!(text.contains("link: up, carrier, operstate UP"), "{text}");
        assert!(
            text.contains(&format!("background sender: pid {pid}, started ")),
            "{user:?}: {text}"
        );
        assert!(text.contains("announcement(s) left"), "{text}");

        let json: Value =
            serde_json::from_str(&show(&node, &["--ip", VIP, "--json"], user).stdout).unwrap();
        let copy = &json["configured"][0];
        assert_eq!(copy["interface"], "eth0");
        assert_eq!(copy["prefix_len"], 24);
        assert_eq!(copy["label"], "eth0:web");
        assert_eq!(copy["link"]["up"], true);
        assert_eq!(json["sender"]["pid"].to_string(), pid);
        let left = json["sender"]["left"].as_u64().unwrap();
        assert!((1..=19).contains(&left), "{left}");
    }
    // A nic that is not where the address is, and one that does not exist.
    node.ns.ip(&["link", "set", "eth1", "down"]);
    let text = show(&node, &["--ip", VIP, "--nic", "eth1"], User::Root).stdout;
    assert!(text.contains("nic eth1: down"), "{text}");
    assert!(
        text.contains("the address is not configured there"),
        "{text}"
    );
    let text = show(&node, &["--ip", VIP, "--nic", "eth9"], User::Root).stdout;
    assert!(
        text.contains("nic eth9: no such interface on this node"),
        "{text}"
    );

    node.run(&floatip(), "stop", &params).expect(0);
    let text = show(&node, &["--ip", VIP], User::Root).stdout;
    assert_eq!(
        text,
        format!("{VIP}: not configured on this node\n  background sender: none\n")
    );
    let json: Value =
        serde_json::from_str(&show(&node, &["--ip", VIP, "--json"], User::Root).stdout).unwrap();
    assert_eq!(json["configured"], Value::Array(Vec::new()));
    assert_eq!(json["sender"], Value::Null);
    // Nothing changed: status still answers in IPaddr2's words.
    let status = node.run(&floatip(), "status", &[("ip", VIP)]);
    assert_eq!((status.code, status.stdout.as_str()), (7, "stopped\n"));
}

fn show_tells_the_kernel_flags() {
    let node = Node::new();
    node.ns
        .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
    node.run(
        &floatip(),
        "start",
        &[
            ("ip", V6),
            ("cidr_netmask", "64"),
            ("nodad", "true"),
            ("noprefixroute", "true"),
        ],
    )
    .expect(0);
    let json: Value =
        serde_json::from_str(&show(&node, &["--ip", V6, "--json"], User::Root).stdout).unwrap();
    let flags = json["configured"][0]["flags"].clone();
    assert_eq!(
        flags,
        serde_json::json!(["nodad", "noprefixroute"]),
        "{json}"
    );
    node.run(&floatip(), "stop", &[("ip", V6)]).expect(0);

    // The peer holds the address: the kernel's own DAD marks ours dadfailed.
    node.peer
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0", "nodad"]);
    node.ns
        .ip(&["addr", "add", &format!("{V6}/64"), "dev", "eth0"]);
    let began = Instant::now();
    loop {
        let text = show(&node, &["--ip", V6], User::Root).stdout;
        if text.contains("flags: dadfailed tentative") {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "never dadfailed: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

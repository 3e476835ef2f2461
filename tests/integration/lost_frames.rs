//! Frames the kernel does not send: a queue that takes none, a filter that
//! drops them, the link down, a send buffer that stays full, the interface
//! deleted mid-announcement. Each is a lost frame, counted and logged,
//! never a failed start or a sender that stops early; what neighbours
//! receive once the path opens is checked on a peer.

use std::fs;
use std::net::Ipv4Addr;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use libtest_mimic::Trial;

use crate::support::capture::{announcements, Capture};
use crate::support::*;

const VIP: &str = "192.0.2.10";

pub fn trials() -> Vec<Trial> {
    trials!("lost_frames":
        lost_frames_pfifo_limit_0,
        lost_frames_cls_bpf_drop,
        lost_frames_link_set_down,
        full_send_buffer_never_blocks_start,
        interface_deleted_mid_announcement,
    )
}

/// A zero-length queue: every frame answers ENOBUFS.
fn lost_frames_pfifo_limit_0() {
    lost_then_delivered(
        |node| {
            tc(
                node,
                &["qdisc", "add", "dev", "eth0", "root", "pfifo", "limit", "0"],
            )
        },
        |node| tc(node, &["qdisc", "del", "dev", "eth0", "root"]),
        false,
        "No buffer space available",
    );
}

/// A classifier that drops everything on egress (TC_ACT_SHOT): ENOBUFS.
fn lost_frames_cls_bpf_drop() {
    lost_then_delivered(
        |node| {
            tc(node, &["qdisc", "add", "dev", "eth0", "clsact"]);
            tc(
                node,
                &[
                    "filter",
                    "add",
                    "dev",
                    "eth0",
                    "egress",
                    "bpf",
                    "da",
                    "bytecode",
                    "1,6 0 0 2",
                ],
            );
        },
        |node| tc(node, &["qdisc", "del", "dev", "eth0", "clsact"]),
        false,
        "No buffer space available",
    );
}

/// The interface set down under a running sender: ENETDOWN (garp_window
/// 0, so no round waits for the carrier), then up again.
fn lost_frames_link_set_down() {
    lost_then_delivered(
        |node| {
            node.ns.ip(&["link", "set", "eth0", "down"]);
        },
        |node| {
            node.ns.ip(&["link", "set", "eth0", "up"]);
        },
        true,
        "Network is down",
    );
}

/// A slow qdisc (tbf at 8 bit/s) holds every frame, so the socket's send
/// buffer fills during the first rounds to 234 targets: a blocking send
/// would hold start (arp_bg=false: the rounds are in the foreground)
/// until Pacemaker kills it. Sends fail with EAGAIN instead, and start
/// answers 0 with the loss logged.
fn full_send_buffer_never_blocks_start() {
    let node = Node::with_base();
    let log = AgentLog::new();
    tc(
        &node,
        &[
            "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", "8bit", "burst", "1600", "limit",
            "3000000",
        ],
    );
    let targets: Vec<String> = (20..254).map(|i| format!("192.0.2.{i}")).collect();
    let targets = targets.join(" ");
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("arp_bg", "false"),
        ("garp_count", "3"),
        ("garp_window", "0"),
        ("garp_targets", &targets),
        ("HA_LOGFILE", log.path()),
    ];
    let began = Instant::now();
    let code = node
        .agent(&floatip(), "start")
        .params(&params)
        .quiet()
        .status_within(Duration::from_secs(15));
    assert_eq!(code, Some(0), "start returned (None: it blocked)");
    assert!(began.elapsed() < Duration::from_secs(10));
    let text = log.text();
    assert!(
        text.contains("could not be sent (Resource temporarily unavailable"),
        "{text}"
    );
    node.run(&floatip(), "stop", &params).expect(0);
}

/// The VIP's interface deleted while the sender announces: the send
/// answers ENXIO/ENODEV, the sender looks the address up, finds it gone
/// and stops at once instead of announcing on for the whole schedule.
fn interface_deleted_mid_announcement() {
    let node = Node::with_base();
    let log = AgentLog::new();
    let params = [
        ("ip", VIP),
        ("nic", "eth1"),
        ("cidr_netmask", "24"),
        ("garp_count", "50"),
        ("arp_interval", "100"),
        ("garp_spacing", "fixed"),
        ("garp_window", "0"),
        ("HA_LOGFILE", log.path()),
    ];
    node.run(&floatip(), "start", &params).expect(0);
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let pid: u32 = fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    node.ns.ip(&["link", "del", "eth1"]);
    let began = Instant::now();
    while alive(pid) && began.elapsed() < Duration::from_secs(3) {
        sleep(Duration::from_millis(20));
    }
    assert!(
        !alive(pid),
        "the sender stopped (its schedule had 5 s left)"
    );
    let text = log.text();
    assert!(
        text.contains("192.0.2.10 is no longer configured here: announcements stopped"),
        "{text}"
    );
    assert!(!pid_file.exists());
    node.run(&floatip(), "stop", &params).expect(0);
}

/// `tc` inside the node's namespace.
fn tc(node: &Node, args: &[&str]) {
    crate::support::lab::tc(&node.ns.name, args);
}

/// The agent's HA_LOGFILE, read back.
/// A start whose frames cannot leave for a while: `impose` before start
/// (the first round is lost) or right after it (`after_start`), `lift`
/// 400 ms later. The rounds after the lift must still reach the peer
/// (the background sender was started and kept its schedule), and the
/// log names the errno once and counts the lost frames at the end.
fn lost_then_delivered(impose: fn(&Node), lift: fn(&Node), after_start: bool, errno_text: &str) {
    let node = Node::with_base();
    let log = AgentLog::new();
    let capture = Capture::start(&node.peer, "eth0", "arp");
    if !after_start {
        impose(&node);
    }
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("garp_window", "0"),
        ("HA_LOGFILE", log.path()),
    ];
    node.run(&floatip(), "start", &params).expect(0);
    if after_start {
        impose(&node);
    }
    sleep(Duration::from_millis(400));
    lift(&node);
    let lifted = SystemTime::now();
    // The schedule's last rounds leave at 750 and 1500 ms.
    sleep(Duration::from_millis(1600));
    node.run(&floatip(), "stop", &params).expect(0);
    let frames = capture.finish();
    let heard = announcements(&frames, VIP.parse::<Ipv4Addr>().unwrap());
    assert!(
        heard.iter().any(|(at, _)| *at >= lifted),
        "rounds after the loss reached the peer: {heard:?}\n{}",
        log.text()
    );
    let text = log.text();
    assert!(
        text.contains(&format!("could not be sent ({errno_text}")),
        "the first loss is logged with its errno:\n{text}"
    );
    assert!(
        text.contains("frame(s) announcing 192.0.2.10 could not be sent (first: "),
        "the count when the announcement ends:\n{text}"
    );
    assert!(!text.contains("Could not send gratuitous arps"), "{text}");
}

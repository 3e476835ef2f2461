//! Gratuitous ARP, observed the way a neighbour sees it: decoded captures
//! on a peer, and the peer's own neighbour table.

use std::net::Ipv4Addr;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use libtest_mimic::Trial;

use crate::support::capture::{announcements, parse_mac, Capture, REPLY, REQUEST};
use crate::support::{alive, floatip, Lan, Node, STOCK_AGENT};

const VIP: &str = "192.0.2.10";
const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const BROADCAST: [u8; 6] = [0xff; 6];

pub fn trials() -> Vec<Trial> {
    trials!("garp":
        start_sends_send_arp_frames_on_the_backoff_schedule,
        modes_and_fixed_spacing,
        foreground_when_arp_bg_is_false,
        nothing_on_loopback,
        refresh_rounds_on_monitor,
        failover_between_three_hosts,
        stop_ends_the_sender_first,
        stale_or_garbage_pid_file_is_never_obeyed,
        stop_ends_a_stock_send_arp,
        operator_command,
    )
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn since(a: SystemTime, b: SystemTime) -> Duration {
    b.duration_since(a).unwrap_or_default()
}

fn start_sends_send_arp_frames_on_the_backoff_schedule() {
    let node = Node::with_base();
    let mac = parse_mac(&node.ns.mac("eth0"));
    let capture = Capture::start(&node.peer, "eth0", "arp");
    node.run(&floatip(), "start", &[("ip", VIP), ("garp_count", "4")])
        .expect(0);
    let returned = SystemTime::now();
    sleep(Duration::from_millis(1100));
    let frames = announcements(&capture.finish(), VIP4);
    assert_eq!(frames.len(), 8, "4 rounds of request + reply: {frames:#?}");
    for (round, pair) in frames.chunks(2).enumerate() {
        let (request, reply) = (&pair[0].1, &pair[1].1);
        assert_eq!(
            request.operation, REQUEST,
            "round {round} starts with the request"
        );
        assert_eq!(request.target_mac, [0; 6]);
        assert_eq!(reply.operation, REPLY);
        assert_eq!(
            reply.target_mac, mac,
            "a reply's target MAC is the sender's"
        );
        for arp in [request, reply] {
            assert_eq!(arp.eth_destination, BROADCAST);
            assert_eq!(arp.eth_source, mac);
            assert_eq!(arp.sender_mac, mac);
            assert_eq!((arp.sender_ip, arp.target_ip), (VIP4, VIP4));
        }
    }
    let first = frames[0].0;
    assert!(
        first <= returned,
        "the first round leaves before start returns"
    );
    // Rounds at 0, 100, 320, 750 ms: generous tolerance, order and rough gaps.
    let offsets: Vec<f64> = frames
        .iter()
        .step_by(2)
        .map(|(t, _)| ms(since(first, *t)))
        .collect();
    for (got, want) in offsets.iter().zip([0.0, 100.0, 320.0, 750.0]) {
        assert!((got - want).abs() <= 60.0, "round offsets {offsets:?}");
    }
}

fn modes_and_fixed_spacing() {
    let node = Node::with_base();
    let run = |params: &[(&str, &str)], wait_ms: u64| {
        let capture = Capture::start(&node.peer, "eth0", "arp");
        let mut p = vec![("ip", VIP)];
        p.extend_from_slice(params);
        node.run(&floatip(), "start", &p).expect(0);
        sleep(Duration::from_millis(wait_ms));
        let frames = announcements(&capture.finish(), VIP4);
        node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
        frames
    };
    let replies = run(&[("garp_count", "2"), ("garp_mode", "reply")], 300);
    assert_eq!(
        replies.iter().map(|(_, a)| a.operation).collect::<Vec<_>>(),
        vec![REPLY, REPLY]
    );
    let requests = run(&[("arp_count", "3"), ("send_arp_opts", "-U")], 500);
    assert_eq!(
        requests
            .iter()
            .map(|(_, a)| a.operation)
            .collect::<Vec<_>>(),
        vec![REQUEST; 3]
    );
    let fixed = run(
        &[
            ("garp_count", "2"),
            ("garp_spacing", "fixed"),
            ("arp_interval", "200"),
        ],
        600,
    );
    let ops: Vec<u16> = fixed.iter().map(|(_, a)| a.operation).collect();
    assert_eq!(ops, vec![REQUEST, REPLY, REQUEST, REPLY]);
    let first = fixed[0].0;
    for (i, (t, _)) in fixed.iter().enumerate() {
        let want = 100.0 * i as f64;
        let got = ms(since(first, *t));
        assert!(
            (got - want).abs() <= 50.0,
            "fixed cadence: frame {i} at {got} ms"
        );
    }
}

fn foreground_when_arp_bg_is_false() {
    let node = Node::with_base();
    let capture = Capture::start(&node.peer, "eth0", "arp");
    let began = Instant::now();
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("garp_count", "3"), ("arp_bg", "false")],
    )
    .expect(0);
    let took = began.elapsed();
    let returned = SystemTime::now();
    sleep(Duration::from_millis(200));
    let frames = announcements(&capture.finish(), VIP4);
    assert_eq!(frames.len(), 6);
    assert!(
        frames.iter().all(|(t, _)| *t <= returned),
        "every round before start returned"
    );
    assert!(
        took >= Duration::from_millis(300),
        "start waited for the rounds ({took:?})"
    );
    assert!(node.ns.pids().is_empty(), "no background sender");
}

fn nothing_on_loopback() {
    let node = Node::new();
    let capture = Capture::start(&node.ns, "lo", "arp");
    let run = node.run(&floatip(), "start", &[("ip", "127.0.0.3")]);
    run.expect(0);
    sleep(Duration::from_millis(150));
    assert!(capture.finish().is_empty(), "no ARP on lo");
    assert!(node.ns.pids().is_empty());
}

fn refresh_rounds_on_monitor() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &[("ip", VIP), ("garp_count", "1")])
        .expect(0);
    let capture = Capture::start(&node.peer, "eth0", "arp");
    node.run(
        &floatip(),
        "monitor",
        &[
            ("ip", VIP),
            ("arp_count_refresh", "2"),
            ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ],
    )
    .expect(0);
    let returned = SystemTime::now();
    sleep(Duration::from_millis(100));
    let frames = announcements(&capture.finish(), VIP4);
    assert_eq!(frames.len(), 4, "two refresh rounds: {frames:?}");
    assert!(
        frames.iter().all(|(t, _)| *t <= returned),
        "in the foreground"
    );
}

/// Hosts A and B and a client C on one bridge: the VIP moves from A to B and
/// C's neighbour entry follows; nothing for the VIP leaves A after its stop.
fn failover_between_three_hosts() {
    let lan = Lan::new(&[1, 2, 3]);
    let (a, b, c) = (0, 1, 2);
    let mac_a = lan.hosts[a].mac("eth0");
    let mac_b = lan.hosts[b].mac("eth0");
    lan.run(a, &floatip(), "start", &[("ip", VIP)]).expect(0);
    lan.hosts[c].ip(&["neigh", "flush", "all"]);
    assert!(lan.hosts[c].ping(VIP), "the client reaches the VIP on A");
    assert_eq!(
        lan.hosts[c].neighbour_mac(VIP).as_deref(),
        Some(mac_a.as_str())
    );

    let capture_a = Capture::start(&lan.hosts[a], "eth0", "arp");
    lan.run(a, &floatip(), "stop", &[("ip", VIP)]).expect(0);
    let a_stopped = SystemTime::now();
    let left: Vec<u32> = lan.hosts[a]
        .pids()
        .into_iter()
        .filter(|pid| alive(*pid) && comm(*pid) != "tcpdump")
        .collect();
    assert!(left.is_empty(), "no sender survives stop: {left:?}");
    let began = Instant::now();
    lan.run(b, &floatip(), "start", &[("ip", VIP)]).expect(0);
    let flipped = loop {
        if lan.hosts[c].neighbour_mac(VIP).as_deref() == Some(mac_b.as_str()) {
            break Some(began.elapsed());
        }
        if began.elapsed() > Duration::from_secs(3) {
            break None;
        }
        sleep(Duration::from_millis(5));
    };
    assert!(
        flipped.is_some(),
        "the client's entry never moved to B's MAC"
    );
    sleep(Duration::from_millis(1700));
    let from_a: Vec<_> = announcements(&capture_a.finish(), VIP4)
        .into_iter()
        .filter(|(t, arp)| arp.eth_source == parse_mac(&mac_a) && *t > a_stopped)
        .collect();
    assert!(
        from_a.is_empty(),
        "A announced the VIP after its stop: {from_a:?}"
    );
    assert_eq!(
        lan.hosts[c].neighbour_mac(VIP).as_deref(),
        Some(mac_b.as_str()),
        "and stays on B"
    );
}

fn stop_ends_the_sender_first() {
    let node = Node::with_base();
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    node.run(&floatip(), "start", &[("ip", VIP), ("garp_count", "9")])
        .expect(0);
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .expect("pid file written before start returns")
        .trim()
        .parse()
        .unwrap();
    assert!(
        node.ns.pids().contains(&pid),
        "the sender runs in the VIP's namespace"
    );
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status.contains("PPid:\t1\n")
            || !status.contains(&format!("PPid:\t{}\n", std::process::id())),
        "detached"
    );
    // stdio on /dev/null; then its packet socket, netlink, and the pipe of
    // the socket's keeper: nothing of the agent's caller.
    let mut held: Vec<(u32, String)> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let target = std::fs::read_link(e.path()).unwrap().display().to_string();
            (e.file_name().to_string_lossy().parse().unwrap(), target)
        })
        .collect();
    held.sort();
    for (fd, target) in &held[..3] {
        assert_eq!(target, "/dev/null", "fd {fd}: {held:?}");
    }
    let mut kinds: Vec<&str> = held[3..]
        .iter()
        .map(|(_, t)| t.split(':').next().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, vec!["pipe", "socket", "socket"], "{held:?}");
    let capture = Capture::start(&node.peer, "eth0", "arp");
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    let stopped = SystemTime::now();
    assert!(!alive(pid), "sender ended by stop");
    assert!(!pid_file.exists());
    sleep(Duration::from_millis(1600));
    let late: Vec<_> = announcements(&capture.finish(), VIP4)
        .into_iter()
        .filter(|(t, _)| *t > stopped)
        .collect();
    assert!(late.is_empty(), "{late:?}");
}

fn stale_or_garbage_pid_file_is_never_obeyed() {
    let node = Node::with_base();
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let mut bystander = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    std::fs::write(&pid_file, format!("{}\n", bystander.id())).unwrap();
    node.run(&floatip(), "start", &[("ip", VIP), ("garp_count", "1")])
        .expect(0);
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    assert!(
        bystander.try_wait().unwrap().is_none(),
        "an unrelated process named by the pid file stays alive"
    );
    assert!(!pid_file.exists());
    bystander.kill().unwrap();
    bystander.wait().unwrap();
    std::fs::write(&pid_file, "not a pid\n").unwrap();
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    assert!(!pid_file.exists(), "garbage is cleaned up");
    std::fs::write(&pid_file, "4194300\n").unwrap();
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    assert!(!pid_file.exists(), "a stale pid is cleaned up");
}

/// A cluster switching agents: the stock IPaddr2 started the VIP and its
/// send_arp is still running; floatip's stop ends it before removing.
fn stop_ends_a_stock_send_arp() {
    let node = Node::with_base();
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    // Its background send_arp keeps the agent's stdout open until it ends,
    // so the agent runs with stdio on /dev/null here (as floatip's sender
    // arranges by itself).
    assert_eq!(
        node.run_quietly(
            std::path::Path::new(STOCK_AGENT),
            "start",
            &[("ip", VIP), ("arp_count", "40")]
        ),
        0
    );
    let began = Instant::now();
    while !pid_file.exists() && began.elapsed() < Duration::from_secs(3) {
        sleep(Duration::from_millis(10));
    }
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .expect("send_arp's pid file")
        .trim()
        .parse()
        .unwrap();
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    assert!(exe.ends_with("send_arp"), "{exe:?}");
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    assert!(!alive(pid), "stock send_arp ended");
    assert!(node.ns.find(VIP).is_empty());
}

fn operator_command() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &[("ip", VIP), ("garp_count", "1")])
        .expect(0);
    let capture = Capture::start(&node.peer, "eth0", "arp");
    let output = std::process::Command::new("ip")
        .args(["netns", "exec", &node.ns.name])
        .arg(floatip())
        .args([
            "garp",
            "--nic",
            "eth0",
            "--ip",
            VIP,
            "--count",
            "2",
            "--interval",
            "100",
            "--mode",
            "reply",
        ])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let frames = announcements(&capture.finish(), VIP4);
    assert_eq!(
        frames.iter().map(|(_, a)| a.operation).collect::<Vec<_>>(),
        vec![REPLY, REPLY]
    );
    // An address this node does not hold is never announced.
    let refused = std::process::Command::new("ip")
        .args(["netns", "exec", &node.ns.name])
        .arg(floatip())
        .args(["garp", "--nic", "eth0", "--ip", "192.0.2.99"])
        .env_clear()
        .output()
        .unwrap();
    assert_ne!(refused.status.code(), Some(0));
}

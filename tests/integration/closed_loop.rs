//! Closed-loop announcements (garp_window): what the neighbours and the
//! wire show when targets answer, when they do not, when the path opens
//! late, when the carrier comes back, and after stop; and the
//! self-healing monitor (OCF_CHECK_LEVEL 10).
//!
//! The LAN: A and B (the VIP's nodes), GW (their default gateway, the
//! garp_targets default), D (a client that is not a target). Frames are
//! captured on the switch's ports; losses are classic-BPF tc filters there.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use libtest_mimic::Trial;

use crate::support::capture::{announcements, parse_mac, Capture, Frame, REQUEST};
use crate::support::lab::{self, drop_from};
use crate::support::{floatip, AgentLog, Lan};

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";
const SILENT: &str = "192.0.2.99";
const SILENT6: &str = "2001:db8:1234::99";
const A: usize = 0;
const B: usize = 1;
const GW: usize = 2;
const D: usize = 3;

pub fn trials() -> Vec<Trial> {
    trials!("closed_loop":
        answered_targets_add_nothing,
        window_ends_the_extension,
        path_opening_sends_one_full_round,
        carrier_return_sends_a_round,
        stop_silences_the_extension,
        arp_bg_false_detaches_only_the_extension,
        ipv6_acks_and_extension,
        no_target_is_open_loop,
        window_zero_is_open_loop,
        monitor_level_10_heals_a_stale_gateway,
        garp_by_hand_reports_answers,
    )
}

/// A, B, GW and D; A and B route through GW (IPv4, and IPv6 with `ipv6`).
fn lan(ipv6: bool) -> Lan {
    let lan = Lan::new(&[1, 2, 3, 4]);
    if ipv6 {
        lan.add_ipv6();
    }
    for host in [A, B] {
        lan.hosts[host].ip(&["route", "add", "default", "via", "192.0.2.3"]);
        if ipv6 {
            lan.hosts[host].ip(&["-6", "route", "add", "default", "via", "2001:db8:1234::3"]);
        }
    }
    lan
}

/// The switch port of host `i`.
fn port(i: usize) -> String {
    format!("p{i}")
}

/// An agent log (HA_LOGFILE) that the detached sender writes too.
fn run(lan: &Lan, host: usize, action: &str, params: &[(&str, &str)], log: &AgentLog) -> i32 {
    lan.agent(host, &floatip(), action)
        .params(params)
        .env("HA_LOGFILE", log.path())
        .quiet()
        .status()
}

fn pid_file(lan: &Lan, host: usize, vip: &str) -> PathBuf {
    lan.rsctmp[host].path().join(format!("send_arp-{vip}"))
}

/// Waits up to `wait` for the sender of `vip` on `host` to be gone.
fn sender_gone_within(lan: &Lan, host: usize, vip: &str, wait: Duration) -> bool {
    let began = Instant::now();
    while began.elapsed() < wait {
        if !pid_file(lan, host, vip).exists() {
            return true;
        }
        sleep(Duration::from_millis(20));
    }
    !pid_file(lan, host, vip).exists()
}

fn vip4() -> Ipv4Addr {
    VIP.parse().unwrap()
}

/// B's ARP frames for the VIP: (time, directed to this neighbour?) pairs.
fn from_b(frames: &[Frame], lan: &Lan) -> Vec<(SystemTime, crate::support::capture::Arp)> {
    let mac_b = parse_mac(&lan.hosts[B].mac("eth0"));
    announcements(frames, vip4())
        .into_iter()
        .filter(|(_, a)| a.sender_mac == mac_b)
        .collect()
}

fn directed_to(frames: &[(SystemTime, crate::support::capture::Arp)], ip: &str) -> usize {
    let ip: Ipv4Addr = ip.parse().unwrap();
    frames
        .iter()
        .filter(|(_, a)| a.operation == REQUEST && a.target_ip == ip)
        .count()
}

fn gratuitous(frames: &[(SystemTime, crate::support::capture::Arp)]) -> usize {
    frames.iter().filter(|(_, a)| a.target_ip == vip4()).count()
}

/// Moves the VIP from A to B's side of things: A held it and GW and D
/// talked to it there, so both map it to A.
fn held_by_a_then_stopped(lan: &Lan, params: &[(&str, &str)], vip: &str, log: &AgentLog) {
    assert_eq!(run(lan, A, "start", params, log), 0);
    assert!(lan.hosts[GW].ping(vip), "GW reaches the VIP on A");
    assert!(lan.hosts[D].ping(vip), "D reaches the VIP on A");
    let mac_a = lan.hosts[A].mac("eth0");
    for host in [GW, D] {
        assert_eq!(
            lan.hosts[host].neighbour_mac(vip).as_deref(),
            Some(mac_a.as_str())
        );
    }
    assert_eq!(run(lan, A, "stop", params, log), 0);
}

fn answered_targets_add_nothing() {
    let lan = lan(false);
    let log = AgentLog::new();
    let params = [("ip", VIP), ("cidr_netmask", "24")];
    let capture = Capture::start(lan.switch(), &port(B), "arp");
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    // The five rounds end at 1.5 s; a sender still asking would live on.
    assert!(
        sender_gone_within(&lan, B, VIP, Duration::from_secs(3)),
        "the sender ends with the rounds when every target answered"
    );
    let frames = from_b(&capture.finish(), &lan);
    assert_eq!(
        directed_to(&frames, "192.0.2.3"),
        5,
        "one request per round"
    );
    assert_eq!(
        gratuitous(&frames),
        10,
        "two forms per round, nothing extra"
    );
    let text = log.text();
    assert!(
        text.contains("192.0.2.3 acknowledged 192.0.2.10: it answered after"),
        "{text}"
    );
    assert_eq!(text.matches("192.0.2.3 acknowledged").count(), 1, "once");
    assert!(!text.contains("never answered"), "{text}");
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

fn window_ends_the_extension() {
    let lan = lan(false);
    let log = AgentLog::new();
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("garp_targets", SILENT),
        ("garp_count", "2"),
        ("garp_window", "2"),
    ];
    let capture = Capture::start(lan.switch(), &port(B), "arp");
    let started = SystemTime::now();
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    sleep(Duration::from_secs(1));
    assert!(
        pid_file(&lan, B, VIP).exists(),
        "past the rounds (100 ms) the sender still asks the silent target"
    );
    assert!(sender_gone_within(&lan, B, VIP, Duration::from_secs(3)));
    sleep(Duration::from_millis(400));
    let frames = from_b(&capture.finish(), &lan);
    let late = |after: Duration| {
        frames
            .iter()
            .filter(|(t, a)| a.target_ip.to_string() == SILENT && *t > started + after)
            .count()
    };
    assert!(
        late(Duration::from_millis(500)) >= 5,
        "repeats after the rounds"
    );
    assert_eq!(
        late(Duration::from_millis(2300)),
        0,
        "none after the window"
    );
    assert_eq!(gratuitous(&frames), 4, "no broadcast without an answer");
    let text = log.text();
    assert!(
        text.contains("WARNING: 192.0.2.99 never answered: it may still send to the old node"),
        "{text}"
    );
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

/// Classic BPF, direct action: drop every frame of `ethertype` whose
/// source MAC is `mac`.
fn tc(lan: &Lan, args: &[&str]) {
    lab::tc(&lan.switch_name(), args);
}

fn path_opening_sends_one_full_round() {
    let lan = lan(false);
    let log = AgentLog::new();
    let params = [("ip", VIP), ("cidr_netmask", "24")];
    held_by_a_then_stopped(&lan, &params, VIP, &log);
    // Everything B sends as ARP is lost for 2.5 s: past the five rounds.
    let p = port(B);
    tc(&lan, &["qdisc", "add", "dev", &p, "clsact"]);
    let filter = drop_from(&lan.hosts[B].mac("eth0"), 0x0806);
    tc(
        &lan,
        &[
            "filter", "add", "dev", &p, "ingress", "bpf", "da", "bytecode", &filter,
        ],
    );
    let capture = Capture::start(lan.switch(), &port(D), "arp");
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    sleep(Duration::from_millis(2500));
    let mac_b = lan.hosts[B].mac("eth0");
    for host in [GW, D] {
        assert_ne!(
            lan.hosts[host].neighbour_mac(VIP).as_deref(),
            Some(mac_b.as_str()),
            "nothing reached anyone during the loss"
        );
    }
    let lifted = SystemTime::now();
    tc(&lan, &["filter", "del", "dev", &p, "ingress"]);
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(1)
        && [GW, D]
            .iter()
            .any(|h| lan.hosts[*h].neighbour_mac(VIP).as_deref() != Some(mac_b.as_str()))
    {
        sleep(Duration::from_millis(10));
    }
    sleep(Duration::from_millis(100));
    for host in [GW, D] {
        assert_eq!(
            lan.hosts[host].neighbour_mac(VIP).as_deref(),
            Some(mac_b.as_str()),
            "host {host} follows B once the path opens"
        );
    }
    let frames = from_b(&capture.finish(), &lan);
    let broadcast_after_lift = frames
        .iter()
        .filter(|(t, a)| *t > lifted && a.target_ip == vip4())
        .count();
    assert_eq!(
        broadcast_after_lift, 2,
        "one full round (both forms) reached D"
    );
    let text = log.text();
    assert!(
        text.contains("The path to 192.0.2.3 opened after"),
        "{text}"
    );
    assert!(sender_gone_within(&lan, B, VIP, Duration::from_secs(2)));
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

fn carrier_return_sends_a_round() {
    let lan = lan(false);
    let log = AgentLog::new();
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("garp_targets", "none"),
        ("garp_count", "3"),
    ];
    // B's port down: B's eth0 has no carrier while the rounds are due.
    lan.switch().ip(&["link", "set", &port(B), "down"]);
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    sleep(Duration::from_secs(1));
    assert!(
        pid_file(&lan, B, VIP).exists(),
        "the sender waits for the carrier"
    );
    let capture = Capture::start(lan.switch(), &port(D), "arp");
    let up = SystemTime::now();
    lan.switch().ip(&["link", "set", &port(B), "up"]);
    assert!(sender_gone_within(&lan, B, VIP, Duration::from_secs(3)));
    sleep(Duration::from_millis(100));
    let frames = from_b(&capture.finish(), &lan);
    let after_up = frames.iter().filter(|(t, _)| *t > up).count();
    assert!(
        after_up >= 2,
        "a round reached D once the carrier was back: {after_up} frame(s)"
    );
    let text = log.text();
    assert!(text.contains("eth0 has no carrier"), "{text}");
    assert!(text.contains("eth0 has carrier again after"), "{text}");
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

fn stop_silences_the_extension() {
    let lan = lan(false);
    let log = AgentLog::new();
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("garp_targets", SILENT),
        ("garp_count", "1"),
    ];
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    sleep(Duration::from_millis(600));
    assert!(pid_file(&lan, B, VIP).exists(), "the extension runs");
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
    let capture = Capture::start(lan.switch(), &port(B), "arp");
    sleep(Duration::from_millis(600));
    let frames = from_b(&capture.finish(), &lan);
    assert!(frames.is_empty(), "nothing after stop: {frames:?}");
    assert!(!pid_file(&lan, B, VIP).exists());
    assert!(
        lan.hosts[B].pids().is_empty(),
        "no process left in B: {:?}",
        lan.hosts[B].pids()
    );
}

fn arp_bg_false_detaches_only_the_extension() {
    let lan = lan(false);
    let log = AgentLog::new();
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("garp_targets", SILENT),
        ("garp_count", "3"),
        ("arp_bg", "false"),
        ("garp_window", "3"),
    ];
    let capture = Capture::start(lan.switch(), &port(B), "arp");
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    let returned = SystemTime::now();
    assert!(
        pid_file(&lan, B, VIP).exists(),
        "start returned after its rounds; the extension goes on detached"
    );
    assert!(sender_gone_within(&lan, B, VIP, Duration::from_secs(4)));
    let frames = from_b(&capture.finish(), &lan);
    let before: Vec<_> = frames.iter().filter(|(t, _)| *t <= returned).collect();
    let after: Vec<_> = frames.iter().filter(|(t, _)| *t > returned).collect();
    assert_eq!(
        before.iter().filter(|(_, a)| a.target_ip == vip4()).count(),
        6,
        "the three rounds in the foreground"
    );
    assert!(after.len() >= 5, "directed repeats after start returned");
    assert!(after.iter().all(|(_, a)| a.target_ip.to_string() == SILENT));
    assert!(log.text().contains("192.0.2.99 never answered"));
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

fn ipv6_acks_and_extension() {
    let lan = lan(true);
    let log = AgentLog::new();
    let params = [("ip", V6), ("cidr_netmask", "64")];
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    // arp_bg defaults to false for IPv6: the rounds ran in start, and the
    // gateway answered them, so nothing is left to do in the background.
    assert!(sender_gone_within(&lan, B, V6, Duration::from_millis(500)));
    let text = log.text();
    assert!(
        text.contains("2001:db8:1234::3 acknowledged 2001:db8:1234::10"),
        "{text}"
    );
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);

    let log = AgentLog::new();
    let params = [
        ("ip", V6),
        ("cidr_netmask", "64"),
        ("garp_targets", SILENT6),
        ("garp_count", "2"),
        ("garp_window", "2"),
    ];
    let capture = Capture::start(lan.switch(), &port(B), "icmp6");
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    let returned = SystemTime::now();
    assert!(
        pid_file(&lan, B, V6).exists(),
        "the extension runs detached"
    );
    assert!(sender_gone_within(&lan, B, V6, Duration::from_secs(3)));
    let silent: Ipv6Addr = SILENT6.parse().unwrap();
    let asked = capture
        .finish()
        .iter()
        .filter(|f| f.time > returned)
        .filter_map(|f| f.ndp())
        .filter(|m| m.icmp_type == 135 && m.target == silent)
        .count();
    assert!(asked >= 5, "solicitations repeated: {asked}");
    assert!(log
        .text()
        .contains("2001:db8:1234::99 never answered: it may still send to the old node"));
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

fn no_target_is_open_loop() {
    // No default route: no gateway to address.
    let lan = Lan::new(&[1, 2, 3, 4]);
    let log = AgentLog::new();
    let params = [("ip", VIP), ("cidr_netmask", "24")];
    let capture = Capture::start(lan.switch(), &port(B), "arp");
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    assert!(sender_gone_within(&lan, B, VIP, Duration::from_secs(3)));
    let frames = from_b(&capture.finish(), &lan);
    assert_eq!(gratuitous(&frames), 10);
    assert_eq!(frames.len(), 10, "nothing but the rounds");
    let text = log.text();
    assert!(
        text.contains("No garp_targets on eth0: announcing 192.0.2.10 open-loop"),
        "{text}"
    );
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

fn window_zero_is_open_loop() {
    let lan = lan(false);
    let log = AgentLog::new();
    let params = [
        ("ip", VIP),
        ("cidr_netmask", "24"),
        ("garp_targets", SILENT),
        ("garp_window", "0"),
        ("garp_count", "2"),
    ];
    let capture = Capture::start(lan.switch(), &port(B), "arp");
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    assert!(sender_gone_within(&lan, B, VIP, Duration::from_secs(1)));
    let frames = from_b(&capture.finish(), &lan);
    assert_eq!(directed_to(&frames, SILENT), 2, "the rounds' requests only");
    assert!(!log.text().contains("never answered"));
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

fn monitor(lan: &Lan, params: &[(&str, &str)], log: &AgentLog) -> i32 {
    lan.agent(B, &floatip(), "monitor")
        .params(params)
        .env("HA_LOGFILE", log.path())
        .env("OCF_CHECK_LEVEL", "10")
        .env("OCF_RESKEY_CRM_meta_interval", "10000")
        .quiet()
        .status()
}

fn monitor_level_10_heals_a_stale_gateway() {
    let lan = lan(true);
    for (vip, prefix) in [(VIP, "24"), (V6, "64")] {
        let log = AgentLog::new();
        let params = [("ip", vip), ("cidr_netmask", prefix), ("nodad", "true")];
        assert_eq!(run(&lan, B, "start", &params, &log), 0);
        assert!(sender_gone_within(&lan, B, vip, Duration::from_secs(3)));
        // The gateway goes back to the old node's MAC, as if it had missed
        // every announcement.
        let mac_a = lan.hosts[A].mac("eth0");
        let mac_b = lan.hosts[B].mac("eth0");
        let family = if vip.contains(':') { "-6" } else { "-4" };
        lan.hosts[GW].ip(&[
            family, "neigh", "replace", vip, "lladdr", &mac_a, "dev", "eth0", "nud", "stale",
        ]);
        // And B knows the gateway, so that its kernel does not ask for it
        // from the VIP (which would correct the gateway by itself).
        let gateway = if vip.contains(':') {
            "2001:db8:1234::3"
        } else {
            "192.0.2.3"
        };
        let mac_gw = lan.hosts[GW].mac("eth0");
        lan.hosts[B].ip(&[
            family,
            "neigh",
            "replace",
            gateway,
            "lladdr",
            &mac_gw,
            "dev",
            "eth0",
            "nud",
            "reachable",
        ]);
        assert_eq!(monitor(&lan, &params, &log), 0, "never a failure");
        assert_eq!(
            lan.hosts[GW].neighbour_mac(vip).as_deref(),
            Some(mac_b.as_str()),
            "the monitor's round moved the gateway back to B"
        );
        let text = log.text();
        assert!(
            text.contains(&format!("of {vip} did not answer an echo request"))
                && text.contains("announcing"),
            "{text}"
        );
        // Healthy: the gateway answers, nothing is announced.
        let filter = if vip.contains(':') { "icmp6" } else { "arp" };
        let capture = Capture::start(lan.switch(), &port(B), filter);
        let quiet = AgentLog::new();
        assert_eq!(monitor(&lan, &params, &quiet), 0);
        let announced = capture
            .finish()
            .iter()
            .filter(|f| {
                f.arp().is_some_and(|a| a.sender_ip.to_string() == vip)
                    || f.ndp().is_some_and(|m| {
                        m.icmp_type == 136 && m.target.to_string() == vip && !m.solicited
                    })
            })
            .count();
        assert_eq!(announced, 0, "a healthy monitor announces nothing");
        assert!(!quiet.text().contains("did not answer"), "{}", quiet.text());
        assert_eq!(run(&lan, B, "stop", &params, &log), 0);
    }
}

fn garp_by_hand_reports_answers() {
    let lan = lan(false);
    let log = AgentLog::new();
    assert_eq!(
        run(
            &lan,
            B,
            "start",
            &[("ip", VIP), ("cidr_netmask", "24")],
            &log
        ),
        0
    );
    assert!(sender_gone_within(&lan, B, VIP, Duration::from_secs(3)));
    let by_hand = lan
        .agent(B, &floatip(), "garp")
        .args([
            "--nic",
            "eth0",
            "--ip",
            VIP,
            "--count",
            "1",
            "--targets",
            &format!("192.0.2.3,{SILENT}"),
            "--window",
            "1",
        ])
        .run();
    assert_eq!(by_hand.code, 0, "{}", by_hand.stderr);
    assert!(
        by_hand.stderr.contains("192.0.2.3 acknowledged 192.0.2.10"),
        "{}",
        by_hand.stderr
    );
    assert!(
        by_hand
            .stderr
            .contains("192.0.2.99 never answered: it may still send to the old node"),
        "{}",
        by_hand.stderr
    );
    assert_eq!(
        run(
            &lan,
            B,
            "stop",
            &[("ip", VIP), ("cidr_netmask", "24")],
            &log
        ),
        0
    );
}

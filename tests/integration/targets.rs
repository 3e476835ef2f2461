//! Directed announcements (garp_targets) for neighbours that ignore
//! gratuitous ARP and unsolicited advertisements: here a gateway with
//! drop_gratuitous_arp=1 (IPv4) or drop_unsolicited_na=1 (IPv6) that B
//! reaches through a real default route, side by side with the stock agent.

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use crate::support::capture::{parse_mac, Capture, REQUEST};
use crate::support::{floatip, Lan, STOCK_AGENT};
use crate::trial;

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";
const A: usize = 0;
const B: usize = 1;
const GATEWAY: usize = 2;

pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "targets::garp_deaf_gateway_follows_floatip_not_the_stock_agent",
            garp_deaf_gateway_follows,
        ),
        trial(
            "targets::na_deaf_gateway_follows_floatip_not_the_stock_agent",
            na_deaf_gateway_follows,
        ),
        trial(
            "targets::directed_frames_and_only_on_link",
            directed_frames_and_only_on_link,
        ),
        trial("targets::none_and_invalid", none_and_invalid),
    ]
}

/// A, B and the gateway on one bridge; A and B route through the gateway,
/// which drops gratuitous ARP.
fn lan_v4() -> Lan {
    let lan = Lan::new(&[1, 2, 3]);
    for host in [A, B] {
        lan.hosts[host].ip(&["route", "add", "default", "via", "192.0.2.3"]);
    }
    sysctl(&lan, GATEWAY, "net.ipv4.conf.eth0.drop_gratuitous_arp=1");
    lan
}

fn sysctl(lan: &Lan, host: usize, setting: &str) {
    let status = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lan.hosts[host].name,
            "sysctl",
            "-qw",
            setting,
        ])
        .status()
        .unwrap();
    assert!(status.success(), "{setting}");
}

fn run_quietly(lan: &Lan, host: usize, agent: &Path, action: &str, params: &[(&str, &str)]) -> i32 {
    lan.agent(host, agent, action)
        .params(params)
        .quiet()
        .status()
}

/// Moves the VIP from A to B with `agent` and returns the gateway's entry
/// for the VIP after `wait` (or as soon as it shows B's MAC).
fn fail_over(
    lan: &Lan,
    agent: &Path,
    vip: &str,
    params: &[(&str, &str)],
    wait: Duration,
) -> (String, String) {
    let mut p = vec![("ip", vip)];
    p.extend_from_slice(params);
    assert_eq!(run_quietly(lan, A, agent, "start", &p), 0);
    assert!(
        lan.hosts[GATEWAY].ping(vip),
        "the gateway reaches the VIP on A"
    );
    let mac_a = lan.hosts[A].mac("eth0");
    let mac_b = lan.hosts[B].mac("eth0");
    assert_eq!(
        lan.hosts[GATEWAY].neighbour_mac(vip).as_deref(),
        Some(mac_a.as_str())
    );
    assert_eq!(run_quietly(lan, A, agent, "stop", &p), 0);
    assert_eq!(run_quietly(lan, B, agent, "start", &p), 0);
    let began = Instant::now();
    while began.elapsed() < wait {
        if lan.hosts[GATEWAY].neighbour_mac(vip).as_deref() == Some(mac_b.as_str()) {
            break;
        }
        sleep(Duration::from_millis(5));
    }
    let entry = lan.hosts[GATEWAY].neighbour_mac(vip).unwrap_or_default();
    assert_eq!(run_quietly(lan, B, agent, "stop", &p), 0);
    (entry, mac_b)
}

fn garp_deaf_gateway_follows() {
    let ours = lan_v4();
    let (entry, mac_b) = fail_over(&ours, &floatip(), VIP, &[], Duration::from_secs(2));
    assert_eq!(
        entry, mac_b,
        "with floatip the GARP-deaf gateway moves to B"
    );
    let stock = lan_v4();
    let (entry, mac_b) = fail_over(
        &stock,
        Path::new(STOCK_AGENT),
        VIP,
        &[],
        Duration::from_millis(1500),
    );
    assert_ne!(
        entry, mac_b,
        "the stock agent leaves the gateway on A's MAC"
    );
    assert_eq!(entry, stock.hosts[A].mac("eth0"));
}

fn lan_v6() -> Lan {
    let lan = Lan::new(&[1, 2, 3]);
    lan.add_ipv6();
    for host in [A, B] {
        lan.hosts[host].ip(&["-6", "route", "add", "default", "via", "2001:db8:1234::3"]);
    }
    sysctl(&lan, GATEWAY, "net.ipv6.conf.eth0.drop_unsolicited_na=1");
    lan
}

fn na_deaf_gateway_follows() {
    let ours = lan_v6();
    let (entry, mac_b) = fail_over(
        &ours,
        &floatip(),
        V6,
        &[("nodad", "true")],
        Duration::from_secs(2),
    );
    assert_eq!(entry, mac_b, "with floatip the NA-deaf gateway moves to B");
    let stock = lan_v6();
    let (entry, mac_b) = fail_over(
        &stock,
        Path::new(STOCK_AGENT),
        V6,
        &[("nodad", "true")],
        Duration::from_millis(1500),
    );
    assert_ne!(
        entry, mac_b,
        "the stock agent leaves the gateway on A's MAC"
    );
}

fn directed_frames_and_only_on_link() {
    let lan = lan_v4();
    let mac_b = parse_mac(&lan.hosts[B].mac("eth0"));
    let capture = Capture::start(&lan.hosts[GATEWAY], "eth0", "arp");
    let code = run_quietly(
        &lan,
        B,
        &floatip(),
        "start",
        &[
            ("ip", VIP),
            ("garp_count", "2"),
            ("garp_targets", "192.0.2.3, 203.0.113.5 192.0.2.1"),
        ],
    );
    assert_eq!(code, 0);
    sleep(Duration::from_millis(250));
    let frames: Vec<_> = capture.finish().iter().filter_map(|f| f.arp()).collect();
    let directed: Vec<_> = frames
        .iter()
        .filter(|a| a.sender_ip == VIP.parse::<Ipv4Addr>().unwrap() && a.target_ip != a.sender_ip)
        .collect();
    let to = |ip: &str| {
        directed
            .iter()
            .filter(|a| a.target_ip == ip.parse::<Ipv4Addr>().unwrap())
            .count()
    };
    assert_eq!(
        to("192.0.2.3"),
        2,
        "one directed request per round: {directed:#?}"
    );
    assert_eq!(to("192.0.2.1"), 2);
    assert!(
        frames
            .iter()
            .all(|a| a.target_ip != "203.0.113.5".parse::<Ipv4Addr>().unwrap()),
        "nothing off-link"
    );
    for arp in &directed {
        assert_eq!(arp.operation, REQUEST);
        assert_eq!(arp.sender_mac, mac_b);
        assert_eq!(arp.eth_source, mac_b);
        assert_eq!(arp.target_mac, [0; 6]);
    }
}

fn none_and_invalid() {
    let lan = lan_v4();
    let capture = Capture::start(&lan.hosts[GATEWAY], "eth0", "arp");
    assert_eq!(
        run_quietly(
            &lan,
            B,
            &floatip(),
            "start",
            &[("ip", VIP), ("garp_count", "1"), ("garp_targets", "none")]
        ),
        0
    );
    sleep(Duration::from_millis(100));
    let vip: Ipv4Addr = VIP.parse().unwrap();
    let frames: Vec<_> = capture
        .finish()
        .iter()
        .filter_map(|f| f.arp())
        .filter(|a| a.sender_ip == vip)
        .collect();
    assert_eq!(
        frames.len(),
        2,
        "only the gratuitous request and reply: {frames:#?}"
    );
    assert!(frames.iter().all(|a| a.target_ip == vip));
    for bad in ["gatewey", "2001:db8::1", "192.0.2.3;true", ""] {
        let code = run_quietly(
            &lan,
            B,
            &floatip(),
            "validate-all",
            &[("ip", VIP), ("garp_targets", bad)],
        );
        assert_eq!(
            code,
            if bad.is_empty() { 0 } else { 6 },
            "garp_targets={bad:?}"
        );
    }
    let by_hand = Command::new("ip")
        .args(["netns", "exec", &lan.hosts[B].name])
        .arg(floatip())
        .args([
            "garp",
            "--nic",
            "eth0",
            "--ip",
            VIP,
            "--count",
            "1",
            "--targets",
            "192.0.2.3",
        ])
        .output()
        .unwrap();
    assert_eq!(by_hand.status.code(), Some(0), "{by_hand:?}");
}

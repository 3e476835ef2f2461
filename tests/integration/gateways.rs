//! Every gateway, and every gateway healed: next hops that the kernel
//! reports in other shapes (an IPv4 route through an IPv6 next hop, a
//! next-hop object with nexthop_compat_mode=0), two routers of which one
//! is stale, and a router whose MAC changed. Hosts on one bridge: A and B
//! may hold the VIP, R1 and R2 are routers (192.0.2.3 and .4).

use std::thread::sleep;
use std::time::Duration;

use libtest_mimic::Trial;

use crate::support::capture::{parse_mac, Capture, REQUEST};
use crate::support::{floatip, AgentLog, Lan, TempDir};

const VIP: &str = "192.0.2.10";
const A: usize = 0;
const B: usize = 1;
const R1: usize = 2;
const R2: usize = 3;
const R1_IP: &str = "192.0.2.3";
const R2_IP: &str = "192.0.2.4";

pub fn trials() -> Vec<Trial> {
    trials!("gateways":
        an_ipv6_next_hop_of_an_ipv4_route_is_addressed,
        next_hop_objects_are_resolved,
        one_stale_router_of_two_is_healed,
        a_router_with_a_new_mac_is_asked_by_broadcast,
        a_routing_table_in_another_table_is_not_read,
        a_large_routing_table_costs_no_memory,
    )
}

fn run(lan: &Lan, host: usize, action: &str, params: &[(&str, &str)], log: &AgentLog) -> i32 {
    lan.agent(host, &floatip(), action)
        .params(params)
        .env("HA_LOGFILE", log.path())
        .quiet()
        .status()
}

fn monitor_level_10(lan: &Lan, params: &[(&str, &str)], log: &AgentLog) -> i32 {
    lan.agent(B, &floatip(), "monitor")
        .params(params)
        .env("HA_LOGFILE", log.path())
        .env("OCF_CHECK_LEVEL", "10")
        .env("OCF_RESKEY_CRM_meta_interval", "10000")
        .quiet()
        .status()
}

/// B's frames for the VIP as R1's port sees them.
fn lan() -> Lan {
    Lan::new(&[1, 2, 3, 4])
}

fn port(i: usize) -> String {
    format!("p{i}")
}

fn wait_for_sender(lan: &Lan, host: usize) {
    let pid_file = lan.rsctmp[host].path().join(format!("send_arp-{VIP}"));
    for _ in 0..150 {
        if !pid_file.exists() {
            return;
        }
        sleep(Duration::from_millis(20));
    }
}

/// `ip route add default via inet6 fe80::… dev eth0` (RFC 5549): the
/// router has no IPv4 address to ask for, so it gets the gratuitous
/// request at its MAC, and no acknowledgement is awaited from it.
fn an_ipv6_next_hop_of_an_ipv4_route_is_addressed() {
    let lan = lan();
    let router = &lan.hosts[R1];
    router.ip(&["addr", "add", "fe80::3/64", "dev", "eth0", "nodad"]);
    let mac_r1 = router.mac("eth0");
    let b = &lan.hosts[B];
    b.ip(&[
        "-6",
        "neigh",
        "replace",
        "fe80::3",
        "lladdr",
        &mac_r1,
        "dev",
        "eth0",
        "nud",
        "permanent",
    ]);
    b.ip(&[
        "route",
        "add",
        "198.51.100.0/24",
        "via",
        "inet6",
        "fe80::3",
        "dev",
        "eth0",
    ]);
    let log = AgentLog::new();
    let params = [("ip", VIP), ("cidr_netmask", "24"), ("garp_count", "2")];
    let capture = Capture::start(lan.switch(), &port(R1), "arp");
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    wait_for_sender(&lan, B);
    let frames = capture.finish();
    let at_router: Vec<_> = frames
        .iter()
        .filter_map(|f| f.arp())
        .filter(|a| {
            a.eth_destination == parse_mac(&mac_r1)
                && a.sender_ip.to_string() == VIP
                && a.target_ip.to_string() == VIP
        })
        .collect();
    assert_eq!(
        at_router.len(),
        2,
        "one gratuitous request at R1's MAC per round: {at_router:?}"
    );
    assert!(!log.text().contains("not answered"), "{}", log.text());
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

/// A route whose next hop is a next-hop object, with the kernel told not
/// to show the gateway in the route (nexthop_compat_mode=0): the gateway
/// is read with RTM_GETNEXTHOP and asked directly, and it answers.
fn next_hop_objects_are_resolved() {
    let lan = lan();
    let b = &lan.hosts[B];
    b.bash(
        "sysctl -qw net.ipv4.nexthop_compat_mode=0",
        &Default::default(),
    );
    b.ip(&["nexthop", "add", "id", "7", "via", R1_IP, "dev", "eth0"]);
    b.ip(&["nexthop", "add", "id", "8", "via", R2_IP, "dev", "eth0"]);
    b.ip(&["nexthop", "add", "id", "9", "group", "7/8"]);
    b.ip(&["route", "add", "198.51.100.0/24", "nhid", "9"]);
    let shown = b.ip(&["route", "show", "198.51.100.0/24"]);
    assert!(!shown.contains("via"), "compat mode off: {shown}");
    let log = AgentLog::new();
    let params = [("ip", VIP), ("cidr_netmask", "24"), ("garp_count", "2")];
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    wait_for_sender(&lan, B);
    let text = log.text();
    for router in [R1_IP, R2_IP] {
        assert!(
            text.contains(&format!("{router} acknowledged {VIP}")),
            "{router}: {text}"
        );
    }
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

/// Two routers; R1 answers, R2 still maps the VIP to A. The level-10
/// monitor heals R2 (before: R1's answer ended the check).
fn one_stale_router_of_two_is_healed() {
    let lan = lan();
    let b = &lan.hosts[B];
    b.ip(&["route", "add", "198.51.100.0/24", "via", R1_IP]);
    b.ip(&["route", "add", "203.0.113.0/24", "via", R2_IP]);
    let log = AgentLog::new();
    let params = [("ip", VIP), ("cidr_netmask", "24"), ("garp_count", "1")];
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    wait_for_sender(&lan, B);
    let mac_a = lan.hosts[A].mac("eth0");
    let mac_b = lan.hosts[B].mac("eth0");
    let mac_r2 = lan.hosts[R2].mac("eth0");
    lan.hosts[R2].ip(&[
        "neigh", "replace", VIP, "lladdr", &mac_a, "dev", "eth0", "nud", "stale",
    ]);
    // B knows R2, so that its kernel does not ask for it from the VIP
    // (which would correct R2 by itself).
    b.ip(&[
        "neigh",
        "replace",
        R2_IP,
        "lladdr",
        &mac_r2,
        "dev",
        "eth0",
        "nud",
        "reachable",
    ]);
    assert_eq!(monitor_level_10(&lan, &params, &log), 0);
    assert_eq!(
        lan.hosts[R2].neighbour_mac(VIP).as_deref(),
        Some(mac_b.as_str()),
        "R2 maps the VIP to B again\n{}",
        log.text()
    );
    let text = log.text();
    assert!(
        text.contains(&format!("{R2_IP} of {VIP} did not answer")),
        "{text}"
    );
    let warning = text.lines().find(|l| l.contains("did not answer")).unwrap();
    assert!(!warning.contains(R1_IP), "R1 answered: {warning}");
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

/// B's neighbour table has an old MAC for its router (the router was
/// replaced): the directed requests there go nowhere; after two, they are
/// broadcast, the router answers and acknowledges the VIP.
fn a_router_with_a_new_mac_is_asked_by_broadcast() {
    let lan = lan();
    let b = &lan.hosts[B];
    b.ip(&["route", "add", "198.51.100.0/24", "via", R1_IP]);
    b.ip(&[
        "neigh",
        "replace",
        R1_IP,
        "lladdr",
        "02:00:00:00:0d:ed",
        "dev",
        "eth0",
        "nud",
        "permanent",
    ]);
    let log = AgentLog::new();
    let params = [("ip", VIP), ("cidr_netmask", "24"), ("garp_mode", "reply")];
    let capture = Capture::start(lan.switch(), &port(B), "arp");
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    wait_for_sender(&lan, B);
    let frames = capture.finish();
    let requests: Vec<[u8; 6]> = frames
        .iter()
        .filter_map(|f| f.arp())
        .filter(|a| a.operation == REQUEST && a.target_ip.to_string() == R1_IP)
        .map(|a| a.eth_destination)
        .collect();
    assert!(requests.len() >= 3, "{requests:?}");
    assert_eq!(&requests[..2], &[[0x02, 0, 0, 0, 0x0d, 0xed]; 2]);
    assert_eq!(requests[2], [0xff; 6], "the third is broadcast");
    assert!(
        log.text().contains(&format!("{R1_IP} acknowledged {VIP}")),
        "{}",
        log.text()
    );
    assert_eq!(
        lan.hosts[R1].neighbour_mac(VIP).as_deref(),
        Some(lan.hosts[B].mac("eth0").as_str())
    );
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

/// A router's gateways in a table other than main (policy routing) are
/// not read: only the main table's next hops are gateways, and that is
/// what keeps a node with a full BGP table in another table cheap.
fn a_routing_table_in_another_table_is_not_read() {
    let lan = lan();
    let b = &lan.hosts[B];
    b.ip(&["route", "add", "198.51.100.0/24", "via", R1_IP]);
    b.ip(&[
        "route",
        "add",
        "203.0.113.0/24",
        "via",
        R2_IP,
        "table",
        "100",
    ]);
    let log = AgentLog::new();
    let params = [("ip", VIP), ("cidr_netmask", "24"), ("garp_count", "1")];
    assert_eq!(run(&lan, B, "start", &params, &log), 0);
    wait_for_sender(&lan, B);
    let text = log.text();
    assert!(text.contains(&format!("{R1_IP} acknowledged")), "{text}");
    assert!(!text.contains(R2_IP), "{text}");
    assert_eq!(run(&lan, B, "stop", &params, &log), 0);
}

/// Peak RSS (KiB) of one agent action on `lan` host B, as the kernel
/// accounted it (the child is reaped by wait4, which clippy cannot see).
#[allow(clippy::zombie_processes)]
fn peak_rss(lan: &Lan, action: &str, params: &[(&str, &str)]) -> (i32, i64) {
    let child = lan
        .agent(B, &floatip(), action)
        .params(params)
        .quiet()
        .command()
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

/// 60,000 host routes in another table and 60,000 in the main table (in
/// B's namespace only; nothing is sent to them): start without nic and
/// cidr_netmask (findif reads the main table) and a level-10 monitor (the
/// gateways) take no more memory than on an empty table — the routes are
/// streamed, not held (before: every route of every table in memory).
fn a_large_routing_table_costs_no_memory() {
    let lan = lan();
    let b = &lan.hosts[B];
    b.ip(&["route", "add", "default", "via", R1_IP]);
    let params = [
        ("ip", VIP),
        ("OCF_CHECK_LEVEL", "10"),
        ("CRM_meta_interval", "10000"),
        ("garp_count", "1"),
    ];
    let measure = |lan: &Lan| {
        let (code, start) = peak_rss(lan, "start", &params);
        assert_eq!(code, 0);
        wait_for_sender(lan, B);
        let (code, monitor) = peak_rss(lan, "monitor", &params);
        assert_eq!(code, 0);
        let log = AgentLog::new();
        assert_eq!(run(lan, B, "stop", &params, &log), 0);
        start.max(monitor)
    };
    let empty = measure(&lan);
    let dir = TempDir::new();
    let batch = dir.path().join("routes");
    let mut lines = String::new();
    for i in 0..60_000u32 {
        let (x, y) = ((i >> 8) & 255, i & 255);
        lines.push_str(&format!(
            "route add 10.1.{x}.{y}/32 via {R1_IP} table 100\n"
        ));
        lines.push_str(&format!("route add 10.2.{x}.{y}/32 via {R1_IP}\n"));
    }
    std::fs::write(&batch, lines).unwrap();
    b.ip(&["-batch", batch.to_str().unwrap()]);
    let full = measure(&lan);
    assert!(
        full <= empty + 1024,
        "peak RSS {full} KiB with 120,000 routes, {empty} KiB without"
    );
    let placed = b.find(VIP);
    assert!(placed.is_empty(), "stopped: {placed:?}");
}

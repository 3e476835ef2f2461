//! Failover trials: from start invoked on B to the client's neighbour
//! event showing B's MAC (`ip -ts monitor neigh`), with ARP towards the
//! client disturbed by classic-BPF tc filters on the bridge port.

use std::path::Path;
use std::process::Command;
use std::thread::{self, sleep};
use std::time::{Duration, SystemTime};

use testkit::lab::{add_clsact, clear_filter_on, drop_from, set_filter_on, NeighMonitor};
use testkit::Lan;

use crate::sample::measure;
use crate::stats::ms;
use crate::{V6, VIP};

/// One trial's result: ms until the client followed, `None` if it never did.
pub type Trials = Vec<Option<f64>>;

/// How ARP towards the client is disturbed during a trial.
#[derive(Clone, Copy, PartialEq)]
pub enum Loss {
    None,
    /// Every ARP frame towards the client dropped with this probability.
    Random(f64),
    /// Every ARP frame from B dropped for this long after start.
    Burst(Duration),
}

pub struct Scenario {
    pub label: &'static str,
    /// garp_count (and the stock agent's arp_count) when not the default.
    rounds: Option<&'static str>,
    loss: Loss,
    garp_deaf_gateway: bool,
    /// IPv6 VIP: None for IPv4, Some(nodad) for IPv6.
    ipv6: Option<bool>,
    pub trials: usize,
    wait: Duration,
}

/// The scenarios of a run (fewer trials in a quick one).
fn scenarios(q: bool) -> Vec<Scenario> {
    vec![
        Scenario {
            rounds: None,
            label: "no loss",
            loss: Loss::None,
            garp_deaf_gateway: false,
            ipv6: None,
            trials: if q { 3 } else { 30 },
            wait: Duration::from_secs(3),
        },
        Scenario {
            rounds: None,
            label: "60% random ARP loss",
            loss: Loss::Random(0.6),
            garp_deaf_gateway: false,
            ipv6: None,
            trials: if q { 3 } else { 30 },
            wait: Duration::from_secs(4),
        },
        Scenario {
            rounds: Some("8"),
            label: "60% random ARP loss, garp_count=8 (IPaddr2: arp_count=8)",
            loss: Loss::Random(0.6),
            garp_deaf_gateway: false,
            ipv6: None,
            trials: if q { 3 } else { 30 },
            wait: Duration::from_secs(4),
        },
        Scenario {
            rounds: None,
            label: "all ARP from B lost for 300 ms",
            loss: Loss::Burst(Duration::from_millis(300)),
            garp_deaf_gateway: false,
            ipv6: None,
            trials: if q { 2 } else { 15 },
            wait: Duration::from_secs(4),
        },
        Scenario {
            rounds: None,
            label: "all ARP from B lost for 1.2 s",
            loss: Loss::Burst(Duration::from_millis(1200)),
            garp_deaf_gateway: false,
            ipv6: None,
            trials: if q { 2 } else { 10 },
            wait: Duration::from_secs(5),
        },
        Scenario {
            rounds: None,
            label: "client drops gratuitous ARP and is B's gateway",
            loss: Loss::None,
            garp_deaf_gateway: true,
            ipv6: None,
            trials: if q { 2 } else { 10 },
            wait: Duration::from_secs(3),
        },
        Scenario {
            rounds: None,
            label: "IPv6, DAD on (defaults)",
            loss: Loss::None,
            garp_deaf_gateway: false,
            ipv6: Some(false),
            trials: if q { 2 } else { 10 },
            wait: Duration::from_secs(6),
        },
        Scenario {
            rounds: None,
            label: "IPv6, nodad=true",
            loss: Loss::None,
            garp_deaf_gateway: false,
            ipv6: Some(true),
            trials: if q { 2 } else { 10 },
            wait: Duration::from_secs(3),
        },
    ]
}

/// Every scenario, for floatip and then the stock agent; every trial's
/// result also goes to stderr, for whoever reads the run.
pub fn collect(
    quick: bool,
    only: Option<&str>,
    floatip: &Path,
    stock: &Path,
) -> Vec<(Scenario, Trials, Trials)> {
    let mut results = Vec::new();
    let wanted = |s: &Scenario| only.is_none_or(|text| s.label.contains(text));
    for scenario in scenarios(quick).into_iter().filter(wanted) {
        let ours = failovers(floatip, &scenario);
        let theirs = failovers(stock, &scenario);
        for (agent, trials) in [("floatip", &ours), ("IPaddr2", &theirs)] {
            let rounded: Vec<Option<i64>> =
                trials.iter().map(|f| f.map(|v| v.round() as i64)).collect();
            eprintln!("{}: {agent} {rounded:?}", scenario.label);
        }
        results.push((scenario, ours, theirs));
    }
    results
}

fn failovers(agent: &Path, scenario: &Scenario) -> Vec<Option<f64>> {
    let lan = Lan::new(&[1, 2, 3]);
    let (a, b, c) = (0, 1, 2);
    if scenario.garp_deaf_gateway {
        for host in [a, b] {
            lan.hosts[host].ip(&["route", "add", "default", "via", "192.0.2.3"]);
        }
        let _ = Command::new("ip")
            .args([
                "netns",
                "exec",
                &lan.hosts[c].name,
                "sysctl",
                "-qw",
                "net.ipv4.conf.eth0.drop_gratuitous_arp=1",
            ])
            .status();
    }
    let vip = match scenario.ipv6 {
        None => VIP,
        Some(_) => {
            lan.add_ipv6();
            V6
        }
    };
    let mac_b = lan.hosts[b].mac("eth0");
    let client_port = "p2";
    let switch = lan.switch_name();
    add_clsact(&switch, client_port);
    let mut params = vec![("OCF_RESKEY_ip", vip)];
    match scenario.ipv6 {
        None => params.push(("OCF_RESKEY_cidr_netmask", "24")),
        Some(nodad) => {
            params.push(("OCF_RESKEY_cidr_netmask", "64"));
            if nodad {
                params.push(("OCF_RESKEY_nodad", "true"));
            }
        }
    }
    if let Some(rounds) = scenario.rounds {
        // arp_count for both: floatip reads it as garp_count's alias.
        params.push(("OCF_RESKEY_arp_count", rounds));
    }
    let monitor = NeighMonitor::start(&lan.hosts[c], vip);
    let mut flips = Vec::new();
    for _ in 0..scenario.trials {
        measure(&lan.hosts[a], agent, "start", &params, lan.rsctmp[a].path());
        lan.hosts[c].ping(vip);
        measure(&lan.hosts[a], agent, "stop", &params, lan.rsctmp[a].path());
        match scenario.loss {
            Loss::None => {}
            Loss::Random(p) => set_filter(&switch, client_port, &random_arp_drop(p)),
            Loss::Burst(_) => set_filter(&switch, client_port, &arp_from_mac_drop(&mac_b)),
        }
        monitor.clear();
        let invoked = SystemTime::now();
        let lift = match scenario.loss {
            Loss::Burst(d) => {
                let switch = switch.clone();
                Some(thread::spawn(move || {
                    sleep(d);
                    clear_filter(&switch, client_port);
                }))
            }
            _ => None,
        };
        measure(&lan.hosts[b], agent, "start", &params, lan.rsctmp[b].path());
        let flipped = monitor.wait_for(&mac_b, invoked, scenario.wait);
        flips.push(flipped.map(|t| ms(t.duration_since(invoked).unwrap_or_default())));
        if let Some(handle) = lift {
            let _ = handle.join();
        }
        clear_filter(&switch, client_port);
        measure(&lan.hosts[b], agent, "stop", &params, lan.rsctmp[b].path());
        // Let the stock agent's background sender finish before the next trial.
        sleep(Duration::from_millis(if agent.ends_with("IPaddr2") {
            1100
        } else {
            50
        }));
        let _ = Command::new("ip")
            .args(["-n", &lan.hosts[c].name, "neigh", "flush", "all"])
            .status();
    }
    flips
}

/// Classic BPF, direct action: drop ARP frames with probability `p`.
fn random_arp_drop(p: f64) -> String {
    let threshold = (p * u32::MAX as f64) as u64;
    format!("6,40 0 0 12,21 0 3 2054,32 0 0 4294963256,37 1 0 {threshold},6 0 0 2,6 0 0 0")
}

/// Classic BPF, direct action: drop ARP frames whose source MAC is `mac`.
fn arp_from_mac_drop(mac: &str) -> String {
    drop_from(mac, 0x0806)
}

fn set_filter(switch: &str, dev: &str, bytecode: &str) {
    set_filter_on(switch, dev, "egress", bytecode);
}

fn clear_filter(switch: &str, dev: &str) {
    clear_filter_on(switch, dev, "egress");
}

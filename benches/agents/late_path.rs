//! Late paths: every ARP frame (or every IPv6 frame) from B lost for the
//! first seconds after start — a switch port that spanning tree holds, a
//! gateway that is busy — while the clients send nothing. The client C is
//! B's default gateway (a garp_targets target); D is another client, not
//! a target. Measured: how long after the loss ends each one maps the VIP
//! to B (`ip -ts monitor neigh`), if it ever does.

use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use std::path::Path;
use std::process::Command;

use testkit::Lan;

use crate::sample::measure;
use crate::stats::ms;
use crate::{V6, VIP};
use testkit::lab::{add_clsact, clear_filter_on, drop_from, set_filter_on, NeighMonitor};

/// After the loss ends, how long a client may take to count as following.
const FOLLOW_WAIT: Duration = Duration::from_secs(3);

pub struct LateScenario {
    pub label: &'static str,
    pub loss: Duration,
    pub ipv6: bool,
    pub trials: usize,
}

/// One trial: ms from the loss's end until the gateway C, and the other
/// client D, followed; `None` if it did not within FOLLOW_WAIT.
pub type LateTrial = (Option<f64>, Option<f64>);

fn scenarios(quick: bool) -> Vec<LateScenario> {
    let mut all = vec![LateScenario {
        label: "all ARP from B lost for the first 5 s",
        loss: Duration::from_secs(5),
        ipv6: false,
        trials: if quick { 1 } else { 5 },
    }];
    if !quick {
        all.extend([
            LateScenario {
                label: "all ARP from B lost for the first 15 s",
                loss: Duration::from_secs(15),
                ipv6: false,
                trials: 3,
            },
            LateScenario {
                label: "IPv6: all IPv6 from B lost for the first 5 s",
                loss: Duration::from_secs(5),
                ipv6: true,
                trials: 3,
            },
            LateScenario {
                label: "IPv6: all IPv6 from B lost for the first 15 s",
                loss: Duration::from_secs(15),
                ipv6: true,
                trials: 2,
            },
        ]);
    }
    all
}

/// Every scenario, for floatip and then the stock agent.
pub fn collect(
    quick: bool,
    only: Option<&str>,
    floatip: &Path,
    stock: &Path,
) -> Vec<(LateScenario, Vec<LateTrial>, Vec<LateTrial>)> {
    let mut results = Vec::new();
    let wanted = |s: &LateScenario| only.is_none_or(|text| s.label.contains(text));
    for scenario in scenarios(quick).into_iter().filter(wanted) {
        let ours = trials(floatip, &scenario);
        let theirs = trials(stock, &scenario);
        for (agent, trials) in [("floatip", &ours), ("IPaddr2", &theirs)] {
            let rounded: Vec<(Option<i64>, Option<i64>)> = trials
                .iter()
                .map(|(c, d)| (c.map(|v| v.round() as i64), d.map(|v| v.round() as i64)))
                .collect();
            eprintln!("{}: {agent} (gateway, other) {rounded:?}", scenario.label);
        }
        results.push((scenario, ours, theirs));
    }
    results
}

fn trials(agent: &Path, scenario: &LateScenario) -> Vec<LateTrial> {
    let lan = Lan::new(&[1, 2, 3, 4]);
    let (a, b, c, d) = (0, 1, 2, 3);
    if scenario.ipv6 {
        lan.add_ipv6();
    }
    for host in [a, b] {
        lan.hosts[host].ip(&["route", "add", "default", "via", "192.0.2.3"]);
        if scenario.ipv6 {
            lan.hosts[host].ip(&["-6", "route", "add", "default", "via", "2001:db8:1234::3"]);
        }
    }
    let (vip, prefix, ethertype) = if scenario.ipv6 {
        (V6, "64", 0x86dd)
    } else {
        (VIP, "24", 0x0806)
    };
    let params = [("OCF_RESKEY_ip", vip), ("OCF_RESKEY_cidr_netmask", prefix)];
    let switch = lan.switch_name();
    let port_b = "p1";
    add_clsact(&switch, port_b);
    let mac_b = lan.hosts[b].mac("eth0");
    let drop_b = drop_from(&mac_b, ethertype);
    let gateway = NeighMonitor::start(&lan.hosts[c], vip);
    let other = NeighMonitor::start(&lan.hosts[d], vip);
    let mut results = Vec::new();
    for _ in 0..scenario.trials {
        measure(&lan.hosts[a], agent, "start", &params, lan.rsctmp[a].path());
        lan.hosts[c].ping(vip);
        lan.hosts[d].ping(vip);
        measure(&lan.hosts[a], agent, "stop", &params, lan.rsctmp[a].path());
        set_filter_on(&switch, port_b, "ingress", &drop_b);
        gateway.clear();
        other.clear();
        // The loss counts from start's invocation (an IPv6 start runs its
        // rounds, and the stock agent its DAD, before it returns).
        let invoked = Instant::now();
        measure(&lan.hosts[b], agent, "start", &params, lan.rsctmp[b].path());
        sleep(scenario.loss.saturating_sub(invoked.elapsed()));
        clear_filter_on(&switch, port_b, "ingress");
        let lifted = SystemTime::now();
        let after_lift = |monitor: &NeighMonitor| {
            monitor
                .wait_for(&mac_b, lifted, FOLLOW_WAIT)
                .map(|t| ms(t.duration_since(lifted).unwrap_or_default()))
        };
        let followed_gateway = after_lift(&gateway);
        // D's event may have come first; wait_for reads past events too.
        let followed_other = after_lift(&other);
        results.push((followed_gateway, followed_other));
        measure(&lan.hosts[b], agent, "stop", &params, lan.rsctmp[b].path());
        sleep(Duration::from_millis(1100));
        for host in [c, d] {
            let _ = Command::new("ip")
                .args(["-n", &lan.hosts[host].name, "neigh", "flush", "all"])
                .status();
        }
    }
    results
}

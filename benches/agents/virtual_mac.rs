//! A client that never takes an announcement (drop_gratuitous_arp=1,
//! drop_unsolicited_na=1, and no garp_target) across a failover from A to
//! B: how soon after B's start it reaches the VIP again, and whether its
//! neighbour entry had to change. Side by side: the stock IPaddr2,
//! floatip without virtual_mac, the stock approximation (iface-macvlan
//! with a fixed MAC, grouped with IPaddr2 on the macvlan), and floatip
//! with virtual_mac=auto.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, SystemTime};

use testkit::lab::Pinger;
use testkit::{Lan, Netns};

use crate::sample::measure;
use crate::stats::{median, percentile};

const A: usize = 0;
const B: usize = 1;
const CLIENT: usize = 2;
/// How long the client is watched after B's start began.
const CLIENT_WAIT: Duration = Duration::from_secs(10);
/// The stock agent of the iface-macvlan approximation.
const IFACE_MACVLAN: &str = "/usr/lib/ocf/resource.d/heartbeat/iface-macvlan";
/// The MAC the approximation gives its macvlan on both nodes.
const GROUP_MAC: &str = "02:00:00:00:02:0a";

#[derive(Clone, Copy)]
enum Agent {
    Stock,
    Floatip,
    /// iface-macvlan (the macvlan `vip0` with GROUP_MAC) then IPaddr2 on it.
    StockGroup,
    FloatipVirtualMac,
}

pub struct Row {
    pub label: &'static str,
    pub trials: usize,
    /// Per trial: seconds from B's start to the client's first answer from
    /// B (`None`: not within CLIENT_WAIT), and whether the client's
    /// neighbour entry for the VIP was the same before and after.
    pub reached: Vec<Option<f64>>,
    pub entry_kept: Vec<bool>,
}

pub fn collect(quick: bool, floatip: &Path, stock: &Path) -> Vec<Row> {
    let trials = if quick { 2 } else { 5 };
    let v4 = "192.0.2.10";
    let v6 = "2001:db8:1234::10";
    let mut rows = vec![
        run("IPaddr2", Agent::Stock, stock, v4, trials),
        run(
            "floatip (virtual_mac unset)",
            Agent::Floatip,
            floatip,
            v4,
            trials,
        ),
    ];
    if Path::new(IFACE_MACVLAN).exists() {
        rows.push(run(
            "iface-macvlan + IPaddr2 (a group, fixed MAC)",
            Agent::StockGroup,
            stock,
            v4,
            trials,
        ));
    }
    rows.push(run(
        "floatip virtual_mac=auto",
        Agent::FloatipVirtualMac,
        floatip,
        v4,
        trials,
    ));
    rows.push(run(
        "floatip virtual_mac=auto, IPv6",
        Agent::FloatipVirtualMac,
        floatip,
        v6,
        trials,
    ));
    rows
}

fn run(label: &'static str, agent: Agent, program: &Path, vip: &str, trials: usize) -> Row {
    let mut row = Row {
        label,
        trials,
        reached: Vec::new(),
        entry_kept: Vec::new(),
    };
    for _ in 0..trials {
        let (reached, kept) = trial(agent, program, vip);
        row.reached.push(reached);
        row.entry_kept.push(kept);
    }
    row
}

fn sysctl(ns: &Netns, setting: &str) {
    let _ = Command::new("ip")
        .args(["netns", "exec", &ns.name, "sysctl", "-qw", setting])
        .status();
}

/// One failover; what the client saw.
fn trial(agent: Agent, program: &Path, vip: &str) -> (Option<f64>, bool) {
    let lan = Lan::new(&[1, 2, 3]);
    let ipv6 = vip.contains(':');
    lan.add_ipv6();
    let client = &lan.hosts[CLIENT];
    sysctl(client, "net.ipv4.conf.eth0.drop_gratuitous_arp=1");
    sysctl(client, "net.ipv6.conf.eth0.drop_unsolicited_na=1");
    // Nodes whose own link-local addresses are settled, as in the field.
    sleep(Duration::from_millis(1500));
    let prefix = if ipv6 { "64" } else { "24" };
    let mut params = vec![
        ("OCF_RESKEY_ip", vip),
        ("OCF_RESKEY_cidr_netmask", prefix),
        ("OCF_RESKEY_nodad", "true"),
    ];
    match agent {
        Agent::StockGroup => params.push(("OCF_RESKEY_nic", "vip0")),
        Agent::FloatipVirtualMac => {
            params.push(("OCF_RESKEY_nic", "eth0"));
            params.push(("OCF_RESKEY_virtual_mac", "auto"));
        }
        Agent::Stock | Agent::Floatip => params.push(("OCF_RESKEY_nic", "eth0")),
    }
    let macvlan = [
        ("OCF_RESKEY_device", "eth0"),
        ("OCF_RESKEY_name", "vip0"),
        ("OCF_RESKEY_mac", GROUP_MAC),
    ];
    let start = |host: usize| {
        if matches!(agent, Agent::StockGroup) {
            let iface = Path::new(IFACE_MACVLAN);
            measure(
                &lan.hosts[host],
                iface,
                "start",
                &macvlan,
                lan.rsctmp[host].path(),
            );
        }
        measure(
            &lan.hosts[host],
            program,
            "start",
            &params,
            lan.rsctmp[host].path(),
        );
    };
    let stop = |host: usize| {
        measure(
            &lan.hosts[host],
            program,
            "stop",
            &params,
            lan.rsctmp[host].path(),
        );
        if matches!(agent, Agent::StockGroup) {
            let iface = Path::new(IFACE_MACVLAN);
            measure(
                &lan.hosts[host],
                iface,
                "stop",
                &macvlan,
                lan.rsctmp[host].path(),
            );
        }
    };
    start(A);
    let pinger = Pinger::start(client, vip);
    if pinger
        .first_after(SystemTime::now(), Duration::from_secs(3))
        .is_none()
    {
        return (None, false);
    }
    let before = client.neighbour_mac(vip);
    stop(A);
    sleep(Duration::from_millis(50));
    let began = SystemTime::now();
    start(B);
    let reached = pinger
        .first_after(began, CLIENT_WAIT)
        .and_then(|t| t.duration_since(began).ok())
        .map(|d| d.as_secs_f64());
    let kept = before.is_some() && client.neighbour_mac(vip) == before;
    drop(pinger);
    stop(B);
    (reached, kept)
}

pub fn report(out: &mut String, rows: &[Row]) {
    writeln!(
        out,
        "## A neighbour that never takes an announcement, across a failover (stop on A, start on B)\n"
    )
    .unwrap();
    writeln!(
        out,
        "| agent | trials | client reaches the VIP on B after B's start (median, p90) | not within {} s | client's neighbour entry unchanged |",
        CLIENT_WAIT.as_secs()
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|").unwrap();
    for row in rows {
        let reached: Vec<f64> = row.reached.iter().flatten().copied().collect();
        let never = row.reached.iter().filter(|r| r.is_none()).count();
        let kept = row.entry_kept.iter().filter(|k| **k).count();
        writeln!(
            out,
            "| {} | {} | {} | {never}/{} | {kept}/{} |",
            row.label,
            row.trials,
            if reached.is_empty() {
                "never".to_owned()
            } else {
                format!(
                    "{:.0} ms, {:.0} ms",
                    median(&reached) * 1000.0,
                    percentile(&reached, 0.9) * 1000.0
                )
            },
            row.trials,
            row.trials,
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nThe client pings the VIP every 5 ms and drops every gratuitous ARP and unsolicited NA (drop_gratuitous_arp=1, drop_unsolicited_na=1); it is no garp_target (no gateway route). Without a MAC of the VIP's own it keeps sending to A's MAC until its own entry expires (reachable time, then delay and probes: tens of seconds). iface-macvlan grouped with IPaddr2 moves a fixed MAC too, but the nic under it answers ARP for the VIP with its own MAC (no arp_ignore), so the client learns A's nic MAC and is left behind as with IPaddr2 alone; it has no IPv6 handling either.\n"
    )
    .unwrap();
}

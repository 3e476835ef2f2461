//! Many VIPs taken over at once: 40 VIPs started 8 at a time on one node
//! (Pacemaker's batch limit: the next start begins as soon as one
//! returns), with a gateway and a client that both hold stale entries for
//! every VIP. What the switch port sees (captured on the bridge port: the
//! announcement frames, and all ARP beside them, in the busiest sliding
//! second), how soon the last VIP's first frame left, and how many VIPs
//! each neighbour followed — for the stock agent, floatip as it is by
//! default, and floatip with garp_rate=15 (Cisco DAI's default limit).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, SystemTime};

use testkit::capture::{busiest_second, parse_mac, Capture};
use testkit::lab;
use testkit::Lan;

use crate::sample::measure;

const NODE: usize = 0;
const GATEWAY: usize = 1;
const CLIENT: usize = 2;
const PARALLEL: usize = 8;
const STALE_MAC: &str = "02:00:00:00:00:99";
/// How long the announcements may take at most before the counts are read.
const SETTLE_LIMIT: Duration = Duration::from_secs(120);

pub struct Row {
    pub label: String,
    /// The rate the row runs under, if one.
    pub rate: Option<usize>,
    pub exit_codes_ok: bool,
    /// Announcement frames (ARP from the node announcing a VIP) in the
    /// busiest sliding second, and all ARP on the port in its busiest.
    pub busiest_announcements: usize,
    /// All ARP the node sent (what a switch polices on its port), and
    /// all ARP on the port both ways, each in its busiest second.
    pub busiest_from_node: usize,
    pub busiest_port: usize,
    pub announcement_frames: usize,
    /// From the first start to the last VIP's first frame.
    pub last_first_frame: Option<Duration>,
    /// From the first start to the last announcement frame.
    pub all_sent: Option<Duration>,
    pub gateway_followed: usize,
    pub client_followed: usize,
}

/// The VIP count, and a row per agent and setting.
pub fn collect(quick: bool, floatip: &Path, stock: &Path) -> (usize, Vec<Row>) {
    let count = if quick { 16 } else { 40 };
    let rows = vec![
        run("IPaddr2", stock, count, None),
        run("floatip (garp_rate unset)", floatip, count, None),
        run("floatip garp_rate=15", floatip, count, Some(15)),
    ];
    (count, rows)
}

fn run(label: &str, agent: &Path, count: usize, rate: Option<usize>) -> Row {
    let lan = Lan::new(&[1, 254, 3]);
    lan.hosts[NODE].ip(&["route", "add", "default", "via", "192.0.2.254"]);
    let vips: Vec<String> = (0..count).map(|i| format!("192.0.2.{}", 100 + i)).collect();
    for host in [GATEWAY, CLIENT] {
        for vip in &vips {
            lan.hosts[host].ip(&[
                "neigh", "replace", vip, "lladdr", STALE_MAC, "dev", "eth0", "nud", "stale",
            ]);
        }
    }
    let capture = Capture::start(lan.switch(), "p0", "arp");
    let rsctmp = lan.rsctmp[NODE].path().to_owned();
    let rate_text = rate.map(|r| r.to_string());
    let queue = Mutex::new(vips.iter().cloned().collect::<VecDeque<String>>());
    let began = SystemTime::now();
    let codes: Vec<i32> = thread::scope(|scope| {
        let workers: Vec<_> = (0..PARALLEL)
            .map(|_| {
                let (queue, lan, rsctmp, rate_text) = (&queue, &lan, &rsctmp, &rate_text);
                scope.spawn(move || {
                    let mut codes = Vec::new();
                    loop {
                        let Some(vip) = queue.lock().unwrap().pop_front() else {
                            return codes;
                        };
                        let mut params = vec![
                            ("OCF_RESKEY_ip", vip.as_str()),
                            ("OCF_RESKEY_cidr_netmask", "24"),
                        ];
                        if let Some(rate) = rate_text {
                            params.push(("OCF_RESKEY_garp_rate", rate.as_str()));
                        }
                        codes.push(measure(&lan.hosts[NODE], agent, "start", &params, rsctmp).0);
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    lab::senders_done(&rsctmp, SETTLE_LIMIT);
    // The last frames of a run reach the capture a moment later.
    thread::sleep(Duration::from_millis(300));
    let frames = capture.finish();
    let node_mac = lan.hosts[NODE].mac("eth0");
    let mac = parse_mac(&node_mac);
    let vip_set: Vec<Ipv4Addr> = vips.iter().map(|v| v.parse().unwrap()).collect();
    let announcing: Vec<(SystemTime, Ipv4Addr)> = frames
        .iter()
        .filter_map(|f| {
            let arp = f.arp()?;
            (arp.eth_source == mac && vip_set.contains(&arp.sender_ip))
                .then_some((f.time, arp.sender_ip))
        })
        .collect();
    let port: Vec<SystemTime> = frames
        .iter()
        .filter(|f| f.arp().is_some())
        .map(|f| f.time)
        .collect();
    let from_node: Vec<SystemTime> = frames
        .iter()
        .filter(|f| f.arp().is_some_and(|arp| arp.eth_source == mac))
        .map(|f| f.time)
        .collect();
    let times: Vec<SystemTime> = announcing.iter().map(|a| a.0).collect();
    let first_frames: Vec<SystemTime> = vip_set
        .iter()
        .filter_map(|vip| announcing.iter().find(|a| a.1 == *vip).map(|a| a.0))
        .collect();
    let last_first_frame = (first_frames.len() == count)
        .then(|| first_frames.iter().max().copied())
        .flatten()
        .and_then(|t| t.duration_since(began).ok());
    let followed = |host: usize| {
        vips.iter()
            .filter(|vip| lan.hosts[host].neighbour_mac(vip).as_deref() == Some(node_mac.as_str()))
            .count()
    };
    Row {
        label: label.to_owned(),
        rate,
        exit_codes_ok: codes.len() == count && codes.iter().all(|c| *c == 0),
        busiest_announcements: busiest_second(&times),
        busiest_from_node: busiest_second(&from_node),
        busiest_port: busiest_second(&port),
        announcement_frames: times.len(),
        last_first_frame,
        all_sent: times
            .iter()
            .max()
            .and_then(|t| t.duration_since(began).ok()),
        gateway_followed: followed(GATEWAY),
        client_followed: followed(CLIENT),
    }
}

pub fn report(out: &mut String, count: usize, rows: &[Row]) {
    writeln!(
        out,
        "## {count} VIPs taken over at once, {PARALLEL} starts at a time: what the switch port sees\n"
    )
    .unwrap();
    writeln!(
        out,
        "| agent | announcement frames in the busiest second | all ARP from the node in its busiest second | all ARP on the port (both ways) in its busiest second | announcement frames | last VIP's first frame after the first start | bound (N/rate + 0.6 s) | last announcement frame | gateway followed | client followed |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|").unwrap();
    let seconds =
        |d: Option<Duration>| d.map_or("never".to_owned(), |d| format!("{:.2} s", d.as_secs_f64()));
    for row in rows {
        let bound = row.rate.map_or("—".to_owned(), |rate| {
            format!("{:.2} s", count as f64 / rate as f64 + 0.6)
        });
        writeln!(
            out,
            "| {}{} | {} | {} | {} | {} | {} | {} | {} | {}/{count} | {}/{count} |",
            row.label,
            if row.exit_codes_ok {
                ""
            } else {
                " (a start failed)"
            },
            row.busiest_announcements,
            row.busiest_from_node,
            row.busiest_port,
            row.announcement_frames,
            seconds(row.last_first_frame),
            bound,
            seconds(row.all_sent),
            row.gateway_followed,
            row.client_followed,
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nEach start is the agent's start action with its defaults (IPaddr2: arp_count=5; floatip: garp_count 5, garp_targets=gateway, garp_window 30); both neighbours hold a stale entry for every VIP, so a neighbour follows a VIP only if a frame announcing it reached it. Frames are counted on the node's bridge port, in sliding 1-second windows. garp_rate paces every floatip frame through the port node-wide: first frames first, and a target that answered is asked no more.\n"
    )
    .unwrap();
}

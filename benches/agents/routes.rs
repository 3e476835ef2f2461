//! Cost against the size of the routing table: start and a level-10
//! monitor (with a gateway that answers its echo) on a node with no extra
//! routes, with 200,000 routes in another table (policy routing), and
//! with 200,000 routes in the main table (a full BGP table). The routes
//! (10.0.0.0/8 host routes) exist only inside the node's own namespace;
//! nothing is ever sent to them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use testkit::{Node, TempDir};

use crate::sample::{measure, Sample};
use crate::stats::{median, ms};
use crate::VIP;

const GATEWAY: &str = "192.0.2.254";

/// One table size: its label, and per action both agents' samples.
pub struct Row {
    pub table: String,
    pub action: &'static str,
    pub floatip: Vec<Sample>,
    pub stock: Vec<Sample>,
}

pub fn collect(quick: bool, floatip: &Path, stock: &Path) -> (usize, Vec<Row>) {
    let routes = if quick { 20_000 } else { 200_000 };
    let runs = if quick { 3 } else { 15 };
    let mut rows = Vec::new();
    for (label, table) in [
        ("no extra routes".to_owned(), None),
        (format!("{routes} routes in table 100"), Some("table 100")),
        (format!("{routes} routes in the main table"), Some("")),
    ] {
        let node = Node::with_base();
        node.peer
            .ip(&["addr", "add", &format!("{GATEWAY}/24"), "dev", "eth0"]);
        node.ns.ip(&["route", "add", "default", "via", GATEWAY]);
        if let Some(table) = table {
            add_routes(&node, routes, table);
        }
        // Neither cidr_netmask nor nic: findif reads the routes.
        let params = [
            ("OCF_RESKEY_ip", VIP),
            ("OCF_RESKEY_arp_count", "1"),
            ("OCF_CHECK_LEVEL", "10"),
            ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ];
        let rsctmp = node.rsctmp.path().to_owned();
        let mut samples = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
        for _ in 0..runs {
            for (agent, slot) in [(floatip, 0), (stock, 1)] {
                let take = |samples: &mut Vec<Sample>, action| {
                    samples.push(measure(&node.ns, agent, action, &params, &rsctmp).1)
                };
                let (starts, monitors) = &mut samples[slot];
                take(starts, "start");
                take(monitors, "monitor");
                measure(&node.ns, agent, "stop", &params, &rsctmp);
            }
        }
        let [(floatip_starts, stock_starts), (floatip_monitors, stock_monitors)] =
            transpose(samples);
        rows.push(Row {
            table: label.clone(),
            action: "start",
            floatip: floatip_starts,
            stock: stock_starts,
        });
        rows.push(Row {
            table: label,
            action: "monitor (OCF_CHECK_LEVEL=10)",
            floatip: floatip_monitors,
            stock: stock_monitors,
        });
    }
    (routes, rows)
}

/// [(floatip starts, floatip monitors), (stock starts, stock monitors)]
/// → [(floatip starts, stock starts), (floatip monitors, stock monitors)].
type PerAgent = (Vec<Sample>, Vec<Sample>);
fn transpose([(a, b), (c, d)]: [PerAgent; 2]) -> [PerAgent; 2] {
    [(a, c), (b, d)]
}

/// `count` host routes in 10.0.0.0/8 through the gateway, added in one
/// `ip -batch` (`table` = "table 100" puts them in another table).
fn add_routes(node: &Node, count: usize, table: &str) {
    let dir = TempDir::new();
    let path = dir.path().join("routes.batch");
    // Written line by line: a peak RSS measured in a child forked from
    // this process must not start from a large buffer of ours.
    let mut batch = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..count {
        let (a, b, c) = ((i >> 16) & 255, (i >> 8) & 255, i & 255);
        writeln!(batch, "route add 10.{a}.{b}.{c}/32 via {GATEWAY} {table}").unwrap();
    }
    batch.flush().unwrap();
    drop(batch);
    node.ns.ip(&["-batch", path.to_str().unwrap()]);
}

/// The report's table: CPU time (median) and peak RSS (the largest) per
/// table size and action, floatip's CPU against its own empty-table cost.
pub fn report(out: &mut String, routes: usize, rows: &[Row]) {
    writeln!(
        out,
        "## The routing table's size: start and a level-10 monitor\n"
    )
    .unwrap();
    writeln!(
        out,
        "A node with a default route through a gateway that answers; {routes} host routes added in another table or in the main table (inside the node's namespace only). Neither nic nor cidr_netmask is set, so findif reads the routes.\n"
    )
    .unwrap();
    writeln!(out, "| routing table | action | floatip CPU | floatip CPU / no extra routes | floatip peak RSS | IPaddr2 CPU | IPaddr2 peak RSS |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|").unwrap();
    let cpu = |samples: &[Sample]| median(&samples.iter().map(|s| ms(s.cpu)).collect::<Vec<_>>());
    let rss = |samples: &[Sample]| samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
    for row in rows {
        let empty = rows
            .iter()
            .find(|r| r.action == row.action)
            .map(|r| cpu(&r.floatip))
            .unwrap_or(f64::NAN);
        writeln!(
            out,
            "| {} | {} | {:.2} ms | {:.2} | {} KiB | {:.1} ms | {} KiB |",
            row.table,
            row.action,
            cpu(&row.floatip),
            cpu(&row.floatip) / empty,
            rss(&row.floatip),
            cpu(&row.stock),
            rss(&row.stock),
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nCPU is user + system time of the agent process (the stock agent's includes every program it started); peak RSS is the kernel's high-water mark for it.\n"
    )
    .unwrap();
}

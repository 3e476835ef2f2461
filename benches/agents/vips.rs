//! Many VIPs on one interface: total CPU time of start, monitor and stop.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use testkit::Node;

use crate::sample::measure;

/// (total CPU, wall) of one agent's start, monitor and stop of every VIP.
pub type Totals = (Duration, Duration);

/// How many VIPs, and per mode (1 = sequential, 8 in parallel) both
/// agents' totals.
pub fn collect(quick: bool, floatip: &Path, stock: &Path) -> (usize, Vec<(usize, Totals, Totals)>) {
    let count = if quick { 20 } else { 200 };
    let results = [1usize, 8]
        .into_iter()
        .map(|parallel| {
            let ours = many_vips(floatip, count, parallel);
            let theirs = many_vips(stock, count, parallel);
            (parallel, ours, theirs)
        })
        .collect();
    (count, results)
}

/// (total CPU, wall) for start, monitor and stop of `count` VIPs.
fn many_vips(agent: &Path, count: usize, parallel: usize) -> (Duration, Duration) {
    let node = Node::with_base();
    node.ns
        .ip(&["addr", "add", "198.51.100.1/24", "dev", "eth1"]);
    // At most 240 addresses fit the documentation /24 used here.
    let addresses: Vec<String> = (0..count.min(240))
        .map(|i| format!("198.51.100.{}", 10 + i))
        .collect();
    let began = Instant::now();
    let mut cpu = Duration::ZERO;
    for action in ["start", "monitor", "stop"] {
        let chunks: Vec<Vec<String>> = addresses
            .chunks(count.div_ceil(parallel))
            .map(|c| c.to_vec())
            .collect();
        let results: Vec<Duration> = thread::scope(|scope| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|chunk| {
                    let node = &node;
                    scope.spawn(move || {
                        let mut total = Duration::ZERO;
                        for ip in chunk {
                            let params = [
                                ("OCF_RESKEY_ip", ip.as_str()),
                                ("OCF_RESKEY_cidr_netmask", "24"),
                                ("OCF_RESKEY_arp_count", "1"),
                            ];
                            total += measure(&node.ns, agent, action, &params, node.rsctmp.path())
                                .1
                                .cpu;
                        }
                        total
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        cpu += results.into_iter().sum::<Duration>();
    }
    (cpu, began.elapsed())
}

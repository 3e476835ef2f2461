//! Sampling: one agent process measured (wall time, CPU time, peak RSS,
//! as the kernel accounted them), and the single-action samples of both
//! agents side by side.

use std::path::Path;
use std::process::Child;
use std::thread::sleep;
use std::time::Duration;

use testkit::{AgentCommand, Netns, Node};

use crate::VIP;

#[derive(Clone, Copy)]
pub struct Sample {
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_kib: i64,
}

/// What the single-action section measured.
pub struct Actions {
    pub runs: usize,
    pub cycles: usize,
    /// (action, floatip's samples, the stock agent's samples).
    pub rows: Vec<(String, Vec<Sample>, Vec<Sample>)>,
    /// `/bin/true` in the same namespace.
    pub baseline: Vec<Sample>,
    /// (action, programs floatip started, programs the stock agent started).
    pub processes: Vec<(&'static str, usize, usize)>,
}

/// Runs `program action` inside `ns` (entered between fork and exec, so no
/// helper process is measured) and reports what the kernel accounted.
pub fn measure(
    ns: &Netns,
    program: &Path,
    action: &str,
    params: &[(&str, &str)],
    rsctmp: &Path,
) -> (i32, Sample) {
    let mut command = AgentCommand::new(program, action)
        .entering(ns)
        .rsctmp(rsctmp)
        .params(params)
        .quiet()
        .command();
    let began = std::time::Instant::now();
    let child = command.spawn().expect("spawn");
    let (code, usage) = wait_with_usage(child);
    let wall = began.elapsed();
    let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
    (
        code,
        Sample {
            wall,
            cpu,
            max_rss_kib: usage.ru_maxrss,
        },
    )
}

pub fn wait_with_usage(child: Child) -> (i32, libc::rusage) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage)
}

pub fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64)
}

/// Samples of the single actions, each agent in turn on one node.
pub fn actions(quick: bool, floatip: &Path, stock: &Path) -> Actions {
    let n = if quick { 10 } else { 100 };
    let cycles = if quick { 5 } else { 30 };
    let node = Node::with_base();
    let params = [("OCF_RESKEY_ip", VIP), ("OCF_RESKEY_cidr_netmask", "24")];
    let rsctmp = node.rsctmp.path().to_owned();
    let true_bin = Path::new("/bin/true");

    let mut rows: Vec<(String, Vec<Sample>, Vec<Sample>)> = Vec::new();
    // monitor with the address present (each agent's own VIP state).
    for (label, action, setup) in [
        ("monitor (address present)", "monitor", true),
        ("meta-data", "meta-data", false),
    ] {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        if setup {
            measure(&node.ns, floatip, "start", &params, &rsctmp);
        }
        for _ in 0..n {
            ours.push(measure(&node.ns, floatip, action, &params, &rsctmp).1);
            theirs.push(measure(&node.ns, stock, action, &params, &rsctmp).1);
        }
        if setup {
            measure(&node.ns, floatip, "stop", &params, &rsctmp);
        }
        rows.push((label.into(), ours, theirs));
    }
    let baseline: Vec<Sample> = (0..n)
        .map(|_| measure(&node.ns, true_bin, "", &[], &rsctmp).1)
        .collect();

    // start and stop, in cycles; arp_count=1 so the stock agent's background
    // send_arp does not outlive the cycle.
    let cycle_params = [
        ("OCF_RESKEY_ip", VIP),
        ("OCF_RESKEY_cidr_netmask", "24"),
        ("OCF_RESKEY_arp_count", "1"),
    ];
    let mut starts = (Vec::new(), Vec::new());
    let mut stops = (Vec::new(), Vec::new());
    for _ in 0..cycles {
        starts
            .0
            .push(measure(&node.ns, floatip, "start", &cycle_params, &rsctmp).1);
        stops
            .0
            .push(measure(&node.ns, floatip, "stop", &cycle_params, &rsctmp).1);
        starts
            .1
            .push(measure(&node.ns, stock, "start", &cycle_params, &rsctmp).1);
        sleep(Duration::from_millis(5));
        stops
            .1
            .push(measure(&node.ns, stock, "stop", &cycle_params, &rsctmp).1);
    }
    rows.push(("start".into(), starts.0, starts.1));
    rows.push(("stop".into(), stops.0, stops.1));

    // Processes each action creates, counted by strace -f.
    let mut processes = Vec::new();
    let count = |agent: &Path, action: &str, extra: &[(&str, &str)]| -> usize {
        let trace = node.rsctmp.path().join("trace");
        let mut env: Vec<(&str, &str)> = params.to_vec();
        env.extend_from_slice(extra);
        node.agent(agent, action)
            .params(&env)
            .traced("execve", &trace)
            .quiet()
            .status();
        let text = std::fs::read_to_string(&trace).unwrap_or_default();
        let mut pids: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        pids.sort();
        pids.dedup();
        pids.len().saturating_sub(1)
    };
    for (label, action, extra) in [
        ("monitor", "monitor", vec![]),
        (
            "start (arp_bg=false)",
            "start",
            vec![
                ("OCF_RESKEY_arp_bg", "false"),
                ("OCF_RESKEY_arp_count", "1"),
            ],
        ),
        ("stop", "stop", vec![]),
    ] {
        if action == "monitor" {
            measure(&node.ns, floatip, "start", &params, &rsctmp);
        }
        let ours = count(floatip, action, &extra);
        if action == "monitor" {
            measure(&node.ns, floatip, "stop", &params, &rsctmp);
            measure(&node.ns, stock, "start", &cycle_params, &rsctmp);
            sleep(Duration::from_millis(300));
        }
        let theirs = count(stock, action, &extra);
        if action == "monitor" {
            measure(&node.ns, stock, "stop", &cycle_params, &rsctmp);
        }
        if action == "start" {
            measure(&node.ns, stock, "stop", &cycle_params, &rsctmp);
        }
        processes.push((label, ours, theirs));
    }
    Actions {
        runs: n,
        cycles,
        rows,
        baseline,
        processes,
    }
}

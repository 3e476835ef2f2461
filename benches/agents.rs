//! floatip and the stock IPaddr2, measured side by side in one run on the
//! same namespaced hosts. Writes a markdown table (median, p90 and
//! floatip/IPaddr2 ratios) to stdout. Not a test: nothing is asserted.
//!
//!   sudo bench/run            full run (a few minutes)
//!   sudo bench/run --quick    smoke pass (CI)

#[path = "../tests/integration/support.rs"]
#[allow(dead_code)]
mod support;

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::{self, sleep};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use support::{Lan, Netns, Node, STOCK_AGENT};

const VIP: &str = "192.0.2.10";
const V6: &str = "2001:db8:1234::10";

struct Options {
    quick: bool,
    /// `--only actions|failover|vips`: one section of the run.
    only: Option<String>,
}

impl Options {
    fn wants(&self, section: &str) -> bool {
        self.only.as_deref().is_none_or(|only| only == section)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let options = Options {
        quick: args.iter().any(|a| a == "--quick"),
        only: args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1).cloned()),
    };
    // `cargo test --all-targets` runs this binary too, without --bench:
    // the benchmark itself runs only under `cargo bench` (bench/run).
    if !std::env::args().any(|a| a == "--bench") {
        println!("benches/agents: a benchmark, not a test; run bench/run");
        return;
    }
    // bench/run points FLOATIP at the shipped (static) build.
    let floatip = std::env::var_os("FLOATIP")
        .map(PathBuf::from)
        .unwrap_or_else(support::floatip);
    let stock = PathBuf::from(STOCK_AGENT);
    // Reports name files relative to the repository, never this machine's
    // absolute paths.
    fn relative_to_repository(path: &std::path::Path) -> PathBuf {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        absolute
            .strip_prefix(root)
            .map(std::path::Path::to_path_buf)
            .unwrap_or(absolute)
    }
    let mut out = String::new();
    writeln!(out, "# floatip vs ocf:heartbeat:IPaddr2\n").unwrap();
    writeln!(
        out,
        "Measured side by side in one run on the same namespaced hosts: {} cores, kernel {}, {}; floatip binary {}.\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        text_of("uname", &["-r"]),
        if options.quick {
            "quick smoke pass (few samples: ratios only indicative)"
        } else {
            "full run"
        },
        relative_to_repository(&floatip).display()
    )
    .unwrap();

    if options.wants("actions") {
        actions_table(&mut out, &options, &floatip, &stock);
    }
    if options.wants("failover") {
        failover_table(&mut out, &options, &floatip, &stock);
    }
    if options.wants("vips") {
        many_vips_table(&mut out, &options, &floatip, &stock);
    }
    support::remove_leftover_namespaces();
    print!("{out}");
}

// ---------------------------------------------------------------------
// One agent process, measured: wall time, CPU time and peak RSS.

#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: i64,
}

/// Runs `program action` inside `ns` (entered between fork and exec, so no
/// helper process is measured) and reports what the kernel accounted.
fn measure(
    ns: &Netns,
    program: &Path,
    action: &str,
    env: &[(&str, &str)],
    rsctmp: &Path,
) -> (i32, Sample) {
    let netns = File::open(format!("/run/netns/{}", ns.name)).expect("netns");
    let fd = netns.as_raw_fd();
    let mut command = support::agent_command(program, action, rsctmp);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    // SAFETY: setns is async-signal-safe; fd stays open until after spawn.
    unsafe {
        command.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let began = Instant::now();
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

fn wait_with_usage(child: Child) -> (i32, libc::rusage) {
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

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64)
}

fn text_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------
// Statistics and formatting.

fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn fmt_ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.2} ms")
    } else {
        format!("{v:.0} ms")
    }
}

fn ratio(ours: f64, theirs: f64) -> String {
    if ours.is_nan() || theirs.is_nan() || theirs == 0.0 {
        "–".into()
    } else {
        format!("{:.3}", ours / theirs)
    }
}

// ---------------------------------------------------------------------
// Single actions.

fn actions_table(out: &mut String, options: &Options, floatip: &Path, stock: &Path) {
    let n = if options.quick { 10 } else { 100 };
    let cycles = if options.quick { 5 } else { 30 };
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

    writeln!(
        out,
        "## Single actions ({n} runs each; start/stop {cycles} cycles)\n"
    )
    .unwrap();
    writeln!(
        out,
        "| action | floatip median | floatip p90 | IPaddr2 median | IPaddr2 p90 | floatip/IPaddr2 | floatip/`/bin/true` | floatip CPU | IPaddr2 CPU | floatip peak RSS | IPaddr2 peak RSS |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|").unwrap();
    let true_median = median(&baseline.iter().map(|s| ms(s.wall)).collect::<Vec<_>>());
    for (label, ours, theirs) in &rows {
        let wall = |s: &[Sample]| s.iter().map(|x| ms(x.wall)).collect::<Vec<_>>();
        let cpu = |s: &[Sample]| median(&s.iter().map(|x| ms(x.cpu)).collect::<Vec<_>>());
        let rss = |s: &[Sample]| s.iter().map(|x| x.max_rss_kib).max().unwrap_or(0);
        let (o, t) = (wall(ours), wall(theirs));
        writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} KiB | {} KiB |",
            fmt_ms(median(&o)),
            fmt_ms(percentile(&o, 0.9)),
            fmt_ms(median(&t)),
            fmt_ms(percentile(&t, 0.9)),
            ratio(median(&o), median(&t)),
            ratio(median(&o), true_median),
            fmt_ms(cpu(ours)),
            fmt_ms(cpu(theirs)),
            rss(ours),
            rss(theirs)
        )
        .unwrap();
    }
    writeln!(
        out,
        "\n`/bin/true` in the same namespace: median {}.\n",
        fmt_ms(true_median)
    )
    .unwrap();

    // Processes each action creates, counted by strace -f.
    writeln!(
        out,
        "Processes created per action (strace -f; the agent itself not counted):\n"
    )
    .unwrap();
    writeln!(out, "| action | floatip | IPaddr2 |").unwrap();
    writeln!(out, "|---|---|---|").unwrap();
    let count = |agent: &Path, action: &str, extra: &[(&str, &str)]| -> usize {
        let trace = node.rsctmp.path().join("trace");
        let mut env: Vec<(&str, &str)> = params.to_vec();
        env.extend_from_slice(extra);
        let mut command = support::strace_in(&node.ns, "execve", &trace);
        command.arg(agent).arg(action);
        support::ocf_environment(&mut command, node.rsctmp.path());
        command
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = command.status();
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
        writeln!(out, "| {label} | {ours} | {theirs} |").unwrap();
    }
    writeln!(
        out,
        "\nWith the default arp_bg=true floatip's start also forks one background sender (no exec) for the rounds after the first.\n"
    )
    .unwrap();
}

// ---------------------------------------------------------------------
// Failover: from start invoked on B to the client's neighbour event
// showing B's MAC (`ip -ts monitor neigh`).

/// How ARP towards the client is disturbed during a trial.
#[derive(Clone, Copy, PartialEq)]
enum Loss {
    None,
    /// Every ARP frame towards the client dropped with this probability.
    Random(f64),
    /// Every ARP frame from B dropped for this long after start.
    Burst(Duration),
}

struct Scenario {
    label: &'static str,
    /// garp_count (and the stock agent's arp_count) when not the default.
    rounds: Option<&'static str>,
    loss: Loss,
    garp_deaf_gateway: bool,
    /// IPv6 VIP: None for IPv4, Some(nodad) for IPv6.
    ipv6: Option<bool>,
    trials: usize,
    wait: Duration,
}

fn failover_table(out: &mut String, options: &Options, floatip: &Path, stock: &Path) {
    let q = options.quick;
    let scenarios = [
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
    ];
    writeln!(
        out,
        "## Failover: start invoked on B until the client's neighbour entry shows B's MAC\n"
    )
    .unwrap();
    writeln!(out, "| scenario | trials | floatip median | floatip p90 | floatip converged | IPaddr2 median | IPaddr2 p90 | IPaddr2 converged | floatip/IPaddr2 (median) |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|---|---|").unwrap();
    for scenario in &scenarios {
        let ours = failovers(floatip, scenario);
        let theirs = failovers(stock, scenario);
        // Every trial's result, for whoever reads the run's stderr.
        eprintln!(
            "{}: floatip {:?}",
            scenario.label,
            ours.iter()
                .map(|f| f.map(|v| v.round() as i64))
                .collect::<Vec<_>>()
        );
        eprintln!(
            "{}: IPaddr2 {:?}",
            scenario.label,
            theirs
                .iter()
                .map(|f| f.map(|v| v.round() as i64))
                .collect::<Vec<_>>()
        );
        let summary = |flips: &[Option<f64>]| {
            let done: Vec<f64> = flips.iter().flatten().copied().collect();
            (median(&done), percentile(&done, 0.9), done.len())
        };
        let (om, op, oc) = summary(&ours);
        let (tm, tp, tc) = summary(&theirs);
        let never = |count: usize, total: usize, median: f64| {
            if count == 0 {
                "never".to_string()
            } else if count < total {
                format!("{} (of converged)", fmt_ms(median))
            } else {
                fmt_ms(median)
            }
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {}/{} | {} | {} | {}/{} | {} |",
            scenario.label,
            scenario.trials,
            never(oc, scenario.trials, om),
            if oc == 0 { "–".into() } else { fmt_ms(op) },
            oc,
            scenario.trials,
            never(tc, scenario.trials, tm),
            if tc == 0 { "–".into() } else { fmt_ms(tp) },
            tc,
            scenario.trials,
            if tc == 0 { "–".into() } else { ratio(om, tm) }
        )
        .unwrap();
    }
    writeln!(
        out,
        "\nA trial that has not converged after {}–{} s counts as not converged (\"never\"); medians and p90 are over the converged trials. The client pinged the VIP on A just before each trial. Loss is made by a classic-BPF tc filter on the bridge port facing the client.\n",
        3, 5
    )
    .unwrap();
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
    let _ = Command::new("ip")
        .args([
            "netns",
            "exec",
            &switch,
            "tc",
            "qdisc",
            "add",
            "dev",
            client_port,
            "clsact",
        ])
        .status();
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
    let b: Vec<u64> = mac
        .split(':')
        .map(|h| u64::from_str_radix(h, 16).unwrap())
        .collect();
    let high = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    let low = (b[4] << 8) | b[5];
    // ldh [12]; jeq ARP; ld [6]; jeq high; ldh [10]; jeq low; ret drop; ret pass
    format!("8,40 0 0 12,21 0 5 2054,32 0 0 6,21 0 3 {high},40 0 0 10,21 0 1 {low},6 0 0 2,6 0 0 0")
}

fn set_filter(switch: &str, dev: &str, bytecode: &str) {
    clear_filter(switch, dev);
    let _ = Command::new("ip")
        .args([
            "netns", "exec", switch, "tc", "filter", "add", "dev", dev, "egress", "bpf", "da",
            "bytecode", bytecode,
        ])
        .status();
}

fn clear_filter(switch: &str, dev: &str) {
    let _ = Command::new("ip")
        .args([
            "netns", "exec", switch, "tc", "filter", "del", "dev", dev, "egress",
        ])
        .stderr(Stdio::null())
        .status();
}

/// `ip -ts monitor neigh` in the client, read by a thread.
struct NeighMonitor {
    child: Child,
    events: mpsc::Receiver<(SystemTime, String)>,
}

impl NeighMonitor {
    fn start(ns: &Netns, ip: &str) -> NeighMonitor {
        let mut child = Command::new("ip")
            .args(["-n", &ns.name, "-ts", "monitor", "neigh"])
            .env("TZ", "UTC")
            .stdout(Stdio::piped())
            .spawn()
            .expect("ip monitor");
        let stdout = child.stdout.take().unwrap();
        let (sender, events) = mpsc::channel();
        let ip = ip.to_owned();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains(&format!("] {ip} ")) {
                    if let Some(time) = parse_stamp(&line) {
                        let _ = sender.send((time, line));
                    }
                }
            }
        });
        sleep(Duration::from_millis(100));
        NeighMonitor { child, events }
    }

    fn clear(&self) {
        while self.events.try_recv().is_ok() {}
    }

    fn wait_for(&self, mac: &str, after: SystemTime, wait: Duration) -> Option<SystemTime> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok((time, line)) if line.contains(&format!("lladdr {mac}")) && time >= after => {
                    return Some(time)
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}

impl Drop for NeighMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `[2026-11-26T00:21:04.123456] ...` in UTC.
fn parse_stamp(line: &str) -> Option<SystemTime> {
    let stamp = line.strip_prefix('[')?.split(']').next()?;
    let (date, time) = stamp.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, s) = (t.next()??, t.next()??, t.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let secs = days * 86400 + h * 3600 + mi * 60 + s;
    let micros: u64 = format!("{frac:0<6}")[..6].parse().ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs as u64) + Duration::from_micros(micros))
}

// ---------------------------------------------------------------------
// Many VIPs on one interface: total CPU time of start, monitor and stop.

fn many_vips_table(out: &mut String, options: &Options, floatip: &Path, stock: &Path) {
    let count = if options.quick { 20 } else { 200 };
    writeln!(
        out,
        "## {count} VIPs on one interface: start all, monitor all, stop all\n"
    )
    .unwrap();
    writeln!(out, "| mode | floatip CPU | IPaddr2 CPU | floatip wall | IPaddr2 wall | floatip/IPaddr2 (CPU) |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|").unwrap();
    for parallel in [1usize, 8] {
        let ours = many_vips(floatip, count, parallel);
        let theirs = many_vips(stock, count, parallel);
        writeln!(
            out,
            "| {} | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {} |",
            if parallel == 1 {
                "sequential".to_string()
            } else {
                format!("{parallel} in parallel")
            },
            ours.0.as_secs_f64(),
            theirs.0.as_secs_f64(),
            ours.1.as_secs_f64(),
            theirs.1.as_secs_f64(),
            ratio(ours.0.as_secs_f64(), theirs.0.as_secs_f64())
        )
        .unwrap();
    }
    writeln!(out, "\nCPU is user + system time of the agent processes and everything they started (arp_count=1).\n").unwrap();
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

//! Hardening: bad input for every parameter, faults, concurrency and
//! privilege. A cluster agent runs as root on every node during the worst
//! moments of a cluster's life; it must never make things worse.

use std::process::Command;
use std::thread::{self, sleep};
use std::time::{Duration, Instant};

use libtest_mimic::Trial;

use crate::support::{alive, floatip, AgentCommand, Netns, Node, Run, TempDir};

const VIP: &str = "192.0.2.10";

pub fn trials() -> Vec<Trial> {
    trials!("hardening":
        bad_values_of_every_parameter,
        unknown_boolean_spellings_warn,
        named_namespace_deleted,
        rsctmp_missing_unwritable_or_full,
        sigkill_at_any_point_of_start,
        without_cap_net_admin,
        hundred_vips_in_parallel,
        racing_starts_and_start_racing_stop,
        writes_only_where_allowed,
    )
}

/// The bad forms every parameter must refuse.
fn bad_forms() -> Vec<String> {
    vec![
        " 5".into(),
        "5 ".into(),
        "x".repeat(100_000),
        "abc".into(),
        "-5".into(),
        "99999999999999".into(),
        "５".into(),
        "$(reboot)".into(),
        "../../etc".into(),
    ]
}

/// A parameter, the other parameters that make it matter, and the values
/// of `bad_forms` it legitimately accepts.
type Checked = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

const CHECKED: &[Checked] = &[
    ("ip", &[], &[]),
    ("nic", &[], &[]),
    ("cidr_netmask", &[], &[]),
    ("netmask", &[], &[]),
    ("broadcast", &[], &[]),
    ("iflabel", &[("nic", "eth0")], &["abc", "-5"]),
    ("arp_interval", &[], &[]),
    ("arp_count", &[], &[]),
    ("garp_count", &[], &[]),
    ("arp_count_refresh", &[], &[]),
    ("arp_sender", &[], &[]),
    ("send_arp_opts", &[], &[]),
    ("garp_mode", &[], &[]),
    ("garp_spacing", &[], &[]),
    ("garp_targets", &[], &[]),
    // Valid names of namespaces that do not exist are 5, not 6 (tested elsewhere).
    ("network_namespace", &[], &["abc", "-5", "99999999999999"]),
    ("preferred_lft", &[("ip", "2001:db8:1234::10")], &[]),
    (
        "lvs_ipv6_addrlabel_value",
        &[("ip", "2001:db8:1234::10"), ("lvs_ipv6_addrlabel", "true")],
        &[],
    ),
];

fn bad_values_of_every_parameter() {
    let node = Node::with_base();
    node.ns
        .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
    let mut tried = 0;
    for (name, extra, accepted) in CHECKED {
        for value in bad_forms() {
            if accepted.contains(&value.as_str()) {
                continue;
            }
            let mut params: Vec<(&str, &str)> = vec![("ip", VIP)];
            for (k, v) in *extra {
                params.retain(|(n, _)| n != k);
                params.push((k, v));
            }
            params.retain(|(n, _)| n != name);
            params.push((name, value.as_str()));
            let shown: String = value.chars().take(20).collect();
            for action in ["validate-all", "start"] {
                let run = node.run(&floatip(), action, &params);
                assert_eq!(run.code, 6, "{name}={shown:?} {action}: {run:?}");
                let reasons = run.exit_reasons();
                assert_eq!(
                    reasons.len(),
                    1,
                    "{name}={shown:?} {action}: one reason: {reasons:?}"
                );
                assert!(
                    reasons[0].contains(name.trim_start_matches("net"))
                        || reasons[0].contains(name),
                    "{name}: {}",
                    reasons[0]
                );
            }
            let mut probe = params.clone();
            probe.push(("OCF_RESKEY_CRM_meta_interval", "0"));
            let code = node.run(&floatip(), "monitor", &probe).code;
            assert!(code == 6 || code == 7, "{name}={shown:?} probe: {code}");
            node.run(&floatip(), "stop", &params).expect(0);
            tried += 1;
        }
    }
    assert!(node.ns.find(VIP).is_empty());
    assert!(tried >= 150, "{tried} bad inputs");
}

/// Booleans keep IPaddr2's rule (anything not a true spelling is false) but
/// say so.
fn unknown_boolean_spellings_warn() {
    let node = Node::with_base();
    for name in [
        "noprefixroute",
        "flush_routes",
        "run_arping",
        "check_link_status",
        "arp_bg",
        "lvs_support",
        "unique_clone_address",
    ] {
        let run = node.run(
            &floatip(),
            "validate-all",
            &[("ip", VIP), (name, "perhaps")],
        );
        run.expect(0);
        assert!(
            run.stderr.contains(&format!("WARNING: {name} [perhaps]")),
            "{name}: {}",
            run.stderr
        );
    }
}

fn named_namespace_deleted() {
    let node = Node::new();
    let elsewhere = Netns::new();
    node.ns.veth_to("to-x", &elsewhere, "eth0");
    elsewhere.ip(&["addr", "add", "198.51.100.1/24", "dev", "eth0"]);
    let name = elsewhere.name.clone();
    let p = [
        ("ip", "198.51.100.10"),
        ("network_namespace", name.as_str()),
    ];
    node.run(&floatip(), "start", &p).expect(0);
    node.run(
        &floatip(),
        "monitor",
        &[
            ("ip", "198.51.100.10"),
            ("network_namespace", name.as_str()),
            ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ],
    )
    .expect(0);
    drop(elsewhere);
    node.run(&floatip(), "monitor", &p).expect(7);
    node.run(
        &floatip(),
        "monitor",
        &[
            ("ip", "198.51.100.10"),
            ("network_namespace", name.as_str()),
            ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ],
    )
    .expect(7);
    node.run(&floatip(), "stop", &p).expect(0);
    node.run(&floatip(), "start", &p).expect(5);
}

/// A live process of the node (exited ones waiting for init are gone).
fn live(ns: &Netns) -> Vec<u32> {
    ns.pids().into_iter().filter(|pid| alive(*pid)).collect()
}

/// Waits (briefly) for the node's processes to end: socket keepers let go
/// a grace period after the agent exits.
fn settled(ns: &Netns) -> Vec<u32> {
    let began = Instant::now();
    loop {
        let left = live(ns);
        if left.is_empty() || began.elapsed() > Duration::from_secs(3) {
            return left;
        }
        sleep(Duration::from_millis(20));
    }
}

fn rsctmp_missing_unwritable_or_full() {
    let node = Node::with_base();
    // Missing: created.
    let base = TempDir::new();
    let missing = base.path().join("not/yet/there");
    let missing_s = missing.display().to_string();
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("HA_RSCTMP", &missing_s)],
    )
    .expect(0);
    assert!(missing.join(format!("send_arp-{VIP}")).exists() || missing.exists());
    node.run(
        &floatip(),
        "stop",
        &[("ip", VIP), ("HA_RSCTMP", &missing_s)],
    )
    .expect(0);
    assert!(settled(&node.ns).is_empty());

    // Unwritable (procfs): the address is up and announced once; the
    // failure to start the background sender is logged, not fatal.
    let run = node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("HA_RSCTMP", "/proc/floatip-test")],
    );
    run.expect(0);
    assert!(
        run.stderr.contains("ERROR: Could not send gratuitous arps"),
        "{}",
        run.stderr
    );
    assert_eq!(node.ns.find(VIP).len(), 1);
    node.run(
        &floatip(),
        "stop",
        &[("ip", VIP), ("HA_RSCTMP", "/proc/floatip-test")],
    )
    .expect(0);
    assert!(settled(&node.ns).is_empty(), "no sender was left behind");

    // Full: a tiny tmpfs, filled, in a mount namespace of the agent's own.
    let full = TempDir::new();
    let script = format!(
        "mount -t tmpfs -o size=4k tmpfs {d} && (dd if=/dev/zero of={d}/fill bs=1k count=64 2>/dev/null; true) && \
         OCF_RESKEY_ip={VIP} HA_RSCTMP={d} {agent} start; echo start=$?; \
         OCF_RESKEY_ip={VIP} HA_RSCTMP={d} {agent} stop; echo stop=$?",
        d = full.path().display(),
        agent = floatip().display()
    );
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &node.ns.name,
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("start=0") && text.contains("stop=0"),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(node.ns.find(VIP).is_empty());
    assert!(settled(&node.ns).is_empty());
}

/// Kills start at points spread over its whole run; whatever it left, the
/// next monitor tells the truth and the next stop cleans up completely.
fn sigkill_at_any_point_of_start() {
    let node = Node::with_base();
    let pid_file = node.rsctmp.path().join(format!("send_arp-{VIP}"));
    let mut outcomes = (0, 0);
    for step in 0..40u64 {
        // Entered with setns, so the kill hits floatip itself.
        let mut child = AgentCommand::new(&floatip(), "start")
            .entering(&node.ns)
            .rsctmp(node.rsctmp.path())
            .param("ip", VIP)
            .quiet()
            .command()
            .spawn()
            .unwrap();
        sleep(Duration::from_micros(step * 100));
        let _ = child.kill();
        let _ = child.wait();
        let present = !node.ns.find(VIP).is_empty();
        let monitor = node.run(&floatip(), "monitor", &[("ip", VIP)]);
        assert_eq!(
            monitor.code,
            if present { 0 } else { 7 },
            "step {step}: monitor must match the kernel"
        );
        if present {
            outcomes.0 += 1;
        } else {
            outcomes.1 += 1;
        }
        node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
        assert!(
            node.ns.find(VIP).is_empty(),
            "step {step}: stop removed the address"
        );
        assert!(!pid_file.exists(), "step {step}: no pid file left");
        let left = settled(&node.ns);
        assert!(left.is_empty(), "step {step}: processes left: {left:?}");
    }
    assert!(
        outcomes.0 > 0 && outcomes.1 > 0,
        "kills landed both before and after the add: {outcomes:?}"
    );
}

fn without_cap_net_admin() {
    let node = Node::with_base();
    let run = |action: &str| -> Run {
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &node.ns.name,
                "setpriv",
                "--bounding-set=-net_admin",
                "--inh-caps=-net_admin",
            ])
            .arg(floatip())
            .arg(action)
            .env_clear()
            .env("OCF_RESKEY_ip", VIP)
            .env("HA_RSCTMP", node.rsctmp.path())
            .output()
            .unwrap()
            .into()
    };
    let start = run("start");
    start.expect(4);
    assert!(
        start.exit_reasons()[0].contains("CAP_NET_ADMIN"),
        "{start:?}"
    );
    assert!(node.ns.find(VIP).is_empty());
    node.run(&floatip(), "start", &[("ip", VIP)]).expect(0);
    let stop = run("stop");
    stop.expect(1);
    assert!(stop.exit_reasons()[0].contains("CAP_NET_ADMIN"), "{stop:?}");
    run("monitor").expect(0);
}

fn parallel(node: &Node, action: &str, addresses: &[String]) -> Vec<i32> {
    thread::scope(|scope| {
        let handles: Vec<_> = addresses
            .iter()
            .map(|ip| {
                scope.spawn(move || {
                    node.run(
                        &floatip(),
                        action,
                        &[("ip", ip.as_str()), ("cidr_netmask", "24")],
                    )
                    .code
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn hundred_vips_in_parallel() {
    let node = Node::new();
    node.ns
        .ip(&["addr", "add", "198.51.100.1/24", "dev", "eth1"]);
    let addresses: Vec<String> = (0..100)
        .map(|i| format!("198.51.100.{}", 100 + i))
        .collect();
    assert!(parallel(&node, "start", &addresses).iter().all(|c| *c == 0));
    let configured: Vec<String> = node
        .ns
        .ip(&["-4", "-o", "addr", "show", "dev", "eth1"])
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3).map(str::to_owned))
        .collect();
    assert_eq!(
        configured.len(),
        101,
        "exactly the base and the 100 VIPs: {configured:?}"
    );
    assert!(parallel(&node, "monitor", &addresses)
        .iter()
        .all(|c| *c == 0));
    assert!(parallel(&node, "stop", &addresses).iter().all(|c| *c == 0));
    let configured = node.ns.ip(&["-4", "-o", "addr", "show", "dev", "eth1"]);
    assert_eq!(
        configured.lines().count(),
        1,
        "only the base is left: {configured}"
    );
    assert!(settled(&node.ns).is_empty(), "no sender is left");
    assert_eq!(
        std::fs::read_dir(node.rsctmp.path()).unwrap().count(),
        0,
        "no pid file is left"
    );
}

fn racing_starts_and_start_racing_stop() {
    let node = Node::with_base();
    for _ in 0..15 {
        let codes = parallel(&node, "start", &[VIP.to_owned(), VIP.to_owned()]);
        assert_eq!(codes, vec![0, 0], "both starts succeed");
        assert_eq!(node.ns.find(VIP).len(), 1, "one address results");
        node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    }
    for round in 0..15 {
        let (start, stop) = thread::scope(|scope| {
            let a = scope.spawn(|| node.run(&floatip(), "start", &[("ip", VIP)]).code);
            let b = scope.spawn(|| node.run(&floatip(), "stop", &[("ip", VIP)]).code);
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!((start, stop), (0, 0), "round {round}");
        let present = !node.ns.find(VIP).is_empty();
        node.run(&floatip(), "monitor", &[("ip", VIP)])
            .expect(if present { 0 } else { 7 });
        node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
        assert!(node.ns.find(VIP).is_empty());
        assert!(
            settled(&node.ns).is_empty(),
            "round {round}: nothing left running"
        );
    }
}

/// strace every file operation of every action: floatip writes only to
/// HA_RSCTMP, HA_LOGFILE, HA_DEBUGLOG, /dev/null and the route cache flush.
fn writes_only_where_allowed() {
    let node = Node::with_base();
    let logs = TempDir::new();
    let logfile = logs.path().join("ha.log").display().to_string();
    let debuglog = logs.path().join("ha-debug.log").display().to_string();
    let rsctmp = node.rsctmp.path().display().to_string();
    let trace = logs.path().join("trace");
    let allowed = [
        rsctmp.as_str(),
        logfile.as_str(),
        debuglog.as_str(),
        "/dev/null",
        "/proc/sys/net/ipv4/route/flush",
    ];
    for action in [
        "validate-all",
        "start",
        "monitor",
        "status",
        "stop",
        "meta-data",
    ] {
        let out = node
            .agent(&floatip(), action)
            .params(&[
                ("ip", VIP),
                ("flush_routes", "true"),
                ("arp_count_refresh", "1"),
                ("HA_LOGFILE", &logfile),
                ("HA_DEBUGLOG", &debuglog),
                ("HA_debug", "1"),
            ])
            .traced("%file", &trace)
            .command()
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c == 0 || c == 7),
            "{action}: {out:?}"
        );
        for line in std::fs::read_to_string(&trace).unwrap().lines() {
            let writes = line.contains("O_WRONLY")
                || line.contains("O_RDWR")
                || line.contains("O_CREAT")
                || [
                    "mkdir", "rename", "unlink", "rmdir", "symlink", "link(", "truncate", "chmod",
                    "chown",
                ]
                .iter()
                .any(|op| line.contains(op));
            if !writes || line.contains("= -1 E") {
                continue;
            }
            let path = line.split('"').nth(1).unwrap_or("");
            assert!(
                allowed.iter().any(|a| path.starts_with(a)),
                "{action} wrote outside the allowed places: {line}"
            );
        }
    }
}

//! floatip's actions against a real kernel: exit codes, exit reasons and
//! the addresses an operator would see with `ip addr`.

use libtest_mimic::Trial;

use crate::support::{floatip, Node, StockAgent};

pub fn trials() -> Vec<Trial> {
    trials!("actions":
        start_monitor_stop_lifecycle,
        start_takes_base_broadcast_and_label,
        deprecated_nic_label_form,
        label_longer_than_15_is_refused,
        status_prints_running_and_stopped,
        stop_finds_vip_after_base_address_is_gone,
        monitor_when_nic_vanishes,
        start_brings_the_interface_up,
        loopback_vip,
        netmask_forms_and_broadcast_symbols,
        derived_broadcast_without_base,
        noprefixroute_flag,
        findif_tie_takes_lowest_metric,
        no_route_is_generic_error,
        unknown_actions_exit_3,
        missing_ip_is_configuration_error,
        stop_ignores_unrelated_bad_parameters,
        non_root_gets_4_for_start_and_stop,
        unprivileged_meta_data_and_validate,
        by_hand_long_options,
        bad_option_maps_to_ocf_code,
        non_utf8_parameter_is_reasoned,
        ip_compared_as_value,
        network_namespace_missing,
        network_namespace_entered,
        logs_under_invoked_name,
        log_lines_match_the_stock_agent,
        syslog_lines_match_the_stock_agent,
    )
}

const VIP: &str = "192.0.2.10";

fn start_monitor_stop_lifecycle() {
    let node = Node::with_base();
    let agent = floatip();
    let p = [("ip", VIP)];
    node.run(&agent, "monitor", &p).expect(7);
    node.run(&agent, "start", &p).expect(0);
    let found = node.ns.find(VIP);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "eth0");
    assert_eq!(found[0].1.prefix_len, 24);
    node.run(&agent, "start", &p).expect(0);
    assert_eq!(node.ns.find(VIP).len(), 1, "a second start adds nothing");
    node.run(&agent, "monitor", &p).expect(0);
    node.run(
        &agent,
        "monitor",
        &[("ip", VIP), ("OCF_RESKEY_CRM_meta_interval", "10000")],
    )
    .expect(0);
    node.run(&agent, "stop", &p).expect(0);
    assert!(node.ns.find(VIP).is_empty());
    node.run(&agent, "stop", &p).expect(0);
    node.run(&agent, "monitor", &p).expect(7);
}

fn start_takes_base_broadcast_and_label() {
    let node = Node::with_base();
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("nic", "eth0"), ("iflabel", "vip1")],
    )
    .expect(0);
    let found = node.ns.find(VIP);
    assert_eq!(found[0].1.broadcast.as_deref(), Some("192.0.2.255"));
    assert_eq!(found[0].1.label.as_deref(), Some("eth0:vip1"));
    node.run(
        &floatip(),
        "stop",
        &[("ip", VIP), ("nic", "eth0"), ("iflabel", "vip1")],
    )
    .expect(0);
    assert!(node.ns.find(VIP).is_empty());
}

fn deprecated_nic_label_form() {
    let node = Node::with_base();
    let p = [("ip", VIP), ("nic", "eth0:old")];
    node.run(&floatip(), "start", &p).expect(0);
    assert_eq!(node.ns.find(VIP)[0].1.label.as_deref(), Some("eth0:old"));
    node.run(&floatip(), "monitor", &p).expect(0);
    node.run(&floatip(), "stop", &p).expect(0);
    assert!(node.ns.find(VIP).is_empty());
}

fn label_longer_than_15_is_refused() {
    let node = Node::with_base();
    let run = node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("nic", "eth0"), ("iflabel", "abcdefghijk")],
    );
    run.expect(6);
    assert!(
        run.exit_reasons()[0].contains("exceeds maximum character limit of 15"),
        "{run:?}"
    );
    assert!(
        node.ns.find(VIP).is_empty(),
        "checked before the address is added"
    );
}

fn status_prints_running_and_stopped() {
    let node = Node::with_base();
    let run = node.run(&floatip(), "status", &[("ip", VIP)]);
    run.expect(7);
    assert_eq!(run.stdout.trim(), "stopped");
    node.run(&floatip(), "start", &[("ip", VIP)]).expect(0);
    let run = node.run(&floatip(), "status", &[("ip", VIP)]);
    run.expect(0);
    assert_eq!(run.stdout.trim(), "running");
}

/// IPaddr2 looks for the VIP only where findif points, so after the base
/// address goes it reports 7 and "stops" with 0 while the VIP stays. floatip
/// finds it by value.
fn stop_finds_vip_after_base_address_is_gone() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &[("ip", VIP), ("cidr_netmask", "24")])
        .expect(0);
    node.ns.ip(&["addr", "del", "192.0.2.1/24", "dev", "eth0"]);
    // With promote_secondaries off the kernel drops secondaries with their
    // primary; put the VIP back alone to model a changed base.
    if node.ns.find(VIP).is_empty() {
        node.ns.ip(&["addr", "add", "192.0.2.10/24", "dev", "eth0"]);
    }
    node.ns.ip(&["route", "flush", "dev", "eth0"]);
    node.run(&floatip(), "monitor", &[("ip", VIP)]).expect(0);
    node.run(&floatip(), "stop", &[("ip", VIP)]).expect(0);
    assert!(node.ns.find(VIP).is_empty(), "stop removed the VIP");
}

fn monitor_when_nic_vanishes() {
    let node = Node::with_base();
    let p = [("ip", VIP), ("nic", "eth1"), ("cidr_netmask", "24")];
    node.run(&floatip(), "start", &p).expect(0);
    node.ns.ip(&["link", "del", "eth1"]);
    let recurring = node.run(
        &floatip(),
        "monitor",
        &[
            ("ip", VIP),
            ("nic", "eth1"),
            ("OCF_RESKEY_CRM_meta_interval", "10000"),
        ],
    );
    recurring.expect(1);
    assert_eq!(recurring.exit_reasons().len(), 1);
    node.run(
        &floatip(),
        "monitor",
        &[
            ("ip", VIP),
            ("nic", "eth1"),
            ("OCF_RESKEY_CRM_meta_interval", "0"),
        ],
    )
    .expect(7);
    node.run(&floatip(), "stop", &p).expect(0);
}

fn start_brings_the_interface_up() {
    let node = Node::new();
    node.ns.ip(&["link", "set", "eth1", "down"]);
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("nic", "eth1"), ("cidr_netmask", "24")],
    )
    .expect(0);
    let link = node.ns.ip(&["-o", "link", "show", "eth1"]);
    assert!(link.contains(",UP"), "{link}");
}

fn loopback_vip() {
    let node = Node::new();
    let p = [("ip", "127.0.0.3")];
    node.run(&floatip(), "start", &p).expect(0);
    let found = node.ns.find("127.0.0.3");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "lo");
    assert_eq!(found[0].1.prefix_len, 8);
    assert_eq!(found[0].1.broadcast, None);
    node.run(&floatip(), "monitor", &p).expect(0);
    node.run(&floatip(), "stop", &p).expect(0);
    assert!(node.ns.find("127.0.0.3").is_empty());
}

fn netmask_forms_and_broadcast_symbols() {
    let node = Node::with_base();
    let agent = floatip();
    let run = node.run(
        &agent,
        "start",
        &[
            ("ip", VIP),
            ("cidr_netmask", "255.255.255.240"),
            ("broadcast", "+"),
        ],
    );
    run.expect(0);
    assert!(
        run.stderr
            .contains("Please convert dotted quad netmask 255.255.255.240 to CIDR notation 28!"),
        "{}",
        run.stderr
    );
    let found = node.ns.find(VIP);
    assert_eq!(found[0].1.prefix_len, 28);
    assert_eq!(found[0].1.broadcast.as_deref(), Some("192.0.2.15"));
    node.run(&agent, "stop", &[("ip", VIP)]).expect(0);
    node.run(
        &agent,
        "start",
        &[("ip", VIP), ("netmask", "28"), ("broadcast", "-")],
    )
    .expect(0);
    let found = node.ns.find(VIP);
    assert_eq!(found[0].1.prefix_len, 28, "the hidden alias netmask");
    assert_eq!(found[0].1.broadcast.as_deref(), Some("192.0.2.0"));
}

/// floatip's difference: with no base address to copy from, the broadcast
/// is derived from the prefix (IPaddr2 sets none).
fn derived_broadcast_without_base() {
    let node = Node::new();
    node.run(
        &floatip(),
        "start",
        &[("ip", VIP), ("nic", "eth1"), ("cidr_netmask", "24")],
    )
    .expect(0);
    assert_eq!(
        node.ns.find(VIP)[0].1.broadcast.as_deref(),
        Some("192.0.2.255")
    );
    node.run(
        &floatip(),
        "start",
        &[
            ("ip", "203.0.113.20"),
            ("nic", "eth1"),
            ("cidr_netmask", "32"),
        ],
    )
    .expect(0);
    assert_eq!(
        node.ns.find("203.0.113.20")[0].1.broadcast,
        None,
        "none for /32"
    );
}

fn noprefixroute_flag() {
    let node = Node::new();
    node.run(
        &floatip(),
        "start",
        &[
            ("ip", VIP),
            ("nic", "eth1"),
            ("cidr_netmask", "24"),
            ("noprefixroute", "true"),
        ],
    )
    .expect(0);
    assert!(node.ns.find(VIP)[0].1.noprefixroute);
    let routes = node.ns.ip(&["-4", "route", "show", "dev", "eth1"]);
    assert!(
        !routes.contains("192.0.2.0/24"),
        "no prefix route: {routes}"
    );
}

fn findif_tie_takes_lowest_metric() {
    let node = Node::new();
    node.ns.ip(&[
        "route",
        "add",
        "192.0.2.0/24",
        "dev",
        "eth0",
        "metric",
        "200",
    ]);
    node.ns.ip(&[
        "route",
        "add",
        "192.0.2.0/24",
        "dev",
        "eth1",
        "metric",
        "100",
    ]);
    node.run(&floatip(), "start", &[("ip", VIP)]).expect(0);
    assert_eq!(node.ns.find(VIP)[0].0, "eth1");
}

fn no_route_is_generic_error() {
    let node = Node::with_base();
    let run = node.run(&floatip(), "start", &[("ip", "198.51.100.1")]);
    run.expect(1);
    assert_eq!(run.exit_reasons().len(), 1);
    assert!(run.exit_reasons()[0].contains("Unable to find nic or netmask"));
    node.run(&floatip(), "validate-all", &[("ip", "198.51.100.1")])
        .expect(1);
    node.run(&floatip(), "monitor", &[("ip", "198.51.100.1")])
        .expect(7);
}

fn unknown_actions_exit_3() {
    let node = Node::new();
    for action in crate::support::UNKNOWN_ACTIONS {
        // Before any validation: no ip at all.
        let run = node.run(&floatip(), action, &[]);
        run.expect(3);
        assert!(run.stdout.starts_with("usage:"), "{action}: {run:?}");
        assert_eq!(run.exit_reasons().len(), 1);
    }
    let bare = std::process::Command::new(floatip()).output().unwrap();
    assert_eq!(bare.status.code(), Some(3));
}

fn missing_ip_is_configuration_error() {
    let node = Node::with_base();
    for action in ["start", "monitor", "validate-all", "status"] {
        let run = node.run(&floatip(), action, &[("nic", "eth0")]);
        run.expect(6);
        assert_eq!(
            run.exit_reasons(),
            vec!["IP address (the ip parameter) is mandatory"]
        );
    }
    node.run(&floatip(), "stop", &[]).expect(0);
}

fn stop_ignores_unrelated_bad_parameters() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &[("ip", VIP)]).expect(0);
    let bad = [
        ("ip", VIP),
        ("arp_count", "lots"),
        ("cidr_netmask", "99"),
        ("broadcast", "x"),
        ("preferred_lft", ""),
    ];
    node.run(&floatip(), "validate-all", &bad).expect(6);
    node.run(&floatip(), "stop", &bad).expect(0);
    assert!(node.ns.find(VIP).is_empty());
    node.run(&floatip(), "stop", &[("ip", "not-an-ip")])
        .expect(0);
}

fn as_nobody(node: &Node, action: &str, params: &[(&str, &str)]) -> crate::support::Run {
    node.agent(&floatip(), action)
        .user(crate::support::User::Nobody)
        .params(params)
        .run()
}

fn non_root_gets_4_for_start_and_stop() {
    let node = Node::with_base();
    for action in ["start", "stop"] {
        let run = as_nobody(&node, action, &[("ip", VIP)]);
        run.expect(4);
        assert_eq!(
            run.exit_reasons(),
            vec![format!("You must be root for {action} operation.").as_str()]
        );
    }
    assert!(node.ns.find(VIP).is_empty());
}

fn unprivileged_meta_data_and_validate() {
    let node = Node::with_base();
    let run = as_nobody(&node, "meta-data", &[]);
    run.expect(0);
    assert!(run.stdout.contains("<resource-agent name=\"IPaddr2\""));
    as_nobody(&node, "validate-all", &[("ip", VIP)]).expect(0);
    as_nobody(&node, "usage", &[]).expect(0);
    as_nobody(&node, "monitor", &[("ip", VIP)]).expect(7);
}

fn by_hand_long_options() {
    let node = Node::with_base();
    // No parameter in the environment: everything comes from argv.
    let run = |args: &[&str]| node.agent(&floatip(), args[0]).args(&args[1..]).run();
    run(&["start", "--ip", VIP, "--nic", "eth0", "--cidr_netmask=24"]).expect(0);
    assert_eq!(node.ns.find(VIP)[0].1.prefix_len, 24);
    run(&["monitor", "--ip", VIP]).expect(0);
    run(&["stop", "--ip", VIP]).expect(0);
    run(&["monitor", "--ip", VIP]).expect(7);
    let help = run(&["--help"]);
    help.expect(0);
    assert!(help.stdout.contains("start"));
}

fn bad_option_maps_to_ocf_code() {
    let node = Node::with_base();
    let run = node
        .agent(&floatip(), "start")
        .args(["--no-such-option", "1"])
        .run();
    run.expect(2);
    assert_eq!(run.exit_reasons().len(), 1);
}

fn non_utf8_parameter_is_reasoned() {
    use std::os::unix::ffi::OsStrExt;
    let node = Node::with_base();
    let output = std::process::Command::new("ip")
        .args(["netns", "exec", &node.ns.name])
        .arg(floatip())
        .arg("start")
        .env_clear()
        .env("OCF_RESKEY_ip", VIP)
        .env("OCF_RESKEY_nic", std::ffi::OsStr::from_bytes(b"eth\xff"))
        .output()
        .unwrap();
    let run: crate::support::Run = output.into();
    run.expect(6);
    assert!(run.exit_reasons()[0].contains("UTF-8"), "{run:?}");
}

fn ip_compared_as_value() {
    let node = Node::with_base();
    node.run(&floatip(), "start", &[("ip", VIP)]).expect(0);
    // Another spelling of the same IPv4 address is not accepted by findif.sh
    // (leading zeros); the same value must still be found by monitor.
    node.run(&floatip(), "monitor", &[("ip", "192.0.2.10")])
        .expect(0);
    node.ns
        .ip(&["addr", "add", "2001:db8::1/64", "dev", "eth0", "nodad"]);
    node.run(&floatip(), "monitor", &[("ip", "2001:DB8::0001")])
        .expect(0);
    node.run(&floatip(), "stop", &[("ip", "2001:db8:0::1")])
        .expect(0);
    assert!(node.ns.find("2001:db8::1").is_empty());
}

fn network_namespace_missing() {
    let node = Node::with_base();
    let p = [("ip", VIP), ("network_namespace", "fip-no-such-namespace")];
    let run = node.run(&floatip(), "start", &p);
    run.expect(5);
    assert_eq!(run.exit_reasons().len(), 1);
    node.run(&floatip(), "monitor", &p).expect(7);
    node.run(&floatip(), "stop", &p).expect(0);
}

fn network_namespace_entered() {
    // The agent runs in the node's namespace and is told to act in the peer's.
    let node = Node::with_base();
    node.peer
        .ip(&["addr", "add", "198.51.100.1/24", "dev", "eth0"]);
    let p = [
        ("ip", "198.51.100.10"),
        ("network_namespace", node.peer.name.as_str()),
    ];
    node.run(&floatip(), "start", &p).expect(0);
    assert_eq!(node.peer.find("198.51.100.10").len(), 1);
    assert!(node.ns.find("198.51.100.10").is_empty());
    node.run(&floatip(), "monitor", &p).expect(0);
    node.run(&floatip(), "stop", &p).expect(0);
    assert!(node.peer.find("198.51.100.10").is_empty());
}

fn logs_under_invoked_name() {
    let node = Node::with_base();
    let dir = crate::support::tempdir::TempDir::new();
    let link = dir.path().join("IPaddr2");
    std::os::unix::fs::symlink(floatip(), &link).unwrap();
    let log = dir.path().join("ha.log");
    let log_s = log.display().to_string();
    let run = node.run(
        &link,
        "start",
        &[("ip", VIP), ("HA_LOGFILE", &log_s), ("cidr_netmask", "24")],
    );
    run.expect(0);
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("Adding inet address"))
        .expect(&text);
    assert!(line.contains(" IPaddr2(vip)["), "{line}");
    assert!(line.contains("]:    INFO: Adding inet address 192.0.2.10/24 with broadcast address 192.0.2.255 to device eth0"), "{line}");
    assert!(
        !run.stderr.contains("INFO:"),
        "with a log file nothing goes to stderr: {}",
        run.stderr
    );
    let failed = node.run(
        &link,
        "start",
        &[("ip", VIP), ("cidr_netmask", "99"), ("HA_LOGFILE", &log_s)],
    );
    failed.expect(6);
    assert_eq!(failed.exit_reasons().len(), 1);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains("ERROR: Invalid netmask specification [99]")),
        "{text}"
    );
}

/// The same start, logged by each stock agent (4.12, 4.16, 4.18) and by
/// floatip installed as IPaddr2: the "Adding inet address" line is the
/// same in HA_LOGFILE and HA_DEBUGLOG once the time and pid are masked,
/// and so is "Adding inet6 address" with 4.16 and 4.18, which name the
/// prefix route's metric as floatip does (4.12 adds no metric).
fn log_lines_match_the_stock_agent() {
    let dir = crate::support::tempdir::TempDir::new();
    let link = dir.path().join("IPaddr2");
    std::os::unix::fs::symlink(floatip(), &link).unwrap();
    let adding_lines = |agent: &std::path::Path, env: &[(String, String)], name: &str, v6: bool| {
        let node = Node::with_base();
        node.ns
            .ip(&["addr", "add", "2001:db8:1234::1/64", "dev", "eth0", "nodad"]);
        let log = dir.path().join(format!("{name}.log"));
        let debug = dir.path().join(format!("{name}.debug"));
        let (log_s, debug_s) = (log.display().to_string(), debug.display().to_string());
        let (ip, wanted) = if v6 {
            ("2001:db8:1234::10", "Adding inet6 address")
        } else {
            (VIP, "Adding inet address")
        };
        let mut params: Vec<(&str, &str)> = vec![
            ("ip", ip),
            ("arp_count", "1"),
            ("nodad", "true"),
            ("HA_LOGFILE", &log_s),
            ("HA_DEBUGLOG", &debug_s),
        ];
        params.extend(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        node.run(agent, "start", &params).expect(0);
        let lines: Vec<String> = [&log, &debug]
            .iter()
            .map(|file| {
                let text = std::fs::read_to_string(file).unwrap_or_default();
                let line = text
                    .lines()
                    .find(|l| l.contains(wanted))
                    .unwrap_or("")
                    .to_owned();
                mask(&line)
            })
            .collect();
        let _ = std::fs::remove_file(&log);
        let _ = std::fs::remove_file(&debug);
        lines
    };
    for version in ["1:4.12.0-2", "1:4.16.0-3+deb13u2", "1:4.18.0-4"] {
        let stock = StockAgent::of(version);
        for v6 in [false, true] {
            if v6 && version == "1:4.12.0-2" {
                continue;
            }
            let theirs = adding_lines(&stock.agent, &stock.env(), "stock", v6);
            let ours = adding_lines(&link, &[], "floatip", v6);
            assert!(
                !theirs[0].is_empty() && !theirs[1].is_empty(),
                "{version}: {theirs:?}"
            );
            assert_eq!(ours, theirs, "{version}");
        }
    }
}

/// Masks the timestamp ("Nov 25 23:41:45") and the [pid] of a log line.
fn mask(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        let close = rest[open..]
            .find(']')
            .map(|i| open + i)
            .unwrap_or(rest.len());
        if rest[open + 1..close].chars().all(|c| c.is_ascii_digit()) {
            out.push_str("PID");
        } else {
            out.push_str(&rest[open + 1..close]);
        }
        rest = &rest[close..];
        if let Some(stripped) = rest.strip_prefix(']') {
            out.push(']');
            rest = stripped;
        }
    }
    out.push_str(rest);
    let chars: Vec<char> = out.chars().collect();
    let mut masked = String::new();
    let mut i = 0;
    while i < chars.len() {
        // "Mmm dd hh:mm:ss" is 15 characters wherever it stands.
        let window: String = chars[i..chars.len().min(i + 15)].iter().collect();
        if window.len() == 15
            && window.as_bytes()[3] == b' '
            && window.as_bytes()[9] == b':'
            && window.as_bytes()[12] == b':'
        {
            masked.push_str("DATE");
            i += 15;
        } else {
            masked.push(chars[i]);
            i += 1;
        }
    }
    masked
}

/// Runs `agent start` with HA_LOGFACILITY=daemon in a mount namespace of
/// its own whose /dev/log is a listener's socket; returns the datagrams.
fn syslog_datagrams(node: &Node, agent: &std::path::Path, dir: &std::path::Path) -> Vec<String> {
    let script = format!(
        r#"set -e
mkdir -p {dir}/olddev && mount --bind /dev {dir}/olddev
mount -t tmpfs tmpfs /dev
for n in null zero urandom; do touch /dev/$n; mount --bind {dir}/olddev/$n /dev/$n; done
python3 -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(1.0)
try:
    while True:
        print(s.recv(65536).decode().replace("\n", " "), flush=True)
except OSError:
    pass' &
# The listener's socket, however long python takes to start under load.
for i in $(seq 200); do [ -S /dev/log ] && break; sleep 0.05; done
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf HA_LOGFACILITY=daemon OCF_RESOURCE_INSTANCE=vip \
    OCF_RESKEY_ip={VIP} OCF_RESKEY_arp_count=1 HA_RSCTMP={dir}/rsc {agent} start >/dev/null 2>&1
wait"#,
        dir = dir.display(),
        agent = agent.display()
    );
    let out = std::process::Command::new("ip")
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
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// With HA_LOGFACILITY set, both agents send syslog the same datagram:
/// priority, tag and message (time and pid masked).
fn syslog_lines_match_the_stock_agent() {
    let dir = crate::support::tempdir::TempDir::new();
    let link = dir.path().join("IPaddr2");
    std::os::unix::fs::symlink(floatip(), &link).unwrap();
    let adding = |agent: &std::path::Path, name: &str| -> String {
        let node = Node::with_base();
        let scratch = dir.path().join(name);
        std::fs::create_dir_all(&scratch).unwrap();
        let datagrams = syslog_datagrams(&node, agent, &scratch);
        mask(
            datagrams
                .iter()
                .find(|d| d.contains("Adding inet address"))
                .unwrap_or(&String::new()),
        )
    };
    let stock = adding(std::path::Path::new(crate::support::STOCK_AGENT), "stock");
    let ours = adding(&link, "floatip");
    assert!(
        stock.starts_with("<30>DATE IPaddr2(vip)[PID]: INFO: Adding inet address"),
        "{stock}"
    );
    assert_eq!(ours, stock);
}
